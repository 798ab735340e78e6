//! Shared clips concatenated into one stream, and how well live labels follow it: the
//! measurements behind the live-label test (`tests/tests/live.rs`) and the horizon sweep
//! (`examples/live_sweep.rs`).

use std::path::PathBuf;
use std::time::Duration;

use movinet::{Event, EventChange, Frame};

use crate::{clip_duration, clip_list, clip_path, probe, stream_rgb_file, Xorshift, SWS_FLAGS};

/// Concatenations of shared clips that A0 labels correctly alone, each at least 4 s long, no
/// two neighbours with the same label.
pub const CONCATENATIONS: &[&[&str]] = &[
    // The example: shooting basketball 10 s, cleaning pool 10 s, carving ice 6.7 s.
    &[
        "mmaction2_test_video_structuralize.mp4",
        "mmaction2_tests_data_test.mp4",
        "tfexamples_android_carving_ice.mp4",
    ],
    &[
        "mmaction2_demo_arm_wrestling.mp4",
        "decord_flipping_a_pancake.mkv",
        "paddlevideo_horse_riding.gif",
    ],
    &[
        "decord_flipping_a_pancake.mkv",
        "tfexamples_rpi_carving_ice.mp4",
        "mmaction2_demo_arm_wrestling.mp4",
        "mmaction2_tests_data_test.mp4",
    ],
    &[
        "paddlevideo_horse_riding.gif",
        "mmaction2_test_video_structuralize.mp4",
        "tfexamples_android_carving_ice.mp4",
        "mmaction2_demo_arm_wrestling.mp4",
    ],
];

/// Where the parts of a stream begin and end in stream time.
pub struct Timeline {
    /// Each part's start (the first is 0), seconds.
    pub cuts: Vec<f64>,
    pub end: f64,
    /// Each part's expected label, from `clips.csv`; `None` for an idle scene (no action).
    pub labels: Vec<Option<String>>,
}

impl Timeline {
    /// Each part's expected class among `labels` (`None`: no action).
    pub fn indices(&self, labels: &movinet::Labels) -> Vec<Option<usize>> {
        self.labels
            .iter()
            .map(|l| l.as_ref().map(|l| labels.index_of(l).expect(l)))
            .collect()
    }
}

/// A piece of a stream: a shared clip, or a scene where nothing happens.
#[derive(Clone, Copy, Debug)]
pub enum Part<'a> {
    Clip(&'a str),
    /// `seconds` of a still scene at 30 fps, the size of the clip before it.
    Idle {
        seconds: f64,
        scene: Scene,
    },
}

/// What an idle stretch shows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scene {
    /// Mid-grey: a covered or blank camera.
    Grey,
    /// The last frame of the clip before it, held: the person stopped (or the video froze).
    Frozen,
}

/// What happens to a stream's frames before the classifier sees them: what another encoder,
/// another machine's codec or a noisier camera does to the same scene.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Perturbation {
    /// The clips' frames as decoded (the same bits on every CPU: see `SWS_FLAGS`).
    None,
    /// Every byte moved by -1, 0 or +1 (clamped), from a fixed seed.
    Noise { seed: u64 },
    /// Each clip re-encoded by x264 at this CRF (frames and timestamps kept), then decoded.
    Reencoded { crf: u8 },
}

impl std::fmt::Display for Perturbation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::None => write!(f, "as decoded"),
            Self::Noise { seed } => write!(f, "noise +-1 (seed {seed})"),
            Self::Reencoded { crf } => write!(f, "x264 crf {crf}"),
        }
    }
}

/// Decodes the clips one after the other and hands every frame to `f`, its timestamp running
/// on across the cuts (each clip starts where the previous one's container duration ends).
pub fn stream_concatenation(clips: &[&str], f: impl FnMut(&Frame<'_>)) -> Timeline {
    let parts: Vec<Part<'_>> = clips.iter().map(|&c| Part::Clip(c)).collect();
    stream_parts(&parts, Perturbation::None, f)
}

/// [`stream_concatenation`] for clips and idle scenes, with the frames perturbed.
pub fn stream_parts(
    parts: &[Part<'_>],
    perturbation: Perturbation,
    mut f: impl FnMut(&Frame<'_>),
) -> Timeline {
    let expected = clip_list();
    let mut cuts = Vec::new();
    let mut labels = Vec::new();
    let mut offset = Duration::ZERO;
    let mut last: Option<(Vec<u8>, usize, usize)> = None;
    let mut noise = Xorshift::new(match perturbation {
        Perturbation::Noise { seed } => seed,
        _ => 0,
    });
    let mut feed = |rgb: &[u8], w: usize, h: usize, t: Duration| {
        let perturbed;
        let bytes = if let Perturbation::Noise { .. } = perturbation {
            perturbed = add_noise(rgb, &mut noise);
            &perturbed[..]
        } else {
            rgb
        };
        let frame = Frame::rgb888(bytes, w, h, w * 3)
            .expect("RGB frame")
            .with_timestamp(t);
        f(&frame);
    };
    for part in parts {
        cuts.push(offset.as_secs_f64());
        match *part {
            Part::Clip(clip) => {
                let (_, label) = expected
                    .iter()
                    .find(|(file, _)| file == clip)
                    .unwrap_or_else(|| panic!("{clip} is not in clips.csv"));
                labels.push(Some(label.clone()));
                let (_, _, times) = probe(&clip_path(clip));
                let path = match perturbation {
                    Perturbation::Reencoded { crf } => reencoded(clip, crf),
                    _ => clip_path(clip),
                };
                let mut n = 0;
                stream_rgb_file(&path, |rgb, w, h, _| {
                    // The clip's own timestamps: the re-encoded file keeps its frames, and
                    // the stream keeps its timeline.
                    let t = offset + times[n].expect("clip timestamps");
                    n += 1;
                    feed(rgb, w, h, t);
                    if last.as_ref().is_none_or(|l| l.0.len() != rgb.len()) {
                        last = Some((rgb.to_vec(), w, h));
                    } else if let Some(l) = &mut last {
                        l.0.copy_from_slice(rgb);
                        (l.1, l.2) = (w, h);
                    }
                });
                assert_eq!(n, times.len(), "{clip}: frames");
                offset += clip_duration(clip);
            }
            Part::Idle { seconds, scene } => {
                labels.push(None);
                let (rgb, w, h) = last.clone().expect("an idle scene follows a clip");
                let still = match scene {
                    Scene::Grey => vec![128u8; rgb.len()],
                    Scene::Frozen => rgb,
                };
                let frames = (seconds * 30.0).round() as u32;
                for i in 0..frames {
                    feed(&still, w, h, offset + Duration::from_secs(i.into()) / 30);
                }
                offset += Duration::from_secs_f64(seconds);
            }
        }
    }
    Timeline {
        cuts,
        end: offset.as_secs_f64(),
        labels,
    }
}

/// `rgb` with -1, 0 or +1 added to every byte (clamped), two bits of `noise` each.
fn add_noise(rgb: &[u8], noise: &mut Xorshift) -> Vec<u8> {
    let mut out = rgb.to_vec();
    for chunk in out.chunks_mut(32) {
        let mut bits = noise.next().unwrap_or(0);
        for v in chunk {
            *v = match bits & 3 {
                0 => v.saturating_sub(1),
                1 => v.saturating_add(1),
                _ => *v,
            };
            bits >>= 2;
        }
    }
    out
}

/// A shared clip re-encoded by x264 at `crf`, every frame and timestamp kept, converted to
/// 4:2:0 with the exact C path of libswscale; made once per machine (kept in the temp
/// folder, never in the repository: it is derived from `../shared`).
pub fn reencoded(clip: &str, crf: u8) -> PathBuf {
    let dir = std::env::temp_dir().join("movinet-reencoded");
    std::fs::create_dir_all(&dir).expect("temp folder");
    let out = dir.join(format!("{clip}.crf{crf}.mp4"));
    if out.exists() {
        return out;
    }
    let part = dir.join(format!("{clip}.crf{crf}.{}.part.mp4", std::process::id()));
    let status = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-nostdin", "-y", "-i"])
        .arg(clip_path(clip))
        .args(["-fps_mode", "passthrough", "-sws_flags", SWS_FLAGS])
        .args([
            "-c:v",
            "libx264",
            "-crf",
            &crf.to_string(),
            "-pix_fmt",
            "yuv420p",
        ])
        .args(["-an", "-threads", "1"])
        .arg(&part)
        .status()
        .expect("run ffmpeg");
    assert!(status.success(), "{clip}: x264 re-encode failed");
    std::fs::rename(&part, &out).expect("rename the re-encoded clip");
    out
}

/// What a live stream said: the top-1 class of each prediction and the events.
#[derive(Default)]
pub struct Trace {
    /// Stream time (seconds) and top-1 class of every prediction.
    pub times: Vec<f64>,
    pub tops: Vec<usize>,
    /// Every event that ended (add the one under way at the end of the stream).
    pub events: Vec<Event>,
    /// When each event's start was reported (the time of the prediction that carried it).
    pub started_at: Vec<f64>,
}

impl Trace {
    pub fn record(&mut self, t: f64, top: usize, changes: &[EventChange]) {
        self.times.push(t);
        self.tops.push(top);
        for change in changes {
            match change {
                EventChange::Started(_) => self.started_at.push(t),
                EventChange::Ended(e) => self.events.push(e.clone()),
            }
        }
    }
}

/// How well a trace follows a concatenation.
pub struct Figures {
    /// Fraction of the predictions from 3 s after each cut (and after the start) whose top-1
    /// is the segment's label.
    pub segment_top1: f64,
    /// Per cut into a clip (the first part has none, idle scenes have none): seconds from the
    /// cut until the clip's label is top-1 for good (up to the next cut); infinite if it never
    /// is.
    pub latencies: Vec<f64>,
}

pub fn figures(trace: &Trace, timeline: &Timeline, labels: &[Option<usize>]) -> Figures {
    let (mut right, mut counted) = (0usize, 0usize);
    let mut latencies = Vec::new();
    for (k, &label) in labels.iter().enumerate() {
        let Some(label) = label else {
            continue; // an idle scene: no label to follow
        };
        let from = timeline.cuts[k];
        let to = timeline.cuts.get(k + 1).copied().unwrap_or(timeline.end);
        let segment: Vec<usize> = (0..trace.times.len())
            .filter(|&i| trace.times[i] >= from && trace.times[i] < to)
            .collect();
        for &i in &segment {
            if trace.times[i] >= from + 3.0 {
                counted += 1;
                right += usize::from(trace.tops[i] == label);
            }
        }
        if k > 0 {
            let holds = (0..segment.len())
                .find(|&j| segment[j..].iter().all(|&i| trace.tops[i] == label))
                .map_or(f64::INFINITY, |j| trace.times[segment[j]] - from);
            latencies.push(holds);
        }
    }
    Figures {
        segment_top1: right as f64 / counted.max(1) as f64,
        latencies,
    }
}

pub fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => v[n / 2],
        _ => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// Each event as `label start-end s (peak p, mean m)`, for messages.
pub fn describe(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .map(|e| {
            format!(
                "{} {:.1}-{:.1} s (peak {:.2}, mean {:.2})",
                e.label,
                e.start.as_secs_f64(),
                e.end.map_or(f64::NAN, |t| t.as_secs_f64()),
                e.peak_score,
                e.mean_score
            )
        })
        .collect()
}

/// Seconds to one decimal, "never" for infinity.
pub fn secs(v: &[f64]) -> String {
    let parts: Vec<String> = v
        .iter()
        .map(|&x| {
            if x.is_finite() {
                format!("{x:.1}")
            } else {
                "never".into()
            }
        })
        .collect();
    parts.join(", ")
}

/// 1-based rank of class `want` among `probabilities` (ties: the lower index first).
pub fn rank(probabilities: &[f32], want: usize) -> usize {
    let p = probabilities[want];
    1 + probabilities
        .iter()
        .enumerate()
        .filter(|&(i, &q)| q > p || (q == p && i < want))
        .count()
}

/// The clips one after the other in one H.264 file at `crf` (what a user's video of several
/// actions is like, for the command's tests), each scaled into 426x240 (aspect kept, padded,
/// by libswscale's exact path) at 30 fps; returns each clip's start in the file, seconds.
pub fn encode_concatenation(clips: &[&str], out: &std::path::Path, crf: u8) -> Vec<f64> {
    let mut cmd = std::process::Command::new("ffmpeg");
    cmd.args(["-v", "error", "-nostdin", "-y"]);
    let mut graph = String::new();
    for (i, clip) in clips.iter().enumerate() {
        cmd.arg("-i").arg(clip_path(clip));
        graph.push_str(&format!(
            "[{i}:v]scale=426:240:force_original_aspect_ratio=decrease:flags={SWS_FLAGS},\
             pad=426:240:(ow-iw)/2:(oh-ih)/2,setsar=1,fps=30[v{i}];"
        ));
    }
    for i in 0..clips.len() {
        graph.push_str(&format!("[v{i}]"));
    }
    graph.push_str(&format!("concat=n={}:v=1:a=0", clips.len()));
    cmd.args(["-filter_complex", &graph])
        .args(["-sws_flags", SWS_FLAGS])
        .args([
            "-c:v",
            "libx264",
            "-crf",
            &crf.to_string(),
            "-pix_fmt",
            "yuv420p",
        ])
        .arg(out);
    let status = cmd.status().expect("run ffmpeg");
    assert!(status.success(), "{cmd:?} failed");
    let mut cuts = Vec::new();
    let mut t = 0.0;
    for clip in clips {
        cuts.push(t);
        t += clip_duration(clip).as_secs_f64();
    }
    cuts
}

/// Two actions with a still scene between them: the stretch where nothing happens must give
/// no event, and the first action's event must end soon after it stops.
pub const IDLE_STREAMS: &[[Part<'static>; 3]] = &[
    [
        Part::Clip("tfexamples_android_carving_ice.mp4"),
        Part::Idle {
            seconds: 6.0,
            scene: Scene::Grey,
        },
        Part::Clip("mmaction2_demo_arm_wrestling.mp4"),
    ],
    [
        Part::Clip("mmaction2_test_video_structuralize.mp4"),
        Part::Idle {
            seconds: 6.0,
            scene: Scene::Frozen,
        },
        Part::Clip("mmaction2_tests_data_test.mp4"),
    ],
    [
        Part::Clip("mmaction2_demo_arm_wrestling.mp4"),
        Part::Idle {
            seconds: 6.0,
            scene: Scene::Frozen,
        },
        Part::Clip("decord_flipping_a_pancake.mkv"),
    ],
    [
        Part::Clip("paddlevideo_horse_riding.gif"),
        Part::Idle {
            seconds: 6.0,
            scene: Scene::Grey,
        },
        Part::Clip("tfexamples_android_carving_ice.mp4"),
    ],
];
