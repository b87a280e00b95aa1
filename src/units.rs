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

#[cfg(test)]
mod tests {
    use super::*;

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
