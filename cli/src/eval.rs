//! `movinet eval`: classify every clip of a `file,expected_label` CSV and report top-1 and
//! top-5 accuracy: over the whole clip (the horizon `all`, the model as exported), and beside it
//! at the end of the clip with the live horizon apps use (2 s, or `--horizon`).

use std::path::Path;

use serde::Serialize;

use movinet::Horizon;

use crate::chatter::{Chatter, Progress};
use crate::classify::{classify_one, horizon_seconds, ClipReport};
use crate::load::{load, options};
use crate::ModelArgs;

#[derive(Serialize)]
struct EvalClip {
    file: String,
    expected: String,
    top1: Option<String>,
    top1_score: Option<f32>,
    /// 1-based rank of the expected label among all classes.
    rank: Option<usize>,
    /// The same at the end of the clip with the live horizon.
    #[serde(skip_serializing_if = "Option::is_none")]
    live: Option<LiveClip>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// One clip's result with the live horizon.
#[derive(Serialize)]
struct LiveClip {
    top1: Option<String>,
    top1_score: Option<f32>,
    rank: Option<usize>,
}

/// Totals with the live horizon.
#[derive(Serialize)]
struct LiveTotals {
    /// In seconds: 2, or what `--horizon` gave.
    horizon: f64,
    top1: usize,
    top5: usize,
}

/// A CSV row that names no clip to classify (a missing or extra field, bad UTF-8, an empty
/// file cell): reported and skipped, and the command exits 2 at the end.
#[derive(Serialize)]
struct BadRow {
    /// 1-based line of the CSV file.
    line: u64,
    error: String,
}

#[derive(Serialize)]
struct EvalReport {
    model: String,
    clips: Vec<EvalClip>,
    /// Whole-clip accuracy (horizon `all`).
    top1: usize,
    top5: usize,
    /// Clips listed by well-formed rows (classified or failed); bad rows are not counted.
    total: usize,
    /// Accuracy at the end of each clip with the live horizon (absent with `--horizon all`).
    #[serde(skip_serializing_if = "Option::is_none")]
    live: Option<LiveTotals>,
    bad_rows: Vec<BadRow>,
}

/// 1-based rank of class `e` in a report's final probabilities.
fn rank_of(r: &ClipReport, e: usize) -> usize {
    let p = r.probabilities[e];
    1 + r
        .probabilities
        .iter()
        .enumerate()
        .filter(|&(i, &q)| q > p || (q == p && i < e))
        .count()
}

/// The clip file and expected label of one row, or why the row names none. A row may stop
/// after the last of the two columns (the others are ignored), but not run past the header: an
/// extra field is a comma too many, which would shift a label.
fn parse_row(
    row: &csv::ByteRecord,
    columns: usize,
    file_col: usize,
    label_col: usize,
) -> Result<(String, String), String> {
    let needed = file_col.max(label_col) + 1;
    if row.len() > columns || row.len() < needed {
        let want = if needed == columns {
            format!("{columns}")
        } else {
            format!("{needed} to {columns}")
        };
        return Err(format!(
            "{} fields where the header has {columns} and a row needs {want} (a missing field or an extra comma?)",
            row.len()
        ));
    }
    let cell = |i: usize, name: &str| {
        let bytes = row.get(i).unwrap_or_default();
        std::str::from_utf8(bytes)
            .map(|s| s.trim().to_string())
            .map_err(|_| format!("the {name} cell is not UTF-8 text"))
    };
    let file = cell(file_col, "file")?;
    let expected = cell(label_col, "expected_label")?;
    if file.is_empty() {
        return Err("empty file cell".into());
    }
    if expected.is_empty() {
        return Err("empty expected_label cell".into());
    }
    Ok((file, expected))
}

/// The CSV must be a regular file (after symlinks), as inputs are: opening a FIFO blocks until
/// a writer comes and a device never ends, and a folder gets a hint.
pub fn check_csv_file(csv_path: &Path) -> Result<(), String> {
    let name = csv_path.display();
    let meta = std::fs::metadata(csv_path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => format!("{name}: no such file"),
        _ => format!("{name}: {e}"),
    })?;
    if meta.is_dir() {
        let mut csvs: Vec<_> = std::fs::read_dir(csv_path)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv")))
            .collect();
        csvs.sort();
        let hint = match csvs.first() {
            Some(csv) => format!(": give the CSV itself, e.g. {}", csv.display()),
            None => String::new(),
        };
        return Err(format!("{name}: a folder, not a CSV file{hint}"));
    }
    if !meta.is_file() {
        return Err(format!(
            "{name}: not a regular file (a FIFO, device or socket is never read): give a CSV file"
        ));
    }
    Ok(())
}

pub fn eval(
    csv_path: &Path,
    clips_dir: Option<&Path>,
    args: &ModelArgs,
    models_dir: Option<&Path>,
    json: bool,
    chatter: Chatter,
) -> Result<bool, String> {
    check_csv_file(csv_path)?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(csv_path)
        .map_err(|e| format!("{}: {e}", csv_path.display()))?;
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
                    "{}: no `{name}` column (the header row must name `file` and `expected_label`)",
                    csv_path.display()
                )
            })
    };
    let (file_col, label_col) = (col("file")?, col("expected_label")?);
    let columns = headers.len();
    let dir = clips_dir
        .map(Path::to_path_buf)
        .unwrap_or_else(|| csv_path.parent().map(Path::to_path_buf).unwrap_or_default());
    let loaded = load(args, models_dir)?;
    let labels = loaded
        .labels
        .as_ref()
        .ok_or("eval needs labels: pass --labels")?;
    let live_opts = options(args, 5)?;
    let opts = movinet::ClassifierOptions {
        horizon: Horizon::All,
        ..live_opts.clone()
    };
    let live_horizon = (live_opts.horizon != Horizon::All).then_some(live_opts.horizon);
    let mut clips = Vec::new();
    let mut bad_rows = Vec::new();
    let mut all_ok = true;
    let mut row = csv::ByteRecord::new();
    loop {
        let line = reader.position().line();
        match reader.read_byte_record(&mut row) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                // A read error (not a malformed row: flexible rows and bytes are checked
                // below): the rest of the file cannot be trusted, the rows before it stand.
                eprintln!("movinet: {}: {e}", csv_path.display());
                bad_rows.push(BadRow {
                    line,
                    error: e.to_string(),
                });
                break;
            }
        }
        let line = row.position().map_or(line, |p| p.line());
        let (file, expected) = match parse_row(&row, columns, file_col, label_col) {
            Ok(v) => v,
            Err(e) => {
                eprintln!("movinet: {} line {line}: {e}", csv_path.display());
                bad_rows.push(BadRow { line, error: e });
                continue;
            }
        };
        let expected_index = labels.index_of(&expected);
        if expected_index.is_none() {
            eprintln!("movinet: warning: {file}: expected label `{expected}` is not one of the model's classes");
        }
        if chatter.progress != Progress::Off {
            // One line per clip (its runs show nothing of their own).
            eprintln!("movinet: eval: {file}");
        }
        match classify_one(
            &loaded,
            &dir.join(&file),
            &opts,
            1,
            !args.no_autorotate,
            Progress::Off,
        ) {
            Ok(r) => {
                let rank = expected_index.map(|e| rank_of(&r, e));
                let top = r.top.first();
                let live = match live_horizon {
                    None => None,
                    Some(_) => match classify_one(
                        &loaded,
                        &dir.join(&file),
                        &live_opts,
                        1,
                        !args.no_autorotate,
                        Progress::Off,
                    ) {
                        Ok(l) => Some(LiveClip {
                            top1: l.top.first().map(|c| c.label.clone()),
                            top1_score: l.top.first().map(|c| c.score),
                            rank: expected_index.map(|e| rank_of(&l, e)),
                        }),
                        Err(e) => {
                            eprintln!("movinet: {e}");
                            all_ok = false;
                            None
                        }
                    },
                };
                clips.push(EvalClip {
                    file,
                    expected,
                    top1: top.map(|c| c.label.clone()),
                    top1_score: top.map(|c| c.score),
                    rank,
                    live,
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
                    live: None,
                    error: Some(e),
                });
            }
        }
    }
    if !bad_rows.is_empty() {
        all_ok = false;
    }
    if clips.is_empty() {
        eprintln!(
            "movinet: {}: no clips listed (need rows of file,expected_label after the header)",
            csv_path.display()
        );
        all_ok = false;
    }
    let top1 = clips.iter().filter(|c| c.rank == Some(1)).count();
    let top5 = clips
        .iter()
        .filter(|c| c.rank.is_some_and(|r| r <= 5))
        .count();
    let live_rank = |r: usize| {
        clips
            .iter()
            .filter(|c| c.live.as_ref().and_then(|l| l.rank).is_some_and(|k| k <= r))
            .count()
    };
    let live = live_horizon.map(|h| LiveTotals {
        horizon: horizon_seconds(h, live_opts.model_fps).unwrap_or(f64::NAN),
        top1: live_rank(1),
        top5: live_rank(5),
    });
    let report = EvalReport {
        model: loaded.file.display_name.clone(),
        total: clips.len(),
        clips,
        top1,
        top5,
        live,
        bad_rows,
    };
    if json {
        println!(
            "{}",
            serde_json::to_string(&report).map_err(|e| e.to_string())?
        );
    } else {
        let rank = |r: Option<usize>| r.map(|r| r.to_string()).unwrap_or_else(|| "-".into());
        let live_header = report
            .live
            .as_ref()
            .map(|l| format!(" {:>10}", format!("rank {} s", l.horizon)))
            .unwrap_or_default();
        println!(
            "{:<45} {:<30} {:<30} {:>6} {:>5}{live_header}",
            "clip", "expected", "top-1 (whole clip)", "score", "rank"
        );
        for c in &report.clips {
            let live = match (&report.live, &c.live) {
                (Some(_), Some(l)) => format!(" {:>10}", rank(l.rank)),
                (Some(_), None) => format!(" {:>10}", "-"),
                _ => String::new(),
            };
            println!(
                "{:<45} {:<30} {:<30} {:>6} {:>5}{live}",
                c.file,
                c.expected,
                c.top1.as_deref().unwrap_or("(error)"),
                c.top1_score.map(|s| format!("{s:.3}")).unwrap_or_default(),
                rank(c.rank)
            );
        }
        let skipped = match report.bad_rows.len() {
            0 => String::new(),
            1 => "; 1 bad row skipped".into(),
            n => format!("; {n} bad rows skipped"),
        };
        println!(
            "top-1 {}/{}  top-5 {}/{}  over the whole clip (horizon all; {}{skipped})",
            report.top1, report.total, report.top5, report.total, report.model
        );
        if let Some(l) = &report.live {
            println!(
                "top-1 {}/{}  top-5 {}/{}  at the end of each clip with the live horizon {} s",
                l.top1, report.total, l.top5, report.total, l.horizon
            );
        }
    }
    Ok(all_ok)
}
