//! `movinet-vs-python`: the `movinet` command against the TF examples' Python pipeline
//! (Google's interpreter, the reference preprocessing, states carried through a dict:
//! `benches/python/tf_examples_pipeline.py`), per frame, on the same clip, in the same run.
//! Each round runs both, alternating which goes first; each side's figure is its median time
//! per frame from the decoded frame to the top classes (decoding is outside both).
//!
//! ```text
//! movinet-vs-python [--clip FILE] [--model FILE] [--rounds N] [--fps 5|all] [--threads N]
//!                   [--python PYTHON] [--movinet MOVINET]
//! ```
//!
//! Needs the command built (`cargo build --release -p movinet-cli`) and the reference venv
//! (`cargo xtask setup`: numpy, OpenCV, PyAV, ai-edge-litert 2.1.4).

use std::path::{Path, PathBuf};
use std::process::Command;

use movinet_benches::stats::Samples;

struct Args {
    clip: PathBuf,
    model: PathBuf,
    rounds: usize,
    fps: String,
    threads: usize,
    python: PathBuf,
    movinet: PathBuf,
}

fn parse_args() -> Result<Args, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let models = std::env::var_os("MOVINET_MODELS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared/models"));
    let exe = std::env::current_exe().map_err(|e| format!("own executable: {e}"))?;
    let mut a = Args {
        clip: root.join("../shared/clips/mmaction2_demo_arm_wrestling.mp4"),
        model: models.join("movinet_a0_stream_int8.tflite"),
        rounds: 3,
        fps: "all".into(),
        threads: 1,
        python: std::env::var_os("MOVINET_PYTHON")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join(".deps/venv/bin/python")),
        movinet: exe.with_file_name("movinet"),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--clip" => a.clip = value("--clip")?.into(),
            "--model" => a.model = value("--model")?.into(),
            "--rounds" => {
                a.rounds = value("--rounds")?
                    .parse()
                    .map_err(|_| "bad --rounds".to_string())?
            }
            "--fps" => a.fps = value("--fps")?,
            "--threads" => {
                a.threads = value("--threads")?
                    .parse()
                    .map_err(|_| "bad --threads".to_string())?
            }
            "--python" => a.python = value("--python")?.into(),
            "--movinet" => a.movinet = value("--movinet")?.into(),
            "--bench" => {} // passed by `cargo bench`
            "-h" | "--help" => {
                let doc = include_str!("movinet-vs-python.rs");
                for line in doc.lines().take_while(|l| l.starts_with("//!")) {
                    println!("{}", line.trim_start_matches("//!").trim_start_matches(' '));
                }
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument `{other}` (see --help)")),
        }
    }
    if a.rounds == 0 {
        return Err("--rounds must be positive".into());
    }
    if !a.movinet.is_file() {
        return Err(format!(
            "{} not found: build it with `cargo build --release -p movinet-cli`",
            a.movinet.display()
        ));
    }
    Ok(a)
}

/// Runs a command and parses the last line of its stdout as JSON.
fn json_of(cmd: &mut Command, what: &str) -> Result<serde_json::Value, String> {
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run {what}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{what} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let last = text.lines().last().unwrap_or("");
    serde_json::from_str(last).map_err(|e| format!("{what} printed no JSON ({e}): {last}"))
}

/// (median ms per frame, frames, top-1 index) of the Python pipeline.
fn python(a: &Args) -> Result<(f64, u64, u64), String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/tf_examples_pipeline.py");
    let v = json_of(
        Command::new(&a.python)
            .arg(script)
            .arg("--model")
            .arg(&a.model)
            .args(["--threads", &a.threads.to_string(), "--fps", &a.fps])
            .arg(&a.clip),
        "the Python pipeline",
    )?;
    let field = |k: &str| v.get(k).ok_or_else(|| format!("Python pipeline: no `{k}`"));
    Ok((
        field("p50_ms")?.as_f64().unwrap_or(f64::NAN),
        field("frames")?.as_u64().unwrap_or(0),
        field("top1")?.as_u64().unwrap_or(u64::MAX),
    ))
}

/// (median ms per frame, frames, top-1 index) of the `movinet` command.
fn movinet(a: &Args) -> Result<(f64, u64, u64), String> {
    let v = json_of(
        Command::new(&a.movinet)
            .arg("classify")
            .arg(&a.clip)
            .arg("--model")
            .arg(&a.model)
            .args(["--threads", &a.threads.to_string(), "--fps", &a.fps])
            .arg("--json"),
        "the movinet command",
    )?;
    let p50 = v
        .pointer("/timing_ms/total_p50")
        .and_then(serde_json::Value::as_f64)
        .ok_or("movinet: no timing_ms.total_p50")?;
    let frames = v
        .get("frames_fed")
        .and_then(serde_json::Value::as_u64)
        .unwrap_or(0);
    let top = v
        .pointer("/top/0/index")
        .and_then(serde_json::Value::as_u64)
        .unwrap_or(u64::MAX);
    Ok((p50, frames, top))
}

fn main() {
    if let Err(e) = real_main() {
        eprintln!("movinet-vs-python: {e}");
        std::process::exit(2);
    }
}

fn real_main() -> Result<(), String> {
    let a = parse_args()?;
    println!(
        "## movinet command vs the TF examples' Python pipeline — {}, {}, {} thread(s), fps {}\n",
        a.clip.file_name().unwrap_or_default().to_string_lossy(),
        a.model.file_name().unwrap_or_default().to_string_lossy(),
        a.threads,
        a.fps
    );
    println!("| round | Python pipeline ms/frame (p50) | movinet command ms/frame (p50) | movinet / Python | frames | top-1 (Python, movinet) |");
    println!("|---|---|---|---|---|---|");
    let mut ratios = Vec::new();
    for round in 1..=a.rounds {
        // Alternate which side goes first, so that drift in the machine hits both alike.
        let (py, mv) = if round % 2 == 1 {
            let py = python(&a)?;
            (py, movinet(&a)?)
        } else {
            let mv = movinet(&a)?;
            (python(&a)?, mv)
        };
        let ratio = mv.0 / py.0;
        ratios.push(ratio);
        println!(
            "| {round} | {:.3} | {:.3} | {:.3} | {} / {} | {}, {} |",
            py.0, mv.0, ratio, py.1, mv.1, py.2, mv.2
        );
    }
    println!(
        "\nMedian over {} rounds: the movinet command takes {:.3}x the Python pipeline's time per frame.",
        ratios.len(),
        Samples::new(ratios).median()
    );
    Ok(())
}
