//! From a camera [`Frame`] to the model's input in one pass: colour conversion (BT.601 for
//! YUV), rotation, mirror, crop, bilinear resize and /255, written straight into the
//! session's input buffer. No full-resolution intermediate image is made, and a running
//! stream allocates nothing.
//!
//! The resize samples like OpenCV's `cv2.resize(..., INTER_LINEAR)`, which the reference
//! pipeline uses: output pixel `d` reads source position `(d + 0.5) * scale - 0.5` with
//! borders clamped.
//!
//! * RGB input (RGB888, RGBA8888, BGRA8888) is also computed like OpenCV's uint8 path: 11-bit
//!   fixed-point weights, a horizontal pass over the two source lines an output row needs,
//!   a vertical pass rounding to uint8, then / 255. The output is the reference's
//!   `cv2.resize(crop) / 255.0` bit for bit.
//! * YUV input (4:2:0) is interpolated as Y, U and V at the same positions, each chroma
//!   sample standing for its 2x2 luma block, with weights in 1/256; each output pixel is then
//!   converted to RGB once (BT.601, video or full range) in `f32`. Of the two output axes,
//!   one reads source rows: for each index on it, its two source rows are blended over the
//!   columns the crop needs (contiguous, vectorised), and the other axis reads two blended
//!   samples per channel.
//!
//! Output pixel (i, j) of a rotated or mirrored frame reads its source at an address that is
//! the sum of a term that depends only on i and one that depends only on j, whatever the
//! rotation. So the [`Preprocessor`] keeps, per output row and per output column, the two
//! neighbouring samples' address terms for each plane and their weights, and rebuilds these
//! tables only when the frame geometry (format, size, strides, rotation, mirror) changes.

use crate::error::{Error, Result};
use crate::frame::{Frame, PixelFormat, Plane, Rotation, YuvRange};
use crate::spec::ModelSpec;

/// Largest output side accepted.
const MAX_OUTPUT: usize = 4096;
/// OpenCV's `INTER_RESIZE_COEF_BITS`: interpolation weights are multiples of 1/2048.
const COEF_SCALE: f32 = 2048.0;

/// What the preprocessing writes: `f32` RGB in [0, 1], or `i8` levels (`v - 128` for the
/// uint8 level `v`, the model's int8 image input; see [`crate::session::InputMut`]).
pub trait InputValue: Copy + Default + sealed::Sealed {
    /// The value of the uint8 level `v` (0 to 255).
    fn from_level(v: i32) -> Self;
    /// The value of `x` in [0, 1]; int8 rounds it as the model's own QUANTIZE does.
    fn from_unit(x: f32) -> Self;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for i8 {}
}

impl InputValue for f32 {
    #[inline(always)]
    fn from_level(v: i32) -> Self {
        unit(v)
    }
    #[inline(always)]
    fn from_unit(x: f32) -> Self {
        x
    }
}

impl InputValue for i8 {
    #[inline(always)]
    fn from_level(v: i32) -> Self {
        (v as u8 ^ 0x80) as i8
    }
    #[inline(always)]
    fn from_unit(x: f32) -> Self {
        crate::int8_io::image_level(x)
    }
}

/// Which part of the upright frame becomes the model input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Crop {
    /// The centred square of side `min(width, height)` of the upright frame, offsets rounded
    /// down (`(W - s) / 2`), as the upstream examples and the reference do.
    #[default]
    CenterSquare,
    /// The whole upright frame, stretched to the model's aspect ratio.
    Stretch,
    /// A rectangle in the frame's own pixel coordinates, before rotation (like Android's
    /// `ImageProxy.cropRect`). It is rotated and mirrored with the frame and then stretched to
    /// the model's input.
    Region {
        x: usize,
        y: usize,
        width: usize,
        height: usize,
    },
}

/// The two neighbouring samples along one output axis: per plane (packed or Y, U, V), the
/// address terms of both, and the fixed-point weights (summing to 2048).
#[derive(Debug, Clone, Copy, Default)]
struct Tap {
    off: [[usize; 2]; 3],
    w: [i32; 2],
}

/// What the tables depend on besides the preprocessor's own settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Geometry {
    format: PixelFormat,
    width: usize,
    height: usize,
    strides: [(usize, usize); 3],
    rotation: Rotation,
    mirror: bool,
}

impl Geometry {
    fn of(frame: &Frame<'_>) -> Self {
        let mut strides = [(0, 0); 3];
        for (s, p) in strides.iter_mut().zip(frame.planes()) {
            *s = (p.row_stride, p.pixel_stride);
        }
        Self {
            format: frame.format(),
            width: frame.width(),
            height: frame.height(),
            strides,
            rotation: frame.rotation(),
            mirror: frame.mirror(),
        }
    }
}

/// Turns frames into model input. One per stream (it caches tables for the last frame
/// geometry); cheap to create.
#[derive(Debug, Clone)]
pub struct Preprocessor {
    out_width: usize,
    out_height: usize,
    crop: Crop,
    cols: Vec<Tap>,
    rows: Vec<Tap>,
    geometry: Option<Geometry>,
    /// The two horizontally resized source lines of the RGB path, tagged by line offset.
    lines: [(usize, Vec<i16>); 2],
    yuv: YuvPlan,
}

/// A source axis and a coordinate on it.
#[derive(Clone, Copy)]
enum Src {
    Col(usize),
    Row(usize),
}

impl Preprocessor {
    /// Output `width` x `height` (RGB, row-major, 3 values a pixel).
    pub fn new(width: usize, height: usize, crop: Crop) -> Result<Self> {
        if width == 0 || height == 0 || width > MAX_OUTPUT || height > MAX_OUTPUT {
            return Err(Error::InvalidOption(format!(
                "output size must be between 1 and {MAX_OUTPUT} on each side, got \
                 {width}x{height}"
            )));
        }
        check_crop(crop)?;
        Ok(Self {
            out_width: width,
            out_height: height,
            crop,
            cols: Vec::with_capacity(width),
            rows: Vec::with_capacity(height),
            geometry: None,
            lines: [(usize::MAX, Vec::new()), (usize::MAX, Vec::new())],
            yuv: YuvPlan::default(),
        })
    }

    /// For a model's input size.
    pub fn for_model(spec: &ModelSpec, crop: Crop) -> Result<Self> {
        Self::new(spec.width, spec.height, crop)
    }

    /// Output width and height.
    pub fn output_size(&self) -> (usize, usize) {
        (self.out_width, self.out_height)
    }

    /// Values one output holds (`width * height * 3`).
    pub fn output_len(&self) -> usize {
        self.out_width * self.out_height * 3
    }

    pub fn crop(&self) -> Crop {
        self.crop
    }

    pub fn set_crop(&mut self, crop: Crop) -> Result<()> {
        check_crop(crop)?;
        if crop != self.crop {
            self.crop = crop;
            self.geometry = None;
        }
        Ok(())
    }

    /// Checks the frame against the crop and readies the tables for its geometry (a no-op
    /// when it is the same as the last frame's).
    pub fn prepare(&mut self, frame: &Frame<'_>) -> Result<()> {
        let geometry = Geometry::of(frame);
        if self.geometry != Some(geometry) {
            self.geometry = None;
            self.build(frame)?;
            self.geometry = Some(geometry);
        }
        Ok(())
    }

    /// Writes the frame, upright, cropped and resized, as RGB into `out` (`output_len()`
    /// values, row-major height x width x 3): in [0, 1] as `f32`, or as int8 levels.
    pub fn run<T: InputValue>(&mut self, frame: &Frame<'_>, out: &mut [T]) -> Result<()> {
        if out.len() != self.output_len() {
            return Err(Error::InputSize {
                got: out.len(),
                expected: self.output_len(),
                height: self.out_height,
                width: self.out_width,
            });
        }
        self.prepare(frame)?;
        let planes = frame.planes();
        match frame.format() {
            PixelFormat::Rgb888 | PixelFormat::Rgba8888 => {
                self.packed::<false, T>(planes[0].data, out)
            }
            PixelFormat::Bgra8888 => self.packed::<true, T>(planes[0].data, out),
            PixelFormat::Nv21 | PixelFormat::Nv12 => self.yuv.run(
                [planes[0].data, planes[1].data, &[]],
                frame.range(),
                self.out_width,
                out,
            ),
            PixelFormat::I420 | PixelFormat::Yuv420 => self.yuv.run(
                [planes[0].data, planes[1].data, planes[2].data],
                frame.range(),
                self.out_width,
                out,
            ),
        }
        Ok(())
    }

    fn build(&mut self, frame: &Frame<'_>) -> Result<()> {
        let (w, h) = (frame.width(), frame.height());
        let (uw, _) = frame.upright_size();
        let (cx, cy, cw, ch) = self.upright_crop(frame)?;
        // Per plane: row stride, pixel stride, subsampling shift (1 for 4:2:0 chroma).
        let planes = frame.planes();
        let mut desc = [(0usize, 0usize, 0u32); 3];
        let chroma = |p: &Plane<'_>| (p.row_stride, p.pixel_stride, 1);
        match frame.format() {
            PixelFormat::Rgb888 | PixelFormat::Rgba8888 | PixelFormat::Bgra8888 => {
                desc[0] = (planes[0].row_stride, planes[0].pixel_stride, 0);
            }
            PixelFormat::Nv21 | PixelFormat::Nv12 => {
                desc = [
                    (planes[0].row_stride, 1, 0),
                    chroma(&planes[1]),
                    chroma(&planes[1]),
                ];
            }
            PixelFormat::I420 | PixelFormat::Yuv420 => {
                desc = [
                    (planes[0].row_stride, 1, 0),
                    chroma(&planes[1]),
                    chroma(&planes[2]),
                ];
            }
        }
        let rotation = frame.rotation();
        let mirror = frame.mirror();
        // Upright x and y to the source axis and coordinate they read.
        let from_x = |ux: usize| {
            let ux = if mirror { uw - 1 - ux } else { ux };
            match rotation {
                Rotation::Deg0 => Src::Col(ux),
                Rotation::Deg90 => Src::Row(h - 1 - ux),
                Rotation::Deg180 => Src::Col(w - 1 - ux),
                Rotation::Deg270 => Src::Row(ux),
            }
        };
        let from_y = |uy: usize| match rotation {
            Rotation::Deg0 => Src::Row(uy),
            Rotation::Deg90 => Src::Col(uy),
            Rotation::Deg180 => Src::Row(h - 1 - uy),
            Rotation::Deg270 => Src::Col(w - 1 - uy),
        };
        let offsets = |src: Src| {
            let mut o = [0usize; 3];
            for (o, &(rs, ps, shift)) in o.iter_mut().zip(&desc) {
                *o = match src {
                    Src::Col(x) => (x >> shift) * ps,
                    Src::Row(y) => (y >> shift) * rs,
                };
            }
            o
        };
        let tap = |(s0, s1, w0, w1): (usize, usize, i32, i32), map: &dyn Fn(usize) -> Src| {
            let (o0, o1) = (offsets(map(s0)), offsets(map(s1)));
            Tap {
                off: [[o0[0], o1[0]], [o0[1], o1[1]], [o0[2], o1[2]]],
                w: [w0, w1],
            }
        };
        self.cols.clear();
        self.cols.extend(
            linear_taps(cw, self.out_width, true)
                .map(|(s0, s1, w0, w1)| tap((cx + s0, cx + s1, w0, w1), &from_x)),
        );
        self.rows.clear();
        self.rows.extend(
            linear_taps(ch, self.out_height, false)
                .map(|(s0, s1, w0, w1)| tap((cy + s0, cy + s1, w0, w1), &from_y)),
        );
        if frame.format().is_yuv() {
            self.yuv.plan(frame, &self.rows, &self.cols)?;
        }
        Ok(())
    }

    /// The crop as a rectangle (x, y, width, height) of the upright frame.
    fn upright_crop(&self, frame: &Frame<'_>) -> Result<(usize, usize, usize, usize)> {
        let (w, h) = (frame.width(), frame.height());
        let (uw, uh) = frame.upright_size();
        Ok(match self.crop {
            Crop::CenterSquare => {
                let s = uw.min(uh);
                ((uw - s) / 2, (uh - s) / 2, s, s)
            }
            Crop::Stretch => (0, 0, uw, uh),
            Crop::Region {
                x,
                y,
                width,
                height,
            } => {
                let inside = x.checked_add(width).is_some_and(|r| r <= w)
                    && y.checked_add(height).is_some_and(|b| b <= h);
                if !inside {
                    return Err(Error::InvalidFrame(format!(
                        "crop region x={x} y={y} width={width} height={height} is not inside \
                         the {w}x{h} frame"
                    )));
                }
                // Source pixel to upright pixel, the inverse of `build`'s mapping.
                let upright = |sx: usize, sy: usize| {
                    let (ux, uy) = match frame.rotation() {
                        Rotation::Deg0 => (sx, sy),
                        Rotation::Deg90 => (h - 1 - sy, sx),
                        Rotation::Deg180 => (w - 1 - sx, h - 1 - sy),
                        Rotation::Deg270 => (sy, w - 1 - sx),
                    };
                    (if frame.mirror() { uw - 1 - ux } else { ux }, uy)
                };
                let (ax, ay) = upright(x, y);
                let (bx, by) = upright(x + width - 1, y + height - 1);
                (
                    ax.min(bx),
                    ay.min(by),
                    ax.abs_diff(bx) + 1,
                    ay.abs_diff(by) + 1,
                )
            }
        })
    }

    /// Packed RGB(A) input (`BGR`: B, G, R in memory), with OpenCV's uint8 arithmetic:
    /// a horizontal pass (values x 2048, kept as `>> 4` in i16 as OpenCV's vertical pass
    /// reads them) over the two source lines each output row needs, then the vertical pass
    /// rounding to uint8, vectorised over the row.
    fn packed<const BGR: bool, T: InputValue>(&mut self, data: &[u8], out: &mut [T]) {
        let row_len = self.out_width * 3;
        let Self {
            rows, cols, lines, ..
        } = self;
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
fn unit(v: i32) -> f32 {
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

fn check_crop(crop: Crop) -> Result<()> {
    if let Crop::Region { width, height, .. } = crop {
        if width == 0 || height == 0 {
            return Err(Error::InvalidOption(format!(
                "crop region must not be empty, got {width}x{height}"
            )));
        }
    }
    Ok(())
}

/// OpenCV INTER_LINEAR sampling of `dst` outputs from `src` inputs: per output, the two
/// source indices and their weights in 1/2048, computed exactly as `cv::resize` does (scale
/// as the inverse of `dst / src` in double, positions in float, weights rounded half to
/// even). Horizontally OpenCV clamps position and weight at the borders; vertically it
/// clamps only the rows read and keeps the weights.
fn linear_taps(
    src: usize,
    dst: usize,
    horizontal: bool,
) -> impl Iterator<Item = (usize, usize, i32, i32)> {
    let scale = 1.0 / (dst as f64 / src as f64);
    let last = src as i64 - 1;
    (0..dst).map(move |d| {
        let pos = ((d as f64 + 0.5) * scale - 0.5) as f32;
        let mut s = pos.floor() as i64;
        let mut f = pos - s as f32;
        let (s0, s1) = if horizontal {
            if s < 0 {
                (s, f) = (0, 0.0);
            }
            if s >= last {
                (s, f) = (last, 0.0);
            }
            (s, (s + 1).min(last))
        } else {
            (s.clamp(0, last), (s + 1).clamp(0, last))
        };
        let w1 = (f * COEF_SCALE).round_ties_even() as i32;
        let w0 = ((1.0 - f) * COEF_SCALE).round_ties_even() as i32;
        (s0 as usize, s1 as usize, w0, w1)
    })
}

/// The YUV pass. Of the two output axes, one reads source rows (the output rows, or the
/// output columns when the rotation is 90 or 270 degrees): for each index on it, the two
/// source rows it reads are blended over the span of columns the crop needs, contiguously
/// (vectorised); then each output pixel along the other axis reads two blended samples per
/// channel. Weights here are in 1/256 (the RGB path keeps OpenCV's 1/2048).
#[derive(Debug, Clone, Default)]
struct YuvPlan {
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
    fn plan(&mut self, frame: &Frame<'_>, rows: &[Tap], cols: &[Tap]) -> Result<()> {
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

    fn run<T: InputValue>(
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
    fn run_portable<T: InputValue>(
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

/// Hints the CPU to start loading `bytes` into the cache (one hint per 64-byte line). Only a
/// hint: it never faults and changes no result.
#[inline]
fn prefetch(bytes: &[u8]) {
    #[cfg(target_arch = "x86_64")]
    for line in bytes.chunks(64) {
        // SAFETY: a prefetch hint on an address inside a live slice; SSE is part of x86_64.
        unsafe {
            std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
                line.as_ptr().cast(),
            )
        };
    }
    #[cfg(target_arch = "aarch64")]
    for line in bytes.chunks(64) {
        // SAFETY: PRFM is a hint on an address inside a live slice; it reads and writes no
        // register or memory the program sees.
        unsafe {
            std::arch::asm!("prfm pldl1keep, [{0}]", in(reg) line.as_ptr(), options(nostack, preserves_flags, readonly))
        };
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    let _ = bytes;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The straightforward way: build the upright RGB image, crop it, resize with OpenCV's
    /// uint8 arithmetic. The fused pass must equal it exactly.
    fn naive_rgb(frame: &Frame<'_>, crop: Crop, ow: usize, oh: usize) -> Vec<f32> {
        let (w, h) = (frame.width(), frame.height());
        let p = frame.planes()[0];
        let order = match frame.format() {
            PixelFormat::Bgra8888 => [2, 1, 0],
            _ => [0, 1, 2],
        };
        let px = |i: usize, c: usize| {
            f64::from(p.data[i / w * p.row_stride + i % w * p.pixel_stride + order[c]])
        };
        let img = (0..w * h).map(|i| [px(i, 0), px(i, 1), px(i, 2)]).collect();
        naive(frame, img, crop, ow, oh, true)
    }

    /// The straightforward way for YUV: every source pixel's Y, U, V (chroma of the 2x2
    /// block it is in), upright, crop, float bilinear at OpenCV's positions, then BT.601.
    fn naive_yuv(frame: &Frame<'_>, crop: Crop, ow: usize, oh: usize) -> Vec<f32> {
        let (w, h) = (frame.width(), frame.height());
        let p = frame.planes();
        let (u, v) = match frame.format() {
            PixelFormat::Nv21 => ((p[1], 1), (p[1], 0)),
            PixelFormat::Nv12 => ((p[1], 0), (p[1], 1)),
            _ => ((p[1], 0), (p[2], 0)),
        };
        let chroma = |(q, shift): (Plane<'_>, usize), x: usize, y: usize| {
            f64::from(q.data[y / 2 * q.row_stride + x / 2 * q.pixel_stride + shift]) - 128.0
        };
        let (ky, y0, kc) = match frame.range() {
            YuvRange::Video => (255.0 / 219.0, 16.0, 255.0 / 224.0),
            YuvRange::Full => (1.0, 0.0, 1.0),
        };
        let img = (0..w * h)
            .map(|i| {
                let (x, y) = (i % w, i / w);
                let yy = f64::from(p[0].data[y * p[0].row_stride + x]);
                [yy, chroma(u, x, y), chroma(v, x, y)]
            })
            .collect();
        // Interpolated Y, U', V' (x 255), then BT.601.
        let yuv = naive(frame, img, crop, ow, oh, false);
        yuv.chunks(3)
            .flat_map(|c| {
                let [yy, uu, vv] = [c[0], c[1], c[2]].map(|x| f64::from(x) * 255.0);
                let (yy, uu, vv) = (ky * (yy - y0), kc * uu, kc * vv);
                [
                    yy + 1.402 * vv,
                    yy - 0.344136 * uu - 0.714136 * vv,
                    yy + 1.772 * uu,
                ]
                .map(|c| (c.clamp(0.0, 255.0) / 255.0) as f32)
            })
            .collect()
    }

    #[allow(clippy::needless_range_loop)]
    /// Upright, crop and resize a full-resolution RGB image of the frame: OpenCV's uint8
    /// arithmetic when `exact`, float bilinear otherwise.
    fn naive(
        frame: &Frame<'_>,
        mut img: Vec<[f64; 3]>,
        crop: Crop,
        ow: usize,
        oh: usize,
        exact: bool,
    ) -> Vec<f32> {
        let (w, h) = (frame.width(), frame.height());
        let (mut iw, mut ih) = (w, h);
        let mut mask: Vec<bool> = match crop {
            Crop::Region {
                x,
                y,
                width,
                height,
            } => (0..w * h)
                .map(|i| (x..x + width).contains(&(i % w)) && (y..y + height).contains(&(i / w)))
                .collect(),
            _ => vec![true; w * h],
        };
        for _ in 0..frame.rotation().degrees() / 90 {
            img = rotate_cw(&img, iw, ih);
            mask = rotate_cw(&mask, iw, ih);
            (iw, ih) = (ih, iw);
        }
        if frame.mirror() {
            for row in 0..ih {
                img[row * iw..(row + 1) * iw].reverse();
                mask[row * iw..(row + 1) * iw].reverse();
            }
        }
        let (cx, cy, cw, ch) = match crop {
            Crop::CenterSquare => {
                let s = iw.min(ih);
                ((iw - s) / 2, (ih - s) / 2, s, s)
            }
            Crop::Stretch => (0, 0, iw, ih),
            Crop::Region { .. } => {
                let first = mask.iter().position(|&m| m).unwrap();
                let last = mask.iter().rposition(|&m| m).unwrap();
                (
                    first % iw,
                    first / iw,
                    last % iw - first % iw + 1,
                    last / iw - first / iw + 1,
                )
            }
        };
        let xs: Vec<_> = linear_taps(cw, ow, true).collect();
        let ys: Vec<_> = linear_taps(ch, oh, false).collect();
        let mut out = Vec::new();
        for &(y0, y1, b0, b1) in &ys {
            for &(x0, x1, a0, a1) in &xs {
                for c in 0..3 {
                    let at = |x: usize, y: usize| img[(cy + y) * iw + cx + x][c];
                    if exact {
                        let at = |x, y| at(x, y) as i32;
                        let h0 = at(x0, y0) * a0 + at(x1, y0) * a1;
                        let h1 = at(x0, y1) * a0 + at(x1, y1) * a1;
                        let v = (((b0 * (h0 >> 4)) >> 16) + ((b1 * (h1 >> 4)) >> 16) + 2) >> 2;
                        out.push(v as f32 / 255.0);
                    } else {
                        let [a0, a1, b0, b1] = [a0, a1, b0, b1].map(|w| f64::from(w) / 2048.0);
                        let h0 = at(x0, y0) * a0 + at(x1, y0) * a1;
                        let h1 = at(x0, y1) * a0 + at(x1, y1) * a1;
                        out.push(((h0 * b0 + h1 * b1) / 255.0) as f32);
                    }
                }
            }
        }
        out
    }

    /// An image turned a quarter clockwise: new (x, y) is old (y, h - 1 - x).
    fn rotate_cw<T: Copy>(v: &[T], w: usize, h: usize) -> Vec<T> {
        let mut r = Vec::with_capacity(v.len());
        for ny in 0..w {
            for nx in 0..h {
                r.push(v[(h - 1 - nx) * w + ny]);
            }
        }
        r
    }

    fn pseudo_random(n: usize, seed: u64) -> Vec<u8> {
        let mut s = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (0..n)
            .map(|_| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (s >> 56) as u8
            })
            .collect()
    }

    #[test]
    fn fused_rgb_equals_rotate_crop_then_resize() {
        let sizes = [
            (7, 5, 4, 3),
            (13, 17, 6, 6),
            (5, 9, 11, 8),
            (3, 3, 3, 3),
            (1, 4, 2, 5),
        ];
        for (n, &(w, h, ow, oh)) in sizes.iter().enumerate() {
            let (x, y) = (w / 3, h / 4);
            let region = Crop::Region {
                x,
                y,
                width: w - x - w / 5,
                height: h - y - h / 5,
            };
            let crops = [Crop::CenterSquare, Crop::Stretch, region];
            for format in [PixelFormat::Rgb888, PixelFormat::Bgra8888] {
                let bpp = if format == PixelFormat::Rgb888 { 3 } else { 4 };
                let stride = w * bpp + 5;
                let data = pseudo_random(stride * h, n as u64);
                for deg in [0, 90, 180, 270] {
                    for mirror in [false, true] {
                        for crop in crops {
                            let frame = Frame::new(format, w, h, &[Plane::new(&data, stride, bpp)])
                                .unwrap()
                                .with_rotation(Rotation::from_degrees(deg).unwrap())
                                .with_mirror(mirror);
                            let mut pre = Preprocessor::new(ow, oh, crop).unwrap();
                            let mut out = vec![0.0; ow * oh * 3];
                            pre.run(&frame, &mut out).unwrap();
                            assert_eq!(
                                out,
                                naive_rgb(&frame, crop, ow, oh),
                                "{w}x{h} {format:?} {deg} {mirror} {crop:?}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn fused_yuv_is_bilinear_of_the_converted_frame() {
        let sizes: [(usize, usize, usize, usize); 5] = [
            (8, 6, 5, 4),
            (13, 17, 6, 6),
            (6, 10, 11, 8),
            (2, 2, 3, 3),
            (31, 9, 4, 7),
        ];
        let mut worst = 0.0f32;
        for (n, &(w, h, ow, oh)) in sizes.iter().enumerate() {
            let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
            let y = pseudo_random((w + 3) * h, n as u64);
            let (ys, cs) = (w + 3, cw * 2 + 1);
            let uv = pseudo_random(cs * ch, 100 + n as u64);
            let u = pseudo_random(cw * ch, 200 + n as u64);
            let v = pseudo_random(cw * ch, 300 + n as u64);
            let frames = [
                Frame::nv21(&y, ys, &uv, cs, w, h).unwrap(),
                Frame::nv12(&y, ys, &uv, cs, w, h).unwrap(),
                Frame::i420(&y, ys, &u, cw, &v, cw, w, h).unwrap(),
                Frame::yuv_420_888(&y, &uv[1..], &uv, ys, cs, 2, w, h).unwrap(),
            ];
            let region = Crop::Region {
                x: w / 3,
                y: h / 4,
                width: w - w / 3 - w / 5,
                height: h - h / 4 - h / 5,
            };
            for frame in frames {
                for deg in [0, 90, 180, 270] {
                    for (mirror, range) in [(false, YuvRange::Video), (true, YuvRange::Full)] {
                        for crop in [Crop::CenterSquare, Crop::Stretch, region] {
                            let frame = frame
                                .with_rotation(Rotation::from_degrees(deg).unwrap())
                                .with_mirror(mirror)
                                .with_range(range);
                            let mut pre = Preprocessor::new(ow, oh, crop).unwrap();
                            let mut out = vec![0.0; ow * oh * 3];
                            pre.run(&frame, &mut out).unwrap();
                            let want = naive_yuv(&frame, crop, ow, oh);
                            for (k, (a, b)) in out.iter().zip(&want).enumerate() {
                                let d = (a - b).abs();
                                worst = worst.max(d);
                                assert!(
                                    d <= 1.0 / 255.0,
                                    "{w}x{h} {:?} {deg} {mirror} {crop:?} value {k}: {a} vs {b}",
                                    frame.format()
                                );
                            }
                        }
                    }
                }
            }
        }
        // Weights in 1/256 instead of exact ones: well under a level on random samples.
        assert!(worst > 0.0 && worst < 1.0 / 255.0, "{worst}");
    }

    #[test]
    fn unit_is_exact_division_by_255() {
        for v in 0..=255 {
            assert_eq!(unit(v), v as f32 / 255.0, "{v}");
        }
    }

    #[test]
    fn same_size_is_a_copy_and_halving_averages() {
        let data: Vec<u8> = (0..4 * 2 * 3).map(|i| (i * 10) as u8).collect();
        let frame = Frame::rgb888(&data, 4, 2, 12).unwrap();
        let mut pre = Preprocessor::new(4, 2, Crop::Stretch).unwrap();
        let mut out = vec![0.0; 24];
        pre.run(&frame, &mut out).unwrap();
        let want: Vec<f32> = data.iter().map(|&v| f32::from(v) / 255.0).collect();
        assert_eq!(out, want);
        let mut half = Preprocessor::new(2, 1, Crop::Stretch).unwrap();
        let mut out = vec![0.0; 6];
        half.run(&frame, &mut out).unwrap();
        // Pixel (0, 0) averages source pixels (0,0), (1,0), (0,1), (1,1), red channel.
        // (0 + 30 + 120 + 150 + 2) >> 2
        assert_eq!(out[0], 75.0 / 255.0);
    }

    /// The AVX2 build of the YUV pass must give the same bits as the portable one (it is
    /// the same code; this guards against fused multiply-adds or reordering creeping in).
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn avx2_build_gives_the_portable_bits() {
        if !std::is_x86_feature_detected!("avx2") {
            return;
        }
        let (w, h) = (64, 48);
        let y = pseudo_random(w * h, 1);
        let vu = pseudo_random(w * h / 2, 2);
        for (rotation, out) in [(Rotation::Deg0, 20), (Rotation::Deg90, 17)] {
            let frame = Frame::nv21(&y, w, &vu, w, w, h)
                .unwrap()
                .with_rotation(rotation)
                .with_mirror(true);
            let mut pre = Preprocessor::new(out, out, Crop::CenterSquare).unwrap();
            let mut auto = vec![0.0; out * out * 3];
            pre.run(&frame, &mut auto).unwrap();
            let mut portable = vec![0.0; out * out * 3];
            let planes = frame.planes();
            pre.yuv.run_portable(
                [planes[0].data, planes[1].data, &[]],
                frame.range(),
                out,
                &mut portable,
            );
            let same = auto
                .iter()
                .zip(&portable)
                .all(|(a, b)| a.to_bits() == b.to_bits());
            assert!(same, "AVX2 and portable results differ ({rotation:?})");
        }
    }

    #[test]
    fn yuv_matches_float_bt601_of_the_same_samples() {
        // A smooth image so that bilinear in YUV and in RGB agree up to rounding.
        let (w, h) = (9, 7);
        let y: Vec<u8> = (0..w * h)
            .map(|i| (16 + (i % w) * 20 + (i / w) * 3) as u8)
            .collect();
        let (cw, ch) = (5, 4);
        let u: Vec<u8> = (0..cw * ch).map(|i| (100 + i * 3) as u8).collect();
        let v: Vec<u8> = (0..cw * ch).map(|i| (150 - i * 2) as u8).collect();
        let frame = Frame::i420(&y, w, &u, cw, &v, cw, w, h).unwrap();
        let mut pre = Preprocessor::new(w, h, Crop::Stretch).unwrap();
        let mut out = vec![0.0; w * h * 3];
        pre.run(&frame, &mut out).unwrap();
        for py in 0..h {
            for px in 0..w {
                let yy = f64::from(y[py * w + px]);
                let uu = f64::from(u[py / 2 * cw + px / 2]) - 128.0;
                let vv = f64::from(v[py / 2 * cw + px / 2]) - 128.0;
                let c = 1.164383 * (yy - 16.0);
                let rgb = [
                    c + 1.596027 * vv,
                    c - 0.391762 * uu - 0.812968 * vv,
                    c + 2.017232 * uu,
                ];
                for (k, want) in rgb.iter().enumerate() {
                    let got = f64::from(out[(py * w + px) * 3 + k]);
                    let want = want.clamp(0.0, 255.0) / 255.0;
                    assert!(
                        (got - want).abs() < 1e-4,
                        "({px},{py}) ch {k}: {got} vs {want}"
                    );
                }
            }
        }
        // Full range: Y passes straight through when U = V = 128.
        let grey = vec![128u8; cw * ch];
        let frame = Frame::i420(&y, w, &grey, cw, &grey, cw, w, h)
            .unwrap()
            .with_range(YuvRange::Full);
        pre.run(&frame, &mut out).unwrap();
        for (i, &yy) in y.iter().enumerate() {
            for k in 0..3 {
                assert!((out[i * 3 + k] - f32::from(yy) / 255.0).abs() < 1e-5);
            }
        }
    }

    #[test]
    fn region_outside_the_frame_and_wrong_output_are_errors() {
        let data = vec![0u8; 8 * 6 * 3];
        let frame = Frame::rgb888(&data, 8, 6, 24).unwrap();
        let region = Crop::Region {
            x: 5,
            y: 0,
            width: 4,
            height: 2,
        };
        let mut pre = Preprocessor::new(4, 4, region).unwrap();
        let mut out = vec![0.0; 48];
        match pre.run(&frame, &mut out) {
            Err(Error::InvalidFrame(m)) => {
                assert!(
                    m.contains("x=5 y=0 width=4 height=2 is not inside the 8x6 frame"),
                    "{m}"
                )
            }
            other => panic!("{other:?}"),
        }
        let huge = Crop::Region {
            x: usize::MAX,
            y: 0,
            width: 4,
            height: 2,
        };
        pre.set_crop(huge).unwrap();
        assert!(pre.run(&frame, &mut out).is_err());
        assert!(matches!(
            Preprocessor::new(
                4,
                4,
                Crop::Region {
                    x: 0,
                    y: 0,
                    width: 0,
                    height: 2
                }
            ),
            Err(Error::InvalidOption(_))
        ));
        assert!(matches!(
            Preprocessor::new(0, 4, Crop::Stretch),
            Err(Error::InvalidOption(_))
        ));
        pre.set_crop(Crop::Stretch).unwrap();
        assert!(matches!(
            pre.run(&frame, &mut out[1..]),
            Err(Error::InputSize { .. })
        ));
        pre.run(&frame, &mut out).unwrap();
    }
}
