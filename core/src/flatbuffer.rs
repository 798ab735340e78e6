//! Cheap checks on a model file before LiteRT sees it: the TFLite flatbuffer identifier and
//! that the root table lies inside the file.

use crate::error::{Error, Result};

const IDENTIFIER: &[u8; 4] = b"TFL3";

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
    Ok(())
}
