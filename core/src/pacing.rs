//! Frame pacing: feed the model at the rate it was trained on, whatever rate the camera runs.
//!
//! MoViNet stream models were trained on clips sampled at 5 frames per second; their state
//! assumes that spacing. The [`Pacer`] keeps frames on a grid of `1 / fps` seconds anchored at
//! the first frame it keeps, from the frames' own timestamps:
//!
//! * a frame is kept when `t + 1e-6 >= next - tolerance * step`, and then `next += step` (so
//!   the kept rate stays exactly `fps` on average; the tolerance only lets a frame a little
//!   early count for its grid point, as the TF Android example's 5 fps ± 10 % gate does);
//! * with a tolerance of 0 this is the reference pipeline's selection (`keep if t + 1e-6 >=
//!   nxt; nxt += step`), frame for frame;
//! * if a kept frame is a whole step or more behind the grid (a camera stall, a seek), or a
//!   timestamp goes backwards, the grid is re-anchored at that frame instead of bursting to
//!   catch up;
//! * frames without a timestamp are all kept, and so is everything when `fps` is `None`.

use std::time::Duration;

use crate::error::{Error, Result};

/// Slack for timestamps that land on a grid point up to rounding (the reference's 1e-6 s).
const EPSILON: f64 = 1e-6;
/// Highest rate accepted.
const MAX_FPS: f32 = 1000.0;

/// Frames kept and dropped since the pacer started or was reset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PacerStats {
    /// Frames fed to the model.
    pub kept: u64,
    /// Frames left out.
    pub dropped: u64,
}

/// Decides which frames of a stream the model sees. See the [module docs](self).
#[derive(Debug, Clone)]
pub struct Pacer {
    fps: Option<f32>,
    tolerance: f32,
    /// Seconds between kept frames.
    step: f64,
    /// The next grid point, once a frame has been kept.
    next: Option<f64>,
    /// The last timestamp seen.
    last: Option<f64>,
    stats: PacerStats,
}

impl Pacer {
    /// The rate the models were trained on.
    pub const DEFAULT_FPS: f32 = 5.0;
    /// The upstream live-camera tolerance (± 10 % of a step).
    pub const DEFAULT_TOLERANCE: f32 = 0.1;

    /// Keeps about `fps` frames per second of timestamps (`None`: every frame), accepting a
    /// frame up to `tolerance` of a step early (0 <= tolerance < 1).
    pub fn new(fps: Option<f32>, tolerance: f32) -> Result<Self> {
        if let Some(f) = fps {
            if !(f.is_finite() && f > 0.0 && f <= MAX_FPS) {
                return Err(Error::option(
                    "model_fps",
                    format!("must be a number above 0 and at most {MAX_FPS}, got {f}"),
                ));
            }
        }
        if !(tolerance.is_finite() && (0.0..1.0).contains(&tolerance)) {
            return Err(Error::option(
                "pace_tolerance",
                format!(
                    "must be at least 0 and below 1 (a fraction of a frame interval), got \
                     {tolerance}"
                ),
            ));
        }
        Ok(Self {
            fps,
            tolerance,
            step: fps.map_or(0.0, |f| 1.0 / f64::from(f)),
            next: None,
            last: None,
            stats: PacerStats::default(),
        })
    }

    /// A pacer that keeps every frame.
    pub fn keep_all() -> Self {
        Self {
            fps: None,
            tolerance: 0.0,
            step: 0.0,
            next: None,
            last: None,
            stats: PacerStats::default(),
        }
    }

    /// Frames per second kept (`None`: every frame).
    pub fn fps(&self) -> Option<f32> {
        self.fps
    }

    /// How early, as a fraction of a frame interval, a frame may be and still be kept.
    pub fn tolerance(&self) -> f32 {
        self.tolerance
    }

    /// Whether to feed the frame taken at `timestamp` to the model; counts the decision.
    pub fn accept(&mut self, timestamp: Option<Duration>) -> bool {
        let keep = self.decide(timestamp);
        if keep {
            self.stats.kept += 1;
        } else {
            self.stats.dropped += 1;
        }
        keep
    }

    /// What [`Pacer::accept`] would say about a frame taken at `timestamp`, without counting
    /// it or moving the grid: lets a caller skip building (or copying) a frame that would be
    /// left out.
    pub fn would_accept(&self, timestamp: Option<Duration>) -> bool {
        match (self.fps, timestamp) {
            (Some(_), Some(ts)) => self.next_if_kept(ts.as_secs_f64()).is_some(),
            _ => true,
        }
    }

    fn decide(&mut self, timestamp: Option<Duration>) -> bool {
        let (Some(_), Some(ts)) = (self.fps, timestamp) else {
            return true;
        };
        let t = ts.as_secs_f64();
        let next = self.next_if_kept(t);
        self.last = Some(t);
        match next {
            Some(next) => {
                self.next = Some(next);
                true
            }
            None => false,
        }
    }

    /// The grid point after a frame at `t` seconds if that frame is kept; `None` if it is
    /// left out.
    fn next_if_kept(&self, t: f64) -> Option<f64> {
        let step = self.step;
        // On the grid unless this is the first frame or time went backwards.
        let on_grid = match (self.next, self.last) {
            (Some(next), Some(last)) if t >= last => Some(next),
            _ => None,
        };
        let next = match on_grid {
            Some(next) if t + EPSILON < next - f64::from(self.tolerance) * step => return None,
            Some(next) => next + step,
            None => t + step,
        };
        // A kept frame a whole step or more behind the grid: start a new grid from it.
        Some(if next <= t { t + step } else { next })
    }

    /// Frames kept and dropped so far.
    pub fn stats(&self) -> PacerStats {
        self.stats
    }

    /// Forgets the grid and the counts, as for a new stream.
    pub fn reset(&mut self) {
        self.next = None;
        self.last = None;
        self.stats = PacerStats::default();
    }
}

impl Default for Pacer {
    /// 5 fps with the live-camera tolerance of 0.1.
    fn default() -> Self {
        Self::new(Some(Self::DEFAULT_FPS), Self::DEFAULT_TOLERANCE).expect("valid defaults")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(pacer: &mut Pacer, times: &[f64]) -> Vec<usize> {
        times
            .iter()
            .enumerate()
            .filter(|(_, &t)| pacer.accept(Some(Duration::from_secs_f64(t))))
            .map(|(i, _)| i)
            .collect()
    }

    /// The reference pipeline's selection, verbatim.
    fn reference(times: &[f64], fps: f64) -> Vec<usize> {
        let step = 1.0 / fps;
        let mut nxt = times[0];
        let mut idx = Vec::new();
        for (i, &t) in times.iter().enumerate() {
            if t + 1e-6 >= nxt {
                idx.push(i);
                nxt += step;
            }
        }
        idx
    }

    #[test]
    fn zero_tolerance_is_the_reference_selection() {
        for rate in [30.0, 28.0, 29.97, 25.0, 24.0, 10.0, 6.0, 5.0, 4.0, 60.0] {
            let times: Vec<f64> = (0..600).map(|i| i as f64 / rate).collect();
            for fps in [5.0f32, 3.0, 7.5] {
                let mut p = Pacer::new(Some(fps), 0.0).unwrap();
                assert_eq!(
                    kept(&mut p, &times),
                    reference(&times, f64::from(fps)),
                    "{rate} fps video at {fps}"
                );
                let s = p.stats();
                assert_eq!(s.kept + s.dropped, 600);
            }
        }
    }

    #[test]
    fn tolerance_keeps_the_average_rate() {
        // 28 fps: frames are never exactly on the 0.2 s grid.
        let times: Vec<f64> = (0..28 * 20).map(|i| i as f64 / 28.0).collect();
        let mut p = Pacer::default();
        let k = kept(&mut p, &times);
        assert_eq!(k.len(), 100, "{k:?}"); // 20 s at 5 fps
                                           // A frame 1/28 s early of a grid point is within 10 % of 0.2 s: kept early.
        assert_eq!(&k[..4], &[0, 6, 11, 17]);
        assert_eq!(p.stats().dropped, 460);
    }

    #[test]
    fn stalls_and_backward_time_reanchor_no_timestamp_keeps() {
        let mut p = Pacer::new(Some(5.0), 0.0).unwrap();
        let mut at = |t: f64| p.accept(Some(Duration::from_secs_f64(t)));
        assert!(at(10.0));
        assert!(!at(10.1));
        assert!(at(10.2));
        // A 3 s stall: one frame, then the grid continues from it (no burst of catch-up).
        assert!(at(13.25));
        assert!(!at(13.3));
        assert!(!at(13.4));
        assert!(at(13.45));
        // A seek backwards: kept, grid anchored there.
        assert!(at(2.0));
        assert!(!at(2.1));
        assert!(at(2.2));
        assert!(p.accept(None));
        assert!(p.accept(None));
        assert_eq!(
            p.stats(),
            PacerStats {
                kept: 8,
                dropped: 4
            }
        );
        p.reset();
        assert_eq!(p.stats(), PacerStats::default());
        assert!(p.accept(Some(Duration::from_secs_f64(13.3))));
    }

    #[test]
    fn keep_all_and_invalid_options() {
        let mut p = Pacer::new(None, 0.0).unwrap();
        assert!((0..10).all(|i| p.accept(Some(Duration::from_millis(i)))));
        let mut p = Pacer::keep_all();
        assert!((0..10).all(|i| p.accept(Some(Duration::from_millis(i)))));
        for (fps, tol) in [
            (Some(0.0), 0.1),
            (Some(-5.0), 0.1),
            (Some(f32::NAN), 0.1),
            (Some(f32::INFINITY), 0.1),
            (Some(5000.0), 0.1),
            (Some(5.0), -0.1),
            (Some(5.0), 1.0),
            (Some(5.0), f32::NAN),
        ] {
            assert!(
                matches!(Pacer::new(fps, tol), Err(Error::InvalidOption { .. })),
                "{fps:?} {tol}"
            );
        }
    }

    #[test]
    fn would_accept_is_what_accept_then_does() {
        // A 28 fps camera with a stall, a seek backwards and frames without timestamps: before
        // every frame the pure query agrees with the counted decision, and does not move the
        // grid (asking twice gives the same answer).
        let mut times: Vec<Option<f64>> = (0..84).map(|i| Some(i as f64 / 28.0)).collect();
        times.extend([
            Some(6.0),
            Some(6.01),
            None,
            Some(1.0),
            Some(1.05),
            Some(1.2),
            None,
        ]);
        for (fps, tol) in [(Some(5.0), 0.1), (Some(5.0), 0.0), (None, 0.0)] {
            let mut p = Pacer::new(fps, tol).unwrap();
            for t in &times {
                let ts = t.map(Duration::from_secs_f64);
                let asked = p.would_accept(ts);
                assert_eq!(p.would_accept(ts), asked);
                let before = p.stats();
                assert_eq!(p.accept(ts), asked, "{t:?} at {fps:?}");
                assert_eq!(
                    p.stats().kept + p.stats().dropped,
                    before.kept + before.dropped + 1
                );
            }
        }
    }
}
