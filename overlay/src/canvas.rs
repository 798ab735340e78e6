//! A borrowed frame buffer (packed RGB or RGBA rows with a stride) and the few ways the
//! overlay paints on it: opaque and translucent rectangles, and coverage masks (text).

use crate::{Error, PixelFormat, Rect};

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

pub struct Canvas<'a> {
    pixels: &'a mut [u8],
    width: usize,
    height: usize,
    stride: usize,
    channels: usize,
}

impl<'a> Canvas<'a> {
    /// Checks that `pixels` holds `height` rows of `stride` bytes with `width` pixels each.
    pub fn new(
        pixels: &'a mut [u8],
        width: usize,
        height: usize,
        stride: usize,
        format: PixelFormat,
    ) -> Result<Self, Error> {
        let channels = format.channels();
        let row = width
            .checked_mul(channels)
            .ok_or_else(|| Error::frame(format!("{width} pixels a row overflow")))?;
        if stride < row {
            return Err(Error::frame(format!(
                "stride {stride} is shorter than a row of {width} {format:?} pixels ({row} bytes)"
            )));
        }
        let need = match height {
            0 => 0,
            h => stride
                .checked_mul(h - 1)
                .and_then(|n| n.checked_add(row))
                .ok_or_else(|| Error::frame(format!("{height} rows of {stride} bytes overflow")))?,
        };
        if pixels.len() < need {
            return Err(Error::frame(format!(
                "{} bytes for {width}x{height} {format:?} pixels with a stride of {stride}: need {need}",
                pixels.len()
            )));
        }
        Ok(Self {
            pixels,
            width,
            height,
            stride,
            channels,
        })
    }

    /// `r` cut to the frame.
    fn clip(&self, r: Rect) -> Rect {
        let x0 = r.x.min(self.width);
        let y0 = r.y.min(self.height);
        let x1 = (r.x.saturating_add(r.width)).min(self.width);
        let y1 = (r.y.saturating_add(r.height)).min(self.height);
        Rect {
            x: x0,
            y: y0,
            width: x1 - x0,
            height: y1 - y0,
        }
    }

    /// Mixes `colour` into every pixel of `r` with weight `alpha` (0 to 255; 255 paints over).
    pub fn fill(&mut self, r: Rect, colour: Rgb, alpha: u8) {
        let r = self.clip(r);
        for y in r.y..r.y + r.height {
            let start = y * self.stride + r.x * self.channels;
            let line = &mut self.pixels[start..start + r.width * self.channels];
            for px in line.chunks_exact_mut(self.channels) {
                blend(px, colour, u16::from(alpha));
            }
        }
    }

    /// Paints `colour` through a coverage mask (`mask_width` bytes a row, 0 to 255) whose top
    /// left corner lands at `(x, y)`; what falls outside `within` (and the frame) is cut.
    pub fn mask(
        &mut self,
        x: isize,
        y: isize,
        mask: &[u8],
        mask_width: usize,
        colour: Rgb,
        within: Rect,
    ) {
        if mask_width == 0 {
            return;
        }
        let clip = self.clip(within);
        for (row, coverage) in mask.chunks_exact(mask_width).enumerate() {
            let py = y + row as isize;
            if py < clip.y as isize || py >= (clip.y + clip.height) as isize {
                continue;
            }
            let py = py as usize;
            for (col, &c) in coverage.iter().enumerate() {
                let px = x + col as isize;
                if c == 0 || px < clip.x as isize || px >= (clip.x + clip.width) as isize {
                    continue;
                }
                let at = py * self.stride + px as usize * self.channels;
                blend(&mut self.pixels[at..at + 3], colour, u16::from(c));
            }
        }
    }
}

/// `px = px + (colour - px) * alpha / 255`, rounded; alpha (if any) left alone.
fn blend(px: &mut [u8], colour: Rgb, alpha: u16) {
    if alpha == 255 {
        px[0] = colour.0;
        px[1] = colour.1;
        px[2] = colour.2;
        return;
    }
    let inv = 255 - alpha;
    for (p, c) in px.iter_mut().zip([colour.0, colour.1, colour.2]) {
        *p = ((u16::from(*p) * inv + u16::from(c) * alpha + 127) / 255) as u8;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_buffers_and_strides_are_refused() {
        let mut b = vec![0u8; 4 * 3 * 2];
        assert!(Canvas::new(&mut b, 4, 2, 12, PixelFormat::Rgb).is_ok());
        assert!(Canvas::new(&mut b, 4, 2, 11, PixelFormat::Rgb).is_err());
        assert!(Canvas::new(&mut b, 4, 3, 12, PixelFormat::Rgb).is_err());
        assert!(Canvas::new(&mut b, 4, 2, 16, PixelFormat::Rgba).is_err());
        assert!(Canvas::new(&mut b, usize::MAX, 2, 12, PixelFormat::Rgb).is_err());
    }

    #[test]
    fn fill_blends_and_stays_inside_the_frame_and_the_stride() {
        // 2x2 RGBA with 4 bytes of padding a row that must not be touched.
        let mut b = vec![100u8; 12 * 2];
        let mut c = Canvas::new(&mut b, 2, 2, 12, PixelFormat::Rgba).unwrap();
        c.fill(Rect::new(1, 0, 10, 10), Rgb(200, 0, 255), 255);
        c.fill(Rect::new(0, 1, 1, 1), Rgb(0, 0, 0), 128);
        assert_eq!(&b[0..4], &[100, 100, 100, 100]);
        assert_eq!(&b[4..8], &[200, 0, 255, 100], "alpha channel kept");
        assert_eq!(&b[8..12], &[100; 4], "padding untouched");
        assert_eq!(&b[12..16], &[50, 50, 50, 100]);
        assert_eq!(&b[16..20], &[200, 0, 255, 100]);
    }
}
