//! `movinet-jni`: the JNI library behind the Kotlin API (`dev.movinet`, Android module
//! `android/movinet`).
//!
//! Every `extern "system"` function here implements one `external fun` of the Kotlin
//! `internal object NativeBridge` (`android/movinet/src/main/kotlin/dev/movinet/NativeBridge.kt`);
//! the two files change together. The rules every entry point follows:
//!
//! * its body runs inside [`jni::EnvUnowned::with_env`], which catches panics, and the outcome
//!   goes through [`error::ThrowJava`]: errors and panics become Java exceptions, never unwind
//!   into the JVM;
//! * native objects live in [`registry::Registry`] tables behind `long` handles that are
//!   validated on every call (closed → `IllegalStateException`);
//! * camera planes arrive as direct `ByteBuffer`s and are read in place (see [`buffers`]).
//!
//! Logging goes through `log`; on Android it is routed to logcat (tag `movinet`).

mod buffers;
mod error;
mod logging;
mod registry;

use jni::objects::{JByteBuffer, JIntArray, JObject, JString};
use jni::sys::{jboolean, jint, jintArray, jlong, jstring};
use jni::{Env, EnvUnowned};

use movinet::{Model, ModelOptions};

use crate::error::{BridgeError, BridgeResult, ThrowJava};
use crate::registry::Registry;

/// Loaded models. A classifier keeps its own reference to its model, so a model handle can
/// be closed as soon as its classifiers are made.
static MODELS: Registry<Model> = Registry::new("MovinetModel");

fn threads(threads: jint) -> BridgeResult<ModelOptions> {
    // The core checks the range and says so in its own words.
    Ok(ModelOptions {
        threads: usize::try_from(threads).unwrap_or(0),
    })
}

/// `NativeBridge.version(): String` — the library's version, checked by the Kotlin loader.
#[no_mangle]
pub extern "system" fn Java_dev_movinet_NativeBridge_version<'local>(
    mut env: EnvUnowned<'local>,
    _this: JObject<'local>,
) -> jstring {
    env.with_env(|env| -> BridgeResult<jstring> {
        logging::init();
        Ok(JString::new(env, env!("CARGO_PKG_VERSION"))?.into_raw())
    })
    .resolve::<ThrowJava>()
}

/// `NativeBridge.loadModelFromFile(path: String, threads: Int): Long`
#[no_mangle]
pub extern "system" fn Java_dev_movinet_NativeBridge_loadModelFromFile<'local>(
    mut env: EnvUnowned<'local>,
    _this: JObject<'local>,
    path: JString<'local>,
    num_threads: jint,
) -> jlong {
    env.with_env(|env| -> BridgeResult<jlong> {
        logging::init();
        let path = required_string(env, &path, "model path")?;
        let model = Model::from_file(&path, &threads(num_threads)?)?;
        Ok(MODELS.insert(model))
    })
    .resolve::<ThrowJava>()
}

/// `NativeBridge.loadModelFromBuffer(model: ByteBuffer, offset: Int, length: Int, threads: Int): Long`
///
/// The bytes (a mapped asset, say) are read in place; the core copies them once into the
/// aligned memory the model lives in, so the buffer may be released afterwards.
#[no_mangle]
pub extern "system" fn Java_dev_movinet_NativeBridge_loadModelFromBuffer<'local>(
    mut env: EnvUnowned<'local>,
    _this: JObject<'local>,
    buffer: JByteBuffer<'local>,
    offset: jint,
    length: jint,
    num_threads: jint,
) -> jlong {
    env.with_env(|env| -> BridgeResult<jlong> {
        logging::init();
        // SAFETY: `buffer` is a local reference held for the whole call, so its memory stays
        // valid while the slice is used; the model copies the bytes before we return.
        let bytes =
            unsafe { buffers::direct_region(env, &buffer, offset, length, "model buffer")? };
        let model = Model::from_bytes(bytes, &threads(num_threads)?)?;
        Ok(MODELS.insert(model))
    })
    .resolve::<ThrowJava>()
}

/// `NativeBridge.modelInfo(model: Long): IntArray` — `[classes, height, width, states]`.
#[no_mangle]
pub extern "system" fn Java_dev_movinet_NativeBridge_modelInfo<'local>(
    mut env: EnvUnowned<'local>,
    _this: JObject<'local>,
    model: jlong,
) -> jintArray {
    env.with_env(|env| -> BridgeResult<jintArray> {
        let info = MODELS.with(model, |m| {
            let spec = m.spec();
            Ok([
                to_jint(spec.num_classes)?,
                to_jint(spec.height)?,
                to_jint(spec.width)?,
                to_jint(spec.states.len())?,
            ])
        })?;
        let array = JIntArray::new(env, info.len())?;
        array.set_region(env, 0, &info)?;
        Ok(array.into_raw())
    })
    .resolve::<ThrowJava>()
}

/// `NativeBridge.closeModel(model: Long): Boolean` — false when it was already closed.
#[no_mangle]
pub extern "system" fn Java_dev_movinet_NativeBridge_closeModel<'local>(
    mut env: EnvUnowned<'local>,
    _this: JObject<'local>,
    model: jlong,
) -> jboolean {
    env.with_env(|_env| -> BridgeResult<jboolean> { Ok(MODELS.remove(model)) })
        .resolve::<ThrowJava>()
}

/// `NativeBridge.openHandles(): IntArray` — `[models, classifiers]` still open, for leak
/// checks.
#[no_mangle]
pub extern "system" fn Java_dev_movinet_NativeBridge_openHandles<'local>(
    mut env: EnvUnowned<'local>,
    _this: JObject<'local>,
) -> jintArray {
    env.with_env(|env| -> BridgeResult<jintArray> {
        let counts = [to_jint(MODELS.len())?, 0];
        let array = JIntArray::new(env, counts.len())?;
        array.set_region(env, 0, &counts)?;
        Ok(array.into_raw())
    })
    .resolve::<ThrowJava>()
}

fn to_jint(n: usize) -> BridgeResult<jint> {
    jint::try_from(n)
        .map_err(|_| BridgeError::illegal_argument(format!("{n} does not fit a Java int")))
}

/// A Java string argument that must not be null.
fn required_string(env: &Env<'_>, s: &JString<'_>, what: &str) -> BridgeResult<String> {
    use jni::refs::Reference as _;
    if s.is_null() {
        return Err(BridgeError::illegal_argument(format!("{what} is null")));
    }
    Ok(s.try_to_string(env)?)
}
