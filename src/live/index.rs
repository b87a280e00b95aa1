//! Kafka's index mappings among a process's maps. Kafka mmaps each segment's .index and
//! .timeindex; on Linux a resized index is unmapped only when the GC collects the old
//! MappedByteBuffer, so during recovery one file can be mapped several times at once.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::parse::Mapping;
use crate::problem::lossy_path;

/// Totals over a set of index mappings. The field names are part of the JSON contract.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct IndexMappings {
    /// Map areas (lines of /proc/PID/maps).
    pub count: u64,
    /// Virtual bytes they cover (end - start).
    pub bytes: u64,
    /// Distinct files (device + inode), so a deleted file and its re-created successor count
    /// as two.
    pub files: u64,
    /// Files with more than one mapping: stale mappings still waiting for the GC.
    pub files_mapped_more_than_once: u64,
    /// Mappings of files that were deleted after being mapped.
    pub deleted: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogDirMappings {
    #[serde(serialize_with = "lossy_path")]
    pub log_dir: PathBuf,
    pub partitions: u64,
    #[serde(flatten)]
    pub mappings: IndexMappings,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartitionMappings {
    /// The partition dir's name, e.g. `orders-3`.
    pub partition: String,
    #[serde(serialize_with = "lossy_path")]
    pub log_dir: PathBuf,
    #[serde(flatten)]
    pub mappings: IndexMappings,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IndexSummary {
    pub totals: IndexMappings,
    /// Sorted by bytes, largest first.
    pub by_log_dir: Vec<LogDirMappings>,
    /// The partitions with the most mapped index bytes, largest first.
    pub top_partitions: Vec<PartitionMappings>,
}

/// Whether a mapped file is a Kafka offset or time index (the " (deleted)" suffix is already
/// stripped by the parser).
pub fn is_index_path(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e == "index" || e == "timeindex")
}

#[derive(Default)]
struct Acc {
    count: u64,
    bytes: u64,
    deleted: u64,
    per_file: HashMap<FileKey, u64>,
}

type FileKey = ((i32, i32), u64, PathBuf);

impl Acc {
    fn add(&mut self, m: &Mapping, path: &Path) {
        self.count += 1;
        self.bytes += m.len();
        self.deleted += u64::from(m.deleted);
        // The inode tells two files at one path apart; the path guards against inode 0, which
        // some filesystems (FUSE, overlay quirks) report.
        *self
            .per_file
            .entry((m.dev, m.inode, path.to_path_buf()))
            .or_default() += 1;
    }

    fn totals(&self) -> IndexMappings {
        IndexMappings {
            count: self.count,
            bytes: self.bytes,
            files: self.per_file.len() as u64,
            files_mapped_more_than_once: self.per_file.values().filter(|n| **n > 1).count() as u64,
            deleted: self.deleted,
        }
    }
}

pub fn index_mappings(maps: &[Mapping]) -> impl Iterator<Item = (&Mapping, &Path)> {
    maps.iter().filter_map(|m| {
        let p = m.file.as_deref()?;
        is_index_path(p).then_some((m, p))
    })
}

/// Totals only; cheap enough for every watch sample.
pub fn totals(maps: &[Mapping]) -> IndexMappings {
    let mut acc = Acc::default();
    for (m, p) in index_mappings(maps) {
        acc.add(m, p);
    }
    acc.totals()
}

pub fn summarize(maps: &[Mapping], top_n: usize) -> IndexSummary {
    let mut all = Acc::default();
    let mut by_dir: BTreeMap<PathBuf, Acc> = BTreeMap::new();
    let mut by_partition: BTreeMap<PathBuf, Acc> = BTreeMap::new();
    for (m, p) in index_mappings(maps) {
        all.add(m, p);
        // <log dir>/<topic-partition>/<offset>.index
        let partition = p.parent().unwrap_or(Path::new(""));
        let log_dir = partition.parent().unwrap_or(Path::new(""));
        by_dir.entry(log_dir.to_path_buf()).or_default().add(m, p);
        by_partition
            .entry(partition.to_path_buf())
            .or_default()
            .add(m, p);
    }

    let mut by_log_dir: Vec<LogDirMappings> = by_dir
        .into_iter()
        .map(|(log_dir, acc)| LogDirMappings {
            partitions: by_partition
                .keys()
                .filter(|p| p.parent() == Some(log_dir.as_path()))
                .count() as u64,
            log_dir,
            mappings: acc.totals(),
        })
        .collect();
    by_log_dir.sort_by_key(|d| std::cmp::Reverse(d.mappings.bytes));

    let mut top_partitions: Vec<PartitionMappings> = by_partition
        .into_iter()
        .map(|(dir, acc)| PartitionMappings {
            partition: dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            log_dir: dir.parent().map(Path::to_path_buf).unwrap_or_default(),
            mappings: acc.totals(),
        })
        .collect();
    // Stable order for equal sizes keeps the output reproducible between runs.
    top_partitions.sort_by(|a, b| {
        b.mappings
            .bytes
            .cmp(&a.mappings.bytes)
            .then_with(|| a.log_dir.cmp(&b.log_dir))
            .then_with(|| a.partition.cmp(&b.partition))
    });
    top_partitions.truncate(top_n);

    IndexSummary {
        totals: all.totals(),
        by_log_dir,
        top_partitions,
    }
}
