//! Custom actions taught from a few examples, on the device, without training.
//!
//! An [`ActionSet`] is a few named actions, each with the examples it was enrolled from: what
//! the model made of a short clip or live segment (its [embedding](crate::EmbeddingSpec) and
//! its own class scores at the end of the segment, and along it through the live horizon). A
//! [`Classifier`](crate::Classifier) given a set (`set_actions`) scores those actions instead
//! of the model's classes, and everything downstream (top-k, the score threshold, smoothing,
//! events, timelines) works on them. A frame that shows none of them scores low on all, so it
//! starts no event.
//!
//! ```no_run
//! use movinet::{ActionRecorder, ActionSet, Classifier, ClassifierOptions, Frame, Model, ModelOptions};
//! # fn frames() -> Vec<Frame<'static>> { Vec::new() }
//! let model = Model::from_file("movinet_a0_stream_int8.tflite", &ModelOptions::default())?;
//! let mut actions = ActionSet::new(&model)?;
//! for _ in 0..3 {
//!     let mut recorder = ActionRecorder::new(&model, &ClassifierOptions::default())?;
//!     for frame in frames() {          // a few seconds of someone doing a squat
//!         recorder.push(&frame)?;
//!     }
//!     actions.add("squat", recorder.finish()?)?;
//! }
//! actions.save("gym.actions")?;        // later: ActionSet::load("gym.actions", &model)?
//! let mut classifier = Classifier::new(&model, None, ClassifierOptions::default())?;
//! classifier.set_actions(Some(actions))?;
//! # Ok::<(), movinet::Error>(())
//! ```
//!
//! The head (how examples become scores, and the "none of these" rule) is fitted from the
//! examples alone whenever the set changes or is loaded: see `head.rs` for the rule and
//! `benches/README.md` for the measurements behind it. A saved set records the model it was
//! made with (its SHA-256) and refuses to load for another.

mod file;
mod head;
pub(crate) mod recorder;
mod teacher;
#[cfg(test)]
mod tests;

use std::path::Path;

use crate::error::{Error, Result};
use crate::files::{no_such_file, read_regular, ReadError};
use crate::labels::Labels;
use crate::model::Model;

pub use file::VERSION as FILE_VERSION;
pub use head::REJECT_FRACTION;
pub use recorder::ActionRecorder;
pub use teacher::{ActionTeacher, TeachProgress};

/// Most actions in a set.
pub const MAX_ACTIONS: usize = 32;
/// Most examples of one action.
pub const MAX_EXAMPLES: usize = 32;
/// Most live frames an example keeps for calibrating the rule.
pub const MAX_LIVE: usize = 16;
/// Longest action name, in bytes of UTF-8.
pub const MAX_NAME_BYTES: usize = 100;
/// Largest action-set file read.
const MAX_FILE_BYTES: u64 = 16 << 20;

fn invalid(why: impl Into<String>) -> Error {
    Error::InvalidActionSet(why.into())
}

/// An action's name: 1 to [`MAX_NAME_BYTES`] bytes, no control characters, no spaces at
/// either end (`"squat "` and `"squat"` would be two actions that look like one).
pub(crate) fn check_name(name: &str) -> Result<()> {
    if name.trim().is_empty() {
        return Err(invalid("an action's name is empty"));
    }
    if name.len() > MAX_NAME_BYTES {
        return Err(invalid(format!(
            "the action name `{}...` is longer than {MAX_NAME_BYTES} bytes",
            name.chars().take(20).collect::<String>()
        )));
    }
    if name.chars().any(char::is_control) {
        return Err(invalid(format!(
            "the action name {name:?} contains a control character"
        )));
    }
    if name.trim() != name {
        return Err(invalid(format!(
            "the action name {name:?} starts or ends with a space"
        )));
    }
    Ok(())
}

/// Values quantized to 8 bits as stored (`value = min + step * level`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Part {
    min: f32,
    step: f32,
    levels: Vec<u8>,
}

/// Largest magnitude a stored value may have (the models' embeddings and logits stay far
/// below: A0's embedding is at most 6, its logits within ±30).
const MAX_VALUE: f32 = 1e6;

impl Part {
    fn quantize(values: &[f32], what: &str) -> Result<Self> {
        if let Some(bad) = values
            .iter()
            .find(|x| !(x.is_finite() && x.abs() <= MAX_VALUE))
        {
            return Err(invalid(format!("{what} holds {bad}")));
        }
        let min = values.iter().copied().fold(f32::INFINITY, f32::min);
        let max = values.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let (min, step) = if values.is_empty() {
            (0.0, 0.0)
        } else {
            (min, (max - min) / 255.0)
        };
        let levels = values
            .iter()
            .map(|&x| {
                if step > 0.0 {
                    ((x - min) / step).round().clamp(0.0, 255.0) as u8
                } else {
                    0
                }
            })
            .collect();
        Ok(Self { min, step, levels })
    }

    /// A stored part, checked: `min` and `step` finite and in range.
    fn stored(min: f32, step: f32, levels: Vec<u8>, what: &str) -> Result<Self> {
        let ok = min.is_finite()
            && min.abs() <= MAX_VALUE
            && step.is_finite()
            && (0.0..=2.0 * MAX_VALUE / 255.0).contains(&step)
            && (min + 255.0 * step).abs() <= 2.0 * MAX_VALUE;
        if !ok {
            return Err(invalid(format!(
                "{what} is out of range (offset {min}, step {step})"
            )));
        }
        Ok(Self { min, step, levels })
    }

    fn values(&self) -> Vec<f32> {
        self.levels
            .iter()
            .map(|&q| self.min + self.step * f32::from(q))
            .collect()
    }
}

/// What the model made of one moment: its embedding and its logits, as stored.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Vector {
    embedding: Part,
    logits: Part,
}

impl Vector {
    fn new(embedding: &[f32], logits: &[f32]) -> Result<Self> {
        Ok(Self {
            embedding: Part::quantize(embedding, "an embedding")?,
            logits: Part::quantize(logits, "a logits vector")?,
        })
    }

    /// The (embedding, logits) values.
    fn values(&self) -> (Vec<f32>, Vec<f32>) {
        (self.embedding.values(), self.logits.values())
    }
}

/// One enrolled example of an action: what the model made of a short clip or live segment,
/// over the whole segment and along it through the live horizon. Made by an
/// [`ActionRecorder`] from frames (or, from outputs already at hand, by
/// [`ActionExample::from_outputs`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ActionExample {
    /// The whole segment: the embedding and logits at its end with the horizon `all`.
    clip: Vector,
    /// Live frames from 1 s into the segment (at most [`MAX_LIVE`]), for the rule.
    live: Vec<Vector>,
}

impl ActionExample {
    /// An example from a model's outputs: the embedding and logits at the end of a segment
    /// run with the horizon `all`, and some (embedding, logits) pairs along it with the live
    /// horizon (the first [`MAX_LIVE`] are kept). The values are stored at 8 bits, as a saved
    /// set keeps them. Non-finite or huge values are [`Error::InvalidActionSet`].
    pub fn from_outputs(
        embedding: &[f32],
        logits: &[f32],
        live: &[(Vec<f32>, Vec<f32>)],
    ) -> Result<Self> {
        let clip = Vector::new(embedding, logits)?;
        let live = live
            .iter()
            .take(MAX_LIVE)
            .map(|(e, l)| Vector::new(e, l))
            .collect::<Result<Vec<_>>>()?;
        let fits = |v: &Vector| {
            v.embedding.levels.len() == embedding.len() && v.logits.levels.len() == logits.len()
        };
        if !live.iter().all(fits) || embedding.is_empty() || logits.is_empty() {
            return Err(invalid(
                "an example's live frames differ in size from its whole-segment outputs",
            ));
        }
        Ok(Self { clip, live })
    }

    /// Live frames kept for calibrating the rule.
    pub fn live_frames(&self) -> usize {
        self.live.len()
    }

    /// What the rule is calibrated on: the live frames, or the whole segment without any.
    fn calibration(&self) -> impl Iterator<Item = &Vector> {
        let whole = self.live.is_empty().then_some(&self.clip);
        self.live.iter().chain(whole)
    }

    fn sizes(&self) -> (usize, usize) {
        (
            self.clip.embedding.levels.len(),
            self.clip.logits.levels.len(),
        )
    }
}

/// A named action and its examples.
#[derive(Debug, Clone, PartialEq)]
struct Action {
    name: String,
    examples: Vec<ActionExample>,
}

/// A few named actions, each with the examples it was enrolled from, for one model: see the
/// [module docs](self).
#[derive(Debug, Clone, PartialEq)]
pub struct ActionSet {
    model_sha256: [u8; 32],
    /// Values per embedding and logits of the model.
    width: usize,
    classes: usize,
    actions: Vec<Action>,
    head: head::Head,
}

fn digest_bytes(hex: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = hex
            .get(2 * i..2 * i + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .unwrap_or(0);
    }
    out
}

impl ActionSet {
    /// An empty set for `model`. Fails with [`Error::CorruptModel`] (kind `InvalidModel`) if
    /// the model exposes no embedding (every supported MoViNet model does).
    pub fn new(model: &Model) -> Result<Self> {
        let Some(embedding) = &model.spec().embedding else {
            return Err(Error::CorruptModel(
                "the model has no classifier head whose features the SDK can find, so it \
                 cannot learn custom actions"
                    .into(),
            ));
        };
        Ok(Self {
            model_sha256: digest_bytes(model.sha256()),
            width: embedding.width,
            classes: model.spec().num_classes,
            actions: Vec::new(),
            head: head::Head::default(),
        })
    }

    /// Checks an action name by the rule [`ActionSet::add`] applies: 1 to
    /// [`MAX_NAME_BYTES`] bytes, no control characters, no spaces at either end. For callers
    /// that check names before recording anything.
    pub fn check_name(name: &str) -> Result<()> {
        check_name(name)
    }

    /// Adds an example to the action `name`, creating the action if it is new (then it comes
    /// last). Fails with [`Error::InvalidActionSet`] for a bad name, an example of another
    /// model's size, or more than [`MAX_ACTIONS`] actions or [`MAX_EXAMPLES`] examples.
    pub fn add(&mut self, name: &str, example: ActionExample) -> Result<()> {
        check_name(name)?;
        if example.sizes() != (self.width, self.classes) {
            return Err(invalid(format!(
                "the example has {} embedding values and {} classes, the set's model {} and {}",
                example.sizes().0,
                example.sizes().1,
                self.width,
                self.classes
            )));
        }
        let count = self.actions.len();
        match self.actions.iter_mut().find(|a| a.name == name) {
            Some(a) if a.examples.len() >= MAX_EXAMPLES => {
                return Err(invalid(format!(
                    "`{name}` has {MAX_EXAMPLES} examples already, the most an action has"
                )));
            }
            Some(a) => a.examples.push(example),
            None if count >= MAX_ACTIONS => {
                return Err(invalid(format!(
                    "the set has {MAX_ACTIONS} actions already, the most a set has"
                )));
            }
            None => self.actions.push(Action {
                name: name.to_string(),
                examples: vec![example],
            }),
        }
        self.refit();
        Ok(())
    }

    /// Removes the action `name` and its examples; `false` if there is none of that name.
    pub fn remove(&mut self, name: &str) -> bool {
        let before = self.actions.len();
        self.actions.retain(|a| a.name != name);
        let removed = self.actions.len() != before;
        if removed {
            self.refit();
        }
        removed
    }

    fn refit(&mut self) {
        self.refit_with(REJECT_FRACTION);
    }

    /// Fits the head with another rule fraction than [`REJECT_FRACTION`]: for the benchmark
    /// that sweeps it, not a stable API (a set refits with the default when it changes).
    #[doc(hidden)]
    pub fn refit_with(&mut self, reject_fraction: f32) {
        self.head = head::Head::fit(
            self.actions.iter().map(|a| a.examples.as_slice()),
            reject_fraction,
        );
    }

    /// The actions' names, in order: class `i` of a classifier's predictions is `names()[i]`.
    pub fn names(&self) -> Vec<String> {
        self.actions.iter().map(|a| a.name.clone()).collect()
    }

    /// The actions' names as [`Labels`].
    pub fn labels(&self) -> Result<Labels> {
        Labels::parse(&self.names().join("\n"))
            .map_err(|_| invalid("the set has no actions to name"))
    }

    /// Examples enrolled for `name` (0 if there is no such action).
    pub fn examples(&self, name: &str) -> usize {
        self.actions
            .iter()
            .find(|a| a.name == name)
            .map_or(0, |a| a.examples.len())
    }

    /// Number of actions.
    pub fn len(&self) -> usize {
        self.actions.len()
    }

    /// Whether the set has no action yet.
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }

    /// SHA-256 of the model the set was made with (64 hexadecimal digits).
    pub fn model_sha256(&self) -> String {
        self.model_sha256
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// Fails with [`Error::ActionSetModelMismatch`] unless the set was made with `model`.
    pub fn check_model(&self, model: &Model) -> Result<()> {
        if self.model_sha256 != digest_bytes(model.sha256()) {
            return Err(Error::ActionSetModelMismatch {
                expected: self.model_sha256(),
                actual: model.sha256().to_string(),
            });
        }
        Ok(())
    }

    /// Each action's threshold on the similarity (the "none of these" rule), in order.
    #[doc(hidden)]
    pub fn thresholds(&self) -> Vec<f32> {
        self.head.thresholds()
    }

    /// The actions' scores (one per action, best near 1; together with "none of these" they
    /// sum to 1) for a model's embedding and logits after a frame. `feature` is scratch space.
    pub(crate) fn scores_into(
        &self,
        embedding: &[f32],
        logits: &[f32],
        feature: &mut Vec<f32>,
        out: &mut [f32],
    ) {
        head::feature(embedding, logits, feature);
        self.head.scores(feature, out);
    }

    /// The actions' scores for one frame's embedding and logits (e.g. `Session::embedding()`
    /// and `Session::logits()`): one per action, near 1 for an action the frame shows; with
    /// the share of "none of these" they sum to 1. Zeros for outputs of another model's sizes.
    pub fn scores(&self, embedding: &[f32], logits: &[f32]) -> Vec<f32> {
        let mut out = vec![0.0; self.actions.len()];
        if embedding.len() == self.width && logits.len() == self.classes {
            self.scores_into(embedding, logits, &mut Vec::new(), &mut out);
        }
        out
    }

    /// How the set scores a recorded example (one not in the set, e.g. a new recording to
    /// check before adding it, or a left-out clip): the scores of its whole segment, and of
    /// each live frame it kept (see [`ActionSet::scores`]).
    pub fn score_example(&self, example: &ActionExample) -> (Vec<f32>, Vec<Vec<f32>>) {
        let score = |v: &Vector| {
            let (embedding, logits) = v.values();
            self.scores(&embedding, &logits)
        };
        (
            score(&example.clip),
            example.live.iter().map(score).collect(),
        )
    }

    /// The set as the bytes of an action-set file. Fails with [`Error::InvalidActionSet`]
    /// when it has no action.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        if self.actions.is_empty() {
            return Err(invalid("the set has no actions to save"));
        }
        Ok(file::write(self))
    }

    /// Writes the set to `path` (see [`ActionSet::to_bytes`]).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let bytes = self.to_bytes()?;
        std::fs::write(path, bytes).map_err(|source| Error::Write {
            path: path.to_path_buf(),
            source,
        })
    }

    /// Reads a set from the bytes of an action-set file made with `model`. Anything else is
    /// an error of the kind `InvalidActionSet`: not such a file, another version, truncated
    /// or damaged, made with another model ([`Error::ActionSetModelMismatch`]), or contents
    /// out of range.
    pub fn from_bytes(bytes: &[u8], model: &Model) -> Result<Self> {
        Self::new(model)?.read(bytes)
    }

    /// This empty set filled with what a file made for its model holds.
    fn read(self, bytes: &[u8]) -> Result<Self> {
        let contents = file::read(bytes, &self.model_sha256, self.width, self.classes)?;
        let mut set = Self {
            actions: contents
                .into_iter()
                .map(|(name, examples)| Action { name, examples })
                .collect(),
            ..self
        };
        set.refit();
        Ok(set)
    }

    /// [`ActionSet::from_bytes`] on a file: a regular file of at most 16 MB.
    pub fn load(path: impl AsRef<Path>, model: &Model) -> Result<Self> {
        let path = path.as_ref();
        let io = |source| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        let bytes = read_regular(path, MAX_FILE_BYTES).map_err(|e| match e {
            ReadError::NotFound => io(no_such_file()),
            ReadError::NotRegular(kind) => invalid(format!(
                "{} is {kind}, not an action-set file",
                path.display()
            )),
            ReadError::TooLarge(cap) => invalid(format!(
                "{} is larger than {} MB, too large for an action-set file",
                path.display(),
                cap >> 20
            )),
            ReadError::Io(source) => io(source),
        })?;
        Self::from_bytes(&bytes, model).map_err(|e| match e {
            Error::InvalidActionSet(m) => invalid(format!("{}: {m}", path.display())),
            other => other,
        })
    }
}
