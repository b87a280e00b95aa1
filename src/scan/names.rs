//! Classifies directory and file names exactly as Kafka's log loading does
//! (LocalLog.parseTopicPartitionName, LogLoader's file-suffix handling).

/// What a sub-directory of a log dir is to Kafka.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DirKind {
    /// `topic-N`: a replica, fully loaded (and recovered after an unclean shutdown).
    Partition,
    /// `topic-N.<uuid>-delete` (0.10.2+): opened (fds), never recovered or resized.
    Delete,
    /// `topic-N.<uuid>-future` (1.1+): a replica being moved between log dirs; loaded like a partition.
    Future,
    /// `topic-N.<uuid>-stray` (3.7+): loaded like a partition.
    Stray,
    /// `__cluster_metadata-0`: KRaft metadata log, loaded by the Raft manager and always recovered.
    Metadata,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DirName {
    Log {
        kind: DirKind,
        topic: String,
        partition: i32,
    },
    /// `remote-log-index-cache` (tiered storage), skipped by log loading.
    RemoteIndexCache,
    /// Anything else: Kafka throws "is not in the form of topic-partition" and the dir fails.
    Invalid,
}

pub const METADATA_TOPIC: &str = "__cluster_metadata";
pub const REMOTE_INDEX_CACHE: &str = "remote-log-index-cache";

fn java_whitespace(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\x0B' | '\x0C' | '\r')
}

/// Kafka's `^(\S+)-(\S+)\.(\S+)<suffix>` with `matches()` (whole string).
fn matches_suffixed(name: &str, suffix: &str) -> bool {
    let Some(p) = name.strip_suffix(suffix) else {
        return false;
    };
    if p.chars().any(java_whitespace) {
        return false;
    }
    let b = p.as_bytes();
    // Need '-' at i and '.' at j with i >= 1, j >= i + 2 and j <= len - 2.
    (0..b.len())
        .rev()
        .filter(|&j| b[j] == b'.' && j + 2 <= b.len())
        .any(|j| (1..j.saturating_sub(1)).any(|i| b[i] == b'-'))
}

pub fn classify_dir(name: &str) -> DirName {
    if name == REMOTE_INDEX_CACHE {
        return DirName::RemoteIndexCache;
    }
    if name.is_empty() || !name.contains('-') {
        return DirName::Invalid;
    }
    let suffixed = [
        ("-delete", DirKind::Delete),
        ("-future", DirKind::Future),
        ("-stray", DirKind::Stray),
    ];
    let mut kind = DirKind::Partition;
    let mut base = name;
    for (suffix, k) in suffixed {
        if name.ends_with(suffix) {
            if !matches_suffixed(name, suffix) {
                return DirName::Invalid;
            }
            kind = k;
            base = &name[..name.rfind('.').expect("pattern has a dot")];
        }
    }
    let idx = base.rfind('-').expect("checked above");
    let (topic, part) = (&base[..idx], &base[idx + 1..]);
    if topic.is_empty() || part.is_empty() {
        return DirName::Invalid;
    }
    let Ok(partition) = part.parse::<i32>() else {
        return DirName::Invalid;
    };
    if topic == METADATA_TOPIC && kind == DirKind::Partition {
        kind = DirKind::Metadata;
    }
    DirName::Log {
        kind,
        topic: topic.to_string(),
        partition,
    }
}

/// Files inside a partition dir that matter to log loading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FileKind {
    Log,
    OffsetIndex,
    TimeIndex,
    TxnIndex,
    /// `<offset>.snapshot`: producer state.
    ProducerSnapshot,
    /// `*.deleted` / `*.cleaned`: deleted at load without being opened.
    Temp,
    /// `<base>.log.swap`: completed into a segment at load.
    LogSwap,
    /// `.index.swap` etc.: renamed back at load, no extra cost.
    OtherSwap,
    /// `<offset>-<epoch>.checkpoint`: a KRaft snapshot (metadata log only).
    KraftSnapshot,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileName {
    pub kind: FileKind,
    /// The number before the first '.', as Kafka's `offsetFromFileName` reads it.
    pub offset: u64,
    /// Kafka writes 20 digits; other widths still load but say someone else wrote the file.
    pub canonical: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileClass {
    Known(FileName),
    /// A segment-suffixed file whose prefix is not a number: Kafka's Long.parseLong throws and
    /// loading of the log fails.
    BadOffset(FileKind),
    /// Anything Kafka ignores (leader-epoch-checkpoint, partition.metadata, quorum-state, ...).
    Other,
}

fn parse_offset(stem: &str) -> Option<(u64, bool)> {
    if stem.is_empty() || !stem.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    stem.parse::<u64>()
        .ok()
        .filter(|v| *v <= i64::MAX as u64)
        .map(|v| (v, stem.len() == 20))
}

pub fn classify_file(name: &str) -> FileClass {
    let Some(dot) = name.find('.') else {
        return FileClass::Other;
    };
    let (stem, rest) = (&name[..dot], &name[dot + 1..]);
    let kind = if rest.ends_with(".deleted") || rest.ends_with(".cleaned") || rest == "deleted" {
        FileKind::Temp
    } else if rest == "log.swap" {
        FileKind::LogSwap
    } else if rest.ends_with(".swap") {
        FileKind::OtherSwap
    } else {
        match rest {
            "log" => FileKind::Log,
            "index" => FileKind::OffsetIndex,
            "timeindex" => FileKind::TimeIndex,
            "txnindex" => FileKind::TxnIndex,
            "snapshot" => FileKind::ProducerSnapshot,
            "checkpoint" => {
                // KRaft snapshots are `<20-digit offset>-<10-digit epoch>.checkpoint`.
                return match stem.split_once('-').and_then(|(o, _)| parse_offset(o)) {
                    Some((offset, canonical)) => FileClass::Known(FileName {
                        kind: FileKind::KraftSnapshot,
                        offset,
                        canonical,
                    }),
                    None => FileClass::Other,
                };
            }
            _ => return FileClass::Other,
        }
    };
    match parse_offset(stem) {
        Some((offset, canonical)) => FileClass::Known(FileName {
            kind,
            offset,
            canonical,
        }),
        None if kind == FileKind::Temp => FileClass::Known(FileName {
            kind,
            offset: 0,
            canonical: false,
        }),
        None => FileClass::BadOffset(kind),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(kind: DirKind, topic: &str, partition: i32) -> DirName {
        DirName::Log {
            kind,
            topic: topic.into(),
            partition,
        }
    }

    #[test]
    fn partition_is_after_the_last_dash() {
        assert_eq!(
            classify_dir("orders-0"),
            log(DirKind::Partition, "orders", 0)
        );
        assert_eq!(
            classify_dir("my-topic.v2_x-12"),
            log(DirKind::Partition, "my-topic.v2_x", 12)
        );
        assert_eq!(
            classify_dir("__consumer_offsets-49"),
            log(DirKind::Partition, "__consumer_offsets", 49)
        );
        assert_eq!(
            classify_dir("__cluster_metadata-0"),
            log(DirKind::Metadata, "__cluster_metadata", 0)
        );
    }

    #[test]
    fn suffixed_dirs() {
        let uuid = "0123456789abcdef0123456789abcdef";
        assert_eq!(
            classify_dir(&format!("a-b-3.{uuid}-delete")),
            log(DirKind::Delete, "a-b", 3)
        );
        assert_eq!(
            classify_dir(&format!("t.x-1.{uuid}-future")),
            log(DirKind::Future, "t.x", 1)
        );
        assert_eq!(
            classify_dir(&format!("t-7.{uuid}-stray")),
            log(DirKind::Stray, "t", 7)
        );
    }

    #[test]
    fn what_kafka_refuses() {
        for name in [
            "lost+found",
            ".snapshot",
            "topic",
            "topic-",
            "-1",
            "topic-x",
            "t-0-delete",
            "t-0. -delete",
            "t-99999999999",
        ] {
            assert_eq!(classify_dir(name), DirName::Invalid, "{name}");
        }
        assert_eq!(
            classify_dir("remote-log-index-cache"),
            DirName::RemoteIndexCache
        );
    }

    #[test]
    fn files() {
        let f = |n| classify_file(n);
        assert!(matches!(
            f("00000000000000000000.log"),
            FileClass::Known(FileName {
                kind: FileKind::Log,
                offset: 0,
                canonical: true
            })
        ));
        assert!(matches!(
            f("00000000000000001234.timeindex"),
            FileClass::Known(FileName {
                kind: FileKind::TimeIndex,
                offset: 1234,
                ..
            })
        ));
        assert!(matches!(
            f("5.index"),
            FileClass::Known(FileName {
                kind: FileKind::OffsetIndex,
                offset: 5,
                canonical: false
            })
        ));
        assert!(matches!(
            f("00000000000000000010.log.swap"),
            FileClass::Known(FileName {
                kind: FileKind::LogSwap,
                ..
            })
        ));
        assert!(matches!(
            f("00000000000000000010.index.deleted"),
            FileClass::Known(FileName {
                kind: FileKind::Temp,
                ..
            })
        ));
        assert!(matches!(
            f("00000000000000000010.log.cleaned"),
            FileClass::Known(FileName {
                kind: FileKind::Temp,
                ..
            })
        ));
        assert!(matches!(
            f("00000000000000000045-0000000001.checkpoint"),
            FileClass::Known(FileName {
                kind: FileKind::KraftSnapshot,
                offset: 45,
                ..
            })
        ));
        assert_eq!(f("abc.log"), FileClass::BadOffset(FileKind::Log));
        assert_eq!(f("leader-epoch-checkpoint"), FileClass::Other);
        assert_eq!(f("partition.metadata"), FileClass::Other);
    }
}
