//! `inspect`: one measurement of a running broker (address space, map areas, index mappings,
//! limits): flags -> [`live::measure_with`] -> `output::inspect` -> exit code.

use std::path::PathBuf;

use crate::exit_codes;
use crate::live::{self, ProcFs};
use crate::output::inspect::Inspected;
use crate::output::{self, Format, Style};

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit status: 0 measured, 2 could not (no or several brokers, no \
    such pid, permission denied: run as root or as the broker's user)."
)]
pub struct InspectArgs {
    /// The broker's pid, or `auto`. Default: the one JVM whose main class is kafka.Kafka.
    #[arg(long, value_name = "PID|auto", value_parser = live::parse_pid_arg)]
    pub pid: Option<live::PidArg>,
    /// table for people; json (schema_version 1) for scripts; markdown for a ticket; csv (one
    /// row per limit and per log dir); prometheus (kafka_preflight_live_* for a textfile
    /// collector).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Read this tree instead of /proc (tests).
    #[arg(long, hide = true, default_value = "/proc")]
    pub proc_root: PathBuf,
}

pub fn run(args: InspectArgs) -> anyhow::Result<u8> {
    let proc = ProcFs::at(&args.proc_root);
    let broker = live::resolve_pid(&proc, args.pid.as_ref().unwrap_or(&live::PidArg::Auto))?;
    let pid = broker.pid;
    let m =
        live::measure_with(&proc, pid).map_err(|e| e.with_rerun_hint(&rerun_args(&args, pid)))?;
    let inspected = Inspected {
        broker: &broker,
        measurement: &m,
    };
    let style = Style::for_output(None, false);
    output::print(&output::inspect::render(&inspected, args.format, style)?)?;
    Ok(exit_codes::OK)
}

fn rerun_args(args: &InspectArgs, pid: i32) -> String {
    let mut s = format!("inspect --pid {pid}");
    if args.format != Format::Table {
        s.push_str(" --format ");
        s.push_str(args.format.name());
    }
    s
}
