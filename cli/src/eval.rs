//! `movinet eval`: classify every clip of a `file,expected_label` CSV and report top-1 and
//! top-5 accuracy.

use std::path::Path;

use serde::Serialize;

use crate::classify::classify_one;
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
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
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
    top1: usize,
    top5: usize,
    /// Clips listed by well-formed rows (classified or failed); bad rows are not counted.
    total: usize,
    bad_rows: Vec<BadRow>,
}

/// The clip file and expected label of one row, or why the row names none.
fn parse_row(
    row: &csv::ByteRecord,
    columns: usize,
    file_col: usize,
    label_col: usize,
) -> Result<(String, String), String> {
    if row.len() != columns {
        return Err(format!(
            "{} fields where the header has {columns} (a missing field or an extra comma?)",
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

pub fn eval(
    csv_path: &Path,
    clips_dir: Option<&Path>,
    args: &ModelArgs,
    models_dir: Option<&Path>,
    json: bool,
) -> Result<bool, String> {
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
                    "{}: no `{name}` column (need file,expected_label)",
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
    let opts = options(args, 5)?;
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
        match classify_one(&loaded, &dir.join(&file), &opts, 1, !args.no_autorotate) {
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
    let report = EvalReport {
        model: loaded.file.display_name.clone(),
        total: clips.len(),
        clips,
        top1,
        top5,
        bad_rows,
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
        let skipped = match report.bad_rows.len() {
            0 => String::new(),
            1 => "; 1 bad row skipped".into(),
            n => format!("; {n} bad rows skipped"),
        };
        println!(
            "top-1 {}/{}  top-5 {}/{}  ({}{skipped})",
            report.top1, report.total, report.top5, report.total, report.model
        );
    }
    Ok(all_ok)
}
