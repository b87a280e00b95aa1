//! Range checks for the flags that size a run: a value past these would overflow an `Instant`
//! (--timeout 1.8e19), a `Duration` (1e20) or exhaust the process (--threads 20000 allocates a
//! stack and guard page per thread, then hangs). Each error names the flag.

use std::time::{Duration, Instant};

/// A week: a scan that needs longer is not a pre-restart check.
pub const MAX_TIMEOUT_SECS: f64 = 7.0 * 86400.0;
/// Scan threads help up to the number of disks; beyond a few hundred they only cost memory.
pub const MAX_THREADS: usize = 1024;

/// `--timeout SECONDS`, checked.
pub fn timeout(flag: &str, secs: f64) -> anyhow::Result<Duration> {
    if !(secs.is_finite() && secs > 0.0 && secs <= MAX_TIMEOUT_SECS) {
        anyhow::bail!(
            "{flag} {secs}: expected a positive number of seconds, at most {MAX_TIMEOUT_SECS} (7 days)"
        );
    }
    Duration::try_from_secs_f64(secs).map_err(|e| anyhow::anyhow!("{flag} {secs}: {e}"))
}

/// The instant `d` from now (a checked [`timeout`] always fits).
pub fn deadline(flag: &str, d: Duration) -> anyhow::Result<Instant> {
    Instant::now()
        .checked_add(d)
        .ok_or_else(|| anyhow::anyhow!("{flag} {}: too far in the future", d.as_secs_f64()))
}

/// Largest address space any x86-64/arm64 process can have (57-bit, 5-level paging): sizes
/// beyond it (--heap, --baseline-vm) are typos, and would overflow the sums they enter.
pub const MAX_ADDRESS_SPACE: u64 = 1 << 57;
/// fs.nr_open's ceiling: no process holds more files (--connections, --baseline-fds).
pub const MAX_FILES: u64 = 1 << 30;
/// vm.max_map_count is an int (--baseline-maps).
pub const MAX_MAPS: u64 = i32::MAX as u64;
/// CPUs and malloc arenas (--cores, --malloc-arena-max): far above any host.
pub const MAX_CORES: u64 = 1 << 16;

/// A count flag within `min..=max`.
pub fn count(flag: &str, n: u64, min: u64, max: u64) -> anyhow::Result<u64> {
    if n < min || n > max {
        anyhow::bail!("{flag} {n}: expected {min} to {max}");
    }
    Ok(n)
}

/// A size flag (bytes) of at most [`MAX_ADDRESS_SPACE`].
pub fn size(flag: &str, n: u64) -> anyhow::Result<u64> {
    if n > MAX_ADDRESS_SPACE {
        anyhow::bail!("{flag}: {n} bytes is more than any process can address (128 PiB)");
    }
    Ok(n)
}

/// A number of seconds: finite and not negative.
pub fn seconds(flag: &str, s: f64) -> anyhow::Result<f64> {
    if !(s.is_finite() && s >= 0.0) {
        anyhow::bail!("{flag} {s}: expected a number of seconds, 0 or more");
    }
    Ok(s)
}

/// `--threads N`: 1 to [`MAX_THREADS`].
pub fn threads(flag: &str, n: usize) -> anyhow::Result<usize> {
    if n == 0 || n > MAX_THREADS {
        anyhow::bail!("{flag} {n}: expected 1 to {MAX_THREADS} threads");
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_out_of_range_are_errors_naming_the_flag() {
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY, 1.8e19, 1e20, 604_801.0] {
            let e = timeout("--timeout", bad).unwrap_err().to_string();
            assert!(e.starts_with("--timeout"), "{e}");
        }
        assert_eq!(
            timeout("--timeout", 0.05).unwrap(),
            Duration::from_millis(50)
        );
        let week = timeout("--timeout", MAX_TIMEOUT_SECS).unwrap();
        assert!(deadline("--timeout", week).is_ok());
    }

    #[test]
    fn counts_sizes_and_seconds_name_the_flag() {
        let e = count("--cores", 0, 1, MAX_CORES).unwrap_err().to_string();
        assert!(e.starts_with("--cores 0"), "{e}");
        assert!(count("--baseline-maps", u64::MAX, 0, MAX_MAPS).is_err());
        assert_eq!(count("--connections", 5, 0, MAX_FILES).unwrap(), 5);
        assert!(size("--heap", u64::MAX)
            .unwrap_err()
            .to_string()
            .starts_with("--heap"));
        assert!(seconds("--recovery-warn", f64::NAN).is_err());
        assert!(seconds("--recovery-warn", f64::INFINITY).is_err());
        assert_eq!(seconds("--recovery-warn", 900.0).unwrap(), 900.0);
    }

    #[test]
    fn threads_are_capped() {
        assert!(threads("--threads", 20000)
            .unwrap_err()
            .to_string()
            .contains("--threads 20000"));
        assert!(threads("--threads", 0).is_err());
        assert_eq!(threads("--threads", 8).unwrap(), 8);
    }
}
