//! The YUV pass's AVX2 kernel (x86-64): gathers fetch each output pixel's pairs of blended
//! samples straight from the lines, one 16-bit multiply-add interpolates them, and a byte
//! shuffle interleaves the levels.

use super::Levels;
use crate::preprocess::prefetch::Ahead;

/// `gather_pairs` and `convert` eight pixels at a time with AVX2: the pairs by gathers
/// straight from the blended lines, the interpolation as one 16-bit multiply-add, the
/// conversion as `Levels::levels` (the same multiplications and additions in the same order,
/// so the same bits), rounded by the conversion to integers (to nearest, ties to even, as
/// `levels` rounds) and clamped to 0..=255 by saturating packs, then interleaved by one byte
/// shuffle. Hints one share of `ahead` every 32 pixels. Returns the pixels done: all of them,
/// or none when there are fewer than eight.
///
/// # Safety
/// The CPU has AVX2, and every index in `luma_at` is below `y.len() - 1`, and in `chroma_at`
/// below `u.len() - 1` and `v.len() - 1`.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn convert(
    k: &Levels,
    [y, u, v]: [&[u16]; 3],
    (luma_at, luma_w): (&[u32], &[u32]),
    (chroma_at, chroma_w): (&[u32], &[u32]),
    rgb: &mut [u8],
    ahead: &mut Ahead,
) -> usize {
    use std::arch::x86_64::*;
    let n = luma_at
        .len()
        .min(luma_w.len())
        .min(chroma_at.len())
        .min(chroma_w.len());
    // Eight pixels store 16 + 16 bytes at 24 bytes a group (the next group overwrites the
    // last four); a last partial group is done as the eight pixels that end the line, again.
    if n < 8 || rgb.len() < 3 * n + 4 {
        return 0;
    }
    let groups = n.div_ceil(8);
    let load = |s: &[u32], i: usize| _mm256_loadu_si256(s.as_ptr().add(i).cast::<__m256i>());
    let gather = |line: &[u16], at: __m256i| {
        // Indices below 2^31: a row of the frame, in samples.
        _mm256_i32gather_epi32::<2>(line.as_ptr().cast::<i32>(), at)
    };
    let offset = _mm256_set1_epi32(1 << 23);
    let lerp = |pairs: __m256i, w: __m256i| {
        _mm256_cvtepi32_ps(_mm256_add_epi32(_mm256_madd_epi16(pairs, w), offset))
    };
    let f = _mm256_set1_ps;
    let (ky, rv, gu, gv, bu) = (f(k.y), f(k.rv), f(k.gu), f(k.gv), f(k.bu));
    let (r0, g0, b0) = (f(k.r0), f(k.g0), f(k.b0));
    let (add, mul) = (_mm256_add_ps, _mm256_mul_ps);
    // Per 128-bit lane, from R0-3 G0-3 B0-3 B0-3 to R0 G0 B0 R1 ... B3.
    let order = _mm256_setr_epi8(
        0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11, -1, -1, -1, -1, 0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11,
        -1, -1, -1, -1,
    );
    for g in 0..groups {
        let i = (8 * g).min(n - 8);
        let (wy, wc) = (load(luma_w, i), load(chroma_w, i));
        let cat = load(chroma_at, i);
        let yy = mul(ky, lerp(gather(y, load(luma_at, i)), wy));
        let uu = lerp(gather(u, cat), wc);
        let vv = lerp(gather(v, cat), wc);
        let r = add(add(yy, mul(rv, vv)), r0);
        let gg = add(add(add(yy, mul(gu, uu)), mul(gv, vv)), g0);
        let b = add(add(yy, mul(bu, uu)), b0);
        let rg = _mm256_packs_epi32(_mm256_cvtps_epi32(r), _mm256_cvtps_epi32(gg));
        let bb = _mm256_cvtps_epi32(b);
        let bytes = _mm256_packus_epi16(rg, _mm256_packs_epi32(bb, bb));
        let px = _mm256_shuffle_epi8(bytes, order);
        let dst = rgb.as_mut_ptr().add(3 * i);
        _mm_storeu_si128(dst.cast(), _mm256_castsi256_si128(px));
        _mm_storeu_si128(dst.add(12).cast(), _mm256_extracti128_si256::<1>(px));
        if g % 4 == 3 {
            ahead.step();
        }
    }
    n
}
