//! `audit`: a broker log -> how its last start went.

use std::path::PathBuf;

use crate::audit::{self, render};
use crate::exit_codes;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AuditFormat {
    Table,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    /// The broker's log (server.log, or a file holding its stdout).
    #[arg(long, value_name = "FILE")]
    pub log: PathBuf,
    #[arg(long, value_enum, default_value_t = AuditFormat::Table)]
    pub format: AuditFormat,
}

/// 0: started cleanly; 1: the start failed or truncated data; 2: the log could not be read.
pub fn run(args: AuditArgs) -> anyhow::Result<u8> {
    let a = match audit::audit_file(&args.log) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("kafka-preflight: audit: {e}");
            return Ok(exit_codes::TOOL_ERROR);
        }
    };
    print!(
        "{}",
        match args.format {
            AuditFormat::Table => render::table(&a),
            AuditFormat::Json => render::json(&a),
        }
    );
    Ok(if a.clean() {
        exit_codes::OK
    } else {
        exit_codes::CHECK_FAILED
    })
}
