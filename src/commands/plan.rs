use std::path::PathBuf;

use anyhow::bail;
use serde::Serialize;

use crate::commands::check::{self, CheckArgs};
use crate::options::{CheckOptions, OutputOptions};
use crate::output::report::Report;
use crate::output::{self};
use crate::pipeline::{self, Environment, Prepared};
use crate::plan::{self, SweepParam, Workload};
use crate::scan::{self, Scenario};
use crate::verdict::Status;

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

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum GrowWhat {
    Partitions,
    #[default]
    Bytes,
}

impl WorkloadArgs {
    /// Whether any workload input was given (diff: plan instead of a scan).
    pub fn given(&self) -> bool {
        self.partitions.is_some() || self.topics.is_some() || self.partitions_per_topic.is_some()
    }
}

/// A workload before the broker config fills the defaults.
#[derive(Debug, Clone, Default)]
struct Seed {
    topics: u64,
    partitions: Option<u64>,
    bytes_per_partition: Option<u64>,
    log_dirs: Option<u64>,
}

/// One workload evaluated like `check`: the environment (release, limits, JVM) is resolved
/// once; each evaluation varies only typed values (the config file, a swept setting, the
/// partition count) and lays the workload out as the inventory a scan would return.
pub struct Planner {
    opts: CheckOptions,
    env: Environment,
    wl: WorkloadArgs,
    seed: Seed,
}

impl Planner {
    pub fn new(mut opts: CheckOptions, wl: &WorkloadArgs) -> anyhow::Result<Planner> {
        // A plan has no dirs to find as they are: "as found" is a planned (clean) restart.
        if opts.scenario == Scenario::AsFound {
            opts.scenario = Scenario::Clean;
        }
        let mut seed = Seed {
            topics: wl.topics.unwrap_or(1).max(1),
            ..Seed::default()
        };
        if wl.from_scan {
            seed = seed_from_scan(&opts)?;
        }
        if let Some(v) = &wl.segment_bytes {
            opts.config.log_segment_bytes = Some(plan::parse_size("--segment-bytes", v)?);
        }
        if let Some(v) = &wl.index_bytes {
            opts.config.log_index_size_max_bytes = Some(plan::parse_size("--index-bytes", v)?);
        }
        let env = pipeline::environment(&opts)?;
        Ok(Planner {
            opts,
            env,
            wl: wl.clone(),
            seed,
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
        if src.path.is_none() && src.log_dirs.is_none() {
            src.log_dirs = Some(synthetic_dirs(self.wl.log_dirs_count.unwrap_or(1)));
        }
        let mut config = pipeline::load_config(&src)?;
        let dirs = self
            .wl
            .log_dirs_count
            .or(self.seed.log_dirs)
            .unwrap_or(config.log_dirs.len() as u64);
        if dirs as usize != config.log_dirs.len() {
            src.log_dirs = Some(synthetic_dirs(dirs));
            config = pipeline::load_config(&src)?;
        }
        let mut w = self.workload(&config, self.opts.scenario == Scenario::Crash)?;
        if let Some((SweepParam::Partitions, v)) = sweep {
            w.partitions = v;
        }
        plan::validate(&w)?;
        let inv = plan::inventory(&w, scan::page_size());
        let scanned = pipeline::settle_topics(&self.opts, &config, inv)?;
        let p = Prepared {
            config,
            env: self.env.clone(),
        };
        Ok((pipeline::evaluate(&self.opts, &p, &scanned)?, w))
    }

    fn workload(
        &self,
        config: &crate::config::BrokerConfig,
        crash: bool,
    ) -> anyhow::Result<Workload> {
        let wl = &self.wl;
        let topics = wl.topics.unwrap_or(self.seed.topics).max(1);
        let partitions = match (wl.partitions, wl.topics, wl.partitions_per_topic) {
            (Some(n), _, None) => n,
            (None, Some(t), Some(p)) => t * p,
            (None, None, Some(p)) => p,
            (Some(_), _, Some(_)) => {
                bail!("--partitions and --partitions-per-topic: give one of them")
            }
            (None, _, None) => self.seed.partitions.ok_or_else(|| {
                anyhow::anyhow!(
                    "how many partitions? pass --partitions N, --topics T --partitions-per-topic P, or --from-scan"
                )
            })?,
        };
        let bytes = match (&wl.bytes_per_partition, &wl.produce_rate) {
            (Some(_), Some(_)) => {
                bail!("--bytes-per-partition and --produce-rate: give one of them")
            }
            (Some(b), None) => plan::parse_size("--bytes-per-partition", b)?,
            (None, Some(r)) => {
                let rate = plan::parse_rate("--produce-rate", r)?;
                let secs = match &wl.retention {
                    Some(d) => plan::parse_duration("--retention", d)?.as_secs(),
                    None => config.log_retention_ms.map(|ms| ms / 1000).ok_or_else(|| {
                        anyhow::anyhow!("--produce-rate needs --retention: the config's retention is unlimited")
                    })?,
                };
                rate.saturating_mul(secs)
            }
            (None, None) => self.seed.bytes_per_partition.ok_or_else(|| {
                anyhow::anyhow!(
                    "how much data per partition? pass --bytes-per-partition SIZE, --produce-rate SIZE/s (with --retention), or --from-scan"
                )
            })?,
        };
        // retention.bytes caps each partition's log (plus the active segment Kafka keeps).
        let bytes = match config.log_retention_bytes {
            Some(cap) if wl.bytes_per_partition.is_none() => {
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
        if wl.unflushed_segments == 0 {
            bail!("--unflushed-segments 0: expected at least 1 (the active segment)");
        }
        if let Some(g) = &wl.grow {
            let f = plan::parse_factor("--grow", g)?;
            let grow = |n: u64| (n as f64 * f).ceil() as u64;
            match wl.grow_what {
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

fn seed_from_scan(opts: &CheckOptions) -> anyhow::Result<Seed> {
    let p = pipeline::prepare(opts)?;
    let inv = pipeline::scan(opts, &p)?.inventory;
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
    Ok(Seed {
        topics: topics.len() as u64,
        partitions: Some(parts),
        bytes_per_partition: Some(bytes.div_ceil(parts)),
        log_dirs: Some(inv.log_dirs.iter().filter(|d| d.readable).count() as u64),
    })
}

/// One sweep row: what a reader compares between values.
#[derive(Debug, Clone, Serialize)]
pub struct SweepRow {
    pub parameter: &'static str,
    pub value: u64,
    pub segments: u64,
    pub index_maps_best: u64,
    pub index_maps_worst: u64,
    pub map_areas_best: u64,
    pub map_areas_worst: u64,
    pub virtual_memory_best: u64,
    pub virtual_memory_worst: u64,
    pub open_files: u64,
    pub verdict: Option<Status>,
    pub checks: Vec<(String, Status)>,
    /// The first row whose verdict is fail.
    pub first_failing: bool,
}

pub fn sweep_row(param: SweepParam, value: u64, r: &Report) -> SweepRow {
    let e = r.estimate.as_ref();
    SweepRow {
        parameter: param.name(),
        value,
        segments: r.inventory.segments,
        index_maps_best: e.map_or(0, |e| e.index_maps.best),
        index_maps_worst: e.map_or(0, |e| e.index_maps.worst),
        map_areas_best: e.map_or(0, |e| e.map_areas.best),
        map_areas_worst: e.map_or(0, |e| e.map_areas.worst),
        virtual_memory_best: e.map_or(0, |e| e.virtual_memory_bytes.best),
        virtual_memory_worst: e.map_or(0, |e| e.virtual_memory_bytes.worst),
        open_files: e.map_or(0, |e| e.open_files.peak),
        verdict: r.verdict,
        checks: r
            .checks
            .iter()
            .map(|c| (c.id.to_string(), c.status))
            .collect(),
        first_failing: false,
    }
}

/// Marks the first failing row (rows are in sweep order).
pub fn mark_first_failing(rows: &mut [SweepRow]) {
    if let Some(r) = rows.iter_mut().find(|r| r.verdict == Some(Status::Fail)) {
        r.first_failing = true;
    }
}

fn status_str(s: Option<Status>) -> &'static str {
    match s {
        Some(Status::Pass) => "pass",
        Some(Status::Warn) => "warn",
        Some(Status::Fail) => "fail",
        None => "-",
    }
}

pub fn render_sweep(rows: &[SweepRow], format: &str) -> String {
    let check_ids: Vec<String> = rows
        .first()
        .map(|r| r.checks.iter().map(|c| c.0.clone()).collect())
        .unwrap_or_default();
    let status_of =
        |r: &SweepRow, id: &str| status_str(r.checks.iter().find(|c| c.0 == id).map(|c| c.1));
    match format {
        "json" => serde_json::to_string_pretty(rows).unwrap_or_default() + "\n",
        "csv" | "markdown" => {
            let mut head = vec![
                rows.first().map_or("value", |r| r.parameter).to_string(),
                "segments".into(),
                "map_areas_best".into(),
                "map_areas_worst".into(),
                "vm_best_bytes".into(),
                "vm_worst_bytes".into(),
                "open_files".into(),
                "verdict".into(),
            ];
            head.extend(check_ids.iter().cloned());
            head.push("first_failing".into());
            let body = rows.iter().map(|r| {
                let mut v = vec![
                    r.value.to_string(),
                    r.segments.to_string(),
                    r.map_areas_best.to_string(),
                    r.map_areas_worst.to_string(),
                    r.virtual_memory_best.to_string(),
                    r.virtual_memory_worst.to_string(),
                    r.open_files.to_string(),
                    status_str(r.verdict).to_string(),
                ];
                v.extend(check_ids.iter().map(|id| status_of(r, id).to_string()));
                v.push(if r.first_failing {
                    "yes".into()
                } else {
                    String::new()
                });
                v
            });
            let mut out = String::new();
            if format == "csv" {
                out.push_str(&head.join(","));
                out.push('\n');
                for v in body {
                    out.push_str(&v.join(","));
                    out.push('\n');
                }
            } else {
                out.push_str(&format!("| {} |\n", head.join(" | ")));
                out.push_str(&format!("|{}\n", "---|".repeat(head.len())));
                for v in body {
                    out.push_str(&format!("| {} |\n", v.join(" | ")));
                }
            }
            out
        }
        _ => {
            let mut t = vec![{
                let mut h = vec![
                    rows.first().map_or("value", |r| r.parameter).to_string(),
                    "segments".into(),
                    "map areas best/worst".into(),
                    "VM best/worst".into(),
                    "open files".into(),
                    "verdict".into(),
                ];
                h.extend(check_ids.iter().cloned());
                h
            }];
            for r in rows {
                let value = match r.parameter {
                    "partitions" => r.value.to_string(),
                    _ => crate::units::bytes(r.value),
                };
                let mut v = vec![
                    value,
                    r.segments.to_string(),
                    format!("{}/{}", r.map_areas_best, r.map_areas_worst),
                    format!(
                        "{}/{}",
                        crate::units::bytes(r.virtual_memory_best),
                        crate::units::bytes(r.virtual_memory_worst)
                    ),
                    r.open_files.to_string(),
                    format!(
                        "{}{}",
                        status_str(r.verdict),
                        if r.first_failing {
                            " <- first failing"
                        } else {
                            ""
                        }
                    ),
                ];
                v.extend(check_ids.iter().map(|id| status_of(r, id).to_string()));
                t.push(v);
            }
            let widths: Vec<usize> = (0..t[0].len())
                .map(|i| {
                    t.iter()
                        .map(|r| r.get(i).map_or(0, String::len))
                        .max()
                        .unwrap_or(0)
                })
                .collect();
            let mut out = String::new();
            for row in &t {
                let cells: Vec<String> = row
                    .iter()
                    .zip(&widths)
                    .map(|(c, w)| format!("{c:<w$}"))
                    .collect();
                out.push_str(cells.join("  ").trim_end());
                out.push('\n');
            }
            out
        }
    }
}

pub fn run(args: PlanArgs) -> anyhow::Result<u8> {
    let out = OutputOptions::from_args(&args.check);
    let planner = Planner::new(CheckOptions::from_args(&args.check)?, &args.workload)?;
    let Some(spec) = &args.sweep else {
        let (report, _) = planner.report(None, None)?;
        output::emit(
            out.output.as_deref(),
            &output::check::render(&report, out.format),
        )?;
        return Ok(check::exit_code(&report, out.fail_on));
    };
    let (param, values) = plan::parse_sweep(spec)?;
    let mut rows = Vec::new();
    for v in values {
        let (report, _) = planner.report(None, Some((param, v)))?;
        rows.push(sweep_row(param, v, &report));
    }
    mark_first_failing(&mut rows);
    output::emit(
        out.output.as_deref(),
        &render_sweep(&rows, out.format.name()),
    )?;
    // A sweep explores; it fails only when it could not run.
    Ok(crate::exit_codes::OK)
}
