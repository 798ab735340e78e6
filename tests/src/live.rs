//! Shared clips concatenated into one stream, and how well live labels follow it: the
//! measurements behind the live-label test (`tests/tests/live.rs`) and the horizon sweep
//! (`examples/live_sweep.rs`).

use std::time::Duration;

use movinet::{Event, EventChange, Frame};

use crate::{clip_duration, clip_list, stream_rgb};

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

/// Where the clips of a concatenation begin and end in stream time.
pub struct Timeline {
    /// Each clip's start (the first is 0), seconds.
    pub cuts: Vec<f64>,
    pub end: f64,
    /// Each clip's expected label, from `clips.csv`.
    pub labels: Vec<String>,
}

/// Decodes the clips one after the other and hands every frame to `f`, its timestamp running
/// on across the cuts (each clip starts where the previous one's container duration ends).
pub fn stream_concatenation(clips: &[&str], mut f: impl FnMut(&Frame<'_>)) -> Timeline {
    let expected = clip_list();
    let mut cuts = Vec::new();
    let mut labels = Vec::new();
    let mut offset = Duration::ZERO;
    for clip in clips {
        cuts.push(offset.as_secs_f64());
        let (_, label) = expected
            .iter()
            .find(|(file, _)| file == clip)
            .unwrap_or_else(|| panic!("{clip} is not in clips.csv"));
        labels.push(label.clone());
        stream_rgb(clip, |rgb, w, h, ts| {
            let t = offset + ts.expect("clip timestamps");
            let frame = Frame::rgb888(rgb, w, h, w * 3)
                .expect("RGB frame")
                .with_timestamp(t);
            f(&frame);
        });
        offset += clip_duration(clip);
    }
    Timeline {
        cuts,
        end: offset.as_secs_f64(),
        labels,
    }
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
    /// Per cut (the first segment has none): seconds from the cut until the segment's label is
    /// top-1 for good (up to the next cut); infinite if it never is.
    pub latencies: Vec<f64>,
}

pub fn figures(trace: &Trace, timeline: &Timeline, labels: &[usize]) -> Figures {
    let (mut right, mut counted) = (0usize, 0usize);
    let mut latencies = Vec::new();
    for (k, &label) in labels.iter().enumerate() {
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
