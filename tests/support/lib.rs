//! Shared helpers for the integration tests: where the team's data lives, and a reader for
//! the golden `.npy` files.

use std::path::{Path, PathBuf};

use movinet::{Labels, Model, ModelOptions};

/// `../shared` beside the repository (override with `MOVINET_SHARED_DIR`).
pub fn shared_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("MOVINET_SHARED_DIR") {
        return PathBuf::from(d);
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared")
}

/// The models folder: `MOVINET_MODELS_DIR`, else `../shared/models`.
pub fn models_dir() -> PathBuf {
    std::env::var_os("MOVINET_MODELS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| shared_dir().join("models"))
}

pub fn a0_path() -> PathBuf {
    models_dir().join("movinet_a0_stream_int8.tflite")
}

pub fn a0() -> Model {
    Model::from_file(a0_path(), &ModelOptions::default()).expect("load A0")
}

pub fn kinetics_labels() -> Labels {
    Labels::from_file(models_dir().join("kinetics600_labels.txt")).expect("labels")
}

/// A golden clip: the uint8 frames fed and the logits after every frame.
pub struct Golden {
    pub frames: Vec<u8>,
    pub n: usize,
    pub height: usize,
    pub width: usize,
    pub logits: Vec<f32>,
    pub classes: usize,
}

impl Golden {
    /// `name` is the file stem, e.g. `a0int8_carving_ice_android_fps5_crop`.
    pub fn load(name: &str) -> Self {
        let dir = shared_dir().join("golden");
        let (fshape, frames) = read_npy(&dir.join(format!("{name}_frames_u8.npy")), "|u1");
        let (lshape, logits) = read_npy(&dir.join(format!("{name}_logits.npy")), "<f4");
        assert_eq!(fshape.len(), 4);
        assert_eq!(lshape.len(), 2);
        assert_eq!(fshape[0], lshape[0]);
        Self {
            frames,
            n: fshape[0],
            height: fshape[1],
            width: fshape[2],
            logits: logits
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect(),
            classes: lshape[1],
        }
    }

    pub fn carving_ice() -> Self {
        Self::load("a0int8_carving_ice_android_fps5_crop")
    }

    pub fn arm_wrestling() -> Self {
        Self::load("a0int8_arm_wrestling_fps5_crop")
    }

    /// Frame i as the model input: `u8 / 255.0`, exactly as the reference fed it.
    pub fn input(&self, i: usize) -> Vec<f32> {
        let n = self.height * self.width * 3;
        self.frames[i * n..(i + 1) * n]
            .iter()
            .map(|&v| v as f32 / 255.0)
            .collect()
    }

    pub fn logits(&self, i: usize) -> &[f32] {
        &self.logits[i * self.classes..(i + 1) * self.classes]
    }
}

pub fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

pub fn argmax(v: &[f32]) -> usize {
    v.iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map(|(i, _)| i)
        .expect("non-empty")
}

/// Reads a C-order `.npy` array of the given dtype; returns its shape and raw bytes.
pub fn read_npy(path: &Path, descr: &str) -> (Vec<usize>, Vec<u8>) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(&bytes[..6], b"\x93NUMPY", "{} is not .npy", path.display());
    let (header_len, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        _ => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
    };
    let header = std::str::from_utf8(&bytes[start..start + header_len]).expect("header");
    assert!(header.contains(&format!("'descr': '{descr}'")), "{header}");
    assert!(header.contains("'fortran_order': False"), "{header}");
    let shape_txt = header
        .split("'shape': (")
        .nth(1)
        .and_then(|s| s.split(')').next())
        .expect("shape");
    let shape: Vec<usize> = shape_txt
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().expect("dim"))
        .collect();
    (shape, bytes[start + header_len..].to_vec())
}
