//! The load-time int8 pass (`ModelOptions::int8_io`): what it rewires on each shared model,
//! what it saves, and that a session on the rewritten model behaves as one on the file as it
//! is (fresh state, reset, snapshots, float frames quantized as the model would).

use movinet::{ElementType, Error, InputMut, Model, ModelOptions, Quantization};
use movinet_tests::{a0_path, models_dir, test_size, Golden};

fn load(path: &std::path::Path, int8_io: bool) -> Model {
    let options = ModelOptions {
        int8_io,
        ..ModelOptions::default()
    };
    movinet_tests::load_model(path, &options)
}

fn int8_states(model: &Model) -> Vec<&str> {
    model
        .spec()
        .states
        .iter()
        .filter(|s| s.element_type == ElementType::Int8)
        .map(|s| s.name.as_str())
        .collect()
}

#[test]
fn a0_keeps_its_eleven_stream_buffers_and_its_image_int8() {
    let on = load(&a0_path(), true);
    let off = load(&a0_path(), false);
    let spec = on.spec();
    let int8 = int8_states(&on);
    assert_eq!(int8.len(), 11, "{int8:?}");
    assert!(
        int8.iter().all(|n| n.ends_with("_stream_buffer")),
        "{int8:?}"
    );
    for s in spec
        .states
        .iter()
        .filter(|s| s.element_type == ElementType::Int8)
    {
        assert_eq!(
            s.quantization,
            Some(Quantization {
                scale: 6.0 / 255.0,
                zero_point: -128
            }),
            "{}",
            s.name
        );
    }
    // The head pool's two sides are quantized differently: it stays float.
    let head = spec
        .states
        .iter()
        .find(|s| s.name == "state_head_pool_buffer")
        .unwrap();
    assert_eq!(
        (head.element_type, head.quantization),
        (ElementType::Float32, None)
    );
    assert_eq!(spec.image_element_type, ElementType::Int8);
    assert_eq!(spec.state_bytes(), 684_000);

    assert!(int8_states(&off).is_empty());
    assert_eq!(off.spec().image_element_type, ElementType::Float32);
    assert_eq!(off.spec().state_bytes(), 2_696_832);
    // Everything else about the interface is the same.
    assert_eq!(spec.states.len(), off.spec().states.len());
    assert_eq!(
        (spec.num_inputs, spec.num_outputs, spec.num_classes),
        (
            off.spec().num_inputs,
            off.spec().num_outputs,
            off.spec().num_classes
        )
    );
}

#[test]
fn synthetic_and_fine_tuned_models_keep_their_exact_states_int8() {
    let dir = models_dir();
    for (file, states, image) in [
        (
            "synthetic/movinet_a1_stream_int8_synthetic.tflite",
            17,
            ElementType::Int8,
        ),
        (
            "synthetic/movinet_a2_stream_int8_synthetic.tflite",
            19,
            ElementType::Int8,
        ),
        // Its image QUANTIZE is not 1/255 and -128 (scale 0.0139, zero point -24): float.
        (
            "custom/cattle7_a0_stream_int8.tflite",
            11,
            ElementType::Float32,
        ),
    ] {
        let model = load(&dir.join(file), true);
        assert_eq!(int8_states(&model).len(), states, "{file}");
        assert_eq!(model.spec().image_element_type, image, "{file}");
        let mut session = model.new_session().unwrap();
        let frame = vec![0.5; model.spec().input_len()];
        let on = session.run(&frame).unwrap().to_vec();
        let mut plain = load(&dir.join(file), false).new_session().unwrap();
        let off = plain.run(&frame).unwrap();
        assert_eq!(on, off, "{file}");
    }
}

/// Uniform frames of values on, just beside and between the int8 levels, and outside [0, 1]:
/// `Session::run` must give each the level the model's own QUANTIZE gives it, so the logits
/// with the pass on equal those with it off. A uniform frame moves every input by a level
/// when one value is rounded differently, which always shows in the logits. Every third level
/// (`MOVINET_TEST_QUANTIZE_LEVEL_STEP` takes fewer, under emulation).
#[test]
fn float_frames_are_quantized_as_the_model_quantizes_them() {
    let on = load(&a0_path(), true);
    let off = load(&a0_path(), false);
    let (mut a, mut b) = (on.new_session().unwrap(), off.new_session().unwrap());
    let n = on.spec().input_len();
    let mut values = vec![-0.25f32, -0.0, 1.0, 1.0 + f32::EPSILON, 1.5];
    for k in (0..=255).step_by(test_size("MOVINET_TEST_QUANTIZE_LEVEL_STEP", 3)) {
        // Ties of `x * 255` and of `x * (1 / scale)` in f32, and their neighbours.
        for tie in [
            (k as f32 + 0.5) / 255.0,
            (k as f32 + 0.5) / (1.0 / (1.0f32 / 255.0)),
        ] {
            let bits = tie.to_bits();
            values.extend([bits - 1, bits, bits + 1].map(f32::from_bits));
        }
        values.push(k as f32 / 255.0);
    }
    let mut differ = Vec::new();
    for &x in &values {
        let frame = vec![x; n];
        a.reset();
        b.reset();
        let la = a.run(&frame).unwrap().to_vec();
        let lb = b.run(&frame).unwrap();
        if la.iter().zip(lb).any(|(p, q)| p.to_bits() != q.to_bits()) {
            differ.push(x);
        }
    }
    assert!(
        differ.is_empty(),
        "{} of {} values quantized differently: {differ:?}",
        differ.len(),
        values.len()
    );
}

#[test]
fn new_and_reset_sessions_start_int8_states_at_their_zero_point() {
    // A state left at byte 0 would read as 128 * 6/255 = 3.01, not 0.0: the first logits
    // would differ from the reference's.
    let golden = Golden::carving_ice();
    let model = load(&a0_path(), true);
    let mut session = model.new_session().unwrap();
    assert_eq!(
        session.run(&golden.input(0)).unwrap(),
        golden.logits(0),
        "a new session"
    );
    for i in 1..5 {
        session.run(&golden.input(i)).unwrap();
    }
    session.reset();
    for i in 0..5 {
        assert_eq!(
            session.run(&golden.input(i)).unwrap(),
            golden.logits(i),
            "frame {i} after reset"
        );
    }
}

#[test]
fn snapshots_restore_across_sessions_but_not_across_the_pass() {
    let golden = Golden::arm_wrestling();
    let on = load(&a0_path(), true);
    let off = load(&a0_path(), false);
    let mut session = on.new_session().unwrap();
    for i in 0..6 {
        session.run(&golden.input(i)).unwrap();
    }
    let snap = session.snapshot();
    assert_eq!(snap.bytes(), 684_000);
    let mut other = on.new_session().unwrap();
    other.restore(&snap).unwrap();
    assert_eq!(other.run(&golden.input(6)).unwrap(), golden.logits(6));

    let mut plain = off.new_session().unwrap();
    match plain.restore(&snap) {
        Err(Error::SnapshotMismatch(_)) => {}
        other => panic!("restored an int8 snapshot into a float session: {other:?}"),
    }
}

#[test]
fn the_input_view_has_the_type_the_model_takes() {
    let mut on = load(&a0_path(), true).new_session().unwrap();
    let mut off = load(&a0_path(), false).new_session().unwrap();
    let n = on.model().spec().input_len();
    assert!(matches!(on.input_mut(), InputMut::Int8(q) if q.len() == n));
    assert!(matches!(off.input_mut(), InputMut::Float32(x) if x.len() == n));
    let golden = Golden::carving_ice();
    on.run(&golden.input(3)).unwrap();
    off.run(&golden.input(3)).unwrap();
    // Read back as floats, both are the frame fed (levels / 255 exactly).
    assert_eq!(on.input().to_f32(), golden.input(3));
    assert_eq!(off.input().to_f32(), golden.input(3));
}
