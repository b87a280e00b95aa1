//! `check`: flags -> [`pipeline::check`] -> [`output::check`] -> exit code.

use std::path::PathBuf;

use crate::exit_codes;
pub use crate::options::FailOn;
use crate::options::{CheckOptions, OutputOptions};
use crate::output::report::Report;
pub use crate::output::Format;
use crate::output::{self};
use crate::pipeline;
use crate::scan::Scenario;
use crate::units::parse::flag;
use crate::verdict::Status;

const CHECK_AFTER_HELP: &str = "\
Limit sources: what the next start gets (the first that says anything wins; the report names it):
  1. --ulimit-v, --ulimit-n, --max-map-count
  2. --systemd-unit, else the unit whose cgroup holds --pid: LimitAS=, LimitNOFILE= and the
     unit's Environment= (with drop-ins)
  3. --user: /etc/security/limits.conf and limits.d (PAM logins only)
  4. this shell's own rlimits, which a broker started from it inherits
  --pid's /proc/PID/limits are shown beside them as what the running broker has.
  vm.max_map_count: --max-map-count, else /proc/sys/vm/max_map_count

Examples:
  # Before restarting: the broker's config and the limits of its systemd unit
  kafka-preflight check -c /etc/kafka/server.properties --systemd-unit kafka

  # The limits of the running broker, as a PR comment
  kafka-preflight check -c server.properties --pid auto --format markdown

  # node_exporter textfile-collector metrics, no progress bar
  kafka-preflight check -c server.properties -q --format prometheus -o kafka_preflight.prom

Exit codes:
  0  no check fails (warnings too, unless --fail-on warn)
  1  a check fails (or warns, with --fail-on warn)
  2  the tool could not do its job (bad input, unreadable config)";

#[derive(Debug, clap::Args)]
// A later flag wins over an earlier one, so `--ulimit-v 5000000 ... --ulimit-v unlimited` works.
#[command(args_override_self = true, after_help = CHECK_AFTER_HELP)]
pub struct CheckArgs {
    /// The broker's server.properties.
    #[arg(short, long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Log dirs, comma-separated (overrides log.dirs; works without --config).
    #[arg(long, value_name = "DIRS")]
    pub log_dirs: Option<String>,
    /// Override a broker setting, e.g. --set log.segment.bytes=268435456 (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Which start to predict: as-found reads each dir's clean-shutdown marker; clean is a
    /// planned restart; crash is "what if it crashes now".
    #[arg(long, value_enum, default_value_t = Scenario::AsFound)]
    pub scenario: Scenario,
    /// Kafka version whose start-up rules apply, e.g. 2.8.2, or a Confluent Platform build such
    /// as 7.9.4-ccs (default: detected from --kafka-home, else the newest modelled release).
    #[arg(long, value_name = "VERSION")]
    pub kafka_version: Option<String>,
    /// Kafka installation; its libs/ jar names give the version.
    #[arg(long, value_name = "DIR")]
    pub kafka_home: Option<PathBuf>,
    /// Maximum heap (-Xmx), e.g. 6g. Default: -Xmx in KAFKA_HEAP_OPTS or --jvm-opts, else 1g
    /// (kafka-server-start.sh's default).
    #[arg(long, value_name = "SIZE", allow_hyphen_values = true, value_parser = flag::heap)]
    pub heap: Option<u64>,
    /// The broker's JVM options (KAFKA_HEAP_OPTS, KAFKA_JVM_PERFORMANCE_OPTS and KAFKA_OPTS are
    /// read from the environment too).
    #[arg(long, value_name = "OPTS", allow_hyphen_values = true)]
    pub jvm_opts: Option<String>,
    /// Measured JVM address space without index mappings (e.g. from `inspect`), e.g. 3.6GiB.
    #[arg(long, value_name = "SIZE", allow_hyphen_values = true, value_parser = flag::address_space)]
    pub baseline_vm: Option<u64>,
    /// Measured map areas without index mappings.
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = flag::positive_count)]
    pub baseline_maps: Option<u64>,
    /// Measured open files without log segments.
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = flag::positive_count)]
    pub baseline_fds: Option<u64>,
    /// Client and inter-broker connections to add to the open-file estimate.
    #[arg(long, value_name = "N", default_value = "0", allow_hyphen_values = true, value_parser = flag::connections)]
    pub connections: u64,
    /// CPU cores of the broker host (glibc creates up to 8 malloc arenas per core).
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = flag::cores)]
    pub cores: Option<u64>,
    /// MALLOC_ARENA_MAX of the broker's environment (default: this environment's).
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = flag::positive_count)]
    pub malloc_arena_max: Option<u64>,
    /// Recovery read rate per thread, e.g. 100MiB (per second).
    #[arg(long, value_name = "SIZE", default_value = "100MiB", allow_hyphen_values = true, value_parser = flag::rate)]
    pub recovery_rate: u64,
    /// Per-topic settings: the output of `kafka-configs.sh --describe --all --entity-type
    /// topics`, or lines `TOPIC key=value ...`. Default: the KRaft metadata log on disk, else
    /// server.properties (with index sizes inferred from preallocated active indexes).
    #[arg(long, value_name = "FILE")]
    pub topic_config: Option<PathBuf>,
    /// Print each topic's effective settings and where they came from.
    #[arg(long)]
    pub show_topics: bool,
    /// Stop scanning after this long (e.g. 30s, 2m; a bare number is seconds: hung or slow
    /// mounts) and report what was read;
    /// a scan blocked in the kernel past it ends the tool with exit code 2.
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true, value_parser = flag::seconds)]
    pub timeout: Option<f64>,
    /// Scan threads (default: one per core).
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = flag::threads)]
    pub threads: Option<usize>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the report to FILE (atomically: temp file + rename) instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// No progress on stderr (it is shown only on a terminal, for scans over a second).
    #[arg(short, long)]
    pub quiet: bool,

    /// RLIMIT_AS the broker will run under: KiB as `ulimit -v` prints it, a size such as 7G
    /// (binary units), or `unlimited`. Default: see "Limit sources" in --help.
    #[arg(
        long,
        value_name = "KIB|SIZE|unlimited",
        help_heading = "Limits",
        allow_hyphen_values = true
    )]
    pub ulimit_v: Option<String>,
    /// RLIMIT_NOFILE the broker will run under (a count or `unlimited`).
    #[arg(
        long,
        value_name = "N|unlimited",
        help_heading = "Limits",
        allow_hyphen_values = true
    )]
    pub ulimit_n: Option<String>,
    /// vm.max_map_count (default: /proc/sys/vm/max_map_count).
    #[arg(
        long,
        value_name = "N",
        help_heading = "Limits",
        allow_hyphen_values = true
    )]
    pub max_map_count: Option<String>,
    /// A running broker (a pid, or `auto` for the one running here): its release, JVM options,
    /// environment and unit, and its /proc/PID/limits. It must be a JVM running kafka.Kafka.
    #[arg(long, value_name = "PID|auto", help_heading = "Limits", value_parser = crate::live::parse_pid_arg)]
    pub pid: Option<crate::live::PidArg>,
    /// Take LimitAS=, LimitNOFILE= and KAFKA_HEAP_OPTS from a systemd unit (file or name) and
    /// its drop-ins.
    #[arg(long, value_name = "FILE|NAME", help_heading = "Limits")]
    pub systemd_unit: Option<String>,
    /// Take limits from /etc/security/limits.conf and limits.d for this user (PAM sessions
    /// only: systemd units ignore these files).
    #[arg(long, value_name = "USER", help_heading = "Limits")]
    pub user: Option<String>,
    /// Exit 1 on warnings too (default: only on failures).
    #[arg(long, value_enum, default_value_t = FailOn::Fail)]
    pub fail_on: FailOn,
    /// Under each check's one-line summary, say why the number is what it is (and under each
    /// recommendation, its reason).
    #[arg(short = 'v', long)]
    pub explain: bool,
    /// Warn when recovery of the slowest log dir would take longer than this (e.g. 15m; a
    /// bare number is seconds).
    #[arg(long, value_name = "DURATION", default_value = "15m", allow_hyphen_values = true, value_parser = flag::seconds)]
    pub recovery_warn: f64,
}

/// 0 when no check fails, 1 when one fails (or warns, with --fail-on warn).
pub fn exit_code(report: &Report, fail_on: FailOn) -> u8 {
    match (report.verdict, fail_on) {
        (Status::Fail, _) | (Status::Warn, FailOn::Warn) => exit_codes::CHECK_FAILED,
        _ => exit_codes::OK,
    }
}

pub fn run(args: CheckArgs) -> anyhow::Result<u8> {
    let opts = CheckOptions::from_args(&args)?;
    let out = OutputOptions::from_args(&args);
    let report = pipeline::check(&opts)?;
    let style = output::Style::for_output(out.output.as_deref(), out.explain);
    output::emit(
        out.output.as_deref(),
        &output::check::render_styled(&report, out.format, &style),
    )?;
    Ok(exit_code(&report, out.fail_on))
}
