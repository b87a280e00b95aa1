//! `merge`: many brokers' JSON reports -> one fleet answer before a rolling restart.

use std::path::PathBuf;

use crate::commands::check::FailOn;
use crate::exit_codes;
use crate::fleet::{self, Fleet, Status};
use crate::output::{self, Format};

#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// Reports written by `check --format json`, or directories: every *.json in them.
    #[arg(required = true, value_name = "FILE|DIR")]
    pub inputs: Vec<PathBuf>,
    /// Output format (markdown: a PR or ticket comment, summary first).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Exit 1 when any broker warns too (default: only when one fails).
    #[arg(long, value_enum, default_value_t = FailOn::Fail)]
    pub fail_on: FailOn,
    /// Exit 0 although some inputs could not be read (their brokers' state is unknown). The
    /// verdict still says UNKNOWN, never PASS; without this flag such a merge exits 1.
    #[arg(long)]
    pub accept_unreadable: bool,
    /// Count a broker whose newest report is older than this (e.g. 6h, 2d) as unknown, as if
    /// its report could not be read: an old report says nothing about the broker today. A report
    /// without checked_at is unknown too. Default: any age.
    #[arg(long, value_name = "DURATION", value_parser = crate::units::parse::duration)]
    pub max_age: Option<std::time::Duration>,
    /// Write the answer to FILE (atomically: readers see the old file or the new one, never
    /// half of it) instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// 2 when nothing could be read, else 1 when any broker fails, any input was unreadable
/// (unless accepted), or a broker warns with --fail-on warn.
pub fn exit_code(f: &Fleet, fail_on: FailOn, accept_unreadable: bool) -> u8 {
    match (f.verdict, fail_on) {
        (None, _) => exit_codes::TOOL_ERROR,
        (Some(Status::Fail), _) | (Some(Status::Warn), FailOn::Warn) => exit_codes::CHECK_FAILED,
        (Some(Status::Unknown), _) if !accept_unreadable => exit_codes::CHECK_FAILED,
        // Accepting the unknown brokers must not also wave through a warning under
        // --fail-on warn: they only hide a worse status, never a better one.
        (Some(Status::Unknown), FailOn::Warn) if f.brokers().any(|b| b.verdict == Status::Warn) => {
            exit_codes::CHECK_FAILED
        }
        _ => exit_codes::OK,
    }
}

pub fn run(args: MergeArgs) -> anyhow::Result<u8> {
    let max_age = args.max_age.map(|max| fleet::freshness::MaxAge {
        max,
        now: std::time::SystemTime::now(),
    });
    let f = fleet::merge(&args.inputs, args.output.as_deref(), max_age.as_ref());
    // Unreadable files always go to stderr too: CSV must stay parseable, and a broker whose
    // report is missing from the table is a broker nobody checked.
    for e in &f.errors {
        eprintln!(
            "kafka-preflight: merge: {}: {} (broker state unknown)",
            e.file, e.error
        );
    }
    for s in &f.superseded {
        eprintln!("kafka-preflight: merge: {}: {}", s.file, s.reason);
    }
    for d in &f.duplicate_broker_ids {
        eprintln!("kafka-preflight: merge: DUPLICATE {}", d.message());
    }
    if f.verdict.is_none() {
        eprintln!("kafka-preflight: merge: no report could be read");
    }
    let width = output::Style::for_output(args.output.as_deref(), false).width;
    let text = output::fleet::render(&f, args.format, width)?;
    output::emit(args.output.as_deref(), &text)?;
    Ok(exit_code(&f, args.fail_on, args.accept_unreadable))
}
