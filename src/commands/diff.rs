//! `diff`: flags -> [`pipeline::diff`] -> [`output::diff`] -> exit code.

use std::path::PathBuf;

use crate::commands::check::{self, CheckArgs};
use crate::commands::plan::WorkloadArgs;
use crate::options::{CheckOptions, OutputOptions, WorkloadOptions};
use crate::output::{self, Format};
use crate::pipeline;

/// `diff` takes every `check` flag (its --config is replaced by OLD and NEW) and the plan
/// workload flags, used when NEW's log dirs cannot be read here (CI).
#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The server.properties in force now.
    #[arg(value_name = "OLD.properties")]
    pub old: PathBuf,
    /// The proposed server.properties.
    #[arg(value_name = "NEW.properties")]
    pub new: PathBuf,
    #[command(flatten)]
    pub check: CheckArgs,
    #[command(flatten)]
    pub workload: WorkloadArgs,
    /// Markdown for a PR comment (same as --format markdown where that format exists).
    #[arg(long)]
    pub markdown: bool,
}

pub fn run(args: DiffArgs) -> anyhow::Result<u8> {
    let opts = CheckOptions::from_args(&args.check)?;
    let wl = WorkloadOptions::from_args(&args.workload)?;
    let d = pipeline::diff::diff(&opts, wl, &args.old, &args.new)?;
    let out = OutputOptions::from_args(&args.check);
    let format = if args.markdown {
        Format::Markdown
    } else {
        out.format
    };
    output::emit(out.output.as_deref(), &output::diff::render(&d, format)?)?;
    // As `check` would exit for the NEW config.
    Ok(check::exit_code(&d.new_report, out.fail_on))
}
