//! `plan`: flags -> [`pipeline::plan::Planner`] -> [`output::check`] or [`output::sweep`] ->
//! exit code.

use crate::commands::check::{self, CheckArgs};
pub use crate::options::GrowWhat;
use crate::options::{CheckOptions, OutputOptions, WorkloadOptions};
use crate::output::sweep::{self, Sweep};
use crate::output::{self};
use crate::pipeline::plan::Planner;
use crate::plan;

/// `plan` takes every `check` flag (version, heap, limits, --set, --format ...) plus a workload.
#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub check: CheckArgs,
    #[command(flatten)]
    pub workload: WorkloadArgs,
    /// Vary one input, one row per value: log.segment.bytes=64MiB..2GiB (doubling),
    /// partitions=1000..20000:1000 (step), log.index.size.max.bytes=1MiB..10MiB:1MiB.
    #[arg(long, value_name = "KEY=FROM..TO[:STEP]", help_heading = "Plan")]
    pub sweep: Option<String>,
}

#[derive(Debug, Clone, Default, clap::Args)]
pub struct WorkloadArgs {
    /// Total partitions (replicas hosted by this broker).
    #[arg(long, value_name = "N", help_heading = "Plan")]
    pub partitions: Option<u64>,
    /// Topics; with --partitions-per-topic gives the partition count.
    #[arg(long, value_name = "T", help_heading = "Plan")]
    pub topics: Option<u64>,
    #[arg(long, value_name = "P", help_heading = "Plan")]
    pub partitions_per_topic: Option<u64>,
    /// Log bytes per partition, e.g. 50GiB.
    #[arg(long, value_name = "SIZE", help_heading = "Plan")]
    pub bytes_per_partition: Option<String>,
    /// Produce rate per partition, e.g. 1MiB/s; times --retention gives the bytes per partition.
    #[arg(long, value_name = "SIZE/s", help_heading = "Plan")]
    pub produce_rate: Option<String>,
    /// Retention time, e.g. 7d (default: log.retention.* of the config).
    #[arg(long, value_name = "DURATION", help_heading = "Plan")]
    pub retention: Option<String>,
    /// log.segment.bytes (default: the config's).
    #[arg(long, value_name = "SIZE", help_heading = "Plan")]
    pub segment_bytes: Option<String>,
    /// log.index.size.max.bytes (default: the config's).
    #[arg(long, value_name = "SIZE", help_heading = "Plan")]
    pub index_bytes: Option<String>,
    /// Log dirs the partitions are spread over evenly (default: the config's log.dirs count).
    #[arg(long, value_name = "D", help_heading = "Plan")]
    pub log_dirs_count: Option<u64>,
    /// Crash scenario: segments per partition at or after the recovery point (1 = the active one).
    #[arg(long, value_name = "K", default_value_t = 1, help_heading = "Plan")]
    pub unflushed_segments: u64,
    /// Seed the workload from a scan of --config / --log-dirs (flags given here still win).
    #[arg(long, help_heading = "Plan")]
    pub from_scan: bool,
    /// Grow the workload, e.g. 2x or 1.5x (see --grow-what).
    #[arg(long, value_name = "FACTOR", help_heading = "Plan")]
    pub grow: Option<String>,
    #[arg(long, value_enum, default_value_t = GrowWhat::Bytes, help_heading = "Plan")]
    pub grow_what: GrowWhat,
}

pub fn run(args: PlanArgs) -> anyhow::Result<u8> {
    let out = OutputOptions::from_args(&args.check);
    let planner = Planner::new(
        CheckOptions::from_args(&args.check)?,
        WorkloadOptions::from_args(&args.workload)?,
    )?;
    let Some(spec) = &args.sweep else {
        let (report, _) = planner.report(None, None)?;
        output::emit(
            out.output.as_deref(),
            &output::check::render(&report, out.format),
        )?;
        return Ok(check::exit_code(&report, out.fail_on));
    };
    let (param, values) = plan::parse_sweep(spec)?;
    // Refuse an unsupported format before the rows are computed.
    let width = output::Style::for_output(out.output.as_deref(), false).width;
    sweep::render(&Sweep::new(param, Vec::new()), out.format, width)?;
    let mut rows = Vec::new();
    for v in values {
        let (report, _) = planner.report(None, Some((param, v)))?;
        rows.push(sweep::row(v, &report));
    }
    let text = sweep::render(&Sweep::new(param, rows), out.format, width)?;
    output::emit(out.output.as_deref(), &text)?;
    // A sweep explores; it fails only when it could not run.
    Ok(crate::exit_codes::OK)
}
