//! How live labels follow a change of action, per horizon (and with smoothing, and with the
//! MoViNet paper's temporal ensemble): the measurements behind the default horizon.
//!
//! `cargo run --release -p movinet-tests --example live_sweep`
//!
//! For each configuration, on the concatenations of `movinet_tests::live::CONCATENATIONS`:
//! the lowest segment top-1 of the four (from 3 s after each cut), the median and largest time
//! from a cut until the new label is top-1 for good (over all cuts), how many concatenations
//! give exactly their segments as events; and on the 12 shared clips alone, top-1 and top-5
//! of the last prediction.
//!
//! The ensemble: frames paced at 10 fps go alternately to two sessions of the model (each
//! still sees 5 fps), and each prediction is the softmax of the two sessions' latest logits
//! averaged.

use movinet::postprocess::softmax;
use movinet::{
    Classifier, ClassifierOptions, EventChange, EventDetector, EventOptions, Frame, Horizon,
    Labels, Model, Pacer,
};
use movinet_tests::live::{
    figures, median, rank, secs, stream_concatenation, Trace, CONCATENATIONS,
};
use movinet_tests::{a0, clip_list, kinetics_labels, stream_rgb};

/// One way of turning a stream into labels.
enum Runner {
    Single(Box<Classifier>),
    Ensemble(Box<Ensemble>),
}

struct Ensemble {
    pacer: Pacer,
    sessions: [Classifier; 2],
    next: usize,
    probabilities: Vec<f32>,
    events: EventDetector,
    labels: Labels,
}

struct Config {
    name: String,
    horizon: Horizon,
    smoothing: f32,
    ensemble: bool,
}

impl Config {
    fn runner(&self, model: &Model, labels: &Labels) -> Runner {
        let options = ClassifierOptions {
            horizon: self.horizon,
            smoothing: self.smoothing,
            ..ClassifierOptions::default()
        };
        if !self.ensemble {
            return Runner::Single(Box::new(
                Classifier::new(model, Some(labels.clone()), options).unwrap(),
            ));
        }
        // Each session takes every frame it is given (fps None), so a horizon in seconds is
        // counted at 5 fps: each session's own rate.
        let each = ClassifierOptions {
            model_fps: None,
            ..options.clone()
        };
        let session = || Classifier::new(model, Some(labels.clone()), each.clone()).unwrap();
        Runner::Ensemble(Box::new(Ensemble {
            pacer: Pacer::new(Some(10.0), options.pace_tolerance).unwrap(),
            sessions: [session(), session()],
            next: 0,
            probabilities: vec![0.0; model.spec().num_classes],
            events: EventDetector::new(EventOptions::DEFAULT).unwrap(),
            labels: labels.clone(),
        }))
    }
}

impl Runner {
    /// Pushes a frame; returns the prediction's time, top-1 class and event changes.
    fn push(&mut self, frame: &Frame<'_>) -> Option<(f64, usize, Vec<EventChange>)> {
        match self {
            Self::Single(c) => {
                let p = c.push(frame).unwrap()?;
                Some((p.timestamp?.as_secs_f64(), p.categories[0].index, p.events))
            }
            Self::Ensemble(e) => {
                let Ensemble {
                    pacer,
                    sessions,
                    next,
                    probabilities,
                    events,
                    labels,
                } = &mut **e;
                if !pacer.accept(frame.timestamp()) {
                    return None;
                }
                sessions[*next].push(frame).unwrap()?;
                *next = 1 - *next;
                let [a, b] = sessions.each_ref().map(|s| s.session());
                let logits: Vec<f32> = if b.frames() == 0 {
                    a.logits().to_vec()
                } else {
                    a.logits()
                        .iter()
                        .zip(b.logits())
                        .map(|(x, y)| (x + y) / 2.0)
                        .collect()
                };
                softmax(&logits, probabilities);
                let top = movinet::postprocess::top_k(probabilities, 1, None)[0].index;
                let t = frame.timestamp()?;
                let mut changes = Vec::new();
                events.update(t, probabilities, Some(labels), &mut changes);
                Some((t.as_secs_f64(), top, changes))
            }
        }
    }

    fn probabilities(&self) -> Vec<f32> {
        match self {
            Self::Single(c) => c.probabilities().to_vec(),
            Self::Ensemble(e) => e.probabilities.clone(),
        }
    }

    fn finish(&mut self) -> Option<movinet::Event> {
        match self {
            Self::Single(c) => c.finish_event(),
            Self::Ensemble(e) => e.events.finish(),
        }
    }
}

fn main() {
    let model = a0();
    let labels = kinetics_labels();
    let mut configs = Vec::new();
    for (name, horizon) in [
        ("all (cumulative)", Horizon::All),
        ("1.0 s (5 frames)", Horizon::Seconds(1.0)),
        ("1.4 s (7 frames)", Horizon::Seconds(1.4)),
        ("1.6 s (8 frames)", Horizon::Seconds(1.6)),
        ("2.0 s (10 frames)", Horizon::Seconds(2.0)),
        ("2.4 s (12 frames)", Horizon::Seconds(2.4)),
        ("3.0 s (15 frames)", Horizon::Seconds(3.0)),
        ("4.0 s (20 frames)", Horizon::Seconds(4.0)),
    ] {
        configs.push(Config {
            name: name.into(),
            horizon,
            smoothing: 0.0,
            ensemble: false,
        });
    }
    for smoothing in [0.3, 0.5] {
        configs.push(Config {
            name: format!("2.0 s + smoothing {smoothing}"),
            horizon: Horizon::LIVE,
            smoothing,
            ensemble: false,
        });
    }
    for (name, horizon) in [
        ("ensemble 10 fps, all", Horizon::All),
        ("ensemble 10 fps, 2.0 s", Horizon::LIVE),
    ] {
        configs.push(Config {
            name: name.into(),
            horizon,
            smoothing: 0.0,
            ensemble: true,
        });
    }

    // [config] -> (lowest segment top-1, latencies, concatenations whose events are the segments)
    let mut follow: Vec<(f64, Vec<f64>, usize)> = vec![(1.0, Vec::new(), 0); configs.len()];
    for clips in CONCATENATIONS {
        let mut runners: Vec<Runner> = configs.iter().map(|c| c.runner(&model, &labels)).collect();
        let mut traces: Vec<Trace> = configs.iter().map(|_| Trace::default()).collect();
        let timeline = stream_concatenation(clips, |frame| {
            for (r, trace) in runners.iter_mut().zip(&mut traces) {
                if let Some((t, top, changes)) = r.push(frame) {
                    trace.record(t, top, &changes);
                }
            }
        });
        let want = timeline.indices(&labels);
        for ((r, trace), out) in runners.iter_mut().zip(&mut traces).zip(&mut follow) {
            trace.events.extend(r.finish());
            let f = figures(trace, &timeline, &want);
            out.0 = out.0.min(f.segment_top1);
            out.1.extend(f.latencies);
            let in_order = trace
                .events
                .iter()
                .map(|e| e.index)
                .eq(want.iter().flatten().copied());
            out.2 += usize::from(in_order);
        }
    }

    let mut clips = vec![(0usize, 0usize); configs.len()];
    for (file, expected) in clip_list() {
        let want = labels.index_of(&expected).unwrap();
        let mut runners: Vec<Runner> = configs.iter().map(|c| c.runner(&model, &labels)).collect();
        stream_rgb(&file, |rgb, w, h, ts| {
            let mut frame = Frame::rgb888(rgb, w, h, w * 3).unwrap();
            if let Some(t) = ts {
                frame = frame.with_timestamp(t);
            }
            for r in &mut runners {
                r.push(&frame);
            }
        });
        for (r, c) in runners.iter().zip(&mut clips) {
            let k = rank(&r.probabilities(), want);
            c.0 += usize::from(k == 1);
            c.1 += usize::from(k <= 5);
        }
    }

    println!(
        "{} concatenations, {} cuts; 12 clips alone\n",
        CONCATENATIONS.len(),
        follow[0].1.len()
    );
    println!(
        "{:<26} {:>14} {:>11} {:>9} {:>15} {:>12}",
        "horizon", "segment top-1", "median (s)", "max (s)", "events = clips", "12 clips"
    );
    for ((c, (seg, lat, events)), (t1, t5)) in configs.iter().zip(&follow).zip(&clips) {
        println!(
            "{:<26} {:>14.2} {:>11} {:>9} {:>15} {:>12}",
            c.name,
            seg,
            secs(&[median(lat)]),
            secs(&[lat.iter().copied().fold(0.0, f64::max)]),
            format!("{events}/{}", CONCATENATIONS.len()),
            format!("{t1}/12, {t5}/12"),
        );
    }
}
