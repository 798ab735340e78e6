//! `cargo xtask <command>`: the project's set-up and the two README commands.
//!
//! * `setup`    fetch and place everything the build and the tests need (idempotent).
//! * `classify` set up, then classify clips with the `movinet` CLI (the README's main job).
//! * `test`     set up, then run every check and test (what `.ci/run` calls).
//! * `uniffi`   regenerate the UniFFI Python module and the Swift in `ios/` (see `uniffi.rs`).
//!
//! Only std: this crate must build before anything else is in place.

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

mod setup;
mod uniffi;

type Result<T> = std::result::Result<T, String>;

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let (cmd, rest) = match args.split_first() {
        Some((c, r)) => (c.as_str(), r.to_vec()),
        None => ("help", Vec::new()),
    };
    let result = match cmd {
        "setup" => setup::all(&repo_root()).map(|_| ()),
        "classify" => classify(&rest),
        "test" => test(&rest),
        "bench" => bench(&rest),
        "uniffi" => setup::all(&repo_root()).and_then(|env| uniffi::command(&repo_root(), &env)),
        _ => {
            eprintln!(
                "usage: cargo xtask <setup | classify [CLIP...] [CLI OPTIONS] | test | bench | uniffi>"
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

/// Runs a command, echoing it, and fails with its exit status.
pub fn run(cmd: &mut Command) -> Result<()> {
    eprintln!("+ {}", describe(cmd));
    let status = cmd
        .status()
        .map_err(|e| format!("cannot start `{}`: {e}", describe(cmd)))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{}` failed with {status}", describe(cmd)))
    }
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
    let mut cli_args: Vec<String> = vec!["classify".into()];
    let has_input = args.iter().any(|a| !a.starts_with('-'));
    cli_args.extend(args.iter().cloned());
    if !has_input {
        let clip = root.join("../shared/clips/tfexamples_android_carving_ice.mp4");
        if !clip.exists() {
            return Err(format!(
                "no clip given and the default {} is not there: pass a video file",
                clip.display()
            ));
        }
        cli_args.push(clip.display().to_string());
    }
    let mut c = cargo();
    c.args(["run", "--release", "--quiet", "-p", "movinet-cli", "--"]);
    c.args(&cli_args);
    env.apply(&mut c);
    run(&mut c)
}

/// Every check and test, in the order that fails fastest.
fn test(args: &[String]) -> Result<()> {
    let root = repo_root();
    let env = setup::all(&root)?;
    let steps: Vec<Vec<&str>> = vec![
        vec!["fmt", "--all", "--", "--check"],
        vec![
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
        vec!["test", "--workspace", "--release"],
    ];
    for step in steps {
        let mut c = cargo();
        c.args(&step);
        if step[0] == "test" {
            c.args(args);
        }
        env.apply(&mut c);
        run(&mut c)?;
    }
    // A short leak check under valgrind: 300 frames of a classifier stream and 30 model
    // create/run/close cycles; any definitely or indirectly lost block fails the run
    // (`scripts/leak-check.sh valgrind` without counts runs the full 10,000 / 1,000).
    setup::valgrind()?;
    let mut leaks = Command::new("bash");
    leaks
        .arg(root.join("scripts/leak-check.sh"))
        .args(["valgrind", "300", "30"]);
    env.apply(&mut leaks);
    run(&mut leaks)?;
    // UniFFI: Python module and Swift generated from the built library, Swift in ios/ checked
    // current, Python binding tests.
    uniffi::check_and_test(&root, &env)?;
    // Android: the Kotlin API's JVM tests against the host build of the JNI library.
    jvm_tests(&root, &env)?;
    // The benchmark harness in its CI form: a few hundred frames, one thread, the table.
    run_bench(&env, &["--quick".to_string()])
}

/// Builds the JNI library for the host and runs `android/jvm-tests` (Maven, JUnit 5) on it.
fn jvm_tests(root: &Path, env: &setup::Env) -> Result<()> {
    let mut build = cargo();
    build.args(["build", "--release", "-p", "movinet-jni"]);
    env.apply(&mut build);
    run(&mut build)?;
    let target = env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
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
