//! `merge`: many brokers' JSON reports -> one fleet answer before a rolling restart.

use std::path::PathBuf;

use crate::commands::check::FailOn;
use crate::exit_codes;
use crate::fleet::{self, render, Fleet, Status};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MergeFormat {
    Table,
    Markdown,
    Csv,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// Reports written by `check --format json`, or directories: every *.json in them.
    #[arg(required = true, value_name = "FILE|DIR")]
    pub inputs: Vec<PathBuf>,
    /// Output format (markdown: a PR or ticket comment, summary first).
    #[arg(long, value_enum, default_value_t = MergeFormat::Table)]
    pub format: MergeFormat,
    /// Exit 1 when any broker warns too (default: only when one fails).
    #[arg(long, value_enum, default_value_t = FailOn::Fail)]
    pub fail_on: FailOn,
}

/// 2 when nothing could be read, else 1 when any broker fails (or warns, with --fail-on warn).
pub fn exit_code(f: &Fleet, fail_on: FailOn) -> u8 {
    match (f.verdict, fail_on) {
        (None, _) => exit_codes::TOOL_ERROR,
        (Some(Status::Fail), _) | (Some(Status::Warn), FailOn::Warn) => exit_codes::CHECK_FAILED,
        _ => exit_codes::OK,
    }
}

pub fn run(args: MergeArgs) -> anyhow::Result<u8> {
    let f = fleet::merge(&args.inputs);
    // Unreadable files always go to stderr too: CSV must stay parseable, and a broker whose
    // report is missing from the table is a broker nobody checked.
    for e in &f.errors {
        eprintln!("kafka-preflight: merge: {}: {}", e.file, e.error);
    }
    if f.verdict.is_none() {
        eprintln!("kafka-preflight: merge: no report could be read");
    }
    let text = match args.format {
        MergeFormat::Table => render::table(&f),
        MergeFormat::Markdown => render::markdown(&f),
        MergeFormat::Csv => render::csv(&f),
        MergeFormat::Json => render::json(&f),
    };
    crate::output::print(&text)?;
    Ok(exit_code(&f, args.fail_on))
}
