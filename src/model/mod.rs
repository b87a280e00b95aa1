//! Inventory + BrokerConfig + version rules -> [`Estimate`] of the next start: index mappings
//! (live, best-case and worst-case peak), the JVM baseline, file descriptors, recovery time and
//! the steady-state ceiling. Follows kafka-model.md §6.

pub mod baseline;
mod index_sim;
pub mod inference;
pub mod loading;

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

pub use baseline::{Baseline, BaselineInput, BaselineSource};
pub use loading::{Cause, Geometry, Maps, Tally};

use crate::config::{BrokerConfig, Mode};
use crate::kafka_version::{KafkaVersion, Rules};
use crate::problem::Problem;
use crate::scan::{names::DirKind, page_round, Inventory, LogDirRole, Scenario};
use crate::units;
use loading::LogLoad;

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
    let page = inv.page_size;
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
        let mut dir_tally = Tally::default();
        let mut dir_fds = 0u64;
        let mut dir_unflushed = (0u64, 0u64);
        let mut loaded_logs = 0u64;
        // Largest momentary overlap of one loading log in this dir (see below).
        let mut overlap = Maps::default();
        let mut largest_log_recovery = 0u64;
        for p in &d.partitions {
            let metadata = p.kind == DirKind::Metadata;
            if metadata && !rules.kraft {
                continue;
            }
            let geometry = if metadata {
                METADATA_GEOMETRY
            } else {
                (input.geometry)(&p.topic)
            };
            let recovered = input.scenario.recovers_log(d, p);
            let delete_dir = p.kind == DirKind::Delete;
            let load = LogLoad {
                rules,
                geometry,
                page,
                recovered,
                delete_dir,
                clean_close: input.scenario == Scenario::Clean && !metadata,
                producer_rebuild_all: recovered && rules.txn_index && p.producer_snapshots == 0,
            };
            let mut t = Tally::default();
            load.sums(&p.flushed, false, &mut t);
            load.sums(&p.unflushed, true, &mut t);
            for i in &p.irregular {
                load.segment(&i.segment, i.unflushed, false, &mut t);
            }
            if let Some(a) = &p.active {
                load.segment(a, true, true, &mut t);
            }
            // Everything above is one log; a grouped entry stands for `k` identical ones.
            let k = p.copies;
            if k != 1 {
                t = t.times(k);
            }
            // fds: every .log of every loaded dir, existing .txnindex (0.11+), .log.swap (worst).
            let fds = (p.segments()
                + u64::from(p.log_swap_files)
                + if rules.txn_index {
                    p.txn_index_files()
                } else {
                    0
                })
            .saturating_mul(k);
            dir_fds = dir_fds.saturating_add(fds);
            // Logs that map something while they load: -delete dirs map nothing in the lazy era.
            if !(metadata || delete_dir && rules.lazy_index) {
                loaded_logs = loaded_logs.saturating_add(k);
            }
            let (un_n, un_b) = if recovered {
                p.unflushed_segments()
            } else {
                (0, 0)
            };
            dir_unflushed.0 = dir_unflushed.0.saturating_add(un_n.saturating_mul(k));
            dir_unflushed.1 = dir_unflushed.1.saturating_add(un_b.saturating_mul(k));
            largest_log_recovery = largest_log_recovery.max(un_b);
            if !delete_dir {
                let xo = page_round(geometry.xo(), page);
                let xt = if rules.time_index {
                    page_round(geometry.xt(), page)
                } else {
                    0
                };
                // While a log loads, a recovering segment holds its indexes at X until trimmed;
                // a clean ACTIVE resize briefly keeps the old mapping next to the new one
                // (unless KAFKA-19390 unmaps it first).
                let per_index = u64::from(!rules.unmap_on_resize);
                let one = |x: u64, active_len: Option<u64>| Maps {
                    maps: per_index,
                    bytes: if recovered {
                        x
                    } else {
                        per_index * page_round(active_len.unwrap_or(0), page)
                    },
                };
                let o = one(xo, p.active.and_then(|a| a.offset_index));
                let t = if rules.time_index {
                    one(xt, p.active.and_then(|a| a.time_index))
                } else {
                    Maps::default()
                };
                overlap.maps = overlap.maps.max(o.maps + t.maps);
                overlap.bytes = overlap.bytes.max(o.bytes + t.bytes);
                // Steady state: every closed segment's indexes at their length, the active
                // ones at the maximum.
                let closed = p.closed(page);
                steady += Maps {
                    maps: closed.offset_index_maps,
                    bytes: closed.offset_index_map_bytes,
                }
                .times(k);
                if rules.time_index {
                    steady += Maps {
                        maps: closed.time_index_maps,
                        bytes: closed.time_index_map_bytes,
                    }
                    .times(k);
                }
                if p.active.is_some() {
                    steady += Maps {
                        maps: u64::from(xo > 0) + u64::from(xt > 0),
                        bytes: xo + xt,
                    }
                    .times(k);
                }
            }
            if p.is_replica() {
                let te = topics.entry(p.topic.clone()).or_default();
                te.partitions = te.partitions.saturating_add(k);
                te.segments = te.segments.saturating_add(p.segments().saturating_mul(k));
                te.log_bytes = te.log_bytes.saturating_add(p.log_bytes().saturating_mul(k));
                te.unflushed_segments =
                    te.unflushed_segments.saturating_add(un_n.saturating_mul(k));
                te.live += t.live;
                te.garbage += t.garbage;
                te.open_files = te.open_files.saturating_add(fds);
                te.index_max_bytes = geometry.index_max_bytes;
            }
            dir_tally.merge(&t);
        }
        recovered_segments = recovered_segments.saturating_add(dir_unflushed.0);
        if d.role == LogDirRole::Data && d.readable {
            let n = loaded_logs.min(u64::from(threads));
            inflight += n;
            inflight_extra += Maps {
                maps: n * overlap.maps,
                bytes: n * overlap.bytes,
            };
            let seconds = if dir_unflushed.1 == 0 {
                0.0
            } else {
                let parallel =
                    dir_unflushed.1 as f64 / (f64::from(threads) * input.recovery_rate as f64);
                // One partition is one task: the largest log bounds the dir's time too.
                parallel.max(largest_log_recovery as f64 / input.recovery_rate as f64)
            };
            recovery_dirs.push(DirRecovery {
                path: d.path.clone(),
                unflushed_bytes: dir_unflushed.1,
                threads,
                seconds,
            });
        }
        if let Some(c) = &d.remote_index_cache {
            if input.config.remote_log_storage_enable {
                dir_tally.live += Maps {
                    maps: c.index_maps,
                    bytes: c.index_map_bytes,
                };
                dir_fds += c.txn_index_files;
            }
        }
        fds_logs = fds_logs.saturating_add(dir_fds);
        total.merge(&dir_tally);
        dirs.push(DirEstimate {
            path: d.path.clone(),
            live: dir_tally.live,
            garbage: dir_tally.garbage,
            open_files: dir_fds,
            unflushed_segments: dir_unflushed.0,
            unflushed_bytes: dir_unflushed.1,
        });
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
