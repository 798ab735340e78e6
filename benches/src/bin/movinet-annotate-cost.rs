//! `movinet-annotate-cost`: what `movinet classify --annotate` costs beside a plain `movinet
//! classify` of the same clip. Each round runs both commands (alternating which goes first),
//! so that whatever else the machine does hits them alike; each side's figure is its median
//! wall time over the rounds. Printed per clip: both times, their ratio, and the extra time
//! per decoded frame (the second decoding pass, the overlay, the RGB to YUV conversion and
//! libx264, which run on every frame, while the model sees 5 a second).
//!
//! ```text
//! movinet-annotate-cost [--clip FILE]... [--rounds N] [--movinet MOVINET]
//! ```
//!
//! Needs the command built (`cargo build --release -p movinet-cli`). Default clips: a 426x240
//! 30 fps clip and a 1920x1080 one from `../shared/clips`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use movinet_benches::stats::Samples;

struct Args {
    clips: Vec<PathBuf>,
    rounds: usize,
    movinet: PathBuf,
}

fn parse_args() -> Result<Args, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let exe = std::env::current_exe().map_err(|e| format!("own executable: {e}"))?;
    let mut a = Args {
        clips: Vec::new(),
        rounds: 5,
        movinet: exe.with_file_name("movinet"),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--clip" => a.clips.push(value("--clip")?.into()),
            "--rounds" => {
                a.rounds = value("--rounds")?
                    .parse()
                    .map_err(|_| "bad --rounds".to_string())?
            }
            "--movinet" => a.movinet = value("--movinet")?.into(),
            "--bench" => {} // passed by `cargo bench`
            "-h" | "--help" => {
                let doc = include_str!("movinet-annotate-cost.rs");
                for line in doc.lines().take_while(|l| l.starts_with("//!")) {
                    println!("{}", line.trim_start_matches("//!").trim_start_matches(' '));
                }
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument `{other}` (see --help)")),
        }
    }
    if a.clips.is_empty() {
        let clips = root.join("../shared/clips");
        a.clips = vec![
            clips.join("mmaction2_test_video_structuralize.mp4"),
            clips.join("mmaction2_demo_skeleton.mp4"),
        ];
    }
    if a.rounds == 0 {
        return Err("--rounds must be positive".into());
    }
    if !a.movinet.is_file() {
        return Err(format!(
            "{} not found: cargo build --release -p movinet-cli",
            a.movinet.display()
        ));
    }
    Ok(a)
}

/// Runs `movinet classify --quiet --json [--annotate OUT] CLIP`; returns its wall time in ms
/// and the frames it decoded.
fn run(movinet: &Path, clip: &Path, annotate: Option<&Path>) -> Result<(f64, u64), String> {
    let mut cmd = Command::new(movinet);
    cmd.args(["classify", "--quiet", "--json"]);
    if let Some(out) = annotate {
        cmd.arg("--annotate").arg(out);
    }
    cmd.arg(clip);
    let start = Instant::now();
    let out = cmd
        .output()
        .map_err(|e| format!("{}: {e}", movinet.display()))?;
    let ms = start.elapsed().as_secs_f64() * 1e3;
    if !out.status.success() {
        return Err(format!(
            "{cmd:?}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
    let frames = v["frames_decoded"].as_u64().ok_or("no frames_decoded")?;
    Ok((ms, frames))
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("movinet-annotate-cost: {e}");
            std::process::exit(2);
        }
    };
    let out =
        std::env::temp_dir().join(format!("movinet-annotate-cost-{}.mp4", std::process::id()));
    println!(
        "{:<42} {:>9} {:>7} {:>13} {:>13} {:>6} {:>14}",
        "clip", "size", "frames", "classify ms", "annotate ms", "ratio", "extra ms/frame"
    );
    for clip in &args.clips {
        let (mut plain, mut annotated, mut frames) = (Vec::new(), Vec::new(), 0);
        // One round of each first, not timed (file cache, CPU frequency).
        let warm = run(&args.movinet, clip, None).and(run(&args.movinet, clip, Some(&out)));
        if let Err(e) = warm {
            eprintln!("movinet-annotate-cost: {e}");
            std::process::exit(1);
        }
        for round in 0..args.rounds {
            let order: [Option<&Path>; 2] = if round % 2 == 0 {
                [None, Some(&out)]
            } else {
                [Some(&out), None]
            };
            for side in order {
                match run(&args.movinet, clip, side) {
                    Ok((ms, n)) => {
                        frames = n;
                        if side.is_some() {
                            annotated.push(ms);
                        } else {
                            plain.push(ms);
                        }
                    }
                    Err(e) => {
                        eprintln!("movinet-annotate-cost: {e}");
                        std::process::exit(1);
                    }
                }
            }
        }
        let size = Command::new("ffprobe")
            .args(["-v", "error", "-select_streams", "v:0"])
            .args(["-show_entries", "stream=width,height", "-of", "csv=s=x:p=0"])
            .arg(clip)
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default();
        let (p, a) = (
            Samples::new(plain).median(),
            Samples::new(annotated).median(),
        );
        let name = clip.file_name().unwrap_or_default().to_string_lossy();
        println!(
            "{:<42} {:>9} {:>7} {:>13.1} {:>13.1} {:>6.2} {:>14.2}",
            name,
            size,
            frames,
            p,
            a,
            a / p,
            (a - p) / frames.max(1) as f64
        );
    }
    let _ = std::fs::remove_file(&out);
}
