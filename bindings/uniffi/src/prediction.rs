//! What the bindings get back: [`Prediction`] (with its [`Category`]s, [`Timings`] and the
//! [`EventChange`]s of the frame), [`Event`], [`PacerStats`] and [`ModelInfo`].

use std::time::Duration;

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

impl From<movinet::Category> for Category {
    fn from(c: movinet::Category) -> Self {
        Self {
            index: u32::try_from(c.index).unwrap_or(u32::MAX),
            label: c.label,
            score: c.score,
        }
    }
}

/// Where the time of one prediction went, in milliseconds (the core's `Timings`).
#[derive(Debug, Clone, Copy, PartialEq, uniffi::Record)]
pub struct Timings {
    /// Colour conversion, rotation, crop and resize into the model input.
    pub preprocess_ms: f64,
    /// The model run (inference).
    pub inference_ms: f64,
    /// Softmax, smoothing, top-k and events.
    pub postprocess_ms: f64,
    /// The whole call in the core, frame checks and pacing included.
    pub total_ms: f64,
}

impl From<movinet::Timings> for Timings {
    fn from(t: movinet::Timings) -> Self {
        Self {
            preprocess_ms: movinet::Timings::ms(t.preprocess),
            inference_ms: movinet::Timings::ms(t.inference),
            postprocess_ms: movinet::Timings::ms(t.postprocess),
            total_ms: movinet::Timings::ms(t.total),
        }
    }
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

/// What the classifier says after a frame it fed to the model (the core's `Prediction`).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Prediction {
    /// The `top_k` most probable classes at or above the score threshold, best first.
    pub categories: Vec<Category>,
    /// Index of the frame among all frames given since the start or the last reset, the
    /// ones pacing left out included.
    pub frame_index: u64,
    /// Frames the model has seen in this stream, this one included.
    pub model_frames: u64,
    /// The frame's timestamp.
    pub timestamp_us: Option<i64>,
    pub timings: Timings,
    /// Action events that started or ended on this frame, in that order (usually none).
    pub events: Vec<EventChange>,
}

impl From<movinet::Prediction> for Prediction {
    fn from(p: movinet::Prediction) -> Self {
        Self {
            categories: p.categories.into_iter().map(Into::into).collect(),
            frame_index: p.frame_index,
            model_frames: p.model_frames,
            timestamp_us: p.timestamp.map(micros),
            timings: p.timings.into(),
            events: p.events.into_iter().map(Into::into).collect(),
        }
    }
}

/// Frames kept for the model and left out by pacing (the core's `PacerStats`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct PacerStats {
    pub kept: u64,
    pub dropped: u64,
}

impl From<movinet::PacerStats> for PacerStats {
    fn from(s: movinet::PacerStats) -> Self {
        Self {
            kept: s.kept,
            dropped: s.dropped,
        }
    }
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
    /// Whether the model came with labels (else categories are named by index).
    pub has_labels: bool,
}

impl ModelInfo {
    pub(crate) fn new(model: &movinet::Model, has_labels: bool) -> Self {
        let spec = model.spec();
        Self {
            signature_key: spec.signature_key.clone(),
            input_width: spec.width as u32,
            input_height: spec.height as u32,
            num_classes: spec.num_classes as u32,
            state_bytes: spec.state_bytes() as u64,
            has_labels,
        }
    }
}

pub(crate) fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}
