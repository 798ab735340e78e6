//! The action-set file: small, versioned, tied to one model.
//!
//! Little-endian throughout:
//!
//! ```text
//! magic      8 bytes  "MOVINETA"
//! version    u32      1
//! model      32 bytes SHA-256 of the model file the embeddings come from
//! width      u32      values per embedding (A0: 2048)
//! classes    u32      the model's classes (logits per frame; A0: 600)
//! actions    u32      1 to MAX_ACTIONS
//! per action:
//!   name     u32 length, then that many bytes of UTF-8
//!   examples u32      1 to MAX_EXAMPLES
//!   per example:
//!     live   u32      live embeddings kept, 0 to MAX_LIVE
//!     1 + live vectors, the whole segment first, each:
//!       embedding: min f32, step f32, `width` u8 levels (value = min + step * level)
//!       logits:    min f32, step f32, `classes` u8 levels
//! digest     32 bytes SHA-256 of everything before it
//! ```
//!
//! Reading trusts nothing: every count is checked against its limit and against the bytes
//! left before anything is allocated for it, the digest catches truncated and damaged files,
//! and a set made with another model is refused before its contents are looked at.

use sha2::{Digest, Sha256};

use super::{
    check_name, ActionExample, ActionSet, Part, Vector, MAX_ACTIONS, MAX_EXAMPLES, MAX_LIVE,
};
use crate::error::{Error, Result};

const MAGIC: &[u8; 8] = b"MOVINETA";
/// The version this SDK writes and reads.
pub const VERSION: u32 = 1;
/// Bytes of the header before the first action (magic, version, model digest, width,
/// classes, count).
const HEADER: usize = 8 + 4 + 32 + 4 + 4 + 4;
const DIGEST: usize = 32;

fn invalid(why: impl Into<String>) -> Error {
    Error::InvalidActionSet(why.into())
}

/// The file's bytes (of a set with at least one action).
pub(super) fn write(set: &ActionSet) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&set.model_sha256);
    put_len(&mut out, set.width);
    put_len(&mut out, set.classes);
    put_len(&mut out, set.actions.len());
    for action in &set.actions {
        put_len(&mut out, action.name.len());
        out.extend_from_slice(action.name.as_bytes());
        put_len(&mut out, action.examples.len());
        for e in &action.examples {
            put_len(&mut out, e.live.len());
            for v in std::iter::once(&e.clip).chain(&e.live) {
                for part in [&v.embedding, &v.logits] {
                    out.extend_from_slice(&part.min.to_le_bytes());
                    out.extend_from_slice(&part.step.to_le_bytes());
                    out.extend_from_slice(&part.levels);
                }
            }
        }
    }
    let digest = Sha256::digest(&out);
    out.extend_from_slice(&digest);
    out
}

fn put_len(out: &mut Vec<u8>, n: usize) {
    // Every count written is bounded by the limits (far below u32::MAX).
    out.extend_from_slice(&(n as u32).to_le_bytes());
}

/// Reads the bytes of an action-set file made for a model with this digest, embedding width
/// and number of classes: its actions and their examples.
pub(super) fn read(
    bytes: &[u8],
    model_sha256: &[u8; 32],
    width: usize,
    classes: usize,
) -> Result<Vec<(String, Vec<ActionExample>)>> {
    if bytes.len() < 8 || &bytes[..8] != MAGIC {
        return Err(invalid(if bytes.is_empty() {
            "the file is empty".to_string()
        } else {
            "not an action-set file (it does not start with `MOVINETA`)".to_string()
        }));
    }
    if bytes.len() < 12 {
        return Err(invalid("the file is truncated"));
    }
    let version = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
    if version != VERSION {
        return Err(invalid(format!(
            "file version {version}; this SDK reads version {VERSION} (made by {} SDK)",
            if version > VERSION {
                "a newer"
            } else {
                "an older"
            }
        )));
    }
    if bytes.len() < HEADER + DIGEST {
        return Err(invalid("the file is truncated"));
    }
    let (body, digest) = bytes.split_at(bytes.len() - DIGEST);
    if Sha256::digest(body).as_slice() != digest {
        return Err(invalid(
            "the file is truncated or damaged (its checksum does not match)",
        ));
    }
    let mut r = Cursor {
        bytes: body,
        at: 12,
    };
    let mut stored = [0u8; 32];
    stored.copy_from_slice(r.take(32)?);
    if &stored != model_sha256 {
        return Err(Error::ActionSetModelMismatch {
            expected: hex(&stored),
            actual: hex(model_sha256),
        });
    }
    let (stored_width, stored_classes) = (r.u32()? as usize, r.u32()? as usize);
    if (stored_width, stored_classes) != (width, classes) {
        return Err(invalid(format!(
            "it holds {stored_width} embedding values and {stored_classes} classes per frame, \
             the model {width} and {classes}"
        )));
    }
    let count = r.count("actions", 1, MAX_ACTIONS)?;
    let mut actions: Vec<(String, Vec<ActionExample>)> = Vec::with_capacity(count);
    for a in 0..count {
        let len = r.count("bytes in a name", 1, super::MAX_NAME_BYTES)?;
        let name = std::str::from_utf8(r.take(len)?)
            .map_err(|_| invalid(format!("the name of action {} is not UTF-8", a + 1)))?
            .to_string();
        check_name(&name)?;
        if actions.iter().any(|(n, _)| *n == name) {
            return Err(invalid(format!("the action `{name}` is named twice")));
        }
        let n = r.count("examples of an action", 1, MAX_EXAMPLES)?;
        let mut examples = Vec::with_capacity(n);
        for _ in 0..n {
            let live = r.count("live embeddings of an example", 0, MAX_LIVE)?;
            // Enough bytes left for them all, before anything is allocated.
            r.need((1 + live) * (16 + width + classes))?;
            let clip = r.vector(width, classes)?;
            let live = (0..live)
                .map(|_| r.vector(width, classes))
                .collect::<Result<Vec<_>>>()?;
            examples.push(ActionExample { clip, live });
        }
        actions.push((name, examples));
    }
    if r.at != body.len() {
        return Err(invalid(format!(
            "{} bytes follow the last action",
            body.len() - r.at
        )));
    }
    Ok(actions)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads the body front to back; running past its end is a truncated file.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn need(&self, n: usize) -> Result<()> {
        match self.at.checked_add(n) {
            Some(end) if end <= self.bytes.len() => Ok(()),
            _ => Err(invalid("the file is truncated (a count runs past its end)")),
        }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        self.need(n)?;
        let s = &self.bytes[self.at..self.at + n];
        self.at += n;
        Ok(s)
    }

    fn u32(&mut self) -> Result<u32> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A count in `min..=max`.
    fn count(&mut self, what: &str, min: usize, max: usize) -> Result<usize> {
        let n = self.u32()? as usize;
        if n < min || n > max {
            return Err(invalid(format!(
                "{n} {what}; an action set has {min} to {max}"
            )));
        }
        Ok(n)
    }

    fn f32(&mut self) -> Result<f32> {
        Ok(f32::from_bits(self.u32()?))
    }

    fn part(&mut self, len: usize, what: &str) -> Result<Part> {
        let (min, step) = (self.f32()?, self.f32()?);
        Part::stored(min, step, self.take(len)?.to_vec(), what)
    }

    fn vector(&mut self, width: usize, classes: usize) -> Result<Vector> {
        Ok(Vector {
            embedding: self.part(width, "an embedding")?,
            logits: self.part(classes, "a logits vector")?,
        })
    }
}
