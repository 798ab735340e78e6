//! One error type for the whole SDK. Bindings map it to Kotlin exceptions and Swift errors,
//! keeping `Display` as the message users see.

use std::path::PathBuf;

/// Everything that can go wrong between a model file and a prediction.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("model file not found: {}", path.display())]
    ModelNotFound { path: PathBuf },

    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("not a TensorFlow Lite model: {0}")]
    NotTflite(String),

    #[error("model file is truncated or corrupt: {0}")]
    CorruptModel(String),

    /// The model uses an operator the SDK does not run (only those of the MoViNet stream
    /// models are verified and allowed).
    #[error(
        "the model uses {name} (operator {index}), which the SDK does not run; MoViNet stream \
         models use only {}",
        crate::shapes::supported_names()
    )]
    UnsupportedOperator { name: String, index: usize },

    /// The model's bytes are not the ones `ModelOptions::model_sha256` expects (a corrupted
    /// download, or another file): nothing of it reached LiteRT.
    #[error(
        "model file does not have the expected SHA-256 (expected {expected}, got {actual}): \
         corrupted, truncated or replaced"
    )]
    ModelDigestMismatch { expected: String, actual: String },

    #[error("the model has no signature; export MoViNet stream models with one (e.g. `serving_default`)")]
    NoSignature,

    #[error("not a MoViNet stream model: {0}")]
    NoImageInput(String),

    #[error("not a MoViNet stream model: {0}")]
    NoLogitsOutput(String),

    #[error(
        "not a MoViNet stream model: state output `{name}` has no input of the same name and type"
    )]
    UnmatchedState { name: String },

    #[error("not a MoViNet stream model: input `{name}` is neither `image` nor a state fed back from an output")]
    UnexpectedInput { name: String },

    #[error("labels file {} has {found} labels but the model has {expected} classes", path.display())]
    LabelCountMismatch {
        path: PathBuf,
        found: usize,
        expected: usize,
    },

    #[error("labels: {0}")]
    InvalidLabels(String),

    #[error("input has {got} values but the model takes {expected} ({height}x{width}x3)")]
    InputSize {
        got: usize,
        expected: usize,
        height: usize,
        width: usize,
    },

    #[error("invalid frame: {0}")]
    InvalidFrame(String),

    #[error("invalid option: {0}")]
    InvalidOption(String),

    #[error("snapshot does not belong to this model: {0}")]
    SnapshotMismatch(String),

    #[error("LiteRT {call} failed: {status}")]
    Runtime { call: &'static str, status: String },

    #[error("used after close")]
    Closed,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
