//! One parser per kind of input, used by every flag and file that takes one, so `10GB` or `7d`
//! means the same thing wherever it is typed. The rule, also in `--help` and the README:
//!
//! - **Sizes**: bytes, or a number (fractions allowed) and a unit, any case. `K`, `M`, `G`, `T`,
//!   `P` and `KiB` ... `PiB` are powers of 1024, as `-Xmx`, `ulimit` and systemd count; `KB`
//!   ... `PB` are powers of 1000 (SI). Both kinds are accepted everywhere. `--ulimit-v` alone
//!   reads a bare number as KiB, because that is what `ulimit -v` prints.
//! - **Durations**: a number and `ms`, `s`, `m`/`min`, `h` or `d`, or several (`1h30m`); a bare
//!   number is seconds.
//! - **Counts**: a whole number.
//! - **Limits**: a count, or `unlimited` / `infinity`.
//!
//! Each flag then bounds its value: zero, negative and absurd values are refused with the
//! reason (clap adds the flag's name).

use std::time::Duration;

/// `6g`, `512MiB`, `1.5 GB`, `268435456`.
pub fn size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let expected = || {
        format!(
            "{t:?} is not a size: expected bytes or a number with a unit, e.g. 6g, 512MiB, 1.5GiB, 10GB (K/M/G/T and KiB/MiB/GiB/TiB are powers of 1024; KB/MB/GB/TB powers of 1000)"
        )
    };
    if t.starts_with('-') {
        return Err(format!("{t:?}: a size cannot be negative"));
    }
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let factor: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kib" | "ki" => 1024.0,
        "m" | "mib" | "mi" => 1024f64.powi(2),
        "g" | "gib" | "gi" => 1024f64.powi(3),
        "t" | "tib" | "ti" => 1024f64.powi(4),
        "p" | "pib" | "pi" => 1024f64.powi(5),
        "kb" => 1e3,
        "mb" => 1e6,
        "gb" => 1e9,
        "tb" => 1e12,
        "pb" => 1e15,
        _ => return Err(expected()),
    };
    if number.is_empty() || number.bytes().filter(|&b| b == b'.').count() > 1 {
        return Err(expected());
    }
    // Whole numbers exactly (f64 would round 2^53 + 1); fractions through f64.
    if let (Ok(n), false) = (number.parse::<u64>(), number.contains('.')) {
        return n
            .checked_mul(factor as u64)
            .ok_or_else(|| format!("{t:?} is too large"));
    }
    let v = number.parse::<f64>().map_err(|_| expected())? * factor;
    if !v.is_finite() || v >= u64::MAX as f64 {
        return Err(format!("{t:?} is too large"));
    }
    Ok(v.round() as u64)
}

/// `100ms`, `90s`, `15m`, `36h`, `7d`, `1h30m`; a bare number (fractions allowed) is seconds.
pub fn duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    if t.starts_with('-') {
        return Err(format!("{t:?}: a duration cannot be negative"));
    }
    let expected = || {
        format!("{t:?} is not a duration: expected e.g. 500ms, 90s, 15m, 36h, 7d or 1h30m (a bare number is seconds)")
    };
    if t.is_empty() {
        return Err(expected());
    }
    if let Ok(secs) = t.parse::<f64>() {
        return seconds(secs).ok_or_else(|| format!("{t:?} is too large"));
    }
    let mut total = 0f64;
    let mut rest = t;
    while !rest.is_empty() {
        let n_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(expected)?;
        let (n, after) = rest.split_at(n_end);
        let after = after.trim_start();
        let u_end = after
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(after.len());
        let (unit, next) = after.split_at(u_end);
        let n: f64 = n.parse().map_err(|_| expected())?;
        let scale = match unit.to_ascii_lowercase().as_str() {
            "ms" => 1e-3,
            "s" | "sec" => 1.0,
            "m" | "min" => 60.0,
            "h" => 3600.0,
            "d" => 86400.0,
            _ => return Err(expected()),
        };
        total += n * scale;
        rest = next.trim_start();
    }
    seconds(total).ok_or_else(|| format!("{t:?} is too large"))
}

fn seconds(s: f64) -> Option<Duration> {
    // Duration::from_secs_f64 panics past u64::MAX seconds; a century is absurd enough.
    (s.is_finite() && (0.0..=3.2e9).contains(&s)).then(|| Duration::from_secs_f64(s))
}

/// A whole number: `100000`.
pub fn count(text: &str) -> Result<u64, String> {
    let t = text.trim();
    if t.starts_with('-') && t[1..].bytes().all(|b| b.is_ascii_digit()) && t.len() > 1 {
        return Err(format!("{t}: a count cannot be negative"));
    }
    t.parse::<u64>()
        .map_err(|_| format!("{t:?} is not a count: expected a whole number such as 100000"))
}

/// A count or `unlimited` (`infinity`, as systemd writes it): `None` is unlimited.
pub fn limit(text: &str) -> Result<Option<u64>, String> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("unlimited") || t.eq_ignore_ascii_case("infinity") {
        return Ok(None);
    }
    count(t)
        .map(Some)
        .map_err(|e| format!("{e}, or `unlimited`"))
}

/// `value` within `min..=max`, said with `show` (e.g. [`super::bytes`]) when it is not.
pub fn within(value: u64, min: u64, max: u64, show: fn(u64) -> String) -> Result<u64, String> {
    if value < min {
        let what = if value == 0 {
            "0 is refused"
        } else {
            "too small"
        };
        return Err(format!("{what}: must be at least {}", show(min)));
    }
    if value > max {
        return Err(format!(
            "{} is absurd here: at most {}",
            show(value),
            show(max)
        ));
    }
    Ok(value)
}

/// Parsers for clap (`value_parser = ...`): each kind above, bounded to what makes sense for
/// the flag. clap puts the flag's name in front of the message.
pub mod flag {
    use super::{count, duration, limit, size, within};
    use crate::units::{bytes, count as show_count};

    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * KIB;
    const GIB: u64 = 1024 * MIB;
    const TIB: u64 = 1024 * GIB;
    /// No process maps more (the bound the rest of the tool uses too).
    const ADDRESS_SPACE: u64 = crate::bounds::MAX_ADDRESS_SPACE;

    /// `--heap`: HotSpot refuses an -Xmx below 2 MiB.
    pub fn heap(t: &str) -> Result<u64, String> {
        within(size(t)?, 2 * MIB, 64 * TIB, bytes)
    }

    /// `--baseline-vm`: a JVM's address space.
    pub fn address_space(t: &str) -> Result<u64, String> {
        within(size(t)?, MIB, ADDRESS_SPACE, bytes)
    }

    /// `--recovery-rate`, per second (`100MiB` or `100MiB/s`): 0 would mean recovery never
    /// ends, and no disk reads slower than 64 KiB/s.
    pub fn rate(t: &str) -> Result<u64, String> {
        within(per_second(t)?, 64 * KIB, 1024 * GIB, bytes)
    }

    /// `--produce-rate` per partition: anything above zero.
    pub fn produce_rate(t: &str) -> Result<u64, String> {
        within(per_second(t)?, 1, 1024 * GIB, bytes)
    }

    fn per_second(t: &str) -> Result<u64, String> {
        let s = t.trim();
        size(
            s.strip_suffix("/s")
                .or_else(|| s.strip_suffix("/sec"))
                .unwrap_or(s),
        )
    }

    /// Map areas, open files, arenas: at least one.
    pub fn positive_count(t: &str) -> Result<u64, String> {
        within(count(t)?, 1, crate::bounds::MAX_MAPS, show_count)
    }

    /// `--connections`: zero is fine.
    pub fn connections(t: &str) -> Result<u64, String> {
        within(count(t)?, 0, crate::bounds::MAX_FILES, show_count)
    }

    /// `--cores`.
    pub fn cores(t: &str) -> Result<u64, String> {
        within(count(t)?, 1, crate::bounds::MAX_CORES, show_count)
    }

    /// `--threads`: a thread per log dir is plenty; thousands only exhaust the stack space.
    pub fn threads(t: &str) -> Result<usize, String> {
        within(count(t)?, 1, crate::bounds::MAX_THREADS as u64, show_count).map(|n| n as usize)
    }

    /// `--max-map-count`: vm.max_map_count is a C int.
    pub fn max_map_count(t: &str) -> Result<u64, String> {
        within(count(t)?, 1, i32::MAX as u64, show_count)
    }

    /// `--ulimit-n`: a count or `unlimited`; 0 lets the JVM open nothing.
    pub fn nofile(t: &str) -> Result<Option<u64>, String> {
        match limit(t)? {
            None => Ok(None),
            Some(n) => within(n, 1, crate::bounds::MAX_FILES, show_count).map(Some),
        }
    }

    /// `--ulimit-v`: KiB as `ulimit -v` prints it, a size, or `unlimited`; bytes as a result.
    pub fn address_space_limit(t: &str) -> Result<Option<u64>, String> {
        let s = t.trim();
        if s.eq_ignore_ascii_case("unlimited") || s.eq_ignore_ascii_case("infinity") {
            return Ok(None);
        }
        let b = if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
            count(s)?
                .checked_mul(KIB)
                .ok_or_else(|| format!("{s:?} KiB is too large"))?
        } else {
            size(s)?
        };
        within(b, KIB, ADDRESS_SPACE, bytes).map(Some)
    }

    /// Seconds (`--timeout`, `--recovery-warn`): a duration, above zero and below a week.
    pub fn seconds(t: &str) -> Result<f64, String> {
        let d = duration(t)?.as_secs_f64();
        if d <= 0.0 {
            return Err("0 is refused: must be above zero".into());
        }
        if d > crate::bounds::MAX_TIMEOUT_SECS {
            return Err(format!("{d:.0} s is absurd here: at most 7d"));
        }
        Ok(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_the_same_everywhere() {
        assert_eq!(size("268435456"), Ok(268_435_456));
        assert_eq!(size("6g"), Ok(6 << 30));
        assert_eq!(size("6G"), Ok(6 << 30));
        assert_eq!(size("512MiB"), Ok(512 << 20));
        assert_eq!(size("1.5 GiB"), Ok(3 << 29));
        assert_eq!(size("10GB"), Ok(10_000_000_000));
        assert_eq!(size("10gb"), Ok(10_000_000_000));
        assert_eq!(size("100KB"), Ok(100_000));
        assert_eq!(size("7T"), Ok(7 << 40));
        assert!(size("-1").unwrap_err().contains("negative"));
        for bad in ["", "g", "1..5G", "5 parsecs", "1e3", "99999999999999999999"] {
            assert!(size(bad).is_err(), "{bad}");
        }
        assert!(size("20000P").unwrap_err().contains("too large"));
    }

    #[test]
    fn durations_read_the_same_everywhere() {
        assert_eq!(duration("7d"), Ok(Duration::from_secs(7 * 86400)));
        assert_eq!(duration("36h"), Ok(Duration::from_secs(36 * 3600)));
        assert_eq!(duration("90m"), Ok(Duration::from_secs(5400)));
        assert_eq!(duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(duration("100ms"), Ok(Duration::from_millis(100)));
        assert_eq!(duration("900"), Ok(Duration::from_secs(900)));
        assert_eq!(duration("1.5"), Ok(Duration::from_millis(1500)));
        assert!(duration("-5s").unwrap_err().contains("negative"));
        for bad in ["", "7 weeks", "s", "1e20", "1.8e19", "NaN", "inf"] {
            assert!(duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn counts_and_limits() {
        assert_eq!(count("100000"), Ok(100_000));
        assert!(count("-1").unwrap_err().contains("negative"));
        assert!(count("10k").is_err());
        assert_eq!(limit("unlimited"), Ok(None));
        assert_eq!(limit("infinity"), Ok(None));
        assert_eq!(limit("1024"), Ok(Some(1024)));
        assert!(limit("-1").unwrap_err().contains("negative"));
    }

    #[test]
    fn flags_refuse_zero_negative_and_absurd() {
        assert!(flag::heap("0").unwrap_err().contains("0 is refused"));
        assert!(flag::heap("-1g").unwrap_err().contains("negative"));
        assert_eq!(flag::heap("6GB"), Ok(6_000_000_000));
        assert!(flag::rate("0").is_err());
        assert_eq!(flag::rate("100MiB/s"), Ok(100 << 20));
        assert!(flag::nofile("-1").unwrap_err().contains("negative"));
        assert!(flag::nofile("0").is_err());
        assert_eq!(flag::nofile("unlimited"), Ok(None));
        assert_eq!(
            flag::address_space_limit("6899920"),
            Ok(Some(6_899_920 * 1024))
        );
        assert_eq!(flag::address_space_limit("10GB"), Ok(Some(10_000_000_000)));
        assert_eq!(flag::address_space_limit("7G"), Ok(Some(7 << 30)));
        assert!(flag::address_space_limit("0")
            .unwrap_err()
            .contains("0 is refused"));
        assert!(flag::threads("20000").unwrap_err().contains("at most"));
        assert!(flag::seconds("1.8e19").is_err());
        assert!(flag::seconds("0").is_err());
        assert_eq!(flag::seconds("15m"), Ok(900.0));
    }

    #[test]
    fn bounds_name_the_limit() {
        assert!(within(0, 1, 10, |v| v.to_string())
            .unwrap_err()
            .contains("0 is refused"));
        assert!(within(11, 1, 10, |v| v.to_string())
            .unwrap_err()
            .contains("at most 10"));
        assert_eq!(within(5, 1, 10, |v| v.to_string()), Ok(5));
    }
}
