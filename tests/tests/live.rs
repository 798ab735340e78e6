//! Live labels that follow the action: shared clips concatenated into one stream (decoded by
//! ffmpeg, timestamps running on across the cuts) through a `Classifier` with the defaults an
//! app gets, beside the same stream with the model's own cumulative horizon.
//!
//! What is asserted, from the issue: on each concatenation the segments' labels are top-1 for
//! at least 95 % of the predictions from 3 s after each cut, and the median time from a cut
//! until the new label is top-1 for good is at most 2.5 s; the events are the segments in
//! order, each starting after its cut and no later than the label holds for good; and the 12
//! shared clips alone keep at least 8/12 top-1 and 9/12 top-5 with the default horizon.
//! `MOVINET_TEST_LIVE_CONCATENATIONS=N` runs the first N concatenations (under emulation).

use movinet::{Classifier, ClassifierOptions, Frame, Horizon, Labels};
use movinet_tests::live::{
    figures, median, rank, secs, stream_concatenation, Trace, CONCATENATIONS,
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
        let want: Vec<usize> = timeline
            .labels
            .iter()
            .map(|l| labels.index_of(l).expect(l))
            .collect();
        let f = figures(&live_trace, &timeline, &want);
        let c = figures(&cumulative_trace, &timeline, &want);
        eprintln!(
            "#{n:<4} {:>20.2} {:>12.2}   {} | {}",
            f.segment_top1,
            c.segment_top1,
            secs(&f.latencies),
            secs(&c.latencies)
        );
        let events: Vec<String> = live_trace
            .events
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
            .collect();
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
        assert_eq!(got, want, "#{n}: events {events:?}");
        for (k, e) in live_trace.events.iter().enumerate() {
            let start = e.start.as_secs_f64();
            if k == 0 {
                assert!(start < 3.0, "#{n}: first event starts at {start}");
            } else {
                let (cut, latency) = (timeline.cuts[k], f.latencies[k - 1]);
                assert!(
                    start >= cut && start <= cut + latency + 1e-6,
                    "#{n}: event {k} starts at {start:.2} s, cut at {cut:.2} s, label holds from {:.2} s",
                    cut + latency
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
