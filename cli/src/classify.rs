//! `movinet classify`: each input streamed through a fresh classifier (with the apps' live
//! defaults: a 2 s horizon, action events), with a live line while it runs, then the top K at
//! the end of the clip and the timeline of action events (or JSON), and optionally a plot and
//! subtitles, and the video annotated. A bad input is reported in one line on stderr (and, with
//! `--json`, an object with its `error`) and the rest still run.

use std::path::{Path, PathBuf};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use movinet::{ActionSet, Category, Classifier, ClassifierOptions, Frame, Horizon, Timings};
use serde::Serialize;

use crate::chatter::{Chatter, Progress};
use crate::decode::Source;
use crate::load::{load, options, Loaded};
use crate::outputs::{self, Kind};
use crate::plot::{self, Trace};
use crate::timeline::{self, EventReport, Subtitles};
use crate::ModelArgs;

/// Fewer frames fed than this (1.2 s at the models' 5 fps) and the label is a guess: the
/// command warns. Measured on the 12 shared clips cut to their first N frames at 5 fps, the
/// top-1 matches the whole clip's on 3, 4, 5, 4, 5 of 12 for N = 1 to 5, and on 9, 9, 8, 8 for
/// N = 6, 8, 10, 15 (before 6, often with a confident score: 0.97 after one frame for a label
/// the whole clip does not give).
pub const MIN_FRAMES_FED: usize = 6;

/// Median times per frame, in milliseconds to the microsecond.
#[derive(Serialize)]
struct Timing {
    preprocess_p50: f64,
    run_p50: f64,
    total_p50: f64,
}

/// `x` rounded to `decimals` places, so that JSON shows `0.208` and not `0.20840799999999998`.
pub fn rounded(x: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (x * scale).round() / scale
}

/// How far back predictions look, in seconds, as `--json` reports it: `null` for all.
pub fn horizon_seconds(h: Horizon, fps: Option<f32>) -> Option<f64> {
    // Through the f32's shortest decimal, so that 1.3 stays 1.3 and not 1.2999999523162842.
    let shortest = |v: f32| v.to_string().parse::<f64>().unwrap_or(f64::from(v));
    match h {
        Horizon::All => None,
        Horizon::Seconds(s) => Some(shortest(s)),
        Horizon::Frames(n) => Some(rounded(
            f64::from(n) / f64::from(fps.unwrap_or(movinet::pacing::Pacer::DEFAULT_FPS)),
            6,
        )),
    }
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
    pub frames_decoded: usize,
    /// Frames the container lists to be shown (`null` when it does not say): samples it marks
    /// to be discarded, outside a trimmed video's edit list, are left out.
    frames_expected: Option<u64>,
    /// Unreadable packets, refused packets or frames, and frames decoded with errors.
    decode_errors: usize,
    frames_fed: usize,
    /// Clockwise degrees the frames were turned to stand upright (the file's display
    /// rotation; 0 with `--no-autorotate`).
    rotation: i32,
    /// How far back the predictions look, in seconds; `null` for all (every frame since the
    /// start, `--horizon all`).
    horizon: Option<f64>,
    /// The action-set file scored instead of the model's classes (`classify --actions`).
    #[serde(skip_serializing_if = "Option::is_none")]
    actions: Option<String>,
    /// The top classes at the end of the clip (over the horizon before it).
    pub top: Vec<Ranked>,
    /// The action events, in order.
    pub events: Vec<EventReport>,
    timing_ms: Timing,
    /// What failed after the clip was classified (an output file), if anything.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(skip)]
    pub probabilities: Vec<f32>,
    #[serde(skip)]
    pub trace: Trace,
    /// From the first frame's time to the end of the last one, seconds.
    #[serde(skip)]
    pub duration_s: f64,
}

/// What `classify --json` prints for an input that could not be classified.
#[derive(Serialize)]
struct FailedInput<'a> {
    input: String,
    error: &'a str,
}

fn p50(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Streams one input through a fresh classifier, showing the current label as `progress`
/// says.
pub fn classify_one(
    loaded: &Loaded,
    input: &Path,
    opts: &ClassifierOptions,
    top: usize,
    autorotate: bool,
    progress: Progress,
) -> Result<ClipReport, String> {
    classify_with(loaded, input, opts, top, autorotate, progress, None)
}

/// [`classify_one`], scoring an action set's actions instead of the model's classes when one
/// is given (with the file it came from).
pub fn classify_with(
    loaded: &Loaded,
    input: &Path,
    opts: &ClassifierOptions,
    top: usize,
    autorotate: bool,
    progress: Progress,
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
    let live = Live::new(&name, progress);
    let mut fed = 0usize;
    let mut rotation = movinet::frame::Rotation::Deg0;
    let (mut pre, mut run, mut total) = (Vec::new(), Vec::new(), Vec::new());
    let mut trace = Trace {
        times: Vec::new(),
        probabilities: Vec::new(),
    };
    let step = opts.model_fps.map(|f| 1.0 / f64::from(f)).unwrap_or(0.2);
    let mut events = Vec::new();
    // First and last frame times, and how many frames between them.
    let mut span: Option<(f64, f64, usize)> = None;
    for f in source.by_ref() {
        rotation = f.rotation;
        if let Some(t) = f.timestamp.map(|t| t.as_secs_f64()) {
            span = Some(span.map_or((t, t, 1), |(a, b, n)| (a.min(t), b.max(t), n + 1)));
        }
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
    if fed < MIN_FRAMES_FED {
        let rate = opts
            .model_fps
            .map_or("every frame".to_string(), |f| format!("{f} fps"));
        eprintln!(
            "movinet: warning: {name}: the model saw only {fed} frame{} ({rate}); a label from \
             fewer than {MIN_FRAMES_FED} frames (1.2 s at 5 fps) is a guess",
            if fed == 1 { "" } else { "s" }
        );
    }
    events.extend(clf.finish_event().as_ref().map(EventReport::from));
    let probabilities = clf.probabilities().to_vec();
    let ranked = movinet::postprocess::top_k(&probabilities, top, clf.labels());
    Ok(ClipReport {
        input: input.display().to_string(),
        model: loaded.file.display_name.clone(),
        state_bytes: loaded.model().spec().state_bytes(),
        frames_decoded: stats.frames_decoded,
        frames_expected: stats.frames_to_show(),
        decode_errors: stats.decode_errors,
        frames_fed: fed,
        rotation: rotation.degrees(),
        horizon: horizon_seconds(opts.horizon, opts.model_fps),
        actions: actions.map(|(_, path)| path.display().to_string()),
        top: ranked.iter().map(Ranked::from).collect(),
        events,
        timing_ms: Timing {
            preprocess_p50: rounded(p50(&mut pre), 3),
            run_p50: rounded(p50(&mut run), 3),
            total_p50: rounded(p50(&mut total), 3),
        },
        error: None,
        probabilities,
        trace,
        // The last frame lasts as long as the mean frame before it.
        duration_s: span.map_or(fed as f64 * step, |(first, last, n)| {
            last + if n > 1 {
                (last - first) / (n - 1) as f64
            } else {
                step
            }
        }),
    })
}

/// The line that shows the current top label while a clip runs: a spinner on a terminal,
/// else one line per second of video (or nothing: see [`Progress`]).
struct Live {
    bar: Option<ProgressBar>,
    lines: bool,
    name: String,
    last_second: std::cell::Cell<i64>,
}

impl Live {
    fn new(name: &str, progress: Progress) -> Self {
        let bar = (progress == Progress::Bar).then(|| {
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
            lines: progress == Progress::Lines,
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
        if let Some(b) = &self.bar {
            b.set_message(msg);
        } else if self.lines {
            let s = t.floor() as i64;
            if s != self.last_second.get() {
                self.last_second.set(s);
                eprintln!("{}  {msg}", self.name);
            }
        }
    }

    fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

/// The files `classify` writes beside its report.
pub struct OutputArgs<'a> {
    pub plot: Option<&'a Path>,
    pub srt: Option<&'a Path>,
    pub vtt: Option<&'a Path>,
    pub annotate: Option<&'a Path>,
}

#[allow(clippy::too_many_arguments)]
pub fn classify(
    inputs: &[PathBuf],
    args: &ModelArgs,
    models_dir: Option<&Path>,
    top: usize,
    json: bool,
    outputs: &OutputArgs<'_>,
    chatter: Chatter,
    actions: Option<&Path>,
) -> Result<bool, String> {
    // Usage errors first: nothing is loaded or decoded for a command that cannot finish.
    let opts = options(args, top)?;
    let asked: Vec<(Kind, &Path)> = [
        (Kind::Plot, outputs.plot),
        (Kind::Srt, outputs.srt),
        (Kind::Vtt, outputs.vtt),
        (Kind::Annotate, outputs.annotate),
    ]
    .into_iter()
    .filter_map(|(k, p)| p.map(|p| (k, p)))
    .collect();
    let plan = outputs::plan(inputs, &asked)?;
    if outputs.annotate.is_some() {
        if let Some(dir) = inputs.iter().find(|p| p.is_dir()) {
            return Err(format!(
                "--annotate: {} is a folder of images, which has no frame times to write a video with; give video files",
                dir.display()
            ));
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
    // What names the classes scored: the set's actions, or the model's labels.
    let labels = match &set {
        Some(s) => s.labels().ok(),
        None => loaded.labels.clone(),
    };
    let actions = set.as_ref().zip(actions);
    let mut all_ok = true;
    for (i, input) in inputs.iter().enumerate() {
        let mut report = match classify_with(
            &loaded,
            input,
            &opts,
            top,
            !args.no_autorotate,
            chatter.progress,
            actions,
        ) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("movinet: {e}");
                all_ok = false;
                if json {
                    let failed = FailedInput {
                        input: input.display().to_string(),
                        error: &e,
                    };
                    println!(
                        "{}",
                        serde_json::to_string(&failed).map_err(|e| e.to_string())?
                    );
                }
                continue;
            }
        };
        if !json {
            print_report(&report, args);
        }
        let mut errors = Vec::new();
        let mut written = |what: &str, result: Result<PathBuf, String>| match result {
            Ok(path) => chatter.note(&format!("{what} written to {}", path.display())),
            Err(e) => {
                eprintln!("movinet: {e}");
                errors.push(e);
            }
        };
        for (kind, format) in [(Kind::Srt, Subtitles::Srt), (Kind::Vtt, Subtitles::Vtt)] {
            if let Some(path) = plan.path(i, kind) {
                written("subtitles", format.write(path, &report.events));
            }
        }
        if let Some(path) = plan.path(i, Kind::Plot) {
            let classes = plot_classes(&report, labels.as_ref());
            let title = format!(
                "{} — MoViNet {} stream int8",
                input
                    .file_name()
                    .map(|n| n.to_string_lossy())
                    .unwrap_or_default(),
                loaded.file.display_name
            );
            written(
                "plot",
                plot::draw(path, &title, &report.trace, &classes, &report.events)
                    .map(|()| path.to_path_buf()),
            );
        }
        if let Some(path) = plan.path(i, Kind::Annotate) {
            written(
                "annotated video",
                crate::annotate::annotate(
                    input,
                    path,
                    &report,
                    labels.as_ref(),
                    chatter.progress == Progress::Bar,
                ),
            );
        }
        if !errors.is_empty() {
            all_ok = false;
            report.error = Some(errors.join("; "));
        }
        if json {
            println!(
                "{}",
                serde_json::to_string(&report).map_err(|e| e.to_string())?
            );
        }
    }
    Ok(all_ok)
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
    let horizon = r.horizon.map_or("all".to_string(), |s| format!("{s} s"));
    match &r.actions {
        Some(file) => println!(
            "  top actions of {file} at the end (horizon {horizon}; scores under the events' \
             start score are none of them):"
        ),
        None => println!("  top classes at the end (horizon {horizon}):"),
    }
    for (i, c) in r.top.iter().enumerate() {
        println!("  {}. {:<40} {:.3}", i + 1, c.label, c.score);
    }
    println!("  action events:");
    timeline::print(&r.events);
}
