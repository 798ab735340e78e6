//! From logits to what an app shows: softmax, smoothing, top-k with labels.

use crate::labels::Labels;

/// One class of a prediction.
#[derive(Debug, Clone, PartialEq)]
pub struct Category {
    /// Class index (logit position).
    pub index: usize,
    /// Its label, or the index as text without labels.
    pub label: String,
    /// Probability, 0 to 1 (smoothed when smoothing is on).
    pub score: f32,
}

/// Numerically stable softmax of `logits` into `out` (same length).
pub fn softmax(logits: &[f32], out: &mut [f32]) {
    debug_assert_eq!(logits.len(), out.len());
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    if !max.is_finite() {
        out.fill(if logits.is_empty() {
            0.0
        } else {
            1.0 / logits.len() as f32
        });
        return;
    }
    let mut sum = 0.0f64;
    for (o, &l) in out.iter_mut().zip(logits) {
        let e = (l - max).exp();
        *o = e;
        sum += f64::from(e);
    }
    let inv = (1.0 / sum) as f32;
    out.iter_mut().for_each(|o| *o *= inv);
}

/// The `k` highest scores, best first; ties keep the lower index first. Labels name the
/// classes when given (the index as text otherwise).
pub fn top_k(scores: &[f32], k: usize, labels: Option<&Labels>) -> Vec<Category> {
    let mut idx: Vec<usize> = (0..scores.len()).collect();
    let k = k.min(idx.len());
    let by_score = |a: &usize, b: &usize| scores[*b].total_cmp(&scores[*a]).then(a.cmp(b));
    if k < idx.len() && k > 0 {
        idx.select_nth_unstable_by(k - 1, by_score);
    }
    idx.truncate(k);
    idx.sort_by(by_score);
    idx.into_iter()
        .map(|index| Category {
            index,
            label: labels
                .and_then(|l| l.get(index))
                .map(str::to_owned)
                .unwrap_or_else(|| index.to_string()),
            score: scores[index],
        })
        .collect()
}
