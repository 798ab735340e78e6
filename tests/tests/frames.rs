//! Camera frames: rotation and mirror flags undo a rotated or mirrored buffer exactly, every
//! inconsistent layout is a clear error, and thousands of random layouts neither panic nor
//! read out of bounds.

use movinet::{Crop, Error, Frame, PixelFormat, Plane, Preprocessor, Rotation};
use movinet_tests::{decode_rgb, rgb_to_yuv420, Xorshift};
use proptest::prelude::*;

/// A picture as a grid of samples, turned and flipped the plain way.
#[derive(Clone, PartialEq, Debug)]
struct Grid<T> {
    w: usize,
    h: usize,
    px: Vec<T>,
}

impl<T: Copy> Grid<T> {
    fn at(&self, x: usize, y: usize) -> T {
        self.px[y * self.w + x]
    }

    /// A quarter turn clockwise: new (x, y) is old (y, h - 1 - x).
    fn rot_cw(&self) -> Self {
        let (w, h) = (self.h, self.w);
        let px = (0..w * h)
            .map(|i| self.at(i / w, self.h - 1 - i % w))
            .collect();
        Self { w, h, px }
    }

    fn rot_ccw(&self) -> Self {
        self.rot_cw().rot_cw().rot_cw()
    }

    fn mirror(&self) -> Self {
        let px = (0..self.w * self.h)
            .map(|i| self.at(self.w - 1 - i % self.w, i / self.w))
            .collect();
        Self { px, ..*self }
    }

    /// The buffer a camera turned `quarters` clockwise quarter turns away from upright (and
    /// mirrored) would deliver: rotating it clockwise by `quarters`, then mirroring, gives
    /// `self` back.
    fn as_delivered(&self, quarters: usize, mirror: bool) -> Self {
        let mut g = if mirror { self.mirror() } else { self.clone() };
        for _ in 0..quarters {
            g = g.rot_ccw();
        }
        g
    }
}

impl Grid<[u8; 3]> {
    fn from_rgb(rgb: &[u8], w: usize, h: usize) -> Self {
        let px = rgb.chunks_exact(3).map(|p| [p[0], p[1], p[2]]).collect();
        Self { w, h, px }
    }

    fn rgb(&self) -> Vec<u8> {
        self.px.concat()
    }

    /// 4 bytes a pixel in `order` (alpha 99), rows padded to `stride`.
    fn packed4(&self, order: [usize; 3], stride: usize) -> Vec<u8> {
        let mut out = vec![0u8; stride * self.h];
        for (i, p) in self.px.iter().enumerate() {
            let o = (i / self.w) * stride + (i % self.w) * 4;
            out[o..o + 4].copy_from_slice(&[p[order[0]], p[order[1]], p[order[2]], 99]);
        }
        out
    }
}

/// The bounding box of the true cells: a region in that grid's coordinates.
fn bounding_box(mask: &Grid<bool>) -> Crop {
    let cells: Vec<(usize, usize)> = (0..mask.w * mask.h)
        .filter(|&i| mask.px[i])
        .map(|i| (i % mask.w, i / mask.w))
        .collect();
    let x0 = cells.iter().map(|c| c.0).min().unwrap();
    let x1 = cells.iter().map(|c| c.0).max().unwrap();
    let y0 = cells.iter().map(|c| c.1).min().unwrap();
    let y1 = cells.iter().map(|c| c.1).max().unwrap();
    Crop::Region {
        x: x0,
        y: y0,
        width: x1 - x0 + 1,
        height: y1 - y0 + 1,
    }
}

fn run(frame: &Frame<'_>, crop: Crop, size: usize) -> Vec<f32> {
    let mut pre = Preprocessor::new(size, size, crop).unwrap();
    let mut out = vec![0.0; size * size * 3];
    pre.run(frame, &mut out).unwrap();
    out
}

fn pseudo_random(n: usize, seed: u64) -> Vec<u8> {
    Xorshift::new(seed)
        .take(n)
        .map(|x| (x >> 32) as u8)
        .collect()
}

/// Must-show 3: a buffer turned by k x 90 degrees (and mirrored) in memory, fed with the
/// matching flags, gives the upright frame's tensor bit for bit, in every RGB layout, every
/// crop mode, and for 4:2:0 frames of even size too.
#[test]
fn rotated_and_mirrored_buffers_give_the_upright_tensor_exactly() {
    let clip = decode_rgb("mmaction2_demo_arm_wrestling.mp4", Some(1));
    let pictures = [
        Grid::from_rgb(&clip.frames[0], clip.width, clip.height),
        Grid::from_rgb(&pseudo_random(37 * 23 * 3, 1), 37, 23),
        Grid::from_rgb(&pseudo_random(30 * 52 * 3, 2), 30, 52),
    ];
    let mut checked = 0;
    for upright in &pictures {
        let (w, h) = (upright.w, upright.h);
        // A region of the upright picture, off-centre and not square.
        let (rx, ry, rw, rh) = (w / 5, h / 3, w / 2, h / 2);
        let mask = Grid {
            w,
            h,
            px: (0..w * h)
                .map(|i| (rx..rx + rw).contains(&(i % w)) && (ry..ry + rh).contains(&(i / w)))
                .collect(),
        };
        let upright_rgb = upright.rgb();
        let upright_frame = Frame::rgb888(&upright_rgb, w, h, w * 3).unwrap();
        let yuv_upright = (w % 2 == 0 && h % 2 == 0).then(|| rgb_to_yuv420(&upright_rgb, w, h));
        for quarters in 0..4 {
            for mirror in [false, true] {
                let delivered = upright.as_delivered(quarters, mirror);
                let (dw, dh) = (delivered.w, delivered.h);
                let rotation = Rotation::from_degrees(90 * quarters as i32).unwrap();
                let region = bounding_box(&mask.as_delivered(quarters, mirror));
                let rgb = delivered.rgb();
                let stride4 = dw * 4 + 12;
                let rgba = delivered.packed4([0, 1, 2], stride4);
                let bgra = delivered.packed4([2, 1, 0], stride4);
                let frames = [
                    Frame::rgb888(&rgb, dw, dh, dw * 3).unwrap(),
                    Frame::rgba8888(&rgba, dw, dh, stride4).unwrap(),
                    Frame::bgra8888(&bgra, dw, dh, stride4).unwrap(),
                ];
                for (crop_upright, crop_delivered) in [
                    (Crop::CenterSquare, Crop::CenterSquare),
                    (Crop::Stretch, Crop::Stretch),
                    (
                        Crop::Region {
                            x: rx,
                            y: ry,
                            width: rw,
                            height: rh,
                        },
                        region,
                    ),
                ] {
                    let want = run(&upright_frame, crop_upright, 24);
                    for f in &frames {
                        let f = f.with_rotation(rotation).with_mirror(mirror);
                        assert!(
                            run(&f, crop_delivered, 24) == want,
                            "{w}x{h} {:?} {rotation:?} mirror {mirror} {crop_upright:?}",
                            f.format()
                        );
                        checked += 1;
                    }
                    // 4:2:0: turn the planes (chroma at its own resolution) the same way.
                    if let Some(yuv) = &yuv_upright {
                        let (cw, ch) = yuv.chroma_size();
                        let plane = |p: &[u8], w, h| Grid {
                            w,
                            h,
                            px: p.to_vec(),
                        };
                        let up = Frame::i420(&yuv.y, w, &yuv.u, cw, &yuv.v, cw, w, h).unwrap();
                        let y = plane(&yuv.y, w, h).as_delivered(quarters, mirror);
                        let u = plane(&yuv.u, cw, ch).as_delivered(quarters, mirror);
                        let v = plane(&yuv.v, cw, ch).as_delivered(quarters, mirror);
                        let vu: Vec<u8> =
                            v.px.iter().zip(&u.px).flat_map(|(&v, &u)| [v, u]).collect();
                        let nv21 = Frame::nv21(&y.px, y.w, &vu, 2 * u.w, y.w, y.h)
                            .unwrap()
                            .with_rotation(rotation)
                            .with_mirror(mirror);
                        assert!(
                            run(&nv21, crop_delivered, 24) == run(&up, crop_upright, 24),
                            "{w}x{h} NV21 {rotation:?} mirror {mirror} {crop_upright:?}"
                        );
                        checked += 1;
                    }
                }
            }
        }
    }
    assert_eq!(checked, 3 * 8 * 3 * 3 + 2 * 8 * 3);
}

/// EXIF / `CGImagePropertyOrientation` values 1 to 8, checked against the EXIF definition
/// itself (where the stored image's 0th row and 0th column lie in the upright picture), not
/// against the core's rotation-and-mirror table: a stored image is made from an upright one
/// by that definition, and the core must turn it back exactly (a resize to the same size is
/// the identity).
#[test]
fn exif_orientations_turn_stored_images_upright() {
    /// Where the 0th row and the 0th column lie, per the EXIF 2.3 table for tag 0x0112.
    #[derive(Clone, Copy)]
    enum Side {
        Top,
        Bottom,
        Left,
        Right,
    }
    use Side::*;
    let table = [
        (1, Top, Left),
        (2, Top, Right),
        (3, Bottom, Right),
        (4, Bottom, Left),
        (5, Left, Top),
        (6, Right, Top),
        (7, Right, Bottom),
        (8, Left, Bottom),
    ];
    let (w, h) = (7usize, 4usize); // upright size; every pixel a different colour
    let upright: Vec<u8> = (0..w * h * 3).map(|i| (i * 7 % 251) as u8).collect();
    for (value, row0, col0) in table {
        // Stored pixel (r, c) shows the upright pixel at (x, y).
        let swapped = matches!(row0, Left | Right);
        let (sw, sh) = if swapped { (h, w) } else { (w, h) };
        let mut stored = vec![0u8; sw * sh * 3];
        for r in 0..sh {
            for c in 0..sw {
                let (mut x, mut y) = (None, None);
                match row0 {
                    Top => y = Some(r),
                    Bottom => y = Some(h - 1 - r),
                    Left => x = Some(r),
                    Right => x = Some(w - 1 - r),
                }
                match col0 {
                    Left => x = Some(c),
                    Right => x = Some(w - 1 - c),
                    Top => y = Some(c),
                    Bottom => y = Some(h - 1 - c),
                }
                let (x, y) = (x.unwrap(), y.unwrap());
                let (from, to) = ((y * w + x) * 3, (r * sw + c) * 3);
                stored[to..to + 3].copy_from_slice(&upright[from..from + 3]);
            }
        }
        let frame = Frame::rgb888(&stored, sw, sh, sw * 3)
            .unwrap()
            .with_orientation(value)
            .unwrap();
        assert_eq!(frame.upright_size(), (w, h), "orientation {value}");
        let mut pre = Preprocessor::new(w, h, Crop::Stretch).unwrap();
        let mut out = vec![0f32; w * h * 3];
        pre.run(&frame, &mut out).unwrap();
        let want: Vec<f32> = upright.iter().map(|&v| f32::from(v) / 255.0).collect();
        assert_eq!(out, want, "orientation {value}");
    }
    for bad in [0, 9, u32::MAX] {
        let frame = Frame::rgb888(&upright, w, h, w * 3).unwrap();
        assert!(
            matches!(frame.with_orientation(bad), Err(Error::InvalidFrame(_))),
            "{bad}"
        );
    }
}

fn invalid(r: movinet::Result<Frame<'_>>) -> String {
    match r {
        Err(Error::InvalidFrame(m)) => m,
        Err(e) => panic!("wrong error: {e}"),
        Ok(_) => panic!("accepted an inconsistent frame"),
    }
}

/// Must-show 5, the named cases: each inconsistency is an `InvalidFrame` that says what is
/// wrong, with the numbers.
#[test]
fn inconsistent_frames_are_clear_errors() {
    let (w, h) = (640, 480);
    let y = vec![0u8; w * h];
    let vu = vec![0u8; w * h / 2];
    // A plane shorter than its rows need.
    let m = invalid(Frame::nv21(&y[..w * h - 1], w, &vu, w, w, h));
    assert_eq!(
        m,
        "NV21 Y plane has 307199 bytes but 640x480 samples with row stride 640 and pixel \
         stride 1 need 307200"
    );
    let m = invalid(Frame::nv21(&y, w, &vu[..w * h / 2 - 2], w, w, h));
    assert!(m.starts_with("NV21 VU plane has 153598 bytes") && m.ends_with("need 153600"));
    // A stride below the width.
    let m = invalid(Frame::nv12(&y, w - 1, &vu, w, w, h));
    assert_eq!(
        m,
        "NV12 Y plane: row stride 639 is less than one row of 640 samples (640 bytes)"
    );
    let rgba = vec![0u8; w * h * 4];
    let m = invalid(Frame::rgba8888(&rgba, w, h, w * 3));
    assert!(
        m.contains("RGBA8888 pixel plane: row stride 1920 is less than one row"),
        "{m}"
    );
    // Zero and absurd dimensions.
    for (ww, hh) in [(0, h), (w, 0), (16385, 8), (1 << 40, 1)] {
        let m = invalid(Frame::rgb888(&rgba, ww, hh, w * 3));
        assert_eq!(
            m,
            format!("width and height must be between 1 and 16384, got {ww}x{hh}")
        );
    }
    // Pixel strides other than 1 or 2 (for YUV_420_888 chroma), or the layout's own.
    for ps in [0, 3, 4] {
        let m = invalid(Frame::yuv_420_888(&y, &vu, &vu, w, w, ps, w, h));
        assert_eq!(
            m,
            format!("YUV_420_888 U plane: pixel stride must be 1 or 2, got {ps}")
        );
    }
    let m = invalid(Frame::new(
        PixelFormat::Rgb888,
        4,
        4,
        &[Plane::new(&rgba, 16, 4)],
    ));
    assert_eq!(m, "RGB888 pixel plane: pixel stride must be 3, got 4");
    // Strides so large the sizes overflow.
    let m = invalid(Frame::rgb888(&rgba, 4, 4, usize::MAX / 2));
    assert!(m.contains("overflow"), "{m}");
    // A region outside the frame: the frame is fine, the crop is not.
    let frame = Frame::nv21(&y, w, &vu, w, w, h).unwrap();
    let mut out = vec![0.0; 172 * 172 * 3];
    for region in [
        (600, 0, 41, 10),
        (0, 470, 10, 11),
        (usize::MAX, 0, 2, 2),
        (0, 1, 1, usize::MAX),
    ] {
        let crop = Crop::Region {
            x: region.0,
            y: region.1,
            width: region.2,
            height: region.3,
        };
        let mut pre = Preprocessor::new(172, 172, crop).unwrap();
        match pre.run(&frame, &mut out) {
            Err(Error::InvalidFrame(m)) => assert!(
                m.starts_with("crop region x=") && m.ends_with("is not inside the 640x480 frame"),
                "{m}"
            ),
            other => panic!("{region:?}: {other:?}"),
        }
    }
    match Preprocessor::new(
        172,
        172,
        Crop::Region {
            x: 0,
            y: 0,
            width: 0,
            height: 5,
        },
    ) {
        Err(e @ Error::InvalidOption { option: "crop", .. }) => {
            assert_eq!(
                e.to_string(),
                "invalid option: crop region must not be empty, got 0x5"
            )
        }
        other => panic!("{other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Random layouts.

/// The layout rules, written out again independently: per plane (columns, rows, bytes a
/// sample, pixel strides allowed).
fn plane_rules(format: PixelFormat, w: usize, h: usize) -> Vec<(usize, usize, usize, Vec<usize>)> {
    let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
    match format {
        PixelFormat::Rgb888 => vec![(w, h, 3, vec![3])],
        PixelFormat::Rgba8888 | PixelFormat::Bgra8888 => vec![(w, h, 4, vec![4])],
        PixelFormat::Nv21 | PixelFormat::Nv12 => vec![(w, h, 1, vec![1]), (cw, ch, 2, vec![2])],
        PixelFormat::I420 => vec![
            (w, h, 1, vec![1]),
            (cw, ch, 1, vec![1]),
            (cw, ch, 1, vec![1]),
        ],
        PixelFormat::Yuv420888 => vec![
            (w, h, 1, vec![1]),
            (cw, ch, 1, vec![1, 2]),
            (cw, ch, 1, vec![1, 2]),
        ],
    }
}

/// Bytes a plane needs, in u128 so nothing overflows here.
fn needed(cols: usize, rows: usize, sample: usize, stride: usize, ps: usize) -> (u128, u128) {
    let row = (cols as u128 - 1) * ps as u128 + sample as u128;
    (row, (rows as u128 - 1) * stride as u128 + row)
}

#[derive(Debug, Clone)]
struct Layout {
    format: usize,
    w: usize,
    h: usize,
    /// Per plane: (row stride delta or a huge stride, pixel stride choice, length delta).
    planes: Vec<(i64, bool, usize, i64)>,
    rotation: i32,
    mirror: bool,
    crop: (u8, usize, usize, usize, usize),
    out: (usize, usize),
}

fn layout() -> impl Strategy<Value = Layout> {
    let dim = prop_oneof![
        8 => 1usize..=24,
        1 => Just(0usize),
        1 => 16380usize..=16390,
    ];
    (
        0..PixelFormat::ALL.len(),
        dim.clone(),
        dim,
        prop::collection::vec(
            (
                prop_oneof![6 => 0i64..=6, 1 => -3i64..=-1],
                prop::bool::weighted(0.02),
                prop_oneof![8 => 0usize..=1, 1 => 2usize..=3],
                prop_oneof![6 => 0i64..=4, 1 => -3i64..=-1],
            ),
            3,
        ),
        0..4i32,
        any::<bool>(),
        (0u8..3, 0usize..=26, 0usize..=26, 0usize..=26, 0usize..=26),
        (1usize..=12, 1usize..=12),
    )
        .prop_map(
            |(format, w, h, planes, rotation, mirror, crop, out)| Layout {
                format,
                w,
                h,
                planes,
                rotation,
                mirror,
                crop,
                out,
            },
        )
}

/// Largest plane the property test allocates; bigger layouts get this many bytes (so they
/// are short, and must be refused).
const CAP: usize = 1 << 16;

proptest! {
    #![proptest_config(ProptestConfig { cases: 10_000, failure_persistence: None, ..ProptestConfig::default() })]

    /// Must-show 5, at random: a frame is accepted exactly when the independent rules say it
    /// is consistent; an accepted frame preprocesses (rotated, mirrored, cropped) without a
    /// panic, every value in [0, 1]; a crop region outside it is an error, never a panic.
    #[test]
    fn random_layouts_are_accepted_exactly_when_consistent_and_never_panic(l in layout()) {
        let format = PixelFormat::ALL[l.format];
        let dims_ok = (1..=16384).contains(&l.w) && (1..=16384).contains(&l.h);
        let rules = if dims_ok { plane_rules(format, l.w, l.h) } else { plane_rules(format, 1, 1) };
        let mut buffers = Vec::new();
        let mut strides = Vec::new();
        let mut ok = dims_ok;
        for ((cols, rows, sample, allowed), &(ds, huge, ps_pick, dl)) in rules.iter().zip(&l.planes) {
            let ps = if allowed.len() == 2 { [1, 2, 0, 3][ps_pick] } else if ps_pick == 3 { 1 + allowed[0] } else { allowed[0] };
            let (row, _) = needed(*cols, *rows, *sample, 0, ps.max(1));
            let stride = if huge { usize::MAX / 3 } else { (row as i64 + ds).max(0) as usize };
            let (row, len) = needed(*cols, *rows, *sample, stride, ps);
            let have = (len as i128 + i128::from(dl)).clamp(0, CAP as i128) as usize;
            ok &= allowed.contains(&ps) && stride as u128 >= row && have as u128 >= len;
            buffers.push(pseudo_random(have, have as u64));
            strides.push((stride, ps));
        }
        let planes: Vec<Plane<'_>> = buffers.iter().zip(&strides).map(|(b, &(s, p))| Plane::new(b, s, p)).collect();
        let frame = Frame::new(format, l.w, l.h, &planes);
        prop_assert_eq!(frame.is_ok(), ok, "{:?} {:?}: {:?}", format, strides, frame.as_ref().err());
        if let Err(e) = &frame {
            prop_assert!(matches!(e, Error::InvalidFrame(m) if !m.is_empty()));
            return Ok(());
        }
        let frame = frame.unwrap()
            .with_rotation(Rotation::from_degrees(l.rotation * 90).unwrap())
            .with_mirror(l.mirror);
        let (kind, x, y, rw, rh) = l.crop;
        let crop = match kind {
            0 => Crop::CenterSquare,
            1 => Crop::Stretch,
            _ => Crop::Region { x, y, width: rw, height: rh },
        };
        let pre = Preprocessor::new(l.out.0, l.out.1, crop);
        if kind == 2 && (rw == 0 || rh == 0) {
            prop_assert!(matches!(pre, Err(Error::InvalidOption { .. })), "{:?}", pre.err());
            return Ok(());
        }
        let mut pre = pre.unwrap();
        let mut out = vec![-1.0f32; l.out.0 * l.out.1 * 3];
        let result = pre.run(&frame, &mut out);
        let inside = kind < 2 || (x + rw <= l.w && y + rh <= l.h);
        prop_assert_eq!(result.is_ok(), inside, "{:?}", result);
        if inside {
            prop_assert!(out.iter().all(|v| (0.0..=1.0).contains(v)));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// No allocation per frame.

/// Counts this thread's heap allocations (tests run on several threads).
struct CountingAlloc;

thread_local! {
    static ALLOCATIONS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

// SAFETY: forwards every call unchanged to the system allocator; the counter is a
// const-initialised thread-local Cell, which neither allocates nor can re-enter.
unsafe impl std::alloc::GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        std::alloc::System.alloc(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        std::alloc::System.dealloc(ptr, layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, size: usize) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        std::alloc::System.realloc(ptr, layout, size)
    }
}

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

fn allocations() -> usize {
    ALLOCATIONS.with(|n| n.get())
}

/// Once a stream runs, preprocessing allocates nothing, and a classifier frame allocates
/// only the prediction it returns (its categories and their labels).
#[test]
fn a_running_stream_allocates_only_the_prediction() {
    let (w, h) = (1280, 720);
    let y = pseudo_random(w * h, 3);
    let vu = pseudo_random(w * h / 2, 4);
    let rgba = pseudo_random(w * h * 4, 5);
    let nv21 = Frame::nv21(&y, w, &vu, w, w, h).unwrap();
    let rgba = Frame::rgba8888(&rgba, w, h, w * 4).unwrap();
    let mut pre = Preprocessor::new(172, 172, Crop::CenterSquare).unwrap();
    let mut out = vec![0.0; 172 * 172 * 3];
    for frame in [
        nv21,
        rgba,
        nv21.with_rotation(Rotation::Deg90).with_mirror(true),
    ] {
        pre.run(&frame, &mut out).unwrap(); // geometry changed: tables built
        let before = allocations();
        for _ in 0..5 {
            pre.run(&frame, &mut out).unwrap();
        }
        assert_eq!(allocations() - before, 0, "{:?}", frame.format());
    }

    let model = movinet_tests::a0();
    let labels = movinet_tests::kinetics_labels();
    let options = movinet::ClassifierOptions {
        top_k: 3,
        ..Default::default()
    };
    let mut classifier = movinet::Classifier::new(&model, Some(labels), options).unwrap();
    let at = |i: u64| nv21.with_timestamp(std::time::Duration::from_millis(200 * i));
    classifier.push(&at(0)).unwrap().unwrap();
    for i in 1..4 {
        let before = allocations();
        let p = classifier.push(&at(i)).unwrap().unwrap();
        let n = allocations() - before;
        // The categories Vec and one String per label.
        // (at least the Vec: the counter counts).
        assert!(
            (1..=1 + p.categories.len()).contains(&n),
            "{n} allocations for one frame"
        );
        drop(p);
        // A paced-out frame allocates nothing.
        let before = allocations();
        let skipped = nv21.with_timestamp(std::time::Duration::from_millis(200 * i + 50));
        assert!(classifier.push(&skipped).unwrap().is_none());
        assert_eq!(allocations() - before, 0);
    }
}
