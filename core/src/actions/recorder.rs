//! Recording an example of an action from frames: a short clip, or a segment of a live
//! camera stream.

use super::{invalid, ActionExample, Vector, MAX_LIVE};
use crate::classifier::{Classifier, ClassifierOptions};
use crate::error::Result;
use crate::frame::Frame;
use crate::horizon::Horizon;
use crate::model::Model;

/// Seconds into an example from which its live frames calibrate the rule (before that, the
/// live horizon has seen too little of it).
const CALIBRATE_FROM_SECONDS: f32 = 1.0;
/// The shortest example, in seconds of frames fed to the model.
pub const MIN_EXAMPLE_SECONDS: f32 = 1.0;

/// Turns the frames of one example (a few seconds of someone doing the action) into an
/// [`ActionExample`]: push its frames as a [`Classifier`] takes them (the same pacing, crop and
/// preprocessing, from the same [`ClassifierOptions`]), then [`finish`](Self::finish).
///
/// It runs two streams of the model over the frames: one over the whole segment (the horizon
/// `all`: what the segment shows, the example's centre) and one through the options' live
/// horizon (what live frames of the action look like, to calibrate the "none of these" rule).
/// So a recording costs two model runs per frame; a classifier on the same camera may keep
/// running beside it.
pub struct ActionRecorder {
    whole: Classifier,
    live: Classifier,
    /// Live (embedding, logits) pairs from [`CALIBRATE_FROM_SECONDS`] on, every `stride`-th.
    kept: Vec<Vector>,
    stride: u64,
    fed: u64,
    /// Model frames before calibration starts, and the fewest an example may have.
    calibrate_from: u64,
    min_frames: u64,
    embedding: Vec<f32>,
}

impl ActionRecorder {
    /// A recorder for `model` with the pacing, crop and horizon of `options` (the other
    /// options do not matter here). Fails like [`Classifier::new`], or if the model exposes no
    /// embedding.
    pub fn new(model: &Model, options: &ClassifierOptions) -> Result<Self> {
        super::ActionSet::new(model)?;
        let whole = ClassifierOptions {
            horizon: Horizon::All,
            ..options.clone()
        };
        let fps = options.model_fps.unwrap_or(crate::Pacer::DEFAULT_FPS);
        let frames = |seconds: f32| (seconds * fps).round().max(1.0) as u64;
        Ok(Self {
            whole: Classifier::new(model, None, whole)?,
            live: Classifier::new(model, None, options.clone())?,
            kept: Vec::new(),
            stride: 1,
            fed: 0,
            calibrate_from: frames(CALIBRATE_FROM_SECONDS),
            min_frames: frames(MIN_EXAMPLE_SECONDS),
            embedding: Vec::new(),
        })
    }

    /// Offers the recording a frame; `true` if pacing kept it (fed to the model).
    pub fn push(&mut self, frame: &Frame<'_>) -> Result<bool> {
        let fed = self.whole.push(frame)?.is_some();
        let live = self.live.push(frame)?.is_some();
        debug_assert_eq!(fed, live, "two classifiers with the same pacing");
        if !(fed && live) {
            return Ok(false);
        }
        let index = self.fed;
        self.fed += 1;
        if index >= self.calibrate_from && (index - self.calibrate_from) % self.stride == 0 {
            let session = self.live.session();
            session.embedding_into(&mut self.embedding);
            self.kept
                .push(Vector::new(&self.embedding, session.logits())?);
            // Keep at most 2 * MAX_LIVE, evenly spread: thin out and take every other later.
            if self.kept.len() >= 2 * MAX_LIVE {
                let mut k = 0;
                self.kept.retain(|_| {
                    k += 1;
                    k % 2 == 1
                });
                self.stride *= 2;
            }
        }
        Ok(true)
    }

    /// Frames fed to the model so far.
    pub fn frames(&self) -> u64 {
        self.fed
    }

    /// The example recorded so far; the recorder starts over. Fails with
    /// [`Error::InvalidActionSet`](crate::Error::InvalidActionSet) when fewer than 1 s of
    /// frames were fed (5 at 5 fps).
    pub fn finish(&mut self) -> Result<ActionExample> {
        let fed = self.fed;
        if fed < self.min_frames {
            self.reset();
            return Err(invalid(format!(
                "an example needs at least {MIN_EXAMPLE_SECONDS} s of video ({} frames fed to \
                 the model), got {fed}",
                self.min_frames
            )));
        }
        let session = self.whole.session();
        session.embedding_into(&mut self.embedding);
        let clip = Vector::new(&self.embedding, session.logits())?;
        let step = self.kept.len().div_ceil(MAX_LIVE).max(1);
        let live = self
            .kept
            .iter()
            .step_by(step)
            .take(MAX_LIVE)
            .cloned()
            .collect();
        self.reset();
        Ok(ActionExample { clip, live })
    }

    /// Starts over: frames pushed so far are forgotten.
    pub fn reset(&mut self) {
        self.whole.reset();
        self.live.reset();
        self.kept.clear();
        self.stride = 1;
        self.fed = 0;
    }
}
