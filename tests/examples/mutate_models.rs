//! Mutation fuzzing of real model files, each case in a child process.
//!
//! A case takes one of the real models, changes one to three values of its structure or small
//! constants (quantization scales and zero points, shapes, constant int32 operands such as
//! slice bounds, reshape shapes and axes, operator option fields, tensor / buffer / opcode
//! indices, signature tensors; see `movinet_tests::tflite::Kind`), then in a child process
//! loads it with `Model::from_bytes`, runs two frames, and afterwards loads the unchanged model
//! again and checks its logits are still those it gave before the mutant (memory corruption
//! that surfaces later, in unrelated calls, shows up there). The parent counts what happened:
//! refused (by error kind and reason), accepted and ran, or crashed (a signal, a panic, a
//! wrong result for the unchanged model, a hang). A case is reproduced by its seed alone.
//!
//! ```text
//! mutate_models [--minutes M | --cases N] [--seed S] [--jobs J] [--models a0,cattle7,...]
//! mutate_models --show SEED [--models ...] [--write OUT.tflite]   # what case SEED changes
//! mutate_models --case SEED [--models ...]                         # run one case here
//! ```
//!
//! `--weights` changes bytes of the int8 weights instead: data no verifier can judge (see the
//! README's "Security and robustness"), kept apart from the structural run.
//!
//! Models: `a0` (official), `cattle7` (fine-tuned), `a0s`, `a1s`, `a2s` (synthetic); case SEED
//! uses model number `SEED % count` of the list (default `a0,cattle7`).

use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use movinet::{Model, ModelOptions};
use movinet_tests::tflite::{fuzz_case, model_file};

/// Loads and runs the model: the logits after each of two frames (a flat grey one and a
/// fixed pattern).
fn run(bytes: &[u8]) -> Result<Vec<Vec<f32>>, String> {
    let model = Model::from_bytes(bytes, &ModelOptions::default()).map_err(|e| {
        let kind = format!("{e:?}");
        let kind = kind.split(['(', ' ', '{']).next().unwrap_or("").to_string();
        format!("refused\t{kind}\t{e}")
    })?;
    let spec = model.spec().clone();
    let mut session = model
        .new_session()
        .map_err(|e| format!("session-error\t{e}"))?;
    let mut out = Vec::new();
    let grey = vec![0.5f32; spec.input_len()];
    let pattern: Vec<f32> = (0..spec.input_len())
        .map(|i| (i * 7919 % 256) as f32 / 255.0)
        .collect();
    for frame in [&grey, &pattern] {
        let logits = session.run(frame).map_err(|e| format!("run-error\t{e}"))?;
        if logits.len() != spec.num_classes {
            return Err(format!("wrong-result\t{} logits", logits.len()));
        }
        out.push(logits.to_vec());
    }
    Ok(out)
}

/// The child: the unchanged model, the mutant, the unchanged model again. Prints one line.
fn child(models: &[String], seed: u64, weights: bool) -> ExitCode {
    let (name, bytes, _) = fuzz_case(models, seed, weights);
    let original = std::fs::read(model_file(&name)).expect("model");
    let before = run(&original).expect("the unchanged model runs");
    let outcome = match run(&bytes) {
        Ok(logits) if logits.iter().flatten().all(|x| x.is_finite()) => "ran".to_string(),
        Ok(_) => "ran-nonfinite".to_string(),
        Err(e) => e,
    };
    let after = run(&original).expect("the unchanged model still runs");
    if before != after {
        println!("wrong-result\tthe unchanged model's logits changed after the mutant");
        return ExitCode::from(3);
    }
    println!("{outcome}");
    ExitCode::SUCCESS
}

struct Outcome {
    seed: u64,
    line: String,
    /// Signal, panic, non-zero exit or hang.
    crash: Option<String>,
    stderr: String,
}

fn spawn(exe: &PathBuf, models: &str, seed: u64, weights: bool, timeout: Duration) -> Outcome {
    let mut child = Command::new(exe)
        .args(["--case", &seed.to_string(), "--models", models])
        .args(weights.then_some("--weights"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the case");
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err.read_to_end(&mut s);
        String::from_utf8_lossy(&s).into_owned()
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break Some(status);
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let line = reader.join().unwrap_or_default().trim().to_string();
    let stderr = err_reader.join().unwrap_or_default();
    let crash = match status {
        None => Some(format!("hang (killed after {timeout:?})")),
        Some(s) if s.success() => None,
        Some(s) => {
            use std::os::unix::process::ExitStatusExt;
            Some(match s.signal() {
                Some(11) => "SIGSEGV".into(),
                Some(6) => "SIGABRT".into(),
                Some(7) => "SIGBUS".into(),
                Some(sig) => format!("signal {sig}"),
                None if s.code() == Some(101) => "panic".into(),
                None => format!("exit {}", s.code().unwrap_or(-1)),
            })
        }
    };
    Outcome {
        seed,
        line,
        crash,
        stderr,
    }
}

/// A refusal's reason without its numbers, so that like refusals count together.
fn reason(line: &str) -> String {
    let mut fields = line.splitn(3, '\t');
    let (what, kind, message) = (
        fields.next().unwrap_or(""),
        fields.next().unwrap_or(""),
        fields.next().unwrap_or(""),
    );
    if what != "refused" {
        return what.to_string();
    }
    let mut r = String::new();
    let mut last_digit = false;
    for c in message.chars() {
        let digit = c.is_ascii_digit() || (last_digit && c == '.');
        if digit && !last_digit {
            r.push('N');
        } else if !digit {
            r.push(c);
        }
        last_digit = digit;
    }
    // Tensor names and shapes vary: keep the start, which says what was wrong.
    let r: String = r.split('`').step_by(2).collect::<Vec<_>>().join("`..`");
    let r: String = r.chars().take(110).collect();
    format!("{kind}: {r}")
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let models_arg = value("--models").unwrap_or_else(|| "a0,cattle7".into());
    let models: Vec<String> = models_arg.split(',').map(str::to_string).collect();
    let number = |flag: &str| value(flag).map(|v| v.parse::<u64>().expect("a number"));
    let weights = args.iter().any(|a| a == "--weights");

    if let Some(seed) = number("--case") {
        return child(&models, seed, weights);
    }
    if let Some(seed) = number("--show") {
        let (name, bytes, changes) = fuzz_case(&models, seed, weights);
        println!("case {seed}: {name}");
        for c in &changes {
            println!("  {c}");
        }
        if let Some(out) = value("--write") {
            std::fs::write(&out, &bytes).expect("write");
            println!("written to {out}");
        }
        println!("{}", run(&bytes).map_or_else(|e| e, |_| "ran".into()));
        return ExitCode::SUCCESS;
    }

    let minutes = value("--minutes").map(|v| v.parse::<f64>().expect("minutes"));
    let cases = number("--cases");
    let deadline = minutes.map(|m| Instant::now() + Duration::from_secs_f64(m * 60.0));
    let first = number("--seed").unwrap_or(1);
    let jobs = number("--jobs").unwrap_or(1).max(1) as usize;
    let exe = std::env::current_exe().expect("own path");
    let timeout = Duration::from_secs(120);

    let next = std::sync::atomic::AtomicU64::new(first);
    let results = std::sync::Mutex::new(Vec::<Outcome>::new());
    let start = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| loop {
                let seed = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let done = seed - first;
                let over = match (deadline, cases) {
                    (Some(d), _) => Instant::now() >= d,
                    (None, Some(n)) => done >= n,
                    (None, None) => done >= 200,
                };
                if over {
                    break;
                }
                let o = spawn(&exe, &models_arg, seed, weights, timeout);
                if let Some(c) = &o.crash {
                    let (name, _, changes) = fuzz_case(&models, seed, weights);
                    eprintln!(
                        "CRASH case {seed} ({name}): {c}; {}\n  {}\n  stderr: {}",
                        changes.join("; "),
                        o.line,
                        o.stderr
                            .lines()
                            .filter(|l| !l.starts_with("INFO"))
                            .collect::<Vec<_>>()
                            .join(" | ")
                    );
                }
                let mut r = results.lock().unwrap();
                r.push(o);
                if r.len().is_multiple_of(500) {
                    eprintln!("{} cases, {:.0} s", r.len(), start.elapsed().as_secs_f64());
                }
            });
        }
    });

    let results = results.into_inner().unwrap();
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    let mut crashes = Vec::new();
    let mut ran = 0;
    let mut ran_after_litert_error = 0;
    for o in &results {
        if let Some(c) = &o.crash {
            crashes.push((o.seed, c.clone()));
            continue;
        }
        if o.line.starts_with("ran") {
            ran += 1;
            let warned = [
                "failed to prepare",
                "Failed to allocate",
                "Custom allocation",
            ]
            .iter()
            .any(|m| o.stderr.contains(m));
            ran_after_litert_error += usize::from(warned);
        }
        *reasons.entry(reason(&o.line)).or_default() += 1;
    }
    println!(
        "{} cases in {:.0} s (models {models_arg}, seeds {first}..{}): {ran} accepted and ran \
         ({ran_after_litert_error} of them after LiteRT logged a prepare/allocation failure), \
         {} refused, {} crashed",
        results.len(),
        start.elapsed().as_secs_f64(),
        first + results.len() as u64,
        results.len() - ran - crashes.len(),
        crashes.len()
    );
    let mut by_count: Vec<(&String, &usize)> = reasons.iter().collect();
    by_count.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    for (r, n) in by_count {
        println!("{n:>6}  {r}");
    }
    for (seed, c) in &crashes {
        let w = if weights { " --weights" } else { "" };
        println!("CRASH  case {seed}: {c}  (mutate_models --show {seed} --models {models_arg}{w})");
    }
    if crashes.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
