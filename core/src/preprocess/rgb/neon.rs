//! The RGB pass's NEON kernels (aarch64): the AVX2 kernels' steps with NEON's instructions.
//! NEON has no gathers, so each output pixel's two source pixels are loaded as words into
//! vector lanes; widening multiplies by each pixel's weights do the horizontal pass, and a
//! table lookup picks R, G, B out of the vertical pass's bytes.

use super::Kernels;
use crate::preprocess::prefetch::Ahead;

/// The NEON kernels.
pub(super) struct Neon;

impl Kernels for Neon {
    /// No page hints: they were measured on x86-64 only (see `avx2.rs`); a phone's figures
    /// decide (benches/android/run.sh).
    const PAGES_AHEAD: usize = 0;

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
/// loaded as words, four pixels to a vector, their bytes widened to 16 bits, multiplied by the
/// pixel's two weights into 32 bits and summed, `>> 4`, narrowed; four values a pixel (its
/// bytes in memory order) into `out`. A last partial group is done as the eight pixels that
/// end the line, again. Hints one share of `ahead` every 32 pixels.
///
/// # Safety
/// The CPU has NEON; `line + c + 4 <= data.len()` for every offset `c` in `at` (all
/// non-negative); `at` and `w` hold `n >= 8` pixels and `out` `4 * n` values.
#[target_feature(enable = "neon")]
unsafe fn horizontal(
    data: &[u8],
    line: usize,
    (at0, at1): (&[i32], &[i32]),
    w: &[u32],
    out: &mut [i16],
    ahead: &mut Ahead,
) {
    use std::arch::aarch64::*;
    let n = w.len();
    debug_assert!(n >= 8 && at0.len() == n && at1.len() == n && out.len() >= 4 * n);
    let src = data.as_ptr().add(line);
    // The four bytes of pixels `at[j..j + 4]`, one pixel a 32-bit lane.
    let four = |at: &[i32], j: usize| {
        let word = |k: usize| {
            src.add(*at.get_unchecked(j + k) as usize)
                .cast::<u32>()
                .read_unaligned()
        };
        vreinterpretq_u8_u32(vld1q_u32([word(0), word(1), word(2), word(3)].as_ptr()))
    };
    // Output pixels `j` and `j + 1` from their source pixels' bytes widened to 16 bits (one
    // pixel a half), as `(p0 * a0 + p1 * a1) >> 4` per byte, exactly (at most 255 * 2048).
    let two = |p0: uint16x8_t, p1: uint16x8_t, j: usize| {
        let (p0, p1) = (vreinterpretq_s16_u16(p0), vreinterpretq_s16_u16(p1));
        // The two weights of pixel j, and of pixel j + 1.
        let [a, b] = [*w.get_unchecked(j), *w.get_unchecked(j + 1)]
            .map(|w| [w as u16 as i16, (w >> 16) as u16 as i16]);
        let lo = vmlal_n_s16(vmull_n_s16(vget_low_s16(p0), a[0]), vget_low_s16(p1), a[1]);
        let hi = vmlal_high_n_s16(vmull_high_n_s16(p0, b[0]), p1, b[1]);
        // Values at most 255 * 2048 >> 4: the narrows keep them.
        vmovn_high_s32(vmovn_s32(vshrq_n_s32::<4>(lo)), vshrq_n_s32::<4>(hi))
    };
    let dst = out.as_mut_ptr();
    for g in 0..n.div_ceil(8) {
        let j = (8 * g).min(n - 8);
        for q in [j, j + 4] {
            let (x0, x1) = (four(at0, q), four(at1, q));
            let lo = two(vmovl_u8(vget_low_u8(x0)), vmovl_u8(vget_low_u8(x1)), q);
            let hi = two(vmovl_high_u8(x0), vmovl_high_u8(x1), q + 2);
            vst1q_s16(dst.add(4 * q), lo);
            vst1q_s16(dst.add(4 * q + 8), hi);
        }
        if g % 4 == 3 {
            ahead.step();
        }
    }
}

/// OpenCV's vertical pass (as `vertical`) for eight output pixels at a time over lines of four
/// values a pixel: the high half of each 32-bit product (`mulhi`), summed, `(v + 2) >> 2`,
/// narrowed to levels with saturation; R, G, B picked (`BGR`: from B, G, R) and interleaved
/// by two table lookups. A last partial group is done as the eight pixels that end the line,
/// again.
///
/// # Safety
/// The CPU has NEON; `h0` and `h1` hold `4 * n` values for `n >= 8`, and `levels` at least
/// `3 * n` bytes.
#[target_feature(enable = "neon")]
unsafe fn vertical<const BGR: bool>(w: [i32; 2], h0: &[i16], h1: &[i16], levels: &mut [u8]) {
    use std::arch::aarch64::*;
    let n = h0.len().min(h1.len()) / 4;
    debug_assert!(n >= 8 && levels.len() >= 3 * n);
    let [b0, b1] = w.map(|w| w as i16);
    let two = vdupq_n_s16(2);
    // `((b * h) >> 16) as i16` for eight values: bits 16 to 31 of each product.
    let mulhi = |b: i16, h: int16x8_t| {
        vshrn_high_n_s32::<16>(
            vshrn_n_s32::<16>(vmull_n_s16(vget_low_s16(h), b)),
            vmull_high_n_s16(h, b),
        )
    };
    // Levels of the eight values from `k` (two pixels), saturated to 0..=255.
    let pass = |k: usize| {
        let load = |h: &[i16]| vld1q_s16(h.as_ptr().add(k));
        let v = vaddq_s16(mulhi(b0, load(h0)), mulhi(b1, load(h1)));
        vshrq_n_s16::<2>(vaddq_s16(v, two))
    };
    // Bytes 4p + c of pixels 0-7 in output order: 16, then 8 (24 in all).
    let (first, rest): ([u8; 16], [u8; 8]) = if BGR {
        (
            [2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, 18, 17, 16, 22],
            [21, 20, 26, 25, 24, 30, 29, 28],
        )
    } else {
        (
            [0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, 16, 17, 18, 20],
            [21, 22, 24, 25, 26, 28, 29, 30],
        )
    };
    let (first, rest) = (vld1q_u8(first.as_ptr()), vld1_u8(rest.as_ptr()));
    for g in 0..n.div_ceil(8) {
        let j = (8 * g).min(n - 8);
        // Pixels 0-3 and 4-7 as bytes.
        let a = vqmovun_high_s16(vqmovun_s16(pass(4 * j)), pass(4 * j + 8));
        let b = vqmovun_high_s16(vqmovun_s16(pass(4 * j + 16)), pass(4 * j + 24));
        let bytes = uint8x16x2_t(a, b);
        let dst = levels.as_mut_ptr().add(3 * j);
        vst1q_u8(dst, vqtbl2q_u8(bytes, first));
        vst1_u8(dst.add(16), vqtbl2_u8(bytes, rest));
    }
}
