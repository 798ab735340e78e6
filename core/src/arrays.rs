//! Frames and scores as [`ndarray`] views (feature `ndarray`), for Rust users whose frames are
//! arrays: any layout and strides in, the model's own buffers out without a copy.

use ndarray::{ArrayView1, ArrayView3};

use crate::classifier::Classifier;
use crate::error::{Error, Result};
use crate::int8_io::image_level;
use crate::session::{InputMut, Session};

impl Session {
    /// Runs a preprocessed frame given as an array of shape `(height, width, 3)` (RGB in
    /// [0, 1], any strides: a transposed, sliced or reversed view works), like
    /// [`Session::run`]; returns the logits as a view of the model's output buffer.
    pub fn run_array(&mut self, frame: ArrayView3<'_, f32>) -> Result<ArrayView1<'_, f32>> {
        let spec = self.model().spec();
        let (h, w) = (spec.height, spec.width);
        if frame.dim() != (h, w, 3) {
            let (fh, fw, fc) = frame.dim();
            return Err(Error::InputSize {
                got: fh.saturating_mul(fw).saturating_mul(fc),
                expected: spec.input_len(),
                height: h,
                width: w,
            });
        }
        // `iter()` walks the array in logical (row-major) order whatever its strides: the
        // order of the model's input.
        match self.input_mut() {
            InputMut::Float32(x) => x.iter_mut().zip(frame.iter()).for_each(|(x, &v)| *x = v),
            InputMut::Int8(q) => q
                .iter_mut()
                .zip(frame.iter())
                .for_each(|(q, &v)| *q = image_level(v)),
        }
        self.run_input()?;
        Ok(self.logits_array())
    }

    /// The logits of the last run as a view (zeros before the first).
    pub fn logits_array(&self) -> ArrayView1<'_, f32> {
        ArrayView1::from(self.logits())
    }
}

impl Classifier {
    /// The probabilities of all classes after the last prediction (smoothed when smoothing
    /// is on), as a view: index i is class i.
    pub fn probabilities_array(&self) -> ArrayView1<'_, f32> {
        ArrayView1::from(self.probabilities())
    }
}
