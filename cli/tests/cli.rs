//! The `movinet` binary on the shared clips: JSON output, accuracy against the reference
//! pipeline, plots, and one clear line with exit code 2 for every bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use movinet_tests::{models_dir, shared_dir};
use serde_json::Value;

mod common;
use common::{json_lines, movinet, stderr};

fn clip(name: &str) -> String {
    shared_dir().join("clips").join(name).display().to_string()
}

fn temp_dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("movinet-cli-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn classify_json_on_carving_ice() {
    let out = movinet(&[
        "classify",
        "--json",
        &clip("tfexamples_android_carving_ice.mp4"),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v = &json_lines(&out)[0];
    assert_eq!(v["model"], "a0");
    assert!(v["input"]
        .as_str()
        .unwrap()
        .ends_with("tfexamples_android_carving_ice.mp4"));
    assert_eq!(v["frames_decoded"], 200);
    assert_eq!(
        v["frames_fed"], 34,
        "the reference feeds 34 frames at 5 fps"
    );
    let top = v["top"].as_array().unwrap();
    assert_eq!(top.len(), 5);
    assert_eq!(top[0]["label"], "carving ice");
    assert_eq!(top[0]["index"], 72);
    assert!(top[0]["score"].as_f64().unwrap() > 0.9);
    for k in ["preprocess_p50", "run_p50", "total_p50"] {
        let t = v["timing_ms"][k].as_f64().unwrap();
        assert!(t > 0.0 && t < 1000.0, "{k} = {t}");
    }
}

/// `--no-int8-io` runs the graph as exported: four times the state memory, the same top
/// classes and scores (the logits are bit-identical, so the JSON's scores are equal).
#[test]
fn no_int8_io_keeps_the_scores_and_quadruples_the_state() {
    let run = |extra: &[&str]| {
        let mut args = vec!["classify", "--json", "--top", "20", "--horizon", "all"];
        args.extend_from_slice(extra);
        let input = clip("tfexamples_android_carving_ice.mp4");
        args.push(&input);
        let out = movinet(&args);
        assert!(out.status.success(), "{}", stderr(&out));
        json_lines(&out).remove(0)
    };
    let (int8, float) = (run(&[]), run(&["--no-int8-io"]));
    assert_eq!(int8["state_bytes"], 684_000);
    assert_eq!(float["state_bytes"], 2_696_832);
    assert_eq!(int8["top"], float["top"]);
    assert_eq!(int8["events"], float["events"]);
    assert_eq!(int8["top"][0]["label"], "carving ice");
}

/// Every input gets its JSON object, in order, a failed one with its `error` (issue 23: a
/// failed input used to be left out, so objects could not be matched to inputs).
#[test]
fn several_inputs_good_ones_still_processed() {
    let missing = "/nonexistent/clip.mp4";
    let not_video = models_dir()
        .join("kinetics600_labels.txt")
        .display()
        .to_string();
    let out = movinet(&[
        "classify",
        "--json",
        missing,
        &clip("mmaction2_demo_arm_wrestling.mp4"),
        &not_video,
    ]);
    assert_eq!(out.status.code(), Some(2));
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 3, "one object per input");
    assert_eq!(lines[0]["input"], missing);
    assert!(
        lines[0]["error"]
            .as_str()
            .unwrap()
            .contains("/nonexistent/clip.mp4: no such file"),
        "{}",
        lines[0]
    );
    assert!(lines[0].get("top").is_none(), "{}", lines[0]);
    assert_eq!(lines[1]["top"][0]["label"], "arm wrestling");
    assert!(lines[1].get("error").is_none(), "{}", lines[1]);
    assert_eq!(lines[2]["input"], not_video.as_str());
    assert!(lines[2]["error"].as_str().unwrap().contains("not a video"));
    let err = stderr(&out);
    let errs: Vec<&str> = err.lines().filter(|l| l.starts_with("movinet: ")).collect();
    assert_eq!(errs.len(), 2, "{err}");
    assert!(
        errs[0].contains("/nonexistent/clip.mp4: no such file"),
        "{err}"
    );
    assert!(errs[1].contains("not a video"), "{err}");
}

#[test]
fn unknown_model_name_is_one_line_and_exit_2() {
    let out = movinet(&[
        "classify",
        "--model",
        "a9",
        &clip("tfexamples_android_carving_ice.mp4"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("unknown model `a9`"), "{err}");
}

#[test]
fn corrupt_model_is_one_line_and_exit_2() {
    let bytes = std::fs::read(models_dir().join("movinet_a0_stream_int8.tflite")).unwrap();
    let path = temp_dir().join("corrupt.tflite");
    std::fs::write(&path, &bytes[..bytes.len() / 3]).unwrap();
    let out = movinet(&[
        "classify",
        "--model",
        path.to_str().unwrap(),
        &clip("tfexamples_android_carving_ice.mp4"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("truncated or corrupt"), "{err}");
}

#[test]
fn fine_tuned_model_finds_its_own_labels() {
    let model = models_dir().join("custom/cattle7_a0_stream_int8.tflite");
    let out = movinet(&[
        "classify",
        "--json",
        "--top",
        "3",
        "--model",
        model.to_str().unwrap(),
        &clip("tfexamples_android_carving_ice.mp4"),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let labels = std::fs::read_to_string(models_dir().join("custom/cattle7_labels.txt")).unwrap();
    let v = &json_lines(&out)[0];
    let top = v["top"].as_array().unwrap();
    assert_eq!(top.len(), 3);
    for c in top {
        assert!(
            labels.lines().any(|l| l == c["label"].as_str().unwrap()),
            "{c}"
        );
    }
}

#[test]
fn plot_writes_a_png() {
    let out_png = temp_dir().join("carving.png");
    let out = movinet(&[
        "classify",
        "--plot",
        out_png.to_str().unwrap(),
        &clip("tfexamples_android_carving_ice.mp4"),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let png = std::fs::read(&out_png).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let (w, h) = (
        u32::from_be_bytes(png[16..20].try_into().unwrap()),
        u32::from_be_bytes(png[20..24].try_into().unwrap()),
    );
    assert_eq!((w, h), (1200, 700));
    assert!(
        png.len() > 20_000,
        "a plot with lines and text, not a blank image: {} bytes",
        png.len()
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("1. carving ice"), "{text}");
}

#[test]
fn models_lists_what_it_finds() {
    let out = movinet(&["models"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    let a0 = text
        .lines()
        .find(|l| l.starts_with("movinet_a0_stream_int8.tflite"))
        .expect(&text);
    assert!(
        // 684000 state bytes: 11 stream buffers int8 (the load-time int8 pass).
        a0.contains(" 172 ") && a0.contains(" 600 ") && a0.contains("684000"),
        "{a0}"
    );
    let a2 = text
        .lines()
        .find(|l| l.starts_with("movinet_a2_stream_int8_synthetic.tflite"))
        .expect(&text);
    assert!(a2.contains(" 224 "), "{a2}");
    let cattle = text
        .lines()
        .find(|l| l.starts_with("cattle7"))
        .expect(&text);
    assert!(
        cattle.contains(" 7 ") && cattle.contains("call"),
        "{cattle}"
    );
}

/// Runs ../shared/reference/ref_stream.py (Google's interpreter) on every clip.
fn reference_results(clips_dir: &Path) -> Vec<Value> {
    let python = std::env::var("MOVINET_PYTHON").unwrap_or_else(|_| {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../.deps/venv/bin/python")
            .display()
            .to_string()
    });
    let json = temp_dir().join("reference.json");
    let mut clips: Vec<PathBuf> = std::fs::read_dir(clips_dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e != "csv"))
        .collect();
    clips.sort();
    let out = Command::new(python)
        .arg(shared_dir().join("reference/ref_stream.py"))
        .arg("--model")
        .arg(models_dir().join("movinet_a0_stream_int8.tflite"))
        .arg("--labels")
        .arg(models_dir().join("kinetics600_labels.txt"))
        .args(["--fps", "5", "--json"])
        .arg(&json)
        .args(&clips)
        .output()
        .expect("run the reference pipeline (cargo xtask setup makes its venv)");
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    v["results"].as_array().unwrap().clone()
}

#[test]
fn eval_matches_the_reference_pipeline_clip_by_clip() {
    let csv = shared_dir().join("clips/clips.csv");
    let out = movinet(&["eval", csv.to_str().unwrap(), "--model", "a0", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v = &json_lines(&out)[0];
    let (top1, top5, total) = (
        v["top1"].as_u64().unwrap(),
        v["top5"].as_u64().unwrap(),
        v["total"].as_u64().unwrap(),
    );
    eprintln!("eval: top-1 {top1}/{total}, top-5 {top5}/{total}");
    assert_eq!(total, 12);
    assert!(top1 >= 8, "top-1 {top1}/12");
    assert!(top5 >= 9, "top-5 {top5}/12");

    let reference = reference_results(&shared_dir().join("clips"));
    for clip in v["clips"].as_array().unwrap() {
        let file = clip["file"].as_str().unwrap();
        let r = reference
            .iter()
            .find(|r| r["clip"] == file)
            .unwrap_or_else(|| panic!("no reference for {file}"));
        let ref_top5 = r["top5"].as_array().unwrap();
        let ref_best = ref_top5[0][1].as_f64().unwrap();
        // int8 logits tie exactly at times; the reference's order among ties is numpy's.
        let tied: Vec<&str> = ref_top5
            .iter()
            .filter(|e| (e[1].as_f64().unwrap() - ref_best).abs() < 1e-9)
            .map(|e| e[0].as_str().unwrap())
            .collect();
        let ours = clip["top1"].as_str().unwrap();
        assert!(
            tied.contains(&ours),
            "{file}: ours {ours}, reference {tied:?}"
        );
        assert!(
            (clip["top1_score"].as_f64().unwrap() - ref_best).abs() < 1e-3,
            "{file}: {clip} vs {r}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Hostile inputs: file names, special files, broken videos, malformed CSVs (issue 15), and
// phone videos stored with a display rotation (issue 11).

/// A fresh folder of this test's own.
fn scratch(test: &str) -> PathBuf {
    let d = temp_dir().join(test);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// `movinet` run in `dir` (relative names resolve there), with `stdin` fed to it.
fn movinet_in(dir: &Path, args: &[&str], stdin: &[u8]) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_movinet"))
        .current_dir(dir)
        .arg("--models-dir")
        .arg(models_dir())
        .args(args)
        .env_remove("MOVINET_MODELS_DIR")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run movinet");
    let mut input = child.stdin.take().unwrap();
    let stdin = stdin.to_vec();
    // The command must not read it; a writer thread keeps a full pipe from blocking the test.
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&stdin);
    });
    let out = child.wait_with_output().expect("wait for movinet");
    let _ = writer.join();
    out
}

fn top1(v: &Value) -> &str {
    v["top"][0]["label"].as_str().unwrap()
}

#[test]
fn file_names_are_never_options_or_protocols() {
    let dir = scratch("names");
    let copy = |clip_name: &str, to: &str| {
        std::fs::copy(clip(clip_name), dir.join(to)).unwrap();
    };
    copy("tfexamples_rpi_carving_ice.mp4", "-report");
    copy("tfexamples_rpi_carving_ice.mp4", "-dash.mp4");
    copy("tfexamples_android_carving_ice.mp4", "two.mp4");
    copy("mmaction2_demo_arm_wrestling.mp4", "file:two.mp4");
    // What `pipe:0` or `-` would read if they reached FFmpeg: a real clip.
    let stdin = std::fs::read(clip("mmaction2_tests_data_test.mp4")).unwrap();
    let out = movinet_in(
        &dir,
        &[
            "classify",
            "--json",
            "--top",
            "1",
            "--",
            "-report",
            "-dash.mp4",
            "file:two.mp4",
            "pipe:0",
            "-",
        ],
        &stdin,
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let lines = json_lines(&out);
    let by_input = |name: &str| {
        lines
            .iter()
            .find(|v| v["input"] == name)
            .unwrap_or_else(|| panic!("no result for {name}: {}", stderr(&out)))
    };
    assert_eq!(top1(by_input("-report")), "carving ice");
    assert_eq!(top1(by_input("-dash.mp4")), "carving ice");
    // The file of that name, not `two.mp4` (carving ice).
    assert_eq!(top1(by_input("file:two.mp4")), "arm wrestling");
    assert_eq!(lines.len(), 5);
    for name in ["pipe:0", "-"] {
        assert!(
            by_input(name).get("top").is_none(),
            "stdin was never classified"
        );
        assert!(by_input(name)["error"]
            .as_str()
            .unwrap()
            .contains("no such file"));
    }
    let err = stderr(&out);
    assert!(err.contains("pipe:0: no such file"), "{err}");
    assert!(err.contains("movinet: -: no such file"), "{err}");
    // `-report` as an option would have written ffmpeg-*.log here.
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["-dash.mp4", "-report", "file:two.mp4", "two.mp4"]);
}

/// The live lines (`name  time  label score`, one per second of video on a pipe) without
/// the name.
fn live_lines(out: &Output, name: &str) -> Vec<String> {
    // A name with a newline spans lines: its last line starts the live line.
    let name = name.rsplit('\n').next().unwrap_or(name);
    stderr(out)
        .lines()
        .filter_map(|l| l.strip_prefix(name))
        .map(|l| l.trim().to_string())
        .collect()
}

#[test]
fn timestamps_do_not_come_from_the_file_name() {
    let dir = scratch("showinfo");
    let plain = "clip.mp4";
    // The name the old decoder's stderr scraping read as a frame time, and one with a
    // newline that forges a whole log line.
    let crafted = [
        "Parsed_showinfo pts_time:100.mp4",
        "x\n[Parsed_showinfo_0 @ 0x1] n:   0 pts:  100 pts_time:100\n.mp4",
    ];
    for name in std::iter::once(plain).chain(crafted) {
        std::fs::copy(clip("tfexamples_android_carving_ice.mp4"), dir.join(name)).unwrap();
    }
    // The live lines come with the text report (not with --json: see
    // `progress_goes_to_stderr_only_when_asked_for`).
    let reference = movinet_in(&dir, &["classify", plain], b"");
    assert!(reference.status.success(), "{}", stderr(&reference));
    let want = live_lines(&reference, plain);
    assert_eq!(want.len(), 7, "one live line per second of a 6.7 s clip");
    assert!(want[1].starts_with("1.0s"), "{want:?}");
    let want_json = json_lines(&movinet_in(&dir, &["classify", "--json", plain], b""));
    for name in crafted {
        let out = movinet_in(&dir, &["classify", name], b"");
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(live_lines(&out, name), want, "{name}");
        let out = movinet_in(&dir, &["classify", "--json", name], b"");
        let v = &json_lines(&out)[0];
        assert_eq!(v["frames_fed"], 34, "{name}");
        assert_eq!(v["top"], want_json[0]["top"], "{name}");
    }
}

/// Runs `cmd`, kills it if it has not finished after `limit`, and returns its output and
/// its peak resident memory in KiB.
#[allow(
    clippy::zombie_processes,
    reason = "the child is reaped by wait4, which also gives its peak memory"
)]
fn run_bounded(cmd: &mut Command, limit: std::time::Duration) -> (Output, u64) {
    use std::io::Read;
    let mut child = cmd
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let (mut so, mut se) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let out_reader = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = so.read_to_end(&mut b);
        b
    });
    let err_reader = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = se.read_to_end(&mut b);
        b
    });
    let pid = child.id() as libc::pid_t;
    let start = std::time::Instant::now();
    let (status, rusage) = loop {
        let mut status = 0;
        // SAFETY: `rusage` is plain old data, for which all zeros is a valid value.
        let mut rusage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: plain wait4 on our own child; `rusage` is written by the kernel.
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut rusage) };
        if r == pid {
            break (status, rusage);
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            // SAFETY: as above, blocking until the killed child is reaped.
            unsafe { libc::wait4(pid, &mut status, 0, &mut rusage) };
            panic!("still running after {limit:?}: it blocks");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    let output = Output {
        status: std::os::unix::process::ExitStatusExt::from_raw(status),
        stdout: out_reader.join().unwrap(),
        stderr: err_reader.join().unwrap(),
    };
    assert!(code.is_some(), "killed by a signal: {}", stderr(&output));
    (output, rusage.ru_maxrss as u64)
}

fn movinet_cmd(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_movinet"));
    c.arg("--models-dir")
        .arg(models_dir())
        .args(args)
        .env_remove("MOVINET_MODELS_DIR");
    c
}

#[test]
fn fifos_and_devices_are_refused_without_blocking() {
    let dir = scratch("fifo");
    let fifo = dir.join("fifo.mp4");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    let good = clip("tfexamples_rpi_carving_ice.mp4");
    let (out, _) = run_bounded(
        &mut movinet_cmd(&[
            "classify",
            "--json",
            fifo.to_str().unwrap(),
            "/dev/zero",
            &good,
        ]),
        std::time::Duration::from_secs(120),
    );
    assert_eq!(out.status.code(), Some(2));
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 3);
    assert!(lines[0]["error"].is_string() && lines[1]["error"].is_string());
    assert_eq!(
        top1(&lines[2]),
        "carving ice",
        "the input after them still runs"
    );
    let err = stderr(&out);
    assert!(err.contains("fifo.mp4: not a regular file"), "{err}");
    assert!(err.contains("/dev/zero: not a regular file"), "{err}");
}

#[test]
fn eval_refuses_a_csv_that_is_a_fifo_a_device_or_a_folder() {
    let dir = scratch("eval_fifo");
    let fifo = dir.join("clips.csv");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    let fifo = fifo.display().to_string();
    let folder = dir.join("clips");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("clips.csv"), "file,expected_label\n").unwrap();
    let inside = folder.join("clips.csv").display().to_string();
    let folder = folder.display().to_string();
    for (csv, says) in [
        (
            fifo.as_str(),
            format!("movinet: {fifo}: not a regular file (a FIFO, device or socket is never read): give a CSV file"),
        ),
        (
            "/dev/zero",
            "movinet: /dev/zero: not a regular file (a FIFO, device or socket is never read): give a CSV file".into(),
        ),
        (
            folder.as_str(),
            format!("movinet: {folder}: a folder, not a CSV file: give the CSV itself, e.g. {inside}"),
        ),
        (
            "nosuch.csv",
            "movinet: nosuch.csv: no such file".into(),
        ),
    ] {
        // Before: the FIFO blocked for ever, /dev/zero was read without end, the others were
        // "Is a directory (os error 21)" and "No such file or directory (os error 2)".
        let (out, _) = run_bounded(
            &mut movinet_cmd(&["eval", csv]),
            std::time::Duration::from_secs(60),
        );
        assert_eq!(out.status.code(), Some(2));
        assert_eq!(stderr(&out).trim_end(), says);
    }
}

/// A 154-byte GIF whose screen and only image are declared 16000x16000 (one 2-colour pixel
/// of data, a comment filling it to 154 bytes).
fn gif_bomb() -> Vec<u8> {
    let mut b = b"GIF89a".to_vec();
    b.extend_from_slice(&16000u16.to_le_bytes());
    b.extend_from_slice(&16000u16.to_le_bytes());
    b.extend_from_slice(&[0x80, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff]);
    b.extend_from_slice(&[0x21, 0xf9, 0x04, 0x00, 0x0a, 0x00, 0x00, 0x00]);
    b.extend_from_slice(&[0x2c, 0, 0, 0, 0]);
    b.extend_from_slice(&16000u16.to_le_bytes());
    b.extend_from_slice(&16000u16.to_le_bytes());
    b.extend_from_slice(&[0x00, 0x02, 0x02, 0x44, 0x01, 0x00]);
    let pad = 154 - b.len() - 5;
    b.extend_from_slice(&[0x21, 0xfe, pad as u8]);
    b.extend(std::iter::repeat_n(b'x', pad));
    b.extend_from_slice(&[0x00, 0x3b]);
    b
}

#[test]
fn huge_declared_frames_are_refused_before_decoding() {
    let dir = scratch("gif_bomb");
    let bomb = dir.join("bomb.gif");
    let bytes = gif_bomb();
    assert_eq!(bytes.len(), 154);
    std::fs::write(&bomb, &bytes).unwrap();
    let (out, max_rss_kib) = run_bounded(
        &mut movinet_cmd(&["classify", bomb.to_str().unwrap()]),
        std::time::Duration::from_secs(120),
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("bomb.gif: 16000x16000 frames are larger than this command decodes"),
        "{err}"
    );
    // One 16000x16000 RGB frame alone is 732 MiB; the command with A0 loaded is ~60 MiB.
    eprintln!("peak RSS {max_rss_kib} KiB");
    assert!(max_rss_kib < 300 * 1024, "peak RSS {max_rss_kib} KiB");
}

/// Fixed-seed bytes, so the corrupt copy is the same on every run.
fn noise(n: usize) -> Vec<u8> {
    movinet_tests::Xorshift::new(0)
        .take(n)
        .map(|x| (x >> 24) as u8)
        .collect()
}

#[test]
fn truncated_and_corrupt_videos_are_reported() {
    let dir = scratch("broken");
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        p.display().to_string()
    };
    let mp4 = std::fs::read(clip("tfexamples_android_carving_ice.mp4")).unwrap();
    let truncated = write("truncated.mp4", &mp4[..mp4.len() * 2 / 5]);
    let mut corrupt = std::fs::read(clip("tfexamples_rpi_carving_ice.mp4")).unwrap();
    let mid = corrupt.len() / 2;
    corrupt[mid..mid + 300].copy_from_slice(&noise(300));
    let corrupt = write("corrupt.mp4", &corrupt);
    let mkv = std::fs::read(clip("decord_flipping_a_pancake.mkv")).unwrap();
    let truncated_mkv = write("truncated.mkv", &mkv[..mkv.len() * 2 / 5]);
    let whole = clip("tfexamples_rpi_carving_ice.mp4");

    let out = movinet(&[
        "classify",
        "--json",
        &truncated,
        &corrupt,
        &truncated_mkv,
        &whole,
    ]);
    // Each still gives a result: the warnings do not fail the command.
    assert!(out.status.success(), "{}", stderr(&out));
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 4);
    let err = stderr(&out);
    let warnings: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("movinet: warning: "))
        .collect();
    assert_eq!(warnings.len(), 3, "{err}");

    let t = &lines[0];
    assert_eq!(t["frames_expected"], 200);
    let decoded = t["frames_decoded"].as_u64().unwrap();
    assert!((40..120).contains(&decoded), "{t}");
    assert!(
        warnings[0].contains(&format!("truncated.mp4: {decoded} of 200 frames decoded")),
        "{err}"
    );

    let c = &lines[1];
    assert_eq!(c["frames_expected"], 131);
    let errors = c["decode_errors"].as_u64().unwrap();
    assert!(errors >= 1, "{c}");
    assert!(warnings[1].contains("corrupt.mp4: "), "{err}");
    assert!(warnings[1].contains("decode error"), "{err}");

    let m = &lines[2];
    assert_eq!(
        m["frames_expected"],
        Value::Null,
        "Matroska lists no frame count"
    );
    assert!(m["frames_decoded"].as_u64().unwrap() < 200, "{m}");
    assert!(
        warnings[2].contains("truncated.mkv: ")
            && warnings[2].contains("of the 10.4 s the file declares"),
        "{err}"
    );

    let w = &lines[3];
    assert_eq!(w["frames_decoded"], 131);
    assert_eq!(w["frames_expected"], 131);
    assert_eq!(w["decode_errors"], 0);
}

/// Runs ffmpeg (the tests' tool, not the command's decoder); panics with its stderr.
fn ffmpeg(args: &[&str]) {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-y"])
        .args(args)
        .output()
        .expect("run ffmpeg");
    assert!(out.status.success(), "ffmpeg {args:?}: {}", stderr(&out));
}

#[test]
fn a_phone_video_stored_rotated_is_classified_upright() {
    let dir = scratch("rotated");
    let original = clip("mmaction2_demo_arm_wrestling.mp4");
    // As a phone stores a portrait recording: the pixels turned 90 degrees clockwise
    // (lossless, so turned back they are the original's), and a tag saying how to show them.
    let sideways = dir.join("sideways.mp4").display().to_string();
    let tagged = dir.join("tagged.mp4").display().to_string();
    ffmpeg(&[
        "-i",
        &original,
        "-vf",
        "transpose=clock",
        "-c:v",
        "libx264",
        "-qp",
        "0",
        "-preset",
        "ultrafast",
        &sideways,
    ]);
    ffmpeg(&[
        "-i",
        &sideways,
        "-c",
        "copy",
        "-metadata:s:v",
        "rotate=90",
        &tagged,
    ]);
    let run = |extra: &[&str], input: &str| {
        let mut args = vec!["classify", "--json"];
        args.extend_from_slice(extra);
        args.push(input);
        let out = movinet(&args);
        assert!(out.status.success(), "{}", stderr(&out));
        json_lines(&out).remove(0)
    };
    let want = run(&[], &original);
    let got = run(&[], &tagged);
    assert_eq!(want["rotation"], 0);
    // FFmpeg writes a display matrix for the tag; turning the frames 270 degrees clockwise
    // (90 counter-clockwise) undoes `transpose=clock`.
    assert_eq!(got["rotation"], 270);
    assert_eq!(top1(&got), "arm wrestling");
    assert_eq!(top1(&got), top1(&want));
    let (a, b) = (
        got["top"][0]["score"].as_f64().unwrap(),
        want["top"][0]["score"].as_f64().unwrap(),
    );
    assert!(
        (a - b).abs() < 1e-6,
        "{a} vs {b}: the same frames reach the model"
    );

    // Opting out feeds the stored, sideways frames.
    let raw = run(&["--no-autorotate"], &tagged);
    assert_eq!(raw["rotation"], 0);
    assert_ne!(top1(&raw), "arm wrestling", "{raw}");
}

#[test]
fn a_folder_of_images_counts_the_bad_ones_and_goes_on() {
    let dir = scratch("images");
    let frames = dir.join("frames");
    std::fs::create_dir(&frames).unwrap();
    ffmpeg(&[
        "-i",
        &clip("tfexamples_rpi_carving_ice.mp4"),
        "-frames:v",
        "3",
        frames.join("%02d.png").to_str().unwrap(),
    ]);
    std::fs::write(frames.join("04_broken.png"), "not a png").unwrap();
    let made = Command::new("mkfifo")
        .arg(frames.join("05_fifo.png"))
        .status()
        .expect("mkfifo");
    assert!(made.success());
    let (out, _) = run_bounded(
        &mut movinet_cmd(&["classify", "--json", frames.to_str().unwrap()]),
        std::time::Duration::from_secs(120),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let v = &json_lines(&out)[0];
    assert_eq!(v["frames_decoded"], 3, "{v}");
    assert_eq!(v["decode_errors"], 2, "{v}");
    let err = stderr(&out);
    assert!(
        err.contains("warning: frames: 3 frames decoded; 2 decode errors (first: "),
        "{err}"
    );
    assert!(err.contains("04_broken.png"), "{err}");
}

#[test]
fn eval_reports_bad_rows_and_goes_on() {
    let dir = scratch("eval_rows");
    let csv = dir.join("clips.csv");
    let mut text = b"file,expected_label\n".to_vec();
    text.extend_from_slice(b"tfexamples_rpi_carving_ice.mp4,carving ice\n"); // line 2
    text.extend_from_slice(b"mmaction2_demo_arm_wrestling.mp4,arm wrestling,extra\n"); // 3
    text.extend_from_slice(b"mmaction2_tests_data_test.mp4\n"); // 4
    text.extend_from_slice(b"paddlevideo_horse_riding.gif,riding \xff horse\n"); // 5
    text.extend_from_slice(b",carving ice\n"); // 6: would classify the folder itself
    text.extend_from_slice(b"mmaction2_demo_arm_wrestling.mp4,arm wrestling\n"); // 7
    std::fs::write(&csv, &text).unwrap();
    let clips_dir = shared_dir().join("clips");
    let out = movinet(&[
        "eval",
        csv.to_str().unwrap(),
        "--clips-dir",
        clips_dir.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let v = &json_lines(&out)[0];
    assert_eq!(v["total"], 2, "{v}");
    assert_eq!(v["top1"], 2, "{v}");
    let files: Vec<&str> = v["clips"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["file"].as_str().unwrap())
        .collect();
    assert_eq!(
        files,
        [
            "tfexamples_rpi_carving_ice.mp4",
            "mmaction2_demo_arm_wrestling.mp4"
        ]
    );
    let bad: Vec<(u64, String)> = v["bad_rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["line"].as_u64().unwrap(),
                b["error"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        bad.iter().map(|b| b.0).collect::<Vec<_>>(),
        [3, 4, 5, 6],
        "{bad:?}"
    );
    assert!(
        bad[0].1.contains("3 fields where the header has 2"),
        "{bad:?}"
    );
    assert!(
        bad[1].1.contains("1 fields where the header has 2"),
        "{bad:?}"
    );
    assert!(bad[2].1.contains("not UTF-8"), "{bad:?}");
    assert!(bad[3].1.contains("empty file cell"), "{bad:?}");
    let err = stderr(&out);
    for line in [3, 4, 5, 6] {
        assert!(err.contains(&format!("clips.csv line {line}: ")), "{err}");
    }

    // The table says how many rows it skipped.
    let out = movinet(&[
        "eval",
        csv.to_str().unwrap(),
        "--clips-dir",
        clips_dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(
            "top-1 2/2  top-5 2/2  over the whole clip (horizon all; a0; 4 bad rows skipped)"
        ),
        "{text}"
    );
}

#[test]
fn eval_of_a_csv_without_rows_fails() {
    let dir = scratch("eval_empty");
    let csv = dir.join("header_only.csv");
    std::fs::write(&csv, "file,expected_label\n").unwrap();
    let out = movinet(&["eval", csv.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("header_only.csv: no clips listed"), "{err}");
}

#[test]
fn top_zero_is_a_usage_error() {
    let out = movinet(&[
        "classify",
        "--top",
        "0",
        &clip("tfexamples_rpi_carving_ice.mp4"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    // The flag the user typed, not the API's name for it (issue 23: it said `top_k`).
    assert_eq!(err.trim(), "movinet: --top 0: must be at least 1, got 0");
}

/// A horizon the core refuses names `--horizon`, the flag that set it (it used to be blamed
/// on `--top`).
#[test]
fn a_horizon_out_of_range_names_its_own_flag() {
    let out = movinet(&[
        "classify",
        "--horizon",
        "1e30",
        &clip("tfexamples_rpi_carving_ice.mp4"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    // In seconds, as given (issue 23: `--horizon 1e9` said `got 4294967295` frames).
    assert!(
        err.starts_with("movinet: --horizon 1e30: must be at most 3355443 s at 5 fps"),
        "{err}"
    );
    assert!(!err.contains("4294967295"), "{err}");
}

#[test]
fn plot_path_is_checked_before_classifying() {
    let dir = scratch("plot_path");
    let input = clip("tfexamples_rpi_carving_ice.mp4");
    for (out_png, why) in [
        (dir.join("missing/plot.png"), "No such file or directory"),
        (
            dir.clone().join("plot.jpg"),
            "give a file name ending in .png",
        ),
        (dir.join("a_folder.png"), "not a regular file"),
    ] {
        let _ = std::fs::create_dir(dir.join("a_folder.png"));
        let out = movinet(&["classify", "--plot", out_png.to_str().unwrap(), &input]);
        assert_eq!(out.status.code(), Some(2));
        assert!(out.stdout.is_empty(), "nothing was classified");
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with("movinet: --plot "), "{err}");
        assert!(err.contains(why), "{err}");
        assert!(!err.contains("Os {"), "no Rust debug text: {err}");
    }
    // Checking leaves nothing behind.
    let names: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().collect();
    assert_eq!(names.len(), 1, "only a_folder.png");
}

#[test]
fn bad_labels_are_one_line_without_litert_output() {
    let dir = scratch("bad_labels");
    let labels = dir.join("labels.txt");
    std::fs::write(&labels, "one\ntwo\n").unwrap();
    let out = movinet(&[
        "classify",
        "--labels",
        labels.to_str().unwrap(),
        &clip("tfexamples_rpi_carving_ice.mp4"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("movinet: "), "{err}");
    assert!(!err.contains("INFO"), "{err}");
}
