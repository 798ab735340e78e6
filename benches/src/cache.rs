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

/// The time of one read from memory, in ns: a chase through the cache lines of a 4 MB buffer
/// in a random cycle (each read's address is the previous read's value), after the buffer is
/// flushed from every cache level; its pages fit the TLB. The median of five rounds of 20,000
/// reads. It puts the "from memory" figures in scale. `None` where [`evict`] cannot flush.
pub fn latency_ns() -> Option<f64> {
    #[cfg(target_arch = "x86_64")]
    {
        const WORDS: usize = LINE / 8;
        let lines = (4 << 20) / LINE;
        // A random cyclic order of the lines (the order only has to defeat the prefetchers).
        let mut order: Vec<usize> = (0..lines).collect();
        for (i, x) in (1..lines).rev().zip(movinet_tests::Xorshift::new(0)) {
            order.swap(i, (x % (i as u64 + 1)) as usize);
        }
        let mut next = vec![0usize; lines * WORDS];
        for (k, &line) in order.iter().enumerate() {
            next[line * WORDS] = order[(k + 1) % lines] * WORDS;
        }
        let steps = 20_000;
        let mut at = 0;
        let mut rounds: Vec<f64> = (0..5)
            .map(|_| {
                evict(&[bytes_of(&next)]);
                let t = std::time::Instant::now();
                for _ in 0..steps {
                    at = next[at];
                }
                t.elapsed().as_secs_f64() * 1e9 / f64::from(steps)
            })
            .collect();
        std::hint::black_box(at);
        rounds.sort_by(f64::total_cmp);
        Some(rounds[rounds.len() / 2])
    }
    #[cfg(not(target_arch = "x86_64"))]
    None
}

/// The bytes of `words` (to flush them).
#[cfg(target_arch = "x86_64")]
fn bytes_of(words: &[usize]) -> &[u8] {
    // SAFETY: any initialised memory can be read as bytes; the length is the slice's in bytes
    // and the lifetime is the slice's.
    unsafe { std::slice::from_raw_parts(words.as_ptr().cast(), std::mem::size_of_val(words)) }
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
