//! The RGB path (RGB888, RGBA8888, BGRA8888), computed like OpenCV's uint8 resize: 11-bit
//! fixed-point weights, a horizontal pass over the two source lines an output row needs, a
//! vertical pass rounding to uint8. The output is the reference's `cv2.resize(crop)` bit for
//! bit.

use super::geometry::Tap;
use super::prefetch::Ahead;
use super::InputValue;

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
    /// (R, G, B), or 4 as the AVX2 kernels keep them (the pixel's bytes in memory order).
    lines: [(usize, Vec<i16>); 2],
    /// Bytes of the column span one source line reads, from its line offset, when the columns
    /// run along the line (rotation 0 or 180): what to prefetch for the next output row.
    span: Option<(usize, usize)>,
    /// The AVX2 kernels' tables: both offsets of each output pixel as gather indices, and its
    /// two weights as one word (the first in the low half). Empty when an offset does not fit
    /// an i32 (a rotated frame with rows of more than 2^31 / 16384 bytes).
    wide_at: [Vec<i32>; 2],
    wide_w: Vec<u32>,
    /// One output row of levels, R, G, B interleaved (16 spare bytes: the AVX2 kernel stores
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
    /// rounding to uint8.
    pub fn run<const BGR: bool, T: InputValue>(
        &mut self,
        data: &[u8],
        rows: &[Tap],
        out: &mut [T],
    ) {
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2 (checked just above).
            return unsafe { self.run_avx2::<BGR, T>(data, rows, out) };
        }
        self.run_portable::<BGR, T>(data, rows, out)
    }

    /// The pass with AVX2 kernels (`horizontal_avx2`, `vertical_avx2`): each pixel's four
    /// bytes are carried through both passes and R, G, B picked (or swapped from B, G, R) only
    /// when the levels are interleaved. Integer arithmetic only, OpenCV's, so the results are
    /// the portable build's bits. Frames whose pixels cannot all be read four bytes at a time
    /// (a tightly packed RGB888 frame whose last pixel is read), and tables the gathers
    /// cannot index, take the portable pass.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn run_avx2<const BGR: bool, T: InputValue>(
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
            // SAFETY: AVX2 (this function's); every pixel of every line the rows read is
            // readable four bytes at a time (`readable`); the tables hold `n >= 8` pixels and
            // the lines `4 * n` values (`plan`).
            unsafe { horizontal_avx2(data, line, (at0, at1), wide_w, out, ahead) }
        };
        // The first row's source lines at once; then the next row's load while a row is
        // computed (see `prefetch`).
        let mut ahead = Ahead::new();
        queue(&mut ahead, data, rows.first(), *span);
        ahead.finish();
        for row in rows.iter().skip(1).take(PAGES_AHEAD) {
            queue_pages(data, row, *span);
        }
        for (i, (row, out_row)) in rows.iter().zip(out.chunks_exact_mut(row_len)).enumerate() {
            ahead.clear();
            queue(&mut ahead, data, rows.get(i + 1), *span);
            if let Some(row) = rows.get(i + 1 + PAGES_AHEAD) {
                queue_pages(data, row, *span);
            }
            // A share every 32 pixels of each horizontal pass, after the vertical one.
            ahead.spread(2 * (n / 32) + 1);
            ready_lines(lines, row.off[0], |r, line| horizontal(r, line, &mut ahead));
            // SAFETY: AVX2; the lines hold `4 * n` values and `levels` `3 * n + 16` (`plan`).
            unsafe { vertical_avx2::<BGR>(row.w, &lines[0].1, &lines[1].1, levels) };
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

/// How many output rows past the next one the AVX2 pass hints the pages of the source rows
/// (`prefetch::pages`): 1280x720 RGBA frames from memory 8-15% faster with 8 than without
/// (4 to 8 alike, 16 slightly slower); the hints of every line stay one row ahead.
#[cfg(target_arch = "x86_64")]
const PAGES_AHEAD: usize = 8;

/// Hints the first cache line of each page the source lines of `row` read (`span` as in
/// `queue`).
#[cfg(target_arch = "x86_64")]
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

/// OpenCV's horizontal pass for eight output pixels at a time: both source pixels of each
/// gathered as words, their bytes paired and widened to 16 bits, one multiply-add with the two
/// weights per byte, `>> 4`; four values a pixel (its bytes in memory order) into `out`. A last
/// partial group is done as the eight pixels that end the line, again. Hints one share of
/// `ahead` every 32 pixels.
///
/// # Safety
/// The CPU has AVX2; `line + c + 4 <= data.len()` for every offset `c` in `at`; `at` and `w`
/// hold `n >= 8` pixels and `out` `4 * n` values.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn horizontal_avx2(
    data: &[u8],
    line: usize,
    (at0, at1): (&[i32], &[i32]),
    w: &[u32],
    out: &mut [i16],
    ahead: &mut Ahead,
) {
    use std::arch::x86_64::*;
    let n = w.len();
    debug_assert!(n >= 8 && at0.len() == n && at1.len() == n && out.len() >= 4 * n);
    let src = data.as_ptr().add(line).cast::<i32>();
    let load = |s: *const u32| _mm256_loadu_si256(s.cast::<__m256i>());
    let zero = _mm256_setzero_si256();
    for g in 0..n.div_ceil(8) {
        let j = (8 * g).min(n - 8);
        // Indices below 2^31 (`plan`): byte offsets in the line.
        let x0 = _mm256_i32gather_epi32::<1>(src, load(at0.as_ptr().add(j).cast()));
        let x1 = _mm256_i32gather_epi32::<1>(src, load(at1.as_ptr().add(j).cast()));
        // Per 128-bit lane, the bytes of both pixels side by side: pixels 0, 1 | 4, 5 and
        // 2, 3 | 6, 7; then widened, one pixel a lane: 0 | 4, 1 | 5, 2 | 6, 3 | 7.
        let (lo, hi) = (_mm256_unpacklo_epi8(x0, x1), _mm256_unpackhi_epi8(x0, x1));
        let ww = load(w.as_ptr().add(j));
        let pass = |pairs: __m256i, weights: __m256i| {
            _mm256_srli_epi32::<4>(_mm256_madd_epi16(pairs, weights))
        };
        let p0 = pass(
            _mm256_unpacklo_epi8(lo, zero),
            _mm256_shuffle_epi32::<0x00>(ww),
        );
        let p1 = pass(
            _mm256_unpackhi_epi8(lo, zero),
            _mm256_shuffle_epi32::<0x55>(ww),
        );
        let p2 = pass(
            _mm256_unpacklo_epi8(hi, zero),
            _mm256_shuffle_epi32::<0xaa>(ww),
        );
        let p3 = pass(
            _mm256_unpackhi_epi8(hi, zero),
            _mm256_shuffle_epi32::<0xff>(ww),
        );
        // Values at most 255 * 2048 >> 4: the packs do not saturate. Pixels 0, 1 | 4, 5 and
        // 2, 3 | 6, 7, then 0-3 and 4-7.
        let (a, b) = (_mm256_packs_epi32(p0, p1), _mm256_packs_epi32(p2, p3));
        let dst = out.as_mut_ptr().add(4 * j).cast::<__m256i>();
        _mm256_storeu_si256(dst, _mm256_permute2x128_si256::<0x20>(a, b));
        _mm256_storeu_si256(dst.add(1), _mm256_permute2x128_si256::<0x31>(a, b));
        if g % 4 == 3 {
            ahead.step();
        }
    }
}

/// OpenCV's vertical pass (as `vertical`) for eight output pixels at a time over lines of four
/// values a pixel, packed to levels with R, G, B picked (`BGR`: from B, G, R) and interleaved
/// into `levels`. A last partial group is done as the eight pixels that end the line, again.
///
/// # Safety
/// The CPU has AVX2; `h0` and `h1` hold `4 * n` values for `n >= 8`, and `levels` at least
/// `3 * n + 4` bytes.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn vertical_avx2<const BGR: bool>(w: [i32; 2], h0: &[i16], h1: &[i16], levels: &mut [u8]) {
    use std::arch::x86_64::*;
    let n = h0.len().min(h1.len()) / 4;
    debug_assert!(n >= 8 && levels.len() >= 3 * n + 4);
    let (b0, b1) = (
        _mm256_set1_epi16(w[0] as i16),
        _mm256_set1_epi16(w[1] as i16),
    );
    let two = _mm256_set1_epi16(2);
    let pick: [i8; 16] = if BGR {
        [2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1]
    } else {
        [0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1]
    };
    let pick = _mm256_broadcastsi128_si256(_mm_loadu_si128(pick.as_ptr().cast()));
    let pass = |k: usize| {
        let load = |h: &[i16]| _mm256_loadu_si256(h.as_ptr().add(k).cast::<__m256i>());
        let v = _mm256_add_epi16(
            _mm256_mulhi_epi16(b0, load(h0)),
            _mm256_mulhi_epi16(b1, load(h1)),
        );
        _mm256_srai_epi16::<2>(_mm256_add_epi16(v, two))
    };
    for g in 0..n.div_ceil(8) {
        let j = (8 * g).min(n - 8);
        // Pixels 0, 1, 4, 5 | 2, 3, 6, 7 as bytes, then 0-3 | 4-7.
        let bytes = _mm256_packus_epi16(pass(4 * j), pass(4 * j + 16));
        let px = _mm256_shuffle_epi8(_mm256_permute4x64_epi64::<0xd8>(bytes), pick);
        let dst = levels.as_mut_ptr().add(3 * j);
        _mm_storeu_si128(dst.cast(), _mm256_castsi256_si128(px));
        _mm_storeu_si128(dst.add(12).cast(), _mm256_extracti128_si256::<1>(px));
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
