//! A camera frame as the camera gives it: borrowed planes, no copy.
//!
//! [`Frame`] is a view over the caller's memory in one of the layouts cameras and decoders
//! deliver (packed RGB888 / RGBA8888 / BGRA8888, NV21, NV12, I420, and Android's general
//! `YUV_420_888`), plus how to turn it upright (clockwise rotation, then a horizontal mirror),
//! the YUV range and an optional timestamp. Every constructor checks that the planes hold the
//! samples the layout promises, so the preprocessing pass can read them without surprises.
//!
//! Sizes are in bytes and samples: a plane's row stride is the distance in bytes between two
//! rows, its pixel stride the distance between two horizontally adjacent samples (1 for a
//! planar Y/U/V plane, 2 for the interleaved chroma of NV21/NV12 or a `YUV_420_888` U/V plane
//! with pixel stride 2, 3 or 4 for packed RGB). 4:2:0 chroma planes have `ceil(width / 2)` x
//! `ceil(height / 2)` samples. A plane needs `(rows - 1) * row_stride + (cols - 1) *
//! pixel_stride + sample_bytes` bytes: the last row need not be padded (Android's often is not).

use std::time::Duration;

use crate::error::{Error, Result};

/// Largest width or height accepted (larger than any camera or video frame).
pub const MAX_DIMENSION: usize = 16384;

/// How the pixels of a frame are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PixelFormat {
    /// Packed R, G, B bytes (one plane, pixel stride 3).
    Rgb888,
    /// Packed R, G, B, A bytes (one plane, pixel stride 4; Android `Bitmap.Config.ARGB_8888`
    /// memory, `RGBA_8888` images). Alpha is ignored.
    Rgba8888,
    /// Packed B, G, R, A bytes (one plane, pixel stride 4; iOS `kCVPixelFormatType_32BGRA`).
    /// Alpha is ignored.
    Bgra8888,
    /// 4:2:0, a Y plane then one plane of interleaved V, U (Android camera1 / `NV21`).
    Nv21,
    /// 4:2:0, a Y plane then one plane of interleaved U, V (iOS `420v` / `420f`).
    Nv12,
    /// 4:2:0, three planes Y, U, V, pixel stride 1 (`YUV420p`).
    I420,
    /// Android `YUV_420_888`: three planes Y, U, V, each with its own row stride; the Y pixel
    /// stride is 1, the U and V pixel strides 1 or 2.
    Yuv420888,
}

impl PixelFormat {
    /// Every format, in declaration order (for tests and fuzzing that cover them all).
    pub const ALL: [PixelFormat; 7] = [
        Self::Rgb888,
        Self::Rgba8888,
        Self::Bgra8888,
        Self::Nv21,
        Self::Nv12,
        Self::I420,
        Self::Yuv420888,
    ];

    /// Planes the format takes.
    pub fn plane_count(self) -> usize {
        match self {
            Self::Rgb888 | Self::Rgba8888 | Self::Bgra8888 => 1,
            Self::Nv21 | Self::Nv12 => 2,
            Self::I420 | Self::Yuv420888 => 3,
        }
    }

    /// Whether the format is one of the 4:2:0 YUV layouts.
    pub fn is_yuv(self) -> bool {
        !matches!(self, Self::Rgb888 | Self::Rgba8888 | Self::Bgra8888)
    }

    /// What plane `index` of a `width` x `height` frame in this format holds, in the
    /// format's plane order: the rule [`Frame::new`] checks planes against, for bindings that
    /// check an array's shape before handing its bytes over. `None` past the last plane.
    pub fn plane_samples(self, index: usize, width: usize, height: usize) -> Option<PlaneSamples> {
        let name = *self.plane_names().get(index)?;
        let (cw, ch) = (width.div_ceil(2), height.div_ceil(2));
        let (columns, rows, sample_bytes, pixel_strides): (usize, usize, usize, &'static [usize]) =
            match (self, index) {
                (Self::Rgb888, _) => (width, height, 3, &[3]),
                (Self::Rgba8888 | Self::Bgra8888, _) => (width, height, 4, &[4]),
                (_, 0) => (width, height, 1, &[1]),
                (Self::Nv21 | Self::Nv12, _) => (cw, ch, 2, &[2]),
                (Self::I420, _) => (cw, ch, 1, &[1]),
                (_, _) => (cw, ch, 1, &[1, 2]),
            };
        Some(PlaneSamples {
            name,
            columns,
            rows,
            sample_bytes,
            pixel_strides,
        })
    }

    /// The planes' names, as error messages call them.
    fn plane_names(self) -> &'static [&'static str] {
        match self {
            Self::Rgb888 | Self::Rgba8888 | Self::Bgra8888 => &["pixel"],
            Self::Nv21 => &["Y", "VU"],
            Self::Nv12 => &["Y", "UV"],
            Self::I420 | Self::Yuv420888 => &["Y", "U", "V"],
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Rgb888 => "RGB888",
            Self::Rgba8888 => "RGBA8888",
            Self::Bgra8888 => "BGRA8888",
            Self::Nv21 => "NV21",
            Self::Nv12 => "NV12",
            Self::I420 => "I420",
            Self::Yuv420888 => "YUV_420_888",
        }
    }
}

/// What one plane of a frame holds ([`PixelFormat::plane_samples`]): `rows` rows of
/// `columns` samples of `sample_bytes` bytes, each sample a pixel stride from the last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlaneSamples {
    /// The plane's name in messages (`pixel`, `Y`, `UV`, `VU`, `U`, `V`).
    pub name: &'static str,
    /// Samples in a row.
    pub columns: usize,
    /// Rows of samples.
    pub rows: usize,
    /// Bytes in one sample: 3 (RGB), 4 (RGBA, BGRA), 2 (an interleaved chroma pair), 1.
    pub sample_bytes: usize,
    /// The pixel strides the plane may have.
    pub pixel_strides: &'static [usize],
}

/// One plane of a frame: borrowed bytes and how samples are spaced in them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plane<'a> {
    /// The plane's bytes, from its first sample.
    pub data: &'a [u8],
    /// Bytes from the start of one row to the start of the next.
    pub row_stride: usize,
    /// Bytes from one sample to the next in a row.
    pub pixel_stride: usize,
}

impl<'a> Plane<'a> {
    /// A plane from its bytes, row stride and pixel stride (both in bytes).
    pub fn new(data: &'a [u8], row_stride: usize, pixel_stride: usize) -> Self {
        Self {
            data,
            row_stride,
            pixel_stride,
        }
    }

    const EMPTY: Plane<'static> = Plane {
        data: &[],
        row_stride: 0,
        pixel_stride: 0,
    };
}

/// Clockwise rotation that turns the frame upright (Android's `rotationDegrees`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Rotation {
    /// Upright already.
    #[default]
    Deg0,
    /// A quarter turn clockwise.
    Deg90,
    /// A half turn.
    Deg180,
    /// Three quarters clockwise (a quarter anticlockwise).
    Deg270,
}

impl Rotation {
    /// Any multiple of 90, negative or beyond 360 included (-90 is 270, 450 is 90).
    pub fn from_degrees(degrees: i32) -> Result<Self> {
        match degrees.rem_euclid(360) {
            0 => Ok(Self::Deg0),
            90 => Ok(Self::Deg90),
            180 => Ok(Self::Deg180),
            270 => Ok(Self::Deg270),
            _ => Err(Error::InvalidFrame(format!(
                "rotation must be a multiple of 90 degrees, got {degrees}"
            ))),
        }
    }

    /// The clockwise turn in degrees: 0, 90, 180 or 270.
    pub fn degrees(self) -> i32 {
        match self {
            Self::Deg0 => 0,
            Self::Deg90 => 90,
            Self::Deg180 => 180,
            Self::Deg270 => 270,
        }
    }

    /// Whether the upright image has the frame's width and height swapped.
    pub fn swaps_axes(self) -> bool {
        matches!(self, Self::Deg90 | Self::Deg270)
    }
}

/// Range of YUV samples (ignored for RGB formats).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum YuvRange {
    /// Y in 16..=235, U and V in 16..=240 (Android cameras, iOS `420v`, video files).
    #[default]
    Video,
    /// Y, U and V in 0..=255 (JPEG, iOS `420f`).
    Full,
}

/// The YUV to RGB matrix of a YUV frame (ignored for RGB formats): which luma weights the
/// camera or file encoded with. Android camera frames and SD video are BT.601; iOS HD capture
/// presets (1280x720 and up) tag their buffers BT.709 (`kCVImageBufferYCbCrMatrixKey`), as
/// HD video files do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ColorMatrix {
    /// ITU-R BT.601: Kr 0.299, Kb 0.114.
    #[default]
    Bt601,
    /// ITU-R BT.709: Kr 0.2126, Kb 0.0722.
    Bt709,
}

/// The eight image orientations of EXIF (tag 0x0112) and of iOS `CGImagePropertyOrientation`
/// (same values, 1 to 8): how the stored pixels must be turned to be upright, as the
/// [`Rotation`] (clockwise) and the mirror (left to right, after the rotation) a [`Frame`]
/// takes.
///
/// | value | EXIF name | `CGImagePropertyOrientation` | rotation | mirror |
/// |---|---|---|---|---|
/// | 1 | top-left | `.up` | 0 | no |
/// | 2 | top-right | `.upMirrored` | 0 | yes |
/// | 3 | bottom-right | `.down` | 180 | no |
/// | 4 | bottom-left | `.downMirrored` | 180 | yes |
/// | 5 | left-top (transpose) | `.leftMirrored` | 90 | yes |
/// | 6 | right-top | `.right` | 90 | no |
/// | 7 | right-bottom (transverse) | `.rightMirrored` | 270 | yes |
/// | 8 | left-bottom | `.left` | 270 | no |
pub fn exif_orientation(value: u32) -> Result<(Rotation, bool)> {
    Ok(match value {
        1 => (Rotation::Deg0, false),
        2 => (Rotation::Deg0, true),
        3 => (Rotation::Deg180, false),
        4 => (Rotation::Deg180, true),
        5 => (Rotation::Deg90, true),
        6 => (Rotation::Deg90, false),
        7 => (Rotation::Deg270, true),
        8 => (Rotation::Deg270, false),
        _ => {
            return Err(Error::InvalidFrame(format!(
                "orientation must be an EXIF orientation from 1 to 8, got {value}"
            )))
        }
    })
}

/// A borrowed camera frame. Build it with one of the checking constructors, then set how it
/// is turned upright and when it was taken:
///
/// ```
/// use movinet::{Frame, Rotation};
/// use std::time::Duration;
/// let (w, h) = (640, 480);
/// let y = vec![16u8; w * h];
/// let vu = vec![128u8; w * h / 2];
/// let frame = Frame::nv21(&y, w, &vu, w, w, h)?
///     .with_rotation(Rotation::from_degrees(90)?)
///     .with_timestamp(Duration::from_millis(33));
/// assert_eq!(frame.upright_size(), (480, 640));
/// # Ok::<(), movinet::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Frame<'a> {
    format: PixelFormat,
    width: usize,
    height: usize,
    planes: [Plane<'a>; 3],
    rotation: Rotation,
    mirror: bool,
    range: YuvRange,
    matrix: ColorMatrix,
    timestamp: Option<Duration>,
}

impl<'a> Frame<'a> {
    /// A frame in any format from its planes, in the format's order (Y, U, V; Y, VU; Y, UV;
    /// or the one packed plane), each with its row and pixel stride. The specific
    /// constructors below fill the pixel strides in for you.
    pub fn new(
        format: PixelFormat,
        width: usize,
        height: usize,
        planes: &[Plane<'a>],
    ) -> Result<Self> {
        if width == 0 || height == 0 || width > MAX_DIMENSION || height > MAX_DIMENSION {
            return Err(Error::InvalidFrame(format!(
                "width and height must be between 1 and {MAX_DIMENSION}, got {width}x{height}"
            )));
        }
        let names = format.plane_names();
        if planes.len() != names.len() {
            return Err(Error::InvalidFrame(format!(
                "{} takes {} plane(s) ({}), got {}",
                format.name(),
                names.len(),
                names.join(", "),
                planes.len()
            )));
        }
        for (i, plane) in planes.iter().enumerate() {
            if let Some(samples) = format.plane_samples(i, width, height) {
                check_plane(format, plane, &samples)?;
            }
        }
        let mut all = [Plane::EMPTY; 3];
        all[..planes.len()].copy_from_slice(planes);
        Ok(Self {
            format,
            width,
            height,
            planes: all,
            rotation: Rotation::Deg0,
            mirror: false,
            range: YuvRange::Video,
            matrix: ColorMatrix::Bt601,
            timestamp: None,
        })
    }

    /// Packed RGB, 3 bytes a pixel; `row_stride` in bytes (`3 * width` when unpadded).
    pub fn rgb888(data: &'a [u8], width: usize, height: usize, row_stride: usize) -> Result<Self> {
        Self::new(
            PixelFormat::Rgb888,
            width,
            height,
            &[Plane::new(data, row_stride, 3)],
        )
    }

    /// Packed RGBA, 4 bytes a pixel; `row_stride` in bytes (`4 * width` when unpadded).
    pub fn rgba8888(
        data: &'a [u8],
        width: usize,
        height: usize,
        row_stride: usize,
    ) -> Result<Self> {
        Self::new(
            PixelFormat::Rgba8888,
            width,
            height,
            &[Plane::new(data, row_stride, 4)],
        )
    }

    /// Packed BGRA, 4 bytes a pixel (iOS `32BGRA`); `row_stride` is `bytesPerRow`.
    pub fn bgra8888(
        data: &'a [u8],
        width: usize,
        height: usize,
        row_stride: usize,
    ) -> Result<Self> {
        Self::new(
            PixelFormat::Bgra8888,
            width,
            height,
            &[Plane::new(data, row_stride, 4)],
        )
    }

    /// NV21: a Y plane and an interleaved V, U plane.
    pub fn nv21(
        y: &'a [u8],
        y_row_stride: usize,
        vu: &'a [u8],
        vu_row_stride: usize,
        width: usize,
        height: usize,
    ) -> Result<Self> {
        Self::new(
            PixelFormat::Nv21,
            width,
            height,
            &[
                Plane::new(y, y_row_stride, 1),
                Plane::new(vu, vu_row_stride, 2),
            ],
        )
    }

    /// NV12: a Y plane and an interleaved U, V plane (iOS `420v`; for `420f` add
    /// `.with_range(YuvRange::Full)`).
    pub fn nv12(
        y: &'a [u8],
        y_row_stride: usize,
        uv: &'a [u8],
        uv_row_stride: usize,
        width: usize,
        height: usize,
    ) -> Result<Self> {
        Self::new(
            PixelFormat::Nv12,
            width,
            height,
            &[
                Plane::new(y, y_row_stride, 1),
                Plane::new(uv, uv_row_stride, 2),
            ],
        )
    }

    /// I420: three planes Y, U, V, pixel stride 1.
    #[allow(clippy::too_many_arguments)]
    pub fn i420(
        y: &'a [u8],
        y_row_stride: usize,
        u: &'a [u8],
        u_row_stride: usize,
        v: &'a [u8],
        v_row_stride: usize,
        width: usize,
        height: usize,
    ) -> Result<Self> {
        Self::new(
            PixelFormat::I420,
            width,
            height,
            &[
                Plane::new(y, y_row_stride, 1),
                Plane::new(u, u_row_stride, 1),
                Plane::new(v, v_row_stride, 1),
            ],
        )
    }

    /// Android `YUV_420_888` as `ImageProxy.planes` gives it: the Y plane (pixel stride 1)
    /// and the U and V planes, which share a row stride and a pixel stride (1 or 2).
    #[allow(clippy::too_many_arguments)]
    pub fn yuv_420_888(
        y: &'a [u8],
        u: &'a [u8],
        v: &'a [u8],
        y_row_stride: usize,
        uv_row_stride: usize,
        uv_pixel_stride: usize,
        width: usize,
        height: usize,
    ) -> Result<Self> {
        Self::new(
            PixelFormat::Yuv420888,
            width,
            height,
            &[
                Plane::new(y, y_row_stride, 1),
                Plane::new(u, uv_row_stride, uv_pixel_stride),
                Plane::new(v, uv_row_stride, uv_pixel_stride),
            ],
        )
    }

    /// Clockwise rotation that makes the frame upright.
    pub fn with_rotation(mut self, rotation: Rotation) -> Self {
        self.rotation = rotation;
        self
    }

    /// Mirror the (rotated) image left to right, e.g. for a front camera.
    pub fn with_mirror(mut self, mirror: bool) -> Self {
        self.mirror = mirror;
        self
    }

    /// YUV range; ignored for RGB formats.
    pub fn with_range(mut self, range: YuvRange) -> Self {
        self.range = range;
        self
    }

    /// YUV to RGB matrix (BT.601 by default); ignored for RGB formats.
    pub fn with_color_matrix(mut self, matrix: ColorMatrix) -> Self {
        self.matrix = matrix;
        self
    }

    /// Rotation and mirror from an EXIF / `CGImagePropertyOrientation` value, 1 to 8 (see
    /// [`exif_orientation`]); replaces both.
    pub fn with_orientation(mut self, exif: u32) -> Result<Self> {
        let (rotation, mirror) = exif_orientation(exif)?;
        self.rotation = rotation;
        self.mirror = mirror;
        Ok(self)
    }

    /// When the frame was taken, from any fixed origin (a camera clock, the start of a video).
    /// Only differences between frames matter; pacing uses them.
    pub fn with_timestamp(mut self, timestamp: Duration) -> Self {
        self.timestamp = Some(timestamp);
        self
    }

    /// The pixel format.
    pub fn format(&self) -> PixelFormat {
        self.format
    }

    /// Width as stored (before rotation).
    pub fn width(&self) -> usize {
        self.width
    }

    /// Height as stored (before rotation).
    pub fn height(&self) -> usize {
        self.height
    }

    /// The planes, in the format's order.
    pub fn planes(&self) -> &[Plane<'a>] {
        &self.planes[..self.format.plane_count()]
    }

    /// The clockwise turn that makes it upright.
    pub fn rotation(&self) -> Rotation {
        self.rotation
    }

    /// Whether the upright image is mirrored left to right.
    pub fn mirror(&self) -> bool {
        self.mirror
    }

    /// The YUV range (YUV formats).
    pub fn range(&self) -> YuvRange {
        self.range
    }

    /// The YUV to RGB matrix (YUV formats).
    pub fn color_matrix(&self) -> ColorMatrix {
        self.matrix
    }

    /// When the frame was taken, if known.
    pub fn timestamp(&self) -> Option<Duration> {
        self.timestamp
    }

    /// Width and height once rotated upright.
    pub fn upright_size(&self) -> (usize, usize) {
        if self.rotation.swaps_axes() {
            (self.height, self.width)
        } else {
            (self.width, self.height)
        }
    }
}

/// Checks that `plane` holds what `samples` says it does.
fn check_plane(format: PixelFormat, plane: &Plane<'_>, samples: &PlaneSamples) -> Result<()> {
    let PlaneSamples {
        name,
        columns: cols,
        rows,
        sample_bytes: sample,
        pixel_strides,
    } = *samples;
    let what = format!("{} {name} plane", format.name());
    if !pixel_strides.contains(&plane.pixel_stride) {
        let allowed = match pixel_strides {
            [one] => one.to_string(),
            _ => "1 or 2".to_string(),
        };
        return Err(Error::InvalidFrame(format!(
            "{what}: pixel stride must be {allowed}, got {}",
            plane.pixel_stride
        )));
    }
    let overflow = || {
        Error::InvalidFrame(format!(
            "{what}: {cols}x{rows} samples with row stride {} and pixel stride {} overflow \
             the address space",
            plane.row_stride, plane.pixel_stride
        ))
    };
    // Bytes one row of samples spans.
    let row_bytes = (cols - 1)
        .checked_mul(plane.pixel_stride)
        .and_then(|n| n.checked_add(sample))
        .ok_or_else(overflow)?;
    if plane.row_stride < row_bytes {
        return Err(Error::InvalidFrame(format!(
            "{what}: row stride {} is less than one row of {cols} samples ({row_bytes} bytes)",
            plane.row_stride
        )));
    }
    let needed = (rows - 1)
        .checked_mul(plane.row_stride)
        .and_then(|n| n.checked_add(row_bytes))
        .ok_or_else(overflow)?;
    if plane.data.len() < needed {
        return Err(Error::InvalidFrame(format!(
            "{what} has {} bytes but {cols}x{rows} samples with row stride {} and pixel \
             stride {} need {needed}",
            plane.data.len(),
            plane.row_stride,
            plane.pixel_stride
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(r: Result<Frame<'_>>) -> String {
        match r {
            Err(Error::InvalidFrame(m)) => m,
            Err(e) => panic!("wrong error {e:?}"),
            Ok(_) => panic!("accepted"),
        }
    }

    #[test]
    fn rotation_from_degrees_takes_any_multiple_of_90() {
        assert_eq!(Rotation::from_degrees(0).unwrap(), Rotation::Deg0);
        assert_eq!(Rotation::from_degrees(90).unwrap(), Rotation::Deg90);
        assert_eq!(Rotation::from_degrees(-90).unwrap(), Rotation::Deg270);
        assert_eq!(Rotation::from_degrees(360).unwrap(), Rotation::Deg0);
        assert_eq!(Rotation::from_degrees(540).unwrap(), Rotation::Deg180);
        assert_eq!(Rotation::from_degrees(-720).unwrap(), Rotation::Deg0);
        assert!(Rotation::from_degrees(45).is_err());
        assert!(Rotation::from_degrees(i32::MIN).is_err());
        assert_eq!(Rotation::from_degrees(i32::MAX - 127).unwrap().degrees(), 0);
    }

    #[test]
    fn exact_lengths_pass_one_byte_less_fails() {
        // Android style: the last row is not padded, chroma pixel stride 2.
        let (w, h) = (6, 5);
        let y = vec![0u8; 7 * 4 + 6];
        let uv_len = 8 * 2 + 2 * 2 + 1; // rows 3, cols 3
        let u = vec![0u8; uv_len];
        assert!(Frame::yuv_420_888(&y, &u, &u, 7, 8, 2, w, h).is_ok());
        let m = msg(Frame::yuv_420_888(&y[1..], &u, &u, 7, 8, 2, w, h));
        assert!(
            m.contains("Y plane has 33 bytes") && m.contains("need 34"),
            "{m}"
        );
        let m = msg(Frame::yuv_420_888(&y, &u, &u[1..], 7, 8, 2, w, h));
        assert!(
            m.contains("V plane has 20 bytes") && m.contains("need 21"),
            "{m}"
        );
        // NV21 of odd size: chroma is ceil(w/2) x ceil(h/2) pairs.
        let vu = vec![0u8; 6 * 2 + 6];
        assert!(Frame::nv21(&y, 7, &vu, 6, w, h).is_ok());
        let m = msg(Frame::nv21(&y, 7, &vu, 5, w, h));
        assert!(
            m.contains("row stride 5 is less than one row of 3 samples (6 bytes)"),
            "{m}"
        );
    }

    #[test]
    fn inconsistent_layouts_are_named() {
        let d = vec![0u8; 4 * 4 * 4];
        let m = msg(Frame::rgba8888(&d, 0, 4, 16));
        assert!(m.contains("between 1 and 16384, got 0x4"), "{m}");
        let m = msg(Frame::rgba8888(&d, 4, 20000, 16));
        assert!(m.contains("got 4x20000"), "{m}");
        let m = msg(Frame::rgba8888(&d, 4, 4, 15));
        assert!(m.contains("RGBA8888 pixel plane: row stride 15"), "{m}");
        let m = msg(Frame::yuv_420_888(&d, &d, &d, 4, 4, 3, 4, 4));
        assert!(
            m.contains("U plane: pixel stride must be 1 or 2, got 3"),
            "{m}"
        );
        let m = msg(Frame::new(PixelFormat::I420, 4, 4, &[Plane::new(&d, 4, 1)]));
        assert!(m.contains("I420 takes 3 plane(s) (Y, U, V), got 1"), "{m}");
        let m = msg(Frame::rgb888(&d, 4, 4, usize::MAX / 2));
        assert!(m.contains("overflow"), "{m}");
    }
}
