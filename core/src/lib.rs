//! `movinet`: on-device video action recognition with MoViNet stream models.
//!
//! The frame flow, one module per step:
//! `engine` (LiteRT, the only FFI) → [`spec`] (what the model looks like) → [`model`] (one
//! compiled model, shared) → [`session`] (a stream's state, with the [`horizon`] its
//! cumulative pools reach back over) → [`postprocess`] (softmax, top-k) with [`labels`] →
//! [`events`] (started / ended actions). [`classifier`] runs the whole flow on camera frames.
//!
//! ```no_run
//! use movinet::{Labels, Model, ModelOptions};
//! let model = Model::from_file("movinet_a0_stream_int8.tflite", &ModelOptions::default())?;
//! let labels = Labels::from_file_for("kinetics600_labels.txt", model.spec())?;
//! let mut session = model.new_session()?;
//! let frame = vec![0.5f32; model.spec().input_len()];
//! session.run(&frame)?;
//! for c in session.top_k(5, Some(&labels)) {
//!     println!("{} {:.3}", c.label, c.score);
//! }
//! # Ok::<(), movinet::Error>(())
//! ```

#![deny(missing_docs)]
#![deny(clippy::undocumented_unsafe_blocks)]

pub mod classifier;
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
}

pub use classifier::{Classifier, ClassifierOptions, Prediction, Timings};
pub use engine::ElementType;
pub use error::{Error, ErrorKind, NameCase, Result};
pub use events::{Event, EventChange, EventDetector, EventOptions};
pub use frame::{exif_orientation, ColorMatrix, Frame, PixelFormat, Plane, Rotation, YuvRange};
pub use horizon::{CumulativePool, Horizon};
pub use labels::Labels;
pub use model::{Model, ModelOptions, ModelSummary};
pub use pacing::{Pacer, PacerStats};
pub use postprocess::Category;
pub use preprocess::{Crop, InputValue, Preprocessor};
pub use session::{Input, InputMut, Session, StateSnapshot};
pub use spec::{ModelSpec, Quantization, StateSpec};
