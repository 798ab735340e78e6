//! The YUV 4:2:0 path (NV21, NV12, I420, YUV_420_888): Y, U and V interpolated at the same
//! positions, each chroma sample standing for its 2x2 luma block, with weights in 1/256; each
//! output pixel is then converted to RGB once (BT.601, video or full range).

use super::geometry::Tap;
use super::{prefetch, InputValue};
use crate::error::{Error, Result};
use crate::frame::{Frame, PixelFormat, YuvRange};

/// The YUV pass. Of the two output axes, one reads source rows (the output rows, or the
/// output columns when the rotation is 90 or 270 degrees): for each index on it, the two
/// source rows it reads are blended over the span of columns the crop needs, contiguously
/// (vectorised); then each output pixel along the other axis reads two blended samples per
/// channel. Weights here are in 1/256 (the RGB path keeps OpenCV's 1/2048).
#[derive(Debug, Clone, Default)]
pub(super) struct YuvPlan {
    /// Whether the blended lines are output rows (rotation 0 or 180).
    lines_are_rows: bool,
    /// Planes blended: 2 (Y and the interleaved chroma of NV21/NV12) or 3 (Y, U, V).
    planes: usize,
    /// Per plane: the first byte of a row the crop reads, and how many bytes from there.
    spans: [(usize, usize); 3],
    /// Per channel (Y, U, V): the blended plane it reads.
    plane_of: [usize; 3],
    /// Per index along the line axis: per plane, the byte offsets of the two source rows.
    lines: Vec<([[usize; 2]; 3], [u16; 2])>,
    /// Per index along the other axis: the two samples of each channel in the blended span.
    samples: Vec<Sample>,
    /// Blended lines, one per plane.
    blended: [Vec<u16>; 3],
    /// One line of output in Y, U, V (x 2^16) before conversion.
    yuv: [Vec<i32>; 3],
}

/// One output pixel's taps in the blended lines: Y, U and V each at two offsets, and the
/// weight of the second (in 1/256). Kept small (28 bytes): the table is read once per pixel.
#[derive(Debug, Clone, Copy)]
struct Sample {
    at: [[u32; 2]; 3],
    w1: i32,
}

/// An OpenCV weight pair (1/2048) in 1/256.
fn weights_256([_, w1]: [i32; 2]) -> [i32; 2] {
    let w1 = (w1 + 4) >> 3;
    [256 - w1, w1]
}

impl YuvPlan {
    pub fn plan(&mut self, frame: &Frame<'_>, rows: &[Tap], cols: &[Tap]) -> Result<()> {
        self.lines_are_rows = !frame.rotation().swaps_axes();
        let (lines, samples) = if self.lines_are_rows {
            (rows, cols)
        } else {
            (cols, rows)
        };
        // Channel -> (plane blended, table plane, byte shift within the plane).
        let (planes, chan): (usize, [(usize, usize, usize); 3]) = match frame.format() {
            PixelFormat::Nv21 => (2, [(0, 0, 0), (1, 1, 1), (1, 1, 0)]),
            PixelFormat::Nv12 => (2, [(0, 0, 0), (1, 1, 0), (1, 1, 1)]),
            _ => (3, [(0, 0, 0), (1, 1, 0), (2, 2, 0)]),
        };
        self.planes = planes;
        // Table plane of each blended plane (the row offsets of U serve the VU plane).
        let table_plane = [0, 1, 2];
        let mut lo = [usize::MAX; 3];
        let mut hi = [0usize; 3];
        for t in samples {
            for &(p, tp, shift) in &chan {
                for &o in &t.off[tp] {
                    lo[p] = lo[p].min(o + shift);
                    hi[p] = hi[p].max(o + shift + 1);
                }
            }
        }
        for p in 0..planes {
            self.spans[p] = (lo[p], hi[p] - lo[p]);
            self.blended[p].clear();
            self.blended[p].resize(hi[p] - lo[p], 0);
        }
        for (c, &(p, _, _)) in chan.iter().enumerate() {
            self.plane_of[c] = p;
        }
        self.lines.clear();
        self.lines.extend(lines.iter().map(|t| {
            let mut r = [[0; 2]; 3];
            for p in 0..planes {
                r[p] = t.off[table_plane[p]];
            }
            let [w0, w1] = weights_256(t.w);
            (r, [w0 as u16, w1 as u16])
        }));
        self.samples.clear();
        self.samples.extend(samples.iter().map(|t| {
            let mut at = [[0; 2]; 3];
            for (ch, &(p, tp, shift)) in chan.iter().enumerate() {
                // Offsets within a blended span, which is at most a row of the frame: the
                // frame's checks bound rows far below 2^32 bytes.
                at[ch] = t.off[tp].map(|o| (o + shift - lo[p]) as u32);
            }
            Sample {
                at,
                w1: weights_256(t.w)[1],
            }
        }));
        for v in &mut self.yuv {
            v.clear();
            v.resize(self.samples.len(), 0);
        }
        self.samples_fit()
    }

    /// `run` reads the blended lines at the samples' offsets without bounds checks (they are
    /// a third of the per-pixel work); this is the check, once per frame geometry.
    fn samples_fit(&self) -> Result<()> {
        let fits = self.samples.iter().all(|t| {
            (0..3).all(|ch| {
                let len = self.blended[self.plane_of[ch]].len();
                t.at[ch].iter().all(|&o| (o as usize) < len)
            })
        });
        if fits {
            Ok(())
        } else {
            Err(Error::InvalidFrame(
                "internal error: a sample falls outside the rows read; please report it".into(),
            ))
        }
    }

    pub fn run<T: InputValue>(
        &mut self,
        data: [&[u8]; 3],
        range: YuvRange,
        out_width: usize,
        out: &mut [T],
    ) {
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2 (checked just above).
            return unsafe { self.run_avx2(data, range, out_width, out) };
        }
        self.run_portable(data, range, out_width, out)
    }

    /// The same code compiled for AVX2: the blends and the colour conversion vectorise
    /// twice as wide. Integer and plain float arithmetic (no fused multiply-add), so the
    /// results are the same bits as the portable build's.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn run_avx2<T: InputValue>(
        &mut self,
        data: [&[u8]; 3],
        range: YuvRange,
        out_width: usize,
        out: &mut [T],
    ) {
        self.run_portable(data, range, out_width, out)
    }

    #[inline(always)]
    pub fn run_portable<T: InputValue>(
        &mut self,
        data: [&[u8]; 3],
        range: YuvRange,
        out_width: usize,
        out: &mut [T],
    ) {
        let k = Bt601::new(range);
        let Self {
            lines_are_rows,
            planes,
            spans,
            plane_of,
            lines,
            samples,
            blended,
            yuv,
        } = self;
        let [ty, tu, tv] = yuv;
        for (a, (rows, w)) in lines.iter().enumerate() {
            // Camera frames arrive from DMA, not from the cache: ask for the next line's
            // source rows now, so that they load while this line is computed.
            if let Some((next, _)) = lines.get(a + 1) {
                for p in 0..*planes {
                    let (lo, len) = spans[p];
                    for r in next[p] {
                        if let Some(row) = data[p].get(r + lo..r + lo + len) {
                            prefetch(row);
                        }
                    }
                }
            }
            for p in 0..*planes {
                let (lo, len) = spans[p];
                let [r0, r1] = rows[p];
                blend(
                    &data[p][r0 + lo..][..len],
                    &data[p][r1 + lo..][..len],
                    *w,
                    &mut blended[p],
                );
            }
            let [by, bu, bv] = plane_of.map(|p| &blended[p][..]);
            // Samples first, then the colour conversion in a loop of its own (which the
            // compiler vectorises; fused with the gathers it does not).
            for ((t, y), (u, v)) in samples
                .iter()
                .zip(ty.iter_mut())
                .zip(tu.iter_mut().zip(tv.iter_mut()))
            {
                // a * (256 - w1) + b * w1 with one multiplication.
                let lerp = |b: &[u16], [c0, c1]: [u32; 2]| {
                    // SAFETY: `plan` built every offset inside its plane's blended span and
                    // checked it (`samples_fit`); the blended lines have exactly that length.
                    let (a, b) = unsafe {
                        (
                            i32::from(*b.get_unchecked(c0 as usize)),
                            i32::from(*b.get_unchecked(c1 as usize)),
                        )
                    };
                    (a << 8) + (b - a) * t.w1
                };
                *y = lerp(by, t.at[0]);
                *u = lerp(bu, t.at[1]);
                *v = lerp(bv, t.at[2]);
            }
            if *lines_are_rows {
                let row = &mut out[a * out_width * 3..][..out_width * 3];
                for (px, ((&y, &u), &v)) in row
                    .chunks_exact_mut(3)
                    .zip(ty.iter().zip(tu.iter()).zip(tv.iter()))
                {
                    let rgb = k.rgb(y as f32, u as f32, v as f32);
                    px.copy_from_slice(&rgb.map(T::from_unit));
                }
            } else {
                for (px, ((&y, &u), &v)) in out[a * 3..]
                    .chunks_mut(out_width * 3)
                    .zip(ty.iter().zip(tu.iter()).zip(tv.iter()))
                {
                    let rgb = k.rgb(y as f32, u as f32, v as f32);
                    px[..3].copy_from_slice(&rgb.map(T::from_unit));
                }
            }
        }
    }
}

/// `out[x] = a[x] * w0 + b[x] * w1`, weights summing to 256 (no overflow: at most 255 * 256).
#[inline(always)]
fn blend(a: &[u8], b: &[u8], [w0, w1]: [u16; 2], out: &mut [u16]) {
    for (o, (&a, &b)) in out.iter_mut().zip(a.iter().zip(b)) {
        *o = u16::from(a) * w0 + u16::from(b) * w1;
    }
}

/// BT.601 YUV to RGB in [0, 1], for inputs scaled by 2^16 (the bilinear sums).
struct Bt601 {
    y: f32,
    rv: f32,
    gu: f32,
    gv: f32,
    bu: f32,
    r0: f32,
    g0: f32,
    b0: f32,
}

impl Bt601 {
    fn new(range: YuvRange) -> Self {
        // R = ky (Y - y0) + kr V', G = ky (Y - y0) - kgu U' - kgv V', B = ky (Y - y0) + kb U'
        // with U' = U - 128, V' = V - 128 (Kr = 0.299, Kb = 0.114).
        let (ky, y0, c) = match range {
            YuvRange::Video => (255.0 / 219.0, 16.0, 255.0 / 224.0),
            YuvRange::Full => (1.0, 0.0, 1.0),
        };
        let (kr, kgu, kgv, kb) = (
            1.402 * c,
            0.202008 / 0.587 * c,
            0.419198 / 0.587 * c,
            1.772 * c,
        );
        let s = 1.0 / (255.0 * f64::from(1u32 << 16));
        Self {
            y: (ky * s) as f32,
            rv: (kr * s) as f32,
            gu: (-kgu * s) as f32,
            gv: (-kgv * s) as f32,
            bu: (kb * s) as f32,
            r0: ((-ky * y0 - kr * 128.0) / 255.0) as f32,
            g0: ((-ky * y0 + (kgu + kgv) * 128.0) / 255.0) as f32,
            b0: ((-ky * y0 - kb * 128.0) / 255.0) as f32,
        }
    }

    #[inline(always)]
    fn rgb(&self, y: f32, u: f32, v: f32) -> [f32; 3] {
        [
            (self.y * y + self.rv * v + self.r0).clamp(0.0, 1.0),
            (self.y * y + self.gu * u + self.gv * v + self.g0).clamp(0.0, 1.0),
            (self.y * y + self.bu * u + self.b0).clamp(0.0, 1.0),
        ]
    }
}
