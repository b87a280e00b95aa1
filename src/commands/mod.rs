//! One file per subcommand: flags -> library calls -> exit code.

pub mod check;
pub mod completions;
pub mod diff;
pub mod gate;
pub mod inspect;
pub mod merge;
pub mod plan;
pub mod watch;
