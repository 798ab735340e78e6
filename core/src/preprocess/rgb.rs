//! The RGB path (RGB888, RGBA8888, BGRA8888), computed like OpenCV's uint8 resize: 11-bit
//! fixed-point weights, a horizontal pass over the two source lines an output row needs, a
//! vertical pass rounding to uint8. The output is the reference's `cv2.resize(crop)` bit for
//! bit.

use super::geometry::Tap;
use super::{prefetch, InputValue};

/// The RGB pass's tables and scratch lines, kept from frame to frame.
#[derive(Debug, Clone, Default)]
pub(super) struct RgbPlan {
    /// Per output value (3 a pixel): the weights of its two source pixels, OpenCV's 1/2048,
    /// side by side.
    a: Vec<[i16; 2]>,
    /// The two source pixels of each output pixel of one line, gathered as R, G, B (one
    /// spare byte at the end: pixels are copied four bytes at a time).
    p0: Vec<u8>,
    p1: Vec<u8>,
    /// The two horizontally resized source lines, tagged by line offset.
    lines: [(usize, Vec<i16>); 2],
    /// Bytes of the column span one source line reads, from its line offset, when the columns
    /// run along the line (rotation 0 or 180): what to prefetch for the next output row.
    span: Option<(usize, usize)>,
}

impl RgbPlan {
    /// Readies the weights for a new column table.
    pub fn plan(&mut self, cols: &[Tap], pixel_stride: usize) {
        self.a = cols
            .iter()
            .flat_map(|c| [[c.w[0] as i16, c.w[1] as i16]; 3])
            .collect();
        let n = cols.len() * 3;
        self.p0 = vec![0; n + 1];
        self.p1 = vec![0; n + 1];
        for l in &mut self.lines {
            *l = (usize::MAX, vec![0; n]);
        }
        let offsets = cols.iter().flat_map(|c| c.off[0]);
        let lo = offsets.clone().min().unwrap_or(0);
        let hi = offsets.max().unwrap_or(0) + pixel_stride;
        // A line's columns more than a few rows apart are a rotated frame's column: no span.
        self.span = (hi - lo <= cols.len().max(1) * pixel_stride * 16).then_some((lo, hi - lo));
    }

    /// Packed RGB(A) input (`BGR`: B, G, R in memory), with OpenCV's uint8 arithmetic:
    /// a horizontal pass (values x 2048, kept as `>> 4` in i16 as OpenCV's vertical pass
    /// reads them) over the two source lines each output row needs, then the vertical pass
    /// rounding to uint8.
    pub fn run<const BGR: bool, T: InputValue>(
        &mut self,
        data: &[u8],
        rows: &[Tap],
        cols: &[Tap],
        out: &mut [T],
    ) {
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2 (checked just above).
            return unsafe { self.run_avx2::<BGR, T>(data, rows, cols, out) };
        }
        self.run_portable::<BGR, T>(data, rows, cols, out)
    }

    /// The same code compiled for AVX2: the arithmetic of both passes vectorises twice as
    /// wide. Integer arithmetic only, so the results are the portable build's bits.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn run_avx2<const BGR: bool, T: InputValue>(
        &mut self,
        data: &[u8],
        rows: &[Tap],
        cols: &[Tap],
        out: &mut [T],
    ) {
        self.run_portable::<BGR, T>(data, rows, cols, out)
    }

    #[inline(always)]
    pub fn run_portable<const BGR: bool, T: InputValue>(
        &mut self,
        data: &[u8],
        rows: &[Tap],
        cols: &[Tap],
        out: &mut [T],
    ) {
        let row_len = self.a.len();
        let Self {
            a,
            p0,
            p1,
            lines,
            span,
        } = self;
        // A line at offset `l` reads nothing at or past `l + max_col + 4` (four bytes a
        // pixel); the scratch lines hold every gathered pixel.
        let max_col = cols.iter().flat_map(|c| c.off[0]).max().unwrap_or(0);
        let fits = p0.len().min(p1.len()) > 3 * cols.len();
        let gather = |line: usize, p0: &mut [u8], p1: &mut [u8]| {
            // Four bytes from every pixel fit inside the buffer except, in a tightly packed
            // RGB888 frame, from its very last pixel.
            if fits
                && line
                    .checked_add(max_col + 4)
                    .is_some_and(|end| end <= data.len())
            {
                // SAFETY: both conditions of `gather_unchecked`, just checked.
                unsafe { gather_unchecked::<BGR>(data, line, cols, p0, p1) }
            } else {
                gather::<BGR>(data, line, cols, p0, p1)
            }
        };
        for l in lines.iter_mut() {
            l.0 = usize::MAX;
        }
        for (i, (row, out_row)) in rows.iter().zip(out.chunks_exact_mut(row_len)).enumerate() {
            // Camera frames arrive from DMA, not from the cache: ask for the next output
            // row's source lines now, so that they load while this row is computed.
            if let (Some(next), Some((lo, len))) = (rows.get(i + 1), *span) {
                for r in next.off[0] {
                    if let Some(bytes) = data.get(r + lo..r + lo + len) {
                        prefetch(bytes);
                    }
                }
            }
            let [r0, r1] = row.off[0];
            // Lines stay valid from one output row to the next when they share a source line.
            if lines[0].0 != r0 {
                if lines[1].0 == r0 {
                    lines.swap(0, 1);
                } else {
                    lines[0].0 = r0;
                    gather(r0, p0, p1);
                    horizontal(p0, p1, a, &mut lines[0].1);
                }
            }
            if lines[1].0 != r1 {
                lines[1].0 = r1;
                gather(r1, p0, p1);
                horizontal(p0, p1, a, &mut lines[1].1);
            }
            vertical(row.w, &lines[0].1, &lines[1].1, out_row);
        }
    }
}

/// Copies the two source pixels of each output pixel of the line at offset `line` into `p0`
/// and `p1` as R, G, B, four bytes at a time (each copy's fourth byte is overwritten by the
/// next pixel's first), so that the arithmetic runs over contiguous bytes.
#[inline(always)]
fn gather<const BGR: bool>(data: &[u8], line: usize, cols: &[Tap], p0: &mut [u8], p1: &mut [u8]) {
    let data = data.get(line..).unwrap_or(&[]);
    for (j, col) in cols.iter().enumerate() {
        let [c0, c1] = col.off[0];
        if let (Some(d0), Some(d1)) = (p0.get_mut(3 * j..3 * j + 4), p1.get_mut(3 * j..3 * j + 4)) {
            d0.copy_from_slice(&pixel::<BGR>(data, c0).to_le_bytes());
            d1.copy_from_slice(&pixel::<BGR>(data, c1).to_le_bytes());
        }
    }
}

/// `gather` without bounds checks (the copies are most of the RGB path's work).
///
/// # Safety
/// `line + c + 4 <= data.len()` for every column offset `c` in `cols`, and `p0` and `p1` hold
/// at least `3 * cols.len() + 1` bytes.
#[inline(always)]
unsafe fn gather_unchecked<const BGR: bool>(
    data: &[u8],
    line: usize,
    cols: &[Tap],
    p0: &mut [u8],
    p1: &mut [u8],
) {
    debug_assert!(p0.len() > 3 * cols.len() && p1.len() > 3 * cols.len());
    let src = data.as_ptr().add(line);
    let (d0, d1) = (p0.as_mut_ptr(), p1.as_mut_ptr());
    for (j, col) in cols.iter().enumerate() {
        let [c0, c1] = col.off[0];
        let x0 = u32::from_le(src.add(c0).cast::<u32>().read_unaligned());
        let x1 = u32::from_le(src.add(c1).cast::<u32>().read_unaligned());
        d0.add(3 * j)
            .cast::<u32>()
            .write_unaligned(rgb::<BGR>(x0).to_le());
        d1.add(3 * j)
            .cast::<u32>()
            .write_unaligned(rgb::<BGR>(x1).to_le());
    }
}

/// The pixel at `at` as a little-endian word R, G, B, (byte 3 unused). The frame's checks put
/// every pixel's three bytes inside `data`; only the last pixel of a tightly packed RGB888
/// buffer lacks a fourth.
#[inline(always)]
fn pixel<const BGR: bool>(data: &[u8], at: usize) -> u32 {
    let x = match data.get(at..at + 4) {
        Some(b) => u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
        None => data
            .get(at..at + 3)
            .map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], 0])),
    };
    rgb::<BGR>(x)
}

/// A pixel word in R, G, B order (`BGR`: it is B, G, R, A in memory).
#[inline(always)]
fn rgb<const BGR: bool>(x: u32) -> u32 {
    if BGR {
        x.swap_bytes().rotate_right(8)
    } else {
        x
    }
}

/// OpenCV's horizontal pass over gathered pixels: `(p0 * a0 + p1 * a1) >> 4` per value.
#[inline(always)]
fn horizontal(p0: &[u8], p1: &[u8], a: &[[i16; 2]], out: &mut [i16]) {
    for (o, ((&p0, &p1), &[a0, a1])) in out.iter_mut().zip(p0.iter().zip(p1).zip(a)) {
        *o = ((i32::from(p0) * i32::from(a0) + i32::from(p1) * i32::from(a1)) >> 4) as i16;
    }
}

/// OpenCV's vertical pass for uint8 (`VResizeLinear<uchar, int, short, FixedPtCast>`):
/// `((b0 * h0) >> 16) + ((b1 * h1) >> 16)`, rounded `>> 2` to uint8.
#[inline(always)]
fn vertical<T: InputValue>(w: [i32; 2], h0: &[i16], h1: &[i16], out: &mut [T]) {
    // In 16 bits, as OpenCV's vector code does it (weights at most 2048): the high half of
    // each product, which vectorises as one multiplication per 16 values.
    let [b0, b1] = w.map(|w| w as i16);
    let mulhi = |b: i16, h: i16| ((i32::from(b) * i32::from(h)) >> 16) as i16;
    for (o, (&h0, &h1)) in out.iter_mut().zip(h0.iter().zip(h1)) {
        let v = mulhi(b0, h0) + mulhi(b1, h1);
        *o = T::from_level(i32::from((v + 2) >> 2));
    }
}

/// `v / 255` for v in 0..=255, exactly as `v as f32 / 255.0` (checked for every v in the
/// tests) but with multiplications: 1/255 split so that `v * HI` is exact.
#[inline(always)]
pub(super) fn unit(v: i32) -> f32 {
    const HI: f32 = 4112.0 / 1048576.0; // 1/255 to 20 bits
    const LO: f32 = (1.0 / 255.0 - 4112.0 / 1048576.0f64) as f32;
    let v = v as f32;
    v * HI + v * LO
}
