//! Reads one partition directory: one listing, a stat only for files whose size the model needs
//! (.log, .index, .timeindex), then folds regular segments into sums.

use std::collections::BTreeMap;
use std::fs;
use std::io::ErrorKind;
use std::path::Path;

use super::inventory::{Irregular, Partition, Segment, SegmentSums};
use super::names::{classify_file, DirKind, FileClass, FileKind};
use crate::problem::Problem;

pub struct PartitionTask {
    pub dir: String,
    pub topic: String,
    pub partition: i32,
    pub kind: DirKind,
    pub recovery_point: Option<u64>,
}

/// Index files at least this large are kept individually (they may be preallocated and
/// untrimmed, which the model treats differently). Offset / time thresholds in bytes.
#[derive(Debug, Clone, Copy)]
pub struct IrregularThreshold {
    pub offset_index: u64,
    pub time_index: u64,
}

#[derive(Default)]
struct Files {
    log: Option<u64>,
    offset_index: Option<u64>,
    time_index: Option<u64>,
    txn_index: bool,
}

/// Which index files get a stat.
#[derive(Debug, Clone, Copy)]
pub struct IndexSizes {
    /// Stat every index (eager era: Kafka maps them all at load). Otherwise only the indexes
    /// Kafka touches at load (from the recovery-point segment on) are stat'ed, and the sizes of
    /// flushed segments' indexes are estimated from their .log size.
    pub all: bool,
    /// log.index.interval.bytes, for the estimate.
    pub interval: u64,
}

impl IndexSizes {
    /// A trimmed index of a segment of `log` bytes: one offset entry per more-than-interval bytes,
    /// time entries likewise plus the final max-timestamp entry (an upper bound of both).
    fn estimate(self, log: u64) -> (u64, u64) {
        if log == 0 {
            return (0, 0);
        }
        let e = log / (self.interval + 1);
        (8 * e, 12 * (e + 1))
    }
}

pub fn scan_partition(
    path: &Path,
    task: PartitionTask,
    page: u64,
    threshold: IrregularThreshold,
    sizes: IndexSizes,
    problems: &mut Vec<Problem>,
) -> Option<Partition> {
    let _listing = crate::fsread::in_flight(path);
    let rd = match fs::read_dir(path) {
        Ok(rd) => rd,
        Err(e) if e.kind() == ErrorKind::NotFound => {
            problems.push(Problem::warning(
                path,
                "vanished during the scan (deleted or moved by a running broker?)",
            ));
            return None;
        }
        Err(e) => {
            // Our permission, not the broker's: a warning, the log-dir check is not about it.
            let denied = e.kind() == std::io::ErrorKind::PermissionDenied;
            problems.push(Problem::new(
                if denied {
                    crate::problem::Severity::Warning
                } else {
                    crate::problem::Severity::Error
                },
                path,
                format!(
                    "{}; its segments are not counted",
                    if e.kind() == std::io::ErrorKind::PermissionDenied {
                        super::CANNOT_READ.to_string()
                    } else {
                        format!("cannot list: {e}")
                    }
                ),
            ));
            return None;
        }
    };
    // Temporary per-partition state, dropped before returning: memory stays per partition.
    let mut by_base: BTreeMap<u64, Files> = BTreeMap::new();
    // Index files whose stat waits until the recovery-point segment is known.
    let mut deferred: Vec<(u64, FileKind, fs::DirEntry)> = Vec::new();
    let mut p = Partition {
        dir: task.dir,
        topic: task.topic,
        partition: task.partition,
        kind: task.kind,
        recovery_point: task.recovery_point,
        flushed: SegmentSums::default(),
        unflushed: SegmentSums::default(),
        irregular: Vec::new(),
        active: None,
        producer_snapshots: 0,
        newest_producer_snapshot: None,
        temp_files: 0,
        log_swap_files: 0,
        kraft_snapshots: 0,
        estimated_index_files: 0,
        copies: 1,
    };
    let mut non_canonical = 0u32;
    for entry in rd {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                problems.push(Problem::warning(path, format!("listing interrupted: {e}")));
                break;
            }
        };
        let name = entry.file_name();
        let Some(name) = name.to_str() else {
            problems.push(Problem::info(
                entry.path(),
                "file name is not UTF-8; Kafka ignores it",
            ));
            continue;
        };
        let f = match classify_file(name) {
            // d_type from the listing, no extra syscall: a directory named like a segment is not one.
            FileClass::Known(_) if entry.file_type().is_ok_and(|t| t.is_dir()) => {
                problems.push(Problem::warning(
                    entry.path(),
                    "a directory named like a segment file; Kafka does not load it as one",
                ));
                continue;
            }
            // FIFOs, sockets, devices named like segments: never opened, listed as a problem.
            FileClass::Known(_)
                if entry
                    .file_type()
                    .is_ok_and(|t| !(t.is_file() || t.is_symlink())) =>
            {
                let t = entry.file_type().expect("checked above");
                problems.push(Problem::warning(
                    entry.path(),
                    format!("{}: skipped", super::non_regular_kind(t)),
                ));
                continue;
            }
            FileClass::Known(f) => f,
            FileClass::BadOffset(kind) => {
                if kind == FileKind::Log {
                    problems.push(Problem::stops_start(
                        entry.path(),
                        "segment file name is not <base offset>.log: Kafka's offset parse throws and this log fails to load",
                    ));
                } else {
                    problems.push(Problem::warning(
                        entry.path(),
                        "index-like file with a non-numeric name",
                    ));
                }
                continue;
            }
            FileClass::Other => continue,
        };
        non_canonical += u32::from(!f.canonical && f.kind != FileKind::Temp);
        let mut size = || -> Option<u64> {
            match entry.metadata() {
                Ok(m) => Some(m.len()),
                Err(e) => {
                    if e.kind() != ErrorKind::NotFound {
                        problems.push(Problem::warning(entry.path(), format!("cannot stat: {e}")));
                    }
                    None
                }
            }
        };
        match f.kind {
            FileKind::Log => {
                if let Some(n) = size() {
                    by_base.entry(f.offset).or_default().log = Some(n);
                }
            }
            FileKind::OffsetIndex | FileKind::TimeIndex if !sizes.all => {
                deferred.push((f.offset, f.kind, entry));
            }
            FileKind::OffsetIndex => {
                if let Some(n) = size() {
                    by_base.entry(f.offset).or_default().offset_index = Some(n);
                }
            }
            FileKind::TimeIndex => {
                if let Some(n) = size() {
                    by_base.entry(f.offset).or_default().time_index = Some(n);
                }
            }
            FileKind::TxnIndex => by_base.entry(f.offset).or_default().txn_index = true,
            FileKind::ProducerSnapshot => {
                p.producer_snapshots += 1;
                p.newest_producer_snapshot = p.newest_producer_snapshot.max(Some(f.offset));
            }
            FileKind::Temp => p.temp_files += 1,
            FileKind::LogSwap => p.log_swap_files += 1,
            FileKind::OtherSwap => {}
            FileKind::KraftSnapshot => p.kraft_snapshots += 1,
        }
    }
    if !deferred.is_empty() {
        let rp = if p.kind == DirKind::Metadata {
            0
        } else {
            p.recovery_point.unwrap_or(0)
        };
        let logs = || {
            by_base
                .iter()
                .filter(|(_, f)| f.log.is_some())
                .map(|(b, _)| *b)
        };
        // The segment holding the recovery point (or the first): Kafka may touch it and later ones.
        let floor = logs()
            .take_while(|b| *b <= rp)
            .last()
            .or_else(|| logs().next())
            .unwrap_or(0);
        for (base, kind, entry) in deferred {
            let f = by_base.entry(base).or_default();
            let len = if base >= floor || f.log.is_none() {
                match entry.metadata() {
                    Ok(m) => m.len(),
                    Err(e) => {
                        if e.kind() != ErrorKind::NotFound {
                            problems
                                .push(Problem::warning(entry.path(), format!("cannot stat: {e}")));
                        }
                        continue;
                    }
                }
            } else {
                p.estimated_index_files += 1;
                let (o, t) = sizes.estimate(f.log.unwrap_or(0));
                if kind == FileKind::OffsetIndex {
                    o
                } else {
                    t
                }
            };
            if kind == FileKind::OffsetIndex {
                f.offset_index = Some(len);
            } else {
                f.time_index = Some(len);
            }
        }
    }
    if non_canonical > 0 {
        problems.push(Problem::warning(
            path,
            format!("{non_canonical} segment file(s) without Kafka's 20-digit names; Kafka loads them by their number"),
        ));
    }
    let orphans = by_base.values().filter(|f| f.log.is_none()).count();
    if orphans > 0 {
        problems.push(Problem::info(
            path,
            format!("{orphans} index file(s) without a .log: Kafka deletes these orphans at load"),
        ));
    }
    let segments: Vec<Segment> = by_base
        .into_iter()
        .filter_map(|(base, f)| {
            f.log.map(|log_bytes| Segment {
                base,
                log_bytes,
                offset_index: f.offset_index,
                time_index: f.time_index,
                txn_index: f.txn_index,
            })
        })
        .collect();

    // Recovered set: the segment whose base is the greatest <= recovery point, and all after it
    // (LogSegments.values(recoveryPoint, MAX)); all of them when none is <= it. The metadata log
    // is always recovered from 0.
    let rp = if p.kind == DirKind::Metadata {
        0
    } else {
        p.recovery_point.unwrap_or(0)
    };
    let first_unflushed = segments.partition_point(|s| s.base <= rp).saturating_sub(1);
    let last = segments.len().checked_sub(1);
    for (i, s) in segments.iter().enumerate() {
        if Some(i) == last {
            p.active = Some(*s);
            continue;
        }
        let unflushed = i >= first_unflushed;
        let irregular = s.offset_index.is_none()
            || s.offset_index.is_some_and(|n| n >= threshold.offset_index)
            || s.time_index.is_some_and(|n| n >= threshold.time_index);
        if irregular {
            p.irregular.push(Irregular {
                segment: *s,
                unflushed,
            });
        } else if unflushed {
            p.unflushed.add(s, page);
        } else {
            p.flushed.add(s, page);
        }
    }
    p.irregular.shrink_to_fit();
    Some(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(dir: &str) -> PartitionTask {
        PartitionTask {
            dir: dir.into(),
            topic: "t".into(),
            partition: 0,
            kind: DirKind::Partition,
            recovery_point: None,
        }
    }

    const SIZES: IndexSizes = IndexSizes {
        all: true,
        interval: 4096,
    };
    const THRESHOLD: IrregularThreshold = IrregularThreshold {
        offset_index: 10 << 20,
        time_index: 10 << 20,
    };

    #[test]
    fn a_partition_removed_after_the_log_dir_was_listed_is_a_warning() {
        // The log dir listing saw t-0; a running broker (or retention) removed it before its scan.
        let d = tempfile::tempdir().unwrap();
        let gone = d.path().join("t-0");
        let mut problems = Vec::new();
        assert!(
            scan_partition(&gone, task("t-0"), 4096, THRESHOLD, SIZES, &mut problems).is_none()
        );
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].severity, crate::problem::Severity::Warning);
        assert!(
            problems[0].message.contains("vanished"),
            "{:?}",
            problems[0]
        );
    }

    #[test]
    fn flushed_index_sizes_are_estimated_only_when_asked() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("t-0");
        std::fs::create_dir(&p).unwrap();
        for base in [0u64, 100, 200] {
            std::fs::File::create(p.join(format!("{base:020}.log")))
                .unwrap()
                .set_len(40_970)
                .unwrap();
            std::fs::File::create(p.join(format!("{base:020}.index")))
                .unwrap()
                .set_len(16)
                .unwrap();
            std::fs::File::create(p.join(format!("{base:020}.timeindex")))
                .unwrap()
                .set_len(24)
                .unwrap();
        }
        let mut t = task("t-0");
        t.recovery_point = Some(150);
        let mut problems = Vec::new();
        let lazy = IndexSizes {
            all: false,
            ..SIZES
        };
        let part = scan_partition(&p, t, 4096, THRESHOLD, lazy, &mut problems).unwrap();
        // Segment 0 is below the recovery-point segment (100): its 2 indexes are not stat'ed.
        assert_eq!(part.estimated_index_files, 2);
        // The estimate is the upper bound for 40 970 bytes at interval 4096: 10 entries.
        assert_eq!(part.flushed.offset_index_map_bytes, 4096);
        let exact = scan_partition(&p, task("t-0"), 4096, THRESHOLD, SIZES, &mut problems).unwrap();
        assert_eq!(exact.estimated_index_files, 0);
        assert!(problems.is_empty(), "{problems:?}");
    }
}
