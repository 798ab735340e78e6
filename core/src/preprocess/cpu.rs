//! Which instruction set's kernels the passes run: chosen once per [`super::Preprocessor`]
//! (the best this CPU has, unless the caller forces another), so that a test or a benchmark can
//! run every kernel and the portable code on the same frame and compare them.

use crate::error::{Error, Result};

/// The SIMD kernels the preprocessing passes use. Every choice gives the same bits (the
/// kernels do the portable code's integer and plain float arithmetic, in the same order);
/// they differ only in speed. [`CpuExtensions::detected`] is the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CpuExtensions {
    /// The portable code only (which the compiler vectorises for the target's baseline, e.g.
    /// SSE2 on x86-64 or NEON on aarch64, where it can).
    None,
    /// x86-64 AVX2 kernels (checked at run time).
    Avx2,
    /// aarch64 NEON kernels (part of every aarch64 CPU: Android's arm64-v8a, Apple's arm64).
    Neon,
}

impl CpuExtensions {
    /// The fastest kernels this CPU runs.
    pub fn detected() -> Self {
        [Self::Avx2, Self::Neon]
            .into_iter()
            .find(|e| e.is_supported())
            .unwrap_or(Self::None)
    }

    /// Whether this CPU runs these kernels.
    pub fn is_supported(self) -> bool {
        match self {
            Self::None => true,
            #[cfg(target_arch = "x86_64")]
            Self::Avx2 => std::is_x86_feature_detected!("avx2"),
            #[cfg(target_arch = "aarch64")]
            Self::Neon => std::arch::is_aarch64_feature_detected!("neon"),
            #[allow(unreachable_patterns)]
            _ => false,
        }
    }

    /// `self` if this CPU runs it, else an `InvalidOption` error naming it.
    pub(super) fn checked(self) -> Result<Self> {
        if self.is_supported() {
            Ok(self)
        } else {
            Err(Error::option(
                "cpu_extensions",
                format!("{self:?} is not supported by this CPU"),
            ))
        }
    }
}

impl Default for CpuExtensions {
    fn default() -> Self {
        Self::detected()
    }
}
