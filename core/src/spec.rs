//! What a MoViNet stream model looks like, discovered from its signature: the `image` input
//! (and so the resolution), the `logits` output (and so the classes), and every state tensor
//! that goes out and comes back in under the same name. Nothing here is specific to A0.

use crate::engine::{ElementType, SignatureInfo, TensorInfo};
use crate::error::{Error, Result};
use crate::int8_io::{IMAGE_SCALE, IMAGE_ZERO_POINT};

/// The name of the frame input in every MoViNet stream export.
pub const IMAGE_INPUT: &str = "image";
/// The name of the class-score output in every MoViNet stream export.
pub const LOGITS_OUTPUT: &str = "logits";
/// The name of the output the load-time pass adds for the classifier's input features (see
/// [`EmbeddingSpec`]).
pub const EMBEDDING_OUTPUT: &str = "embedding";
/// No real tensor is this large; a bigger one means a corrupt or hostile model file.
const MAX_TENSOR_BYTES: usize = 256 << 20;

/// Affine quantization of an int8 tensor: `real = scale * (q - zero_point)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quantization {
    /// Real value of one step.
    pub scale: f32,
    /// The integer that stands for 0.0.
    pub zero_point: i64,
}

/// One stream state tensor: fed in as an input, produced as the output of the same name.
#[derive(Debug, Clone, PartialEq)]
pub struct StateSpec {
    /// Signature name, the same on the input and the output side.
    pub name: String,
    /// Dimensions.
    pub shape: Vec<usize>,
    /// Float32 or int32 as the file declares it, or int8 where the load-time pass keeps the
    /// state int8 (see `ModelOptions::int8_io`).
    pub element_type: ElementType,
    /// How an int8 state's values map to real ones; `None` for float32 and int32 states.
    pub quantization: Option<Quantization>,
    /// Size of one buffer of it.
    pub bytes: usize,
    /// Position among the signature's inputs.
    pub input_index: usize,
    /// Position among the signature's outputs (not the same as `input_index` in general).
    pub output_index: usize,
}

impl StateSpec {
    /// The byte every element of a new stream's state holds: the int8 value of 0.0 (the zero
    /// point) for int8 states, 0 otherwise.
    pub(crate) fn zero_byte(&self) -> u8 {
        match self.quantization {
            Some(q) if self.element_type == ElementType::Int8 => q.zero_point as i8 as u8,
            _ => 0,
        }
    }
}

/// The features the model's classifier reads (A0: 2048 values), exposed at load time as the
/// signature output [`EMBEDDING_OUTPUT`]: what an action set (`ActionSet`) scores its
/// classes on. Found in the graph by structure, after the head's pool, so it follows the
/// [`Horizon`](crate::Horizon) as the logits do.
#[derive(Debug, Clone, PartialEq)]
pub struct EmbeddingSpec {
    /// Values in it.
    pub width: usize,
    /// Int8 (the quantized models) or float32.
    pub element_type: ElementType,
    /// How an int8 embedding's values map to real ones.
    pub quantization: Option<Quantization>,
    /// Position among the signature's outputs.
    pub output_index: usize,
}

/// Most values an embedding may have (A0-A2: 2048).
const MAX_EMBEDDING_WIDTH: i64 = 1 << 16;

/// Everything the SDK needs to know about a loaded model.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelSpec {
    /// Signature key, e.g. `serving_default` or `call`.
    pub signature_key: String,
    pub(crate) signature_index: usize,
    /// Input frame height and width (172 for A0/A1, 224 for A2).
    pub height: usize,
    /// Input frame width.
    pub width: usize,
    /// How the model takes the frame: float32 RGB in [0, 1] as the file declares it, or int8
    /// levels (`v - 128` for the uint8 level `v`, scale 1/255) where the load-time pass made
    /// it so (see `ModelOptions::int8_io`). `Session::run` takes floats either way.
    pub image_element_type: ElementType,
    /// Classes the logits score.
    pub num_classes: usize,
    /// Position of `image` among the signature's inputs.
    pub image_input_index: usize,
    /// Position of `logits` among the signature's outputs.
    pub logits_output_index: usize,
    /// Inputs of the signature (the frame and every state).
    pub num_inputs: usize,
    /// Outputs of the signature (the logits and every state).
    pub num_outputs: usize,
    /// The stream state tensors, in output order.
    pub states: Vec<StateSpec>,
    /// The classifier's input features, when the graph has a MoViNet head (every supported
    /// model does).
    pub embedding: Option<EmbeddingSpec>,
}

impl ModelSpec {
    /// Bytes of state one stream carries.
    pub fn state_bytes(&self) -> usize {
        self.states.iter().map(|s| s.bytes).sum()
    }

    /// Values in one input frame (`height * width * 3`).
    pub fn input_len(&self) -> usize {
        self.height * self.width * 3
    }

    /// Picks the signature that looks like a MoViNet stream model and describes it.
    pub(crate) fn discover(signatures: &[SignatureInfo]) -> Result<Self> {
        let sig = signatures
            .iter()
            .find(|s| {
                s.inputs.iter().any(|t| t.name == IMAGE_INPUT)
                    && s.outputs.iter().any(|t| t.name == LOGITS_OUTPUT)
            })
            .or_else(|| signatures.first())
            .ok_or(Error::NoSignature)?;
        Self::from_signature(sig)
    }

    fn from_signature(sig: &SignatureInfo) -> Result<Self> {
        let (image_input_index, image) = sig
            .inputs
            .iter()
            .enumerate()
            .find(|(_, t)| t.name == IMAGE_INPUT)
            .ok_or_else(|| {
                Error::NoImageInput(format!(
                    "signature `{}` has no input named `{IMAGE_INPUT}` (inputs: {})",
                    sig.key,
                    names(&sig.inputs)
                ))
            })?;
        // Float32 as exported, or int8 levels as the load-time pass leaves it.
        let takes = match image.element_type {
            ElementType::Float32 => true,
            ElementType::Int8 => image.quantization == Some((IMAGE_SCALE, IMAGE_ZERO_POINT)),
            _ => false,
        };
        let (height, width) = match image.dims.as_slice() {
            &[1, 1, h, w, 3] if takes && h > 0 && w > 0 && h <= 4096 && w <= 4096 => {
                (h as usize, w as usize)
            }
            _ => {
                return Err(Error::NoImageInput(format!(
                "input `{IMAGE_INPUT}` is {:?} {:?}; a stream model takes float32 [1, 1, H, W, 3]",
                image.element_type, image.dims
            )))
            }
        };
        let (logits_output_index, logits) = sig
            .outputs
            .iter()
            .enumerate()
            .find(|(_, t)| t.name == LOGITS_OUTPUT)
            .ok_or_else(|| {
                Error::NoLogitsOutput(format!(
                    "signature `{}` has no output named `{LOGITS_OUTPUT}` (outputs: {})",
                    sig.key,
                    names(&sig.outputs)
                ))
            })?;
        let num_classes = match (logits.element_type, logits.dims.as_slice()) {
            (ElementType::Float32, &[1, c]) if c > 0 && c <= 1_000_000 => c as usize,
            _ => {
                return Err(Error::NoLogitsOutput(format!(
                    "output `{LOGITS_OUTPUT}` is {:?} {:?}; expected float32 [1, classes]",
                    logits.element_type, logits.dims
                )))
            }
        };

        let mut states = Vec::new();
        let mut embedding = None;
        for (output_index, out) in sig.outputs.iter().enumerate() {
            if output_index == logits_output_index {
                continue;
            }
            if out.name == EMBEDDING_OUTPUT && !sig.inputs.iter().any(|t| t.name == out.name) {
                embedding = Some(embedding_spec(out, output_index)?);
                continue;
            }
            let unmatched = || Error::UnmatchedState {
                name: out.name.clone(),
            };
            let (input_index, input) = sig
                .inputs
                .iter()
                .enumerate()
                .find(|(_, t)| t.name == out.name)
                .ok_or_else(unmatched)?;
            if input_index == image_input_index
                || input.element_type != out.element_type
                || input.dims != out.dims
            {
                return Err(unmatched());
            }
            let bytes = tensor_bytes(out).ok_or_else(|| {
                Error::CorruptModel(format!(
                    "state `{}` has an unusable type or shape: {:?} {:?}",
                    out.name, out.element_type, out.dims
                ))
            })?;
            // An int8 state is carried as is only if both sides agree on what its values mean.
            let quantization = match out.element_type {
                ElementType::Int8 if input.quantization == out.quantization => out
                    .quantization
                    .map(|(scale, zero_point)| Quantization { scale, zero_point }),
                ElementType::Int8 => return Err(unmatched()),
                _ => None,
            };
            states.push(StateSpec {
                name: out.name.clone(),
                shape: out.dims.iter().map(|&d| d as usize).collect(),
                element_type: out.element_type,
                quantization,
                bytes,
                input_index,
                output_index,
            });
        }
        for (i, input) in sig.inputs.iter().enumerate() {
            if i != image_input_index && !states.iter().any(|s| s.input_index == i) {
                return Err(Error::UnexpectedInput {
                    name: input.name.clone(),
                });
            }
        }
        Ok(Self {
            signature_key: sig.key.clone(),
            signature_index: sig.index,
            height,
            width,
            image_element_type: image.element_type,
            num_classes,
            image_input_index,
            logits_output_index,
            num_inputs: sig.inputs.len(),
            num_outputs: sig.outputs.len(),
            states,
            embedding,
        })
    }
}

/// The embedding output's description, if it is a vector of int8 (quantized per tensor) or
/// float32 values.
fn embedding_spec(t: &TensorInfo, output_index: usize) -> Result<EmbeddingSpec> {
    let width: i64 = t.dims.iter().product();
    let ok_type = match t.element_type {
        ElementType::Int8 => t
            .quantization
            .is_some_and(|(s, _)| s.is_normal() && s > 0.0),
        ElementType::Float32 => true,
        _ => false,
    };
    if !ok_type || t.dims.iter().any(|&d| d < 1) || !(1..=MAX_EMBEDDING_WIDTH).contains(&width) {
        return Err(Error::CorruptModel(format!(
            "output `{EMBEDDING_OUTPUT}` is {:?} {:?}; expected a vector of int8 or float32",
            t.element_type, t.dims
        )));
    }
    Ok(EmbeddingSpec {
        width: width as usize,
        element_type: t.element_type,
        quantization: match t.element_type {
            ElementType::Int8 => t
                .quantization
                .map(|(scale, zero_point)| Quantization { scale, zero_point }),
            _ => None,
        },
        output_index,
    })
}

/// Bytes of a statically shaped tensor, `None` for dynamic, empty-typed or absurd ones.
pub(crate) fn tensor_bytes(t: &TensorInfo) -> Option<usize> {
    let mut n = t.element_type.size()?;
    for &d in &t.dims {
        if d < 0 {
            return None;
        }
        n = n.checked_mul(d as usize)?;
    }
    (n <= MAX_TENSOR_BYTES).then_some(n)
}

fn names(ts: &[TensorInfo]) -> String {
    let mut v: Vec<&str> = ts.iter().take(6).map(|t| t.name.as_str()).collect();
    if ts.len() > 6 {
        v.push("...");
    }
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}
