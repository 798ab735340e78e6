//! Resident memory of this process, from /proc (Linux and Android).

/// `VmRSS` (current) and `VmHWM` (peak) in bytes, if the platform reports them.
pub fn resident() -> Option<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .map(|kb| kb * 1024)
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

pub fn rss() -> u64 {
    resident().map(|r| r.0).unwrap_or(0)
}

pub fn peak_rss() -> u64 {
    resident().map(|r| r.1).unwrap_or(0)
}

pub fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// Starts `VmHWM` again from the current RSS (Linux 4.0+: writing 5 to `clear_refs`), so
/// that a later `peak_rss` covers only what came after. Without it, the peak is the
/// process's since it started.
pub fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}
