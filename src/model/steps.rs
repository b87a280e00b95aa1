//! The two steps [`super::estimate`] repeats: one log (a partition dir, or a grouped entry of
//! identical ones) and one log dir. Each returns what it contributes; `estimate` only adds up.

use super::loading::{LogLoad, Maps, Tally};
use super::{DirEstimate, DirRecovery, ModelInput, TopicEstimate, METADATA_GEOMETRY};
use crate::scan::{names::DirKind, page_round, LogDir, LogDirRole, Partition, Scenario};

/// What one log entry adds to its dir (already multiplied by the entry's copies).
pub(super) struct LogStep {
    pub tally: Tally,
    /// .log, .txnindex and .log.swap files held open.
    pub fds: u64,
    /// Logs that map something while they load.
    pub loading_logs: u64,
    /// (segments, bytes) this start recovers.
    pub unflushed: (u64, u64),
    /// Bytes one log of the entry recovers: a partition is one task, the largest bounds the dir.
    pub largest_recovery: u64,
    /// The momentary overlap while one log of the entry loads.
    pub overlap: Maps,
    pub steady: Maps,
    pub index_max_bytes: u64,
}

/// One log: None when this release does not load it (the metadata log before KRaft).
pub(super) fn log_step(input: &ModelInput, d: &LogDir, p: &Partition) -> Option<LogStep> {
    let rules = &input.rules;
    let page = input.inventory.page_size;
    let metadata = p.kind == DirKind::Metadata;
    if metadata && !rules.kraft {
        return None;
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
    // Logs that map something while they load: -delete dirs map nothing in the lazy era.
    let loading_logs = if metadata || delete_dir && rules.lazy_index {
        0
    } else {
        k
    };
    let (un_n, un_b) = if recovered {
        p.unflushed_segments()
    } else {
        (0, 0)
    };
    let mut step = LogStep {
        tally: t,
        fds,
        loading_logs,
        unflushed: (un_n.saturating_mul(k), un_b.saturating_mul(k)),
        largest_recovery: un_b,
        overlap: Maps::default(),
        steady: Maps::default(),
        index_max_bytes: geometry.index_max_bytes,
    };
    if delete_dir {
        return Some(step);
    }
    let xo = page_round(geometry.xo(), page);
    let xt = if rules.time_index {
        page_round(geometry.xt(), page)
    } else {
        0
    };
    // While a log loads, a recovering segment holds its indexes at X until trimmed; a clean
    // ACTIVE resize briefly keeps the old mapping next to the new one (unless KAFKA-19390
    // unmaps it first).
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
    let ti = if rules.time_index {
        one(xt, p.active.and_then(|a| a.time_index))
    } else {
        Maps::default()
    };
    step.overlap = o + ti;
    // Steady state: every closed segment's indexes at their length, the active ones at the
    // maximum.
    let closed = p.closed(page);
    step.steady += Maps {
        maps: closed.offset_index_maps,
        bytes: closed.offset_index_map_bytes,
    }
    .times(k);
    if rules.time_index {
        step.steady += Maps {
            maps: closed.time_index_maps,
            bytes: closed.time_index_map_bytes,
        }
        .times(k);
    }
    if p.active.is_some() {
        step.steady += Maps {
            maps: u64::from(xo > 0) + u64::from(xt > 0),
            bytes: xo + xt,
        }
        .times(k);
    }
    Some(step)
}

/// What one log dir adds to the broker.
pub(super) struct DirStep {
    pub estimate: DirEstimate,
    /// By cause, for the contributors (remote caches are in `estimate.live` only).
    pub tally: Tally,
    /// Data dirs that load logs (readable, not metadata-only) have a recovery line.
    pub recovery: Option<DirRecovery>,
    /// Logs loading at once, and the extra mappings they hold meanwhile.
    pub inflight: u64,
    pub inflight_extra: Maps,
    pub steady: Maps,
}

/// One log dir: its logs in turn, then what loading them `threads` at a time costs.
pub(super) fn dir_step(
    input: &ModelInput,
    d: &LogDir,
    threads: u32,
    topics: &mut std::collections::BTreeMap<String, TopicEstimate>,
) -> DirStep {
    let mut tally = Tally::default();
    let (mut fds, mut loaded, mut unflushed) = (0u64, 0u64, (0u64, 0u64));
    let (mut overlap, mut steady, mut largest) = (Maps::default(), Maps::default(), 0u64);
    for p in &d.partitions {
        let Some(s) = log_step(input, d, p) else {
            continue;
        };
        fds = fds.saturating_add(s.fds);
        loaded = loaded.saturating_add(s.loading_logs);
        unflushed.0 = unflushed.0.saturating_add(s.unflushed.0);
        unflushed.1 = unflushed.1.saturating_add(s.unflushed.1);
        largest = largest.max(s.largest_recovery);
        overlap.maps = overlap.maps.max(s.overlap.maps);
        overlap.bytes = overlap.bytes.max(s.overlap.bytes);
        steady += s.steady;
        if p.is_replica() {
            let k = p.copies;
            let te = topics.entry(p.topic.clone()).or_default();
            te.partitions = te.partitions.saturating_add(k);
            te.segments = te.segments.saturating_add(p.segments().saturating_mul(k));
            te.log_bytes = te.log_bytes.saturating_add(p.log_bytes().saturating_mul(k));
            te.unflushed_segments = te.unflushed_segments.saturating_add(s.unflushed.0);
            te.live += s.tally.live;
            te.garbage += s.tally.garbage;
            te.open_files = te.open_files.saturating_add(s.fds);
            te.index_max_bytes = s.index_max_bytes;
        }
        tally.merge(&s.tally);
    }
    let (mut inflight, mut inflight_extra, mut recovery) = (0, Maps::default(), None);
    if d.role == LogDirRole::Data && d.readable {
        let n = loaded.min(u64::from(threads));
        inflight = n;
        inflight_extra = Maps {
            maps: n * overlap.maps,
            bytes: n * overlap.bytes,
        };
        let rate = input.recovery_rate as f64;
        let seconds = if unflushed.1 == 0 {
            0.0
        } else {
            let parallel = unflushed.1 as f64 / (f64::from(threads) * rate);
            parallel.max(largest as f64 / rate)
        };
        recovery = Some(DirRecovery {
            path: d.path.clone(),
            unflushed_bytes: unflushed.1,
            threads,
            seconds,
        });
    }
    if let Some(c) = &d.remote_index_cache {
        if input.config.remote_log_storage_enable {
            tally.live += Maps {
                maps: c.index_maps,
                bytes: c.index_map_bytes,
            };
            fds += c.txn_index_files;
        }
    }
    let (live, garbage) = (tally.live, tally.garbage);
    DirStep {
        tally,
        estimate: DirEstimate {
            path: d.path.clone(),
            live,
            garbage,
            open_files: fds,
            unflushed_segments: unflushed.0,
            unflushed_bytes: unflushed.1,
        },
        recovery,
        inflight,
        inflight_extra,
        steady,
    }
}
