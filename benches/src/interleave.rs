//! Ways of running frames through a model, measured in alternating blocks in one process, so
//! that whatever else the machine does hits each of them alike and their ratios hold.

use std::time::{Duration, Instant};

use movinet::{Classifier, ClassifierOptions, Model, Session};

use crate::bare::BareRun;
use crate::camera::Nv21;

/// One frame's times: end to end, pacing, preprocessing, run, postprocessing.
pub type StageTimes = [Duration; 5];

/// Something that runs one frame at a time.
pub trait Runner {
    fn frame(&mut self) -> Result<StageTimes, String>;
}

/// Runs each runner `warmup` frames, then `block` frames each in turn until every one has
/// `n` frames. Returns each runner's times, in the order given.
pub fn interleave(
    runners: &mut [&mut dyn Runner],
    n: usize,
    block: usize,
    warmup: usize,
) -> Result<Vec<Vec<StageTimes>>, String> {
    for r in runners.iter_mut() {
        for _ in 0..warmup {
            r.frame()?;
        }
    }
    let mut times: Vec<Vec<StageTimes>> = runners.iter().map(|_| Vec::with_capacity(n)).collect();
    while times.iter().any(|t| t.len() < n) {
        for (r, t) in runners.iter_mut().zip(&mut times) {
            for _ in 0..block.min(n - t.len()) {
                t.push(r.frame()?);
            }
        }
    }
    Ok(times)
}

/// Camera frames through a [`Classifier`]: NV21, timestamps exactly at the model's 5 fps so
/// that every frame is kept (pacing still runs), frames cycled and flushed from the caches
/// before each is fed ([`crate::cache::evict`]).
pub struct CameraRunner<'a> {
    pub classifier: Classifier,
    frames: &'a [Nv21],
    i: usize,
}

impl<'a> CameraRunner<'a> {
    pub fn new(model: &Model, frames: &'a [Nv21]) -> Result<Self, String> {
        Ok(Self {
            classifier: Classifier::new(model, None, ClassifierOptions::default())
                .map_err(|e| e.to_string())?,
            frames,
            i: 0,
        })
    }

    /// The model input each frame gives, as RGB in [0, 1] (runs the frames once).
    pub fn inputs(&mut self) -> Result<Vec<Vec<f32>>, String> {
        (0..self.frames.len())
            .map(|_| {
                self.frame()?;
                Ok(self.classifier.session().input().to_f32())
            })
            .collect()
    }
}

impl Runner for CameraRunner<'_> {
    fn frame(&mut self) -> Result<StageTimes, String> {
        let nv21 = &self.frames[self.i % self.frames.len()];
        let frame = nv21
            .frame()?
            .with_timestamp(Duration::from_millis(200 * self.i as u64));
        self.i += 1;
        // As a camera's: in memory, in no cache.
        crate::cache::evict(&[&nv21.y, &nv21.vu]);
        let t0 = Instant::now();
        let pred = self
            .classifier
            .push(&frame)
            .map_err(|e| e.to_string())?
            .ok_or("a frame on the 5 fps grid was paced out")?;
        let total = t0.elapsed();
        let t = &pred.timings;
        let pacing = total.saturating_sub(t.preprocess + t.inference + t.postprocess);
        Ok([total, pacing, t.preprocess, t.inference, t.postprocess])
    }
}

/// Preprocessed frames (RGB in [0, 1]) into a [`Session`], then softmax and top-3.
pub struct TensorRunner<'a> {
    session: Session,
    inputs: &'a [Vec<f32>],
    i: usize,
}

impl<'a> TensorRunner<'a> {
    pub fn new(model: &Model, inputs: &'a [Vec<f32>]) -> Result<Self, String> {
        Ok(Self {
            session: model.new_session().map_err(|e| e.to_string())?,
            inputs,
            i: 0,
        })
    }
}

impl Runner for TensorRunner<'_> {
    fn frame(&mut self) -> Result<StageTimes, String> {
        let x = &self.inputs[self.i % self.inputs.len()];
        self.i += 1;
        let t0 = Instant::now();
        self.session.run(x).map_err(|e| e.to_string())?;
        let t1 = Instant::now();
        std::hint::black_box(self.session.top_k(3, None));
        let t2 = Instant::now();
        Ok([t2 - t0, Duration::ZERO, Duration::ZERO, t1 - t0, t2 - t1])
    }
}

/// The same tensors through a bare LiteRT run of the file as it is ([`BareRun`]).
pub struct BareRunner<'a> {
    bare: BareRun,
    inputs: &'a [Vec<f32>],
    i: usize,
}

impl<'a> BareRunner<'a> {
    pub fn new(bare: BareRun, inputs: &'a [Vec<f32>]) -> Self {
        Self { bare, inputs, i: 0 }
    }
}

impl Runner for BareRunner<'_> {
    fn frame(&mut self) -> Result<StageTimes, String> {
        let x = &self.inputs[self.i % self.inputs.len()];
        self.i += 1;
        let t0 = Instant::now();
        self.bare.run(x);
        let t = t0.elapsed();
        Ok([t, Duration::ZERO, Duration::ZERO, t, Duration::ZERO])
    }
}
