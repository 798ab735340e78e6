use super::geometry::linear_taps;
use super::rgb::unit;
use super::*;
use crate::frame::{ColorMatrix, Plane, Rotation, YuvRange};

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
    // The matrix's luma weights; R and B from Y and V, U, then G from the definition of
    // luma, Y = Kr R + Kg G + Kb B (an independent form of the core's coefficients).
    let (kr, kb) = match frame.color_matrix() {
        ColorMatrix::Bt601 => (0.299, 0.114),
        ColorMatrix::Bt709 => (0.2126, 0.0722),
    };
    let kg = 1.0 - kr - kb;
    // Interpolated Y, U', V' (x 255), then the matrix.
    let yuv = naive(frame, img, crop, ow, oh, false);
    yuv.chunks(3)
        .flat_map(|c| {
            let [yy, uu, vv] = [c[0], c[1], c[2]].map(|x| f64::from(x) * 255.0);
            let (yy, uu, vv) = (ky * (yy - y0), kc * uu, kc * vv);
            let r = yy + 2.0 * (1.0 - kr) * vv;
            let b = yy + 2.0 * (1.0 - kb) * uu;
            let g = (yy - kr * r - kb * b) / kg;
            [r, g, b].map(|c| (c.clamp(0.0, 255.0) / 255.0) as f32)
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
                for (mirror, range, matrix) in [
                    (false, YuvRange::Video, ColorMatrix::Bt601),
                    (true, YuvRange::Full, ColorMatrix::Bt601),
                    (true, YuvRange::Video, ColorMatrix::Bt709),
                    (false, YuvRange::Full, ColorMatrix::Bt709),
                ] {
                    for crop in [Crop::CenterSquare, Crop::Stretch, region] {
                        let frame = frame
                            .with_rotation(Rotation::from_degrees(deg).unwrap())
                            .with_mirror(mirror)
                            .with_range(range)
                            .with_color_matrix(matrix);
                        let mut pre = Preprocessor::new(ow, oh, crop).unwrap();
                        let mut out = vec![0.0; ow * oh * 3];
                        pre.run(&frame, &mut out).unwrap();
                        let want = naive_yuv(&frame, crop, ow, oh);
                        for (k, (a, b)) in out.iter().zip(&want).enumerate() {
                            let d = (a - b).abs();
                            worst = worst.max(d);
                            assert!(
                                d <= 1.5 / 255.0,
                                "{w}x{h} {:?} {deg} {mirror} {matrix:?} {crop:?} value {k}: {a} vs {b}",
                                frame.format()
                            );
                        }
                    }
                }
            }
        }
    }
    // Weights in 1/256 instead of exact ones (at most half a level along each axis even on
    // random samples), and the result rounded to a level (half a level more).
    assert!(
        worst > 0.5 / 255.0 && worst <= 1.5 / 255.0,
        "{}",
        worst * 255.0
    );
}

/// Both output types carry the same levels: int8 `v - 128` where f32 has `v / 255`.
#[test]
fn int8_output_is_the_float_output_as_levels() {
    let (w, h) = (41, 30);
    let y = pseudo_random(w * h, 7);
    let vu = pseudo_random(w.div_ceil(2) * 2 * h.div_ceil(2), 8);
    let rgb = pseudo_random(w * h * 4, 9);
    let frames = [
        Frame::nv21(&y, w, &vu, w.div_ceil(2) * 2, w, h).unwrap(),
        Frame::rgb888(&rgb, w, h, w * 3).unwrap(),
        Frame::bgra8888(&rgb, w, h, w * 4).unwrap(),
    ];
    for frame in frames {
        for deg in [0, 90] {
            let frame = frame.with_rotation(Rotation::from_degrees(deg).unwrap());
            let mut pre = Preprocessor::new(17, 13, Crop::Stretch).unwrap();
            let mut f = vec![0.0f32; pre.output_len()];
            let mut q = vec![0i8; pre.output_len()];
            pre.run(&frame, &mut f).unwrap();
            pre.run(&frame, &mut q).unwrap();
            for (k, (&f, &q)) in f.iter().zip(&q).enumerate() {
                let level = i32::from(q) + 128;
                assert_eq!(
                    f,
                    level as f32 / 255.0,
                    "{:?} {deg} value {k}",
                    frame.format()
                );
            }
        }
    }
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

/// Every SIMD kernel this CPU runs (AVX2 on x86-64, NEON on aarch64) gives the portable
/// code's bits (the same arithmetic; this guards against a lane, a shuffle, a reordering or a
/// fused multiply-add creeping in), for every format (NV21, NV12, I420, YUV_420_888 with
/// chroma pixel stride 1 and 2, RGB888, RGBA8888, BGRA8888, tight and padded rows), every
/// range and matrix, rotation, mirror and crop, down and up, in both output types.
#[test]
fn simd_and_portable_passes_agree_bit_for_bit() {
    let kernels: Vec<CpuExtensions> = [CpuExtensions::Avx2, CpuExtensions::Neon]
        .into_iter()
        .filter(|k| k.is_supported())
        .collect();
    if kernels.is_empty() {
        eprintln!("no SIMD kernel runs on this CPU: nothing to compare");
        return;
    }
    fn agree<T: InputValue + PartialEq + std::fmt::Debug>(
        frame: &Frame<'_>,
        out: usize,
        crop: Crop,
        kernel: CpuExtensions,
    ) {
        let run = |cpu: CpuExtensions| {
            let mut pre = Preprocessor::new(out, out + 3, crop).unwrap();
            pre.set_cpu_extensions(cpu).unwrap();
            let mut values = vec![T::default(); pre.output_len()];
            pre.run(frame, &mut values).unwrap();
            values
        };
        let (simd, portable) = (run(kernel), run(CpuExtensions::None));
        if let Some(i) = (0..simd.len()).find(|&i| simd[i] != portable[i]) {
            panic!(
                "{kernel:?} and portable differ: {:?} {:?} mirror {} {crop:?} into {out}x{}, {}: \
                 value {i} (pixel {}, channel {}) is {:?}, portable {:?}",
                frame.format(),
                frame.rotation(),
                frame.mirror(),
                out + 3,
                std::any::type_name::<T>(),
                i / 3,
                i % 3,
                simd[i],
                portable[i]
            );
        }
    }
    let (w, h): (usize, usize) = (97, 66);
    let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
    let y = pseudo_random((w + 5) * h, 1);
    let vu = pseudo_random(cw * 2 * ch, 2);
    let (u, v) = (vu[..vu.len() / 2].to_vec(), vu[vu.len() / 2..].to_vec());
    // Planar chroma with padded rows, for YUV_420_888 with pixel stride 1.
    let padded =
        |p: &[u8]| -> Vec<u8> { p.chunks(cw).flat_map(|r| [r, &[7; 3]].concat()).collect() };
    let (u_pad, v_pad) = (padded(&u), padded(&v));
    let rgba = pseudo_random((w * 4 + 5) * h, 3);
    let yuv = [
        Frame::nv21(&y, w, &vu, cw * 2, w, h).unwrap(),
        Frame::nv12(&y, w + 5, &vu, cw * 2, w, h).unwrap(),
        Frame::i420(&y, w, &u, cw, &v, cw, w, h).unwrap(),
        // Android's YUV_420_888: interleaved chroma (pixel stride 2), and planar with padding.
        Frame::yuv_420_888(&y, &vu[1..], &vu, w + 5, cw * 2, 2, w, h).unwrap(),
        Frame::yuv_420_888(&y, &u_pad, &v_pad, w, cw + 3, 1, w, h).unwrap(),
    ];
    let mut frames = Vec::new();
    for frame in yuv {
        // Every range and matrix: the kernels take the coefficients as the portable
        // conversion does.
        for range in [YuvRange::Video, YuvRange::Full] {
            for matrix in [ColorMatrix::Bt601, ColorMatrix::Bt709] {
                frames.push(frame.with_range(range).with_color_matrix(matrix));
            }
        }
    }
    frames.extend([
        // Tight: stretched, the last pixel is read, and the SIMD passes leave the frame to the
        // portable one; padded: they run.
        Frame::rgb888(&rgba, w, h, w * 3).unwrap(),
        Frame::rgb888(&rgba, w, h, w * 3 + 5).unwrap(),
        Frame::rgba8888(&rgba, w, h, w * 4).unwrap(),
        Frame::bgra8888(&rgba, w, h, w * 4 + 4).unwrap(),
    ]);
    let region = Crop::Region {
        x: 5,
        y: 3,
        width: 61,
        height: 50,
    };
    for kernel in kernels {
        for frame in &frames {
            for deg in [0, 90, 180, 270] {
                for mirror in [false, true] {
                    let frame = frame
                        .with_rotation(Rotation::from_degrees(deg).unwrap())
                        .with_mirror(mirror);
                    // A downscale (29 wide: a partial last group of eight) and an upscale.
                    for out in [29, 80] {
                        for crop in [Crop::CenterSquare, Crop::Stretch, region] {
                            agree::<f32>(&frame, out, crop, kernel);
                            agree::<i8>(&frame, out, crop, kernel);
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn cpu_extensions_are_checked_and_the_default_is_detected() {
    let mut pre = Preprocessor::new(4, 4, Crop::Stretch).unwrap();
    assert_eq!(pre.cpu_extensions(), CpuExtensions::detected());
    assert_eq!(CpuExtensions::default(), CpuExtensions::detected());
    assert!(CpuExtensions::detected().is_supported());
    pre.set_cpu_extensions(CpuExtensions::None).unwrap();
    assert_eq!(pre.cpu_extensions(), CpuExtensions::None);
    // The other architecture's kernels never run here.
    let foreign = if cfg!(target_arch = "aarch64") {
        CpuExtensions::Avx2
    } else {
        CpuExtensions::Neon
    };
    match pre.set_cpu_extensions(foreign) {
        Err(Error::InvalidOption { option, reason }) => {
            assert_eq!(option, "cpu_extensions");
            assert!(reason.contains("not supported by this CPU"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(pre.cpu_extensions(), CpuExtensions::None);
}

#[test]
fn yuv_matches_float_bt601_of_the_same_samples() {
    // Same size, so no interpolation: each pixel is its own samples converted, rounded to a
    // level (the conversion is within about 1e-4 of a level of the exact one).
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
                    (got - want).abs() <= 0.51 / 255.0,
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
        Err(Error::InvalidOption { .. })
    ));
    assert!(matches!(
        Preprocessor::new(0, 4, Crop::Stretch),
        Err(Error::InvalidOption { .. })
    ));
    pre.set_crop(Crop::Stretch).unwrap();
    assert!(matches!(
        pre.run(&frame, &mut out[1..]),
        Err(Error::InputSize { .. })
    ));
    pre.run(&frame, &mut out).unwrap();
}
