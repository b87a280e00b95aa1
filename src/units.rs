//! How sizes and counts read in every human output, one way everywhere: binary units (KiB,
//! MiB, ...), thousands separators, and limits the way `ulimit` prints them. [`parse`] reads
//! them back from flags and files, one rule everywhere.

pub mod parse;

/// `1.5 GiB`, `512 B`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// `1,620`.
pub fn count(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A byte limit as `ulimit -v` shows it: whole KiB (rounded down, as the shell does) or
/// `unlimited`.
pub fn kib(bytes: Option<u64>) -> String {
    bytes.map_or_else(|| "unlimited".to_string(), |b| format!("{} KiB", b / 1024))
}

/// A count limit as `ulimit -n` shows it: the number or `unlimited`.
pub fn limit_count(v: Option<u64>) -> String {
    v.map_or_else(|| "unlimited".to_string(), |n| n.to_string())
}

/// A duration as people read it: `45s`, `4m12s`, `11h23m`, `2d5h` (rounded to the unit shown).
pub fn duration(seconds: f64) -> String {
    let s = if seconds.is_finite() && seconds > 0.0 {
        seconds.round() as u64
    } else {
        0
    };
    match () {
        _ if s < 60 => format!("{s}s"),
        _ if s < 3600 => format!("{}m{:02}s", s / 60, s % 60),
        _ if s < 86_400 => {
            let min = (s + 30) / 60;
            format!("{}h{:02}m", min / 60, min % 60)
        }
        _ => {
            let h = (s + 1800) / 3600;
            format!("{}d{}h", h / 24, h % 24)
        }
    }
}

/// A measured time: tenths of a second under a minute (`0.3s`, `12.4s`), else [`duration`].
pub fn elapsed(seconds: f64) -> String {
    if seconds.is_finite() && seconds < 59.95 {
        format!("{:.1}s", seconds.max(0.0))
    } else {
        duration(seconds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_11h23m() {
        assert_eq!(duration(6.2), "6s");
        assert_eq!(duration(252.0), "4m12s");
        assert_eq!(duration(40960.0), "11h23m");
        assert_eq!(duration(190_000.0), "2d5h");
        assert_eq!(duration(f64::NAN), "0s");
    }

    #[test]
    fn formats() {
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(24 << 10), "24.0 KiB");
        assert_eq!(bytes(3 << 29), "1.5 GiB");
        assert_eq!(count(1_620), "1,620");
        assert_eq!(count(999), "999");
        assert_eq!(count(1_000_000), "1,000,000");
        assert_eq!(kib(Some(6_899_920 * 1024)), "6899920 KiB");
        assert_eq!(kib(None), "unlimited");
        assert_eq!(limit_count(Some(1024)), "1024");
    }
}
