//! `movinet classify --annotate`: a concatenation of shared clips (built by ffmpeg here, as in
//! `events.rs`; nothing is committed) written back with the live view drawn in. The output is
//! decoded and checked against the events the same run reports in `--json` (not a fixed list:
//! which transitional label wins by a hair may differ between machines): the same frames at the
//! same times, the action box changing on the frame each event starts and nowhere else but its
//! ends, and a subtitle track that reads back as the events.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use movinet_overlay::Layout;
use movinet_tests::live::{encode_concatenation, CONCATENATIONS};
use movinet_tests::{clip_path, duration, probe};
use serde_json::Value;

mod common;
use common::{json_lines, movinet, stderr};

/// Mean absolute difference (0-255) of the action box between consecutive frames: above this
/// it changed, below it is steady. Measured on this concatenation: 19.1 to 28.3 where the box
/// changes label, at most 3.1 elsewhere (x264's noise around it and at scene cuts).
const CHANGED: f64 = 8.0;

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("movinet-annotate-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(out.status.success(), "{cmd:?}: {}", stderr(&out));
    out
}

/// Every frame's pixels inside `r`, as ffmpeg decodes the file (RGB24).
fn region_frames(video: &Path, r: movinet_overlay::Rect) -> Vec<Vec<u8>> {
    let crop = format!("format=rgb24,crop={}:{}:{}:{}", r.width, r.height, r.x, r.y);
    let out = run(Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(video)
        .args(["-vf", &crop, "-fps_mode", "passthrough"])
        .args(["-f", "rawvideo", "-pix_fmt", "rgb24", "-"]));
    let size = r.width * r.height * 3;
    assert_eq!(out.stdout.len() % size, 0);
    out.stdout.chunks_exact(size).map(<[u8]>::to_vec).collect()
}

fn mean_abs_diff(a: &[u8], b: &[u8]) -> f64 {
    let sum: u64 = a
        .iter()
        .zip(b)
        .map(|(&x, &y)| u64::from(x.abs_diff(y)))
        .sum();
    sum as f64 / a.len() as f64
}

/// The subtitle track's cues: (start, end, text), from ffmpeg's SubRip rendering of it.
fn subtitle_cues(video: &Path) -> Vec<(f64, f64, String)> {
    let out = run(Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(video)
        .args(["-map", "0:s:0", "-f", "srt", "-"]));
    let text = String::from_utf8(out.stdout).unwrap();
    let time = |t: &str| {
        let (hms, ms) = t.trim().split_once(',').unwrap();
        let p: Vec<f64> = hms.split(':').map(|v| v.parse().unwrap()).collect();
        p[0] * 3600.0 + p[1] * 60.0 + p[2] + ms.parse::<f64>().unwrap() / 1000.0
    };
    text.replace('\r', "")
        .split("\n\n")
        .filter(|cue| !cue.trim().is_empty())
        .map(|cue| {
            let lines: Vec<&str> = cue.lines().collect();
            let (a, b) = lines[1].split_once("-->").unwrap();
            (time(a), time(b), lines[2..].join("\n"))
        })
        .collect()
}

fn seconds(v: &Value) -> f64 {
    v.as_f64().unwrap()
}

#[test]
fn an_annotated_concatenation_keeps_its_frames_and_shows_the_events() {
    let dir = temp_dir("concat");
    let video = dir.join("concat.mp4");
    encode_concatenation(CONCATENATIONS[0], &video, 18);
    let annotated = dir.join("annotated.mp4");
    let out = movinet(&[
        "classify",
        "--json",
        "--annotate",
        annotated.to_str().unwrap(),
        video.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = &json_lines(&out)[0];
    let events = report["events"].as_array().unwrap();
    // A video that changes action: without events after its start there would be nothing to
    // see change.
    assert!(events.len() >= 2, "{report}");

    // The same frames at the same times, the same size, nothing rotated.
    let (w, h, times_in) = probe(&video);
    let (w_out, h_out, times_out) = probe(&annotated);
    assert_eq!((w_out, h_out), (w, h));
    assert_eq!(times_out.len(), times_in.len(), "frame count");
    assert_eq!(
        times_in.len() as u64,
        report["frames_decoded"].as_u64().unwrap()
    );
    for (i, (a, b)) in times_in.iter().zip(&times_out).enumerate() {
        let (a, b) = (a.unwrap().as_secs_f64(), b.unwrap().as_secs_f64());
        assert!((a - b).abs() < 1e-6, "frame {i}: {a} s in, {b} s out");
    }
    let (d_in, d_out) = (
        duration(&video).as_secs_f64(),
        duration(&annotated).as_secs_f64(),
    );
    assert!((d_in - d_out).abs() < 0.002, "{d_in} s in, {d_out} s out");

    // The action box: changed on the frame each event starts (the first at or after its
    // start), and steady everywhere else except where an event ends.
    let boxes = region_frames(&annotated, Layout::new(w, h).action);
    assert_eq!(boxes.len(), times_in.len());
    let t: Vec<f64> = times_in.iter().map(|d| d.unwrap().as_secs_f64()).collect();
    let first_at = |s: f64| t.iter().position(|&x| x >= s - 5e-4).unwrap_or(t.len());
    let diff: Vec<f64> = boxes
        .windows(2)
        .map(|p| mean_abs_diff(&p[0], &p[1]))
        .collect();
    let mut changes = Vec::new();
    for e in events {
        let j = first_at(seconds(&e["start_s"]));
        assert!(j < t.len(), "{e}");
        changes.push(j);
        if j > 0 {
            // The largest change within one frame of the start (diff[k] is frame k to k + 1);
            // an event from the first frame has nothing before it to change from.
            let window = &diff[j.saturating_sub(2)..(j + 1).min(diff.len())];
            let most = window.iter().cloned().fold(0.0, f64::max);
            assert!(
                most > CHANGED,
                "event {e}: the action box changes by at most {most:.2} around frame {j} ({window:?})"
            );
        }
        let end = first_at(seconds(&e["end_s"]));
        if end < t.len() {
            changes.push(end);
        }
    }
    for (k, &d) in diff.iter().enumerate() {
        let near = changes.iter().any(|&j| (k + 2 >= j) && k <= j);
        assert!(
            near || d < CHANGED,
            "the action box changes by {d:.2} from frame {k} to {} ({:.3} s), where no event starts or ends",
            k + 1,
            t[k + 1]
        );
    }

    // The subtitle track: one cue per event, its label, at its times (the last one ending
    // with the video).
    let cues = subtitle_cues(&annotated);
    assert_eq!(cues.len(), events.len(), "{cues:?}");
    for (cue, e) in cues.iter().zip(events) {
        let end = seconds(&e["end_s"]).min(d_in);
        assert_eq!(cue.2, e["label"].as_str().unwrap());
        assert!(
            (cue.0 - seconds(&e["start_s"])).abs() < 0.002,
            "{cue:?} vs {e}"
        );
        assert!((cue.1 - end).abs() < 0.002, "{cue:?} vs {e}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Every frame's time, seconds.
fn times(video: &Path) -> Vec<f64> {
    probe(video)
        .2
        .iter()
        .map(|t| t.expect("a timestamp").as_secs_f64())
        .collect()
}

/// The display rotation ffprobe reads from the stream's side data (0 without one).
fn rotation(video: &Path) -> i64 {
    let out = run(Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v:0"])
        .args([
            "-show_entries",
            "stream_side_data=rotation",
            "-of",
            "csv=p=0",
        ])
        .arg(video));
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or(0)
}

/// The share of `r`'s pixels within 24 levels of the action box's background, in the first
/// frame after 1 s as a player shows it (turned upright).
fn dark_share(video: &Path, r: movinet_overlay::Rect) -> f64 {
    let crop = format!("format=rgb24,crop={}:{}:{}:{}", r.width, r.height, r.x, r.y);
    let out = run(Command::new("ffmpeg")
        .args(["-v", "error", "-ss", "1", "-i"])
        .arg(video)
        .args(["-vf", &crop, "-frames:v", "1"])
        .args(["-f", "rawvideo", "-pix_fmt", "rgb24", "-"]));
    let dark = out
        .stdout
        .chunks_exact(3)
        .filter(|p| p.iter().all(|&v| v.abs_diff(16) <= 24))
        .count();
    dark as f64 / (out.stdout.len() / 3) as f64
}

#[test]
fn a_rotated_video_and_an_odd_sized_gif_keep_their_geometry() {
    let dir = temp_dir("geometry");
    // As a phone stores a portrait recording: the pixels turned, and a tag to turn them back.
    let sideways = dir.join("sideways.mp4");
    let tagged = dir.join("tagged.mp4");
    let arm = clip_path("mmaction2_demo_arm_wrestling.mp4");
    run(Command::new("ffmpeg")
        .args(["-v", "error", "-nostdin", "-y", "-i"])
        .arg(&arm)
        .args(["-t", "3", "-vf", "transpose=clock", "-c:v", "libx264"])
        .args(["-qp", "0", "-preset", "ultrafast"])
        .arg(&sideways));
    run(Command::new("ffmpeg")
        .args(["-v", "error", "-nostdin", "-y", "-i"])
        .arg(&sideways)
        .args(["-c", "copy", "-metadata:s:v", "rotate=90"])
        .arg(&tagged));
    // 240x135: H.264 4:2:0 needs even sides.
    let gif = clip_path("paddlevideo_example_tennis_7.gif");
    let out_stem = dir.join("seen.mp4");
    let out = movinet(&[
        "classify",
        "--json",
        "--annotate",
        out_stem.to_str().unwrap(),
        tagged.to_str().unwrap(),
        gif.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let (tagged_out, gif_out) = (
        dir.join("seen-tagged.mp4"),
        dir.join("seen-paddlevideo_example_tennis_7.mp4"),
    );

    // The rotated video: the same stored frames, times and display rotation; the overlay
    // upright as a player shows the video.
    assert_eq!(rotation(&tagged), 90, "ffprobe's angle for the tag");
    assert_eq!(rotation(&tagged_out), rotation(&tagged));
    assert_eq!(probe(&tagged_out).0, probe(&tagged).0);
    assert_eq!(times(&tagged_out), times(&tagged));
    let (w, h) = (probe(&tagged).1, probe(&tagged).0); // shown upright: 340 wide
    let action = Layout::new(w, h).action;
    let (with, without) = (dark_share(&tagged_out, action), dark_share(&tagged, action));
    eprintln!("action box upright: {with:.2} of its pixels dark, {without:.2} before");
    assert!(with > 0.6 && without < 0.3, "{with:.2} vs {without:.2}");

    // The GIF: every frame at its time, one row added to make the height even.
    let (gw, gh, _) = probe(&gif);
    assert_eq!((gw, gh), (240, 135));
    let (ow, oh, _) = probe(&gif_out);
    assert_eq!((ow, oh), (240, 136));
    let (a, b) = (times(&gif), times(&gif_out));
    assert_eq!(a.len(), b.len());
    assert!(
        a.iter().zip(&b).all(|(x, y)| (x - y).abs() < 1e-6),
        "{a:?} vs {b:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
