//! A frame's visible rectangle (CameraX's `ImageProxy.cropRect`): the part of the buffer that
//! is the picture, e.g. what a `ViewPort` shows the user. The planes are narrowed to it in
//! place (no copy), so the classifier's own crop (the centre square by default) is taken from
//! what the user sees, not from the whole sensor readout.

use movinet::{PixelFormat, Plane};

use crate::error::{BridgeError, BridgeResult};

/// A rectangle in the buffer's pixel coordinates (before rotation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    pub left: usize,
    pub top: usize,
    pub width: usize,
    pub height: usize,
}

/// Narrows `planes` (of a `width` x `height` frame of `format`) to `rect`; returns the new size.
///
/// 4:2:0 chroma covers pixels in pairs, so for YUV formats an odd `left` or `top` is moved one
/// pixel up or left (and the size grows by one): the rectangle starts on a chroma sample and
/// still covers every pixel asked for. A rectangle outside the frame, or empty, is an invalid
/// frame. The planes' lengths are checked by `Frame::new` afterwards, as for any frame.
pub fn narrow(
    format: PixelFormat,
    width: usize,
    height: usize,
    planes: &mut [Plane<'_>],
    rect: Rect,
) -> BridgeResult<(usize, usize)> {
    let inside = rect.width > 0
        && rect.height > 0
        && rect
            .left
            .checked_add(rect.width)
            .is_some_and(|r| r <= width)
        && rect
            .top
            .checked_add(rect.height)
            .is_some_and(|b| b <= height);
    if !inside {
        return Err(BridgeError::invalid_frame(format!(
            "invalid frame: visible rect {}x{} at ({}, {}) is not inside the {width}x{height} frame",
            rect.width, rect.height, rect.left, rect.top
        )));
    }
    let (left, top) = if format.is_yuv() {
        (rect.left & !1, rect.top & !1)
    } else {
        (rect.left, rect.top)
    };
    let new_width = rect.width + (rect.left - left);
    let new_height = rect.height + (rect.top - top);
    for (i, plane) in planes.iter_mut().enumerate() {
        // The luma (or packed) plane at full resolution, chroma at half.
        let (x, y) = if i == 0 || !format.is_yuv() {
            (left, top)
        } else {
            (left / 2, top / 2)
        };
        let offset = y
            .checked_mul(plane.row_stride)
            .and_then(|o| x.checked_mul(plane.pixel_stride)?.checked_add(o))
            .filter(|o| *o <= plane.data.len())
            .ok_or_else(|| {
                BridgeError::invalid_frame(format!(
                    "invalid frame: plane {i} has {} bytes, too few for the visible rect at ({}, {})",
                    plane.data.len(),
                    rect.left,
                    rect.top
                ))
            })?;
        plane.data = &plane.data[offset..];
    }
    Ok((new_width, new_height))
}

#[cfg(test)]
mod tests {
    use super::*;
    use movinet::Frame;

    /// An I420 frame whose samples say where they are: Y = x + 10 y, U = 100 + cx + 10 cy,
    /// V = 200 + cx + 10 cy.
    fn i420(w: usize, h: usize) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
        let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
        let y = (0..w * h).map(|i| (i % w + 10 * (i / w)) as u8).collect();
        let u = (0..cw * ch)
            .map(|i| (100 + i % cw + 10 * (i / cw)) as u8)
            .collect();
        let v = (0..cw * ch)
            .map(|i| (200 + i % cw + 10 * (i / cw)) as u8)
            .collect();
        (y, u, v)
    }

    #[test]
    fn yuv_planes_start_at_the_rect_and_chroma_at_its_pair() {
        let (y, u, v) = i420(8, 6);
        let mut planes = [
            Plane::new(&y, 8, 1),
            Plane::new(&u, 4, 1),
            Plane::new(&v, 4, 1),
        ];
        let rect = Rect {
            left: 2,
            top: 2,
            width: 4,
            height: 2,
        };
        let size = narrow(PixelFormat::I420, 8, 6, &mut planes, rect).unwrap();
        assert_eq!(size, (4, 2));
        assert_eq!(planes[0].data[0], 2 + 10 * 2);
        assert_eq!(planes[1].data[0], 100 + 1 + 10);
        assert_eq!(planes[2].data[0], 200 + 1 + 10);
        // The narrowed planes make a valid frame of the new size.
        Frame::new(PixelFormat::I420, size.0, size.1, &planes).unwrap();
    }

    #[test]
    fn odd_yuv_offsets_move_to_the_chroma_pair_and_keep_every_pixel() {
        let (y, u, v) = i420(8, 6);
        let mut planes = [
            Plane::new(&y, 8, 1),
            Plane::new(&u, 4, 1),
            Plane::new(&v, 4, 1),
        ];
        let rect = Rect {
            left: 3,
            top: 1,
            width: 5,
            height: 5,
        };
        let size = narrow(PixelFormat::I420, 8, 6, &mut planes, rect).unwrap();
        assert_eq!(size, (6, 6));
        assert_eq!(planes[0].data[0], 2);
        assert_eq!(planes[1].data[0], 101);
        Frame::new(PixelFormat::I420, size.0, size.1, &planes).unwrap();
    }

    #[test]
    fn packed_rgb_moves_by_whole_pixels() {
        let rgba: Vec<u8> = (0..6 * 4 * 4).map(|i| i as u8).collect();
        let mut planes = [Plane::new(&rgba, 24, 4)];
        let rect = Rect {
            left: 1,
            top: 3,
            width: 5,
            height: 1,
        };
        let size = narrow(PixelFormat::Rgba8888, 6, 4, &mut planes, rect).unwrap();
        assert_eq!(size, (5, 1));
        assert_eq!(planes[0].data[0], (3 * 24 + 4) as u8);
        Frame::new(PixelFormat::Rgba8888, 5, 1, &planes).unwrap();
    }

    #[test]
    fn a_rect_outside_the_frame_is_an_invalid_frame() {
        let (y, u, v) = i420(8, 6);
        for rect in [
            Rect {
                left: 0,
                top: 0,
                width: 9,
                height: 6,
            },
            Rect {
                left: 7,
                top: 0,
                width: 2,
                height: 1,
            },
            Rect {
                left: 0,
                top: 0,
                width: 0,
                height: 6,
            },
            Rect {
                left: usize::MAX,
                top: 0,
                width: 2,
                height: 1,
            },
        ] {
            let mut planes = [
                Plane::new(&y, 8, 1),
                Plane::new(&u, 4, 1),
                Plane::new(&v, 4, 1),
            ];
            let e = narrow(PixelFormat::I420, 8, 6, &mut planes, rect).unwrap_err();
            assert_eq!(e.kind(), Some(movinet::ErrorKind::InvalidFrame), "{rect:?}");
        }
    }
}
