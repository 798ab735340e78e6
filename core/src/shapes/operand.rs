//! An operator under check: its operands' types, shapes and constants, and the errors it
//! reports; the per-kind rules are in `rules`.

use super::*;

impl Op<'_, '_> {
    pub(super) fn bad(&self, why: impl Display) -> Error {
        Error::CorruptModel(format!(
            "{}operator {} ({}): {why}",
            self.c.where_(),
            self.k,
            self.name
        ))
    }

    pub(super) fn g(&self) -> &Graph<'_> {
        self.c.g
    }

    /// Exactly `min..=max` inputs and `outputs` outputs; no input left out below `optional`.
    pub(super) fn arity(
        &self,
        min: usize,
        max: usize,
        outputs: usize,
        optional: Option<usize>,
    ) -> Result<()> {
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

    pub(super) fn input(&self, i: usize) -> usize {
        // Present and non-negative: checked by `arity` before any use.
        self.op.inputs[i] as usize
    }

    pub(super) fn optional_input(&self, i: usize) -> Option<usize> {
        self.op.inputs.get(i).and_then(|&t| usize::try_from(t).ok())
    }

    pub(super) fn output(&self) -> usize {
        self.op.outputs[0] as usize
    }

    pub(super) fn ty(&self, t: usize) -> u8 {
        self.g().tensors[t].ty
    }

    pub(super) fn shape(&self, t: usize) -> Shape {
        self.g().tensors[t]
            .shape
            .iter()
            .map(|&d| i64::from(d))
            .collect()
    }

    pub(super) fn is_const(&self, t: usize) -> bool {
        !self.g().data(t).is_empty()
    }

    pub(super) fn describe(&self, t: usize) -> String {
        format!("tensor {t} `{}`", self.c.tensor_name(t))
    }

    /// Type `t` is one of `allowed`.
    pub(super) fn expect_type(&self, t: usize, what: &str, allowed: &[u8]) -> Result<u8> {
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

    pub(super) fn same_type(&self, t: usize, what: &str, want: u8) -> Result<()> {
        self.expect_type(t, what, &[want]).map(|_| ())
    }

    /// The input `x` of one of the `allowed` types and the output `out` of the same type, each
    /// with one scale if quantized: the operands of an operator whose values keep their type
    /// (slices, pools, reductions, element-wise activations).
    pub(super) fn same_type_through(&self, x: usize, out: usize, allowed: &[u8]) -> Result<()> {
        let t = self.expect_type(x, "the input", allowed)?;
        self.same_type(out, "the output", t)?;
        self.per_tensor(x, "the input")?;
        self.per_tensor(out, "the output")
    }

    /// An int8/uint8 operand quantized with one scale and one zero point (what the kernels
    /// read for activations); other types pass.
    pub(super) fn per_tensor(&self, t: usize, what: &str) -> Result<()> {
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

    pub(super) fn expect_rank(&self, t: usize, what: &str, rank: usize) -> Result<Shape> {
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
    pub(super) fn expect_output(&self, computed: &[i64]) -> Result<()> {
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
    pub(super) fn constant_ints(&self, t: usize, what: &str, int64: bool) -> Result<Vec<i64>> {
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

    pub(super) fn activation(&self, options_type: u8, field: usize) -> Result<()> {
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

    pub(super) fn option(&self, options_type: u8, field: usize, default: i32) -> Result<i32> {
        self.g()
            .option_i32(self.op, options_type, field, default)
            .map_err(Error::CorruptModel)
    }

    pub(super) fn require_options(&self, options_type: u8) -> Result<()> {
        if self.g().options(self.op, options_type).is_none() {
            return Err(self.bad("has no options table of its kind (strides, padding, ...)"));
        }
        Ok(())
    }

    pub(super) fn check(&self) -> Result<()> {
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
}
