//! `movinet`: on-device video action recognition with MoViNet stream models.
//!
//! Most apps need one type, the [`Classifier`]: it takes camera frames as the camera delivers
//! them and gives live action labels. It is what the Kotlin, Swift and Python bindings wrap.
//!
//! ```no_run
//! use movinet::{Classifier, ClassifierOptions, EventChange, Frame, Labels, Model, ModelOptions};
//! use std::time::Duration;
//!
//! let model = Model::from_file("movinet_a0_stream_int8.tflite", &ModelOptions::default())?;
//! let labels = Labels::from_file_for("kinetics600_labels.txt", model.spec())?;
//! let mut classifier = Classifier::new(&model, Some(labels), ClassifierOptions::default())?;
//! # let (y, vu) = (vec![16u8; 1280 * 720], vec![128u8; 1280 * 360]);
//! // For each camera frame (here an Android NV21 buffer, turned upright by a quarter turn):
//! let frame = Frame::nv21(&y, 1280, &vu, 1280, 1280, 720)?
//!     .with_orientation(6)?
//!     .with_timestamp(Duration::from_millis(33));
//! if let Some(prediction) = classifier.push(&frame)? {   // None: paced out
//!     println!("{:?}", prediction.top());
//!     for change in &prediction.events {
//!         if let EventChange::Started(e) = change {
//!             println!("started: {}", e.label);
//!         }
//!     }
//! }
//! # Ok::<(), movinet::Error>(())
//! ```
//!
//! # The frame flow, one module per step
//!
//! ```text
//! camera buffer ─▶ frame ─▶ pacing ─▶ preprocess ─▶ session ─▶ postprocess ─▶ events ─▶ Prediction
//!                  (check)  (5 fps)   (YUV/RGB,      (LiteRT run,  (softmax,      (started /
//!                                      rotate, crop,  state carried, top-k,        ended)
//!                                      resize, int8)  + horizon)     labels)
//! ```
//!
//! * [`frame`]: a checked, borrowed view of a camera buffer (planes, strides, orientation,
//!   YUV range and matrix). Sizes that don't add up are errors here, before any pixel is read.
//! * [`pacing`]: which frames the model sees, by timestamp (the models were trained at 5 fps).
//! * [`preprocess`]: one fused pass from the buffer into the model's input: colour
//!   conversion, rotation, mirror, crop, bilinear resize.
//! * [`session`]: one stream on a model: its state buffers, swapped between runs; the
//!   [`horizon`] bounds how far back the model's cumulative pools reach, so live labels follow
//!   a change of action.
//! * [`postprocess`]: softmax, smoothing, top-k with [`labels`].
//! * [`events`]: hysteresis over the top label: an action started, an action ended.
//! * [`classifier`]: all of the above for one camera or video.
//!
//! Under them: [`model`] (a compiled model, shared by any number of sessions), [`spec`] (what
//! the model looks like, discovered from its signature), the load-time checks and passes
//! (the flatbuffer verifier, static shape inference, the int8 I/O rewrite), `engine` (LiteRT's
//! C API, the only FFI) and [`error`] (one error type, grouped into [`ErrorKind`]s the bindings
//! map one to one). Lower-level use: [`Session::run`] takes a preprocessed frame.

#![deny(missing_docs)]
#![deny(clippy::undocumented_unsafe_blocks)]

pub mod actions;
pub mod classifier;
mod embedding;
mod engine;
pub mod error;
pub mod events;
mod files;
mod flatbuffer;
pub mod frame;
// Read by the load-time passes over the graph (int8 state, pooled states, shape checks).
#[cfg(feature = "ndarray")]
mod arrays;
#[allow(dead_code)]
mod graph;
pub mod horizon;
mod int8_io;
pub mod labels;
pub mod model;
mod op_names;
pub mod pacing;
pub mod postprocess;
pub mod preprocess;
pub mod session;
mod shapes;
pub mod spec;
#[cfg(test)]
mod test_data;

/// For the benchmarks and tools of this repository, not a stable API.
#[doc(hidden)]
pub mod tooling {
    /// The model bytes as LiteRT gets them with `ModelOptions::int8_io` on: the file's bytes
    /// verified, rewritten by the load-time pass and verified again.
    pub fn int8_io_bytes(bytes: &[u8]) -> crate::Result<Vec<u8>> {
        crate::flatbuffer::check_tflite(bytes)?;
        let mut out = bytes.to_vec();
        let targets = crate::int8_io::Targets {
            states: true,
            image: true,
        };
        crate::int8_io::rewrite(&mut out, targets).map_err(crate::Error::CorruptModel)?;
        crate::flatbuffer::check_tflite(&out)?;
        Ok(out)
    }

    /// The model bytes with the classifier's input features exposed as the signature output
    /// `embedding` (the load-time pass every load makes), verified again; the bytes as they
    /// were when there is nothing to expose.
    pub fn embedding_bytes(bytes: &[u8]) -> crate::Result<Vec<u8>> {
        crate::flatbuffer::check_tflite(bytes)?;
        match crate::embedding::expose(bytes).map_err(crate::Error::CorruptModel)? {
            Some((out, _)) => {
                crate::flatbuffer::check_tflite(&out)?;
                Ok(out)
            }
            None => Ok(bytes.to_vec()),
        }
    }

    /// Hints every cache line of `bytes` into the cache, as the preprocessing passes hint the
    /// rows they read next (the benchmark's fetch floor).
    pub fn hint_lines(bytes: &[u8]) {
        crate::preprocess::prefetch::lines(bytes)
    }

    /// Hints the first cache line of each page of `bytes`, as the RGB pass hints the pages of
    /// rows it reads later (x86-64; elsewhere nothing).
    pub fn hint_pages(bytes: &[u8]) {
        #[cfg(target_arch = "x86_64")]
        crate::preprocess::prefetch::pages(bytes);
        #[cfg(not(target_arch = "x86_64"))]
        let _ = bytes;
    }
}

pub use actions::{ActionExample, ActionRecorder, ActionSet, ActionTeacher, TeachProgress};
pub use classifier::{Classifier, ClassifierOptions, Prediction, Timings};
pub use engine::ElementType;
pub use error::{Error, ErrorKind, NameCase, Result};
pub use events::{Event, EventChange, EventDetector, EventOptions};
pub use frame::{
    exif_orientation, ColorMatrix, Frame, PixelFormat, Plane, PlaneSamples, Rotation, YuvRange,
};
pub use horizon::{CumulativePool, Horizon};
pub use labels::Labels;
pub use model::{Model, ModelOptions, ModelSummary};
pub use pacing::{Pacer, PacerStats};
pub use postprocess::Category;
pub use preprocess::{CpuExtensions, Crop, InputValue, Preprocessor};
pub use session::{Input, InputMut, Session, StateSnapshot};
pub use spec::{EmbeddingSpec, ModelSpec, Quantization, StateSpec};
