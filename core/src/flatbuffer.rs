//! Checks on a model file before LiteRT sees it.
//!
//! LiteRT 2.1.4 does not verify the flatbuffer it is given: a 12-byte file with a valid
//! identifier makes `LiteRtCreateModelFromBuffer` throw a C++ `std::out_of_range` through the
//! C API, which aborts the app (found by `fuzz/`'s `model_bytes` target). So every offset,
//! vector, string and table of the TFLite schema that LiteRT reads is checked here to lie
//! inside the file, every index into another vector to be in range, and every tensor to have a
//! sane static size, before the bytes go anywhere near the runtime. Failures are
//! [`Error::NotTflite`] (not a TFLite flatbuffer at all) or [`Error::CorruptModel`].
//!
//! The schema below is the subset of `tensorflow/lite/schema/schema.fbs` (version 3) that a
//! model's loader touches; unknown later fields are ignored as the flatbuffers rules allow.
//! Union members (operator options, quantization details) are checked as tables lying inside
//! the file; the runtime reads only their own scalar fields or short vectors.

use crate::error::{Error, Result};

const IDENTIFIER: &[u8; 4] = b"TFL3";

/// Largest tensor a model may declare; the biggest activation of the A2 model is a few MB.
const MAX_TENSOR_BYTES: u128 = 256 << 20;
/// Largest tensor rank accepted (TFLite kernels handle at most 6).
const MAX_RANK: usize = 16;
/// Deepest nesting of tables followed (a MoViNet model needs 5).
const MAX_DEPTH: usize = 32;
/// Most tables, vectors and strings visited; bounds the time a hostile file with shared
/// sub-objects can take (the A2 model has under 10,000).
const MAX_OBJECTS: usize = 2_000_000;

/// What a field of a table holds.
#[derive(Clone, Copy)]
enum Field {
    /// A scalar of this many bytes, stored inline.
    Scalar(usize),
    String,
    Table(&'static [Field]),
    /// A member of a union: a table whose schema depends on the type field.
    AnyTable,
    /// A vector of scalars of this many bytes each.
    Scalars(usize),
    Tables(&'static [Field]),
}

use Field::{AnyTable, Scalar, Scalars, String as Str, Table, Tables};

const TENSOR_MAP: &[Field] = &[Str, Scalar(4)];
const SIGNATURE_DEF: &[Field] = &[Tables(TENSOR_MAP), Tables(TENSOR_MAP), Str, Str, Scalar(4)];
const METADATA: &[Field] = &[Str, Scalar(4)];
const BUFFER: &[Field] = &[Scalars(1), Scalar(8), Scalar(8)];
const OPERATOR: &[Field] = &[
    Scalar(4),  // opcode_index
    Scalars(4), // inputs
    Scalars(4), // outputs
    Scalar(1),  // builtin_options_type
    AnyTable,   // builtin_options
    Scalars(1), // custom_options
    Scalar(1),  // custom_options_format
    Scalars(1), // mutating_variable_inputs
    Scalars(4), // intermediates
    Scalar(8),  // large_custom_options_offset
    Scalar(8),  // large_custom_options_size
    Scalar(1),  // builtin_options_2_type
    AnyTable,   // builtin_options_2
];
/// Int32Vector, Uint16Vector, Uint8Vector: one `values` vector (checked as bytes).
const INDEX_VECTOR: &[Field] = &[Scalars(1)];
const DIMENSION_METADATA: &[Field] = &[
    Scalar(1),
    Scalar(4),
    Scalar(1),
    Table(INDEX_VECTOR),
    Scalar(1),
    Table(INDEX_VECTOR),
];
const SPARSITY: &[Field] = &[Scalars(4), Scalars(4), Tables(DIMENSION_METADATA)];
const QUANTIZATION: &[Field] = &[
    Scalars(4), // min
    Scalars(4), // max
    Scalars(4), // scale
    Scalars(8), // zero_point
    Scalar(1),  // details_type
    AnyTable,   // details
    Scalar(4),  // quantized_dimension
];
const VARIANT_SUBTYPE: &[Field] = &[Scalars(4), Scalar(1), Scalar(1)];
const TENSOR: &[Field] = &[
    Scalars(4), // shape
    Scalar(1),  // type
    Scalar(4),  // buffer
    Str,        // name
    Table(QUANTIZATION),
    Scalar(1), // is_variable
    Table(SPARSITY),
    Scalars(4), // shape_signature
    Scalar(1),  // has_rank
    Tables(VARIANT_SUBTYPE),
];
const SUBGRAPH: &[Field] = &[
    Tables(TENSOR),
    Scalars(4), // inputs
    Scalars(4), // outputs
    Tables(OPERATOR),
    Str,       // name
    Scalar(4), // debug_metadata_index
];
const OPERATOR_CODE: &[Field] = &[Scalar(1), Str, Scalar(4), Scalar(4)];
const MODEL: &[Field] = &[
    Scalar(4),
    Tables(OPERATOR_CODE),
    Tables(SUBGRAPH),
    Str,
    Tables(BUFFER),
    Scalars(4),
    Tables(METADATA),
    Tables(SIGNATURE_DEF),
];

pub(crate) fn check_tflite(bytes: &[u8]) -> Result<()> {
    if bytes.is_empty() {
        return Err(Error::NotTflite("the file is empty".into()));
    }
    if bytes.len() < 8 || &bytes[4..8] != IDENTIFIER {
        return Err(Error::NotTflite(
            "the file does not carry the TFLite flatbuffer identifier `TFL3`".into(),
        ));
    }
    let root = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as usize;
    if root.checked_add(4).is_none_or(|end| end > bytes.len()) {
        return Err(Error::CorruptModel(format!(
            "root table at offset {root} lies past the end of the {}-byte file",
            bytes.len()
        )));
    }
    let mut v = Verifier {
        buf: bytes,
        objects: 0,
    };
    v.table(root, MODEL, 0, "model")?;
    check_model(&Reader { buf: bytes }, root).map_err(Error::CorruptModel)?;
    crate::shapes::check(bytes)
}

fn corrupt(what: &str, why: impl std::fmt::Display) -> Error {
    Error::CorruptModel(format!("{what}: {why}"))
}

/// Walks the schema, checking that everything it reaches lies inside the buffer.
struct Verifier<'a> {
    buf: &'a [u8],
    objects: usize,
}

impl Verifier<'_> {
    fn count(&mut self, what: &str) -> Result<()> {
        self.objects += 1;
        if self.objects > MAX_OBJECTS {
            return Err(corrupt(what, "too many objects for a model file"));
        }
        Ok(())
    }

    /// `len` bytes at `pos` are inside the buffer.
    fn range(&self, pos: usize, len: usize, what: &str) -> Result<()> {
        match pos.checked_add(len) {
            Some(end) if end <= self.buf.len() => Ok(()),
            _ => Err(corrupt(
                what,
                format!(
                    "{len} bytes at offset {pos} run past the end of the {}-byte file",
                    self.buf.len()
                ),
            )),
        }
    }

    fn u16_at(&self, pos: usize, what: &str) -> Result<u16> {
        self.range(pos, 2, what)?;
        Ok(u16::from_le_bytes([self.buf[pos], self.buf[pos + 1]]))
    }

    fn u32_at(&self, pos: usize, what: &str) -> Result<u32> {
        self.range(pos, 4, what)?;
        let b = &self.buf[pos..pos + 4];
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// Follows the unsigned offset stored at `pos`.
    fn follow(&self, pos: usize, what: &str) -> Result<usize> {
        if pos % 4 != 0 {
            return Err(corrupt(what, format!("offset at {pos} is misaligned")));
        }
        let off = self.u32_at(pos, what)? as usize;
        let target = pos
            .checked_add(off)
            .filter(|&t| t < self.buf.len())
            .ok_or_else(|| corrupt(what, format!("offset at {pos} points past the file")))?;
        Ok(target)
    }

    fn table(&mut self, pos: usize, schema: &[Field], depth: usize, what: &str) -> Result<()> {
        self.count(what)?;
        if depth > MAX_DEPTH {
            return Err(corrupt(what, "tables nested too deeply"));
        }
        if pos % 4 != 0 {
            return Err(corrupt(what, format!("table at {pos} is misaligned")));
        }
        let soffset = self.u32_at(pos, what)? as i32;
        let vtable = i64::try_from(pos)
            .ok()
            .and_then(|p| p.checked_sub(i64::from(soffset)))
            .and_then(|v| usize::try_from(v).ok())
            .ok_or_else(|| {
                corrupt(
                    what,
                    format!("table at {pos} has its vtable outside the file"),
                )
            })?;
        if vtable % 2 != 0 {
            return Err(corrupt(what, format!("vtable at {vtable} is misaligned")));
        }
        let vtable_len = self.u16_at(vtable, what)? as usize;
        let table_len = self.u16_at(vtable + 2, what)? as usize;
        if vtable_len < 4 || vtable_len % 2 != 0 || table_len < 4 {
            return Err(corrupt(
                what,
                format!("table at {pos} has a malformed vtable ({vtable_len}, {table_len})"),
            ));
        }
        self.range(vtable, vtable_len, what)?;
        self.range(pos, table_len, what)?;
        for i in 0..(vtable_len - 4) / 2 {
            let voffset = self.u16_at(vtable + 4 + 2 * i, what)? as usize;
            if voffset == 0 {
                continue;
            }
            let field = pos + voffset;
            let kind = schema.get(i).copied().unwrap_or(Scalar(1));
            let size = match kind {
                Scalar(n) => n,
                _ => 4,
            };
            if voffset < 4 || voffset + size > table_len {
                return Err(corrupt(
                    what,
                    format!("field {i} of the table at {pos} lies outside it"),
                ));
            }
            match kind {
                Scalar(_) => {}
                Str => self.string(self.follow(field, what)?, what)?,
                Table(s) => self.table(self.follow(field, what)?, s, depth + 1, what)?,
                AnyTable => self.table(self.follow(field, what)?, &[], depth + 1, what)?,
                Scalars(n) => {
                    self.vector(self.follow(field, what)?, n, what)?;
                }
                Tables(s) => {
                    let start = self.follow(field, what)?;
                    let len = self.vector(start, 4, what)?;
                    for k in 0..len {
                        let element = self.follow(start + 4 + 4 * k, what)?;
                        self.table(element, s, depth + 1, what)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// A vector of `len` elements of `size` bytes at `pos`; returns its length.
    fn vector(&mut self, pos: usize, size: usize, what: &str) -> Result<usize> {
        self.count(what)?;
        if pos % 4 != 0 {
            return Err(corrupt(what, format!("vector at {pos} is misaligned")));
        }
        let len = self.u32_at(pos, what)? as usize;
        let bytes = len
            .checked_mul(size)
            .ok_or_else(|| corrupt(what, format!("vector at {pos} is impossibly long")))?;
        self.range(pos + 4, bytes, what)?;
        Ok(len)
    }

    fn string(&mut self, pos: usize, what: &str) -> Result<()> {
        let len = self.vector(pos, 1, what)?;
        // The terminating NUL that C++ readers rely on.
        self.range(pos + 4 + len, 1, what)?;
        if self.buf[pos + 4 + len] != 0 {
            return Err(corrupt(what, format!("string at {pos} is not terminated")));
        }
        Ok(())
    }
}

/// Reads an already verified buffer (every access is still bounds-checked: no panics).
#[allow(dead_code)]
pub(crate) struct Reader<'a> {
    pub(crate) buf: &'a [u8],
}

pub(crate) type Check<T> = std::result::Result<T, String>;

#[allow(dead_code)]
impl<'a> Reader<'a> {
    /// The root table's position (the buffer is at least 8 bytes: checked by `check_tflite`).
    pub(crate) fn root(&self) -> Check<usize> {
        Ok(self.u32_at(0)? as usize)
    }

    /// The string in field `index`, empty when absent; invalid UTF-8 is replaced.
    pub(crate) fn string(&self, table: usize, index: usize) -> Check<String> {
        Ok(self
            .byte_vector(table, index)?
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default())
    }

    /// The bytes of the `[ubyte]` vector (or string) in field `index`, if present.
    pub(crate) fn byte_vector(&self, table: usize, index: usize) -> Check<Option<&'a [u8]>> {
        let Some((start, n)) = self.vector(table, index)? else {
            return Ok(None);
        };
        self.buf
            .get(start + 4..(start + 4).wrapping_add(n))
            .map(Some)
            .ok_or_else(|| format!("vector at {start} runs past the end"))
    }

    /// The `[float]` vector in field `index` (empty when absent).
    pub(crate) fn floats(&self, table: usize, index: usize) -> Check<Vec<f32>> {
        Ok(self
            .ints(table, index)?
            .into_iter()
            .map(|bits| f32::from_bits(bits as u32))
            .collect())
    }

    pub(crate) fn u32_at(&self, pos: usize) -> Check<u32> {
        self.buf
            .get(pos..pos.wrapping_add(4))
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .ok_or_else(|| format!("read past the end at {pos}"))
    }

    pub(crate) fn field(&self, table: usize, index: usize) -> Check<Option<usize>> {
        let soffset = self.u32_at(table)? as i32;
        let vtable = (table as i64 - i64::from(soffset)) as usize;
        let vtable_len = self
            .buf
            .get(vtable..vtable.wrapping_add(2))
            .map(|b| u16::from_le_bytes([b[0], b[1]]) as usize)
            .ok_or("vtable out of range")?;
        let entry = vtable + 4 + 2 * index;
        if entry + 2 > vtable + vtable_len {
            return Ok(None);
        }
        let voffset = self
            .buf
            .get(entry..entry + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]) as usize)
            .ok_or("vtable entry out of range")?;
        Ok((voffset != 0).then_some(table + voffset))
    }

    pub(crate) fn scalar_u32(&self, table: usize, index: usize) -> Check<u32> {
        match self.field(table, index)? {
            Some(p) => self.u32_at(p),
            None => Ok(0),
        }
    }

    pub(crate) fn scalar_u8(&self, table: usize, index: usize) -> Check<u8> {
        match self.field(table, index)? {
            Some(p) => self
                .buf
                .get(p)
                .copied()
                .ok_or_else(|| "byte out of range".into()),
            None => Ok(0),
        }
    }

    pub(crate) fn scalar_u64(&self, table: usize, index: usize) -> Check<u64> {
        match self.field(table, index)? {
            Some(p) => {
                let lo = u64::from(self.u32_at(p)?);
                let hi = u64::from(self.u32_at(p + 4)?);
                Ok(lo | hi << 32)
            }
            None => Ok(0),
        }
    }

    /// The start (length word) of the vector in field `index`, if present.
    pub(crate) fn vector(&self, table: usize, index: usize) -> Check<Option<(usize, usize)>> {
        match self.field(table, index)? {
            Some(p) => {
                let start = p + self.u32_at(p)? as usize;
                Ok(Some((start, self.u32_at(start)? as usize)))
            }
            None => Ok(None),
        }
    }

    pub(crate) fn len(&self, table: usize, index: usize) -> Check<usize> {
        Ok(self.vector(table, index)?.map_or(0, |(_, n)| n))
    }

    pub(crate) fn tables(&self, table: usize, index: usize) -> Check<Vec<usize>> {
        let Some((start, n)) = self.vector(table, index)? else {
            return Ok(Vec::new());
        };
        (0..n)
            .map(|k| {
                let p = start + 4 + 4 * k;
                Ok(p + self.u32_at(p)? as usize)
            })
            .collect()
    }

    pub(crate) fn longs(&self, table: usize, index: usize) -> Check<Vec<i64>> {
        let Some((start, n)) = self.vector(table, index)? else {
            return Ok(Vec::new());
        };
        (0..n)
            .map(|k| {
                let p = start + 4 + 8 * k;
                Ok(i64::from(self.u32_at(p)?) | i64::from(self.u32_at(p + 4)?) << 32)
            })
            .collect()
    }

    pub(crate) fn ints(&self, table: usize, index: usize) -> Check<Vec<i32>> {
        let Some((start, n)) = self.vector(table, index)? else {
            return Ok(Vec::new());
        };
        (0..n)
            .map(|k| self.u32_at(start + 4 + 4 * k).map(|v| v as i32))
            .collect()
    }
}

/// Bytes per element of a TFLite `TensorType` (an upper bound for packed and unknown types).
fn element_size(tensor_type: u8) -> u128 {
    match tensor_type {
        3 | 5 | 6 | 9 | 17 => 1, // UINT8, STRING (dynamic), BOOL, INT8, INT4
        1 | 7 | 16 | 18 => 2,    // FLOAT16, INT16, UINT16, BFLOAT16
        0 | 2 | 15 => 4,         // FLOAT32, INT32, UINT32
        11 => 16,                // COMPLEX128
        _ => 8,                  // INT64, COMPLEX64, FLOAT64, UINT64, RESOURCE, VARIANT, later
    }
}

/// Range a quantization scale must lie in. Real models' scales lie between 1e-9 and 2; a
/// subnormal one (1.4e-45) passed a "finite and positive" check and crashed LiteRT while it
/// loaded the model.
const SCALES: std::ops::RangeInclusive<f32> = 1e-12..=1e12;

/// What LiteRT's kernels assume of a tensor's quantization without checking it: scales normal
/// floats in a sane range ([`SCALES`]), one zero point per scale and each a value the tensor's
/// type holds, and per-channel parameters along a real axis of that many channels. A mutated
/// scale (-7e21) crashed the runtime while it compiled the model (found by the random-mutation
/// test in tests/tests/model_files.rs).
fn check_quantization(r: &Reader<'_>, q: usize, shape: &[i32], tensor_type: u8) -> Check<()> {
    let scales = r.ints(q, 2)?;
    if let Some(&bad) = scales
        .iter()
        .map(|&bits| f32::from_bits(bits as u32))
        .find(|x| !(x.is_normal() && SCALES.contains(x)))
        .as_ref()
    {
        return Err(format!(
            "quantization scale {bad:e} is not a normal positive number from {:e} to {:e}",
            SCALES.start(),
            SCALES.end()
        ));
    }
    let zero_points = r.longs(q, 3)?;
    if !zero_points.is_empty() && zero_points.len() != scales.len() {
        return Err(format!(
            "{} quantization scales but {} zero points",
            scales.len(),
            zero_points.len()
        ));
    }
    // The runtime keeps zero points as int32, and 8-bit ones must be values of their type.
    let (lo, hi) = match tensor_type {
        9 => (-128, 127), // INT8
        3 => (0, 255),    // UINT8
        _ => (i64::from(i32::MIN), i64::from(i32::MAX)),
    };
    if let Some(bad) = zero_points.iter().find(|&&z| z < lo || z > hi) {
        return Err(format!(
            "quantization zero point {bad} is outside {lo}..={hi}"
        ));
    }
    if scales.len() > 1 {
        let axis = r.scalar_u32(q, 6)? as usize;
        if shape.get(axis).map(|&d| d as i64) != Some(scales.len() as i64) {
            return Err(format!(
                "{} per-channel quantization scales along axis {axis} of shape {shape:?}",
                scales.len()
            ));
        }
    }
    Ok(())
}

/// Cross-references: every index into another vector in range, every tensor sanely sized.
fn check_model(r: &Reader<'_>, root: usize) -> Check<()> {
    let num_codes = r.len(root, 1)?;
    let num_buffers = r.len(root, 4)?;
    let subgraphs = r.tables(root, 2)?;
    if subgraphs.is_empty() {
        return Err("the model has no subgraph".into());
    }
    for buffer in r.tables(root, 4)? {
        // Data kept outside the flatbuffer (models over 2 GB) must still lie inside the file.
        let (offset, size) = (r.scalar_u64(buffer, 1)?, r.scalar_u64(buffer, 2)?);
        if offset > 1 && offset.saturating_add(size) > r.buf.len() as u64 {
            return Err(format!(
                "a buffer's data at offset {offset} ({size} bytes) lies past the end of the file"
            ));
        }
    }
    for (s, &subgraph) in subgraphs.iter().enumerate() {
        let tensors = r.tables(subgraph, 0)?;
        let n = tensors.len();
        let index_ok = |i: i32| i >= -1 && (i as i64) < n as i64;
        for (t, &tensor) in tensors.iter().enumerate() {
            let shape = r.ints(tensor, 0)?;
            if shape.len() > MAX_RANK {
                return Err(format!(
                    "tensor {t} of subgraph {s} has rank {}",
                    shape.len()
                ));
            }
            let elem = element_size(r.scalar_u8(tensor, 1)?);
            let mut bytes = elem;
            for &d in &shape {
                let d = u128::try_from(d).map_err(|_| {
                    format!("tensor {t} of subgraph {s} has a negative dimension {d}")
                })?;
                bytes = bytes.saturating_mul(d);
            }
            if bytes > MAX_TENSOR_BYTES {
                return Err(format!(
                    "tensor {t} of subgraph {s} with shape {shape:?} would take {bytes} bytes"
                ));
            }
            if let Some(q) = r.field(tensor, 4)? {
                check_quantization(
                    r,
                    q + r.u32_at(q)? as usize,
                    &shape,
                    r.scalar_u8(tensor, 1)?,
                )
                .map_err(|e| format!("tensor {t} of subgraph {s}: {e}"))?;
            }
            if r.scalar_u32(tensor, 2)? as usize >= num_buffers.max(1) {
                return Err(format!(
                    "tensor {t} of subgraph {s} refers to buffer {} of {num_buffers}",
                    r.scalar_u32(tensor, 2)?
                ));
            }
        }
        for (what, field) in [("input", 1), ("output", 2)] {
            if let Some(&bad) = r
                .ints(subgraph, field)?
                .iter()
                .find(|&&i| !index_ok(i) || i < 0)
            {
                return Err(format!("subgraph {s} {what} refers to tensor {bad} of {n}"));
            }
        }
        for (o, op) in r.tables(subgraph, 3)?.into_iter().enumerate() {
            // Custom options kept outside the flatbuffer must lie inside the file too.
            let (offset, size) = (r.scalar_u64(op, 9)?, r.scalar_u64(op, 10)?);
            if offset > 1 && offset.saturating_add(size) > r.buf.len() as u64 {
                return Err(format!(
                    "operator {o} of subgraph {s}: custom options at offset {offset} ({size} \
                     bytes) lie past the end of the file"
                ));
            }
            let code = r.scalar_u32(op, 0)? as usize;
            if code >= num_codes {
                return Err(format!(
                    "operator {o} of subgraph {s} uses operator code {code} of {num_codes}"
                ));
            }
            // Inputs may be -1 (an optional input left out); outputs and intermediates may not:
            // LiteRT 2.1.4 throws std::out_of_range through its C API on an output of -1
            // (found by the model_bytes fuzz target).
            for (field, optional) in [(1, true), (2, false), (8, false)] {
                let ok = |i: i32| index_ok(i) && (optional || i >= 0);
                if let Some(&bad) = r.ints(op, field)?.iter().find(|&&i| !ok(i)) {
                    return Err(format!(
                        "operator {o} of subgraph {s} refers to tensor {bad} of {n}"
                    ));
                }
            }
        }
    }
    for (k, sig) in r.tables(root, 7)?.into_iter().enumerate() {
        let s = r.scalar_u32(sig, 4)? as usize;
        let Some(&subgraph) = subgraphs.get(s) else {
            return Err(format!(
                "signature {k} refers to subgraph {s} of {}",
                subgraphs.len()
            ));
        };
        let n = r.len(subgraph, 0)?;
        for field in [0, 1] {
            for map in r.tables(sig, field)? {
                let t = r.scalar_u32(map, 1)? as usize;
                if t >= n {
                    return Err(format!("signature {k} refers to tensor {t} of {n}"));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_degenerate_root_table_is_refused_before_litert() {
        // The 12 bytes that made LiteRT 2.1.4 throw std::out_of_range.
        let bytes = [8, 0, 0, 0, b'T', b'F', b'L', b'3', 0, 0, 0, 0];
        let err = check_tflite(&bytes).unwrap_err();
        assert!(matches!(err, Error::CorruptModel(_)), "{err:?}");
    }

    #[test]
    fn garbage_after_the_identifier_is_an_error_not_a_panic() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for len in 8..600 {
            let mut bytes: Vec<u8> = (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    state as u8
                })
                .collect();
            bytes[4..8].copy_from_slice(IDENTIFIER);
            bytes[0..4].copy_from_slice(&((state % len as u64) as u32 & !3).to_le_bytes());
            let _ = check_tflite(&bytes);
        }
    }
}
