//! Kafka's index mappings among a process's maps. Kafka mmaps each segment's .index and
//! .timeindex; on Linux a resized index is unmapped only when the GC collects the old
//! MappedByteBuffer, so during recovery one file can be mapped several times at once.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::ffi::OsStr;
use std::hash::{BuildHasherDefault, Hasher};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use serde::Serialize;

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
    is_index_file(path.as_os_str().as_bytes())
}

/// [`is_index_path`] on the bytes of a maps line: this runs for every line of every sample.
pub fn is_index_file(path: &[u8]) -> bool {
    path.ends_with(b".index") || path.ends_with(b".timeindex")
}

/// The directory part of an absolute, normalized maps path, as bytes (`Path::parent` parses
/// components, several times slower at 100k+ paths).
fn parent(p: &[u8]) -> &[u8] {
    match p.iter().rposition(|c| *c == b'/') {
        Some(0) => b"/",
        Some(i) => &p[..i],
        None => b"",
    }
}

fn file_name(p: &[u8]) -> &[u8] {
    p.iter()
        .rposition(|c| *c == b'/')
        .map_or(p, |i| &p[i + 1..])
}

fn path_buf(b: &[u8]) -> PathBuf {
    PathBuf::from(OsStr::from_bytes(b))
}

/// One index mapping; its path is a range of the maps text, not a copy.
#[derive(Debug, Clone, Copy)]
struct Rec {
    dev: u64,
    inode: u64,
    len: u64,
    path_at: usize,
    path_end: usize,
    deleted: bool,
}

impl Rec {
    fn path<'t>(&self, text: &'t [u8]) -> &'t [u8] {
        &text[self.path_at..self.path_end]
    }
}

/// Device and inode tell two files at one path apart (a deleted index and its successor);
/// the path stands in when a filesystem reports inode 0 (some FUSE and overlay setups).
fn same_file(text: &[u8], a: &Rec, b: &Rec) -> Ordering {
    (a.dev, a.inode).cmp(&(b.dev, b.inode)).then_with(|| {
        if a.inode == 0 {
            a.path(text).cmp(b.path(text))
        } else {
            Ordering::Equal
        }
    })
}

/// The index mappings of one maps text, kept between samples so that folding allocates only
/// when the process has more index mappings than ever before.
#[derive(Debug, Default)]
pub struct IndexFold {
    recs: Vec<Rec>,
    map_areas: u64,
}

impl IndexFold {
    /// Parses `text` (a whole /proc/PID/maps) and keeps its index mappings.
    pub fn fold(&mut self, text: &[u8]) -> Result<(), String> {
        self.recs.clear();
        let recs = &mut self.recs;
        self.map_areas = super::maps::for_each_line(text, |l| {
            if is_index_file(l.path) {
                recs.push(Rec {
                    dev: l.dev,
                    inode: l.inode,
                    len: l.len(),
                    path_at: l.path_at,
                    path_end: l.path_at + l.path.len(),
                    deleted: l.deleted,
                });
            }
        })?;
        Ok(())
    }

    pub fn map_areas(&self) -> u64 {
        self.map_areas
    }

    /// Totals only; cheap enough for every watch sample. Sorting by file and counting runs is
    /// cheaper than a hash set at 100k+ mappings, which is when this matters.
    pub fn totals(&mut self, text: &[u8]) -> IndexMappings {
        self.recs.sort_unstable_by(|a, b| same_file(text, a, b));
        let mut t = IndexMappings::default();
        for r in &self.recs {
            t.count += 1;
            t.bytes += r.len;
            t.deleted += u64::from(r.deleted);
        }
        for run in self
            .recs
            .chunk_by(|a, b| same_file(text, a, b) == Ordering::Equal)
        {
            t.files += 1;
            t.files_mapped_more_than_once += u64::from(run.len() > 1);
        }
        t
    }

    /// Totals, and the same numbers by log dir (`<log dir>/<partition>/<offset>.index`) and for
    /// the `top_n` partitions with the most mapped bytes.
    pub fn summary(&mut self, text: &[u8], top_n: usize) -> IndexSummary {
        let totals = self.totals(text);
        let recs = &self.recs;

        let mut partitions = Groups::with_capacity(recs.len());
        // Sorted by inode, a partition's indexes are mostly neighbours (created together):
        // comparing with the last one saves most hash lookups.
        let mut last: Option<(&[u8], usize)> = None;
        let part_of: Vec<usize> = recs
            .iter()
            .map(|r| {
                let dir = parent(r.path(text));
                let g = match last {
                    Some((d, g)) if d == dir => g,
                    _ => partitions.intern(dir),
                };
                last = Some((dir, g));
                partitions.add_at(g, r);
                g
            })
            .collect();
        let mut dirs = Groups::with_capacity(partitions.len().min(64));
        let dir_of_part: Vec<usize> = (0..partitions.len())
            .map(|p| dirs.intern(parent(partitions.names[p])))
            .collect();
        for (r, p) in recs.iter().zip(&part_of) {
            dirs.add_at(dir_of_part[*p], r);
        }
        for d in &dir_of_part {
            dirs.members[*d] += 1;
        }

        // Files and files mapped more than once, per group: the mappings of one file are one
        // run of the sorted records, almost always all in one partition (a hard link or a
        // renamed dir can split it).
        let mut scratch = Vec::new();
        let mut start = 0;
        for run in recs.chunk_by(|a, b| same_file(text, a, b) == Ordering::Equal) {
            let members = &part_of[start..start + run.len()];
            start += run.len();
            partitions.count_file(members.iter().copied(), &mut scratch);
            dirs.count_file(members.iter().map(|p| dir_of_part[*p]), &mut scratch);
        }

        let mut by_log_dir: Vec<LogDirMappings> = (0..dirs.len())
            .map(|d| LogDirMappings {
                log_dir: path_buf(dirs.names[d]),
                partitions: dirs.members[d],
                mappings: dirs.totals[d],
            })
            .collect();
        // Stable order for equal sizes keeps the output reproducible between runs.
        by_log_dir.sort_by(|a, b| {
            b.mappings
                .bytes
                .cmp(&a.mappings.bytes)
                .then_with(|| a.log_dir.as_os_str().cmp(b.log_dir.as_os_str()))
        });

        let top_partitions = partitions
            .largest(top_n)
            .into_iter()
            .map(|p| {
                let dir = partitions.names[p];
                PartitionMappings {
                    partition: String::from_utf8_lossy(file_name(dir)).into_owned(),
                    log_dir: path_buf(parent(dir)),
                    mappings: partitions.totals[p],
                }
            })
            .collect();

        IndexSummary {
            totals,
            by_log_dir,
            top_partitions,
        }
    }
}

/// Totals per directory, keyed by the directory's bytes in the maps text.
struct Groups<'t> {
    index: HashMap<&'t [u8], usize, BuildHasherDefault<FxHasher>>,
    names: Vec<&'t [u8]>,
    totals: Vec<IndexMappings>,
    /// Partitions, for a log dir.
    members: Vec<u64>,
}

impl<'t> Groups<'t> {
    fn with_capacity(n: usize) -> Self {
        Groups {
            index: HashMap::with_capacity_and_hasher(n, Default::default()),
            names: Vec::with_capacity(n),
            totals: Vec::with_capacity(n),
            members: Vec::with_capacity(n),
        }
    }

    fn len(&self) -> usize {
        self.names.len()
    }

    fn intern(&mut self, name: &'t [u8]) -> usize {
        *self.index.entry(name).or_insert_with(|| {
            self.names.push(name);
            self.totals.push(IndexMappings::default());
            self.members.push(0);
            self.names.len() - 1
        })
    }

    fn add_at(&mut self, g: usize, r: &Rec) {
        let t = &mut self.totals[g];
        t.count += 1;
        t.bytes += r.len;
        t.deleted += u64::from(r.deleted);
    }

    /// One file whose mappings fall into the groups `members` (one entry per mapping).
    fn count_file(&mut self, mut members: impl Iterator<Item = usize>, scratch: &mut Vec<usize>) {
        let Some(first) = members.next() else { return };
        scratch.clear();
        scratch.push(first);
        scratch.extend(members);
        if scratch.iter().all(|g| *g == first) {
            self.totals[first].files += 1;
            self.totals[first].files_mapped_more_than_once += u64::from(scratch.len() > 1);
            return;
        }
        scratch.sort_unstable();
        for run in scratch.chunk_by(|a, b| a == b) {
            self.totals[run[0]].files += 1;
            self.totals[run[0]].files_mapped_more_than_once += u64::from(run.len() > 1);
        }
    }

    /// The `n` groups with the most bytes, largest first, ties by name; selecting before
    /// sorting keeps this linear in the number of partitions.
    fn largest(&self, n: usize) -> Vec<usize> {
        let order = |a: &usize, b: &usize| {
            self.totals[*b]
                .bytes
                .cmp(&self.totals[*a].bytes)
                .then_with(|| self.names[*a].cmp(self.names[*b]))
        };
        let mut all: Vec<usize> = (0..self.len()).collect();
        if n == 0 {
            return Vec::new();
        }
        if all.len() > n {
            all.select_nth_unstable_by(n - 1, order);
            all.truncate(n);
        }
        all.sort_unstable_by(order);
        all
    }
}

/// FxHash (rustc's) with a final mix: partition paths are hashed once per index mapping, and
/// SipHash's resistance to chosen keys buys nothing against a process's own maps. The mix is
/// needed because a multiply only carries upwards: paths that differ in the top bytes of their
/// last word (`/t-12345`, `/t-12346`) would otherwise share the low bits that pick a bucket.
#[derive(Default)]
struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for w in &mut words {
            self.add(u64::from_le_bytes(w.try_into().unwrap_or_default()));
        }
        let tail = words.remainder();
        if !tail.is_empty() {
            let mut w = [0u8; 8];
            w[..tail.len()].copy_from_slice(tail);
            self.add(u64::from_le_bytes(w));
        }
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn finish(&self) -> u64 {
        // MurmurHash3's fmix64.
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

impl FxHasher {
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

/// Totals of a maps text (tests, one-off callers).
pub fn totals(text: &[u8]) -> Result<IndexMappings, String> {
    let mut f = IndexFold::default();
    f.fold(text)?;
    Ok(f.totals(text))
}

/// Summary of a maps text (tests, one-off callers).
pub fn summarize(text: &[u8], top_n: usize) -> Result<IndexSummary, String> {
    let mut f = IndexFold::default();
    f.fold(text)?;
    Ok(f.summary(text, top_n))
}
