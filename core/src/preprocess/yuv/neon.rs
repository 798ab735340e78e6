//! The YUV pass's NEON kernel (aarch64): the AVX2 kernel's steps with NEON's instructions.
//! NEON has no gathers, so each output pixel's pairs of blended samples are loaded as words
//! into vector lanes; one widening multiply and a pairwise add interpolate them, and an
//! interleaving store writes R, G, B.

use super::Levels;
use crate::preprocess::prefetch::Ahead;

/// `gather_pairs` and `convert` eight pixels at a time with NEON: the pairs loaded as words
/// from the blended lines, the interpolation as a widening 16-bit multiply and a pairwise add
/// (`lerp`: the same integer products and sums), the conversion as `Levels::levels` (the same
/// multiplications and additions in the same order, unfused, so the same bits), rounded to
/// integers (to nearest, ties to even, as `levels` rounds) and clamped to 0..=255 by
/// saturating narrows, then written R, G, B interleaved by one store. Hints one share of
/// `ahead` every 32 pixels. Returns the pixels done: all of them, or none when there are fewer
/// than eight.
///
/// # Safety
/// The CPU has NEON, and every index in `luma_at` is below `y.len() - 1`, and in `chroma_at`
/// below `u.len() - 1` and `v.len() - 1`.
#[target_feature(enable = "neon")]
pub(super) unsafe fn convert(
    k: &Levels,
    [y, u, v]: [&[u16]; 3],
    (luma_at, luma_w): (&[u32], &[u32]),
    (chroma_at, chroma_w): (&[u32], &[u32]),
    rgb: &mut [u8],
    ahead: &mut Ahead,
) -> usize {
    use std::arch::aarch64::*;
    let n = luma_at
        .len()
        .min(luma_w.len())
        .min(chroma_at.len())
        .min(chroma_w.len());
    // Eight pixels store 24 bytes; a last partial group is done as the eight pixels that end
    // the line, again.
    if n < 8 || rgb.len() < 3 * n {
        return 0;
    }
    // Four pixels' pairs (samples `at[i]` and `at[i] + 1` as one word, the first in the low
    // half) from a blended line.
    let pairs = |line: &[u16], at: &[u32], i: usize| {
        // `k < n`, and `at[k]` and the sample after it are inside `line` (this function's
        // contract).
        let word = |k: usize| {
            line.as_ptr()
                .add(*at.get_unchecked(k) as usize)
                .cast::<u32>()
                .read_unaligned()
        };
        let words = [word(i), word(i + 1), word(i + 2), word(i + 3)];
        vreinterpretq_s16_u32(vld1q_u32(words.as_ptr()))
    };
    let weights = |w: &[u32], i: usize| vreinterpretq_s16_u32(vld1q_u32(w.as_ptr().add(i)));
    let offset = vdupq_n_s32(1 << 23);
    // Per pixel, `a * wa + b * wb + 2^23` as f32 (`lerp`): the products of lanes 2k and
    // 2k + 1 summed pairwise.
    let lerp = |p: int16x8_t, w: int16x8_t| {
        let lo = vmull_s16(vget_low_s16(p), vget_low_s16(w));
        let hi = vmull_high_s16(p, w);
        vcvtq_f32_s32(vaddq_s32(vpaddq_s32(lo, hi), offset))
    };
    let f = vdupq_n_f32;
    let (ky, rv, gu, gv, bu) = (f(k.y), f(k.rv), f(k.gu), f(k.gv), f(k.bu));
    let (r0, g0, b0) = (f(k.r0), f(k.g0), f(k.b0));
    let (add, mul) = (|a, b| vaddq_f32(a, b), |a, b| vmulq_f32(a, b));
    // R, G, B of four pixels, in `Levels::levels`'s order of operations, as i32 levels.
    let four = |i: usize| {
        let (wy, wc) = (weights(luma_w, i), weights(chroma_w, i));
        let yy = mul(ky, lerp(pairs(y, luma_at, i), wy));
        let uu = lerp(pairs(u, chroma_at, i), wc);
        let vv = lerp(pairs(v, chroma_at, i), wc);
        let r = add(add(yy, mul(rv, vv)), r0);
        let g = add(add(add(yy, mul(gu, uu)), mul(gv, vv)), g0);
        let b = add(add(yy, mul(bu, uu)), b0);
        [r, g, b].map(|c| vqmovn_s32(vcvtnq_s32_f32(c)))
    };
    for g in 0..n.div_ceil(8) {
        let i = (8 * g).min(n - 8);
        let (lo, hi) = (four(i), four(i + 4));
        let level = |c: usize| vqmovun_s16(vcombine_s16(lo[c], hi[c]));
        let px = uint8x8x3_t(level(0), level(1), level(2));
        vst3_u8(rgb.as_mut_ptr().add(3 * i), px);
        if g % 4 == 3 {
            ahead.step();
        }
    }
    n
}
