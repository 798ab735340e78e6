//! A load-time graph pass: the model's int8 tensors as its inputs and outputs, where the float
//! tensors the file exposes only wrap them.
//!
//! The int8 stream models take and return every state as float32: each state input feeds a
//! QUANTIZE, each state output comes from a DEQUANTIZE. Where both have the same scale and
//! zero point (A0: the 11 stream buffers, 6/255 and -128), the float round trip between two
//! frames gives back the int8 values it started from, so nothing is lost by carrying the int8
//! values themselves: the pass binds the signature's input and output of that state to the
//! int8 tensors and drops both operators. The state then takes a quarter of the memory and no
//! time to convert. States whose two sides differ (the head pool's running sum: ~0.574 in,
//! ~0.587 out) keep their float I/O.
//!
//! The image input is rebound the same way when its QUANTIZE is exactly scale 1/255 and zero
//! point -128: the int8 value of a uint8 level `v` is then `v - 128`, which the preprocessing
//! writes straight (see [`crate::session::InputMut`]).
//!
//! The pass patches the bytes in place, before LiteRT compiles them (the file on disk is not
//! touched): the signature's `TensorMap.tensor_index` scalars, the subgraph's `inputs` and
//! `outputs` entries, and the subgraph's `operators` vector, compacted in place (kept entries
//! move down, each offset recomputed for its new slot, the length shrunk). The float tensors
//! left unused stay in the tensor table; the runtime allocates nothing for them. Whatever the
//! pass cannot prove safe it leaves as it is.

use crate::flatbuffer::{Check, Reader};
use crate::graph::{op, tensor_type, Graph, Operator, Quantization, Signature, TensorMap};
use crate::spec::{IMAGE_INPUT, LOGITS_OUTPUT};

/// The image quantization the preprocessing can write straight: `q = level - 128`.
pub(crate) const IMAGE_SCALE: f32 = 1.0 / 255.0;
pub(crate) const IMAGE_ZERO_POINT: i64 = -128;

/// The int8 value the model's own QUANTIZE gives the image value `x` (RGB in [0, 1]), so that
/// a frame fed as floats gives the same logits with the image input int8 as without. LiteRT
/// runs that QUANTIZE in XNNPACK, which multiplies by the reciprocal of the scale (in f32:
/// 254.99998, not 255), clamps to the int8 range and rounds half to even. NaN reads as 0.
#[inline(always)]
pub(crate) fn image_level(x: f32) -> i8 {
    const INVERSE_SCALE: f32 = 1.0 / IMAGE_SCALE;
    // Adding 1.5 * 2^23 rounds a value in [0, 2^22) to an integer, half to even, and leaves
    // that integer in the low mantissa bits: the rounding XNNPACK's kernels use.
    const MAGIC: f32 = 12_582_912.0;
    // max/min rather than clamp: clamp keeps a NaN, max turns it into 0.
    #[allow(clippy::manual_clamp)]
    let v = (x * INVERSE_SCALE).max(0.0).min(255.0);
    ((v + MAGIC).to_bits() as u8 ^ 0x80) as i8
}

/// What to rewrite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Targets {
    pub states: bool,
    pub image: bool,
}

/// What a pass changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Rewritten {
    /// Names of the states now carried as int8.
    pub states: Vec<String>,
    /// Whether the image input is now int8.
    pub image: bool,
    /// Operators dropped (a QUANTIZE and a DEQUANTIZE per state, a QUANTIZE for the image).
    pub operators_dropped: usize,
}

/// The patches, worked out on the read-only graph and applied afterwards.
struct Plan {
    /// Little-endian u32 words to overwrite: (position, value).
    words: Vec<(usize, u32)>,
    /// Operators to drop, by index.
    drop: Vec<usize>,
    /// The subgraph's `operators` vector (its length word).
    operators: usize,
    rewritten: Rewritten,
}

/// Rewrites `bytes` (a model `flatbuffer::check_tflite` accepted) in place. Returns what
/// changed; with nothing to change, the bytes are left as they were.
pub(crate) fn rewrite(bytes: &mut [u8], targets: Targets) -> Check<Rewritten> {
    let Some(plan) = plan(bytes, targets)? else {
        return Ok(Rewritten::default());
    };
    for &(pos, value) in &plan.words {
        write_u32(bytes, pos, value)?;
    }
    compact(bytes, plan.operators, &plan.drop)?;
    Ok(plan.rewritten)
}

fn plan(bytes: &[u8], targets: Targets) -> Check<Option<Plan>> {
    // The subgraph run by the stream signature (the one with `image` and `logits`).
    for s in 0..Graph::count(bytes)? {
        let g = Graph::read(bytes, s)?;
        if g.signatures.iter().any(is_stream) {
            return Ok(plan_graph(&g, targets));
        }
    }
    Ok(None)
}

fn plan_graph(g: &Graph<'_>, targets: Targets) -> Option<Plan> {
    // Another signature on the same subgraph would see its tensors change under it.
    let [sig] = g.signatures.as_slice() else {
        return None;
    };
    let (Some(operators), Some(inputs), Some(outputs)) =
        (g.vectors.operators, g.vectors.inputs, g.vectors.outputs)
    else {
        return None;
    };
    let vectors = Vectors { inputs, outputs };
    let mut plan = Plan {
        words: Vec::new(),
        drop: Vec::new(),
        operators,
        rewritten: Rewritten::default(),
    };
    for input in &sig.inputs {
        let patch = if input.name == IMAGE_INPUT {
            targets.image.then(|| image(g, input, vectors)).flatten()
        } else {
            let output = sig.outputs.iter().find(|o| o.name == input.name);
            targets
                .states
                .then(|| state(g, input, output?, vectors))
                .flatten()
        };
        let Some(patch) = patch else { continue };
        plan.words.extend(patch.words);
        plan.drop.extend(patch.drop);
        if input.name == IMAGE_INPUT {
            plan.rewritten.image = true;
        } else {
            plan.rewritten.states.push(input.name.clone());
        }
    }
    if plan.drop.is_empty() {
        return None;
    }
    plan.drop.sort_unstable();
    plan.drop.dedup();
    plan.rewritten.operators_dropped = plan.drop.len();
    Some(plan)
}

/// Positions of the subgraph's `inputs` and `outputs` vectors (their length words).
#[derive(Clone, Copy)]
struct Vectors {
    inputs: usize,
    outputs: usize,
}

/// The words to write and the operators to drop for one name of the signature.
struct Patch {
    words: Vec<(usize, u32)>,
    drop: Vec<usize>,
}

/// The image input, when its QUANTIZE is exactly [`IMAGE_SCALE`] and [`IMAGE_ZERO_POINT`].
fn image(g: &Graph<'_>, input: &TensorMap, vectors: Vectors) -> Option<Patch> {
    let (quantize, int8) = quantized_input(g, input.tensor)?;
    let levels = per_tensor(g, int8)? == (IMAGE_SCALE.to_bits(), IMAGE_ZERO_POINT);
    if !levels || visible(g, int8) || visible_out(g, input.tensor) {
        return None;
    }
    let slot = slot(&g.inputs, input.tensor, vectors.inputs)?;
    Some(Patch {
        words: vec![(input.tensor_at?, int8 as u32), (slot, int8 as u32)],
        drop: vec![quantize],
    })
}

/// A state whose input side quantizes and whose output side dequantizes with the same scale
/// and zero point.
fn state(g: &Graph<'_>, input: &TensorMap, output: &TensorMap, vectors: Vectors) -> Option<Patch> {
    let (quantize, int8_in) = quantized_input(g, input.tensor)?;
    let (dequantize, int8_out) = dequantized_output(g, output.tensor)?;
    let same = per_tensor(g, int8_in)? == per_tensor(g, int8_out)?;
    if !same || g.tensors[int8_in].shape != g.tensors[int8_out].shape {
        return None;
    }
    // The int8 tensors must not already be at the boundary, nor the float sides on the
    // other one.
    if visible(g, int8_in) || visible(g, int8_out) || visible_out(g, input.tensor) {
        return None;
    }
    if g.inputs.contains(&(output.tensor as i32)) {
        return None;
    }
    let in_slot = slot(&g.inputs, input.tensor, vectors.inputs)?;
    let out_slot = slot(&g.outputs, output.tensor, vectors.outputs)?;
    Some(Patch {
        words: vec![
            (input.tensor_at?, int8_in as u32),
            (output.tensor_at?, int8_out as u32),
            (in_slot, int8_in as u32),
            (out_slot, int8_out as u32),
        ],
        drop: vec![quantize, dequantize],
    })
}

/// The scale (as bits: compared exactly) and zero point of a per-tensor quantized tensor.
fn per_tensor(g: &Graph<'_>, t: usize) -> Option<(u32, i64)> {
    let (scale, zero) = g.tensors.get(t)?.quantization.as_ref()?.per_tensor()?;
    Some((scale.to_bits(), zero))
}

/// Whether `t` is one of the subgraph's inputs or outputs.
fn visible(g: &Graph<'_>, t: usize) -> bool {
    g.inputs.contains(&(t as i32)) || visible_out(g, t)
}

fn visible_out(g: &Graph<'_>, t: usize) -> bool {
    g.outputs.contains(&(t as i32))
}

/// Whether a signature is a stream model's: it takes `image` and gives `logits`.
pub(crate) fn is_stream(sig: &Signature) -> bool {
    sig.inputs.iter().any(|m| m.name == IMAGE_INPUT)
        && sig.outputs.iter().any(|m| m.name == LOGITS_OUTPUT)
}

/// A float32 input whose only reader is a QUANTIZE to a per-tensor int8 tensor of the same
/// shape: that operator's index and its output.
fn quantized_input(g: &Graph<'_>, t: usize) -> Option<(usize, usize)> {
    let tensor = g.tensors.get(t)?;
    if tensor.ty != tensor_type::FLOAT32 || g.producer(t).is_some() {
        return None;
    }
    let &[k] = g.consumers(t) else { return None };
    let quantize = &g.operators[k];
    let int8 = single(quantize, op::QUANTIZE, t)?;
    int8_like(g, int8, &tensor.shape).then_some((k, int8))
}

/// A float32 output written by a DEQUANTIZE of a per-tensor int8 tensor of the same shape,
/// and read by no operator: that operator's index and its input.
fn dequantized_output(g: &Graph<'_>, t: usize) -> Option<(usize, usize)> {
    let tensor = g.tensors.get(t)?;
    if tensor.ty != tensor_type::FLOAT32 || !g.consumers(t).is_empty() {
        return None;
    }
    let k = g.producer_index(t)?;
    let dequantize = &g.operators[k];
    if dequantize.code != op::DEQUANTIZE || dequantize.outputs != [t as i32] {
        return None;
    }
    let &[int8] = dequantize.inputs.as_slice() else {
        return None;
    };
    let int8 = usize::try_from(int8).ok()?;
    int8_like(g, int8, &tensor.shape).then_some((k, int8))
}

/// `o` is a `code` operator with `input` as its one input and one output: that output.
fn single(o: &Operator, code: i32, input: usize) -> Option<usize> {
    if o.code != code || o.inputs != [input as i32] {
        return None;
    }
    match o.outputs.as_slice() {
        &[out] => usize::try_from(out).ok(),
        _ => None,
    }
}

/// An int8 tensor of this shape, quantized per tensor, without constant data.
fn int8_like(g: &Graph<'_>, t: usize, shape: &[i32]) -> bool {
    g.tensors.get(t).is_some_and(|x| {
        x.ty == tensor_type::INT8
            && x.shape == shape
            && g.data(t).is_empty()
            && x.quantization
                .as_ref()
                .and_then(Quantization::per_tensor)
                .is_some()
    })
}

/// Position of the one entry equal to `t` in a subgraph `inputs`/`outputs` vector whose
/// length word is at `vector`.
fn slot(entries: &[i32], t: usize, vector: usize) -> Option<usize> {
    let mut at = entries.iter().enumerate().filter(|(_, &e)| e == t as i32);
    match (at.next(), at.next()) {
        (Some((k, _)), None) => Some(vector + 4 + 4 * k),
        _ => None,
    }
}

fn write_u32(bytes: &mut [u8], pos: usize, value: u32) -> Check<()> {
    bytes
        .get_mut(pos..pos.wrapping_add(4))
        .ok_or_else(|| format!("patch at {pos} runs past the end"))?
        .copy_from_slice(&value.to_le_bytes());
    Ok(())
}

/// Drops the operators `drop` (sorted indices) from the offset vector at `vector`: each kept
/// entry moves down to its new slot with its offset recomputed so that it still points at the
/// same table, and the length word shrinks. Slots freed at the end are zeroed.
fn compact(bytes: &mut [u8], vector: usize, drop: &[usize]) -> Check<()> {
    let n = Reader { buf: bytes }.u32_at(vector)? as usize;
    let mut kept = 0usize;
    for k in 0..n {
        if drop.binary_search(&k).is_ok() {
            continue;
        }
        let old = vector + 4 + 4 * k;
        let new = vector + 4 + 4 * kept;
        let target = old + Reader { buf: bytes }.u32_at(old)? as usize;
        let offset = u32::try_from(target - new).map_err(|_| "operator offset overflows")?;
        write_u32(bytes, new, offset)?;
        kept += 1;
    }
    for k in kept..n {
        write_u32(bytes, vector + 4 + 4 * k, 0)?;
    }
    write_u32(bytes, vector, kept as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_data::a0_bytes;

    const ALL: Targets = Targets {
        states: true,
        image: true,
    };

    /// Operators as (code, inputs, outputs), the way LiteRT will read them.
    fn operators(g: &Graph<'_>) -> Vec<(i32, Vec<i32>, Vec<i32>)> {
        g.operators
            .iter()
            .map(|o| (o.code, o.inputs.clone(), o.outputs.clone()))
            .collect()
    }

    #[test]
    fn a0_loses_its_boundary_conversions_and_nothing_else() {
        let original = a0_bytes();
        crate::flatbuffer::check_tflite(&original).unwrap();
        let mut bytes = original.clone();
        let r = rewrite(&mut bytes, ALL).unwrap();
        crate::flatbuffer::check_tflite(&bytes).unwrap();
        assert_eq!(
            (r.states.len(), r.image, r.operators_dropped),
            (11, true, 23)
        );
        assert_eq!(bytes.len(), original.len());

        let (before, after) = (
            Graph::read(&original, 0).unwrap(),
            Graph::read(&bytes, 0).unwrap(),
        );
        let plan = plan_graph(&before, ALL).unwrap();
        // The kept operators, in their order, read and write the same tensors.
        let kept: Vec<_> = operators(&before)
            .into_iter()
            .enumerate()
            .filter(|(k, _)| !plan.drop.contains(k))
            .map(|(_, o)| o)
            .collect();
        assert_eq!(operators(&after), kept);
        let dropped: Vec<i32> = plan
            .drop
            .iter()
            .map(|&k| before.operators[k].code)
            .collect();
        assert_eq!(dropped.iter().filter(|&&c| c == op::QUANTIZE).count(), 12);
        assert_eq!(dropped.iter().filter(|&&c| c == op::DEQUANTIZE).count(), 11);

        // Each rewired name now points at an int8 tensor, on both sides and in the subgraph's
        // inputs and outputs; every other name is untouched.
        let (sb, sa) = (&before.signatures[0], &after.signatures[0]);
        for (mb, ma) in sb
            .inputs
            .iter()
            .zip(&sa.inputs)
            .chain(sb.outputs.iter().zip(&sa.outputs))
        {
            assert_eq!(mb.name, ma.name);
            let rewired = r.states.contains(&ma.name) || ma.name == IMAGE_INPUT;
            if rewired {
                assert_ne!(mb.tensor, ma.tensor, "{}", ma.name);
                assert_eq!(
                    after.tensors[ma.tensor].ty,
                    tensor_type::INT8,
                    "{}",
                    ma.name
                );
            } else {
                assert_eq!(mb.tensor, ma.tensor, "{}", ma.name);
            }
        }
        for m in &sa.inputs {
            assert!(after.inputs.contains(&(m.tensor as i32)), "{}", m.name);
        }
        for m in &sa.outputs {
            assert!(after.outputs.contains(&(m.tensor as i32)), "{}", m.name);
        }
        assert!(!r.states.iter().any(|n| n.contains("head_pool")));

        // Once done, there is nothing left to do.
        let twice = bytes.clone();
        assert_eq!(rewrite(&mut bytes, ALL).unwrap(), Rewritten::default());
        assert_eq!(bytes, twice);
    }

    #[test]
    fn states_and_image_are_rewired_only_when_asked() {
        let g_bytes = a0_bytes();
        let g = Graph::read(&g_bytes, 0).unwrap();
        let states = plan_graph(
            &g,
            Targets {
                states: true,
                image: false,
            },
        )
        .unwrap();
        assert_eq!(
            (states.rewritten.states.len(), states.rewritten.image),
            (11, false)
        );
        let image = plan_graph(
            &g,
            Targets {
                states: false,
                image: true,
            },
        )
        .unwrap();
        assert_eq!(
            (image.rewritten.states.len(), image.rewritten.image),
            (0, true)
        );
        assert!(plan_graph(
            &g,
            Targets {
                states: false,
                image: false
            }
        )
        .is_none());
    }

    #[test]
    fn what_cannot_be_patched_or_proved_exact_is_left_alone() {
        let bytes = a0_bytes();
        let mut g = Graph::read(&bytes, 0).unwrap();
        let name = "state_block2_layer1_stream_buffer";
        // A TensorMap whose tensor_index the vtable leaves out has nothing to patch.
        let k = g.signatures[0]
            .outputs
            .iter()
            .position(|m| m.name == name)
            .unwrap();
        g.signatures[0].outputs[k].tensor_at = None;
        let plan = plan_graph(&g, ALL).unwrap();
        assert_eq!(plan.rewritten.states.len(), 10);
        assert!(!plan.rewritten.states.iter().any(|n| n == name));

        // A state whose two sides are quantized differently is not an identity.
        let mut g = Graph::read(&bytes, 0).unwrap();
        let input = g.signatures[0]
            .inputs
            .iter()
            .find(|m| m.name == name)
            .unwrap()
            .tensor;
        let int8 = g.operators[g.consumers(input)[0]].outputs[0] as usize;
        g.tensors[int8].quantization.as_mut().unwrap().scale[0] *= 1.0001;
        let plan = plan_graph(&g, ALL).unwrap();
        assert_eq!(plan.rewritten.states.len(), 10);

        // An image quantized at another scale stays float.
        let mut g = Graph::read(&bytes, 0).unwrap();
        let image = g.signatures[0]
            .inputs
            .iter()
            .find(|m| m.name == IMAGE_INPUT)
            .unwrap()
            .tensor;
        let int8 = g.operators[g.consumers(image)[0]].outputs[0] as usize;
        g.tensors[int8].quantization.as_mut().unwrap().zero_point[0] = -127;
        assert!(!plan_graph(&g, ALL).unwrap().rewritten.image);
    }

    #[test]
    fn image_levels_round_like_xnnpack() {
        for v in 0..=255u8 {
            assert_eq!(
                image_level(f32::from(v) / 255.0),
                (i16::from(v) - 128) as i8,
                "{v}"
            );
        }
        // Half to even, after multiplying by 1 / scale = 254.99998 (in f32).
        let inverse = 1.0 / IMAGE_SCALE;
        assert_eq!(image_level(0.5 / inverse), -128);
        assert_eq!(image_level(1.5 / inverse), -126);
        assert_eq!(image_level(-1.0), -128);
        assert_eq!(image_level(2.0), 127);
        assert_eq!(image_level(f32::NAN), -128);
        assert_eq!(image_level(f32::INFINITY), 127);
    }
}
