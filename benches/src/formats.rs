//! Preprocessing cost per pixel format: the same clip frames as NV21, RGB888, RGBA8888 and
//! BGRA8888 at camera size (1280x720) and at a small video size (340x256), each into the
//! model's input as the SDK writes it, measured in alternating blocks in one process (so
//! machine noise hits every format alike). Twice: from memory, twelve frames cycled and each
//! flushed from every cache level before it is read (as a camera's frames arrive, by DMA;
//! [`crate::cache::evict`]), and in cache, one frame read again and again (the computation
//! alone).
//!
//! Each format's pass runs twice, alternating: with the SIMD kernels this CPU has (AVX2 on
//! x86-64, NEON on aarch64; what an app runs) and with the portable code alone
//! (`CpuExtensions::None`), so the table shows what the kernels buy.
//!
//! At camera size each format also gets two floor rows, so the table shows how much of a
//! format's time from memory is the memory itself: a read floor, a loop that only reads one
//! byte of every cache line the preprocessor reads (the same rows and column span, in the same
//! order), and a fetch floor, a loop that only hints those lines into the cache, in the same
//! order, with the pass's own hints (how fast they arrive when nothing else runs).

use std::time::Instant;

use movinet::{tooling, CpuExtensions, Crop, Frame, InputValue, Preprocessor};
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
    /// A portable-pass row: its p50 over the SIMD pass's, from memory and in cache.
    #[serde(default)]
    pub vs_simd: Option<[f64; 2]>,
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

    /// The planes of frame `i` in `format`.
    fn planes(&self, format: usize, i: usize) -> [&[u8]; 2] {
        let k = i % self.rgb.len();
        match format {
            0 => [&self.nv21[k].y, &self.nv21[k].vu],
            1 => [&self.rgb[k], &[]],
            2 => [&self.rgba[k], &[]],
            _ => [&self.bgra[k], &[]],
        }
    }
}

/// Reads one byte of every cache line of `spans` in `planes`, in order: the floor of a pass
/// that reads them.
fn read_lines(planes: [&[u8]; 2], spans: &[(usize, usize, usize)]) -> u64 {
    let mut sum = 0u64;
    for &(plane, start, len) in spans {
        let bytes = &planes[plane][start..start + len];
        // The first byte in each cache line the range touches.
        let skip = (LINE - bytes.as_ptr() as usize % LINE) % LINE;
        sum += u64::from(bytes[0]);
        for b in bytes.iter().skip(skip).step_by(LINE) {
            sum += u64::from(*b);
        }
    }
    sum
}

/// Hints every cache line of `spans` in `planes` into the cache, in order, with the SDK's own
/// hints, and reads nothing: how fast the lines a pass reads arrive with hints alone and no
/// work between them. With `pages` it also hints the pages of the span 16 places ahead (about
/// 8 output rows), as the RGB pass does; the YUV pass hints no pages.
fn fetch_lines(planes: [&[u8]; 2], spans: &[(usize, usize, usize)], pages: bool) {
    const PAGES_AHEAD: usize = 16;
    let bytes = |&(plane, start, len): &(usize, usize, usize)| &planes[plane][start..start + len];
    if pages {
        spans
            .iter()
            .take(PAGES_AHEAD)
            .for_each(|s| tooling::hint_pages(bytes(s)));
    }
    for (k, span) in spans.iter().enumerate() {
        if let Some(later) = spans.get(k + PAGES_AHEAD).filter(|_| pages) {
            tooling::hint_pages(bytes(later));
        }
        tooling::hint_lines(bytes(span));
    }
}

const FORMATS: [&str; 4] = ["NV21", "RGB888", "RGBA8888", "BGRA8888"];

/// The rows of each format: its pass with the SIMD kernels, its portable pass, and at camera
/// size its read floor and its fetch floor (row `kind * FORMATS.len() + format`).
const KINDS: usize = 4;
const PASS: usize = 0;
const PORTABLE: usize = 1;
const READ_FLOOR: usize = 2;
/// The kinds that run a pass (the others are floors, measured in a loop of their own).
const PASSES: usize = 2;

/// Bytes of a cache line.
const LINE: usize = 64;

/// The byte ranges (plane, start, length) that preprocessing a frame of `format` into
/// `out` x `out` with the centre-square crop reads, in the order it reads them: per output
/// row, its two source rows (OpenCV's `INTER_LINEAR` taps, as the SDK's tables compute them)
/// over the crop's columns; for NV21 the two luma rows and the chroma rows of the same taps.
fn touched(format: usize, width: usize, height: usize, out: usize) -> Vec<(usize, usize, usize)> {
    let side = width.min(height);
    let (cx, cy) = ((width - side) / 2, (height - side) / 2);
    // OpenCV's vertical taps: source rows floor(pos) and floor(pos) + 1, clamped.
    let scale = 1.0 / (out as f64 / side as f64);
    let last = side as i64 - 1;
    let taps = (0..out).map(|d| {
        let pos = ((d as f64 + 0.5) * scale - 0.5) as f32;
        let s = pos.floor() as i64;
        [s.clamp(0, last), (s + 1).clamp(0, last)].map(|r| cy + r as usize)
    });
    // The columns the horizontal taps reach: the crop's first to its last.
    let (x0, x1) = (cx, cx + side);
    let mut spans = Vec::new();
    let mut last_rows = [usize::MAX; 2];
    for rows in taps {
        if format == 0 {
            for r in rows {
                spans.push((0, r * width + x0, x1 - x0));
            }
            let chroma_stride = width.div_ceil(2) * 2;
            let [c0, c1] = rows.map(|r| r / 2);
            for r in if c0 == c1 { vec![c0] } else { vec![c0, c1] } {
                spans.push((1, r * chroma_stride + x0 / 2 * 2, (x1 - x0).div_ceil(2) * 2));
            }
        } else {
            // The RGB pass keeps a source line it read for the next output row.
            let bpp = if format == 1 { 3 } else { 4 };
            for r in rows {
                if !last_rows.contains(&r) {
                    spans.push((0, r * width * bpp + x0 * bpp, (x1 - x0) * bpp));
                }
            }
            last_rows = rows;
        }
    }
    spans
}

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
    // Twelve frames of each format and size, each flushed from the caches before it is read.
    let frames = RgbFrames {
        width: frames.width,
        height: frames.height,
        frames: frames.frames.iter().take(12).cloned().collect(),
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
    // Per size, per pass row (SIMD, then portable, each per format).
    let mut pre: Vec<Vec<Preprocessor>> = (0..sizes.len())
        .map(|_| {
            (0..PASSES * FORMATS.len())
                .map(|f| {
                    let mut p =
                        Preprocessor::new(out, out, Crop::CenterSquare).expect("output size");
                    if f / FORMATS.len() == PORTABLE {
                        p.set_cpu_extensions(CpuExtensions::None).expect("portable");
                    }
                    p
                })
                .collect()
        })
        .collect();
    // The cache lines each format's pass reads at camera size (the floor rows).
    let spans = [0, 1, 2, 3].map(|f| touched(f, sizes[0].width, sizes[0].height, out));
    // [cycled, cached][size][row: pass, portable pass, then at camera size the floors]
    let kinds = |s: usize| FORMATS.len() * if s == 0 { KINDS } else { PASSES };
    let mut times: Vec<Vec<Vec<_>>> = (0..2)
        .map(|_| {
            (0..sizes.len())
                .map(|s| vec![Vec::with_capacity(n); kinds(s)])
                .collect()
        })
        .collect();
    // The passes first, then the floors in a loop of their own: reading a frame's lines just
    // before a pass reads them again would warm them for it (measured: every format from
    // memory 10-35% faster with the floors in the same loop).
    let block = 10;
    for floors in [false, true] {
        let mut i = 0;
        let first = if floors { READ_FLOOR } else { PASS } * FORMATS.len();
        while times[0][0][first].len() < n {
            for (s, sized) in sizes.iter().enumerate() {
                let passes = PASSES * FORMATS.len();
                let range = if floors { passes..kinds(s) } else { 0..passes };
                for f in range {
                    for (mode, times) in times.iter_mut().enumerate() {
                        for k in 0..block {
                            let at = if mode == 0 { i + k } else { i };
                            if mode == 0 {
                                // From memory: in no cache, as a camera's frame.
                                crate::cache::evict(&sized.planes(f % FORMATS.len(), at));
                            }
                            let t0 = Instant::now();
                            let format = f % FORMATS.len();
                            match f / FORMATS.len() {
                                PASS | PORTABLE => {
                                    let frame = sized.frame(format, at);
                                    pre[s][f].run(&frame, &mut buf).expect("preprocess");
                                }
                                READ_FLOOR => {
                                    let planes = sized.planes(format, at);
                                    std::hint::black_box(read_lines(planes, &spans[format]));
                                }
                                _ => {
                                    let planes = sized.planes(format, at);
                                    fetch_lines(planes, &spans[format], format != 0);
                                }
                            }
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
    }
    let median = |t: &[std::time::Duration]| Samples::from_durations(t).median();
    let mut rows = Vec::new();
    for (s, sized) in sizes.iter().enumerate() {
        for f in 0..kinds(s) {
            // Portable and floor rows compare with NV21's row of the same kind.
            let base = f / FORMATS.len() * FORMATS.len();
            let (nv21, nv21_cached) = (median(&times[0][s][base]), median(&times[1][s][base]));
            let name = FORMATS[f % FORMATS.len()];
            let t = Samples::from_durations(&times[0][s][f]);
            let cached = median(&times[1][s][f]);
            rows.push(FormatRow {
                format: match f / FORMATS.len() {
                    PASS => name.into(),
                    PORTABLE => format!("{name} portable (no SIMD kernels)"),
                    READ_FLOOR => format!("{name} read floor (reads only)"),
                    _ => format!("{name} fetch floor (hints only)"),
                },
                width: sized.width,
                height: sized.height,
                p50_ms: t.median(),
                p90_ms: t.percentile(90.0),
                vs_nv21: t.median() / nv21,
                cached_p50_ms: cached,
                cached_vs_nv21: cached / nv21_cached,
                vs_simd: (f / FORMATS.len() == PORTABLE).then(|| {
                    let simd = f % FORMATS.len();
                    [
                        t.median() / median(&times[0][s][simd]),
                        cached / median(&times[1][s][simd]),
                    ]
                }),
            });
        }
    }
    rows
}
