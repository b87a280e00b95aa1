use std::path::PathBuf;

use anyhow::Context;

use crate::config::jvm::{parse_jvm_size, JvmOptions};
use crate::config::BrokerConfig;
use crate::exit_codes;
use crate::kafka_version::{self, KafkaVersion, Rules, VersionSource};
use crate::model::{self, BaselineInput, Geometry};
use crate::report::{self, ReportInput};
use crate::scan::{self, ScanOptions, Scenario};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
}

#[derive(Debug, clap::Args)]
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
    /// Scan threads (default: one per core).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

fn size(flag: &str, v: &str) -> anyhow::Result<u64> {
    parse_jvm_size(v)
        .or_else(|| {
            v.trim()
                .parse::<bytesize::ByteSize>()
                .ok()
                .map(|b| b.as_u64())
        })
        .with_context(|| format!("{flag} {v:?}: expected a size such as 6g, 512MiB or 3865470566"))
}

pub struct Prepared {
    pub config: BrokerConfig,
    pub rules: Rules,
    pub version_source: VersionSource,
    pub jvm: JvmOptions,
    pub heap_source: Option<String>,
    pub explicit_gc_disabled: bool,
}

pub fn prepare(args: &CheckArgs) -> anyhow::Result<Prepared> {
    if args.config.is_none() && args.log_dirs.is_none() {
        anyhow::bail!(
            "nothing to check: pass --config server.properties or --log-dirs DIR[,DIR...]"
        );
    }
    let config = BrokerConfig::load(args.config.as_deref(), &args.set, args.log_dirs.as_deref())?;
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
        (None, None) => (kafka_version::DEFAULT_VERSION, VersionSource::Default),
    };
    let rules = Rules::for_version(version);

    let mut jvm = JvmOptions::default();
    let mut heap_source = None;
    let perf = std::env::var("KAFKA_JVM_PERFORMANCE_OPTS").ok();
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
        .unwrap_or(perf.is_none() && rules.default_disable_explicit_gc);
    Ok(Prepared {
        config,
        rules,
        version_source,
        jvm,
        heap_source,
        explicit_gc_disabled,
    })
}

pub fn run(args: CheckArgs) -> anyhow::Result<u8> {
    let p = prepare(&args)?;
    let mut opts = ScanOptions::for_config(&p.config);
    opts.threads = args.threads;
    let inv = scan::scan(&p.config, &opts);
    if !inv.log_dirs.iter().any(|d| d.readable) {
        let reasons: Vec<String> = inv
            .all_problems()
            .map(|pr| format!("{}: {}", pr.path.display(), pr.message))
            .collect();
        anyhow::bail!("no log dir could be read:\n  {}", reasons.join("\n  "));
    }
    let broker_geometry = Geometry {
        index_max_bytes: p.config.log_index_size_max_bytes,
        index_interval_bytes: p.config.log_index_interval_bytes,
    };
    let geometry = move |_topic: &str| broker_geometry;
    let cores = args
        .cores
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get() as u64));
    let malloc_arena_max = args.malloc_arena_max.or_else(|| {
        std::env::var("MALLOC_ARENA_MAX")
            .ok()
            .and_then(|v| v.trim().parse().ok())
    });
    let estimate = model::estimate(&model::ModelInput {
        inventory: &inv,
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
                .transpose()?,
            maps_override: args.baseline_maps,
            fds_override: args.baseline_fds,
        },
        recovery_rate: size("--recovery-rate", &args.recovery_rate)?.max(1),
        connections: args.connections,
    });
    let report = report::build(ReportInput {
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
        inventory: &inv,
        estimate: Some(estimate),
    });
    let text = match args.format {
        Format::Table => report::table::render(&report),
        Format::Json => report::json::render(&report),
    };
    print!("{text}");
    Ok(exit_codes::OK)
}
