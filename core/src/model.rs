//! A loaded model: the flatbuffer, compiled once for the CPU, shared by any number of
//! sessions (a session is only its own state buffers).

use std::fmt;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::engine::{AlignedBytes, CompiledModel, SignatureInfo};
use crate::error::{Error, Result};
use crate::horizon::{self, CumulativePool};
use crate::session::Session;
use crate::spec::ModelSpec;

/// How a model is compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelOptions {
    /// CPU threads for inference. One is the fastest per frame on small models and leaves
    /// the other cores to the app; see the benchmarks.
    pub threads: usize,
}

impl Default for ModelOptions {
    fn default() -> Self {
        Self { threads: 1 }
    }
}

/// Largest model file accepted (the official A2 int8 file is 5.1 MB).
const MAX_MODEL_BYTES: u64 = 512 << 20;

/// A MoViNet stream model, compiled and ready. Cheap to clone; clones share one compiled model.
#[derive(Clone)]
pub struct Model {
    inner: Arc<ModelInner>,
}

struct ModelInner {
    spec: ModelSpec,
    /// The tensors of the signature `spec` describes (types LiteRT's buffers are made for).
    signature: SignatureInfo,
    options: ModelOptions,
    /// The cumulative average pools a bounded horizon rescales between frames.
    pools: Vec<CumulativePool>,
    /// LiteRT runs need exclusive access to the compiled model; sessions take turns.
    engine: Mutex<CompiledModel>,
}

impl fmt::Debug for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Model")
            .field("spec", &self.inner.spec)
            .field("options", &self.inner.options)
            .finish()
    }
}

impl Model {
    /// Loads a `.tflite` file.
    pub fn from_file(path: impl AsRef<Path>, options: &ModelOptions) -> Result<Self> {
        let path = path.as_ref();
        let io = |source| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::ModelNotFound {
                    path: path.to_path_buf(),
                })
            }
            Err(e) => return Err(io(e)),
        };
        if meta.is_dir() {
            return Err(Error::NotTflite(format!(
                "{} is a directory",
                path.display()
            )));
        }
        if meta.len() > MAX_MODEL_BYTES {
            return Err(Error::NotTflite(format!(
                "{} is {} bytes, larger than any MoViNet model",
                path.display(),
                meta.len()
            )));
        }
        let bytes = std::fs::read(path).map_err(io)?;
        log::debug!("loading model {} ({} bytes)", path.display(), bytes.len());
        Self::from_bytes(&bytes, options)
    }

    /// Loads a model from its bytes (e.g. an app asset). The bytes are copied once into
    /// aligned memory that lives as long as the model.
    pub fn from_bytes(bytes: &[u8], options: &ModelOptions) -> Result<Self> {
        if options.threads == 0 || options.threads > 64 {
            return Err(Error::InvalidOption(format!(
                "threads must be between 1 and 64, got {}",
                options.threads
            )));
        }
        crate::flatbuffer::check_tflite(bytes)?;
        let (engine, signatures) =
            CompiledModel::load(AlignedBytes::from_slice(bytes)?, options.threads)?;
        let spec = ModelSpec::discover(&signatures)?;
        let pools = horizon::find_pools(bytes, &spec)?;
        let signature = signatures
            .into_iter()
            .find(|s| s.index == spec.signature_index)
            .ok_or(Error::NoSignature)?;
        log::info!(
            "model: signature `{}`, {}x{} input, {} classes, {} states ({} bytes), {} thread(s)",
            spec.signature_key,
            spec.height,
            spec.width,
            spec.num_classes,
            spec.states.len(),
            spec.state_bytes(),
            options.threads
        );
        log::debug!("model: {} cumulative pool(s)", pools.len());
        Ok(Self {
            inner: Arc::new(ModelInner {
                spec,
                signature,
                options: options.clone(),
                pools,
                engine: Mutex::new(engine),
            }),
        })
    }

    pub fn spec(&self) -> &ModelSpec {
        &self.inner.spec
    }

    pub fn options(&self) -> &ModelOptions {
        &self.inner.options
    }

    /// The model's cumulative average pools (sum and frame-count state pairs), found in its
    /// graph: what a bounded [`Horizon`](crate::Horizon) acts on. One for the official
    /// models' head; more in models that keep squeeze-and-excitation.
    pub fn cumulative_pools(&self) -> &[CumulativePool] {
        &self.inner.pools
    }

    pub(crate) fn signature_tensors(&self) -> &SignatureInfo {
        &self.inner.signature
    }

    /// A new stream with zeroed state.
    pub fn new_session(&self) -> Result<Session> {
        Session::new(self.clone())
    }

    /// Exclusive access to the compiled model for one run.
    pub(crate) fn engine(&self) -> MutexGuard<'_, CompiledModel> {
        // A panic while holding the lock cannot leave LiteRT half-updated in a way a later
        // run would observe (each run rebinds all buffers), so a poisoned lock is usable.
        self.inner
            .engine
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
