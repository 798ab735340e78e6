//! [`Overlay`]: the SDK's live view (the current action, the top-3 bars, the events strip)
//! drawn on a video frame by `movinet-overlay`, the renderer `movinet classify --annotate`
//! draws with, so that Python's `movinet.annotate()` shows exactly what the command shows.
//!
//! Built with the crate feature `overlay`, which the Python wheel turns on; the Swift package
//! leaves it off (apps draw their own views, and the renderer carries 1.4 MB of fonts).
//!
//! UniFFI lends byte arguments read-only, so `draw` copies the frame, draws on the copy and
//! returns it: two copies of the frame per call, small beside encoding it again.

use std::sync::{Arc, Mutex, MutexGuard};

use crate::prediction::{Category, Event};
use crate::{MovinetError, Result};

/// What one frame shows, on the events' clock (microseconds): the latest prediction's top
/// categories (three are drawn, best first) and the events so far. The current action is the
/// event whose span covers `time_us` (started at or before it, not yet ended), or none.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct OverlayView {
    /// This frame's time.
    pub time_us: i64,
    /// The clip's length: the width of the timeline strip.
    pub duration_us: i64,
    /// The latest prediction's categories at or before this frame, best first.
    pub top: Vec<Category>,
    /// The events so far (or all of them: each is drawn from its start up to `time_us`).
    pub events: Vec<Event>,
}

/// A rectangle of pixels on the frame (from its top-left corner).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct OverlayRect {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

/// Where the overlay draws on a frame of its size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct OverlayLayout {
    /// The current action's box: opaque, so its pixels depend on the action alone.
    pub action: OverlayRect,
    /// The top-3 bars, over a translucent panel.
    pub bars: OverlayRect,
    /// The events strip along the bottom.
    pub timeline: OverlayRect,
}

/// Draws the live view on upright video frames of one size, packed RGB (pixel stride 3) or
/// RGBA (4, alpha left alone).
#[derive(uniffi::Object)]
pub struct Overlay {
    inner: Mutex<movinet_overlay::Overlay>,
    width: u32,
    height: u32,
}

impl std::fmt::Debug for Overlay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Overlay")
            .field("width", &self.width)
            .field("height", &self.height)
            .finish()
    }
}

#[uniffi::export]
impl Overlay {
    /// An overlay for upright frames of `width` x `height` pixels.
    #[uniffi::constructor]
    pub fn new(width: u32, height: u32) -> Result<Arc<Self>> {
        let inner = movinet_overlay::Overlay::new(width as usize, height as usize)
            .map_err(overlay_error)?;
        Ok(Arc::new(Self {
            inner: Mutex::new(inner),
            width,
            height,
        }))
    }

    /// `pixels` (this overlay's frame size, rows `row_stride` bytes apart, `pixel_stride` 3
    /// for RGB or 4 for RGBA) with `view` drawn on them, as a new buffer of the same layout.
    pub fn draw(
        &self,
        pixels: &[u8],
        row_stride: u32,
        pixel_stride: u32,
        view: OverlayView,
    ) -> Result<Vec<u8>> {
        let format = match pixel_stride {
            3 => movinet_overlay::PixelFormat::Rgb,
            4 => movinet_overlay::PixelFormat::Rgba,
            other => {
                return Err(MovinetError::InvalidFrame {
                    message: format!(
                        "invalid frame: the overlay draws on RGB (pixel stride 3) or RGBA (4), got pixel stride {other}"
                    ),
                })
            }
        };
        let seconds = |us: i64| us as f64 / 1e6;
        let top: Vec<movinet_overlay::Bar> = view
            .top
            .iter()
            .map(|c| movinet_overlay::Bar {
                label: c.label.clone(),
                index: c.index as usize,
                score: c.score,
            })
            .collect();
        let spans: Vec<movinet_overlay::Span> = view
            .events
            .iter()
            .map(|e| movinet_overlay::Span {
                label: e.label.clone(),
                index: e.index as usize,
                start_s: seconds(e.start_us),
                end_s: e.end_us.map(seconds),
            })
            .collect();
        let time_s = seconds(view.time_us);
        let action = spans.iter().find(|s| s.covers(time_s));
        let shown = movinet_overlay::View {
            action,
            top: &top,
            events: &spans,
            time_s,
            duration_s: seconds(view.duration_us),
        };
        let mut out = pixels.to_vec();
        self.lock()
            .draw(&mut out, row_stride as usize, format, &shown)
            .map_err(overlay_error)?;
        Ok(out)
    }

    /// Where it draws.
    pub fn layout(&self) -> OverlayLayout {
        let l = self.lock().layout();
        let rect = |r: movinet_overlay::Rect| {
            let small = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
            OverlayRect {
                x: small(r.x),
                y: small(r.y),
                width: small(r.width),
                height: small(r.height),
            }
        };
        OverlayLayout {
            action: rect(l.action),
            bars: rect(l.bars),
            timeline: rect(l.timeline),
        }
    }

    pub fn width(&self) -> u32 {
        self.width
    }

    pub fn height(&self) -> u32 {
        self.height
    }
}

impl Overlay {
    fn lock(&self) -> MutexGuard<'_, movinet_overlay::Overlay> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn overlay_error(e: movinet_overlay::Error) -> MovinetError {
    match e {
        movinet_overlay::Error::InvalidFrame(_) => MovinetError::InvalidFrame {
            message: e.to_string(),
        },
        movinet_overlay::Error::Font(_) => MovinetError::Runtime {
            message: e.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(label: &str, index: u32, start_us: i64, end_us: Option<i64>) -> Event {
        Event {
            label: label.into(),
            index,
            start_us,
            end_us,
            peak_score: 0.9,
            mean_score: 0.8,
        }
    }

    fn view(time_us: i64, events: Vec<Event>) -> OverlayView {
        OverlayView {
            time_us,
            duration_us: 10_000_000,
            top: vec![Category {
                index: 72,
                label: "carving ice".into(),
                score: 0.9,
            }],
            events,
        }
    }

    #[test]
    fn the_action_box_shows_the_event_covering_the_frame_and_only_it() {
        let (w, h) = (320u32, 180u32);
        let overlay = Overlay::new(w, h).unwrap();
        let frame = vec![40u8; (w * h * 3) as usize];
        let action = overlay.layout().action;
        assert!(action.width > 0 && action.height > 0);
        let (x, y, width, height) = (
            action.x as usize,
            action.y as usize,
            action.width as usize,
            action.height as usize,
        );
        let boxed = |pixels: &[u8]| -> Vec<u8> {
            (y..y + height)
                .flat_map(|y| {
                    let row = y * w as usize * 3;
                    pixels[row + x * 3..row + (x + width) * 3].to_vec()
                })
                .collect()
        };
        let draw = |v: OverlayView| boxed(&overlay.draw(&frame, w * 3, 3, v).unwrap());
        let events = vec![
            event("arm wrestling", 40, 1_000_000, Some(4_000_000)),
            event("carving ice", 72, 4_000_000, None),
        ];
        let none = draw(view(500_000, events.clone()));
        let first = draw(view(1_000_000, events.clone()));
        let still_first = draw(view(3_999_999, events.clone()));
        let second = draw(view(4_000_000, events.clone()));
        let open = draw(view(9_000_000, events.clone()));
        assert_ne!(none, first);
        assert_eq!(first, still_first);
        assert_ne!(first, second);
        assert_eq!(second, open, "an event under way covers every later frame");
        assert_eq!(none, draw(view(500_000, vec![])));
    }

    #[test]
    fn bad_buffers_are_invalid_frames() {
        let overlay = Overlay::new(8, 8).unwrap();
        let e = overlay
            .draw(&[0; 8 * 8 * 3], 24, 2, view(0, vec![]))
            .unwrap_err();
        assert!(matches!(e, MovinetError::InvalidFrame { .. }), "{e:?}");
        let e = overlay.draw(&[0; 10], 24, 3, view(0, vec![])).unwrap_err();
        assert!(matches!(e, MovinetError::InvalidFrame { .. }), "{e:?}");
        assert!(matches!(
            Overlay::new(0, 8).unwrap_err(),
            MovinetError::InvalidFrame { .. }
        ));
    }
}
