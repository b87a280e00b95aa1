//! The typed result of a scan: what Kafka will find in each log dir at its next start.
//!
//! Memory grows with partitions, not files: segments that need no individual treatment by the
//! model are folded into per-partition sums while the directory is read; only the active segment
//! and irregular ones (a missing index, an index at least as large as a preallocated one) are kept.

use std::path::PathBuf;

use serde::Serialize;

use super::marker::{CleanShutdown, MetaProperties};
use super::names::DirKind;
use crate::problem::Problem;

/// One segment, by base offset. Index sizes are `None` when the file is missing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Segment {
    pub base: u64,
    pub log_bytes: u64,
    pub offset_index: Option<u64>,
    pub time_index: Option<u64>,
    pub txn_index: bool,
}

/// Sums over a run of regular segments (offset index present, indexes smaller than the
/// preallocation threshold). Mapping sums use the scan's page size.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SegmentSums {
    pub segments: u64,
    pub log_bytes: u64,
    pub offset_index_files: u64,
    pub time_index_files: u64,
    pub txn_index_files: u64,
    pub missing_time_index: u64,
    /// Σ page-rounded sizes / Σ non-empty files: what mapping each at its length costs.
    pub offset_index_map_bytes: u64,
    pub offset_index_maps: u64,
    pub time_index_map_bytes: u64,
    pub time_index_maps: u64,
}

/// Page-rounded address space of one mapping of `n` bytes (0 maps nothing: the JDK skips mmap).
pub fn page_round(n: u64, page: u64) -> u64 {
    n.div_ceil(page) * page
}

impl SegmentSums {
    /// These sums `k` times over (saturating: a described workload may be absurdly large).
    pub fn times(&self, k: u64) -> SegmentSums {
        SegmentSums {
            segments: self.segments.saturating_mul(k),
            log_bytes: self.log_bytes.saturating_mul(k),
            offset_index_files: self.offset_index_files.saturating_mul(k),
            time_index_files: self.time_index_files.saturating_mul(k),
            txn_index_files: self.txn_index_files.saturating_mul(k),
            missing_time_index: self.missing_time_index.saturating_mul(k),
            offset_index_map_bytes: self.offset_index_map_bytes.saturating_mul(k),
            offset_index_maps: self.offset_index_maps.saturating_mul(k),
            time_index_map_bytes: self.time_index_map_bytes.saturating_mul(k),
            time_index_maps: self.time_index_maps.saturating_mul(k),
        }
    }

    pub fn add(&mut self, s: &Segment, page: u64) {
        self.segments += 1;
        self.log_bytes += s.log_bytes;
        self.txn_index_files += u64::from(s.txn_index);
        if let Some(n) = s.offset_index {
            self.offset_index_files += 1;
            self.offset_index_map_bytes += page_round(n, page);
            self.offset_index_maps += u64::from(n > 0);
        }
        match s.time_index {
            Some(n) => {
                self.time_index_files += 1;
                self.time_index_map_bytes += page_round(n, page);
                self.time_index_maps += u64::from(n > 0);
            }
            None => self.missing_time_index += 1,
        }
    }

    pub fn merge(&mut self, o: &SegmentSums) {
        self.segments += o.segments;
        self.log_bytes += o.log_bytes;
        self.offset_index_files += o.offset_index_files;
        self.time_index_files += o.time_index_files;
        self.txn_index_files += o.txn_index_files;
        self.missing_time_index += o.missing_time_index;
        self.offset_index_map_bytes += o.offset_index_map_bytes;
        self.offset_index_maps += o.offset_index_maps;
        self.time_index_map_bytes += o.time_index_map_bytes;
        self.time_index_maps += o.time_index_maps;
    }
}

/// A segment kept individually, and on which side of the recovery point it lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Irregular {
    pub segment: Segment,
    /// At or after the segment holding the recovery point: recovered after an unclean shutdown.
    pub unflushed: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Partition {
    /// Directory name, e.g. `orders-3` or `orders-3.<uuid>-delete`.
    pub dir: String,
    pub topic: String,
    pub partition: i32,
    pub kind: DirKind,
    /// This partition's entry in the dir's recovery-point checkpoint (None: no entry -> 0).
    pub recovery_point: Option<u64>,
    /// Regular segments before the segment holding the recovery point (flushed).
    pub flushed: SegmentSums,
    /// Regular segments from the recovery-point segment on, excluding the active one.
    pub unflushed: SegmentSums,
    pub irregular: Vec<Irregular>,
    /// The segment with the greatest base offset.
    pub active: Option<Segment>,
    pub producer_snapshots: u32,
    pub newest_producer_snapshot: Option<u64>,
    /// `.deleted` / `.cleaned` files (deleted at load, never opened).
    pub temp_files: u32,
    /// `.log.swap` files (opened at load: one more fd each in the worst case).
    pub log_swap_files: u32,
    /// KRaft snapshots (`<offset>-<epoch>.checkpoint`), metadata log only.
    pub kraft_snapshots: u32,
    /// Flushed segments' index files whose size was estimated from the .log size instead of
    /// stat'ed (lazy era: Kafka does not touch them at load; they matter only to the
    /// steady-state ceiling).
    pub estimated_index_files: u32,
    /// How many identical logs this entry stands for: 1 for a scanned dir; `plan` describes a
    /// uniform workload as a few entries with large counts, which every consumer costs by
    /// multiplication (the per-log methods below describe ONE copy).
    pub copies: u64,
}

impl Partition {
    /// Every segment but the active one, folded into one sum.
    pub fn closed(&self, page: u64) -> SegmentSums {
        let mut s = self.flushed;
        s.merge(&self.unflushed);
        for i in &self.irregular {
            s.add(&i.segment, page);
        }
        s
    }

    /// Every segment of the partition, folded into one sum (the active one included).
    pub fn all(&self, page: u64) -> SegmentSums {
        let mut s = self.closed(page);
        if let Some(a) = &self.active {
            s.add(a, page);
        }
        s
    }

    pub fn segments(&self) -> u64 {
        self.flushed.segments
            + self.unflushed.segments
            + self.irregular.len() as u64
            + u64::from(self.active.is_some())
    }

    pub fn txn_index_files(&self) -> u64 {
        self.flushed.txn_index_files
            + self.unflushed.txn_index_files
            + self
                .irregular
                .iter()
                .filter(|i| i.segment.txn_index)
                .count() as u64
            + u64::from(self.active.is_some_and(|a| a.txn_index))
    }

    pub fn log_bytes(&self) -> u64 {
        self.flushed.log_bytes
            + self.unflushed.log_bytes
            + self
                .irregular
                .iter()
                .map(|i| i.segment.log_bytes)
                .sum::<u64>()
            + self.active.map_or(0, |a| a.log_bytes)
    }

    /// Segments (and their .log bytes) an unclean start of this log recovers.
    pub fn unflushed_segments(&self) -> (u64, u64) {
        let irr = self.irregular.iter().filter(|i| i.unflushed);
        let (n, b) = irr.fold((0, 0), |(n, b), i| (n + 1, b + i.segment.log_bytes));
        let (an, ab) = self.active.map_or((0, 0), |a| (1, a.log_bytes));
        (
            self.unflushed.segments + n + an,
            self.unflushed.log_bytes + b + ab,
        )
    }

    /// Loaded and counted as a partition by Kafka (not -delete, not the metadata log).
    pub fn is_replica(&self) -> bool {
        matches!(
            self.kind,
            DirKind::Partition | DirKind::Future | DirKind::Stray
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckpointState {
    Ok,
    /// Missing: Kafka creates it empty, every partition recovers from 0.
    Missing,
    /// Unparsable: 0.9+ resets every partition of the dir to 0 (full recovery); 0.8 fails to start.
    Corrupt,
    /// This tool may not read it (the broker can): counted as a full recovery, the upper bound.
    Unreadable,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LogDirRole {
    /// An entry of log.dirs, loaded by LogManager.
    Data,
    /// metadata.log.dir outside log.dirs: only the KRaft metadata log lives there.
    MetadataOnly,
}

/// Cached remote indexes (tiered storage), mapped eagerly at start when tiered storage is on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RemoteIndexCache {
    pub index_files: u64,
    pub index_map_bytes: u64,
    pub index_maps: u64,
    pub txn_index_files: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct LogDir {
    #[serde(serialize_with = "crate::problem::lossy_path")]
    pub path: PathBuf,
    pub role: LogDirRole,
    /// The dir could be listed. An unreadable dir is offline to Kafka too.
    pub readable: bool,
    pub clean_shutdown: Option<CleanShutdown>,
    pub recovery_checkpoint: CheckpointState,
    pub meta: Option<MetaProperties>,
    pub partitions: Vec<Partition>,
    pub remote_index_cache: Option<RemoteIndexCache>,
    pub problems: Vec<Problem>,
}

impl LogDir {
    /// The metadata log held by this dir, if any.
    pub fn metadata_log(&self) -> Option<&Partition> {
        self.partitions.iter().find(|p| p.kind == DirKind::Metadata)
    }
}

/// "What if": whether the next start finds a clean-shutdown marker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Scenario {
    /// Each dir as it is now: a marker means clean, no marker means recovery.
    #[default]
    AsFound,
    /// A planned restart: every dir will have its marker.
    Clean,
    /// The broker crashes now: no dir has a marker.
    Crash,
}

impl Scenario {
    /// Whether logs of this dir are recovered (the metadata log always is, see [`Partition`]).
    pub fn recovers(self, dir: &LogDir) -> bool {
        match self {
            Scenario::AsFound => dir.clean_shutdown.is_none(),
            Scenario::Clean => false,
            Scenario::Crash => true,
        }
    }

    /// Whether this log is recovered at the next start. KRaft's metadata log always is
    /// (KafkaMetadataLog passes lastShutdownClean=false, 2.8 to 4.x); -delete dirs never are.
    pub fn recovers_log(self, dir: &LogDir, p: &Partition) -> bool {
        match p.kind {
            DirKind::Metadata => true,
            DirKind::Delete => false,
            _ => self.recovers(dir),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Inventory {
    pub log_dirs: Vec<LogDir>,
    pub page_size: u64,
    /// Problems not tied to one log dir.
    pub problems: Vec<Problem>,
    /// The scan stopped at --timeout; the numbers cover what was read.
    pub incomplete: bool,
}

impl Inventory {
    /// Every entry (an entry may stand for many identical logs: see [`Partition::copies`]).
    pub fn partitions(&self) -> impl Iterator<Item = (&LogDir, &Partition)> {
        self.log_dirs
            .iter()
            .flat_map(|d| d.partitions.iter().map(move |p| (d, p)))
    }

    /// The same inventory with every grouped entry written out as `copies` entries of one:
    /// what a scan of such a tree would return (for tests of the grouped form).
    pub fn expanded(&self) -> Inventory {
        let mut inv = self.clone();
        for d in &mut inv.log_dirs {
            d.partitions = d
                .partitions
                .iter()
                .flat_map(|p| {
                    let one = Partition {
                        copies: 1,
                        ..p.clone()
                    };
                    std::iter::repeat(one).take(p.copies as usize)
                })
                .collect();
        }
        inv
    }

    pub fn all_problems(&self) -> impl Iterator<Item = &Problem> {
        self.problems
            .iter()
            .chain(self.log_dirs.iter().flat_map(|d| d.problems.iter()))
    }
}
