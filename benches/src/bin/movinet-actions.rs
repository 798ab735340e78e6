//! What custom actions cost per frame, as ratios measured in one process (alternating blocks
//! of 20 frames, see `src/interleave.rs`):
//!
//! 1. **The embedding output.** A bare LiteRT run of each model file beside a bare run of the
//!    same file with its classifier's input exposed as an extra output (the bytes the SDK's
//!    load-time pass makes): the run's extra time.
//! 2. **The action-set head.** A0 `Classifier`s on 1280x720 NV21 camera frames (flushed from
//!    the caches as a camera's arrive: `CameraRunner`), one scoring a five-action set, one the
//!    model's 600 classes: the postprocessing stage (the head, top-k, events) as a share of
//!    the whole frame, and the two classifiers' whole frames against each other.
//!
//! `movinet-actions [--frames N] [--models-dir DIR] [--clip FILE]` (default 1000 frames a side;
//! the models from `$MOVINET_MODELS_DIR`, else `../shared/models`).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use movinet::{ActionRecorder, ActionSet, ClassifierOptions, Model, ModelOptions, Timings};
use movinet_benches::bare::BareRun;
use movinet_benches::camera::{rgb_to_nv21, Nv21, RgbFrames};
use movinet_benches::interleave::{interleave, CameraRunner, Runner, StageTimes};
use movinet_benches::stats::Samples;

struct Args {
    frames: usize,
    models_dir: PathBuf,
    clip: PathBuf,
}

fn parse_args() -> Result<Args, String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut a = Args {
        frames: 1000,
        models_dir: std::env::var_os("MOVINET_MODELS_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("../../shared/models")),
        clip: root.join("../../shared/clips/tfexamples_android_carving_ice.mp4"),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--frames" => {
                a.frames = value("--frames")?
                    .parse()
                    .map_err(|_| "bad --frames".to_string())?
            }
            "--models-dir" => a.models_dir = value("--models-dir")?.into(),
            "--clip" => a.clip = value("--clip")?.into(),
            "--bench" => {}
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(a)
}

/// A bare LiteRT run on fixed frames.
struct Bare {
    run: BareRun,
    frames: Vec<Vec<f32>>,
    i: usize,
}

impl Runner for Bare {
    fn frame(&mut self) -> Result<StageTimes, String> {
        let frame = &self.frames[self.i % self.frames.len()];
        self.i += 1;
        let t = Instant::now();
        self.run.run(frame);
        let d = t.elapsed();
        Ok([d, Duration::ZERO, Duration::ZERO, d, Duration::ZERO])
    }
}

fn median(samples: &[StageTimes], k: usize) -> f64 {
    Samples::new(samples.iter().map(|s| Timings::ms(s[k])).collect()).median()
}

fn embedding_cost(name: &str, path: &Path, frames: usize) -> Result<(), String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let exposed = movinet::tooling::embedding_bytes(&bytes).map_err(|e| e.to_string())?;
    if exposed == bytes {
        return Err(format!("{name}: no embedding to expose"));
    }
    let file = BareRun::from_bytes(bytes, 1);
    let n = file.image_len();
    let inputs: Vec<Vec<f32>> = (0..8)
        .map(|k| {
            (0..n)
                .map(|i| ((i * 7 + k * 13) % 256) as f32 / 255.0)
                .collect()
        })
        .collect();
    let mut a = Bare {
        run: file,
        frames: inputs.clone(),
        i: 0,
    };
    let mut b = Bare {
        run: BareRun::from_bytes(exposed, 1),
        frames: inputs,
        i: 0,
    };
    let t = interleave(&mut [&mut a, &mut b], frames, 20, 50)?;
    let (m_file, m_exposed) = (median(&t[0], 0), median(&t[1], 0));
    println!(
        "| {name} | {m_file:.3} | {m_exposed:.3} | {:.4} | {:+.4} |",
        m_exposed / m_file,
        m_exposed - m_file
    );
    Ok(())
}

/// A five-action set recorded from the camera frames (its contents do not change the cost).
fn five_actions(model: &Model, frames: &[Nv21]) -> Result<ActionSet, String> {
    let mut set = ActionSet::new(model).map_err(|e| e.to_string())?;
    for k in 0..5 {
        let mut recorder =
            ActionRecorder::new(model, &ClassifierOptions::default()).map_err(|e| e.to_string())?;
        for i in 0..10 {
            let f = &frames[(k * 3 + i) % frames.len()];
            let frame = f
                .frame()?
                .with_timestamp(Duration::from_millis(200 * i as u64));
            recorder.push(&frame).map_err(|e| e.to_string())?;
        }
        let example = recorder.finish().map_err(|e| e.to_string())?;
        set.add(&format!("action {k}"), example)
            .map_err(|e| e.to_string())?;
    }
    Ok(set)
}

fn head_cost(model: &Model, frames: &[Nv21], n: usize) -> Result<(), String> {
    let mut with = CameraRunner::new(model, frames)?;
    with.classifier
        .set_actions(Some(five_actions(model, frames)?))
        .map_err(|e| e.to_string())?;
    let mut without = CameraRunner::new(model, frames)?;
    let t = interleave(&mut [&mut with, &mut without], n, 20, 50)?;
    let (total, post) = (median(&t[0], 0), median(&t[0], 4));
    let (total0, post0) = (median(&t[1], 0), median(&t[1], 4));
    println!(
        "| A0, 5 actions | {total:.3} | {:.1} | {:.2} % |",
        post * 1e3,
        100.0 * post / total
    );
    println!(
        "| A0, its 600 classes | {total0:.3} | {:.1} | {:.2} % |",
        post0 * 1e3,
        100.0 * post0 / total0
    );
    println!(
        "\nwhole frame with the action set / without: {:.4}",
        total / total0
    );
    Ok(())
}

fn main() {
    movinet_benches::cache::prepare();
    if let Err(e) = real_main() {
        eprintln!("movinet-actions: {e}");
        std::process::exit(2);
    }
}

fn real_main() -> Result<(), String> {
    let args = parse_args()?;
    println!(
        "{} frames a side, 1 thread, alternating blocks of 20\n",
        args.frames
    );
    println!("| model | bare run of the file (ms) | with the embedding output (ms) | ratio | difference (ms) |");
    println!("|---|---|---|---|---|");
    for (name, file) in [
        ("A0", "movinet_a0_stream_int8.tflite"),
        ("fine-tuned A0", "custom/cattle7_a0_stream_int8.tflite"),
        (
            "A1 (synthetic)",
            "synthetic/movinet_a1_stream_int8_synthetic.tflite",
        ),
        (
            "A2 (synthetic)",
            "synthetic/movinet_a2_stream_int8_synthetic.tflite",
        ),
    ] {
        let path = args.models_dir.join(file);
        if path.exists() {
            embedding_cost(name, &path, args.frames)?;
        }
    }
    let rgb = RgbFrames::decode(&args.clip, 1280, 720, 30)?;
    let frames: Vec<Nv21> = rgb
        .frames
        .iter()
        .map(|f| rgb_to_nv21(f, rgb.width, rgb.height))
        .collect();
    let model = Model::from_file(
        args.models_dir.join("movinet_a0_stream_int8.tflite"),
        &ModelOptions::default(),
    )
    .map_err(|e| e.to_string())?;
    println!("\n| camera frames through a Classifier | whole frame (ms) | postprocessing (µs) | share of the frame |");
    println!("|---|---|---|---|");
    head_cost(&model, &frames, args.frames)
}
