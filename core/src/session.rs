//! A stream: the model's state carried from frame to frame.
//!
//! Each state tensor has two buffers. A run reads the current one and writes the other; then
//! the roles swap. The two possible bindings (which buffer is read, which is written) are
//! built once, so a frame costs no copy of the state and no allocation.
//!
//! States the load-time pass keeps int8 (see `ModelOptions::int8_io`) start at their zero
//! point, the int8 value of 0.0, not at byte 0; so do a reset and a new session.

use litert_sys::LiteRtTensorBuffer;

use crate::engine::{ElementType, HostBuffer};
use crate::error::{Error, Result};
use crate::horizon::{Bound, Horizon};
use crate::int8_io::image_level;
use crate::labels::Labels;
use crate::model::Model;
use crate::pacing::Pacer;
use crate::postprocess::{self, Category};

/// The model's input buffer, `height * width * 3` values (RGB, row-major), in the type the
/// model takes ([`crate::ModelSpec::image_element_type`]).
#[derive(Debug)]
pub enum InputMut<'a> {
    /// RGB in [0, 1]: the file's own float input.
    Float32(&'a mut [f32]),
    /// RGB levels as int8, `v - 128` for the uint8 level `v`: the image input after the
    /// load-time pass.
    Int8(&'a mut [i8]),
}

/// The model's input buffer, read-only (see [`InputMut`]).
#[derive(Debug, Clone, Copy)]
pub enum Input<'a> {
    /// RGB in [0, 1].
    Float32(&'a [f32]),
    /// RGB levels as int8 (`v - 128`).
    Int8(&'a [i8]),
}

impl Input<'_> {
    /// The values as RGB in [0, 1] (int8 levels `q` as `(q + 128) / 255`).
    pub fn to_f32(&self) -> Vec<f32> {
        match *self {
            Input::Float32(x) => x.to_vec(),
            Input::Int8(q) => q
                .iter()
                .map(|&q| f32::from((q as u8) ^ 0x80) / 255.0)
                .collect(),
        }
    }
}

/// Buffer handles for one run, in the signature's positional order.
struct Binding {
    inputs: Vec<LiteRtTensorBuffer>,
    outputs: Vec<LiteRtTensorBuffer>,
}

/// One video stream on a model. Not shared between threads at once (`&mut self` to run);
/// several sessions may share one [`Model`].
pub struct Session {
    model: Model,
    image: HostBuffer,
    logits: HostBuffer,
    /// The classifier's input features of the last run, when the model exposes them.
    embedding: Option<HostBuffer>,
    /// `states[i][parity]` is state i's current value; `states[i][1 - parity]` receives the next.
    states: Vec<[HostBuffer; 2]>,
    bindings: [Binding; 2],
    parity: usize,
    frames: u64,
    horizon: Horizon,
    /// The running means of a bounded horizon; `None` for [`Horizon::All`].
    bound: Option<Bound>,
}

// SAFETY: the raw buffer handles in `bindings` point at buffers owned by this session, used
// only through &mut self.
unsafe impl Send for Session {}

/// A copy of a session's state at one frame, to restore later into a session of a model with
/// the same state layout (names, types and sizes: a model loaded with the int8 pass off has
/// another layout than with it on).
#[derive(Clone)]
pub struct StateSnapshot {
    layout: Vec<(String, ElementType, usize)>,
    data: Vec<Vec<u8>>,
    frames: u64,
    /// The running means of a bounded horizon's pools (empty otherwise).
    horizon_means: Vec<Vec<f32>>,
}

impl StateSnapshot {
    /// Frames the stream had seen when the snapshot was taken.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Bytes of state held.
    pub fn bytes(&self) -> usize {
        self.data.iter().map(Vec::len).sum()
    }
}

impl Session {
    pub(crate) fn new(model: Model) -> Result<Self> {
        let spec = model.spec().clone();
        let sig = model.signature_tensors();
        let image_bytes = match spec.image_element_type {
            ElementType::Int8 => spec.input_len(),
            _ => spec.input_len() * 4,
        };
        let image = HostBuffer::new(&sig.inputs[spec.image_input_index], image_bytes)?;
        let logits = HostBuffer::new(&sig.outputs[spec.logits_output_index], spec.num_classes * 4)?;
        let embedding = match &spec.embedding {
            Some(e) => {
                let bytes = e.width * e.element_type.size().unwrap_or(4);
                Some(HostBuffer::new(&sig.outputs[e.output_index], bytes)?)
            }
            None => None,
        };
        let mut states = Vec::with_capacity(spec.states.len());
        for s in &spec.states {
            let info = &sig.inputs[s.input_index];
            let mut pair = [
                HostBuffer::new(info, s.bytes)?,
                HostBuffer::new(info, s.bytes)?,
            ];
            for buf in &mut pair {
                buf.bytes_mut().as_mut_slice().fill(s.zero_byte());
            }
            states.push(pair);
        }
        let binding = |parity: usize| {
            let mut inputs = vec![std::ptr::null_mut(); spec.num_inputs];
            let mut outputs = vec![std::ptr::null_mut(); spec.num_outputs];
            inputs[spec.image_input_index] = image.handle();
            outputs[spec.logits_output_index] = logits.handle();
            if let (Some(e), Some(buffer)) = (&spec.embedding, &embedding) {
                outputs[e.output_index] = buffer.handle();
            }
            for (s, bufs) in spec.states.iter().zip(&states) {
                inputs[s.input_index] = bufs[parity].handle();
                outputs[s.output_index] = bufs[1 - parity].handle();
            }
            Binding { inputs, outputs }
        };
        let bindings = [binding(0), binding(1)];
        log::debug!(
            "session: {} state tensors, {} bytes x 2",
            spec.states.len(),
            spec.state_bytes()
        );
        Ok(Self {
            model,
            image,
            logits,
            embedding,
            states,
            bindings,
            parity: 0,
            frames: 0,
            horizon: Horizon::All,
            bound: None,
        })
    }

    /// How far back the model's cumulative average pools reach (see [`Horizon`]); a new
    /// session starts with [`Horizon::All`], the model as exported. Takes effect from the next
    /// frame. [`Horizon::Seconds`] counts frames at the models' 5 fps; a
    /// [`Classifier`](crate::Classifier) converts at its own pacing rate instead.
    ///
    /// Fails with [`Error::InvalidOption`] for a horizon under one frame, or a bounded one on
    /// a model whose pools the SDK cannot rescale.
    pub fn set_horizon(&mut self, horizon: Horizon) -> Result<()> {
        let bound = match horizon.frames(Pacer::DEFAULT_FPS)? {
            Some(k) => Some(Bound::new(k, self.model.cumulative_pools())?),
            None => None,
        };
        if bound.is_some() && self.model.cumulative_pools().is_empty() {
            log::info!("horizon {horizon}: the model has no cumulative pools to bound");
        }
        self.horizon = horizon;
        self.bound = bound;
        Ok(())
    }

    /// How far back the model's cumulative pools reach.
    pub fn horizon(&self) -> Horizon {
        self.horizon
    }

    /// The horizon in frames, `None` for [`Horizon::All`].
    pub fn horizon_frames(&self) -> Option<u32> {
        self.bound.as_ref().map(Bound::frames)
    }

    /// The model this stream runs on.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Frames run since the session began or was last reset.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// The model's input buffer, in the type the model takes. Write a frame here (e.g. with
    /// [`crate::Preprocessor::run`], which writes either type) and call
    /// [`Session::run_input`] to avoid any copy.
    pub fn input_mut(&mut self) -> InputMut<'_> {
        let n = self.model.spec().input_len();
        let bytes = self.image.bytes_mut();
        match self.model.spec().image_element_type {
            ElementType::Int8 => InputMut::Int8(&mut bytes.as_i8_mut()[..n]),
            _ => InputMut::Float32(&mut bytes.as_f32_mut()[..n]),
        }
    }

    /// The model's input buffer as it is now: the last frame run, or what was written since.
    pub fn input(&self) -> Input<'_> {
        let n = self.model.spec().input_len();
        let bytes = self.image.bytes();
        match self.model.spec().image_element_type {
            ElementType::Int8 => Input::Int8(&bytes.as_i8()[..n]),
            _ => Input::Float32(&bytes.as_f32()[..n]),
        }
    }

    /// Copies a preprocessed frame (`height * width * 3` values, RGB in [0, 1]) in and runs
    /// it. When the model takes the image as int8, each value is quantized exactly as the
    /// model's own QUANTIZE would, so the logits are the same either way.
    pub fn run(&mut self, frame: &[f32]) -> Result<&[f32]> {
        let spec = self.model.spec();
        if frame.len() != spec.input_len() {
            return Err(Error::InputSize {
                got: frame.len(),
                expected: spec.input_len(),
                height: spec.height,
                width: spec.width,
            });
        }
        match self.input_mut() {
            InputMut::Float32(x) => x.copy_from_slice(frame),
            InputMut::Int8(q) => {
                for (q, &x) in q.iter_mut().zip(frame) {
                    *q = image_level(x);
                }
            }
        }
        self.run_input()
    }

    /// Runs the frame already in [`Session::input_mut`]; returns the logits.
    pub fn run_input(&mut self) -> Result<&[f32]> {
        let signature = self.model.spec().signature_index;
        let binding = &mut self.bindings[self.parity];
        {
            let mut engine = self.model.engine();
            // SAFETY: every handle in the binding is a live buffer owned by this session, made
            // for the tensor at its position; state inputs and outputs are distinct buffers.
            unsafe { engine.run(signature, &mut binding.inputs, &mut binding.outputs)? };
        }
        self.parity = 1 - self.parity;
        self.frames += 1;
        if let Some(bound) = &mut self.bound {
            // The buffers the run read are at `1 - parity`, those it wrote (and the next run
            // reads) at `parity`.
            let next = self.parity;
            for (i, pool) in self.model.cumulative_pools().iter().enumerate() {
                let Some((sum, count)) = two_mut(&mut self.states, pool.sum, pool.count) else {
                    continue;
                };
                let [a, b] = sum;
                let (read, written) = if next == 0 { (&*b, a) } else { (&*a, b) };
                let count = &mut count[next];
                bound.after_run(
                    i,
                    pool,
                    read.bytes().as_slice(),
                    written.bytes_mut().as_mut_slice(),
                    count.bytes_mut().as_mut_slice(),
                );
            }
        }
        Ok(self.logits())
    }

    /// Logits of the last run (zeros before the first).
    pub fn logits(&self) -> &[f32] {
        &self.logits.bytes().as_f32()[..self.model.spec().num_classes]
    }

    /// The classifier's input features after the last run (see
    /// [`EmbeddingSpec`](crate::EmbeddingSpec)), as real values; `None` when the model exposes
    /// none. Zeros (in the model's quantization) before the first run.
    pub fn embedding(&self) -> Option<Vec<f32>> {
        let mut out = Vec::new();
        self.embedding_into(&mut out).then_some(out)
    }

    /// [`Session::embedding`] into `out` (resized to the embedding's width), without
    /// allocating once `out` has the room; `false` when the model exposes none.
    pub fn embedding_into(&self, out: &mut Vec<f32>) -> bool {
        let (Some(spec), Some(buffer)) = (&self.model.spec().embedding, &self.embedding) else {
            return false;
        };
        out.clear();
        match spec.element_type {
            ElementType::Int8 => {
                let (scale, zero) = spec
                    .quantization
                    .map_or((1.0, 0), |q| (q.scale, q.zero_point as i32));
                out.extend(
                    buffer.bytes().as_i8()[..spec.width]
                        .iter()
                        .map(|&q| scale * (i32::from(q) - zero) as f32),
                );
            }
            _ => out.extend_from_slice(&buffer.bytes().as_f32()[..spec.width]),
        }
        true
    }

    /// Softmax of the last logits.
    pub fn probabilities(&self) -> Vec<f32> {
        let mut p = vec![0.0; self.model.spec().num_classes];
        postprocess::softmax(self.logits(), &mut p);
        p
    }

    /// The `k` most probable classes of the last run, best first.
    pub fn top_k(&self, k: usize, labels: Option<&Labels>) -> Vec<Category> {
        postprocess::top_k(&self.probabilities(), k, labels)
    }

    /// Back to the zero state of a new stream.
    pub fn reset(&mut self) {
        for (pair, spec) in self.states.iter_mut().zip(&self.model.spec().states) {
            for buf in pair.iter_mut() {
                buf.bytes_mut().as_mut_slice().fill(spec.zero_byte());
            }
        }
        self.logits.bytes_mut().as_mut_slice().fill(0);
        self.frames = 0;
        if let Some(bound) = &mut self.bound {
            bound.clear();
        }
    }

    /// Copies the current state out.
    pub fn snapshot(&self) -> StateSnapshot {
        StateSnapshot {
            layout: self.layout(),
            data: self
                .states
                .iter()
                .map(|pair| pair[self.parity].bytes().as_slice().to_vec())
                .collect(),
            frames: self.frames,
            horizon_means: self
                .bound
                .as_ref()
                .map(|b| b.means().to_vec())
                .unwrap_or_default(),
        }
    }

    /// Puts a snapshot's state back; the next run continues from it.
    pub fn restore(&mut self, snapshot: &StateSnapshot) -> Result<()> {
        if snapshot.layout != self.layout() {
            return Err(Error::SnapshotMismatch(
                "its state tensors differ from this session's".into(),
            ));
        }
        for (pair, data) in self.states.iter_mut().zip(&snapshot.data) {
            pair[self.parity]
                .bytes_mut()
                .as_mut_slice()
                .copy_from_slice(data);
        }
        self.frames = snapshot.frames;
        if let Some(bound) = &mut self.bound {
            bound.set_means(&snapshot.horizon_means);
        }
        Ok(())
    }

    fn layout(&self) -> Vec<(String, ElementType, usize)> {
        self.model
            .spec()
            .states
            .iter()
            .map(|s| (s.name.clone(), s.element_type, s.bytes))
            .collect()
    }
}

/// Mutable references to two different elements of a slice.
fn two_mut<T>(v: &mut [T], i: usize, j: usize) -> Option<(&mut T, &mut T)> {
    if i == j || i.max(j) >= v.len() {
        return None;
    }
    if i < j {
        let (lo, hi) = v.split_at_mut(j);
        Some((&mut lo[i], &mut hi[0]))
    } else {
        let (lo, hi) = v.split_at_mut(i);
        Some((&mut hi[0], &mut lo[j]))
    }
}
