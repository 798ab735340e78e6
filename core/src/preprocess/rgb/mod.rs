//! The RGB path (RGB888, RGBA8888, BGRA8888), computed like OpenCV's uint8 resize: 11-bit
//! fixed-point weights, a horizontal pass over the two source lines an output row needs, a
//! vertical pass rounding to uint8. The output is the reference's `cv2.resize(crop)` bit for
//! bit.
//!
//! The portable pass is here; the SIMD kernels, one file per instruction set (`avx2`, `neon`),
//! do the same arithmetic eight output pixels at a time behind [`Kernels`], in one line loop
//! (`RgbPlan::run_wide`).

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "aarch64")]
mod neon;

use super::geometry::Tap;
use super::prefetch::Ahead;
use super::{CpuExtensions, InputValue};

/// An instruction set's kernels for the two passes over eight output pixels at a time, on
/// lines of four values a pixel (its bytes in memory order).
trait Kernels {
    /// How many output rows past the next one the pass hints the pages of the source rows
    /// (`prefetch::pages`); 0 for none.
    const PAGES_AHEAD: usize;

    /// OpenCV's horizontal pass (as `horizontal`) over the line at offset `line`: for output
    /// pixel `j`, the pixels at `line + at.0[j]` and `line + at.1[j]` weighted by the two
    /// halves of `w[j]` (the first in the low half), four values a pixel into `out`. Hints one
    /// share of `ahead` every 32 pixels.
    ///
    /// # Safety
    /// The CPU runs these instructions; `line + c + 4 <= data.len()` for every offset `c` in
    /// `at` (all non-negative); `at` and `w` hold `n >= 8` pixels and `out` `4 * n` values.
    unsafe fn horizontal(
        data: &[u8],
        line: usize,
        at: (&[i32], &[i32]),
        w: &[u32],
        out: &mut [i16],
        ahead: &mut Ahead,
    );

    /// OpenCV's vertical pass (as `vertical`) over lines of four values a pixel, to levels
    /// with R, G, B picked (`BGR`: from B, G, R) and interleaved into `levels`.
    ///
    /// # Safety
    /// The CPU runs these instructions; `h0` and `h1` hold `4 * n` values for `n >= 8`, and
    /// `levels` at least `3 * n + 16` bytes.
    unsafe fn vertical<const BGR: bool>(w: [i32; 2], h0: &[i16], h1: &[i16], levels: &mut [u8]);
}

/// The RGB pass's tables and scratch lines, kept from frame to frame.
#[derive(Debug, Clone, Default)]
pub(super) struct RgbPlan {
    /// Per output pixel of a line: the byte offsets of its two source pixels from the line's
    /// start.
    at: Vec<[usize; 2]>,
    /// Per output value (3 a pixel): the weights of its two source pixels, OpenCV's 1/2048,
    /// side by side.
    a: Vec<[i16; 2]>,
    /// The two source pixels of each output pixel of one line, gathered as R, G, B (one
    /// spare byte at the end: pixels are copied four bytes at a time).
    p0: Vec<u8>,
    p1: Vec<u8>,
    /// The two horizontally resized source lines, tagged by line offset: 3 values a pixel
    /// (R, G, B), or 4 as the SIMD kernels keep them (the pixel's bytes in memory order).
    lines: [(usize, Vec<i16>); 2],
    /// Bytes of the column span one source line reads, from its line offset, when the columns
    /// run along the line (rotation 0 or 180): what to prefetch for the next output row.
    span: Option<(usize, usize)>,
    /// The SIMD kernels' tables: both offsets of each output pixel as i32 indices (AVX2
    /// gathers them), and its two weights as one word (the first in the low half). Empty when
    /// an offset does not fit an i32 (a rotated frame with rows of more than 2^31 / 16384
    /// bytes).
    wide_at: [Vec<i32>; 2],
    wide_w: Vec<u32>,
    /// One output row of levels, R, G, B interleaved (16 spare bytes: the kernels store
    /// 16 bytes at a time).
    levels: Vec<u8>,
}

impl RgbPlan {
    /// Readies the weights for a new column table.
    pub fn plan(&mut self, cols: &[Tap], pixel_stride: usize) {
        self.at = cols.iter().map(|c| c.off[0]).collect();
        self.a = cols
            .iter()
            .flat_map(|c| [[c.w[0] as i16, c.w[1] as i16]; 3])
            .collect();
        let n = cols.len() * 3;
        self.p0 = vec![0; n + 1];
        self.p1 = vec![0; n + 1];
        for l in &mut self.lines {
            *l = (usize::MAX, vec![0; 4 * cols.len()]);
        }
        let offsets = cols.iter().flat_map(|c| c.off[0]);
        let lo = offsets.clone().min().unwrap_or(0);
        let hi = offsets.max().unwrap_or(0) + pixel_stride;
        // A line's columns more than a few rows apart are a rotated frame's column: no span.
        self.span = (hi - lo <= cols.len().max(1) * pixel_stride * 16).then_some((lo, hi - lo));
        let index = |k: usize| -> Option<Vec<i32>> {
            self.at.iter().map(|c| i32::try_from(c[k]).ok()).collect()
        };
        self.wide_at = match (index(0), index(1)) {
            (Some(a0), Some(a1)) => [a0, a1],
            _ => Default::default(),
        };
        self.wide_w = cols
            .iter()
            .map(|c| c.w[0] as u16 as u32 | (c.w[1] as u16 as u32) << 16)
            .collect();
        self.levels = vec![0; n + 16];
    }

    /// Packed RGB(A) input (`BGR`: B, G, R in memory), with OpenCV's uint8 arithmetic:
    /// a horizontal pass (values x 2048, kept as `>> 4` in i16 as OpenCV's vertical pass
    /// reads them) over the two source lines each output row needs, then the vertical pass
    /// rounding to uint8. `cpu` picks the kernels (`Preprocessor` checked that it runs here).
    pub fn run<const BGR: bool, T: InputValue>(
        &mut self,
        cpu: CpuExtensions,
        data: &[u8],
        rows: &[Tap],
        out: &mut [T],
    ) {
        match cpu {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `Preprocessor` accepts `Avx2` only on a CPU that has it.
            CpuExtensions::Avx2 => unsafe { self.run_avx2::<BGR, T>(data, rows, out) },
            #[cfg(target_arch = "aarch64")]
            // SAFETY: `Preprocessor` accepts `Neon` only on a CPU that has it.
            CpuExtensions::Neon => unsafe { self.run_neon::<BGR, T>(data, rows, out) },
            _ => self.run_portable::<BGR, T>(data, rows, out),
        }
    }

    /// The pass with the AVX2 kernels (`avx2.rs`).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn run_avx2<const BGR: bool, T: InputValue>(
        &mut self,
        data: &[u8],
        rows: &[Tap],
        out: &mut [T],
    ) {
        self.run_wide::<avx2::Avx2, BGR, T>(data, rows, out)
    }

    /// The pass with the NEON kernels (`neon.rs`).
    #[cfg(target_arch = "aarch64")]
    #[target_feature(enable = "neon")]
    unsafe fn run_neon<const BGR: bool, T: InputValue>(
        &mut self,
        data: &[u8],
        rows: &[Tap],
        out: &mut [T],
    ) {
        self.run_wide::<neon::Neon, BGR, T>(data, rows, out)
    }

    /// The pass with an instruction set's kernels (`K::horizontal`, `K::vertical`): each
    /// pixel's four bytes are carried through both passes and R, G, B picked (or swapped from
    /// B, G, R) only when the levels are interleaved. Integer arithmetic only, OpenCV's, so the
    /// results are the portable build's bits. Frames whose pixels cannot all be read four
    /// bytes at a time (a tightly packed RGB888 frame whose last pixel is read), and tables
    /// whose offsets do not fit the kernels' i32 indices, take the portable pass.
    ///
    /// # Safety
    /// The CPU runs `K`'s instructions.
    #[inline(always)]
    unsafe fn run_wide<K: Kernels, const BGR: bool, T: InputValue>(
        &mut self,
        data: &[u8],
        rows: &[Tap],
        out: &mut [T],
    ) {
        let n = self.at.len();
        let row_len = 3 * n;
        let max_col = self.at.iter().flatten().copied().max().unwrap_or(0);
        let last_line = rows.iter().flat_map(|r| r.off[0]).max().unwrap_or(0);
        let readable = last_line
            .checked_add(max_col + 4)
            .is_some_and(|end| end <= data.len());
        if !readable || self.wide_at[0].len() != n || n < 8 {
            return self.run_portable::<BGR, T>(data, rows, out);
        }
        let Self {
            wide_at: [at0, at1],
            wide_w,
            lines,
            span,
            levels,
            ..
        } = self;
        for l in lines.iter_mut() {
            l.0 = usize::MAX;
        }
        let horizontal = |line: usize, out: &mut Vec<i16>, ahead: &mut Ahead| {
            // SAFETY: the CPU runs `K` (this function's contract); every pixel of every line
            // the rows read is readable four bytes at a time (`readable`); the tables hold
            // `n >= 8` pixels and the lines `4 * n` values (`plan`).
            unsafe { K::horizontal(data, line, (at0, at1), wide_w, out, ahead) }
        };
        // The first row's source lines at once; then the next row's load while a row is
        // computed (see `prefetch`), and the pages of the rows `K::PAGES_AHEAD` further.
        let mut ahead = Ahead::new();
        queue(&mut ahead, data, rows.first(), *span);
        ahead.finish();
        for row in rows.iter().skip(1).take(K::PAGES_AHEAD) {
            queue_pages(data, row, *span);
        }
        for (i, (row, out_row)) in rows.iter().zip(out.chunks_exact_mut(row_len)).enumerate() {
            ahead.clear();
            queue(&mut ahead, data, rows.get(i + 1), *span);
            if K::PAGES_AHEAD > 0 {
                if let Some(row) = rows.get(i + 1 + K::PAGES_AHEAD) {
                    queue_pages(data, row, *span);
                }
            }
            // A share every 32 pixels of each horizontal pass, after the vertical one.
            ahead.spread(2 * (n / 32) + 1);
            ready_lines(lines, row.off[0], |r, line| horizontal(r, line, &mut ahead));
            // SAFETY: the CPU runs `K`; the lines hold `4 * n` values and `levels` `3 * n + 16`
            // (`plan`).
            unsafe { K::vertical::<BGR>(row.w, &lines[0].1, &lines[1].1, levels) };
            ahead.step();
            for (o, &l) in out_row.iter_mut().zip(levels.iter()) {
                *o = T::from_level(i32::from(l));
            }
            ahead.finish();
        }
    }

    #[inline(always)]
    pub fn run_portable<const BGR: bool, T: InputValue>(
        &mut self,
        data: &[u8],
        rows: &[Tap],
        out: &mut [T],
    ) {
        let row_len = self.a.len();
        let Self {
            at,
            a,
            p0,
            p1,
            lines,
            span,
            ..
        } = self;
        // A line at offset `l` reads nothing at or past `l + max_col + 4` (four bytes a
        // pixel); the scratch lines hold every gathered pixel.
        let max_col = at.iter().flatten().copied().max().unwrap_or(0);
        let fits = p0.len().min(p1.len()) > 3 * at.len();
        let gather = |line: usize, p0: &mut [u8], p1: &mut [u8]| {
            // Four bytes from every pixel fit inside the buffer except, in a tightly packed
            // RGB888 frame, from its very last pixel.
            if fits
                && line
                    .checked_add(max_col + 4)
                    .is_some_and(|end| end <= data.len())
            {
                // SAFETY: both conditions of `gather_unchecked`, just checked.
                unsafe { gather_unchecked::<BGR>(data, line, at, p0, p1) }
            } else {
                gather::<BGR>(data, line, at, p0, p1)
            }
        };
        for l in lines.iter_mut() {
            l.0 = usize::MAX;
        }
        // The first row's source lines at once; then the next row's load while a row is
        // computed (see `prefetch`).
        let mut ahead = Ahead::new();
        queue(&mut ahead, data, rows.first(), *span);
        ahead.finish();
        for (i, (row, out_row)) in rows.iter().zip(out.chunks_exact_mut(row_len)).enumerate() {
            ahead.clear();
            queue(&mut ahead, data, rows.get(i + 1), *span);
            // A share after each gather and each horizontal pass.
            ahead.spread(4);
            ready_lines(lines, row.off[0], |r, line| {
                gather(r, p0, p1);
                ahead.step();
                horizontal(p0, p1, a, line);
                ahead.step();
            });
            vertical(row.w, &lines[0].1, &lines[1].1, out_row);
            ahead.finish();
        }
    }
}

/// Makes `lines` the two horizontally resized source lines at offsets `[r0, r1]`, in that
/// order, computing (`horizontal(offset, line)`) only those the previous output row did not
/// already have: consecutive output rows often share a source line.
#[inline(always)]
fn ready_lines(
    lines: &mut [(usize, Vec<i16>); 2],
    [r0, r1]: [usize; 2],
    mut horizontal: impl FnMut(usize, &mut Vec<i16>),
) {
    if lines[0].0 != r0 {
        if lines[1].0 == r0 {
            lines.swap(0, 1);
        } else {
            lines[0].0 = r0;
            horizontal(r0, &mut lines[0].1);
        }
    }
    if lines[1].0 != r1 {
        lines[1].0 = r1;
        horizontal(r1, &mut lines[1].1);
    }
}

/// Hints the first cache line of each page the source lines of `row` read (`span` as in
/// `queue`).
fn queue_pages(data: &[u8], row: &Tap, span: Option<(usize, usize)>) {
    if let Some((lo, len)) = span {
        for r in row.off[0] {
            if let Some(bytes) = data.get(r + lo..r + lo + len) {
                super::prefetch::pages(bytes);
            }
        }
    }
}

/// Queues the bytes each source line of `row` reads (`span`: their start from the line's
/// offset and their length), when the columns run along the lines.
fn queue(ahead: &mut Ahead, data: &[u8], row: Option<&Tap>, span: Option<(usize, usize)>) {
    if let (Some(row), Some((lo, len))) = (row, span) {
        for r in row.off[0] {
            if let Some(bytes) = data.get(r + lo..r + lo + len) {
                ahead.add(bytes);
            }
        }
    }
}

/// Copies the two source pixels of each output pixel of the line at offset `line` into `p0`
/// and `p1` as R, G, B, four bytes at a time (each copy's fourth byte is overwritten by the
/// next pixel's first), so that the arithmetic runs over contiguous bytes.
#[inline(always)]
fn gather<const BGR: bool>(
    data: &[u8],
    line: usize,
    cols: &[[usize; 2]],
    p0: &mut [u8],
    p1: &mut [u8],
) {
    let data = data.get(line..).unwrap_or(&[]);
    for (j, &[c0, c1]) in cols.iter().enumerate() {
        if let (Some(d0), Some(d1)) = (p0.get_mut(3 * j..3 * j + 4), p1.get_mut(3 * j..3 * j + 4)) {
            d0.copy_from_slice(&pixel::<BGR>(data, c0).to_le_bytes());
            d1.copy_from_slice(&pixel::<BGR>(data, c1).to_le_bytes());
        }
    }
}

/// `gather` without bounds checks (the copies are most of the RGB path's work).
///
/// # Safety
/// `line + c + 4 <= data.len()` for every offset `c` in `cols`, and `p0` and `p1` hold
/// at least `3 * cols.len() + 1` bytes.
#[inline(always)]
unsafe fn gather_unchecked<const BGR: bool>(
    data: &[u8],
    line: usize,
    cols: &[[usize; 2]],
    p0: &mut [u8],
    p1: &mut [u8],
) {
    debug_assert!(p0.len() > 3 * cols.len() && p1.len() > 3 * cols.len());
    let src = data.as_ptr().add(line);
    let (d0, d1) = (p0.as_mut_ptr(), p1.as_mut_ptr());
    for (j, &[c0, c1]) in cols.iter().enumerate() {
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
