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

/// Writes a command's output to stdout; see [`crate::output::print`].
pub use crate::output::print as print_stdout;
