//! Inventory + BrokerConfig + version rules -> [`Estimate`] of the next start: index mappings
//! (live, best-case and worst-case peak), the JVM baseline, file descriptors, recovery time and
//! the steady-state ceiling. Follows kafka-model.md §6.

pub mod baseline;
mod index_sim;
pub mod inference;
pub mod loading;
mod steps;

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

pub use baseline::{Baseline, BaselineInput, BaselineSource};
pub use loading::{Cause, Geometry, Maps, Tally};

use crate::config::{BrokerConfig, Mode};
use crate::kafka_version::{KafkaVersion, Rules};
use crate::problem::Problem;
use crate::scan::{names::DirKind, Inventory, LogDirRole, Scenario};
use crate::units;

/// Default per-thread recovery read rate (bytes/s): CRC-checked sequential reads and index rebuilds
/// run at 100-300 MiB/s per thread from page cache, slower from cold disks; 100 MiB/s is a
/// middle figure. Override with --recovery-rate.
pub const DEFAULT_RECOVERY_RATE: u64 = 100 << 20;
/// The metadata log uses the built-in topic defaults, not the broker's log.index.* settings.
pub const METADATA_GEOMETRY: Geometry = Geometry {
    index_max_bytes: 10 << 20,
    index_interval_bytes: 4096,
};

pub struct ModelInput<'a> {
    pub inventory: &'a Inventory,
    pub config: &'a BrokerConfig,
    pub rules: Rules,
    pub scenario: Scenario,
    /// Index geometry of a topic (per-topic overrides, else the broker default).
    pub geometry: &'a dyn Fn(&str) -> Geometry,
    pub baseline: BaselineInput,
    pub recovery_rate: u64,
    pub connections: u64,
}

#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Range3 {
    pub baseline: u64,
    pub best: u64,
    pub worst: u64,
}

#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct IndexBytes {
    pub live: u64,
    pub best: u64,
    pub worst: u64,
}

#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct OpenFiles {
    pub baseline: u64,
    /// .log segments (+ .log.swap) and existing .txnindex files of every loaded dir.
    pub logs: u64,
    /// .lock per dir, KRaft snapshot readers, cached remote txn indexes.
    pub fixed: u64,
    /// Files opened briefly by loading threads (RandomAccessFile during map, checkpoint reads).
    pub transient: u64,
    pub connections: u64,
    pub peak: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct DirRecovery {
    #[serde(serialize_with = "crate::problem::lossy_path")]
    pub path: PathBuf,
    pub unflushed_bytes: u64,
    pub threads: u32,
    pub seconds: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Recovery {
    pub threads_per_dir: u32,
    pub rate_bytes_per_sec: u64,
    pub dirs: Vec<DirRecovery>,
    /// The slowest dir bounds the start (all dirs load in parallel).
    pub slowest_seconds: f64,
}

#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct SteadyState {
    /// Index mappings once every segment's indexes have been touched (fetches from old offsets,
    /// retention, the cleaner): each segment at its length, active segments at the maximum.
    pub index_maps: u64,
    pub index_bytes: u64,
    pub map_areas: u64,
    pub virtual_memory_bytes: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Contributor {
    pub cause: Cause,
    pub live: Maps,
    pub garbage: Maps,
    pub explanation: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct DirEstimate {
    #[serde(serialize_with = "crate::problem::lossy_path")]
    pub path: PathBuf,
    pub live: Maps,
    pub garbage: Maps,
    pub open_files: u64,
    pub unflushed_segments: u64,
    pub unflushed_bytes: u64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct TopicEstimate {
    pub partitions: u64,
    pub segments: u64,
    pub log_bytes: u64,
    pub unflushed_segments: u64,
    pub live: Maps,
    pub garbage: Maps,
    pub open_files: u64,
    pub index_max_bytes: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Estimate {
    pub index_mmap_bytes: IndexBytes,
    pub index_maps: IndexBytes,
    pub map_areas: Range3,
    pub virtual_memory_bytes: Range3,
    pub open_files: OpenFiles,
    pub baseline: Baseline,
    /// Logs loading at once at most: Σ over dirs of min(threads, logs in the dir).
    pub inflight_logs: u64,
    pub recovery: Recovery,
    pub steady_state: SteadyState,
    pub contributors: Vec<Contributor>,
    pub dirs: Vec<DirEstimate>,
    #[serde(skip)]
    pub topics: BTreeMap<String, TopicEstimate>,
    /// Segments the next start recovers (all dirs, metadata log included).
    pub recovered_segments: u64,
    /// Flushed segments' index files sized from their .log instead of a stat (lazy era); only
    /// the steady-state ceiling uses them, as an upper bound.
    pub estimated_index_files: u64,
    pub problems: Vec<Problem>,
}

/// Kafka refuses dir names whose suffix its version does not know (parse as topic-partition fails).
fn version_problems(inv: &Inventory, rules: &Rules, out: &mut Vec<Problem>) {
    let v = rules.version;
    for (d, p) in inv.partitions() {
        let since = match p.kind {
            DirKind::Delete => KafkaVersion::new(0, 10, 2),
            DirKind::Future => KafkaVersion::new(1, 1, 0),
            DirKind::Stray => KafkaVersion::new(3, 7, 0),
            _ => continue,
        };
        if v < since {
            out.push(Problem::stops_start(
                d.path.join(&p.dir),
                format!("Kafka {v} does not know this directory suffix (added in {since}) and throws at start-up"),
            ));
        }
    }
}

pub fn estimate(input: &ModelInput) -> Estimate {
    let inv = input.inventory;
    let rules = &input.rules;
    let threads = input
        .config
        .num_recovery_threads_per_data_dir
        .unwrap_or(rules.default_recovery_threads);
    let mut problems = Vec::new();
    version_problems(inv, rules, &mut problems);

    let mut total = Tally::default();
    let mut dirs = Vec::new();
    let mut topics: BTreeMap<String, TopicEstimate> = BTreeMap::new();
    let mut fds_logs = 0u64;
    let mut inflight = 0u64;
    // Extra mappings while logs load (best case): per dir, in-flight logs x the largest overlap.
    let mut inflight_extra = Maps::default();
    let mut recovery_dirs = Vec::new();
    let mut recovered_segments = 0u64;
    let mut steady = Maps::default();
    for d in &inv.log_dirs {
        let step = steps::dir_step(input, d, threads, &mut topics);
        let e = step.estimate;
        recovered_segments = recovered_segments.saturating_add(e.unflushed_segments);
        inflight += step.inflight;
        inflight_extra += step.inflight_extra;
        steady += step.steady;
        recovery_dirs.extend(step.recovery);
        fds_logs = fds_logs.saturating_add(e.open_files);
        total.merge(&step.tally);
        dirs.push(e);
    }
    // Remote caches were added to dir tallies' live but not by cause: recompute totals from dirs.
    total.live = dirs.iter().fold(Maps::default(), |a, d| a + d.live);
    total.garbage = dirs.iter().fold(Maps::default(), |a, d| a + d.garbage);

    let d_live = inv
        .log_dirs
        .iter()
        .filter(|d| d.role == LogDirRole::Data && d.readable)
        .count() as u64;
    let kraft = input.config.mode == Mode::Kraft && rules.kraft;
    let metadata_separate = kraft
        && inv
            .log_dirs
            .iter()
            .any(|d| d.role == LogDirRole::MetadataOnly);
    let fixed = d_live + u64::from(metadata_separate) + if kraft { 2 } else { 0 };
    let transient = 2 * d_live * u64::from(threads);

    let base = baseline::estimate(&input.baseline, d_live * u64::from(threads));
    let best = Maps {
        maps: total.live.maps + inflight_extra.maps,
        bytes: total.live.bytes + inflight_extra.bytes,
    };
    // Lingering garbage includes the in-flight overlap, so the worst case is never below the best
    // (it could be, by the in-flight term, when replaced mappings are empty files).
    let mut worst = total.live + total.garbage;
    worst.maps = worst.maps.max(best.maps);
    worst.bytes = worst.bytes.max(best.bytes);
    let open_files = OpenFiles {
        baseline: base.open_files,
        logs: fds_logs,
        fixed,
        transient,
        connections: input.connections,
        peak: base.open_files + fds_logs + fixed + transient + input.connections,
    };
    let slowest = recovery_dirs.iter().map(|d| d.seconds).fold(0.0, f64::max);
    let contributors = contributors(&total, inv, rules);

    Estimate {
        index_mmap_bytes: IndexBytes {
            live: total.live.bytes,
            best: best.bytes,
            worst: worst.bytes,
        },
        index_maps: IndexBytes {
            live: total.live.maps,
            best: best.maps,
            worst: worst.maps,
        },
        map_areas: Range3 {
            baseline: base.map_areas,
            best: base.map_areas + best.maps,
            worst: base.map_areas + worst.maps,
        },
        virtual_memory_bytes: Range3 {
            baseline: base.vm_bytes,
            best: base.vm_bytes + best.bytes,
            worst: base.vm_bytes + worst.bytes,
        },
        open_files,
        inflight_logs: inflight,
        recovery: Recovery {
            threads_per_dir: threads,
            rate_bytes_per_sec: input.recovery_rate,
            dirs: recovery_dirs,
            slowest_seconds: slowest,
        },
        steady_state: SteadyState {
            index_maps: steady.maps,
            index_bytes: steady.bytes,
            map_areas: base.map_areas + steady.maps,
            virtual_memory_bytes: base.vm_bytes + steady.bytes,
        },
        baseline: base,
        contributors,
        dirs,
        topics,
        recovered_segments,
        estimated_index_files: inv
            .partitions()
            .map(|(_, p)| u64::from(p.estimated_index_files).saturating_mul(p.copies))
            .fold(0, u64::saturating_add),
        problems,
    }
}

fn contributors(total: &Tally, inv: &Inventory, rules: &Rules) -> Vec<Contributor> {
    let active_segments = inv
        .partitions()
        .filter(|(_, p)| p.kind != DirKind::Delete && p.active.is_some())
        .map(|(_, p)| p.copies)
        .fold(0, u64::saturating_add);
    let per = if rules.time_index { 2 } else { 1 };
    let mut out: Vec<Contributor> = total
        .by_cause
        .iter()
        .filter(|(_, (l, g))| l.bytes + g.bytes > 0)
        .map(|(cause, (l, g))| {
            let explanation = match cause {
                Cause::Active => format!(
                    "{} active segments x {per} indexes at the maximum = {} live{}",
                    units::count(active_segments),
                    units::bytes(l.bytes),
                    if g.bytes > 0 { format!(", {} replaced mappings until GC", units::bytes(g.bytes)) } else { String::new() }
                ),
                Cause::Recovered => format!(
                    "recovered segments: {} live, {} in {} replaced mappings until GC (reset to max, rebuilt, trimmed)",
                    units::bytes(l.bytes),
                    units::bytes(g.bytes),
                    units::count(g.maps)
                ),
                Cause::Eager => format!(
                    "every segment's indexes mapped at open (eager, Kafka < 2.3): {} maps, {}",
                    units::count(l.maps),
                    units::bytes(l.bytes)
                ),
                Cause::MissingIndex => format!(
                    "missing index files created at the maximum: {} live, {} replaced",
                    units::bytes(l.bytes),
                    units::bytes(g.bytes)
                ),
                Cause::ProducerState => format!(
                    "offset indexes read by the producer-state rebuild (no .snapshot files): {} maps, {}",
                    units::count(l.maps),
                    units::bytes(l.bytes)
                ),
            };
            Contributor {
                cause: *cause,
                live: *l,
                garbage: *g,
                explanation,
            }
        })
        .collect();
    out.sort_by_key(|c| std::cmp::Reverse(c.live.bytes + c.garbage.bytes));
    out
}

#[cfg(test)]
mod tests;

#[cfg(test)]
pub(crate) mod tests_support {
    use super::*;

    /// An estimate for `partitions` partitions holding `segments` segments in all, for verdict
    /// tests that need only the counts.
    pub fn empty_estimate(partitions: u64, segments: u64) -> Estimate {
        let mut topics = BTreeMap::new();
        topics.insert(
            "t".to_string(),
            TopicEstimate {
                partitions,
                segments,
                log_bytes: partitions << 40, // 1 TiB per partition
                ..Default::default()
            },
        );
        Estimate {
            index_mmap_bytes: IndexBytes::default(),
            index_maps: IndexBytes::default(),
            map_areas: Range3::default(),
            virtual_memory_bytes: Range3::default(),
            open_files: OpenFiles {
                logs: segments,
                peak: segments + 200,
                baseline: 200,
                ..Default::default()
            },
            baseline: baseline::estimate(&BaselineInput::default(), 1),
            inflight_logs: 0,
            recovery: Recovery {
                threads_per_dir: 1,
                rate_bytes_per_sec: DEFAULT_RECOVERY_RATE,
                dirs: Vec::new(),
                slowest_seconds: 0.0,
            },
            steady_state: SteadyState {
                index_maps: 2 * segments,
                map_areas: 2 * segments + 400,
                ..Default::default()
            },
            contributors: Vec::new(),
            dirs: Vec::new(),
            topics,
            recovered_segments: 0,
            estimated_index_files: 0,
            problems: Vec::new(),
        }
    }
}
