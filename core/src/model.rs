//! A loaded model: the flatbuffer, compiled once for the CPU, shared by any number of
//! sessions (a session is only its own state buffers).

use std::fmt;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::engine::{AlignedBytes, CompiledModel, SignatureInfo};
use crate::error::{Error, Result};
use crate::session::Session;
use crate::spec::ModelSpec;

/// How a model is compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelOptions {
    /// CPU threads for inference. One is the fastest per frame on small models and leaves
    /// the other cores to the app; see the benchmarks.
    pub threads: usize,
    /// Run the model on its int8 tensors at its inputs and outputs where the file's float
    /// interface only converts to and from them exactly (on by default): stream states whose
    /// QUANTIZE and DEQUANTIZE agree are carried as int8 (a quarter of the memory, no
    /// conversion per frame), and an image input quantized at 1/255 with zero point -128
    /// takes the preprocessed levels straight. The logits are bit-identical either way; off
    /// runs the file's interface exactly as it is (float states, float image), e.g. to feed
    /// or inspect states as floats.
    pub int8_io: bool,
}

impl Default for ModelOptions {
    fn default() -> Self {
        Self {
            threads: 1,
            int8_io: true,
        }
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
        let mut flatbuffer = AlignedBytes::from_slice(bytes)?;
        if options.int8_io {
            apply_int8_io(bytes, &mut flatbuffer);
        }
        let (engine, signatures) = CompiledModel::load(flatbuffer, options.threads)?;
        let spec = ModelSpec::discover(&signatures)?;
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
        Ok(Self {
            inner: Arc::new(ModelInner {
                spec,
                signature,
                options: options.clone(),
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

/// The load-time int8 pass on the copy LiteRT will load. The rewritten bytes are verified like
/// any model; should that (or the pass) ever fail, the model loads as the file has it.
fn apply_int8_io(original: &[u8], flatbuffer: &mut AlignedBytes) {
    let targets = crate::int8_io::Targets {
        states: true,
        image: true,
    };
    let outcome = crate::int8_io::rewrite(flatbuffer.as_mut_slice(), targets)
        .map_err(Error::CorruptModel)
        .and_then(|r| crate::flatbuffer::check_tflite(flatbuffer.as_slice()).map(|()| r));
    match outcome {
        Ok(r) => log::debug!(
            "int8 I/O: {} states and {} image kept int8, {} operators dropped",
            r.states.len(),
            if r.image { "the" } else { "no" },
            r.operators_dropped
        ),
        Err(e) => {
            log::warn!("int8 I/O pass left out: {e}");
            flatbuffer.as_mut_slice().copy_from_slice(original);
        }
    }
}
