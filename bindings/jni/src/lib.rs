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

use std::time::Duration;

use jni::objects::{JByteBuffer, JFloatArray, JIntArray, JLongArray, JObject, JString};
use jni::refs::Reference as _;
use jni::sys::{jboolean, jfloat, jint, jintArray, jlong, jstring};
use jni::{Env, EnvUnowned};

use movinet::{
    Classifier, ClassifierOptions, Crop, Event, EventChange, EventOptions, Frame, Horizon, Labels,
    Model, ModelOptions, PixelFormat, Plane, Rotation, YuvRange,
};

use crate::error::{BridgeError, BridgeResult, ThrowJava};
use crate::registry::Registry;

/// Loaded models. A classifier keeps its own reference to its model, so a model handle can
/// be closed as soon as its classifiers are made.
static MODELS: Registry<Model> = Registry::new("MovinetModel");

/// Open classifiers (one per camera stream).
static CLASSIFIERS: Registry<Classifier> = Registry::new("MovinetClassifier");

/// The model options Kotlin passes: the thread count and the expected SHA-256 (or null).
fn model_options(env: &Env<'_>, threads: jint, sha256: &JString<'_>) -> BridgeResult<ModelOptions> {
    // The core checks both and says so in its own words.
    Ok(ModelOptions {
        threads: usize::try_from(threads).unwrap_or(0),
        model_sha256: optional_string(env, sha256)?,
        ..ModelOptions::default()
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

/// `NativeBridge.loadModelFromFile(path: String, threads: Int, modelSha256: String?): Long`
#[no_mangle]
pub extern "system" fn Java_dev_movinet_NativeBridge_loadModelFromFile<'local>(
    mut env: EnvUnowned<'local>,
    _this: JObject<'local>,
    path: JString<'local>,
    num_threads: jint,
    model_sha256: JString<'local>,
) -> jlong {
    env.with_env(|env| -> BridgeResult<jlong> {
        logging::init();
        let path = required_string(env, &path, "model path")?;
        let model = Model::from_file(&path, &model_options(env, num_threads, &model_sha256)?)?;
        Ok(MODELS.insert(model))
    })
    .resolve::<ThrowJava>()
}

/// `NativeBridge.loadModelFromBuffer(model: ByteBuffer, offset: Int, length: Int, threads: Int,
/// modelSha256: String?): Long`
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
    model_sha256: JString<'local>,
) -> jlong {
    env.with_env(|env| -> BridgeResult<jlong> {
        logging::init();
        let options = model_options(env, num_threads, &model_sha256)?;
        // SAFETY: `buffer` is a local reference held for the whole call, so its memory stays
        // valid while the slice is used; the model copies the bytes before we return.
        let bytes =
            unsafe { buffers::direct_region(env, &buffer, offset, length, "model buffer")? };
        let model = Model::from_bytes(bytes, &options)?;
        Ok(MODELS.insert(model))
    })
    .resolve::<ThrowJava>()
}

/// `NativeBridge.readLabelsFile(path: String): String` — a labels file read and checked by the
/// core's rules (a regular file of at most 16 MB, UTF-8, no blank line, a byte order mark
/// dropped), as the text of its labels one per line.
#[no_mangle]
pub extern "system" fn Java_dev_movinet_NativeBridge_readLabelsFile<'local>(
    mut env: EnvUnowned<'local>,
    _this: JObject<'local>,
    path: JString<'local>,
) -> jstring {
    env.with_env(|env| -> BridgeResult<jstring> {
        logging::init();
        let path = required_string(env, &path, "labels path")?;
        let labels = Labels::from_file(&path)?;
        Ok(JString::new(env, labels.names().join("\n"))?.into_raw())
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
        let counts = [to_jint(MODELS.len())?, to_jint(CLASSIFIERS.len())?];
        let array = JIntArray::new(env, counts.len())?;
        array.set_region(env, 0, &counts)?;
        Ok(array.into_raw())
    })
    .resolve::<ThrowJava>()
}

/// `NativeBridge.createClassifier(model, labels, topK, scoreThreshold, hasFps, fps,
/// paceTolerance, cropKind, cropX, cropY, cropWidth, cropHeight, smoothing, horizonKind,
/// horizonSeconds, horizonFrames, eventMinScore, eventMinDurationMs, eventMaxGapMs): Long`
///
/// `labels` is the labels text (one class per line) or null; `cropKind` is 0 centre square,
/// 1 stretch, 2 region; `horizonKind` 0 all, 1 seconds, 2 frames. The core validates every
/// option and the labels against the model.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub extern "system" fn Java_dev_movinet_NativeBridge_createClassifier<'local>(
    mut env: EnvUnowned<'local>,
    _this: JObject<'local>,
    model: jlong,
    labels: JString<'local>,
    top_k: jint,
    score_threshold: jfloat,
    has_fps: jboolean,
    fps: jfloat,
    pace_tolerance: jfloat,
    crop_kind: jint,
    crop_x: jint,
    crop_y: jint,
    crop_width: jint,
    crop_height: jint,
    smoothing: jfloat,
    horizon_kind: jint,
    horizon_seconds: jfloat,
    horizon_frames: jint,
    event_min_score: jfloat,
    event_min_duration_ms: jlong,
    event_max_gap_ms: jlong,
) -> jlong {
    env.with_env(|env| -> BridgeResult<jlong> {
        let labels = if labels.is_null() {
            None
        } else {
            Some(Labels::parse(&labels.try_to_string(env)?)?)
        };
        let crop = match crop_kind {
            0 => Crop::CenterSquare,
            1 => Crop::Stretch,
            2 => Crop::Region {
                x: non_negative(crop_x, "crop x")?,
                y: non_negative(crop_y, "crop y")?,
                width: non_negative(crop_width, "crop width")?,
                height: non_negative(crop_height, "crop height")?,
            },
            other => {
                return Err(BridgeError::illegal_argument(format!(
                    "unknown crop kind {other}"
                )))
            }
        };
        let horizon = match horizon_kind {
            0 => Horizon::All,
            1 => Horizon::Seconds(horizon_seconds),
            // 0 is what the core rejects with its own message.
            2 => Horizon::Frames(u32::try_from(horizon_frames).unwrap_or(0)),
            other => {
                return Err(BridgeError::illegal_argument(format!(
                    "unknown horizon kind {other}"
                )))
            }
        };
        let millis = |ms: jlong, what: &str| {
            u64::try_from(ms).map(Duration::from_millis).map_err(|_| {
                BridgeError::illegal_argument(format!("{what} must not be negative, got {ms}"))
            })
        };
        let options = ClassifierOptions {
            // 0 is what the core rejects with its own message.
            top_k: usize::try_from(top_k).unwrap_or(0),
            score_threshold,
            model_fps: has_fps.then_some(fps),
            pace_tolerance,
            crop,
            smoothing,
            horizon,
            events: EventOptions {
                min_score: event_min_score,
                min_duration: millis(event_min_duration_ms, "event minDurationMs")?,
                max_gap: millis(event_max_gap_ms, "event maxGapMs")?,
            },
        };
        let model = MODELS.with(model, |m| Ok(m.clone()))?;
        let classifier = Classifier::new(&model, labels, options)?;
        Ok(CLASSIFIERS.insert(classifier))
    })
    .resolve::<ThrowJava>()
}

/// `NativeBridge.labels(classifier: Long): String?` — the labels joined by `\n`, or null.
#[no_mangle]
pub extern "system" fn Java_dev_movinet_NativeBridge_labels<'local>(
    mut env: EnvUnowned<'local>,
    _this: JObject<'local>,
    classifier: jlong,
) -> jstring {
    env.with_env(|env| -> BridgeResult<jstring> {
        let joined =
            CLASSIFIERS.with(classifier, |c| Ok(c.labels().map(|l| l.names().join("\n"))))?;
        Ok(match joined {
            Some(text) => JString::new(env, text)?.into_raw(),
            None => std::ptr::null_mut(),
        })
    })
    .resolve::<ThrowJava>()
}

/// `NativeBridge.classify(...)`: one frame through the classifier. See `NativeBridge.kt`.
///
/// Returns -1 when pacing leaves the frame out, else the number of categories written.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub extern "system" fn Java_dev_movinet_NativeBridge_classify<'local>(
    mut env: EnvUnowned<'local>,
    _this: JObject<'local>,
    classifier: jlong,
    format: jint,
    width: jint,
    height: jint,
    plane0: JByteBuffer<'local>,
    offset0: jint,
    length0: jint,
    row_stride0: jint,
    pixel_stride0: jint,
    plane1: JByteBuffer<'local>,
    offset1: jint,
    length1: jint,
    row_stride1: jint,
    pixel_stride1: jint,
    plane2: JByteBuffer<'local>,
    offset2: jint,
    length2: jint,
    row_stride2: jint,
    pixel_stride2: jint,
    rotation_degrees: jint,
    mirror: jboolean,
    has_timestamp: jboolean,
    timestamp_nanos: jlong,
    full_range: jboolean,
    out_indices: JIntArray<'local>,
    out_scores: JFloatArray<'local>,
    out_info: JLongArray<'local>,
    out_events: JLongArray<'local>,
    out_event_scores: JFloatArray<'local>,
) -> jint {
    env.with_env(|env| -> BridgeResult<jint> {
        let format = pixel_format(format)?;
        let args = [
            (&plane0, offset0, length0, row_stride0, pixel_stride0),
            (&plane1, offset1, length1, row_stride1, pixel_stride1),
            (&plane2, offset2, length2, row_stride2, pixel_stride2),
        ];
        let mut planes = Vec::with_capacity(3);
        for (i, (buffer, offset, length, row_stride, pixel_stride)) in
            args.into_iter().take(format.plane_count()).enumerate()
        {
            let what = format!("plane {i}");
            // SAFETY: the buffers are this call's arguments, alive until it returns, and the
            // frame built on them is dropped before then. Nothing here runs Java code.
            let data = unsafe { buffers::direct_region(env, buffer, offset, length, &what)? };
            planes.push(Plane::new(
                data,
                non_negative(row_stride, &format!("{what} row stride"))?,
                non_negative(pixel_stride, &format!("{what} pixel stride"))?,
            ));
        }
        let mut frame = Frame::new(
            format,
            non_negative(width, "width")?,
            non_negative(height, "height")?,
            &planes,
        )?
        .with_rotation(Rotation::from_degrees(rotation_degrees)?)
        .with_mirror(mirror)
        .with_range(if full_range {
            YuvRange::Full
        } else {
            YuvRange::Video
        });
        if has_timestamp {
            let nanos = u64::try_from(timestamp_nanos).map_err(|_| {
                BridgeError::illegal_argument(format!(
                    "timestamp must not be negative, got {timestamp_nanos} ns"
                ))
            })?;
            frame = frame.with_timestamp(Duration::from_nanos(nanos));
        }
        let Some(prediction) = CLASSIFIERS.with(classifier, |c| Ok(c.push(&frame)?))? else {
            return Ok(-1);
        };
        let n = prediction
            .categories
            .len()
            .min(out_indices.len(env)?)
            .min(out_scores.len(env)?);
        let mut indices = Vec::with_capacity(n);
        let mut scores = Vec::with_capacity(n);
        for c in &prediction.categories[..n] {
            indices.push(to_jint(c.index)?);
            scores.push(c.score);
        }
        out_indices.set_region(env, 0, &indices)?;
        out_scores.set_region(env, 0, &scores)?;
        let changes = prediction.events.len();
        write_events(env, &prediction.events, &out_events, &out_event_scores)?;
        let t = prediction.timings;
        let info = [
            nanos(t.preprocess),
            nanos(t.inference),
            nanos(t.postprocess),
            nanos(t.total),
            jlong::try_from(prediction.model_frames).unwrap_or(jlong::MAX),
            jlong::try_from(prediction.frame_index).unwrap_or(jlong::MAX),
            jlong::try_from(changes).unwrap_or(jlong::MAX),
        ];
        if out_info.len(env)? < info.len() {
            return Err(BridgeError::illegal_argument(format!(
                "outInfo must hold {} values",
                info.len()
            )));
        }
        out_info.set_region(env, 0, &info)?;
        to_jint(n)
    })
    .resolve::<ThrowJava>()
}

/// Values per event in `outEvents`: kind (0 started, 1 ended), class index, start and end in
/// nanoseconds (end -1 while under way); `outEventScores` holds peak and mean score.
const EVENT_LONGS: usize = 4;
const EVENT_FLOATS: usize = 2;

/// Writes `changes` (at most an end and a start a frame) into the Kotlin arrays.
fn write_events(
    env: &mut Env<'_>,
    changes: &[EventChange],
    out_events: &JLongArray<'_>,
    out_scores: &JFloatArray<'_>,
) -> BridgeResult<()> {
    if changes.is_empty() {
        return Ok(());
    }
    let (mut longs, mut floats) = (Vec::new(), Vec::new());
    for change in changes {
        let (kind, e) = match change {
            EventChange::Started(e) => (0, e),
            EventChange::Ended(e) => (1, e),
        };
        longs.extend(event_longs(kind, e));
        floats.extend([e.peak_score, e.mean_score]);
    }
    if out_events.len(env)? < longs.len() || out_scores.len(env)? < floats.len() {
        return Err(BridgeError::illegal_argument(format!(
            "outEvents must hold {} values and outEventScores {}",
            longs.len(),
            floats.len()
        )));
    }
    out_events.set_region(env, 0, &longs)?;
    out_scores.set_region(env, 0, &floats)?;
    Ok(())
}

fn event_longs(kind: jlong, e: &Event) -> [jlong; EVENT_LONGS] {
    [
        kind,
        jlong::try_from(e.index).unwrap_or(jlong::MAX),
        nanos(e.start),
        e.end.map_or(-1, nanos),
    ]
}

/// `NativeBridge.currentEvent(classifier, outEvent: LongArray, outScores: FloatArray): Boolean`
/// and `finishEvent(...)`: the event under way (or the one just ended) written as in
/// `classify`'s `outEvents`; false when there is none.
fn one_event<'local>(
    mut env: EnvUnowned<'local>,
    classifier: jlong,
    out_event: JLongArray<'local>,
    out_scores: JFloatArray<'local>,
    finish: bool,
) -> jboolean {
    env.with_env(|env| -> BridgeResult<jboolean> {
        let event = CLASSIFIERS.with(classifier, |c| {
            Ok(if finish {
                c.finish_event()
            } else {
                c.current_event().cloned()
            })
        })?;
        let Some(e) = event else {
            return Ok(false);
        };
        if out_event.len(env)? < EVENT_LONGS || out_scores.len(env)? < EVENT_FLOATS {
            return Err(BridgeError::illegal_argument(format!(
                "outEvent must hold {EVENT_LONGS} values and outScores {EVENT_FLOATS}"
            )));
        }
        let kind = if finish { 1 } else { 0 };
        out_event.set_region(env, 0, &event_longs(kind, &e))?;
        out_scores.set_region(env, 0, &[e.peak_score, e.mean_score])?;
        Ok(true)
    })
    .resolve::<ThrowJava>()
}

/// `NativeBridge.currentEvent(classifier, outEvent, outScores): Boolean`
#[no_mangle]
pub extern "system" fn Java_dev_movinet_NativeBridge_currentEvent<'local>(
    env: EnvUnowned<'local>,
    _this: JObject<'local>,
    classifier: jlong,
    out_event: JLongArray<'local>,
    out_scores: JFloatArray<'local>,
) -> jboolean {
    one_event(env, classifier, out_event, out_scores, false)
}

/// `NativeBridge.finishEvent(classifier, outEvent, outScores): Boolean`
#[no_mangle]
pub extern "system" fn Java_dev_movinet_NativeBridge_finishEvent<'local>(
    env: EnvUnowned<'local>,
    _this: JObject<'local>,
    classifier: jlong,
    out_event: JLongArray<'local>,
    out_scores: JFloatArray<'local>,
) -> jboolean {
    one_event(env, classifier, out_event, out_scores, true)
}

/// `NativeBridge.resetClassifier(classifier: Long)`
#[no_mangle]
pub extern "system" fn Java_dev_movinet_NativeBridge_resetClassifier<'local>(
    mut env: EnvUnowned<'local>,
    _this: JObject<'local>,
    classifier: jlong,
) {
    env.with_env(|_env| -> BridgeResult<()> {
        CLASSIFIERS.with(classifier, |c| {
            c.reset();
            Ok(())
        })
    })
    .resolve::<ThrowJava>()
}

/// `NativeBridge.closeClassifier(classifier: Long): Boolean` — false when already closed.
#[no_mangle]
pub extern "system" fn Java_dev_movinet_NativeBridge_closeClassifier<'local>(
    mut env: EnvUnowned<'local>,
    _this: JObject<'local>,
    classifier: jlong,
) -> jboolean {
    env.with_env(|_env| -> BridgeResult<jboolean> { Ok(CLASSIFIERS.remove(classifier)) })
        .resolve::<ThrowJava>()
}

/// The Kotlin `PixelFormat.code` values.
fn pixel_format(code: jint) -> BridgeResult<PixelFormat> {
    Ok(match code {
        0 => PixelFormat::Rgb888,
        1 => PixelFormat::Rgba8888,
        2 => PixelFormat::Bgra8888,
        3 => PixelFormat::Nv21,
        4 => PixelFormat::Nv12,
        5 => PixelFormat::I420,
        6 => PixelFormat::Yuv420888,
        other => {
            return Err(BridgeError::illegal_argument(format!(
                "unknown pixel format code {other}"
            )))
        }
    })
}

fn non_negative(value: jint, what: &str) -> BridgeResult<usize> {
    usize::try_from(value).map_err(|_| {
        BridgeError::illegal_argument(format!("{what} must not be negative, got {value}"))
    })
}

fn nanos(d: Duration) -> jlong {
    jlong::try_from(d.as_nanos()).unwrap_or(jlong::MAX)
}

fn to_jint(n: usize) -> BridgeResult<jint> {
    jint::try_from(n)
        .map_err(|_| BridgeError::illegal_argument(format!("{n} does not fit a Java int")))
}

/// A Java string argument that may be null.
fn optional_string(env: &Env<'_>, s: &JString<'_>) -> BridgeResult<Option<String>> {
    if s.is_null() {
        return Ok(None);
    }
    Ok(Some(s.try_to_string(env)?))
}

/// A Java string argument that must not be null.
fn required_string(env: &Env<'_>, s: &JString<'_>, what: &str) -> BridgeResult<String> {
    if s.is_null() {
        return Err(BridgeError::illegal_argument(format!("{what} is null")));
    }
    Ok(s.try_to_string(env)?)
}
