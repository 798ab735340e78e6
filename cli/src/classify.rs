//! `movinet classify`: each input streamed through a fresh classifier (with the apps' live
//! defaults: a 2 s horizon, action events), with a live line while it runs, then the top K at
//! the end of the clip and the timeline of action events (or JSON), and optionally a plot and
//! subtitles. A bad input is reported in one line on stderr and the rest still run.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use movinet::{ActionSet, Category, Classifier, ClassifierOptions, Frame, Timings};
use serde::Serialize;

use crate::decode::Source;
use crate::load::{load, options, Loaded};
use crate::plot::{self, Trace};
use crate::timeline::{self, EventReport, Subtitles};
use crate::ModelArgs;

#[derive(Serialize)]
struct Timing {
    preprocess_p50: f64,
    run_p50: f64,
    total_p50: f64,
}

#[derive(Serialize)]
pub struct Ranked {
    pub label: String,
    pub index: usize,
    pub score: f32,
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
pub struct ClipReport {
    input: String,
    model: String,
    /// Bytes of stream state carried between frames (A0: 684,000 with the int8 states,
    /// 2,696,832 with `--no-int8-io`).
    state_bytes: usize,
    frames_decoded: usize,
    /// Frames the container lists (`null` when it does not say).
    frames_expected: Option<u64>,
    /// Unreadable packets, refused packets or frames, and frames decoded with errors.
    decode_errors: usize,
    frames_fed: usize,
    /// Clockwise degrees the frames were turned to stand upright (the file's display
    /// rotation; 0 with `--no-autorotate`).
    rotation: i32,
    /// How far back the predictions look: `all` or seconds, e.g. `2 s`.
    horizon: String,
    /// The action-set file scored instead of the model's classes (`classify --actions`).
    #[serde(skip_serializing_if = "Option::is_none")]
    actions: Option<String>,
    /// The top classes at the end of the clip (over the horizon before it).
    pub top: Vec<Ranked>,
    /// The action events, in order.
    pub events: Vec<EventReport>,
    timing_ms: Timing,
    #[serde(skip)]
    pub probabilities: Vec<f32>,
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

/// Streams one input through a fresh classifier.
pub fn classify_one(
    loaded: &Loaded,
    input: &Path,
    opts: &ClassifierOptions,
    top: usize,
    autorotate: bool,
) -> Result<ClipReport, String> {
    classify_with(loaded, input, opts, top, autorotate, None)
}

/// [`classify_one`], scoring an action set's actions instead of the model's classes when one
/// is given (with the file it came from).
pub fn classify_with(
    loaded: &Loaded,
    input: &Path,
    opts: &ClassifierOptions,
    top: usize,
    autorotate: bool,
    actions: Option<(&ActionSet, &Path)>,
) -> Result<ClipReport, String> {
    let mut source = Source::open(input, autorotate).map_err(|e| e.to_string())?;
    let mut clf = Classifier::new(loaded.model(), loaded.labels.clone(), opts.clone())
        .map_err(|e| e.to_string())?;
    if let Some((set, _)) = actions {
        clf.set_actions(Some(set.clone()))
            .map_err(|e| e.to_string())?;
    }
    let name = input
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| input.display().to_string());
    let live = Live::new(&name);
    let mut fed = 0usize;
    let mut rotation = movinet::frame::Rotation::Deg0;
    let (mut pre, mut run, mut total) = (Vec::new(), Vec::new(), Vec::new());
    let mut trace = Trace {
        times: Vec::new(),
        probabilities: Vec::new(),
    };
    let step = opts.model_fps.map(|f| 1.0 / f64::from(f)).unwrap_or(0.2);
    let mut events = Vec::new();
    for f in source.by_ref() {
        rotation = f.rotation;
        let mut view = Frame::rgb888(&f.rgb, f.width, f.height, f.width * 3)
            .map_err(|e| format!("{name}: {e}"))?
            .with_rotation(f.rotation);
        if let Some(t) = f.timestamp {
            view = view.with_timestamp(t);
        }
        let Some(pred) = clf.push(&view).map_err(|e| format!("{name}: {e}"))? else {
            continue;
        };
        fed += 1;
        pre.push(Timings::ms(pred.timings.preprocess));
        run.push(Timings::ms(pred.timings.inference));
        total.push(Timings::ms(pred.timings.total));
        let t = f
            .timestamp
            .map(|t| t.as_secs_f64())
            .unwrap_or((fed - 1) as f64 * step);
        trace.times.push(t);
        trace.probabilities.push(clf.probabilities().to_vec());
        events.extend(pred.events.iter().filter_map(|c| match c {
            movinet::EventChange::Ended(e) => Some(EventReport::from(e)),
            movinet::EventChange::Started(_) => None,
        }));
        if let Some(best) = pred.categories.first() {
            // An action set's actions all score low on what shows none of them.
            let none = actions.is_some() && best.score < opts.events.min_score;
            live.update(t, best, none);
        }
    }
    live.finish();
    let stats = source.stats();
    if fed == 0 {
        return Err(format!("{name}: no frames decoded ({})", stats.summary()));
    }
    if stats.incomplete() {
        eprintln!("movinet: warning: {name}: {}", stats.summary());
    }
    events.extend(clf.finish_event().as_ref().map(EventReport::from));
    let probabilities = clf.probabilities().to_vec();
    let ranked = movinet::postprocess::top_k(&probabilities, top, clf.labels());
    Ok(ClipReport {
        input: input.display().to_string(),
        model: loaded.file.display_name.clone(),
        state_bytes: loaded.model().spec().state_bytes(),
        frames_decoded: stats.frames_decoded,
        frames_expected: stats.frames_expected,
        decode_errors: stats.decode_errors,
        frames_fed: fed,
        rotation: rotation.degrees(),
        horizon: opts.horizon.to_string(),
        actions: actions.map(|(_, path)| path.display().to_string()),
        top: ranked.iter().map(Ranked::from).collect(),
        events,
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

    fn update(&self, t: f64, best: &Category, none: bool) {
        let msg = if none {
            format!("{t:6.1}s  (none of the actions)")
        } else {
            format!("{t:6.1}s  {} {:.2}", best.label, best.score)
        };
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

#[allow(clippy::too_many_arguments)]
pub fn classify(
    inputs: &[PathBuf],
    args: &ModelArgs,
    models_dir: Option<&Path>,
    top: usize,
    plot_out: Option<&Path>,
    json: bool,
    subtitles: &[(Subtitles, Option<&Path>)],
    actions: Option<&Path>,
) -> Result<bool, String> {
    // Usage errors first: nothing is loaded or decoded for a command that cannot finish.
    let opts = options(args, top)?;
    if let Some(out) = plot_out {
        for input in inputs {
            check_writable(&plot_path(out, input, inputs.len() > 1))?;
        }
    }
    let loaded = load(args, models_dir)?;
    let set = match actions {
        Some(path) => Some(ActionSet::load(path, loaded.model()).map_err(|e| match e {
            movinet::Error::InvalidActionSet(_) | movinet::Error::Io { .. } => e.to_string(),
            other => format!("{}: {other}", path.display()),
        })?),
        None => None,
    };
    let actions = set.as_ref().zip(actions);
    let mut all_ok = true;
    for input in inputs {
        match classify_with(&loaded, input, &opts, top, !args.no_autorotate, actions) {
            Ok(report) => {
                if json {
                    println!(
                        "{}",
                        serde_json::to_string(&report).map_err(|e| e.to_string())?
                    );
                } else {
                    print_report(&report, args);
                }
                for (format, out) in subtitles {
                    let Some(out) = out else { continue };
                    match format.write(out, input, inputs.len() > 1, &report.events) {
                        Ok(path) => eprintln!("movinet: subtitles written to {}", path.display()),
                        Err(e) => {
                            eprintln!("movinet: {e}");
                            all_ok = false;
                        }
                    }
                }
                if let Some(out) = plot_out {
                    let out = plot_path(out, input, inputs.len() > 1);
                    let labels = match &set {
                        Some(s) => s.labels().ok(),
                        None => loaded.labels.clone(),
                    };
                    let classes = plot_classes(&report, labels.as_ref());
                    let title = format!(
                        "{} — MoViNet {} stream int8",
                        input
                            .file_name()
                            .map(|n| n.to_string_lossy())
                            .unwrap_or_default(),
                        loaded.file.display_name
                    );
                    match plot::draw(&out, &title, &report.trace, &classes, &report.events) {
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

/// Fails unless a PNG can be written at `out`, without changing what is there: an existing
/// file is opened for writing (not truncated), a new one is created and removed again.
fn check_writable(out: &Path) -> Result<(), String> {
    let bad = |why: &dyn std::fmt::Display| format!("--plot {}: {why}", out.display());
    if !out
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("png"))
    {
        return Err(bad(&"the plot is a PNG: give a file name ending in .png"));
    }
    match std::fs::metadata(out) {
        Ok(m) if !m.is_file() => Err(bad(&"exists and is not a regular file")),
        Ok(_) => std::fs::OpenOptions::new()
            .write(true)
            .open(out)
            .map(drop)
            .map_err(|e| bad(&e)),
        Err(_) => std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(out)
            .and_then(|_| std::fs::remove_file(out))
            .map_err(|e| bad(&e)),
    }
}

/// The classes a plot draws: every event's class (in order of first appearance), then the
/// classes with the highest probability at any time, up to five in all.
fn plot_classes(report: &ClipReport, labels: Option<&movinet::Labels>) -> Vec<(usize, String)> {
    let mut classes: Vec<(usize, String)> = Vec::new();
    for e in &report.events {
        if !classes.iter().any(|(i, _)| *i == e.index) {
            classes.push((e.index, e.label.clone()));
        }
    }
    let n = report.probabilities.len();
    let mut peak = vec![0.0f32; n];
    for p in &report.trace.probabilities {
        for (m, &v) in peak.iter_mut().zip(p) {
            *m = m.max(v);
        }
    }
    for c in movinet::postprocess::top_k(&peak, n, labels) {
        if classes.len() >= 5 {
            break;
        }
        if !classes.iter().any(|(i, _)| *i == c.index) {
            classes.push((c.index, c.label));
        }
    }
    classes
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
    match &r.actions {
        Some(file) => println!(
            "  top actions of {file} at the end (horizon {}; below 0.5 is none of them):",
            r.horizon
        ),
        None => println!("  top classes at the end (horizon {}):", r.horizon),
    }
    for (i, c) in r.top.iter().enumerate() {
        println!("  {}. {:<40} {:.3}", i + 1, c.label, c.score);
    }
    println!("  action events:");
    timeline::print(&r.events);
}
