//! One error type for the whole SDK. Each error belongs to one [`ErrorKind`], the groups every
//! binding exposes one to one (a Kotlin exception subclass, a Swift error case, a Python
//! exception class); the message is `Display`, or [`Error::message`] in the caller's naming.

use std::path::PathBuf;

/// Everything that can go wrong between a model file and a prediction.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// There is no file at the model's path.
    #[error("model file not found: {}", path.display())]
    ModelNotFound {
        /// The path given.
        path: PathBuf,
    },

    /// A file could not be read (or is not a regular file).
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },

    /// A file could not be written (an action set saved where it cannot go). Kind `Io`.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },

    /// The bytes are not a TensorFlow Lite flatbuffer at all (or not a file of a model's size).
    #[error("not a TensorFlow Lite model: {0}")]
    NotTflite(String),

    /// A TensorFlow Lite file that fails the verifier, or that LiteRT cannot prepare.
    #[error("model file is truncated or corrupt: {0}")]
    CorruptModel(String),

    /// The model uses an operator the SDK does not run (only those of the MoViNet stream
    /// models are verified and allowed).
    #[error(
        "the model uses {name} (operator {index}), which the SDK does not run; MoViNet stream \
         models use only {}",
        crate::shapes::supported_names()
    )]
    UnsupportedOperator {
        /// The operator's name (`GATHER`, or `custom operator `…``).
        name: String,
        /// Its position in the graph.
        index: usize,
    },

    /// The model's bytes are not the ones `ModelOptions::model_sha256` expects (a corrupted
    /// download, or another file): nothing of it reached LiteRT.
    #[error(
        "model file does not have the expected SHA-256 (expected {expected}, got {actual}): \
         corrupted, truncated or replaced"
    )]
    ModelDigestMismatch {
        /// The digest the options named.
        expected: String,
        /// The file's.
        actual: String,
    },

    /// The model has no signature to run.
    #[error("the model has no signature; export MoViNet stream models with one (e.g. `serving_default`)")]
    NoSignature,

    /// The signature has no usable `image` input.
    #[error("not a MoViNet stream model: {0}")]
    NoImageInput(String),

    /// The signature has no usable `logits` output.
    #[error("not a MoViNet stream model: {0}")]
    NoLogitsOutput(String),

    /// An output other than the logits that no input of the same name and type takes back.
    #[error(
        "not a MoViNet stream model: state output `{name}` has no input of the same name and type"
    )]
    UnmatchedState {
        /// The output's signature name.
        name: String,
    },

    /// An input that is neither the frame nor a state.
    #[error("not a MoViNet stream model: input `{name}` is neither `image` nor a state fed back from an output")]
    UnexpectedInput {
        /// The input's signature name.
        name: String,
    },

    /// The labels file does not name exactly the model's classes.
    #[error("labels file {} has {found} labels but the model has {expected} classes", path.display())]
    LabelCountMismatch {
        /// The labels file.
        path: PathBuf,
        /// Its labels.
        found: usize,
        /// The model's classes.
        expected: usize,
    },

    /// Labels that are not one non-empty UTF-8 line per class.
    #[error("labels: {0}")]
    InvalidLabels(String),

    /// A preprocessed frame of the wrong size.
    #[error("input has {got} values but the model takes {expected} ({height}x{width}x3)")]
    InputSize {
        /// Values given.
        got: usize,
        /// Values the model takes.
        expected: usize,
        /// The model's input height.
        height: usize,
        /// The model's input width.
        width: usize,
    },

    /// A camera frame whose sizes, strides or planes do not fit its format (or a crop or
    /// orientation it cannot take).
    #[error("invalid frame: {0}")]
    InvalidFrame(String),

    /// An option out of range. `option` is its name as the Rust API spells it (`top_k`,
    /// `events.min_score`); [`Error::message`] spells it as a binding's callers do.
    #[error("invalid option: {option} {reason}")]
    InvalidOption {
        /// The option's Rust name.
        option: &'static str,
        /// What is wrong, following the name ("must be at least 1, got 0").
        reason: String,
    },

    /// A snapshot restored into a session of a model with other state tensors.
    #[error("snapshot does not belong to this model: {0}")]
    SnapshotMismatch(String),

    /// LiteRT failed (or memory ran out).
    #[error("LiteRT {call} failed: {status}")]
    Runtime {
        /// The C API call.
        call: &'static str,
        /// What it returned or threw.
        status: String,
    },

    /// An action set that cannot be used: a file that is not one, truncated, damaged or of
    /// another version, or contents out of range (no actions, a duplicate or empty name,
    /// NaN or zero vectors), or an example too short to enroll.
    #[error("action set: {0}")]
    InvalidActionSet(String),

    /// An action set made with another model (its embeddings mean nothing to this one).
    #[error(
        "action set was made with another model (SHA-256 {expected}), not this one ({actual}): \
         enroll its actions again with this model"
    )]
    ActionSetModelMismatch {
        /// The digest of the model the set was made with.
        expected: String,
        /// This model's.
        actual: String,
    },

    /// A binding's object was used after it was closed.
    #[error("used after close")]
    Closed,
}

/// The SDK's result type.
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
    /// An action set that is unreadable, damaged, out of range, or made with another model.
    InvalidActionSet,
}

impl ErrorKind {
    /// Every kind, in declaration order (for the bindings' tests that they map them all).
    pub const ALL: [ErrorKind; 10] = [
        Self::ModelNotFound,
        Self::Io,
        Self::InvalidModel,
        Self::ModelDigestMismatch,
        Self::InvalidLabels,
        Self::InvalidFrame,
        Self::InvalidOption,
        Self::Runtime,
        Self::Closed,
        Self::InvalidActionSet,
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
            Self::InvalidActionSet => "InvalidActionSet",
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
            Self::Io { .. } | Self::Write { .. } => ErrorKind::Io,
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
            Self::InvalidActionSet(_) | Self::ActionSetModelMismatch { .. } => {
                ErrorKind::InvalidActionSet
            }
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
