//! Capacity planning without log dirs: a workload description -> the [`Inventory`] a scan of such
//! a broker would produce, so `plan` and `diff` run the very model, verdict and report of `check`.
//!
//! The layout follows [`crate::synth`] (what `check` is tested on): base offsets 1000 apart, closed
//! segments full with trimmed indexes, one producer snapshot, the recovery point 10 offsets into
//! the oldest unflushed segment.

use std::path::PathBuf;

use anyhow::{bail, Context};

use crate::config::jvm::parse_jvm_size;
use crate::scan::marker::CleanShutdown;
use crate::scan::names::DirKind;
use crate::scan::{
    CheckpointState, Inventory, Irregular, LogDir, LogDirRole, Partition, Segment, SegmentSums,
};

/// A broker's data, described instead of scanned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workload {
    pub topics: u64,
    /// Total partitions, spread round-robin over topics and log dirs.
    pub partitions: u64,
    pub bytes_per_partition: u64,
    pub segment_bytes: u64,
    /// log.index.size.max.bytes: the preallocation of an active segment's indexes.
    pub index_max_bytes: u64,
    pub index_interval_bytes: u64,
    pub log_dirs: Vec<PathBuf>,
    /// Segments at or after the recovery point (the active one included), at least 1.
    pub unflushed_segments: u64,
    /// No clean-shutdown marker: unflushed segments are recovered, active indexes stay
    /// preallocated (Kafka trims them only on a clean close).
    pub crash: bool,
}

impl Workload {
    /// Kafka always has an active segment, even for an empty log.
    pub fn segments_per_partition(&self) -> u64 {
        self.bytes_per_partition
            .div_ceil(self.segment_bytes.max(1))
            .max(1)
    }
}

/// A closed (rolled) segment's trimmed index sizes: one offset entry (8 bytes) per
/// index.interval.bytes written, capped at the preallocation; time entries are 12 bytes each
/// (synth's convention: as many time entries as offset entries).
pub fn trimmed_index_sizes(log_bytes: u64, interval: u64, index_max: u64) -> (u64, u64) {
    let max_entries = index_max / 8;
    let entries = (log_bytes / (interval + 1)).min(max_entries);
    let offset = 8 * entries;
    (offset, (offset / 8 * 12).min(index_max / 12 * 12))
}

/// The irregular-segment threshold of [`crate::scan::ScanOptions`] for a broker without
/// per-topic overrides: a closed index this large is kept individually, as the scan would.
fn threshold(index_max: u64) -> (u64, u64) {
    let m = index_max.clamp(12, 10 * 1024 * 1024);
    (m / 8 * 8, m / 12 * 12)
}

fn scaled(s: &SegmentSums, k: u64) -> SegmentSums {
    SegmentSums {
        segments: s.segments * k,
        log_bytes: s.log_bytes * k,
        offset_index_files: s.offset_index_files * k,
        time_index_files: s.time_index_files * k,
        txn_index_files: s.txn_index_files * k,
        missing_time_index: s.missing_time_index * k,
        offset_index_map_bytes: s.offset_index_map_bytes * k,
        offset_index_maps: s.offset_index_maps * k,
        time_index_map_bytes: s.time_index_map_bytes * k,
        time_index_maps: s.time_index_maps * k,
    }
}

fn base(i: u64) -> u64 {
    i * 1000
}

/// One partition of the workload (all are alike but for their names).
fn partition(w: &Workload, topic: String, number: i32, page: u64) -> Partition {
    let n = w.segments_per_partition();
    let seg = w.segment_bytes.max(1);
    let k = w.unflushed_segments.clamp(1, n);
    let first_unflushed = n - k;
    let (toff, ttime) = threshold(w.index_max_bytes);
    let mut p = Partition {
        dir: format!("{topic}-{number}"),
        topic,
        partition: number,
        kind: DirKind::Partition,
        recovery_point: Some(base(first_unflushed) + 10),
        flushed: SegmentSums::default(),
        unflushed: SegmentSums::default(),
        irregular: Vec::new(),
        active: None,
        producer_snapshots: 1,
        newest_producer_snapshot: Some(base(n - 1)),
        temp_files: 0,
        log_swap_files: 0,
        kraft_snapshots: 0,
        estimated_index_files: 0,
        copies: 1,
    };
    let (o, t) = trimmed_index_sizes(seg, w.index_interval_bytes, w.index_max_bytes);
    let closed = |i: u64| Segment {
        base: base(i),
        log_bytes: seg,
        offset_index: Some(o),
        time_index: Some(t),
        txn_index: false,
    };
    if o >= toff || t >= ttime {
        // As large as a preallocation: the scan keeps each one individually, so do we.
        for i in 0..n - 1 {
            p.irregular.push(Irregular {
                segment: closed(i),
                unflushed: i >= first_unflushed,
            });
        }
    } else {
        // All closed segments are alike: one is folded and the sums scaled, so a plan for
        // 100k partitions x 1000 segments costs no more than a few.
        let mut one = SegmentSums::default();
        one.add(&closed(0), page);
        p.flushed = scaled(&one, first_unflushed);
        p.unflushed = scaled(&one, n - 1 - first_unflushed);
    }
    let active_bytes = w.bytes_per_partition - (n - 1) * seg;
    let (ao, at) = if w.crash {
        (w.index_max_bytes / 8 * 8, w.index_max_bytes / 12 * 12)
    } else {
        trimmed_index_sizes(active_bytes, w.index_interval_bytes, w.index_max_bytes)
    };
    p.active = Some(Segment {
        base: base(n - 1),
        log_bytes: active_bytes,
        offset_index: Some(ao),
        time_index: Some(at),
        txn_index: false,
    });
    p
}

/// The inventory a scan of this workload's log dirs would return.
pub fn inventory(w: &Workload, page: u64) -> Inventory {
    let mut dirs: Vec<LogDir> = w
        .log_dirs
        .iter()
        .map(|path| LogDir {
            path: path.clone(),
            role: LogDirRole::Data,
            readable: true,
            clean_shutdown: (!w.crash).then_some(CleanShutdown::Empty),
            recovery_checkpoint: CheckpointState::Ok,
            meta: None,
            partitions: Vec::new(),
            remote_index_cache: None,
            problems: Vec::new(),
        })
        .collect();
    // Partition i is partition i / T of topic i % T, in dir i % D. All partitions are alike, so
    // one entry per (topic, dir) pair stands for all its partitions: the pairs of i in
    // [0, lcm(T, D)) are distinct (CRT) and repeat with period lcm(T, D), so the entry for i
    // counts the j < N with j = i mod lcm. Memory and time follow topics x dirs, not partitions.
    let topics = w.topics.max(1);
    let ndirs = dirs.len().max(1) as u64;
    let period = lcm(topics, ndirs);
    let one = partition(w, String::new(), 0, page);
    for i in 0..w.partitions.min(period) {
        let topic = format!("topic-{}", i % topics);
        let number = i32::try_from(i / topics).unwrap_or(i32::MAX);
        let copies = (w.partitions - i).div_ceil(period);
        let p = Partition {
            dir: format!("{topic}-{number}"),
            topic,
            partition: number,
            copies,
            ..one.clone()
        };
        if let Some(d) = dirs.get_mut((i % ndirs) as usize) {
            d.partitions.push(p);
        }
    }
    Inventory {
        log_dirs: dirs,
        page_size: page,
        problems: Vec::new(),
        incomplete: false,
    }
}

fn lcm(a: u64, b: u64) -> u64 {
    fn gcd(a: u64, b: u64) -> u64 {
        if b == 0 {
            a
        } else {
            gcd(b, a % b)
        }
    }
    (a / gcd(a, b)).saturating_mul(b)
}

/// A size as the JVM (`6g`) or bytesize (`512MiB`, `1GB`) writes it, or plain bytes.
pub fn parse_size(flag: &str, v: &str) -> anyhow::Result<u64> {
    parse_jvm_size(v)
        .or_else(|| {
            v.trim()
                .parse::<bytesize::ByteSize>()
                .ok()
                .map(|b| b.as_u64())
        })
        .with_context(|| format!("{flag} {v:?}: expected a size such as 64MiB, 1GiB or 268435456"))
}

/// `5MiB/s` or `5MiB` (per second).
pub fn parse_rate(flag: &str, v: &str) -> anyhow::Result<u64> {
    let s = v.trim();
    let s = s
        .strip_suffix("/s")
        .or_else(|| s.strip_suffix("/sec"))
        .unwrap_or(s);
    parse_size(flag, s)
        .with_context(|| format!("{flag} {v:?}: expected bytes per second, e.g. 2MiB/s"))
}

pub fn parse_duration(flag: &str, v: &str) -> anyhow::Result<std::time::Duration> {
    humantime::parse_duration(v.trim())
        .with_context(|| format!("{flag} {v:?}: expected a duration such as 7d, 36h or 90m"))
}

/// `2x`, `2`, `1.5x`: a factor > 0.
pub fn parse_factor(flag: &str, v: &str) -> anyhow::Result<f64> {
    let s = v.trim();
    let f: f64 = s
        .strip_suffix(['x', 'X'])
        .unwrap_or(s)
        .parse()
        .ok()
        .filter(|f: &f64| f.is_finite() && *f > 0.0)
        .with_context(|| format!("{flag} {v:?}: expected a factor such as 2x or 1.5x"))?;
    Ok(f)
}

/// What `--sweep` varies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SweepParam {
    SegmentBytes,
    IndexBytes,
    Partitions,
}

impl SweepParam {
    pub fn name(self) -> &'static str {
        match self {
            SweepParam::SegmentBytes => "log.segment.bytes",
            SweepParam::IndexBytes => "log.index.size.max.bytes",
            SweepParam::Partitions => "partitions",
        }
    }
}

/// Sweeps hold at most this many rows: each row is a full model run.
pub const MAX_SWEEP_ROWS: usize = 1000;

/// `log.segment.bytes=64MiB..2GiB` (doubling), `partitions=1000..20000:1000` (a step; without
/// one, doubling), `log.index.size.max.bytes=1MiB..10MiB:1MiB`.
pub fn parse_sweep(v: &str) -> anyhow::Result<(SweepParam, Vec<u64>)> {
    let bad = |why: &str| {
        anyhow::anyhow!(
            "--sweep {v:?}: {why}; expected KEY=FROM..TO[:STEP] with KEY one of log.segment.bytes, \
             log.index.size.max.bytes, partitions, e.g. log.segment.bytes=64MiB..2GiB or \
             partitions=1000..20000:1000"
        )
    };
    let (key, range) = v.split_once('=').ok_or_else(|| bad("no '='"))?;
    let param = match key.trim() {
        "log.segment.bytes" | "segment.bytes" | "segment-bytes" => SweepParam::SegmentBytes,
        "log.index.size.max.bytes" | "segment.index.bytes" | "index-bytes" => {
            SweepParam::IndexBytes
        }
        "partitions" => SweepParam::Partitions,
        _ => return Err(bad(&format!("unknown key {:?}", key.trim()))),
    };
    let (range, step) = match range.split_once(':') {
        Some((r, s)) => (r, Some(s)),
        None => (range, None),
    };
    let (from, to) = range.split_once("..").ok_or_else(|| bad("no '..'"))?;
    let num = |s: &str| -> anyhow::Result<u64> {
        match param {
            SweepParam::Partitions => s
                .trim()
                .parse::<u64>()
                .map_err(|_| bad(&format!("{:?} is not a count", s.trim()))),
            _ => parse_size("--sweep", s),
        }
    };
    let (from, to) = (num(from)?, num(to)?);
    if from == 0 || from > to {
        return Err(bad("FROM must be > 0 and <= TO"));
    }
    let step = step.map(num).transpose()?;
    let mut values = Vec::new();
    let mut x = from;
    while x <= to {
        values.push(x);
        if values.len() > MAX_SWEEP_ROWS {
            return Err(bad(&format!("more than {MAX_SWEEP_ROWS} rows")));
        }
        x = match step {
            Some(0) => return Err(bad("STEP must be > 0")),
            Some(s) => x.saturating_add(s),
            None => x.saturating_mul(2),
        };
        if x == u64::MAX {
            break;
        }
    }
    if param != SweepParam::Partitions {
        // Kafka's sizes are Java ints: "..2GiB" means its largest segment, 2 GiB - 1.
        for v in &mut values {
            *v = (*v).min(i32::MAX as u64);
        }
        values.dedup();
    }
    Ok((param, values))
}

/// Topics a plan models (each is an entry per log dir; a million is beyond any cluster).
pub const MAX_TOPICS: u64 = 1_000_000;

/// Checks the workload numbers a user typed, naming the flag.
pub fn validate(w: &Workload) -> anyhow::Result<()> {
    if w.partitions == 0 {
        bail!("--partitions 0: expected at least one partition");
    }
    // Each (topic, log dir) pair is one entry of the inventory: partitions cost nothing, topics do.
    if w.topics > MAX_TOPICS {
        bail!("--topics {}: expected at most {MAX_TOPICS}", w.topics);
    }
    if w.topics > w.partitions {
        bail!(
            "--topics {}: more topics than partitions ({}); every topic has at least one",
            w.topics,
            w.partitions
        );
    }
    if w.log_dirs.is_empty() {
        bail!("--log-dirs-count 0: expected at least one log dir");
    }
    if w.segment_bytes == 0 {
        bail!("--segment-bytes 0: expected a positive size");
    }
    // Irregular closed segments (tiny index max) are kept one by one, like the scan does.
    if w.segments_per_partition() > 10_000_000 {
        bail!(
            "{} segments per partition ({} bytes / {} per segment): expected fewer than 10 million; check --bytes-per-partition and --segment-bytes",
            w.segments_per_partition(),
            w.bytes_per_partition,
            w.segment_bytes
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(bytes: u64, seg: u64, crash: bool) -> Workload {
        Workload {
            topics: 1,
            partitions: 4,
            bytes_per_partition: bytes,
            segment_bytes: seg,
            index_max_bytes: 10 << 20,
            index_interval_bytes: 4096,
            log_dirs: vec!["/a".into(), "/b".into()],
            unflushed_segments: 1,
            crash,
        }
    }

    /// Model and report of the grouped inventory against the same inventory written out one
    /// partition per entry (what plan built before grouping): every number must be equal.
    #[test]
    fn grouped_partitions_cost_exactly_what_the_materialised_ones_do() {
        use crate::config::BrokerConfig;
        use crate::kafka_version::{KafkaVersion, Rules};
        use crate::model::{self, BaselineInput, Geometry, ModelInput};
        use crate::scan::Scenario;
        let config = BrokerConfig::load(None, &[], Some("/a,/b,/c")).unwrap();
        let mut cases = Vec::new();
        for (topics, partitions) in [(1, 1), (1, 7), (3, 10), (4, 6), (5, 2), (7, 30)] {
            for crash in [false, true] {
                for (bytes, seg, index_max) in [(2500, 1000, 10 << 20), (5 << 20, 1 << 20, 4096)] {
                    let mut wl = w(bytes, seg, crash);
                    wl.topics = topics;
                    wl.partitions = partitions;
                    wl.index_max_bytes = index_max;
                    wl.log_dirs = config.log_dirs.clone();
                    wl.unflushed_segments = 2;
                    cases.push(wl);
                }
            }
        }
        for wl in cases {
            let grouped = inventory(&wl, 4096);
            let flat = grouped.expanded();
            let entries: usize = grouped.log_dirs.iter().map(|d| d.partitions.len()).sum();
            assert_eq!(flat.partitions().count() as u64, wl.partitions);
            assert!(entries as u64 <= wl.partitions);
            for version in ["1.1.0", "2.8.2", "3.9.1", "4.1.1"] {
                let scenario = if wl.crash {
                    Scenario::Crash
                } else {
                    Scenario::Clean
                };
                let g = Geometry {
                    index_max_bytes: wl.index_max_bytes,
                    index_interval_bytes: wl.index_interval_bytes,
                };
                let geometry = move |_: &str| g;
                let est = |inv: &Inventory| {
                    let e = model::estimate(&ModelInput {
                        inventory: inv,
                        config: &config,
                        rules: Rules::for_version(version.parse::<KafkaVersion>().unwrap()),
                        scenario,
                        geometry: &geometry,
                        baseline: BaselineInput {
                            cores: 2,
                            ..Default::default()
                        },
                        recovery_rate: model::DEFAULT_RECOVERY_RATE,
                        connections: 0,
                    });
                    let topics: Vec<_> = e
                        .topics
                        .iter()
                        .map(|(k, t)| (k.clone(), serde_json::to_value(t).unwrap()))
                        .collect();
                    let section = crate::report::inventory_section(inv, scenario);
                    (
                        serde_json::to_value(&e).unwrap(),
                        topics,
                        serde_json::to_value(section).unwrap(),
                    )
                };
                assert_eq!(est(&grouped), est(&flat), "{wl:?} {version}");
            }
        }
    }

    #[test]
    fn a_uniform_workload_is_a_few_entries_however_many_partitions() {
        let mut wl = w(1 << 30, 1 << 30, true);
        wl.partitions = u64::from(u32::MAX);
        wl.topics = 10;
        let inv = inventory(&wl, 4096);
        let entries: usize = inv.log_dirs.iter().map(|d| d.partitions.len()).sum();
        assert_eq!(entries, 10);
        let total: u64 = inv.partitions().map(|(_, p)| p.copies).sum();
        assert_eq!(total, wl.partitions);
    }

    #[test]
    fn segments_round_up_and_an_empty_log_has_its_active_segment() {
        assert_eq!(w(0, 100, false).segments_per_partition(), 1);
        assert_eq!(w(100, 100, false).segments_per_partition(), 1);
        assert_eq!(w(101, 100, false).segments_per_partition(), 2);
    }

    #[test]
    fn inventory_spreads_partitions_and_keeps_the_remainder_in_the_active_segment() {
        let inv = inventory(&w(2500, 1000, true), 4096);
        // One topic, two dirs: one entry per dir standing for its two partitions.
        for d in &inv.log_dirs {
            assert_eq!(d.partitions.len(), 1);
            assert_eq!(d.partitions[0].copies, 2);
        }
        let p = &inv.log_dirs[0].partitions[0];
        assert_eq!(p.segments(), 3);
        assert_eq!(p.log_bytes(), 2500);
        assert_eq!(p.active.unwrap().log_bytes, 500);
        // Crash: the active index stays preallocated.
        assert_eq!(p.active.unwrap().offset_index, Some(10 << 20));
        assert_eq!(p.unflushed_segments(), (1, 500));
        assert!(inv.log_dirs[0].clean_shutdown.is_none());
    }

    #[test]
    fn closed_index_is_one_entry_per_interval_capped_at_the_preallocation() {
        assert_eq!(trimmed_index_sizes(1 << 20, 4096, 10 << 20), (2040, 3060));
        assert_eq!(
            trimmed_index_sizes(1 << 40, 4096, 1 << 20),
            (1 << 20, (1 << 20) / 12 * 12)
        );
    }

    #[test]
    fn sweep_doubles_or_steps() {
        let (p, v) = parse_sweep("log.segment.bytes=64MiB..512MiB").unwrap();
        assert_eq!(p, SweepParam::SegmentBytes);
        assert_eq!(v, vec![64 << 20, 128 << 20, 256 << 20, 512 << 20]);
        let (p, v) = parse_sweep("partitions=1000..3500:1000").unwrap();
        assert_eq!(p, SweepParam::Partitions);
        assert_eq!(v, vec![1000, 2000, 3000]);
        let (_, v) = parse_sweep("log.segment.bytes=1GiB..2GiB").unwrap();
        assert_eq!(v, vec![1 << 30, i32::MAX as u64]);
        assert!(parse_sweep("foo=1..2")
            .unwrap_err()
            .to_string()
            .contains("foo"));
        assert!(parse_sweep("partitions=5..1").is_err());
        assert!(parse_sweep("partitions=1..5:0").is_err());
    }

    #[test]
    fn rates_durations_factors() {
        assert_eq!(parse_rate("--produce-rate", "1MiB/s").unwrap(), 1 << 20);
        assert_eq!(
            parse_duration("--retention", "7d").unwrap().as_secs(),
            7 * 86400
        );
        assert_eq!(parse_factor("--grow", "2x").unwrap(), 2.0);
        assert!(parse_factor("--grow", "-1x").is_err());
        assert!(parse_size("--segment-bytes", "lots")
            .unwrap_err()
            .to_string()
            .contains("--segment-bytes"));
    }
}
