//! A load-time graph pass: the features the model's classifier reads, exposed as one more
//! output of the stream signature, so that an action set (`actions`) can score its
//! own classes on them.
//!
//! A MoViNet stream model ends `pool -> conv (head) -> conv (classifier) -> logits`: the last
//! convolution is a 1x1 one from a D-wide feature (A0: 2048, int8) to the classes. That
//! feature, the *embedding*, is found by structure: from the signature's `logits` tensor back
//! through the operators that only carry values on (DEQUANTIZE, QUANTIZE, RESHAPE) to the
//! CONV_2D that writes them, whose filter is a constant `[classes, 1, 1, D]`; its input is the
//! embedding. Names are never read. It comes after the head's cumulative pool, so it follows
//! the [`Horizon`](crate::Horizon) exactly as the logits do.
//!
//! LiteRT runs a signature's outputs only, and an intermediate tensor inside a delegated
//! partition is never materialised; so the pass appends the tensor to the subgraph's outputs
//! and an `embedding` entry to the signature's outputs. A flatbuffer's offsets only point
//! forward, so both vectors are written anew at the end of the bytes (with copies of the
//! signature's `TensorMap` tables and their names) and the two fields re-pointed at them; the
//! rest of the file is untouched, and the operators are the same, so the logits are
//! bit-identical. The rewritten bytes are verified again like any model.

use crate::flatbuffer::{Check, Reader};
use crate::graph::{op, tensor_type, Graph, Signature};
use crate::int8_io::is_stream;
use crate::spec::{EMBEDDING_OUTPUT, LOGITS_OUTPUT};

/// Most operators walked back from the logits to the classifier's convolution.
const MAX_STEPS: usize = 8;

/// The embedding of a subgraph: the tensor the classifier's 1x1 convolution reads (the
/// convolution's input 0), and its width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Found {
    pub tensor: usize,
    pub width: usize,
}

/// The tensor that feeds the classifier whose result becomes `logits`, if the graph has the
/// shape of a MoViNet head.
pub(crate) fn find(g: &Graph<'_>, logits: usize) -> Option<Found> {
    let mut t = logits;
    for _ in 0..MAX_STEPS {
        let o = g.producer(t)?;
        match o.code {
            op::DEQUANTIZE | op::QUANTIZE | op::RESHAPE => {
                t = usize::try_from(*o.inputs.first()?).ok()?;
            }
            op::CONV_2D => {
                let input = usize::try_from(*o.inputs.first()?).ok()?;
                let filter = usize::try_from(*o.inputs.get(1)?).ok()?;
                let f = g.tensors.get(filter)?;
                let &[_classes, 1, 1, width] = f.shape.as_slice() else {
                    return None;
                };
                let tensor = g.tensors.get(input)?;
                let values: i64 = tensor.shape.iter().map(|&d| i64::from(d)).product();
                let usable = matches!(tensor.ty, tensor_type::INT8 | tensor_type::FLOAT32)
                    && (tensor.ty == tensor_type::FLOAT32
                        || tensor
                            .quantization
                            .as_ref()
                            .and_then(|q| q.per_tensor())
                            .is_some());
                let written = g.producer(input).is_some() && g.data(input).is_empty();
                if g.data(filter).is_empty() || !usable || !written || values != i64::from(width) {
                    return None;
                }
                return Some(Found {
                    tensor: input,
                    width: usize::try_from(width).ok()?,
                });
            }
            _ => return None,
        }
    }
    None
}

/// `bytes` (a model `flatbuffer::check_tflite` accepted) with the stream signature's embedding
/// exposed as the output [`EMBEDDING_OUTPUT`]; `None` when there is nothing to expose (no
/// MoViNet head, or an output of that name already).
pub(crate) fn expose(bytes: &[u8]) -> Check<Option<(Vec<u8>, Found)>> {
    for s in 0..Graph::count(bytes)? {
        let g = Graph::read(bytes, s)?;
        let Some(sig) = g.signatures.iter().find(|sig| is_stream(sig)) else {
            continue;
        };
        let named = |m: &[crate::graph::TensorMap]| m.iter().any(|m| m.name == EMBEDDING_OUTPUT);
        if named(&sig.outputs) || named(&sig.inputs) {
            return Ok(None);
        }
        let Some(logits) = sig.outputs.iter().find(|m| m.name == LOGITS_OUTPUT) else {
            return Ok(None);
        };
        let Some(found) = find(&g, logits.tensor) else {
            return Ok(None);
        };
        return Ok(append(bytes, s, &g, sig, found)?.map(|out| (out, found)));
    }
    Ok(None)
}

/// Writes the two new vectors after the end of `bytes` and re-points the subgraph's `outputs`
/// field and the signature's `outputs` field at them.
fn append(
    bytes: &[u8],
    subgraph: usize,
    g: &Graph<'_>,
    sig: &Signature,
    found: Found,
) -> Check<Option<Vec<u8>>> {
    let r = Reader { buf: bytes };
    let root = r.root()?;
    let &table = r
        .tables(root, 2)?
        .get(subgraph)
        .ok_or("subgraph out of range")?;
    // Vectors that the vtable leaves out have no field to re-point: leave the model alone.
    let (Some(outputs_field), Some(sig_outputs_field)) = (r.field(table, 2)?, r.field(sig.pos, 1)?)
    else {
        return Ok(None);
    };
    let tensor = u32::try_from(found.tensor).map_err(|_| "tensor index overflows")?;
    let mut out = bytes.to_vec();

    // The subgraph's outputs, with the embedding added (unless it is one already).
    if !g.outputs.contains(&(tensor as i32)) {
        align(&mut out, 4);
        let at = out.len();
        push_u32(&mut out, len_u32(g.outputs.len() + 1)?);
        for &t in &g.outputs {
            push_u32(&mut out, t as u32);
        }
        push_u32(&mut out, tensor);
        point(&mut out, outputs_field, at)?;
    }

    // The signature's outputs: copies of its TensorMap tables plus one for the embedding, all
    // sharing one vtable (a table's vtable offset is signed, so it may lie before it).
    let mut maps: Vec<(Vec<u8>, u32)> = Vec::with_capacity(sig.outputs.len() + 1);
    for m in &sig.outputs {
        let name = r.byte_vector(m.pos, 0)?.unwrap_or_default().to_vec();
        maps.push((
            name,
            u32::try_from(m.tensor).map_err(|_| "tensor index overflows")?,
        ));
    }
    maps.push((EMBEDDING_OUTPUT.as_bytes().to_vec(), tensor));
    align(&mut out, 4);
    let vtable = out.len();
    // vtable: its own size, the table's size, then field 0 (name) at 4 and field 1 at 8.
    for v in [8u16, 12, 4, 8] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    let vector = out.len();
    push_u32(&mut out, len_u32(maps.len())?);
    out.resize(vector + 4 + 4 * maps.len(), 0);
    let tables: Vec<usize> = (0..maps.len()).map(|i| out.len() + 12 * i).collect();
    for (&at, (_, t)) in tables.iter().zip(&maps) {
        push_u32(&mut out, len_u32(at - vtable)?); // soffset: the vtable is `at - vtable` back
        push_u32(&mut out, 0); // the name's offset, set below
        push_u32(&mut out, *t);
    }
    for (i, (&at, (name, _))) in tables.iter().zip(&maps).enumerate() {
        align(&mut out, 4);
        let string = out.len();
        push_u32(&mut out, len_u32(name.len())?);
        out.extend_from_slice(name);
        out.push(0);
        point(&mut out, at + 4, string)?;
        point(&mut out, vector + 4 + 4 * i, at)?;
    }
    align(&mut out, 4);
    point(&mut out, sig_outputs_field, vector)?;
    Ok(Some(out))
}

fn align(out: &mut Vec<u8>, n: usize) {
    out.resize(out.len().next_multiple_of(n), 0);
}

fn push_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn len_u32(n: usize) -> Check<u32> {
    u32::try_from(n).map_err(|_| "length overflows".to_string())
}

/// Stores at `field` the (forward) offset of `target`.
fn point(out: &mut [u8], field: usize, target: usize) -> Check<()> {
    let offset = target
        .checked_sub(field)
        .and_then(|d| u32::try_from(d).ok())
        .ok_or_else(|| format!("offset from {field} to {target} does not point forward"))?;
    out.get_mut(field..field + 4)
        .ok_or_else(|| format!("field at {field} runs past the end"))?
        .copy_from_slice(&offset.to_le_bytes());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_data::a0_bytes;

    fn stream_signature<'a>(g: &'a Graph<'_>) -> &'a Signature {
        g.signatures.iter().find(|s| is_stream(s)).unwrap()
    }

    /// The tensor behind the stream signature's `logits`.
    fn logits_of(g: &Graph<'_>) -> usize {
        stream_signature(g)
            .outputs
            .iter()
            .find(|m| m.name == LOGITS_OUTPUT)
            .unwrap()
            .tensor
    }

    #[test]
    fn a0_exposes_the_2048_wide_input_of_its_classifier() {
        let bytes = a0_bytes();
        crate::flatbuffer::check_tflite(&bytes).unwrap();
        let g = Graph::read(&bytes, 0).unwrap();
        let logits = logits_of(&g);
        let found = find(&g, logits).unwrap();
        assert_eq!(found.width, 2048);
        let t = &g.tensors[found.tensor];
        assert_eq!(
            (t.ty, t.shape.as_slice()),
            (tensor_type::INT8, &[1, 1, 1, 2048][..])
        );
        // The classifier reads it: a CONV_2D to the 600 classes.
        let reader = &g.operators[g.consumers(found.tensor)[0]];
        assert_eq!(reader.code, op::CONV_2D);
        assert_eq!(g.tensors[reader.outputs[0] as usize].shape, [1, 1, 1, 600]);

        let (out, exposed) = expose(&bytes).unwrap().unwrap();
        assert_eq!(exposed, found);
        assert!(out.len() > bytes.len() && out.len() < bytes.len() + 4096);
        // Inside the original bytes only the two re-pointed offsets changed.
        let changed = bytes.iter().zip(&out).filter(|(a, b)| a != b).count();
        assert!((1..=8).contains(&changed), "{changed} bytes changed");
        crate::flatbuffer::check_tflite(&out).unwrap();
        let after = Graph::read(&out, 0).unwrap();
        let (sb, sa) = (stream_signature(&g), stream_signature(&after));
        assert_eq!(sa.outputs.len(), sb.outputs.len() + 1);
        for (a, b) in sa.outputs.iter().zip(&sb.outputs) {
            assert_eq!((&a.name, a.tensor), (&b.name, b.tensor));
        }
        let last = sa.outputs.last().unwrap();
        assert_eq!(
            (last.name.as_str(), last.tensor),
            (EMBEDDING_OUTPUT, found.tensor)
        );
        assert_eq!(after.outputs.len(), g.outputs.len() + 1);
        assert_eq!(*after.outputs.last().unwrap(), found.tensor as i32);
        assert_eq!(after.operators.len(), g.operators.len());
        assert_eq!(sa.inputs.len(), sb.inputs.len());

        // Once exposed, there is nothing more to do.
        assert!(expose(&out).unwrap().is_none());
    }

    #[test]
    fn a_head_of_another_shape_is_left_alone() {
        let bytes = a0_bytes();
        let mut g = Graph::read(&bytes, 0).unwrap();
        let logits = logits_of(&g);
        let found = find(&g, logits).unwrap();
        // A classifier with a 3x3 filter is not a 1x1 convolution over one feature.
        let conv = g.consumers(found.tensor)[0];
        let filter = g.operators[conv].inputs[1] as usize;
        g.tensors[filter].shape = vec![600, 3, 3, 2048];
        assert_eq!(find(&g, logits), None);
        // Nor is a logits tensor written by something other than the carriers and a conv.
        let mut g = Graph::read(&bytes, 0).unwrap();
        let k = g.producer_index(logits).unwrap();
        g.operators[k].code = op::ADD;
        assert_eq!(find(&g, logits), None);
    }
}
