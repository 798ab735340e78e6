//! Per-frame cost of a session run against a bare LiteRT run of the same model, in the same
//! process, on the same golden frames. Runs alternate in blocks so that drift in the machine
//! hits both sides alike. Prints median and p90 in ms and the ratio.
//!
//! `cargo bench -p movinet-benches --bench session_overhead [-- FRAMES]`

use std::time::Instant;

use movinet::{Model, ModelOptions};
use movinet_benches::{bare::BareRun, stats::Samples};
use movinet_tests::{a0_path, Golden};

fn main() {
    let frames: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(2000);
    let golden = Golden::carving_ice();
    let inputs: Vec<Vec<f32>> = (0..golden.n).map(|i| golden.input(i)).collect();

    let model = Model::from_file(
        a0_path(),
        &ModelOptions {
            threads: 1,
            ..ModelOptions::default()
        },
    )
    .expect("model");
    let mut session = model.new_session().expect("session");
    let mut bare = BareRun::new(&a0_path(), 1);

    // warm up both
    for x in inputs.iter().take(20) {
        session.run(x).expect("run");
        bare.run(x);
    }
    let block = 50;
    let (mut t_session, mut t_bare) = (Vec::new(), Vec::new());
    let mut i = 0;
    while t_session.len() < frames {
        for _ in 0..block {
            let x = &inputs[i % inputs.len()];
            let t0 = Instant::now();
            session.run(x).expect("run");
            t_session.push(t0.elapsed());
            i += 1;
        }
        for _ in 0..block {
            let x = &inputs[i % inputs.len()];
            let t0 = Instant::now();
            bare.run(x);
            t_bare.push(t0.elapsed());
            i += 1;
        }
    }
    let s = Samples::from_durations(&t_session);
    let b = Samples::from_durations(&t_bare);
    println!("A0 int8 stream, 1 thread, {frames} frames each, golden carving-ice frames");
    println!("| run | median ms | p90 ms |");
    println!("|---|---|---|");
    println!(
        "| bare LiteRT (LiteRtRunCompiledModel, fixed buffers) | {:.3} | {:.3} |",
        b.median(),
        b.percentile(90.0)
    );
    println!(
        "| movinet Session::run (state carried by buffer swap) | {:.3} | {:.3} |",
        s.median(),
        s.percentile(90.0)
    );
    println!(
        "session / bare: median {:.3}x, p90 {:.3}x",
        s.median() / b.median(),
        s.percentile(90.0) / b.percentile(90.0)
    );
}
