//! `cargo xtask <command>`: the project's set-up and the two README commands.
//!
//! * `setup`    fetch and place everything the build and the tests need (idempotent), the
//!   arm64 step's cross compiler, qemu and aarch64 runtime and the phone targets included.
//! * `classify` set up, then classify clips with the `movinet` CLI (the README's main job).
//! * `test`     set up, then run every check and test (what `.ci/run` calls); `test STEP...`
//!   runs only those steps (`fmt clippy phones rust leaks uniffi jvm arm64 bench`), `-- ARGS`
//!   go to `cargo test`.
//! * `uniffi`   regenerate the UniFFI Python module and the Swift in `ios/` (see `uniffi.rs`).
//! * `wheel`    build the Python wheel into `target/wheels/` (see `wheel.rs`).
//! * `jni`      regenerate the Kotlin side of the JNI bridge; `jni --check` only checks it
//!   (see `jni.rs`).
//! * `elf`      check Android shared libraries: ABI, 16 KB alignment, no `libc++_shared.so`
//!   (see `elf.rs`; the Gradle build runs it).
//!
//! Only std: this crate must build before anything else is in place.

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

mod arm64;
mod elf;
mod jni;
mod setup;
mod uniffi;
mod wheel;

type Result<T> = std::result::Result<T, String>;

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let (cmd, rest) = match args.split_first() {
        Some((c, r)) => (c.as_str(), r.to_vec()),
        None => ("help", Vec::new()),
    };
    let result = match cmd {
        "setup" => setup::all(&repo_root())
            .and_then(|_| arm64::setup(&repo_root()))
            .and_then(|_| arm64::phone_targets()),
        "classify" => classify(&rest),
        "test" => test(&rest),
        "bench" => bench(&rest),
        "uniffi" => setup::all(&repo_root()).and_then(|env| uniffi::command(&repo_root(), &env)),
        "wheel" => setup::all(&repo_root()).and_then(|env| wheel::command(&repo_root(), &env)),
        "jni" => setup::all(&repo_root()).and_then(|env| {
            let (root, target) = (repo_root(), target_dir(&repo_root()));
            if rest.iter().any(|a| a == "--check") {
                jni::build(&root, &env).and_then(|()| jni::check(&root, &target))
            } else {
                jni::command(&root, &env, &target)
            }
        }),
        "elf" => elf::command(&rest),
        _ => {
            eprintln!(
                "usage: cargo xtask <setup | classify [CLIP...] [CLI OPTIONS] | test [STEP...] [-- CARGO TEST ARGS] | bench | uniffi | wheel | jni [--check] | elf --abi ABI FILE...>"
            );
            return if cmd == "help" {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            };
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root: xtask lives one level below it.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits inside the workspace")
        .to_path_buf()
}

/// Runs a command, echoing it, and fails with its exit status. LiteRT's INFO lines on the
/// command's stderr (it logs every model it creates and frees, and `libLiteRt.so` 2.1.4
/// exports no way to turn that off) are left out unless `RUST_LOG` asks for debug output;
/// its warnings and errors, and everything else, pass through.
pub fn run(cmd: &mut Command) -> Result<()> {
    eprintln!("+ {}", describe(cmd));
    let verbose = env::var("RUST_LOG").is_ok_and(|v| v.contains("debug") || v.contains("trace"));
    if !verbose {
        cmd.stderr(std::process::Stdio::piped());
    }
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start `{}`: {e}", describe(cmd)))?;
    let mut hidden = 0usize;
    if let Some(err) = child.stderr.take() {
        use std::io::{BufRead, Write};
        let mut out = std::io::stderr().lock();
        for line in std::io::BufReader::new(err)
            .split(b'\n')
            .map_while(|l| l.ok())
        {
            if is_litert_info(&String::from_utf8_lossy(&line)) {
                hidden += 1;
            } else {
                let _ = out.write_all(&line);
                let _ = out.write_all(b"\n");
            }
        }
    }
    let status = child
        .wait()
        .map_err(|e| format!("cannot wait for `{}`: {e}", describe(cmd)))?;
    if hidden > 0 {
        eprintln!("({hidden} LiteRT INFO lines hidden; RUST_LOG=debug shows them)");
    }
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{}` failed with {status}", describe(cmd)))
    }
}

/// A LiteRT INFO log line, e.g. `INFO: [auto_registration.cc:325] CPU accelerator registered.`,
/// or the interpreter's own `INFO: Created TensorFlow Lite XNNPACK delegate for CPU.`
/// (possibly behind a prefix a test runner adds).
fn is_litert_info(line: &str) -> bool {
    if line
        .find("INFO: ")
        .is_some_and(|at| line[at + "INFO: ".len()..].starts_with("Created TensorFlow Lite "))
    {
        return true;
    }
    line.find("INFO: [").is_some_and(|at| {
        let rest = &line[at + "INFO: [".len()..];
        rest.find("] ")
            .is_some_and(|end| rest[..end].contains(".cc:") && !rest[..end].contains(' '))
    })
}

fn describe(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

fn cargo() -> Command {
    let mut c = Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(repo_root());
    c
}

/// The main job: classify clips (a shared clip by default) with A0 and print the top 5.
fn classify(args: &[String]) -> Result<()> {
    let root = repo_root();
    let env = setup::all(&root)?;
    let mut build = cargo();
    build.args(["build", "--release", "--quiet", "-p", "movinet-cli"]);
    env.apply(&mut build);
    run(&mut build)?;
    let movinet = target_dir(&root).join("release/movinet");
    let mut cli_args: Vec<String> = vec!["classify".into()];
    cli_args.extend(args.iter().cloned());
    if !has_input(args, &value_flags(&movinet)?) {
        let clip = root.join("../shared/clips/tfexamples_android_carving_ice.mp4");
        if !clip.exists() {
            return Err(format!(
                "no clip given and the default {} is not there: pass a video file",
                clip.display()
            ));
        }
        cli_args.push(clip.display().to_string());
    }
    let mut c = Command::new(&movinet);
    c.args(&cli_args);
    env.apply(&mut c);
    run(&mut c)
}

/// The `classify` flags that take a value (`--top <TOP>`), read from the command's own help
/// so that this list never drifts from it.
fn value_flags(movinet: &Path) -> Result<Vec<String>> {
    let out = Command::new(movinet)
        .args(["classify", "--help"])
        .output()
        .map_err(|e| format!("cannot run {}: {e}", movinet.display()))?;
    let help = String::from_utf8_lossy(&out.stdout);
    Ok(help
        .lines()
        .map(str::trim_start)
        .filter(|l| l.starts_with('-'))
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            let mut flags = Vec::new();
            for w in words.by_ref() {
                let w = w.trim_end_matches(',');
                if w.starts_with('<') {
                    return Some(flags);
                }
                if !w.starts_with('-') {
                    break;
                }
                flags.push(w.to_string());
            }
            None
        })
        .flatten()
        .collect())
}

/// Whether `args` name an input: a word that is neither a flag nor a flag's value.
fn has_input(args: &[String], value_flags: &[String]) -> bool {
    let mut expect_value = false;
    for a in args {
        if std::mem::take(&mut expect_value) {
            continue;
        }
        if a == "--" {
            return true;
        }
        if a.starts_with('-') && a.len() > 1 {
            expect_value = !a.contains('=') && value_flags.iter().any(|f| f == a);
            continue;
        }
        return true;
    }
    false
}

/// What clippy denies in every lint run (the `clippy` step, and the `phones` step's phone
/// targets): every warning, and an `unsafe` block without its `// SAFETY:` comment.
pub const CLIPPY_DENY: &[&str] = &[
    "--",
    "-D",
    "warnings",
    "-D",
    "clippy::undocumented_unsafe_blocks",
];

/// The steps of `cargo xtask test`, in the order that fails fastest.
const TEST_STEPS: &[(&str, &str)] = &[
    ("fmt", "cargo fmt --check; no core source file over 700 lines"),
    ("clippy", "cargo clippy on every target (warnings and unsafe blocks without a SAFETY comment denied), cargo doc of the core (missing docs denied)"),
    (
        "phones",
        "cargo clippy of the JNI crate for Android (arm64-v8a, x86_64) and of the UniFFI crate for iOS (arm64), without the NDK or Xcode",
    ),
    (
        "rust",
        "cargo test --workspace --release (core, integration, CLI, binding crates)",
    ),
    (
        "leaks",
        "a short valgrind leak check of a stream and of model create/free cycles",
    ),
    (
        "uniffi",
        "Swift from the library, Swift drift check; the Python wheel built, installed into a fresh venv and tested there",
    ),
    (
        "jvm",
        "JNI drift check; the Kotlin API's and Android adapters' JUnit tests (Maven, Robolectric) against the host JNI library",
    ),
    (
        "arm64",
        "the core's, integration and JNI tests cross-built for aarch64 Linux and run under qemu on two CPU models (cortex-a76, max: SVE2 and SME)",
    ),
    ("bench", "movinet-bench --quick"),
];

/// Every check and test (`cargo xtask test`), or the steps named (`cargo xtask test jvm`);
/// arguments after `--` go to `cargo test`.
fn test(args: &[String]) -> Result<()> {
    let (names, cargo_test_args) = match args.iter().position(|a| a == "--") {
        Some(i) => (&args[..i], &args[i + 1..]),
        None => (args, &[][..]),
    };
    for n in names {
        if !TEST_STEPS.iter().any(|(step, _)| step == n) {
            let list: Vec<String> = TEST_STEPS
                .iter()
                .map(|(step, what)| format!("  {step:<7} {what}"))
                .collect();
            return Err(format!(
                "unknown test step `{n}`; the steps (all by default):\n{}",
                list.join("\n")
            ));
        }
    }
    // Each wanted step starts a clock, stopped by the next one: the times are printed at the
    // end (CI's time is a budget shared by the steps).
    let mut times: Vec<(String, Instant)> = Vec::new();
    let mut wanted = |step: &str| {
        let yes = names.is_empty() || names.iter().any(|n| n == step);
        if yes {
            times.push((step.to_string(), Instant::now()));
        }
        yes
    };
    let started = Instant::now();
    let root = repo_root();
    let env = setup::all(&root)?;
    let cargo_step = |step: &[&str], extra: &[String]| -> Result<()> {
        let mut c = cargo();
        c.args(step).args(extra);
        env.apply(&mut c);
        run(&mut c)
    };
    // The steps; their times are printed whether they pass or not.
    let result = (|| -> Result<()> {
        if wanted("fmt") {
            cargo_step(&["fmt", "--all", "--", "--check"], &[])?;
            check_file_lengths(&root.join("core/src"))?;
        }
        if wanted("clippy") {
            let lint = |selection: &[&str]| {
                cargo_step(&[&["clippy"], selection, CLIPPY_DENY].concat(), &[])
            };
            lint(&["--workspace", "--all-targets"])?;
            // The UniFFI crate's `overlay` feature (on in the Python wheel only) is not in the
            // workspace's build: lint the crate with it too.
            lint(&[
                "-p",
                "movinet-uniffi",
                "--features",
                "overlay",
                "--all-targets",
            ])?;
            // The core's public API is documented (`#![deny(missing_docs)]`) and its links resolve.
            let mut doc = cargo();
            doc.args(["doc", "-p", "movinet", "--no-deps", "--features", "ndarray"])
                .env("RUSTDOCFLAGS", "-D warnings");
            env.apply(&mut doc);
            run(&mut doc)?;
        }
        if wanted("phones") {
            arm64::phones(&root, &env)?;
        }
        if wanted("rust") {
            cargo_step(&["test", "--workspace", "--release"], cargo_test_args)?;
        }
        if wanted("leaks") {
            // 300 frames of a classifier stream and 30 model create/run/close cycles; any
            // definitely or indirectly lost block fails the run (`scripts/leak-check.sh valgrind`
            // without counts runs the full 10,000 / 1,000).
            setup::valgrind()?;
            let mut leaks = Command::new("bash");
            leaks
                .arg(root.join("scripts/leak-check.sh"))
                .args(["valgrind", "300", "30"]);
            env.apply(&mut leaks);
            run(&mut leaks)?;
        }
        if wanted("uniffi") {
            // Swift generated from the built library and checked against ios/, the
            // XCFramework's packaged headers checked; the wheel built, installed into a fresh
            // venv and the Python tests run against it.
            uniffi::check_swift(&root, &env)?;
            // The crate's unit tests with the `overlay` feature, which the rust step's build
            // of the workspace leaves off.
            cargo_step(
                &[
                    "test",
                    "--release",
                    "-p",
                    "movinet-uniffi",
                    "--features",
                    "overlay",
                    "--lib",
                ],
                &[],
            )?;
            let wheel = wheel::build(&root, &env)?;
            wheel::test(&root, &env, &wheel)?;
        }
        if wanted("jvm") {
            jvm_tests(&root, &env)?;
        }
        if wanted("arm64") {
            arm64::test(&root, &env)?;
        }
        if wanted("bench") {
            // The benchmark harness in its CI form: a few hundred frames, one thread, the table.
            run_bench(&env, &["--quick".to_string()])?;
        }
        Ok(())
    })();
    let ends: Vec<Instant> = times.iter().skip(1).map(|(_, t)| *t).collect();
    let took: Vec<String> = times
        .iter()
        .zip(ends.into_iter().chain([Instant::now()]))
        .map(|((step, t0), t1)| format!("{step} {:.0} s", (t1 - *t0).as_secs_f64()))
        .collect();
    eprintln!(
        "xtask: steps {} in {:.0} s: {}",
        if result.is_ok() { "passed" } else { "run" },
        started.elapsed().as_secs_f64(),
        took.join(", ")
    );
    result
}

/// The longest a core source file may be: past it, a module is doing more than one step of
/// the frame flow and wants splitting along its seams.
const MAX_CORE_FILE_LINES: usize = 700;

/// Fails naming every `.rs` file under `dir` longer than [`MAX_CORE_FILE_LINES`].
fn check_file_lengths(dir: &Path) -> Result<()> {
    fn walk(dir: &Path, long: &mut Vec<String>) -> Result<()> {
        let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for entry in entries {
            let path = entry.map_err(|e| format!("{}: {e}", dir.display()))?.path();
            if path.is_dir() {
                walk(&path, long)?;
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                let lines = text.lines().count();
                if lines > MAX_CORE_FILE_LINES {
                    long.push(format!("{} ({lines} lines)", path.display()));
                }
            }
        }
        Ok(())
    }
    let mut long = Vec::new();
    walk(dir, &mut long)?;
    if long.is_empty() {
        return Ok(());
    }
    long.sort();
    Err(format!(
        "core source files over {MAX_CORE_FILE_LINES} lines (split them along their seams):\n  {}",
        long.join("\n  ")
    ))
}

/// The Cargo target directory.
fn target_dir(root: &Path) -> PathBuf {
    env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|d| if d.is_absolute() { d } else { root.join(d) })
        .unwrap_or_else(|| root.join("target"))
}

/// Builds the JNI library for the host, checks the Kotlin side of the bridge is what it
/// declares (`jni.rs`), and runs `android/jvm-tests` (Maven, JUnit 5 with the vintage engine
/// for Robolectric) on it.
fn jvm_tests(root: &Path, env: &setup::Env) -> Result<()> {
    jni::build(root, env)?;
    let target = target_dir(root);
    jni::check(root, &target)?;
    let mut mvn = Command::new("mvn");
    mvn.args(["-B", "--no-transfer-progress", "-f"])
        .arg(root.join("android/jvm-tests/pom.xml"))
        .arg("test")
        .arg(format!(
            "-Dmovinet.native.lib={}",
            target.join("release/libmovinet_jni.so").display()
        ))
        .arg(format!(
            "-Dmovinet.shared.dir={}",
            root.join("../shared").display()
        ));
    env.apply(&mut mvn);
    run(&mut mvn)
}

/// `movinet-bench` (every model, thread count and input; `--quick` for CI), arguments passed
/// through. The criterion micro-benchmarks run with `cargo bench -p movinet-benches`.
fn bench(args: &[String]) -> Result<()> {
    run_bench(&setup::all(&repo_root())?, args)
}

fn run_bench(env: &setup::Env, args: &[String]) -> Result<()> {
    let mut c = cargo();
    c.args([
        "run",
        "--release",
        "--quiet",
        "-p",
        "movinet-benches",
        "--bin",
        "movinet-bench",
        "--",
    ]);
    c.args(args);
    env.apply(&mut c);
    run(&mut c)
}

#[cfg(test)]
mod tests {
    use super::is_litert_info;

    #[test]
    fn litert_info_lines_are_recognised_and_nothing_else() {
        for line in [
            "INFO: [auto_registration.cc:325] CPU accelerator registered.",
            "INFO: [environment.cc:30] Creating LiteRT environment with options",
            "[stderr] INFO: [accelerator_registry.cc:54] RegisterAccelerator: ptr=0x1, name=CpuAccelerator",
            "INFO: Created TensorFlow Lite XNNPACK delegate for CPU.",
        ] {
            assert!(is_litert_info(line), "{line}");
        }
        for line in [
            "WARNING: [xnnpack_delegate.cc:12] XNNPack delegate failed to prepare",
            "ERROR: [compiled_model.cc:99] Failed to allocate tensors",
            "INFO: the test said something",
            "INFO: Created a test fixture",
            "test golden::carving_ice ... ok",
            "thread 'main' panicked at INFO: [x.cc:1]no space after bracket",
        ] {
            assert!(!is_litert_info(line), "{line}");
        }
    }
}
