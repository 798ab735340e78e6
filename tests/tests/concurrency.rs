//! Sessions sharing one model from several threads: 8 sessions on 4 threads, 10,000 frames
//! in all, give logits bit-identical to each session run alone. (The model's compiled graph is
//! behind a lock; each session's state is its own.) `MOVINET_TEST_CONCURRENCY_FRAMES` runs
//! fewer (under emulation).

use std::sync::Barrier;

use movinet::Model;
use movinet_tests::{a0, test_size, Golden};

const SESSIONS: usize = 8;
const THREADS: usize = 4;
const FRAMES: usize = 10_000;

/// Session `s`'s input at its step `k`: the golden clips' frames, each session starting at
/// its own offset, with a reset whenever its pass over a clip ends.
struct Schedule {
    clips: Vec<Vec<Vec<f32>>>,
}

impl Schedule {
    fn new() -> Self {
        let clips = [Golden::carving_ice(), Golden::arm_wrestling()]
            .iter()
            .map(|g| (0..g.n).map(|i| g.input(i)).collect())
            .collect();
        Self { clips }
    }

    /// The frame, and whether the session resets before it.
    fn step(&self, s: usize, k: usize) -> (&[f32], bool) {
        let clip = &self.clips[s % 2];
        let i = (k + 7 * s) % clip.len();
        (&clip[i], i == 0 && k > 0)
    }
}

/// Runs `steps` steps of session `s`, returning every frame's logits.
fn run_alone(model: &Model, schedule: &Schedule, s: usize, steps: usize) -> Vec<f32> {
    let mut session = model.new_session().unwrap();
    let mut out = Vec::with_capacity(steps * model.spec().num_classes);
    for k in 0..steps {
        let (frame, reset) = schedule.step(s, k);
        if reset {
            session.reset();
        }
        out.extend_from_slice(session.run(frame).unwrap());
    }
    out
}

#[test]
fn eight_sessions_on_four_threads_match_each_session_alone() {
    let model = a0();
    let schedule = Schedule::new();
    let steps = test_size("MOVINET_TEST_CONCURRENCY_FRAMES", FRAMES).div_ceil(SESSIONS);

    let alone: Vec<Vec<f32>> = (0..SESSIONS)
        .map(|s| run_alone(&model, &schedule, s, steps))
        .collect();

    // Each thread drives two sessions, alternating between them frame by frame, all threads
    // on the one model at once.
    let start = Barrier::new(THREADS);
    let together: Vec<Vec<f32>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let (model, schedule, start) = (model.clone(), &schedule, &start);
                scope.spawn(move || {
                    let ids = [t, t + THREADS];
                    let mut sessions: Vec<_> =
                        ids.iter().map(|_| model.new_session().unwrap()).collect();
                    let mut outs = vec![Vec::new(); ids.len()];
                    start.wait();
                    for k in 0..steps {
                        for ((session, out), &s) in sessions.iter_mut().zip(&mut outs).zip(&ids) {
                            let (frame, reset) = schedule.step(s, k);
                            if reset {
                                session.reset();
                            }
                            out.extend_from_slice(session.run(frame).unwrap());
                        }
                    }
                    ids.into_iter().zip(outs).collect::<Vec<_>>()
                })
            })
            .collect();
        let mut all = vec![Vec::new(); SESSIONS];
        for h in handles {
            for (s, out) in h.join().unwrap() {
                all[s] = out;
            }
        }
        all
    });

    let classes = model.spec().num_classes;
    let mut frames = 0;
    for s in 0..SESSIONS {
        assert_eq!(together[s].len(), alone[s].len());
        for (k, (a, b)) in alone[s]
            .chunks_exact(classes)
            .zip(together[s].chunks_exact(classes))
            .enumerate()
        {
            // Bit-identical, not merely close.
            let same = a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits());
            assert!(
                same,
                "session {s}, frame {k}: logits differ from the session alone"
            );
            frames += 1;
        }
    }
    assert_eq!(frames, steps * SESSIONS);
}
