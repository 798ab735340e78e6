//! The one error type every exported function throws, and how option names are spelled in it.
//!
//! One variant per [`movinet::ErrorKind`], with the same name: Swift gets
//! `MovinetError.InvalidFrame(message:)` and friends, Python an exception class per kind
//! (`movinet.MovinetError.InvalidFrame`, whose `str()` is the message).
//!
//! Messages name options as the caller's language does (`top_k` in Python, `topK` in Swift),
//! and one UniFFI error serves both languages, so an invalid option carries both spellings, each
//! made by the core ([`movinet::Error::message`]): `message` in the Rust and Python naming,
//! `camel_case_message` in the Kotlin and Swift naming (the Swift wrapper's
//! `MovinetError.message` and `localizedDescription` are that one), and the option's name.

/// Why a call failed. `message` is the core's, meant for users.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum MovinetError {
    /// The model file does not exist.
    #[error("{message}")]
    ModelNotFound { message: String },
    /// A file could not be read (or is not a regular file).
    #[error("{message}")]
    Io { message: String },
    /// The file is not a (MoViNet stream) TensorFlow Lite model, is corrupt, or uses an
    /// operator the SDK does not run.
    #[error("{message}")]
    InvalidModel { message: String },
    /// The model's bytes do not have the SHA-256 the options expect.
    #[error("{message}")]
    ModelDigestMismatch { message: String },
    /// The labels are unreadable, malformed, or do not name the model's classes.
    #[error("{message}")]
    InvalidLabels { message: String },
    /// The frame's size, planes, strides, orientation or timestamp do not fit.
    #[error("{message}")]
    InvalidFrame { message: String },
    /// An option is out of range. `option` is its name as Rust and Python spell it (`top_k`,
    /// `events.min_score`); `message` names it so, `camel_case_message` as Kotlin and Swift
    /// do (`topK`, `events.minScore`).
    #[error("{message}")]
    InvalidOption {
        message: String,
        option: String,
        camel_case_message: String,
    },
    /// LiteRT failed while running the model.
    #[error("{message}")]
    Runtime { message: String },
    /// The object was closed.
    #[error("{message}")]
    Closed { message: String },
    /// An action set that is unreadable, damaged, out of range, or made with another model.
    #[error("{message}")]
    InvalidActionSet { message: String },
}

impl From<movinet::Error> for MovinetError {
    /// One to one from the core's [`movinet::ErrorKind`].
    fn from(e: movinet::Error) -> Self {
        use movinet::ErrorKind as K;
        let message = e.message(movinet::NameCase::Snake);
        match e.kind() {
            K::ModelNotFound => Self::ModelNotFound { message },
            K::Io => Self::Io { message },
            K::InvalidModel => Self::InvalidModel { message },
            K::ModelDigestMismatch => Self::ModelDigestMismatch { message },
            K::InvalidLabels => Self::InvalidLabels { message },
            K::InvalidFrame => Self::InvalidFrame { message },
            K::InvalidOption => Self::InvalidOption {
                option: match &e {
                    movinet::Error::InvalidOption { option, .. } => option.to_string(),
                    _ => String::new(),
                },
                camel_case_message: e.message(movinet::NameCase::Camel),
                message,
            },
            K::Closed => Self::Closed { message },
            K::InvalidActionSet => Self::InvalidActionSet { message },
            // `Runtime`, and whatever kind the (non-exhaustive) core adds later: the test
            // below fails until it has its own variant.
            _ => Self::Runtime { message },
        }
    }
}

impl MovinetError {
    /// The message in the Rust and Python naming.
    pub fn message(&self) -> &str {
        match self {
            Self::ModelNotFound { message }
            | Self::Io { message }
            | Self::InvalidModel { message }
            | Self::ModelDigestMismatch { message }
            | Self::InvalidLabels { message }
            | Self::InvalidFrame { message }
            | Self::InvalidOption { message, .. }
            | Self::Runtime { message }
            | Self::Closed { message }
            | Self::InvalidActionSet { message } => message,
        }
    }
}

/// How a language spells option names (the core's `NameCase`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum NameCase {
    /// `top_k`, `events.min_score`: Rust and Python.
    Snake,
    /// `topK`, `events.minScore`: Kotlin and Swift.
    Camel,
}

impl From<NameCase> for movinet::NameCase {
    fn from(c: NameCase) -> Self {
        match c {
            NameCase::Snake => Self::Snake,
            NameCase::Camel => Self::Camel,
        }
    }
}

/// An option's name (as Rust spells it, e.g. `MovinetError.InvalidOption`'s `option`) in
/// `name_case`: the core's rule, for callers that show option names themselves.
#[uniffi::export]
pub fn spell_option(name: String, name_case: NameCase) -> String {
    movinet::NameCase::from(name_case).spell(&name)
}

/// The kinds of `MovinetError`, as the core lists them (`movinet::ErrorKind::ALL`): one variant
/// (Swift case, Python subclass) of the same name each.
#[uniffi::export]
pub fn error_kind_names() -> Vec<String> {
    movinet::ErrorKind::ALL
        .iter()
        .map(|k| k.name().to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::path::PathBuf;

    use super::*;
    use movinet::{Error, ErrorKind};

    /// A core error of each kind (a kind the core adds fails here until it has one).
    fn error_of(kind: ErrorKind) -> Error {
        match kind {
            ErrorKind::ModelNotFound => Error::ModelNotFound {
                path: PathBuf::from("/m.tflite"),
            },
            ErrorKind::Io => Error::Io {
                path: PathBuf::from("/l.txt"),
                source: std::io::ErrorKind::PermissionDenied.into(),
            },
            ErrorKind::InvalidModel => Error::CorruptModel("cut".into()),
            ErrorKind::ModelDigestMismatch => Error::ModelDigestMismatch {
                expected: "00".repeat(32),
                actual: "11".repeat(32),
            },
            ErrorKind::InvalidLabels => Error::InvalidLabels("line 2 is empty".into()),
            ErrorKind::InvalidFrame => Error::InvalidFrame("bad".into()),
            ErrorKind::InvalidOption => Error::option("events.min_score", "must be 0 to 1"),
            ErrorKind::Runtime => Error::Runtime {
                call: "LiteRtRunCompiledModel",
                status: "error".into(),
            },
            ErrorKind::Closed => Error::Closed,
            ErrorKind::InvalidActionSet => Error::InvalidActionSet("the file is empty".into()),
            other => panic!("{other:?} is new: give MovinetError a variant for it"),
        }
    }

    /// The variant's name, from its derived `Debug` (the Rust identifier the bindings use).
    fn variant_name(e: &MovinetError) -> String {
        format!("{e:?}")
            .split([' ', '{', '('])
            .next()
            .unwrap_or_default()
            .to_string()
    }

    #[test]
    fn every_kind_maps_to_its_own_variant_of_the_same_name() {
        let mut seen = HashSet::new();
        for kind in ErrorKind::ALL {
            let core = error_of(kind);
            assert_eq!(core.kind(), kind);
            let e = MovinetError::from(core);
            let name = variant_name(&e);
            assert_eq!(name, kind.name(), "{e:?}");
            assert!(seen.insert(name), "{kind:?} shares a variant");
        }
        assert_eq!(seen.len(), ErrorKind::ALL.len());
        assert_eq!(
            error_kind_names(),
            ErrorKind::ALL.map(|k| k.name().to_string())
        );
    }

    #[test]
    fn messages_are_the_cores_in_each_naming() {
        let e = MovinetError::from(Error::option("events.min_score", "must be 0 to 1, got 2"));
        let MovinetError::InvalidOption {
            message,
            option,
            camel_case_message,
        } = &e
        else {
            panic!("{e:?}");
        };
        assert_eq!(option, "events.min_score");
        assert_eq!(
            message,
            "invalid option: events.min_score must be 0 to 1, got 2"
        );
        assert_eq!(
            camel_case_message,
            "invalid option: events.minScore must be 0 to 1, got 2"
        );
        assert_eq!(e.to_string(), *message);
        assert_eq!(
            spell_option(option.clone(), NameCase::Camel),
            "events.minScore"
        );
        assert_eq!(spell_option(option.clone(), NameCase::Snake), *option);

        let e = MovinetError::from(Error::InvalidFrame("bad".into()));
        assert!(
            matches!(&e, MovinetError::InvalidFrame { message } if message == "invalid frame: bad")
        );
        assert_eq!(
            MovinetError::from(Error::Closed).message(),
            "used after close"
        );
    }
}
