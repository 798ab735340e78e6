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
