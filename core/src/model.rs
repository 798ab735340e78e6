//! A loaded model: the flatbuffer, compiled once for the CPU, shared by any number of
//! sessions (a session is only its own state buffers).

use std::fmt;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use sha2::{Digest, Sha256};

use crate::engine::{AlignedBytes, CompiledModel, SignatureInfo};
use crate::error::{Error, Result};
use crate::files::{read_regular, ReadError};
use crate::horizon::{self, CumulativePool};
use crate::session::Session;
use crate::spec::ModelSpec;

/// How a model is loaded and compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelOptions {
    /// CPU threads for inference (1 to 64). One is the fastest per frame on small models and
    /// leaves the other cores to the app; see the benchmarks.
    pub threads: usize,
    /// The SHA-256 the model file must have, as 64 hexadecimal digits (what `sha256sum`
    /// prints; `models/manifest.toml` lists the official files'). When set, the bytes are
    /// hashed before anything else reads them, and any other file is
    /// [`Error::ModelDigestMismatch`]: a truncated or corrupted download, or a replaced file,
    /// never reaches LiteRT. `None` loads any file that passes the verifier.
    pub model_sha256: Option<String>,
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
    /// One thread, no expected digest, the int8 pass on.
    fn default() -> Self {
        Self {
            threads: 1,
            model_sha256: None,
            int8_io: true,
        }
    }
}

impl ModelOptions {
    /// Checks every option; the expected digest comes back as 32 bytes.
    fn validate(&self) -> Result<Option<[u8; 32]>> {
        if self.threads == 0 || self.threads > 64 {
            return Err(Error::option(
                "threads",
                format!("must be between 1 and 64, got {}", self.threads),
            ));
        }
        self.model_sha256.as_deref().map(parse_sha256).transpose()
    }
}

/// Largest model file accepted (the official A2 int8 file is 5.1 MB).
const MAX_MODEL_BYTES: u64 = 512 << 20;

/// What [`Model::verify`] found in a model file it accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelSummary {
    /// Size of the file.
    pub bytes: usize,
    /// SHA-256 of the file, 64 lower-case hexadecimal digits: what
    /// [`ModelOptions::model_sha256`] takes to pin this file.
    pub sha256: String,
    /// Subgraphs of the model.
    pub subgraphs: usize,
    /// Tensors of all subgraphs.
    pub tensors: usize,
    /// Each builtin operator the model uses (by its schema name) and how many times, most
    /// used first.
    pub operators: Vec<(String, usize)>,
}

/// The bytes of a model file: a regular file of at most [`MAX_MODEL_BYTES`].
fn read_model_file(path: &Path) -> Result<Vec<u8>> {
    read_regular(path, MAX_MODEL_BYTES).map_err(|e| match e {
        ReadError::NotFound => Error::ModelNotFound {
            path: path.to_path_buf(),
        },
        ReadError::NotRegular(kind) => {
            Error::NotTflite(format!("{} is {kind}, not a model file", path.display()))
        }
        ReadError::TooLarge(cap) => Error::NotTflite(format!(
            "{} is larger than any MoViNet model (over {} MB)",
            path.display(),
            cap >> 20
        )),
        ReadError::Io(source) => Error::Io {
            path: path.to_path_buf(),
            source,
        },
    })
}

/// 64 hexadecimal digits (either case) as 32 bytes.
fn parse_sha256(text: &str) -> Result<[u8; 32]> {
    let invalid = || {
        Error::option(
            "model_sha256",
            format!(
                "must be 64 hexadecimal digits, got `{}`",
                text.chars().take(80).collect::<String>()
            ),
        )
    };
    let digits = text.as_bytes();
    if digits.len() != 64 {
        return Err(invalid());
    }
    let mut out = [0u8; 32];
    for (byte, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
        let hex = |c: u8| (c as char).to_digit(16).ok_or_else(invalid);
        *byte = (hex(pair[0])? * 16 + hex(pair[1])?) as u8;
    }
    Ok(out)
}

fn check_digest(actual: &[u8; 32], expected: &[u8; 32]) -> Result<()> {
    if actual != expected {
        return Err(Error::ModelDigestMismatch {
            expected: hex(expected),
            actual: hex(actual),
        });
    }
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A MoViNet stream model, compiled and ready. Cheap to clone; clones share one compiled model.
#[derive(Clone)]
pub struct Model {
    inner: Arc<ModelInner>,
}

struct ModelInner {
    spec: ModelSpec,
    /// SHA-256 of the bytes given, 64 lower-case hexadecimal digits.
    sha256: String,
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
    /// Loads a `.tflite` file: a regular file (not a FIFO or device) of at most 512 MB.
    pub fn from_file(path: impl AsRef<Path>, options: &ModelOptions) -> Result<Self> {
        let path = path.as_ref();
        options.validate()?;
        let bytes = read_model_file(path)?;
        log::debug!("loading model {} ({} bytes)", path.display(), bytes.len());
        Self::from_bytes(&bytes, options)
    }

    /// Runs every check [`Model::from_bytes`] makes before LiteRT sees the bytes (the options
    /// and expected SHA-256, the flatbuffer's structure, every operator's shapes, operands and
    /// quantization), without loading the model, and says what the model contains. What only
    /// a load shows (the MoViNet interface, whether LiteRT can prepare the graph) is not
    /// checked here; `movinet check` does both, the load in a separate process.
    pub fn verify(bytes: &[u8], options: &ModelOptions) -> Result<ModelSummary> {
        let expected = options.validate()?;
        let sha256: [u8; 32] = Sha256::digest(bytes).into();
        if let Some(expected) = expected {
            check_digest(&sha256, &expected)?;
        }
        crate::flatbuffer::check_tflite(bytes)?;
        let contents = crate::shapes::contents(bytes)?;
        Ok(ModelSummary {
            bytes: bytes.len(),
            sha256: hex(&sha256),
            subgraphs: contents.subgraphs,
            tensors: contents.tensors,
            operators: contents.operators,
        })
    }

    /// [`Model::verify`] on a file, read as [`Model::from_file`] reads it.
    pub fn verify_file(path: impl AsRef<Path>, options: &ModelOptions) -> Result<ModelSummary> {
        options.validate()?;
        Self::verify(&read_model_file(path.as_ref())?, options)
    }

    /// Loads a model from its bytes (e.g. an app asset). The bytes are copied once into
    /// aligned memory that lives as long as the model.
    ///
    /// In order: the options; the expected SHA-256, if given; the verifier (the flatbuffer's
    /// structure, then every operator's shapes, operands and quantization: `flatbuffer` and
    /// `shapes`); LiteRT's load and compile; the MoViNet interface; and a first run on a zero
    /// state, since LiteRT prepares the graph only when it first runs it.
    pub fn from_bytes(bytes: &[u8], options: &ModelOptions) -> Result<Self> {
        // As `verify`. The digest is kept: action sets record the model they were made with.
        let expected = options.validate()?;
        let sha256: [u8; 32] = Sha256::digest(bytes).into();
        if let Some(expected) = expected {
            check_digest(&sha256, &expected)?;
        }
        crate::flatbuffer::check_tflite(bytes)?;
        let exposed = expose_embedding(bytes);
        let bytes = exposed.as_deref().unwrap_or(bytes);
        let mut flatbuffer = AlignedBytes::from_slice(bytes)?;
        if options.int8_io {
            apply_int8_io(bytes, &mut flatbuffer);
        }
        let (engine, signatures) = CompiledModel::load(flatbuffer, options.threads)?;
        let spec = ModelSpec::discover(&signatures)?;
        // The pools as LiteRT runs them: in the rewritten bytes when the int8 pass ran.
        let pools = horizon::find_pools(engine.flatbuffer(), &spec)?;
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
        let model = Self {
            inner: Arc::new(ModelInner {
                sha256: hex(&sha256),
                spec,
                signature,
                options: options.clone(),
                pools,
                engine: Mutex::new(engine),
            }),
        };
        model.prepare()?;
        Ok(model)
    }

    /// LiteRT 2.1.4 plans the graph, allocates its tensors and lets the XNNPACK delegate
    /// build its runtime at the first run, not when it compiles the model: a model it cannot
    /// prepare ("Node number 227 (TfLiteXNNPackDelegate) failed to prepare", "Failed to
    /// allocate tensors", "Custom allocation is too small for tensor") loaded fine, failed
    /// its first frame, and later calls on it crashed the process. So one frame runs here, on
    /// a zero state and a zero frame, and a failure is a load failure.
    fn prepare(&self) -> Result<()> {
        let frame = vec![0.0; self.spec().input_len()];
        let run = self
            .new_session()
            .and_then(|mut session| session.run(&frame).map(|_| ()));
        match run {
            Ok(()) => Ok(()),
            Err(Error::Runtime { call, status }) => Err(Error::CorruptModel(format!(
                "LiteRT cannot prepare it to run on the CPU ({call}: {status})"
            ))),
            Err(other) => Err(other),
        }
    }

    /// What the model looks like (input size, classes, states).
    pub fn spec(&self) -> &ModelSpec {
        &self.inner.spec
    }

    /// SHA-256 of the model's bytes (the file as given, before any load-time pass), 64
    /// lower-case hexadecimal digits: what [`ModelOptions::model_sha256`] takes to pin it, and
    /// what an action set records to refuse another model.
    pub fn sha256(&self) -> &str {
        &self.inner.sha256
    }

    /// The options it was loaded with.
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

/// The model's bytes with the classifier's input features exposed as the signature output
/// `embedding` (see `embedding.rs`), verified again; `None` when there is nothing to expose or
/// the pass fails (the model then loads as the file has it, without an embedding).
fn expose_embedding(bytes: &[u8]) -> Option<Vec<u8>> {
    let outcome = crate::embedding::expose(bytes)
        .map_err(Error::CorruptModel)
        .and_then(|exposed| match exposed {
            Some((out, found)) => {
                crate::flatbuffer::check_tflite(&out)?;
                Ok(Some((out, found)))
            }
            None => Ok(None),
        });
    match outcome {
        Ok(Some((out, found))) => {
            log::debug!(
                "embedding: tensor {} ({} values) exposed",
                found.tensor,
                found.width
            );
            Some(out)
        }
        Ok(None) => {
            log::debug!("embedding: no classifier head found to expose");
            None
        }
        Err(e) => {
            log::warn!("embedding pass left out: {e}");
            None
        }
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
