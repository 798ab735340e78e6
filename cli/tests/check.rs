//! `movinet check` and `movinet models` on real and hostile model files: the verifier's
//! word, a load in a child process, special files in a models folder, and the listing that
//! goes on past a model that fails.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use movinet_tests::models_dir;
use movinet_tests::tflite::{put_f32, put_i32, Tflite};

fn movinet(args: &[&str], models: &Path) -> Output {
    movinet_env(args, models, None)
}

/// With `crash`, the child process that loads that model aborts (the CLI's fault injection
/// for this test: no real model is known to crash LiteRT once the verifier accepted it).
fn movinet_env(args: &[&str], models: &Path, crash: Option<&Path>) -> Output {
    let start = Instant::now();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_movinet"));
    cmd.arg("--models-dir")
        .arg(models)
        .args(args)
        .env_remove("MOVINET_MODELS_DIR")
        .env_remove("MOVINET_TEST_CRASH_LOADING");
    if let Some(p) = crash {
        cmd.env("MOVINET_TEST_CRASH_LOADING", p);
    }
    let out = cmd.output().expect("run movinet");
    // Nothing here may block on a FIFO.
    assert!(
        start.elapsed() < Duration::from_secs(120),
        "{args:?} took too long"
    );
    out
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("movinet-check-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn mkfifo(path: &Path) {
    assert!(Command::new("mkfifo").arg(path).status().unwrap().success());
}

fn a0() -> PathBuf {
    models_dir().join("movinet_a0_stream_int8.tflite")
}

/// The official A0 with STRIDED_SLICE `begin` -4 changed to -5 (segfaulted before the
/// verifier's shape checks), and with a convolution output scale XNNPACK cannot prepare.
fn crafted(dir: &Path) -> (PathBuf, PathBuf) {
    let bytes = std::fs::read(a0()).unwrap();
    let f = Tflite::new(&bytes);
    let begin = f
        .ops_with_code(movinet_tests::tflite::STRIDED_SLICE)
        .into_iter()
        .map(|k| f.data_words(f.op_tensors(k).0[1] as usize))
        .find(|w| f.i32_at(w[1]) == -4)
        .unwrap()[1];
    let mut slice = bytes.clone();
    put_i32(&mut slice, begin, -5);
    let scale = f.quantization(f.op_tensors(14).1[0] as usize).0[0];
    let mut unprepared = bytes.clone();
    put_f32(&mut unprepared, scale, 1e-9);
    let (a, b) = (dir.join("slice.tflite"), dir.join("unprepared.tflite"));
    std::fs::write(&a, slice).unwrap();
    std::fs::write(&b, unprepared).unwrap();
    (a, b)
}

#[test]
fn check_passes_the_models_an_app_ships() {
    let cattle = models_dir().join("custom/cattle7_a0_stream_int8.tflite");
    let out = movinet(&["check", "a0", cattle.to_str().unwrap()], &models_dir());
    let text = stdout(&out);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains(
            "  sha256    6125b36e2485eeb5cc1fd6206cf5e5d70235593fbc84610d1dce97fe3aa9c2ac \
             (3276048 bytes)"
        ),
        "{text}"
    );
    assert!(
        text.contains("  verifier  ok: 227 operators (RESHAPE 74, CONV_2D 38,"),
        "{text}"
    );
    assert!(
        text.contains("  verifier  ok: 606 operators (RESHAPE 138,"),
        "{text}"
    );
    assert!(
        text.contains(
            "  load      ok: signature `call`, 172x172 input, 7 classes, 43 states (684000 bytes)"
        ),
        "{text}"
    );
    assert!(
        text.contains("  run       ok: 3 frames, finite logits"),
        "{text}"
    );
    assert!(text.contains("cattle7_labels.txt (7 labels)"), "{text}");
    assert!(
        text.ends_with("2 models checked: 2 passed, 0 failed\n"),
        "{text}"
    );
}

#[test]
fn check_reports_every_bad_model_and_exits_2() {
    let dir = temp_dir("bad");
    let (slice, unprepared) = crafted(&dir);
    let fifo = dir.join("fifo.tflite");
    mkfifo(&fifo);
    let args = [
        "check",
        slice.to_str().unwrap(),
        "/dev/zero",
        fifo.to_str().unwrap(),
        unprepared.to_str().unwrap(),
        "a0",
        "/no/such/model.tflite",
    ];
    let out = movinet(&args, &models_dir());
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(2), "{text}");
    for expected in [
        "  verifier  FAILED: model file is truncated or corrupt: operator 90 (STRIDED_SLICE): \
         output tensor 315 `StatefulPartitionedCall:141` is declared [1, 4, 11, 11, 184] but \
         the operator computes [1, 5, 11, 11, 184]",
        "  verifier  FAILED: not a TensorFlow Lite model: /dev/zero is a character device, not \
         a model file",
        "is a FIFO (named pipe), not a model file",
        // (The node's number depends on the int8 pass, which drops operators.)
        "  load      FAILED: model file is truncated or corrupt: LiteRT cannot prepare it to run \
         on the CPU (LiteRtRunCompiledModel: runtime failure (status 3): failed to create XNNPACK \
         runtime; Node number ",
        "(TfLiteXNNPackDelegate) failed to prepare.",
        // A path that is not there is a missing file, not an unknown model name.
        "/no/such/model.tflite\n  FAILED: model file not found: /no/such/model.tflite (no such file)",
        "6 models checked: 1 passed, 5 failed",
    ] {
        assert!(text.contains(expected), "`{expected}` not in:\n{text}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn models_lists_past_special_files_and_bad_models() {
    // A models folder with the real A0 (linked), a model linked to /dev/zero, a FIFO model,
    // a model LiteRT cannot prepare and labels that are a FIFO and a link to /dev/zero.
    let dir = temp_dir("models");
    crafted(&dir);
    std::fs::remove_file(dir.join("slice.tflite")).unwrap();
    std::os::unix::fs::symlink(a0(), dir.join("movinet_a0_stream_int8.tflite")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", dir.join("movinet_a1_stream_int8.tflite")).unwrap();
    mkfifo(&dir.join("movinet_a2_stream_int8.tflite"));
    std::os::unix::fs::symlink("/dev/zero", dir.join("a_labels.txt")).unwrap();
    mkfifo(&dir.join("b_labels.txt"));
    std::os::unix::fs::symlink(
        models_dir().join("kinetics600_labels.txt"),
        dir.join("c_labels.txt"),
    )
    .unwrap();

    let out = movinet(&["models"], &dir);
    let text = stdout(&out);
    assert!(out.status.success(), "{text}");
    let line = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("no line for {name} in:\n{text}"))
            .to_string()
    };
    assert!(line("movinet_a0_stream_int8.tflite").contains("172     600     43"));
    assert!(
        line("movinet_a1_stream_int8.tflite").contains("(unusable: not a TensorFlow Lite model:")
    );
    assert!(line("movinet_a1_stream_int8.tflite").contains("is a character device"));
    assert!(line("movinet_a2_stream_int8.tflite").contains("is a FIFO (named pipe)"));
    assert!(line("unprepared.tflite").contains("LiteRT cannot prepare it to run on the CPU"));

    // Named models resolve to the special files and say what they are.
    let out = movinet(&["check", "a1", "a2"], &dir);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        text.contains("movinet_a1_stream_int8.tflite is a character device"),
        "{text}"
    );
    assert!(
        text.contains("movinet_a2_stream_int8.tflite is a FIFO (named pipe)"),
        "{text}"
    );

    // Labels discovery passes over the FIFO and the device to the real labels.
    let out = movinet(&["check", "a0"], &dir);
    let text = stdout(&out);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("c_labels.txt (600 labels)"), "{text}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_model_whose_load_crashes_is_reported_and_the_others_still_listed() {
    let dir = temp_dir("crash");
    let cattle = dir.join("cattle7_a0_stream_int8.tflite");
    std::os::unix::fs::symlink(
        models_dir().join("custom/cattle7_a0_stream_int8.tflite"),
        &cattle,
    )
    .unwrap();
    let official = dir.join("movinet_a0_stream_int8.tflite");
    std::os::unix::fs::symlink(a0(), &official).unwrap();
    // The first model listed crashes its loader; the listing goes on.
    let out = movinet_env(&["models"], &dir, Some(&cattle));
    let text = stdout(&out);
    assert!(out.status.success(), "{text}");
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[1].starts_with("cattle7_a0_stream_int8.tflite")
            && lines[1].contains("(unusable: loading it crashed with SIGABRT, an abort)"),
        "{text}"
    );
    assert!(lines[2].starts_with("movinet_a0_stream_int8.tflite") && lines[2].contains("600"));
    // And check says so, checks the rest, exits 2.
    let out = movinet_env(
        &[
            "check",
            cattle.to_str().unwrap(),
            official.to_str().unwrap(),
        ],
        &dir,
        Some(&cattle),
    );
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        text.contains("  load      FAILED: the process loading it crashed with SIGABRT, an abort"),
        "{text}"
    );
    assert!(
        text.contains("2 models checked: 1 passed, 1 failed"),
        "{text}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
