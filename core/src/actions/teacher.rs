//! "Teach an action": the sample apps' flow (name an action, record a few short clips of it
//! with the live classifier, then see it live), as a small state machine the UI drives, so
//! that its rules live here, tested on a host, and the apps only draw it.

use super::{invalid, ActionExample, ActionSet};
use crate::classifier::Classifier;
use crate::error::Result;

/// Where a [`ActionTeacher`] is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TeachProgress {
    /// Clips recorded so far.
    pub clips_done: usize,
    /// Clips to record.
    pub clips: usize,
    /// Share (0 to 1) of the clip being recorded, 0 between clips.
    pub clip_fraction: f32,
    /// Whether a clip is being recorded.
    pub recording: bool,
}

impl TeachProgress {
    /// Every clip is recorded: [`ActionTeacher::commit`] adds them.
    pub fn done(&self) -> bool {
        self.clips_done >= self.clips
    }
}

/// Teaches one action from a few short clips recorded by the live classifier: `start_clip`,
/// then `after_frame` after each prediction until it says the clip is done (it ends the
/// recording itself), as many times as [`ActionTeacher::CLIPS`]; then `commit` into a set.
#[derive(Debug)]
pub struct ActionTeacher {
    name: String,
    clips: usize,
    frames_per_clip: u64,
    examples: Vec<ActionExample>,
    recording: bool,
}

impl ActionTeacher {
    /// Clips recorded per action: with 3 clips per class the five gym moves measured 0.98
    /// top-1 (benches/README.md).
    pub const CLIPS: usize = 3;
    /// Seconds per clip: long enough for two or three repetitions of a move.
    pub const CLIP_SECONDS: f32 = 3.0;

    /// A teacher for the action `name` (checked by the action-set rules), recording clips of
    /// [`ActionTeacher::CLIP_SECONDS`] with `classifier` (at the frame rate it feeds the
    /// model).
    pub fn new(name: &str, classifier: &Classifier) -> Result<Self> {
        ActionSet::check_name(name)?;
        let fps = classifier
            .options()
            .model_fps
            .unwrap_or(crate::Pacer::DEFAULT_FPS);
        Ok(Self {
            name: name.to_string(),
            clips: Self::CLIPS,
            frames_per_clip: (Self::CLIP_SECONDS * fps).round().max(1.0) as u64,
            examples: Vec::new(),
            recording: false,
        })
    }

    /// The action's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Where the flow is.
    pub fn progress(&self, classifier: &Classifier) -> TeachProgress {
        let frames = classifier.example_frames().filter(|_| self.recording);
        TeachProgress {
            clips_done: self.examples.len(),
            clips: self.clips,
            clip_fraction: frames
                .map_or(0.0, |n| (n as f32 / self.frames_per_clip as f32).min(1.0)),
            recording: self.recording,
        }
    }

    /// Starts recording the next clip with `classifier` (its stream starts over). Fails when
    /// every clip is recorded.
    pub fn start_clip(&mut self, classifier: &mut Classifier) -> Result<TeachProgress> {
        if self.examples.len() >= self.clips {
            return Err(invalid(format!(
                "`{}` has its {} clips: commit them",
                self.name, self.clips
            )));
        }
        classifier.start_example()?;
        self.recording = true;
        Ok(self.progress(classifier))
    }

    /// After each prediction of `classifier`: once the clip being recorded is long enough,
    /// ends it and keeps the example. Nothing happens between clips.
    pub fn after_frame(&mut self, classifier: &mut Classifier) -> Result<TeachProgress> {
        let long_enough = classifier
            .example_frames()
            .is_some_and(|n| n >= self.frames_per_clip);
        if self.recording && long_enough {
            self.recording = false;
            self.examples.push(classifier.finish_example()?);
        }
        Ok(self.progress(classifier))
    }

    /// Adds the recorded clips to `set` as the action's examples. Fails (and adds nothing)
    /// before every clip is recorded.
    pub fn commit(&mut self, set: &mut ActionSet) -> Result<()> {
        if self.examples.len() < self.clips {
            return Err(invalid(format!(
                "`{}` has {} of its {} clips",
                self.name,
                self.examples.len(),
                self.clips
            )));
        }
        let mut next = set.clone();
        for e in &self.examples {
            next.add(&self.name, e.clone())?;
        }
        *set = next;
        self.examples.clear();
        Ok(())
    }
}
