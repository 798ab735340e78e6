//! `movinet-profile`: LiteRT's own per-operator profile of a model file (its runtime option
//! `enable_profiling` and the profile summary of LiteRT 2.1.4's C API): the time each kind of
//! operator takes per frame, and whether XNNPACK runs it (`Delegate/...`, XNNPACK's operator
//! names) or LiteRT's builtin kernels do (TFLite operator names).
//!
//! ```text
//! movinet-profile [MODEL] [--int8-io] [--frames N] [--threads N] [--raw]
//! ```
//!
//! MODEL defaults to the official A0 in `$MOVINET_MODELS_DIR` (else `../shared/models`);
//! `--int8-io` profiles it as the SDK runs it by default (after the load-time int8 pass).
//! Each frame is profiled on a freshly compiled model (LiteRT's tables add up over a model's
//! life and its profile buffer fills after a few frames), and the table gives each kind's
//! median over the frames, so that a frame the machine interrupted does not skew it. `--raw`
//! prints LiteRT's summary of the last frame as well.

use std::path::{Path, PathBuf};

use movinet_benches::bare::BareRun;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut model = std::env::var_os("MOVINET_MODELS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared/models"))
        .join("movinet_a0_stream_int8.tflite");
    let (mut frames, mut threads, mut raw, mut int8_io) = (30usize, 1usize, false, false);
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut number = |name: &str| {
            it.next()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| fail(&format!("{name} needs a number")))
        };
        match arg.as_str() {
            "--frames" => frames = number("--frames"),
            "--threads" => threads = number("--threads"),
            "--raw" => raw = true,
            "--int8-io" => int8_io = true,
            "-h" | "--help" => {
                for line in include_str!("movinet-profile.rs").lines().take(16) {
                    println!("{}", line.trim_start_matches("//!").trim_start_matches(' '));
                }
                return;
            }
            other if !other.starts_with("--") => model = PathBuf::from(other),
            other => fail(&format!("unknown argument `{other}`")),
        }
    }
    let bytes =
        std::fs::read(&model).unwrap_or_else(|e| fail(&format!("{}: {e}", model.display())));
    let bytes = if int8_io {
        movinet::tooling::int8_io_bytes(&bytes).unwrap_or_else(|e| fail(&e.to_string()))
    } else {
        bytes
    };
    // (name, µs in each profiled frame, how many run per frame)
    let mut kinds: Vec<(String, Vec<f64>, f64)> = Vec::new();
    let mut totals = Vec::new();
    let mut last = String::new();
    for _ in 0..frames.max(1) {
        // A fresh compiled model for each profiled frame: LiteRT's tables add up over the
        // model's lifetime and its profile buffer fills after a few frames.
        let mut bare = BareRun::profiled_bytes(bytes.clone(), threads);
        // A mid-grey frame: the cost of these int8 kernels does not depend on the values.
        let frame = vec![0.5f32; bare.image_len()];
        for _ in 0..20 {
            bare.run(&frame);
        }
        last = bare.profile(&frame, 1);
        let parsed = parse(&last);
        totals.push(parsed.iter().map(|k| k.1).sum::<f64>());
        for (name, us, count) in parsed {
            match kinds.iter_mut().find(|k| k.0 == name) {
                Some(k) => k.1.push(us),
                None => kinds.push((name, vec![us], count)),
            }
        }
    }
    let total = median(&mut totals);
    let mut rows: Vec<(String, f64, f64)> = kinds
        .into_iter()
        .map(|(name, mut us, count)| {
            us.resize(frames.max(1), 0.0);
            (name, median(&mut us), count)
        })
        .collect();
    rows.sort_by(|a, b| b.1.total_cmp(&a.1));
    println!(
        "# {}{} — {threads} thread(s), medians of {} frames profiled one by one\n",
        model.display(),
        if int8_io {
            " after the int8 I/O pass"
        } else {
            ""
        },
        frames.max(1)
    );
    println!("| operator | runs in | per frame | µs per frame (median) | share |");
    println!("|---|---|---|---|---|");
    for (name, us, count) in &rows {
        let (kind, by) = match name.strip_prefix("Delegate/") {
            Some(k) => (k, "XNNPACK"),
            None => (name.as_str(), "LiteRT builtin"),
        };
        println!(
            "| {kind} | {by} | {count} | {us:.1} | {:.1}% |",
            100.0 * us / total
        );
    }
    println!("\nMedian profiled time per frame: {total:.0} µs.");
    if raw {
        println!("\n{last}");
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

/// (name, µs, operators of that kind) of one profiled frame from LiteRT's summary: the
/// "Summary by node type" table (operators LiteRT runs itself: an average per operator) and
/// the "Delegate Statistics" table (XNNPACK's operators: totals).
fn parse(summary: &str) -> Vec<(String, f64, f64)> {
    let mut out = Vec::new();
    let mut section = "";
    for line in summary.lines() {
        if line.contains("Summary by node type") {
            section = "nodes";
            continue;
        }
        if line.starts_with("Delegate Statistics") {
            section = "delegate";
            continue;
        }
        if line.starts_with("Timings") {
            section = "";
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        let number = |s: &str| s.trim_end_matches('%').parse::<f64>().ok();
        match section {
            // [Node type] [count] [avg ms] [avg %] [cdf %] [mem KB] [times called]
            "nodes" if fields.len() == 7 && number(fields[1]).is_some() => {
                let (count, avg_ms) = (
                    number(fields[1]).unwrap_or(0.0),
                    number(fields[2]).unwrap_or(0.0),
                );
                out.push((fields[0].to_string(), avg_ms * 1000.0 * count, count));
            }
            // Op Name ... Count Avg(us) Min(us) Max(us) Total(us)
            "delegate" if fields.len() > 5 && line.starts_with("Delegate/") => {
                let n = fields.len();
                if let (Some(count), Some(total)) = (number(fields[n - 5]), number(fields[n - 1])) {
                    out.push((fields[..n - 5].join(" "), total, count));
                }
            }
            _ => {}
        }
    }
    out
}

fn fail(message: &str) -> ! {
    eprintln!("movinet-profile: {message}");
    std::process::exit(2);
}
