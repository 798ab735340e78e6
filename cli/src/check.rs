//! `movinet check MODEL...`: what an app developer runs in their build on the models they
//! ship. For each model: the SDK's full verifier (in this process: it never hands the bytes to
//! LiteRT), then a load and a few frames in a child process (this binary again, through the
//! hidden `__load` subcommand), so that a model that crashes LiteRT is reported as such
//! instead of taking the command down. Exit 2 if any model fails.
//!
//! `movinet models` loads each model it lists in a child process the same way.

use std::io::Read;
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use movinet::{Model, ModelOptions};
use serde::{Deserialize, Serialize};

use crate::resolve::{self, ModelFile};

/// How long a child may take to load a model and run its frames.
const CHILD_TIMEOUT: Duration = Duration::from_secs(120);

/// What the child reports on stdout, one JSON line.
#[derive(Debug, Serialize, Deserialize)]
pub struct Loaded {
    pub signature: String,
    pub height: usize,
    pub width: usize,
    pub classes: usize,
    pub states: usize,
    pub state_bytes: usize,
    /// Frames run after the load, each giving one finite logit per class.
    pub frames: usize,
    pub load_ms: f64,
    pub frame_ms: f64,
    /// The labels file found for the model (or given), if any.
    pub labels: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
enum Report {
    Loaded(Loaded),
    Failed(String),
}

/// What became of a model loaded in a child process.
#[derive(Debug)]
pub enum Outcome {
    Loaded(Loaded),
    /// A typed error (the SDK's message).
    Failed(String),
    /// The child died: a signal, an abort, a hang; with LiteRT's last messages.
    Crashed {
        how: String,
        stderr: String,
    },
}

/// Fault injection for the tests of the parent side: a `__load` child whose model path equals
/// this variable's value aborts instead of loading, as a model that crashes LiteRT would make
/// it do (no model is known to crash LiteRT 2.1.4 once the verifier and the load-time run
/// have accepted it).
const CRASH_FOR_TESTS: &str = "MOVINET_TEST_CRASH_LOADING";

/// The hidden `__load` subcommand: loads `path`, runs `frames` frames, prints a [`Report`].
pub fn child(
    path: &Path,
    labels: Option<&Path>,
    frames: usize,
    models_dir: Option<&Path>,
) -> ExitCode {
    if std::env::var_os(CRASH_FOR_TESTS).is_some_and(|p| Path::new(&p) == path) {
        std::process::abort();
    }
    let report = match load_and_run(path, labels, frames, models_dir) {
        Ok(l) => Report::Loaded(l),
        Err(e) => Report::Failed(e),
    };
    let ok = matches!(report, Report::Loaded(_));
    match serde_json::to_string(&report) {
        Ok(line) => println!("{line}"),
        Err(e) => eprintln!("movinet: {e}"),
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    }
}

fn load_and_run(
    path: &Path,
    labels: Option<&Path>,
    frames: usize,
    models_dir: Option<&Path>,
) -> Result<Loaded, String> {
    let start = Instant::now();
    let model = Model::from_file(path, &ModelOptions::default()).map_err(|e| e.to_string())?;
    let load_ms = movinet::Timings::ms(start.elapsed());
    let spec = model.spec().clone();
    let file = ModelFile {
        path: path.to_path_buf(),
        display_name: String::new(),
        synthetic: false,
    };
    let labels = resolve::labels(labels, &file, &spec, models_dir)?;
    let mut session = model.new_session().map_err(|e| e.to_string())?;
    let n = spec.input_len();
    let start = Instant::now();
    for f in 0..frames {
        // A flat grey frame, then fixed patterns: any input must give finite logits.
        let frame: Vec<f32> = (0..n)
            .map(|i| match f {
                0 => 0.5,
                _ => ((i * 7919 + f * 104_729) % 256) as f32 / 255.0,
            })
            .collect();
        let logits = session.run(&frame).map_err(|e| e.to_string())?;
        if logits.len() != spec.num_classes || !logits.iter().all(|x| x.is_finite()) {
            return Err(format!(
                "frame {f} gave {} logits, not {} finite ones",
                logits.len(),
                spec.num_classes
            ));
        }
    }
    let frame_ms = movinet::Timings::ms(start.elapsed()) / frames.max(1) as f64;
    Ok(Loaded {
        signature: spec.signature_key.clone(),
        height: spec.height,
        width: spec.width,
        classes: spec.num_classes,
        states: spec.states.len(),
        state_bytes: spec.state_bytes(),
        frames,
        load_ms,
        frame_ms,
        labels: labels.and_then(|l| l.source().map(|p| p.display().to_string())),
    })
}

/// Loads `path` and runs `frames` frames in a child process (this binary, `__load`).
pub fn in_child(
    path: &Path,
    labels: Option<&Path>,
    frames: usize,
    models_dir: Option<&Path>,
) -> Outcome {
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => {
            return Outcome::Crashed {
                how: format!("cannot find the movinet binary to run the check: {e}"),
                stderr: String::new(),
            }
        }
    };
    let mut cmd = Command::new(exe);
    if let Some(d) = models_dir {
        cmd.arg("--models-dir").arg(d);
    }
    cmd.arg("__load")
        .arg(path)
        .args(["--frames", &frames.to_string()]);
    if let Some(l) = labels {
        cmd.arg("--labels").arg(l);
    }
    let mut child = match cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            return Outcome::Crashed {
                how: format!("cannot start the check process: {e}"),
                stderr: String::new(),
            }
        }
    };
    let readers = (child.stdout.take(), child.stderr.take());
    let out = std::thread::spawn(move || drain(readers.0));
    let err = std::thread::spawn(move || drain(readers.1));
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if start.elapsed() < CHILD_TIMEOUT => {
                std::thread::sleep(Duration::from_millis(5));
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
        }
    };
    let stdout = out.join().unwrap_or_default();
    let stderr = litert_messages(&err.join().unwrap_or_default());
    let report = stdout
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str::<Report>(l).ok());
    match (status, report) {
        (Some(s), Some(Report::Loaded(l))) if s.success() => Outcome::Loaded(l),
        (Some(s), Some(Report::Failed(m))) if s.code() == Some(2) => Outcome::Failed(m),
        (None, _) => Outcome::Crashed {
            how: format!("hung (killed after {} s)", CHILD_TIMEOUT.as_secs()),
            stderr,
        },
        (Some(s), _) => Outcome::Crashed {
            how: describe(s),
            stderr,
        },
    }
}

fn drain<R: Read>(r: Option<R>) -> String {
    let mut bytes = Vec::new();
    if let Some(mut r) = r {
        let _ = r.read_to_end(&mut bytes);
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The child's stderr without LiteRT's INFO chatter.
fn litert_messages(stderr: &str) -> String {
    let lines: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("INFO:"))
        .collect();
    lines.join(" | ")
}

#[cfg(unix)]
fn describe(status: std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match status.signal() {
        Some(sig) => {
            let name = match sig {
                libc::SIGSEGV => "SIGSEGV, a segmentation fault".to_string(),
                libc::SIGABRT => "SIGABRT, an abort".to_string(),
                libc::SIGBUS => "SIGBUS, a bus error".to_string(),
                libc::SIGFPE => "SIGFPE, an arithmetic fault".to_string(),
                libc::SIGKILL => "SIGKILL (out of memory?)".to_string(),
                other => format!("signal {other}"),
            };
            format!("crashed with {name}")
        }
        None => format!("exited with status {}", status.code().unwrap_or(-1)),
    }
}

#[cfg(not(unix))]
fn describe(status: std::process::ExitStatus) -> String {
    format!("exited with status {}", status.code().unwrap_or(-1))
}

/// `movinet check MODEL...`.
pub fn check(
    models: &[String],
    labels: Option<&Path>,
    frames: usize,
    models_dir: Option<&Path>,
) -> Result<bool, String> {
    let mut failed = 0;
    for arg in models {
        let path = match resolve::model(arg, models_dir) {
            Ok(f) => f.path,
            Err(e) => {
                println!("{arg}\n  FAILED: {e}\n");
                failed += 1;
                continue;
            }
        };
        if !check_one(&path, labels, frames, models_dir) {
            failed += 1;
        }
    }
    let n = models.len();
    println!(
        "{n} model{} checked: {} passed, {failed} failed",
        if n == 1 { "" } else { "s" },
        n - failed
    );
    Ok(failed == 0)
}

fn check_one(path: &Path, labels: Option<&Path>, frames: usize, models_dir: Option<&Path>) -> bool {
    println!("{}", path.display());
    let summary = match Model::verify_file(path, &ModelOptions::default()) {
        Ok(s) => s,
        Err(e) => {
            println!("  verifier  FAILED: {e}\n  FAILED\n");
            return false;
        }
    };
    let ops: Vec<String> = summary
        .operators
        .iter()
        .map(|(name, n)| format!("{name} {n}"))
        .collect();
    println!("  sha256    {} ({} bytes)", summary.sha256, summary.bytes);
    println!(
        "  verifier  ok: {} operators ({}), {} tensors",
        summary.operators.iter().map(|(_, n)| n).sum::<usize>(),
        ops.join(", "),
        summary.tensors
    );
    match in_child(path, labels, frames, models_dir) {
        Outcome::Loaded(l) => {
            println!(
                "  load      ok: signature `{}`, {}x{} input, {} classes, {} states ({} bytes), \
                 loaded in {:.0} ms",
                l.signature, l.height, l.width, l.classes, l.states, l.state_bytes, l.load_ms
            );
            println!(
                "  run       ok: {} frames, finite logits, {:.2} ms per frame",
                l.frames, l.frame_ms
            );
            match &l.labels {
                Some(p) => println!("  labels    {p} ({} labels)", l.classes),
                None => println!(
                    "  labels    none found with {} lines (predictions name class indices)",
                    l.classes
                ),
            }
            println!("  OK\n");
            true
        }
        Outcome::Failed(e) => {
            println!("  load      FAILED: {e}\n  FAILED\n");
            false
        }
        Outcome::Crashed { how, stderr } => {
            println!("  load      FAILED: the process loading it {how}");
            if !stderr.is_empty() {
                println!("            LiteRT said: {stderr}");
            }
            println!("  FAILED\n");
            false
        }
    }
}
