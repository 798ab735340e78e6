//! Live labels that follow the action: shared clips concatenated into one stream (decoded by
//! ffmpeg, timestamps running on across the cuts) through a `Classifier` with the defaults an
//! app gets, beside the same stream with the model's own cumulative horizon.
//!
//! What is asserted, from the issues: on each concatenation the segments' labels are top-1 for
//! at least 95 % of the predictions from 3 s after each cut, and the median time from a cut
//! until the new label is top-1 for good is at most 2.5 s; the events are the segments in
//! order, each starting after its cut, no later than the label holds for good and within 3 s;
//! the same events on perturbed copies of the concatenations (±1 noise, x264 re-encodes); a
//! still scene between two actions is no event and ends the first; and the 12 shared clips
//! alone keep at least 8/12 top-1 and 9/12 top-5 with the default horizon.
//!
//! The frames are decoded the same on every CPU (`movinet_tests::SWS_FLAGS`), so these figures
//! are the same on every machine; the bounds on perturbed copies are the event sweep's
//! (`cargo run --release -p movinet-tests --example event_sweep`, `benches/README.md`).
//! `MOVINET_TEST_LIVE_CONCATENATIONS=N` runs the first N concatenations (under emulation).

use movinet::{Classifier, ClassifierOptions, Frame, Horizon, Labels};
use movinet_tests::live::{
    describe, figures, median, rank, secs, stream_concatenation, stream_parts, Part, Perturbation,
    Trace, CONCATENATIONS, IDLE_STREAMS,
};
use movinet_tests::{a0, clip_list, kinetics_labels, stream_rgb, test_size};

fn classifier(labels: &Labels, horizon: Horizon) -> Classifier {
    Classifier::new(
        &a0(),
        Some(labels.clone()),
        ClassifierOptions {
            horizon,
            ..ClassifierOptions::default()
        },
    )
    .expect("classifier")
}

fn push(classifier: &mut Classifier, trace: &mut Trace, frame: &Frame<'_>) {
    if let Some(p) = classifier.push(frame).expect("push") {
        let t = p.timestamp.expect("timestamped").as_secs_f64();
        trace.record(t, p.categories[0].index, &p.events);
    }
}

#[test]
fn live_labels_follow_the_action_on_concatenated_clips() {
    let labels = kinetics_labels();
    assert_eq!(ClassifierOptions::default().horizon, Horizon::LIVE);
    let mut all_latencies = Vec::new();
    let mut cumulative_latencies = Vec::new();
    eprintln!(
        "{:<5} {:>20} {:>12}   cut to label for good (s): live | cumulative",
        "", "segment top-1: live", "cumulative"
    );
    let count = test_size("MOVINET_TEST_LIVE_CONCATENATIONS", CONCATENATIONS.len());
    for (n, clips) in CONCATENATIONS.iter().take(count).enumerate() {
        let mut live = classifier(&labels, Horizon::LIVE);
        let mut cumulative = classifier(&labels, Horizon::All);
        let (mut live_trace, mut cumulative_trace) = (Trace::default(), Trace::default());
        let timeline = stream_concatenation(clips, |frame| {
            push(&mut live, &mut live_trace, frame);
            push(&mut cumulative, &mut cumulative_trace, frame);
        });
        live_trace.events.extend(live.finish_event());
        let want = timeline.indices(&labels);
        let f = figures(&live_trace, &timeline, &want);
        let c = figures(&cumulative_trace, &timeline, &want);
        eprintln!(
            "#{n:<4} {:>20.2} {:>12.2}   {} | {}",
            f.segment_top1,
            c.segment_top1,
            secs(&f.latencies),
            secs(&c.latencies)
        );
        let events = describe(&live_trace.events);
        eprintln!(
            "      events: {events:?}; each reported at {} s",
            secs(&live_trace.started_at)
        );

        assert!(
            f.segment_top1 >= 0.95,
            "#{n}: segment top-1 {:.2} with the default horizon",
            f.segment_top1
        );
        assert!(
            median(&f.latencies) <= 2.5,
            "#{n}: median {:.2} s from a cut to the new label",
            median(&f.latencies)
        );
        // The events are the segments, in order, each starting after its cut and no later
        // than its label holds for good.
        let got: Vec<usize> = live_trace.events.iter().map(|e| e.index).collect();
        let clips: Vec<usize> = want.iter().flatten().copied().collect();
        assert_eq!(got, clips, "#{n}: events {events:?}");
        for (k, e) in live_trace.events.iter().enumerate() {
            let start = e.start.as_secs_f64();
            if k == 0 {
                assert!(start < 3.0, "#{n}: first event starts at {start}");
            } else {
                // No later than the label holds for good, give or take a frame: a label that is
                // top under the keep score does not count as holding the top.
                let (cut, latency) = (timeline.cuts[k], f.latencies[k - 1]);
                assert!(
                    start >= cut && start <= cut + latency + 0.2 + 1e-6,
                    "#{n}: event {k} starts at {start:.2} s, cut at {cut:.2} s, label holds from {:.2} s",
                    cut + latency
                );
                // Measured: at most 3.00 s (concatenation 0's second cut).
                assert!(
                    start <= cut + 3.0 + 1e-6,
                    "#{n}: event {k} starts {:.2} s after its cut",
                    start - cut
                );
            }
            assert!(e.end.is_some_and(|t| t > e.start), "#{n}: {e:?}");
        }
        all_latencies.extend(f.latencies);
        cumulative_latencies.extend(c.latencies);
    }
    eprintln!(
        "median cut-to-label over all {} cuts: live {} s, cumulative {}",
        all_latencies.len(),
        secs(&[median(&all_latencies)]),
        secs(&[median(&cumulative_latencies)])
    );
    assert!(median(&all_latencies) <= 2.5);
}

#[test]
fn the_twelve_clips_keep_their_labels_with_the_live_horizon() {
    let labels = kinetics_labels();
    let mut scores = [(0usize, 0usize); 2];
    for (file, expected) in clip_list() {
        let want = labels.index_of(&expected).expect(&expected);
        let mut classifiers = [
            classifier(&labels, Horizon::LIVE),
            classifier(&labels, Horizon::All),
        ];
        stream_rgb(&file, |rgb, w, h, ts| {
            let mut frame = Frame::rgb888(rgb, w, h, w * 3).unwrap();
            if let Some(t) = ts {
                frame = frame.with_timestamp(t);
            }
            for c in &mut classifiers {
                c.push(&frame).expect("push");
            }
        });
        let ranks = classifiers
            .each_ref()
            .map(|c| rank(c.probabilities(), want));
        for (s, r) in scores.iter_mut().zip(ranks) {
            s.0 += usize::from(r == 1);
            s.1 += usize::from(r <= 5);
        }
        eprintln!(
            "{file:<45} {expected:<30} rank live {:>3}, cumulative {:>3}",
            ranks[0], ranks[1]
        );
    }
    eprintln!(
        "top-1 / top-5: live {}/12, {}/12; cumulative {}/12, {}/12",
        scores[0].0, scores[0].1, scores[1].0, scores[1].1
    );
    assert!(
        scores[0].0 >= 8 && scores[0].1 >= 9,
        "live horizon: {:?}",
        scores[0]
    );
    assert!(
        scores[1].0 >= 8 && scores[1].1 >= 9,
        "cumulative: {:?}",
        scores[1]
    );
}

/// The latest event start after a cut that the event sweep measures on the perturbed copies
/// (3.8 s, concatenation 0's second cut with ±1 noise, seed 2), with 0.4 s to spare.
const PERTURBED_LATENCY_S: f64 = 4.2;

#[test]
fn events_are_the_same_on_perturbed_copies() {
    let labels = kinetics_labels();
    let model = a0();
    for perturbation in [
        Perturbation::Noise { seed: 1 },
        Perturbation::Reencoded { crf: 28 },
    ] {
        for (n, clips) in CONCATENATIONS.iter().enumerate() {
            let mut live =
                Classifier::new(&model, Some(labels.clone()), ClassifierOptions::default())
                    .unwrap();
            let mut trace = Trace::default();
            let parts: Vec<Part<'_>> = clips.iter().map(|&c| Part::Clip(c)).collect();
            let timeline = stream_parts(&parts, perturbation, |frame| {
                push(&mut live, &mut trace, frame)
            });
            trace.events.extend(live.finish_event());
            let want: Vec<usize> = timeline.indices(&labels).into_iter().flatten().collect();
            let got: Vec<usize> = trace.events.iter().map(|e| e.index).collect();
            let starts: Vec<f64> = trace.events.iter().map(|e| e.start.as_secs_f64()).collect();
            eprintln!("{perturbation}, #{n}: events start at {}", secs(&starts));
            assert_eq!(got, want, "{perturbation}, #{n}: {:?}", trace.events);
            for (k, &start) in starts.iter().enumerate().skip(1) {
                let cut = timeline.cuts[k];
                assert!(
                    start >= cut - 0.05 && start <= cut + PERTURBED_LATENCY_S,
                    "{perturbation}, #{n}: event {k} starts at {start:.2} s, cut at {cut:.2} s"
                );
            }
        }
    }
}

#[test]
fn a_still_scene_between_two_actions_is_no_event() {
    let labels = kinetics_labels();
    let model = a0();
    for (n, parts) in IDLE_STREAMS.iter().enumerate() {
        let mut live =
            Classifier::new(&model, Some(labels.clone()), ClassifierOptions::default()).unwrap();
        let mut trace = Trace::default();
        // (time, an event under way?) for every prediction.
        let mut current = Vec::new();
        let timeline = stream_parts(parts, Perturbation::None, |frame| {
            if let Some(p) = live.push(frame).expect("push") {
                let t = p.timestamp.expect("timestamped").as_secs_f64();
                trace.record(t, p.categories[0].index, &p.events);
                current.push((t, live.current_event().map(|e| e.index)));
            }
        });
        trace.events.extend(live.finish_event());
        let want = timeline.indices(&labels);
        let (first, second) = (want[0].unwrap(), want[2].unwrap());
        let (stop, resume) = (timeline.cuts[1], timeline.cuts[2]);
        let got: Vec<usize> = trace.events.iter().map(|e| e.index).collect();
        assert_eq!(got, [first, second], "#{n} {parts:?}: {:?}", trace.events);
        let end = trace.events[0].end.expect("ended").as_secs_f64();
        let idle: Vec<&(f64, Option<usize>)> = current
            .iter()
            .filter(|(t, _)| *t >= stop && *t < resume)
            .collect();
        // When the app is told: the first prediction with no event under way.
        let told = idle
            .iter()
            .find(|(_, e)| e.is_none())
            .map(|(t, _)| t - stop);
        eprintln!(
            "#{n} {:?}: the first action's event ends {:.1} s after the stop, reported {}; next starts {:.1} s after the cut",
            parts[1],
            end - stop,
            told.map_or("never".into(), |t| format!("{t:.1} s after")),
            trace.events[1].start.as_secs_f64() - resume
        );
        // No event for the still stretch: the first action's ends, and none starts, before
        // the second action.
        assert!(told.is_some(), "#{n}: an event ran through the still scene");
        assert!(
            idle.iter().all(|(_, e)| e.is_none_or(|i| i == first)),
            "#{n}: an event started over the still scene"
        );
        assert!(trace.events[1].start.as_secs_f64() >= resume - 0.05);
        // The first action's event ends within the cut-to-label latency (3 s) of the stop.
        // Measured: 1.5 s (carving ice, then grey), 1.4 s (shooting basketball, frozen),
        // 2.6 s (arm wrestling, frozen): at most 2.8 s on every perturbed copy of the sweep.
        // The riding GIF's label fades slowest: A0 still gives it 0.66 3.3 s into a grey
        // scene (the 2 s horizon's lag, as after a cut); its event ends 3.5 s after the stop
        // (2.5-3.5 s on the perturbed copies), and the app is told 5.3 s after it.
        let bound = if n == 3 { 4.0 } else { 3.0 };
        assert!(
            end >= stop - 1.0 && end <= stop + bound,
            "#{n}: the first event ends {:.2} s after the stop",
            end - stop
        );
    }
}
