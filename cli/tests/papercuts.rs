//! What a new user tripped over in `movinet` (issue 23, item 4), one test per point, each of
//! which failed before the fix. (Two more live beside the tests they changed: a failed input's
//! JSON object in `cli.rs`'s `several_inputs_good_ones_still_processed`, and `--top 0` /
//! `--horizon 1e30` naming the flag in `top_zero_is_a_usage_error` /
//! `a_horizon_out_of_range_names_its_own_flag`.)

use std::path::PathBuf;
use std::process::{Command, Output};

use movinet_tests::shared_dir;

mod common;
use common::{json_lines, movinet, stderr};

fn clip(name: &str) -> String {
    shared_dir().join("clips").join(name).display().to_string()
}

/// A fresh folder of this test's own.
fn scratch(test: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("movinet-papercuts-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn ffmpeg(args: &[&str]) {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-nostdin", "-y"])
        .args(args)
        .output()
        .expect("run ffmpeg");
    assert!(out.status.success(), "ffmpeg {args:?}: {}", stderr(&out));
}

/// One line on stderr, exit code 2, nothing on stdout: a usage error found before any work.
fn usage_error(out: &Output) -> String {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        out.stdout.is_empty(),
        "nothing ran: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    err.trim().to_string()
}

#[test]
fn a_mistyped_model_path_is_a_missing_file() {
    let carving = clip("tfexamples_rpi_carving_ice.mp4");
    let out = movinet(&["classify", "--model", "dir/cattle7.tflite", &carving]);
    assert_eq!(
        usage_error(&out),
        "movinet: model file not found: dir/cattle7.tflite (no such file)"
    );
    // A name without a folder or .tflite is still an unknown name.
    let out = movinet(&["classify", "--model", "a9", &carving]);
    assert!(usage_error(&out).contains("unknown model `a9`: use a0, a1, a2"));
    let out = movinet(&["check", "/nonexistent.tflite"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text.contains("FAILED: model file not found: /nonexistent.tflite (no such file)"),
        "{text}"
    );
}

#[test]
fn subtitle_and_video_outputs_are_checked_before_classifying() {
    let dir = scratch("outputs");
    let input = clip("tfexamples_rpi_carving_ice.mp4");
    let missing = dir.join("missing");
    for (flag, file) in [
        ("--srt", "x.srt"),
        ("--vtt", "x.vtt"),
        ("--annotate", "x.mp4"),
    ] {
        let out = movinet(&[
            "classify",
            flag,
            missing.join(file).to_str().unwrap(),
            &input,
        ]);
        let err = usage_error(&out);
        assert!(err.starts_with(&format!("movinet: {flag} ")), "{err}");
        assert!(err.contains("No such file or directory"), "{err}");
    }
    let out = movinet(&[
        "classify",
        "--annotate",
        dir.join("x.avi").to_str().unwrap(),
        &input,
    ]);
    assert!(usage_error(&out).contains("ending in .mp4, .m4v or .mov"));
    // A folder of images has no frame times to write a video with.
    let out = movinet(&[
        "classify",
        "--annotate",
        dir.join("x.mp4").to_str().unwrap(),
        &input,
        dir.to_str().unwrap(),
    ]);
    assert!(usage_error(&out).contains("is a folder of images"));
    // An output that is the input would destroy it.
    let copy = dir.join("clip.mp4");
    std::fs::copy(&input, &copy).unwrap();
    let copy = copy.to_str().unwrap();
    let out = movinet(&["classify", "--annotate", copy, copy]);
    assert!(usage_error(&out).contains("that is an input"));
    assert_eq!(
        std::fs::metadata(copy).unwrap().len(),
        std::fs::metadata(&input).unwrap().len()
    );
}

#[test]
fn inputs_of_the_same_name_write_their_own_subtitles() {
    let dir = scratch("same_name");
    for (sub, name) in [
        ("a", "tfexamples_rpi_carving_ice.mp4"),
        ("b", "mmaction2_demo_arm_wrestling.mp4"),
    ] {
        std::fs::create_dir(dir.join(sub)).unwrap();
        std::fs::copy(clip(name), dir.join(sub).join("clip.mp4")).unwrap();
    }
    let srt = dir.join("events.srt");
    let (a, b) = (dir.join("a/clip.mp4"), dir.join("b/clip.mp4"));
    let out = movinet(&[
        "classify",
        "--srt",
        srt.to_str().unwrap(),
        a.to_str().unwrap(),
        b.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let first = std::fs::read_to_string(dir.join("events-clip.srt")).unwrap();
    let second = std::fs::read_to_string(dir.join("events-clip-2.srt")).unwrap();
    assert!(first.contains("carving ice"), "{first}");
    assert!(second.contains("arm wrestling"), "{second}");
    let err = stderr(&out);
    assert!(
        err.contains("events-clip-2.srt"),
        "the note names each file: {err}"
    );
}

#[test]
fn eval_reads_two_column_rows_under_a_longer_header() {
    let dir = scratch("eval_columns");
    let csv = dir.join("clips.csv");
    std::fs::write(
        &csv,
        "file,expected_label,basis,source\n\
         tfexamples_rpi_carving_ice.mp4,carving ice\n\
         mmaction2_demo_arm_wrestling.mp4,arm wrestling,visual\n\
         mmaction2_tests_data_test.mp4,cleaning pool,visual,somewhere,extra\n",
    )
    .unwrap();
    let clips = shared_dir().join("clips");
    let out = movinet(&[
        "eval",
        csv.to_str().unwrap(),
        "--clips-dir",
        clips.to_str().unwrap(),
        "--horizon",
        "all",
        "--json",
    ]);
    let v = &json_lines(&out)[0];
    assert_eq!(v["total"], 2, "{v}");
    assert_eq!(v["top1"], 2, "{v}");
    // A field past the header is still a comma too many.
    let bad = v["bad_rows"].as_array().unwrap();
    assert_eq!(bad.len(), 1, "{v}");
    assert_eq!(bad[0]["line"], 4);
    let help = movinet(&["eval", "--help"]);
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.contains("a row may leave out the columns after those two"),
        "{help}"
    );
}

#[test]
fn every_output_flag_says_how_several_inputs_name_their_files() {
    let help = movinet(&["classify", "--help"]);
    let help = String::from_utf8_lossy(&help.stdout);
    for flag in ["--plot", "--srt", "--vtt", "--annotate"] {
        // The flag's paragraph: from its line to the next blank line.
        let from = help
            .find(&format!("      {flag} <"))
            .unwrap_or_else(|| panic!("{flag} in {help}"));
        let paragraph = help[from..].split("\n\n").next().unwrap();
        assert!(
            paragraph.contains("the input's name") && paragraph.contains("several inputs"),
            "{paragraph}"
        );
    }
}

#[test]
fn a_folder_of_videos_says_how_to_classify_them() {
    let dir = scratch("videos");
    let videos = dir.join("videos");
    std::fs::create_dir(&videos).unwrap();
    for name in ["b.mp4", "a.mp4"] {
        std::fs::copy(clip("tfexamples_rpi_carving_ice.mp4"), videos.join(name)).unwrap();
    }
    let out = movinet(&["classify", videos.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("folder holds no images"), "{err}");
    assert!(
        err.contains("It holds 2 videos (a.mp4, b.mp4): give them as inputs, e.g. "),
        "{err}"
    );
    // And the help says what --fps means for a folder of images.
    let help = movinet(&["classify", "--help"]);
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.contains("A folder of images has no frame times: every image is fed"),
        "{help}"
    );
}

#[test]
fn a_clip_too_short_for_the_model_is_warned_about() {
    let dir = scratch("short");
    let short = dir.join("short.mp4");
    let image = dir.join("frame.png");
    let carving = clip("tfexamples_android_carving_ice.mp4");
    ffmpeg(&["-i", &carving, "-t", "0.3", "-an", short.to_str().unwrap()]);
    ffmpeg(&["-i", &carving, "-frames:v", "1", image.to_str().unwrap()]);
    let out = movinet(&[
        "classify",
        "--json",
        short.to_str().unwrap(),
        image.to_str().unwrap(),
        &carving,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v = json_lines(&out);
    assert_eq!(
        (v[0]["frames_fed"].as_u64(), v[1]["frames_fed"].as_u64()),
        (Some(2), Some(1))
    );
    let err = stderr(&out);
    let warnings: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("the model saw only"))
        .collect();
    assert_eq!(warnings.len(), 2, "{err}");
    assert!(
        warnings[0].contains("short.mp4: the model saw only 2 frames (5 fps)"),
        "{err}"
    );
    assert!(
        warnings[1].contains("frame.png: the model saw only 1 frame "),
        "{err}"
    );
    assert!(
        !err.contains("tfexamples_android_carving_ice.mp4: the model saw"),
        "{err}"
    );
}

#[test]
fn a_video_trimmed_without_reencoding_is_not_reported_incomplete() {
    // As a phone's gallery trims a video: the packets copied from the keyframe before the cut,
    // and an edit list that starts the video at the cut. The container lists every packet
    // (123), marks the 37 before the cut as not to be shown, and the decoder drops them: 86
    // frames are the whole video ("86 of 123 frames decoded" was a false alarm).
    let dir = scratch("trimmed");
    let trimmed = dir.join("trimmed.mp4").display().to_string();
    let arm = clip("mmaction2_demo_arm_wrestling.mp4");
    ffmpeg(&["-ss", "1.3", "-i", &arm, "-t", "3", "-c", "copy", &trimmed]);
    let out = movinet(&["classify", "--json", &trimmed]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v = &json_lines(&out)[0];
    assert_eq!(v["frames_decoded"], 86, "{v}");
    assert_eq!(v["frames_expected"], 86, "{v}");
    assert_eq!(v["decode_errors"], 0, "{v}");
    assert!(!stderr(&out).contains("frames decoded"), "{}", stderr(&out));
    // A truncated file is still reported.
    let bytes = std::fs::read(clip("tfexamples_android_carving_ice.mp4")).unwrap();
    let cut = dir.join("cut.mp4");
    std::fs::write(&cut, &bytes[..60_000]).unwrap();
    let out = movinet(&["classify", "--json", cut.to_str().unwrap()]);
    assert!(
        stderr(&out).contains("cut.mp4: 13 of 200 frames decoded"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn errors_name_the_flag_and_the_real_cause() {
    let carving = clip("tfexamples_rpi_carving_ice.mp4");
    let out = movinet(&["classify", "--threads", "0", &carving]);
    assert_eq!(
        usage_error(&out),
        "movinet: --threads 0: must be between 1 and 64, got 0"
    );
    let out = movinet(&["classify", "--horizon", "1e9", &carving]);
    assert_eq!(
        usage_error(&out),
        "movinet: --horizon 1e9: must be at most 3355443 s at 5 fps, got 1000000000 s"
    );
    let out = movinet(&["classify", "--labels", "nolabels.txt", &carving]);
    assert_eq!(
        usage_error(&out),
        "movinet: cannot read nolabels.txt: no such file"
    );
    // A negative number is the flag's value, not an input file (clap said `use '-- -1'`).
    for flag in ["--horizon", "--fps", "--top", "--threads"] {
        let out = movinet(&["classify", flag, "-1", &carving]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{flag}: {err}");
        assert!(!err.contains("-- -1"), "{flag}: {err}");
        assert!(err.contains(flag) && err.contains("-1"), "{flag}: {err}");
    }
    // A models folder that does not exist is named as the thing to fix.
    let out = Command::new(env!("CARGO_BIN_EXE_movinet"))
        .arg("models")
        .env("MOVINET_MODELS_DIR", "/nonexistent")
        .output()
        .unwrap();
    let err = stderr(&out);
    assert!(
        err.contains("/nonexistent (MOVINET_MODELS_DIR: no such folder)")
            && err.contains("check MOVINET_MODELS_DIR"),
        "{err}"
    );
    assert!(!err.contains("set MOVINET_MODELS_DIR"), "{err}");
    // Only the error: no table header over nothing.
    assert_eq!(out.status.code(), Some(2));
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// The clip's own stderr lines that are progress (`name  time  label score`).
fn progress_lines(err: &str, name: &str) -> usize {
    err.lines().filter(|l| l.starts_with(name)).count()
}

#[test]
fn progress_goes_to_stderr_only_when_asked_for() {
    let name = "tfexamples_rpi_carving_ice.mp4";
    let input = clip(name);
    // Text on a pipe: a line per second of video (the clip is 4.4 s).
    let out = movinet(&["classify", &input]);
    assert_eq!(progress_lines(&stderr(&out), name), 5, "{}", stderr(&out));
    // JSON is for a program: no progress; --quiet: nothing at all, notes included.
    let out = movinet(&["classify", "--json", &input]);
    assert_eq!(progress_lines(&stderr(&out), name), 0, "{}", stderr(&out));
    let dir = scratch("quiet");
    let srt = dir.join("x.srt");
    let out = movinet(&[
        "classify",
        "--quiet",
        "--srt",
        srt.to_str().unwrap(),
        &input,
    ]);
    assert!(out.status.success());
    assert_eq!(stderr(&out), "", "--quiet");
    assert!(srt.exists());
    // eval: one line per clip, not the live lines of its two runs of each.
    let csv = dir.join("clips.csv");
    std::fs::write(&csv, format!("file,expected_label\n{name},carving ice\n")).unwrap();
    let clips = shared_dir().join("clips");
    let eval = |extra: &[&str]| {
        let mut args = vec![
            "eval",
            csv.to_str().unwrap(),
            "--clips-dir",
            clips.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let out = movinet(&args);
        assert!(out.status.success(), "{}", stderr(&out));
        stderr(&out)
    };
    assert_eq!(eval(&[]), format!("movinet: eval: {name}\n"));
    assert_eq!(eval(&["--json"]), "");
    assert_eq!(eval(&["--quiet"]), "");
}

/// The JSON numbers: a horizon in seconds (`null` for all), times without float noise.
#[test]
fn json_numbers_read_as_written() {
    let input = clip("mmaction2_demo_arm_wrestling.mp4");
    let run = |extra: &[&str]| {
        let mut args = vec!["classify", "--json"];
        args.extend_from_slice(extra);
        args.push(&input);
        let out = movinet(&args);
        assert!(out.status.success(), "{}", stderr(&out));
        String::from_utf8(out.stdout).unwrap()
    };
    let text = run(&["--horizon", "1.3"]);
    let v: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
    assert_eq!(v["horizon"], 1.3);
    let all: serde_json::Value = serde_json::from_str(run(&["--horizon", "all"]).trim()).unwrap();
    assert!(all["horizon"].is_null(), "{all}");
    // Each number as printed: timings to the microsecond (3 decimals of ms), times to the
    // microsecond (6 decimals of s).
    let decimals = |key: &str| -> Vec<usize> {
        text.match_indices(&format!("\"{key}\":"))
            .map(|(i, m)| {
                let rest = &text[i + m.len()..];
                let num: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == '-' || *c == 'e')
                    .collect();
                num.split_once('.').map_or(0, |(_, d)| d.len())
            })
            .collect()
    };
    for key in ["preprocess_p50", "run_p50", "total_p50"] {
        let d = decimals(key);
        assert!(d.len() == 1 && d[0] <= 3, "{key}: {text}");
    }
    for key in ["start_s", "end_s"] {
        let d = decimals(key);
        assert!(!d.is_empty() && d.iter().all(|&n| n <= 6), "{key}: {text}");
    }
}
