//! `classify --annotate OUT.mp4`: the input video written back with the SDK's live view drawn
//! on every frame (the current action, the top-3 bars, the events strip: `movinet-overlay`),
//! and the events as a soft subtitle track.
//!
//! It runs after the clip is classified, decoding the input a second time: the events are
//! dated from when their label became the top label, which is known only once the label has
//! held (0.6 s later by default), so a single pass would draw each action late by that much or
//! hold back frames without bound. In the second pass each frame shows the action whose event
//! covers its timestamp (the same spans as `--json`, `--srt` and the subtitle track), the top 3
//! of the latest prediction at or before it (what an app shows live), and the events so far.
//! Classifying is untouched by annotating: the report is the same with or without it.

mod encode;
mod turn;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressStyle};
use movinet::{Labels, Rotation};
use movinet_overlay::{Bar, Overlay, PixelFormat, Span, View};

use crate::classify::ClipReport;
use crate::decode::VideoDecoder;

/// Top classes drawn as bars.
const BARS: usize = movinet_overlay::BARS;

/// Writes `input` with the live view of `report` drawn in, to `out`. `progress`: a progress
/// bar on stderr when it is a terminal.
pub fn annotate(
    input: &Path,
    out: &Path,
    report: &ClipReport,
    labels: Option<&Labels>,
    progress: bool,
) -> Result<PathBuf, String> {
    let name = input
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| input.display().to_string());
    let fail = |e: String| format!("{name}: --annotate: {e}");
    if input.is_dir() {
        return Err(fail(
            "a folder of images has no frame times to write a video with; give a video file".into(),
        ));
    }
    // Always upright as players show it: the overlay is drawn upright whatever
    // `--no-autorotate` fed the model.
    let mut decoder = VideoDecoder::open(input, true).map_err(|e| e.to_string())?;
    let info = decoder.info();
    let Some(first) = decoder.next() else {
        return Err(fail("no frames decoded".into()));
    };
    let rotation = info.rotation.unwrap_or(first.rotation);
    let (uw, uh) = turn::size(first.width, first.height, rotation);
    let mut overlay = Overlay::new(uw, uh).map_err(|e| fail(e.to_string()))?;
    let spec = encode::VideoSpec {
        width: first.width,
        height: first.height,
        time_base: info.time_base,
        avg_frame_rate: info.avg_frame_rate,
        real_frame_rate: info.real_frame_rate,
        rotation,
        colour: decoder.colour(),
    };
    let mut writer = encode::Writer::create(out, &spec).map_err(fail)?;
    let spans: Vec<Span> = report
        .events
        .iter()
        .map(|e| Span {
            label: e.label.clone(),
            index: e.index,
            start_s: e.start_s,
            end_s: Some(e.end_s),
        })
        .collect();
    let duration_s = report.duration_s;
    let bar = progress_bar(&name, report.frames_decoded, progress);
    let trace = &report.trace;
    let mut next_prediction = 0;
    let mut top: Vec<Bar> = Vec::new();
    let mut upright = Vec::new();
    // Where the time goes, for `RUST_LOG=debug`: decoding, drawing, encoding.
    let mut spent = [std::time::Duration::ZERO; 3];
    let mut clock = std::time::Instant::now();
    let mut frames = 0usize;
    let mut lap = |i: usize, clock: &mut std::time::Instant| {
        let now = std::time::Instant::now();
        spent[i] += now - *clock;
        *clock = now;
    };
    let mut next = Some(first);
    while let Some(frame) = next.take().or_else(|| decoder.next()) {
        lap(0, &mut clock);
        frames += 1;
        let t = frame.timestamp.map_or(0.0, |d| d.as_secs_f64());
        // The latest prediction at or before this frame (the same times as the first pass's).
        let mut latest = None;
        while next_prediction < trace.times.len() && trace.times[next_prediction] <= t {
            latest = Some(next_prediction);
            next_prediction += 1;
        }
        if let Some(k) = latest {
            top = movinet::postprocess::top_k(&trace.probabilities[k], BARS, labels)
                .into_iter()
                .map(|c| Bar {
                    label: c.label,
                    index: c.index,
                    score: c.score,
                })
                .collect();
        }
        let view = View {
            action: spans.iter().find(|s| s.covers(t)),
            top: &top,
            events: &spans,
            time_s: t,
            duration_s,
        };
        let (w, h) = (frame.width, frame.height);
        let mut rgb = frame.rgb;
        if rotation == Rotation::Deg0 {
            overlay
                .draw(&mut rgb, w * 3, PixelFormat::Rgb, &view)
                .map_err(|e| fail(e.to_string()))?;
        } else {
            turn::turn(&rgb, w, h, rotation, &mut upright);
            overlay
                .draw(&mut upright, uw * 3, PixelFormat::Rgb, &view)
                .map_err(|e| fail(e.to_string()))?;
            turn::turn(&upright, uw, uh, turn::inverse(rotation), &mut rgb);
        }
        lap(1, &mut clock);
        let pts = frame
            .pts
            .map_or(0, |p| p.saturating_sub(info.start_pts).max(0));
        writer
            .frame(&rgb, w, h, pts, frame.duration)
            .map_err(fail)?;
        if let Some(b) = &bar {
            b.inc(1);
        }
        lap(2, &mut clock);
    }
    let per_frame = |d: std::time::Duration| d.as_secs_f64() * 1e3 / frames.max(1) as f64;
    log::debug!(
        "{name}: annotating {frames} frames, per frame: decode {:.2} ms, draw {:.2} ms, encode {:.2} ms",
        per_frame(spent[0]),
        per_frame(spent[1]),
        per_frame(spent[2])
    );
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    writer.finish(&report.events, duration_s).map_err(fail)
}

fn progress_bar(name: &str, frames: usize, wanted: bool) -> Option<ProgressBar> {
    (wanted && std::io::stderr().is_terminal()).then(|| {
        let b = ProgressBar::new(frames as u64);
        b.set_style(
            ProgressStyle::with_template("{prefix} annotating {wide_bar} {pos}/{len} frames {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        b.set_prefix(name.to_string());
        b
    })
}
