//! Static checks of every operator of a model, after `flatbuffer::check_tflite` has verified
//! the file's structure and before LiteRT sees it.
//!
//! LiteRT 2.1.4 trusts what a model declares. Its XNNPACK delegate plans each operator from the
//! *declared* shapes of its tensors and the constant operands that steer indexing (slice
//! bounds, reshape shapes, axes, strides, filter sizes), and binds the SDK's own buffers by the
//! declared sizes; a declared output smaller than what the operator writes, or a slice that
//! begins before its input, is a write or read outside a buffer. (One STRIDED_SLICE `begin`
//! changed from -4 to -5 in the official A0 segfaults on the first frame.) So for each operator
//! of the kinds the supported models use, this module computes the output shape from the input
//! shapes and the constant operands exactly as the kernels do, and refuses the model unless it
//! equals the declared one; checks that every constant operand is in range for the shape it
//! acts on, that operand types are ones the kernels take (int8 with int32 biases, float32),
//! that quantized operands carry the quantization the kernels read (one scale per tensor,
//! per-channel filters along their output channels with zero points of 0), and that data
//! flows forward (an operator reads only inputs, constants and earlier results, and every
//! tensor is written once). Any other operator, builtin or custom, is
//! [`Error::UnsupportedOperator`]; everything else found here is [`Error::CorruptModel`].
//!
//! The supported models: the official A0 (and A1/A2, whose operators the synthetic stand-ins
//! share), and fine-tuned A0 exports with hard-swish and squeeze-and-excitation. Graphs that a
//! load-time pass rewrites (states kept int8: signature tensors re-pointed, QUANTIZE and
//! DEQUANTIZE operators dropped) are still graphs of these operators and pass the same checks.

use std::fmt::Display;

use crate::error::{Error, Result};
use crate::flatbuffer::Reader;
use crate::graph::{op, options_type as opts, tensor_type as ty, Graph, Operator, Quantization};
use crate::op_names;

/// The builtin operators of the supported models, the only ones a model may use.
const SUPPORTED: &[i32] = &[
    op::RESHAPE,
    op::CONV_2D,
    op::DEPTHWISE_CONV_2D,
    op::ADD,
    op::MUL,
    op::QUANTIZE,
    op::DEQUANTIZE,
    op::CONCATENATION,
    op::STRIDED_SLICE,
    op::AVERAGE_POOL_2D,
    op::SUM,
    op::CAST,
    op::DIV,
    op::HARD_SWISH,
    op::MEAN,
    op::BROADCAST_TO,
    op::LOGISTIC,
];

/// The names of the operators a model may use, for messages.
pub(crate) fn supported_names() -> String {
    let names: Vec<&str> = SUPPORTED
        .iter()
        .filter_map(|&c| op_names::name(c))
        .collect();
    names.join(", ")
}

/// Highest rank of a tensor an operator reads or writes (TFLite's element-wise kernels take
/// at most 6, its strided slice 5, its convolutions and pools exactly 4).
const MAX_RANK: usize = 6;

/// Fused activations the quantized kernels implement: NONE, RELU, RELU_N1_TO_1, RELU6.
const MAX_ACTIVATION: u8 = 3;

/// Padding: SAME (0) or VALID (1).
const VALID: u8 = 1;

/// Runs the checks on every subgraph of a model `flatbuffer::check_tflite` accepted.
pub(crate) fn check(bytes: &[u8]) -> Result<()> {
    let r = Reader { buf: bytes };
    let subgraphs = r
        .root()
        .and_then(|root| r.len(root, 2))
        .map_err(Error::CorruptModel)?;
    for s in 0..subgraphs {
        let graph = Graph::read(bytes, s).map_err(Error::CorruptModel)?;
        Checker::new(&graph, s).run()?;
    }
    Ok(())
}

/// What a model [`check`] accepted contains.
pub(crate) struct Contents {
    pub subgraphs: usize,
    pub tensors: usize,
    /// Each operator's name with its count, most used first.
    pub operators: Vec<(String, usize)>,
}

/// The subgraphs, tensors and operators of a model [`check`] accepted.
pub(crate) fn contents(bytes: &[u8]) -> Result<Contents> {
    let r = Reader { buf: bytes };
    let subgraphs = r
        .root()
        .and_then(|root| r.len(root, 2))
        .map_err(Error::CorruptModel)?;
    let mut tensors = 0;
    let mut counts: Vec<(String, usize)> = Vec::new();
    for s in 0..subgraphs {
        let graph = Graph::read(bytes, s).map_err(Error::CorruptModel)?;
        tensors += graph.tensors.len();
        for op in &graph.operators {
            let name = op_names::name(op.code).unwrap_or("?");
            match counts.iter_mut().find(|(n, _)| n == name) {
                Some((_, c)) => *c += 1,
                None => counts.push((name.to_string(), 1)),
            }
        }
    }
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(Contents {
        subgraphs,
        tensors,
        operators: counts,
    })
}

/// A shape, as the schema's int32 dimensions widened so that products cannot overflow.
type Shape = Vec<i64>;

fn show(shape: &[i64]) -> String {
    format!("{shape:?}")
}

/// Elements of a shape, saturating (dimensions are at most `i32::MAX`, ranks at most 16: a
/// product of those can exceed even an i128).
fn elements(shape: &[i64]) -> i128 {
    if shape.contains(&0) {
        return 0;
    }
    shape
        .iter()
        .fold(1i128, |n, &d| n.saturating_mul(i128::from(d)))
}

/// Output size of a convolution or pool along one axis, as TFLite and XNNPACK compute it;
/// `None` when the (dilated) filter is larger than the input. (SAME padding would accept
/// any filter size, but a window wider than its input can lie wholly in the padding, and
/// the supported models' windows are at most 7 wide on inputs at least that large.)
fn out_size(input: i64, filter: i64, stride: i64, dilation: i64, padding: u8) -> Option<i64> {
    let effective = (filter - 1) * dilation + 1;
    let size = if padding == VALID {
        (input - effective + stride) / stride
    } else {
        (input + stride - 1) / stride
    };
    (size >= 1 && effective <= input).then_some(size)
}

/// Numpy broadcasting of two shapes, aligned at their last dimension.
fn broadcast(a: &[i64], b: &[i64]) -> Option<Shape> {
    let rank = a.len().max(b.len());
    let dim = |s: &[i64], i: usize| (i + s.len()).checked_sub(rank).map_or(1, |k| s[k]);
    (0..rank)
        .map(|i| match (dim(a, i), dim(b, i)) {
            (x, y) if x == y => Some(x),
            (1, y) => Some(y),
            (x, 1) => Some(x),
            _ => None,
        })
        .collect()
}

struct Checker<'g> {
    g: &'g Graph<'g>,
    subgraph: usize,
    /// Whether each tensor holds a value before the next operator runs: a subgraph input, a
    /// constant, a variable, or the output of an earlier operator.
    ready: Vec<bool>,
    /// Whether each tensor was written by an operator already.
    written: Vec<bool>,
}

impl<'g> Checker<'g> {
    fn new(g: &'g Graph<'g>, subgraph: usize) -> Self {
        let n = g.tensors.len();
        let mut ready: Vec<bool> = (0..n)
            .map(|t| !g.data(t).is_empty() || g.tensors[t].is_variable)
            .collect();
        for &i in &g.inputs {
            if let Some(r) = usize::try_from(i).ok().and_then(|i| ready.get_mut(i)) {
                *r = true;
            }
        }
        Self {
            g,
            subgraph,
            ready,
            written: vec![false; n],
        }
    }

    fn where_(&self) -> String {
        if self.subgraph == 0 {
            String::new()
        } else {
            format!("subgraph {}: ", self.subgraph)
        }
    }

    fn tensor_name(&self, t: usize) -> String {
        let name = &self.g.tensors[t].name;
        if name.chars().count() > 80 {
            format!("{}...", name.chars().take(77).collect::<String>())
        } else {
            name.clone()
        }
    }

    fn run(&mut self) -> Result<()> {
        for t in 0..self.g.tensors.len() {
            self.check_tensor(t)?;
        }
        for k in 0..self.g.operators.len() {
            let op = &self.g.operators[k];
            if !SUPPORTED.contains(&op.code) {
                return Err(self.unsupported(k, op));
            }
            {
                let o = Op {
                    c: self,
                    k,
                    op,
                    name: op_names::name(op.code).unwrap_or("?"),
                };
                o.check()?;
                // Operator outputs are real tensors: checked by `flatbuffer`.
                for t in op.outputs.iter().map(|&t| t as usize) {
                    if self.ready[t] {
                        let why = if self.written[t] {
                            "is written by an earlier operator too"
                        } else {
                            "is a model input or a constant"
                        };
                        return Err(o.bad(format!("{} {why}", o.describe(t))));
                    }
                }
            }
            for t in op.outputs.iter().map(|&t| t as usize) {
                self.ready[t] = true;
                self.written[t] = true;
            }
        }
        for &out in &self.g.outputs {
            let t = out as usize;
            if !self.ready.get(t).copied().unwrap_or(false) {
                return Err(Error::CorruptModel(format!(
                    "{}model output tensor {t} `{}` is never written",
                    self.where_(),
                    self.tensor_name(t)
                )));
            }
        }
        for sig in &self.g.signatures {
            for (maps, ends, what) in [
                (&sig.inputs, &self.g.inputs, "input"),
                (&sig.outputs, &self.g.outputs, "output"),
            ] {
                if let Some(m) = maps
                    .iter()
                    .find(|m| !ends.iter().any(|&t| t as usize == m.tensor))
                {
                    return Err(Error::CorruptModel(format!(
                        "signature `{}` {what} `{}` is tensor {}, which is not a model {what}",
                        sig.key, m.name, m.tensor
                    )));
                }
            }
        }
        Ok(())
    }

    fn unsupported(&self, k: usize, op: &Operator) -> Error {
        let name = if op.code == op::CUSTOM {
            format!("custom operator `{}`", op.custom_code)
        } else {
            match op_names::name(op.code) {
                Some(n) => n.to_string(),
                None => format!("builtin operator {}", op.code),
            }
        };
        Error::UnsupportedOperator { name, index: k }
    }

    /// Constant data that fits the declared shape and type; no sparse storage.
    fn check_tensor(&self, t: usize) -> Result<()> {
        let tensor = &self.g.tensors[t];
        let bad = |why: String| {
            Error::CorruptModel(format!(
                "{}tensor {t} `{}` {why}",
                self.where_(),
                self.tensor_name(t)
            ))
        };
        if tensor.sparse {
            return Err(bad(
                "stores sparse data, which the supported operators do not read".into(),
            ));
        }
        let data = self.g.data(t);
        if data.is_empty() {
            return Ok(());
        }
        let size: i128 = match tensor.ty {
            ty::FLOAT32 | ty::INT32 => 4,
            ty::INT8 | ty::UINT8 | ty::BOOL => 1,
            ty::INT64 => 8,
            // Tensors of other types are refused by every operator that could read them.
            _ => return Ok(()),
        };
        let shape: Shape = tensor.shape.iter().map(|&d| i64::from(d)).collect();
        let expected = elements(&shape).saturating_mul(size);
        if data.len() as i128 != expected {
            return Err(bad(format!(
                "holds {} bytes of data, but its shape {} of {} takes {expected}",
                data.len(),
                show(&shape),
                ty::name(tensor.ty)
            )));
        }
        Ok(())
    }
}

/// One operator being checked.
struct Op<'c, 'g> {
    c: &'c Checker<'g>,
    k: usize,
    op: &'g Operator,
    name: &'static str,
}

impl Op<'_, '_> {
    fn bad(&self, why: impl Display) -> Error {
        Error::CorruptModel(format!(
            "{}operator {} ({}): {why}",
            self.c.where_(),
            self.k,
            self.name
        ))
    }

    fn g(&self) -> &Graph<'_> {
        self.c.g
    }

    /// Exactly `min..=max` inputs and `outputs` outputs; no input left out below `optional`.
    fn arity(&self, min: usize, max: usize, outputs: usize, optional: Option<usize>) -> Result<()> {
        let n = self.op.inputs.len();
        if n < min || n > max {
            let want = if min == max {
                format!("{min}")
            } else {
                format!("{min} to {max}")
            };
            return Err(self.bad(format!("takes {want} inputs, has {n}")));
        }
        if self.op.outputs.len() != outputs {
            return Err(self.bad(format!(
                "writes {outputs} output(s), declares {}",
                self.op.outputs.len()
            )));
        }
        for (i, &t) in self.op.inputs.iter().enumerate() {
            if t < 0 {
                if Some(i) == optional {
                    continue;
                }
                return Err(self.bad(format!("input {i} is left out")));
            }
            let t = t as usize;
            if !self.c.ready[t] {
                return Err(self.bad(format!(
                    "reads tensor {t} `{}`, which is neither a model input, a constant nor \
                     written by an earlier operator",
                    self.c.tensor_name(t)
                )));
            }
        }
        for t in self.op.inputs.iter().chain(&self.op.outputs) {
            if let Ok(t) = usize::try_from(*t) {
                let shape = &self.g().tensors[t].shape;
                if shape.len() > MAX_RANK {
                    return Err(self.bad(format!(
                        "tensor {t} has rank {}, more than the kernels take ({MAX_RANK})",
                        shape.len()
                    )));
                }
                if shape.contains(&0) {
                    return Err(self.bad(format!("tensor {t} has an empty dimension {shape:?}")));
                }
            }
        }
        Ok(())
    }

    fn input(&self, i: usize) -> usize {
        // Present and non-negative: checked by `arity` before any use.
        self.op.inputs[i] as usize
    }

    fn optional_input(&self, i: usize) -> Option<usize> {
        self.op.inputs.get(i).and_then(|&t| usize::try_from(t).ok())
    }

    fn output(&self) -> usize {
        self.op.outputs[0] as usize
    }

    fn ty(&self, t: usize) -> u8 {
        self.g().tensors[t].ty
    }

    fn shape(&self, t: usize) -> Shape {
        self.g().tensors[t]
            .shape
            .iter()
            .map(|&d| i64::from(d))
            .collect()
    }

    fn is_const(&self, t: usize) -> bool {
        !self.g().data(t).is_empty()
    }

    fn describe(&self, t: usize) -> String {
        format!("tensor {t} `{}`", self.c.tensor_name(t))
    }

    /// Type `t` is one of `allowed`.
    fn expect_type(&self, t: usize, what: &str, allowed: &[u8]) -> Result<u8> {
        let got = self.ty(t);
        if allowed.contains(&got) {
            return Ok(got);
        }
        let names: Vec<String> = allowed.iter().map(|&a| ty::name(a)).collect();
        Err(self.bad(format!(
            "{what} ({}) is {}; the kernel takes {}",
            self.describe(t),
            ty::name(got),
            names.join(" or ")
        )))
    }

    fn same_type(&self, t: usize, what: &str, want: u8) -> Result<()> {
        self.expect_type(t, what, &[want]).map(|_| ())
    }

    /// An int8/uint8 operand quantized with one scale and one zero point (what the kernels
    /// read for activations); other types pass.
    fn per_tensor(&self, t: usize, what: &str) -> Result<()> {
        if !matches!(self.ty(t), ty::INT8 | ty::UINT8) {
            return Ok(());
        }
        match &self.g().tensors[t].quantization {
            Some(q) if q.scale.len() == 1 && q.zero_point.len() <= 1 => Ok(()),
            Some(q) => Err(self.bad(format!(
                "{what} ({}) has {} quantization scales; the kernel reads one",
                self.describe(t),
                q.scale.len()
            ))),
            None => Err(self.bad(format!(
                "{what} ({}) is {} without quantization parameters",
                self.describe(t),
                ty::name(self.ty(t))
            ))),
        }
    }

    fn expect_rank(&self, t: usize, what: &str, rank: usize) -> Result<Shape> {
        let s = self.shape(t);
        if s.len() != rank {
            return Err(self.bad(format!(
                "{what} ({}) has shape {}; the kernel takes rank {rank}",
                self.describe(t),
                show(&s)
            )));
        }
        Ok(s)
    }

    /// The declared output shape is the computed one.
    fn expect_output(&self, computed: &[i64]) -> Result<()> {
        let t = self.output();
        let declared = self.shape(t);
        if declared != computed {
            return Err(self.bad(format!(
                "output {} is declared {} but the operator computes {}",
                self.describe(t),
                show(&declared),
                show(computed)
            )));
        }
        Ok(())
    }

    /// A constant int32 (or int64, when `int64` is allowed) operand of rank 0 or 1.
    fn constant_ints(&self, t: usize, what: &str, int64: bool) -> Result<Vec<i64>> {
        let values = if int64 && self.ty(t) == ty::INT64 {
            self.g().constant_i64(t)
        } else {
            self.g()
                .constant_i32(t)
                .map(|v| v.into_iter().map(i64::from).collect())
        };
        let Some(values) = values else {
            let types = if int64 { "int32 or int64" } else { "int32" };
            return Err(self.bad(format!(
                "{what} ({}) must be a constant {types} tensor",
                self.describe(t)
            )));
        };
        if self.shape(t).len() > 1 {
            return Err(self.bad(format!(
                "{what} ({}) has shape {}; it must be a vector",
                self.describe(t),
                show(&self.shape(t))
            )));
        }
        Ok(values)
    }

    fn activation(&self, options_type: u8, field: usize) -> Result<()> {
        let a = self
            .g()
            .option_u8(self.op, options_type, field)
            .map_err(Error::CorruptModel)?;
        if a > MAX_ACTIVATION {
            return Err(self.bad(format!(
                "fused activation {a} is not one the kernels implement (0 to {MAX_ACTIVATION})"
            )));
        }
        Ok(())
    }

    fn option(&self, options_type: u8, field: usize, default: i32) -> Result<i32> {
        self.g()
            .option_i32(self.op, options_type, field, default)
            .map_err(Error::CorruptModel)
    }

    fn require_options(&self, options_type: u8) -> Result<()> {
        if self.g().options(self.op, options_type).is_none() {
            return Err(self.bad("has no options table of its kind (strides, padding, ...)"));
        }
        Ok(())
    }

    fn check(&self) -> Result<()> {
        match self.op.code {
            op::ADD | op::MUL | op::DIV => self.binary(),
            op::QUANTIZE => self.quantize(),
            op::DEQUANTIZE => self.dequantize(),
            op::CONV_2D => self.conv(false),
            op::DEPTHWISE_CONV_2D => self.conv(true),
            op::AVERAGE_POOL_2D => self.pool(),
            op::RESHAPE => self.reshape(),
            op::CONCATENATION => self.concatenation(),
            op::STRIDED_SLICE => self.strided_slice(),
            op::SUM | op::MEAN => self.reduce(),
            op::CAST => self.cast(),
            op::HARD_SWISH | op::LOGISTIC => self.unary(),
            op::BROADCAST_TO => self.broadcast_to(),
            _ => Err(self.c.unsupported(self.k, self.op)),
        }
    }

    fn binary(&self) -> Result<()> {
        self.arity(2, 2, 1, None)?;
        let (a, b, out) = (self.input(0), self.input(1), self.output());
        let allowed: &[u8] = if self.op.code == op::DIV {
            &[ty::FLOAT32, ty::INT32]
        } else {
            &[ty::INT8, ty::FLOAT32, ty::INT32]
        };
        let t = self.expect_type(a, "input 0", allowed)?;
        self.same_type(b, "input 1", t)?;
        self.same_type(out, "the output", t)?;
        for (x, what) in [(a, "input 0"), (b, "input 1"), (out, "the output")] {
            self.per_tensor(x, what)?;
        }
        let (sa, sb) = (self.shape(a), self.shape(b));
        let Some(shape) = broadcast(&sa, &sb) else {
            return Err(self.bad(format!(
                "input shapes {} and {} do not broadcast",
                show(&sa),
                show(&sb)
            )));
        };
        let options_type = match self.op.code {
            op::ADD => opts::ADD,
            op::MUL => opts::MUL,
            _ => opts::DIV,
        };
        self.activation(options_type, 0)?;
        if self.op.code == op::ADD && t == ty::INT8 {
            self.add_rescale(a, b, out)?;
        }
        self.expect_output(&shape)
    }

    /// TFLite's int8 ADD (where the XNNPACK delegate declines the node, it runs) rescales
    /// both inputs to twice the larger input scale, shifted left by 20 bits, then to the
    /// output scale, and *aborts the process* (`TFLITE_CHECK`) unless that last multiplier,
    /// `2 * max(s1, s2) / (2^20 * s_out)`, is below 1. An ADD output scale changed from 1.33
    /// to 4e-8 in the fine-tuned model did that (found by `mutate_models`).
    fn add_rescale(&self, a: usize, b: usize, out: usize) -> Result<()> {
        let scale = |t: usize| {
            self.g().tensors[t]
                .quantization
                .as_ref()
                .and_then(|q| q.scale.first().copied())
                .map_or(0.0, f64::from)
        };
        let (s1, s2, so) = (scale(a), scale(b), scale(out));
        let multiplier = 2.0 * s1.max(s2) / (f64::from(1u32 << 20) * so);
        // Below 1 with a margin: rounding to 31 bits must not carry it to 1.
        if !(multiplier > 0.0 && multiplier < 0.999) {
            return Err(self.bad(format!(
                "input scales {s1:.3e} and {s2:.3e} against output scale {so:.3e} need a rescaling \
                 by {multiplier:.3e}, beyond what the int8 kernel computes (below 1)"
            )));
        }
        Ok(())
    }

    fn quantize(&self) -> Result<()> {
        self.arity(1, 1, 1, None)?;
        let (x, out) = (self.input(0), self.output());
        self.expect_type(x, "the input", &[ty::FLOAT32, ty::INT8, ty::UINT8])?;
        self.expect_type(out, "the output", &[ty::INT8, ty::UINT8])?;
        self.per_tensor(x, "the input")?;
        self.per_tensor(out, "the output")?;
        self.expect_output(&self.shape(x))
    }

    fn dequantize(&self) -> Result<()> {
        self.arity(1, 1, 1, None)?;
        let (x, out) = (self.input(0), self.output());
        self.expect_type(x, "the input", &[ty::INT8, ty::UINT8])?;
        self.same_type(out, "the output", ty::FLOAT32)?;
        self.per_tensor(x, "the input")?;
        self.expect_output(&self.shape(x))
    }

    /// Per-channel quantization of a filter or bias: `channels` scales along `axis` (or one
    /// for the whole tensor), zero points all 0.
    fn weights_quantization(&self, t: usize, what: &str, axis: u32, channels: i64) -> Result<()> {
        let Some(q) = &self.g().tensors[t].quantization else {
            return Err(self.bad(format!(
                "{what} ({}) has no quantization parameters",
                self.describe(t)
            )));
        };
        let n = q.scale.len() as i64;
        if n != 1 && (n != channels || q.axis != axis) {
            return Err(self.bad(format!(
                "{what} ({}) has {n} quantization scales along axis {}; the kernel reads one, or \
                 {channels} along axis {axis}",
                self.describe(t),
                q.axis
            )));
        }
        if let Some(z) = q.zero_point.iter().find(|&&z| z != 0) {
            return Err(self.bad(format!(
                "{what} ({}) has zero point {z}; quantized weights are symmetric (0)",
                self.describe(t)
            )));
        }
        Ok(())
    }

    fn conv(&self, depthwise: bool) -> Result<()> {
        self.arity(2, 3, 1, Some(2))?;
        let (x, filter, out) = (self.input(0), self.input(1), self.output());
        let bias = self.optional_input(2);
        let t = self.expect_type(x, "the input", &[ty::INT8, ty::FLOAT32])?;
        self.same_type(filter, "the filter", t)?;
        self.same_type(out, "the output", t)?;
        let bias_type = if t == ty::INT8 {
            ty::INT32
        } else {
            ty::FLOAT32
        };
        if let Some(b) = bias {
            self.same_type(b, "the bias", bias_type)?;
        }
        for (w, what) in [(Some(filter), "the filter"), (bias, "the bias")] {
            if let Some(w) = w {
                if !self.is_const(w) {
                    return Err(self.bad(format!("{what} ({}) is not constant", self.describe(w))));
                }
            }
        }
        let s = self.expect_rank(x, "the input", 4)?;
        let f = self.expect_rank(filter, "the filter", 4)?;
        // Filters: [out, h, w, in] for CONV_2D, [1, h, w, out] for DEPTHWISE_CONV_2D.
        let (channels_out, kh, kw) = if depthwise {
            (f[3], f[1], f[2])
        } else {
            (f[0], f[1], f[2])
        };
        let options_type = if depthwise {
            opts::DEPTHWISE_CONV_2D
        } else {
            opts::CONV_2D
        };
        self.require_options(options_type)?;
        if depthwise {
            let multiplier = self.option(options_type, 3, 0)?;
            if f[0] != 1 || channels_out % s[3] != 0 || i64::from(multiplier) != channels_out / s[3]
            {
                return Err(self.bad(format!(
                    "filter {} with depth multiplier {multiplier} does not fit the input's {} \
                     channels",
                    show(&f),
                    s[3]
                )));
            }
        } else if f[3] != s[3] {
            return Err(self.bad(format!(
                "filter {} takes {} input channels, the input {} has {}",
                show(&f),
                f[3],
                show(&s),
                s[3]
            )));
        }
        if let Some(b) = bias {
            let bs = self.shape(b);
            if bs != [channels_out] {
                return Err(self.bad(format!(
                    "bias {} does not match the filter's {channels_out} output channels",
                    show(&bs)
                )));
            }
        }
        if t == ty::INT8 {
            self.per_tensor(x, "the input")?;
            self.per_tensor(out, "the output")?;
            let axis = if depthwise { 3 } else { 0 };
            self.weights_quantization(filter, "the filter", axis, channels_out)?;
            if let Some(b) = bias {
                self.weights_quantization(b, "the bias", 0, channels_out)?;
                let (fq, bq) = (
                    &self.g().tensors[filter].quantization,
                    &self.g().tensors[b].quantization,
                );
                let count = |q: &Option<Quantization>| q.as_ref().map_or(0, |q| q.scale.len());
                if count(fq) != count(bq) {
                    return Err(self.bad(format!(
                        "the filter has {} quantization scales, the bias {}",
                        count(fq),
                        count(bq)
                    )));
                }
            }
        }
        // Conv2DOptions and DepthwiseConv2DOptions: padding 0, stride_w 1, stride_h 2; the
        // dilations are fields 4, 5 (conv) or 5, 6 (depthwise), 1 when absent.
        let padding = self
            .g()
            .option_u8(self.op, options_type, 0)
            .map_err(Error::CorruptModel)?;
        let stride_w = self.option(options_type, 1, 0)?;
        let stride_h = self.option(options_type, 2, 0)?;
        let (dw_field, dh_field, act_field) = if depthwise { (5, 6, 4) } else { (4, 5, 3) };
        let dilation_w = self.option(options_type, dw_field, 1)?;
        let dilation_h = self.option(options_type, dh_field, 1)?;
        self.activation(options_type, act_field)?;
        self.window(
            &s,
            (kh, kw),
            (stride_h, stride_w),
            (dilation_h, dilation_w),
            padding,
            channels_out,
        )
    }

    fn pool(&self) -> Result<()> {
        self.arity(1, 1, 1, None)?;
        let (x, out) = (self.input(0), self.output());
        let t = self.expect_type(x, "the input", &[ty::INT8, ty::FLOAT32])?;
        self.same_type(out, "the output", t)?;
        self.per_tensor(x, "the input")?;
        self.per_tensor(out, "the output")?;
        let s = self.expect_rank(x, "the input", 4)?;
        self.require_options(opts::POOL_2D)?;
        // Pool2DOptions: padding 0, stride_w 1, stride_h 2, filter_width 3, filter_height 4.
        let padding = self
            .g()
            .option_u8(self.op, opts::POOL_2D, 0)
            .map_err(Error::CorruptModel)?;
        let stride_w = self.option(opts::POOL_2D, 1, 0)?;
        let stride_h = self.option(opts::POOL_2D, 2, 0)?;
        let fw = self.option(opts::POOL_2D, 3, 0)?;
        let fh = self.option(opts::POOL_2D, 4, 0)?;
        if fw < 1 || fh < 1 {
            return Err(self.bad(format!("filter size {fh}x{fw} is not positive")));
        }
        self.activation(opts::POOL_2D, 5)?;
        self.window(
            &s,
            (i64::from(fh), i64::from(fw)),
            (stride_h, stride_w),
            (1, 1),
            padding,
            s[3],
        )
    }

    /// A sliding window over an NHWC input: the output shape `[n, oh, ow, channels]`.
    fn window(
        &self,
        s: &[i64],
        (kh, kw): (i64, i64),
        (stride_h, stride_w): (i32, i32),
        (dilation_h, dilation_w): (i32, i32),
        padding: u8,
        channels: i64,
    ) -> Result<()> {
        if padding > VALID {
            return Err(self.bad(format!(
                "padding {padding} is neither SAME (0) nor VALID (1)"
            )));
        }
        for (v, what) in [
            (stride_h, "stride"),
            (stride_w, "stride"),
            (dilation_h, "dilation"),
            (dilation_w, "dilation"),
        ] {
            if v < 1 {
                return Err(self.bad(format!("{what} {v} is not positive")));
            }
        }
        let oh = out_size(s[1], kh, stride_h.into(), dilation_h.into(), padding);
        let ow = out_size(s[2], kw, stride_w.into(), dilation_w.into(), padding);
        let (Some(oh), Some(ow)) = (oh, ow) else {
            return Err(self.bad(format!(
                "a {kh}x{kw} window with dilation {dilation_h}x{dilation_w} does not fit the \
                 {}x{} input",
                s[1], s[2]
            )));
        };
        self.expect_output(&[s[0], oh, ow, channels])
    }

    fn reshape(&self) -> Result<()> {
        self.arity(1, 2, 1, None)?;
        let (x, out) = (self.input(0), self.output());
        let t = self.expect_type(
            x,
            "the input",
            &[ty::INT8, ty::FLOAT32, ty::INT32, ty::UINT8],
        )?;
        self.same_type(out, "the output", t)?;
        self.per_tensor(x, "the input")?;
        self.per_tensor(out, "the output")?;
        let from_tensor = match self.optional_input(1) {
            Some(s) => Some(self.constant_ints(s, "the shape", false)?),
            None => None,
        };
        // ReshapeOptions field 0: new_shape.
        let from_options = self
            .g()
            .option_ints(self.op, opts::RESHAPE, 0)
            .map_err(Error::CorruptModel)?
            .map(|v| v.into_iter().map(i64::from).collect::<Vec<_>>());
        let target = match (from_tensor, from_options) {
            (Some(a), Some(b)) if a != b && !b.is_empty() => {
                return Err(self.bad(format!(
                    "its shape operand {} and its options' new shape {} differ",
                    show(&a),
                    show(&b)
                )))
            }
            (Some(a), _) => a,
            (None, Some(b)) => b,
            (None, None) => return Err(self.bad("has no target shape")),
        };
        if target.len() > MAX_RANK {
            return Err(self.bad(format!(
                "target shape {} has too many dimensions",
                show(&target)
            )));
        }
        let input = elements(&self.shape(x));
        let mut unknown = None;
        let mut known: i128 = 1;
        for (i, &d) in target.iter().enumerate() {
            match d {
                -1 if unknown.is_none() => unknown = Some(i),
                d if d >= 1 => known = known.saturating_mul(i128::from(d)),
                _ => {
                    return Err(
                        self.bad(format!("target shape {} has dimension {d}", show(&target)))
                    )
                }
            }
        }
        let mut shape = target.clone();
        if let Some(i) = unknown {
            if input % known != 0 {
                return Err(self.bad(format!(
                    "target shape {} does not divide the input's {input} elements",
                    show(&target)
                )));
            }
            shape[i] = i64::try_from(input / known).unwrap_or(i64::MAX);
        } else if known != input {
            return Err(self.bad(format!(
                "target shape {} has {known} elements, the input {input}",
                show(&target)
            )));
        }
        self.expect_output(&shape)
    }

    fn concatenation(&self) -> Result<()> {
        self.arity(1, 64, 1, None)?;
        let out = self.output();
        let first = self.input(0);
        let t = self.expect_type(
            first,
            "input 0",
            &[ty::INT8, ty::FLOAT32, ty::INT32, ty::UINT8],
        )?;
        self.same_type(out, "the output", t)?;
        self.per_tensor(out, "the output")?;
        let base = self.shape(first);
        let rank = base.len() as i64;
        let axis = i64::from(self.option(opts::CONCATENATION, 0, 0)?);
        if axis < -rank || axis >= rank {
            return Err(self.bad(format!("axis {axis} is outside the inputs' rank {rank}")));
        }
        let axis = if axis < 0 { axis + rank } else { axis } as usize;
        let mut shape = base.clone();
        shape[axis] = 0;
        for i in 0..self.op.inputs.len() {
            let x = self.input(i);
            let what = format!("input {i}");
            self.same_type(x, &what, t)?;
            self.per_tensor(x, &what)?;
            let s = self.shape(x);
            let fits = s.len() == base.len()
                && s.iter()
                    .zip(&base)
                    .enumerate()
                    .all(|(d, (a, b))| d == axis || a == b);
            if !fits {
                return Err(self.bad(format!(
                    "input {i} {} does not fit input 0 {} along axis {axis}",
                    show(&s),
                    show(&base)
                )));
            }
            shape[axis] += s[axis];
        }
        self.activation(opts::CONCATENATION, 1)?;
        self.expect_output(&shape)
    }

    fn strided_slice(&self) -> Result<()> {
        self.arity(4, 4, 1, None)?;
        let (x, out) = (self.input(0), self.output());
        let t = self.expect_type(
            x,
            "the input",
            &[ty::INT8, ty::FLOAT32, ty::INT32, ty::UINT8],
        )?;
        self.same_type(out, "the output", t)?;
        self.per_tensor(x, "the input")?;
        self.per_tensor(out, "the output")?;
        let s = self.shape(x);
        let rank = s.len();
        if rank == 0 || rank > 5 {
            return Err(self.bad(format!("input shape {} is not of rank 1 to 5", show(&s))));
        }
        let begin = self.constant_ints(self.input(1), "begin", false)?;
        let end = self.constant_ints(self.input(2), "end", false)?;
        let strides = self.constant_ints(self.input(3), "strides", false)?;
        for (v, what) in [(&begin, "begin"), (&end, "end"), (&strides, "strides")] {
            if v.len() != rank {
                return Err(self.bad(format!(
                    "{what} {} has {} values for an input of rank {rank}",
                    show(v),
                    v.len()
                )));
            }
        }
        // StridedSliceOptions: begin_mask 0, end_mask 1, ellipsis_mask 2, new_axis_mask 3,
        // shrink_axis_mask 4, offset 5.
        let mask = |field| self.option(opts::STRIDED_SLICE, field, 0);
        let (begin_mask, end_mask, ellipsis, new_axis, shrink) =
            (mask(0)?, mask(1)?, mask(2)?, mask(3)?, mask(4)?);
        let offset = self
            .g()
            .option_u8(self.op, opts::STRIDED_SLICE, 5)
            .map_err(Error::CorruptModel)?;
        if ellipsis != 0 || new_axis != 0 || offset != 0 {
            return Err(self.bad(
                "uses an ellipsis or new-axis mask or offset bounds, which the supported models \
                 never do",
            ));
        }
        for (m, what) in [
            (begin_mask, "begin"),
            (end_mask, "end"),
            (shrink, "shrink-axis"),
        ] {
            if (m as u32) >> rank != 0 {
                return Err(self.bad(format!(
                    "{what} mask {m:#b} has bits beyond the input's {rank} dimensions"
                )));
            }
        }
        let mut shape = Vec::new();
        for i in 0..rank {
            let d = s[i];
            let bit = |m: i32| m & (1 << i) != 0;
            if strides[i] < 1 {
                return Err(self.bad(format!(
                    "stride {} along axis {i} is not positive",
                    strides[i]
                )));
            }
            // An unmasked bound must lie inside the axis: the XNNPACK kernel takes it as it
            // is (a begin of -100 on an axis of 5 reads before the input), where TFLite's own
            // kernel would clamp it.
            let b = if bit(begin_mask) && !bit(shrink) {
                0
            } else if (-d..d).contains(&begin[i]) {
                begin[i].rem_euclid(d)
            } else {
                return Err(self.bad(format!(
                    "begin {} along axis {i} is outside its {d} elements",
                    begin[i]
                )));
            };
            if bit(shrink) {
                continue;
            }
            let e = if bit(end_mask) {
                d
            } else if (-d..=d).contains(&end[i]) {
                if end[i] < 0 {
                    end[i] + d
                } else {
                    end[i]
                }
            } else {
                return Err(self.bad(format!(
                    "end {} along axis {i} is outside its {d} elements",
                    end[i]
                )));
            };
            if e <= b {
                return Err(self.bad(format!(
                    "along axis {i} the slice {}..{} of {d} elements is empty",
                    begin[i], end[i]
                )));
            }
            shape.push((e - b + strides[i] - 1) / strides[i]);
        }
        self.expect_output(&shape)
    }

    fn reduce(&self) -> Result<()> {
        self.arity(2, 2, 1, None)?;
        let (x, out) = (self.input(0), self.output());
        let t = self.expect_type(
            x,
            "the input",
            &[ty::INT8, ty::FLOAT32, ty::INT32, ty::UINT8],
        )?;
        self.same_type(out, "the output", t)?;
        self.per_tensor(x, "the input")?;
        self.per_tensor(out, "the output")?;
        let s = self.shape(x);
        let rank = s.len() as i64;
        let axes = self.constant_ints(self.input(1), "the axes", false)?;
        let mut reduced = vec![false; s.len()];
        for &a in &axes {
            if a < -rank || a >= rank {
                return Err(self.bad(format!("axis {a} is outside the input's rank {rank}")));
            }
            let a = a.rem_euclid(rank.max(1)) as usize;
            if std::mem::replace(&mut reduced[a], true) {
                return Err(self.bad(format!("axis {a} is reduced twice")));
            }
        }
        // ReducerOptions field 0: keep_dims.
        let keep = self
            .g()
            .option_u8(self.op, opts::REDUCER, 0)
            .map_err(Error::CorruptModel)?
            != 0;
        let shape: Shape = s
            .iter()
            .zip(&reduced)
            .filter_map(|(&d, &r)| match (r, keep) {
                (false, _) => Some(d),
                (true, true) => Some(1),
                (true, false) => None,
            })
            .collect();
        self.expect_output(&shape)
    }

    fn cast(&self) -> Result<()> {
        self.arity(1, 1, 1, None)?;
        let (x, out) = (self.input(0), self.output());
        let types = [
            ty::FLOAT32,
            ty::INT32,
            ty::INT8,
            ty::UINT8,
            ty::INT64,
            ty::BOOL,
        ];
        self.expect_type(x, "the input", &types)?;
        self.expect_type(out, "the output", &types)?;
        self.expect_output(&self.shape(x))
    }

    fn unary(&self) -> Result<()> {
        self.arity(1, 1, 1, None)?;
        let (x, out) = (self.input(0), self.output());
        let t = self.expect_type(x, "the input", &[ty::INT8, ty::FLOAT32])?;
        self.same_type(out, "the output", t)?;
        self.per_tensor(x, "the input")?;
        self.per_tensor(out, "the output")?;
        self.expect_output(&self.shape(x))
    }

    fn broadcast_to(&self) -> Result<()> {
        self.arity(2, 2, 1, None)?;
        let (x, out) = (self.input(0), self.output());
        let t = self.expect_type(
            x,
            "the input",
            &[ty::INT8, ty::FLOAT32, ty::INT32, ty::UINT8],
        )?;
        self.same_type(out, "the output", t)?;
        self.per_tensor(x, "the input")?;
        self.per_tensor(out, "the output")?;
        let target = self.constant_ints(self.input(1), "the shape", true)?;
        let s = self.shape(x);
        if target.len() > MAX_RANK || target.len() < s.len() || target.iter().any(|&d| d < 1) {
            return Err(self.bad(format!(
                "cannot broadcast {} to {}",
                show(&s),
                show(&target)
            )));
        }
        if broadcast(&s, &target).as_deref() != Some(target.as_slice()) {
            return Err(self.bad(format!(
                "cannot broadcast {} to {}",
                show(&s),
                show(&target)
            )));
        }
        self.expect_output(&target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_sizes_follow_tflite() {
        // VALID: (in - (k-1)*d - 1 + s) / s; SAME: ceil(in / s).
        assert_eq!(out_size(172, 3, 2, 1, VALID), Some(85));
        assert_eq!(out_size(172, 3, 2, 1, 0), Some(86));
        assert_eq!(out_size(43, 3, 2, 1, 0), Some(22));
        assert_eq!(out_size(3, 3, 1, 1, VALID), Some(1));
        assert_eq!(out_size(2, 3, 1, 1, VALID), None);
        assert_eq!(out_size(10, 3, 1, 5, VALID), None);
        assert_eq!(out_size(86, 200, 2, 1, 0), None);
    }

    #[test]
    fn element_counts_saturate_instead_of_overflowing() {
        let max = i64::from(i32::MAX);
        assert_eq!(elements(&[max; 16]), i128::MAX);
        assert_eq!(elements(&[max, max, max, max, max, 0]), 0);
        assert_eq!(elements(&[1, 172, 172, 3]), 88_752);
        assert_eq!(elements(&[]), 1);
    }

    #[test]
    fn broadcasting_aligns_the_last_dimensions() {
        assert_eq!(broadcast(&[1, 480], &[1]), Some(vec![1, 480]));
        assert_eq!(broadcast(&[1], &[]), Some(vec![1]));
        assert_eq!(broadcast(&[1, 1, 1, 24], &[]), Some(vec![1, 1, 1, 24]));
        assert_eq!(broadcast(&[2, 3], &[3, 3]), None);
        assert_eq!(
            broadcast(&[1, 1, 1, 1, 24], &[1, 1, 43, 43, 1]),
            Some(vec![1, 1, 43, 43, 24])
        );
    }
}
