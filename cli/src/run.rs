//! The three commands. Each input is processed on its own: a bad one is reported in one line
//! on stderr and the rest still run.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use movinet::classifier::{Classifier, ClassifierOptions};
use movinet::frame::Frame;
use movinet::preprocess::Crop;
use movinet::{Category, Labels, Model, ModelOptions};
use serde::Serialize;

use crate::decode::Source;
use crate::plot::{self, Trace};
use crate::quiet::Quiet;
use crate::resolve::{self, ModelFile};
use crate::{CropArg, ModelArgs};

/// A model ready to classify, with what the user should know about it.
struct Loaded {
    /// Always `Some` until dropped (see `Drop`).
    model: Option<Model>,
    labels: Option<Labels>,
    file: ModelFile,
}

impl Loaded {
    fn model(&self) -> &Model {
        self.model.as_ref().expect("model present until drop")
    }
}

impl Drop for Loaded {
    fn drop(&mut self) {
        // LiteRT logs when it frees the model: keep that off the user's stderr.
        let _quiet = Quiet::stderr();
        drop(self.model.take());
    }
}

fn load(args: &ModelArgs, models_dir: Option<&Path>) -> Result<Loaded, String> {
    let file = resolve::model(&args.model, models_dir)?;
    let options = ModelOptions {
        threads: args.threads,
    };
    let model = {
        let _quiet = Quiet::stderr();
        Model::from_file(&file.path, &options)
    }
    .map_err(|e| format!("{}: {e}", file.path.display()))?;
    if file.synthetic {
        eprintln!(
            "movinet: warning: using {} — random weights, for speed tests only: its labels mean nothing",
            file.path.display()
        );
    }
    let labels = resolve::labels(args.labels.as_deref(), &file, model.spec(), models_dir)?;
    if labels.is_none() {
        eprintln!(
            "movinet: warning: no labels file with {} lines found; printing class indices",
            model.spec().num_classes
        );
    }
    Ok(Loaded {
        model: Some(model),
        labels,
        file,
    })
}

fn options(args: &ModelArgs, top: usize) -> Result<ClassifierOptions, String> {
    let fps = match args.fps.as_str() {
        "all" => None,
        v => match v.parse::<f32>() {
            Ok(f) if f > 0.0 && f.is_finite() => Some(f),
            _ => return Err(format!("--fps takes a positive number or `all`, not `{v}`")),
        },
    };
    Ok(ClassifierOptions {
        top_k: top.max(1),
        fps,
        // Videos have exact timestamps: select frames on the reference's grid, no tolerance.
        pace_tolerance: 0.0,
        crop: match args.crop {
            CropArg::Center => Crop::CenterSquare,
            CropArg::Stretch => Crop::Stretch,
        },
        ..ClassifierOptions::default()
    })
}

#[derive(Serialize)]
struct Timing {
    preprocess_p50: f64,
    run_p50: f64,
    total_p50: f64,
}

#[derive(Serialize)]
struct Ranked {
    label: String,
    index: usize,
    score: f32,
}

impl From<&Category> for Ranked {
    fn from(c: &Category) -> Self {
        Self {
            label: c.label.clone(),
            index: c.index,
            score: c.score,
        }
    }
}

/// What `classify --json` prints for one input.
#[derive(Serialize)]
struct ClipReport {
    input: String,
    model: String,
    frames_decoded: usize,
    frames_fed: usize,
    top: Vec<Ranked>,
    timing_ms: Timing,
    #[serde(skip)]
    probabilities: Vec<f32>,
    #[serde(skip)]
    trace: Trace,
}

fn p50(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Streams one input through a fresh classifier.
fn classify_one(
    loaded: &Loaded,
    input: &Path,
    opts: &ClassifierOptions,
    top: usize,
) -> Result<ClipReport, String> {
    let source = Source::open(input).map_err(|e| e.to_string())?;
    let mut clf = Classifier::new(loaded.model(), loaded.labels.clone(), opts.clone())
        .map_err(|e| e.to_string())?;
    let name = input
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| input.display().to_string());
    let live = Live::new(&name);
    let (mut decoded, mut fed) = (0usize, 0usize);
    let (mut pre, mut run, mut total) = (Vec::new(), Vec::new(), Vec::new());
    let mut trace = Trace {
        times: Vec::new(),
        probabilities: Vec::new(),
    };
    let step = opts.fps.map(|f| 1.0 / f64::from(f)).unwrap_or(0.2);
    for frame in source {
        let f = frame.map_err(|e| e.to_string())?;
        decoded += 1;
        let mut view = Frame::rgb888(&f.rgb, f.width, f.height, f.width * 3)
            .map_err(|e| format!("{name}: {e}"))?;
        if let Some(t) = f.timestamp {
            view = view.with_timestamp(t);
        }
        let Some(pred) = clf.push(&view).map_err(|e| format!("{name}: {e}"))? else {
            continue;
        };
        fed += 1;
        pre.push(ms(pred.timings.preprocess));
        run.push(ms(pred.timings.run));
        total.push(ms(pred.timings.total));
        let t = f
            .timestamp
            .map(|t| t.as_secs_f64())
            .unwrap_or((fed - 1) as f64 * step);
        trace.times.push(t);
        trace.probabilities.push(clf.session().probabilities());
        if let Some(best) = pred.categories.first() {
            live.update(t, best);
        }
    }
    live.finish();
    if fed == 0 {
        return Err(format!("{name}: no frames decoded"));
    }
    let probabilities = clf.session().probabilities();
    let ranked = movinet::postprocess::top_k(&probabilities, top, loaded.labels.as_ref());
    Ok(ClipReport {
        input: input.display().to_string(),
        model: loaded.file.display_name.clone(),
        frames_decoded: decoded,
        frames_fed: fed,
        top: ranked.iter().map(Ranked::from).collect(),
        timing_ms: Timing {
            preprocess_p50: p50(&mut pre),
            run_p50: p50(&mut run),
            total_p50: p50(&mut total),
        },
        probabilities,
        trace,
    })
}

/// The line that shows the current top label while a clip runs: a spinner on a terminal,
/// else one line per second of video.
struct Live {
    bar: Option<ProgressBar>,
    name: String,
    last_second: std::cell::Cell<i64>,
}

impl Live {
    fn new(name: &str) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let b = ProgressBar::new_spinner();
            b.set_style(
                ProgressStyle::with_template("{spinner} {prefix} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            b.set_prefix(name.to_string());
            b.enable_steady_tick(Duration::from_millis(100));
            b
        });
        Self {
            bar,
            name: name.to_string(),
            last_second: std::cell::Cell::new(-1),
        }
    }

    fn update(&self, t: f64, best: &Category) {
        let msg = format!("{t:6.1}s  {} {:.2}", best.label, best.score);
        match &self.bar {
            Some(b) => b.set_message(msg),
            None => {
                let s = t.floor() as i64;
                if s != self.last_second.get() {
                    self.last_second.set(s);
                    eprintln!("{}  {msg}", self.name);
                }
            }
        }
    }

    fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

pub fn classify(
    inputs: &[PathBuf],
    args: &ModelArgs,
    models_dir: Option<&Path>,
    top: usize,
    plot_out: Option<&Path>,
    json: bool,
) -> Result<bool, String> {
    let loaded = load(args, models_dir)?;
    let opts = options(args, top)?;
    let mut all_ok = true;
    for input in inputs {
        match classify_one(&loaded, input, &opts, top) {
            Ok(report) => {
                if json {
                    println!(
                        "{}",
                        serde_json::to_string(&report).map_err(|e| e.to_string())?
                    );
                } else {
                    print_report(&report, args);
                }
                if let Some(out) = plot_out {
                    let out = plot_path(out, input, inputs.len() > 1);
                    let classes: Vec<(usize, String)> = movinet::postprocess::top_k(
                        &report.probabilities,
                        5,
                        loaded.labels.as_ref(),
                    )
                    .into_iter()
                    .map(|c| (c.index, c.label))
                    .collect();
                    let title = format!(
                        "{} — MoViNet {} stream int8",
                        input
                            .file_name()
                            .map(|n| n.to_string_lossy())
                            .unwrap_or_default(),
                        loaded.file.display_name
                    );
                    match plot::draw(&out, &title, &report.trace, &classes) {
                        Ok(()) => eprintln!("movinet: plot written to {}", out.display()),
                        Err(e) => {
                            eprintln!("movinet: {e}");
                            all_ok = false;
                        }
                    }
                }
            }
            Err(e) => {
                eprintln!("movinet: {e}");
                all_ok = false;
            }
        }
    }
    Ok(all_ok)
}

fn plot_path(out: &Path, input: &Path, several: bool) -> PathBuf {
    if !several {
        return out.to_path_buf();
    }
    let stem = out
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "plot".into());
    let clip = input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    out.with_file_name(format!("{stem}-{clip}.png"))
}

fn print_report(r: &ClipReport, args: &ModelArgs) {
    let fps = if args.fps == "all" {
        "every frame".to_string()
    } else {
        format!("{} fps", args.fps)
    };
    println!(
        "{}  ({}, {} of {} frames fed at {fps}; {:.2} ms/frame)",
        r.input, r.model, r.frames_fed, r.frames_decoded, r.timing_ms.total_p50
    );
    for (i, c) in r.top.iter().enumerate() {
        println!("  {}. {:<40} {:.3}", i + 1, c.label, c.score);
    }
}

#[derive(Serialize)]
struct EvalClip {
    file: String,
    expected: String,
    top1: Option<String>,
    top1_score: Option<f32>,
    /// 1-based rank of the expected label among all classes.
    rank: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[derive(Serialize)]
struct EvalReport {
    model: String,
    clips: Vec<EvalClip>,
    top1: usize,
    top5: usize,
    total: usize,
}

pub fn eval(
    csv_path: &Path,
    clips_dir: Option<&Path>,
    args: &ModelArgs,
    models_dir: Option<&Path>,
    json: bool,
) -> Result<bool, String> {
    let mut reader =
        csv::Reader::from_path(csv_path).map_err(|e| format!("{}: {e}", csv_path.display()))?;
    let headers = reader
        .headers()
        .map_err(|e| format!("{}: {e}", csv_path.display()))?
        .clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim() == name)
            .ok_or_else(|| {
                format!(
                    "{}: no `{name}` column (need file,expected_label)",
                    csv_path.display()
                )
            })
    };
    let (file_col, label_col) = (col("file")?, col("expected_label")?);
    let dir = clips_dir
        .map(Path::to_path_buf)
        .unwrap_or_else(|| csv_path.parent().map(Path::to_path_buf).unwrap_or_default());
    let loaded = load(args, models_dir)?;
    let labels = loaded
        .labels
        .as_ref()
        .ok_or("eval needs labels: pass --labels")?;
    let opts = options(args, 5)?;
    let mut clips = Vec::new();
    let mut all_ok = true;
    for row in reader.records() {
        let row = row.map_err(|e| format!("{}: {e}", csv_path.display()))?;
        let file = row.get(file_col).unwrap_or("").trim().to_string();
        let expected = row.get(label_col).unwrap_or("").trim().to_string();
        let expected_index = labels.index_of(&expected);
        if expected_index.is_none() {
            eprintln!("movinet: warning: {file}: expected label `{expected}` is not one of the model's classes");
        }
        match classify_one(&loaded, &dir.join(&file), &opts, 1) {
            Ok(r) => {
                let rank = expected_index.map(|e| {
                    let p = r.probabilities[e];
                    1 + r
                        .probabilities
                        .iter()
                        .enumerate()
                        .filter(|&(i, &q)| q > p || (q == p && i < e))
                        .count()
                });
                let top = r.top.first();
                clips.push(EvalClip {
                    file,
                    expected,
                    top1: top.map(|c| c.label.clone()),
                    top1_score: top.map(|c| c.score),
                    rank,
                    error: None,
                });
            }
            Err(e) => {
                eprintln!("movinet: {e}");
                all_ok = false;
                clips.push(EvalClip {
                    file,
                    expected,
                    top1: None,
                    top1_score: None,
                    rank: None,
                    error: Some(e),
                });
            }
        }
    }
    let top1 = clips.iter().filter(|c| c.rank == Some(1)).count();
    let top5 = clips
        .iter()
        .filter(|c| c.rank.is_some_and(|r| r <= 5))
        .count();
    let report = EvalReport {
        model: loaded.file.display_name.clone(),
        total: clips.len(),
        clips,
        top1,
        top5,
    };
    if json {
        println!(
            "{}",
            serde_json::to_string(&report).map_err(|e| e.to_string())?
        );
    } else {
        println!(
            "{:<45} {:<30} {:<30} {:>6} {:>5}",
            "clip", "expected", "top-1", "score", "rank"
        );
        for c in &report.clips {
            println!(
                "{:<45} {:<30} {:<30} {:>6} {:>5}",
                c.file,
                c.expected,
                c.top1.as_deref().unwrap_or("(error)"),
                c.top1_score.map(|s| format!("{s:.3}")).unwrap_or_default(),
                c.rank.map(|r| r.to_string()).unwrap_or_else(|| "-".into())
            );
        }
        println!(
            "top-1 {}/{}  top-5 {}/{}  ({})",
            report.top1, report.total, report.top5, report.total, report.model
        );
    }
    Ok(all_ok)
}

pub fn models(models_dir: Option<&Path>) -> Result<bool, String> {
    println!(
        "{:<50} {:>5} {:>7} {:>6} {:>12}  {:<16} path",
        "model", "res", "classes", "states", "state bytes", "signature"
    );
    let mut seen = std::collections::BTreeSet::new();
    let mut found = 0;
    for dir in resolve::search_dirs(models_dir) {
        let mut files = Vec::new();
        for d in [dir.clone(), dir.join("synthetic"), dir.join("custom")] {
            if let Ok(rd) = std::fs::read_dir(&d) {
                files.extend(
                    rd.flatten()
                        .map(|e| e.path())
                        .filter(|p| p.extension().is_some_and(|e| e == "tflite")),
                );
            }
        }
        files.sort();
        for path in files {
            let key = path.canonicalize().unwrap_or_else(|_| path.clone());
            if !seen.insert(key) {
                continue;
            }
            found += 1;
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let loaded = {
                let _quiet = Quiet::stderr();
                Model::from_file(&path, &ModelOptions::default())
            };
            match &loaded {
                Ok(m) => {
                    let s = m.spec();
                    println!(
                        "{:<50} {:>5} {:>7} {:>6} {:>12}  {:<16} {}",
                        name,
                        s.height,
                        s.num_classes,
                        s.states.len(),
                        s.state_bytes(),
                        s.signature_key,
                        path.display()
                    );
                }
                Err(e) => println!("{name:<50} (unusable: {e})  {}", path.display()),
            }
            let _quiet = Quiet::stderr();
            drop(loaded);
        }
    }
    if found == 0 {
        eprintln!("movinet: no models found; run models/fetch.sh or set MOVINET_MODELS_DIR");
        return Ok(false);
    }
    Ok(true)
}
