//! `movinet`: classify videos with MoViNet stream models, evaluate accuracy on a labelled
//! folder, list the models it can find.
//!
//! Exit codes: 0 all inputs processed, 2 a usage error or any input that failed (the others
//! are still processed), 1 anything unexpected.

mod annotate;
mod chatter;
mod check;
mod classify;
mod decode;
mod enroll;
mod eval;
mod eval_actions;
mod load;
mod models;
mod outputs;
mod plot;
mod quiet;
mod resolve;
mod timeline;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(
    name = "movinet",
    version,
    about = "On-device video action recognition with MoViNet stream models"
)]
struct Cli {
    /// Folder searched first for named models (then $MOVINET_MODELS_DIR, then the repo's models/).
    #[arg(long, global = true, value_name = "DIR")]
    models_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Classify videos, GIFs or folders of images and print the top classes.
    Classify(ClassifyArgs),
    /// Accuracy over a labelled folder of clips (CSV with `file` and `expected_label` columns);
    /// with `--actions`, of custom actions taught from the folder's own clips, leave-clips-out.
    Eval(EvalArgs),
    /// Teach custom actions from a few clips each and save them as an action-set file for
    /// `classify --actions` (and the SDK's `ActionSet`).
    Enroll(EnrollArgs),
    /// The models found, with resolution, classes and state bytes.
    Models,
    /// Verify model files and load each in a separate process with a few frames: run it in
    /// your build on the models you ship. Exit 2 if any fails.
    Check(CheckArgs),
    /// Loads one model and runs frames, reporting as JSON (what `check` and `models` run in a
    /// child process, so that a model that crashes LiteRT cannot take them down).
    #[command(name = "__load", hide = true)]
    Load(LoadArgs),
}

#[derive(Args)]
struct CheckArgs {
    /// Model files (or a0, a1, a2).
    #[arg(required = true, value_name = "MODEL")]
    models: Vec<String>,
    /// Labels file to check against the models (else one found beside each model).
    #[arg(long, value_name = "PATH")]
    labels: Option<PathBuf>,
    /// Frames run after each load.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..))]
    frames: u16,
}

#[derive(Args)]
struct LoadArgs {
    model: PathBuf,
    #[arg(long)]
    labels: Option<PathBuf>,
    #[arg(long, default_value_t = 0)]
    frames: u16,
}

#[derive(Args, Clone)]
pub struct ModelArgs {
    /// a0, a1, a2 or the path of a .tflite stream model.
    #[arg(long, default_value = "a0")]
    pub model: String,
    /// Labels file (one class per line); found beside the model when omitted.
    #[arg(long, value_name = "PATH")]
    pub labels: Option<PathBuf>,
    /// Frames per second fed to the model (the models were trained at 5), or `all`. A folder
    /// of images has no frame times: every image is fed, and they are taken to be 1/FPS
    /// seconds apart (for the events' times and the horizon).
    #[arg(long, default_value = "5", allow_negative_numbers = true)]
    pub fps: String,
    /// Inference threads.
    #[arg(long, default_value_t = 1, value_parser = whole_number, allow_negative_numbers = true)]
    pub threads: usize,
    /// How a frame is fitted to the model's square input.
    #[arg(long, value_enum, default_value_t = CropArg::Center)]
    pub crop: CropArg,
    /// How far back predictions look, in seconds, or `all` (every frame since the start: one
    /// label for a whole clip, the model as exported). Default: 2, the apps' live default, so
    /// that labels and events follow a change of action.
    #[arg(long, value_name = "SECONDS|all", allow_negative_numbers = true)]
    pub horizon: Option<String>,
    /// Feed frames as stored, ignoring the file's display rotation (a phone video recorded
    /// in portrait is stored landscape with a rotation; by default it is turned upright).
    #[arg(long)]
    pub no_autorotate: bool,
    /// Run the model's graph as exported, with float32 stream states, instead of binding
    /// them as int8 at load time (the default: the same logits, a quarter of the state
    /// memory, faster). For comparing against other runtimes.
    #[arg(long)]
    pub no_int8_io: bool,
}

#[derive(Args)]
struct ClassifyArgs {
    /// Video files, GIFs or folders of images.
    #[arg(required = true, value_name = "INPUT")]
    inputs: Vec<PathBuf>,
    #[command(flatten)]
    model: ModelArgs,
    /// How many classes to print (at least 1).
    #[arg(long, default_value_t = 5, value_parser = whole_number, allow_negative_numbers = true)]
    top: usize,
    /// Write the top-5 classes' probabilities over time to this PNG (one file per input:
    /// with several inputs the input's name is appended).
    #[arg(long, value_name = "OUT.png")]
    plot: Option<PathBuf>,
    /// One JSON object per input on stdout instead of text, in the inputs' order (an input
    /// that fails gets `input` and `error`).
    #[arg(long)]
    json: bool,
    /// Write the action events as SubRip subtitles to this file (with several inputs, one
    /// file each, the input's name appended).
    #[arg(long, value_name = "OUT.srt")]
    srt: Option<PathBuf>,
    /// Write the action events as WebVTT subtitles to this file (with several inputs, one
    /// file each, the input's name appended).
    #[arg(long, value_name = "OUT.vtt")]
    vtt: Option<PathBuf>,
    /// Write the video back with the live view drawn on every frame (the current action,
    /// the top 3 with their scores, the events so far) and the events as a subtitle track:
    /// H.264 in MP4 (or MOV), same frames, times, size and rotation (with several inputs, one
    /// file each, the input's name appended).
    #[arg(long, value_name = "OUT.mp4")]
    annotate: Option<PathBuf>,
    /// No progress and no notes on stderr; only errors and warnings.
    #[arg(long, short)]
    quiet: bool,
    /// Score the custom actions of this action-set file (made by `movinet enroll` with the
    /// same model) instead of the model's classes.
    #[arg(long, value_name = "FILE.actions")]
    actions: Option<PathBuf>,
}

#[derive(Args)]
struct EnrollArgs {
    /// The action-set file to write.
    #[arg(long, value_name = "OUT.actions")]
    out: PathBuf,
    /// Actions and their clips: NAME=FILE[,FILE...], e.g. squat=a.mp4,b.mp4 curl=c.mp4
    /// (three clips each of a few seconds, of different people, work well). A NAME given again
    /// gets more clips; a file whose name holds a comma goes alone after its `NAME=`.
    #[arg(value_name = "NAME=FILES")]
    actions: Vec<String>,
    /// Also (or instead) the clips of a CSV with `class` (or `expected_label`) and `file`
    /// columns, like ../shared/fewshot/fewshot.csv.
    #[arg(long, value_name = "FILE.csv")]
    csv: Option<PathBuf>,
    /// Folder the CSV's file names are relative to (default: the CSV's folder).
    #[arg(long, value_name = "DIR")]
    clips_dir: Option<PathBuf>,
    #[command(flatten)]
    model: ModelArgs,
    /// One JSON object on stdout instead of a summary.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct EvalArgs {
    /// CSV with a header row naming `file` and `expected_label` columns; other columns are
    /// ignored, and a row may leave out the columns after those two.
    csv: PathBuf,
    /// Folder the CSV's file names are relative to (default: the CSV's folder).
    #[arg(long, value_name = "DIR")]
    clips_dir: Option<PathBuf>,
    #[command(flatten)]
    model: ModelArgs,
    /// One JSON object on stdout instead of a table.
    #[arg(long)]
    json: bool,
    /// No progress on stderr; only errors and warnings.
    #[arg(long, short)]
    quiet: bool,
    /// Evaluate custom actions instead of the model's classes: the CSV's clips (columns
    /// `file` and `class` or `expected_label`) are the actions' examples, and each clip is
    /// scored by the actions taught from all the other clips (leave-clips-out).
    #[arg(long)]
    actions: bool,
}

/// A count on the command line (`--top`, `--threads`); its range is the core's to check.
fn whole_number(s: &str) -> Result<usize, String> {
    s.parse()
        .map_err(|_| format!("takes a whole number, not `{s}`"))
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum CropArg {
    /// Centre square crop, as the upstream examples do.
    Center,
    /// The whole frame squeezed to the model's square input.
    Stretch,
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn"))
        .format_timestamp(None)
        .init();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let models_dir = cli.models_dir.as_deref();
    let outcome = match cli.command {
        Command::Classify(a) => classify::classify(
            &a.inputs,
            &a.model,
            models_dir,
            a.top,
            a.json,
            &classify::OutputArgs {
                plot: a.plot.as_deref(),
                srt: a.srt.as_deref(),
                vtt: a.vtt.as_deref(),
                annotate: a.annotate.as_deref(),
            },
            chatter::Chatter::new(a.quiet, a.json),
            a.actions.as_deref(),
        ),
        Command::Eval(a) if a.actions => eval_actions::eval_actions(
            &a.csv,
            a.clips_dir.as_deref(),
            &a.model,
            models_dir,
            a.json,
            chatter::Chatter::new(a.quiet, a.json),
        ),
        Command::Eval(a) => eval::eval(
            &a.csv,
            a.clips_dir.as_deref(),
            &a.model,
            models_dir,
            a.json,
            chatter::Chatter::new(a.quiet, a.json),
        ),
        Command::Enroll(a) => enroll::enroll(
            &a.out,
            &a.actions,
            a.csv.as_deref(),
            a.clips_dir.as_deref(),
            &a.model,
            models_dir,
            a.json,
        ),
        Command::Models => models::models(models_dir),
        Command::Check(a) => {
            check::check(&a.models, a.labels.as_deref(), a.frames.into(), models_dir)
        }
        Command::Load(a) => {
            return check::child(&a.model, a.labels.as_deref(), a.frames.into(), models_dir)
        }
    };
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(2),
        Err(msg) => {
            eprintln!("movinet: {msg}");
            ExitCode::from(2)
        }
    }
}
