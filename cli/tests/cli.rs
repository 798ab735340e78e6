//! The `movinet` binary on the shared clips: JSON output, accuracy against the reference
//! pipeline, plots, and one clear line with exit code 2 for every bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use movinet_tests::{models_dir, shared_dir};
use serde_json::Value;

fn movinet(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_movinet"))
        .arg("--models-dir")
        .arg(models_dir())
        .args(args)
        .env_remove("MOVINET_MODELS_DIR")
        .output()
        .expect("run movinet")
}

fn clip(name: &str) -> String {
    shared_dir().join("clips").join(name).display().to_string()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json_lines(o: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON {l}: {e}")))
        .collect()
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
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["top"][0]["label"], "arm wrestling");
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
