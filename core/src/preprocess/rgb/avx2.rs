//! The RGB pass's AVX2 kernels (x86-64): gathers fetch each output pixel's two source pixels
//! as words, one 16-bit multiply-add weighs them, and byte shuffles pick R, G, B.

use super::Kernels;
use crate::preprocess::prefetch::Ahead;

/// The AVX2 kernels.
pub(super) struct Avx2;

impl Kernels for Avx2 {
    /// 1280x720 RGBA frames from memory 8-15% faster with 8 than without (4 to 8 alike, 16
    /// slightly slower); the hints of every line stay one row ahead.
    const PAGES_AHEAD: usize = 8;

    unsafe fn horizontal(
        data: &[u8],
        line: usize,
        at: (&[i32], &[i32]),
        w: &[u32],
        out: &mut [i16],
        ahead: &mut Ahead,
    ) {
        // SAFETY: the trait's contract, which is this function's.
        unsafe { horizontal(data, line, at, w, out, ahead) }
    }

    unsafe fn vertical<const BGR: bool>(w: [i32; 2], h0: &[i16], h1: &[i16], levels: &mut [u8]) {
        // SAFETY: the trait's contract, which is this function's.
        unsafe { vertical::<BGR>(w, h0, h1, levels) }
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
#[target_feature(enable = "avx2")]
unsafe fn horizontal(
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
#[target_feature(enable = "avx2")]
unsafe fn vertical<const BGR: bool>(w: [i32; 2], h0: &[i16], h1: &[i16], levels: &mut [u8]) {
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
