//! The leak check's workload (run it under valgrind or LeakSanitizer: `scripts/leak-check.sh`):
//! a stream of camera frames through one classifier, then model create / run / close cycles.
//!
//! `leak_check [FRAMES] [CYCLES]`, 10,000 and 1,000 by default. Prints resident memory after a
//! warm-up and at the end of each phase.

use movinet::{Classifier, ClassifierOptions, Frame, Model, ModelOptions};
use movinet_tests::{a0_path, kinetics_labels, Golden};

fn rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn main() {
    let mut args = std::env::args()
        .skip(1)
        .map(|a| a.parse::<usize>().expect("a count"));
    let frames = args.next().unwrap_or(10_000);
    let cycles = args.next().unwrap_or(1_000);
    let golden = Golden::carving_ice();
    let n = golden.height * golden.width * 3;
    let options = ClassifierOptions {
        model_fps: None,
        ..ClassifierOptions::default()
    };

    // A stream: every golden frame as a packed RGB camera frame, over and over.
    let model = Model::from_file(a0_path(), &ModelOptions::default()).expect("model");
    let mut classifier =
        Classifier::new(&model, Some(kinetics_labels()), options.clone()).expect("classifier");
    let warm_up = (frames / 2).min(50);
    let mut rss_warm = 0;
    for i in 0..frames {
        if i == warm_up {
            rss_warm = rss_kb();
        }
        let k = i % golden.n;
        if k == 0 {
            classifier.reset();
        }
        let frame = Frame::rgb888(
            &golden.frames[k * n..(k + 1) * n],
            golden.width,
            golden.height,
            golden.width * 3,
        )
        .expect("frame");
        let p = classifier
            .push(&frame)
            .expect("push")
            .expect("a prediction");
        assert_eq!(p.categories.len(), 3);
    }
    drop(classifier);
    drop(model);
    println!(
        "stream: {frames} frames; VmRSS {} kB after {warm_up}, {} kB at the end",
        rss_warm,
        rss_kb()
    );

    // Create / run / close cycles, from bytes and from the file in turn.
    let bytes = std::fs::read(a0_path()).expect("model bytes");
    let input = golden.input(0);
    let mut rss_warm = 0;
    let warm_up = (cycles / 2).min(20);
    for i in 0..cycles {
        if i == warm_up {
            rss_warm = rss_kb();
        }
        let model = if i % 2 == 0 {
            Model::from_bytes(&bytes, &ModelOptions::default())
        } else {
            Model::from_file(a0_path(), &ModelOptions::default())
        }
        .expect("model");
        let mut session = model.new_session().expect("session");
        session.run(&input).expect("run");
        let classifier = Classifier::new(&model, None, options.clone()).expect("classifier");
        drop(classifier);
        drop(session);
        drop(model);
    }
    println!(
        "cycles: {cycles} model create/run/close; VmRSS {} kB after {}, {} kB at the end",
        rss_warm,
        warm_up,
        rss_kb()
    );
}
