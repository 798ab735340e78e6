//! `close()` racing `classify()` on one classifier from several threads, and a shared model
//! closed under its classifiers, through the same Rust API the Swift and Python bindings call:
//! every call returns a prediction or `MovinetError::Closed`, never touches a freed classifier
//! or model, and nothing else goes wrong.

use std::sync::Barrier;

use movinet_ffi::{
    default_classifier_options, default_model_options, Frame, MovinetClassifier, MovinetError,
    MovinetModel, PixelFormat, PlaneLayout,
};

fn a0() -> String {
    let dir = std::env::var("MOVINET_MODELS_DIR").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/models").to_string()
    });
    format!("{dir}/movinet_a0_stream_int8.tflite")
}

const W: u32 = 96;
const H: u32 = 64;

fn frame() -> Frame {
    Frame {
        format: PixelFormat::Rgb888,
        width: W,
        height: H,
        planes: vec![PlaneLayout {
            row_stride: W * 3,
            pixel_stride: 3,
        }],
        orientation: 1,
        yuv_range: None,
        color_matrix: None,
        timestamp_us: None,
    }
}

fn pixels(seed: u8) -> Vec<u8> {
    (0..W * H * 3)
        .map(|i| (i as u8).wrapping_mul(seed))
        .collect()
}

#[test]
fn close_racing_classify_is_an_error_never_a_crash() {
    let mut options = default_classifier_options();
    options.model_fps = None;
    let mut ran = 0;
    for round in 0..8u8 {
        let classifier = MovinetClassifier::new(a0(), None, options.clone(), None).unwrap();
        let start = Barrier::new(4);
        ran += std::thread::scope(|s| {
            let workers: Vec<_> = (0..3u8)
                .map(|t| {
                    let (classifier, start) = (&classifier, &start);
                    s.spawn(move || {
                        let pixels = pixels(round * 3 + t + 1);
                        start.wait();
                        let mut ran = 0;
                        loop {
                            match classifier.classify(frame(), &pixels, &[], &[]) {
                                Ok(Some(p)) => {
                                    assert_eq!(p.categories.len(), 3);
                                    ran += 1;
                                }
                                Ok(None) => unreachable!("no pacing"),
                                Err(MovinetError::Closed { message }) => {
                                    assert_eq!(message, "used after close");
                                    return ran;
                                }
                                Err(other) => panic!("{other:?}"),
                            }
                        }
                    })
                })
                .collect();
            start.wait();
            std::thread::sleep(std::time::Duration::from_millis(u64::from(round) * 2));
            classifier.close();
            classifier.close();
            workers
                .into_iter()
                .map(|w| w.join().unwrap())
                .sum::<usize>()
        });
        assert!(classifier.is_closed());
        assert!(matches!(
            classifier.reset(),
            Err(MovinetError::Closed { .. })
        ));
    }
    assert!(ran > 0, "no classify ran before a close");
}

/// A shared model closed while classifiers made from it run on other threads: they go on
/// (they hold the compiled model too) and give what a classifier on a model nobody closed
/// gives; only making a new classifier from the closed model fails, with `Closed`.
#[test]
fn closing_a_shared_model_leaves_its_classifiers_working() {
    let mut options = default_classifier_options();
    options.model_fps = None;
    let model = MovinetModel::new(a0(), None, default_model_options()).unwrap();
    let reference = MovinetClassifier::new(a0(), None, options.clone(), None).unwrap();
    let classifiers: Vec<_> = (0..3)
        .map(|_| model.new_classifier(options.clone()).unwrap())
        .collect();
    let pixels = pixels(7);
    let start = Barrier::new(classifiers.len() + 1);
    std::thread::scope(|s| {
        for c in &classifiers {
            let (start, pixels) = (&start, &pixels);
            s.spawn(move || {
                start.wait();
                for _ in 0..20 {
                    assert!(c.classify(frame(), pixels, &[], &[]).unwrap().is_some());
                }
            });
        }
        start.wait();
        model.close();
    });
    assert!(model.is_closed());
    assert!(matches!(
        model.new_classifier(options),
        Err(MovinetError::Closed { .. })
    ));
    for _ in 0..20 {
        reference.classify(frame(), &pixels, &[], &[]).unwrap();
    }
    for c in &classifiers {
        assert_eq!(
            c.probabilities().unwrap(),
            reference.probabilities().unwrap()
        );
    }
}
