//! Human-readable numbers for the table outputs.

pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
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

pub fn opt_bytes(n: Option<u64>) -> String {
    n.map(bytes).unwrap_or_else(|| "unlimited".into())
}

pub fn opt_count(n: Option<u64>) -> String {
    n.map(|n| n.to_string())
        .unwrap_or_else(|| "unlimited".into())
}

pub fn percent(p: Option<f64>) -> String {
    match p {
        Some(p) => format!("{p:.1}%"),
        None => "-".into(),
    }
}

/// Writes a command's output to stdout. A closed pipe (`| head`) is the reader's choice, not an
/// error; println! would panic on it.
pub fn print_stdout(s: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(s.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r,
    }
}
