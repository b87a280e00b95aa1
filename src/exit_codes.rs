//! The process exit codes, one meaning each (documented in --help and the README).

use std::process::ExitCode;

/// No check failed (warnings allowed unless --fail-on warn).
pub const OK: u8 = 0;
/// A check failed (or warned, with --fail-on warn): the next start is predicted to fail or be unsafe.
pub const CHECK_FAILED: u8 = 1;
/// The tool could not do its job: bad input, unreadable config, nothing useful could be read.
pub const TOOL_ERROR: u8 = 2;

pub fn code(c: u8) -> ExitCode {
    ExitCode::from(c)
}
