//! How a model is loaded ([`ModelOptions`]) and how a classifier paces, crops and reports
//! ([`ClassifierOptions`], with its [`Crop`], [`Horizon`] and [`EventOptions`]): the core's
//! options of the same names, field for field.
//!
//! The records' defaults (`#[uniffi(default = …)]`, what `ClassifierOptions()` gives in Swift
//! and Python) are literals UniFFI writes into the bindings; they must be the core's
//! `Default`s. `default_classifier_options()` and `default_model_options()` return the core's,
//! and the tests below read the literals back from the library's UniFFI metadata and compare.
//! Fields whose default is an enum value are optional (`None` is the core's default), since
//! UniFFI's proc-macros take no enum literals.

use std::time::Duration;

/// Which part of the frame the model sees (the core's `Crop`).
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

impl From<movinet::Crop> for Crop {
    fn from(c: movinet::Crop) -> Self {
        let u32 = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
        match c {
            movinet::Crop::CenterSquare => Self::CenterSquare,
            movinet::Crop::Stretch => Self::Stretch,
            movinet::Crop::Region {
                x,
                y,
                width,
                height,
            } => Self::Region {
                x: u32(x),
                y: u32(y),
                width: u32(width),
                height: u32(height),
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
/// been the top label for `min_duration_ms` with a mean score of at least `min_score` over that
/// time, and ends once it has been off the top, or under `keep_score`, for `max_gap_ms` (or
/// another event starts).
#[derive(Debug, Clone, Copy, PartialEq, uniffi::Record)]
pub struct EventOptions {
    #[uniffi(default = 0.65)]
    pub min_score: f32,
    #[uniffi(default = 0.3)]
    pub keep_score: f32,
    #[uniffi(default = 600)]
    pub min_duration_ms: u32,
    #[uniffi(default = 1000)]
    pub max_gap_ms: u32,
}

impl From<EventOptions> for movinet::EventOptions {
    fn from(o: EventOptions) -> Self {
        Self {
            min_score: o.min_score,
            keep_score: o.keep_score,
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
            keep_score: o.keep_score,
            min_duration_ms: ms(o.min_duration),
            max_gap_ms: ms(o.max_gap),
        }
    }
}

/// How a classifier paces, crops and reports (the core's `ClassifierOptions`).
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
    pub model_fps: Option<f32>,
    /// How early a frame may be (a fraction of a frame interval, 0 to below 1) and still
    /// count for its pacing slot: 0.1 suits live cameras, 0 reproduces the reference
    /// pipeline's selection on videos.
    #[uniffi(default = 0.1)]
    pub pace_tolerance: f32,
    /// Which part of the frame the model sees; `None` is the core's default, the centred
    /// square.
    #[uniffi(default = None)]
    pub crop: Option<Crop>,
    /// Exponential smoothing of the reported probabilities (0 = off, below 1).
    #[uniffi(default = 0.0)]
    pub smoothing: f32,
    /// How far back predictions look; `None` is the core's live default, 2 seconds, so that
    /// labels follow a change of action. `Horizon.all` gives one label for a whole clip.
    #[uniffi(default = None)]
    pub horizon: Option<Horizon>,
    /// When a label becomes an action event (`Prediction.events`).
    #[uniffi(default)]
    pub events: EventOptions,
}

impl ClassifierOptions {
    pub(crate) fn core(&self) -> movinet::ClassifierOptions {
        let defaults = movinet::ClassifierOptions::default();
        movinet::ClassifierOptions {
            top_k: self.top_k as usize,
            score_threshold: self.score_threshold,
            model_fps: self.model_fps,
            pace_tolerance: self.pace_tolerance,
            crop: self.crop.map_or(defaults.crop, Into::into),
            smoothing: self.smoothing,
            horizon: self.horizon.map_or(defaults.horizon, Into::into),
            events: self.events.into(),
        }
    }
}

/// How a model is loaded (the core's `ModelOptions`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ModelOptions {
    /// CPU threads for inference (1 to 64).
    #[uniffi(default = 1)]
    pub threads: u32,
    /// The SHA-256 the model file must have, 64 hexadecimal digits (as `sha256sum` prints it;
    /// `models/manifest.toml` lists the official files'). The bytes are hashed before anything
    /// reads them; any other file fails with `MovinetError.ModelDigestMismatch`, so a corrupted
    /// download or a replaced file never reaches the runtime. `None` skips the check.
    #[uniffi(default = None)]
    pub model_sha256: Option<String>,
    /// Carry the stream states (and take the image) as int8 where the model's float interface
    /// only converts to and from int8 exactly: a quarter of the state memory, the same logits.
    #[uniffi(default = true)]
    pub int8_io: bool,
}

impl ModelOptions {
    pub(crate) fn core(&self) -> movinet::ModelOptions {
        movinet::ModelOptions {
            threads: self.threads as usize,
            model_sha256: self.model_sha256.clone(),
            int8_io: self.int8_io,
        }
    }
}

/// The core's default classifier options (`movinet::ClassifierOptions::default()`), what
/// `ClassifierOptions()` must equal.
#[uniffi::export]
pub fn default_classifier_options() -> ClassifierOptions {
    let core = movinet::ClassifierOptions::default();
    ClassifierOptions {
        top_k: u32::try_from(core.top_k).unwrap_or(u32::MAX),
        score_threshold: core.score_threshold,
        model_fps: core.model_fps,
        pace_tolerance: core.pace_tolerance,
        // `None` is the core's default; anything else is spelled out.
        crop: (core.crop != movinet::Crop::default()).then(|| core.crop.into()),
        smoothing: core.smoothing,
        horizon: (core.horizon != movinet::Horizon::LIVE).then(|| core.horizon.into()),
        events: core.events.into(),
    }
}

/// The core's default model options (`movinet::ModelOptions::default()`), what
/// `ModelOptions()` must equal.
#[uniffi::export]
pub fn default_model_options() -> ModelOptions {
    let core = movinet::ModelOptions::default();
    ModelOptions {
        threads: u32::try_from(core.threads).unwrap_or(u32::MAX),
        model_sha256: core.model_sha256,
        int8_io: core.int8_io,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use uniffi_meta::{DefaultValueMetadata as Default_, LiteralMetadata as Lit, Metadata};

    use super::*;

    /// The `#[uniffi(default = …)]` of every field of a record, read back from the metadata
    /// UniFFI compiled into this library (what the bindings are generated from).
    fn record_defaults(metadata: &[u8]) -> HashMap<String, Default_> {
        let Ok(Metadata::Record(record)) = uniffi_meta::read_metadata(metadata) else {
            panic!("not a record's metadata");
        };
        record
            .fields
            .into_iter()
            .map(|f| {
                let default = f
                    .default
                    .unwrap_or_else(|| panic!("{}.{} has no default", record.name, f.name));
                (f.name, default)
            })
            .collect()
    }

    fn literal(d: &HashMap<String, Default_>, field: &str) -> Lit {
        match &d[field] {
            Default_::Literal(lit) => lit.clone(),
            Default_::Default => panic!("{field}: not a literal"),
        }
    }

    fn uint(lit: Lit) -> u64 {
        match lit {
            Lit::UInt(v, ..) => v,
            Lit::Int(v, ..) => u64::try_from(v).expect("non-negative"),
            other => panic!("not an integer: {other:?}"),
        }
    }

    fn float(lit: Lit) -> f32 {
        match lit {
            Lit::Float(text, _) => text.parse().expect("a float literal"),
            other => panic!("not a float: {other:?}"),
        }
    }

    fn optional<T>(lit: Lit, inner: impl Fn(Lit) -> T) -> Option<T> {
        match lit {
            Lit::None => None,
            Lit::Some { inner: boxed } => match *boxed {
                Default_::Literal(l) => Some(inner(l)),
                Default_::Default => panic!("Some(default) is not used here"),
            },
            other => panic!("not an option: {other:?}"),
        }
    }

    fn boolean(lit: Lit) -> bool {
        match lit {
            Lit::Boolean(b) => b,
            other => panic!("not a bool: {other:?}"),
        }
    }

    fn none(lit: Lit) -> Option<std::convert::Infallible> {
        optional(lit, |l| panic!("expected None, got Some({l:?})"))
    }

    fn event_options_from_metadata() -> EventOptions {
        let d = record_defaults(&super::UNIFFI_META_MOVINET_FFI_RECORD_EVENTOPTIONS);
        assert_eq!(d.len(), 4, "a new EventOptions field: compare it here");
        EventOptions {
            min_score: float(literal(&d, "min_score")),
            keep_score: float(literal(&d, "keep_score")),
            min_duration_ms: uint(literal(&d, "min_duration_ms")) as u32,
            max_gap_ms: uint(literal(&d, "max_gap_ms")) as u32,
        }
    }

    /// Must show: `ClassifierOptions()` in Swift and Python is the core's
    /// `ClassifierOptions::default()`, field for field.
    #[test]
    fn classifier_options_record_defaults_are_the_cores() {
        let d = record_defaults(&super::UNIFFI_META_MOVINET_FFI_RECORD_CLASSIFIEROPTIONS);
        assert_eq!(d.len(), 8, "a new ClassifierOptions field: compare it here");
        assert!(matches!(d["events"], Default_::Default));
        let from_metadata = ClassifierOptions {
            top_k: uint(literal(&d, "top_k")) as u32,
            score_threshold: float(literal(&d, "score_threshold")),
            model_fps: optional(literal(&d, "model_fps"), float),
            pace_tolerance: float(literal(&d, "pace_tolerance")),
            crop: none(literal(&d, "crop")).map(|n| match n {}),
            smoothing: float(literal(&d, "smoothing")),
            horizon: none(literal(&d, "horizon")).map(|n| match n {}),
            events: event_options_from_metadata(),
        };
        assert_eq!(from_metadata, default_classifier_options());
        assert_eq!(from_metadata.core(), movinet::ClassifierOptions::default());
    }

    /// Must show: `ModelOptions()` is the core's `ModelOptions::default()`.
    #[test]
    fn model_options_record_defaults_are_the_cores() {
        let d = record_defaults(&super::UNIFFI_META_MOVINET_FFI_RECORD_MODELOPTIONS);
        assert_eq!(d.len(), 3, "a new ModelOptions field: compare it here");
        let from_metadata = ModelOptions {
            threads: uint(literal(&d, "threads")) as u32,
            model_sha256: none(literal(&d, "model_sha256")).map(|n| match n {}),
            int8_io: boolean(literal(&d, "int8_io")),
        };
        assert_eq!(from_metadata, default_model_options());
        assert_eq!(from_metadata.core(), movinet::ModelOptions::default());
    }

    #[test]
    fn options_convert_field_for_field() {
        let o = ClassifierOptions {
            top_k: 5,
            score_threshold: 0.25,
            model_fps: None,
            pace_tolerance: 0.0,
            crop: Some(Crop::Region {
                x: 1,
                y: 2,
                width: 3,
                height: 4,
            }),
            smoothing: 0.5,
            horizon: Some(Horizon::Frames { frames: 7 }),
            events: EventOptions {
                min_score: 0.25,
                keep_score: 0.125,
                min_duration_ms: 400,
                max_gap_ms: 2500,
            },
        };
        assert_eq!(
            o.core(),
            movinet::ClassifierOptions {
                top_k: 5,
                score_threshold: 0.25,
                model_fps: None,
                pace_tolerance: 0.0,
                crop: movinet::Crop::Region {
                    x: 1,
                    y: 2,
                    width: 3,
                    height: 4
                },
                smoothing: 0.5,
                horizon: movinet::Horizon::Frames(7),
                events: movinet::EventOptions {
                    min_score: 0.25,
                    keep_score: 0.125,
                    min_duration: Duration::from_millis(400),
                    max_gap: Duration::from_millis(2500),
                },
            }
        );
        let all = ClassifierOptions {
            horizon: Some(Horizon::All),
            crop: Some(Crop::Stretch),
            ..default_classifier_options()
        };
        assert_eq!(all.core().horizon, movinet::Horizon::All);
        assert_eq!(all.core().crop, movinet::Crop::Stretch);
        let m = ModelOptions {
            threads: 2,
            model_sha256: Some("ab".repeat(32)),
            int8_io: false,
        };
        assert_eq!(
            m.core(),
            movinet::ModelOptions {
                threads: 2,
                model_sha256: Some("ab".repeat(32)),
                int8_io: false
            }
        );
    }
}
