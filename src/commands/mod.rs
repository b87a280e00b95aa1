//! One file per subcommand: flags -> library calls -> exit code.

pub mod check;
pub mod diff;
pub mod plan;
