//! How far back a stream's cumulative average pools reach.
//!
//! MoViNet stream models end in a *cumulative* global average pool: a sum state and a frame
//! count state, and the head divides one by the other, so every prediction averages every
//! frame since the stream began (squeeze-and-excitation blocks pool the same way in models
//! that keep them). Right for one clip; wrong for a live camera, where the first action
//! outweighs everything after it for ever.
//!
//! A bounded [`Horizon`] of `K` frames turns each such pool into an exponential moving average
//! with weight `1/K` on the newest frame, between runs and without changing the model: the
//! session feeds the pool a count of `K - 1` and a sum of `(K - 1)` times the running mean, so
//! the model's own `(sum + features) / (count + 1)` is the moving average. Until the count
//! first reaches `K` nothing is touched (the first `K - 1` frames are the model's own).
//!
//! The running mean is kept here in f32 (one value per pooled channel, a few KB), not read
//! back from the model's sum: the model quantizes the sum to int8 on the way in (a step of
//! 0.57 for A0's head), and a decay applied to the quantized sum is rounded away when it is
//! smaller than half a step, so the pool stops forgetting. Each frame's contribution is
//! measured exactly instead (the sum the model wrote minus the sum it read, as quantized),
//! and the sum fed back is put on the model's quantization grid, so the model reads exactly
//! what the running mean says, to within that grid.
//!
//! The pools are found from the graph (a sum state and a count state that feed the same
//! division), never from their names; see `find_pools`.

use crate::engine::ElementType;
use crate::error::{Error, Result};
use crate::graph::{op, tensor_type, Graph};
use crate::spec::{ModelSpec, StateSpec};

/// How far back a stream's predictions look.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Horizon {
    /// Every frame since the stream began or was reset: the model as exported, one label for
    /// a whole clip. Logits are bit-identical to running the model with its states carried.
    All,
    /// About the last `n` frames fed to the model: older frames fade out exponentially (a
    /// frame `n` frames old weighs `1/e` of the newest).
    Frames(u32),
    /// About the last this many seconds, counted in frames at the rate frames are fed to the
    /// model (the pacing rate of a classifier; the models' 5 fps for a bare session).
    Seconds(f32),
}

impl Horizon {
    /// What live use (the `Classifier` and the bindings' classifiers) starts with: 2 seconds,
    /// 10 frames at 5 fps. On the shared clips concatenated it lets a new action become the
    /// top label a median 1.3 s after it starts, and keeps the 12 clips at 8/12 top-1 and 9/12
    /// top-5 (the sweep of other horizons and schemes is in `benches/README.md`).
    pub const LIVE: Horizon = Horizon::Seconds(2.0);

    /// Most frames a bounded horizon may span (the count state is an int32).
    pub const MAX_FRAMES: u32 = 1 << 24;

    /// The horizon in frames at `fps` frames per second, `None` for [`Horizon::All`]; an
    /// [`Error::InvalidOption`] when it is not a positive number of frames.
    pub fn frames(self, fps: f32) -> Result<Option<u32>> {
        let n = match self {
            Self::All => return Ok(None),
            Self::Frames(n) => n,
            Self::Seconds(s) => {
                if !(s.is_finite() && s > 0.0) {
                    return Err(Error::option(
                        "horizon",
                        format!("must be a number of seconds above 0, got {s}"),
                    ));
                }
                let frames = (f64::from(s) * f64::from(fps)).round();
                if frames < 1.0 {
                    return Err(Error::option(
                        "horizon",
                        format!("of {s} s is less than one frame at {fps} fps"),
                    ));
                }
                // Too long is told in the unit the caller gave, not as a clamped frame count.
                if frames > f64::from(Self::MAX_FRAMES) {
                    let most = f64::from(Self::MAX_FRAMES) / f64::from(fps);
                    let why = format!("must be at most {most:.0} s at {fps} fps, got {s} s");
                    return Err(Error::option("horizon", why));
                }
                frames as u32
            }
        };
        if n == 0 || n > Self::MAX_FRAMES {
            return Err(Error::option(
                "horizon",
                format!("must be between 1 and {} frames, got {n}", Self::MAX_FRAMES),
            ));
        }
        Ok(Some(n))
    }
}

impl std::fmt::Display for Horizon {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::All => f.write_str("all"),
            Self::Frames(n) => write!(f, "{n} frames"),
            Self::Seconds(s) => write!(f, "{s} s"),
        }
    }
}

/// A cumulative average pool of the model: a sum state and a frame-count state whose ratio the
/// graph takes (the head's global average pool, and the squeeze-and-excitation pools of models
/// that keep them).
#[derive(Debug, Clone, PartialEq)]
pub struct CumulativePool {
    /// Name of the state holding the running sum.
    pub sum_state: String,
    /// Name of the state holding the number of frames summed.
    pub count_state: String,
    /// Index of each among the spec's states.
    pub(crate) sum: usize,
    pub(crate) count: usize,
    /// Values in the sum.
    pub(crate) len: usize,
    /// How the sum state's buffers hold values.
    pub(crate) codec: Codec,
    /// The quantization the sum is read through before it is accumulated (`None`: exactly).
    pub(crate) grid: Option<Grid>,
    /// Why a bounded horizon cannot be applied to this pool, if it cannot.
    pub(crate) unsupported: Option<String>,
}

/// How a state buffer stores real values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Codec {
    F32,
    /// `real = scale * (q - zero)`.
    I8 {
        scale: f32,
        zero: i32,
    },
}

impl Codec {
    fn get(self, bytes: &[u8], i: usize) -> f32 {
        match self {
            Self::F32 => f32::from_ne_bytes([
                bytes[4 * i],
                bytes[4 * i + 1],
                bytes[4 * i + 2],
                bytes[4 * i + 3],
            ]),
            Self::I8 { scale, zero } => scale * (i32::from(bytes[i] as i8) - zero) as f32,
        }
    }

    fn set(self, bytes: &mut [u8], i: usize, value: f32) {
        match self {
            Self::F32 => bytes[4 * i..4 * i + 4].copy_from_slice(&value.to_ne_bytes()),
            Self::I8 { scale, zero } => {
                let q = ((value / scale).round() as i32 + zero).clamp(-128, 127);
                bytes[i] = q as i8 as u8;
            }
        }
    }
}

/// An affine int quantization, `real = scale * (q - zero)` with `q` in `min..=max`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Grid {
    scale: f32,
    zero: i32,
    min: i32,
    max: i32,
}

impl Grid {
    /// The real value the model reads for `x` (quantized and back).
    fn snap(self, x: f32) -> f32 {
        let q = ((x / self.scale).round() as i64 + i64::from(self.zero))
            .clamp(i64::from(self.min), i64::from(self.max));
        self.scale * (q - i64::from(self.zero)) as f32
    }

    fn of(t: &crate::graph::Tensor) -> Option<Self> {
        let (min, max) = match t.ty {
            tensor_type::INT8 => (-128, 127),
            tensor_type::UINT8 => (0, 255),
            _ => return None,
        };
        let (scale, zero) = t.quantization.as_ref()?.per_tensor()?;
        Some(Self {
            scale,
            zero: i32::try_from(zero).ok()?,
            min,
            max,
        })
    }
}

/// Operators that pass a tensor's values on unchanged in meaning: (de)quantization, casts,
/// reshapes and strided slices that keep the whole tensor.
fn passes_values(g: &Graph, k: usize) -> bool {
    let o = &g.operators[k];
    match o.code {
        op::QUANTIZE | op::DEQUANTIZE | op::CAST | op::RESHAPE => true,
        op::STRIDED_SLICE => {
            let (Some(&input), Some(&output)) = (o.inputs.first(), o.outputs.first()) else {
                return false;
            };
            let shape = |t: i32| usize::try_from(t).ok().map(|t| &g.tensors[t].shape);
            let whole = shape(input).is_some() && shape(input) == shape(output);
            let unit_strides = o
                .inputs
                .get(3)
                .and_then(|&s| usize::try_from(s).ok())
                .and_then(|s| g.constant_i32(s))
                .is_some_and(|s| s.iter().all(|&v| v == 1));
            whole && unit_strides
        }
        _ => false,
    }
}

/// `t` and every tensor that carries its values on through [`passes_values`] operators.
fn same_values(g: &Graph, t: usize) -> Vec<usize> {
    let mut seen = vec![t];
    let mut i = 0;
    while i < seen.len() {
        let x = seen[i];
        i += 1;
        for &k in g.consumers(x) {
            let o = &g.operators[k];
            if o.inputs.first() == Some(&(x as i32)) && passes_values(g, k) {
                for &out in &o.outputs {
                    if let Ok(out) = usize::try_from(out) {
                        if !seen.contains(&out) {
                            seen.push(out);
                        }
                    }
                }
            }
        }
    }
    seen
}

/// For a state's input tensor, the ADD that accumulates into it: `(add operator, the input of
/// the ADD that carries the state, the tensors carrying the ADD's result)`.
fn accumulation(g: &Graph, input: usize) -> Option<(usize, usize, Vec<usize>)> {
    let carriers = same_values(g, input);
    carriers.iter().find_map(|&c| {
        g.consumers(c).iter().find_map(|&k| {
            let o = &g.operators[k];
            if o.code != op::ADD || o.inputs.len() != 2 {
                return None;
            }
            let out = usize::try_from(*o.outputs.first()?).ok()?;
            Some((k, c, same_values(g, out)))
        })
    })
}

/// The DIV operator reading one of `tensors` as its input `position`.
fn division(g: &Graph, tensors: &[usize], position: usize) -> Option<usize> {
    tensors.iter().find_map(|&t| {
        g.consumers(t).iter().copied().find(|&k| {
            let o = &g.operators[k];
            o.code == op::DIV && o.inputs.get(position) == Some(&(t as i32))
        })
    })
}

/// The cumulative average pools of the signature `spec` describes, found in the graph:
///
/// * a **sum** state whose input reaches (through quantization, reshapes and casts) an ADD
///   whose result both becomes the state's output and is divided, as numerator, by a DIV;
/// * a **count** state whose input reaches an ADD of the constant 1 whose result both becomes
///   the state's output and is, cast to float, the denominator of the same DIV.
///
/// Pools whose states have types a bounded horizon cannot hold are still listed, with the
/// reason, so that asking for a bounded horizon on them is an error rather than a silent
/// no-op.
pub(crate) fn find_pools(bytes: &[u8], spec: &ModelSpec) -> Result<Vec<CumulativePool>> {
    let corrupt = |e: String| Error::CorruptModel(format!("reading the graph: {e}"));
    let mut subgraph = 0;
    let graph = loop {
        match Graph::read(bytes, subgraph) {
            Ok(g) if g.signature(&spec.signature_key).is_some() => break g,
            Ok(_) => subgraph += 1,
            Err(e) if subgraph == 0 => return Err(corrupt(e)),
            // No subgraph holds the signature LiteRT reported: nothing to bound.
            Err(_) => {
                log::warn!(
                    "signature `{}` not found in the graph; no cumulative pools",
                    spec.signature_key
                );
                return Ok(Vec::new());
            }
        }
    };
    let Some(sig) = graph.signature(&spec.signature_key) else {
        return Ok(Vec::new());
    };
    let tensor_of = |maps: &[crate::graph::TensorMap], name: &str| {
        maps.iter().find(|m| m.name == name).map(|m| m.tensor)
    };
    let ends = |s: &StateSpec| {
        Some((
            tensor_of(&sig.inputs, &s.name)?,
            tensor_of(&sig.outputs, &s.name)?,
        ))
    };

    // The DIV each state feeds, as a sum (numerator) or as a count (denominator).
    let mut sums = Vec::new();
    let mut counts = Vec::new();
    for (i, s) in spec.states.iter().enumerate() {
        let Some((input, output)) = ends(s) else {
            continue;
        };
        if input >= graph.tensors.len() || output >= graph.tensors.len() {
            continue;
        }
        let Some((add, carrier, result)) = accumulation(&graph, input) else {
            continue;
        };
        if !result.contains(&output) {
            continue;
        }
        let o = &graph.operators[add];
        let other = o.inputs.iter().copied().find(|&t| {
            usize::try_from(t)
                .is_ok_and(|t| t != carrier && !same_values(&graph, input).contains(&t))
        });
        let adds_one = other
            .and_then(|t| usize::try_from(t).ok())
            .and_then(|t| graph.constant_i32(t))
            .is_some_and(|v| v == [1]);
        if adds_one {
            if let Some(div) = division(&graph, &result, 1) {
                counts.push((i, div));
            }
        } else if let Some(div) = division(&graph, &result, 0) {
            sums.push((i, div, carrier));
        }
    }

    let mut pools = Vec::new();
    for (sum, div, carrier) in sums {
        let Some(&(count, _)) = counts.iter().find(|&&(_, d)| d == div) else {
            continue;
        };
        let (s, c) = (&spec.states[sum], &spec.states[count]);
        let input = ends(s).map(|(i, _)| i);
        let grid = Grid::of(&graph.tensors[carrier]);
        let len: usize = s.shape.iter().product();
        let mut unsupported = None;
        let codec = match s.element_type {
            ElementType::Float32 => Codec::F32,
            ElementType::Int8 => match input.and_then(|t| Grid::of(&graph.tensors[t])) {
                Some(g) => Codec::I8 {
                    scale: g.scale,
                    zero: g.zero,
                },
                None => {
                    unsupported = Some(format!(
                        "its sum `{}` is int8 without a per-tensor scale",
                        s.name
                    ));
                    Codec::F32
                }
            },
            other => {
                unsupported = Some(format!("its sum `{}` is {other:?}", s.name));
                Codec::F32
            }
        };
        if c.element_type != ElementType::Int32 {
            unsupported = Some(format!(
                "its frame count `{}` is {:?}, not int32",
                c.name, c.element_type
            ));
        }
        pools.push(CumulativePool {
            sum_state: s.name.clone(),
            count_state: c.name.clone(),
            sum,
            count,
            len,
            codec,
            grid,
            unsupported,
        });
    }
    Ok(pools)
}

/// A bounded horizon at work in one session: the running mean of each pool.
#[derive(Debug, Clone)]
pub(crate) struct Bound {
    frames: u32,
    /// Per pool, the running mean once the count has reached `frames` (empty before).
    means: Vec<Vec<f32>>,
}

impl Bound {
    /// A horizon of `frames` frames over `pools`; fails if any pool cannot be bounded.
    pub fn new(frames: u32, pools: &[CumulativePool]) -> Result<Self> {
        if let Some((p, why)) = pools
            .iter()
            .find_map(|p| p.unsupported.as_ref().map(|why| (p, why)))
        {
            return Err(Error::option(
                "horizon",
                format!(
                    "cannot be bounded on this model: the cumulative pool of `{}` cannot be \
                     rescaled ({why}); use the horizon `all`",
                    p.sum_state
                ),
            ));
        }
        Ok(Self {
            frames,
            means: vec![Vec::new(); pools.len()],
        })
    }

    pub fn frames(&self) -> u32 {
        self.frames
    }

    /// Forgets the running means (a new stream, or a restored state).
    pub fn clear(&mut self) {
        self.means.iter_mut().for_each(Vec::clear);
    }

    pub fn means(&self) -> &[Vec<f32>] {
        &self.means
    }

    pub fn set_means(&mut self, means: &[Vec<f32>]) {
        if means.len() == self.means.len() {
            self.means.clone_from_slice(means);
        } else {
            self.clear();
        }
    }

    /// After a run: `read` is the sum buffer the run read, `written` the one it wrote (the
    /// next run reads it), `count` the count buffer the next run reads. Rewrites `written`
    /// and `count` so that the next run averages over the horizon.
    pub fn after_run(
        &mut self,
        pool_index: usize,
        pool: &CumulativePool,
        read: &[u8],
        written: &mut [u8],
        count: &mut [u8],
    ) {
        let k = self.frames;
        let n = match count.get(..4) {
            Some(b) => i32::from_ne_bytes([b[0], b[1], b[2], b[3]]),
            None => return,
        };
        let mean = &mut self.means[pool_index];
        if n != k as i32 {
            // Still short of the horizon, or a count the last rewrite did not make (the
            // horizon changed, a state was restored): start over from the model's own mean.
            mean.clear();
        }
        if mean.is_empty() {
            if n < k as i32 || n <= 0 {
                return;
            }
            mean.extend((0..pool.len).map(|i| pool.codec.get(written, i) / n as f32));
        } else {
            let snap = |x: f32| pool.grid.map_or(x, |g| g.snap(x));
            let w = 1.0 / k as f32;
            for (i, m) in mean.iter_mut().enumerate() {
                let contribution = pool.codec.get(written, i) - snap(pool.codec.get(read, i));
                *m += (contribution - *m) * w;
            }
        }
        let kept = (k - 1) as f32;
        for (i, &m) in mean.iter().enumerate() {
            let sum = pool.grid.map_or(kept * m, |g| g.snap(kept * m));
            pool.codec.set(written, i, sum);
        }
        count[..4].copy_from_slice(&((k - 1) as i32).to_ne_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn horizon_converts_to_frames() {
        assert_eq!(Horizon::All.frames(5.0).unwrap(), None);
        assert_eq!(Horizon::Frames(7).frames(5.0).unwrap(), Some(7));
        assert_eq!(Horizon::Seconds(2.0).frames(5.0).unwrap(), Some(10));
        assert_eq!(Horizon::Seconds(2.0).frames(10.0).unwrap(), Some(20));
        assert_eq!(Horizon::Seconds(0.1).frames(5.0).unwrap(), Some(1));
        for bad in [
            Horizon::Frames(0),
            Horizon::Frames(Horizon::MAX_FRAMES + 1),
            Horizon::Seconds(0.0),
            Horizon::Seconds(-1.0),
            Horizon::Seconds(f32::NAN),
            Horizon::Seconds(f32::INFINITY),
            Horizon::Seconds(0.05),
            Horizon::Seconds(1e30),
        ] {
            assert!(
                matches!(bad.frames(5.0), Err(Error::InvalidOption { .. })),
                "{bad:?}"
            );
        }
        // Too long a horizon in seconds is told in seconds.
        let e = Horizon::Seconds(1e9).frames(5.0).unwrap_err().to_string();
        assert!(e.ends_with("horizon must be at most 3355443 s at 5 fps, got 1000000000 s"));
    }

    /// A stand-in for the model's pool: reads `sum` through `grid`, adds `feature`
    /// (quantized to the output grid), counts one more frame; returns what it writes and the
    /// mean it divides out.
    fn model_step(
        codec: Codec,
        grid: Option<Grid>,
        out_grid: Option<Grid>,
        sum: &[u8],
        count: i32,
        feature: &[f32],
    ) -> (Vec<u8>, i32, Vec<f32>) {
        let mut out = vec![0u8; sum.len()];
        let mut means = Vec::new();
        for (i, f) in feature.iter().enumerate() {
            let read = grid.map_or(codec.get(sum, i), |g| g.snap(codec.get(sum, i)));
            let s = out_grid.map_or(read + f, |g| g.snap(read + f));
            codec.set(&mut out, i, s);
            means.push(codec.get(&out, i) / (count + 1) as f32);
        }
        (out, count + 1, means)
    }

    fn pool(codec: Codec, grid: Option<Grid>, len: usize) -> CumulativePool {
        CumulativePool {
            sum_state: "sum".into(),
            count_state: "count".into(),
            sum: 0,
            count: 1,
            len,
            codec,
            grid,
            unsupported: None,
        }
    }

    /// Runs `features` through the stand-in model with a bounded horizon; returns the mean the
    /// model divided out at each frame.
    fn stream(
        pool: &CumulativePool,
        out_grid: Option<Grid>,
        k: u32,
        features: &[Vec<f32>],
    ) -> Vec<Vec<f32>> {
        let width = match pool.codec {
            Codec::F32 => 4,
            Codec::I8 { .. } => 1,
        };
        let mut bound = Bound::new(k, std::slice::from_ref(pool)).unwrap();
        let (mut sum, mut count) = (vec![0u8; pool.len * width], 0i32);
        if let Codec::I8 { zero, .. } = pool.codec {
            sum.fill(zero as i8 as u8);
        }
        let mut seen = Vec::new();
        for f in features {
            let (mut written, n, mean) =
                model_step(pool.codec, pool.grid, out_grid, &sum, count, f);
            let mut c = n.to_ne_bytes().to_vec();
            bound.after_run(0, pool, &sum, &mut written, &mut c);
            sum = written;
            count = i32::from_ne_bytes([c[0], c[1], c[2], c[3]]);
            seen.push(mean);
        }
        seen
    }

    #[test]
    fn float_pools_become_an_exact_moving_average() {
        let p = pool(Codec::F32, None, 2);
        let k = 4;
        let features: Vec<Vec<f32>> = (0..40)
            .map(|t| vec![t as f32, if t < 20 { 1.0 } else { 5.0 }])
            .collect();
        let means = stream(&p, None, k, &features);
        // Cumulative until the count reaches k: frame 3 averages frames 0..=3.
        assert_eq!(means[3], vec![1.5, 1.0]);
        // Then mean_t = mean_{t-1} + (f_t - mean_{t-1}) / k.
        let mut expected = [1.5f64, 1.0];
        for (t, m) in means.iter().enumerate().skip(4) {
            for c in 0..2 {
                expected[c] += (f64::from(features[t][c]) - expected[c]) / f64::from(k);
                assert!(
                    (f64::from(m[c]) - expected[c]).abs() < 1e-3,
                    "frame {t}: {m:?} vs {expected:?}"
                );
            }
        }
        // The step change at frame 20 is followed: 20 frames later the mean is 5 to 1 %.
        assert!((means[39][1] - 5.0).abs() < 0.05, "{:?}", means[39]);
    }

    #[test]
    fn quantized_sums_keep_forgetting() {
        // A0's head: the sum is read through int8 with a step of 0.574 and written with 0.587;
        // features are ReLU6 outputs that vary from frame to frame. When they drop from about
        // 3.0 to about 0.5, one frame's decay of the sum is below half a step of the int8 sum,
        // yet the mean the model divides out must follow them down.
        let read = Grid {
            scale: 0.574_260_5,
            zero: -128,
            min: -128,
            max: 127,
        };
        let write = Grid {
            scale: 0.587_078_75,
            zero: -128,
            min: -128,
            max: 127,
        };
        let p = pool(Codec::F32, Some(read), 1);
        let mut seed = 7u32;
        let mut noise = move || {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (seed >> 8) as f32 / (1u32 << 24) as f32 - 0.5
        };
        let base = |t: usize| if t < 100 { 3.0 } else { 0.5 };
        let features: Vec<Vec<f32>> = (0..400)
            .map(|t| vec![(base(t) + 1.2 * noise()).max(0.0)])
            .collect();
        let means = stream(&p, Some(write), 10, &features);
        let average = |r: std::ops::Range<usize>| {
            means[r.clone()].iter().map(|m| m[0]).sum::<f32>() / r.len() as f32
        };
        let input = |r: std::ops::Range<usize>| {
            features[r.clone()].iter().map(|f| f[0]).sum::<f32>() / r.len() as f32
        };
        assert!(
            (average(50..100) - input(50..100)).abs() < 0.05,
            "{} vs {}",
            average(50..100),
            input(50..100)
        );
        assert!(
            (average(200..400) - input(200..400)).abs() < 0.05,
            "{} vs {}",
            average(200..400),
            input(200..400)
        );
    }

    #[test]
    fn int8_states_are_bounded_in_their_own_quantization() {
        let q = Grid {
            scale: 0.5,
            zero: -128,
            min: -128,
            max: 127,
        };
        let p = pool(
            Codec::I8 {
                scale: 0.5,
                zero: -128,
            },
            Some(q),
            3,
        );
        let features: Vec<Vec<f32>> = (0..80)
            .map(|t| vec![if t < 40 { 4.0 } else { 1.0 }, 2.0, 0.0])
            .collect();
        let means = stream(&p, Some(q), 8, &features);
        assert!((means[39][0] - 4.0).abs() < 0.1, "{:?}", means[39]);
        assert!((means[79][0] - 1.0).abs() < 0.1, "{:?}", means[79]);
        assert!((means[79][1] - 2.0).abs() < 0.1, "{:?}", means[79]);
        assert!(means[79][2].abs() < 0.1, "{:?}", means[79]);
    }

    #[test]
    fn unsupported_pools_refuse_a_bounded_horizon() {
        let mut p = pool(Codec::F32, None, 1);
        p.unsupported = Some("its sum `sum` is Int64".into());
        let e = Bound::new(10, &[p]).unwrap_err();
        assert!(
            matches!(&e, Error::InvalidOption { reason: m, .. } if m.contains("Int64")),
            "{e}"
        );
    }
}
