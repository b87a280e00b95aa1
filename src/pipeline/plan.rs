//! `plan` and `diff` without log dirs: a described workload laid out as the inventory a scan
//! would return, then judged by the very [`evaluate`](super::evaluate) of `check`.

use std::path::PathBuf;

use anyhow::bail;

use super::{Environment, Prepared, Scanned};
use crate::config::BrokerConfig;
use crate::options::{CheckOptions, DataPerPartition, GrowWhat, WorkloadOptions};
use crate::output::report::Report;
use crate::plan::{self, SweepParam, Workload};
use crate::scan::{self, Scenario};

/// A workload before the broker config fills the defaults.
#[derive(Debug, Clone, Default)]
struct Seed {
    topics: u64,
    partitions: Option<u64>,
    bytes_per_partition: Option<u64>,
    log_dirs: Option<u64>,
    /// Whether a dir of the scan would be recovered (no marker): as found, a crash.
    crashed: bool,
    /// The scan's problems (a lost+found that stops the start stays a failure in the plan).
    problems: Vec<crate::problem::Problem>,
}

/// One workload evaluated like `check`: the environment (release, limits, JVM) is resolved
/// once; each evaluation varies only typed values (the config file, a swept setting, the
/// partition count) and lays the workload out as the inventory a scan would return.
pub struct Planner {
    opts: CheckOptions,
    env: Environment,
    wl: WorkloadOptions,
    seed: Seed,
    /// `--from-scan` with nothing that changes the data: the scan itself is evaluated, so the
    /// plan is `check` on that tree.
    scanned: Option<(Prepared, Scanned)>,
}

impl Planner {
    pub fn new(mut opts: CheckOptions, wl: WorkloadOptions) -> anyhow::Result<Planner> {
        let mut seed = Seed {
            topics: wl.topics.unwrap_or(1).max(1),
            ..Seed::default()
        };
        let mut scanned = None;
        if wl.from_scan {
            let p = super::prepare(&opts)?;
            let s = super::scan(&opts, &p)?;
            seed = seed_from(&s, opts.scenario)?;
            if !wl.changes_the_data() {
                scanned = Some((p, s));
            }
        }
        // Without a scan there are no dirs to find as they are: "as found" is a planned
        // (clean) restart; a scanned tree keeps its markers.
        if opts.scenario == Scenario::AsFound && !wl.from_scan {
            opts.scenario = Scenario::Clean;
        }
        opts.config.log_segment_bytes = wl.segment_bytes.or(opts.config.log_segment_bytes);
        opts.config.log_index_size_max_bytes =
            wl.index_bytes.or(opts.config.log_index_size_max_bytes);
        let env = super::environment(&opts)?;
        Ok(Planner {
            opts,
            env,
            wl,
            seed,
            scanned,
        })
    }

    pub fn options(&self) -> &CheckOptions {
        &self.opts
    }

    /// Evaluates the workload (with one swept value applied) under `config` (None: the one of
    /// the options) and returns the report `check` would print for such a broker.
    pub fn report(
        &self,
        config: Option<PathBuf>,
        sweep: Option<(SweepParam, u64)>,
    ) -> anyhow::Result<(Report, Workload)> {
        let mut src = self.opts.config.clone();
        if config.is_some() {
            src.path = config;
        }
        match sweep {
            Some((SweepParam::SegmentBytes, v)) => src.log_segment_bytes = Some(v),
            Some((SweepParam::IndexBytes, v)) => src.log_index_size_max_bytes = Some(v),
            _ => {}
        }
        if let (Some((p, s)), None, None) = (&self.scanned, &src.path, sweep) {
            let w = self.workload(&p.config, false)?;
            return Ok((super::evaluate_narrowed(&self.opts, p, s)?, w));
        }
        if src.path.is_none() && src.log_dirs.is_none() {
            src.log_dirs = Some(synthetic_dirs(self.wl.log_dirs_count.unwrap_or(1)));
        }
        let mut config = super::load_config(&src)?;
        let dirs = self
            .wl
            .log_dirs_count
            .or(self.seed.log_dirs)
            .unwrap_or(config.log_dirs.len() as u64);
        if dirs as usize != config.log_dirs.len() {
            src.log_dirs = Some(synthetic_dirs(dirs));
            config = super::load_config(&src)?;
        }
        let crash = match self.opts.scenario {
            Scenario::Crash => true,
            Scenario::Clean => false,
            Scenario::AsFound => self.seed.crashed,
        };
        let mut w = self.workload(&config, crash)?;
        if let Some((SweepParam::Partitions, v)) = sweep {
            w.partitions = v;
        }
        plan::validate(&w)?;
        let mut inv = plan::inventory(&w, scan::page_size());
        inv.problems.extend(self.seed.problems.iter().cloned());
        let scanned = super::settle_topics(&self.opts, &config, inv)?;
        let p = Prepared {
            config,
            env: self.env.clone(),
        };
        Ok((super::evaluate_narrowed(&self.opts, &p, &scanned)?, w))
    }

    fn workload(&self, config: &BrokerConfig, crash: bool) -> anyhow::Result<Workload> {
        let wl = &self.wl;
        let topics = wl.topics.unwrap_or(self.seed.topics).max(1);
        let partitions = match (wl.partitions, wl.topics, wl.partitions_per_topic) {
            (Some(n), _, _) => n,
            (None, Some(t), Some(p)) => t * p,
            (None, None, Some(p)) => p,
            (None, _, None) => self.seed.partitions.ok_or_else(|| {
                anyhow::anyhow!(
                    "how many partitions? pass --partitions N, --topics T --partitions-per-topic P, or --from-scan"
                )
            })?,
        };
        let bytes = match wl.data {
            Some(DataPerPartition::Bytes(b)) => b,
            Some(DataPerPartition::Rate {
                bytes_per_sec,
                retention,
            }) => {
                let secs = match retention {
                    Some(d) => d.as_secs(),
                    None => config.log_retention_ms.map(|ms| ms / 1000).ok_or_else(|| {
                        anyhow::anyhow!("--produce-rate needs --retention: the config's retention is unlimited")
                    })?,
                };
                bytes_per_sec.saturating_mul(secs)
            }
            None => self.seed.bytes_per_partition.ok_or_else(|| {
                anyhow::anyhow!(
                    "how much data per partition? pass --bytes-per-partition SIZE, --produce-rate SIZE/s (with --retention), or --from-scan"
                )
            })?,
        };
        // retention.bytes caps each partition's log (plus the active segment Kafka keeps).
        let bytes = match config.log_retention_bytes {
            Some(cap) if !matches!(wl.data, Some(DataPerPartition::Bytes(_))) => {
                bytes.min(cap.saturating_add(config.log_segment_bytes))
            }
            _ => bytes,
        };
        let mut w = Workload {
            topics,
            partitions,
            bytes_per_partition: bytes,
            segment_bytes: config.log_segment_bytes,
            index_max_bytes: config.log_index_size_max_bytes,
            index_interval_bytes: config.log_index_interval_bytes,
            log_dirs: config.log_dirs.clone(),
            unflushed_segments: wl.unflushed_segments.max(1),
            crash,
        };
        if let Some((f, what)) = wl.grow {
            let grow = |n: u64| (n as f64 * f).ceil() as u64;
            match what {
                GrowWhat::Partitions => w.partitions = grow(w.partitions),
                GrowWhat::Bytes => w.bytes_per_partition = grow(w.bytes_per_partition),
            }
        }
        Ok(w)
    }
}

/// Absolute, clearly-not-real paths: the report names them, nothing reads them.
fn synthetic_dirs(n: u64) -> String {
    (0..n.max(1))
        .map(|i| format!("/plan/log-dir-{i}"))
        .collect::<Vec<_>>()
        .join(",")
}

fn seed_from(s: &Scanned, scenario: Scenario) -> anyhow::Result<Seed> {
    let inv = &s.inventory;
    let mut topics = std::collections::BTreeSet::new();
    let (mut parts, mut bytes) = (0u64, 0u64);
    for (_, part) in inv.partitions().filter(|(_, p)| p.is_replica()) {
        topics.insert(part.topic.clone());
        parts += part.copies;
        bytes += part.log_bytes() * part.copies;
    }
    if parts == 0 {
        bail!("--from-scan: the log dirs hold no partitions to plan from");
    }
    let readable = || inv.log_dirs.iter().filter(|d| d.readable);
    Ok(Seed {
        topics: topics.len() as u64,
        partitions: Some(parts),
        bytes_per_partition: Some(bytes.div_ceil(parts)),
        log_dirs: Some(readable().count() as u64),
        crashed: readable().any(|d| scenario.recovers(d)),
        problems: inv.all_problems().cloned().collect(),
    })
}
