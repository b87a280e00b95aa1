//! Flags -> typed inputs, once, before any work: a bad flag fails here naming itself, and the
//! pipeline never sees a string it has to parse. `plan` and `diff` build on [`CheckOptions`] by
//! changing typed fields, never by rewriting flags.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;

use crate::bounds;
use crate::commands::check::CheckArgs;
use crate::config::jvm::parse_jvm_size;
use crate::kafka_version::KafkaVersion;
use crate::limits::{self, LimitInputs};
use crate::output::Format;
use crate::scan::Scenario;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    Fail,
    Warn,
}

/// Where the broker's settings come from: a file, the operator's `--set`s and `--log-dirs`, and
/// values a plan or sweep sets (typed; they win over both).
#[derive(Debug, Clone, Default)]
pub struct ConfigSource {
    pub path: Option<PathBuf>,
    /// `--set key=value` as the operator typed them.
    pub set: Vec<String>,
    /// `--log-dirs`, comma-separated like `log.dirs`.
    pub log_dirs: Option<String>,
    pub log_segment_bytes: Option<u64>,
    pub log_index_size_max_bytes: Option<u64>,
}

/// Which Kafka release's start-up rules apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionChoice {
    Flag(KafkaVersion),
    /// Detected from the jar names in `KAFKA_HOME/libs`.
    Home(PathBuf),
    Default,
}

/// The JVM as flags describe it (the environment and a systemd unit are read by the pipeline).
#[derive(Debug, Clone, Default)]
pub struct JvmFlags {
    pub heap: Option<u64>,
    pub jvm_opts: Option<String>,
}

/// Measured baseline numbers that replace the model's (`--baseline-*`).
#[derive(Debug, Clone, Copy, Default)]
pub struct BaselineFlags {
    pub vm: Option<u64>,
    pub maps: Option<u64>,
    pub fds: Option<u64>,
}

/// Everything `check` needs to know from its flags, parsed.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    pub config: ConfigSource,
    pub scenario: Scenario,
    pub version: VersionChoice,
    pub jvm: JvmFlags,
    pub baseline: BaselineFlags,
    pub connections: u64,
    /// `--cores`, else this host's.
    pub cores: u64,
    /// `--malloc-arena-max`, else this environment's MALLOC_ARENA_MAX.
    pub malloc_arena_max: Option<u64>,
    /// Bytes per second, at least 1.
    pub recovery_rate: u64,
    pub topic_config: Option<PathBuf>,
    pub show_topics: bool,
    pub timeout: Option<Duration>,
    pub threads: Option<usize>,
    /// Limit flags and sources; `pid` here is also the broker `measure` calibrates from.
    pub limits: LimitInputs,
    pub recovery_warn_seconds: f64,
    pub quiet: bool,
}

/// Where and how the result goes.
#[derive(Debug, Clone)]
pub struct OutputOptions {
    pub format: Format,
    pub output: Option<PathBuf>,
    pub fail_on: FailOn,
}

impl CheckOptions {
    pub fn from_args(a: &CheckArgs) -> anyhow::Result<Self> {
        let version = match (&a.kafka_version, &a.kafka_home) {
            (Some(v), _) => VersionChoice::Flag(
                v.parse::<KafkaVersion>()
                    .map_err(|e| anyhow::anyhow!("--kafka-version: {e}"))?,
            ),
            (None, Some(home)) => VersionChoice::Home(home.clone()),
            (None, None) => VersionChoice::Default,
        };
        // Flags that size the run: range-checked before anything is read.
        let timeout = a
            .timeout
            .map(|s| crate::bounds::timeout("--timeout", s))
            .transpose()?;
        let threads = a
            .threads
            .map(|n| crate::bounds::threads("--threads", n))
            .transpose()?;
        Ok(CheckOptions {
            config: ConfigSource {
                path: a.config.clone(),
                set: a.set.clone(),
                log_dirs: a.log_dirs.clone(),
                ..ConfigSource::default()
            },
            scenario: a.scenario,
            version,
            jvm: JvmFlags {
                heap: a
                    .heap
                    .as_deref()
                    .map(|h| size("--heap", h).and_then(|n| bounds::size("--heap", n)))
                    .transpose()?,
                jvm_opts: a.jvm_opts.clone(),
            },
            baseline: BaselineFlags {
                vm: a
                    .baseline_vm
                    .as_deref()
                    .map(|v| {
                        size("--baseline-vm", v).and_then(|n| bounds::size("--baseline-vm", n))
                    })
                    .transpose()?,
                maps: a
                    .baseline_maps
                    .map(|n| bounds::count("--baseline-maps", n, 0, bounds::MAX_MAPS))
                    .transpose()?,
                fds: a
                    .baseline_fds
                    .map(|n| bounds::count("--baseline-fds", n, 0, bounds::MAX_FILES))
                    .transpose()?,
            },
            connections: bounds::count("--connections", a.connections, 0, bounds::MAX_FILES)?,
            cores: match a.cores {
                Some(n) => bounds::count("--cores", n, 1, bounds::MAX_CORES)?,
                None => std::thread::available_parallelism().map_or(1, |n| n.get() as u64),
            },
            malloc_arena_max: match a.malloc_arena_max {
                Some(n) => Some(bounds::count(
                    "--malloc-arena-max",
                    n,
                    1,
                    bounds::MAX_CORES,
                )?),
                None => None,
            }
            .or_else(|| {
                std::env::var("MALLOC_ARENA_MAX")
                    .ok()
                    .and_then(|v| v.trim().parse().ok())
                    .filter(|n| (1..=bounds::MAX_CORES).contains(n))
            }),
            recovery_rate: size("--recovery-rate", &a.recovery_rate)?.max(1),
            topic_config: a.topic_config.clone(),
            show_topics: a.show_topics,
            timeout,
            threads,
            limits: LimitInputs {
                ulimit_v: a.ulimit_v.clone(),
                ulimit_n: a.ulimit_n.clone(),
                max_map_count: a
                    .max_map_count
                    .as_deref()
                    .map(limits::parse_max_map_count)
                    .transpose()?,
                pid: a.pid,
                systemd_unit: a.systemd_unit.clone(),
                user: a.user.clone(),
                ..LimitInputs::default()
            },
            recovery_warn_seconds: bounds::seconds("--recovery-warn", a.recovery_warn)?,
            quiet: a.quiet,
        })
    }
}

impl OutputOptions {
    pub fn from_args(a: &CheckArgs) -> Self {
        OutputOptions {
            format: a.format,
            output: a.output.clone(),
            fail_on: a.fail_on,
        }
    }
}

/// A JVM-style size (6g, 512m) or one with a binary unit (6GiB); decimal units (6GB) are
/// refused as ambiguous.
pub fn size(flag: &str, v: &str) -> anyhow::Result<u64> {
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
