//! Where each output pixel reads: the crop as a rectangle of the upright frame, and per output
//! row and per output column the two neighbouring source samples (their address terms in each
//! plane) and their weights, as OpenCV's `INTER_LINEAR` computes them.
//!
//! Output pixel (i, j) of a rotated or mirrored frame reads its source at an address that is
//! the sum of a term that depends only on i and one that depends only on j, whatever the
//! rotation; so two tables (rows and columns) describe every read of a frame geometry.

use super::Crop;
use crate::error::{Error, Result};
use crate::frame::{Frame, PixelFormat, Plane, Rotation};

/// OpenCV's `INTER_RESIZE_COEF_BITS`: interpolation weights are multiples of 1/2048.
pub(super) const COEF_SCALE: f32 = 2048.0;

/// The two neighbouring samples along one output axis: per plane (packed or Y, U, V), the
/// address terms of both, and the fixed-point weights (summing to 2048).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Tap {
    pub off: [[usize; 2]; 3],
    pub w: [i32; 2],
}

/// What the tables depend on besides the preprocessor's own settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Geometry {
    format: PixelFormat,
    width: usize,
    height: usize,
    strides: [(usize, usize); 3],
    rotation: Rotation,
    mirror: bool,
}

impl Geometry {
    pub fn of(frame: &Frame<'_>) -> Self {
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

/// A source axis and a coordinate on it.
#[derive(Clone, Copy)]
enum Src {
    Col(usize),
    Row(usize),
}

/// The row and column tables of one frame geometry.
#[derive(Debug, Clone, Default)]
pub(super) struct Tables {
    pub cols: Vec<Tap>,
    pub rows: Vec<Tap>,
}

impl Tables {
    /// Rebuilds both tables for `frame` cut to `crop` and resized to `out_width` x
    /// `out_height`.
    pub fn build(
        &mut self,
        frame: &Frame<'_>,
        crop: Crop,
        out_width: usize,
        out_height: usize,
    ) -> Result<()> {
        let (w, h) = (frame.width(), frame.height());
        let (uw, _) = frame.upright_size();
        let (cx, cy, cw, ch) = upright_crop(frame, crop)?;
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
            PixelFormat::I420 | PixelFormat::Yuv420888 => {
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
            linear_taps(cw, out_width, true)
                .map(|(s0, s1, w0, w1)| tap((cx + s0, cx + s1, w0, w1), &from_x)),
        );
        self.rows.clear();
        self.rows.extend(
            linear_taps(ch, out_height, false)
                .map(|(s0, s1, w0, w1)| tap((cy + s0, cy + s1, w0, w1), &from_y)),
        );
        Ok(())
    }
}

/// The crop as a rectangle (x, y, width, height) of the upright frame.
fn upright_crop(frame: &Frame<'_>, crop: Crop) -> Result<(usize, usize, usize, usize)> {
    let (w, h) = (frame.width(), frame.height());
    let (uw, uh) = frame.upright_size();
    Ok(match crop {
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

/// OpenCV INTER_LINEAR sampling of `dst` outputs from `src` inputs: per output, the two
/// source indices and their weights in 1/2048, computed exactly as `cv::resize` does (scale
/// as the inverse of `dst / src` in double, positions in float, weights rounded half to
/// even). Horizontally OpenCV clamps position and weight at the borders; vertically it
/// clamps only the rows read and keeps the weights.
pub(super) fn linear_taps(
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
