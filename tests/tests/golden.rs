//! The core reproduces Google's reference logits bit for bit, frame by frame, on both golden
//! clips: with the load-time int8 pass (the default) and without it, and whether the frames
//! come as floats (`Session::run`) or as the uint8 levels the preprocessing writes; always
//! with the embedding exposed as an extra output (the load-time pass every load makes).

use movinet::{InputMut, Model, ModelOptions};
use movinet_tests::{a0_with, argmax, kinetics_labels, Golden};

fn model(int8_io: bool) -> Model {
    let options = ModelOptions {
        int8_io,
        ..ModelOptions::default()
    };
    a0_with(&options)
}

/// Logits identical to the reference's, bit for bit (0.0 and -0.0 told apart).
fn assert_bits(got: &[f32], want: &[f32], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}");
    for (k, (a, b)) in got.iter().zip(want).enumerate() {
        assert!(
            a.to_bits() == b.to_bits(),
            "{what}: logit {k} is {a}, not {b}"
        );
    }
}

fn check_clip(golden: &Golden, expected_top1: &str, int8_io: bool) {
    let model = model(int8_io);
    let labels = kinetics_labels();
    assert_eq!(model.spec().num_classes, golden.classes);
    // With the classifier's input exposed as an output (every load does it).
    assert!(model.spec().embedding.is_some());
    let mut session = model.new_session().unwrap();
    for i in 0..golden.n {
        let logits = session.run(&golden.input(i)).unwrap();
        assert_bits(logits, golden.logits(i), &format!("frame {i}"));
    }
    let top = session.top_k(5, Some(&labels));
    assert_eq!(top[0].label, expected_top1);
    assert_eq!(top[0].index, argmax(golden.logits(golden.n - 1)));
}

#[test]
fn carving_ice_matches_reference_logits_at_every_frame() {
    check_clip(&Golden::carving_ice(), "carving ice", true);
}

#[test]
fn arm_wrestling_matches_reference_logits_at_every_frame() {
    check_clip(&Golden::arm_wrestling(), "arm wrestling", true);
}

#[test]
fn carving_ice_matches_reference_logits_with_the_int8_pass_off() {
    check_clip(&Golden::carving_ice(), "carving ice", false);
}

#[test]
fn arm_wrestling_matches_reference_logits_with_the_int8_pass_off() {
    check_clip(&Golden::arm_wrestling(), "arm wrestling", false);
}

/// The levels written straight into the int8 image input (what the preprocessing does) give
/// the reference logits too.
#[test]
fn golden_levels_written_into_the_int8_input_match_reference_logits() {
    let golden = Golden::arm_wrestling();
    let model = model(true);
    let mut session = model.new_session().unwrap();
    let n = golden.height * golden.width * 3;
    for i in 0..golden.n {
        let levels = &golden.frames[i * n..(i + 1) * n];
        match session.input_mut() {
            InputMut::Int8(q) => {
                for (q, &v) in q.iter_mut().zip(levels) {
                    *q = (i16::from(v) - 128) as i8;
                }
            }
            InputMut::Float32(_) => panic!("the A0 image input stayed float with the pass on"),
        }
        let logits = session.run_input().unwrap();
        assert_bits(logits, golden.logits(i), &format!("frame {i}"));
    }
}
