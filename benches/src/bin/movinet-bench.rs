//! `movinet-bench`: frames per second, latency per stage and memory for every model it finds,
//! every thread count and two inputs (1280x720 NV21 camera frames made from a real clip, and
//! already-preprocessed frames), with the load-time int8 pass on (the default) and off, each
//! next to a bare LiteRT run of the unmodified file on the same tensors, all measured in
//! alternating blocks in one process. Then the preprocessing cost per pixel format. A markdown
//! table on stdout; `--json FILE` writes the figures.
//!
//! ```text
//! movinet-bench [--quick] [--threads 1,2,4] [--frames N] [--models-dir DIR] [--json FILE]
//!               [--frames-file FILE | --clip FILE] [--export-frames FILE] [--formats-only]
//! ```
//!
//! Each model and thread count is measured in a child process of its own, so that its memory
//! figures are its own: a process keeps the heap an earlier model freed and would show the
//! next model as costing nothing. Under an emulator, `MOVINET_BENCH_RUNNER` is the command
//! the children run under (e.g. `qemu-aarch64 -L /usr/aarch64-linux-gnu`).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use movinet::{CpuExtensions, Crop, Model, ModelOptions, Preprocessor, Timings};
use movinet_benches::bare::BareRun;
use movinet_benches::cache;
use movinet_benches::camera::{rgb_to_nv21, Nv21, RgbFrames};
use movinet_benches::formats::{self, FormatRow};
use movinet_benches::interleave::{
    interleave, BareRunner, CameraRunner, Runner, StageTimes, TensorRunner,
};
use movinet_benches::mem;
use movinet_benches::stats::Samples;
use serde::{Deserialize, Serialize};

struct Args {
    quick: bool,
    threads: Vec<usize>,
    frames: usize,
    models_dir: PathBuf,
    json: Option<PathBuf>,
    frames_file: Option<PathBuf>,
    clip: PathBuf,
    export_frames: Option<PathBuf>,
    /// Internal: measure only this model (`NAME=PATH`) and print its rows as JSON.
    one: Option<(String, PathBuf)>,
    /// Only the preprocessing-per-format table.
    formats_only: bool,
    /// Internal, with `--one`: print the peak RSS of the model loaded with the int8 pass off.
    rss_off: bool,
}

fn parse_args() -> Result<Args, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut a = Args {
        quick: false,
        threads: vec![1, 2, 4],
        frames: 1000,
        models_dir: std::env::var_os("MOVINET_MODELS_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("../shared/models")),
        json: None,
        frames_file: None,
        clip: root.join("../shared/clips/tfexamples_android_carving_ice.mp4"),
        export_frames: None,
        one: None,
        formats_only: false,
        rss_off: false,
    };
    let mut frames_set = false;
    let mut threads_set = false;
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--quick" => a.quick = true,
            "--threads" => {
                a.threads = value("--threads")?
                    .split(',')
                    .map(|t| {
                        t.trim()
                            .parse()
                            .map_err(|_| format!("bad thread count `{t}`"))
                    })
                    .collect::<Result<_, _>>()?;
                threads_set = true;
            }
            "--frames" => {
                a.frames = value("--frames")?
                    .parse()
                    .map_err(|_| "bad --frames".to_string())?;
                frames_set = true;
            }
            "--models-dir" => a.models_dir = value("--models-dir")?.into(),
            "--json" => a.json = Some(value("--json")?.into()),
            "--frames-file" => a.frames_file = Some(value("--frames-file")?.into()),
            "--clip" => a.clip = value("--clip")?.into(),
            "--export-frames" => a.export_frames = Some(value("--export-frames")?.into()),
            "--one" => {
                let v = value("--one")?;
                let (name, path) = v.split_once('=').ok_or("--one takes NAME=PATH")?;
                a.one = Some((name.to_string(), path.into()));
            }
            "--formats-only" => a.formats_only = true,
            "--rss-off" => a.rss_off = true,
            "--bench" => {} // passed by `cargo bench`
            "-h" | "--help" => {
                println!(
                    "{}",
                    include_str!("movinet-bench.rs")
                        .lines()
                        .take(11)
                        .map(|l| l.trim_start_matches("//!").trim_start_matches(' '))
                        .collect::<Vec<_>>()
                        .join("\n")
                );
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument `{other}` (see --help)")),
        }
    }
    if a.quick {
        if !frames_set {
            a.frames = 200;
        }
        if !threads_set {
            a.threads = vec![1];
        }
    }
    if a.frames == 0 || a.threads.is_empty() || a.threads.contains(&0) {
        return Err("--frames and every thread count must be positive".into());
    }
    Ok(a)
}

/// The models measured: the official files present, the fine-tuned one, and the synthetic
/// A1/A2 stand-ins when the official ones are absent.
fn find_models(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    for n in ["a0", "a1", "a2"] {
        let official = dir.join(format!("movinet_{n}_stream_int8.tflite"));
        let synthetic = dir
            .join("synthetic")
            .join(format!("movinet_{n}_stream_int8_synthetic.tflite"));
        if official.is_file() {
            out.push((format!("{} (official)", n.to_uppercase()), official));
        } else if synthetic.is_file() {
            out.push((format!("{} (synthetic)", n.to_uppercase()), synthetic));
        }
    }
    let custom = dir.join("custom/cattle7_a0_stream_int8.tflite");
    if custom.is_file() {
        out.push(("A0 fine-tuned, 7 classes".into(), custom));
    }
    out
}

#[derive(Serialize, Deserialize, Clone, Copy, Default)]
struct Percentiles {
    p50: f64,
    p90: f64,
    p99: f64,
}

impl Percentiles {
    fn of(d: &[Duration]) -> Self {
        let s = Samples::from_durations(d);
        Self {
            p50: s.percentile(50.0),
            p90: s.percentile(90.0),
            p99: s.percentile(99.0),
        }
    }
}

#[derive(Serialize, Deserialize)]
struct Row {
    model: String,
    input: String,
    threads: usize,
    frames: usize,
    load_ms: f64,
    end_to_end_ms: Percentiles,
    pacing_ms: Percentiles,
    preprocess_ms: Percentiles,
    run_ms: Percentiles,
    postprocess_ms: Percentiles,
    bare_run_ms: Percentiles,
    ratio_p50: f64,
    /// Preprocessing p50 over the bare run p50 (camera rows).
    preprocess_vs_bare: f64,
    /// Whether the load-time int8 pass was on (`ModelOptions::int8_io`).
    int8_io: bool,
    fps: f64,
    /// Peak RSS above the process's RSS just before the model was loaded, measured before
    /// anything else is: the model, the runtime's compiled form and arena, and a classifier
    /// streaming ten camera frames (for the int8 I/O off rows, in a process of its own).
    model_rss_mib: f64,
    /// Peak RSS of the whole measuring process, the harness's decoded frames included.
    peak_rss_mib: f64,
    state_bytes: usize,
}

#[derive(Serialize)]
struct Memory {
    model: String,
    rss_after_10_frames_mib: f64,
    rss_after_5000_frames_mib: f64,
    growth_kib: i64,
}

#[derive(Serialize)]
struct Report {
    machine: String,
    rows: Vec<Row>,
    memory: Option<Memory>,
    preprocess_formats: Vec<FormatRow>,
    /// One read from memory on this machine (`cache::latency_ns`), x86-64 only.
    memory_latency_ns: Option<f64>,
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_string());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    format!(
        "{cpu}, {cores} CPUs available, {} {}",
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}

fn column(samples: &[StageTimes], k: usize) -> Vec<Duration> {
    samples.iter().map(|s| s[k]).collect()
}

/// What is measured once per model, thread count and int8 I/O setting, shared by its rows.
struct Loaded<'a> {
    name: &'a str,
    threads: usize,
    int8_io: bool,
    load: Duration,
    state_bytes: usize,
    model_rss: u64,
    peak_rss: u64,
}

fn row(m: &Loaded, input: &str, samples: &[StageTimes], bare: &[StageTimes]) -> Row {
    let e2e = Percentiles::of(&column(samples, 0));
    let bare = Percentiles::of(&column(bare, 0));
    let preprocess = Percentiles::of(&column(samples, 2));
    let mean_ms = samples.iter().map(|s| Timings::ms(s[0])).sum::<f64>() / samples.len() as f64;
    Row {
        model: m.name.into(),
        input: input.into(),
        threads: m.threads,
        frames: samples.len(),
        load_ms: Timings::ms(m.load),
        end_to_end_ms: e2e,
        pacing_ms: Percentiles::of(&column(samples, 1)),
        preprocess_ms: preprocess,
        run_ms: Percentiles::of(&column(samples, 3)),
        postprocess_ms: Percentiles::of(&column(samples, 4)),
        bare_run_ms: bare,
        ratio_p50: e2e.p50 / bare.p50,
        preprocess_vs_bare: preprocess.p50 / bare.p50,
        int8_io: m.int8_io,
        fps: 1000.0 / mean_ms,
        model_rss_mib: mem::mib(m.model_rss),
        peak_rss_mib: mem::mib(m.peak_rss),
        state_bytes: m.state_bytes,
    }
}

/// RSS of one A0 session after 10 and after 5,000 frames (the camera frames, preprocessed
/// once up front).
fn memory_vs_length(path: &Path, frames: &[Nv21]) -> Result<Memory, String> {
    let model = Model::from_file(path, &ModelOptions::default()).map_err(|e| e.to_string())?;
    let mut pre =
        Preprocessor::for_model(model.spec(), Crop::CenterSquare).map_err(|e| e.to_string())?;
    let inputs = frames
        .iter()
        .map(|f| {
            let mut x = vec![0.0; pre.output_len()];
            pre.run(&f.frame()?, &mut x).map_err(|e| e.to_string())?;
            Ok(x)
        })
        .collect::<Result<Vec<_>, String>>()?;
    let mut session = model.new_session().map_err(|e| e.to_string())?;
    let mut after10 = 0;
    for i in 0..5000 {
        session
            .run(&inputs[i % inputs.len()])
            .map_err(|e| e.to_string())?;
        if i + 1 == 10 {
            after10 = mem::rss();
        }
    }
    let after5000 = mem::rss();
    Ok(Memory {
        model: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        rss_after_10_frames_mib: mem::mib(after10),
        rss_after_5000_frames_mib: mem::mib(after5000),
        growth_kib: (after5000 as i64 - after10 as i64) / 1024,
    })
}

fn print_table(report: &Report) {
    println!("## movinet-bench — {}\n", report.machine);
    println!("Rows of one model and thread count are measured in alternating blocks in one process; the bare run is LiteRT on the unmodified file.\n");
    println!("| model | input | thr | load ms | e2e p50 | p90 | p99 | pacing p50 | preproc p50 | run p50 | post p50 | bare run p50 | e2e/bare | preproc/bare | fps | model peak MiB | process peak MiB | state bytes |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for r in &report.rows {
        println!(
            "| {} | {} | {} | {:.0} | {:.3} | {:.3} | {:.3} | {:.4} | {:.3} | {:.3} | {:.4} | {:.3} | {:.3} | {:.3} | {:.0} | {:.1} | {:.1} | {} |",
            r.model, r.input, r.threads, r.load_ms, r.end_to_end_ms.p50, r.end_to_end_ms.p90, r.end_to_end_ms.p99,
            r.pacing_ms.p50, r.preprocess_ms.p50, r.run_ms.p50, r.postprocess_ms.p50, r.bare_run_ms.p50, r.ratio_p50,
            r.preprocess_vs_bare, r.fps, r.model_rss_mib, r.peak_rss_mib, r.state_bytes
        );
    }
    if !report.preprocess_formats.is_empty() {
        println!("\nPreprocessing by pixel format into 172x172 int8 (the A0 input), alternating blocks; frames from memory (12 cycled, each flushed from every cache level before it is read, as a camera's) and in cache (one repeated). A read floor row only reads one byte of each cache line that format's pass reads, and a fetch floor row only hints those lines into the cache with that pass's own hints (each its own loop; its / NV21 is over NV21's floor of the same kind).");
        if let Some(ns) = report.memory_latency_ns {
            println!("One read from memory takes {ns:.0} ns on this machine (a pointer chase through a flushed 4 MB buffer).");
        }
        println!();
        println!(
            "| format | size | from memory p50 ms | p90 ms | / NV21 | in cache p50 ms | / NV21 |"
        );
        println!("|---|---|---|---|---|---|---|");
        for r in &report.preprocess_formats {
            println!(
                "| {} | {}x{} | {:.4} | {:.4} | {:.2} | {:.4} | {:.2} |",
                r.format,
                r.width,
                r.height,
                r.p50_ms,
                r.p90_ms,
                r.vs_nv21,
                r.cached_p50_ms,
                r.cached_vs_nv21
            );
        }
        let kernels = CpuExtensions::detected();
        println!("\nWhat the SIMD kernels ({kernels:?}) buy: the portable pass's p50 over theirs, same frames, alternating blocks.\n");
        println!("| format | size | portable / {kernels:?} from memory | in cache |");
        println!("|---|---|---|---|");
        for r in &report.preprocess_formats {
            if let Some([memory, cached]) = r.vs_simd {
                let name = r.format.split(' ').next().unwrap_or_default();
                println!(
                    "| {name} | {}x{} | {memory:.2} | {cached:.2} |",
                    r.width, r.height
                );
            }
        }
    }
    if let Some(m) = &report.memory {
        println!(
            "\nMemory against stream length ({}, 1 thread): RSS {:.2} MiB after 10 frames, {:.2} MiB after 5,000 frames ({:+} KiB; the RSS includes the harness: frames, and its 32 MB cache-eviction buffer on x86-64).",
            m.model, m.rss_after_10_frames_mib, m.rss_after_5000_frames_mib, m.growth_kib
        );
    }
    println!(
        "Peak RSS of the harness process (decoded frames, the memory test): {:.1} MiB.",
        mem::mib(mem::peak_rss())
    );
}

fn load_frames(args: &Args) -> Result<RgbFrames, String> {
    match &args.frames_file {
        Some(f) => RgbFrames::load(f),
        None => RgbFrames::decode(&args.clip, 1280, 720, 30),
    }
}

fn to_nv21(rgb: &RgbFrames) -> Vec<Nv21> {
    rgb.frames
        .iter()
        .map(|f| rgb_to_nv21(f, rgb.width, rgb.height))
        .collect()
}

/// The frames file handed to the children, removed afterwards when this run wrote it.
struct TempFile {
    path: PathBuf,
    remove: bool,
}

impl TempFile {
    fn owned(path: PathBuf) -> Self {
        Self { path, remove: true }
    }
    fn borrowed(path: PathBuf) -> Self {
        Self {
            path,
            remove: false,
        }
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if self.remove {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Runs this program on one model and thread count in a child process and parses what it
/// prints: its rows, or with `rss_off` the peak RSS of the model with the int8 pass off.
fn run_child<T: serde::de::DeserializeOwned>(
    args: &Args,
    name: &str,
    path: &Path,
    threads: usize,
    frames_file: &Path,
    rss_off: bool,
) -> Result<T, String> {
    let exe = std::env::current_exe().map_err(|e| format!("own executable: {e}"))?;
    // Under an emulator (`qemu-aarch64 -L /usr/aarch64-linux-gnu` for an aarch64 build on an
    // x86-64 host), the children must run under it too: `MOVINET_BENCH_RUNNER` names it.
    let runner = std::env::var("MOVINET_BENCH_RUNNER").unwrap_or_default();
    let mut runner = runner.split_whitespace();
    let mut cmd = match runner.next() {
        Some(program) => {
            let mut c = std::process::Command::new(program);
            c.args(runner).arg(exe);
            c
        }
        None => std::process::Command::new(exe),
    };
    if rss_off {
        cmd.arg("--rss-off");
    }
    let out = cmd
        .arg("--one")
        .arg(format!("{name}={}", path.display()))
        .args(["--threads", &threads.to_string()])
        .args(["--frames", &args.frames.to_string()])
        .arg("--frames-file")
        .arg(frames_file)
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| format!("starting the measurement of {name}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "measuring {name} with {threads} thread(s) failed ({})",
            out.status
        ));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("rows of {name}: {e}"))
}

fn load(path: &Path, threads: usize, int8_io: bool) -> Result<Model, String> {
    // The other options at their defaults, whatever options later versions add.
    #[allow(clippy::needless_update)]
    let options = ModelOptions {
        threads,
        int8_io,
        ..ModelOptions::default()
    };
    Model::from_file(path, &options).map_err(|e| format!("{}: {e}", path.display()))
}

/// The peak RSS that loading the model and streaming a few camera frames adds to this
/// process, before anything else is loaded.
fn model_rss(path: &Path, threads: usize, int8_io: bool, nv21: &[Nv21]) -> Result<u64, String> {
    mem::reset_peak();
    let before = mem::rss();
    let model = load(path, threads, int8_io)?;
    let mut camera = CameraRunner::new(&model, nv21)?;
    for _ in 0..10 {
        camera.frame()?;
    }
    Ok(mem::peak_rss().saturating_sub(before))
}

/// Every row of one model at one thread count, in this process, in alternating blocks: the
/// camera path and the preprocessed path with the int8 pass on (the default) and off, and
/// the bare LiteRT run of the unmodified file on the same tensors.
fn measure_model(name: &str, path: &Path, args: &Args, nv21: &[Nv21]) -> Result<Vec<Row>, String> {
    let threads = args.threads.first().copied().unwrap_or(1);
    // The default model first, while nothing else is loaded: the RSS column is its own.
    let rss_on = model_rss(path, threads, true, nv21)?;
    let t0 = Instant::now();
    let model = load(path, threads, true)?;
    let load_on = t0.elapsed();
    let t0 = Instant::now();
    let plain = load(path, threads, false)?;
    let load_off = t0.elapsed();
    let mut camera = CameraRunner::new(&model, nv21)?;
    let inputs = camera.inputs()?;
    let mut tensors = TensorRunner::new(&model, &inputs)?;
    let mut camera_off = CameraRunner::new(&plain, nv21)?;
    let mut tensors_off = TensorRunner::new(&plain, &inputs)?;
    let mut bare = BareRunner::new(BareRun::new(path, threads), &inputs);
    let times = interleave(
        &mut [
            &mut camera,
            &mut tensors,
            &mut camera_off,
            &mut tensors_off,
            &mut bare,
        ],
        args.frames,
        20,
        10,
    )?;
    let loaded = |int8_io: bool, model: &Model, load, model_rss| Loaded {
        name,
        threads,
        int8_io,
        load,
        state_bytes: model.spec().state_bytes(),
        model_rss,
        peak_rss: mem::peak_rss(),
    };
    let on = loaded(true, &model, load_on, rss_on);
    // The pass-off model's RSS is measured by a process of its own (`--memory-only`).
    let off = loaded(false, &plain, load_off, 0);
    let bare = &times[4];
    Ok(vec![
        row(&on, "camera 1280x720 NV21", &times[0], bare),
        row(&on, "preprocessed", &times[1], bare),
        row(&off, "camera 1280x720 NV21, int8 I/O off", &times[2], bare),
        row(&off, "preprocessed, int8 I/O off", &times[3], bare),
    ])
}

fn main() {
    // The eviction buffer first, so that no RSS figure counts it as the model's.
    movinet_benches::cache::prepare();
    if let Err(e) = real_main() {
        eprintln!("movinet-bench: {e}");
        std::process::exit(2);
    }
}

fn real_main() -> Result<(), String> {
    let args = parse_args()?;
    if let Some((name, path)) = &args.one {
        let rgb = load_frames(&args)?;
        let nv21 = to_nv21(&rgb);
        drop(rgb);
        if args.rss_off {
            let threads = args.threads.first().copied().unwrap_or(1);
            println!("{}", model_rss(path, threads, false, &nv21)?);
            return Ok(());
        }
        let rows = measure_model(name, path, &args, &nv21)?;
        let text = serde_json::to_string(&rows).map_err(|e| e.to_string())?;
        println!("{text}");
        return Ok(());
    }
    let rgb = load_frames(&args)?;
    if let Some(out) = &args.export_frames {
        rgb.save(out)?;
        println!(
            "wrote {} frames of {}x{} to {}",
            rgb.frames.len(),
            rgb.width,
            rgb.height,
            out.display()
        );
        return Ok(());
    }
    if args.formats_only {
        let report = Report {
            machine: machine(),
            rows: Vec::new(),
            memory: None,
            preprocess_formats: formats::measure::<i8>(&rgb, 172, args.frames),
            memory_latency_ns: cache::latency_ns(),
        };
        print_table(&report);
        return Ok(());
    }
    let models = find_models(&args.models_dir);
    if models.is_empty() {
        return Err(format!("no models in {}", args.models_dir.display()));
    }
    // The children read the frames decoded here rather than each running FFmpeg.
    let frames_file = match &args.frames_file {
        Some(f) => TempFile::borrowed(f.clone()),
        None => {
            let f =
                std::env::temp_dir().join(format!("movinet-bench-{}.frames", std::process::id()));
            rgb.save(&f)?;
            TempFile::owned(f)
        }
    };
    let nv21 = to_nv21(&rgb);
    let preprocess_formats = formats::measure::<i8>(&rgb, 172, args.frames);
    drop(rgb);
    let mut rows = Vec::new();
    for (name, path) in &models {
        for &threads in &args.threads {
            eprintln!("{name}, {threads} thread(s)...");
            let mut model_rows: Vec<Row> =
                run_child(&args, name, path, threads, &frames_file.path, false)?;
            let rss_off: u64 = run_child(&args, name, path, threads, &frames_file.path, true)?;
            for r in model_rows.iter_mut().filter(|r| !r.int8_io) {
                r.model_rss_mib = mem::mib(rss_off);
            }
            rows.extend(model_rows);
        }
    }
    let memory = match models.first() {
        Some((_, path)) => Some(memory_vs_length(path, &nv21)?),
        None => None,
    };
    let report = Report {
        machine: machine(),
        rows,
        memory,
        preprocess_formats,
        memory_latency_ns: cache::latency_ns(),
    };
    print_table(&report);
    if let Some(out) = &args.json {
        let text = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
        std::fs::write(out, text).map_err(|e| format!("{}: {e}", out.display()))?;
        eprintln!("wrote {}", out.display());
    }
    Ok(())
}
