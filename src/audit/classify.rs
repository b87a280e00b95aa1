//! One start's entries -> what went wrong, what was cut, and how the start ended.
//!
//! Message texts are Kafka's own (3.9 LogLoader.scala / 4.x LogLoader.java, LogManager.scala,
//! BrokerServer.scala, Kafka.scala, KafkaRaftServer.scala, ProcessTerminatingFaultHandler),
//! checked against real 3.9.0 and 4.0.0 broker logs (tests/fixtures/broker-logs/).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use regex::Regex;

use super::entries::{Entry, JVM_INIT_FAILED};
use super::{Failure, FailureKind, MapPhase, Outcome, Truncation};

/// Lines that end the process during a start (or at once after it).
const ABORTS: &[&str] = &[
    "Exiting Kafka due to fatal exception",
    "Fatal error during broker startup",
    "Fatal error during controller startup",
    "Fatal error during KafkaServer startup",
    "Encountered fatal fault",
    "Halting Kafka",
    JVM_INIT_FAILED,
];

/// LogManager.loadLogs / LogDirFailureChannel / ReplicaManager: a dir failed.
const DIR_OFFLINE: &[&str] = &[
    "Error while loading log dir",
    "Shutdown broker because all log dirs in",
    "because the log directory has failed",
    "Halting broker because dir",
];

/// KafkaRaftServer after every component started (KafkaBroker.STARTED_MESSAGE); a
/// ZooKeeper-mode KafkaServer logs "[KafkaServer id=N] started" instead.
const STARTED: &str = "Kafka Server started";

fn started(e: &Entry) -> bool {
    e.message.contains(STARTED)
        || e.logger.as_deref() == Some("kafka.server.KafkaServer")
            && e.message.ends_with("] started")
}

fn kind(e: &Entry) -> Option<FailureKind> {
    let has = |s: &str| e.text().any(|l| l.contains(s));
    Some(if has(crate::live::logtail::MAP_FAILED) {
        FailureKind::MapFailed
    } else if has("Too many open files") {
        FailureKind::TooManyOpenFiles
    } else if has("unable to create native thread") || has("unable to create new native thread") {
        FailureKind::NativeThread
    } else if e.message.starts_with(JVM_INIT_FAILED) {
        FailureKind::JvmInit
    } else if has("java.lang.NullPointerException") {
        FailureKind::NullPointer
    } else if has("ConfigException") || has("InvalidConfigurationException") {
        FailureKind::Config
    } else if ABORTS
        .iter()
        .chain(DIR_OFFLINE)
        .any(|m| e.message.contains(m))
    {
        FailureKind::Other
    } else {
        return None;
    })
}

/// Which step of the start mapped: read from the stack trace, innermost Kafka frame first.
fn map_phase(e: &Entry) -> MapPhase {
    let has = |s: &str| e.rest.iter().any(|l| l.contains(s));
    if has("KafkaMetadataLog") || has("KafkaRaftLog") || has("kafka.raft.RaftManager") {
        MapPhase::MetadataLog
    } else if has("LogSegment.truncateTo") && has("recoverLog") {
        MapPhase::RecoveryTruncation
    } else if has("LogSegment.recover") {
        MapPhase::Recovery
    } else if has("resizeIndexes") {
        MapPhase::ActiveResize
    } else if has("LogLoader") || has("LogManager.loadLog") {
        MapPhase::LogLoad
    } else if e.rest.iter().any(|l| l.trim_start().starts_with("at ")) {
        MapPhase::Running
    } else {
        MapPhase::Unknown
    }
}

/// The exception line that says most: the last `Caused by:`, else the first `java.` line.
fn exception(e: &Entry) -> Option<String> {
    let frame = |l: &str| l.trim_start().starts_with("at ") || l.trim_start().starts_with("...");
    e.rest
        .iter()
        .rev()
        .find(|l| l.starts_with("Caused by: "))
        .map(|l| l.trim_start_matches("Caused by: ").to_string())
        .or_else(|| {
            e.rest
                .iter()
                .find(|l| !frame(l) && (l.contains("Exception") || l.contains("Error")))
                .map(|l| l.trim().to_string())
        })
}

pub fn failures(entries: &[Entry]) -> Vec<Failure> {
    let mut out: Vec<Failure> = Vec::new();
    for e in entries.iter().filter(|e| e.is_error()) {
        let Some(kind) = kind(e) else { continue };
        // A NullPointerException in the load is KAFKA-19390's unmapped index: where it hit matters.
        let phase = matches!(kind, FailureKind::MapFailed | FailureKind::NullPointer)
            .then(|| map_phase(e))
            .filter(|p| kind == FailureKind::MapFailed || *p != MapPhase::Running);
        if let Some(f) = out.iter_mut().find(|f| f.kind == kind && f.phase == phase) {
            f.count += 1;
            continue;
        }
        out.push(Failure {
            kind,
            phase,
            line: e.line,
            timestamp: e.timestamp.clone(),
            message: e.message.clone(),
            exception: exception(e),
            count: 1,
        });
    }
    // LogManager's one-line "error in one of the threads ... NullPointerException" has no trace;
    // the fatal line after it has. Fold a traceless one into its kind's located one.
    let unknown = |f: &Failure| f.phase == Some(MapPhase::Unknown);
    for i in (0..out.len()).rev() {
        if !unknown(&out[i]) {
            continue;
        }
        let kind = out[i].kind;
        if let Some(j) =
            (0..out.len()).find(|&j| j != i && out[j].kind == kind && !unknown(&out[j]))
        {
            let f = out.remove(i);
            let j = if j > i { j - 1 } else { j };
            out[j].count += f.count;
        }
    }
    out
}

fn loader_line() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(concat!(
            r"^\[(?:LogLoader|Log|UnifiedLog) partition=(?P<p>[^,\]]+), dir=(?P<d>[^\]]+)\] ",
            r"(?:Found invalid offset during recovery\. Deleting the corrupt segment and creating an empty one with starting offset (?P<whole>\d+)",
            r"|Corruption found in segment \d+, truncating to offset (?P<to>\d+)",
            r"|Deleting segments as part of log recovery: (?P<deleted>.*))"
        ))
        .expect("static regex")
    })
}

fn base_offsets() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"baseOffset=(\d+)").expect("static regex"))
}

/// Partitions recovery cut, and those whose recovery threw but were not cut. After a failed
/// recovery LogLoader.recoverLog logs "Found invalid offset during recovery" (the exception
/// itself is not logged) and calls LogSegment.truncateTo, which resizes the indexes BEFORE it
/// cuts the .log: only "Corruption found in segment N, truncating to offset M" (logged when
/// bytes were cut) and "Deleting segments as part of log recovery" mean data is gone. Real
/// brokers whose truncation threw (4.0.0: Map failed in its resize; 4.1.1: the KAFKA-19390
/// NullPointerException) logged the first line only.
pub fn truncations(entries: &[Entry]) -> (Vec<Truncation>, Vec<String>) {
    let mut by: BTreeMap<(String, String), Truncation> = BTreeMap::new();
    for e in entries
        .iter()
        .filter(|e| e.level == "WARN" || e.level == "INFO")
    {
        let Some(c) = loader_line().captures(&e.message) else {
            continue;
        };
        let key = (c["p"].to_string(), c["d"].to_string());
        let t = by.entry(key.clone()).or_insert_with(|| Truncation {
            partition: key.0,
            dir: key.1,
            to_offset: None,
            recovery_threw: false,
            deleted_segments: Vec::new(),
            line: e.line,
        });
        if let Some(o) = c.name("to").and_then(|m| m.as_str().parse().ok()) {
            t.to_offset = Some(t.to_offset.map_or(o, |x: u64| x.min(o)));
        }
        t.recovery_threw |= c.name("whole").is_some();
        if let Some(d) = c.name("deleted") {
            t.deleted_segments.extend(
                base_offsets()
                    .captures_iter(d.as_str())
                    .filter_map(|m| m[1].parse::<u64>().ok()),
            );
        }
    }
    let (cut, uncut): (Vec<Truncation>, Vec<Truncation>) = by
        .into_values()
        .partition(|t| t.to_offset.is_some() || !t.deleted_segments.is_empty());
    (cut, uncut.into_iter().map(|t| t.partition).collect())
}

pub fn outcome(entries: &[Entry]) -> Outcome {
    let any = |ms: &[&str]| {
        entries
            .iter()
            .any(|e| ms.iter().any(|m| e.message.contains(m)))
    };
    if any(DIR_OFFLINE) {
        Outcome::LogDirOffline
    } else if any(ABORTS) {
        Outcome::Aborted
    } else if entries.iter().any(started) {
        Outcome::Started
    } else {
        Outcome::Unfinished
    }
}
