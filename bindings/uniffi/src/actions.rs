//! Custom actions taught on the device (the core's `actions`): [`ActionSet`], a few named
//! actions with their examples, saved to a small file tied to its model; [`ActionRecorder`],
//! which turns a few seconds of frames into an [`ActionExample`]; and
//! `MovinetClassifier.set_actions`, which scores the set's actions instead of the model's
//! classes.

use std::sync::{Arc, Mutex, MutexGuard};

use crate::classifier::MovinetClassifier;
use crate::frame::Frame;
use crate::model::MovinetModel;
use crate::options::ClassifierOptions;
use crate::{MovinetError, Result};

/// One recorded example of an action (opaque: what the model made of a few seconds of it).
#[derive(Debug, uniffi::Object)]
pub struct ActionExample {
    pub(crate) inner: movinet::ActionExample,
}

#[uniffi::export]
impl ActionExample {
    /// Live frames it keeps for calibrating the "none of these" rule.
    pub fn live_frames(&self) -> u32 {
        u32::try_from(self.inner.live_frames()).unwrap_or(u32::MAX)
    }
}

/// A few named actions, each with the examples it was enrolled from, for one model. A
/// classifier given the set (`MovinetClassifier.set_actions`) names these actions instead of
/// the model's classes, and scores low on all of them when it sees none.
#[derive(Debug, uniffi::Object)]
pub struct ActionSet {
    inner: Mutex<movinet::ActionSet>,
}

#[uniffi::export]
impl ActionSet {
    /// An empty set for `model`.
    #[uniffi::constructor]
    pub fn new(model: Arc<MovinetModel>) -> Result<Arc<Self>> {
        let set = movinet::ActionSet::new(&model.core()?)?;
        Ok(Arc::new(Self::wrap(set)))
    }

    /// Reads an action-set file made with `model` (by `save`, or `movinet enroll`). Another
    /// model's set, a damaged or truncated file, or another version fail with
    /// `MovinetError.InvalidActionSet`.
    #[uniffi::constructor]
    pub fn load(path: String, model: Arc<MovinetModel>) -> Result<Arc<Self>> {
        let set = movinet::ActionSet::load(path, &model.core()?)?;
        Ok(Arc::new(Self::wrap(set)))
    }

    /// The same from the file's bytes (read in place).
    #[uniffi::constructor]
    pub fn from_bytes(bytes: &[u8], model: Arc<MovinetModel>) -> Result<Arc<Self>> {
        let set = movinet::ActionSet::from_bytes(bytes, &model.core()?)?;
        Ok(Arc::new(Self::wrap(set)))
    }

    /// Adds an example to the action `name` (a new action comes last).
    pub fn add(&self, name: String, example: Arc<ActionExample>) -> Result<()> {
        Ok(self.lock().add(&name, example.inner.clone())?)
    }

    /// Removes the action `name`; false if there is none.
    pub fn remove(&self, name: String) -> bool {
        self.lock().remove(&name)
    }

    /// The actions' names, in order (a classifier's category `index` i is `names()[i]`).
    pub fn names(&self) -> Vec<String> {
        self.lock().names()
    }

    /// Examples enrolled for `name` (0 if there is no such action).
    pub fn examples(&self, name: String) -> u32 {
        u32::try_from(self.lock().examples(&name)).unwrap_or(u32::MAX)
    }

    /// SHA-256 of the model the set was made with.
    pub fn model_sha256(&self) -> String {
        self.lock().model_sha256()
    }

    /// Writes the set to `path` (an empty set fails with `InvalidActionSet`).
    pub fn save(&self, path: String) -> Result<()> {
        Ok(self.lock().save(path)?)
    }

    /// The bytes of the set's file.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        Ok(self.lock().to_bytes()?)
    }
}

/// The action-set file rules (`ActionSet.add` applies them): an action name of 1 to 100 bytes,
/// no control characters, no spaces at either end. For checking a name before recording.
#[uniffi::export]
pub fn check_action_name(name: String) -> Result<()> {
    Ok(movinet::ActionSet::check_name(&name)?)
}

impl ActionSet {
    fn wrap(set: movinet::ActionSet) -> Self {
        Self {
            inner: Mutex::new(set),
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, movinet::ActionSet> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A copy of the set as it is now.
    pub(crate) fn snapshot(&self) -> movinet::ActionSet {
        self.lock().clone()
    }
}

/// Records one example of an action from frames (a short clip, or a few seconds of camera):
/// `record` each frame as for `MovinetClassifier.classify`, then `finish`. Runs the model
/// twice per frame while it records.
#[derive(uniffi::Object)]
pub struct ActionRecorder {
    inner: Mutex<Option<movinet::ActionRecorder>>,
}

impl std::fmt::Debug for ActionRecorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActionRecorder").finish_non_exhaustive()
    }
}

#[uniffi::export]
impl ActionRecorder {
    /// A recorder on `model` that paces, crops and looks back as a classifier with `options`
    /// would.
    #[uniffi::constructor(default(options))]
    pub fn new(model: Arc<MovinetModel>, options: ClassifierOptions) -> Result<Arc<Self>> {
        let recorder = movinet::ActionRecorder::new(&model.core()?, &options.core())?;
        Ok(Arc::new(Self {
            inner: Mutex::new(Some(recorder)),
        }))
    }

    /// Gives the recording a frame (as `MovinetClassifier.classify` takes it); true if pacing
    /// kept it.
    pub fn record(
        &self,
        frame: Frame,
        plane0: &[u8],
        plane1: &[u8],
        plane2: &[u8],
    ) -> Result<bool> {
        let view = frame.view([plane0, plane1, plane2])?;
        self.with(|r| r.push(&view))
    }

    /// Frames kept so far.
    pub fn frames(&self) -> Result<u64> {
        self.with(|r| Ok(r.frames()))
    }

    /// The example recorded; the recorder starts over. Under a second of frames fails with
    /// `MovinetError.InvalidActionSet`.
    pub fn finish(&self) -> Result<Arc<ActionExample>> {
        let inner = self.with(|r| r.finish())?;
        Ok(Arc::new(ActionExample { inner }))
    }

    /// Forgets the frames recorded so far.
    pub fn reset(&self) -> Result<()> {
        self.with(|r| {
            r.reset();
            Ok(())
        })
    }

    /// Frees the recorder's two streams now. Closing twice is fine; later calls fail with
    /// `MovinetError.Closed`.
    pub fn close(&self) {
        let gone = self.lock().take();
        drop(gone);
    }
}

impl ActionRecorder {
    fn lock(&self) -> MutexGuard<'_, Option<movinet::ActionRecorder>> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&mut movinet::ActionRecorder) -> movinet::Result<T>,
    ) -> Result<T> {
        let mut guard = self.lock();
        let recorder = guard
            .as_mut()
            .ok_or_else(|| MovinetError::from(movinet::Error::Closed))?;
        Ok(f(recorder)?)
    }
}

/// Where an [`ActionTeacher`] is.
#[derive(Debug, Clone, Copy, PartialEq, uniffi::Record)]
pub struct TeachProgress {
    /// Clips recorded so far, and to record.
    pub clips_done: u32,
    pub clips: u32,
    /// Share (0 to 1) of the clip being recorded, 0 between clips.
    pub clip_fraction: f32,
    /// Whether a clip is being recorded.
    pub recording: bool,
    /// Every clip is recorded: `commit` adds them.
    pub done: bool,
}

impl From<movinet::TeachProgress> for TeachProgress {
    fn from(p: movinet::TeachProgress) -> Self {
        let n = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
        Self {
            clips_done: n(p.clips_done),
            clips: n(p.clips),
            clip_fraction: p.clip_fraction,
            recording: p.recording,
            done: p.done(),
        }
    }
}

/// "Teach an action" (the sample apps' flow): name it, record a few short clips of it with the
/// live classifier (`start_clip`, then `after_frame` after each prediction until the clip ends
/// by itself), then `commit` them into a set. The rules (3 clips of 3 s) are the core's.
#[derive(Debug, uniffi::Object)]
pub struct ActionTeacher {
    inner: Mutex<movinet::ActionTeacher>,
}

#[uniffi::export]
impl ActionTeacher {
    /// A teacher for the action `name` recording with `classifier`.
    #[uniffi::constructor]
    pub fn new(name: String, classifier: Arc<MovinetClassifier>) -> Result<Arc<Self>> {
        let teacher = classifier.with_core(|c| movinet::ActionTeacher::new(&name, c))?;
        Ok(Arc::new(Self {
            inner: Mutex::new(teacher),
        }))
    }

    pub fn name(&self) -> String {
        self.lock().name().to_string()
    }

    /// Starts recording the next clip (the classifier's stream starts over).
    pub fn start_clip(&self, classifier: Arc<MovinetClassifier>) -> Result<TeachProgress> {
        let mut t = self.lock();
        Ok(classifier.with_core(|c| t.start_clip(c))?.into())
    }

    /// After each prediction of `classifier`: ends the clip once it is long enough.
    pub fn after_frame(&self, classifier: Arc<MovinetClassifier>) -> Result<TeachProgress> {
        let mut t = self.lock();
        Ok(classifier.with_core(|c| t.after_frame(c))?.into())
    }

    /// Where the flow is.
    pub fn progress(&self, classifier: Arc<MovinetClassifier>) -> Result<TeachProgress> {
        let t = self.lock();
        Ok(classifier.with_core(|c| Ok(t.progress(c)))?.into())
    }

    /// Adds the recorded clips to `set` (nothing before every clip is recorded).
    pub fn commit(&self, set: Arc<ActionSet>) -> Result<()> {
        let mut t = self.lock();
        Ok(t.commit(&mut set.lock())?)
    }
}

impl ActionTeacher {
    fn lock(&self) -> MutexGuard<'_, movinet::ActionTeacher> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}
