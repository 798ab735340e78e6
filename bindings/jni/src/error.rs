//! What can fail in a native method, and how each failure becomes a Java exception.
//!
//! Every entry point runs its body through [`jni::EnvUnowned::with_env`], which catches panics,
//! and resolves the outcome with [`ThrowJava`]: no Rust error and no panic crosses the FFI.
//!
//! | failure | Java exception |
//! |---|---|
//! | a core error ([`movinet::Error`]) | the `dev.movinet.MovinetException` subclass of its [`ErrorKind`] ([`exception_class`]), message = [`movinet::Error::message`] in Kotlin's spelling (`topK`) |
//! | a closed (or never opened) handle | `ClosedException` (kind `Closed`) |
//! | a frame or option value the core's types cannot hold (a negative width, timestamp or duration) | the subclass of its kind (`InvalidFrame`, `InvalidOption`) |
//! | an argument the Kotlin API never passes (a heap buffer where a direct one is needed, a null, an unknown code) | `java.lang.IllegalArgumentException` |
//! | a panic | `java.lang.IllegalStateException` saying it is an internal error (a bug, not a kind of the core's) |
//! | a JNI failure | the pending Java exception if there is one, else `java.lang.RuntimeException` |

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};

use jni::errors::ErrorPolicy;
use jni::jni_str;
use jni::strings::{JNIStr, JNIString};
use jni::Env;
use movinet::{ErrorKind, NameCase};

/// The Kotlin exception class name of an error kind: `<kind>Exception`, except `Runtime`,
/// whose `RuntimeException` would shadow `java.lang.RuntimeException` in every Kotlin file
/// that imports `dev.movinet.*`: it is `LiteRtException` (what failed).
pub fn exception_name(kind: ErrorKind) -> String {
    match kind {
        ErrorKind::Runtime => "LiteRtException".to_string(),
        other => format!("{}Exception", other.name()),
    }
}

/// The JNI class name (`dev/movinet/InvalidFrameException`) of an error kind's exception.
pub fn exception_class(kind: ErrorKind) -> String {
    format!("dev/movinet/{}", exception_name(kind))
}

#[derive(Debug, thiserror::Error)]
pub enum BridgeError {
    /// An error from the core; its message is the one users see.
    #[error("{}", .0.message(NameCase::Camel))]
    Core(#[from] movinet::Error),

    /// A value the core's types cannot hold, refused before the core sees it, with the kind
    /// the core gives the same mistake.
    #[error("{1}")]
    Kind(ErrorKind, String),

    /// An argument the Kotlin API never passes (the API's own checks come first).
    #[error("{0}")]
    IllegalArgument(String),

    /// A JNI call failed; usually a Java exception is already pending.
    #[error("JNI call failed: {0}")]
    Jni(#[from] jni::errors::Error),
}

pub type BridgeResult<T> = Result<T, BridgeError>;

impl BridgeError {
    pub fn illegal_argument(msg: impl Into<String>) -> Self {
        Self::IllegalArgument(msg.into())
    }

    pub fn invalid_frame(msg: impl Into<String>) -> Self {
        Self::Kind(ErrorKind::InvalidFrame, msg.into())
    }

    pub fn invalid_option(msg: impl Into<String>) -> Self {
        Self::Kind(ErrorKind::InvalidOption, msg.into())
    }

    pub fn closed(msg: impl Into<String>) -> Self {
        Self::Kind(ErrorKind::Closed, msg.into())
    }

    /// The error kind, for failures that have one.
    pub fn kind(&self) -> Option<ErrorKind> {
        match self {
            Self::Core(e) => Some(e.kind()),
            Self::Kind(kind, _) => Some(*kind),
            Self::IllegalArgument(_) | Self::Jni(_) => None,
        }
    }

    fn java_class(&self) -> JNIString {
        match self.kind() {
            Some(kind) => JNIString::from(exception_class(kind)),
            None if matches!(self, Self::IllegalArgument(_)) => {
                JNIString::from("java/lang/IllegalArgumentException")
            }
            None => JNIString::from("java/lang/RuntimeException"),
        }
    }
}

/// The text of a panic payload (`panic!` gives `&str` or `String`).
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_string()
    }
}

/// Thrown for panics: a bug in this library, not an error of one of the core's kinds.
const INTERNAL_ERROR: &JNIStr = jni_str!("java/lang/IllegalStateException");

/// Throws the Java exception that matches each failure, then returns the default value
/// (0, null, false), which Java never sees since the exception is pending.
#[derive(Debug, Default)]
pub struct ThrowJava;

impl<T: Default> ErrorPolicy<T, BridgeError> for ThrowJava {
    type Captures<'unowned_env_local: 'native_method, 'native_method> = ();

    fn on_error<'unowned_env_local: 'native_method, 'native_method>(
        env: &mut Env<'unowned_env_local>,
        _cap: &mut Self::Captures<'unowned_env_local, 'native_method>,
        err: BridgeError,
    ) -> jni::errors::Result<T> {
        if env.exception_check() {
            // A JNI call already threw (e.g. OutOfMemoryError): let that one propagate.
            log::debug!("native call failed with a pending Java exception: {err}");
            return Ok(T::default());
        }
        log::debug!("native call failed: {err}");
        let msg = JNIString::from(err.to_string());
        // `throw_new` returns Err(JavaException) once the exception is pending: that is success.
        match env.throw_new(err.java_class(), &msg) {
            Ok(()) | Err(jni::errors::Error::JavaException) => Ok(T::default()),
            Err(e) => Err(e),
        }
    }

    fn on_panic<'unowned_env_local: 'native_method, 'native_method>(
        env: &mut Env<'unowned_env_local>,
        _cap: &mut Self::Captures<'unowned_env_local, 'native_method>,
        payload: Box<dyn Any + Send + 'static>,
    ) -> jni::errors::Result<T> {
        let text = panic_message(payload.as_ref());
        // Dropping a payload can itself panic; never let that unwind into the JVM.
        if let Err(p) = catch_unwind(AssertUnwindSafe(|| drop(payload))) {
            std::mem::forget(p);
        }
        log::error!("panic in native code: {text}");
        if env.exception_check() {
            return Ok(T::default());
        }
        let msg = JNIString::from(format!(
            "movinet internal error (a bug in the native library): {text}"
        ));
        match env.throw_new(INTERNAL_ERROR, &msg) {
            Ok(()) | Err(jni::errors::Error::JavaException) => Ok(T::default()),
            Err(e) => Err(e),
        }
    }
}
