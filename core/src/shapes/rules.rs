//! The shape, operand and quantization rules of each operator kind the stream models use.

use super::*;

impl Op<'_, '_> {
    pub(super) fn binary(&self) -> Result<()> {
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
    pub(super) fn add_rescale(&self, a: usize, b: usize, out: usize) -> Result<()> {
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

    pub(super) fn quantize(&self) -> Result<()> {
        self.arity(1, 1, 1, None)?;
        let (x, out) = (self.input(0), self.output());
        self.expect_type(x, "the input", &[ty::FLOAT32, ty::INT8, ty::UINT8])?;
        self.expect_type(out, "the output", &[ty::INT8, ty::UINT8])?;
        self.per_tensor(x, "the input")?;
        self.per_tensor(out, "the output")?;
        self.expect_output(&self.shape(x))
    }

    pub(super) fn dequantize(&self) -> Result<()> {
        self.arity(1, 1, 1, None)?;
        let (x, out) = (self.input(0), self.output());
        self.expect_type(x, "the input", &[ty::INT8, ty::UINT8])?;
        self.same_type(out, "the output", ty::FLOAT32)?;
        self.per_tensor(x, "the input")?;
        self.expect_output(&self.shape(x))
    }

    /// Per-channel quantization of a filter or bias: `channels` scales along `axis` (or one
    /// for the whole tensor), zero points all 0.
    pub(super) fn weights_quantization(
        &self,
        t: usize,
        what: &str,
        axis: u32,
        channels: i64,
    ) -> Result<()> {
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

    pub(super) fn conv(&self, depthwise: bool) -> Result<()> {
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

    pub(super) fn pool(&self) -> Result<()> {
        self.arity(1, 1, 1, None)?;
        let (x, out) = (self.input(0), self.output());
        self.same_type_through(x, out, &[ty::INT8, ty::FLOAT32])?;
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
    pub(super) fn window(
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

    pub(super) fn reshape(&self) -> Result<()> {
        self.arity(1, 2, 1, None)?;
        let (x, out) = (self.input(0), self.output());
        self.same_type_through(x, out, &[ty::INT8, ty::FLOAT32, ty::INT32, ty::UINT8])?;
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

    pub(super) fn concatenation(&self) -> Result<()> {
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

    pub(super) fn strided_slice(&self) -> Result<()> {
        self.arity(4, 4, 1, None)?;
        let (x, out) = (self.input(0), self.output());
        self.same_type_through(x, out, &[ty::INT8, ty::FLOAT32, ty::INT32, ty::UINT8])?;
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

    pub(super) fn reduce(&self) -> Result<()> {
        self.arity(2, 2, 1, None)?;
        let (x, out) = (self.input(0), self.output());
        self.same_type_through(x, out, &[ty::INT8, ty::FLOAT32, ty::INT32, ty::UINT8])?;
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

    pub(super) fn cast(&self) -> Result<()> {
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

    pub(super) fn unary(&self) -> Result<()> {
        self.arity(1, 1, 1, None)?;
        let (x, out) = (self.input(0), self.output());
        self.same_type_through(x, out, &[ty::INT8, ty::FLOAT32])?;
        self.expect_output(&self.shape(x))
    }

    pub(super) fn broadcast_to(&self) -> Result<()> {
        self.arity(2, 2, 1, None)?;
        let (x, out) = (self.input(0), self.output());
        self.same_type_through(x, out, &[ty::INT8, ty::FLOAT32, ty::INT32, ty::UINT8])?;
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
