//! The action set's head: what an embedding is compared by, the class means, and the
//! "none of these" rule, all fitted from the enrolled examples alone.
//!
//! Chosen from the measurements in `benches/README.md` (the few-shot table, the rejection
//! curve; `tests/examples/fewshot.rs`):
//!
//! * **Feature.** The embedding (unit length) beside the square roots of the model's own class
//!   probabilities (the model's classifier applied to that same embedding; unit length
//!   already), each weighted by `sqrt(1/2)`, so that the cosine of two features is the mean of
//!   the embeddings' cosine and the probabilities' Bhattacharyya coefficient. On the five gym
//!   moves with 3 clips per class: 0.98 top-1 (the embedding alone 0.91), and the moves the
//!   model has no class for (bicep curl) are named as well, because the model calls them the
//!   same thing consistently.
//! * **Class mean.** The unit mean of the class's examples' whole-segment features.
//! * **"None of these."** A class's threshold is [`REJECT_FRACTION`] of the similarity a new
//!   example's live frames are expected to have to its mean: the median similarity of its own
//!   examples' *live* features (through the horizon, from 1 s into each example) to the mean,
//!   times `n rho / (1 + (n - 1) rho)`, the share a new example would have of a mean of `n`
//!   examples that agree to a cosine `rho` ([`EXAMPLE_SIMILARITY`]) (own frames sit closer to
//!   a mean they are part of, most with one example). A class whose live frames sit lower (a
//!   curl) gets a lower threshold, calibrated without negatives.
//! * **Scores.** A softmax over the classes' `(similarity - threshold) / temperature + o` and a
//!   "none of these" logit of 0, where `o` makes a class exactly at its threshold, with no
//!   other class near, score the event detector's default start score
//!   (`EventOptions::DEFAULT.min_score`): the rule and the events agree, and a frame that
//!   shows none of the actions starts no event. The temperature makes the median enrolled
//!   live frame score 0.95.

use super::{ActionExample, Vector};

/// How much of the expected similarity a frame must reach. Swept in `benches/README.md`
/// (`examples/fewshot.rs`, the event detector's defaults): with 3 clips per class, 0.85 keeps
/// 0.96 of the left-out clips of the enrolled moves (an event of their move and no other) and
/// rejects 0.99 of the 12 other clips (no event); 0.8 rejects 0.98, 0.9 keeps 0.91. With 1 clip
/// per class it keeps 0.89 and rejects 0.97, with 5 it keeps 0.99 and rejects 1.00.
pub const REJECT_FRACTION: f32 = 0.85;
/// How similar two examples of one action are (the cosine of their features): the mean over
/// the few-shot clips' classes is 0.67 to 0.80 (`examples/fewshot.rs --pairwise`). It sets how much closer an example's own
/// frames sit to a class mean it is part of than a new example's frames will.
const EXAMPLE_SIMILARITY: f32 = 0.7;
/// Weight of the embedding's cosine in the similarity (the rest is the probabilities').
const EMBEDDING_WEIGHT: f32 = 0.5;
/// The score of the median enrolled live frame: sets the temperature.
const MEDIAN_SCORE: f32 = 0.95;

/// The logit of a probability.
fn logit(p: f32) -> f32 {
    (p / (1.0 - p)).ln()
}

/// The logit a class exactly at its threshold gets: the default event start score's.
fn at_threshold() -> f32 {
    logit(
        crate::EventOptions::DEFAULT
            .min_score
            .clamp(0.05, MEDIAN_SCORE - 0.05),
    )
}

/// The feature of one (embedding, logits) pair: see the module docs. Unit length; `out` is
/// resized to `embedding.len() + logits.len()`.
pub(crate) fn feature(embedding: &[f32], logits: &[f32], out: &mut Vec<f32>) {
    out.clear();
    let a = EMBEDDING_WEIGHT.sqrt();
    let norm = embedding.iter().map(|x| x * x).sum::<f32>().sqrt();
    let scale = if norm > 0.0 { a / norm } else { 0.0 };
    out.extend(embedding.iter().map(|x| x * scale));
    let b = (1.0 - EMBEDDING_WEIGHT).sqrt();
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let start = out.len();
    let mut sum = 0.0f32;
    for &l in logits {
        let e = if max.is_finite() {
            (l - max).exp()
        } else {
            1.0
        };
        sum += e;
        out.push(e);
    }
    let inv = if sum > 0.0 { 1.0 / sum } else { 0.0 };
    for p in &mut out[start..] {
        *p = b * (*p * inv).sqrt();
    }
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// The fitted head of one set.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Head {
    /// Per class: its mean feature (unit), threshold and temperature.
    classes: Vec<ClassHead>,
}

#[derive(Debug, Clone, PartialEq)]
struct ClassHead {
    mean: Vec<f32>,
    threshold: f32,
    temperature: f32,
}

impl Head {
    /// Fits the head to the examples of each class (in class order).
    pub fn fit<'a>(
        classes: impl IntoIterator<Item = &'a [ActionExample]>,
        reject_fraction: f32,
    ) -> Self {
        let mut scratch = Vec::new();
        let mut feature_of = |v: &Vector| {
            let (embedding, logits) = v.values();
            feature(&embedding, &logits, &mut scratch);
            scratch.clone()
        };
        let classes = classes
            .into_iter()
            .map(|examples| {
                let mut mean: Vec<f32> = Vec::new();
                for e in examples {
                    let f = feature_of(&e.clip);
                    if mean.is_empty() {
                        mean = f;
                    } else {
                        mean.iter_mut().zip(&f).for_each(|(m, x)| *m += x);
                    }
                }
                let norm = mean.iter().map(|x| x * x).sum::<f32>().sqrt();
                if norm > 0.0 {
                    mean.iter_mut().for_each(|m| *m /= norm);
                }
                let mut sims: Vec<f32> = examples
                    .iter()
                    .flat_map(|e| e.calibration())
                    .map(|v| dot(&mean, &feature_of(v)))
                    .collect();
                sims.sort_by(f32::total_cmp);
                // The examples' own frames sit closer to a mean they are part of than a new
                // example's will: expect `n rho / (1 + (n - 1) rho)` of their similarity.
                let n = examples.len() as f32;
                let share = n * EXAMPLE_SIMILARITY / (1.0 + (n - 1.0) * EXAMPLE_SIMILARITY);
                let expected = share * sims.get(sims.len() / 2).copied().unwrap_or(1.0);
                let threshold = reject_fraction * expected;
                let temperature =
                    ((expected - threshold) / (logit(MEDIAN_SCORE) - at_threshold())).max(1e-3);
                ClassHead {
                    mean,
                    threshold,
                    temperature,
                }
            })
            .collect();
        Self { classes }
    }

    /// Each class's threshold (for reports and tests).
    pub fn thresholds(&self) -> Vec<f32> {
        self.classes.iter().map(|c| c.threshold).collect()
    }

    /// The classes' scores for one frame's `feature` into `out` (one per class; they and the
    /// "none of these" share sum to 1).
    pub fn scores(&self, feature: &[f32], out: &mut [f32]) {
        let offset = at_threshold();
        let mut top = 0.0f32; // the "none" logit
        for (o, c) in out.iter_mut().zip(&self.classes) {
            *o = (dot(&c.mean, feature) - c.threshold) / c.temperature + offset;
            top = top.max(*o);
        }
        let mut sum = (-top).exp();
        for o in out.iter_mut() {
            *o = (*o - top).exp();
            sum += *o;
        }
        out.iter_mut().for_each(|o| *o /= sum);
    }
}
