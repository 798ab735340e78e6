//! `movinet-uniffi`: UniFFI bindings over the movinet core, for Swift (the iOS package in
//! `ios/`) and Python (`bindings/uniffi/python`). Both are generated from this library by the
//! workspace's pinned `uniffi-bindgen` and call the same scaffolding.
//!
//! The API is one object and a few records:
//!
//! * [`MovinetClassifier`]: a model, its labels and one stream (the core's
//!   [`movinet::Classifier`]): `classify(frame)` per camera frame, `reset()`, `close()`;
//! * [`Frame`]: a camera frame as records, its planes with their row and pixel strides, the
//!   rotation and mirror that make it upright, its YUV range and timestamp. It maps field for
//!   field onto the core's borrowed [`movinet::Frame`], which checks it;
//! * [`ClassifierOptions`] (with the [`Horizon`] and the [`EventOptions`]), [`Prediction`],
//!   [`Category`], [`Timings`], [`ModelInfo`];
//! * [`Event`] and [`EventChange`]: the action events each prediction carries, also pushed to
//!   any [`EventListener`] (Swift's `events()` AsyncStream is built on one);
//! * [`MovinetError`], whose message is always the core's.
//!
//! Plane bytes cross the FFI as `Vec<u8>` (Swift `Data`, Python `bytes`): UniFFI copies them,
//! which is inherent to UniFFI's by-value records. The copy is a plain `memcpy` of the buffer
//! (about 0.5 MB for a 640x480 NV12 frame); the core reads the copy in place, and all the
//! preprocessing (colour conversion, rotation, crop, resize) happens in the core.
//!
//! No panic crosses the FFI: every input is validated (by the core or here) and every
//! exported function returns `Result<_, MovinetError>`.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

uniffi::setup_scaffolding!("movinet");

mod error;
pub use error::MovinetError;

type Result<T, E = MovinetError> = std::result::Result<T, E>;

/// How the pixels of a frame are laid out (the core's `PixelFormat`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum PixelFormat {
    /// Packed R, G, B bytes: one plane, pixel stride 3.
    Rgb888,
    /// Packed R, G, B, A bytes: one plane, pixel stride 4. Alpha is ignored.
    Rgba8888,
    /// Packed B, G, R, A bytes: one plane, pixel stride 4 (iOS `kCVPixelFormatType_32BGRA`).
    Bgra8888,
    /// 4:2:0, a Y plane and an interleaved V, U plane (pixel strides 1 and 2).
    Nv21,
    /// 4:2:0, a Y plane and an interleaved U, V plane (pixel strides 1 and 2; iOS `420v` /
    /// `420f`).
    Nv12,
    /// 4:2:0, three planes Y, U, V, pixel stride 1.
    I420,
    /// Android `YUV_420_888`: planes Y, U, V; U and V pixel stride 1 or 2.
    Yuv420888,
}

impl From<PixelFormat> for movinet::PixelFormat {
    fn from(f: PixelFormat) -> Self {
        match f {
            PixelFormat::Rgb888 => Self::Rgb888,
            PixelFormat::Rgba8888 => Self::Rgba8888,
            PixelFormat::Bgra8888 => Self::Bgra8888,
            PixelFormat::Nv21 => Self::Nv21,
            PixelFormat::Nv12 => Self::Nv12,
            PixelFormat::I420 => Self::I420,
            PixelFormat::Yuv420888 => Self::Yuv420888,
        }
    }
}

/// Range of YUV samples; ignored for RGB formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum YuvRange {
    /// Y in 16..=235, U and V in 16..=240 (iOS `420v`, Android cameras, video files).
    Video,
    /// Y, U and V in 0..=255 (iOS `420f`, JPEG).
    Full,
}

impl From<YuvRange> for movinet::YuvRange {
    fn from(r: YuvRange) -> Self {
        match r {
            YuvRange::Video => Self::Video,
            YuvRange::Full => Self::Full,
        }
    }
}

/// One plane of a frame: its bytes and how samples are spaced in them.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Plane {
    /// The plane's bytes from its first sample on. The last row need not be padded.
    pub data: Vec<u8>,
    /// Bytes from the start of one row to the start of the next (`bytesPerRow`).
    pub row_stride: u32,
    /// Bytes from one sample to the next in a row: 1 for Y (and I420 U, V), 2 for interleaved
    /// chroma, 3 for RGB888, 4 for RGBA / BGRA.
    pub pixel_stride: u32,
}

/// A camera or video frame.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Frame {
    pub format: PixelFormat,
    /// Width and height of the buffer as stored (before rotation), in pixels.
    pub width: u32,
    pub height: u32,
    /// The planes in the format's order: the packed plane; Y, UV (NV12); Y, VU (NV21); Y, U, V.
    pub planes: Vec<Plane>,
    /// Range of the YUV samples (ignored for RGB formats).
    pub yuv_range: YuvRange,
    /// Clockwise rotation, in degrees, that turns the buffer upright: any multiple of 90.
    #[uniffi(default = 0)]
    pub rotation_degrees: i32,
    /// Mirror the rotated image left to right (e.g. a front camera).
    #[uniffi(default = false)]
    pub mirror: bool,
    /// When the frame was taken, in microseconds from any fixed origin (a camera clock, the
    /// start of a video); pacing keeps frames by these. Without one, every frame is used.
    #[uniffi(default = None)]
    pub timestamp_us: Option<i64>,
}

/// Which part of the upright frame the model sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Crop {
    /// The centred square of the upright frame (what the models were trained on).
    CenterSquare,
    /// The whole upright frame, stretched to the model's square input.
    Stretch,
    /// A rectangle in the buffer's own pixel coordinates, before rotation; rotated and
    /// mirrored with the frame, then stretched to the model's input.
    Region {
        x: u32,
        y: u32,
        width: u32,
        height: u32,
    },
}

impl From<Crop> for movinet::Crop {
    fn from(c: Crop) -> Self {
        match c {
            Crop::CenterSquare => Self::CenterSquare,
            Crop::Stretch => Self::Stretch,
            Crop::Region {
                x,
                y,
                width,
                height,
            } => Self::Region {
                x: x as usize,
                y: y as usize,
                width: width as usize,
                height: height as usize,
            },
        }
    }
}

/// How far back predictions look (the core's `Horizon`).
#[derive(Debug, Clone, Copy, PartialEq, uniffi::Enum)]
pub enum Horizon {
    /// Every frame since the stream began or was reset: one label for a whole clip (the
    /// model as exported).
    All,
    /// About the last this many seconds (counted in frames at the model's frame rate).
    Seconds { seconds: f32 },
    /// About the last this many frames fed to the model.
    Frames { frames: u32 },
}

impl From<Horizon> for movinet::Horizon {
    fn from(h: Horizon) -> Self {
        match h {
            Horizon::All => Self::All,
            Horizon::Seconds { seconds } => Self::Seconds(seconds),
            Horizon::Frames { frames } => Self::Frames(frames),
        }
    }
}

impl From<movinet::Horizon> for Horizon {
    fn from(h: movinet::Horizon) -> Self {
        match h {
            movinet::Horizon::All => Self::All,
            movinet::Horizon::Seconds(seconds) => Self::Seconds { seconds },
            movinet::Horizon::Frames(frames) => Self::Frames { frames },
        }
    }
}

/// When a label becomes an action event (the core's `EventOptions`): it starts once it has
/// been the top label for `min_duration_ms` with a score of at least `min_score`, and ends once
/// it has been off the top for `max_gap_ms` (or another event starts).
#[derive(Debug, Clone, Copy, PartialEq, uniffi::Record)]
pub struct EventOptions {
    #[uniffi(default = 0.5)]
    pub min_score: f32,
    #[uniffi(default = 600)]
    pub min_duration_ms: u32,
    #[uniffi(default = 1000)]
    pub max_gap_ms: u32,
}

impl From<EventOptions> for movinet::EventOptions {
    fn from(o: EventOptions) -> Self {
        Self {
            min_score: o.min_score,
            min_duration: Duration::from_millis(o.min_duration_ms.into()),
            max_gap: Duration::from_millis(o.max_gap_ms.into()),
        }
    }
}

impl From<movinet::EventOptions> for EventOptions {
    fn from(o: movinet::EventOptions) -> Self {
        let ms = |d: Duration| u32::try_from(d.as_millis()).unwrap_or(u32::MAX);
        Self {
            min_score: o.min_score,
            min_duration_ms: ms(o.min_duration),
            max_gap_ms: ms(o.max_gap),
        }
    }
}

/// How a classifier loads its model, paces frames and reports. The defaults are the core's
/// (`default_classifier_options()` returns them from the core; a test keeps the two equal).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ClassifierOptions {
    /// Categories per prediction, best first (at least 1).
    #[uniffi(default = 3)]
    pub top_k: u32,
    /// Categories scoring below this (0 to 1) are left out.
    #[uniffi(default = 0.0)]
    pub score_threshold: f32,
    /// Frames per second fed to the model, chosen by the frames' timestamps; `None` feeds
    /// every frame. The models were trained at 5.
    #[uniffi(default = Some(5.0))]
    pub fps: Option<f32>,
    /// How early a frame may be (a fraction of a frame interval, 0 to below 1) and still
    /// count for its pacing slot: 0.1 suits live cameras, 0 reproduces the reference
    /// pipeline's selection on videos.
    #[uniffi(default = 0.1)]
    pub pace_tolerance: f32,
    /// Which part of the frame the model sees; `None` is the centred square.
    #[uniffi(default = None)]
    pub crop: Option<Crop>,
    /// Exponential smoothing of the reported probabilities (0 = off, below 1).
    #[uniffi(default = 0.0)]
    pub smoothing: f32,
    /// CPU threads for inference (1 to 64).
    #[uniffi(default = 1)]
    pub threads: u32,
    /// The SHA-256 the model file must have, 64 hexadecimal digits (as `sha256sum` prints it;
    /// `models/manifest.toml` lists the official files'). The bytes are hashed before anything
    /// reads them; any other file fails with `MovinetError.ModelDigestMismatch`, so a corrupted
    /// download or a replaced file never reaches the runtime. `None` skips the check.
    #[uniffi(default = None)]
    pub model_sha256: Option<String>,
    /// How far back predictions look; `None` is the live default, 2 seconds, so that labels
    /// follow a change of action. `Horizon.all` gives one label for a whole clip.
    #[uniffi(default = None)]
    pub horizon: Option<Horizon>,
    /// When a label becomes an action event (`Prediction.events`).
    #[uniffi(default)]
    pub events: EventOptions,
}

impl ClassifierOptions {
    fn core(&self) -> movinet::ClassifierOptions {
        movinet::ClassifierOptions {
            top_k: self.top_k as usize,
            score_threshold: self.score_threshold,
            model_fps: self.fps,
            pace_tolerance: self.pace_tolerance,
            crop: self.crop.map(Into::into).unwrap_or_default(),
            smoothing: self.smoothing,
            horizon: self.horizon.map_or(movinet::Horizon::LIVE, Into::into),
            events: self.events.into(),
        }
    }

    fn model_options(&self) -> movinet::ModelOptions {
        movinet::ModelOptions {
            threads: self.threads as usize,
            model_sha256: self.model_sha256.clone(),
            ..movinet::ModelOptions::default()
        }
    }
}

/// The core's default options, for callers (and the tests that check the records' defaults
/// against them).
#[uniffi::export]
pub fn default_classifier_options() -> ClassifierOptions {
    let core = movinet::ClassifierOptions::default();
    let model = movinet::ModelOptions::default();
    ClassifierOptions {
        top_k: u32::try_from(core.top_k).unwrap_or(u32::MAX),
        score_threshold: core.score_threshold,
        fps: core.model_fps,
        pace_tolerance: core.pace_tolerance,
        crop: match core.crop {
            movinet::Crop::CenterSquare => None,
            movinet::Crop::Stretch => Some(Crop::Stretch),
            movinet::Crop::Region {
                x,
                y,
                width,
                height,
            } => Some(Crop::Region {
                x: x as u32,
                y: y as u32,
                width: width as u32,
                height: height as u32,
            }),
        },
        smoothing: core.smoothing,
        threads: u32::try_from(model.threads).unwrap_or(u32::MAX),
        model_sha256: model.model_sha256,
        horizon: (core.horizon != movinet::Horizon::LIVE).then(|| core.horizon.into()),
        events: core.events.into(),
    }
}

/// One class of a prediction.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Category {
    /// The class's index among the model's outputs.
    pub index: u32,
    /// Its label (the index as text when the classifier has no labels).
    pub label: String,
    /// Its probability, 0 to 1.
    pub score: f32,
}

/// Where the time of one prediction went, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, uniffi::Record)]
pub struct Timings {
    /// Colour conversion, rotation, crop and resize into the model input.
    pub preprocess_ms: f64,
    /// The model run (inference).
    pub inference_ms: f64,
    /// Softmax, smoothing and top-k.
    pub postprocess_ms: f64,
    /// The whole call in the core, frame checks and pacing included (not the FFI copy).
    pub total_ms: f64,
}

/// An action in the stream: a label that was the top label for a while (the core's `Event`).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Event {
    pub label: String,
    pub index: u32,
    /// When the label became the top label, in the frames' time (microseconds, the same clock
    /// as `Frame.timestamp_us`).
    pub start_us: i64,
    /// When it stopped being the top label; `None` while the event goes on.
    pub end_us: Option<i64>,
    /// The label's highest and mean score over the event.
    pub peak_score: f32,
    pub mean_score: f32,
}

impl From<movinet::Event> for Event {
    fn from(e: movinet::Event) -> Self {
        Self {
            label: e.label,
            index: u32::try_from(e.index).unwrap_or(u32::MAX),
            start_us: micros(e.start),
            end_us: e.end.map(micros),
            peak_score: e.peak_score,
            mean_score: e.mean_score,
        }
    }
}

/// What happened to an event on a frame.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum EventChange {
    /// An event started (its `end_us` is `None`).
    Started { event: Event },
    /// An event ended.
    Ended { event: Event },
}

impl From<movinet::EventChange> for EventChange {
    fn from(c: movinet::EventChange) -> Self {
        match c {
            movinet::EventChange::Started(e) => Self::Started { event: e.into() },
            movinet::EventChange::Ended(e) => Self::Ended { event: e.into() },
        }
    }
}

/// Receives a classifier's action events as they start and end, without polling: implement it
/// (a Swift class, a Python subclass) and pass it to `add_event_listener`. It is called on the
/// thread that called `classify`, after the classifier's lock is released (so it may call the
/// classifier), once per change, in order. A listener that throws is logged and skipped.
#[uniffi::export(with_foreign)]
pub trait EventListener: Send + Sync {
    fn on_event(&self, change: EventChange);
}

/// What the classifier says after a frame it fed to the model.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Prediction {
    /// The `top_k` most probable classes at or above the score threshold, best first.
    pub categories: Vec<Category>,
    /// Index of the frame among all frames given since the start or the last reset.
    pub frame_index: u64,
    /// Frames the model has seen in this stream, this one included.
    pub model_frames: u64,
    /// The frame's timestamp.
    pub timestamp_us: Option<i64>,
    pub timings: Timings,
    /// Action events that started or ended on this frame, in that order (usually none).
    pub events: Vec<EventChange>,
}

/// What a loaded model looks like (discovered from its signature).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ModelInfo {
    /// Signature key, e.g. `serving_default`.
    pub signature_key: String,
    /// The model's input frame size (172 for A0/A1, 224 for A2).
    pub input_width: u32,
    pub input_height: u32,
    pub num_classes: u32,
    /// Bytes of stream state one classifier carries.
    pub state_bytes: u64,
    /// Whether the classifier has labels (else categories are named by index).
    pub has_labels: bool,
}

/// Frames kept for the model and left out by pacing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct PacerStats {
    pub kept: u64,
    pub dropped: u64,
}

/// A MoViNet stream classifier: one model, its labels and one stream's state. Give it the
/// frames of one camera or video in order; `reset()` starts a new stream. Calls are
/// serialised (the object is safe to share between threads). `close()` frees the model
/// and the state at once; any later call fails with `MovinetError.Closed`.
#[derive(uniffi::Object)]
pub struct MovinetClassifier {
    inner: Mutex<Option<movinet::Classifier>>,
    info: ModelInfo,
    listeners: Mutex<Vec<(u64, Arc<dyn EventListener>)>>,
    next_listener: AtomicU64,
}

impl std::fmt::Debug for MovinetClassifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MovinetClassifier")
            .field("info", &self.info)
            .finish()
    }
}

#[uniffi::export]
impl MovinetClassifier {
    /// Loads a `.tflite` MoViNet stream model and, when given, its labels file (one label
    /// per line, exactly one per class of the model).
    #[uniffi::constructor(default(labels_path = None, options))]
    pub fn new(
        model_path: String,
        labels_path: Option<String>,
        options: ClassifierOptions,
    ) -> Result<Arc<Self>> {
        let model = movinet::Model::from_file(&model_path, &options.model_options())?;
        let labels = labels_path.map(movinet::Labels::from_file).transpose()?;
        Self::build(&model, labels, &options)
    }

    /// The same from the model's bytes (e.g. an app asset) and the labels' text.
    #[uniffi::constructor(default(labels_text = None, options))]
    pub fn from_bytes(
        model: Vec<u8>,
        labels_text: Option<String>,
        options: ClassifierOptions,
    ) -> Result<Arc<Self>> {
        let model = movinet::Model::from_bytes(&model, &options.model_options())?;
        let labels = labels_text
            .as_deref()
            .map(movinet::Labels::parse)
            .transpose()?;
        Self::build(&model, labels, &options)
    }

    /// Gives the classifier a frame. Returns the prediction after it, or `None` when pacing
    /// leaves the frame out (or fails with `MovinetError.InvalidFrame` saying what is wrong
    /// with it).
    pub fn classify(&self, frame: Frame) -> Result<Option<Prediction>> {
        let planes: Vec<movinet::Plane<'_>> = frame
            .planes
            .iter()
            .map(|p| movinet::Plane::new(&p.data, p.row_stride as usize, p.pixel_stride as usize))
            .collect();
        let mut view = movinet::Frame::new(
            frame.format.into(),
            frame.width as usize,
            frame.height as usize,
            &planes,
        )?
        .with_rotation(movinet::Rotation::from_degrees(frame.rotation_degrees)?)
        .with_mirror(frame.mirror)
        .with_range(frame.yuv_range.into());
        if let Some(us) = frame.timestamp_us {
            let us = u64::try_from(us).map_err(|_| {
                movinet::Error::InvalidFrame(format!(
                    "timestamp must not be negative, got {us} microseconds"
                ))
            })?;
            view = view.with_timestamp(Duration::from_micros(us));
        }
        let prediction = self.with(|c| c.push(&view))?;
        if let Some(p) = &prediction {
            if !p.events.is_empty() {
                self.publish(&p.events);
            }
        }
        Ok(prediction.map(|p| Prediction {
            categories: p
                .categories
                .into_iter()
                .map(|c| Category {
                    index: c.index as u32,
                    label: c.label,
                    score: c.score,
                })
                .collect(),
            frame_index: p.frame_index,
            model_frames: p.model_frames,
            timestamp_us: p.timestamp.map(micros),
            timings: Timings {
                preprocess_ms: ms(p.timings.preprocess),
                inference_ms: ms(p.timings.inference),
                postprocess_ms: ms(p.timings.postprocess),
                total_ms: ms(p.timings.total),
            },
            events: p.events.into_iter().map(Into::into).collect(),
        }))
    }

    /// The action event under way (its `end_us` is `None`): the current action, steadier than
    /// each prediction's top category.
    pub fn current_event(&self) -> Result<Option<Event>> {
        self.with(|c| Ok(c.current_event().cloned().map(Into::into)))
    }

    /// Ends the event under way, if any, and returns it (e.g. at the end of a video); event
    /// listeners get its end too. `reset()` drops it without an end.
    pub fn finish_event(&self) -> Result<Option<Event>> {
        let ended = self.with(|c| Ok(c.finish_event()))?;
        if let Some(e) = &ended {
            self.publish(&[movinet::EventChange::Ended(e.clone())]);
        }
        Ok(ended.map(Into::into))
    }

    /// Calls `listener` with every event change from now on; returns an id for
    /// `remove_event_listener`. Listeners go when the classifier is closed.
    pub fn add_event_listener(&self, listener: Arc<dyn EventListener>) -> Result<u64> {
        // Refuse on a closed classifier, as every other call does.
        self.with(|_| Ok(()))?;
        let id = self.next_listener.fetch_add(1, Ordering::Relaxed);
        self.listeners().push((id, listener));
        Ok(id)
    }

    /// Stops calling the listener `add_event_listener` returned `id` for; false if there is
    /// none (already removed, or the classifier was closed).
    pub fn remove_event_listener(&self, id: u64) -> bool {
        let mut listeners = self.listeners();
        let before = listeners.len();
        listeners.retain(|(i, _)| *i != id);
        listeners.len() != before
    }

    /// Starts a new stream: zero model state, new pacing, no smoothing history, no event under
    /// way (call `finish_event()` first to end it).
    pub fn reset(&self) -> Result<()> {
        self.with(|c| {
            c.reset();
            Ok(())
        })
    }

    /// Probabilities of every class after the last prediction (index i for class i).
    pub fn probabilities(&self) -> Result<Vec<f32>> {
        self.with(|c| Ok(c.probabilities().to_vec()))
    }

    /// Frames kept and left out by pacing since the start or the last reset.
    pub fn pacer_stats(&self) -> Result<PacerStats> {
        self.with(|c| {
            let s = c.pacer_stats();
            Ok(PacerStats {
                kept: s.kept,
                dropped: s.dropped,
            })
        })
    }

    /// What the model looks like (still answers after `close()`).
    pub fn model_info(&self) -> ModelInfo {
        self.info.clone()
    }

    /// Frees the model and the stream state now rather than when the last reference goes.
    /// Closing twice is fine; any other call after it fails with `MovinetError.Closed`.
    pub fn close(&self) {
        self.lock().take();
        let gone = std::mem::take(&mut *self.listeners());
        drop(gone);
    }

    pub fn is_closed(&self) -> bool {
        self.lock().is_none()
    }
}

impl MovinetClassifier {
    fn build(
        model: &movinet::Model,
        labels: Option<movinet::Labels>,
        options: &ClassifierOptions,
    ) -> Result<Arc<Self>> {
        let has_labels = labels.is_some();
        let classifier = movinet::Classifier::new(model, labels, options.core())?;
        let spec = model.spec();
        let info = ModelInfo {
            signature_key: spec.signature_key.clone(),
            input_width: spec.width as u32,
            input_height: spec.height as u32,
            num_classes: spec.num_classes as u32,
            state_bytes: spec.state_bytes() as u64,
            has_labels,
        };
        log::debug!("classifier ready: {info:?}");
        Ok(Arc::new(Self {
            inner: Mutex::new(Some(classifier)),
            info,
            listeners: Mutex::new(Vec::new()),
            next_listener: AtomicU64::new(1),
        }))
    }

    fn listeners(&self) -> MutexGuard<'_, Vec<(u64, Arc<dyn EventListener>)>> {
        self.listeners.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Hands `changes` to every listener, outside both locks; a listener that fails is logged.
    fn publish(&self, changes: &[movinet::EventChange]) {
        let listeners: Vec<Arc<dyn EventListener>> = self
            .listeners()
            .iter()
            .map(|(_, l)| Arc::clone(l))
            .collect();
        for change in changes {
            for l in &listeners {
                let change = EventChange::from(change.clone());
                if catch_unwind(AssertUnwindSafe(|| l.on_event(change))).is_err() {
                    log::warn!("an event listener failed; the event was skipped for it");
                }
            }
        }
    }

    fn lock(&self) -> MutexGuard<'_, Option<movinet::Classifier>> {
        // A panic inside the core while the lock was held is reported to the caller by
        // UniFFI; the classifier stays usable (every run rebinds all of its buffers).
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` on the open classifier, or fails with `Closed`.
    fn with<T>(&self, f: impl FnOnce(&mut movinet::Classifier) -> movinet::Result<T>) -> Result<T> {
        let mut guard = self.lock();
        let classifier = guard
            .as_mut()
            .ok_or_else(|| MovinetError::from(movinet::Error::Closed))?;
        Ok(f(classifier)?)
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}

/// The library's version (the workspace's).
#[uniffi::export]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_convert_field_for_field() {
        let o = default_classifier_options();
        assert_eq!(o.core(), movinet::ClassifierOptions::default());
        assert_eq!(o.model_options(), movinet::ModelOptions::default());
        let o = ClassifierOptions {
            top_k: 5,
            score_threshold: 0.25,
            fps: None,
            pace_tolerance: 0.0,
            crop: Some(Crop::Region {
                x: 1,
                y: 2,
                width: 3,
                height: 4,
            }),
            smoothing: 0.5,
            threads: 2,
            model_sha256: Some("ab".repeat(32)),
            horizon: Some(Horizon::Frames { frames: 7 }),
            events: EventOptions {
                min_score: 0.25,
                min_duration_ms: 400,
                max_gap_ms: 2500,
            },
        };
        let c = o.core();
        assert_eq!(c.horizon, movinet::Horizon::Frames(7));
        assert_eq!(
            c.events,
            movinet::EventOptions {
                min_score: 0.25,
                min_duration: Duration::from_millis(400),
                max_gap: Duration::from_millis(2500),
            }
        );
        let all = ClassifierOptions {
            horizon: Some(Horizon::All),
            ..default_classifier_options()
        };
        assert_eq!(all.core().horizon, movinet::Horizon::All);
        assert_eq!(c.top_k, 5);
        assert_eq!(c.model_fps, None);
        assert_eq!(
            c.crop,
            movinet::Crop::Region {
                x: 1,
                y: 2,
                width: 3,
                height: 4
            }
        );
        assert_eq!(o.model_options().threads, 2);
        assert_eq!(o.model_options().model_sha256, Some("ab".repeat(32)));
    }

    #[test]
    fn core_errors_keep_their_message() {
        let e = MovinetError::from(movinet::Error::InvalidFrame("bad".into()));
        assert!(matches!(&e, MovinetError::InvalidFrame(m) if m == "invalid frame: bad"));
        let e = MovinetError::from(movinet::Error::Closed);
        assert_eq!(e.to_string(), "used after close");
    }

    #[test]
    fn a_missing_model_is_an_error_not_a_panic() {
        let e = MovinetClassifier::new(
            "/nonexistent/model.tflite".into(),
            None,
            default_classifier_options(),
        )
        .unwrap_err();
        assert!(
            matches!(&e, MovinetError::ModelNotFound(m) if m == "model file not found: /nonexistent/model.tflite"),
            "{e:?}"
        );
    }
}
