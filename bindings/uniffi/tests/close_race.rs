//! `close()` racing `classify()` on one classifier from several threads, through the same
//! Rust API the Swift and Python bindings call: every call returns a prediction or
//! `MovinetError::Closed`, never touches a freed classifier, and nothing else goes wrong.

use std::sync::Barrier;

use movinet_ffi::{
    default_classifier_options, Frame, MovinetClassifier, MovinetError, PixelFormat, Plane,
    YuvRange,
};

fn a0() -> String {
    let dir = std::env::var("MOVINET_MODELS_DIR").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/models").to_string()
    });
    format!("{dir}/movinet_a0_stream_int8.tflite")
}

fn frame(seed: u8) -> Frame {
    let (w, h) = (96u32, 64u32);
    Frame {
        format: PixelFormat::Rgb888,
        width: w,
        height: h,
        planes: vec![Plane {
            data: (0..w * h * 3)
                .map(|i| (i as u8).wrapping_mul(seed))
                .collect(),
            row_stride: w * 3,
            pixel_stride: 3,
        }],
        yuv_range: YuvRange::Video,
        rotation_degrees: 0,
        mirror: false,
        timestamp_us: None,
    }
}

#[test]
fn close_racing_classify_is_an_error_never_a_crash() {
    let mut options = default_classifier_options();
    options.fps = None;
    let mut ran = 0;
    for round in 0..8u8 {
        let classifier = MovinetClassifier::new(a0(), None, options.clone()).unwrap();
        let start = Barrier::new(4);
        ran += std::thread::scope(|s| {
            let workers: Vec<_> = (0..3u8)
                .map(|t| {
                    let (classifier, start) = (&classifier, &start);
                    s.spawn(move || {
                        let frame = frame(round * 3 + t + 1);
                        start.wait();
                        let mut ran = 0;
                        loop {
                            match classifier.classify(frame.clone()) {
                                Ok(Some(p)) => {
                                    assert_eq!(p.categories.len(), 3);
                                    ran += 1;
                                }
                                Ok(None) => unreachable!("no pacing"),
                                Err(MovinetError::Closed(m)) => {
                                    assert_eq!(m, "used after close");
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
        assert!(matches!(classifier.reset(), Err(MovinetError::Closed(_))));
    }
    assert!(ran > 0, "no classify ran before a close");
}
