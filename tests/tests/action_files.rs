//! Action sets with the real model, without video decoding (the golden clips' frames stand
//! in for a camera): recorded, saved, loaded, and given to a classifier; and every file and
//! misuse that must fail with a typed error: a missing file, a directory, a FIFO,
//! `/dev/zero`, a 1 GB file, another model's set (the fine-tuned model, and the synthetic A0
//! whose sizes are A0's), an empty set, an example too short. The file format's hostile
//! contents (truncated, damaged, other versions, NaN, huge counts, duplicate names, zero
//! actions) are the core's unit tests (`core/src/actions/tests.rs`) and the `action_set`
//! fuzz target.

use std::time::Duration;

use movinet::{
    ActionExample, ActionRecorder, ActionSet, Classifier, ClassifierOptions, Error, ErrorKind,
    Frame, Model, ModelOptions,
};
use movinet_tests::{a0, load_model, models_dir, Golden};

/// Golden frame `i` of `golden` (172x172 RGB) as a camera frame at `t` 5 fps steps.
fn golden_frame(golden: &Golden, i: usize, t: usize) -> Frame<'_> {
    let n = golden.height * golden.width * 3;
    Frame::rgb888(
        &golden.frames[i * n..(i + 1) * n],
        golden.width,
        golden.height,
        golden.width * 3,
    )
    .expect("a golden frame")
    .with_timestamp(Duration::from_millis(200 * t as u64))
}

/// An example recorded from golden frames `range` (172x172 RGB at 5 fps), as from a camera.
fn record(
    model: &Model,
    golden: &Golden,
    range: std::ops::Range<usize>,
) -> movinet::Result<ActionExample> {
    let mut recorder = ActionRecorder::new(model, &ClassifierOptions::default())?;
    for i in range {
        assert!(
            recorder.push(&golden_frame(golden, i, i))?,
            "5 fps frames are all kept"
        );
    }
    recorder.finish()
}

/// Two actions, two examples each, from the two golden clips.
fn two_actions(model: &Model) -> ActionSet {
    let (carving, arm) = (Golden::carving_ice(), Golden::arm_wrestling());
    let mut set = ActionSet::new(model).unwrap();
    for (name, golden) in [("carving", &carving), ("arm wrestling", &arm)] {
        let half = golden.n / 2;
        set.add(name, record(model, golden, 0..half).unwrap())
            .unwrap();
        set.add(name, record(model, golden, half..golden.n).unwrap())
            .unwrap();
    }
    set
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("movinet-action-files-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn a_recorded_set_saves_loads_and_scores_its_actions_in_a_classifier() {
    let model = a0();
    let set = two_actions(&model);
    assert_eq!(set.names(), ["carving", "arm wrestling"]);
    assert_eq!(set.model_sha256(), model.sha256());
    let path = scratch("two.actions");
    // Saving where the file cannot go says so as a write, not a read.
    let nowhere = scratch("no-such-folder").join("two.actions");
    let e = set.save(&nowhere).unwrap_err();
    assert!(matches!(e, Error::Write { .. }), "{e:?}");
    assert_eq!(e.kind(), ErrorKind::Io);
    assert!(e.to_string().starts_with("cannot write "), "{e}");
    set.save(&path).unwrap();
    let loaded = ActionSet::load(&path, &model).unwrap();
    assert_eq!(loaded, set);
    assert_eq!(
        ActionSet::from_bytes(&set.to_bytes().unwrap(), &model).unwrap(),
        set
    );

    // A classifier on the set: categories are the actions, the clips are told apart, and
    // back on the model's classes without the set.
    let mut classifier = Classifier::new(&model, None, ClassifierOptions::default()).unwrap();
    classifier.set_actions(Some(loaded)).unwrap();
    assert_eq!(
        classifier.labels().unwrap().names(),
        ["carving", "arm wrestling"]
    );
    let golden = Golden::arm_wrestling();
    let mut last = None;
    for i in 0..golden.n {
        last = classifier.push(&golden_frame(&golden, i, i)).unwrap();
    }
    let p = last.expect("a prediction");
    assert_eq!(p.categories.len(), 2, "top_k 3 of 2 actions");
    assert_eq!(p.categories[0].label, "arm wrestling");
    assert!(p.categories[0].score > 0.9, "{:?}", p.categories);
    assert_eq!(classifier.probabilities().len(), 2);
    assert_eq!(
        classifier.current_event().map(|e| e.label.as_str()),
        Some("arm wrestling")
    );
    classifier.set_actions(None).unwrap();
    assert_eq!(classifier.probabilities().len(), 600);
    assert!(classifier.actions().is_none());
    let _ = std::fs::remove_file(&path);
}

#[test]
fn files_that_are_not_action_sets_are_typed_errors() {
    let model = a0();
    let kind = |r: movinet::Result<ActionSet>| r.map(|_| ()).unwrap_err();
    let missing = kind(ActionSet::load(scratch("missing.actions"), &model));
    assert!(
        matches!(&missing, Error::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound)
    );
    // Said in words, not Rust's "entity not found".
    assert!(
        missing
            .to_string()
            .ends_with("missing.actions: no such file"),
        "{missing}"
    );
    let dir = scratch("");
    let e = kind(ActionSet::load(&dir, &model));
    assert_eq!(e.kind(), ErrorKind::InvalidActionSet, "{e}");
    assert!(e.to_string().contains("a directory"), "{e}");
    let e = kind(ActionSet::load("/dev/zero", &model));
    assert_eq!(e.kind(), ErrorKind::InvalidActionSet, "{e}");
    // A 1 GB file (sparse): refused by its size, nothing read.
    let big = scratch("big.actions");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(1 << 30)
        .unwrap();
    let e = kind(ActionSet::load(&big, &model));
    assert_eq!(e.kind(), ErrorKind::InvalidActionSet, "{e}");
    assert!(e.to_string().contains("larger than 16 MB"), "{e}");
    let _ = std::fs::remove_file(&big);
    // A FIFO: refused without blocking.
    let fifo = scratch("fifo.actions");
    let _ = std::fs::remove_file(&fifo);
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let e = kind(ActionSet::load(&fifo, &model));
    assert_eq!(e.kind(), ErrorKind::InvalidActionSet, "{e}");
    let _ = std::fs::remove_file(&fifo);
    // A model file is not an action set.
    let e = kind(ActionSet::load(movinet_tests::a0_path(), &model));
    assert!(e.to_string().contains("not an action-set file"), "{e}");
}

#[test]
fn a_set_made_with_another_model_is_refused() {
    let model = a0();
    let bytes = two_actions(&model).to_bytes().unwrap();
    for other in [
        "custom/cattle7_a0_stream_int8.tflite",
        // The same sizes as A0 (2048 values, 600 classes), other weights.
        "synthetic/movinet_a0_stream_int8_synthetic.tflite",
    ] {
        let other = load_model(&models_dir().join(other), &ModelOptions::default());
        let e = ActionSet::from_bytes(&bytes, &other).unwrap_err();
        assert!(matches!(e, Error::ActionSetModelMismatch { .. }), "{e}");
        assert_eq!(e.kind(), ErrorKind::InvalidActionSet);
        assert!(e.to_string().contains("enroll its actions again"), "{e}");
        // Nor does a classifier of that model take the set.
        let set = ActionSet::from_bytes(&bytes, &model).unwrap();
        let mut c = Classifier::new(&other, None, ClassifierOptions::default()).unwrap();
        let e = c.set_actions(Some(set)).unwrap_err();
        assert!(matches!(e, Error::ActionSetModelMismatch { .. }), "{e}");
        assert!(c.actions().is_none());
    }
    // The int8 pass off is the same model file: the set loads.
    let float = load_model(
        &movinet_tests::a0_path(),
        &ModelOptions {
            int8_io: false,
            ..ModelOptions::default()
        },
    );
    ActionSet::from_bytes(&bytes, &float).unwrap();
}

#[test]
fn empty_sets_and_short_examples_are_refused() {
    let model = a0();
    let mut c = Classifier::new(&model, None, ClassifierOptions::default()).unwrap();
    let e = c
        .set_actions(Some(ActionSet::new(&model).unwrap()))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidActionSet, "{e}");
    let e = ActionSet::new(&model)
        .unwrap()
        .save(scratch("empty.actions"))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidActionSet, "{e}");
    // Four frames at 5 fps: under a second.
    let golden = Golden::carving_ice();
    let e = record(&model, &golden, 0..4).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidActionSet, "{e}");
    assert!(e.to_string().contains("at least 1 s"), "{e}");
    record(&model, &golden, 0..5).unwrap();
}

#[test]
fn a_classifier_records_the_same_example_as_a_recorder() {
    let model = a0();
    let golden = Golden::carving_ice();
    let frame = |i: usize| golden_frame(&golden, i, i);
    let mut c = Classifier::new(&model, None, ClassifierOptions::default()).unwrap();
    let e = c.finish_example().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidActionSet, "{e}");
    assert!(e.to_string().contains("start_example"), "{e}");
    for i in 0..5 {
        c.push(&frame(i)).unwrap();
    }
    // The example starts a new stream: what came before is not in it.
    c.start_example().unwrap();
    assert_eq!(c.example_frames(), Some(0));
    let mut predictions = 0;
    for i in 5..golden.n {
        predictions += usize::from(c.push(&frame(i)).unwrap().is_some());
    }
    assert_eq!(
        predictions,
        golden.n - 5,
        "predictions go on while recording"
    );
    assert_eq!(c.example_frames(), Some((golden.n - 5) as u64));
    let recorded = c.finish_example().unwrap();
    assert_eq!(c.example_frames(), None);
    assert_eq!(recorded, record(&model, &golden, 5..golden.n).unwrap());
    // Live frames from 1 s into the example (5 frames at 5 fps), at most MAX_LIVE of them.
    assert_eq!(
        recorded.live_frames(),
        movinet::actions::MAX_LIVE.min(golden.n - 5 - 5)
    );
}

#[test]
fn a_teacher_records_its_clips_with_the_live_classifier_and_commits_them() {
    use movinet::ActionTeacher;
    let model = a0();
    let golden = [Golden::carving_ice(), Golden::arm_wrestling()];
    let frames: Vec<(&Golden, usize)> = golden
        .iter()
        .flat_map(|g| (0..g.n).map(move |i| (g, i)))
        .collect();
    let mut c = Classifier::new(&model, None, ClassifierOptions::default()).unwrap();
    assert!(ActionTeacher::new(" bad", &c).is_err());
    let mut teacher = ActionTeacher::new("ice and arms", &c).unwrap();
    let mut set = ActionSet::new(&model).unwrap();
    let e = teacher.commit(&mut set).unwrap_err();
    assert!(e.to_string().contains("has 0 of its 3 clips"), "{e}");
    let per_clip = (ActionTeacher::CLIP_SECONDS * 5.0) as usize;
    let mut t = 0;
    for clip in 0..ActionTeacher::CLIPS {
        let p = teacher.start_clip(&mut c).unwrap();
        assert_eq!(
            (p.clips_done, p.recording, p.clip_fraction),
            (clip, true, 0.0)
        );
        for k in 0..per_clip {
            let (g, i) = frames[t % frames.len()];
            t += 1;
            let frame = golden_frame(g, i, t);
            assert!(c.push(&frame).unwrap().is_some());
            let p = teacher.after_frame(&mut c).unwrap();
            if k + 1 < per_clip {
                assert!(
                    p.recording
                        && (p.clip_fraction - (k + 1) as f32 / per_clip as f32).abs() < 1e-6
                );
            } else {
                // The clip ended by itself; the classifier goes on, no longer recording.
                assert_eq!((p.clips_done, p.recording), (clip + 1, false));
                assert_eq!(c.example_frames(), None);
            }
        }
    }
    assert!(teacher.progress(&c).done());
    let e = teacher.start_clip(&mut c).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidActionSet, "{e}");
    teacher.commit(&mut set).unwrap();
    assert_eq!(
        (set.names(), set.examples("ice and arms")),
        (vec!["ice and arms".to_string()], 3)
    );
    c.set_actions(Some(set)).unwrap();
}
