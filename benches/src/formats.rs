//! Preprocessing cost per pixel format: the same clip frames as NV21, RGB888, RGBA8888 and
//! BGRA8888 at camera size (1280x720) and at a small video size (340x256), each into the
//! model's input as the SDK writes it, measured in alternating blocks in one process (so
//! machine noise hits every format alike). Twice: with twelve frames cycled, so that a frame
//! is read again only after ~140 MB of others (as a camera's frames arrive: from memory, not
//! from the cache), and with one frame read again and again (the computation alone).

use std::time::Instant;

use movinet::{Crop, Frame, InputValue, Preprocessor};
use serde::{Deserialize, Serialize};

use crate::camera::{rgb_to_nv21, Nv21, RgbFrames};
use crate::stats::Samples;

/// One format at one size.
#[derive(Serialize, Deserialize, Clone)]
pub struct FormatRow {
    pub format: String,
    pub width: usize,
    pub height: usize,
    /// Frames from memory.
    pub p50_ms: f64,
    pub p90_ms: f64,
    /// p50 over the NV21 p50 at the same size.
    pub vs_nv21: f64,
    /// The same frame every time (in cache).
    pub cached_p50_ms: f64,
    pub cached_vs_nv21: f64,
}

/// The frames of one size in every format.
struct Sized {
    width: usize,
    height: usize,
    nv21: Vec<Nv21>,
    rgb: Vec<Vec<u8>>,
    rgba: Vec<Vec<u8>>,
    bgra: Vec<Vec<u8>>,
}

impl Sized {
    fn new(frames: &[Vec<u8>], width: usize, height: usize) -> Self {
        let packed = |order: [usize; 3]| -> Vec<Vec<u8>> {
            frames
                .iter()
                .map(|f| {
                    f.chunks_exact(3)
                        .flat_map(|p| [p[order[0]], p[order[1]], p[order[2]], 255])
                        .collect()
                })
                .collect()
        };
        Self {
            width,
            height,
            nv21: frames
                .iter()
                .map(|f| rgb_to_nv21(f, width, height))
                .collect(),
            rgb: frames.to_vec(),
            rgba: packed([0, 1, 2]),
            bgra: packed([2, 1, 0]),
        }
    }

    fn frame(&self, format: usize, i: usize) -> Frame<'_> {
        let (w, h) = (self.width, self.height);
        let k = i % self.rgb.len();
        match format {
            0 => self.nv21[k].frame().expect("NV21 frame"),
            1 => Frame::rgb888(&self.rgb[k], w, h, w * 3).expect("RGB888 frame"),
            2 => Frame::rgba8888(&self.rgba[k], w, h, w * 4).expect("RGBA8888 frame"),
            _ => Frame::bgra8888(&self.bgra[k], w, h, w * 4).expect("BGRA8888 frame"),
        }
    }
}

const FORMATS: [&str; 4] = ["NV21", "RGB888", "RGBA8888", "BGRA8888"];

/// Area-average downscale of packed RGB (the small size's frames, without FFmpeg).
pub fn downscale(rgb: &[u8], w: usize, h: usize, ow: usize, oh: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(ow * oh * 3);
    for oy in 0..oh {
        let (y0, y1) = (oy * h / oh, ((oy + 1) * h / oh).max(oy * h / oh + 1));
        for ox in 0..ow {
            let (x0, x1) = (ox * w / ow, ((ox + 1) * w / ow).max(ox * w / ow + 1));
            let mut sum = [0u32; 3];
            for y in y0..y1 {
                for x in x0..x1 {
                    for (c, s) in sum.iter_mut().enumerate() {
                        *s += u32::from(rgb[(y * w + x) * 3 + c]);
                    }
                }
            }
            let n = ((y1 - y0) * (x1 - x0)) as u32;
            out.extend(sum.map(|s| ((s + n / 2) / n) as u8));
        }
    }
    out
}

/// Every format at 1280x720 (the frames given) and 340x256, into `out` x `out` values of type
/// `T` (what the model takes), `n` frames each.
pub fn measure<T: InputValue>(frames: &RgbFrames, out: usize, n: usize) -> Vec<FormatRow> {
    // Twelve frames of each format and size: reading one again comes after ~140 MB of others.
    let frames = RgbFrames {
        width: frames.width,
        height: frames.height,
        frames: frames
            .frames
            .iter()
            .take(
                std::env::var("FMT_N")
                    .ok()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(12),
            )
            .cloned()
            .collect(),
    };
    let small: Vec<Vec<u8>> = frames
        .frames
        .iter()
        .map(|f| downscale(f, frames.width, frames.height, 340, 256))
        .collect();
    let sizes = [
        Sized::new(&frames.frames, frames.width, frames.height),
        Sized::new(&small, 340, 256),
    ];
    let mut buf = vec![T::default(); out * out * 3];
    let mut pre = [0, 1].map(|_| {
        FORMATS.map(|_| Preprocessor::new(out, out, Crop::CenterSquare).expect("output size"))
    });
    // [cycled, cached][size][format]
    let mut times = vec![vec![vec![Vec::with_capacity(n); FORMATS.len()]; sizes.len()]; 2];
    let block = 10;
    let mut i = 0;
    while times[0][0][0].len() < n {
        for (s, sized) in sizes.iter().enumerate() {
            for f in 0..FORMATS.len() {
                for (mode, times) in times.iter_mut().enumerate() {
                    for k in 0..block {
                        let frame = sized.frame(f, if mode == 0 { i + k } else { i });
                        let t0 = Instant::now();
                        pre[s][f].run(&frame, &mut buf).expect("preprocess");
                        let t = t0.elapsed();
                        std::hint::black_box(&buf);
                        // The first block warms up; a cached block's first read loads it.
                        if i > 0 && (mode == 0 || k > 0) {
                            times[s][f].push(t);
                        }
                    }
                }
            }
        }
        i += block;
    }
    let median = |t: &[std::time::Duration]| Samples::from_durations(t).median();
    let mut rows = Vec::new();
    for (s, sized) in sizes.iter().enumerate() {
        let (nv21, nv21_cached) = (median(&times[0][s][0]), median(&times[1][s][0]));
        for (f, name) in FORMATS.iter().enumerate() {
            let t = Samples::from_durations(&times[0][s][f]);
            let cached = median(&times[1][s][f]);
            rows.push(FormatRow {
                format: (*name).into(),
                width: sized.width,
                height: sized.height,
                p50_ms: t.median(),
                p90_ms: t.percentile(90.0),
                vs_nv21: t.median() / nv21,
                cached_p50_ms: cached,
                cached_vs_nv21: cached / nv21_cached,
            });
        }
    }
    rows
}
