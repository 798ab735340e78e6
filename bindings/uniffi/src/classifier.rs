//! [`MovinetClassifier`]: one stream on a model (the core's `Classifier`), and the
//! [`EventListener`] its action events go to.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::actions::ActionSet;
use crate::frame::{timestamp, Frame};
use crate::model::MovinetModel;
use crate::options::{default_model_options, ClassifierOptions, ModelOptions};
use crate::prediction::{Event, EventChange, ModelInfo, PacerStats, Prediction};
use crate::{MovinetError, Result};

/// Receives a classifier's action events as they start and end, without polling: implement it
/// (a Swift class, a Python subclass) and pass it to `add_event_listener`. It is called on the
/// thread that called `classify`, after the classifier's lock is released (so it may call the
/// classifier), once per change, in order. A listener that throws is logged and skipped.
#[uniffi::export(with_foreign)]
pub trait EventListener: Send + Sync {
    fn on_event(&self, change: EventChange);
}

/// A MoViNet stream classifier: a model, its labels and one stream's state. Give it the
/// frames of one camera or video in order; `reset()` starts a new stream. Calls are
/// serialised (the object is safe to share between threads). `close()` frees the stream (and
/// the model, unless a `MovinetModel` or another classifier still holds it) at once; any later
/// call fails with `MovinetError.Closed`.
#[derive(uniffi::Object)]
pub struct MovinetClassifier {
    inner: Mutex<Option<movinet::Classifier>>,
    info: ModelInfo,
    listeners: Mutex<Vec<(u64, Arc<dyn EventListener>)>>,
    next_listener: AtomicU64,
}

impl std::fmt::Debug for MovinetClassifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MovinetClassifier")
            .field("info", &self.info)
            .finish()
    }
}

#[uniffi::export]
impl MovinetClassifier {
    /// Loads a model and its labels for this classifier alone (`model_options`: how; `None`
    /// is `ModelOptions()`; without `labels_path` the labels are discovered beside the model,
    /// as `MovinetModel`'s are): `MovinetModel` and its `new_classifier` do the same for a
    /// model shared by several streams.
    #[uniffi::constructor(default(labels_path = None, model_options = None, options))]
    pub fn new(
        model_path: String,
        labels_path: Option<String>,
        options: ClassifierOptions,
        model_options: Option<ModelOptions>,
    ) -> Result<Arc<Self>> {
        // Options first: a bad option fails before the model is read.
        options.core().validate()?;
        let model_options = model_options.unwrap_or_else(default_model_options);
        MovinetModel::new(model_path, labels_path, model_options)?.new_classifier(options)
    }

    /// The same from the model's bytes (e.g. an app asset), read in place, and the labels'
    /// text.
    #[uniffi::constructor(default(labels_text = None, model_options = None, options))]
    pub fn from_bytes(
        model: &[u8],
        labels_text: Option<String>,
        options: ClassifierOptions,
        model_options: Option<ModelOptions>,
    ) -> Result<Arc<Self>> {
        options.core().validate()?;
        let model_options = model_options.unwrap_or_else(default_model_options);
        MovinetModel::from_bytes(model, labels_text, model_options)?.new_classifier(options)
    }

    /// Offers pacing a frame's timestamp before the frame is built or copied: `false` means
    /// the classifier leaves the frame out, and has counted it exactly as `classify` would
    /// (`frame_index`, `pacer_stats`), so drop it without calling `classify`; `true` means
    /// classify it next, and pacing keeps it then (unless another frame comes in between).
    /// Costs no frame at all: for frames that take a copy to hand over (Swift's `async`
    /// forms, numpy arrays).
    pub fn pace(&self, timestamp_us: Option<i64>) -> Result<bool> {
        let t = timestamp(timestamp_us)?;
        self.with(|c| Ok(c.pace(t)))
    }

    /// Gives the classifier a frame: `frame` describes it, `plane0` to `plane2` are its
    /// planes' bytes in the order of `frame.planes` (empty for planes the format does not
    /// have). The bytes are read in place during the call, not copied. Returns the prediction
    /// after the frame, or `None` when pacing leaves it out (or fails with
    /// `MovinetError.InvalidFrame` saying what is wrong with the frame).
    pub fn classify(
        &self,
        frame: Frame,
        plane0: &[u8],
        plane1: &[u8],
        plane2: &[u8],
    ) -> Result<Option<Prediction>> {
        let view = frame.view([plane0, plane1, plane2])?;
        let prediction = self.with(|c| c.push(&view))?;
        if let Some(p) = &prediction {
            if !p.events.is_empty() {
                self.publish(&p.events);
            }
        }
        Ok(prediction.map(Into::into))
    }

    /// The action event under way (its `end_us` is `None`): the current action, steadier than
    /// each prediction's top category.
    pub fn current_event(&self) -> Result<Option<Event>> {
        self.with(|c| Ok(c.current_event().cloned().map(Into::into)))
    }

    /// Ends the event under way, if any, and returns it (e.g. at the end of a video); event
    /// listeners get its end too. `reset()` drops it without an end.
    pub fn finish_event(&self) -> Result<Option<Event>> {
        let ended = self.with(|c| Ok(c.finish_event()))?;
        if let Some(e) = &ended {
            self.publish(&[movinet::EventChange::Ended(e.clone())]);
        }
        Ok(ended.map(Into::into))
    }

    /// Calls `listener` with every event change from now on; returns an id for
    /// `remove_event_listener`. Listeners go when the classifier is closed.
    pub fn add_event_listener(&self, listener: Arc<dyn EventListener>) -> Result<u64> {
        // Refuse on a closed classifier, as every other call does.
        self.with(|_| Ok(()))?;
        let id = self.next_listener.fetch_add(1, Ordering::Relaxed);
        self.listeners().push((id, listener));
        Ok(id)
    }

    /// Stops calling the listener `add_event_listener` returned `id` for; false if there is
    /// none (already removed, or the classifier was closed).
    pub fn remove_event_listener(&self, id: u64) -> bool {
        let mut listeners = self.listeners();
        let before = listeners.len();
        listeners.retain(|(i, _)| *i != id);
        listeners.len() != before
    }

    /// Starts a new stream: zero model state, new pacing, no smoothing history, no event under
    /// way (call `finish_event()` first to end it).
    pub fn reset(&self) -> Result<()> {
        self.with(|c| {
            c.reset();
            Ok(())
        })
    }

    /// Scores the actions of `actions` instead of the model's classes from the next frame on
    /// (`None`: back to the model's classes): categories, events and `probabilities()` then
    /// name the set's actions (a copy of the set as it is now; later changes to the set need
    /// another call). A set made with another model fails with
    /// `MovinetError.InvalidActionSet`. The event under way is dropped.
    pub fn set_actions(&self, actions: Option<Arc<ActionSet>>) -> Result<()> {
        let set = actions.map(|a| a.snapshot());
        self.with(|c| c.set_actions(set))
    }

    /// Starts recording an example of an action from the next frame (for an `ActionSet`):
    /// the stream starts over, and the frames classified from now on are the example until
    /// `finish_example`. Predictions go on meanwhile; each frame costs a second model run.
    pub fn start_example(&self) -> Result<()> {
        self.with(|c| c.start_example())
    }

    /// Frames recorded since `start_example`, `None` when not recording.
    pub fn example_frames(&self) -> Result<Option<u64>> {
        self.with(|c| Ok(c.example_frames()))
    }

    /// Ends the recording and returns the example (`ActionSet.add` takes it). Nothing
    /// recorded, or under a second of frames, fails with `MovinetError.InvalidActionSet`.
    pub fn finish_example(&self) -> Result<Arc<crate::actions::ActionExample>> {
        let inner = self.with(|c| c.finish_example())?;
        Ok(Arc::new(crate::actions::ActionExample { inner }))
    }

    /// The names of the actions scored instead of the model's classes (empty without a set).
    pub fn action_names(&self) -> Result<Vec<String>> {
        self.with(|c| {
            Ok(c.actions()
                .map(movinet::ActionSet::names)
                .unwrap_or_default())
        })
    }

    /// Probabilities of every class after the last prediction (index i for class i): with an
    /// action set, the actions' scores.
    pub fn probabilities(&self) -> Result<Vec<f32>> {
        self.with(|c| Ok(c.probabilities().to_vec()))
    }

    /// Frames kept and left out by pacing since the start or the last reset.
    pub fn pacer_stats(&self) -> Result<PacerStats> {
        self.with(|c| Ok(c.pacer_stats().into()))
    }

    /// What the model looks like (still answers after `close()`).
    pub fn model_info(&self) -> ModelInfo {
        self.info.clone()
    }

    /// Frees the stream state (and the model, if nothing else holds it) now rather than when
    /// the last reference goes. Closing twice is fine; any other call after it fails with
    /// `MovinetError.Closed`.
    pub fn close(&self) {
        let gone = self.lock().take();
        drop(gone);
        let gone = std::mem::take(&mut *self.listeners());
        drop(gone);
    }

    pub fn is_closed(&self) -> bool {
        self.lock().is_none()
    }
}

impl MovinetClassifier {
    pub(crate) fn build(
        model: &movinet::Model,
        labels: Option<movinet::Labels>,
        options: &ClassifierOptions,
    ) -> Result<Arc<Self>> {
        let info = ModelInfo::new(model, labels.is_some());
        let classifier = movinet::Classifier::new(model, labels, options.core())?;
        Ok(Arc::new(Self {
            inner: Mutex::new(Some(classifier)),
            info,
            listeners: Mutex::new(Vec::new()),
            next_listener: AtomicU64::new(1),
        }))
    }

    fn listeners(&self) -> MutexGuard<'_, Vec<(u64, Arc<dyn EventListener>)>> {
        self.listeners.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Hands `changes` to every listener, outside both locks; a listener that fails is logged.
    fn publish(&self, changes: &[movinet::EventChange]) {
        let listeners: Vec<Arc<dyn EventListener>> = self
            .listeners()
            .iter()
            .map(|(_, l)| Arc::clone(l))
            .collect();
        for change in changes {
            for l in &listeners {
                let change = EventChange::from(change.clone());
                if catch_unwind(AssertUnwindSafe(|| l.on_event(change))).is_err() {
                    log::warn!("an event listener failed; the event was skipped for it");
                }
            }
        }
    }

    fn lock(&self) -> MutexGuard<'_, Option<movinet::Classifier>> {
        // A panic inside the core while the lock was held is reported to the caller by
        // UniFFI; the classifier stays usable (every run rebinds all of its buffers).
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` on the open core classifier, or fails with `Closed`.
    pub(crate) fn with_core<T>(
        &self,
        f: impl FnOnce(&mut movinet::Classifier) -> movinet::Result<T>,
    ) -> Result<T> {
        self.with(f)
    }

    /// Runs `f` on the open classifier, or fails with `Closed`.
    fn with<T>(&self, f: impl FnOnce(&mut movinet::Classifier) -> movinet::Result<T>) -> Result<T> {
        let mut guard = self.lock();
        let classifier = guard
            .as_mut()
            .ok_or_else(|| MovinetError::from(movinet::Error::Closed))?;
        Ok(f(classifier)?)
    }
}
