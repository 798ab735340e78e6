//! Recording an example of an action from frames: a short clip, or a segment of a live
//! camera stream. A [`Classifier`] records one between `start_example` and `finish_example`
//! (the frames it is pushed meanwhile); an [`ActionRecorder`] is a classifier that does
//! nothing else.

use super::{invalid, ActionExample, Vector, MAX_LIVE};
use crate::classifier::{Classifier, ClassifierOptions};
use crate::error::Result;
use crate::frame::Frame;
use crate::model::Model;
use crate::session::{Input, InputMut, Session};

/// Seconds into an example from which its live frames calibrate the rule (before that, the
/// live horizon has seen too little of it).
const CALIBRATE_FROM_SECONDS: f32 = 1.0;
/// The shortest example, in seconds of frames fed to the model.
pub const MIN_EXAMPLE_SECONDS: f32 = 1.0;

/// An example being recorded beside a classifier's own stream: a second stream over the whole
/// segment (the horizon `all`: what the segment shows, the example's centre), fed the frames
/// the classifier's stream is fed, and the classifier's live outputs (what live frames of the
/// action look like, to calibrate the "none of these" rule).
pub(crate) struct Recording {
    whole: Session,
    /// Live (embedding, logits) pairs from [`CALIBRATE_FROM_SECONDS`] on, every `stride`-th.
    kept: Vec<Vector>,
    stride: u64,
    fed: u64,
    /// Model frames before calibration starts, and the fewest an example may have.
    calibrate_from: u64,
    min_frames: u64,
    embedding: Vec<f32>,
}

impl Recording {
    /// A recording on `model`, fed frames at `fps`. Fails if the model exposes no embedding.
    pub(crate) fn new(model: &Model, fps: f32) -> Result<Self> {
        super::ActionSet::new(model)?;
        let frames = |seconds: f32| (seconds * fps).round().max(1.0) as u64;
        Ok(Self {
            whole: model.new_session()?,
            kept: Vec::new(),
            stride: 1,
            fed: 0,
            calibrate_from: frames(CALIBRATE_FROM_SECONDS),
            min_frames: frames(MIN_EXAMPLE_SECONDS),
            embedding: Vec::new(),
        })
    }

    /// After `live` (the classifier's stream) ran a frame: the same frame through the
    /// whole-segment stream, and the live outputs kept.
    pub(crate) fn after_run(&mut self, live: &Session) -> Result<()> {
        match (live.input(), self.whole.input_mut()) {
            (Input::Int8(from), InputMut::Int8(to)) => to.copy_from_slice(from),
            (Input::Float32(from), InputMut::Float32(to)) => to.copy_from_slice(from),
            // Two sessions of one model take the same input type.
            _ => return Err(invalid("the recording's stream takes another input type")),
        }
        self.whole.run_input()?;
        let index = self.fed;
        self.fed += 1;
        if index >= self.calibrate_from && (index - self.calibrate_from) % self.stride == 0 {
            live.embedding_into(&mut self.embedding);
            self.kept.push(Vector::new(&self.embedding, live.logits())?);
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
        Ok(())
    }

    /// Frames recorded so far.
    pub(crate) fn frames(&self) -> u64 {
        self.fed
    }

    /// Forgets the frames recorded so far.
    pub(crate) fn clear(&mut self) {
        self.whole.reset();
        self.kept.clear();
        self.stride = 1;
        self.fed = 0;
    }

    /// The example. Fails with [`Error::InvalidActionSet`](crate::Error::InvalidActionSet)
    /// when fewer than 1 s of frames were fed (5 at 5 fps).
    pub(crate) fn finish(&mut self) -> Result<ActionExample> {
        if self.fed < self.min_frames {
            return Err(invalid(format!(
                "an example needs at least {MIN_EXAMPLE_SECONDS} s of video ({} frames fed to \
                 the model), got {}",
                self.min_frames, self.fed
            )));
        }
        self.whole.embedding_into(&mut self.embedding);
        let clip = Vector::new(&self.embedding, self.whole.logits())?;
        // At most MAX_LIVE of them, evenly spread.
        let (have, n) = (self.kept.len(), self.kept.len().min(MAX_LIVE));
        let live = (0..n).map(|i| self.kept[i * have / n].clone()).collect();
        Ok(ActionExample { clip, live })
    }
}

/// Turns the frames of one example (a few seconds of someone doing the action) into an
/// [`ActionExample`]: push its frames as a [`Classifier`] takes them (the same pacing, crop and
/// preprocessing, from the same [`ClassifierOptions`]), then [`finish`](Self::finish). It is a
/// classifier that only records (`Classifier::start_example`): two model runs per frame, one
/// through the options' live horizon and one over the whole segment.
pub struct ActionRecorder {
    classifier: Classifier,
}

impl ActionRecorder {
    /// A recorder for `model` with the pacing, crop and horizon of `options` (the other
    /// options do not matter here). Fails like [`Classifier::new`], or if the model exposes no
    /// embedding.
    pub fn new(model: &Model, options: &ClassifierOptions) -> Result<Self> {
        let mut classifier = Classifier::new(model, None, options.clone())?;
        classifier.start_example()?;
        Ok(Self { classifier })
    }

    /// Offers the recording a frame; `true` if pacing kept it (fed to the model).
    pub fn push(&mut self, frame: &Frame<'_>) -> Result<bool> {
        Ok(self.classifier.push(frame)?.is_some())
    }

    /// Frames fed to the model so far.
    pub fn frames(&self) -> u64 {
        self.classifier.example_frames().unwrap_or(0)
    }

    /// The example recorded so far; the recorder starts over. Fails with
    /// [`Error::InvalidActionSet`](crate::Error::InvalidActionSet) when fewer than 1 s of
    /// frames were fed (5 at 5 fps).
    pub fn finish(&mut self) -> Result<ActionExample> {
        let example = self.classifier.finish_example();
        self.classifier.start_example()?;
        example
    }

    /// Starts over: frames pushed so far are forgotten.
    pub fn reset(&mut self) {
        self.classifier.reset();
    }
}
