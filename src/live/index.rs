//! Kafka's index mappings among a process's maps. Kafka mmaps each segment's .index and
//! .timeindex; on Linux a resized index is unmapped only when the GC collects the old
//! MappedByteBuffer, so during recovery one file can be mapped several times at once.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
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
/// stripped by the parser). Compared as bytes: this runs for every line of every sample.
pub fn is_index_path(path: &Path) -> bool {
    let b = path.as_os_str().as_bytes();
    b.ends_with(b".index") || b.ends_with(b".timeindex")
}

/// `Path::parent` without its component parsing; maps paths are absolute and normalized.
fn parent(p: &Path) -> &Path {
    let b = p.as_os_str().as_bytes();
    match b.iter().rposition(|c| *c == b'/') {
        Some(0) => Path::new("/"),
        Some(i) => Path::new(OsStr::from_bytes(&b[..i])),
        None => Path::new(""),
    }
}

#[derive(Default)]
struct Acc<'a> {
    count: u64,
    bytes: u64,
    deleted: u64,
    /// One entry per mapping; sorted and counted in runs by `totals` (cheaper than a hash
    /// map at 100k+ mappings, which is when this matters).
    files: Vec<FileKey<'a>>,
}

/// Device and inode tell two files at one path apart (a deleted index and its successor);
/// the path stands in when a filesystem reports inode 0 (some FUSE and overlay setups).
#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum FileKey<'a> {
    Inode((i32, i32), u64),
    Path(&'a Path),
}

impl<'a> Acc<'a> {
    fn add(&mut self, m: &Mapping, path: &'a Path) {
        self.count += 1;
        self.bytes += m.len();
        self.deleted += u64::from(m.deleted);
        let key = if m.inode != 0 {
            FileKey::Inode(m.dev, m.inode)
        } else {
            FileKey::Path(path)
        };
        self.files.push(key);
    }

    fn totals(&mut self) -> IndexMappings {
        self.files.sort_unstable();
        let (mut files, mut more_than_once) = (0, 0);
        for run in self.files.chunk_by(|a, b| a == b) {
            files += 1;
            more_than_once += u64::from(run.len() > 1);
        }
        IndexMappings {
            count: self.count,
            bytes: self.bytes,
            files,
            files_mapped_more_than_once: more_than_once,
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
    // Keyed by borrowed paths: a broker in trouble has 100k+ index mappings, and this runs
    // on every `inspect`.
    // OsStr hashes its bytes; Path hashes component by component, several times slower.
    let mut by_partition: HashMap<&OsStr, Acc> = HashMap::new();
    for (m, p) in index_mappings(maps) {
        all.add(m, p);
        // <log dir>/<topic-partition>/<offset>.index
        by_partition
            .entry(parent(p).as_os_str())
            .or_default()
            .add(m, p);
    }

    let mut by_dir: HashMap<&OsStr, (Acc, u64)> = HashMap::new();
    for (m, p) in index_mappings(maps) {
        by_dir
            .entry(parent(parent(p)).as_os_str())
            .or_default()
            .0
            .add(m, p);
    }
    for partition in by_partition.keys() {
        if let Some((_, n)) = by_dir.get_mut(parent(Path::new(partition)).as_os_str()) {
            *n += 1;
        }
    }

    let mut by_log_dir: Vec<LogDirMappings> = by_dir
        .into_iter()
        .map(|(log_dir, (mut acc, partitions))| LogDirMappings {
            log_dir: PathBuf::from(log_dir),
            partitions,
            mappings: acc.totals(),
        })
        .collect();
    by_log_dir.sort_by(|a, b| {
        b.mappings
            .bytes
            .cmp(&a.mappings.bytes)
            .then_with(|| a.log_dir.cmp(&b.log_dir))
    });

    let mut top: Vec<(&Path, IndexMappings)> = by_partition
        .into_iter()
        .map(|(dir, mut acc)| (Path::new(dir), acc.totals()))
        .collect();
    // Stable order for equal sizes keeps the output reproducible between runs.
    top.sort_by(|(da, a), (db, b)| b.bytes.cmp(&a.bytes).then_with(|| da.cmp(db)));
    top.truncate(top_n);
    let top_partitions = top
        .into_iter()
        .map(|(dir, mappings)| PartitionMappings {
            partition: dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            log_dir: parent(dir).to_path_buf(),
            mappings,
        })
        .collect();

    IndexSummary {
        totals: all.totals(),
        by_log_dir,
        top_partitions,
    }
}
