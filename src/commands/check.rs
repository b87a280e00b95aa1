use std::path::PathBuf;

use anyhow::Context;

use crate::config::jvm::{parse_jvm_size, JvmOptions};
use crate::config::{BrokerConfig, Mode};
use crate::exit_codes;
use crate::kafka_version::{self, KafkaVersion, Rules, VersionSource};
use crate::limits::{self, LimitInputs, Limits};
use crate::model::{self, BaselineInput, Geometry};
use crate::topics::{self, TopicCatalog};

use crate::report::{self, ReportInput};
use crate::report::{LimitsSection, Report};
use crate::scan::Inventory;
use crate::scan::{self, ScanOptions, Scenario};
use crate::verdict::{self, EffectiveLimits, Status, VerdictInput};

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

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Human tables (colour on a terminal unless NO_COLOR is set).
    Table,
    /// One JSON object (schema: docs/report-json.md).
    Json,
    /// A pull-request comment: verdict, checks, contributors, recommendations, problems.
    Markdown,
    /// One row per log dir and per topic (`kind` column), for spreadsheets.
    Csv,
    /// node_exporter textfile-collector metrics (kafka_preflight_*).
    Prometheus,
}

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
    /// Kafka version whose start-up rules apply, e.g. 2.8.2 (default: detected from
    /// --kafka-home, else the newest modelled release).
    #[arg(long, value_name = "VERSION")]
    pub kafka_version: Option<String>,
    /// Kafka installation; its libs/ jar names give the version.
    #[arg(long, value_name = "DIR")]
    pub kafka_home: Option<PathBuf>,
    /// Maximum heap (-Xmx), e.g. 6g. Default: -Xmx in KAFKA_HEAP_OPTS or --jvm-opts, else 1g
    /// (kafka-server-start.sh's default).
    #[arg(long, value_name = "SIZE")]
    pub heap: Option<String>,
    /// The broker's JVM options (KAFKA_HEAP_OPTS, KAFKA_JVM_PERFORMANCE_OPTS and KAFKA_OPTS are
    /// read from the environment too).
    #[arg(long, value_name = "OPTS", allow_hyphen_values = true)]
    pub jvm_opts: Option<String>,
    /// Measured JVM address space without index mappings (e.g. from `inspect`), e.g. 3.6GiB.
    #[arg(long, value_name = "SIZE")]
    pub baseline_vm: Option<String>,
    /// Measured map areas without index mappings.
    #[arg(long, value_name = "N")]
    pub baseline_maps: Option<u64>,
    /// Measured open files without log segments.
    #[arg(long, value_name = "N")]
    pub baseline_fds: Option<u64>,
    /// Client and inter-broker connections to add to the open-file estimate.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub connections: u64,
    /// CPU cores of the broker host (glibc creates up to 8 malloc arenas per core).
    #[arg(long, value_name = "N")]
    pub cores: Option<u64>,
    /// MALLOC_ARENA_MAX of the broker's environment (default: this environment's).
    #[arg(long, value_name = "N")]
    pub malloc_arena_max: Option<u64>,
    /// Recovery read rate per thread, e.g. 100MiB (per second).
    #[arg(long, value_name = "SIZE", default_value = "100MiB")]
    pub recovery_rate: String,
    /// Per-topic settings: the output of `kafka-configs.sh --describe --all --entity-type
    /// topics`, or lines `TOPIC key=value ...`. Default: the KRaft metadata log on disk, else
    /// server.properties (with index sizes inferred from preallocated active indexes).
    #[arg(long, value_name = "FILE")]
    pub topic_config: Option<PathBuf>,
    /// Print each topic's effective settings and where they came from.
    #[arg(long)]
    pub show_topics: bool,
    /// Stop scanning after this many seconds (hung or slow mounts) and report what was read;
    /// a scan blocked in the kernel past it ends the tool with exit code 2.
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<f64>,
    /// Scan threads (default: one per core).
    #[arg(long, value_name = "N")]
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
    #[arg(long, value_name = "KIB|SIZE|unlimited", help_heading = "Limits")]
    pub ulimit_v: Option<String>,
    /// RLIMIT_NOFILE the broker will run under (a count or `unlimited`).
    #[arg(long, value_name = "N|unlimited", help_heading = "Limits")]
    pub ulimit_n: Option<String>,
    /// vm.max_map_count (default: /proc/sys/vm/max_map_count).
    #[arg(long, value_name = "N", help_heading = "Limits")]
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
    /// Warn when recovery of the slowest log dir would take longer than this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 900.0)]
    pub recovery_warn: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    Fail,
    Warn,
}

/// --topic-config, else the KRaft metadata log on disk, else server.properties alone.
pub fn load_catalog(
    config: &BrokerConfig,
    file: Option<&std::path::Path>,
) -> anyhow::Result<TopicCatalog> {
    if let Some(f) = file {
        return Ok(topics::from_describe_file(f, config)?);
    }
    if config.mode == Mode::Kraft {
        if let Some(dir) = &config.metadata_log_dir {
            let log = dir.join(scan::names::METADATA_TOPIC.to_string() + "-0");
            if log.is_dir() {
                return Ok(topics::from_metadata_log(&log, config));
            }
        }
    }
    Ok(topics::broker_only(config))
}

/// A JVM-style size (6g, 512m) or one with a binary unit (6GiB); decimal units (6GB) are
/// refused as ambiguous.
fn size(flag: &str, v: &str) -> anyhow::Result<u64> {
    let binary_unit = v.to_ascii_lowercase().contains("ib");
    parse_jvm_size(v)
        .or_else(|| {
            binary_unit
                .then(|| {
                    v.trim()
                        .parse::<bytesize::ByteSize>()
                        .ok()
                        .map(|b| b.as_u64())
                })
                .flatten()
        })
        .with_context(|| format!("{flag} {v:?}: expected a size such as 6g, 512MiB or 3865470566"))
}

pub struct Prepared {
    pub limits: Limits,
    pub config: BrokerConfig,
    pub rules: Rules,
    pub version_source: VersionSource,
    pub jvm: JvmOptions,
    pub heap_source: Option<String>,
    pub explicit_gc_disabled: bool,
    /// `--pid`, identified as a broker.
    pub broker: Option<crate::live::BrokerProcess>,
    /// A systemd unit was read (named or found from the broker's cgroup): its environment,
    /// not this shell's, is the broker's.
    pub unit_read: bool,
}

pub fn prepare(args: &CheckArgs) -> anyhow::Result<Prepared> {
    if args.config.is_none() && args.log_dirs.is_none() {
        anyhow::bail!(
            "nothing to check: pass --config server.properties or --log-dirs DIR[,DIR...]"
        );
    }
    let config = BrokerConfig::load(args.config.as_deref(), &args.set, args.log_dirs.as_deref())?;
    let broker = args
        .pid
        .as_ref()
        .map(|a| crate::live::resolve_pid(&crate::live::ProcFs::system(), a))
        .transpose()?;
    let from_broker = broker.as_ref().and_then(|b| b.version.clone());
    let (version, version_source) = match (&args.kafka_version, &args.kafka_home) {
        (Some(v), _) => (
            v.parse::<KafkaVersion>()
                .map_err(|e| anyhow::anyhow!("--kafka-version: {e}"))?,
            VersionSource::Flag,
        ),
        (None, Some(home)) => (
            kafka_version::detect_from_home(home)
                .map_err(|e| anyhow::anyhow!("--kafka-home: {e}"))?,
            VersionSource::LibsJar,
        ),
        (None, None) => match from_broker {
            Some((v, _)) => (v, VersionSource::RunningBroker),
            None => (kafka_version::DEFAULT_VERSION, VersionSource::Default),
        },
    };
    let rules = Rules::for_version(version);
    let mut inputs = LimitInputs {
        ulimit_v: args.ulimit_v.clone(),
        ulimit_n: args.ulimit_n.clone(),
        max_map_count: args
            .max_map_count
            .as_deref()
            .map(limits::parse_max_map_count)
            .transpose()?,
        pid: broker.as_ref().map(|b| b.pid),
        systemd_unit: args.systemd_unit.clone(),
        user: args.user.clone(),
        ..LimitInputs::default()
    };
    // A broker in a systemd unit's cgroup is restarted by that unit: its file decides the next
    // start unless --systemd-unit names another (or it cannot be found here).
    let discovered_unit = broker
        .as_ref()
        .and_then(|b| b.unit.clone())
        .filter(|_| args.systemd_unit.is_none() && args.user.is_none());
    let mut limits = match &discovered_unit {
        Some(unit) => {
            inputs.systemd_unit = Some(unit.clone());
            match limits::resolve(&inputs) {
                Err(limits::LimitError::UnitNotFound { .. }) => {
                    inputs.systemd_unit = None;
                    let mut l = limits::resolve(&inputs)?;
                    l.notes.push(format!(
                        "the running broker belongs to {unit}, but its unit file is not in the systemd unit directories here; pass --systemd-unit FILE"
                    ));
                    l
                }
                other => other?,
            }
        }
        None => limits::resolve(&inputs)?,
    };
    let unit_read = inputs.systemd_unit.is_some();
    if let (Some(u), Some(b)) = (&inputs.systemd_unit, &broker) {
        if args.systemd_unit.is_none() {
            limits.notes.push(format!(
                "limits and environment of the next start from {u}, the unit running pid {}",
                b.pid
            ));
        }
    }

    // The broker's JVM options, from what starts it next: its systemd unit's environment (on
    // top of the running broker's command line, which has the start script's defaults), else
    // the running broker's command line, else this shell's KAFKA_* variables.
    let mut jvm = JvmOptions::default();
    let mut heap_source = None;
    let perf_set;
    if let Some(b) = &broker {
        jvm.extend(&b.jvm_options(), "the running broker's command line")?;
        if jvm.heap_max.is_some() {
            heap_source = Some(format!("-Xmx of the running broker (pid {})", b.pid));
        }
    }
    if unit_read {
        if let Some(unit_opts) = &limits.jvm_opts_from_unit {
            let before = jvm.heap_max;
            jvm.extend(unit_opts, "the systemd unit's environment")?;
            if jvm.heap_max != before {
                heap_source = Some("-Xmx from the systemd unit's environment".into());
            }
        }
        perf_set = broker.is_some()
            || limits
                .unit_environment
                .contains_key("KAFKA_JVM_PERFORMANCE_OPTS");
    } else if broker.is_some() {
        // The command line shows the start script's defaults as they were applied.
        perf_set = true;
    } else {
        perf_set = std::env::var_os("KAFKA_JVM_PERFORMANCE_OPTS").is_some();
        for var in [
            "KAFKA_JVM_PERFORMANCE_OPTS",
            "KAFKA_OPTS",
            "KAFKA_HEAP_OPTS",
        ] {
            if let Ok(v) = std::env::var(var) {
                let before = jvm.heap_max;
                jvm.extend(&v, var)?;
                if jvm.heap_max != before {
                    heap_source = Some(format!("-Xmx from {var}"));
                }
            }
        }
    }
    if let Some(o) = &args.jvm_opts {
        let before = jvm.heap_max;
        jvm.extend(o, "--jvm-opts")?;
        if jvm.heap_max != before {
            heap_source = Some("-Xmx from --jvm-opts".into());
        }
    }
    if let Some(h) = &args.heap {
        jvm.heap_max = Some(size("--heap", h)?);
        heap_source = Some("--heap".into());
    }
    // kafka-run-class.sh's defaults apply only when KAFKA_JVM_PERFORMANCE_OPTS is unset.
    let explicit_gc_disabled = jvm
        .disable_explicit_gc
        .unwrap_or(!perf_set && rules.default_disable_explicit_gc);
    Ok(Prepared {
        limits,
        config,
        rules,
        version_source,
        jvm,
        heap_source,
        explicit_gc_disabled,
        broker,
        unit_read,
    })
}

/// MALLOC_ARENA_MAX of the next start's environment: the unit's when a unit starts it, else the
/// running broker's (/proc/PID/environ), else this shell's.
fn malloc_arena_max(p: &Prepared) -> Option<u64> {
    const VAR: &str = "MALLOC_ARENA_MAX";
    let text = if p.unit_read {
        p.limits.unit_environment.get(VAR).cloned()
    } else if let Some(b) = &p.broker {
        b.env(VAR).map(str::to_string)
    } else {
        std::env::var(VAR).ok()
    };
    text.and_then(|v| v.trim().parse().ok())
}

/// Scans the broker's log dirs and resolves per-topic settings (inference included).
pub fn scan_broker(
    args: &CheckArgs,
    p: &Prepared,
) -> anyhow::Result<(Inventory, TopicCatalog, Vec<String>)> {
    let mut catalog = load_catalog(&p.config, args.topic_config.as_deref())?;
    let mut opts = ScanOptions::for_config(&p.config);
    opts.threads = args.threads;
    // Lazy-era brokers (2.3+) do not touch flushed segments' indexes at load: no stat needed.
    opts.index_sizes.all = !p.rules.lazy_index;
    let timeout = args
        .timeout
        .map(|s| {
            if s.is_finite() && s > 0.0 {
                Ok(std::time::Duration::from_secs_f64(s))
            } else {
                Err(anyhow::anyhow!(
                    "--timeout {s}: expected a positive number of seconds"
                ))
            }
        })
        .transpose()?;
    opts.deadline = timeout.map(|t| std::time::Instant::now() + t);
    opts.smallest_index_max_bytes = catalog
        .topics
        .values()
        .map(|t| t.segment_index_bytes.value)
        .fold(opts.smallest_index_max_bytes, u64::min);
    let progress = crate::progress::Progress::start(!args.quiet);
    opts.progress = progress.counter();
    let inv = match timeout {
        None => scan::scan(&p.config, &opts),
        Some(t) => scan_with_watchdog(&p.config, opts, t)?,
    };
    progress.finish();
    if !inv.log_dirs.iter().any(|d| d.readable) {
        let reasons: Vec<String> = inv
            .all_problems()
            .map(|pr| format!("{}: {}", pr.path.display(), pr.message))
            .collect();
        anyhow::bail!("no log dir could be read:\n  {}", reasons.join("\n  "));
    }
    let inferred = model::inference::infer_index_sizes(&mut catalog, &inv);
    Ok((inv, catalog, inferred))
}

/// A read stuck in the kernel (a hung NFS mount) cannot be cancelled: run the scan on its own
/// thread and give up on it, naming the dirs, if it is not back shortly after the deadline.
fn scan_with_watchdog(
    config: &BrokerConfig,
    opts: ScanOptions,
    t: std::time::Duration,
) -> anyhow::Result<Inventory> {
    let (tx, rx) = std::sync::mpsc::channel();
    let config = config.clone();
    std::thread::spawn(move || {
        let _ = tx.send(scan::scan(&config, &opts));
    });
    rx.recv_timeout(t + std::time::Duration::from_secs(5)).map_err(|_| {
        anyhow::anyhow!(
            "the scan did not finish within --timeout {:.0} s plus 5 s: a log dir is not answering (hung or very slow mount?)",
            t.as_secs_f64()
        )
    })
}

/// Model, limits and verdict for a scanned broker: the whole report.
pub fn evaluate(
    args: &CheckArgs,
    p: &Prepared,
    inv: &Inventory,
    catalog: &TopicCatalog,
    inferred: Vec<String>,
) -> anyhow::Result<Report> {
    let geometry = |topic: &str| {
        let t = catalog.for_topic(topic);
        Geometry {
            index_max_bytes: t.segment_index_bytes.value,
            index_interval_bytes: t.index_interval_bytes.value,
        }
    };
    let cores = args
        .cores
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get() as u64));
    let malloc_arena_max = args.malloc_arena_max.or_else(|| malloc_arena_max(p));
    // --pid: the running broker's own numbers calibrate the baseline (explicit flags still win).
    let measured = match &p.broker {
        Some(b) => {
            Some(crate::live::measure(b.pid).map_err(|e| anyhow::anyhow!("--pid {}: {e}", b.pid))?)
        }
        None => None,
    };
    let estimate = model::estimate(&model::ModelInput {
        inventory: inv,
        config: &p.config,
        rules: p.rules,
        scenario: args.scenario,
        geometry: &geometry,
        baseline: BaselineInput {
            jvm: p.jvm.clone(),
            heap_source: p.heap_source.clone(),
            cores,
            threads: None,
            malloc_arena_max,
            vm_override: args
                .baseline_vm
                .as_deref()
                .map(|v| size("--baseline-vm", v))
                .transpose()?
                .or(measured.as_ref().map(|m| m.baseline.virtual_memory_bytes)),
            maps_override: args
                .baseline_maps
                .or(measured.as_ref().map(|m| m.baseline.map_areas)),
            fds_override: args.baseline_fds.or(measured.as_ref().map(|m| {
                // The running broker's fds minus those its logs hold now.
                let logs: u64 = inv
                    .partitions()
                    .map(|(_, p)| p.segments() + p.txn_index_files())
                    .sum();
                m.open_files.saturating_sub(logs)
            })),
        },
        recovery_rate: size("--recovery-rate", &args.recovery_rate)?.max(1),
        connections: args.connections,
    });
    let nofile = limits::hotspot_nofile_limit(&p.limits.open_files, &p.jvm.raw.join(" "));
    let effective = EffectiveLimits {
        virtual_memory: p.limits.virtual_memory.soft,
        virtual_memory_source: p.limits.virtual_memory.source.clone(),
        max_map_count: p.limits.max_map_count.value,
        max_map_count_source: p.limits.max_map_count.source.clone(),
        open_files: nofile.0,
        open_files_source: format!("{}; {}", p.limits.open_files.source, nofile.1),
    };
    let mut problems: Vec<_> = inv
        .all_problems()
        .chain(estimate.problems.iter())
        .chain(catalog.problems.iter())
        .cloned()
        .chain(crate::config::unknown_keys::problems(
            &p.config.settings,
            p.rules.version,
        ))
        .collect();
    // The newest release unmaps on resize (KAFKA-19390): the least garbage of any version.
    let version_warning = (p.version_source == VersionSource::Default).then(|| {
        crate::problem::Problem::warning(
            "",
            format!(
                "Kafka version not given: assumed {} (the newest modelled); releases without KAFKA-19390 (before 3.9.2, 4.0.2, 4.1.1) and before 2.3 need more. Pass --kafka-version or --kafka-home",
                p.rules.version
            ),
        )
    });
    problems.extend(version_warning);
    let verdict = verdict::judge(&VerdictInput {
        estimate: &estimate,
        limits: &effective,
        rules: &p.rules,
        explicit_gc_disabled: p.explicit_gc_disabled,
        problems: &problems,
        recovery_warn_seconds: args.recovery_warn,
        cores,
        segment_bytes: p.config.log_segment_bytes,
    });
    Ok(report::build(ReportInput {
        config: &p.config,
        rules: &p.rules,
        version_source: p.version_source,
        explicit_gc_disabled: p.explicit_gc_disabled,
        heap_max_bytes: Some(
            p.jvm
                .heap_max
                .unwrap_or(model::baseline::KAFKA_DEFAULT_HEAP),
        ),
        scenario: args.scenario,
        inventory: inv,
        estimate: Some(estimate),
        limits: Some(LimitsSection::new(&p.limits, nofile)),
        verdict: Some(verdict),
        topics: Some(report::TopicsInput {
            catalog,
            inferred,
            show: args.show_topics,
        }),
        problems,
    }))
}

/// 0 when no check fails, 1 when one fails (or warns, with --fail-on warn).
pub fn exit_code(report: &Report, fail_on: FailOn) -> u8 {
    match (report.verdict, fail_on) {
        (Some(Status::Fail), _) | (Some(Status::Warn), FailOn::Warn) => exit_codes::CHECK_FAILED,
        _ => exit_codes::OK,
    }
}

/// The report in `format`, without colour.
pub fn render(report: &Report, format: Format) -> String {
    render_styled(report, format, false)
}

/// The report in `format`; `color` applies to the table only.
pub fn render_styled(report: &Report, format: Format, color: bool) -> String {
    match format {
        Format::Table => report::table::render_styled(report, color),
        Format::Json => report::json::render(report),
        Format::Markdown => report::markdown::render(report),
        Format::Csv => report::csv::render(report),
        Format::Prometheus => report::prometheus::render(report),
    }
}

/// Colour only on a terminal, and never when NO_COLOR has a value (https://no-color.org).
pub fn color_wanted(is_terminal: bool) -> bool {
    is_terminal
        && !matches!(std::env::var_os("NO_COLOR"), Some(v) if !v.is_empty())
        && !matches!(std::env::var_os("TERM"), Some(t) if t == "dumb")
}

/// Writes next to the target and renames, so a reader (a fleet merge) never sees half a report.
pub fn write_atomically(path: &std::path::Path, text: &str) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let name = path
        .file_name()
        .with_context(|| format!("--output {}: not a file name", path.display()))?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    std::fs::write(&tmp, text).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| {
        let _ = std::fs::remove_file(&tmp);
        format!("cannot rename {} to {}", tmp.display(), path.display())
    })
}

pub fn run(args: CheckArgs) -> anyhow::Result<u8> {
    let p = prepare(&args)?;
    let (inv, catalog, inferred) = scan_broker(&args, &p)?;
    let report = evaluate(&args, &p, &inv, &catalog, inferred)?;
    let color =
        args.output.is_none() && color_wanted(std::io::IsTerminal::is_terminal(&std::io::stdout()));
    let text = render_styled(&report, args.format, color);
    match &args.output {
        Some(path) => write_atomically(path, &text)?,
        None => print!("{text}"),
    }
    Ok(exit_code(&report, args.fail_on))
}
