//! Percentiles of timing samples.

use std::time::Duration;

/// Sorted samples in milliseconds.
pub struct Samples(Vec<f64>);

impl Samples {
    pub fn new(mut ms: Vec<f64>) -> Self {
        ms.sort_by(f64::total_cmp);
        Self(ms)
    }

    pub fn from_durations(d: &[Duration]) -> Self {
        Self::new(d.iter().map(|&d| movinet::Timings::ms(d)).collect())
    }

    /// Nearest-rank percentile, `p` in [0, 100].
    pub fn percentile(&self, p: f64) -> f64 {
        if self.0.is_empty() {
            return f64::NAN;
        }
        let rank = ((p / 100.0) * (self.0.len() - 1) as f64).round() as usize;
        self.0[rank.min(self.0.len() - 1)]
    }

    pub fn median(&self) -> f64 {
        self.percentile(50.0)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}
