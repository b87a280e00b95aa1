//! Human-readable numbers for the table outputs.

pub use crate::units::bytes;

pub fn opt_bytes(n: Option<u64>) -> String {
    n.map(bytes).unwrap_or_else(|| "unlimited".into())
}

pub use crate::units::limit_count as opt_count;

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
