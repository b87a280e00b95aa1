//! The fleet view: many brokers' `check --format json` reports merged into one answer before a
//! rolling restart. Reading is lenient (only the fields the merge needs, unknown keys ignored)
//! so reports from newer 1.x tools still merge; a newer schema_version is refused per file.

pub mod render;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::report::SCHEMA_VERSION;

/// The three limits a restart can hit; the columns every format shows, in this order.
pub const CHECK_IDS: [&str; 3] = ["virtual_memory", "map_areas", "open_files"];

/// Our own status type: the report's is serialize-only, and the merge must not depend on how
/// `check` builds its verdict, only on the JSON contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Warn,
    Fail,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
        }
    }
}

// ---- what we read: the fields of docs/report-json.md the merge needs, nothing else ----

#[derive(Debug, Clone, Default, Deserialize)]
pub struct InBroker {
    #[serde(default)]
    pub host: Option<String>,
    #[serde(default)]
    pub broker_id: Option<i64>,
    #[serde(default)]
    pub cluster_id: Option<String>,
    #[serde(default)]
    pub kafka_version: Option<String>,
    #[serde(default)]
    pub checked_at: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct InCheck {
    pub id: String,
    pub status: Status,
    /// The number the check compares; schema 1 called it `needed` (then the best case).
    #[serde(default, alias = "needed")]
    pub required: Option<u64>,
    #[serde(default)]
    pub limit: Option<u64>,
    #[serde(default)]
    pub message: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct InRecommendation {
    pub setting: String,
    #[serde(default)]
    pub current: String,
    #[serde(default)]
    pub recommended: String,
    #[serde(default)]
    pub reason: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct InRecovery {
    #[serde(default)]
    pub slowest_seconds: Option<f64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct InEstimate {
    #[serde(default)]
    pub recovery: Option<InRecovery>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct InInventory {
    #[serde(default)]
    pub partitions: Option<u64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct InReport {
    pub schema_version: u32,
    /// Absent in reports written before the identity block existed: the file name stands in.
    #[serde(default)]
    pub broker: InBroker,
    #[serde(default)]
    pub verdict: Option<Status>,
    #[serde(default)]
    pub checks: Vec<InCheck>,
    #[serde(default)]
    pub recommendations: Vec<InRecommendation>,
    #[serde(default)]
    pub estimate: Option<InEstimate>,
    #[serde(default)]
    pub inventory: Option<InInventory>,
}

// ---- what we produce ----

#[derive(Debug, Clone, Serialize)]
pub struct CheckCell {
    pub status: Option<Status>,
    pub required: Option<u64>,
    /// None = unlimited.
    pub limit: Option<u64>,
    /// (limit - required) / limit in percent; negative when over the limit; None when unlimited
    /// or unknown.
    pub headroom_percent: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BrokerRow {
    pub file: String,
    pub host: String,
    pub broker_id: Option<i64>,
    pub cluster_id: Option<String>,
    pub kafka_version: Option<String>,
    pub verdict: Status,
    pub virtual_memory: CheckCell,
    pub map_areas: CheckCell,
    pub open_files: CheckCell,
    pub recovery_seconds: Option<f64>,
    pub partitions: Option<u64>,
    pub top_recommendation: Option<String>,
    pub checked_at: Option<String>,
}

impl BrokerRow {
    pub fn cell(&self, id: &str) -> &CheckCell {
        match id {
            "virtual_memory" => &self.virtual_memory,
            "map_areas" => &self.map_areas,
            _ => &self.open_files,
        }
    }

    /// The tightest of the three limits; unlimited/unknown sorts as infinite headroom.
    pub fn min_headroom(&self) -> f64 {
        CHECK_IDS
            .iter()
            .filter_map(|id| self.cell(id).headroom_percent)
            .fold(f64::INFINITY, f64::min)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct FileError {
    pub file: String,
    pub error: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Cluster {
    /// None: the reports did not know the cluster id (no meta.properties yet).
    pub cluster_id: Option<String>,
    pub failing: usize,
    pub warning: usize,
    pub passing: usize,
    pub brokers: Vec<BrokerRow>,
}

impl Cluster {
    pub fn worst(&self) -> Status {
        self.brokers
            .iter()
            .map(|b| b.verdict)
            .max()
            .unwrap_or(Status::Pass)
    }

    pub fn label(&self) -> String {
        self.cluster_id
            .clone()
            .unwrap_or_else(|| "(unknown cluster id)".into())
    }

    pub fn summary(&self) -> String {
        format!(
            "cluster {}: {} broker{}, {} failing, {} at risk (warn), {} passing",
            self.label(),
            self.brokers.len(),
            if self.brokers.len() == 1 { "" } else { "s" },
            self.failing,
            self.warning,
            self.passing
        )
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Fleet {
    pub schema_version: u32,
    /// Worst verdict over every merged broker; None when nothing could be read.
    pub verdict: Option<Status>,
    pub clusters: Vec<Cluster>,
    pub errors: Vec<FileError>,
}

/// Expands the arguments: a file is itself, a dir is its `*.json` files (sorted, so the output
/// does not depend on directory order). Problems become per-argument errors, never a stop.
pub fn expand(args: &[PathBuf]) -> (Vec<PathBuf>, Vec<FileError>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for a in args {
        if a.is_dir() {
            match std::fs::read_dir(a) {
                Ok(rd) => {
                    let mut found: Vec<PathBuf> = rd
                        .filter_map(Result::ok)
                        .map(|e| e.path())
                        .filter(|p| {
                            p.is_file()
                                && p.extension().is_some_and(|x| x == "json")
                                // write_atomically's temp files and editor droppings are hidden.
                                && !p
                                    .file_name()
                                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
                        })
                        .collect();
                    found.sort();
                    if found.is_empty() {
                        errors.push(FileError {
                            file: a.display().to_string(),
                            error: "directory holds no *.json report".into(),
                        });
                    }
                    files.extend(found);
                }
                Err(e) => errors.push(FileError {
                    file: a.display().to_string(),
                    error: format!("cannot read directory: {e}"),
                }),
            }
        } else {
            files.push(a.clone());
        }
    }
    (files, errors)
}

/// The parts of a report the merge reads; everything else (problems, per-dir inventories,
/// topics: the bulk of a large broker's report) is skipped while streaming, never held.
#[derive(Deserialize)]
struct Slim {
    schema_version: Option<serde_json::Value>,
    broker: Option<serde_json::Value>,
    verdict: Option<serde_json::Value>,
    checks: Option<serde_json::Value>,
    recommendations: Option<serde_json::Value>,
    estimate: Option<SlimEstimate>,
    inventory: Option<SlimInventory>,
}

#[derive(Deserialize, Serialize)]
struct SlimEstimate {
    #[serde(skip_serializing_if = "Option::is_none")]
    recovery: Option<serde_json::Value>,
}

#[derive(Deserialize, Serialize)]
struct SlimInventory {
    #[serde(skip_serializing_if = "Option::is_none")]
    partitions: Option<serde_json::Value>,
}

/// Streams one report file (a regular file only: a FIFO would block) and parses it as [`parse`]
/// does, in memory bounded by the fields the merge uses rather than by the file.
pub fn read_report(f: &Path) -> Result<InReport, String> {
    let (r, _) = crate::fsread::Reader::open(f, crate::fsread::Follow::Yes, None)
        .map_err(|e| format!("cannot read: {e}"))?;
    let mut r = std::io::BufReader::with_capacity(256 << 10, r);
    let why = |e: serde_json::Error| {
        if e.is_io() {
            format!("cannot read: {e}")
        } else if e.is_data() {
            format!("not a kafka-preflight check report: {e}")
        } else {
            format!("not a JSON report: {e}")
        }
    };
    // A derived struct also accepts a JSON array: look at the first byte first.
    let first = loop {
        let buf = std::io::BufRead::fill_buf(&mut r).map_err(|e| format!("cannot read: {e}"))?;
        match buf.iter().position(|b| !b.is_ascii_whitespace()) {
            Some(i) => break Some(buf[i]),
            None if buf.is_empty() => break None,
            None => {
                let n = buf.len();
                std::io::BufRead::consume(&mut r, n);
            }
        }
    };
    if first != Some(b'{') {
        serde_json::from_reader::<_, serde::de::IgnoredAny>(r).map_err(why)?;
        return Err("not a kafka-preflight report: the JSON is not an object".into());
    }
    let slim: Slim = serde_json::from_reader(r).map_err(why)?;
    let mut m = serde_json::Map::new();
    let mut put = |k: &str, v: Option<serde_json::Value>| {
        if let Some(v) = v {
            m.insert(k.to_string(), v);
        }
    };
    put("schema_version", slim.schema_version);
    put("broker", slim.broker);
    put("verdict", slim.verdict);
    put("checks", slim.checks);
    put("recommendations", slim.recommendations);
    put(
        "estimate",
        slim.estimate.and_then(|e| serde_json::to_value(e).ok()),
    );
    put(
        "inventory",
        slim.inventory.and_then(|i| serde_json::to_value(i).ok()),
    );
    checked(serde_json::Value::Object(m))
}

/// Parses one report. The schema_version is looked at before the typed parse, so a newer
/// report gets "upgrade" rather than a confusing missing-field message.
pub fn parse(text: &str) -> Result<InReport, String> {
    let v: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("not a JSON report: {e}"))?;
    if !v.is_object() {
        return Err("not a kafka-preflight report: the JSON is not an object".into());
    }
    checked(v)
}

fn checked(v: serde_json::Value) -> Result<InReport, String> {
    match v.get("schema_version").and_then(serde_json::Value::as_u64) {
        None => {
            return Err(
                "not a kafka-preflight check report: no numeric schema_version".into(),
            )
        }
        Some(n) if n > u64::from(SCHEMA_VERSION) => {
            return Err(format!(
                "schema_version {n} is newer than this kafka-preflight understands ({SCHEMA_VERSION}): upgrade kafka-preflight where you merge"
            ))
        }
        Some(_) => {}
    }
    serde_json::from_value(v).map_err(|e| format!("not a kafka-preflight check report: {e}"))
}

fn cell(r: &InReport, id: &str) -> CheckCell {
    let Some(c) = r.checks.iter().find(|c| c.id == id) else {
        return CheckCell {
            status: None,
            required: None,
            limit: None,
            headroom_percent: None,
        };
    };
    let headroom_percent = match (c.required, c.limit) {
        (Some(n), Some(l)) if l > 0 => Some((l as f64 - n as f64) / l as f64 * 100.0),
        // A zero limit admits nothing: as tight as it gets.
        (Some(_), Some(_)) => Some(f64::NEG_INFINITY),
        _ => None,
    };
    CheckCell {
        status: Some(c.status),
        required: c.required,
        limit: c.limit,
        headroom_percent,
    }
}

/// One report -> one row. Errors when nothing says how the broker did.
pub fn row(file: &Path, r: &InReport) -> Result<BrokerRow, String> {
    let verdict = r
        .verdict
        .or_else(|| r.checks.iter().map(|c| c.status).max())
        .ok_or("no verdict and no checks: not a check report (was it run without limits?)")?;
    let b = &r.broker;
    let host = b.host.clone().unwrap_or_else(|| {
        file.file_stem().map_or_else(
            || file.display().to_string(),
            |s| s.to_string_lossy().into(),
        )
    });
    Ok(BrokerRow {
        file: file.display().to_string(),
        host,
        broker_id: b.broker_id,
        cluster_id: b.cluster_id.clone(),
        kafka_version: b.kafka_version.clone(),
        verdict,
        virtual_memory: cell(r, "virtual_memory"),
        map_areas: cell(r, "map_areas"),
        open_files: cell(r, "open_files"),
        recovery_seconds: r
            .estimate
            .as_ref()
            .and_then(|e| e.recovery.as_ref())
            .and_then(|x| x.slowest_seconds),
        partitions: r.inventory.as_ref().and_then(|i| i.partitions),
        top_recommendation: r
            .recommendations
            .first()
            .map(|x| format!("{}: {} -> {}", x.setting, x.current, x.recommended)),
        checked_at: b.checked_at.clone(),
    })
}

/// Worst first: fail > warn > pass, then the smallest headroom, then host for a stable order.
fn order(a: &BrokerRow, b: &BrokerRow) -> std::cmp::Ordering {
    b.verdict
        .cmp(&a.verdict)
        .then(a.min_headroom().total_cmp(&b.min_headroom()))
        .then_with(|| a.host.cmp(&b.host))
        .then_with(|| a.file.cmp(&b.file))
}

/// Reads every argument and merges what could be read; unreadable files land in `errors`.
pub fn merge(args: &[PathBuf]) -> Fleet {
    let (files, mut errors) = expand(args);
    let mut rows = Vec::new();
    for f in files {
        let res = read_report(&f).and_then(|r| row(&f, &r));
        match res {
            Ok(r) => rows.push(r),
            Err(error) => errors.push(FileError {
                file: f.display().to_string(),
                error,
            }),
        }
    }
    from_rows(rows, errors)
}

/// A broker checked twice (a stale report left next to a fresh one, or a file named twice)
/// would count twice: keep the newest report of each host + cluster + broker id and name the
/// others. Reports without a cluster or broker id cannot be told apart safely and all stay.
fn drop_superseded(rows: Vec<BrokerRow>, errors: &mut Vec<FileError>) -> Vec<BrokerRow> {
    let mut newest: BTreeMap<(String, String, i64), BrokerRow> = BTreeMap::new();
    let mut kept = Vec::new();
    for r in rows {
        let (Some(c), Some(id)) = (r.cluster_id.clone(), r.broker_id) else {
            kept.push(r);
            continue;
        };
        let key = (c, r.host.clone(), id);
        match newest.remove(&key) {
            None => {
                newest.insert(key, r);
            }
            Some(old) => {
                // RFC 3339 UTC timestamps order as strings.
                let (keep, drop) = if r.checked_at > old.checked_at {
                    (r, old)
                } else {
                    (old, r)
                };
                errors.push(FileError {
                    file: drop.file.clone(),
                    error: format!(
                        "superseded by {} (same host, cluster and broker id, checked later): not merged",
                        keep.file
                    ),
                });
                newest.insert(key, keep);
            }
        }
    }
    kept.extend(newest.into_values());
    kept
}

pub fn from_rows(rows: Vec<BrokerRow>, mut errors: Vec<FileError>) -> Fleet {
    let rows = drop_superseded(rows, &mut errors);
    let verdict = rows.iter().map(|r| r.verdict).max();
    let mut by_cluster: BTreeMap<Option<String>, Vec<BrokerRow>> = BTreeMap::new();
    for r in rows {
        by_cluster.entry(r.cluster_id.clone()).or_default().push(r);
    }
    let mut clusters: Vec<Cluster> = by_cluster
        .into_iter()
        .map(|(cluster_id, mut brokers)| {
            brokers.sort_by(order);
            let count = |s| brokers.iter().filter(|b| b.verdict == s).count();
            Cluster {
                cluster_id,
                failing: count(Status::Fail),
                warning: count(Status::Warn),
                passing: count(Status::Pass),
                brokers,
            }
        })
        .collect();
    // The cluster that needs attention first comes first; ties keep cluster-id order, with
    // the unknown cluster last.
    clusters.sort_by(|a, b| {
        b.worst()
            .cmp(&a.worst())
            .then_with(|| a.cluster_id.is_none().cmp(&b.cluster_id.is_none()))
            .then_with(|| a.cluster_id.cmp(&b.cluster_id))
    });
    Fleet {
        schema_version: SCHEMA_VERSION,
        verdict,
        clusters,
        errors,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_what_is_not_a_check_report_with_a_reason() {
        let e = |t: &str| parse(t).map(|_| ()).unwrap_err();
        assert!(e("[1, 2]").contains("not an object"));
        assert!(e("{\"checks\": []}").contains("no numeric schema_version"));
        assert!(e("{\"schema_version\": 7}").contains("schema_version 7 is newer"));
        assert!(
            e("{\"schema_version\": 1, \"checks\": [{\"id\": \"x\", \"status\": \"meh\"}]}")
                .contains("not a kafka-preflight check report")
        );
        let r = parse("{\"schema_version\": 1}").unwrap();
        assert!(row(Path::new("h.json"), &r)
            .unwrap_err()
            .contains("no verdict"));
    }

    #[test]
    fn a_stale_report_of_the_same_broker_is_not_counted_twice() {
        let r = |at: &str| {
            parse(&format!(
                r#"{{"schema_version": 1, "verdict": "pass", "broker": {{"host": "h", "broker_id": 1, "cluster_id": "c", "checked_at": "{at}"}}}}"#
            ))
            .unwrap()
        };
        let old = row(Path::new("old.json"), &r("2026-11-24T10:00:00Z")).unwrap();
        let new = row(Path::new("new.json"), &r("2026-11-25T10:00:00Z")).unwrap();
        let f = from_rows(vec![new, old], Vec::new());
        assert_eq!(f.clusters[0].brokers.len(), 1);
        assert_eq!(f.clusters[0].brokers[0].file, "new.json");
        assert_eq!(f.errors[0].file, "old.json");
        assert!(f.errors[0].error.contains("superseded by new.json"));
    }

    #[test]
    fn a_report_without_identity_is_named_after_its_file() {
        let r = parse(
            r#"{"schema_version": 1, "checks": [{"id": "open_files", "status": "fail", "needed": 20, "limit": 10}]}"#,
        )
        .unwrap();
        let row = row(Path::new("/x/broker-7.json"), &r).unwrap();
        assert_eq!(row.host, "broker-7");
        assert_eq!(row.verdict, Status::Fail);
        assert_eq!(row.open_files.headroom_percent, Some(-100.0));
        assert_eq!(row.virtual_memory.status, None);
    }
}
