//! The whole pipeline for one camera or video stream: pace, preprocess, run, postprocess.
//!
//! ```no_run
//! use movinet::{Classifier, ClassifierOptions, Frame, Labels, Model, ModelOptions};
//! use std::time::Duration;
//! let model = Model::from_file("movinet_a0_stream_int8.tflite", &ModelOptions::default())?;
//! let labels = Labels::from_file("kinetics600_labels.txt")?;
//! let mut classifier = Classifier::new(&model, Some(labels), ClassifierOptions::default())?;
//! # let (y, vu) = (vec![0u8; 640 * 480], vec![128u8; 640 * 240]);
//! // For each camera frame:
//! let frame = Frame::nv21(&y, 640, &vu, 640, 640, 480)?.with_timestamp(Duration::from_millis(33));
//! if let Some(prediction) = classifier.push(&frame)? {
//!     for c in &prediction.categories {
//!         println!("{} {:.2}", c.label, c.score);
//!     }
//! }
//! # Ok::<(), movinet::Error>(())
//! ```

use std::time::{Duration, Instant};

use crate::actions::recorder::Recording;
use crate::actions::{ActionExample, ActionSet};
use crate::error::{Error, Result};
use crate::events::{Event, EventChange, EventDetector, EventOptions};
use crate::frame::Frame;
use crate::horizon::Horizon;
use crate::labels::Labels;
use crate::model::Model;
use crate::pacing::{Pacer, PacerStats};
use crate::postprocess::{self, Category};
use crate::preprocess::{Crop, Preprocessor};
use crate::session::{InputMut, Session};

/// How a [`Classifier`] paces, crops and reports.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassifierOptions {
    /// Categories per prediction, best first (at least 1; more than the model's classes
    /// gives them all).
    pub top_k: usize,
    /// Categories scoring below this (0 to 1) are left out of predictions.
    pub score_threshold: f32,
    /// Frames per second fed to the model, from the frames' timestamps; `None` feeds every
    /// frame. The models were trained at 5.
    pub model_fps: Option<f32>,
    /// How early (a fraction of a frame interval, 0 to below 1) a frame may be and still
    /// count for its slot; 0.1 suits live cameras, 0 reproduces the reference's selection
    /// on videos. See [`Pacer`].
    pub pace_tolerance: f32,
    /// Which part of the upright frame the model sees.
    pub crop: Crop,
    /// Exponential moving average of the probabilities reported: each prediction is
    /// `smoothing * previous + (1 - smoothing) * current`. 0 (the default) turns it off; it
    /// must be below 1. The model's stream state already integrates over the horizon, so this
    /// only steadies what an app displays (and delays changes of label).
    pub smoothing: f32,
    /// How far back predictions look: [`Horizon::LIVE`] (2 s) by default, so that labels
    /// follow a change of action; [`Horizon::All`] gives one label for a whole clip (the model
    /// as exported). Seconds are counted in frames at `fps` (5 when `fps` is `None`).
    pub horizon: Horizon,
    /// When a label becomes an action event (see [`Prediction::events`]).
    pub events: EventOptions,
}

impl Default for ClassifierOptions {
    fn default() -> Self {
        Self {
            top_k: 3,
            score_threshold: 0.0,
            model_fps: Some(Pacer::DEFAULT_FPS),
            pace_tolerance: Pacer::DEFAULT_TOLERANCE,
            crop: Crop::CenterSquare,
            smoothing: 0.0,
            horizon: Horizon::LIVE,
            events: EventOptions::DEFAULT,
        }
    }
}

impl ClassifierOptions {
    /// Fails with [`Error::InvalidOption`] naming the first option out of range.
    pub fn validate(&self) -> Result<()> {
        if self.top_k == 0 {
            return Err(Error::option("top_k", "must be at least 1, got 0"));
        }
        if !(self.score_threshold.is_finite() && (0.0..=1.0).contains(&self.score_threshold)) {
            return Err(Error::option(
                "score_threshold",
                format!("must be between 0 and 1, got {}", self.score_threshold),
            ));
        }
        if !(self.smoothing.is_finite() && (0.0..1.0).contains(&self.smoothing)) {
            return Err(Error::option(
                "smoothing",
                format!("must be at least 0 and below 1, got {}", self.smoothing),
            ));
        }
        Pacer::new(self.model_fps, self.pace_tolerance)?;
        Preprocessor::new(1, 1, self.crop)?;
        self.horizon_frames()?;
        self.events.validate()?;
        Ok(())
    }

    /// The frame rate the model is fed at: `fps`, or the models' 5 when every frame is fed.
    fn model_fps(&self) -> f32 {
        self.model_fps.unwrap_or(Pacer::DEFAULT_FPS)
    }

    /// The horizon in model frames (`None` for all).
    pub fn horizon_frames(&self) -> Result<Option<u32>> {
        self.horizon.frames(self.model_fps())
    }
}

/// Where the time of one prediction went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Timings {
    /// Colour conversion, rotation, crop and resize into the model input.
    pub preprocess: Duration,
    /// The model run (and, while an example is recorded, the recording's second run).
    pub inference: Duration,
    /// Softmax, smoothing, top-k and events.
    pub postprocess: Duration,
    /// The whole `push`, frame checks and pacing included.
    pub total: Duration,
}

impl Timings {
    /// `d` in milliseconds, the unit every binding, the command and the benchmarks report
    /// times in.
    pub fn ms(d: Duration) -> f64 {
        d.as_secs_f64() * 1e3
    }
}

/// What the classifier says after a frame it fed to the model.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// The `top_k` most probable classes at or above the score threshold, best first.
    pub categories: Vec<Category>,
    /// Index of the frame among all frames pushed since the start or the last reset,
    /// paced-out ones included.
    pub frame_index: u64,
    /// Frames the model has seen in this stream, this one included.
    pub model_frames: u64,
    /// The frame's timestamp.
    pub timestamp: Option<Duration>,
    /// Where the time of this prediction went.
    pub timings: Timings,
    /// Action events that started or ended on this frame, in that order (usually none): see
    /// [`EventOptions`]. [`Classifier::current_event`] is the one under way.
    pub events: Vec<EventChange>,
}

impl Prediction {
    /// The best category, if any cleared the threshold.
    pub fn top(&self) -> Option<&Category> {
        self.categories.first()
    }
}

/// A model stream with its pacer, preprocessing and postprocessing: push camera frames in,
/// get predictions out. One per camera or video; several may share one [`Model`].
pub struct Classifier {
    session: Session,
    labels: Option<Labels>,
    options: ClassifierOptions,
    preprocessor: Preprocessor,
    pacer: Pacer,
    /// Probabilities of the last prediction (smoothed when smoothing is on).
    probabilities: Vec<f32>,
    /// This frame's probabilities before smoothing.
    current: Vec<f32>,
    /// Class indices, the top-k scratch space.
    order: Vec<usize>,
    pushed: u64,
    events: EventDetector,
    /// The action set scored instead of the model's classes, if any.
    actions: Option<Actions>,
    /// The example being recorded, if any (`start_example`).
    recording: Option<Recording>,
}

/// An action set at work in a classifier, with its scratch space.
struct Actions {
    set: ActionSet,
    labels: Labels,
    embedding: Vec<f32>,
    feature: Vec<f32>,
    /// The actions' scores and "none of these" last, as the event detector sees them.
    with_none: Vec<f32>,
}

impl Actions {
    /// The event detector's index of "none of these".
    fn none(&self) -> usize {
        self.set.len()
    }
}

impl Classifier {
    /// A new stream on `model`. Labels, when given, must name exactly the model's classes;
    /// without them categories are named by their index.
    pub fn new(model: &Model, labels: Option<Labels>, options: ClassifierOptions) -> Result<Self> {
        options.validate()?;
        let spec = model.spec();
        if let Some(l) = &labels {
            l.check(spec)?;
        }
        let n = spec.num_classes;
        let mut session = model.new_session()?;
        if let Some(k) = options.horizon_frames()? {
            session.set_horizon(Horizon::Frames(k))?;
        }
        Ok(Self {
            preprocessor: Preprocessor::for_model(spec, options.crop)?,
            pacer: Pacer::new(options.model_fps, options.pace_tolerance)?,
            session,
            events: EventDetector::new(options.events)?,
            labels,
            options,
            probabilities: vec![0.0; n],
            current: vec![0.0; n],
            order: Vec::with_capacity(n),
            pushed: 0,
            actions: None,
            recording: None,
        })
    }

    /// Starts recording an example of an action (for an [`ActionSet`]) from the next frame:
    /// the stream starts over (as [`Classifier::reset`] does), and the frames pushed from now
    /// on are the example, until [`Classifier::finish_example`]. Predictions go on meanwhile;
    /// each frame fed costs a second model run. Starting again drops what was recorded. Fails
    /// if the model exposes no embedding.
    pub fn start_example(&mut self) -> Result<()> {
        let recording = Recording::new(self.session.model(), self.options.model_fps())?;
        self.reset();
        self.recording = Some(recording);
        Ok(())
    }

    /// Frames recorded since [`Classifier::start_example`], `None` when not recording.
    pub fn example_frames(&self) -> Option<u64> {
        self.recording.as_ref().map(Recording::frames)
    }

    /// Ends the recording and returns the example; the stream goes on. Fails with
    /// [`Error::InvalidActionSet`] when nothing is being recorded or less than 1 s of frames
    /// was (5 at 5 fps).
    pub fn finish_example(&mut self) -> Result<ActionExample> {
        let mut recording = self.recording.take().ok_or_else(|| {
            Error::InvalidActionSet(
                "no example is being recorded (start one with start_example)".into(),
            )
        })?;
        recording.finish()
    }

    /// Scores the actions of `actions` instead of the model's own classes from the next
    /// frame on (`None`: back to the model's classes): predictions, their top-k, the score
    /// threshold, smoothing and events then name the set's actions, and a frame that shows
    /// none of them scores low on all. For the event detector "none of these" is one more
    /// class that never becomes an event: when it leads, the action under way ends as when
    /// another takes over. The stream's state carries on; smoothing starts over and the event
    /// under way is dropped (call [`Classifier::finish_event`] first to end it).
    /// Fails with [`Error::ActionSetModelMismatch`] for a set made with another model, and
    /// [`Error::InvalidActionSet`] for an empty one.
    pub fn set_actions(&mut self, actions: Option<ActionSet>) -> Result<()> {
        let actions = match actions {
            Some(set) => {
                set.check_model(self.session.model())?;
                Some(Actions {
                    labels: set.labels()?,
                    set,
                    embedding: Vec::new(),
                    feature: Vec::new(),
                    with_none: Vec::new(),
                })
            }
            None => None,
        };
        let n = actions
            .as_ref()
            .map_or(self.session.model().spec().num_classes, |a| a.set.len());
        self.actions = actions;
        self.probabilities = vec![0.0; n];
        self.current = vec![0.0; n];
        self.order = Vec::with_capacity(n);
        self.events.reset();
        Ok(())
    }

    /// The action set scored instead of the model's classes, if any.
    pub fn actions(&self) -> Option<&ActionSet> {
        self.actions.as_ref().map(|a| &a.set)
    }

    /// Labels of what predictions score: the action set's names, or the model's labels.
    fn class_labels(&self) -> Option<&Labels> {
        match &self.actions {
            Some(a) => Some(&a.labels),
            None => self.labels.as_ref(),
        }
    }

    /// This frame's scores into `out`: the action set's, or the softmax of the logits.
    fn scores_into(session: &Session, actions: Option<&mut Actions>, out: &mut [f32]) {
        match actions {
            Some(a) => {
                session.embedding_into(&mut a.embedding);
                a.set
                    .scores_into(&a.embedding, session.logits(), &mut a.feature, out);
            }
            None => postprocess::softmax(session.logits(), out),
        }
    }

    /// Offers the stream a frame. Returns the prediction after it, or `None` when pacing
    /// leaves the frame out. A frame that does not fit the crop fails even when it would
    /// have been left out.
    pub fn push(&mut self, frame: &Frame<'_>) -> Result<Option<Prediction>> {
        let start = Instant::now();
        self.preprocessor.prepare(frame)?;
        let frame_index = self.pushed;
        self.pushed += 1;
        if !self.pacer.accept(frame.timestamp()) {
            return Ok(None);
        }
        let t0 = Instant::now();
        match self.session.input_mut() {
            InputMut::Float32(x) => self.preprocessor.run(frame, x)?,
            InputMut::Int8(q) => self.preprocessor.run(frame, q)?,
        }
        let t1 = Instant::now();
        self.session.run_input()?;
        if let Some(r) = &mut self.recording {
            r.after_run(&self.session)?;
        }
        let t2 = Instant::now();
        let categories = self.postprocess();
        let model_frames = self.session.frames();
        // Stream time: the frame's timestamp, or its place at the model's rate without one.
        let time = frame.timestamp().unwrap_or_else(|| {
            Duration::from_secs_f64(
                model_frames.saturating_sub(1) as f64 / f64::from(self.options.model_fps()),
            )
        });
        let mut events = Vec::new();
        match &mut self.actions {
            // "None of these" is one more class for the detector: when it leads, the event
            // under way ends as when another action takes over, and it is never an event.
            Some(a) => {
                a.with_none.clear();
                a.with_none.extend_from_slice(&self.probabilities);
                let rest = 1.0 - self.probabilities.iter().sum::<f32>();
                a.with_none.push(rest.max(0.0));
                self.events
                    .update(time, &a.with_none, Some(&a.labels), &mut events);
                let none = a.none();
                events.retain(|c| c.event().index != none);
            }
            None => {
                self.events
                    .update(time, &self.probabilities, self.labels.as_ref(), &mut events)
            }
        }
        let t3 = Instant::now();
        Ok(Some(Prediction {
            categories,
            frame_index,
            model_frames,
            timestamp: frame.timestamp(),
            events,
            timings: Timings {
                preprocess: t1 - t0,
                inference: t2 - t1,
                postprocess: t3 - t2,
                total: t3 - start,
            },
        }))
    }

    /// Paces a frame by its timestamp alone, before it is built or copied. `false`: pacing
    /// leaves the frame out, and it is counted exactly as [`Classifier::push`] would count it
    /// (a frame index, a dropped frame in [`Classifier::pacer_stats`]), so don't push it.
    /// `true`: push it next; pacing then keeps it (unless another frame is pushed first).
    /// For bindings whose frames cost a copy to hand over: a dropped frame then costs nothing.
    pub fn pace(&mut self, timestamp: Option<Duration>) -> bool {
        if self.pacer.would_accept(timestamp) {
            return true;
        }
        self.pushed += 1;
        self.pacer.accept(timestamp)
    }

    fn postprocess(&mut self) -> Vec<Category> {
        let s = self.options.smoothing;
        if s > 0.0 && self.session.frames() > 1 {
            Self::scores_into(&self.session, self.actions.as_mut(), &mut self.current);
            for (p, &c) in self.probabilities.iter_mut().zip(&self.current) {
                *p = s * *p + (1.0 - s) * c;
            }
        } else {
            Self::scores_into(
                &self.session,
                self.actions.as_mut(),
                &mut self.probabilities,
            );
        }
        let scores = &self.probabilities;
        let k = self.options.top_k.min(scores.len());
        self.order.clear();
        self.order.extend(0..scores.len());
        // Best first; ties keep the lower index first (as `postprocess::top_k`).
        let by_score = |a: &usize, b: &usize| scores[*b].total_cmp(&scores[*a]).then(a.cmp(b));
        if k < self.order.len() {
            self.order.select_nth_unstable_by(k - 1, by_score);
        }
        let top = &mut self.order[..k];
        top.sort_unstable_by(by_score);
        let threshold = self.options.score_threshold;
        let labels = match &self.actions {
            Some(a) => Some(&a.labels),
            None => self.labels.as_ref(),
        };
        top.iter()
            .take_while(|&&i| scores[i] >= threshold)
            .map(|&index| Category {
                index,
                label: labels
                    .and_then(|l| l.get(index))
                    .map_or_else(|| index.to_string(), str::to_owned),
                score: scores[index],
            })
            .collect()
    }

    /// Starts a new stream: zero model state, a new pacing grid, no smoothing history, no
    /// event under way (call [`Classifier::finish_event`] first to end it), frame counts back
    /// to 0; an example being recorded starts over.
    pub fn reset(&mut self) {
        if let Some(r) = &mut self.recording {
            r.clear();
        }
        self.session.reset();
        self.pacer.reset();
        self.probabilities.fill(0.0);
        self.pushed = 0;
        self.events.reset();
    }

    /// The action event under way (its `end` is `None`): the current action, steadier than
    /// the top category of each prediction.
    pub fn current_event(&self) -> Option<&Event> {
        let none = self.actions.as_ref().map(Actions::none);
        self.events.current().filter(|e| Some(e.index) != none)
    }

    /// Ends the event under way, if any, and returns it: e.g. at the end of a video. It ends
    /// where its label left the top, or at the end of the last frame fed.
    pub fn finish_event(&mut self) -> Option<Event> {
        let none = self.actions.as_ref().map(Actions::none);
        self.events.finish().filter(|e| Some(e.index) != none)
    }

    /// Scores of all classes after the last prediction (smoothed when smoothing is on), index
    /// i for class i: the model's class probabilities, or with an action set the actions'
    /// scores.
    pub fn probabilities(&self) -> &[f32] {
        &self.probabilities
    }

    /// Frames kept and dropped by pacing since the start or the last reset.
    pub fn pacer_stats(&self) -> PacerStats {
        self.pacer.stats()
    }

    /// Frames pushed since the start or the last reset.
    pub fn frames_pushed(&self) -> u64 {
        self.pushed
    }

    /// The options it was made with.
    pub fn options(&self) -> &ClassifierOptions {
        &self.options
    }

    /// The labels naming its categories, if any: the model's labels, or with an action set
    /// its actions' names.
    pub fn labels(&self) -> Option<&Labels> {
        self.class_labels()
    }

    /// The model it runs.
    pub fn model(&self) -> &Model {
        self.session.model()
    }

    /// The model stream underneath (its logits, frame count, snapshots).
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The model stream underneath, mutable: e.g. to restore a snapshot. Running frames on
    /// it directly bypasses pacing and smoothing.
    pub fn session_mut(&mut self) -> &mut Session {
        &mut self.session
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_are_validated() {
        assert!(ClassifierOptions::default().validate().is_ok());
        let bad = [
            ClassifierOptions {
                top_k: 0,
                ..Default::default()
            },
            ClassifierOptions {
                score_threshold: 1.5,
                ..Default::default()
            },
            ClassifierOptions {
                score_threshold: f32::NAN,
                ..Default::default()
            },
            ClassifierOptions {
                smoothing: 1.0,
                ..Default::default()
            },
            ClassifierOptions {
                model_fps: Some(0.0),
                ..Default::default()
            },
            ClassifierOptions {
                pace_tolerance: -0.5,
                ..Default::default()
            },
            ClassifierOptions {
                horizon: Horizon::Seconds(0.0),
                ..Default::default()
            },
            ClassifierOptions {
                horizon: Horizon::Frames(0),
                ..Default::default()
            },
            ClassifierOptions {
                events: EventOptions {
                    min_score: -0.1,
                    ..EventOptions::DEFAULT
                },
                ..Default::default()
            },
            ClassifierOptions {
                crop: Crop::Region {
                    x: 0,
                    y: 0,
                    width: 0,
                    height: 10,
                },
                ..Default::default()
            },
        ];
        for o in bad {
            assert!(
                matches!(o.validate(), Err(Error::InvalidOption { .. })),
                "{o:?}"
            );
        }
    }

    #[test]
    fn classifier_is_send() {
        fn send<T: Send>() {}
        send::<Classifier>();
    }
}
