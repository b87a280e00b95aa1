//! `audit`: a broker log -> how its last start went: flags -> [`audit::audit_file`] ->
//! `output::audit` -> exit code.

use std::path::PathBuf;

use crate::audit;
use crate::exit_codes;
use crate::output::{self, Format, Style};

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit status: 0 the last start was clean, 1 it failed or truncated \
    data, 2 the log could not be read."
)]
pub struct AuditArgs {
    /// The broker's log (server.log, or a file holding its stdout).
    #[arg(long, value_name = "FILE")]
    pub log: PathBuf,
    /// table for people, json for scripts, markdown for an incident ticket.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

pub fn run(args: AuditArgs) -> anyhow::Result<u8> {
    let a = match audit::audit_file(&args.log) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("kafka-preflight: audit: {e}");
            return Ok(exit_codes::TOOL_ERROR);
        }
    };
    let text = output::audit::render(&a, args.format, Style::for_output(None, false))?;
    output::print(&text)?;
    Ok(if a.clean() {
        exit_codes::OK
    } else {
        exit_codes::CHECK_FAILED
    })
}
