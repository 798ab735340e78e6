//! The fused preprocessing against the reference pipeline's: RGB frames give exactly what
//! `cv2.resize(INTER_LINEAR)` / 255 gives (and the golden inputs), and every YUV layout of the
//! same frames gives the same picture and the same top-1 as the RGB feed.

use movinet::{
    Classifier, ClassifierOptions, Crop, Frame, PixelFormat, Plane, Preprocessor, YuvRange,
};
use movinet_tests::{
    a0, decode_rgb, golden_frame_indices, kinetics_labels, pad_rows, read_npy, rgb_to_yuv420,
    run_reference, shared_dir, Clip, Yuv420,
};

/// Runs the reference script on `frames` (RGB24, all `width x height`); returns its uint8
/// outputs, `size * size * 3` each.
fn cv2_reference(
    width: usize,
    height: usize,
    frames: &[&[u8]],
    size: usize,
    mode: &str,
) -> Vec<u8> {
    let dir = std::env::temp_dir().join(format!("movinet-prep-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let tag = format!("{width}x{height}-{size}-{mode}");
    let (input, output) = (
        dir.join(format!("{tag}.in")),
        dir.join(format!("{tag}.out")),
    );
    std::fs::write(&input, frames.concat()).unwrap();
    let sizes = [width, height, size].map(|v| v.to_string());
    run_reference(
        "cv2_preprocess.py",
        &[
            sizes[0].as_ref(),
            sizes[1].as_ref(),
            sizes[2].as_ref(),
            mode.as_ref(),
            input.as_os_str(),
            output.as_os_str(),
        ],
    );
    let out = std::fs::read(&output).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(out.len(), frames.len() * size * size * 3);
    out
}

fn preprocess(frame: &Frame<'_>, size: usize, crop: Crop) -> Vec<f32> {
    let mut pre = Preprocessor::new(size, size, crop).unwrap();
    let mut out = vec![0.0; size * size * 3];
    pre.run(frame, &mut out).unwrap();
    out
}

fn rgb_frame(clip: &Clip, i: usize) -> Frame<'_> {
    Frame::rgb888(&clip.frames[i], clip.width, clip.height, clip.width * 3).unwrap()
}

#[test]
fn rgb_frames_equal_cv2_inter_linear_on_shared_clips() {
    // Downscales of several ratios, an upscale (tennis: 135 -> 172), an identity (rpi:
    // 172x172), from mp4, avi, mkv and gif.
    let clips = [
        "mmaction2_demo_arm_wrestling.mp4",
        "tfexamples_android_carving_ice.mp4",
        "mmaction2_test_video_structuralize.mp4",
        "paddlevideo_example_archery.avi",
        "decord_flipping_a_pancake.mkv",
        "paddlevideo_example_tennis_7.gif",
        "tfexamples_rpi_carving_ice.mp4",
    ];
    let mut compared = 0usize;
    for name in clips {
        let clip = decode_rgb(name, Some(60));
        let picks: Vec<usize> = (0..clip.frames.len()).step_by(12).collect();
        let frames: Vec<&[u8]> = picks.iter().map(|&i| &clip.frames[i][..]).collect();
        for (size, mode, crop) in [
            (172, "crop", Crop::CenterSquare),
            (224, "crop", Crop::CenterSquare),
            (172, "stretch", Crop::Stretch),
        ] {
            let want = cv2_reference(clip.width, clip.height, &frames, size, mode);
            let n = size * size * 3;
            for (k, &i) in picks.iter().enumerate() {
                let got = preprocess(&rgb_frame(&clip, i), size, crop);
                let exp: Vec<f32> = want[k * n..(k + 1) * n]
                    .iter()
                    .map(|&v| v as f32 / 255.0)
                    .collect();
                let bad = got.iter().zip(&exp).filter(|(a, b)| a != b).count();
                let worst = got
                    .iter()
                    .zip(&exp)
                    .map(|(a, b)| (a - b).abs())
                    .fold(0.0, f32::max);
                assert!(
                    worst <= 1.0 / 255.0 + 1e-7,
                    "{name} frame {i} {mode} {size}: max diff {} / 255",
                    worst * 255.0
                );
                assert_eq!(
                    bad, 0,
                    "{name} frame {i} {mode} {size}: {bad} values differ"
                );
                compared += 1;
            }
        }
    }
    eprintln!("{compared} preprocessed frames bit-equal to cv2.resize(INTER_LINEAR) / 255");
    assert!(compared >= 7 * 3 * 4);
}

#[test]
fn rgb_frames_reproduce_the_golden_inputs() {
    for (name, clip) in [
        (
            "a0int8_arm_wrestling_fps5_crop",
            "mmaction2_demo_arm_wrestling.mp4",
        ),
        (
            "a0int8_carving_ice_android_fps5_crop",
            "tfexamples_android_carving_ice.mp4",
        ),
    ] {
        let dir = shared_dir().join("golden");
        let (shape, golden) = read_npy(&dir.join(format!("{name}_frames_u8.npy")), "|u1");
        let indices = golden_frame_indices(name);
        assert_eq!(indices.len(), shape[0]);
        let clip = decode_rgb(clip, None);
        let n = shape[1] * shape[2] * 3;
        for (k, &i) in indices.iter().enumerate() {
            let got = preprocess(&rgb_frame(&clip, i), shape[1], Crop::CenterSquare);
            let want: Vec<f32> = golden[k * n..(k + 1) * n]
                .iter()
                .map(|&v| v as f32 / 255.0)
                .collect();
            assert!(
                got == want,
                "{name}: golden frame {k} (clip frame {i}) differs"
            );
        }
    }
}

/// One YUV frame in every layout the SDK takes, with the buffers it borrows.
struct Layouts {
    yuv: Yuv420,
    y_padded: Vec<u8>,
    y_stride: usize,
    vu: Vec<u8>,
    uv_padded: Vec<u8>,
    uv_stride: usize,
    /// Android-style interleaved chroma (V first): `U = buf[1..]`, `V = buf[..len - 1]`,
    /// pixel stride 2, rows padded, the last row not: both planes exactly as long as needed.
    android: Vec<u8>,
    android_stride: usize,
}

impl Layouts {
    fn new(yuv: Yuv420) -> Self {
        let (w, h) = (yuv.width, yuv.height);
        let (cw, ch) = yuv.chroma_size();
        let y_stride = w.next_multiple_of(64) + 64;
        let uv_stride = 2 * cw + 24;
        let android_stride = y_stride;
        let vu_full = yuv.vu_interleaved(android_stride);
        let android = vu_full[..(ch - 1) * android_stride + 2 * cw].to_vec();
        Self {
            y_padded: pad_rows(&yuv.y, w, h, y_stride),
            vu: yuv.vu_interleaved(2 * cw),
            uv_padded: pad_rows(&yuv.uv_interleaved(2 * cw), 2 * cw, ch, uv_stride),
            y_stride,
            uv_stride,
            android,
            android_stride,
            yuv,
        }
    }

    fn frames(&self) -> Vec<Frame<'_>> {
        let y = &self.yuv;
        let (w, h) = (y.width, y.height);
        let (cw, _) = y.chroma_size();
        vec![
            Frame::nv21(&y.y, w, &self.vu, 2 * cw, w, h).unwrap(),
            Frame::nv12(
                &self.y_padded,
                self.y_stride,
                &self.uv_padded,
                self.uv_stride,
                w,
                h,
            )
            .unwrap(),
            Frame::i420(&y.y, w, &y.u, cw, &y.v, cw, w, h).unwrap(),
            Frame::yuv_420_888(
                &self.y_padded,
                &self.android[1..],
                &self.android[..self.android.len() - 1],
                self.y_stride,
                self.android_stride,
                2,
                w,
                h,
            )
            .unwrap(),
        ]
    }
}

#[test]
fn yuv_layouts_give_the_rgb_picture_and_the_rgb_top1() {
    let model = a0();
    let labels = kinetics_labels();
    let options = ClassifierOptions {
        pace_tolerance: 0.0,
        ..ClassifierOptions::default()
    };
    let new = || Classifier::new(&model, Some(labels.clone()), options.clone()).unwrap();
    let clips = [
        "mmaction2_demo_arm_wrestling.mp4",
        "tfexamples_android_carving_ice.mp4",
        "tfexamples_rpi_carving_ice.mp4",
        "paddlevideo_example_archery.avi",
    ];
    let formats = [
        PixelFormat::Nv21,
        PixelFormat::Nv12,
        PixelFormat::I420,
        PixelFormat::Yuv420888,
    ];
    let mut agree = [0usize; 4];
    for name in clips {
        let clip = decode_rgb(name, None);
        let (w, h) = (clip.width, clip.height);
        let mut rgb_feed = new();
        let mut carried_feed = new();
        let mut yuv_feeds: Vec<Classifier> = formats.iter().map(|_| new()).collect();
        let (mut worst_same, mut worst_orig, mut sum_orig, mut n_orig) = (0.0f32, 0.0f32, 0.0, 0);
        let mut kept = 0;
        for (i, frame) in clip.frames.iter().enumerate() {
            let t = clip.timestamps[i].expect("timestamp");
            let rgb = Frame::rgb888(frame, w, h, w * 3).unwrap().with_timestamp(t);
            let Some(p_rgb) = rgb_feed.push(&rgb).unwrap() else {
                continue;
            };
            kept += 1;
            let rgb_input = rgb_feed.session().input().to_f32();
            let layouts = Layouts::new(rgb_to_yuv420(frame, w, h));
            // The picture the YUV frame carries, through the RGB path.
            let carried = layouts.yuv.to_rgb();
            let carried = Frame::rgb888(&carried, w, h, w * 3)
                .unwrap()
                .with_timestamp(t);
            carried_feed.push(&carried).unwrap().expect("same pacing");
            let carried_input = carried_feed.session().input().to_f32();
            let mut first: Option<Vec<f32>> = None;
            for ((f, feed), format) in layouts
                .frames()
                .into_iter()
                .zip(&mut yuv_feeds)
                .zip(formats)
            {
                assert_eq!(f.format(), format);
                assert_eq!(f.range(), YuvRange::Video);
                let p = feed
                    .push(&f.with_timestamp(t))
                    .unwrap()
                    .expect("same pacing");
                assert_eq!(p.timestamp, p_rgb.timestamp);
                let input = feed.session().input().to_f32();
                // Every layout of the same samples: the same tensor, bit for bit.
                match &first {
                    None => first = Some(input.clone()),
                    Some(f0) => assert!(
                        f0 == &input,
                        "{name} frame {i}: {format:?} differs from NV21"
                    ),
                }
                for (a, b) in input.iter().zip(&carried_input) {
                    worst_same = worst_same.max((a - b).abs());
                }
                for (a, b) in input.iter().zip(&rgb_input) {
                    let d = (a - b).abs();
                    worst_orig = worst_orig.max(d);
                    sum_orig += f64::from(d);
                    n_orig += 1;
                }
            }
        }
        let mean_orig = sum_orig / n_orig as f64;
        let top = |c: &Classifier| movinet_tests::argmax(c.probabilities());
        let rgb_top = top(&rgb_feed);
        eprintln!(
            "{name}: {kept} frames at 5 fps; YUV vs RGB path on the same picture: max {:.2}/255; \
             vs the original RGB frame: max {:.2}/255, mean {:.3}/255; RGB top-1 {} ({:.2})",
            worst_same * 255.0,
            worst_orig * 255.0,
            mean_orig * 255.0,
            labels.get(rgb_top).unwrap(),
            rgb_feed.probabilities()[rgb_top],
        );
        assert!(kept >= 10, "{name}: only {kept} frames");
        assert!(
            worst_same <= 3.0 / 255.0,
            "{name}: YUV and RGB paths differ by {}/255 on the same picture",
            worst_same * 255.0
        );
        // 4:2:0 cannot carry an RGB frame's chroma at full resolution: the original frame
        // differs at sharp colour edges, but only there.
        assert!(
            mean_orig * 255.0 < 1.0,
            "{name}: mean diff {}/255",
            mean_orig * 255.0
        );
        for (k, feed) in yuv_feeds.iter().enumerate() {
            let t = top(feed);
            eprintln!(
                "  {:?}: top-1 {} ({:.2})",
                formats[k],
                labels.get(t).unwrap(),
                feed.probabilities()[t]
            );
            if t == rgb_top {
                agree[k] += 1;
            }
        }
    }
    for (k, n) in agree.iter().enumerate() {
        assert!(
            *n >= 3,
            "{:?}: top-1 equal to the RGB feed on {n} clips",
            formats[k]
        );
    }
}

#[test]
fn padded_rgba_and_bgra_give_the_rgb888_tensor() {
    let clip = decode_rgb("mmaction2_demo_arm_wrestling.mp4", Some(1));
    let (w, h) = (clip.width, clip.height);
    let rgb = &clip.frames[0];
    let stride = w * 4 + 32;
    let mut rgba = vec![0u8; stride * h];
    let mut bgra = vec![0u8; stride * h];
    for p in 0..w * h {
        let (x, y) = (p % w, p / w);
        let s = &rgb[p * 3..p * 3 + 3];
        rgba[y * stride + x * 4..][..4].copy_from_slice(&[s[0], s[1], s[2], 7]);
        bgra[y * stride + x * 4..][..4].copy_from_slice(&[s[2], s[1], s[0], 200]);
    }
    for crop in [Crop::CenterSquare, Crop::Stretch] {
        let want = preprocess(&Frame::rgb888(rgb, w, h, w * 3).unwrap(), 172, crop);
        for (format, data) in [
            (PixelFormat::Rgba8888, &rgba),
            (PixelFormat::Bgra8888, &bgra),
        ] {
            let f = Frame::new(format, w, h, &[Plane::new(data, stride, 4)]).unwrap();
            assert!(preprocess(&f, 172, crop) == want, "{format:?} {crop:?}");
        }
    }
}
