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

mod operand;
mod rules;

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
