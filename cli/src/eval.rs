//! `movinet eval`: classify every clip of a `file,expected_label` CSV and report top-1 and
//! top-5 accuracy: over the whole clip (the horizon `all`, the model as exported), and beside it
//! at the end of the clip with the live horizon apps use (2 s, or `--horizon`).

use std::path::Path;

use serde::Serialize;

use movinet::Horizon;

use crate::classify::{classify_one, ClipReport};
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
    /// `2 s`, or what `--horizon` gave.
    horizon: String,
    top1: usize,
    top5: usize,
}

#[derive(Serialize)]
struct EvalReport {
    model: String,
    clips: Vec<EvalClip>,
    /// Whole-clip accuracy (horizon `all`).
    top1: usize,
    top5: usize,
    total: usize,
    /// Accuracy at the end of each clip with the live horizon (absent with `--horizon all`).
    #[serde(skip_serializing_if = "Option::is_none")]
    live: Option<LiveTotals>,
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
    let live_opts = options(args, 5)?;
    let opts = movinet::ClassifierOptions {
        horizon: Horizon::All,
        ..live_opts.clone()
    };
    let live_horizon = (live_opts.horizon != Horizon::All).then_some(live_opts.horizon);
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
                let rank = expected_index.map(|e| rank_of(&r, e));
                let top = r.top.first();
                let live = match live_horizon {
                    None => None,
                    Some(_) => match classify_one(&loaded, &dir.join(&file), &live_opts, 1) {
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
        horizon: h.to_string(),
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
            .map(|l| format!(" {:>10}", format!("rank {}", l.horizon)))
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
        println!(
            "top-1 {}/{}  top-5 {}/{}  over the whole clip (horizon all; {})",
            report.top1, report.total, report.top5, report.total, report.model
        );
        if let Some(l) = &report.live {
            println!(
                "top-1 {}/{}  top-5 {}/{}  at the end of each clip with the live horizon {}",
                l.top1, report.total, l.top5, report.total, l.horizon
            );
        }
    }
    Ok(all_ok)
}
