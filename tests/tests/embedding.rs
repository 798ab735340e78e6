//! The embedding (the features the model's classifier reads), exposed by the load-time pass:
//! found by structure in every supported model, with the int8 pass on and off; the very
//! tensor Google's interpreter computes, frame by frame; and it follows the horizon as the
//! logits do. (The golden logits stay bit-identical with it exposed: `golden.rs`.)

use movinet::{ElementType, Horizon, Model, ModelOptions, Session};
use movinet_tests::{a0_path, load_model, models_dir, run_reference, Golden};

fn options(int8_io: bool) -> ModelOptions {
    ModelOptions {
        int8_io,
        ..ModelOptions::default()
    }
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt();
    dot / (norm(a) * norm(b))
}

#[test]
fn the_embedding_is_found_in_every_supported_model() {
    let models = [
        ("movinet_a0_stream_int8.tflite", 600),
        ("custom/cattle7_a0_stream_int8.tflite", 7),
        ("synthetic/movinet_a0_stream_int8_synthetic.tflite", 600),
        ("synthetic/movinet_a1_stream_int8_synthetic.tflite", 600),
        ("synthetic/movinet_a2_stream_int8_synthetic.tflite", 600),
    ];
    for (file, classes) in models {
        for int8_io in [true, false] {
            let model = load_model(&models_dir().join(file), &options(int8_io));
            let spec = model.spec();
            assert_eq!(spec.num_classes, classes, "{file}");
            let e = spec
                .embedding
                .as_ref()
                .unwrap_or_else(|| panic!("{file}: no embedding"));
            assert_eq!(
                (e.width, e.element_type),
                (2048, ElementType::Int8),
                "{file}"
            );
            assert!(e.quantization.is_some(), "{file}");
            // The states and logits are as before: one more output, nothing else.
            assert_eq!(spec.num_outputs, spec.states.len() + 2, "{file}");
            let mut session = model.new_session().unwrap();
            let frame: Vec<f32> = (0..spec.input_len())
                .map(|i| (i % 251) as f32 / 250.0)
                .collect();
            session.run(&frame).unwrap();
            let v = session.embedding().unwrap();
            assert_eq!(v.len(), 2048);
            assert!(v.iter().all(|x| x.is_finite()), "{file}");
            assert!(v.iter().any(|&x| x != v[0]), "{file}: a constant embedding");
            let mut into = vec![1.0; 3];
            assert!(session.embedding_into(&mut into));
            assert_eq!(into, v);
        }
    }
}

/// Runs `embedding_reference.py` (Google's interpreter) on the model at `path` with its
/// embedding exposed: (embedding levels, logits) after each of the first `n` golden frames.
fn reference(path: &std::path::Path, golden: &Golden, n: usize) -> (Vec<i8>, Vec<f32>) {
    let dir = std::env::temp_dir().join(format!("movinet-embedding-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
    let model = dir.join(format!("{stem}.tflite"));
    std::fs::write(
        &model,
        movinet::tooling::embedding_bytes(&std::fs::read(path).unwrap()).unwrap(),
    )
    .unwrap();
    let frames = dir.join(format!("{stem}.frames"));
    let size = golden.height * golden.width * 3;
    std::fs::write(&frames, &golden.frames[..n * size]).unwrap();
    let (e_out, l_out) = (
        dir.join(format!("{stem}.emb")),
        dir.join(format!("{stem}.logits")),
    );
    let (height, width) = (golden.height.to_string(), golden.width.to_string());
    run_reference(
        "embedding_reference.py",
        &[
            model.as_os_str(),
            frames.as_os_str(),
            height.as_ref(),
            width.as_ref(),
            e_out.as_os_str(),
            l_out.as_os_str(),
        ],
    );
    let levels = std::fs::read(&e_out)
        .unwrap()
        .iter()
        .map(|&b| b as i8)
        .collect();
    let logits = std::fs::read(&l_out)
        .unwrap()
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    let _ = std::fs::remove_dir_all(&dir);
    (levels, logits)
}

/// The SDK's embedding after each of the first `n` golden frames equals the reference's
/// levels (dequantized the same way) bit for bit; its logits equal the reference's.
fn check_against_reference(path: &std::path::Path, golden: &Golden, n: usize, int8_io: bool) {
    let (levels, ref_logits) = reference(path, golden, n);
    let model = load_model(path, &options(int8_io));
    let spec = model.spec().embedding.clone().unwrap();
    let q = spec.quantization.unwrap();
    assert_eq!(levels.len(), n * spec.width);
    let mut session = model.new_session().unwrap();
    for i in 0..n {
        let logits = session.run(&golden.input(i)).unwrap().to_vec();
        let classes = logits.len();
        assert_eq!(
            logits,
            ref_logits[i * classes..(i + 1) * classes],
            "{}: logits of frame {i}",
            path.display()
        );
        let got = session.embedding().unwrap();
        let want: Vec<f32> = levels[i * spec.width..(i + 1) * spec.width]
            .iter()
            .map(|&l| q.scale * (i32::from(l) - q.zero_point as i32) as f32)
            .collect();
        assert!(
            got.iter()
                .zip(&want)
                .all(|(a, b)| a.to_bits() == b.to_bits()),
            "{}: embedding of frame {i} differs from the reference's",
            path.display()
        );
    }
}

#[test]
fn the_embedding_is_the_tensor_googles_interpreter_computes_at_every_frame() {
    let golden = Golden::carving_ice();
    check_against_reference(&a0_path(), &golden, golden.n, true);
    check_against_reference(&a0_path(), &golden, 8, false);
    // The fine-tuned model (hard-swish, squeeze-and-excitation): its classifier reads the
    // output of a swish (a MUL), not of a convolution.
    let cattle = models_dir().join("custom/cattle7_a0_stream_int8.tflite");
    check_against_reference(&cattle, &golden, 12, true);
}

/// The embedding after feeding `frames` of `golden` (from `from`) to `session`.
fn feed(session: &mut Session, golden: &Golden, frames: std::ops::Range<usize>) -> Vec<f32> {
    for i in frames {
        session.run(&golden.input(i)).unwrap();
    }
    session.embedding().unwrap()
}

#[test]
fn the_embedding_follows_the_horizon() {
    // Carving ice, then arm wrestling, in one stream: with the live horizon the embedding
    // at the end is arm wrestling's (as arm wrestling alone gives it); with the horizon `all`
    // it still carries the carving ice.
    let (carving, arm) = (Golden::carving_ice(), Golden::arm_wrestling());
    let model: Model = load_model(&a0_path(), &ModelOptions::default());
    let mut alone = model.new_session().unwrap();
    alone.set_horizon(Horizon::LIVE).unwrap();
    let arm_alone = feed(&mut alone, &arm, 0..arm.n);
    let mut ends = Vec::new();
    for horizon in [Horizon::LIVE, Horizon::All] {
        let mut s = model.new_session().unwrap();
        s.set_horizon(horizon).unwrap();
        feed(&mut s, &carving, 0..carving.n);
        ends.push(cosine(&feed(&mut s, &arm, 0..arm.n), &arm_alone));
    }
    eprintln!(
        "cosine to arm wrestling alone after carving ice then arm wrestling: live {:.3}, all {:.3}",
        ends[0], ends[1]
    );
    assert!(ends[0] > 0.95, "{ends:?}");
    assert!(ends[0] - ends[1] > 0.05, "{ends:?}");
}
