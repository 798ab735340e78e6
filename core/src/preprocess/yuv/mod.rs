//! The YUV 4:2:0 path (NV21, NV12, I420, YUV_420_888): Y, U and V interpolated at the same
//! positions, each chroma sample standing for its 2x2 luma block, with weights in 1/256; each
//! output pixel is then converted to RGB once (BT.601 or BT.709, video or full range).
//!
//! The portable pass is here; the interpolation and conversion of a line has a SIMD kernel per
//! instruction set (`avx2`, `neon`), eight output pixels at a time, with the same arithmetic.

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "aarch64")]
mod neon;

#[cfg(target_arch = "x86_64")]
use avx2::convert as convert_wide;
#[cfg(target_arch = "aarch64")]
use neon::convert as convert_wide;

use super::geometry::Tap;
use super::prefetch::Ahead;
use super::{CpuExtensions, InputValue};
use crate::error::{Error, Result};
use crate::frame::{ColorMatrix, Frame, PixelFormat, YuvRange};

/// The YUV pass. Of the two output axes, one reads source rows (the output rows, or the
/// output columns when the rotation is 90 or 270 degrees): for each index on it, the two
/// source rows it reads are blended, per channel, over the samples the crop needs
/// (contiguously, vectorised). Then each output pixel along the other axis reads two
/// neighbouring blended samples per channel: a pair of u16 taken as one word (eight at a time
/// by the SIMD kernel: AVX2 gathers, NEON lane loads; or copied into a contiguous line of
/// pairs), interpolated and
/// converted to R, G, B levels, interleaved into one line that is written out. Weights are in
/// 1/256 (the RGB path keeps OpenCV's 1/2048); the conversion (f32) gives uint8 levels, as the
/// RGB path does.
#[derive(Debug, Clone, Default)]
pub(super) struct YuvPlan {
    /// Whether the blended lines are output rows (rotation 0 or 180).
    lines_are_rows: bool,
    /// Per channel (Y, U, V): where its samples lie in a row of its plane.
    chans: [Chan; 3],
    /// Per index along the line axis: per channel, the byte offsets of the two source rows,
    /// and their weights.
    lines: Vec<([[usize; 2]; 3], [u16; 2])>,
    /// Per index along the other axis: the lower of its two luma samples in the blended
    /// line, and the weights of both (1/256, low half the lower's); the same for chroma (U
    /// and V share them).
    luma_at: Vec<u32>,
    luma_w: Vec<u32>,
    chroma_at: Vec<u32>,
    chroma_w: Vec<u32>,
    /// Blended lines, one per channel, x 256 less 32768 (one spare sample at the end:
    /// samples are read in pairs, the spare one with weight 0).
    blended: [Vec<u16>; 3],
    /// The pairs each output pixel reads, per channel, for one line (the portable build, and
    /// lines shorter than the SIMD kernels' eight pixels).
    pairs: [Vec<u32>; 3],
    /// One line of output as R, G, B levels, interleaved (16 spare bytes: the AVX2 kernel
    /// stores 16 bytes at a time).
    levels: Vec<u8>,
}

/// Where one channel's samples lie in a row of its plane.
#[derive(Debug, Clone, Copy, Default)]
struct Chan {
    /// The plane (0 for Y; 1 for U, or for the interleaved chroma of NV21/NV12; 2 for V).
    plane: usize,
    /// Which table plane's row offsets it takes (`Tap::off`).
    table: usize,
    /// First byte of the first sample the crop reads, from the start of a row.
    start: usize,
    /// Bytes from one sample to the next.
    stride: usize,
    /// Samples blended per line.
    len: usize,
}

/// How many lines ahead the source rows are hinted: two measured 2-5% faster than one on
/// 1280x720 NV21 frames from memory (the RGB path, with more bytes a line, prefers one).
const AHEAD: usize = 2;

/// An OpenCV weight pair (1/2048) in 1/256.
fn weights_256([_, w1]: [i32; 2]) -> [i32; 2] {
    let w1 = (w1 + 4) >> 3;
    [256 - w1, w1]
}

/// A pair of neighbouring samples `(at, at + 1)`, as the index of the lower and both weights
/// (1/256, packed: the lower's in the low half), from the two taps' offsets (`stride` bytes a
/// sample, `start` the first) and the tap weight pair. Taps on one sample read it and the
/// next with weight 0; mirrored frames read their taps downwards.
fn pair(off: [usize; 2], w: [i32; 2], start: usize, stride: usize) -> Option<(u32, u32)> {
    let [w0, w1] = weights_256(w);
    let [o0, o1] = off.map(|o| o.checked_sub(start).map(|o| o / stride));
    let (o0, o1) = (o0?, o1?);
    let (at, upper) = if o1 == o0 {
        (o0, 0)
    } else if o1 == o0 + 1 {
        (o0, w1)
    } else if o0 == o1 + 1 {
        (o1, w0)
    } else {
        return None;
    };
    let packed = (256 - upper) as u32 | (upper as u32) << 16;
    Some((u32::try_from(at).ok()?, packed))
}

impl YuvPlan {
    pub fn plan(&mut self, frame: &Frame<'_>, rows: &[Tap], cols: &[Tap]) -> Result<()> {
        self.lines_are_rows = !frame.rotation().swaps_axes();
        let (lines, samples) = if self.lines_are_rows {
            (rows, cols)
        } else {
            (cols, rows)
        };
        let stride = |p: usize| frame.planes().get(p).map_or(1, |p| p.pixel_stride.max(1));
        // Channel -> (plane, table plane, byte shift within the plane's pixel).
        let chan: [(usize, usize, usize); 3] = match frame.format() {
            PixelFormat::Nv21 => [(0, 0, 0), (1, 1, 1), (1, 2, 0)],
            PixelFormat::Nv12 => [(0, 0, 0), (1, 1, 0), (1, 2, 1)],
            _ => [(0, 0, 0), (1, 1, 0), (2, 2, 0)],
        };
        for (c, &(plane, table, shift)) in chan.iter().enumerate() {
            let offsets = samples.iter().flat_map(|t| t.off[table]);
            let lo = offsets.clone().min().unwrap_or(0);
            let hi = offsets.max().unwrap_or(0);
            let stride = if c == 0 { 1 } else { stride(plane) };
            self.chans[c] = Chan {
                plane,
                table,
                start: lo + shift,
                stride,
                len: (hi - lo) / stride + 1,
            };
            self.blended[c].clear();
            self.blended[c].resize(self.chans[c].len + 1, 0);
        }
        self.lines.clear();
        self.lines.extend(lines.iter().map(|t| {
            let [w0, w1] = weights_256(t.w);
            (t.off, [w0 as u16, w1 as u16])
        }));
        let (luma, chroma) = (self.chans[0], self.chans[1]);
        let mut fits = true;
        (self.luma_at, self.luma_w) = samples
            .iter()
            .map(|t| {
                pair(t.off[0], t.w, luma.start, luma.stride).unwrap_or_else(|| {
                    fits = false;
                    (0, 0)
                })
            })
            .unzip();
        // Subsampled chroma taps are pairs of equal or neighbouring samples too, weighted as
        // the luma ones (each chroma sample stands for its 2x2 block). The index is the same
        // for U and V.
        (self.chroma_at, self.chroma_w) = samples
            .iter()
            .map(|t| {
                let start = chroma.start - chan[1].2;
                pair(t.off[chroma.table], t.w, start, chroma.stride).unwrap_or_else(|| {
                    fits = false;
                    (0, 0)
                })
            })
            .unzip();
        for p in &mut self.pairs {
            p.clear();
            p.resize(samples.len(), 0);
        }
        self.levels.clear();
        self.levels.resize(3 * samples.len() + 16, 0);
        // `run` reads the blended lines at these indices without bounds checks: this is the
        // check, once per frame geometry.
        let inside = |at: &[u32], len: usize| at.iter().all(|&a| (a as usize) < len);
        fits &= inside(&self.luma_at, self.chans[0].len)
            && inside(&self.chroma_at, self.chans[1].len.min(self.chans[2].len));
        if fits {
            Ok(())
        } else {
            Err(Error::InvalidFrame(
                "internal error: a sample falls outside the rows read; please report it".into(),
            ))
        }
    }

    /// The pass with `cpu`'s kernel (`Preprocessor` checked that it runs here).
    pub fn run<T: InputValue>(
        &mut self,
        cpu: CpuExtensions,
        data: [&[u8]; 3],
        color: (YuvRange, ColorMatrix),
        out_width: usize,
        out: &mut [T],
    ) {
        match cpu {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `Preprocessor` accepts `Avx2` only on a CPU that has it.
            CpuExtensions::Avx2 => unsafe { self.run_avx2(data, color, out_width, out) },
            #[cfg(target_arch = "aarch64")]
            // SAFETY: `Preprocessor` accepts `Neon` only on a CPU that has it.
            CpuExtensions::Neon => unsafe { self.run_neon(data, color, out_width, out) },
            _ => self.run_portable::<false, T>(data, color, out_width, out),
        }
    }

    /// The same code compiled for AVX2, with `avx2::convert`: the blends and the colour
    /// conversion vectorise twice as wide. Integer and plain float arithmetic (no fused
    /// multiply-add), so the results are the same bits as the portable build's.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn run_avx2<T: InputValue>(
        &mut self,
        data: [&[u8]; 3],
        color: (YuvRange, ColorMatrix),
        out_width: usize,
        out: &mut [T],
    ) {
        self.run_portable::<true, T>(data, color, out_width, out)
    }

    /// The same code with `neon::convert` (NEON is aarch64's baseline: the portable build's
    /// blends are NEON already). The same bits as the portable build's.
    #[cfg(target_arch = "aarch64")]
    #[target_feature(enable = "neon")]
    unsafe fn run_neon<T: InputValue>(
        &mut self,
        data: [&[u8]; 3],
        color: (YuvRange, ColorMatrix),
        out_width: usize,
        out: &mut [T],
    ) {
        self.run_portable::<true, T>(data, color, out_width, out)
    }

    /// The pass; `WIDE` (from `run_avx2` or `run_neon` only) interpolates and converts with
    /// the architecture's kernel (`convert_wide`).
    #[inline(always)]
    pub fn run_portable<const WIDE: bool, T: InputValue>(
        &mut self,
        data: [&[u8]; 3],
        color: (YuvRange, ColorMatrix),
        out_width: usize,
        out: &mut [T],
    ) {
        let k = Levels::new(color.0, color.1);
        let Self {
            lines_are_rows,
            chans,
            lines,
            luma_at,
            luma_w,
            chroma_at,
            chroma_w,
            blended,
            pairs,
            levels,
        } = self;
        // The interleaved chroma of NV21/NV12 is one plane read by two channels.
        let shared = chans[2].plane == chans[1].plane;
        let n = luma_at.len();
        // Queues the source rows of line `a`.
        let queue = |ahead: &mut Ahead, a: usize| {
            let Some((rows, _)) = lines.get(a) else {
                return;
            };
            for (c, ch) in chans.iter().enumerate() {
                if c == 2 && shared {
                    continue;
                }
                // Interleaved chroma: from the first byte of either channel.
                let (start, bytes) = if c == 1 && shared {
                    let s = ch.start.min(chans[2].start);
                    (s, (ch.len - 1) * ch.stride + 2)
                } else {
                    (ch.start, (ch.len - 1) * ch.stride + 1)
                };
                for r in rows[ch.table] {
                    if let Some(row) = data[ch.plane].get(r + start..r + start + bytes) {
                        ahead.add(row);
                    }
                }
            }
        };
        // The first lines' rows at once; then the source rows of the line `AHEAD` on load
        // while a line is computed (see `prefetch`).
        let mut ahead = Ahead::new();
        for a in 0..AHEAD {
            ahead.clear();
            queue(&mut ahead, a);
            ahead.finish();
        }
        for (a, (rows, w)) in lines.iter().enumerate() {
            ahead.clear();
            queue(&mut ahead, a + AHEAD);
            // A share after each blend, every 32 pixels of the SIMD kernel, after the rest.
            ahead.spread(4 + n / 32);
            for (ch, line) in chans.iter().zip(blended.iter_mut()) {
                let [r0, r1] = rows[ch.table];
                let src = data[ch.plane];
                let bytes = (ch.len - 1) * ch.stride + 1;
                let row = |r: usize| src.get(r + ch.start..r + ch.start + bytes).unwrap_or(&[]);
                blend(row(r0), row(r1), ch.stride, *w, &mut line[..ch.len]);
                ahead.step();
            }
            let [by, bu, bv] = blended.each_ref().map(|b| &b[..]);
            #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
            let done = if WIDE {
                // SAFETY: `WIDE` only from `run_avx2` or `run_neon`, on a CPU that runs the
                // kernel; `plan` checked the indices, and `levels` holds `3 * n + 16` bytes.
                unsafe {
                    convert_wide(
                        &k,
                        [by, bu, bv],
                        (luma_at, luma_w),
                        (chroma_at, chroma_w),
                        levels,
                        &mut ahead,
                    )
                }
            } else {
                0
            };
            #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
            let done = 0;
            // The pixels the kernel left (all of them in the portable build).
            for (c, (line, out)) in [by, bu, bv].into_iter().zip(pairs.iter_mut()).enumerate() {
                let at = if c == 0 { &*luma_at } else { &*chroma_at };
                gather_pairs(line, &at[done..n], &mut out[done..n]);
            }
            let [py, pu, pv] = pairs.each_ref().map(|p| &p[done..n]);
            convert(
                &k,
                [py, pu, pv],
                (&luma_w[done..n], &chroma_w[done..n]),
                &mut levels[3 * done..3 * n],
            );
            ahead.step();
            // R, G, B interleaved: along an output row, or down an output column.
            let levels = &levels[..3 * n];
            if *lines_are_rows {
                let line = &mut out[a * out_width * 3..][..out_width * 3];
                for (o, &l) in line.iter_mut().zip(levels) {
                    *o = T::from_level(i32::from(l));
                }
            } else {
                let line = out.get_mut(a * 3..).unwrap_or(&mut []);
                for (px, l) in line.chunks_mut(out_width * 3).zip(levels.chunks_exact(3)) {
                    for (o, &l) in px.iter_mut().zip(l) {
                        *o = T::from_level(i32::from(l));
                    }
                }
            }
            ahead.finish();
        }
    }
}

/// `out[k] = a[k * stride] * w0 + b[k * stride] * w1 - 32768`: two source rows' samples
/// blended exactly (weights summing to 256: at most 255 * 256), less 32768 so that the value
/// is an i16 for the interpolation that follows. Contiguous for Y and planar chroma, every
/// other byte for interleaved chroma.
#[inline(always)]
fn blend(a: &[u8], b: &[u8], stride: usize, [w0, w1]: [u16; 2], out: &mut [u16]) {
    let mix = |a: u8, b: u8| (u16::from(a) * w0 + u16::from(b) * w1) ^ 0x8000;
    match stride {
        1 => {
            for (o, (&a, &b)) in out.iter_mut().zip(a.iter().zip(b)) {
                *o = mix(a, b);
            }
        }
        2 => {
            // Whole pairs of bytes (vectorised), then the last sample, possibly alone.
            let n = out.len().saturating_sub(1);
            let (a2, b2) = (a.get(..2 * n).unwrap_or(&[]), b.get(..2 * n).unwrap_or(&[]));
            for (o, (a, b)) in out
                .iter_mut()
                .zip(a2.chunks_exact(2).zip(b2.chunks_exact(2)))
            {
                *o = mix(a[0], b[0]);
            }
            if let (Some(o), Some(&a), Some(&b)) = (out.last_mut(), a.get(2 * n), b.get(2 * n)) {
                *o = mix(a, b);
            }
        }
        _ => {
            for (o, (&a, &b)) in out
                .iter_mut()
                .zip(a.iter().step_by(stride).zip(b.iter().step_by(stride)))
            {
                *o = mix(a, b);
            }
        }
    }
}

/// For each output pixel, the blended samples `at` and `at + 1` as one word (low half the
/// first, on this little-endian layout: one 32-bit load).
#[inline(always)]
fn gather_pairs(line: &[u16], at: &[u32], out: &mut [u32]) {
    let base = line.as_ptr();
    for (o, &i) in out.iter_mut().zip(at) {
        // SAFETY: `plan` checked every index to be below the blended length, and the lines
        // hold one sample more than that: both u16 are inside `line`.
        let pair = unsafe { base.add(i as usize).cast::<u32>().read_unaligned() };
        *o = if cfg!(target_endian = "little") {
            pair
        } else {
            pair.rotate_left(16)
        };
    }
}

/// Interpolates each output pixel's Y, U and V from their pairs and converts them to R, G and
/// B levels, interleaved.
#[inline(always)]
fn convert(
    k: &Levels,
    [y, u, v]: [&[u32]; 3],
    (luma_w, chroma_w): (&[u32], &[u32]),
    rgb: &mut [u8],
) {
    for (((y, u), v), ((wy, wc), px)) in y
        .iter()
        .zip(u.iter())
        .zip(v.iter())
        .zip(luma_w.iter().zip(chroma_w).zip(rgb.chunks_exact_mut(3)))
    {
        px.copy_from_slice(&k.levels(lerp(*y, *wy), lerp(*u, *wc), lerp(*v, *wc)));
    }
}

/// a * (256 - w) + b * w, exactly (so that the result does not depend on which axis was
/// blended first: a rotated frame gives the upright frame's bits), on the blended samples less
/// 32768 (i16 values and weights: 16-bit multiplications), the 32768 * 256 added back: the
/// sample x 65536, at most 255 * 65536, exact in an f32.
#[inline(always)]
fn lerp(pair: u32, w: u32) -> f32 {
    let half = |x: u32, k: u32| i32::from((x >> k) as u16 as i16);
    (half(pair, 0) * half(w, 0) + half(pair, 16) * half(w, 16) + (1 << 23)) as f32
}

/// YUV to RGB levels (BT.601 or BT.709, video or full range), for samples x 65536 (the exact
/// bilinear sums), in f32: plain multiplications and additions (no fused multiply-add, so
/// every build gives the same bits), rounded to the nearest level. Accurate to about 1e-4 of a
/// level, so the level is the exact conversion's rounded, but for values within that of a half.
struct Levels {
    y: f32,
    rv: f32,
    gu: f32,
    gv: f32,
    bu: f32,
    r0: f32,
    g0: f32,
    b0: f32,
}

impl Levels {
    fn new(range: YuvRange, matrix: ColorMatrix) -> Self {
        // R = ky (Y - y0) + kr V', G = ky (Y - y0) - kgu U' - kgv V', B = ky (Y - y0) + kb U'
        // with U' = U - 128, V' = V - 128, from the matrix's luma weights Kr and Kb
        // (Kg = 1 - Kr - Kb): kr = 2 (1 - Kr), kb = 2 (1 - Kb), kgu = 2 Kb (1 - Kb) / Kg,
        // kgv = 2 Kr (1 - Kr) / Kg.
        let (ky, y0, c) = match range {
            YuvRange::Video => (255.0 / 219.0, 16.0, 255.0 / 224.0),
            YuvRange::Full => (1.0, 0.0, 1.0),
        };
        let (kr, kgu, kgv, kb) = match matrix {
            // BT.601 (Kr 0.299, Kb 0.114) written as it always was, so its bits stay.
            ColorMatrix::Bt601 => (
                1.402 * c,
                0.202008 / 0.587 * c,
                0.419198 / 0.587 * c,
                1.772 * c,
            ),
            ColorMatrix::Bt709 => {
                let (r, b) = (0.2126, 0.0722);
                let g = 1.0 - r - b;
                (
                    2.0 * (1.0 - r) * c,
                    2.0 * b * (1.0 - b) / g * c,
                    2.0 * r * (1.0 - r) / g * c,
                    2.0 * (1.0 - b) * c,
                )
            }
        };
        let s = 1.0 / f64::from(1u32 << 16);
        Self {
            y: (ky * s) as f32,
            rv: (kr * s) as f32,
            gu: (-kgu * s) as f32,
            gv: (-kgv * s) as f32,
            bu: (kb * s) as f32,
            r0: (-ky * y0 - kr * 128.0) as f32,
            g0: (-ky * y0 + (kgu + kgv) * 128.0) as f32,
            b0: (-ky * y0 - kb * 128.0) as f32,
        }
    }

    /// R, G, B levels of samples x 65536.
    #[inline(always)]
    fn levels(&self, y: f32, u: f32, v: f32) -> [u8; 3] {
        // Adding 1.5 * 2^23 to a value in [0, 255] rounds it to an integer (half to even) and
        // leaves that integer in the low bits; max/min (not clamp) take NaN, impossible here,
        // to 0.
        #[allow(clippy::manual_clamp)]
        let level = |x: f32| (x.max(0.0).min(255.0) + 12_582_912.0).to_bits() as u8;
        let y = self.y * y;
        [
            level(y + self.rv * v + self.r0),
            level(y + self.gu * u + self.gv * v + self.g0),
            level(y + self.bu * u + self.b0),
        ]
    }
}
