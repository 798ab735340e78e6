//! The RGB path (RGB888, RGBA8888, BGRA8888), computed like OpenCV's uint8 resize: 11-bit
//! fixed-point weights, a horizontal pass over the two source lines an output row needs, a
//! vertical pass rounding to uint8. The output is the reference's `cv2.resize(crop)` bit for
//! bit.

use super::geometry::Tap;
use super::InputValue;

/// The two horizontally resized source lines, tagged by line offset.
#[derive(Debug, Clone)]
pub(super) struct RgbPlan {
    lines: [(usize, Vec<i16>); 2],
}

impl Default for RgbPlan {
    fn default() -> Self {
        Self {
            lines: [(usize::MAX, Vec::new()), (usize::MAX, Vec::new())],
        }
    }
}

impl RgbPlan {
    /// Packed RGB(A) input (`BGR`: B, G, R in memory), with OpenCV's uint8 arithmetic:
    /// a horizontal pass (values x 2048, kept as `>> 4` in i16 as OpenCV's vertical pass
    /// reads them) over the two source lines each output row needs, then the vertical pass
    /// rounding to uint8, vectorised over the row.
    pub fn run<const BGR: bool, T: InputValue>(
        &mut self,
        data: &[u8],
        rows: &[Tap],
        cols: &[Tap],
        out_width: usize,
        out: &mut [T],
    ) {
        let row_len = out_width * 3;
        let lines = &mut self.lines;
        for l in lines.iter_mut() {
            l.0 = usize::MAX;
            l.1.resize(row_len, 0);
        }
        for (row, out_row) in rows.iter().zip(out.chunks_exact_mut(row_len)) {
            let [r0, r1] = row.off[0];
            // Lines stay valid from one output row to the next when they share a source line.
            if lines[0].0 != r0 {
                if lines[1].0 == r0 {
                    lines.swap(0, 1);
                } else {
                    lines[0].0 = r0;
                    horizontal::<BGR>(data, r0, cols, &mut lines[0].1);
                }
            }
            if lines[1].0 != r1 {
                lines[1].0 = r1;
                horizontal::<BGR>(data, r1, cols, &mut lines[1].1);
            }
            vertical(row.w, &lines[0].1, &lines[1].1, out_row);
        }
    }
}

/// OpenCV's vertical pass for uint8 (`VResizeLinear<uchar, int, short, FixedPtCast>`):
/// `((b0 * h0) >> 16) + ((b1 * h1) >> 16)`, rounded `>> 2` to uint8, then / 255.
fn vertical<T: InputValue>(w: [i32; 2], h0: &[i16], h1: &[i16], out: &mut [T]) {
    let [b0, b1] = w;
    for (o, (&h0, &h1)) in out.iter_mut().zip(h0.iter().zip(h1)) {
        let v = ((b0 * i32::from(h0)) >> 16) + ((b1 * i32::from(h1)) >> 16);
        *o = T::from_level((v + 2) >> 2);
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

/// OpenCV's horizontal pass of one source line (`line` is its offset) into `out`, 3 values a
/// pixel in R, G, B order, each `(p0 * a0 + p1 * a1) >> 4`. `BGR`: the source pixel is B, G,
/// R in memory.
fn horizontal<const BGR: bool>(data: &[u8], line: usize, cols: &[Tap], out: &mut [i16]) {
    let data = &data[line..];
    for (col, px) in cols.iter().zip(out.chunks_exact_mut(3)) {
        let [c0, c1] = col.off[0];
        let [a0, a1] = col.w;
        let (p0, p1) = (&data[c0..], &data[c1..]);
        let order = if BGR { [2, 1, 0] } else { [0, 1, 2] };
        for (o, k) in px.iter_mut().zip(order) {
            *o = ((i32::from(p0[k]) * a0 + i32::from(p1[k]) * a1) >> 4) as i16;
        }
    }
}
