//! Benchmark support shared by the bench targets and the `movinet-bench` harness.

pub mod bare;
pub mod cache;
pub mod camera;
pub mod formats;
pub mod interleave;
pub mod mem;
pub mod stats;
