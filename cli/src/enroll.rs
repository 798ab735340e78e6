//! `movinet enroll`: custom actions taught from a few clips each, saved as an action-set file
//! for `classify --actions`; and the clips-to-examples step `eval --actions` shares.

use std::path::{Path, PathBuf};

use movinet::{ActionExample, ActionRecorder, ActionSet, ClassifierOptions, Frame};
use serde::Serialize;

use crate::decode::Source;
use crate::load::{load, options, Loaded};
use crate::ModelArgs;

/// One clip of one action, in the order given.
pub struct Labelled {
    pub action: String,
    pub path: PathBuf,
    /// How the user named the file (for messages and reports).
    pub file: String,
}

/// `NAME=FILE[,FILE...]` arguments as clips, names checked by the core's rule. When the whole
/// text after `=` names a file or folder that exists, it is one clip, commas and all (a file
/// whose name holds a comma); the same NAME may be given again for more clips.
pub fn parse_specs(specs: &[String]) -> Result<Vec<Labelled>, String> {
    let mut clips = Vec::new();
    for spec in specs {
        let (name, files) = spec.split_once('=').ok_or_else(|| {
            format!("`{spec}`: give an action as NAME=FILE[,FILE...], e.g. squat=a.mp4,b.mp4")
        })?;
        ActionSet::check_name(name).map_err(|e| format!("`{spec}`: {e}"))?;
        let files: Vec<&str> = if Path::new(files).exists() {
            vec![files]
        } else {
            files.split(',').filter(|f| !f.is_empty()).collect()
        };
        if files.is_empty() {
            return Err(format!("`{spec}`: no clip after `{name}=`"));
        }
        clips.extend(files.into_iter().map(|f| Labelled {
            action: name.to_string(),
            path: PathBuf::from(f),
            file: f.to_string(),
        }));
    }
    Ok(clips)
}

/// The clips of a CSV with a `file` column and a `class` (or `expected_label`) column, like
/// `../shared/fewshot/fewshot.csv`; files relative to `clips_dir` (default: the CSV's folder).
/// Malformed rows are one line each on stderr and counted in the second value.
pub fn read_csv(
    csv_path: &Path,
    clips_dir: Option<&Path>,
) -> Result<(Vec<Labelled>, usize), String> {
    // A FIFO or a device would block the reads below; a folder gets a hint (as `eval` says).
    crate::eval::check_csv_file(csv_path)?;
    let at = |e: &dyn std::fmt::Display| format!("{}: {e}", csv_path.display());
    // A saved set where the clips' CSV goes (`eval --actions gym.actions`).
    if is_action_set(csv_path) {
        return Err(at(
            &"is an action-set file, not a CSV of clips (to score videos with a saved set, \
              use `movinet classify --actions FILE.actions VIDEO`)",
        ));
    }
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(csv_path)
        .map_err(|e| at(&e))?;
    let headers = reader.headers().map_err(|e| at(&e))?.clone();
    let col = |names: &[&str]| headers.iter().position(|h| names.contains(&h.trim()));
    let (Some(file_col), Some(class_col)) = (col(&["file"]), col(&["class", "expected_label"]))
    else {
        return Err(at(
            &"need a `file` column and a `class` (or `expected_label`) column",
        ));
    };
    let dir = clips_dir
        .map(Path::to_path_buf)
        .unwrap_or_else(|| csv_path.parent().map(Path::to_path_buf).unwrap_or_default());
    let (mut clips, mut bad) = (Vec::new(), 0);
    for (k, row) in reader.records().enumerate() {
        let line = k + 2;
        let parsed = row.map_err(|e| e.to_string()).and_then(|row| {
            let cell = |i: usize| row.get(i).map(str::trim).unwrap_or_default().to_string();
            let (file, class) = (cell(file_col), cell(class_col));
            if file.is_empty() || class.is_empty() {
                return Err("an empty file or class cell".to_string());
            }
            ActionSet::check_name(&class).map_err(|e| e.to_string())?;
            Ok((file, class))
        });
        match parsed {
            Ok((file, action)) => clips.push(Labelled {
                action,
                path: dir.join(&file),
                file,
            }),
            Err(e) => {
                eprintln!("movinet: {} line {line}: {e}", csv_path.display());
                bad += 1;
            }
        }
    }
    Ok((clips, bad))
}

/// One clip streamed through an [`ActionRecorder`]: the example, and the frames fed.
pub fn record(
    loaded: &Loaded,
    path: &Path,
    opts: &ClassifierOptions,
    autorotate: bool,
) -> Result<(ActionExample, u64), String> {
    let name = path.display();
    let mut source = Source::open(path, autorotate).map_err(|e| e.to_string())?;
    let mut recorder =
        ActionRecorder::new(loaded.model(), opts).map_err(|e| format!("{name}: {e}"))?;
    for f in source.by_ref() {
        let mut view = Frame::rgb888(&f.rgb, f.width, f.height, f.width * 3)
            .map_err(|e| format!("{name}: {e}"))?
            .with_rotation(f.rotation);
        if let Some(t) = f.timestamp {
            view = view.with_timestamp(t);
        }
        recorder.push(&view).map_err(|e| format!("{name}: {e}"))?;
    }
    let stats = source.stats();
    if stats.incomplete() {
        eprintln!("movinet: warning: {name}: {}", stats.summary());
    }
    let frames = recorder.frames();
    let example = recorder.finish().map_err(|e| format!("{name}: {e}"))?;
    Ok((example, frames))
}

/// Refuses, before anything is recorded, an `--out` that could not be written or would
/// overwrite something that is not an action set (a clip given by mistake).
fn check_out(out: &Path, clips: &[Labelled]) -> Result<(), String> {
    let at = |why: &str| Err(format!("--out {}: {why}", out.display()));
    if out.is_dir() {
        return at("is a folder");
    }
    let same = |p: &Path| match (out.canonicalize(), p.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if clips.iter().any(|c| same(&c.path)) {
        return at("that is one of the clips; the action set would overwrite it");
    }
    if out.exists() && !is_action_set(out) {
        return at("exists and is not an action-set file; nothing overwritten");
    }
    let folder = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !folder.is_dir() {
        return at("its folder does not exist");
    }
    Ok(())
}

/// Whether `path` starts as an action-set file does.
fn is_action_set(path: &Path) -> bool {
    let mut head = [0u8; 8];
    std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
        .is_ok()
        && &head == b"MOVINETA"
}

/// A clip given twice for an action counts twice (its example is as good as one clip): said.
fn warn_twice(clips: &[Labelled]) {
    let id = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    for (k, c) in clips.iter().enumerate() {
        if let Some(first) = clips[..k].iter().find(|d| id(&d.path) == id(&c.path)) {
            eprintln!(
                "movinet: warning: {} is given twice (for `{}` and `{}`); each time it is one \
                 more example of the same clip",
                c.file, first.action, c.action
            );
        }
    }
}

/// `n thing` or `n things`.
fn count(n: usize, thing: &str) -> String {
    format!("{n} {thing}{}", if n == 1 { "" } else { "s" })
}

#[derive(Serialize)]
struct EnrolledAction {
    name: String,
    examples: usize,
}

#[derive(Serialize)]
struct EnrollReport {
    out: String,
    model: String,
    model_sha256: String,
    bytes: usize,
    actions: Vec<EnrolledAction>,
}

/// Records every clip, and writes the set only if every clip gave an example.
#[allow(clippy::too_many_arguments)]
pub fn enroll(
    out: &Path,
    specs: &[String],
    csv: Option<&Path>,
    clips_dir: Option<&Path>,
    args: &ModelArgs,
    models_dir: Option<&Path>,
    json: bool,
) -> Result<bool, String> {
    // Usage errors first: nothing is loaded or decoded for a command that cannot finish.
    let mut clips = parse_specs(specs)?;
    let mut bad_rows = 0;
    if let Some(csv) = csv {
        let (more, bad) = read_csv(csv, clips_dir)?;
        clips.extend(more);
        bad_rows = bad;
    }
    if clips.is_empty() {
        return Err("nothing to enroll: give NAME=FILE[,FILE...] or --csv FILE".into());
    }
    check_out(out, &clips)?;
    warn_twice(&clips);
    let opts = options(args, 1)?;
    let loaded = load(args, models_dir)?;
    let mut set = ActionSet::new(loaded.model()).map_err(|e| e.to_string())?;
    let (mut failed, mut hinted) = (0usize, false);
    for clip in &clips {
        match record(&loaded, &clip.path, &opts, !args.no_autorotate) {
            Ok((example, frames)) => {
                if !json {
                    eprintln!(
                        "movinet: {} <- {} ({frames} frames)",
                        clip.action, clip.file
                    );
                }
                set.add(&clip.action, example).map_err(|e| e.to_string())?;
            }
            Err(e) => {
                eprintln!("movinet: {e}");
                if !hinted && !clip.path.exists() && specs.iter().any(|s| s.contains(',')) {
                    hinted = true;
                    eprintln!(
                        "movinet: (a file whose name holds a comma goes alone after its NAME=, \
                         e.g. squat='a, b.mp4' squat=c.mp4)"
                    );
                }
                failed += 1;
            }
        }
    }
    if failed > 0 || bad_rows > 0 {
        eprintln!(
            "movinet: {failed} of {} failed{}; nothing written to {}",
            count(clips.len(), "clip"),
            if bad_rows > 0 {
                format!(" and {bad_rows} rows were malformed")
            } else {
                String::new()
            },
            out.display()
        );
        return Ok(false);
    }
    set.save(out).map_err(|e| e.to_string())?;
    let report = EnrollReport {
        out: out.display().to_string(),
        model: loaded.file.display_name.clone(),
        model_sha256: set.model_sha256(),
        bytes: std::fs::metadata(out)
            .map(|m| m.len() as usize)
            .unwrap_or(0),
        actions: set
            .names()
            .into_iter()
            .map(|name| EnrolledAction {
                examples: set.examples(&name),
                name,
            })
            .collect(),
    };
    if json {
        println!(
            "{}",
            serde_json::to_string(&report).map_err(|e| e.to_string())?
        );
    } else {
        let list: Vec<String> = report
            .actions
            .iter()
            .map(|a| format!("{} ({})", a.name, a.examples))
            .collect();
        println!(
            "{}: {} from {} with {} ({} bytes): {}",
            report.out,
            count(report.actions.len(), "action"),
            count(clips.len(), "clip"),
            report.model,
            report.bytes,
            list.join(", ")
        );
    }
    Ok(true)
}
