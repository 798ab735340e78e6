//! The bounded horizon: which pools it finds in real models, that `all` is the model as
//! exported (bit-identical to the golden logits), and what a bounded one does to a stream.

use movinet::{Error, Horizon, Model, ModelOptions};
use movinet_tests::{a0, max_abs_diff, models_dir, Golden};

fn load(path: &str) -> Model {
    Model::from_file(models_dir().join(path), &ModelOptions::default()).expect("model")
}

fn pool_names(model: &Model) -> Vec<(String, String)> {
    model
        .cumulative_pools()
        .iter()
        .map(|p| (p.sum_state.clone(), p.count_state.clone()))
        .collect()
}

#[test]
fn the_a0_head_is_its_one_cumulative_pool() {
    // Found from the graph's structure; the names are only checked here. A0's other 30
    // pool states are left over from the removed squeeze-excite and feed nothing.
    assert_eq!(
        pool_names(&a0()),
        [(
            "state_head_pool_buffer".to_string(),
            "state_head_pool_frame_count".to_string()
        )]
    );
}

#[test]
fn the_fine_tuned_model_pools_in_every_squeeze_excite_block_and_the_head() {
    let model = load("custom/cattle7_a0_stream_int8.tflite");
    let pools = pool_names(&model);
    assert_eq!(pools.len(), 16, "{pools:?}");
    for (sum, count) in &pools {
        let stem = sum.strip_suffix("_pool_buffer").expect(sum);
        assert_eq!(count, &format!("{stem}_pool_frame_count"));
    }
    assert!(pools.iter().any(|(s, _)| s == "state_head_pool_buffer"));
    assert!(pools
        .iter()
        .any(|(s, _)| s == "state_block4_layer3_pool_buffer"));
}

#[test]
fn the_synthetic_models_have_their_head_pool() {
    for file in [
        "synthetic/movinet_a0_stream_int8_synthetic.tflite",
        "synthetic/movinet_a1_stream_int8_synthetic.tflite",
        "synthetic/movinet_a2_stream_int8_synthetic.tflite",
    ] {
        let pools = pool_names(&load(file));
        assert!(
            pools.contains(&(
                "state_head_pool_buffer".into(),
                "state_head_pool_frame_count".into()
            )),
            "{file}: {pools:?}"
        );
    }
}

#[test]
fn horizon_all_is_bit_identical_to_the_goldens_even_after_a_bounded_one() {
    let golden = Golden::arm_wrestling();
    let model = a0();
    let mut session = model.new_session().unwrap();
    assert_eq!(session.horizon(), Horizon::All);
    session.set_horizon(Horizon::Frames(5)).unwrap();
    session.set_horizon(Horizon::All).unwrap();
    assert_eq!(session.horizon_frames(), None);
    for i in 0..golden.n {
        assert_eq!(
            session.run(&golden.input(i)).unwrap(),
            golden.logits(i),
            "frame {i}"
        );
    }
}

#[test]
fn a_bounded_horizon_leaves_the_first_frames_alone_then_forgets() {
    let golden = Golden::carving_ice();
    let model = a0();
    let k = 10;
    let mut session = model.new_session().unwrap();
    session.set_horizon(Horizon::Frames(k)).unwrap();
    assert_eq!(session.horizon_frames(), Some(k));
    let mut first_difference = None;
    for i in 0..golden.n {
        let logits = session.run(&golden.input(i)).unwrap();
        if first_difference.is_none() && logits != golden.logits(i) {
            first_difference = Some(i);
        }
    }
    // Frames 0..k are the model's own (the count reaches k at frame k - 1, whose sum is then
    // rewritten for frame k).
    assert_eq!(first_difference, Some(k as usize));
    // Still the clip's label with a 2 s horizon at its end.
    let labels = movinet_tests::kinetics_labels();
    assert_eq!(session.top_k(1, Some(&labels))[0].label, "carving ice");
}

#[test]
fn seconds_count_at_the_models_five_fps_on_a_bare_session() {
    let model = a0();
    let mut session = model.new_session().unwrap();
    session.set_horizon(Horizon::Seconds(2.0)).unwrap();
    assert_eq!(session.horizon_frames(), Some(10));
    assert_eq!(session.horizon(), Horizon::Seconds(2.0));
}

#[test]
fn bad_horizons_are_option_errors_and_change_nothing() {
    let model = a0();
    let mut session = model.new_session().unwrap();
    session.set_horizon(Horizon::Frames(8)).unwrap();
    for bad in [
        Horizon::Frames(0),
        Horizon::Seconds(0.0),
        Horizon::Seconds(f32::NAN),
        Horizon::Seconds(-2.0),
    ] {
        let e = session.set_horizon(bad).unwrap_err();
        assert!(matches!(e, Error::InvalidOption { .. }), "{bad:?}: {e}");
        assert!(e.to_string().contains("horizon"), "{e}");
    }
    assert_eq!(session.horizon_frames(), Some(8));
}

#[test]
fn a_bounded_stream_snapshots_restores_and_resets_exactly() {
    let golden = Golden::arm_wrestling();
    let model = a0();
    let mut session = model.new_session().unwrap();
    session.set_horizon(Horizon::Frames(6)).unwrap();
    let split = 20;
    for i in 0..split {
        session.run(&golden.input(i)).unwrap();
    }
    let snap = session.snapshot();
    let rest: Vec<Vec<f32>> = (split..golden.n)
        .map(|i| session.run(&golden.input(i)).unwrap().to_vec())
        .collect();
    session.restore(&snap).unwrap();
    for (j, i) in (split..golden.n).enumerate() {
        assert_eq!(
            session.run(&golden.input(i)).unwrap(),
            &rest[j][..],
            "frame {i}"
        );
    }
    // A reset starts the same bounded stream again from zero.
    let first: Vec<Vec<f32>> = {
        let mut fresh = model.new_session().unwrap();
        fresh.set_horizon(Horizon::Frames(6)).unwrap();
        (0..12)
            .map(|i| fresh.run(&golden.input(i)).unwrap().to_vec())
            .collect()
    };
    session.reset();
    for (i, expected) in first.iter().enumerate() {
        assert_eq!(
            session.run(&golden.input(i)).unwrap(),
            &expected[..],
            "frame {i}"
        );
    }
}

#[test]
fn the_fine_tuned_model_runs_bounded() {
    let model = load("custom/cattle7_a0_stream_int8.tflite");
    let golden = Golden::carving_ice();
    let mut all = model.new_session().unwrap();
    let mut bounded = model.new_session().unwrap();
    bounded.set_horizon(Horizon::Frames(4)).unwrap();
    let mut differs = false;
    for i in 0..golden.n {
        let a = all.run(&golden.input(i)).unwrap().to_vec();
        let b = bounded.run(&golden.input(i)).unwrap();
        assert!(b.iter().all(|v| v.is_finite()), "frame {i}");
        if i < 4 {
            assert_eq!(a, b, "frame {i}");
        } else {
            differs |= max_abs_diff(&a, b) > 0.0;
        }
    }
    assert!(differs, "bounding 16 pools changed nothing");
}
