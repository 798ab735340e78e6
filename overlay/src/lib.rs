//! The SDK's live view drawn on a video frame, as the sample apps show it: the current action
//! (from the action events) or "no action", the top-3 classes as bars with their scores, and
//! a thin strip along the bottom with the events so far on the clip's timeline.
//!
//! It paints on a borrowed, upright, packed RGB or RGBA buffer (any row stride) and knows
//! nothing of video files: `movinet classify --annotate` decodes and encodes around it, and
//! any other host (a binding, a notebook) can hand it frames the same way.
//!
//! ```
//! use movinet_overlay::{Bar, Overlay, PixelFormat, Span, View};
//! let (w, h) = (640, 360);
//! let mut frame = vec![0u8; w * h * 3];
//! let mut overlay = Overlay::new(w, h).unwrap();
//! let top = [Bar { label: "carving ice".into(), index: 72, score: 0.92 }];
//! let events = [Span { label: "carving ice".into(), index: 72, start_s: 0.4, end_s: None }];
//! let view = View { action: Some(&events[0]), top: &top, events: &events, time_s: 3.0, duration_s: 6.7 };
//! overlay.draw(&mut frame, w * 3, PixelFormat::Rgb, &view).unwrap();
//! ```
//!
//! Text is DejaVu Sans, embedded through the `dejavu` crate (the Bitstream Vera font licence;
//! DejaVu's changes are in the public domain) and rasterised by `ab_glyph`.

mod canvas;
mod text;

use canvas::{Canvas, Rgb};
use text::{Typesetter, Weight};

/// How a frame's pixels are packed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PixelFormat {
    /// 3 bytes a pixel: red, green, blue.
    Rgb,
    /// 4 bytes a pixel: red, green, blue, alpha (alpha is left as it is).
    Rgba,
}

impl PixelFormat {
    /// Bytes per pixel.
    pub fn channels(self) -> usize {
        match self {
            Self::Rgb => 3,
            Self::Rgba => 4,
        }
    }
}

/// What can go wrong: a buffer that does not hold the frame it claims, a frame size out of
/// range, or the embedded font failing to parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The buffer, stride or size do not describe a frame.
    InvalidFrame(String),
    /// The embedded font could not be read.
    Font(String),
}

impl Error {
    fn frame(why: impl Into<String>) -> Self {
        Self::InvalidFrame(why.into())
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::InvalidFrame(why) => write!(f, "invalid frame: {why}"),
            Self::Font(why) => write!(f, "font: {why}"),
        }
    }
}

impl std::error::Error for Error {}

/// A rectangle of pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rect {
    pub x: usize,
    pub y: usize,
    pub width: usize,
    pub height: usize,
}

impl Rect {
    pub const fn new(x: usize, y: usize, width: usize, height: usize) -> Self {
        Self {
            x,
            y,
            width,
            height,
        }
    }
}

/// One of the top classes of the latest prediction.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    /// The class index (it picks the bar's colour, the same as its events').
    pub index: usize,
    /// Probability, 0 to 1.
    pub score: f32,
}

/// An action event on the clip's timeline, in seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    pub label: String,
    pub index: usize,
    pub start_s: f64,
    /// `None` while it goes on.
    pub end_s: Option<f64>,
}

impl Span {
    /// Whether the event is under way at `time_s`: started at or before it and not ended by
    /// then. The current action of a frame is the event that covers its time.
    pub fn covers(&self, time_s: f64) -> bool {
        self.start_s <= time_s && self.end_s.is_none_or(|end| time_s < end)
    }
}

/// What one frame shows.
#[derive(Debug, Clone, Copy)]
pub struct View<'a> {
    /// The action under way at this frame, or none.
    pub action: Option<&'a Span>,
    /// The latest prediction's top classes, best first (three are drawn).
    pub top: &'a [Bar],
    /// The events so far; each is drawn from its start up to its end or `time_s`, whichever
    /// comes first.
    pub events: &'a [Span],
    /// This frame's time on the clip, seconds.
    pub time_s: f64,
    /// The clip's length, seconds: the width of the timeline strip.
    pub duration_s: f64,
}

/// Where the overlay draws on a frame of a given size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Layout {
    /// The current action's box: opaque, so its pixels depend on the action alone.
    pub action: Rect,
    /// The top-3 bars, over a translucent panel.
    pub bars: Rect,
    /// The events strip along the bottom.
    pub timeline: Rect,
    /// Pixels of a 360-line frame's unit (sizes scale with the frame's shorter side).
    unit: f32,
}

/// Rows of bars drawn.
pub const BARS: usize = 3;

impl Layout {
    /// The layout on an upright `width` x `height` frame.
    pub fn new(width: usize, height: usize) -> Self {
        let unit = (width.min(height) as f32 / 360.0).clamp(0.5, 8.0);
        let u = |v: f32| (v * unit).round() as usize;
        let margin = u(8.0);
        let panel = width.saturating_sub(2 * margin).min(u(260.0));
        let action = Rect::new(margin, margin, panel, u(30.0));
        let bars = Rect::new(
            margin,
            action.y + action.height + u(4.0),
            panel,
            BARS * u(22.0) + u(6.0),
        );
        let strip = u(6.0).max(3);
        let timeline = Rect::new(
            margin,
            height.saturating_sub(margin + strip),
            width.saturating_sub(2 * margin),
            strip,
        );
        Self {
            action,
            bars,
            timeline,
            unit,
        }
    }

    fn u(&self, v: f32) -> usize {
        (v * self.unit).round() as usize
    }

    fn px(&self, v: f32) -> u32 {
        (v * self.unit).round().max(6.0) as u32
    }
}

/// The colour of a class: one of ten, by class index, so that a class keeps its colour in the
/// box, the bars and the strip.
pub fn class_colour(index: usize) -> (u8, u8, u8) {
    const PALETTE: [(u8, u8, u8); 10] = [
        (31, 119, 180),
        (255, 127, 14),
        (44, 160, 44),
        (214, 39, 40),
        (148, 103, 189),
        (140, 86, 75),
        (227, 119, 194),
        (188, 189, 34),
        (23, 190, 207),
        (127, 127, 127),
    ];
    PALETTE[index % PALETTE.len()]
}

fn colour(index: usize) -> Rgb {
    let (r, g, b) = class_colour(index);
    Rgb(r, g, b)
}

const WHITE: Rgb = Rgb(255, 255, 255);
const GREY: Rgb = Rgb(170, 170, 170);
const PANEL: Rgb = Rgb(16, 16, 16);

/// Draws the live view on frames of one size (it keeps the layout and the rasterised text).
pub struct Overlay {
    width: usize,
    height: usize,
    layout: Layout,
    text: Typesetter,
}

impl Overlay {
    /// An overlay for upright frames of `width` x `height` pixels (each at least 1).
    pub fn new(width: usize, height: usize) -> Result<Self, Error> {
        if width == 0 || height == 0 {
            return Err(Error::frame(format!("{width}x{height} has no pixels")));
        }
        Ok(Self {
            width,
            height,
            layout: Layout::new(width, height),
            text: Typesetter::new()?,
        })
    }

    /// Where it draws.
    pub fn layout(&self) -> Layout {
        self.layout
    }

    /// Draws `view` on `pixels`: the overlay's frame size, rows `stride` bytes apart.
    pub fn draw(
        &mut self,
        pixels: &mut [u8],
        stride: usize,
        format: PixelFormat,
        view: &View<'_>,
    ) -> Result<(), Error> {
        let mut canvas = Canvas::new(pixels, self.width, self.height, stride, format)?;
        self.action(&mut canvas, view.action);
        self.bars(&mut canvas, view.top);
        self.timeline(&mut canvas, view);
        Ok(())
    }

    /// An opaque box: a swatch of the class's colour and its label, or "no action" in grey.
    fn action(&mut self, canvas: &mut Canvas<'_>, action: Option<&Span>) {
        let l = self.layout;
        let r = l.action;
        canvas.fill(r, PANEL, 255);
        let pad = l.u(8.0);
        let swatch = l.u(12.0);
        let mid = r.y + r.height / 2;
        let text_x = r.x + pad + swatch + pad;
        let room = (r.x + r.width).saturating_sub(text_x + pad);
        let (label, px, weight, ink) = match action {
            Some(a) => {
                let s = Rect::new(r.x + pad, mid.saturating_sub(swatch / 2), swatch, swatch);
                canvas.fill(s, colour(a.index), 255);
                (a.label.as_str(), l.px(18.0), Weight::Bold, WHITE)
            }
            None => ("no action", l.px(16.0), Weight::Regular, GREY),
        };
        let m = self.text.line(label, px, weight, room);
        let y = mid as isize - (m.height / 2) as isize;
        canvas.mask(text_x as isize, y, &m.coverage, m.width, ink, r);
    }

    /// Per class: its label and score on a line, a bar of its score's length under it.
    fn bars(&mut self, canvas: &mut Canvas<'_>, top: &[Bar]) {
        let l = self.layout;
        let r = l.bars;
        canvas.fill(r, PANEL, 150);
        let pad = l.u(6.0);
        let row = l.u(22.0);
        let inner = r.width.saturating_sub(2 * pad);
        let bar_h = l.u(4.0).max(2);
        for (i, bar) in top.iter().take(BARS).enumerate() {
            let y = r.y + pad + i * row;
            let score = format!("{:.2}", bar.score.clamp(0.0, 1.0));
            let px = l.px(13.0);
            let s = self.text.line(&score, px, Weight::Regular, inner);
            let (sw, sh) = (s.width, s.height);
            canvas.mask(
                (r.x + pad + inner - sw) as isize,
                y as isize,
                &s.coverage,
                sw,
                WHITE,
                r,
            );
            let room = inner.saturating_sub(sw + l.u(6.0));
            let m = self.text.line(&bar.label, px, Weight::Regular, room);
            canvas.mask(
                (r.x + pad) as isize,
                y as isize,
                &m.coverage,
                m.width,
                WHITE,
                r,
            );
            let by = y + sh + l.u(1.0);
            let len = (f64::from(bar.score.clamp(0.0, 1.0)) * inner as f64).round() as usize;
            canvas.fill(Rect::new(r.x + pad, by, inner, bar_h), WHITE, 40);
            canvas.fill(Rect::new(r.x + pad, by, len, bar_h), colour(bar.index), 255);
        }
    }

    /// The strip: the clip's length across, each event so far in its class's colour, and a
    /// white mark at this frame's time.
    fn timeline(&mut self, canvas: &mut Canvas<'_>, view: &View<'_>) {
        let r = self.layout.timeline;
        canvas.fill(r, PANEL, 150);
        if r.width == 0 || view.duration_s.is_nan() || view.duration_s <= 0.0 {
            return;
        }
        let x_of = |t: f64| {
            let f = (t / view.duration_s).clamp(0.0, 1.0);
            r.x + (f * r.width as f64).round() as usize
        };
        for e in view.events {
            if e.start_s > view.time_s {
                continue;
            }
            let end = e.end_s.unwrap_or(view.time_s).min(view.time_s);
            let (x0, x1) = (x_of(e.start_s), x_of(end));
            canvas.fill(
                Rect::new(x0, r.y, x1.saturating_sub(x0).max(1), r.height),
                colour(e.index),
                255,
            );
        }
        let mark = self.layout.u(2.0).max(1);
        let x = x_of(view.time_s).min(r.x + r.width - mark.min(r.width));
        canvas.fill(Rect::new(x, r.y, mark, r.height), WHITE, 255);
    }
}

#[cfg(test)]
mod tests;
