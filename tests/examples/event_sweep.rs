//! Action events with a margin: the sweep behind `EventOptions::DEFAULT` (issue 20).
//!
//! `cargo run --release -p movinet-tests --example event_sweep [-- --all]`
//!
//! 1. **Traces.** Every stream of `movinet_tests::live` (the four `CONCATENATIONS`, and the
//!    `IDLE_STREAMS`: two clips with 5 s of a grey or frozen scene between them) runs through
//!    a `Classifier` with the apps' defaults (A0, 5 fps, the 2 s horizon), once as decoded and
//!    once per perturbation: ±1 noise on every pixel (two seeds) and each clip re-encoded by
//!    x264 at CRF 18, 28 and 36. Each prediction's time and probabilities are kept.
//! 2. **Margins.** A *run* is a stretch of frames on which one label is top with at least the
//!    keep score (the detector's own notion). For every run, the highest mean score over a
//!    `min_duration` window once it has lasted that long (what the detector compares with
//!    `min_score`), and the highest single score after that long (what the old rule compared).
//!    A run is the action's when it starts inside a clip whose label it is; every other run
//!    (a label top for a moment at a change of action, or during an idle scene) must start
//!    no event. The table gives, per perturbation, the highest such run and the lowest
//!    action.
//! 3. **Options.** The real `EventDetector` over every trace, per option set: spurious events
//!    (not the action of the part where they start), missed clips (no event of their label),
//!    split clips (more than one), the latest start after a cut, and, for idle scenes, how long
//!    after the stop the first clip's event ends. `--all` prints every option set of the grid
//!    instead of the rows around the defaults.

use std::time::Duration;

use movinet::{Classifier, ClassifierOptions, EventChange, EventDetector, EventOptions};
use movinet_tests::live::{
    stream_parts, Part, Perturbation, Timeline, CONCATENATIONS, IDLE_STREAMS,
};
use movinet_tests::{a0, kinetics_labels};

/// One stream's predictions: (time in s, probabilities).
struct Trace {
    name: String,
    perturbation: Perturbation,
    timeline: Timeline,
    /// Each part's class (`None`: idle).
    want: Vec<Option<usize>>,
    frames: Vec<(f64, Vec<f32>)>,
}

const PERTURBATIONS: [Perturbation; 6] = [
    Perturbation::None,
    Perturbation::Noise { seed: 1 },
    Perturbation::Noise { seed: 2 },
    Perturbation::Reencoded { crf: 18 },
    Perturbation::Reencoded { crf: 28 },
    Perturbation::Reencoded { crf: 36 },
];

fn record() -> Vec<Trace> {
    let model = a0();
    let labels = kinetics_labels();
    let mut streams: Vec<(String, Vec<Part<'static>>)> = CONCATENATIONS
        .iter()
        .enumerate()
        .map(|(n, clips)| {
            (
                format!("concatenation {n}"),
                clips.iter().map(|&c| Part::Clip(c)).collect(),
            )
        })
        .collect();
    streams.extend(
        IDLE_STREAMS
            .iter()
            .enumerate()
            .map(|(n, parts)| (format!("idle {n}"), parts.to_vec())),
    );
    let mut traces = Vec::new();
    for perturbation in PERTURBATIONS {
        for (name, parts) in &streams {
            let mut classifier =
                Classifier::new(&model, Some(labels.clone()), ClassifierOptions::default())
                    .unwrap();
            let mut frames = Vec::new();
            let timeline = stream_parts(parts, perturbation, |frame| {
                if let Some(p) = classifier.push(frame).unwrap() {
                    let t = p.timestamp.unwrap().as_secs_f64();
                    frames.push((t, classifier.probabilities().to_vec()));
                }
            });
            let want = timeline.indices(&labels);
            eprintln!("{name}, {perturbation}: {} predictions", frames.len());
            traces.push(Trace {
                name: name.clone(),
                perturbation,
                timeline,
                want,
                frames,
            });
        }
    }
    traces
}

/// The part (index) that time `t` falls in.
fn part_at(timeline: &Timeline, t: f64) -> usize {
    timeline
        .cuts
        .iter()
        .rposition(|&c| c <= t + 1e-9)
        .unwrap_or(0)
}

/// A run's best held mean and best score once held; and what it is.
struct RunStats {
    /// The label of the clip it starts in.
    action: bool,
    /// The label of the clip before, starting within 3 s of the cut: the old action still
    /// in the horizon, not a label of its own (its event is bridged, or counted spurious by
    /// the detector table if it starts a second one).
    lag: bool,
    label: usize,
    start: f64,
    held_mean: f32,
    held_peak: f32,
}

fn runs(trace: &Trace, keep: f32, min_duration: f64) -> Vec<RunStats> {
    let mut out = Vec::new();
    let mut i = 0;
    let f = &trace.frames;
    while i < f.len() {
        let top = argmax(&f[i].1);
        if f[i].1[top] < keep {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < f.len() && argmax(&f[j].1) == top && f[j].1[top] >= keep {
            j += 1;
        }
        let start = f[i].0;
        let (mut held_mean, mut held_peak) = (f32::NAN, f32::NAN);
        for k in i..j {
            let t = f[k].0;
            if t - start < min_duration - 1e-9 {
                continue;
            }
            let window: Vec<f32> = (i..=k)
                .filter(|&m| t - f[m].0 <= min_duration + 1e-9)
                .map(|m| f[m].1[top])
                .collect();
            let mean = window.iter().sum::<f32>() / window.len() as f32;
            held_mean = if held_mean.is_nan() {
                mean
            } else {
                held_mean.max(mean)
            };
            held_peak = if held_peak.is_nan() {
                f[k].1[top]
            } else {
                held_peak.max(f[k].1[top])
            };
        }
        if !held_mean.is_nan() {
            let part = part_at(&trace.timeline, start);
            let before = (0..part).rev().find_map(|k| trace.want[k]);
            out.push(RunStats {
                action: trace.want[part] == Some(top),
                lag: before == Some(top) && start - trace.timeline.cuts[part] <= 3.0,
                label: top,
                start,
                held_mean,
                held_peak,
            });
        }
        i = j;
    }
    out
}

fn argmax(v: &[f32]) -> usize {
    let mut best = 0;
    for (i, &s) in v.iter().enumerate() {
        if s > v[best] {
            best = i;
        }
    }
    best
}

/// What a detector made of the traces.
#[derive(Default)]
struct Outcome {
    spurious: usize,
    missed: usize,
    split: usize,
    /// Latest start after its cut of an event that follows a cut (s).
    start_latency: f64,
    /// Latest end of the first clip's event after the idle scene began (s); infinite when one
    /// ran through the idle scene.
    idle_end: f64,
    /// Where the latest start was, and each idle stream's end (s after the stop).
    latest_at: String,
    idle_ends: Vec<f64>,
}

fn evaluate(traces: &[&Trace], options: EventOptions) -> Outcome {
    let mut o = Outcome::default();
    for trace in traces {
        let mut d = EventDetector::new(options).unwrap();
        let mut changes = Vec::new();
        for (t, p) in &trace.frames {
            d.update(Duration::from_secs_f64(*t), p, None, &mut changes);
        }
        let mut events: Vec<_> = changes
            .iter()
            .filter_map(|c| match c {
                EventChange::Ended(e) => Some(e.clone()),
                EventChange::Started(_) => None,
            })
            .collect();
        events.extend(d.finish());
        let tl = &trace.timeline;
        let mut matched = vec![0usize; tl.cuts.len()];
        for e in &events {
            let start = e.start.as_secs_f64();
            // An event may start a moment before its cut's frame (timestamps rounded).
            let part = part_at(tl, start + 0.05);
            if trace.want[part] == Some(e.index) {
                matched[part] += 1;
                if part > 0 && start - tl.cuts[part] > o.start_latency {
                    o.start_latency = start - tl.cuts[part];
                    o.latest_at = format!("{}, cut {part}", trace.name);
                }
            } else {
                o.spurious += 1;
            }
        }
        for (k, want) in trace.want.iter().enumerate() {
            if want.is_some() {
                o.missed += usize::from(matched[k] == 0);
                o.split += matched[k].saturating_sub(1);
            } else if let Some(before) = trace.want.get(k.wrapping_sub(1)).copied().flatten() {
                let stop = tl.cuts[k];
                let next = tl.cuts.get(k + 1).copied().unwrap_or(tl.end);
                let end = events
                    .iter()
                    .filter(|e| e.index == before && e.start.as_secs_f64() < stop)
                    .filter_map(|e| e.end)
                    .map(|t| t.as_secs_f64())
                    .fold(f64::NAN, f64::max);
                let late = if end.is_nan() || end >= next {
                    f64::INFINITY
                } else {
                    end - stop
                };
                o.idle_end = o.idle_end.max(late);
                o.idle_ends.push(late);
            }
        }
    }
    o
}

fn main() {
    let all = std::env::args().any(|a| a == "--all");
    let traces = record();
    if std::env::var_os("DUMP_IDLE").is_some() {
        dump_idle(&traces);
        return;
    }
    let defaults = EventOptions::DEFAULT;

    for min_duration in [0.6, 0.8] {
        runs_table(&traces, defaults.keep_score, min_duration);
    }
    keep_table(&traces, &defaults);

    println!("\n## Option sets over all {} traces\n", traces.len());
    println!(
        "| min_score | keep_score | min_duration | max_gap | spurious | missed | split | latest start after a cut | idle: first event ends after the stop |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    let all_traces: Vec<&Trace> = traces.iter().collect();
    let mut grid = Vec::new();
    for min_score in [0.4f32, 0.5, 0.55, 0.6, 0.65, 0.7, 0.8] {
        for keep_score in [0.0f32, 0.2, 0.3, 0.4, 0.5] {
            for min_ms in [400u64, 600, 800] {
                for gap_ms in [600u64, 1000, 1400] {
                    if keep_score > min_score {
                        continue;
                    }
                    grid.push(EventOptions {
                        min_score,
                        keep_score,
                        min_duration: Duration::from_millis(min_ms),
                        max_gap: Duration::from_millis(gap_ms),
                    });
                }
            }
        }
    }
    let near = |o: &EventOptions| {
        let d = &defaults;
        let differs = [
            o.min_score != d.min_score,
            o.keep_score != d.keep_score,
            o.min_duration != d.min_duration,
            o.max_gap != d.max_gap,
        ];
        differs.iter().filter(|&&x| x).count() <= 1
    };
    for options in grid.iter().filter(|o| all || near(o)) {
        let out = evaluate(&all_traces, *options);
        let mark = if *options == defaults {
            " **(default)**"
        } else {
            ""
        };
        let idle = if out.idle_end.is_finite() {
            format!("{:.1} s", out.idle_end)
        } else {
            "runs through".into()
        };
        println!(
            "| {}{mark} | {} | {} s | {} s | {} | {} | {} | {:.1} s | {idle} |",
            options.min_score,
            options.keep_score,
            options.min_duration.as_secs_f64(),
            options.max_gap.as_secs_f64(),
            out.spurious,
            out.missed,
            out.split,
            out.start_latency,
        );
    }
    println!("\nper perturbation, with the defaults:\n");
    println!("| frames | spurious | missed | split | latest start after a cut | idle: each stream's end after the stop |");
    println!("|---|---|---|---|---|---|");
    for p in PERTURBATIONS {
        let some: Vec<&Trace> = traces.iter().filter(|t| t.perturbation == p).collect();
        let out = evaluate(&some, defaults);
        let ends: Vec<String> = out.idle_ends.iter().map(|e| format!("{e:.1}")).collect();
        println!(
            "| {p} | {} | {} | {} | {:.2} s ({}) | {} s |",
            out.spurious,
            out.missed,
            out.split,
            out.start_latency,
            out.latest_at,
            ends.join(", ")
        );
    }
}

/// The start margin: per perturbation, the highest run that is no action and the lowest
/// action, held for `min_duration`.
fn runs_table(traces: &[Trace], keep: f32, min_duration: f64) {
    let labels = kinetics_labels();
    let name = |i: usize| labels.get(i).unwrap_or("?").to_string();
    println!(
        "\n## Runs (keep score {keep}, held {min_duration} s): the highest run that is no action, the lowest action\n"
    );
    println!(
        "| frames | not an action: best held mean | its label, stream, start | best single score once held | actions: lowest best held mean |"
    );
    println!("|---|---|---|---|---|");
    let mut worst_other = (f32::MIN, String::new());
    let mut worst_peak = f32::MIN;
    let mut lowest_action = (f32::MAX, String::new());
    for p in PERTURBATIONS {
        let mut other = (f32::MIN, String::new());
        let mut peak = f32::MIN;
        let mut action = (f32::MAX, String::new());
        for trace in traces.iter().filter(|t| t.perturbation == p) {
            let rs = runs(trace, keep, min_duration);
            for r in rs.iter().filter(|r| !r.action && !r.lag) {
                if r.held_mean > other.0 {
                    let at = format!("{}, {}, {:.1} s", name(r.label), trace.name, r.start);
                    other = (r.held_mean, at);
                }
                peak = peak.max(r.held_peak);
            }
            // Each clip's best action run.
            for (k, want) in trace.want.iter().enumerate() {
                let Some(want) = *want else { continue };
                let best = rs
                    .iter()
                    .filter(|r| r.action && r.label == want)
                    .filter(|r| part_at(&trace.timeline, r.start) == k)
                    .map(|r| r.held_mean)
                    .fold(f32::MIN, f32::max);
                if best < action.0 {
                    action = (best, format!("{}, {}", name(want), trace.name));
                }
            }
        }
        println!(
            "| {p} | {:.3} | {} | {:.3} | {:.3} ({}) |",
            other.0, other.1, peak, action.0, action.1
        );
        if other.0 > worst_other.0 {
            worst_other = other;
        }
        worst_peak = worst_peak.max(peak);
        if action.0 < lowest_action.0 {
            lowest_action = action;
        }
    }
    println!(
        "\nover all: no action holds above {:.3} ({}); single scores once held reach {:.3}; every action holds {:.3} or more ({})",
        worst_other.0, worst_other.1, worst_peak, lowest_action.0, lowest_action.1
    );
}

/// The keep score's two sides: how low an action's score stays for a whole `max_gap` while
/// its event runs (a keep score above that splits it), and when each idle scene's old label
/// lapses for good.
fn keep_table(traces: &[Trace], defaults: &EventOptions) {
    let labels = kinetics_labels();
    let name = |i: usize| labels.get(i).unwrap_or("?").to_string();
    let gap = defaults.max_gap.as_secs_f64();
    let score_of = |p: &[f32], l: usize| if argmax(p) == l { p[l] } else { 0.0 };
    println!("\n## Keep score: actions' lowest level over {gap} s, idle scenes' lapse\n");
    println!("| frames | actions: lowest max score over any {gap} s once started | where | idle: old label under 0.3 / 0.4 / 0.5 for good, s after the stop (each stream) |");
    println!("|---|---|---|---|");
    for p in PERTURBATIONS {
        let mut low = (f32::MAX, String::new());
        let mut idle = Vec::new();
        for trace in traces.iter().filter(|t| t.perturbation == p) {
            let tl = &trace.timeline;
            for (k, want) in trace.want.iter().enumerate() {
                let next = tl.cuts.get(k + 1).copied().unwrap_or(tl.end);
                let frames: Vec<(f64, f32)> = trace
                    .frames
                    .iter()
                    .filter(|(t, _)| *t >= tl.cuts[k] && *t < next)
                    .map(|(t, p)| (*t, p.as_slice()))
                    .map(|(t, p)| (t, want.map_or(0.0, |w| score_of(p, w))))
                    .collect();
                if let Some(w) = *want {
                    // From the first frame the action is confidently top (its event has begun).
                    let Some(first) = frames.iter().position(|&(_, s)| s >= defaults.min_score)
                    else {
                        continue;
                    };
                    let f = &frames[first..];
                    for i in 0..f.len() {
                        let window: Vec<f32> = f[i..]
                            .iter()
                            .take_while(|(t, _)| *t - f[i].0 <= gap + 1e-9)
                            .map(|&(_, s)| s)
                            .collect();
                        let spans = f.get(i + window.len()).is_some();
                        if !spans {
                            break;
                        }
                        let m = window.iter().copied().fold(0.0, f32::max);
                        if m < low.0 {
                            low = (m, format!("{}, {}, {:.1} s", name(w), trace.name, f[i].0));
                        }
                    }
                } else if let Some(before) = trace.want.get(k.wrapping_sub(1)).copied().flatten() {
                    let stop = tl.cuts[k];
                    let lapse = [0.3f32, 0.4, 0.5].map(|keep| {
                        let held = trace
                            .frames
                            .iter()
                            .filter(|(t, _)| *t >= stop && *t < next)
                            .filter(|(_, p)| score_of(p, before) >= keep)
                            .map(|(t, _)| *t)
                            .fold(stop - 0.2, f64::max);
                        held + 0.2 - stop
                    });
                    idle.push(format!("{:.1}/{:.1}/{:.1}", lapse[0], lapse[1], lapse[2]));
                }
            }
        }
        println!("| {p} | {:.3} | {} | {} |", low.0, low.1, idle.join(", "));
    }
}

#[allow(dead_code)]
fn dump_idle(traces: &[Trace]) {
    let labels = kinetics_labels();
    for trace in traces
        .iter()
        .filter(|t| t.perturbation == Perturbation::None && t.name.starts_with("idle"))
    {
        let stop = trace.timeline.cuts[1];
        let before = trace.want[0].unwrap();
        eprintln!(
            "{}: stop at {stop:.1}, next at {:.1}",
            trace.name, trace.timeline.cuts[2]
        );
        for (t, p) in &trace.frames {
            if *t >= stop - 1.0 && *t <= trace.timeline.cuts[2] + 3.0 {
                let top = argmax(p);
                eprintln!(
                    "  {:5.1} old {:.2} | top {} {:.2}",
                    t - stop,
                    p[before],
                    labels.get(top).unwrap(),
                    p[top]
                );
            }
        }
    }
}
