//! `movinet-jni`: the JNI library behind the Kotlin API (`dev.movinet`, Android module
//! `android/movinet`).
//!
//! The native methods are declared once, in [`bridge`], with Kotlin's names and types; that
//! declaration makes the exported `Java_dev_movinet_NativeBridge_*` functions and the Kotlin
//! `NativeBridge.kt` (`cargo xtask jni` writes it, `cargo xtask test` fails on drift). The
//! functions here implement them, each reading its arguments by name from the struct the
//! declaration makes. The rules every entry point follows:
//!
//! * its body runs inside [`jni::EnvUnowned::with_env`], which catches panics, and the outcome
//!   goes through [`error::ThrowJava`]: errors become the Kotlin exception of their
//!   `movinet::ErrorKind`, panics an `IllegalStateException`; nothing unwinds into the JVM;
//! * native objects live in [`registry::Registry`] tables behind `long` handles that are
//!   validated on every call (closed → `ClosedException`);
//! * camera planes arrive as direct `ByteBuffer`s and are read in place (see [`buffers`]).
//!
//! Logging goes through `log`; on Android it is routed to logcat (tag `movinet`).

mod actions;
pub mod bridge;
mod buffers;
mod error;
pub mod kotlin;
mod logging;
mod registry;
mod visible;

use std::path::Path;
use std::time::Duration;

use jni::objects::{JFloatArray, JLongArray, JObjectArray, JString};
use jni::refs::Reference as _;
use jni::sys::{jboolean, jfloat, jint, jintArray, jlong, jlongArray, jobjectArray, jstring};
use jni::Env;

use movinet::{
    Classifier, ClassifierOptions, ColorMatrix, Crop, ErrorKind, Event, EventChange, EventOptions,
    Frame, Horizon, Labels, Model, ModelOptions, Plane, Rotation, YuvRange,
};

use crate::actions::*;
use crate::bridge as args;
use crate::error::{BridgeError, BridgeResult};
use crate::registry::Registry;

pub use crate::error::{exception_class, exception_name};

/// Loaded models. A classifier keeps its own reference to its model, so a model handle can
/// be closed while its classifiers run on.
static MODELS: Registry<Model> = Registry::new("MovinetModel");

/// Open classifiers (one per camera stream).
static CLASSIFIERS: Registry<Classifier> = Registry::new("MovinetClassifier");

fn version(env: &mut Env<'_>, _: args::Version<'_>) -> BridgeResult<jstring> {
    logging::init();
    Ok(JString::new(env, env!("CARGO_PKG_VERSION"))?.into_raw())
}

fn error_kinds(env: &mut Env<'_>, _: args::ErrorKinds<'_>) -> BridgeResult<jobjectArray> {
    let names: Vec<&str> = ErrorKind::ALL.iter().map(|k| k.name()).collect();
    string_array(env, &names)
}

fn throw_error_kind(env: &mut Env<'_>, a: args::ThrowErrorKind<'_>) -> BridgeResult<()> {
    let name = required_string(env, &a.kind, "kind")?;
    let message = required_string(env, &a.message, "message")?;
    let kind = ErrorKind::ALL
        .into_iter()
        .find(|k| k.name() == name)
        .ok_or_else(|| BridgeError::illegal_argument(format!("no error kind `{name}`")))?;
    Err(BridgeError::Kind(kind, message))
}

fn default_threads(_: &mut Env<'_>, _: args::DefaultThreads<'_>) -> BridgeResult<jint> {
    to_jint(ModelOptions::default().threads)
}

fn default_int8_io(_: &mut Env<'_>, _: args::DefaultInt8Io<'_>) -> BridgeResult<jboolean> {
    Ok(ModelOptions::default().int8_io)
}

fn default_top_k(_: &mut Env<'_>, _: args::DefaultTopK<'_>) -> BridgeResult<jint> {
    to_jint(ClassifierOptions::default().top_k)
}

fn default_score_threshold(
    _: &mut Env<'_>,
    _: args::DefaultScoreThreshold<'_>,
) -> BridgeResult<jfloat> {
    Ok(ClassifierOptions::default().score_threshold)
}

fn default_model_fps(_: &mut Env<'_>, _: args::DefaultModelFps<'_>) -> BridgeResult<jfloat> {
    Ok(ClassifierOptions::default().model_fps.unwrap_or(0.0))
}

fn default_pace_tolerance(
    _: &mut Env<'_>,
    _: args::DefaultPaceTolerance<'_>,
) -> BridgeResult<jfloat> {
    Ok(ClassifierOptions::default().pace_tolerance)
}

fn default_crop(_: &mut Env<'_>, _: args::DefaultCrop<'_>) -> BridgeResult<jint> {
    name_code(
        &bridge::CROPS,
        match ClassifierOptions::default().crop {
            Crop::CenterSquare => "CENTER_SQUARE",
            Crop::Stretch => "STRETCH",
            Crop::Region { .. } => "REGION",
        },
    )
}

fn default_smoothing(_: &mut Env<'_>, _: args::DefaultSmoothing<'_>) -> BridgeResult<jfloat> {
    Ok(ClassifierOptions::default().smoothing)
}

fn horizon_code(h: Horizon) -> (&'static str, jfloat) {
    match h {
        Horizon::All => ("ALL", 0.0),
        Horizon::Seconds(s) => ("SECONDS", s),
        // Frames counts fit a float exactly up to Horizon::MAX_FRAMES (2^24).
        Horizon::Frames(n) => ("FRAMES", n as f32),
    }
}

fn default_horizon(_: &mut Env<'_>, _: args::DefaultHorizon<'_>) -> BridgeResult<jint> {
    name_code(
        &bridge::HORIZONS,
        horizon_code(ClassifierOptions::default().horizon).0,
    )
}

fn default_horizon_value(
    _: &mut Env<'_>,
    _: args::DefaultHorizonValue<'_>,
) -> BridgeResult<jfloat> {
    Ok(horizon_code(ClassifierOptions::default().horizon).1)
}

fn default_event_min_score(
    _: &mut Env<'_>,
    _: args::DefaultEventMinScore<'_>,
) -> BridgeResult<jfloat> {
    Ok(EventOptions::DEFAULT.min_score)
}

fn default_event_keep_score(
    _: &mut Env<'_>,
    _: args::DefaultEventKeepScore<'_>,
) -> BridgeResult<jfloat> {
    Ok(EventOptions::DEFAULT.keep_score)
}

fn default_event_min_duration_ms(
    _: &mut Env<'_>,
    _: args::DefaultEventMinDurationMs<'_>,
) -> BridgeResult<jlong> {
    Ok(millis(EventOptions::DEFAULT.min_duration))
}

fn default_event_max_gap_ms(
    _: &mut Env<'_>,
    _: args::DefaultEventMaxGapMs<'_>,
) -> BridgeResult<jlong> {
    Ok(millis(EventOptions::DEFAULT.max_gap))
}

fn default_yuv_range(_: &mut Env<'_>, _: args::DefaultYuvRange<'_>) -> BridgeResult<jint> {
    code_of(&bridge::YUV_RANGES, YuvRange::default())
}

fn default_color_matrix(_: &mut Env<'_>, _: args::DefaultColorMatrix<'_>) -> BridgeResult<jint> {
    code_of(&bridge::COLOR_MATRICES, ColorMatrix::default())
}

/// The model options Kotlin passes: the thread count, the expected SHA-256 (or null) and
/// whether the stream states are bound as int8.
fn model_options(
    env: &Env<'_>,
    threads: jint,
    sha256: &JString<'_>,
    int8_io: jboolean,
) -> BridgeResult<ModelOptions> {
    if threads < 0 {
        // The core's own message for a count it cannot take, in Kotlin's spelling.
        return Err(movinet::Error::option(
            "threads",
            format!("must be between 1 and 64, got {threads}"),
        )
        .into());
    }
    Ok(ModelOptions {
        threads: usize::try_from(threads).unwrap_or(0),
        model_sha256: optional_string(env, sha256)?,
        int8_io,
    })
}

fn load_model_from_file(env: &mut Env<'_>, a: args::LoadModelFromFile<'_>) -> BridgeResult<jlong> {
    logging::init();
    let path = required_string(env, &a.path, "model path")?;
    let model = Model::from_file(
        &path,
        &model_options(env, a.threads, &a.modelSha256, a.int8Io)?,
    )?;
    Ok(MODELS.insert(model))
}

fn load_model_from_buffer(
    env: &mut Env<'_>,
    a: args::LoadModelFromBuffer<'_>,
) -> BridgeResult<jlong> {
    logging::init();
    let options = model_options(env, a.threads, &a.modelSha256, a.int8Io)?;
    // SAFETY: `a.model` is a local reference held for the whole call, so its memory stays
    // valid while the slice is used; the model copies the bytes before we return.
    let bytes =
        unsafe { buffers::direct_region(env, &a.model, a.offset, a.length, "model buffer")? };
    let model = Model::from_bytes(bytes, &options)?;
    Ok(MODELS.insert(model))
}

fn model_info(env: &mut Env<'_>, a: args::ModelInfo<'_>) -> BridgeResult<jlongArray> {
    let info = MODELS.with(a.model, |m| {
        let spec = m.spec();
        Ok([
            spec.num_classes,
            spec.height,
            spec.width,
            spec.states.len(),
            spec.state_bytes(),
        ]
        .map(|n| jlong::try_from(n).unwrap_or(jlong::MAX)))
    })?;
    let array = JLongArray::new(env, info.len())?;
    array.set_region(env, 0, &info)?;
    Ok(array.into_raw())
}

fn close_model(_: &mut Env<'_>, a: args::CloseModel<'_>) -> BridgeResult<jboolean> {
    Ok(MODELS.remove(a.model))
}

fn read_labels_file(env: &mut Env<'_>, a: args::ReadLabelsFile<'_>) -> BridgeResult<jstring> {
    logging::init();
    let path = required_string(env, &a.path, "labels path")?;
    let labels = Labels::from_file(&path)?;
    Ok(JString::new(env, labels.names().join("\n"))?.into_raw())
}

fn parse_labels(env: &mut Env<'_>, a: args::ParseLabels<'_>) -> BridgeResult<jstring> {
    if a.bytes.is_null() {
        return Err(BridgeError::illegal_argument("labels bytes are null"));
    }
    let source = required_string(env, &a.source, "labels source")?;
    let bytes = env.convert_byte_array(&a.bytes)?;
    let labels = Labels::from_bytes(&bytes, &source)?;
    Ok(JString::new(env, labels.names().join("\n"))?.into_raw())
}

fn discover_labels(env: &mut Env<'_>, a: args::DiscoverLabels<'_>) -> BridgeResult<jstring> {
    logging::init();
    let path = required_string(env, &a.modelPath, "model path")?;
    let classes = usize::try_from(a.classes)
        .map_err(|_| BridgeError::illegal_argument(format!("classes {} is negative", a.classes)))?;
    Ok(match Labels::discover(Path::new(&path), &[], classes) {
        Some(labels) => JString::new(env, labels.names().join("\n"))?.into_raw(),
        None => std::ptr::null_mut(),
    })
}

fn label_candidates(env: &mut Env<'_>, a: args::LabelCandidates<'_>) -> BridgeResult<jobjectArray> {
    let model = required_string(env, &a.modelName, "model name")?;
    if a.names.is_null() {
        return Err(BridgeError::illegal_argument("names are null"));
    }
    let mut names = Vec::new();
    for i in 0..a.names.len(env)? {
        let name = a.names.get_element(env, i)?;
        if !name.is_null() {
            names.push(name.try_to_string(env)?);
        }
    }
    let picked = Labels::candidates(&model, names.iter().map(String::as_str));
    string_array(env, &picked)
}

fn open_handles(env: &mut Env<'_>, _: args::OpenHandles<'_>) -> BridgeResult<jintArray> {
    let counts = [to_jint(MODELS.len())?, to_jint(CLASSIFIERS.len())?];
    let array = jni::objects::JIntArray::new(env, counts.len())?;
    array.set_region(env, 0, &counts)?;
    Ok(array.into_raw())
}

fn create_classifier(env: &mut Env<'_>, a: args::CreateClassifier<'_>) -> BridgeResult<jlong> {
    let labels = if a.labels.is_null() {
        None
    } else {
        Some(Labels::parse(&a.labels.try_to_string(env)?)?)
    };
    let region = |v: jint, what: &'static str| {
        usize::try_from(v).map_err(|_| {
            BridgeError::invalid_option(format!(
                "invalid option: crop {what} must not be negative, got {v}"
            ))
        })
    };
    let crop = match code(&bridge::CROPS, a.crop, "crop")? {
        "CENTER_SQUARE" => Crop::CenterSquare,
        "STRETCH" => Crop::Stretch,
        _ => Crop::Region {
            x: region(a.cropX, "x")?,
            y: region(a.cropY, "y")?,
            width: region(a.cropWidth, "width")?,
            height: region(a.cropHeight, "height")?,
        },
    };
    let horizon = match code(&bridge::HORIZONS, a.horizon, "horizon")? {
        "ALL" => Horizon::All,
        "SECONDS" => Horizon::Seconds(a.horizonValue),
        _ => {
            let frames = a.horizonValue;
            if !(frames.is_finite()
                && frames >= 0.0
                && frames.fract() == 0.0
                && frames <= u32::MAX as f32)
            {
                return Err(BridgeError::invalid_option(format!(
                    "invalid option: horizon must be a whole number of frames, got {frames}"
                )));
            }
            // 0 is what the core refuses with its own message.
            Horizon::Frames(frames as u32)
        }
    };
    let duration = |ms: jlong, what: &str| {
        u64::try_from(ms).map(Duration::from_millis).map_err(|_| {
            BridgeError::invalid_option(format!(
                "invalid option: {what} must not be negative, got {ms}"
            ))
        })
    };
    let top_k = usize::try_from(a.topK).map_err(|_| {
        BridgeError::invalid_option(format!(
            "invalid option: topK must be at least 1, got {}",
            a.topK
        ))
    })?;
    let options = ClassifierOptions {
        top_k,
        score_threshold: a.scoreThreshold,
        model_fps: a.hasModelFps.then_some(a.modelFps),
        pace_tolerance: a.paceTolerance,
        crop,
        smoothing: a.smoothing,
        horizon,
        events: EventOptions {
            min_score: a.eventMinScore,
            keep_score: a.eventKeepScore,
            min_duration: duration(a.eventMinDurationMs, "events.minDurationMs")?,
            max_gap: duration(a.eventMaxGapMs, "events.maxGapMs")?,
        },
    };
    let model = MODELS.with(a.model, |m| Ok(m.clone()))?;
    let classifier = Classifier::new(&model, labels, options)?;
    Ok(CLASSIFIERS.insert(classifier))
}

fn labels(env: &mut Env<'_>, a: args::Labels<'_>) -> BridgeResult<jstring> {
    let joined = CLASSIFIERS.with(a.classifier, |c| {
        Ok(c.labels().map(|l| l.names().join("\n")))
    })?;
    Ok(match joined {
        Some(text) => JString::new(env, text)?.into_raw(),
        None => std::ptr::null_mut(),
    })
}

/// One frame through the classifier: -1 when pacing leaves it out, else the number of
/// categories written.
fn classify(env: &mut Env<'_>, a: args::Classify<'_>) -> BridgeResult<jint> {
    let format = code_value(&bridge::PIXEL_FORMATS, a.format, "pixel format")?;
    let range = code_value(&bridge::YUV_RANGES, a.yuvRange, "YUV range")?;
    let matrix = code_value(&bridge::COLOR_MATRICES, a.colorMatrix, "colour matrix")?;
    let given = [
        (
            &a.plane0,
            a.offset0,
            a.length0,
            a.rowStride0,
            a.pixelStride0,
        ),
        (
            &a.plane1,
            a.offset1,
            a.length1,
            a.rowStride1,
            a.pixelStride1,
        ),
        (
            &a.plane2,
            a.offset2,
            a.length2,
            a.rowStride2,
            a.pixelStride2,
        ),
    ];
    let mut planes = Vec::with_capacity(3);
    for (i, (buffer, offset, length, row_stride, pixel_stride)) in
        given.into_iter().take(format.plane_count()).enumerate()
    {
        let what = format!("plane {i}");
        // SAFETY: the buffers are this call's arguments, alive until it returns, and the
        // frame built on them is dropped before then. Nothing here runs Java code.
        let data = unsafe { buffers::direct_region(env, buffer, offset, length, &what)? };
        planes.push(Plane::new(
            data,
            frame_size(row_stride, &format!("{what} row stride"))?,
            frame_size(pixel_stride, &format!("{what} pixel stride"))?,
        ));
    }
    let mut width = frame_size(a.width, "width")?;
    let mut height = frame_size(a.height, "height")?;
    if a.hasVisibleRect {
        let rect = visible::Rect {
            left: frame_size(a.visibleLeft, "visible rect left")?,
            top: frame_size(a.visibleTop, "visible rect top")?,
            width: frame_size(a.visibleWidth, "visible rect width")?,
            height: frame_size(a.visibleHeight, "visible rect height")?,
        };
        (width, height) = visible::narrow(format, width, height, &mut planes, rect)?;
    }
    let mut frame = Frame::new(format, width, height, &planes)?
        .with_rotation(Rotation::from_degrees(a.rotationDegrees)?)
        .with_mirror(a.mirror)
        .with_range(range)
        .with_color_matrix(matrix);
    if a.hasOrientation {
        // A negative value is as invalid as 0 or 9: the core's message names it.
        let exif = u32::try_from(a.orientation).unwrap_or(0);
        frame = frame.with_orientation(exif)?;
        if a.mirror {
            // A mirror asked for on top of the orientation's own (a front camera's picture).
            let (_, mirrored) = movinet::exif_orientation(exif)?;
            frame = frame.with_mirror(!mirrored);
        }
    }
    if a.hasTimestamp {
        let nanos = u64::try_from(a.timestampNanos).map_err(|_| {
            BridgeError::invalid_frame(format!(
                "invalid frame: timestampNanos must not be negative, got {}",
                a.timestampNanos
            ))
        })?;
        frame = frame.with_timestamp(Duration::from_nanos(nanos));
    }
    let Some(prediction) = CLASSIFIERS.with(a.classifier, |c| Ok(c.push(&frame)?))? else {
        return Ok(-1);
    };
    let n = prediction
        .categories
        .len()
        .min(a.outIndices.len(env)?)
        .min(a.outScores.len(env)?);
    let mut indices = Vec::with_capacity(n);
    let mut scores = Vec::with_capacity(n);
    for c in &prediction.categories[..n] {
        indices.push(to_jint(c.index)?);
        scores.push(c.score);
    }
    a.outIndices.set_region(env, 0, &indices)?;
    a.outScores.set_region(env, 0, &scores)?;
    write_events(env, &prediction.events, &a.outEvents, &a.outEventScores)?;
    let t = prediction.timings;
    // In the order of bridge::CLASSIFY_INFO.
    let info = [
        nanos(t.preprocess),
        nanos(t.inference),
        nanos(t.postprocess),
        nanos(t.total),
        jlong::try_from(prediction.model_frames).unwrap_or(jlong::MAX),
        jlong::try_from(prediction.frame_index).unwrap_or(jlong::MAX),
        jlong::try_from(prediction.events.len()).unwrap_or(jlong::MAX),
    ];
    const _: () = assert!(bridge::CLASSIFY_INFO.len() == 7);
    if a.outInfo.len(env)? < info.len() {
        return Err(BridgeError::illegal_argument(format!(
            "outInfo must hold {} values",
            info.len()
        )));
    }
    a.outInfo.set_region(env, 0, &info)?;
    to_jint(n)
}

/// Longs and floats per event in `outEvents` / `outEventScores`.
const EVENT_LONGS: usize = bridge::EVENT_SLOTS.len();
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
        let (started, e) = match change {
            EventChange::Started(e) => (true, e),
            EventChange::Ended(e) => (false, e),
        };
        longs.extend(event_longs(started, e));
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

/// One event in the order of `bridge::EVENT_SLOTS`: change (`EVENT_CHANGES` code), class
/// index, start and end in nanoseconds (end -1 while under way).
fn event_longs(started: bool, e: &Event) -> [jlong; EVENT_LONGS] {
    [
        // The EVENT_CHANGES codes.
        if started { 0 } else { 1 },
        jlong::try_from(e.index).unwrap_or(jlong::MAX),
        nanos(e.start),
        e.end.map_or(-1, nanos),
    ]
}

/// The event under way (or the one just ended) written as in `classify`'s `outEvents`;
/// false when there is none.
fn one_event(
    env: &mut Env<'_>,
    classifier: jlong,
    out_event: &JLongArray<'_>,
    out_scores: &JFloatArray<'_>,
    finish: bool,
) -> BridgeResult<jboolean> {
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
    out_event.set_region(env, 0, &event_longs(!finish, &e))?;
    out_scores.set_region(env, 0, &[e.peak_score, e.mean_score])?;
    Ok(true)
}

fn current_event(env: &mut Env<'_>, a: args::CurrentEvent<'_>) -> BridgeResult<jboolean> {
    one_event(env, a.classifier, &a.outEvent, &a.outScores, false)
}

fn finish_event(env: &mut Env<'_>, a: args::FinishEvent<'_>) -> BridgeResult<jboolean> {
    one_event(env, a.classifier, &a.outEvent, &a.outScores, true)
}

fn reset_classifier(_: &mut Env<'_>, a: args::ResetClassifier<'_>) -> BridgeResult<()> {
    CLASSIFIERS.with(a.classifier, |c| {
        c.reset();
        Ok(())
    })
}

fn close_classifier(_: &mut Env<'_>, a: args::CloseClassifier<'_>) -> BridgeResult<jboolean> {
    Ok(CLASSIFIERS.remove(a.classifier))
}

/// The table entry for a code Kotlin passed.
fn code<T: Copy>(table: &[T], code: jint, what: &str) -> BridgeResult<T> {
    usize::try_from(code)
        .ok()
        .and_then(|i| table.get(i).copied())
        .ok_or_else(|| BridgeError::illegal_argument(format!("unknown {what} code {code}")))
}

fn code_value<T: Copy>(table: &[(T, &str)], c: jint, what: &str) -> BridgeResult<T> {
    Ok(code(table, c, what)?.0)
}

fn name_code(table: &[&str], name: &str) -> BridgeResult<jint> {
    let i = table
        .iter()
        .position(|n| *n == name)
        .ok_or_else(|| BridgeError::illegal_argument(format!("{name} has no Kotlin code")))?;
    to_jint(i)
}

fn code_of<T: Copy + PartialEq>(table: &[(T, &str)], value: T) -> BridgeResult<jint> {
    let i = table
        .iter()
        .position(|(v, _)| *v == value)
        .ok_or_else(|| BridgeError::illegal_argument("a value with no Kotlin code"))?;
    to_jint(i)
}

/// A size or stride of a frame: a negative one is an invalid frame.
fn frame_size(value: jint, what: &str) -> BridgeResult<usize> {
    usize::try_from(value).map_err(|_| {
        BridgeError::invalid_frame(format!(
            "invalid frame: {what} must not be negative, got {value}"
        ))
    })
}

fn nanos(d: Duration) -> jlong {
    jlong::try_from(d.as_nanos()).unwrap_or(jlong::MAX)
}

fn millis(d: Duration) -> jlong {
    jlong::try_from(d.as_millis()).unwrap_or(jlong::MAX)
}

fn to_jint(n: usize) -> BridgeResult<jint> {
    jint::try_from(n)
        .map_err(|_| BridgeError::illegal_argument(format!("{n} does not fit a Java int")))
}

/// A Java `String[]` of `values`.
fn string_array(env: &mut Env<'_>, values: &[&str]) -> BridgeResult<jobjectArray> {
    let array = JObjectArray::<JString>::new(env, values.len(), JString::null())?;
    for (i, v) in values.iter().enumerate() {
        let s = JString::new(env, v)?;
        array.set_element(env, i, &s)?;
    }
    Ok(array.into_raw())
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
