//! What a failed index map does to a start, by release and by where in the load it fails.
//!
//! The JDK turns a refused mmap into `IOException: Map failed`; what Kafka does with it depends on
//! who catches it. From 4.0.0 `LogLoader.recoverLog` catches `InvalidOffsetException | IOException`
//! around `recoverSegment`, truncates that segment to its base offset and deletes the later
//! unflushed ones (KAFKA-14482); 3.9.x catches only `InvalidOffsetException`, so the IOException
//! reaches `LogManager.loadLogs`, which takes the log dir offline. With KAFKA-19390 `resize()`
//! unmaps first and leaves the index with no mapping when the new map fails, so the truncation in
//! that catch dereferences a null buffer (`OffsetIndex.truncateTo` -> `mmap().duplicate()`): the
//! NullPointerException is not an IOException and aborts the whole start.

use serde::Serialize;

use crate::kafka_version::{KafkaVersion, Rules};

/// Where in the start the map fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// Rebuilding an unflushed segment's indexes (unclean shutdown), inside `recoverLog`'s catch.
    Recovery,
    /// The active segment's final `resizeIndexes` (or a missing `.index`): outside that catch.
    ActiveResize,
    /// The KRaft metadata log, loaded by the Raft manager before LogManager loads the others.
    MetadataLog,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Consequence {
    /// The broker starts, with the failed segment truncated and later unflushed ones deleted.
    DataTruncated,
    /// The log dir goes offline; a broker whose every dir failed halts.
    LogDirOffline,
    /// The start throws and the JVM exits.
    StartAborted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Evidence {
    /// Seen on a real broker of this release line (kafka-preflight's real-broker harness).
    Observed,
    /// Read from Kafka's source; no broker was seen doing it.
    Inferred,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MapFailure {
    pub phase: Phase,
    pub consequence: Consequence,
    pub evidence: Evidence,
}

/// Real-broker observations: (release, phase, what the broker did). A release line with an entry
/// here reports `Observed` for that phase when the model agrees with it and the release has the
/// same KAFKA-19390 status. Harness runs of 2026-12-01 (scripts/rb-matrix, docs/accuracy.md), 40
/// partitions, every segment unflushed (kill -9), ulimit -v bisected below the clean start:
/// - 3.9.0 (3766272-4353024 KiB) and 3.9.2 (4101120-4339712 KiB): `Map failed` at
///   AbstractIndex.reset <- LogSegment.recover, "Error while loading log dir": dir offline,
///   nothing cut. 3.9 catches only InvalidOffsetException, with or without KAFKA-19390.
/// - 4.0.0 (4388864-4485120, and 4395008-4400128 in the second matrix) and 4.1.0 (4421632):
///   no exception logged, one partition cut (e.g. rb2-1 3354 -> 0), "Kafka Server started".
///   Lower (4.0.0 3827712-4385792, 4.1.0 3876864-4199424) the truncation's own resize failed
///   too: partitions cut, then the dir offline.
/// - 4.0.2, 4.1.1, 4.2.1, 4.3.1, 4.4.0 (KAFKA-19390; 3834880-4365312 KiB): "Found invalid
///   offset during recovery", then NullPointerException "MappedByteBuffer.duplicate() ... is
///   null" in LogSegment.truncateTo, "Error starting LogManager": aborted, nothing cut. At some
///   levels (4.2.1 at 4108288 and 4347904, 4.3.1 at 3834880 and 4365312, 4.4.0 at 4347904) a
///   second recovery thread's `Map failed` reached LogManager first: dir offline, nothing cut
///   either. Once (4.4.0 at 4314112) another partition's truncation got through before the NPE:
///   the start aborted with rb2-6 already cut on disk from 3354 to 2987 records.
/// - Clean restarts of 4.0.0 and 4.1.1 failing the active segment's resize (4108288-4347904):
///   `Map failed` at LogSegment.resizeIndexes <- LogLoader.load: dir offline.
const OBSERVED: &[(KafkaVersion, Phase, Consequence)] = &[
    (
        KafkaVersion::new(3, 9, 0),
        Phase::Recovery,
        Consequence::LogDirOffline,
    ),
    (
        KafkaVersion::new(3, 9, 2),
        Phase::Recovery,
        Consequence::LogDirOffline,
    ),
    (
        KafkaVersion::new(4, 0, 0),
        Phase::Recovery,
        Consequence::DataTruncated,
    ),
    (
        KafkaVersion::new(4, 0, 2),
        Phase::Recovery,
        Consequence::StartAborted,
    ),
    (
        KafkaVersion::new(4, 0, 0),
        Phase::ActiveResize,
        Consequence::LogDirOffline,
    ),
    (
        KafkaVersion::new(4, 1, 0),
        Phase::Recovery,
        Consequence::DataTruncated,
    ),
    (
        KafkaVersion::new(4, 1, 1),
        Phase::Recovery,
        Consequence::StartAborted,
    ),
    (
        KafkaVersion::new(4, 1, 1),
        Phase::ActiveResize,
        Consequence::LogDirOffline,
    ),
    (
        KafkaVersion::new(4, 2, 1),
        Phase::Recovery,
        Consequence::StartAborted,
    ),
    (
        KafkaVersion::new(4, 3, 1),
        Phase::Recovery,
        Consequence::StartAborted,
    ),
    (
        KafkaVersion::new(4, 4, 0),
        Phase::Recovery,
        Consequence::StartAborted,
    ),
];

fn inferred(rules: &Rules, phase: Phase) -> Consequence {
    let catches_io = rules.version >= KafkaVersion::new(4, 0, 0);
    match phase {
        Phase::ActiveResize => Consequence::LogDirOffline,
        Phase::Recovery if !catches_io => Consequence::LogDirOffline,
        // The metadata log has no log-dir failure channel: the exception leaves the Raft manager.
        Phase::MetadataLog if !catches_io => Consequence::StartAborted,
        Phase::Recovery | Phase::MetadataLog if rules.unmap_on_resize => Consequence::StartAborted,
        Phase::Recovery | Phase::MetadataLog => Consequence::DataTruncated,
    }
}

/// The consequence of a failed map in `phase` on a broker of `rules`' release.
pub fn map_failure(rules: &Rules, phase: Phase) -> MapFailure {
    let consequence = inferred(rules, phase);
    let line = |v: KafkaVersion| (v.0[0], v.0[1]);
    let seen = OBSERVED.iter().any(|(v, p, c)| {
        line(*v) == line(rules.version)
            && *p == phase
            && *c == consequence
            && Rules::for_version(*v).unmap_on_resize == rules.unmap_on_resize
    });
    MapFailure {
        phase,
        consequence,
        evidence: if seen {
            Evidence::Observed
        } else {
            Evidence::Inferred
        },
    }
}

impl MapFailure {
    /// One clause for a verdict message: what happens, and how we know.
    pub fn sentence(&self, rules: &Rules) -> String {
        let v = rules.version;
        let what = match (self.phase, self.consequence) {
            (Phase::Recovery, Consequence::DataTruncated) => format!(
                "a failed map inside segment recovery makes Kafka {v} truncate that segment and delete the later unflushed ones without logging why: the broker starts with DATA MISSING (lower still, the truncation's own resize fails and the dir goes offline after the cut)"
            ),
            (Phase::Recovery, Consequence::StartAborted) => format!(
                "a failed index resize inside segment recovery leaves Kafka {v} (KAFKA-19390) with an unmapped index, and truncating it throws a NullPointerException: the START ABORTS (or, when another recovery thread's map fails first, the log dir goes offline); usually nothing is cut, but a partition whose truncation got through first stays cut on disk"
            ),
            (Phase::Recovery, _) | (Phase::ActiveResize, _) => format!(
                "a failed map while loading takes the log dir offline in Kafka {v} (the broker halts when every dir has failed)"
            ),
            (Phase::MetadataLog, Consequence::DataTruncated) => format!(
                "a failed map while recovering the KRaft metadata log makes Kafka {v} truncate it: the node starts with metadata records missing"
            ),
            (Phase::MetadataLog, _) => format!(
                "a failed map while loading the KRaft metadata log aborts Kafka {v}'s start"
            ),
        };
        let how = match self.evidence {
            Evidence::Observed => "observed on a real broker",
            Evidence::Inferred => "inferred from Kafka's source, not yet seen on a real broker",
        };
        format!("{what} ({how})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(v: &str, phase: Phase) -> Consequence {
        map_failure(&Rules::for_version(v.parse().unwrap()), phase).consequence
    }

    #[test]
    fn recovery_failure_by_release() {
        use Consequence::*;
        for (v, c) in [
            ("3.9.0", LogDirOffline),
            ("3.9.2", LogDirOffline),
            ("4.0.0", DataTruncated),
            ("4.0.1", DataTruncated),
            ("4.0.2", StartAborted),
            ("4.1.0", DataTruncated),
            ("4.1.1", StartAborted),
            ("4.2.1", StartAborted),
            ("4.4.0", StartAborted),
        ] {
            assert_eq!(at(v, Phase::Recovery), c, "{v}");
        }
    }

    #[test]
    fn outside_the_catch_the_dir_goes_offline_in_every_release() {
        for v in ["2.8.2", "3.9.1", "4.0.0", "4.4.0"] {
            assert_eq!(
                at(v, Phase::ActiveResize),
                Consequence::LogDirOffline,
                "{v}"
            );
        }
        assert_eq!(at("3.9.2", Phase::MetadataLog), Consequence::StartAborted);
        assert_eq!(at("4.1.0", Phase::MetadataLog), Consequence::DataTruncated);
    }

    #[test]
    fn evidence_follows_the_real_broker_runs() {
        let ev = |v: &str, p| map_failure(&Rules::for_version(v.parse().unwrap()), p).evidence;
        assert_eq!(ev("4.0.0", Phase::Recovery), Evidence::Observed);
        assert_eq!(ev("4.0.1", Phase::Recovery), Evidence::Observed);
        assert_eq!(ev("3.9.1", Phase::Recovery), Evidence::Observed);
        // Same line, different KAFKA-19390 status, each seen on its own release.
        assert_eq!(ev("4.1.0", Phase::Recovery), Evidence::Observed);
        assert_eq!(ev("4.1.1", Phase::Recovery), Evidence::Observed);
        assert_eq!(ev("4.0.2", Phase::Recovery), Evidence::Observed);
        assert_eq!(ev("3.9.2", Phase::Recovery), Evidence::Observed);
        assert_eq!(ev("4.2.1", Phase::Recovery), Evidence::Observed);
        assert_eq!(ev("4.4.0", Phase::Recovery), Evidence::Observed);
        // No 3.8 broker was restarted, and no metadata log seen failing.
        assert_eq!(ev("3.8.1", Phase::Recovery), Evidence::Inferred);
        assert_eq!(ev("4.1.1", Phase::MetadataLog), Evidence::Inferred);
        assert_eq!(ev("4.0.0", Phase::ActiveResize), Evidence::Observed);
        assert_eq!(ev("3.9.2", Phase::ActiveResize), Evidence::Inferred);
        let r = Rules::for_version("4.0.1".parse().unwrap());
        let s = map_failure(&r, Phase::Recovery).sentence(&r);
        assert!(s.contains("4.0.1") && s.contains("DATA MISSING"), "{s}");
        assert!(s.contains("observed on a real broker"), "{s}");
        let r = Rules::for_version("3.8.1".parse().unwrap());
        let s = map_failure(&r, Phase::Recovery).sentence(&r);
        assert!(s.contains("offline") && s.contains("inferred"), "{s}");
        let r = Rules::for_version("4.1.1".parse().unwrap());
        let s = map_failure(&r, Phase::Recovery).sentence(&r);
        assert!(s.contains("START ABORTS") && s.contains("observed"), "{s}");
    }
}
