//! Action events: when a label starts and stops being what the stream shows.
//!
//! Per-frame scores flicker, above all while one action gives way to another. The
//! [`EventDetector`] turns them into a timeline with hysteresis:
//!
//! * an event **starts** once a label has been the top label for at least
//!   [`EventOptions::min_duration`] and its score reaches [`EventOptions::min_score`]; its
//!   start is the time it became the top label (so the timeline is not late by the wait);
//! * it **ends** once its label has been off the top for [`EventOptions::max_gap`], or as soon
//!   as another label's event starts; its end is the time its label left the top (a shorter
//!   absence is bridged);
//! * there is at most one event at a time: the current action.
//!
//! Each event carries its label's peak and mean score over its span.

use std::time::Duration;

use crate::error::{Error, Result};
use crate::labels::Labels;

/// When a label becomes an action event and when it stops being one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EventOptions {
    /// Score (0 to 1) the top label must reach for its event to start.
    pub min_score: f32,
    /// How long a label must have been the top label before its event starts.
    pub min_duration: Duration,
    /// How long an event's label may be off the top before the event ends.
    pub max_gap: Duration,
}

impl EventOptions {
    /// The defaults: a label that is top for 0.6 s (three frames at 5 fps) with a score of 0.5
    /// or more starts an event; it ends after 1 s off the top. On the shared clips
    /// concatenated, these give exactly one event per clip, in order, while the labels that
    /// are top for a moment during a change of action (at scores up to 0.46) give none.
    pub const DEFAULT: Self = Self {
        min_score: 0.5,
        min_duration: Duration::from_millis(600),
        max_gap: Duration::from_secs(1),
    };

    /// Fails with [`Error::InvalidOption`] naming the first option out of range.
    pub fn validate(&self) -> Result<()> {
        if !(self.min_score.is_finite() && (0.0..=1.0).contains(&self.min_score)) {
            return Err(Error::option(
                "events.min_score",
                format!("must be between 0 and 1, got {}", self.min_score),
            ));
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
    /// When it stopped being the top label; `None` while the event goes on.
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

/// The current top label's uninterrupted run.
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
    /// When its label left the top, while it is away.
    away_since: Option<Duration>,
    /// Its scores while away (counted in only if it comes back).
    away: Scores,
}

impl Active {
    fn ended(mut self, end: Duration) -> Event {
        self.event.end = Some(end.max(self.event.start));
        self.event
    }
}

/// Turns per-frame scores into started / ended events. See the [module docs](self).
#[derive(Debug, Clone)]
pub struct EventDetector {
    options: EventOptions,
    run: Option<Run>,
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

        match &mut self.run {
            Some(run) if run.index == top => run.scores.add(score),
            _ => {
                let mut s = Scores::default();
                s.add(score);
                self.run = Some(Run {
                    index: top,
                    start: t,
                    scores: s,
                });
            }
        }
        let Some(run) = self.run else {
            return;
        };

        if let Some(a) = &mut self.active {
            if a.event.index == top {
                if a.away_since.take().is_some() {
                    let away = std::mem::take(&mut a.away);
                    a.scores.merge(&away);
                }
                a.scores.add(score);
            } else {
                a.away_since.get_or_insert(t);
                a.away.add(scores[a.event.index]);
            }
            a.event.peak_score = a.scores.peak;
            a.event.mean_score = a.scores.mean();
        }

        let is_active = self.active.as_ref().is_some_and(|a| a.event.index == top);
        let held = t.saturating_sub(run.start) >= self.options.min_duration;
        if !is_active && held && score >= self.options.min_score {
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
                away_since: None,
                away: Scores::default(),
            });
        } else if let Some(since) = self.active.as_ref().and_then(|a| a.away_since) {
            if t.saturating_sub(since) >= self.options.max_gap {
                if let Some(old) = self.active.take() {
                    changes.push(EventChange::Ended(old.ended(since)));
                }
            }
        }
    }

    /// The event under way, if any (`end` is `None`).
    pub fn current(&self) -> Option<&Event> {
        self.active.as_ref().map(|a| &a.event)
    }

    /// Ends the event under way, if any, and returns it: at the time its label left the top,
    /// or at the end of the last frame (its time plus one frame step) if it is still top.
    /// For the end of a video; a live stream's events end by themselves.
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
        self.active = None;
        self.last = None;
        self.step = Self::DEFAULT_STEP;
    }
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
        // ... unless the threshold allows it.
        let lenient = EventOptions {
            min_score: 0.3,
            ..EventOptions::DEFAULT
        };
        assert_eq!(timeline(lenient, &[(1, 0.4); 20]).len(), 2);
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
