//! `inspect`: one measurement of a running broker (address space, map areas, index mappings,
//! limits), as a table or as the JSON contract of [`crate::live::measure::InspectReport`].

use std::path::PathBuf;

use anyhow::anyhow;

use crate::exit_codes;
use crate::live::{self, fmt, LiveError, Measurement, ProcFs};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
}

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit status: 0 measured, 2 could not (no or several brokers, no \
    such pid, permission denied: run as root or as the broker's user)."
)]
pub struct InspectArgs {
    /// The broker's pid, or `auto`. Default: the one JVM whose main class is kafka.Kafka.
    #[arg(long, value_name = "PID|auto", value_parser = live::parse_pid_arg)]
    pub pid: Option<live::PidArg>,
    /// table for people; json (schema_version 1) for scripts.
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
    let m = live::measure_with(&proc, pid).map_err(|e| with_hint(e, &rerun_args(&args, pid)))?;
    match args.format {
        Format::Json => fmt::print_stdout(&(m.to_json_string() + "\n"))?,
        Format::Table => fmt::print_stdout(&(identity(&broker) + &table(&m)))?,
    }
    Ok(exit_codes::OK)
}

fn rerun_args(args: &InspectArgs, pid: i32) -> String {
    let mut s = format!("inspect --pid {pid}");
    if args.format == Format::Json {
        s.push_str(" --format json");
    }
    s
}

/// Adds the "run it as ..." advice to permission errors; other errors are already specific.
pub fn with_hint(e: LiveError, rerun: &str) -> anyhow::Error {
    match e.rerun_hint(rerun) {
        Some(hint) => anyhow!("{e}.\nTo read it, {hint}"),
        None => anyhow!(e),
    }
}

/// Which broker this is: main class, release (and the jar that says so), systemd unit.
pub fn identity(b: &live::BrokerProcess) -> String {
    let version = match &b.version {
        Some((v, jar)) => format!("Kafka {v} ({})", jar.display()),
        None => "release unknown (no kafka_*.jar on its class path or among its open files)".into(),
    };
    let unit = b
        .unit
        .as_deref()
        .map_or("not in a systemd service".to_string(), |u| {
            format!("systemd unit {u}")
        });
    format!("pid {}: {}, {version}, {unit}\n", b.pid, b.main_class)
}

pub fn table(m: &Measurement) -> String {
    let l = &m.limits;
    let h = &m.headroom;
    let i = &m.index_mappings;
    let mut out = format!("Kafka broker pid {}\n\n", m.pid);
    out += &format!(
        "{:<28} {:>12}   {:<36} {:>9}\n",
        "", "now", "limit (soft)", "headroom"
    );
    out += &format!(
        "{:<28} {:>12}   {:<36} {:>9}\n",
        "virtual memory (VmSize)",
        fmt::bytes(m.vm_size_bytes),
        format!(
            "{} (ulimit -v)",
            fmt::opt_bytes(l.virtual_memory_bytes.soft)
        ),
        fmt::percent(h.virtual_memory_percent)
    );
    out += &format!(
        "{:<28} {:>12}\n",
        "  peak so far (VmPeak)",
        fmt::bytes(m.vm_peak_bytes)
    );
    out += &format!(
        "{:<28} {:>12}\n",
        "  resident (VmRSS)",
        fmt::bytes(m.vm_rss_bytes)
    );
    out += &format!(
        "{:<28} {:>12}   {:<36} {:>9}\n",
        "map areas",
        m.map_areas,
        format!("{} (vm.max_map_count)", l.max_map_count.value),
        fmt::percent(h.map_areas_percent)
    );
    out += &format!(
        "{:<28} {:>12}   {:<36} {:>9}\n",
        "open files",
        m.open_files,
        format!("{} (ulimit -n)", fmt::opt_count(l.open_files.soft)),
        fmt::percent(h.open_files_percent)
    );
    out += &format!("{:<28} {:>12}\n", "threads", m.threads);
    if let Some(a) = m.mem_available_bytes {
        out += &format!("{:<28} {:>12}\n", "host memory available", fmt::bytes(a));
    }
    out += &format!(
        "\nindex mappings (.index, .timeindex): {} map areas, {}, {} files\n",
        i.count,
        fmt::bytes(i.bytes),
        i.files
    );
    out += &format!(
        "  files mapped more than once: {} (stale mappings the GC has not released yet)\n",
        i.files_mapped_more_than_once
    );
    out += &format!("  mappings of deleted files:   {}\n", i.deleted);
    out += &format!(
        "baseline without index mappings: {} virtual, {} map areas\n",
        fmt::bytes(m.baseline.virtual_memory_bytes),
        m.baseline.map_areas
    );
    if !m.by_log_dir.is_empty() {
        out += "\nby log dir\n";
        for d in &m.by_log_dir {
            out += &format!(
                "  {:<40} {:>6} partitions {:>8} mappings {:>10}  {} mapped >1x, {} deleted\n",
                d.log_dir.display(),
                d.partitions,
                d.mappings.count,
                fmt::bytes(d.mappings.bytes),
                d.mappings.files_mapped_more_than_once,
                d.mappings.deleted
            );
        }
        out += "\ntop partitions by mapped index bytes\n";
        for p in &m.top_partitions {
            out += &format!(
                "  {:<40} {:>8} mappings {:>10}  in {}\n",
                p.partition,
                p.mappings.count,
                fmt::bytes(p.mappings.bytes),
                p.log_dir.display()
            );
        }
    }
    out += &format!(
        "\nlimits read from {} and {}\n",
        l.virtual_memory_bytes.source, l.max_map_count.source
    );
    out
}
