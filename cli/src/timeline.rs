//! The action events of a clip: the timeline printed after the top classes, the `events` of
//! `--json`, and `--srt` / `--vtt` subtitles a video player shows over the clip.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use movinet::Event;
use serde::Serialize;

/// One event as `--json` prints it.
#[derive(Serialize, Clone, Debug)]
pub struct EventReport {
    pub label: String,
    pub index: usize,
    /// When the label became the top label, seconds on the clip's timestamps (to the
    /// microsecond in JSON).
    #[serde(serialize_with = "microseconds")]
    pub start_s: f64,
    /// When it stopped being the top label (the end of the last frame for the last event).
    #[serde(serialize_with = "microseconds")]
    pub end_s: f64,
    pub peak_score: f32,
    pub mean_score: f32,
}

/// Seconds to the microsecond: `3.033333`, not `3.0333333333333332`.
fn microseconds<S: serde::Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(crate::classify::rounded(*v, 6))
}

impl From<&Event> for EventReport {
    fn from(e: &Event) -> Self {
        let start_s = e.start.as_secs_f64();
        Self {
            label: e.label.clone(),
            index: e.index,
            start_s,
            end_s: e.end.map_or(start_s, |t| t.as_secs_f64()),
            peak_score: e.peak_score,
            mean_score: e.mean_score,
        }
    }
}

/// The timeline, one line per event, for the text report.
pub fn print(events: &[EventReport]) {
    if events.is_empty() {
        println!("  no action held long enough to be an event");
        return;
    }
    for e in events {
        println!(
            "  {:>7.1} – {:>7.1} s  {:<40} peak {:.2}  mean {:.2}",
            e.start_s, e.end_s, e.label, e.peak_score, e.mean_score
        );
    }
}

/// Subtitle formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subtitles {
    Srt,
    Vtt,
}

impl Subtitles {
    /// `HH:MM:SS,mmm` (SubRip) or `HH:MM:SS.mmm` (WebVTT).
    fn time(self, seconds: f64) -> String {
        let ms = (seconds.max(0.0) * 1000.0).round() as u64;
        let (h, m, s, ms) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
        let sep = if self == Self::Srt { ',' } else { '.' };
        format!("{h:02}:{m:02}:{s:02}{sep}{ms:03}")
    }

    /// The subtitle file's text: one cue per event, showing its label while it lasts.
    pub fn render(self, events: &[EventReport]) -> String {
        let mut out = String::new();
        if self == Self::Vtt {
            out.push_str("WEBVTT\n\n");
        }
        for (n, e) in events.iter().enumerate() {
            if self == Self::Srt {
                let _ = writeln!(out, "{}", n + 1);
            }
            // A cue needs a positive span; events always have one, but be safe.
            let end = e.end_s.max(e.start_s + 0.001);
            let _ = writeln!(out, "{} --> {}", self.time(e.start_s), self.time(end));
            // A blank line ends a cue: keep labels on one line.
            let label = e.label.replace(['\r', '\n'], " ");
            let _ = writeln!(out, "{label}\n");
        }
        out
    }

    /// Writes the subtitles to `path`.
    pub fn write(self, path: &Path, events: &[EventReport]) -> Result<PathBuf, String> {
        std::fs::write(path, self.render(events))
            .map_err(|e| format!("{}: cannot write subtitles: {e}", path.display()))?;
        Ok(path.to_path_buf())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events() -> Vec<EventReport> {
        vec![
            EventReport {
                label: "shooting basketball".into(),
                index: 450,
                start_s: 0.2,
                end_s: 11.4,
                peak_score: 0.98,
                mean_score: 0.8,
            },
            EventReport {
                label: "cleaning\npool".into(),
                index: 96,
                start_s: 3_725.012_5,
                end_s: 3_726.0,
                peak_score: 1.0,
                mean_score: 0.88,
            },
        ]
    }

    #[test]
    fn srt_numbers_cues_with_comma_milliseconds() {
        assert_eq!(
            Subtitles::Srt.render(&events()),
            "1\n00:00:00,200 --> 00:00:11,400\nshooting basketball\n\n\
             2\n01:02:05,013 --> 01:02:06,000\ncleaning pool\n\n"
        );
    }

    #[test]
    fn vtt_has_its_header_and_dot_milliseconds() {
        assert_eq!(
            Subtitles::Vtt.render(&events()),
            "WEBVTT\n\n00:00:00.200 --> 00:00:11.400\nshooting basketball\n\n\
             01:02:05.013 --> 01:02:06.000\ncleaning pool\n\n"
        );
    }
}
