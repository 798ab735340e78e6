//! What the command's integration tests share: running `movinet` on the team's models, and
//! reading what it printed.

use std::process::{Command, Output};

use movinet_tests::models_dir;
use serde_json::Value;

/// Runs the `movinet` binary with `--models-dir` set to the team's models (and
/// `MOVINET_MODELS_DIR` removed, so only the flag counts).
pub fn movinet(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_movinet"))
        .arg("--models-dir")
        .arg(models_dir())
        .args(args)
        .env_remove("MOVINET_MODELS_DIR")
        .output()
        .expect("run movinet")
}

/// What the command wrote to stderr.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Each stdout line parsed as JSON (`--json` prints one object per input).
pub fn json_lines(o: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON {l}: {e}")))
        .collect()
}
