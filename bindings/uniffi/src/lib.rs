//! `movinet-uniffi`: UniFFI bindings over the movinet core, for Swift (the iOS package in
//! `ios/`) and Python (`bindings/uniffi/python`). Both are generated from this library by the
//! workspace's pinned `uniffi-bindgen` and call the same scaffolding.
//!
//! The API, one module each:
//!
//! * [`model`]: [`MovinetModel`], a model and its labels loaded once and shared by any number of
//!   classifiers (`new_classifier`);
//! * [`classifier`]: [`MovinetClassifier`], one stream (the core's `Classifier`): `pace` a
//!   frame's timestamp, `classify(frame, plane0, plane1, plane2)`, `reset()`, `close()`, the
//!   action events and an [`EventListener`] for them;
//! * [`frame`]: [`Frame`], a camera frame's description (format, size, each plane's strides,
//!   EXIF orientation, range, colour matrix, timestamp), whose planes' bytes `classify` takes
//!   beside it and reads in place;
//! * [`options`]: [`ModelOptions`], [`ClassifierOptions`] (with [`Crop`], [`Horizon`],
//!   [`EventOptions`]), whose defaults are the core's;
//! * [`prediction`]: [`Prediction`], [`Category`], [`Timings`], [`Event`], [`EventChange`],
//!   [`PacerStats`], [`ModelInfo`];
//! * [`actions`]: custom actions taught on the device: [`ActionSet`] (named actions with
//!   their examples, saved to a file tied to its model), [`ActionRecorder`] (a few seconds of
//!   frames to an [`ActionExample`]), and `MovinetClassifier::set_actions`;
//! * [`error`]: [`MovinetError`], one variant per core `ErrorKind`, with the core's messages;
//! * `overlay` (crate feature `overlay`, on in the Python wheel): `Overlay`, the live view
//!   drawn on video frames by the command's renderer.
//!
//! No panic crosses the FFI: every input is validated (by the core or here) and every
//! exported function returns `Result<_, MovinetError>`.

uniffi::setup_scaffolding!("movinet");

pub mod actions;
pub mod classifier;
pub mod error;
pub mod frame;
pub mod model;
pub mod options;
#[cfg(feature = "overlay")]
pub mod overlay;
pub mod prediction;

pub use actions::{
    check_action_name, ActionExample, ActionRecorder, ActionSet, ActionTeacher, TeachProgress,
};
pub use classifier::{EventListener, MovinetClassifier};
pub use error::{error_kind_names, spell_option, MovinetError, NameCase};
pub use frame::{
    plane_samples, ColorMatrix, Frame, PixelFormat, PlaneLayout, PlaneSamples, YuvRange,
};
pub use model::MovinetModel;
pub use options::{
    default_classifier_options, default_model_options, ClassifierOptions, Crop, EventOptions,
    Horizon, ModelOptions,
};
#[cfg(feature = "overlay")]
pub use overlay::{Overlay, OverlayLayout, OverlayRect, OverlayView};
pub use prediction::{Category, Event, EventChange, ModelInfo, PacerStats, Prediction, Timings};

type Result<T, E = MovinetError> = std::result::Result<T, E>;

/// The library's version (the workspace's).
#[uniffi::export]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_model_is_an_error_not_a_panic() {
        let e = MovinetClassifier::new(
            "/nonexistent/model.tflite".into(),
            None,
            default_classifier_options(),
            None,
        )
        .unwrap_err();
        assert!(
            matches!(&e, MovinetError::ModelNotFound { message } if message == "model file not found: /nonexistent/model.tflite"),
            "{e:?}"
        );
        // A bad option is reported before the model is looked for.
        let e = MovinetClassifier::new(
            "/nonexistent/model.tflite".into(),
            None,
            ClassifierOptions {
                top_k: 0,
                ..default_classifier_options()
            },
            Some(default_model_options()),
        )
        .unwrap_err();
        assert!(
            matches!(&e, MovinetError::InvalidOption { option, .. } if option == "top_k"),
            "{e:?}"
        );
    }
}
