//! Action events: when a label starts and stops being what the stream shows.
//!
//! Per-frame scores flicker, above all while one action gives way to another. The
//! [`EventDetector`] turns them into a timeline with hysteresis:
//!
//! * an event **starts** once a label has been the top label for at least
//!   [`EventOptions::min_duration`] and its *mean* score over that last stretch reaches
//!   [`EventOptions::min_score`]; its start is the time it became the top label (so the
//!   timeline is not late by the wait). A mean over the wait, not one frame's peak: a label
//!   that is top for a moment while one action gives way to another peaks on a single frame
//!   now and then, but does not hold a high score.
//! * its label **lapses** on a frame where it is not the top label, or where its score is
//!   below [`EventOptions::keep_score`] (the action stopped and nothing else rose: a blank or
//!   static scene keeps the old label on top while its score decays);
//! * it **ends** once its label has lapsed for [`EventOptions::max_gap`], or as soon as another
//!   label's event starts (a shorter lapse is bridged). Its end is where the action was last
//!   seen clearly: the end of the last frame on which its label was top with at least
//!   `min_score` (when the lapse began, if that is earlier). The horizon makes a label fade
//!   out over a second or two after its action stops, as it fades in after one starts; the
//!   start is dated back to when the label became top, the end back to its last clear frame.
//! * there is at most one event at a time: the current action, or none.
//!
//! Each event carries its label's peak and mean score over its span. The defaults come from
//! a sweep with a margin (`tests/examples/event_sweep.rs`, `benches/README.md`).

use std::collections::VecDeque;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::labels::Labels;

/// When a label becomes an action event and when it stops being one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EventOptions {
    /// Mean score (0 to 1) the top label must hold over its last `min_duration` for its event
    /// to start.
    pub min_score: f32,
    /// Score (0 to 1) under which an event's label counts as gone, as if it had left the top:
    /// the event ends once that has lasted `max_gap`. 0 ends events only when another label
    /// takes the top; a value over `min_score` acts as `min_score`.
    pub keep_score: f32,
    /// How long a label must have been the top label before its event starts.
    pub min_duration: Duration,
    /// How long an event's label may lapse (off the top, or under `keep_score`) before the
    /// event ends.
    pub max_gap: Duration,
}

impl EventOptions {
    /// The defaults, chosen by a sweep over the shared clips concatenated, as decoded and
    /// perturbed (±1 noise on every pixel, two seeds; each clip re-encoded by x264 at CRF 18,
    /// 28 and 36), and with grey and frozen scenes between actions
    /// (`tests/examples/event_sweep.rs`; the tables are in `benches/README.md`): a label that
    /// is top for 0.6 s (four frames at 5 fps) with a mean score of 0.65 over them starts an
    /// event; it ends once its label has been off the top, or under 0.3, for 1 s.
    ///
    /// Measured margins, over all 48 streams: a label that is top without being the action
    /// (at a change of action, or over a still scene) holds a mean of at most 0.58 over its
    /// wait, 0.07 under `min_score`; every clip's own label holds 0.76 or more, 0.11 over it.
    /// Once its event has begun, no action's score stays under 0.46 for a whole `max_gap`,
    /// 0.16 over `keep_score`. (The rule before, one frame at 0.5 or more, was 0.0007 from a
    /// spurious event on one VM.)
    pub const DEFAULT: Self = Self {
        min_score: 0.65,
        keep_score: 0.3,
        min_duration: Duration::from_millis(600),
        max_gap: Duration::from_secs(1),
    };

    /// Fails with [`Error::InvalidOption`] naming the first option out of range.
    pub fn validate(&self) -> Result<()> {
        for (name, v) in [
            ("events.min_score", self.min_score),
            ("events.keep_score", self.keep_score),
        ] {
            if !(v.is_finite() && (0.0..=1.0).contains(&v)) {
                return Err(Error::option(
                    name,
                    format!("must be between 0 and 1, got {v}"),
                ));
            }
        }
        const DAY: Duration = Duration::from_secs(86_400);
        for (name, d) in [
            ("events.min_duration", self.min_duration),
            ("events.max_gap", self.max_gap),
        ] {
            if d > DAY {
                return Err(Error::option(
                    name,
                    format!("must be at most a day, got {} s", d.as_secs_f64()),
                ));
            }
        }
        Ok(())
    }
}

impl Default for EventOptions {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// An action in the stream: a label that was the top label for a while.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The class's label (its index as text without labels).
    pub label: String,
    /// The class's index among the model's outputs.
    pub index: usize,
    /// When the label became the top label, in stream time (the frames' timestamps).
    pub start: Duration,
    /// Where the action was last seen clearly: the end of the last frame on which its label was
    /// top with at least [`EventOptions::min_score`] (or where it lapsed, if earlier); `None`
    /// while the event goes on.
    pub end: Option<Duration>,
    /// The label's highest score over the event.
    pub peak_score: f32,
    /// The label's mean score over the event's frames.
    pub mean_score: f32,
}

/// What happened to an event on a frame.
#[derive(Debug, Clone, PartialEq)]
pub enum EventChange {
    /// An event started (its `end` is `None`).
    Started(Event),
    /// An event ended (its `end` is set).
    Ended(Event),
}

impl EventChange {
    /// The event that started or ended.
    pub fn event(&self) -> &Event {
        match self {
            Self::Started(e) | Self::Ended(e) => e,
        }
    }
}

/// Score statistics over some frames.
#[derive(Debug, Clone, Copy, Default)]
struct Scores {
    peak: f32,
    sum: f64,
    frames: u32,
}

impl Scores {
    fn add(&mut self, s: f32) {
        self.peak = if self.frames == 0 {
            s
        } else {
            self.peak.max(s)
        };
        self.sum += f64::from(s);
        self.frames += 1;
    }

    fn merge(&mut self, other: &Scores) {
        if other.frames > 0 {
            self.peak = if self.frames == 0 {
                other.peak
            } else {
                self.peak.max(other.peak)
            };
            self.sum += other.sum;
            self.frames += other.frames;
        }
    }

    fn mean(&self) -> f32 {
        if self.frames == 0 {
            0.0
        } else {
            (self.sum / f64::from(self.frames)) as f32
        }
    }
}

/// The current top label's uninterrupted run: frames on which it was the top label with at
/// least the keep score.
#[derive(Debug, Clone, Copy)]
struct Run {
    index: usize,
    start: Duration,
    scores: Scores,
}

/// The event under way.
#[derive(Debug, Clone)]
struct Active {
    event: Event,
    scores: Scores,
    /// The end of the last frame on which its label was top with at least `min_score`: where
    /// the event ends when it ends (the action last seen clearly).
    confident_until: Duration,
    /// When its label lapsed (left the top or fell under the keep score), while it is away.
    away_since: Option<Duration>,
    /// Its scores while away (counted in only if it comes back).
    away: Scores,
}

impl Active {
    /// The event, ended at `end` or where its label was last held clearly, if earlier.
    fn ended(mut self, end: Duration) -> Event {
        let end = end.min(self.confident_until);
        self.event.end = Some(end.max(self.event.start));
        self.event
    }
}

/// Turns per-frame scores into started / ended events. See the [module docs](self).
#[derive(Debug, Clone)]
pub struct EventDetector {
    options: EventOptions,
    run: Option<Run>,
    /// The run's frames within the last `min_duration` (time, score), oldest first.
    window: VecDeque<(Duration, f32)>,
    active: Option<Active>,
    /// The last frame's time and the step before it.
    last: Option<Duration>,
    step: Duration,
}

impl EventDetector {
    /// The step assumed for the last frame's span before two frames have been seen (5 fps).
    const DEFAULT_STEP: Duration = Duration::from_millis(200);

    /// A detector with `options` (checked).
    pub fn new(options: EventOptions) -> Result<Self> {
        options.validate()?;
        Ok(Self {
            options,
            run: None,
            window: VecDeque::with_capacity(32),
            active: None,
            last: None,
            step: Self::DEFAULT_STEP,
        })
    }

    /// The options it was made with.
    pub fn options(&self) -> &EventOptions {
        &self.options
    }

    /// Takes one frame's class scores at stream time `t` and appends what started or ended
    /// on it to `changes` (at most an end and a start).
    pub fn update(
        &mut self,
        t: Duration,
        scores: &[f32],
        labels: Option<&Labels>,
        changes: &mut Vec<EventChange>,
    ) {
        let Some(top) = argmax(scores) else {
            return;
        };
        let score = scores[top];
        if let Some(last) = self.last {
            if t > last {
                self.step = t - last;
            }
        }
        self.last = Some(t);
        let o = EventOptions {
            keep_score: self.options.keep_score.min(self.options.min_score),
            ..self.options
        };

        if score < o.keep_score {
            // Too weak to count as holding the top: no run (and no start) until it is back.
            self.run = None;
        } else {
            if self.run.is_none_or(|r| r.index != top) {
                self.run = Some(Run {
                    index: top,
                    start: t,
                    scores: Scores::default(),
                });
                self.window.clear();
            }
            if let Some(run) = &mut self.run {
                run.scores.add(score);
            }
            self.window.push_back((t, score));
            while self
                .window
                .front()
                .is_some_and(|&(u, _)| t.saturating_sub(u) > o.min_duration)
            {
                self.window.pop_front();
            }
        }

        // The event under way: does its label hold, or lapse on this frame?
        if let Some(a) = &mut self.active {
            let own = scores.get(a.event.index).copied().unwrap_or(0.0);
            if a.event.index == top && own >= o.keep_score {
                if own >= o.min_score {
                    a.confident_until = t + self.step;
                }
                if a.away_since.take().is_some() {
                    let away = std::mem::take(&mut a.away);
                    a.scores.merge(&away);
                }
                a.scores.add(own);
            } else {
                a.away_since.get_or_insert(t);
                a.away.add(own);
            }
            a.event.peak_score = a.scores.peak;
            a.event.mean_score = a.scores.mean();
        }

        let is_active = self.active.as_ref().is_some_and(|a| a.event.index == top);
        let held = self.run.filter(|run| {
            t.saturating_sub(run.start) >= o.min_duration
                && mean(&self.window).is_some_and(|m| m >= o.min_score)
        });
        match held {
            Some(run) if !is_active => {
                if let Some(old) = self.active.take() {
                    let end = old.away_since.unwrap_or(run.start);
                    changes.push(EventChange::Ended(old.ended(end)));
                }
                let event = Event {
                    label: labels
                        .and_then(|l| l.get(top))
                        .map_or_else(|| top.to_string(), str::to_owned),
                    index: top,
                    start: run.start,
                    end: None,
                    peak_score: run.scores.peak,
                    mean_score: run.scores.mean(),
                };
                changes.push(EventChange::Started(event.clone()));
                self.active = Some(Active {
                    event,
                    scores: run.scores,
                    confident_until: t + self.step,
                    away_since: None,
                    away: Scores::default(),
                });
            }
            _ => {
                if let Some(since) = self.active.as_ref().and_then(|a| a.away_since) {
                    if t.saturating_sub(since) >= o.max_gap {
                        if let Some(old) = self.active.take() {
                            changes.push(EventChange::Ended(old.ended(since)));
                        }
                    }
                }
            }
        }
    }

    /// The event under way, if any (`end` is `None`).
    pub fn current(&self) -> Option<&Event> {
        self.active.as_ref().map(|a| &a.event)
    }

    /// Ends the event under way, if any, and returns it: where its label was last held clearly
    /// (at the end of the last frame, its time plus one frame step, if it still is). For the
    /// end of a video; a live stream's events end by themselves.
    pub fn finish(&mut self) -> Option<Event> {
        let a = self.active.take()?;
        self.run = None;
        let end = a
            .away_since
            .or_else(|| self.last.map(|t| t + self.step))
            .unwrap_or(a.event.start);
        Some(a.ended(end))
    }

    /// Forgets everything: a new stream. The event under way, if any, is dropped without an
    /// end; call [`EventDetector::finish`] first to have it.
    pub fn reset(&mut self) {
        self.run = None;
        self.window.clear();
        self.active = None;
        self.last = None;
        self.step = Self::DEFAULT_STEP;
    }
}

/// Mean of the scores in a window; `None` when empty.
fn mean(window: &VecDeque<(Duration, f32)>) -> Option<f32> {
    if window.is_empty() {
        return None;
    }
    let sum: f64 = window.iter().map(|&(_, s)| f64::from(s)).sum();
    Some((sum / window.len() as f64) as f32)
}

/// Index of the highest score, the lowest index among equals; `None` when empty.
fn argmax(scores: &[f32]) -> Option<usize> {
    let mut best: Option<usize> = None;
    for (i, &s) in scores.iter().enumerate() {
        if best.is_none_or(|b| s > scores[b]) {
            best = Some(i);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(v: u64) -> Duration {
        Duration::from_millis(v)
    }

    /// Feeds one top label per 200 ms frame (score `s` for it, the rest shared by class 9);
    /// returns every change as (started?, index, start ms, end ms).
    fn timeline(
        options: EventOptions,
        tops: &[(usize, f32)],
    ) -> Vec<(bool, usize, u64, Option<u64>)> {
        let mut d = EventDetector::new(options).unwrap();
        let mut changes = Vec::new();
        for (i, &(top, s)) in tops.iter().enumerate() {
            let mut scores = vec![0.0f32; 10];
            scores[top] = s;
            if top != 9 {
                scores[9] = (1.0 - s).min(s - 0.01).max(0.0);
            }
            d.update(ms(200 * i as u64), &scores, None, &mut changes);
        }
        changes.extend(d.finish().map(EventChange::Ended));
        changes
            .iter()
            .map(|c| {
                let e = c.event();
                (
                    matches!(c, EventChange::Started(_)),
                    e.index,
                    e.start.as_millis() as u64,
                    e.end.map(|t| t.as_millis() as u64),
                )
            })
            .collect()
    }

    #[test]
    fn a_label_that_holds_starts_an_event_dated_from_when_it_became_top() {
        let tops = [(1, 0.9); 10];
        assert_eq!(
            timeline(EventOptions::DEFAULT, &tops),
            [(true, 1, 0, None), (false, 1, 0, Some(2000))]
        );
    }

    #[test]
    fn a_short_blip_is_no_event_and_a_short_absence_is_bridged() {
        // label 1 for 2 s, label 2 for 0.4 s (under min_duration), label 1 again.
        let mut tops = vec![(1, 0.9); 10];
        tops.extend([(2, 0.9); 2]);
        tops.extend([(1, 0.9); 10]);
        assert_eq!(
            timeline(EventOptions::DEFAULT, &tops),
            [(true, 1, 0, None), (false, 1, 0, Some(4400))]
        );
    }

    #[test]
    fn a_new_action_ends_the_old_one_where_it_left_the_top() {
        let mut tops = vec![(1, 0.9); 10];
        tops.extend([(3, 0.3); 2]); // low-scoring interlude: no event of its own
        tops.extend([(2, 0.8); 10]);
        assert_eq!(
            timeline(EventOptions::DEFAULT, &tops),
            [
                (true, 1, 0, None),
                (false, 1, 0, Some(2000)),
                (true, 2, 2400, None),
                (false, 2, 2400, Some(4400)),
            ]
        );
    }

    #[test]
    fn an_event_ends_after_its_label_is_gone_for_max_gap() {
        let mut tops = vec![(1, 0.9); 5];
        tops.extend([(3, 0.2); 10]); // nothing confident for 2 s
        let changes = timeline(EventOptions::DEFAULT, &tops);
        assert_eq!(changes, [(true, 1, 0, None), (false, 1, 0, Some(1000))]);
    }

    #[test]
    fn low_scores_start_nothing() {
        assert!(timeline(EventOptions::DEFAULT, &[(1, 0.4); 20]).is_empty());
        // ... unless the threshold allows it, even under the default keep score (which then
        // acts as min_score).
        for min_score in [0.35, 0.2] {
            let lenient = EventOptions {
                min_score,
                ..EventOptions::DEFAULT
            };
            assert_eq!(timeline(lenient, &[(1, 0.4); 20]).len(), 2, "{min_score}");
        }
    }

    #[test]
    fn a_label_top_for_a_moment_with_one_high_frame_starts_nothing() {
        // What a change of action looks like (issue 20, on an AMD VM): between two actions a
        // third label is top for 1.8 s, around 0.38, reaching 0.5007 on one frame. Even with
        // a start threshold of 0.5 its mean over the wait stays under it.
        let mut tops = vec![(1, 0.9); 10];
        tops.extend(
            [0.35, 0.4, 0.38, 0.5007, 0.36, 0.37, 0.35, 0.34, 0.36]
                .iter()
                .map(|&s| (2, s)),
        );
        tops.extend([(3, 0.9); 10]);
        let at_half = EventOptions {
            min_score: 0.5,
            ..EventOptions::DEFAULT
        };
        for options in [at_half, EventOptions::DEFAULT] {
            let got = timeline(options, &tops);
            assert_eq!(
                got,
                [
                    (true, 1, 0, None),
                    (false, 1, 0, Some(2000)),
                    (true, 3, 3800, None),
                    (false, 3, 3800, Some(5800)),
                ],
                "{options:?}"
            );
        }
    }

    #[test]
    fn an_event_ends_when_its_label_fades_under_the_keep_score() {
        // The action stops and nothing else rises: the label stays on top while its score
        // decays. The event ends where it fell under keep_score (0.3), max_gap later.
        let mut tops = vec![(1, 0.9); 10];
        tops.extend(
            [0.7, 0.5, 0.4, 0.29, 0.25, 0.2, 0.2, 0.2, 0.2, 0.2]
                .iter()
                .map(|&s| (1, s)),
        );
        let mut d = EventDetector::new(EventOptions::DEFAULT).unwrap();
        let mut changes = Vec::new();
        let mut ended_on = None;
        for (i, &(top, s)) in tops.iter().enumerate() {
            let mut scores = vec![0.0f32; 10];
            scores[top] = s;
            scores[9] = (1.0 - s).min(s - 0.01).max(0.0);
            d.update(ms(200 * i as u64), &scores, None, &mut changes);
            if ended_on.is_none() && changes.iter().any(|c| matches!(c, EventChange::Ended(_))) {
                ended_on = Some(200 * i as u64);
                assert!(d.current().is_none(), "no action once it ended");
            }
        }
        assert_eq!(changes.len(), 2, "{changes:?}");
        let end = changes[1].event().end.unwrap();
        assert_eq!(end, ms(2200), "last clear (0.7) on the frame at 2.0 s");
        assert_eq!(
            ended_on,
            Some(3600),
            "under 0.3 from 2.6 s: reported max_gap (1 s) later"
        );
        assert!(d.finish().is_none());
        // With keep_score 0 only another label (or the end of the video) ends it.
        let never = EventOptions {
            keep_score: 0.0,
            ..EventOptions::DEFAULT
        };
        let mut d = EventDetector::new(never).unwrap();
        let mut changes = Vec::new();
        for (i, &(top, s)) in tops.iter().enumerate() {
            let mut scores = vec![0.0f32; 10];
            scores[top] = s;
            d.update(ms(200 * i as u64), &scores, None, &mut changes);
        }
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert!(d.current().is_some());
        assert_eq!(d.finish().and_then(|e| e.end), Some(ms(2200)));
    }

    #[test]
    fn a_label_that_fades_and_comes_back_starts_a_new_event_after_the_last_one() {
        let mut tops = vec![(1, 0.9); 10];
        tops.extend([(1, 0.2); 8]); // fades: the event ends at 2.0 s, reported at 3.0 s
        tops.extend([(1, 0.9); 10]); // back from 3.6 s: a new event once it holds again
        assert_eq!(
            timeline(EventOptions::DEFAULT, &tops),
            [
                (true, 1, 0, None),
                (false, 1, 0, Some(2000)),
                (true, 1, 3600, None),
                (false, 1, 3600, Some(5600)),
            ]
        );
    }

    #[test]
    fn peak_and_mean_cover_the_event() {
        let mut d = EventDetector::new(EventOptions::DEFAULT).unwrap();
        let mut changes = Vec::new();
        for (i, s) in [0.6f32, 0.8, 0.7, 1.0].iter().enumerate() {
            d.update(ms(200 * i as u64), &[1.0 - s, *s], None, &mut changes);
        }
        let e = d.finish().unwrap();
        assert_eq!((e.index, e.label.as_str()), (1, "1"));
        assert_eq!(e.peak_score, 1.0);
        assert!((e.mean_score - 0.775).abs() < 1e-6, "{}", e.mean_score);
        assert_eq!(e.end, Some(ms(800)));
    }

    #[test]
    fn options_are_validated() {
        assert!(EventOptions::DEFAULT.validate().is_ok());
        for bad in [
            EventOptions {
                min_score: 1.5,
                ..EventOptions::DEFAULT
            },
            EventOptions {
                min_score: f32::NAN,
                ..EventOptions::DEFAULT
            },
            EventOptions {
                max_gap: Duration::from_secs(1_000_000),
                ..EventOptions::DEFAULT
            },
            EventOptions {
                keep_score: f32::INFINITY,
                ..EventOptions::DEFAULT
            },
        ] {
            assert!(
                matches!(EventDetector::new(bad), Err(Error::InvalidOption { .. })),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn empty_scores_and_time_going_back_do_not_panic() {
        let mut d = EventDetector::new(EventOptions::DEFAULT).unwrap();
        let mut changes = Vec::new();
        d.update(ms(1000), &[], None, &mut changes);
        for t in [1000, 500, 1200, 100, 2000] {
            d.update(ms(t), &[0.1, 0.9], None, &mut changes);
        }
        let _ = d.finish();
        d.reset();
        assert!(d.current().is_none());
    }
}
