//! One error type for the whole SDK. Each error belongs to one [`ErrorKind`], the groups every
//! binding exposes one to one (a Kotlin exception subclass, a Swift error case, a Python
//! exception class); the message is `Display`, or [`Error::message`] in the caller's naming.

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

    /// An option out of range. `option` is its name as the Rust API spells it (`top_k`,
    /// `events.min_score`); [`Error::message`] spells it as a binding's callers do.
    #[error("invalid option: {option} {reason}")]
    InvalidOption {
        option: &'static str,
        reason: String,
    },

    #[error("snapshot does not belong to this model: {0}")]
    SnapshotMismatch(String),

    #[error("LiteRT {call} failed: {status}")]
    Runtime { call: &'static str, status: String },

    #[error("used after close")]
    Closed,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The groups errors fall into: what a caller can branch on. Every binding maps these one to
/// one (Kotlin `MovinetException` subclasses, Swift `MovinetError` cases, Python
/// `MovinetError` subclasses), so the same failure is the same kind in every language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The model file does not exist.
    ModelNotFound,
    /// A file could not be read (or is not a regular file).
    Io,
    /// The file is not a (supported) MoViNet stream TensorFlow Lite model, or is corrupt.
    InvalidModel,
    /// The model file is not the one `model_sha256` names.
    ModelDigestMismatch,
    /// The labels are unreadable, malformed, or do not name the model's classes.
    InvalidLabels,
    /// The frame's size, planes or strides do not fit its format.
    InvalidFrame,
    /// An option or argument is out of range (or a snapshot of another model).
    InvalidOption,
    /// LiteRT failed while running the model.
    Runtime,
    /// The object was closed.
    Closed,
}

impl ErrorKind {
    /// Every kind, in declaration order (for the bindings' tests that they map them all).
    pub const ALL: [ErrorKind; 9] = [
        Self::ModelNotFound,
        Self::Io,
        Self::InvalidModel,
        Self::ModelDigestMismatch,
        Self::InvalidLabels,
        Self::InvalidFrame,
        Self::InvalidOption,
        Self::Runtime,
        Self::Closed,
    ];

    /// The kind's name, `UpperCamelCase` as in this enum (bindings derive their class and
    /// case names from it).
    pub fn name(self) -> &'static str {
        match self {
            Self::ModelNotFound => "ModelNotFound",
            Self::Io => "Io",
            Self::InvalidModel => "InvalidModel",
            Self::ModelDigestMismatch => "ModelDigestMismatch",
            Self::InvalidLabels => "InvalidLabels",
            Self::InvalidFrame => "InvalidFrame",
            Self::InvalidOption => "InvalidOption",
            Self::Runtime => "Runtime",
            Self::Closed => "Closed",
        }
    }
}

/// How a caller's language spells option names in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameCase {
    /// `top_k`, `events.min_score`: Rust and Python.
    Snake,
    /// `topK`, `events.minScore`: Kotlin and Swift.
    Camel,
}

impl NameCase {
    /// `name` (snake case, parts separated by `.`) in this case.
    pub fn spell(self, name: &str) -> String {
        match self {
            Self::Snake => name.to_string(),
            Self::Camel => name
                .split('.')
                .map(|part| {
                    let mut out = String::with_capacity(part.len());
                    let mut upper = false;
                    for c in part.chars() {
                        if c == '_' {
                            upper = true;
                        } else if upper {
                            out.extend(c.to_uppercase());
                            upper = false;
                        } else {
                            out.push(c);
                        }
                    }
                    out
                })
                .collect::<Vec<_>>()
                .join("."),
        }
    }
}

impl Error {
    /// An [`Error::InvalidOption`] for `option` (its Rust name) with `reason`, which follows
    /// the name in the message ("must be at least 1, got 0").
    pub fn option(option: &'static str, reason: impl Into<String>) -> Self {
        Self::InvalidOption {
            option,
            reason: reason.into(),
        }
    }

    /// Which group the error belongs to.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::ModelNotFound { .. } => ErrorKind::ModelNotFound,
            Self::Io { .. } => ErrorKind::Io,
            Self::NotTflite(_)
            | Self::CorruptModel(_)
            | Self::UnsupportedOperator { .. }
            | Self::NoSignature
            | Self::NoImageInput(_)
            | Self::NoLogitsOutput(_)
            | Self::UnmatchedState { .. }
            | Self::UnexpectedInput { .. } => ErrorKind::InvalidModel,
            Self::ModelDigestMismatch { .. } => ErrorKind::ModelDigestMismatch,
            Self::LabelCountMismatch { .. } | Self::InvalidLabels(_) => ErrorKind::InvalidLabels,
            Self::InputSize { .. } | Self::InvalidFrame(_) => ErrorKind::InvalidFrame,
            Self::InvalidOption { .. } | Self::SnapshotMismatch(_) => ErrorKind::InvalidOption,
            Self::Runtime { .. } => ErrorKind::Runtime,
            Self::Closed => ErrorKind::Closed,
        }
    }

    /// The message for a caller whose language spells option names in `case`: `Display`,
    /// with an invalid option's name as that caller wrote it (`topK must be at least 1` for
    /// Kotlin and Swift).
    pub fn message(&self, case: NameCase) -> String {
        match self {
            Self::InvalidOption { option, reason } => {
                format!("invalid option: {} {reason}", case.spell(option))
            }
            other => other.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_names_are_spelled_in_the_callers_case() {
        assert_eq!(NameCase::Camel.spell("top_k"), "topK");
        assert_eq!(NameCase::Camel.spell("model_sha256"), "modelSha256");
        assert_eq!(NameCase::Camel.spell("events.min_score"), "events.minScore");
        assert_eq!(NameCase::Camel.spell("threads"), "threads");
        assert_eq!(
            NameCase::Snake.spell("events.min_score"),
            "events.min_score"
        );
        let e = Error::option("top_k", "must be at least 1, got 0");
        assert_eq!(
            e.to_string(),
            "invalid option: top_k must be at least 1, got 0"
        );
        assert_eq!(
            e.message(NameCase::Camel),
            "invalid option: topK must be at least 1, got 0"
        );
        assert_eq!(e.kind(), ErrorKind::InvalidOption);
    }

    #[test]
    fn every_kind_has_its_name() {
        for kind in ErrorKind::ALL {
            assert_eq!(format!("{kind:?}"), kind.name());
        }
    }
}
