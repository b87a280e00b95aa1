//! Flags -> typed inputs, once, before any work: a bad flag fails here naming itself, and the
//! pipeline never sees a string it has to parse. `plan` and `diff` build on [`CheckOptions`] by
//! changing typed fields, never by rewriting flags.

use std::path::PathBuf;
use std::time::Duration;

use crate::commands::check::CheckArgs;
use crate::kafka_version::Build;
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
    Flag(Build),
    /// Detected from the jar names in `KAFKA_HOME/libs`.
    Home(PathBuf),
    /// The core jar named on a class path of jar files (the gate's `$CLASSPATH` when it lists
    /// jars, e.g. from a Maven repository, instead of `DIR/libs/*`).
    Jar(Build),
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
    /// `--malloc-arena-max`; without it the pipeline takes the next start's environment's.
    pub malloc_arena_max: Option<u64>,
    /// `--pid`: the running broker, identified by the pipeline (its pid then goes into
    /// `limits.pid`).
    pub pid: Option<crate::live::PidArg>,
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
    pub explain: bool,
}

impl CheckOptions {
    pub fn from_args(a: &CheckArgs) -> anyhow::Result<Self> {
        let version = match (&a.kafka_version, &a.kafka_home) {
            (Some(v), _) => VersionChoice::Flag(known_release(v)?),
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
                heap: a.heap,
                jvm_opts: a.jvm_opts.clone(),
            },
            baseline: BaselineFlags {
                vm: a.baseline_vm,
                maps: a.baseline_maps,
                fds: a.baseline_fds,
            },
            connections: a.connections,
            cores: a.cores.unwrap_or_else(|| {
                std::thread::available_parallelism().map_or(1, |n| n.get() as u64)
            }),
            malloc_arena_max: a.malloc_arena_max,
            pid: a.pid.clone(),
            recovery_rate: a.recovery_rate,
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
                pid: None,
                systemd_unit: a.systemd_unit.clone(),
                user: a.user.clone(),
                ..LimitInputs::default()
            },
            recovery_warn_seconds: crate::bounds::seconds("--recovery-warn", a.recovery_warn)?,
            quiet: a.quiet,
        })
    }
}

/// `--kafka-version`: a release the model knows the rules of. A later one (a typo like 9.9.9,
/// or a release newer than this tool) would be judged by rules it may not have.
fn known_release(text: &str) -> anyhow::Result<Build> {
    let b: Build = text
        .parse()
        .map_err(|e| anyhow::anyhow!("--kafka-version: {e}"))?;
    let (v, newest) = (b.kafka, crate::kafka_version::DEFAULT_VERSION);
    if (v.0[0], v.0[1]) > (newest.0[0], newest.0[1]) {
        anyhow::bail!(
            "--kafka-version {text}: no such release known to kafka-preflight {} (the newest it models is {newest})",
            env!("CARGO_PKG_VERSION")
        );
    }
    Ok(b)
}

impl OutputOptions {
    pub fn from_args(a: &CheckArgs) -> Self {
        OutputOptions {
            format: a.format,
            output: a.output.clone(),
            fail_on: a.fail_on,
            explain: a.explain,
        }
    }
}

/// What `--grow` scales.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum GrowWhat {
    Partitions,
    #[default]
    Bytes,
}

/// How much data per partition a plan was told.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DataPerPartition {
    Bytes(u64),
    /// Bytes per second, times the retention (None: the config's).
    Rate {
        bytes_per_sec: u64,
        retention: Option<Duration>,
    },
}

/// The workload flags of `plan` and `diff`, parsed.
#[derive(Debug, Clone, Default)]
pub struct WorkloadOptions {
    pub partitions: Option<u64>,
    pub topics: Option<u64>,
    pub partitions_per_topic: Option<u64>,
    pub data: Option<DataPerPartition>,
    pub segment_bytes: Option<u64>,
    pub index_bytes: Option<u64>,
    pub log_dirs_count: Option<u64>,
    pub unflushed_segments: u64,
    pub from_scan: bool,
    pub grow: Option<(f64, GrowWhat)>,
}

impl WorkloadOptions {
    pub fn from_args(a: &crate::commands::plan::WorkloadArgs) -> anyhow::Result<Self> {
        use crate::plan::{parse_duration, parse_factor, parse_rate, parse_size};
        if a.unflushed_segments == 0 {
            anyhow::bail!("--unflushed-segments 0: expected at least 1 (the active segment)");
        }
        if a.partitions.is_some() && a.partitions_per_topic.is_some() {
            anyhow::bail!("--partitions and --partitions-per-topic: give one of them");
        }
        let data = match (&a.bytes_per_partition, &a.produce_rate) {
            (Some(_), Some(_)) => {
                anyhow::bail!("--bytes-per-partition and --produce-rate: give one of them")
            }
            (Some(b), None) => Some(DataPerPartition::Bytes(parse_size(
                "--bytes-per-partition",
                b,
            )?)),
            (None, Some(r)) => Some(DataPerPartition::Rate {
                bytes_per_sec: parse_rate("--produce-rate", r)?,
                retention: a
                    .retention
                    .as_deref()
                    .map(|d| parse_duration("--retention", d))
                    .transpose()?,
            }),
            (None, None) => None,
        };
        Ok(WorkloadOptions {
            partitions: a.partitions,
            topics: a.topics,
            partitions_per_topic: a.partitions_per_topic,
            data,
            segment_bytes: a
                .segment_bytes
                .as_deref()
                .map(|v| parse_size("--segment-bytes", v))
                .transpose()?,
            index_bytes: a
                .index_bytes
                .as_deref()
                .map(|v| parse_size("--index-bytes", v))
                .transpose()?,
            log_dirs_count: a.log_dirs_count,
            unflushed_segments: a.unflushed_segments,
            from_scan: a.from_scan,
            grow: a
                .grow
                .as_deref()
                .map(|g| parse_factor("--grow", g).map(|f| (f, a.grow_what)))
                .transpose()?,
        })
    }

    /// Whether any workload input was given (diff: plan instead of a scan).
    pub fn given(&self) -> bool {
        self.partitions.is_some() || self.topics.is_some() || self.partitions_per_topic.is_some()
    }

    /// Whether the flags change the scanned data in any way: without, `plan --from-scan` is
    /// `check` on that data.
    pub fn changes_the_data(&self) -> bool {
        self.given()
            || self.data.is_some()
            || self.segment_bytes.is_some()
            || self.index_bytes.is_some()
            || self.log_dirs_count.is_some()
            || self.grow.is_some()
    }
}
