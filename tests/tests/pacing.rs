//! Pacing and the classifier stream: the reference's frame selection, 5 frames per second of
//! a 30 fps clip, the same result as feeding the kept frames directly, and the classifier's
//! options.

use std::time::Duration;

use movinet::{
    postprocess, Classifier, ClassifierOptions, Crop, Error, Frame, Horizon, Labels, Pacer,
    Preprocessor,
};
use movinet_tests::{
    a0, clip_path, decode_rgb, golden_frame_indices, kinetics_labels, max_abs_diff, probe, Clip,
    Golden,
};

fn frame(clip: &Clip, i: usize) -> Frame<'_> {
    let f = Frame::rgb888(&clip.frames[i], clip.width, clip.height, clip.width * 3).unwrap();
    match clip.timestamps[i] {
        Some(t) => f.with_timestamp(t),
        None => f,
    }
}

/// With a tolerance of 0 the pacer keeps exactly the frames the reference pipeline fed,
/// from the clips' own timestamps; through the classifier, those frames give the golden
/// logits at every step.
#[test]
fn zero_tolerance_is_the_reference_selection_and_gives_the_golden_logits() {
    let model = a0();
    for (golden_name, clip_name) in [
        (
            "a0int8_arm_wrestling_fps5_crop",
            "mmaction2_demo_arm_wrestling.mp4",
        ),
        (
            "a0int8_carving_ice_android_fps5_crop",
            "tfexamples_android_carving_ice.mp4",
        ),
    ] {
        let want = golden_frame_indices(golden_name);
        let (_, _, times) = probe(&clip_path(clip_name));
        let mut pacer = Pacer::new(Some(5.0), 0.0).unwrap();
        let kept: Vec<usize> = times
            .iter()
            .enumerate()
            .filter(|(_, &t)| pacer.accept(Some(t.expect("timestamp"))))
            .map(|(i, _)| i)
            .collect();
        assert_eq!(kept, want, "{clip_name}");
        assert_eq!(pacer.stats().kept as usize, want.len());
        assert_eq!(pacer.stats().dropped as usize, times.len() - want.len());

        let golden = Golden::load(golden_name);
        let clip = decode_rgb(clip_name, None);
        // The golden logits are the model's own cumulative horizon.
        let options = ClassifierOptions {
            pace_tolerance: 0.0,
            horizon: Horizon::All,
            ..ClassifierOptions::default()
        };
        let mut classifier = Classifier::new(&model, None, options).unwrap();
        let mut step = 0;
        for i in 0..clip.frames.len() {
            if let Some(p) = classifier.push(&frame(&clip, i)).unwrap() {
                assert_eq!(p.frame_index as usize, want[step]);
                assert_eq!(p.model_frames as usize, step + 1);
                let d = max_abs_diff(classifier.session().logits(), golden.logits(step));
                assert!(d <= 1e-5, "{clip_name} step {step}: logits differ by {d}");
                step += 1;
            }
        }
        assert_eq!(step, want.len());
    }
}

/// Must-show 4: a 30 fps clip with timestamps keeps 5 +- 0.5 frames per second of video
/// (default live-camera pacing, 5 fps +- 10 %), and the result equals feeding the kept frames
/// straight to a session, bit for bit, at every step.
#[test]
fn a_30fps_clip_keeps_5_per_second_and_equals_feeding_the_kept_frames() {
    let model = a0();
    let labels = kinetics_labels();
    for name in [
        "mmaction2_tests_data_test.mp4",
        "decord_flipping_a_pancake.mkv",
        "mmaction2_test_video_structuralize.mp4", // 29.97 fps
    ] {
        let clip = decode_rgb(name, None);
        let mut classifier =
            Classifier::new(&model, Some(labels.clone()), ClassifierOptions::default()).unwrap();
        // The classifier's default horizon, 2 s at its 5 fps, is 10 frames on a bare session.
        let mut direct = model.new_session().unwrap();
        direct.set_horizon(Horizon::LIVE).unwrap();
        let mut pre = Preprocessor::for_model(model.spec(), Crop::CenterSquare).unwrap();
        let mut input = vec![0.0; model.spec().input_len()];
        let mut kept = Vec::new();
        for i in 0..clip.frames.len() {
            let f = frame(&clip, i);
            let Some(p) = classifier.push(&f).unwrap() else {
                continue;
            };
            kept.push(i);
            assert_eq!(p.frame_index as usize, i);
            assert_eq!(p.timestamp, clip.timestamps[i]);
            assert!(p.timings.total >= p.timings.preprocess + p.timings.inference);
            pre.run(&f, &mut input).unwrap();
            let logits = direct.run(&input).unwrap();
            assert!(logits == classifier.session().logits(), "{name} frame {i}");
            let mut probs = vec![0.0; logits.len()];
            postprocess::softmax(logits, &mut probs);
            assert_eq!(p.categories, postprocess::top_k(&probs, 3, Some(&labels)));
        }
        let first = clip.timestamps[0].unwrap();
        let last = clip.timestamps[clip.frames.len() - 1].unwrap();
        let period = (last - first).as_secs_f64() / (clip.frames.len() - 1) as f64;
        let seconds = (last - first).as_secs_f64() + period;
        let rate = kept.len() as f64 / seconds;
        let stats = classifier.pacer_stats();
        eprintln!(
            "{name}: {} frames in {seconds:.2} s of video, kept {} ({rate:.2} per second), \
             dropped {}; top-1 {:?}",
            clip.frames.len(),
            stats.kept,
            stats.dropped,
            classifier.session().top_k(1, Some(&labels))[0].label
        );
        assert!(
            (4.5..=5.5).contains(&rate),
            "{name}: {rate} frames per second"
        );
        assert_eq!(stats.kept as usize, kept.len());
        assert_eq!((stats.kept + stats.dropped) as usize, clip.frames.len());
        assert_eq!(classifier.frames_pushed() as usize, clip.frames.len());
        // Gaps between kept frames stay near 0.2 s.
        for w in kept.windows(2) {
            let gap =
                (clip.timestamps[w[1]].unwrap() - clip.timestamps[w[0]].unwrap()).as_secs_f64();
            assert!((0.15..=0.25).contains(&gap), "{name}: gap {gap}");
        }
    }
}

/// `Classifier::pace` asked first, and only the frames it keeps pushed: the same predictions
/// (logits bit for bit, frame indices, timestamps), the same pacing counts and the same frame
/// count as pushing every frame, on a 28 fps real clip with a seek backwards in the middle.
/// A frame `pace` keeps is always kept by the `push` that follows it.
#[test]
fn pacing_first_gives_what_pushing_every_frame_gives() {
    let model = a0();
    let clip = decode_rgb("mmaction2_demo_arm_wrestling.mp4", None);
    let n = clip.frames.len();
    // The clip, then its first half again (a seek back to 0 s), with the clip's timestamps.
    let order: Vec<usize> = (0..n).chain(0..n / 2).collect();
    for options in [
        ClassifierOptions::default(),
        ClassifierOptions {
            pace_tolerance: 0.0,
            ..ClassifierOptions::default()
        },
    ] {
        let mut every = Classifier::new(&model, None, options.clone()).unwrap();
        let mut asked = Classifier::new(&model, None, options).unwrap();
        let mut kept = 0;
        for &i in &order {
            let f = frame(&clip, i);
            let want = every.push(&f).unwrap();
            if !asked.pace(f.timestamp()) {
                assert!(
                    want.is_none(),
                    "frame {i}: pace left out a frame push keeps"
                );
                continue;
            }
            let got = asked.push(&f).unwrap();
            let (Some(want), Some(got)) = (want, got) else {
                panic!("frame {i}: pace said keep, push did not, or push kept it alone");
            };
            kept += 1;
            assert_eq!(got.frame_index, want.frame_index);
            assert_eq!(got.model_frames, want.model_frames);
            assert_eq!(got.timestamp, want.timestamp);
            assert_eq!(got.categories, want.categories);
            assert!(
                asked.session().logits() == every.session().logits(),
                "frame {i}"
            );
        }
        assert_eq!(asked.pacer_stats(), every.pacer_stats());
        assert_eq!(asked.frames_pushed(), order.len() as u64);
        assert_eq!(asked.pacer_stats().kept, kept);
        assert!(kept > 10 && asked.pacer_stats().dropped > 100);
    }
}

#[test]
fn frames_without_timestamps_and_unpaced_streams_keep_everything() {
    let model = a0();
    let clip = decode_rgb("mmaction2_demo_arm_wrestling.mp4", Some(12));
    let mut paced = Classifier::new(&model, None, ClassifierOptions::default()).unwrap();
    let mut unpaced = Classifier::new(
        &model,
        None,
        ClassifierOptions {
            model_fps: None,
            ..ClassifierOptions::default()
        },
    )
    .unwrap();
    for (i, f) in clip.frames.iter().enumerate() {
        let bare = Frame::rgb888(f, clip.width, clip.height, clip.width * 3).unwrap();
        assert!(
            paced.push(&bare).unwrap().is_some(),
            "frame {i} without timestamp"
        );
        assert!(
            unpaced.push(&frame(&clip, i)).unwrap().is_some(),
            "frame {i} unpaced"
        );
    }
    assert_eq!(paced.pacer_stats().kept, 12);
    assert_eq!(unpaced.pacer_stats().dropped, 0);
    assert_eq!(paced.session().logits(), unpaced.session().logits());
}

#[test]
fn classifier_options_labels_smoothing_and_reset() {
    let model = a0();
    let labels = kinetics_labels();
    let clip = decode_rgb("mmaction2_demo_arm_wrestling.mp4", Some(3));
    let push_all = |c: &mut Classifier| {
        (0..3)
            .map(|i| c.push(&frame(&clip, i).with_timestamp(Duration::from_millis(200 * i as u64))))
            .map(|p| p.unwrap().expect("on the 5 fps grid"))
            .collect::<Vec<_>>()
    };

    // Labels must name the model's classes.
    let seven = Labels::parse("a\nb\nc\nd\ne\nf\ng\n").unwrap();
    assert!(matches!(
        Classifier::new(&model, Some(seven), ClassifierOptions::default()),
        Err(Error::LabelCountMismatch {
            found: 7,
            expected: 600,
            ..
        })
    ));
    for bad in [
        ClassifierOptions {
            top_k: 0,
            ..Default::default()
        },
        ClassifierOptions {
            model_fps: Some(-1.0),
            ..Default::default()
        },
        ClassifierOptions {
            smoothing: 1.5,
            ..Default::default()
        },
    ] {
        assert!(matches!(
            Classifier::new(&model, None, bad),
            Err(Error::InvalidOption { .. })
        ));
    }

    // top_k, threshold, no labels.
    let mut plain = Classifier::new(
        &model,
        None,
        ClassifierOptions {
            top_k: 5,
            ..Default::default()
        },
    )
    .unwrap();
    let first = push_all(&mut plain);
    let p = first.last().unwrap().clone();
    assert_eq!(p.categories.len(), 5);
    assert!(p.categories.windows(2).all(|w| w[0].score >= w[1].score));
    assert_eq!(p.categories[0].label, p.categories[0].index.to_string());
    let best = p.categories[0].score;
    let mut strict = Classifier::new(
        &model,
        Some(labels.clone()),
        ClassifierOptions {
            top_k: 5,
            score_threshold: best * 0.999,
            ..Default::default()
        },
    )
    .unwrap();
    let q = push_all(&mut strict).pop().unwrap();
    assert_eq!(q.categories.len(), 1);
    assert_eq!(q.categories[0].index, p.categories[0].index);
    assert_eq!(
        q.categories[0].label,
        labels.get(q.categories[0].index).unwrap()
    );

    // Smoothing: an exponential moving average of the probabilities.
    let mut smooth = Classifier::new(
        &model,
        None,
        ClassifierOptions {
            smoothing: 0.75,
            ..Default::default()
        },
    )
    .unwrap();
    let mut expected: Vec<f32> = Vec::new();
    for i in 0..3 {
        smooth
            .push(&frame(&clip, i).with_timestamp(Duration::from_millis(200 * i as u64)))
            .unwrap()
            .unwrap();
        let current = smooth.session().probabilities();
        expected = if i == 0 {
            current
        } else {
            expected
                .iter()
                .zip(&current)
                .map(|(e, c)| 0.75 * e + 0.25 * c)
                .collect()
        };
        assert!(
            max_abs_diff(smooth.probabilities(), &expected) < 1e-6,
            "frame {i}"
        );
    }
    assert!(max_abs_diff(smooth.probabilities(), &smooth.session().probabilities()) > 1e-4);

    // Reset: a new stream, identical to a fresh classifier.
    push_all(&mut plain);
    assert_eq!(plain.frames_pushed(), 6);
    plain.reset();
    assert_eq!(plain.frames_pushed(), 0);
    assert_eq!(plain.pacer_stats().kept, 0);
    assert_eq!(plain.session().frames(), 0);
    let after = push_all(&mut plain);
    for (a, b) in first.iter().zip(&after) {
        assert_eq!(a.categories, b.categories);
        assert_eq!(a.frame_index, b.frame_index);
    }
}
