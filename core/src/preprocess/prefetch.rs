//! Loading the next output line's source rows while this line is computed.
//!
//! Camera frames arrive from DMA, not from the cache, and the rows an output line reads are
//! far apart (1280x720 into 172x172 skips about four rows in five), so the hardware
//! prefetchers do not run ahead of them. Hints for every cache line of the next line's rows,
//! issued all at once, wait on the few line-fill buffers a core has and stall the work queued
//! behind them; spread evenly over the line's work they load while it runs (measured on
//! 1280x720 RGBA: 1.45x the in-cache time with the hints in one burst, 1.1x spread).

/// Up to this many byte ranges per output line (two rows of each of three planes).
const SPANS: usize = 6;

/// Bytes of a cache line (64 on the x86-64 and ARM cores the SDK runs on; a wrong guess only
/// makes the hints less useful).
const LINE: usize = 64;

/// The cache lines still to hint for the next output line, and how many to hint per step of
/// this line's work. Holds addresses only: it never reads through them.
pub(super) struct Ahead {
    /// Per range: the address of its first cache line and the end of the range.
    spans: [(usize, usize); SPANS],
    len: usize,
    /// The range being hinted and the next address in it.
    span: usize,
    at: usize,
    /// Lines per [`Ahead::step`].
    per_step: usize,
}

impl Ahead {
    pub fn new() -> Self {
        Self {
            spans: [(0, 0); SPANS],
            len: 0,
            span: 0,
            at: 0,
            per_step: 0,
        }
    }

    /// Starts a new line: nothing queued.
    pub fn clear(&mut self) {
        self.len = 0;
        self.span = 0;
        self.per_step = 0;
    }

    /// Queues every cache line of `bytes` (ignored past six ranges, or when the same range
    /// is already queued: two taps on one row).
    pub fn add(&mut self, bytes: &[u8]) {
        let start = bytes.as_ptr() as usize;
        let span = (start & !(LINE - 1), start + bytes.len());
        if self.len < SPANS && !bytes.is_empty() && !self.spans[..self.len].contains(&span) {
            if self.len == 0 {
                self.at = span.0;
            }
            self.spans[self.len] = span;
            self.len += 1;
        }
    }

    /// Spreads the queued lines over `steps` calls of [`Ahead::step`].
    pub fn spread(&mut self, steps: usize) {
        let lines: usize = self.spans[..self.len]
            .iter()
            .map(|&(start, end)| (end - start).div_ceil(LINE))
            .sum();
        self.per_step = lines.div_ceil(steps.max(1));
    }

    /// Hints the next share of the queued lines.
    #[inline(always)]
    pub fn step(&mut self) {
        self.hint(self.per_step);
    }

    /// Hints every line still queued.
    #[inline(always)]
    pub fn finish(&mut self) {
        self.hint(usize::MAX);
    }

    #[inline(always)]
    fn hint(&mut self, mut lines: usize) {
        while lines > 0 && self.span < self.len {
            let end = self.spans[self.span].1;
            while lines > 0 && self.at < end {
                prefetch(self.at);
                self.at += LINE;
                lines -= 1;
            }
            if self.at >= end {
                self.span += 1;
                if let Some(&(start, _)) = self.spans[..self.len].get(self.span) {
                    self.at = start;
                }
            }
        }
    }
}

/// Bytes of the smallest memory page (4 KiB on x86-64 and most ARM kernels; with larger
/// pages the extra hints are redundant).
const PAGE: usize = 4096;

/// Hints the first cache line of every page `bytes` touches, so that the address
/// translations of rows read later are walked now: a downscale's rows each start on a page
/// the TLB has not seen, and the walk otherwise delays the first hints of the row (see
/// `rgb`'s use: the AVX2 pass only, where it was measured).
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
#[inline(always)]
pub(crate) fn pages(bytes: &[u8]) {
    if bytes.is_empty() {
        return;
    }
    let start = bytes.as_ptr() as usize;
    let end = start + bytes.len();
    prefetch(start);
    let mut page = (start | (PAGE - 1)) + 1;
    while page < end {
        prefetch(page);
        page += PAGE;
    }
}

/// Hints every cache line of `bytes` at once: what the benchmarks' fetch floor issues (how
/// fast a pass's lines arrive with hints alone).
pub(crate) fn lines(bytes: &[u8]) {
    let end = bytes.as_ptr() as usize + bytes.len();
    let mut line = bytes.as_ptr() as usize & !(LINE - 1);
    while line < end {
        prefetch(line);
        line += LINE;
    }
}

/// Hints the CPU to start loading the cache line at `address`. Only a hint: it never faults
/// (whatever the address), reads nothing the program sees and changes no result.
#[inline(always)]
fn prefetch(address: usize) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: PREFETCHT0 is a hint that never faults; SSE is part of x86_64.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(address as *const i8)
    };
    #[cfg(target_arch = "aarch64")]
    // SAFETY: PRFM is a hint that never faults; it reads and writes no register or memory the
    // program sees.
    unsafe {
        std::arch::asm!("prfm pldl1keep, [{0}]", in(reg) address, options(nostack, preserves_flags, readonly))
    };
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    let _ = address;
}
