//! Custom actions from the command: `movinet enroll` (NAME=FILES and a CSV), `classify
//! --actions` (the top, the events in `--json`, subtitles, and nothing for another action),
//! `eval --actions` (leave-clips-out), and every error as one line with exit code 2, nothing
//! written: bad specs and names, a missing clip, a clip under a second, a folder as `--out`, a
//! missing, damaged or foreign action-set file.

use std::path::{Path, PathBuf};

use movinet_tests::fewshot::{fewshot_clips, FewshotClip};
use movinet_tests::{clip_path, models_dir};

mod common;
use common::{json_lines, movinet, stderr};

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("movinet-actions-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The `n` first clips of `class` in `fewshot.csv`, and the ones after them.
fn clips_of(class: &str, n: usize) -> (Vec<FewshotClip>, Vec<FewshotClip>) {
    let all: Vec<FewshotClip> = fewshot_clips()
        .into_iter()
        .filter(|c| c.class == class)
        .collect();
    let rest = all[n..].to_vec();
    (all[..n].to_vec(), rest)
}

fn spec(name: &str, clips: &[FewshotClip]) -> String {
    let files: Vec<String> = clips.iter().map(|c| c.path.display().to_string()).collect();
    format!("{name}={}", files.join(","))
}

/// `gym.actions` taught push-ups and jumping jacks from two clips each.
fn enroll(dir: &Path) -> PathBuf {
    let out = dir.join("gym.actions");
    let (push, _) = clips_of("pushup", 2);
    let (jack, _) = clips_of("jumping_jack", 2);
    let o = movinet(&[
        "enroll",
        "--json",
        "--out",
        out.to_str().unwrap(),
        &spec("push-up", &push),
        &spec("jumping jack", &jack),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let report = &json_lines(&o)[0];
    assert_eq!(report["actions"][0]["name"], "push-up");
    assert_eq!(report["actions"][1]["examples"], 2);
    assert_eq!(report["model"], "a0");
    assert_eq!(
        report["bytes"].as_u64(),
        Some(std::fs::metadata(&out).unwrap().len())
    );
    out
}

#[test]
fn enrolled_actions_are_classified_with_events_and_subtitles() {
    let dir = temp_dir("classify");
    let set = enroll(&dir);
    let (_, more_jacks) = clips_of("jumping_jack", 2);
    let clip = more_jacks.last().unwrap().path.display().to_string();
    let other = clip_path("tfexamples_android_carving_ice.mp4")
        .display()
        .to_string();
    let srt = dir.join("jacks.srt");
    let o = movinet(&[
        "classify",
        "--json",
        "--actions",
        set.to_str().unwrap(),
        "--srt",
        srt.to_str().unwrap(),
        &clip,
        &other,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let reports = json_lines(&o);
    let (jacks, carving) = (&reports[0], &reports[1]);
    assert_eq!(jacks["actions"], set.to_str().unwrap());
    assert_eq!(jacks["top"][0]["label"], "jumping jack", "{jacks}");
    assert!(jacks["top"][0]["score"].as_f64().unwrap() > 0.9, "{jacks}");
    let labels: Vec<&str> = jacks["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["jumping jack"], "{jacks}");
    // Another action: none of the enrolled ones, no event.
    assert!(
        carving["events"].as_array().unwrap().is_empty(),
        "{carving}"
    );
    assert!(
        carving["top"][0]["score"].as_f64().unwrap() < 0.1,
        "{carving}"
    );
    // The subtitles name the action (one file per input: the input's name appended), and
    // the other action's file has no cue.
    let cues = |input: &str| {
        let name = format!(
            "jacks-{}.srt",
            Path::new(input).file_stem().unwrap().to_string_lossy()
        );
        std::fs::read_to_string(dir.join(name)).expect("a subtitle file per input")
    };
    assert!(cues(&clip).contains("jumping jack"), "{}", cues(&clip));
    assert!(!cues(&other).contains("-->"), "{}", cues(&other));
    // The text report says what it scored.
    let o = movinet(&["classify", "--actions", set.to_str().unwrap(), &other]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("top actions of"), "{text}");
    assert!(text.contains("no action held long enough"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn eval_scores_each_clip_by_the_actions_of_the_others() {
    let dir = temp_dir("eval");
    let csv = dir.join("clips.csv");
    let mut text = String::from("class,file,notes\n");
    for class in ["pushup", "jumping_jack"] {
        for c in clips_of(class, 3).0 {
            text.push_str(&format!("{class},{},x\n", c.path.display()));
        }
    }
    text.push_str("pushup,\n");
    std::fs::write(&csv, text).unwrap();
    let o = movinet(&["eval", "--actions", "--json", csv.to_str().unwrap()]);
    // The malformed last row is reported and makes the exit code 2; the others are scored.
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("line 8"), "{}", stderr(&o));
    let r = &json_lines(&o)[0];
    assert_eq!(
        (r["total"].as_u64(), r["bad_rows"].as_u64()),
        (Some(6), Some(1))
    );
    // Measured: 6/6, each at a score of 0.97 or more.
    assert_eq!(r["top1"].as_u64(), Some(6), "{r}");
    assert!(r["top1_confident"].as_u64().unwrap() >= 5, "{r}");
    for c in r["clips"].as_array().unwrap() {
        assert_eq!(c["rank"], 1, "{c}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// One line on stderr, exit code 2.
fn fails(args: &[&str], want: &str) {
    let o = movinet(args);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
    assert!(err.contains(want), "{args:?}: {err}");
    assert!(o.stdout.is_empty(), "{args:?}");
}

#[test]
fn bad_enrollments_and_action_files_are_one_line_and_exit_2() {
    let dir = temp_dir("errors");
    let out = dir.join("x.actions");
    let o = out.to_str().unwrap();
    let (push, _) = clips_of("pushup", 1);
    let clip = push[0].path.display().to_string();
    fails(&["enroll", "--out", o], "nothing to enroll");
    fails(
        &["enroll", "--out", o, &clip],
        "give an action as NAME=FILE",
    );
    fails(&["enroll", "--out", o, "squat="], "no clip after `squat=`");
    fails(
        &["enroll", "--out", o, &format!(" squat={clip}")],
        "starts or ends with a space",
    );
    fails(
        &[
            "enroll",
            "--out",
            dir.to_str().unwrap(),
            &format!("a={clip}"),
        ],
        "is a folder",
    );
    // A missing clip and a clip under a second (two images): nothing is written.
    let images = dir.join("two-images");
    std::fs::create_dir_all(&images).unwrap();
    for k in 0..2 {
        let status = std::process::Command::new("ffmpeg")
            .args([
                "-v",
                "error",
                "-y",
                "-f",
                "lavfi",
                "-i",
                "color=c=gray:s=64x64",
                "-frames:v",
                "1",
            ])
            .arg(images.join(format!("{k}.png")))
            .status()
            .unwrap();
        assert!(status.success());
    }
    fails(
        &[
            "enroll",
            "--out",
            o,
            &format!("a={clip},{}/missing.mp4", dir.display()),
        ],
        "1 of 2 clips failed; nothing written",
    );
    fails(
        &["enroll", "--out", o, &format!("a={}", images.display())],
        "at least 1 s of video",
    );
    assert!(!out.exists());

    // Action-set files that cannot be used.
    let carving = clip_path("tfexamples_android_carving_ice.mp4")
        .display()
        .to_string();
    let missing = dir.join("missing.actions").display().to_string();
    fails(
        &["classify", "--actions", &missing, &carving],
        "missing.actions",
    );
    let garbage = dir.join("garbage.actions");
    std::fs::write(&garbage, b"not an action set at all").unwrap();
    fails(
        &["classify", "--actions", garbage.to_str().unwrap(), &carving],
        "not an action-set file",
    );
    let set = enroll(&dir);
    let mut cut = std::fs::read(&set).unwrap();
    cut.truncate(cut.len() / 2);
    let truncated = dir.join("cut.actions");
    std::fs::write(&truncated, cut).unwrap();
    fails(
        &[
            "classify",
            "--actions",
            truncated.to_str().unwrap(),
            &carving,
        ],
        "truncated or damaged",
    );
    let cattle = models_dir().join("custom/cattle7_a0_stream_int8.tflite");
    fails(
        &[
            "classify",
            "--model",
            cattle.to_str().unwrap(),
            "--actions",
            set.to_str().unwrap(),
            &carving,
        ],
        "made with another model",
    );
    fails(
        &["eval", "--actions", garbage.to_str().unwrap()],
        "need a `file` column",
    );
    // A FIFO where the CSV goes is refused, not read (a read would block), as eval refuses it.
    let fifo = dir.join("fifo.csv");
    let _ = std::fs::remove_file(&fifo);
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.unwrap().success());
    let fifo = fifo.to_str().unwrap();
    fails(&["eval", "--actions", fifo], "not a regular file (a FIFO");
    fails(
        &["enroll", "--out", o, "--csv", fifo],
        "not a regular file (a FIFO",
    );
    fails(
        &["eval", "--actions", dir.to_str().unwrap()],
        "a folder, not a CSV file",
    );
    fails(
        &["eval", "--actions", set.to_str().unwrap()],
        "is an action-set file, not a CSV of clips",
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// What a new user tripped on: a file whose name holds a comma (alone after its `NAME=`), the
/// same name given again, the same clip twice (a warning), and an `--out` that is one of the
/// clips, an existing file that is no action set, or in a folder that does not exist: refused
/// before anything is recorded, the file untouched.
#[test]
fn comma_names_repeated_actions_and_outputs_that_would_overwrite_a_clip() {
    let dir = temp_dir("awkward");
    let (push, _) = clips_of("pushup", 2);
    let comma = dir.join("push, up.mp4");
    std::fs::copy(&push[0].path, &comma).unwrap();
    let other = push[1].path.display().to_string();
    let out = dir.join("comma.actions");
    let o = movinet(&[
        "enroll",
        "--out",
        out.to_str().unwrap(),
        &format!("push-up={}", comma.display()),
        &format!("push-up={other},{other}"),
    ]);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("is given twice"), "{err}");
    let said = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        said.contains("1 action from 3 clips") && said.contains("push-up (3)"),
        "{said}"
    );

    let clip_bytes = std::fs::read(&comma).unwrap();
    for (out, want) in [
        (comma.clone(), "that is one of the clips"),
        (
            dir.join("notes.txt"),
            "exists and is not an action-set file",
        ),
        (dir.join("missing/x.actions"), "its folder does not exist"),
    ] {
        if want.starts_with("exists") {
            std::fs::write(&out, "keep me").unwrap();
        }
        let o = movinet(&[
            "enroll",
            "--out",
            out.to_str().unwrap(),
            &format!("push-up={}", comma.display()),
        ]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(want), "{err}");
        assert_eq!(err.lines().count(), 1, "nothing recorded first: {err}");
    }
    assert_eq!(std::fs::read(&comma).unwrap(), clip_bytes);
    assert_eq!(std::fs::read(dir.join("notes.txt")).unwrap(), b"keep me");
    // An action set is overwritten, as `--out` asks.
    let again = movinet(&[
        "enroll",
        "--out",
        out.to_str().unwrap(),
        &format!("push-up={other}"),
    ]);
    assert!(again.status.success(), "{}", stderr(&again));
    let _ = std::fs::remove_dir_all(&dir);
}
