//! Reads a broker's log after a start and says how that start went: started, aborted, a log
//! dir taken offline, or not finished; why (a refused index map and in which step of the
//! load, too many open files, no native thread, the JVM itself); and which partitions
//! recovery truncated, to which offset. The outcome classifier of the real-broker harness,
//! shipped so an operator can ask the same question of a production broker's log.
//!
//! Only the last start in the file is judged (see [`starts`]); a log without a start marker is
//! judged whole. The file is only read.
//!
//! Kafka behaviour this relies on (seen in real 3.9.0 and 4.0.0 logs, tests/fixtures/broker-logs/):
//! - From 4.0 a failed map inside segment recovery is caught and NOT logged: the only trace is
//!   LogLoader's "Found invalid offset during recovery. Deleting the corrupt segment ..." and
//!   "Corruption found in segment N, truncating to offset M" warnings, then "Deleting segments as
//!   part of log recovery". A start that logs them has lost data even if it says
//!   "Kafka Server started".
//! - When the truncation's own resize fails too, the IOException reaches LogManager: "Error
//!   while loading log dir", then "Shutdown broker because all log dirs in ... have failed".
//!   Segments were cut on disk before the broker halted.

pub mod classify;
pub mod entries;
pub mod starts;

use std::path::Path;

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// "Kafka Server started" and no dir failed.
    Started,
    /// A log dir failed while loading (the broker halts when every dir failed).
    LogDirOffline,
    /// The process exited during start (fatal fault, fatal exception, the JVM could not start).
    Aborted,
    /// The log ends before the start finished: still loading, or killed.
    Unfinished,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailureKind {
    /// `IOException: Map failed` (mmap refused: ulimit -v, vm.max_map_count).
    MapFailed,
    TooManyOpenFiles,
    /// `OutOfMemoryError: unable to create native thread` (ulimit -u, or no address space left).
    NativeThread,
    /// The JVM could not start (heap or class space reservation).
    JvmInit,
    NullPointer,
    /// The broker refused its configuration (ConfigException, InvalidConfigurationException).
    Config,
    /// Any other fatal line.
    Other,
}

/// Which step of the start a refused map (or the NullPointerException of an index KAFKA-19390
/// left unmapped) hit, from the stack trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MapPhase {
    /// Rebuilding an unflushed segment's indexes (LogSegment.recover).
    Recovery,
    /// Truncating a segment after its recovery failed (LogSegment.truncateTo in recoverLog).
    RecoveryTruncation,
    /// The active segment's resize to the maximum at the end of the load.
    ActiveResize,
    /// The KRaft metadata log.
    MetadataLog,
    /// Elsewhere in log loading.
    LogLoad,
    /// Not while loading logs (a running broker rolling or reading segments).
    Running,
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    pub kind: FailureKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phase: Option<MapPhase>,
    /// First occurrence: line number in the file, timestamp, message, exception.
    pub line: usize,
    pub timestamp: Option<String>,
    pub message: String,
    pub exception: Option<String>,
    /// How many error lines of this kind and phase the start logged.
    pub count: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Truncation {
    pub partition: String,
    pub dir: String,
    /// The log end offset recovery cut the partition back to.
    pub to_offset: Option<u64>,
    /// The segment's recovery threw (a refused map or an invalid offset), so all of it was cut,
    /// not only a torn tail.
    pub recovery_threw: bool,
    /// Base offsets of later unflushed segments deleted with it.
    pub deleted_segments: Vec<u64>,
    pub line: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Audit {
    pub log: String,
    /// Bytes of a very large file not read (its head); line numbers count from the first read.
    pub skipped_bytes: u64,
    /// Starts found in the file; the last is judged.
    pub starts: usize,
    /// Line where the judged start begins (1 when the file has no start marker).
    pub start_line: usize,
    pub start_time: Option<String>,
    pub outcome: Outcome,
    pub failures: Vec<Failure>,
    pub truncated: Vec<Truncation>,
    /// Partitions whose recovery threw but whose truncation threw too: nothing cut, the start
    /// failed in them.
    pub recovery_failed: Vec<String>,
    /// The answer in one sentence.
    pub summary: String,
}

impl Audit {
    /// Clean: started, nothing failed, nothing cut.
    pub fn clean(&self) -> bool {
        self.outcome == Outcome::Started && self.truncated.is_empty()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: not a Kafka broker log: {why}")]
    NotALog { path: String, why: String },
}

/// Most of a log read: a server.log that grew for days holds its last start near the end.
pub const MAX_LOG_BYTES: u64 = 256 << 20;

/// The file, or its last [`MAX_LOG_BYTES`] from a line start, and how many bytes were skipped.
fn read_tail(path: &Path, max: u64) -> std::io::Result<(Vec<u8>, u64)> {
    use std::io::{Read, Seek, SeekFrom};
    let (mut f, meta) = crate::fsread::open_regular(path, crate::fsread::Follow::Yes)?;
    let skip = meta.len().saturating_sub(max);
    f.seek(SeekFrom::Start(skip))?;
    let mut bytes = Vec::new();
    f.take(max).read_to_end(&mut bytes)?;
    if skip == 0 {
        return Ok((bytes, 0));
    }
    // Drop the partial line the cut landed in.
    let cut = bytes
        .iter()
        .position(|b| *b == b'\n')
        .map_or(bytes.len(), |i| i + 1);
    Ok((bytes.split_off(cut), skip + cut as u64))
}

pub fn audit_file(path: &Path) -> Result<Audit, AuditError> {
    let shown = path.display().to_string();
    let (bytes, skipped) = read_tail(path, MAX_LOG_BYTES).map_err(|source| AuditError::Io {
        path: shown.clone(),
        source,
    })?;
    if bytes.contains(&0) {
        return Err(AuditError::NotALog {
            path: shown,
            why: "it contains NUL bytes (a binary or compressed file?)".into(),
        });
    }
    let mut a = audit_text(&shown, &String::from_utf8_lossy(&bytes))?;
    a.skipped_bytes = skipped;
    Ok(a)
}

pub fn audit_text(name: &str, text: &str) -> Result<Audit, AuditError> {
    let all = entries::parse(text);
    if entries::log4j_entries(&all) == 0
        && !all
            .iter()
            .any(|e| e.message.starts_with(entries::JVM_INIT_FAILED))
    {
        return Err(AuditError::NotALog {
            path: name.to_string(),
            why: "no line in Kafka's layout '[yyyy-MM-dd HH:mm:ss,SSS] LEVEL message (logger)'"
                .into(),
        });
    }
    let starts = starts::start_indexes(&all);
    let first = starts.last().copied().unwrap_or(0);
    let this = &all[first..];
    let outcome = classify::outcome(this);
    let failures = classify::failures(this);
    let (truncated, recovery_failed) = classify::truncations(this);
    let summary = summary(outcome, &failures, &truncated, &recovery_failed);
    Ok(Audit {
        log: name.to_string(),
        skipped_bytes: 0,
        starts: starts.len(),
        start_line: this.first().map_or(1, |e| e.line),
        start_time: this.iter().find_map(|e| e.timestamp.clone()),
        outcome,
        failures,
        truncated,
        recovery_failed,
        summary,
    })
}

fn summary(
    outcome: Outcome,
    failures: &[Failure],
    truncated: &[Truncation],
    recovery_failed: &[String],
) -> String {
    let how = match outcome {
        Outcome::Started => "the broker started",
        Outcome::LogDirOffline => "a log dir went offline while loading",
        Outcome::Aborted => "the start aborted",
        Outcome::Unfinished => "the start did not finish (still loading, or killed)",
    };
    let why = failures
        .iter()
        .map(|f| match f.phase {
            Some(p) => format!("{} in {}", kind_name(f.kind), phase_name(p)),
            None => kind_name(f.kind).to_string(),
        })
        .collect::<Vec<_>>();
    let mut s = how.to_string();
    if !why.is_empty() {
        s += &format!(": {}", why.join(", "));
    }
    if !truncated.is_empty() {
        s += &format!(
            "; recovery TRUNCATED {} partition(s): data from the listed offsets on is gone",
            truncated.len()
        );
    }
    if !recovery_failed.is_empty() {
        s += &format!(
            "; recovery of {} partition(s) threw and so did their truncation: not cut",
            recovery_failed.len()
        );
    }
    if truncated.iter().any(|t| t.recovery_threw) {
        // 4.x logs neither the IOException nor the InvalidOffsetException it caught.
        s += " (a segment's recovery threw and Kafka did not log why: a refused index map or an invalid offset)";
    }
    s
}

pub fn kind_name(k: FailureKind) -> &'static str {
    match k {
        FailureKind::MapFailed => "Map failed",
        FailureKind::TooManyOpenFiles => "too many open files",
        FailureKind::NativeThread => "unable to create native thread",
        FailureKind::JvmInit => "the JVM could not initialize",
        FailureKind::NullPointer => "NullPointerException",
        FailureKind::Config => "configuration refused",
        FailureKind::Other => "fatal error",
    }
}

pub fn phase_name(p: MapPhase) -> &'static str {
    match p {
        MapPhase::Recovery => "segment recovery",
        MapPhase::RecoveryTruncation => "the truncation after a failed recovery",
        MapPhase::ActiveResize => "the active segment's index resize",
        MapPhase::MetadataLog => "the KRaft metadata log",
        MapPhase::LogLoad => "log loading",
        MapPhase::Running => "a running broker",
        MapPhase::Unknown => "an unknown step",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_huge_log_is_read_from_a_line_start_near_its_end() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("server.log");
        std::fs::write(&p, "first line\nsecond line\nthird\n").unwrap();
        let (b, skipped) = read_tail(&p, 16).unwrap();
        assert_eq!(String::from_utf8(b).unwrap(), "third\n");
        assert_eq!(skipped, 23);
        let (b, skipped) = read_tail(&p, 1 << 20).unwrap();
        assert_eq!((b.len(), skipped), (29, 0));
    }
}
