//! The JNI surface, declared once.
//!
//! Each `fn` below is one `external fun` of the Kotlin `internal object NativeBridge`, with
//! Kotlin's names and types ([`crate::kotlin`]). [`native_bridge!`] turns every declaration
//! into three things that cannot drift apart:
//!
//! * the exported `Java_dev_movinet_NativeBridge_<name>` function, with the JNI types of those
//!   parameters in that order, which runs its body inside `with_env` (panics caught) and turns
//!   errors into Java exceptions ([`ThrowJava`]);
//! * a struct of the arguments by name (`Classify { classifier, plane0, offset0, .. }`) that the
//!   Rust implementation (`= function(Struct)`, in `lib.rs`) reads by field, never by position;
//! * the Kotlin declaration, in [`methods`], from which `cargo xtask jni` writes
//!   `NativeBridge.kt` (and the Kotlin code calls it with named arguments).
//!
//! The enum codes Kotlin passes ([`CODES`]) are the positions in the Rust tables that decode
//! them, and the exception classes come from `movinet::ErrorKind::ALL`.

use jni::objects::JObject;
use jni::EnvUnowned;

use crate::error::ThrowJava;
use crate::kotlin::{
    Boolean, ByteArray, ByteBuffer, Codes, Float, FloatArray, Int, IntArray, KotlinType, Long,
    LongArray, Method, Nullable, Param, String, StringArray, Unit,
};

macro_rules! native_bridge {
    ($(
        $(#[doc = $doc:literal])*
        fn $name:ident($($param:ident: $ty:ty),* $(,)?) -> $ret:ty = $imp:ident($args:ident);
    )*) => {
        $(
            #[doc = concat!("The arguments of `NativeBridge.", stringify!($name), "`, by name.")]
            #[allow(non_snake_case, dead_code)]
            pub struct $args<'local> {
                $(pub $param: <$ty as KotlinType>::Arg<'local>,)*
                _frame: std::marker::PhantomData<&'local ()>,
            }

            $(#[doc = $doc])*
            #[export_name = concat!("Java_dev_movinet_NativeBridge_", stringify!($name))]
            #[allow(non_snake_case, clippy::too_many_arguments)]
            pub extern "system" fn $name<'local>(
                mut env: EnvUnowned<'local>,
                _this: JObject<'local>,
                $($param: <$ty as KotlinType>::Arg<'local>,)*
            ) -> <$ret as KotlinType>::Ret {
                env.with_env(|env| {
                    crate::$imp(env, $args { $($param,)* _frame: std::marker::PhantomData })
                })
                    .resolve::<ThrowJava>()
            }
        )*

        /// Every native method, as Kotlin declares it.
        pub fn methods() -> Vec<Method> {
            vec![$(
                Method {
                    name: stringify!($name),
                    doc: vec![$($doc),*],
                    params: vec![$(Param { name: stringify!($param), kotlin: <$ty>::kotlin() }),*],
                    returns: <$ret>::kotlin(),
                },
            )*]
        }
    };
}

native_bridge! {
    /// The library's version (the Cargo package's), checked by [NativeLibrary].
    fn version() -> String = version(Version);

    /// The names of the core's error kinds (`movinet::ErrorKind::ALL`), in order: each is
    /// thrown as `dev.movinet.<name>Exception`.
    fn errorKinds() -> StringArray = error_kinds(ErrorKinds);

    /// Throws what a core error of the kind named `kind` (one of [errorKinds]) throws, with
    /// `message`: for the binding's tests that every kind reaches Kotlin as its own class.
    fn throwErrorKind(kind: String, message: String) -> Unit = throw_error_kind(ThrowErrorKind);

    /// `ModelOptions::default().threads`.
    fn defaultThreads() -> Int = default_threads(DefaultThreads);
    /// `ModelOptions::default().int8_io`.
    fn defaultInt8Io() -> Boolean = default_int8_io(DefaultInt8Io);
    /// `ClassifierOptions::default().top_k`.
    fn defaultTopK() -> Int = default_top_k(DefaultTopK);
    /// `ClassifierOptions::default().score_threshold`.
    fn defaultScoreThreshold() -> Float = default_score_threshold(DefaultScoreThreshold);
    /// `ClassifierOptions::default().model_fps`, or 0 when the default feeds every frame.
    fn defaultModelFps() -> Float = default_model_fps(DefaultModelFps);
    /// `ClassifierOptions::default().pace_tolerance`.
    fn defaultPaceTolerance() -> Float = default_pace_tolerance(DefaultPaceTolerance);
    /// `ClassifierOptions::default().crop` as a [CropCodes] code.
    fn defaultCrop() -> Int = default_crop(DefaultCrop);
    /// `ClassifierOptions::default().smoothing`.
    fn defaultSmoothing() -> Float = default_smoothing(DefaultSmoothing);
    /// `ClassifierOptions::default().horizon` (`Horizon::LIVE`) as a [HorizonCodes] code.
    fn defaultHorizon() -> Int = default_horizon(DefaultHorizon);
    /// The seconds or frames of `Horizon::LIVE` (0 for `All`).
    fn defaultHorizonValue() -> Float = default_horizon_value(DefaultHorizonValue);
    /// `EventOptions::DEFAULT.min_score`.
    fn defaultEventMinScore() -> Float = default_event_min_score(DefaultEventMinScore);
    /// `EventOptions::DEFAULT.keep_score`.
    fn defaultEventKeepScore() -> Float = default_event_keep_score(DefaultEventKeepScore);
    /// `EventOptions::DEFAULT.min_duration` in milliseconds.
    fn defaultEventMinDurationMs() -> Long = default_event_min_duration_ms(DefaultEventMinDurationMs);
    /// `EventOptions::DEFAULT.max_gap` in milliseconds.
    fn defaultEventMaxGapMs() -> Long = default_event_max_gap_ms(DefaultEventMaxGapMs);
    /// The YUV range a `Frame` has unless told otherwise (`YuvRange::default()`), a
    /// [YuvRangeCodes] code.
    fn defaultYuvRange() -> Int = default_yuv_range(DefaultYuvRange);
    /// The colour matrix a `Frame` has unless told otherwise, a [ColorMatrixCodes] code.
    fn defaultColorMatrix() -> Int = default_color_matrix(DefaultColorMatrix);

    /// Loads a model file; returns its handle.
    fn loadModelFromFile(
        path: String,
        threads: Int,
        modelSha256: Nullable<String>,
        int8Io: Boolean,
    ) -> Long = load_model_from_file(LoadModelFromFile);

    /// Loads a model from `length` bytes at `offset` of a direct buffer (a mapped asset, say),
    /// read in place; the core copies them once into the aligned memory the model lives in, so
    /// the buffer may be released afterwards.
    fn loadModelFromBuffer(
        model: ByteBuffer,
        offset: Int,
        length: Int,
        threads: Int,
        modelSha256: Nullable<String>,
        int8Io: Boolean,
    ) -> Long = load_model_from_buffer(LoadModelFromBuffer);

    /// `[classes, input height, input width, state tensors, state bytes]` of a loaded model.
    fn modelInfo(model: Long) -> LongArray = model_info(ModelInfo);

    /// Frees a model handle (classifiers made from it keep the model); false when it was
    /// already closed.
    fn closeModel(model: Long) -> Boolean = close_model(CloseModel);

    /// A labels file read and checked by the core's rules (a regular file of at most 16 MB,
    /// UTF-8, no blank line, a byte order mark dropped), as its labels joined by `\n`.
    fn readLabelsFile(path: String) -> String = read_labels_file(ReadLabelsFile);

    /// Labels from the bytes of a labels file (an asset), by the same rules as
    /// [readLabelsFile]; `source` names it in messages.
    fn parseLabels(bytes: ByteArray, source: String) -> String = parse_labels(ParseLabels);

    /// The labels the core's discovery finds for a model file that came without any (a `.txt`
    /// beside it, read by the core's rules, with one label per class), joined by `\n`; null
    /// when none fits.
    fn discoverLabels(modelPath: String, classes: Int) -> Nullable<String>
        = discover_labels(DiscoverLabels);

    /// Of the file names in a model's folder (an asset folder), the ones label discovery
    /// tries, in the order it tries them (`movinet::Labels::candidates`).
    fn labelCandidates(modelName: String, names: StringArray) -> StringArray
        = label_candidates(LabelCandidates);

    /// `[models, classifiers]` still open in the native library (for leak checks).
    fn openHandles() -> IntArray = open_handles(OpenHandles);

    /// A classifier on a loaded model. `labels` is the labels text (one class per line) or
    /// null; `crop` a [CropCodes] code with the region's `cropX`..`cropHeight`; `horizon` a
    /// [HorizonCodes] code with its seconds or frames in `horizonValue`. The core checks every
    /// option and the labels against the model.
    fn createClassifier(
        model: Long,
        labels: Nullable<String>,
        topK: Int,
        scoreThreshold: Float,
        hasModelFps: Boolean,
        modelFps: Float,
        paceTolerance: Float,
        crop: Int,
        cropX: Int,
        cropY: Int,
        cropWidth: Int,
        cropHeight: Int,
        smoothing: Float,
        horizon: Int,
        horizonValue: Float,
        eventMinScore: Float,
        eventKeepScore: Float,
        eventMinDurationMs: Long,
        eventMaxGapMs: Long,
    ) -> Long = create_classifier(CreateClassifier);

    /// The classifier's labels joined by `\n`, or null when it has none.
    fn labels(classifier: Long) -> Nullable<String> = labels(Labels);

    /// Pushes one frame. `format` is a [PixelFormatCodes] code; each plane is a direct buffer
    /// with the region to read (`offset`, `length`) and its row and pixel strides (unused
    /// planes null). With `hasVisibleRect`, only that rectangle of the image is the frame (a
    /// CameraX `cropRect`). With `hasOrientation`, `orientation` is an EXIF orientation (1-8)
    /// that replaces `rotationDegrees`, and `mirror` mirrors its result once more. `yuvRange` and `colorMatrix` are [YuvRangeCodes]
    /// and [ColorMatrixCodes] codes. Returns -1 when pacing left the frame out, else the
    /// number of categories written to `outIndices` and `outScores`, with `outInfo` laid out
    /// as [ClassifyInfo] and each event change (at most two) in `outEvents` as [EventSlots]
    /// and in `outEventScores` as `[peak, mean]`.
    fn classify(
        classifier: Long,
        format: Int,
        width: Int,
        height: Int,
        plane0: Nullable<ByteBuffer>,
        offset0: Int,
        length0: Int,
        rowStride0: Int,
        pixelStride0: Int,
        plane1: Nullable<ByteBuffer>,
        offset1: Int,
        length1: Int,
        rowStride1: Int,
        pixelStride1: Int,
        plane2: Nullable<ByteBuffer>,
        offset2: Int,
        length2: Int,
        rowStride2: Int,
        pixelStride2: Int,
        hasVisibleRect: Boolean,
        visibleLeft: Int,
        visibleTop: Int,
        visibleWidth: Int,
        visibleHeight: Int,
        rotationDegrees: Int,
        hasOrientation: Boolean,
        orientation: Int,
        mirror: Boolean,
        hasTimestamp: Boolean,
        timestampNanos: Long,
        yuvRange: Int,
        colorMatrix: Int,
        outIndices: IntArray,
        outScores: FloatArray,
        outInfo: LongArray,
        outEvents: LongArray,
        outEventScores: FloatArray,
    ) -> Int = classify(Classify);

    /// The event under way, written as one of [classify]'s event changes; false when none.
    fn currentEvent(classifier: Long, outEvent: LongArray, outScores: FloatArray) -> Boolean
        = current_event(CurrentEvent);

    /// Ends the event under way and writes it as [currentEvent] does; false when none.
    fn finishEvent(classifier: Long, outEvent: LongArray, outScores: FloatArray) -> Boolean
        = finish_event(FinishEvent);

    /// Starts a new stream on the classifier.
    fn resetClassifier(classifier: Long) -> Unit = reset_classifier(ResetClassifier);

    /// Frees a classifier; false when it was already closed.
    fn closeClassifier(classifier: Long) -> Boolean = close_classifier(CloseClassifier);

    /// An empty action set for a loaded model; returns its handle.
    fn newActionSet(model: Long) -> Long = new_action_set(NewActionSet);

    /// Reads an action-set file made with `model` (the core checks the file and that it was
    /// made with this model); returns its handle.
    fn loadActionSet(path: String, model: Long) -> Long = load_action_set(LoadActionSet);

    /// An action set from the bytes of its file (an asset, a download).
    fn actionSetFromBytes(bytes: ByteArray, model: Long) -> Long
        = action_set_from_bytes(ActionSetFromBytes);

    /// Adds a recorded example (a [finishExample] handle) to the action `name` of a set.
    fn addActionExample(set: Long, name: String, example: Long) -> Unit
        = add_action_example(AddActionExample);

    /// Removes the action `name` from a set; false if it has none.
    fn removeAction(set: Long, name: String) -> Boolean = remove_action(RemoveAction);

    /// A set's action names, in order.
    fn actionNames(set: Long) -> StringArray = action_names(ActionNames);

    /// Examples of the action `name` in a set (0 if there is none).
    fn actionExamples(set: Long, name: String) -> Int = action_examples(ActionExamples);

    /// SHA-256 of the model a set was made with.
    fn actionSetModelSha256(set: Long) -> String = action_set_model_sha256(ActionSetModelSha256);

    /// Writes a set's file.
    fn saveActionSet(set: Long, path: String) -> Unit = save_action_set(SaveActionSet);

    /// The bytes of a set's file.
    fn actionSetToBytes(set: Long) -> ByteArray = action_set_to_bytes(ActionSetToBytes);

    /// Frees an action set; false when it was already closed.
    fn closeActionSet(set: Long) -> Boolean = close_action_set(CloseActionSet);

    /// Throws [InvalidActionSetException] for a name an action cannot have.
    fn checkActionName(name: String) -> Unit = check_action_name(CheckActionName);

    /// Scores a copy of the set `set` instead of the model's classes (0: the model's classes
    /// again); the classifier's [labels] become the set's action names.
    fn setActions(classifier: Long, set: Long) -> Unit = set_actions(SetActions);

    /// Starts recording an example from the classifier's next frame (its stream starts over).
    fn startExample(classifier: Long) -> Unit = start_example(StartExample);

    /// Frames recorded since [startExample], -1 when not recording.
    fn exampleFrames(classifier: Long) -> Long = example_frames(ExampleFrames);

    /// Ends the recording; returns the example's handle.
    fn finishExample(classifier: Long) -> Long = finish_example(FinishExample);

    /// Live frames an example keeps for calibrating the rule.
    fn exampleLiveFrames(example: Long) -> Int = example_live_frames(ExampleLiveFrames);

    /// Frees an example; false when it was already closed.
    fn closeExample(example: Long) -> Boolean = close_example(CloseExample);

    /// `[action sets, examples, teachers]` still open in the native library (for leak checks).
    fn openActionHandles() -> IntArray = open_action_handles(OpenActionHandles);

    /// A teacher for the action `name` (`movinet::ActionTeacher`) recording with `classifier`.
    fn newActionTeacher(name: String, classifier: Long) -> Long
        = new_action_teacher(NewActionTeacher);

    /// Starts recording the teacher's next clip with `classifier`; writes its progress to
    /// `out` as [TeachSlots].
    fn teachStartClip(teacher: Long, classifier: Long, out: FloatArray) -> Unit
        = teach_start_clip(TeachStartClip);

    /// After a prediction of `classifier`: ends the clip once it is long enough; writes the
    /// progress as [teachStartClip] does.
    fn teachAfterFrame(teacher: Long, classifier: Long, out: FloatArray) -> Unit
        = teach_after_frame(TeachAfterFrame);

    /// Adds the teacher's clips to the set `set` (nothing before every clip is recorded).
    fn teachCommit(teacher: Long, set: Long) -> Unit = teach_commit(TeachCommit);

    /// Frees a teacher; false when it was already closed.
    fn closeActionTeacher(teacher: Long) -> Boolean = close_action_teacher(CloseActionTeacher);
}

/// `PixelFormat` codes: the Kotlin names (the contract's spelling) in code order.
pub const PIXEL_FORMATS: [(movinet::PixelFormat, &str); 7] = {
    use movinet::PixelFormat as P;
    [
        (P::Rgb888, "RGB_888"),
        (P::Rgba8888, "RGBA_8888"),
        (P::Bgra8888, "BGRA_8888"),
        (P::Nv21, "NV21"),
        (P::Nv12, "NV12"),
        (P::I420, "I420"),
        (P::Yuv420888, "YUV_420_888"),
    ]
};

/// `YuvRange` codes.
pub const YUV_RANGES: [(movinet::YuvRange, &str); 2] = [
    (movinet::YuvRange::Video, "VIDEO"),
    (movinet::YuvRange::Full, "FULL"),
];

/// `ColorMatrix` codes.
pub const COLOR_MATRICES: [(movinet::ColorMatrix, &str); 2] = [
    (movinet::ColorMatrix::Bt601, "BT601"),
    (movinet::ColorMatrix::Bt709, "BT709"),
];

/// Kinds of crop, by code.
pub const CROPS: [&str; 3] = ["CENTER_SQUARE", "STRETCH", "REGION"];
/// Kinds of horizon, by code.
pub const HORIZONS: [&str; 3] = ["ALL", "SECONDS", "FRAMES"];
/// `classify`'s `outInfo`, by position.
pub const CLASSIFY_INFO: [&str; 7] = [
    "PREPROCESS_NANOS",
    "INFERENCE_NANOS",
    "POSTPROCESS_NANOS",
    "TOTAL_NANOS",
    "MODEL_FRAMES",
    "FRAME_INDEX",
    "EVENT_CHANGES",
];
/// One event in `outEvents`, by position.
pub const EVENT_SLOTS: [&str; 4] = ["CHANGE", "INDEX", "START_NANOS", "END_NANOS"];
/// The `CHANGE` slot of an event.
pub const EVENT_CHANGES: [&str; 2] = ["STARTED", "ENDED"];
/// A teacher's progress in `out`, by position (`RECORDING` is 1 or 0).
pub const TEACH_SLOTS: [&str; 4] = ["CLIPS_DONE", "CLIPS", "CLIP_FRACTION", "RECORDING"];

const fn names<T: Copy, const N: usize>(table: &[(T, &'static str); N]) -> [&'static str; N] {
    let mut out = [""; N];
    let mut i = 0;
    while i < N {
        out[i] = table[i].1;
        i += 1;
    }
    out
}

const PIXEL_FORMAT_NAMES: [&str; 7] = names(&PIXEL_FORMATS);
const YUV_RANGE_NAMES: [&str; 2] = names(&YUV_RANGES);
const COLOR_MATRIX_NAMES: [&str; 2] = names(&COLOR_MATRICES);

/// Every table of codes Kotlin shares with this library.
pub const CODES: &[Codes] = &[
    Codes {
        name: "PixelFormatCodes",
        doc: "`PixelFormat` codes of [NativeBridge.classify] (bindings/jni `PIXEL_FORMATS`).",
        values: &PIXEL_FORMAT_NAMES,
    },
    Codes {
        name: "YuvRangeCodes",
        doc: "`YuvRange` codes of [NativeBridge.classify].",
        values: &YUV_RANGE_NAMES,
    },
    Codes {
        name: "ColorMatrixCodes",
        doc: "`ColorMatrix` codes of [NativeBridge.classify].",
        values: &COLOR_MATRIX_NAMES,
    },
    Codes {
        name: "CropCodes",
        doc: "`Crop` kinds of [NativeBridge.createClassifier].",
        values: &CROPS,
    },
    Codes {
        name: "HorizonCodes",
        doc: "`Horizon` kinds of [NativeBridge.createClassifier].",
        values: &HORIZONS,
    },
    Codes {
        name: "ClassifyInfo",
        doc: "Positions in [NativeBridge.classify]'s `outInfo`.",
        values: &CLASSIFY_INFO,
    },
    Codes {
        name: "EventSlots",
        doc: "Positions of one event in `outEvents` (`COUNT` longs an event).",
        values: &EVENT_SLOTS,
    },
    Codes {
        name: "EventChangeCodes",
        doc: "The `CHANGE` slot of an event in `outEvents`.",
        values: &EVENT_CHANGES,
    },
    Codes {
        name: "TeachSlots",
        doc: "Positions of a teacher's progress in [NativeBridge.teachStartClip]'s `out`.",
        values: &TEACH_SLOTS,
    },
];

/// What each error kind means, for the exception classes' docs (the core's own words).
pub fn error_kind_doc(kind: movinet::ErrorKind) -> &'static str {
    use movinet::ErrorKind as K;
    match kind {
        K::ModelNotFound => "The model file does not exist.",
        K::Io => {
            "A file could not be read (or is not a regular file).\nNot a `java.io.IOException`: \
             like every movinet error it is an unchecked [MovinetException]."
        }
        K::InvalidModel => {
            "The file is not a (supported) MoViNet stream TensorFlow Lite model, or is corrupt."
        }
        K::ModelDigestMismatch => "The model file is not the one `modelSha256` names.",
        K::InvalidLabels => {
            "The labels are unreadable, malformed, or do not name the model's classes."
        }
        K::InvalidFrame => "The frame's size, planes or strides do not fit its format.",
        K::InvalidOption => "An option or argument is out of range.",
        K::Runtime => {
            "LiteRT failed while running the model.\n(Kind `Runtime`; not named `RuntimeException`, \
             which would hide `java.lang.RuntimeException` wherever `dev.movinet.*` is imported.)"
        }
        K::Closed => "The model or classifier was closed.",
        K::InvalidActionSet => {
            "An action set that is unreadable, damaged, out of range, or made with another model."
        }
        _ => "An error of a kind this binding does not describe yet.",
    }
}

/// `NativeBridge.kt` as this library declares it.
pub fn kotlin_bridge() -> std::string::String {
    crate::kotlin::render_bridge(&methods(), CODES)
}

/// `MovinetExceptions.kt`: one class per `movinet::ErrorKind`.
pub fn kotlin_exceptions() -> std::string::String {
    let kinds: Vec<(std::string::String, &str, &str)> = movinet::ErrorKind::ALL
        .iter()
        .map(|k| (crate::exception_name(*k), k.name(), error_kind_doc(*k)))
        .collect();
    crate::kotlin::render_exceptions(&kinds)
}
