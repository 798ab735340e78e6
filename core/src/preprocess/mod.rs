//! From a camera [`Frame`] to the model's input in one pass: colour conversion (BT.601 or
//! BT.709 for YUV), rotation, mirror, crop, bilinear resize and /255, written straight into the
//! session's input buffer. No full-resolution intermediate image is made, and a running
//! stream allocates nothing.
//!
//! The resize samples like OpenCV's `cv2.resize(..., INTER_LINEAR)`, which the reference
//! pipeline uses: output pixel `d` reads source position `(d + 0.5) * scale - 0.5` with
//! borders clamped. The steps, one module each:
//!
//! * `geometry`: where each output pixel reads. The [`Preprocessor`] keeps, per output row
//!   and per output column, the two neighbouring samples' address terms for each plane and
//!   their weights, and rebuilds these tables only when the frame geometry (format, size,
//!   strides, rotation, mirror) changes.
//! * `rgb`: RGB input (RGB888, RGBA8888, BGRA8888), computed like OpenCV's uint8 path: a
//!   horizontal pass over the two source lines an output row needs, a vertical pass rounding
//!   to uint8. The output is the reference's `cv2.resize(crop) / 255.0` bit for bit.
//! * `yuv`: YUV input (4:2:0), interpolated as Y, U and V at the same positions, each
//!   chroma sample standing for its 2x2 luma block, then converted to RGB once per output
//!   pixel (BT.601 or BT.709, video or full range). Of the two output axes, one reads
//!   source rows: for each index on it, its two source rows are blended over the columns the
//!   crop needs (contiguous, vectorised), and the other axis reads two blended samples per
//!   channel.
//!
//! Both passes have SIMD kernels, one file per instruction set beside the portable code
//! (`rgb/avx2.rs`, `rgb/neon.rs`, `yuv/avx2.rs`, `yuv/neon.rs`): AVX2 on x86-64 (checked at
//! run time) and NEON on aarch64 (every phone). They give the portable code's bits; which
//! run is a [`CpuExtensions`] value, detected by default and settable
//! ([`Preprocessor::set_cpu_extensions`]), so that the tests compare every kernel with the
//! portable code on the same frames. Both passes ask for the source rows of the lines ahead
//! while a line is computed, a share at a time (`prefetch`): camera frames come from memory,
//! and the rows a downscale reads are too far apart for the hardware prefetchers.

mod cpu;
mod geometry;
pub(crate) mod prefetch;
mod rgb;
#[cfg(test)]
mod tests;
mod yuv;

pub use cpu::CpuExtensions;

use crate::error::{Error, Result};
use crate::frame::{Frame, PixelFormat};
use crate::spec::ModelSpec;
use geometry::{Geometry, Tables};
use rgb::{unit, RgbPlan};
use yuv::YuvPlan;

/// Largest output side accepted.
const MAX_OUTPUT: usize = 4096;

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
        /// Left edge, in the frame's own pixels.
        x: usize,
        /// Top edge.
        y: usize,
        /// Width.
        width: usize,
        /// Height.
        height: usize,
    },
}

/// Turns frames into model input. One per stream (it caches tables for the last frame
/// geometry); cheap to create.
#[derive(Debug, Clone)]
pub struct Preprocessor {
    out_width: usize,
    out_height: usize,
    crop: Crop,
    tables: Tables,
    geometry: Option<Geometry>,
    rgb: RgbPlan,
    yuv: YuvPlan,
    cpu: CpuExtensions,
}

impl Preprocessor {
    /// Output `width` x `height` (RGB, row-major, 3 values a pixel).
    pub fn new(width: usize, height: usize, crop: Crop) -> Result<Self> {
        if width == 0 || height == 0 || width > MAX_OUTPUT || height > MAX_OUTPUT {
            return Err(Error::option(
                "output_size",
                format!("must be between 1 and {MAX_OUTPUT} on each side, got {width}x{height}"),
            ));
        }
        check_crop(crop)?;
        Ok(Self {
            out_width: width,
            out_height: height,
            crop,
            tables: Tables::default(),
            geometry: None,
            rgb: RgbPlan::default(),
            yuv: YuvPlan::default(),
            cpu: CpuExtensions::detected(),
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

    /// Which part of the upright frame it reads.
    pub fn crop(&self) -> Crop {
        self.crop
    }

    /// Reads another part of the frame from the next frame on.
    pub fn set_crop(&mut self, crop: Crop) -> Result<()> {
        check_crop(crop)?;
        if crop != self.crop {
            self.crop = crop;
            self.geometry = None;
        }
        Ok(())
    }

    /// The kernels the passes run ([`CpuExtensions::detected`] unless set).
    pub fn cpu_extensions(&self) -> CpuExtensions {
        self.cpu
    }

    /// Runs `cpu`'s kernels from the next frame on (`CpuExtensions::None`: the portable code
    /// only); an `InvalidOption` error if this CPU does not have them. The output is the same
    /// bits whatever the choice: this is for comparing kernels, and for ruling them out.
    pub fn set_cpu_extensions(&mut self, cpu: CpuExtensions) -> Result<()> {
        self.cpu = cpu.checked()?;
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
        let rows = &self.tables.rows;
        match frame.format() {
            PixelFormat::Rgb888 | PixelFormat::Rgba8888 => {
                self.rgb
                    .run::<false, T>(self.cpu, planes[0].data, rows, out)
            }
            PixelFormat::Bgra8888 => self.rgb.run::<true, T>(self.cpu, planes[0].data, rows, out),
            PixelFormat::Nv21 | PixelFormat::Nv12 => self.yuv.run(
                self.cpu,
                [planes[0].data, planes[1].data, &[]],
                (frame.range(), frame.color_matrix()),
                self.out_width,
                out,
            ),
            PixelFormat::I420 | PixelFormat::Yuv420888 => self.yuv.run(
                self.cpu,
                [planes[0].data, planes[1].data, planes[2].data],
                (frame.range(), frame.color_matrix()),
                self.out_width,
                out,
            ),
        }
        Ok(())
    }

    fn build(&mut self, frame: &Frame<'_>) -> Result<()> {
        self.tables
            .build(frame, self.crop, self.out_width, self.out_height)?;
        if frame.format().is_yuv() {
            self.yuv.plan(frame, &self.tables.rows, &self.tables.cols)?;
        } else {
            self.rgb
                .plan(&self.tables.cols, frame.planes()[0].pixel_stride);
        }
        Ok(())
    }
}

fn check_crop(crop: Crop) -> Result<()> {
    if let Crop::Region { width, height, .. } = crop {
        if width == 0 || height == 0 {
            return Err(Error::option(
                "crop",
                format!("region must not be empty, got {width}x{height}"),
            ));
        }
    }
    Ok(())
}
