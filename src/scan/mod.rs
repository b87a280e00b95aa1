//! log dirs -> [`Inventory`]. Each log dir is listed once; partition dirs are then read in
//! parallel. Strictly read-only: files are only opened for reading, nothing is created, renamed,
//! locked or deleted.

pub mod checkpoint;
pub mod inventory;
pub mod marker;
pub mod names;
mod partition;

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

pub use inventory::*;
pub use partition::{IndexSizes, IrregularThreshold};

use crate::config::BrokerConfig;
use crate::problem::Problem;
use marker::CleanShutdown;
use names::{classify_dir, DirKind, DirName};
use partition::{scan_partition, PartitionTask};

pub const RECOVERY_POINT_FILE: &str = "recovery-point-offset-checkpoint";
pub const META_PROPERTIES_FILE: &str = "meta.properties";

#[derive(Debug, Clone)]
pub struct ScanOptions {
    pub page_size: u64,
    /// Smallest index preallocation size (log.index.size.max.bytes and any per-topic
    /// segment.index.bytes) the model will compare against; see [`IrregularThreshold`].
    pub smallest_index_max_bytes: u64,
    pub threads: Option<usize>,
    /// Stop reading partition dirs after this instant (--timeout); what was read is reported.
    pub deadline: Option<std::time::Instant>,
    /// Stat every index file (eager era), or only those Kafka touches at load.
    pub index_sizes: IndexSizes,
    /// Counts partition dirs scanned, for a progress display.
    pub progress: Option<std::sync::Arc<crate::progress::Counter>>,
}

impl ScanOptions {
    pub fn for_config(config: &BrokerConfig) -> Self {
        ScanOptions {
            page_size: page_size(),
            smallest_index_max_bytes: config.log_index_size_max_bytes.min(10 * 1024 * 1024),
            threads: None,
            deadline: None,
            index_sizes: IndexSizes {
                all: true,
                interval: config.log_index_interval_bytes,
            },
            progress: None,
        }
    }

    fn threshold(&self) -> IrregularThreshold {
        let m = self.smallest_index_max_bytes.max(12);
        IrregularThreshold {
            offset_index: m / 8 * 8,
            time_index: m / 12 * 12,
        }
    }
}

pub fn page_size() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let n = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if n > 0 {
        n as u64
    } else {
        4096
    }
}

/// A small per-dir file, read only if it is a regular file of at most `limit` bytes.
fn read_small(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    crate::fsread::read_bounded(path, limit)
}

/// The recovery-point checkpoint, streamed: only entries of partition dirs present are kept, so
/// memory follows the dirs, not the file (a 10 M-partition checkpoint is legal).
type Present = std::collections::HashMap<String, std::collections::HashSet<i32>>;

fn read_checkpoint(path: &Path, present: &Present) -> Result<checkpoint::Offsets, String> {
    let (r, _) = crate::fsread::Reader::open(path, crate::fsread::Follow::Yes, None)
        .map_err(|e| e.to_string())?;
    checkpoint::parse_reader(std::io::BufReader::with_capacity(256 << 10, r), |t, p| {
        present.get(t).is_some_and(|s| s.contains(&p))
    })
    .map_err(|e| e.to_string())
}

struct DirPlan {
    dir: LogDir,
    tasks: Vec<PartitionTask>,
}

fn unread_dir(path: &Path, role: LogDirRole) -> LogDir {
    LogDir {
        path: path.to_path_buf(),
        role,
        readable: false,
        clean_shutdown: None,
        recovery_checkpoint: CheckpointState::Missing,
        meta: None,
        partitions: Vec::new(),
        remote_index_cache: None,
        problems: Vec::new(),
    }
}

fn plan_dir(path: &Path, role: LogDirRole, metadata_here: bool) -> DirPlan {
    let mut dir = unread_dir(path, role);
    let mut tasks = Vec::new();
    match fs::metadata(path) {
        Ok(m) if !m.is_dir() => {
            dir.problems.push(Problem::error(
                path,
                "log dir is not a directory: Kafka marks it offline",
            ));
            return DirPlan { dir, tasks };
        }
        Err(e) if e.kind() == ErrorKind::NotFound => {
            dir.problems.push(Problem::warning(
                path,
                "log dir does not exist: Kafka creates it empty at start (nothing to load)",
            ));
            return DirPlan { dir, tasks };
        }
        Err(e) => {
            dir.problems
                .push(Problem::error(path, format!("cannot access log dir: {e}")));
            return DirPlan { dir, tasks };
        }
        Ok(_) => {}
    }
    let _listing = crate::fsread::in_flight(path);
    let entries = match fs::read_dir(path) {
        Ok(rd) => rd,
        Err(e) => {
            dir.problems.push(Problem::error(
                path,
                format!("cannot list log dir: {e}; run as the broker's user or root"),
            ));
            return DirPlan { dir, tasks };
        }
    };
    dir.readable = true;
    let mut has_checkpoint = false;
    let mut subdirs: Vec<(String, PathBuf)> = Vec::new();
    for entry in entries {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                dir.problems
                    .push(Problem::warning(path, format!("listing interrupted: {e}")));
                break;
            }
        };
        let epath = entry.path();
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            dir.problems.push(Problem::warning(
                &epath,
                "name is not UTF-8: Kafka reads it with replacement characters; not counted",
            ));
            continue;
        };
        let ft = match entry.file_type() {
            Ok(ft) => ft,
            Err(e) => {
                dir.problems
                    .push(Problem::warning(&epath, format!("cannot stat: {e}")));
                continue;
            }
        };
        // Kafka's File.isDirectory follows symlinks.
        let target = if ft.is_symlink() {
            match fs::metadata(&epath) {
                Ok(m) => m.file_type(),
                Err(e) => {
                    dir.problems.push(Problem::warning(
                        &epath,
                        format!("broken or looping symlink: {e}"),
                    ));
                    continue;
                }
            }
        } else {
            ft
        };
        if target.is_dir() {
            subdirs.push((name, epath));
            continue;
        }
        // FIFOs, sockets and devices: opening or reading one can block forever. Listed, never read.
        if !target.is_file() {
            if name == marker::CLEAN_SHUTDOWN_FILE && role == LogDirRole::Data {
                // Before 3.7 Kafka only checks that the marker exists; 3.7+ reads it too.
                dir.clean_shutdown = Some(CleanShutdown::Unrecognised);
                dir.problems.push(Problem::error(
                    &epath,
                    format!(
                        "{}: not read; Kafka 3.7+ reads this marker and cannot (a FIFO blocks its start), older releases count its presence as a clean shutdown",
                        non_regular_kind(target)
                    ),
                ));
            } else if [RECOVERY_POINT_FILE, META_PROPERTIES_FILE].contains(&name.as_str()) {
                dir.problems.push(Problem::stops_start(
                    &epath,
                    format!(
                        "{}: not read; Kafka cannot load it either (a FIFO blocks its start)",
                        non_regular_kind(target)
                    ),
                ));
            } else {
                dir.problems.push(Problem::warning(
                    &epath,
                    format!("{}: skipped", non_regular_kind(target)),
                ));
            }
            continue;
        }
        match name.as_str() {
            marker::CLEAN_SHUTDOWN_FILE if role == LogDirRole::Data => match read_small(&epath, crate::fsread::limits::MARKER) {
                Ok(b) => {
                    let m = marker::parse_marker(&b);
                    if m == CleanShutdown::Unrecognised {
                        dir.problems.push(Problem::warning(
                            &epath,
                            "clean-shutdown marker has unexpected content; its presence still means clean",
                        ));
                    }
                    dir.clean_shutdown = Some(m);
                }
                Err(e) if e.kind() == ErrorKind::TimedOut => dir.problems.push(Problem::error(&epath, e.to_string())),
                Err(e) => {
                    dir.clean_shutdown = Some(CleanShutdown::Unrecognised);
                    dir.problems.push(Problem::warning(&epath, format!("cannot read marker: {e}")));
                }
            },
            RECOVERY_POINT_FILE if role == LogDirRole::Data => has_checkpoint = true,
            META_PROPERTIES_FILE => match read_small(&epath, crate::fsread::limits::META_PROPERTIES).map_err(|e| (e.kind(), e.to_string())).and_then(|b| marker::parse_meta(&b).map_err(|e| (ErrorKind::InvalidData, e))) {
                Ok(m) => dir.meta = Some(m),
                Err((ErrorKind::TimedOut, e)) => dir.problems.push(Problem::error(&epath, e)),
                Err((_, e)) => dir.problems.push(Problem::stops_start(
                    &epath,
                    format!("meta.properties is unreadable or invalid ({e}): Kafka refuses to start with it"),
                )),
            },
            _ => {}
        }
    }

    let recovery_points = if role == LogDirRole::Data && has_checkpoint {
        let cp = path.join(RECOVERY_POINT_FILE);
        let mut present: Present = Present::new();
        for (name, _) in &subdirs {
            if let DirName::Log {
                topic, partition, ..
            } = classify_dir(name)
            {
                present.entry(topic).or_default().insert(partition);
            }
        }
        match read_checkpoint(&cp, &present) {
            Ok(points) => {
                dir.recovery_checkpoint = CheckpointState::Ok;
                points
            }
            // Not corrupt, just not read: the partition dirs are skipped by the same deadline.
            Err(e) if crate::fsread::expired() => {
                dir.problems
                    .push(Problem::error(&cp, format!("not read: {e}")));
                Default::default()
            }
            Err(e) => {
                dir.recovery_checkpoint = CheckpointState::Corrupt;
                dir.problems.push(Problem::error(
                    &cp,
                    format!("corrupt recovery checkpoint ({e}): Kafka 0.9+ recovers every segment of every partition in this dir; 0.8 fails to start"),
                ));
                Default::default()
            }
        }
    } else {
        if role == LogDirRole::Data && !subdirs.is_empty() {
            dir.problems.push(Problem::warning(
                path,
                "no recovery-point-offset-checkpoint: an unclean start recovers every segment in this dir",
            ));
        }
        Default::default()
    };

    for (name, epath) in subdirs {
        match classify_dir(&name) {
            DirName::Log {
                kind: DirKind::Metadata,
                topic,
                partition,
            } => {
                if metadata_here && partition == 0 {
                    tasks.push(PartitionTask {
                        dir: name,
                        topic,
                        partition,
                        kind: DirKind::Metadata,
                        recovery_point: None,
                    });
                } else {
                    dir.problems.push(Problem::info(
                        &epath,
                        "KRaft metadata log outside metadata.log.dir: ignored by Kafka",
                    ));
                }
            }
            _ if role == LogDirRole::MetadataOnly => {}
            // LogManager.loadLogs skips every dir whose topic is __cluster_metadata, suffixed
            // (-delete, -future, -stray) ones too; only the Raft manager's -0 above is loaded.
            DirName::Log { topic, .. } if topic == names::METADATA_TOPIC => {
                dir.problems.push(Problem::info(
                    &epath,
                    "__cluster_metadata dir that is not the metadata log: ignored by Kafka",
                ));
            }
            DirName::Log {
                kind,
                topic,
                partition,
            } => {
                let recovery_point = recovery_points.get(&(topic.clone(), partition)).copied();
                tasks.push(PartitionTask {
                    dir: name,
                    topic,
                    partition,
                    kind,
                    recovery_point,
                });
            }
            DirName::RemoteIndexCache => {
                dir.remote_index_cache = Some(scan_remote_cache(&epath, &mut dir.problems));
            }
            // lost+found is the usual one: a filesystem's root used directly as a log dir.
            DirName::Invalid => dir.problems.push(
                Problem::stops_start(
                    &epath,
                    format!("{name:?} is not a topic-partition directory: Kafka throws at start-up and this log dir fails"),
                )
                .with_fix("move it out of the log dir (for lost+found: point log.dirs at a subdirectory of the mount)"),
            ),
        }
    }
    DirPlan { dir, tasks }
}

/// What a non-regular directory entry is, for the problem that lists it.
pub(crate) fn non_regular_kind(t: fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if t.is_fifo() {
        "a FIFO, not a regular file"
    } else if t.is_socket() {
        "a socket, not a regular file"
    } else if t.is_char_device() || t.is_block_device() {
        "a device, not a regular file"
    } else {
        "not a regular file"
    }
}

/// remote-log-index-cache is a nested tree of cached remote indexes: a recursive walk fits.
fn scan_remote_cache(path: &Path, problems: &mut Vec<Problem>) -> RemoteIndexCache {
    let page = page_size();
    let mut c = RemoteIndexCache::default();
    for entry in walkdir::WalkDir::new(path).max_depth(4) {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                problems.push(Problem::warning(path, format!("remote index cache: {e}")));
                continue;
            }
        };
        let name = entry.file_name().to_string_lossy();
        if name.ends_with(".index") || name.ends_with(".timeindex") {
            let len = entry.metadata().map(|m| m.len()).unwrap_or(0);
            c.index_files += 1;
            c.index_map_bytes += page_round(len, page);
            c.index_maps += u64::from(len > 0);
        } else if name.ends_with(".txnindex") {
            c.txn_index_files += 1;
        }
    }
    c
}

/// Scans every log dir of `config` (and metadata.log.dir when it is separate).
pub fn scan(config: &BrokerConfig, opts: &ScanOptions) -> Inventory {
    // LogManager.createAndValidateLogDirs compares canonical paths and throws on a repeat.
    let mut problems: Vec<Problem> = config
        .duplicate_log_dirs
        .iter()
        .map(|(entry, canonical)| {
            Problem::stops_start(
                entry,
                format!(
                    "same directory as {} (canonical path): Kafka refuses to start (\"Duplicate log directory found\"); counted once",
                    canonical.display()
                ),
            )
        })
        .collect();
    let mut dirs: Vec<(PathBuf, LogDirRole)> = config
        .log_dirs
        .iter()
        .map(|d| (d.clone(), LogDirRole::Data))
        .collect();
    if let Some(m) = &config.metadata_log_dir {
        if !config.log_dirs.contains(m) {
            dirs.push((m.clone(), LogDirRole::MetadataOnly));
        }
    }
    let metadata_dir = config.metadata_log_dir.as_deref();
    // Duplicates (same canonical path) were already dropped, and reported, by the config.
    let plans: Vec<DirPlan> = dirs
        .par_iter()
        .map(|(path, role)| plan_dir(path, *role, Some(path.as_path()) == metadata_dir))
        .collect();

    let page = opts.page_size;
    let threshold = opts.threshold();
    let mut plans = plans;
    let jobs: Vec<(usize, PathBuf, PartitionTask)> = plans
        .iter_mut()
        .enumerate()
        .flat_map(|(i, plan)| {
            let dir = plan.dir.path.clone();
            std::mem::take(&mut plan.tasks)
                .into_iter()
                .map(move |t| (i, dir.join(&t.dir), t))
        })
        .collect();
    let skipped = std::sync::atomic::AtomicU64::new(0);
    let deadline = opts.deadline;
    let run = || {
        if let Some(c) = &opts.progress {
            c.set_total(jobs.len() as u64);
        }
        jobs.into_par_iter()
            .map(|(i, path, task)| {
                let mut probs = Vec::new();
                if deadline.is_some_and(|d| std::time::Instant::now() >= d) {
                    skipped.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    return (i, None, probs, true);
                }
                let p = scan_partition(&path, task, page, threshold, opts.index_sizes, &mut probs);
                if let Some(c) = &opts.progress {
                    c.bump();
                }
                (i, p, probs, false)
            })
            .collect::<Vec<_>>()
    };
    let results = match opts.threads {
        Some(n) => match rayon::ThreadPoolBuilder::new().num_threads(n).build() {
            Ok(pool) => pool.install(run),
            Err(e) => {
                problems.push(Problem::warning(
                    "",
                    format!("thread pool: {e}; using the default"),
                ));
                run()
            }
        },
        None => run(),
    };

    let mut log_dirs: Vec<LogDir> = plans.into_iter().map(|p| p.dir).collect();
    let mut skipped_in = vec![0u64; log_dirs.len()];
    for (i, p, probs, skip) in results {
        log_dirs[i].problems.extend(probs);
        skipped_in[i] += u64::from(skip);
        if let Some(p) = p {
            log_dirs[i].partitions.push(p);
        }
    }
    for d in &mut log_dirs {
        d.partitions.sort_by(|a, b| a.dir.cmp(&b.dir));
    }
    check_cluster_ids(&log_dirs, &mut problems);
    check_replicas_in_one_dir(&log_dirs, &mut problems);
    let skipped = skipped.into_inner();
    if skipped > 0 {
        let named: Vec<String> = log_dirs
            .iter()
            .zip(&skipped_in)
            .filter(|(_, n)| **n > 0)
            .map(|(d, n)| format!("{} ({n})", d.path.display()))
            .collect();
        problems.push(Problem::error(
            "",
            format!("scan stopped at --timeout: {skipped} partition dir(s) not read, in {}; the numbers cover only what was read", named.join(", ")),
        ));
    }
    Inventory {
        log_dirs,
        page_size: page,
        problems,
        incomplete: skipped > 0,
    }
}

/// LogManager.loadLog throws "Duplicate log directories for <tp> are found in both <a> and <b>"
/// when one partition's current replica exists in two log dirs (a -future copy is expected).
fn check_replicas_in_one_dir(dirs: &[LogDir], problems: &mut Vec<Problem>) {
    let mut seen: std::collections::HashMap<(&str, i32), &Path> = std::collections::HashMap::new();
    for d in dirs {
        for p in d.partitions.iter().filter(|p| p.kind == DirKind::Partition) {
            if let Some(first) = seen.insert((p.topic.as_str(), p.partition), &d.path) {
                problems.push(Problem::stops_start(
                    d.path.join(&p.dir),
                    format!(
                        "{} is also in {}: Kafka refuses to start (\"Duplicate log directories for {}-{} are found\")",
                        p.dir,
                        first.display(),
                        p.topic,
                        p.partition
                    ),
                ));
            }
        }
    }
}

/// Kafka refuses to start when log dirs disagree on cluster.id (or on the broker/node id).
fn check_cluster_ids(dirs: &[LogDir], problems: &mut Vec<Problem>) {
    let mut ids = dirs.iter().filter_map(|d| {
        d.meta
            .as_ref()
            .and_then(|m| m.cluster_id.as_deref())
            .map(|c| (d, c))
    });
    if let Some((first_dir, first)) = ids.next() {
        for (d, c) in ids {
            if c != first {
                problems.push(Problem::stops_start(
                    d.path.join(META_PROPERTIES_FILE),
                    format!(
                        "cluster.id {c:?} differs from {first:?} in {}: Kafka refuses to start",
                        first_dir.path.display()
                    ),
                ));
            }
        }
    }
}
