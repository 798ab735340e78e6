//! `movinet eval --actions`: how well custom actions taught from a labelled folder's own
//! clips recognise its clips, leave-clips-out: every clip is recorded once (as `enroll` records
//! it), then each is scored by the action set of all the *other* clips.

use std::path::Path;

use movinet::{ActionExample, ActionSet};
use serde::Serialize;

use crate::chatter::{Chatter, Progress};
use crate::enroll::{read_csv, record};
use crate::load::{load, options};
use crate::ModelArgs;

/// Scores at or above this count as a label (the event detector's default `min_score`).
fn confident() -> f32 {
    movinet::EventOptions::DEFAULT.min_score
}

#[derive(Serialize)]
struct ClipResult {
    file: String,
    expected: String,
    /// The best action for the whole clip, and its score.
    top1: Option<String>,
    top1_score: Option<f32>,
    /// 1-based rank of the expected action (absent when no other clip enrolls it).
    rank: Option<usize>,
    /// Share of the clip's live frames (through the live horizon) whose best action is the
    /// expected one at the events' start score or more (see [`confident`]).
    live_right: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[derive(Serialize)]
struct Report {
    model: String,
    clips: Vec<ClipResult>,
    /// Clips whose best action is the expected one.
    top1: usize,
    /// Of those, the clips whose score reaches the events' start score (not rejected as
    /// "none of these").
    top1_confident: usize,
    /// Clips scored (recorded, with their action enrolled by other clips).
    total: usize,
    /// Mean of `live_right` over the clips scored.
    live_right: f32,
    bad_rows: usize,
}

pub fn eval_actions(
    csv: &Path,
    clips_dir: Option<&Path>,
    args: &ModelArgs,
    models_dir: Option<&Path>,
    json: bool,
    chatter: Chatter,
) -> Result<bool, String> {
    let (clips, bad_rows) = read_csv(csv, clips_dir)?;
    if clips.is_empty() {
        return Err(format!(
            "{}: no clips listed (need rows with a file and a class)",
            csv.display()
        ));
    }
    let opts = options(args, 1)?;
    let loaded = load(args, models_dir)?;
    let mut all_ok = bad_rows == 0;
    let examples: Vec<Result<ActionExample, String>> = clips
        .iter()
        .enumerate()
        .map(|(k, c)| {
            let r = record(&loaded, &c.path, &opts, !args.no_autorotate).map(|(e, _)| e);
            match &r {
                Err(e) => {
                    eprintln!("movinet: {e}");
                    all_ok = false;
                }
                // Recording every clip takes a while: a line per clip.
                Ok(_) if chatter.progress != Progress::Off => {
                    eprintln!(
                        "movinet: {}/{} {} <- {}",
                        k + 1,
                        clips.len(),
                        c.action,
                        c.file
                    );
                }
                Ok(_) => {}
            }
            r
        })
        .collect();
    let mut results = Vec::new();
    for (k, clip) in clips.iter().enumerate() {
        let mut r = ClipResult {
            file: clip.file.clone(),
            expected: clip.action.clone(),
            top1: None,
            top1_score: None,
            rank: None,
            live_right: None,
            error: None,
        };
        let example = match &examples[k] {
            Ok(e) => e,
            Err(e) => {
                r.error = Some(e.clone());
                results.push(r);
                continue;
            }
        };
        let mut set = ActionSet::new(loaded.model()).map_err(|e| e.to_string())?;
        for (j, other) in clips.iter().enumerate() {
            if let (true, Ok(e)) = (j != k, &examples[j]) {
                set.add(&other.action, e.clone())
                    .map_err(|e| e.to_string())?;
            }
        }
        let names = set.names();
        let (whole, live) = set.score_example(example);
        let best = (0..whole.len()).max_by(|&a, &b| whole[a].total_cmp(&whole[b]));
        r.top1 = best.map(|b| names[b].clone());
        r.top1_score = best.map(|b| whole[b]);
        match names.iter().position(|n| *n == clip.action) {
            Some(want) => {
                r.rank = Some(1 + whole.iter().filter(|&&s| s > whole[want]).count());
                let right = live.iter().filter(|s| {
                    let top = (0..s.len()).max_by(|&a, &b| s[a].total_cmp(&s[b]));
                    top == Some(want) && s[want] >= confident()
                });
                r.live_right = Some(right.count() as f32 / live.len().max(1) as f32);
            }
            None => {
                r.error = Some(format!(
                    "no other clip enrolls `{}`: not scored",
                    clip.action
                ));
            }
        }
        results.push(r);
    }
    let scored: Vec<&ClipResult> = results.iter().filter(|r| r.rank.is_some()).collect();
    let top1 = scored.iter().filter(|r| r.rank == Some(1)).count();
    let top1_confident = scored
        .iter()
        .filter(|r| r.rank == Some(1) && r.top1_score.is_some_and(|s| s >= confident()))
        .count();
    let live_right =
        scored.iter().filter_map(|r| r.live_right).sum::<f32>() / scored.len().max(1) as f32;
    let report = Report {
        model: loaded.file.display_name.clone(),
        total: scored.len(),
        clips: results,
        top1,
        top1_confident,
        live_right,
        bad_rows,
    };
    if json {
        println!(
            "{}",
            serde_json::to_string(&report).map_err(|e| e.to_string())?
        );
        return Ok(all_ok);
    }
    println!(
        "{:<60} {:<14} {:<14} {:>6} {:>5} {:>6}",
        "clip (scored by the set of all the other clips)",
        "expected",
        "top-1",
        "score",
        "rank",
        "live"
    );
    for c in &report.clips {
        let or_dash = |v: Option<String>| v.unwrap_or_else(|| "-".into());
        println!(
            "{:<60} {:<14} {:<14} {:>6} {:>5} {:>6}{}",
            c.file,
            c.expected,
            c.top1.as_deref().unwrap_or("-"),
            or_dash(c.top1_score.map(|s| format!("{s:.2}"))),
            or_dash(c.rank.map(|r| r.to_string())),
            or_dash(c.live_right.map(|s| format!("{s:.2}"))),
            c.error
                .as_ref()
                .map(|e| format!("  ({e})"))
                .unwrap_or_default()
        );
    }
    println!(
        "leave-clips-out top-1 {}/{} ({} of them at a score of {min} or more, the events' start \
         score); live frames right and at {min} or more: {:.2}  ({})",
        report.top1,
        report.total,
        report.top1_confident,
        report.live_right,
        report.model,
        min = confident()
    );
    Ok(all_ok)
}
