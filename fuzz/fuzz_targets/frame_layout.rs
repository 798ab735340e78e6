//! Arbitrary frame layouts (format, size, planes with any length and strides, rotation, mirror,
//! crop, output size) through `Frame::new` and the `Preprocessor`: an inconsistent layout must
//! be an `InvalidFrame` / `InvalidOption` error, a consistent one must preprocess to values in
//! [0, 1]. Never a panic, never an out-of-bounds access (ASan).

#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use movinet::{Crop, Error, Frame, PixelFormat, Plane, Preprocessor, Rotation};

/// Largest plane the target allocates: bigger claimed lengths are capped (and so short).
const MAX_PLANE: usize = 1 << 20;

/// A plane: either raw values, or the consistent layout for the format nudged by small
/// deltas (so that accepted frames, and the edges of acceptance, are reached often).
#[derive(Arbitrary, Debug)]
enum PlaneSpec {
    Raw {
        len: u32,
        row_stride: u64,
        pixel_stride: u64,
        fill: u8,
    },
    Near {
        stride_delta: i8,
        len_delta: i16,
        pixel_stride: u8,
        fill: u8,
    },
}

/// (columns, rows, bytes per sample, natural pixel stride) of plane `i` of `format`.
fn natural(format: PixelFormat, i: usize, w: usize, h: usize) -> (usize, usize, usize, usize) {
    let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
    match (format, i) {
        (PixelFormat::Rgb888, _) => (w, h, 3, 3),
        (PixelFormat::Rgba8888 | PixelFormat::Bgra8888, _) => (w, h, 4, 4),
        (_, 0) => (w, h, 1, 1),
        (PixelFormat::Nv21 | PixelFormat::Nv12, _) => (cw, ch, 2, 2),
        (PixelFormat::I420, _) => (cw, ch, 1, 1),
        _ => (cw, ch, 1, 2),
    }
}

/// Bytes, row stride and pixel stride of a plane.
fn layout(
    spec: &PlaneSpec,
    format: PixelFormat,
    i: usize,
    w: usize,
    h: usize,
) -> (usize, usize, usize, u8) {
    match *spec {
        PlaneSpec::Raw {
            len,
            row_stride,
            pixel_stride,
            fill,
        } => (
            len as usize,
            row_stride as usize,
            pixel_stride as usize,
            fill,
        ),
        PlaneSpec::Near {
            stride_delta,
            len_delta,
            pixel_stride,
            fill,
        } => {
            let (cols, rows, sample, natural_ps) = natural(format, i, w.max(1), h.max(1));
            let ps = match pixel_stride % 8 {
                0..=5 => natural_ps,
                k => k as usize - 5,
            };
            let row = (cols.saturating_sub(1)) * ps + sample;
            let stride = (row as i64 + i64::from(stride_delta)).max(0) as usize;
            let len = stride * (rows - 1) + row;
            let len = (len as i64 + i64::from(len_delta)).max(0) as usize;
            (len, stride, ps, fill)
        }
    }
}

#[derive(Arbitrary, Debug)]
enum CropSpec {
    Center,
    Stretch,
    Region { x: u32, y: u32, w: u32, h: u32 },
}

#[derive(Arbitrary, Debug)]
struct Input {
    format: u8,
    width: u16,
    height: u16,
    planes: Vec<PlaneSpec>,
    rotation: i32,
    mirror: bool,
    crop: CropSpec,
    out_w: u8,
    out_h: u8,
    second_frame: bool,
}

fuzz_target!(|input: Input| {
    let format = PixelFormat::ALL[input.format as usize % PixelFormat::ALL.len()];
    let (w, h) = (input.width as usize, input.height as usize);
    let layouts: Vec<_> = input
        .planes
        .iter()
        .take(4)
        .enumerate()
        .map(|(i, p)| layout(p, format, i, w, h))
        .collect();
    let buffers: Vec<Vec<u8>> = layouts
        .iter()
        // Bigger claimed lengths are capped, and so short: they must be refused.
        .map(|&(len, _, _, fill)| {
            (0..len.min(MAX_PLANE))
                .map(|k| fill.wrapping_add(k as u8))
                .collect()
        })
        .collect();
    let planes: Vec<Plane<'_>> = buffers
        .iter()
        .zip(&layouts)
        .map(|(b, &(_, stride, ps, _))| Plane::new(b, stride, ps))
        .collect();
    let frame = match Frame::new(format, input.width as usize, input.height as usize, &planes) {
        Ok(f) => f,
        Err(Error::InvalidFrame(m)) => {
            assert!(!m.is_empty());
            return;
        }
        Err(other) => panic!("unexpected error kind: {other:?}"),
    };
    let rotation = match Rotation::from_degrees(input.rotation) {
        Ok(r) => r,
        Err(Error::InvalidFrame(_)) => {
            assert!(input.rotation % 90 != 0);
            return;
        }
        Err(other) => panic!("unexpected error kind: {other:?}"),
    };
    let frame = frame.with_rotation(rotation).with_mirror(input.mirror);
    let crop = match input.crop {
        CropSpec::Center => Crop::CenterSquare,
        CropSpec::Stretch => Crop::Stretch,
        CropSpec::Region { x, y, w, h } => Crop::Region {
            x: x as usize,
            y: y as usize,
            width: w as usize,
            height: h as usize,
        },
    };
    let (ow, oh) = (input.out_w as usize, input.out_h as usize);
    let mut pre = match Preprocessor::new(ow, oh, crop) {
        Ok(p) => p,
        Err(Error::InvalidOption(_)) => return,
        Err(other) => panic!("unexpected error kind: {other:?}"),
    };
    let mut out = vec![-1.0f32; ow * oh * 3];
    // Twice: the second run reuses the tables the first one built for this layout.
    for _ in 0..if input.second_frame { 2 } else { 1 } {
        match pre.run(&frame, &mut out) {
            Ok(()) => assert!(
                out.iter().all(|v| (0.0..=1.0).contains(v)),
                "value outside [0, 1]"
            ),
            Err(Error::InvalidFrame(_) | Error::InvalidOption(_)) => return,
            Err(other) => panic!("unexpected error kind: {other:?}"),
        }
    }
    // A wrong-sized output buffer is an error, not a write out of bounds.
    let mut short = vec![0.0f32; (ow * oh * 3).saturating_sub(1)];
    assert!(pre.run(&frame, &mut short).is_err());
});
