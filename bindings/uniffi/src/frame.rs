//! A camera or video frame as the bindings hand it over: a [`Frame`] record describing the
//! buffer (format, size, each plane's strides, orientation, colour, time) and the planes'
//! bytes beside it as borrowed byte arguments.
//!
//! Why the bytes are not in the record: UniFFI 0.32 copies a record's `bytes` three times (into
//! a serialised buffer on the foreign side, into a Rust-allocated buffer, and element by element
//! into a `Vec<u8>`): 18 ms for a 1080p BGRA frame, for frames that pacing then drops too.
//! A top-level `&[u8]` argument instead crosses as a pointer and a length (Swift passes
//! `Data.withUnsafeBytes`, Python a `bytes` object's own buffer) and the core reads it in place
//! for the length of the call: no copy at all.
//!
//! Everything about the frame is the core's to check and map: the EXIF orientation (1 to 8,
//! iOS `CGImagePropertyOrientation`'s raw values), the colour matrix, the range, the planes'
//! sizes against their strides.

use std::time::Duration;

/// How the pixels of a frame are laid out (the core's `PixelFormat`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum PixelFormat {
    /// Packed R, G, B bytes: one plane, pixel stride 3.
    Rgb888,
    /// Packed R, G, B, A bytes: one plane, pixel stride 4. Alpha is ignored.
    Rgba8888,
    /// Packed B, G, R, A bytes: one plane, pixel stride 4 (iOS `kCVPixelFormatType_32BGRA`).
    Bgra8888,
    /// 4:2:0, a Y plane and an interleaved V, U plane (pixel strides 1 and 2).
    Nv21,
    /// 4:2:0, a Y plane and an interleaved U, V plane (pixel strides 1 and 2; iOS `420v` /
    /// `420f`).
    Nv12,
    /// 4:2:0, three planes Y, U, V, pixel stride 1.
    I420,
    /// Android `YUV_420_888`: planes Y, U, V; U and V pixel stride 1 or 2.
    Yuv420888,
}

impl From<PixelFormat> for movinet::PixelFormat {
    fn from(f: PixelFormat) -> Self {
        match f {
            PixelFormat::Rgb888 => Self::Rgb888,
            PixelFormat::Rgba8888 => Self::Rgba8888,
            PixelFormat::Bgra8888 => Self::Bgra8888,
            PixelFormat::Nv21 => Self::Nv21,
            PixelFormat::Nv12 => Self::Nv12,
            PixelFormat::I420 => Self::I420,
            PixelFormat::Yuv420888 => Self::Yuv420888,
        }
    }
}

/// Range of YUV samples (the core's `YuvRange`); ignored for RGB formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum YuvRange {
    /// Y in 16..=235, U and V in 16..=240 (iOS `420v`, Android cameras, video files).
    Video,
    /// Y, U and V in 0..=255 (iOS `420f`, JPEG).
    Full,
}

impl From<YuvRange> for movinet::YuvRange {
    fn from(r: YuvRange) -> Self {
        match r {
            YuvRange::Video => Self::Video,
            YuvRange::Full => Self::Full,
        }
    }
}

/// The YUV to RGB matrix (the core's `ColorMatrix`); ignored for RGB formats. iOS tags its
/// buffers with it (`kCVImageBufferYCbCrMatrixKey`): HD capture presets are BT.709.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ColorMatrix {
    /// ITU-R BT.601 (SD video, Android cameras).
    Bt601,
    /// ITU-R BT.709 (HD video, iOS HD capture presets).
    Bt709,
}

impl From<ColorMatrix> for movinet::ColorMatrix {
    fn from(m: ColorMatrix) -> Self {
        match m {
            ColorMatrix::Bt601 => Self::Bt601,
            ColorMatrix::Bt709 => Self::Bt709,
        }
    }
}

/// How the samples of one plane are spaced in its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct PlaneLayout {
    /// Bytes from the start of one row to the start of the next (`bytesPerRow`).
    pub row_stride: u32,
    /// Bytes from one sample to the next in a row: 1 for Y (and I420 U, V), 2 for interleaved
    /// chroma, 3 for RGB888, 4 for RGBA / BGRA.
    pub pixel_stride: u32,
}

/// A camera or video frame: everything but the planes' bytes, which `classify` takes beside
/// it, in the same order as `planes`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Frame {
    pub format: PixelFormat,
    /// Width and height of the buffer as stored (before it is turned upright), in pixels.
    pub width: u32,
    pub height: u32,
    /// Each plane's strides, in the format's order: the packed plane; Y, UV (NV12); Y, VU
    /// (NV21); Y, U, V.
    pub planes: Vec<PlaneLayout>,
    /// How the stored buffer is turned relative to upright, as an EXIF orientation from 1 to
    /// 8: iOS `CGImagePropertyOrientation.rawValue` (1 `.up`, 6 `.right`: a back camera in
    /// portrait, 5 `.leftMirrored`: a front camera in portrait). The core maps it to a
    /// rotation and a mirror.
    #[uniffi(default = 1)]
    pub orientation: u32,
    /// Range of the YUV samples; `None` is the core's default, video range.
    #[uniffi(default = None)]
    pub yuv_range: Option<YuvRange>,
    /// YUV to RGB matrix; `None` is the core's default, BT.601.
    #[uniffi(default = None)]
    pub color_matrix: Option<ColorMatrix>,
    /// When the frame was taken, in microseconds from any fixed origin (a camera clock, the
    /// start of a video); pacing keeps frames by these. Without one, every frame is used.
    #[uniffi(default = None)]
    pub timestamp_us: Option<i64>,
}

/// What one plane of a frame holds (the core's `PlaneSamples`): `rows` rows of `columns`
/// samples of `sample_bytes` bytes, one of `pixel_strides` apart.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PlaneSamples {
    /// The plane's name in messages: `pixel`, `Y`, `UV`, `VU`, `U` or `V`.
    pub name: String,
    pub columns: u32,
    pub rows: u32,
    /// 3 (RGB), 4 (RGBA, BGRA), 2 (an interleaved chroma pair) or 1.
    pub sample_bytes: u32,
    /// The pixel strides the plane may have.
    pub pixel_strides: Vec<u32>,
}

/// What each plane of a `width` x `height` frame in `format` holds, in the format's plane
/// order: the core's rule for the bytes `classify` checks, which Python also checks an
/// array's shape and strides against before reading it in place.
#[uniffi::export]
pub fn plane_samples(format: PixelFormat, width: u32, height: u32) -> Vec<PlaneSamples> {
    let core: movinet::PixelFormat = format.into();
    let small = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    (0..MAX_PLANES)
        .map_while(|i| core.plane_samples(i, width as usize, height as usize))
        .map(|p| PlaneSamples {
            name: p.name.to_string(),
            columns: small(p.columns),
            rows: small(p.rows),
            sample_bytes: small(p.sample_bytes),
            pixel_strides: p.pixel_strides.iter().map(|&s| small(s)).collect(),
        })
        .collect()
}

/// Most planes a format has (Y, U, V).
pub(crate) const MAX_PLANES: usize = 3;

impl Frame {
    /// The core's view of this frame over `bytes`, plane `i`'s bytes at `i`. Bytes for a plane
    /// the frame does not describe are an error, not ignored.
    pub(crate) fn view<'a>(
        &self,
        bytes: [&'a [u8]; MAX_PLANES],
    ) -> movinet::Result<movinet::Frame<'a>> {
        if let Some((i, extra)) = bytes
            .iter()
            .enumerate()
            .skip(self.planes.len())
            .find(|(_, b)| !b.is_empty())
        {
            return Err(movinet::Error::InvalidFrame(format!(
                "plane {i} has {} bytes but the frame describes {} plane(s)",
                extra.len(),
                self.planes.len()
            )));
        }
        let planes: Vec<movinet::Plane<'a>> = self
            .planes
            .iter()
            .enumerate()
            .map(|(i, layout)| {
                movinet::Plane::new(
                    bytes.get(i).copied().unwrap_or_default(),
                    layout.row_stride as usize,
                    layout.pixel_stride as usize,
                )
            })
            .collect();
        let mut view = movinet::Frame::new(
            self.format.into(),
            self.width as usize,
            self.height as usize,
            &planes,
        )?
        .with_orientation(self.orientation)?
        .with_range(self.yuv_range.map(Into::into).unwrap_or_default())
        .with_color_matrix(self.color_matrix.map(Into::into).unwrap_or_default());
        if let Some(t) = timestamp(self.timestamp_us)? {
            view = view.with_timestamp(t);
        }
        Ok(view)
    }
}

/// A frame timestamp in microseconds as the core takes it: never negative.
pub(crate) fn timestamp(us: Option<i64>) -> movinet::Result<Option<Duration>> {
    us.map(|us| {
        u64::try_from(us).map(Duration::from_micros).map_err(|_| {
            movinet::Error::InvalidFrame(format!(
                "timestamp must not be negative, got {us} microseconds"
            ))
        })
    })
    .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nv12(width: u32, height: u32) -> Frame {
        Frame {
            format: PixelFormat::Nv12,
            width,
            height,
            planes: vec![
                PlaneLayout {
                    row_stride: width,
                    pixel_stride: 1,
                },
                PlaneLayout {
                    row_stride: width,
                    pixel_stride: 2,
                },
            ],
            orientation: 1,
            yuv_range: None,
            color_matrix: None,
            timestamp_us: None,
        }
    }

    #[test]
    fn the_record_maps_onto_the_cores_frame() {
        let (y, uv) = (vec![0u8; 8 * 4], vec![0u8; 8 * 2]);
        let mut f = nv12(8, 4);
        let v = f.view([&y, &uv, &[]]).unwrap();
        // The core's defaults where the record says None.
        assert_eq!(v.range(), movinet::YuvRange::default());
        assert_eq!(v.color_matrix(), movinet::ColorMatrix::default());
        assert_eq!(v.timestamp(), None);
        assert_eq!(v.planes()[1].data.len(), uv.len());
        // Orientation 5 (a front camera in portrait) is the core's EXIF 5.
        f.orientation = 5;
        f.yuv_range = Some(YuvRange::Full);
        f.color_matrix = Some(ColorMatrix::Bt709);
        f.timestamp_us = Some(1_500);
        let v = f.view([&y, &uv, &[]]).unwrap();
        assert_eq!(
            (v.rotation(), v.mirror()),
            movinet::exif_orientation(5).unwrap()
        );
        assert_eq!(v.range(), movinet::YuvRange::Full);
        assert_eq!(v.color_matrix(), movinet::ColorMatrix::Bt709);
        assert_eq!(v.timestamp(), Some(Duration::from_micros(1_500)));
    }

    #[test]
    fn plane_samples_are_the_planes_the_core_checks() {
        // 5x3 NV12: a 5x3 Y plane and 3x2 UV pairs (chroma rounds up).
        let nv12 = plane_samples(PixelFormat::Nv12, 5, 3);
        fn shape(p: &PlaneSamples) -> (&str, u32, u32, u32) {
            (p.name.as_str(), p.rows, p.columns, p.sample_bytes)
        }
        assert_eq!(
            nv12.iter().map(shape).collect::<Vec<_>>(),
            [("Y", 3, 5, 1), ("UV", 2, 3, 2)]
        );
        let rgb = plane_samples(PixelFormat::Rgb888, 64, 48);
        assert_eq!(
            rgb.iter().map(shape).collect::<Vec<_>>(),
            [("pixel", 48, 64, 3)]
        );
        assert_eq!(rgb[0].pixel_strides, [3]);
        let yuv = plane_samples(PixelFormat::Yuv420888, 4, 4);
        assert_eq!(yuv.len(), 3);
        assert_eq!(yuv[2].pixel_strides, [1, 2]);
        // Exactly the bytes those samples span pass the core's check; one fewer fails.
        for (format, planes) in [(PixelFormat::Nv12, &nv12), (PixelFormat::Rgb888, &rgb)] {
            let (w, h) = if format == PixelFormat::Nv12 {
                (5, 3)
            } else {
                (64, 48)
            };
            let span = |p: &PlaneSamples| {
                ((p.rows - 1) * p.columns * p.pixel_strides[0]
                    + (p.columns - 1) * p.pixel_strides[0]
                    + p.sample_bytes) as usize
            };
            let bytes: Vec<Vec<u8>> = planes.iter().map(|p| vec![0; span(p)]).collect();
            let frame = Frame {
                format,
                width: w,
                height: h,
                planes: planes
                    .iter()
                    .map(|p| PlaneLayout {
                        row_stride: p.columns * p.pixel_strides[0],
                        pixel_stride: p.pixel_strides[0],
                    })
                    .collect(),
                orientation: 1,
                yuv_range: None,
                color_matrix: None,
                timestamp_us: None,
            };
            let mut args: [&[u8]; MAX_PLANES] = [&[], &[], &[]];
            for (i, b) in bytes.iter().enumerate() {
                args[i] = b;
            }
            assert!(frame.view(args).is_ok(), "{format:?}");
            let last = bytes.last().map(|b| &b[..b.len() - 1]).unwrap_or_default();
            args[bytes.len() - 1] = last;
            assert!(frame.view(args).is_err(), "{format:?}");
        }
    }

    #[test]
    fn bad_frames_are_invalid_frame_errors() {
        let (y, uv) = (vec![0u8; 8 * 4], vec![0u8; 8 * 2]);
        let f = nv12(8, 4);
        let e = f.view([&y, &uv, &[1]]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid frame: plane 2 has 1 bytes but the frame describes 2 plane(s)"
        );
        for (orientation, timestamp_us) in [(0, None), (9, None), (1, Some(-1))] {
            let bad = Frame {
                orientation,
                timestamp_us,
                ..f.clone()
            };
            let e = bad.view([&y, &uv, &[]]).unwrap_err();
            assert_eq!(e.kind(), movinet::ErrorKind::InvalidFrame, "{e}");
        }
        let e = f.view([&y, &uv[..3], &[]]).unwrap_err();
        assert_eq!(e.kind(), movinet::ErrorKind::InvalidFrame, "{e}");
        let four = Frame {
            planes: vec![f.planes[0]; 4],
            ..f.clone()
        };
        let e = four.view([&y, &uv, &[]]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid frame: NV12 takes 2 plane(s) (Y, UV), got 4"
        );
    }
}
