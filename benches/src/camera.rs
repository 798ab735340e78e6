//! Camera-like input for the harness: real clip frames at 1280x720, as NV21 (what an
//! Android camera gives) built with BT.601 video-range coefficients.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

/// Packed RGB frames of one size.
pub struct RgbFrames {
    pub width: usize,
    pub height: usize,
    pub frames: Vec<Vec<u8>>,
}

const MAGIC: &[u8; 8] = b"MVNRGB01";

impl RgbFrames {
    /// Decodes up to `max` frames of `clip` scaled to `width`x`height` with FFmpeg.
    pub fn decode(clip: &Path, width: usize, height: usize, max: usize) -> Result<Self, String> {
        let out = Command::new("ffmpeg")
            .args(["-v", "error", "-nostdin", "-i"])
            .arg(clip)
            .args([
                "-frames:v",
                &max.to_string(),
                "-vf",
                &format!("scale={width}:{height}"),
            ])
            .args(["-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
            .stderr(Stdio::piped())
            .output()
            .map_err(|e| format!("cannot run ffmpeg: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "ffmpeg: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        let n = width * height * 3;
        let frames: Vec<Vec<u8>> = out.stdout.chunks_exact(n).map(<[u8]>::to_vec).collect();
        if frames.is_empty() {
            return Err(format!("{}: no frames decoded", clip.display()));
        }
        Ok(Self {
            width,
            height,
            frames,
        })
    }

    /// Writes the frames to a file the harness reads back on devices without FFmpeg.
    pub fn save(&self, path: &Path) -> Result<(), String> {
        let mut f = std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut header = MAGIC.to_vec();
        for v in [self.width, self.height, self.frames.len()] {
            header.extend_from_slice(&(v as u32).to_le_bytes());
        }
        f.write_all(&header).map_err(|e| e.to_string())?;
        for fr in &self.frames {
            f.write_all(fr).map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    pub fn load(path: &Path) -> Result<Self, String> {
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|mut f| f.read_to_end(&mut bytes))
            .map_err(|e| format!("{}: {e}", path.display()))?;
        if bytes.len() < 20 || &bytes[..8] != MAGIC {
            return Err(format!("{}: not a frames file", path.display()));
        }
        let u = |i: usize| {
            u32::from_le_bytes(bytes[8 + 4 * i..12 + 4 * i].try_into().unwrap_or([0; 4])) as usize
        };
        let (width, height, n) = (u(0), u(1), u(2));
        let size = width * height * 3;
        let body = &bytes[20..];
        if size == 0 || body.len() < size * n {
            return Err(format!("{}: truncated frames file", path.display()));
        }
        Ok(Self {
            width,
            height,
            frames: body
                .chunks_exact(size)
                .take(n)
                .map(<[u8]>::to_vec)
                .collect(),
        })
    }
}

/// NV21 planes of one frame: Y then interleaved V, U.
pub struct Nv21 {
    pub y: Vec<u8>,
    pub vu: Vec<u8>,
    pub width: usize,
    pub height: usize,
}

impl Nv21 {
    /// The SDK's view of these planes (tightly packed rows).
    pub fn frame(&self) -> Result<movinet::Frame<'_>, String> {
        movinet::Frame::nv21(
            &self.y,
            self.width,
            &self.vu,
            self.width.div_ceil(2) * 2,
            self.width,
            self.height,
        )
        .map_err(|e| e.to_string())
    }
}

/// RGB to NV21, BT.601 video range, chroma averaged over each 2x2 block: the tests' encoder
/// (`movinet_tests::rgb_to_yuv420`), so the benchmarks and the tests feed the same frames.
pub fn rgb_to_nv21(rgb: &[u8], width: usize, height: usize) -> Nv21 {
    let yuv = movinet_tests::rgb_to_yuv420(rgb, width, height);
    Nv21 {
        vu: yuv.vu_interleaved(width.div_ceil(2) * 2),
        y: yuv.y,
        width,
        height,
    }
}
