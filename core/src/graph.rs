//! The model's graph as the flatbuffer declares it, read once after `flatbuffer::check_tflite`
//! has verified the bytes: tensors (type, shape, quantization, constant data), operators (their
//! builtin code and tensors), the subgraph's inputs and outputs, and the signatures.
//!
//! LiteRT's C API shows only a signature's inputs and outputs; what lies between them (which
//! operator consumes a state, how a state is quantized, which states pool cumulatively) is
//! read here. Every value keeps the byte position it was read from, so a load-time pass can
//! patch the bytes in place. Read-only: nothing here changes the model.

use crate::flatbuffer::{Check, Reader};

/// TFLite `BuiltinOperator` codes of the operators the stream models use (schema v3).
#[allow(dead_code)]
pub(crate) mod op {
    pub const ADD: i32 = 0;
    pub const AVERAGE_POOL_2D: i32 = 1;
    pub const CONCATENATION: i32 = 2;
    pub const CONV_2D: i32 = 3;
    pub const DEPTHWISE_CONV_2D: i32 = 4;
    pub const DEQUANTIZE: i32 = 6;
    pub const LOGISTIC: i32 = 14;
    pub const MUL: i32 = 18;
    pub const RESHAPE: i32 = 22;
    pub const PAD: i32 = 34;
    pub const MEAN: i32 = 40;
    pub const DIV: i32 = 42;
    pub const STRIDED_SLICE: i32 = 45;
    pub const CAST: i32 = 53;
    pub const SUM: i32 = 74;
    pub const QUANTIZE: i32 = 114;
    pub const HARD_SWISH: i32 = 117;
    pub const BROADCAST_TO: i32 = 130;
    /// `BuiltinOperator_CUSTOM`: the operator code names a custom operator instead.
    pub const CUSTOM: i32 = 32;
}

/// TFLite `TensorType` codes.
#[allow(dead_code)]
pub(crate) mod tensor_type {
    pub const FLOAT32: u8 = 0;
    pub const INT32: u8 = 2;
    pub const UINT8: u8 = 3;
    pub const INT64: u8 = 4;
    pub const BOOL: u8 = 6;
    pub const INT8: u8 = 9;

    /// The schema's name of a type, for messages.
    pub fn name(ty: u8) -> String {
        match ty {
            FLOAT32 => "float32".into(),
            INT32 => "int32".into(),
            UINT8 => "uint8".into(),
            INT64 => "int64".into(),
            BOOL => "bool".into(),
            INT8 => "int8".into(),
            other => format!("type {other}"),
        }
    }
}

/// TFLite `BuiltinOptions` numbers of the options tables the stream models' operators use.
#[allow(dead_code)]
pub(crate) mod options_type {
    pub const CONV_2D: u8 = 1;
    pub const DEPTHWISE_CONV_2D: u8 = 2;
    pub const POOL_2D: u8 = 5;
    pub const CONCATENATION: u8 = 10;
    pub const ADD: u8 = 11;
    pub const RESHAPE: u8 = 17;
    pub const MUL: u8 = 21;
    pub const REDUCER: u8 = 27;
    pub const DIV: u8 = 29;
    pub const STRIDED_SLICE: u8 = 32;
}

/// Per-tensor (or per-channel) affine quantization: `real = scale * (q - zero_point)`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Quantization {
    pub scale: Vec<f32>,
    pub zero_point: Vec<i64>,
    pub axis: u32,
}

impl Quantization {
    /// The single scale and zero point of a per-tensor quantization.
    pub fn per_tensor(&self) -> Option<(f32, i64)> {
        match (self.scale.as_slice(), self.zero_point.as_slice()) {
            (&[s], &[z]) => Some((s, z)),
            (&[s], &[]) => Some((s, 0)),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Tensor {
    pub name: String,
    /// TFLite `TensorType` code (see [`tensor_type`]).
    pub ty: u8,
    pub shape: Vec<i32>,
    pub buffer: usize,
    pub quantization: Option<Quantization>,
    /// Whether the tensor declares sparsity parameters (its data is stored compressed).
    pub sparse: bool,
    /// Whether the tensor is a variable (state kept inside the interpreter between runs).
    pub is_variable: bool,
    /// Position of the tensor's table in the flatbuffer.
    #[allow(dead_code)]
    pub pos: usize,
}

#[derive(Debug, Clone)]
pub(crate) struct Operator {
    /// Builtin code (see [`op`]); [`op::CUSTOM`] for custom operators.
    pub code: i32,
    /// The operator code's `custom_code` (the name of a custom operator; usually empty).
    pub custom_code: String,
    /// Inputs, -1 for an optional input left out.
    pub inputs: Vec<i32>,
    pub outputs: Vec<i32>,
    /// `builtin_options_type` and the options table's position, if the operator has one.
    pub options: Option<(u8, usize)>,
    /// Position of the operator's table in the flatbuffer.
    #[allow(dead_code)]
    pub pos: usize,
}

/// One name of a signature and the tensor behind it.
#[derive(Debug, Clone)]
pub(crate) struct TensorMap {
    pub name: String,
    pub tensor: usize,
    /// Position of the `TensorMap` table (its field 1 is the tensor index).
    #[allow(dead_code)]
    pub pos: usize,
    /// Position of the stored `tensor_index` scalar; `None` when the vtable leaves it out
    /// (the default, tensor 0), so that there is nothing to patch in place.
    pub tensor_at: Option<usize>,
}

#[derive(Debug, Clone)]
pub(crate) struct Signature {
    pub key: String,
    /// Position of the `SignatureDef` table (its field 1 is the outputs vector).
    pub pos: usize,
    pub subgraph: usize,
    pub inputs: Vec<TensorMap>,
    pub outputs: Vec<TensorMap>,
}

/// One subgraph of a model, with the signatures that run it.
pub(crate) struct Graph<'a> {
    bytes: &'a [u8],
    pub tensors: Vec<Tensor>,
    pub operators: Vec<Operator>,
    pub inputs: Vec<i32>,
    pub outputs: Vec<i32>,
    pub signatures: Vec<Signature>,
    /// Where each buffer's data lies in `bytes` (empty for buffers without data).
    buffers: Vec<std::ops::Range<usize>>,
    /// For each tensor, the operator that writes it.
    producer: Vec<Option<usize>>,
    /// For each tensor, the operators that read it.
    consumers: Vec<Vec<usize>>,
    /// Positions of the subgraph's `operators`, `inputs` and `outputs` vectors (their length
    /// words), for in-place patches.
    #[allow(dead_code)]
    pub vectors: SubgraphVectors,
}

#[derive(Debug, Clone, Copy, Default)]
#[allow(dead_code)]
pub(crate) struct SubgraphVectors {
    pub operators: Option<usize>,
    pub inputs: Option<usize>,
    pub outputs: Option<usize>,
}

impl<'a> Graph<'a> {
    /// How many subgraphs a model that `flatbuffer::check_tflite` accepted has.
    pub fn count(bytes: &[u8]) -> Check<usize> {
        let r = Reader { buf: bytes };
        r.len(r.root()?, 2)
    }

    /// Reads subgraph `subgraph` of a model that `flatbuffer::check_tflite` accepted.
    pub fn read(bytes: &'a [u8], subgraph: usize) -> Check<Self> {
        let r = Reader { buf: bytes };
        let root = r.root()?;
        let subgraphs = r.tables(root, 2)?;
        let &sg = subgraphs
            .get(subgraph)
            .ok_or_else(|| format!("no subgraph {subgraph} of {}", subgraphs.len()))?;

        let mut codes = Vec::new();
        for code in r.tables(root, 1)? {
            let deprecated = i32::from(r.scalar_u8(code, 0)? as i8);
            let builtin = r.scalar_u32(code, 3)? as i32;
            codes.push((deprecated.max(builtin), r.string(code, 1)?));
        }

        let mut buffers = Vec::new();
        for b in r.tables(root, 4)? {
            let range = match r.vector(b, 0)? {
                Some((start, n)) => start + 4..start + 4 + n,
                None => {
                    let (offset, size) = (r.scalar_u64(b, 1)?, r.scalar_u64(b, 2)?);
                    if offset > 1 {
                        offset as usize..(offset + size) as usize
                    } else {
                        0..0
                    }
                }
            };
            if range.end > bytes.len() {
                return Err(format!("buffer data at {range:?} runs past the end"));
            }
            buffers.push(range);
        }

        let mut tensors = Vec::new();
        for t in r.tables(sg, 0)? {
            let quantization = match r.field(t, 4)? {
                Some(p) => {
                    let q = p + r.u32_at(p)? as usize;
                    let scale = r.floats(q, 2)?;
                    (!scale.is_empty()).then(|| -> Check<Quantization> {
                        Ok(Quantization {
                            scale,
                            zero_point: r.longs(q, 3)?,
                            axis: r.scalar_u32(q, 6)?,
                        })
                    })
                }
                None => None,
            }
            .transpose()?;
            tensors.push(Tensor {
                name: r.string(t, 3)?,
                ty: r.scalar_u8(t, 1)?,
                shape: r.ints(t, 0)?,
                buffer: r.scalar_u32(t, 2)? as usize,
                quantization,
                sparse: r.field(t, 6)?.is_some(),
                is_variable: r.scalar_u8(t, 5)? != 0,
                pos: t,
            });
        }

        let n = tensors.len();
        let mut producer = vec![None; n];
        let mut consumers = vec![Vec::new(); n];
        let mut operators = Vec::new();
        for (k, o) in r.tables(sg, 3)?.into_iter().enumerate() {
            let (code, custom_code) = codes
                .get(r.scalar_u32(o, 0)? as usize)
                .cloned()
                .ok_or("operator code out of range")?;
            let inputs = r.ints(o, 1)?;
            let outputs = r.ints(o, 2)?;
            for &i in inputs.iter().filter(|&&i| i >= 0) {
                let c = consumers
                    .get_mut(i as usize)
                    .ok_or("operator input out of range")?;
                if !c.contains(&k) {
                    c.push(k);
                }
            }
            for &i in &outputs {
                *producer
                    .get_mut(usize::try_from(i).map_err(|_| "negative operator output")?)
                    .ok_or("operator output out of range")? = Some(k);
            }
            let options = match r.field(o, 4)? {
                Some(p) => Some((r.scalar_u8(o, 3)?, p + r.u32_at(p)? as usize)),
                None => None,
            };
            operators.push(Operator {
                code,
                custom_code,
                inputs,
                outputs,
                options,
                pos: o,
            });
        }

        let mut signatures = Vec::new();
        for s in r.tables(root, 7)? {
            let maps = |field| -> Check<Vec<TensorMap>> {
                r.tables(s, field)?
                    .into_iter()
                    .map(|m| {
                        Ok(TensorMap {
                            name: r.string(m, 0)?,
                            tensor: r.scalar_u32(m, 1)? as usize,
                            pos: m,
                            tensor_at: r.field(m, 1)?,
                        })
                    })
                    .collect()
            };
            let sig = Signature {
                key: r.string(s, 2)?,
                pos: s,
                subgraph: r.scalar_u32(s, 4)? as usize,
                inputs: maps(0)?,
                outputs: maps(1)?,
            };
            if sig.subgraph == subgraph {
                signatures.push(sig);
            }
        }

        let vector_at = |field| -> Check<Option<usize>> {
            Ok(match r.field(sg, field)? {
                Some(p) => Some(p + r.u32_at(p)? as usize),
                None => None,
            })
        };
        Ok(Self {
            bytes,
            vectors: SubgraphVectors {
                operators: vector_at(3)?,
                inputs: vector_at(1)?,
                outputs: vector_at(2)?,
            },
            inputs: r.ints(sg, 1)?,
            outputs: r.ints(sg, 2)?,
            tensors,
            operators,
            signatures,
            buffers,
            producer,
            consumers,
        })
    }

    /// The flatbuffer this graph was read from.
    #[allow(dead_code)]
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The operator that writes tensor `t`, if any (none for inputs and constants).
    pub fn producer(&self, t: usize) -> Option<&Operator> {
        self.producer
            .get(t)
            .copied()
            .flatten()
            .map(|k| &self.operators[k])
    }

    /// Index of the operator that writes tensor `t`.
    #[allow(dead_code)]
    pub fn producer_index(&self, t: usize) -> Option<usize> {
        self.producer.get(t).copied().flatten()
    }

    /// Indices of the operators that read tensor `t`.
    pub fn consumers(&self, t: usize) -> &[usize] {
        self.consumers.get(t).map_or(&[], Vec::as_slice)
    }

    /// The constant data behind tensor `t` (empty for tensors without any).
    pub fn data(&self, t: usize) -> &'a [u8] {
        self.tensors
            .get(t)
            .and_then(|t| self.buffers.get(t.buffer))
            .and_then(|r| self.bytes.get(r.clone()))
            .unwrap_or(&[])
    }

    /// The values of a constant int32 tensor, if `t` is one.
    pub fn constant_i32(&self, t: usize) -> Option<Vec<i32>> {
        let tensor = self.tensors.get(t)?;
        let data = self.data(t);
        if tensor.ty != tensor_type::INT32 || data.is_empty() || data.len() % 4 != 0 {
            return None;
        }
        Some(
            data.chunks_exact(4)
                .map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect(),
        )
    }

    /// The values of a constant int64 tensor, if `t` is one.
    pub fn constant_i64(&self, t: usize) -> Option<Vec<i64>> {
        let tensor = self.tensors.get(t)?;
        let data = self.data(t);
        if tensor.ty != tensor_type::INT64 || data.is_empty() || data.len() % 8 != 0 {
            return None;
        }
        Some(
            data.chunks_exact(8)
                .map(|b| i64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]))
                .collect(),
        )
    }

    /// Operator `op`'s builtin options table, if it has one of type `options_type` (the
    /// schema's `BuiltinOptions` number). A table of another type is ignored, as LiteRT does.
    pub fn options(&self, op: &Operator, options_type: u8) -> Option<usize> {
        op.options
            .filter(|&(ty, _)| ty == options_type)
            .map(|(_, table)| table)
    }

    /// Field `field` of operator `op`'s options table of type `options_type`, as an int32
    /// (scalar fields of 4 bytes); `default` when the field or the table is absent.
    pub fn option_i32(
        &self,
        op: &Operator,
        options_type: u8,
        field: usize,
        default: i32,
    ) -> Check<i32> {
        let r = Reader { buf: self.bytes };
        match self.options(op, options_type) {
            Some(table) => match r.field(table, field)? {
                Some(p) => Ok(r.u32_at(p)? as i32),
                None => Ok(default),
            },
            None => Ok(default),
        }
    }

    /// A one-byte field (enum or bool) of operator `op`'s options table, 0 when absent.
    pub fn option_u8(&self, op: &Operator, options_type: u8, field: usize) -> Check<u8> {
        let r = Reader { buf: self.bytes };
        match self.options(op, options_type) {
            Some(table) => r.scalar_u8(table, field),
            None => Ok(0),
        }
    }

    /// An `[int]` field of operator `op`'s options table, if present.
    pub fn option_ints(
        &self,
        op: &Operator,
        options_type: u8,
        field: usize,
    ) -> Check<Option<Vec<i32>>> {
        let r = Reader { buf: self.bytes };
        match self.options(op, options_type) {
            Some(table) if r.field(table, field)?.is_some() => Ok(Some(r.ints(table, field)?)),
            _ => Ok(None),
        }
    }

    /// The signature named `key`.
    #[allow(dead_code)]
    pub fn signature(&self, key: &str) -> Option<&Signature> {
        self.signatures.iter().find(|s| s.key == key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_data::a0_bytes;

    #[test]
    fn the_a0_graph_reads_as_the_schema_says() {
        let bytes = a0_bytes();
        crate::flatbuffer::check_tflite(&bytes).expect("valid model");
        let g = Graph::read(&bytes, 0).expect("graph");
        // Measured with the TFLite schema's own Python reader: 227 operators, one signature
        // with 44 inputs and outputs.
        assert_eq!(g.operators.len(), 227);
        let sig = g.signature("serving_default").expect("signature");
        assert_eq!((sig.inputs.len(), sig.outputs.len()), (44, 44));
        let image = sig
            .inputs
            .iter()
            .find(|m| m.name == "image")
            .unwrap()
            .tensor;
        assert_eq!(g.tensors[image].shape, [1, 1, 172, 172, 3]);
        assert_eq!(g.tensors[image].ty, tensor_type::FLOAT32);
        // The image feeds one QUANTIZE with scale 1/255 and zero point -128.
        let &[q] = g.consumers(image) else {
            panic!("image has {} consumers", g.consumers(image).len())
        };
        let quantize = &g.operators[q];
        assert_eq!(quantize.code, op::QUANTIZE);
        let out = &g.tensors[quantize.outputs[0] as usize];
        assert_eq!(out.ty, tensor_type::INT8);
        let (scale, zero) = out.quantization.as_ref().unwrap().per_tensor().unwrap();
        assert_eq!((scale, zero), (1.0 / 255.0, -128));
        // The head's frame count is incremented by an ADD of the constant 1.
        let count = sig
            .inputs
            .iter()
            .find(|m| m.name == "state_head_pool_frame_count")
            .unwrap()
            .tensor;
        let add = &g.operators[g.consumers(count)[0]];
        assert_eq!(add.code, op::ADD);
        let one = add.inputs.iter().find(|&&i| i as usize != count).unwrap();
        assert_eq!(g.constant_i32(*one as usize), Some(vec![1]));
    }
}
