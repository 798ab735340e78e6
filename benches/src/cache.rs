//! Frames that are in no CPU cache, as a camera's are.
//!
//! A camera writes its frames by DMA: the first read of a frame comes from memory. Cycling a
//! dozen frames is not enough to give that on every machine: this VM's last-level cache is
//! 260 MB, which holds twelve 1280x720 frames in every format, so "from memory" would mean
//! "from L3". [`evict`] flushes a frame's bytes from every cache level before it is timed,
//! and then reads one byte of each page of another 32 MB, so that the frame's address
//! translations are gone from the TLB too (flushing a line translates its address, which
//! would otherwise leave every page of the frame in the TLB: between two camera frames the
//! model's run touches megabytes of its own).

/// Bytes in a cache line.
#[cfg(target_arch = "x86_64")]
const LINE: usize = 64;

/// Bytes of the buffer read a page at a time after a flush: four times what a 2,048-entry
/// second-level TLB of 4 KB pages covers.
#[cfg(target_arch = "x86_64")]
const TLB_SWEEP: usize = 32 << 20;

/// The smallest page.
#[cfg(target_arch = "x86_64")]
const PAGE: usize = 4096;

/// The buffer read a page at a time after a flush, made on first use.
#[cfg(target_arch = "x86_64")]
fn sweep() -> &'static [u8] {
    static SWEEP: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    SWEEP.get_or_init(|| vec![1; TLB_SWEEP])
}

/// Makes what [`evict`] needs (32 MB on x86-64) now: call it before measuring memory, so
/// that the first eviction does not count in a model's resident memory.
pub fn prepare() {
    #[cfg(target_arch = "x86_64")]
    std::hint::black_box(sweep());
}

/// Flushes every cache line of a frame's `planes` from all cache levels (x86-64 `clflush`),
/// waits for the flushes to finish, and then clears the TLB once for the whole frame.
/// Elsewhere it does nothing: phones' last-level caches are a few MB, so the cycled frames
/// are not cached there anyway.
pub fn evict(planes: &[&[u8]]) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_clflush, _mm_mfence};
        for bytes in planes.iter().filter(|b| !b.is_empty()) {
            let start = bytes.as_ptr() as usize;
            let end = start + bytes.len();
            let mut line = start & !(LINE - 1);
            while line < end {
                // SAFETY: `line` is the start of a cache line holding at least one byte of
                // `bytes` (the first one may begin before `bytes` but lies in the same page,
                // which is mapped); clflush only writes back and invalidates the line, it
                // changes no data. SSE2, which has clflush, is part of x86-64.
                unsafe { _mm_clflush(line as *const u8) };
                line += LINE;
            }
        }
        // SAFETY: a fence has no memory operands; SSE2 is part of x86-64.
        unsafe { _mm_mfence() };
        let touched: u32 = sweep().iter().step_by(PAGE).map(|&b| u32::from(b)).sum();
        std::hint::black_box(touched);
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = planes;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evicting_keeps_the_bytes() {
        // Unaligned starts and lengths: every byte is still there afterwards.
        let data: Vec<u8> = (0..10_000u32).map(|i| (i * 7 % 251) as u8).collect();
        for (a, b) in [(0, 10_000), (3, 70), (63, 65), (100, 100), (5, 9_999)] {
            evict(&[&data[a..b], &data[b / 2..b]]);
        }
        assert!(data
            .iter()
            .enumerate()
            .all(|(i, &v)| v == (i as u32 * 7 % 251) as u8));
    }
}
