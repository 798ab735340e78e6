//! The `ndarray` feature: frames as `ArrayView3<f32>` of any strides, logits and probabilities
//! as views. A golden clip fed as transposed (non-contiguous) views gives the reference logits
//! bit for bit, with the int8 pass on and off.

use movinet::{Classifier, ClassifierOptions, Error, Model, ModelOptions};
use movinet_tests::{a0_path, a0_with, Golden};
use ndarray::{Array3, ArrayView1};

#[test]
fn strided_array_frames_give_the_golden_logits() {
    let golden = Golden::carving_ice();
    let (h, w) = (golden.height, golden.width);
    for int8_io in [true, false] {
        let options = ModelOptions {
            int8_io,
            ..ModelOptions::default()
        };
        let model = a0_with(&options);
        let mut session = model.new_session().unwrap();
        for i in 0..golden.n {
            // Stored column-major (width, height, 3), then viewed as (height, width, 3): every
            // stride differs from the contiguous layout's.
            let frame = golden.input(i);
            let mut stored = Array3::<f32>::zeros((w, h, 3));
            for ((x, y, c), v) in stored.indexed_iter_mut() {
                *v = frame[(y * w + x) * 3 + c];
            }
            let view = stored.view().permuted_axes([1, 0, 2]);
            assert!(!view.is_standard_layout());
            let logits = session.run_array(view).unwrap().to_vec();
            let want = golden.logits(i);
            assert!(
                logits
                    .iter()
                    .zip(want)
                    .all(|(a, b)| a.to_bits() == b.to_bits()),
                "frame {i}, int8_io {int8_io}"
            );
            assert_eq!(session.logits_array(), ArrayView1::from(want));
        }
        // A reversed view (upside down) is read as the picture it shows: the same logits as
        // that picture laid out contiguously, and not the upright frame's.
        let frame = golden.input(golden.n / 2);
        let stored = Array3::from_shape_vec((h, w, 3), frame).unwrap();
        let flipped = stored.slice(ndarray::s![..;-1, .., ..]);
        let contiguous: Vec<f32> = flipped.iter().copied().collect();
        let mut a = model.new_session().unwrap();
        let mut b = model.new_session().unwrap();
        let mut c = model.new_session().unwrap();
        let from_view = a.run_array(flipped).unwrap().to_vec();
        assert_eq!(from_view, b.run(&contiguous).unwrap());
        assert_ne!(from_view, c.run_array(stored.view()).unwrap().to_vec());
    }
}

#[test]
fn wrong_shapes_are_input_size_errors() {
    let model = Model::from_file(a0_path(), &ModelOptions::default()).unwrap();
    let mut session = model.new_session().unwrap();
    for shape in [(172, 172, 4), (171, 172, 3), (172, 171, 3), (0, 0, 3)] {
        let a = Array3::<f32>::zeros(shape);
        match session.run_array(a.view()) {
            Err(Error::InputSize {
                expected, height, ..
            }) => assert_eq!((expected, height), (172 * 172 * 3, 172)),
            other => panic!("{shape:?}: {other:?}"),
        }
    }
    assert_eq!(session.frames(), 0);
}

#[test]
fn classifier_probabilities_as_a_view() {
    let model = Model::from_file(a0_path(), &ModelOptions::default()).unwrap();
    let classifier = Classifier::new(&model, None, ClassifierOptions::default()).unwrap();
    assert_eq!(
        classifier.probabilities_array(),
        ArrayView1::from(classifier.probabilities())
    );
    assert_eq!(classifier.probabilities_array().len(), 600);
}
