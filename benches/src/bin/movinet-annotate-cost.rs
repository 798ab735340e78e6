//! `movinet-annotate-cost`: what `movinet classify --annotate` costs beside a plain `movinet
//! classify` of the same clip. Each round runs both commands (alternating which goes first),
//! so that whatever else the machine does hits them alike; each side's figure is its median
//! over the rounds, of its wall time and of its CPU time (user + system, all threads: what
//! the work costs whatever else runs). Printed per clip: both times, their ratio, and the
//! extra time per decoded frame (the second decoding pass, the overlay, the RGB to YUV
//! conversion and libx264, which run on every frame, while the model sees 5 a second).
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

/// CPU time (user + system) of this process's children that have ended, in ms, from
/// `/proc/self/stat` (`cutime`, `cstime`, in the kernel's 100 ticks a second).
fn children_cpu_ms() -> Result<f64, String> {
    let stat = std::fs::read_to_string("/proc/self/stat").map_err(|e| e.to_string())?;
    // Fields after the command name (which may hold spaces) in parentheses.
    let rest = stat
        .rsplit_once(')')
        .map(|(_, r)| r)
        .ok_or("bad /proc/self/stat")?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // cutime and cstime are fields 16 and 17 of the whole line: 14 and 15 after the name.
    let tick = |i: usize| -> Result<f64, String> {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .ok_or_else(|| "bad /proc/self/stat".to_string())
    };
    Ok((tick(13)? + tick(14)?) * 10.0)
}

/// One run's wall and CPU time (ms) and the frames it decoded.
struct RunTimes {
    wall: f64,
    cpu: f64,
    frames: u64,
}

/// One of a run's times.
type Field = fn(&RunTimes) -> f64;

/// Runs `movinet classify --quiet --json [--annotate OUT] CLIP`.
fn run(movinet: &Path, clip: &Path, annotate: Option<&Path>) -> Result<RunTimes, String> {
    let mut cmd = Command::new(movinet);
    cmd.args(["classify", "--quiet", "--json"]);
    if let Some(out) = annotate {
        cmd.arg("--annotate").arg(out);
    }
    cmd.arg(clip);
    let cpu = children_cpu_ms()?;
    let start = Instant::now();
    let out = cmd
        .output()
        .map_err(|e| format!("{}: {e}", movinet.display()))?;
    let wall = start.elapsed().as_secs_f64() * 1e3;
    let cpu = children_cpu_ms()? - cpu;
    if !out.status.success() {
        return Err(format!(
            "{cmd:?}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
    let frames = v["frames_decoded"].as_u64().ok_or("no frames_decoded")?;
    Ok(RunTimes { wall, cpu, frames })
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
        "{:<40} {:>9} {:>6} {:>5} {:>12} {:>12} {:>6} {:>14}",
        "clip", "size", "frames", "time", "classify ms", "annotate ms", "ratio", "extra ms/frame"
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
                    Ok(t) => {
                        frames = t.frames;
                        if side.is_some() {
                            annotated.push(t);
                        } else {
                            plain.push(t);
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
        let name = clip.file_name().unwrap_or_default().to_string_lossy();
        let median =
            |runs: &[RunTimes], f: Field| Samples::new(runs.iter().map(f).collect()).median();
        let sides: [(&str, Field); 2] = [("wall", |t| t.wall), ("cpu", |t| t.cpu)];
        for (what, f) in sides {
            let (p, a) = (median(&plain, f), median(&annotated, f));
            println!(
                "{:<40} {:>9} {:>6} {:>5} {:>12.1} {:>12.1} {:>6.2} {:>14.2}",
                name,
                size,
                frames,
                what,
                p,
                a,
                a / p,
                (a - p) / frames.max(1) as f64
            );
        }
    }
    let _ = std::fs::remove_file(&out);
}
