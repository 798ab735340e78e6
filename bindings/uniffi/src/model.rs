//! [`MovinetModel`]: a model and its labels, loaded and compiled once, shared by any number of
//! classifiers (the core's `Model`: a classifier on it is only its own stream state).

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::classifier::MovinetClassifier;
use crate::options::{ClassifierOptions, ModelOptions};
use crate::prediction::ModelInfo;
use crate::{MovinetError, Result};

/// A loaded model and its labels. Load it once and make a classifier per camera or video from
/// it (`new_classifier`): they share the compiled model and its weights, and each carries only
/// its own stream (A0: 684,000 bytes of state). `close()` lets go of the model now; the
/// classifiers made from it keep working, and the memory goes with the last of them.
#[derive(uniffi::Object)]
pub struct MovinetModel {
    inner: Mutex<Option<Loaded>>,
    info: ModelInfo,
}

struct Loaded {
    model: movinet::Model,
    labels: Option<movinet::Labels>,
}

impl std::fmt::Debug for MovinetModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MovinetModel")
            .field("info", &self.info)
            .finish()
    }
}

#[uniffi::export]
impl MovinetModel {
    /// Loads a `.tflite` MoViNet stream model and its labels file (one label per line,
    /// exactly one per class of the model). Without `labels_path`, the labels are found by the
    /// core's discovery rule, as the command and Kotlin find them: a `.txt` beside the model
    /// with one label per class, one named after the model's first word first
    /// (`cattle7_labels.txt` for `cattle7_a0_stream_int8.tflite`); with none that fits,
    /// categories are named by their index.
    #[uniffi::constructor(default(labels_path = None, options))]
    pub fn new(
        model_path: String,
        labels_path: Option<String>,
        options: ModelOptions,
    ) -> Result<Arc<Self>> {
        let model = movinet::Model::from_file(&model_path, &options.core())?;
        let labels = match labels_path {
            Some(path) => Some(movinet::Labels::from_file_for(path, model.spec())?),
            None => {
                movinet::Labels::discover(Path::new(&model_path), &[], model.spec().num_classes)
            }
        };
        Ok(Arc::new(Self::loaded(model, labels)))
    }

    /// The same from the model's bytes (e.g. an app asset), read in place, and the labels'
    /// text.
    #[uniffi::constructor(default(labels_text = None, options))]
    pub fn from_bytes(
        model: &[u8],
        labels_text: Option<String>,
        options: ModelOptions,
    ) -> Result<Arc<Self>> {
        let model = movinet::Model::from_bytes(model, &options.core())?;
        let labels = labels_text
            .as_deref()
            .map(movinet::Labels::parse)
            .transpose()?;
        if let Some(l) = &labels {
            l.check(model.spec())?;
        }
        Ok(Arc::new(Self::loaded(model, labels)))
    }

    /// A new stream on this model, with its own pacing, state and events.
    #[uniffi::method(default(options))]
    pub fn new_classifier(&self, options: ClassifierOptions) -> Result<Arc<MovinetClassifier>> {
        let (model, labels) = {
            let guard = self.lock();
            let loaded = guard
                .as_ref()
                .ok_or_else(|| MovinetError::from(movinet::Error::Closed))?;
            (loaded.model.clone(), loaded.labels.clone())
        };
        MovinetClassifier::build(&model, labels, &options)
    }

    /// What the model looks like (still answers after `close()`).
    pub fn model_info(&self) -> ModelInfo {
        self.info.clone()
    }

    /// Lets go of the model now rather than when the last reference goes. Classifiers made
    /// from it keep working (they hold the compiled model too); `new_classifier` fails with
    /// `MovinetError.Closed`. Closing twice is fine.
    pub fn close(&self) {
        let gone = self.lock().take();
        drop(gone);
    }

    pub fn is_closed(&self) -> bool {
        self.lock().is_none()
    }
}

impl MovinetModel {
    fn loaded(model: movinet::Model, labels: Option<movinet::Labels>) -> Self {
        let info = ModelInfo::new(&model, labels.is_some());
        log::debug!("model ready: {info:?}");
        Self {
            inner: Mutex::new(Some(Loaded { model, labels })),
            info,
        }
    }

    /// The core's model (shared, not copied), or `Closed`.
    pub(crate) fn core(&self) -> Result<movinet::Model> {
        self.lock()
            .as_ref()
            .map(|l| l.model.clone())
            .ok_or_else(|| MovinetError::from(movinet::Error::Closed))
    }

    fn lock(&self) -> MutexGuard<'_, Option<Loaded>> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}
