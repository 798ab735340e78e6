use super::*;

const W: usize = 640;
const H: usize = 360;

fn noise(n: usize, seed: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2_654_435_761).max(1);
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 24) as u8
        })
        .collect()
}

fn span(label: &str, index: usize, start_s: f64, end_s: Option<f64>) -> Span {
    Span {
        label: label.into(),
        index,
        start_s,
        end_s,
    }
}

fn bars() -> Vec<Bar> {
    vec![
        Bar {
            label: "carving ice".into(),
            index: 72,
            score: 0.9,
        },
        Bar {
            label: "ice skating".into(),
            index: 300,
            score: 0.05,
        },
        Bar {
            label: "a label far too long to fit in the panel beside its score".into(),
            index: 1,
            score: 0.01,
        },
    ]
}

fn draw(frame: &mut [u8], view: &View<'_>) {
    Overlay::new(W, H)
        .unwrap()
        .draw(frame, W * 3, PixelFormat::Rgb, view)
        .unwrap();
}

fn region(frame: &[u8], r: Rect) -> Vec<u8> {
    (r.y..r.y + r.height)
        .flat_map(|y| frame[(y * W + r.x) * 3..(y * W + r.x + r.width) * 3].to_vec())
        .collect()
}

fn inside(r: Rect, x: usize, y: usize) -> bool {
    x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height
}

#[test]
fn draws_only_inside_its_layout() {
    let before = noise(W * H * 3, 1);
    let mut frame = before.clone();
    let events = [span("carving ice", 72, 0.5, None)];
    let top = bars();
    let view = View {
        action: Some(&events[0]),
        top: &top,
        events: &events,
        time_s: 3.0,
        duration_s: 6.0,
    };
    draw(&mut frame, &view);
    let l = Layout::new(W, H);
    let mut changed = [0usize; 3];
    for y in 0..H {
        for x in 0..W {
            let at = (y * W + x) * 3;
            if frame[at..at + 3] == before[at..at + 3] {
                continue;
            }
            let which = [l.action, l.bars, l.timeline]
                .iter()
                .position(|&r| inside(r, x, y))
                .unwrap_or_else(|| panic!("pixel ({x}, {y}) changed outside the layout"));
            changed[which] += 1;
        }
    }
    let area = |r: Rect| r.width * r.height;
    // The action box is painted over whole; the panels are translucent (nearly every pixel
    // changes); the strip too.
    assert!(changed[0] > area(l.action) * 95 / 100, "{changed:?}");
    assert!(changed[1] > area(l.bars) * 90 / 100, "{changed:?}");
    assert!(changed[2] > area(l.timeline) * 90 / 100, "{changed:?}");
}

#[test]
fn the_action_box_depends_on_the_action_alone() {
    let l = Layout::new(W, H);
    let events = [
        span("carving ice", 72, 0.5, Some(2.0)),
        span("arm wrestling", 15, 2.0, None),
    ];
    let top = bars();
    let paint = |seed: u32, action: Option<&Span>| {
        let mut frame = noise(W * H * 3, seed);
        let view = View {
            action,
            top: &top,
            events: &events,
            time_s: 2.5,
            duration_s: 6.0,
        };
        draw(&mut frame, &view);
        region(&frame, l.action)
    };
    let a = paint(1, Some(&events[0]));
    assert_eq!(
        a,
        paint(2, Some(&events[0])),
        "opaque: the video does not show through"
    );
    let b = paint(1, Some(&events[1]));
    let none = paint(1, None);
    let differ = |x: &[u8], y: &[u8]| x.iter().zip(y).filter(|(p, q)| p != q).count();
    for (name, other) in [("another action", &b), ("no action", &none)] {
        let n = differ(&a, other);
        assert!(n > a.len() / 50, "{name}: {n} bytes differ");
    }
}

#[test]
fn bars_are_as_long_as_their_scores() {
    let l = Layout::new(W, H);
    let top = bars();
    let mut frame = vec![0u8; W * H * 3];
    let view = View {
        action: None,
        top: &top,
        events: &[],
        time_s: 0.0,
        duration_s: 0.0,
    };
    draw(&mut frame, &view);
    // Each bar's pixels in its class's colour, on the row that has the most of them.
    for bar in &top {
        let (r, g, b) = class_colour(bar.index);
        let longest = (l.bars.y..l.bars.y + l.bars.height)
            .map(|y| {
                (l.bars.x..l.bars.x + l.bars.width)
                    .filter(|&x| frame[(y * W + x) * 3..(y * W + x) * 3 + 3] == [r, g, b])
                    .count()
            })
            .max()
            .unwrap();
        let inner = l.bars.width - 2 * l.u(6.0);
        let want = (f64::from(bar.score) * inner as f64).round() as usize;
        assert_eq!(longest, want, "{}", bar.label);
    }
}

#[test]
fn the_strip_shows_events_up_to_this_frame() {
    let l = Layout::new(W, H);
    let r = l.timeline;
    let events = [
        span("carving ice", 72, 0.0, Some(2.0)),
        span("arm wrestling", 15, 3.0, None),
        span("not yet", 3, 5.0, None),
    ];
    let mut frame = vec![0u8; W * H * 3];
    let view = View {
        action: Some(&events[1]),
        top: &[],
        events: &events,
        time_s: 4.0,
        duration_s: 8.0,
    };
    draw(&mut frame, &view);
    let y = r.y + r.height / 2;
    let count = |index: usize| {
        let (cr, cg, cb) = class_colour(index);
        (r.x..r.x + r.width)
            .filter(|&x| frame[(y * W + x) * 3..(y * W + x) * 3 + 3] == [cr, cg, cb])
            .count() as f64
    };
    let quarter = r.width as f64 / 4.0;
    assert!((count(72) - quarter).abs() <= 2.0, "{}", count(72));
    // 3 s to 4 s, less the white mark at 4 s.
    assert!((count(15) - quarter / 2.0).abs() <= 3.0, "{}", count(15));
    assert_eq!(count(3), 0.0, "an event after this frame is not drawn");
}

#[test]
fn rgba_frames_get_the_same_colours_and_keep_their_alpha() {
    let rgb = noise(W * H * 3, 3);
    let stride = W * 4 + 8;
    let mut rgba = vec![7u8; stride * H];
    for y in 0..H {
        for x in 0..W {
            let (s, d) = ((y * W + x) * 3, y * stride + x * 4);
            rgba[d..d + 3].copy_from_slice(&rgb[s..s + 3]);
        }
    }
    let events = [span("carving ice", 72, 0.5, None)];
    let top = bars();
    let view = View {
        action: Some(&events[0]),
        top: &top,
        events: &events,
        time_s: 3.0,
        duration_s: 6.0,
    };
    let mut want = rgb.clone();
    draw(&mut want, &view);
    let mut overlay = Overlay::new(W, H).unwrap();
    overlay
        .draw(&mut rgba, stride, PixelFormat::Rgba, &view)
        .unwrap();
    for y in 0..H {
        for x in 0..W {
            let (s, d) = ((y * W + x) * 3, y * stride + x * 4);
            assert_eq!(rgba[d..d + 3], want[s..s + 3], "({x}, {y})");
            assert_eq!(rgba[d + 3], 7, "alpha at ({x}, {y})");
        }
        assert!(
            rgba[y * stride + W * 4..(y + 1) * stride] == [7; 8],
            "padding"
        );
    }
}

#[test]
fn bad_frames_are_errors() {
    assert!(matches!(Overlay::new(0, 10), Err(Error::InvalidFrame(_))));
    let mut o = Overlay::new(W, H).unwrap();
    let view = View {
        action: None,
        top: &[],
        events: &[],
        time_s: f64::NAN,
        duration_s: f64::INFINITY,
    };
    let mut short = vec![0u8; W * H * 3 - 1];
    let e = o
        .draw(&mut short, W * 3, PixelFormat::Rgb, &view)
        .unwrap_err();
    assert!(e.to_string().starts_with("invalid frame: "), "{e}");
    assert!(o.draw(&mut short, W * 2, PixelFormat::Rgb, &view).is_err());
    // Odd times and a tiny frame draw without a panic.
    let mut frame = vec![0u8; W * H * 3];
    o.draw(&mut frame, W * 3, PixelFormat::Rgb, &view).unwrap();
    let mut tiny = Overlay::new(3, 2).unwrap();
    let mut px = [0u8; 18];
    let events = [span("x", 0, -1.0, Some(1e300))];
    let top = bars();
    let view = View {
        action: Some(&events[0]),
        top: &top,
        events: &events,
        time_s: 1e9,
        duration_s: 1e-9,
    };
    tiny.draw(&mut px, 9, PixelFormat::Rgb, &view).unwrap();
}
