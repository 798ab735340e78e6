//! Stream state: it matters, it resets, it snapshots, and sessions sharing a model stay apart.

use movinet::{Labels, Model, ModelOptions};
use movinet_tests::{a0, max_abs_diff, models_dir, Golden};

#[test]
fn state_matters_last_frame_alone_differs_from_carried_stream() {
    let golden = Golden::carving_ice();
    let model = a0();
    let last = golden.input(golden.n - 1);

    let mut fresh = model.new_session().unwrap();
    let alone = fresh.run(&last).unwrap().to_vec();

    let mut carried = model.new_session().unwrap();
    for i in 0..golden.n {
        carried.run(&golden.input(i)).unwrap();
    }
    let d = max_abs_diff(&alone, carried.logits());
    assert!(d > 1.0, "state made no difference: max diff {d}");
    let labels = movinet_tests::kinetics_labels();
    assert_eq!(carried.top_k(1, Some(&labels))[0].label, "carving ice");
    assert_ne!(fresh.top_k(1, Some(&labels))[0].label, "carving ice");
}

#[test]
fn reset_gives_the_logits_of_a_fresh_session() {
    let golden = Golden::arm_wrestling();
    let model = a0();
    let mut session = model.new_session().unwrap();
    let first: Vec<Vec<f32>> = (0..10)
        .map(|i| session.run(&golden.input(i)).unwrap().to_vec())
        .collect();
    assert_eq!(session.frames(), 10);
    session.reset();
    assert_eq!(session.frames(), 0);
    for (i, expected) in first.iter().enumerate() {
        assert_eq!(
            session.run(&golden.input(i)).unwrap(),
            &expected[..],
            "frame {i}"
        );
    }
}

#[test]
fn snapshot_and_restore_replay_identically() {
    let golden = Golden::carving_ice();
    let model = a0();
    let mut session = model.new_session().unwrap();
    let k = 12;
    for i in 0..=k {
        session.run(&golden.input(i)).unwrap();
    }
    let snap = session.snapshot();
    assert_eq!(snap.frames(), (k + 1) as u64);
    assert_eq!(snap.bytes(), model.spec().state_bytes());
    let first: Vec<Vec<f32>> = (k + 1..golden.n)
        .map(|i| session.run(&golden.input(i)).unwrap().to_vec())
        .collect();
    session.restore(&snap).unwrap();
    for (j, i) in (k + 1..golden.n).enumerate() {
        assert_eq!(
            session.run(&golden.input(i)).unwrap(),
            &first[j][..],
            "frame {i}"
        );
        // and still the reference
        assert!(max_abs_diff(session.logits(), golden.logits(i)) <= 1e-5);
    }
}

#[test]
fn snapshot_from_another_model_layout_is_refused() {
    let a0 = a0();
    let a2 = Model::from_file(
        models_dir().join("synthetic/movinet_a2_stream_int8_synthetic.tflite"),
        &ModelOptions::default(),
    )
    .unwrap();
    let snap = a2.new_session().unwrap().snapshot();
    let err = a0.new_session().unwrap().restore(&snap).unwrap_err();
    assert!(matches!(err, movinet::Error::SnapshotMismatch(_)), "{err}");
}

#[test]
fn two_sessions_on_one_model_interleaved_match_each_alone() {
    let ice = Golden::carving_ice();
    let arm = Golden::arm_wrestling();
    let model = a0();
    let alone = |g: &Golden| -> Vec<Vec<f32>> {
        let mut s = model.new_session().unwrap();
        (0..g.n)
            .map(|i| s.run(&g.input(i)).unwrap().to_vec())
            .collect()
    };
    let ice_alone = alone(&ice);
    let arm_alone = alone(&arm);

    let mut s1 = model.new_session().unwrap();
    let mut s2 = model.new_session().unwrap();
    for i in 0..ice.n.max(arm.n) {
        if i < ice.n {
            assert_eq!(
                s1.run(&ice.input(i)).unwrap(),
                &ice_alone[i][..],
                "ice frame {i}"
            );
        }
        if i < arm.n {
            assert_eq!(
                s2.run(&arm.input(i)).unwrap(),
                &arm_alone[i][..],
                "arm frame {i}"
            );
        }
    }
}

#[test]
fn fine_tuned_seven_class_model_loads_with_its_labels() {
    let dir = models_dir().join("custom");
    let model = Model::from_file(
        dir.join("cattle7_a0_stream_int8.tflite"),
        &ModelOptions::default(),
    )
    .unwrap();
    let spec = model.spec();
    assert_eq!(spec.signature_key, "call");
    assert_eq!(spec.num_classes, 7);
    assert_eq!((spec.height, spec.width), (172, 172));
    assert_eq!(spec.states.len(), 43);
    // 11 stream buffers int8 (tests/int8_io.rs), the rest float32 and int32.
    assert!(spec.state_bytes() > 500_000, "{}", spec.state_bytes());
    let labels = Labels::from_file_for(dir.join("cattle7_labels.txt"), spec).unwrap();
    assert_eq!(labels.len(), 7);

    let golden = Golden::carving_ice();
    let mut session = model.new_session().unwrap();
    for i in 0..8 {
        let logits = session.run(&golden.input(i)).unwrap();
        assert!(
            logits.iter().all(|v| v.is_finite()),
            "frame {i}: {logits:?}"
        );
    }
    let p = session.probabilities();
    assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-4);
    let top = session.top_k(3, Some(&labels));
    assert_eq!(top.len(), 3);
    assert!(top[0].score >= top[1].score && top[1].score >= top[2].score);
    assert!(labels.index_of(&top[0].label).is_some());

    // the Kinetics labels (600) do not fit this model
    let err = Labels::from_file_for(models_dir().join("kinetics600_labels.txt"), spec).unwrap_err();
    assert!(
        matches!(
            err,
            movinet::Error::LabelCountMismatch {
                found: 600,
                expected: 7,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn a0_spec_is_discovered_from_the_signature() {
    let model = a0();
    let spec = model.spec();
    assert_eq!(spec.signature_key, "serving_default");
    assert_eq!((spec.height, spec.width, spec.num_classes), (172, 172, 600));
    assert_eq!(spec.num_inputs, 44);
    // The file's 44, and the embedding the load-time pass exposes (tests/embedding.rs).
    assert_eq!(spec.num_outputs, 45);
    assert_eq!(spec.states.len(), 43);
    // 2,696,832 as the file declares them; 11 stream buffers int8 (tests/int8_io.rs).
    assert_eq!(spec.state_bytes(), 684_000);
    assert!(spec
        .states
        .iter()
        .any(|s| s.name == "state_head_pool_frame_count"
            && s.element_type == movinet::ElementType::Int32));
    // outputs are not in input order: the mapping is by name
    assert!(spec.states.iter().any(|s| s.input_index
        != s.output_index + usize::from(s.output_index >= spec.logits_output_index)));
}

#[test]
fn synthetic_a1_a2_specs_differ_from_a0() {
    for (file, res, n_states) in [
        ("movinet_a1_stream_int8_synthetic.tflite", 172, 67),
        ("movinet_a2_stream_int8_synthetic.tflite", 224, 73),
    ] {
        let model = Model::from_file(
            models_dir().join("synthetic").join(file),
            &ModelOptions::default(),
        )
        .unwrap();
        let spec = model.spec();
        assert_eq!((spec.height, spec.width), (res, res), "{file}");
        assert_eq!(spec.states.len(), n_states, "{file}");
        let mut s = model.new_session().unwrap();
        let frame = vec![0.5; spec.input_len()];
        assert!(s.run(&frame).unwrap().iter().all(|v| v.is_finite()));
    }
}

#[test]
fn threads_option_gives_the_same_logits() {
    let golden = Golden::carving_ice();
    let one = a0();
    let two = Model::from_file(
        movinet_tests::a0_path(),
        &ModelOptions {
            threads: 2,
            ..ModelOptions::default()
        },
    )
    .unwrap();
    let mut s1 = one.new_session().unwrap();
    let mut s2 = two.new_session().unwrap();
    for i in 0..5 {
        let a = s1.run(&golden.input(i)).unwrap().to_vec();
        let b = s2.run(&golden.input(i)).unwrap();
        assert!(max_abs_diff(&a, b) <= 1e-5, "frame {i}");
    }
}
