//! What can fail in a native method, and how each failure becomes a Java exception.
//!
//! Every entry point runs its body through [`jni::EnvUnowned::with_env`], which catches panics,
//! and resolves the outcome with [`ThrowJava`]: no Rust error and no panic crosses the FFI.
//!
//! | failure | Java exception |
//! |---|---|
//! | a core error ([`movinet::Error`]) | `dev.movinet.MovinetException`, message = the core's `Display` |
//! | a closed (or never opened) handle | `java.lang.IllegalStateException` |
//! | a bad argument the core never sees (non-direct buffer, bad enum code, ...) | `java.lang.IllegalArgumentException` |
//! | a panic | `dev.movinet.MovinetException` saying it is an internal error |
//! | a JNI failure | the pending Java exception if there is one, else `java.lang.RuntimeException` |

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};

use jni::errors::ErrorPolicy;
use jni::jni_str;
use jni::strings::{JNIStr, JNIString};
use jni::Env;

/// Java class thrown for core errors and panics.
pub const MOVINET_EXCEPTION: &JNIStr = jni_str!("dev/movinet/MovinetException");

#[derive(Debug, thiserror::Error)]
pub enum BridgeError {
    /// An error from the core; its message is the one users see.
    #[error(transparent)]
    Core(#[from] movinet::Error),

    /// The handle was closed, or is not one this library handed out.
    #[error("{0}")]
    Closed(String),

    /// An argument the Kotlin side should never pass (the API's own checks come first).
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

    fn java_class(&self) -> &'static JNIStr {
        match self {
            Self::Core(_) => MOVINET_EXCEPTION,
            Self::Closed(_) => jni_str!("java/lang/IllegalStateException"),
            Self::IllegalArgument(_) => jni_str!("java/lang/IllegalArgumentException"),
            Self::Jni(_) => jni_str!("java/lang/RuntimeException"),
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
        match env.throw_new(MOVINET_EXCEPTION, &msg) {
            Ok(()) | Err(jni::errors::Error::JavaException) => Ok(T::default()),
            Err(e) => Err(e),
        }
    }
}
