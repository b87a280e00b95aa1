//! Read-only reader of a KRaft metadata log (`__cluster_metadata-0`): the newest usable
//! snapshot (`<offset>-<epoch>.checkpoint`) plus the log segments' records from the snapshot's
//! end offset on, replayed the way the broker builds its MetadataImage, reduced to what the
//! index-size model needs: live topics, their partition counts and config overrides, and the
//! dynamic broker configs.
//!
//! Files are only ever opened for reading. Damage never panics: a corrupt or cut-short batch
//! becomes a [`Problem`] naming the file, byte position and offset, and reading stops there
//! (what Kafka's log recovery would truncate), keeping everything read before it.
//!
//! Kafka behaviour this relies on (checked against a real Kafka 4.0.0 log, see the tests):
//! - Deleting a topic writes only a RemoveTopicRecord; its ConfigRecords stay in the log. Kafka's
//!   replay (MetadataDelta / ReplicationControlManager) drops the topic's configs by name at
//!   that point, and snapshots taken afterwards no longer contain them; so does this reader, and
//!   a topic re-created under the same name starts without overrides.
//! - The snapshot `<end offset>-<epoch>.checkpoint` holds the state *before* `end offset`;
//!   record offsets inside it start at 0. `.checkpoint.part` / `.deleted` files and the
//!   `<offset>.snapshot` producer-state files are not metadata snapshots and are ignored.
//! - A damaged newest snapshot falls back to the previous one (the log must still hold the
//!   records after it); a snapshot without its SnapshotFooter counts as damaged.
//! - Records inside an aborted metadata transaction (Begin/Abort, KIP-868) are not applied.
//! - Every record on disk is applied, including any past the quorum's high watermark, which is
//!   not stored on disk. On a single controller those are committed at the next start; with
//!   several controllers a new leader could still truncate them.

pub mod batch;
pub mod records;
pub mod wire;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use crate::problem::Problem;
use batch::{Batch, BatchError, BatchHeader, LOG_OVERHEAD};
use records::MetadataRecord;
pub use wire::Uuid;

/// The partition directory name of the metadata log.
pub const METADATA_PARTITION_DIR: &str = "__cluster_metadata-0";

/// Control record types (ControlRecordType) that matter here.
const CONTROL_SNAPSHOT_FOOTER: i16 = 4;

/// A live topic as the replayed metadata has it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TopicImage {
    pub name: String,
    pub topic_id: Uuid,
    pub partitions: u32,
    /// Topic-level overrides (ConfigRecord resourceType 2), key -> value.
    pub configs: BTreeMap<String, String>,
}

/// The snapshot the image starts from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SnapshotInfo {
    #[serde(serialize_with = "crate::problem::lossy_path")]
    pub path: PathBuf,
    /// Offset of the first log record *not* contained in the snapshot.
    pub end_offset: i64,
    pub epoch: i32,
    pub records: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MetadataImage {
    /// The `__cluster_metadata-0` directory read.
    #[serde(serialize_with = "crate::problem::lossy_path")]
    pub dir: PathBuf,
    pub snapshot: Option<SnapshotInfo>,
    /// Live topics by name.
    pub topics: BTreeMap<String, TopicImage>,
    /// Dynamic broker configs (ConfigRecord resourceType 4) by resource name: a broker id, or ""
    /// for the cluster-wide default.
    pub broker_configs: BTreeMap<String, BTreeMap<String, String>>,
    /// FeatureLevelRecords (metadata.version etc.).
    pub features: BTreeMap<String, i16>,
    /// The last log offset applied (snapshot end - 1 when the log tail is empty).
    pub last_offset: Option<i64>,
    /// Metadata records decoded, snapshot and log tail together (control records excluded).
    pub records_read: u64,
    /// Records per type name (`apiKey-N` for types this tool does not know).
    pub record_counts: BTreeMap<String, u64>,
    /// apiKeys this tool has no name for, with their counts; those records were skipped.
    pub unknown_record_types: BTreeMap<u16, u64>,
    pub problems: Vec<Problem>,
}

impl MetadataImage {
    /// The dynamic per-broker configs of `node_id`, if any.
    pub fn broker(&self, node_id: i32) -> Option<&BTreeMap<String, String>> {
        self.broker_configs.get(&node_id.to_string())
    }
    /// The cluster-wide dynamic default broker configs, if any.
    pub fn cluster_default(&self) -> Option<&BTreeMap<String, String>> {
        self.broker_configs.get("")
    }
}

/// Replay state. Configs are kept by name exactly as ConfigRecords set them; a RemoveTopicRecord
/// drops the topic's configs, as Kafka's own replay does (no ConfigRecord is written for that).
#[derive(Debug, Clone, Default)]
struct State {
    topics: HashMap<Uuid, (String, BTreeSet<i32>)>,
    topic_configs: BTreeMap<String, BTreeMap<String, String>>,
    broker_configs: BTreeMap<String, BTreeMap<String, String>>,
    features: BTreeMap<String, i16>,
    /// Records of an open metadata transaction (Begin..End/Abort), applied on End only.
    pending: Option<Vec<(i64, MetadataRecord)>>,
    records_read: u64,
    record_counts: BTreeMap<String, u64>,
    unknown: BTreeMap<u16, u64>,
}

impl State {
    fn count(&mut self, rec: &MetadataRecord) {
        self.records_read += 1;
        let key = rec.api_key();
        let name = match records::type_name(key) {
            Some(n) => n.to_string(),
            None => {
                *self.unknown.entry(key).or_default() += 1;
                format!("apiKey-{key}")
            }
        };
        *self.record_counts.entry(name).or_default() += 1;
    }

    /// Feeds one record, handling metadata transactions.
    fn feed(&mut self, offset: i64, rec: MetadataRecord, file: &Path, problems: &mut Vec<Problem>) {
        self.count(&rec);
        match rec {
            MetadataRecord::BeginTransaction => {
                if self.pending.is_some() {
                    problems.push(Problem::warning(
                        file,
                        format!(
                            "offset {offset}: BeginTransactionRecord inside an open transaction"
                        ),
                    ));
                }
                self.pending = Some(Vec::new());
            }
            MetadataRecord::EndTransaction => {
                for (o, r) in self.pending.take().unwrap_or_default() {
                    self.apply(o, r, file, problems);
                }
            }
            MetadataRecord::AbortTransaction => self.pending = None,
            rec => match &mut self.pending {
                Some(p) => p.push((offset, rec)),
                None => self.apply(offset, rec, file, problems),
            },
        }
    }

    fn apply(
        &mut self,
        offset: i64,
        rec: MetadataRecord,
        file: &Path,
        problems: &mut Vec<Problem>,
    ) {
        match rec {
            MetadataRecord::Topic { name, topic_id } => {
                self.topics.insert(topic_id, (name, BTreeSet::new()));
            }
            MetadataRecord::Partition {
                partition_id,
                topic_id,
            } => match self.topics.get_mut(&topic_id) {
                Some((_, parts)) => {
                    parts.insert(partition_id);
                }
                None => problems.push(Problem::warning(
                    file,
                    format!("offset {offset}: PartitionRecord for unknown topic id {topic_id}"),
                )),
            },
            MetadataRecord::RemoveTopic { topic_id } => match self.topics.remove(&topic_id) {
                Some((name, _)) => {
                    self.topic_configs.remove(&name);
                }
                None => problems.push(Problem::warning(
                    file,
                    format!("offset {offset}: RemoveTopicRecord for unknown topic id {topic_id}"),
                )),
            },
            MetadataRecord::Config {
                resource_type,
                resource_name,
                name,
                value,
            } => {
                let map = match resource_type {
                    records::RESOURCE_TOPIC => &mut self.topic_configs,
                    records::RESOURCE_BROKER => &mut self.broker_configs,
                    // Broker loggers, client metrics, groups: nothing the index model uses.
                    _ => return,
                };
                match value {
                    Some(v) => {
                        map.entry(resource_name).or_default().insert(name, v);
                    }
                    None => {
                        if let Some(m) = map.get_mut(&resource_name) {
                            m.remove(&name);
                            if m.is_empty() {
                                map.remove(&resource_name);
                            }
                        }
                    }
                }
            }
            MetadataRecord::FeatureLevel { name, level } => {
                // Level 0 removes a feature (FeatureControlManager).
                if level == 0 {
                    self.features.remove(&name);
                } else {
                    self.features.insert(name, level);
                }
            }
            MetadataRecord::BeginTransaction
            | MetadataRecord::EndTransaction
            | MetadataRecord::AbortTransaction
            | MetadataRecord::Other { .. } => {}
        }
    }
}

fn parse_digits(s: &str, n: usize) -> Option<i64> {
    (s.len() == n && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// `<20-digit offset>-<10-digit epoch>.checkpoint` -> (end offset, epoch).
pub fn parse_snapshot_name(name: &str) -> Option<(i64, i32)> {
    let stem = name.strip_suffix(".checkpoint")?;
    let (off, epoch) = stem.split_once('-')?;
    Some((
        parse_digits(off, 20)?,
        i32::try_from(parse_digits(epoch, 10)?).ok()?,
    ))
}

/// `<20-digit base offset>.log` -> base offset.
pub fn parse_segment_name(name: &str) -> Option<i64> {
    parse_digits(name.strip_suffix(".log")?, 20)
}

/// Where a batch sits, for messages.
struct At<'a> {
    file: &'a Path,
    pos: u64,
    base_offset: Option<i64>,
}

impl At<'_> {
    fn describe(&self) -> String {
        match self.base_offset {
            Some(o) => format!("batch at byte {} (base offset {o})", self.pos),
            None => format!("batch at byte {}", self.pos),
        }
    }
}

/// How reading a file ended.
enum End {
    Clean,
    /// Stopped at a damaged batch: the problem to report.
    Damaged(Problem),
}

/// Reads one file batch by batch, calling `f` on each good batch, stopping at the first bad one.
/// Streams the file so a large segment is never held in memory whole.
fn read_batches(path: &Path, mut f: impl FnMut(&Batch, u64)) -> Result<End, std::io::Error> {
    // Regular files only (a FIFO segment would block the open), stopping at --timeout.
    let (file, meta) = crate::fsread::Reader::open(path, crate::fsread::Follow::Yes, None)?;
    let len = meta.len();
    let mut rd = BufReader::with_capacity(256 * 1024, file);
    let mut pos: u64 = 0;
    let mut buf = Vec::new();
    loop {
        let left = len - pos;
        if left == 0 {
            return Ok(End::Clean);
        }
        let mut at = At {
            file: path,
            pos,
            base_offset: None,
        };
        if left < LOG_OVERHEAD as u64 {
            return Ok(End::Damaged(truncated(
                &at,
                format!("{left} stray bytes at the end"),
            )));
        }
        let mut head = [0u8; LOG_OVERHEAD];
        rd.read_exact(&mut head)?;
        let base_offset = i64::from_be_bytes(head[..8].try_into().expect("8 bytes"));
        let batch_length = i32::from_be_bytes(head[8..].try_into().expect("4 bytes"));
        at.base_offset = Some(base_offset);
        let size = match batch::declared_size(batch_length) {
            Ok(s) => s,
            Err(e) => return Ok(End::Damaged(damaged(&at, &e))),
        };
        if size as u64 > left {
            let e = BatchError::Truncated(format!(
                "declares {size} bytes but the file ends after {left}"
            ));
            return Ok(End::Damaged(damaged(&at, &e)));
        }
        buf.clear();
        buf.extend_from_slice(&head);
        buf.resize(size, 0);
        rd.read_exact(&mut buf[LOG_OVERHEAD..])?;
        match Batch::parse(&buf) {
            Ok(b) => f(&b, pos),
            Err(e) => return Ok(End::Damaged(damaged(&at, &e))),
        }
        pos += size as u64;
    }
}

fn truncated(at: &At<'_>, msg: String) -> Problem {
    damaged(at, &BatchError::Truncated(msg))
}

fn damaged(at: &At<'_>, e: &BatchError) -> Problem {
    let tail = "reading of this file stopped here (Kafka's log recovery truncates at such a batch)";
    match e {
        // A cut-short last batch is what a crash mid-append leaves; Kafka recovers from it.
        BatchError::Truncated(_) => {
            Problem::warning(at.file, format!("{}: {e}; {tail}", at.describe()))
        }
        BatchError::Corrupt(_) => {
            Problem::error(at.file, format!("{}: {e}; {tail}", at.describe()))
        }
    }
}

fn decode_into(
    state: &mut State,
    batch: &Batch,
    min_offset: i64,
    file: &Path,
    problems: &mut Vec<Problem>,
) -> Option<i64> {
    let mut last = None;
    for rec in &batch.records {
        if rec.offset < min_offset {
            continue;
        }
        last = Some(rec.offset);
        let Some(value) = rec.value.as_deref() else {
            problems.push(Problem::warning(
                file,
                format!(
                    "offset {}: metadata record without a value, skipped",
                    rec.offset
                ),
            ));
            continue;
        };
        match records::decode(value) {
            Ok(r) => state.feed(rec.offset, r, file, problems),
            Err(e) => problems.push(Problem::warning(
                file,
                format!(
                    "offset {}: undecodable metadata record skipped: {e}",
                    rec.offset
                ),
            )),
        }
    }
    last
}

/// Reads a snapshot into a fresh state; `Err` = unusable (the problem says why).
fn read_snapshot(
    path: &Path,
    end_offset: i64,
    epoch: i32,
) -> Result<(State, SnapshotInfo, Vec<Problem>), Problem> {
    let mut state = State::default();
    let mut problems = Vec::new();
    let mut footer = false;
    let end = read_batches(path, |b, _| {
        if b.header.is_control() {
            footer |= b
                .records
                .iter()
                .any(|r| control_type(r) == Some(CONTROL_SNAPSHOT_FOOTER));
            return;
        }
        decode_into(&mut state, b, i64::MIN, path, &mut problems);
    })
    .map_err(|e| Problem::error(path, format!("cannot read snapshot: {e}")))?;
    if let End::Damaged(p) = end {
        return Err(Problem::error(
            path,
            format!("snapshot unusable: {}", p.message),
        ));
    }
    if !footer {
        return Err(Problem::error(
            path,
            "snapshot unusable: no SnapshotFooter control record (incomplete snapshot)",
        ));
    }
    if state.pending.is_some() {
        problems.push(Problem::warning(
            path,
            "snapshot ends inside a metadata transaction",
        ));
    }
    let info = SnapshotInfo {
        path: path.to_path_buf(),
        end_offset,
        epoch,
        records: state.records_read,
    };
    Ok((state, info, problems))
}

/// ControlRecordType from a control record's key (version i16, type i16).
fn control_type(r: &batch::Record) -> Option<i16> {
    let k = r.key.as_deref()?;
    (k.len() >= 4).then(|| i16::from_be_bytes([k[2], k[3]]))
}

/// Finds the metadata partition dir: `dir` itself, or `dir/__cluster_metadata-0`.
pub fn metadata_partition_dir(dir: &Path) -> PathBuf {
    let nested = dir.join(METADATA_PARTITION_DIR);
    if dir.file_name().and_then(|n| n.to_str()) != Some(METADATA_PARTITION_DIR) && nested.is_dir() {
        nested
    } else {
        dir.to_path_buf()
    }
}

/// Reads the metadata log in `dir` (the `__cluster_metadata-0` directory, or the log dir that
/// holds it). Never fails: what could not be read is reported in `problems`.
pub fn read_metadata_log(dir: &Path) -> MetadataImage {
    let dir = metadata_partition_dir(dir);
    let mut problems = Vec::new();
    let mut snapshots = Vec::new();
    let mut segments = Vec::new();
    let listing = crate::fsread::in_flight(&dir);
    match std::fs::read_dir(&dir) {
        Ok(entries) => {
            for e in entries.flatten() {
                let name = e.file_name();
                let Some(name) = name.to_str() else { continue };
                if let Some((off, epoch)) = parse_snapshot_name(name) {
                    snapshots.push((off, epoch, e.path()));
                } else if let Some(base) = parse_segment_name(name) {
                    segments.push((base, e.path()));
                }
            }
        }
        Err(e) => problems.push(Problem::error(
            &dir,
            format!("cannot list the metadata log: {e}"),
        )),
    }
    drop(listing);
    snapshots.sort();
    segments.sort();

    // Newest snapshot first; a damaged one falls back to the one before, as long as the log
    // still holds the records after it.
    let mut state = State::default();
    let mut snapshot = None;
    for (off, epoch, path) in snapshots.iter().rev() {
        match read_snapshot(path, *off, *epoch) {
            Ok((s, info, ps)) => {
                state = s;
                snapshot = Some(info);
                problems.extend(ps);
                break;
            }
            Err(p) => problems.push(p),
        }
    }
    let start = snapshot.as_ref().map_or(0, |s| s.end_offset);
    let mut last_offset = (start > 0).then_some(start - 1);

    match segments.first() {
        None if snapshot.is_none() => problems.push(Problem::error(
            &dir,
            "no metadata snapshot and no log segment: nothing to read",
        )),
        Some((base, path)) if *base > start => problems.push(Problem::error(
            path,
            format!(
                "the log starts at offset {base} but {}: records {start}..{} are missing",
                match &snapshot {
                    Some(s) => format!("the snapshot used ends at {}", s.end_offset),
                    None => "no usable snapshot exists".to_string(),
                },
                base - 1
            ),
        )),
        _ => {}
    }

    let mut expected_next: Option<i64> = None;
    'segments: for (i, (_, path)) in segments.iter().enumerate() {
        // Segments entirely before the snapshot's end are already folded into it.
        if let Some((next_base, _)) = segments.get(i + 1) {
            if *next_base <= start {
                continue;
            }
        }
        let mut stop: Option<Problem> = None;
        let end = read_batches(path, |b, pos| {
            if stop.is_some() {
                return;
            }
            let h: &BatchHeader = &b.header;
            if let Some(n) = expected_next {
                if h.base_offset < n {
                    stop = Some(Problem::error(
                        path,
                        format!(
                            "batch at byte {pos}: base offset {} goes back (expected {n} or more); reading stopped here",
                            h.base_offset
                        ),
                    ));
                    return;
                }
            }
            expected_next = Some(h.last_offset() + 1);
            if h.is_control() || h.last_offset() < start {
                return;
            }
            if let Some(o) = decode_into(&mut state, b, start, path, &mut problems) {
                last_offset = Some(o);
            }
        });
        let damage = match end {
            Ok(End::Clean) => stop,
            Ok(End::Damaged(p)) => stop.or(Some(p)),
            Err(e) => Some(Problem::error(path, format!("cannot read segment: {e}"))),
        };
        if let Some(p) = damage {
            problems.push(p);
            let later: Vec<_> = segments[i + 1..]
                .iter()
                .filter_map(|(_, p)| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                .collect();
            if !later.is_empty() {
                problems.push(Problem::warning(
                    path,
                    format!(
                        "later segments not applied after the damage (Kafka would delete them in recovery): {}",
                        later.join(", ")
                    ),
                ));
            }
            break 'segments;
        }
    }
    if state.pending.is_some() {
        problems.push(Problem::info(
            &dir,
            "the log ends inside a metadata transaction; its records were not applied",
        ));
    }

    let mut topics = BTreeMap::new();
    let mut configured: BTreeSet<&String> = state.topic_configs.keys().collect();
    for (id, (name, parts)) in &state.topics {
        configured.remove(name);
        topics.insert(
            name.clone(),
            TopicImage {
                name: name.clone(),
                topic_id: *id,
                partitions: parts.len() as u32,
                configs: state.topic_configs.get(name).cloned().unwrap_or_default(),
            },
        );
    }
    if !configured.is_empty() {
        let names: Vec<&str> = configured.iter().map(|s| s.as_str()).collect();
        problems.push(Problem::info(
            &dir,
            format!(
                "topic configs for names with no live topic ignored: {}",
                names.join(", ")
            ),
        ));
    }
    MetadataImage {
        dir,
        snapshot,
        topics,
        broker_configs: state.broker_configs,
        features: state.features,
        last_offset,
        records_read: state.records_read,
        record_counts: state.record_counts,
        unknown_record_types: state.unknown,
        problems,
    }
}

#[cfg(test)]
mod tests {
    use super::batch::build;
    use super::batch::Compression;
    use super::records::enc;
    use super::*;

    fn id(n: u8) -> Uuid {
        Uuid([n; 16])
    }

    /// Writes `values` as one batch per inner Vec into `<dir>/00000000000000000000.log`.
    fn write_log(dir: &Path, batches: &[Vec<Vec<u8>>], c: Compression) {
        let mut out = Vec::new();
        let mut offset = 0i64;
        for values in batches {
            let recs: Vec<Vec<u8>> = values
                .iter()
                .enumerate()
                .map(|(i, v)| build::record(i as i32, None, Some(v)))
                .collect();
            out.extend(build::batch(offset, &recs, c, false));
            offset += values.len() as i64;
        }
        std::fs::write(dir.join("00000000000000000000.log"), out).unwrap();
    }

    #[test]
    fn recreated_topic_does_not_inherit_old_configs() {
        let tmp = tempfile::tempdir().unwrap();
        write_log(
            tmp.path(),
            &[
                vec![
                    enc::topic("t", id(1)),
                    enc::config(2, "t", "segment.index.bytes", Some("32768")),
                    enc::partition(0, id(1)),
                ],
                vec![enc::remove_topic(id(1))],
                vec![
                    enc::topic("t", id(2)),
                    enc::partition(0, id(2)),
                    enc::partition(1, id(2)),
                ],
            ],
            Compression::None,
        );
        let image = read_metadata_log(tmp.path());
        assert!(image.problems.is_empty(), "{:#?}", image.problems);
        let t = &image.topics["t"];
        assert_eq!(t.topic_id, id(2));
        assert_eq!(t.partitions, 2);
        assert!(t.configs.is_empty(), "{:?}", t.configs);
        assert_eq!(image.last_offset, Some(6));
    }

    #[test]
    fn aborted_metadata_transaction_is_not_applied() {
        let tmp = tempfile::tempdir().unwrap();
        write_log(
            tmp.path(),
            &[
                vec![enc::topic("kept", id(1))],
                vec![
                    enc::bare(u32::from(records::BEGIN_TRANSACTION)),
                    enc::topic("aborted", id(2)),
                    enc::bare(u32::from(records::ABORT_TRANSACTION)),
                ],
                vec![
                    enc::bare(u32::from(records::BEGIN_TRANSACTION)),
                    enc::config(4, "", "log.segment.bytes", Some("1048576")),
                    enc::bare(u32::from(records::END_TRANSACTION)),
                ],
            ],
            Compression::None,
        );
        let image = read_metadata_log(tmp.path());
        assert!(image.topics.contains_key("kept"));
        assert!(!image.topics.contains_key("aborted"));
        assert_eq!(
            image
                .cluster_default()
                .and_then(|m| m.get("log.segment.bytes")),
            Some(&"1048576".to_string())
        );
    }

    #[test]
    fn compressed_segments_replay_like_plain_ones() {
        for c in [
            Compression::Gzip,
            Compression::Snappy,
            Compression::Lz4,
            Compression::Zstd,
        ] {
            let tmp = tempfile::tempdir().unwrap();
            write_log(
                tmp.path(),
                &[vec![
                    enc::topic("z", id(9)),
                    enc::partition(0, id(9)),
                    enc::config(2, "z", "segment.bytes", Some("1048576")),
                    enc::bare(77), // a type this reader does not know
                ]],
                c,
            );
            let image = read_metadata_log(tmp.path());
            assert!(image.problems.is_empty(), "{c:?}: {:#?}", image.problems);
            assert_eq!(
                image.topics["z"].configs["segment.bytes"], "1048576",
                "{c:?}"
            );
            assert_eq!(image.unknown_record_types.get(&77), Some(&1), "{c:?}");
            assert_eq!(image.record_counts.get("apiKey-77"), Some(&1), "{c:?}");
        }
    }

    #[test]
    fn file_names() {
        assert_eq!(
            parse_snapshot_name("00000000000000000079-0000000001.checkpoint"),
            Some((79, 1))
        );
        assert_eq!(
            parse_snapshot_name("00000000000000000079-0000000001.checkpoint.part"),
            None
        );
        assert_eq!(
            parse_snapshot_name("00000000000000000079-0000000001.checkpoint.deleted"),
            None
        );
        assert_eq!(parse_snapshot_name("bootstrap.checkpoint"), None);
        assert_eq!(parse_segment_name("00000000000000000069.log"), Some(69));
        assert_eq!(parse_segment_name("00000000000000000069.snapshot"), None);
        assert_eq!(parse_segment_name("00000000000000000069.log.deleted"), None);
    }

    #[test]
    fn log_starting_after_offset_zero_without_snapshot_is_reported() {
        let tmp = tempfile::tempdir().unwrap();
        write_log(
            tmp.path(),
            &[vec![enc::topic("t", id(1))]],
            Compression::None,
        );
        std::fs::rename(
            tmp.path().join("00000000000000000000.log"),
            tmp.path().join("00000000000000000010.log"),
        )
        .unwrap();
        let image = read_metadata_log(tmp.path());
        assert_eq!(image.problems.len(), 1, "{:#?}", image.problems);
        assert!(image.problems[0]
            .message
            .contains("records 0..9 are missing"));
    }
}
