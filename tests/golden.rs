//! The core reproduces Google's reference logits, frame by frame, on both golden clips.

use movinet_tests::{a0, argmax, kinetics_labels, max_abs_diff, Golden};

fn check_clip(golden: &Golden, expected_top1: &str) {
    let model = a0();
    let labels = kinetics_labels();
    assert_eq!(model.spec().num_classes, golden.classes);
    let mut session = model.new_session().unwrap();
    let mut worst = 0.0f32;
    for i in 0..golden.n {
        let logits = session.run(&golden.input(i)).unwrap();
        let d = max_abs_diff(logits, golden.logits(i));
        assert!(d <= 1e-5, "frame {i}: max abs diff {d}");
        worst = worst.max(d);
    }
    let top = session.top_k(5, Some(&labels));
    eprintln!("worst diff {worst}; top-5 {top:?}");
    assert_eq!(top[0].label, expected_top1);
    assert_eq!(top[0].index, argmax(golden.logits(golden.n - 1)));
}

#[test]
fn carving_ice_matches_reference_logits_at_every_frame() {
    check_clip(&Golden::carving_ice(), "carving ice");
}

#[test]
fn arm_wrestling_matches_reference_logits_at_every_frame() {
    check_clip(&Golden::arm_wrestling(), "arm wrestling");
}
