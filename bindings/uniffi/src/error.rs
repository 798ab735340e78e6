//! The one error type every exported function throws.
//!
//! Each variant names a kind of failure and carries the core's message (`movinet::Error`'s
//! `Display`, the text users see) unchanged. It is a *flat* UniFFI error: Swift gets
//! `MovinetError.invalidFrame(message:)` and friends, Python an exception class per variant
//! (`movinet.MovinetError.InvalidFrame`) whose `str()` is the message.

/// Why a call failed. The message is the core's, meant for users.
#[derive(Debug, thiserror::Error, uniffi::Error)]
#[uniffi(flat_error)]
pub enum MovinetError {
    /// The model file does not exist.
    #[error("{0}")]
    ModelNotFound(String),
    /// A file could not be read.
    #[error("{0}")]
    Io(String),
    /// The file is not a (MoViNet stream) TensorFlow Lite model, is corrupt, or uses an
    /// operator the SDK does not run.
    #[error("{0}")]
    InvalidModel(String),
    /// The model's bytes do not have the SHA-256 the options expect.
    #[error("{0}")]
    ModelDigestMismatch(String),
    /// The labels file is unreadable, malformed, or does not name the model's classes.
    #[error("{0}")]
    InvalidLabels(String),
    /// The frame's size, planes or strides do not fit its format.
    #[error("{0}")]
    InvalidFrame(String),
    /// An option is out of range.
    #[error("{0}")]
    InvalidOption(String),
    /// LiteRT failed while running the model.
    #[error("{0}")]
    Runtime(String),
    /// The classifier was closed.
    #[error("{0}")]
    Closed(String),
}

impl From<movinet::Error> for MovinetError {
    /// One to one from the core's [`movinet::ErrorKind`].
    fn from(e: movinet::Error) -> Self {
        use movinet::ErrorKind as K;
        let message = e.to_string();
        match e.kind() {
            K::ModelNotFound => Self::ModelNotFound(message),
            K::Io => Self::Io(message),
            K::InvalidModel => Self::InvalidModel(message),
            K::ModelDigestMismatch => Self::ModelDigestMismatch(message),
            K::InvalidLabels => Self::InvalidLabels(message),
            K::InvalidFrame => Self::InvalidFrame(message),
            K::InvalidOption => Self::InvalidOption(message),
            K::Closed => Self::Closed(message),
            // `Runtime`, and whatever kind the (non-exhaustive) core adds later.
            _ => Self::Runtime(message),
        }
    }
}
