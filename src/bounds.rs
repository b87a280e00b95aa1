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
    fn threads_are_capped() {
        assert!(threads("--threads", 20000)
            .unwrap_err()
            .to_string()
            .contains("--threads 20000"));
        assert!(threads("--threads", 0).is_err());
        assert_eq!(threads("--threads", 8).unwrap(), 8);
    }
}
