//! The fleet view: many brokers' `check --format json` reports merged into one answer before a
//! rolling restart. Reading is lenient (only the fields the merge needs, unknown keys ignored)
//! so reports from newer 1.x tools still merge; a newer schema_version is refused per file.

mod duplicates;
pub mod freshness;
/// Rendering lives with the other results in `output/`.
pub use crate::output::fleet as render;
mod supersede;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::report::SCHEMA_VERSION;

pub use duplicates::DuplicateId;
pub use supersede::Superseded;

/// The three limits a restart can hit; the columns every format shows, in this order.
pub const CHECK_IDS: [&str; 3] = ["virtual_memory", "map_areas", "open_files"];

/// Our own status type: the report's is serialize-only, and the merge must not depend on how
/// `check` builds its verdict, only on the JSON contract. Ordered by how much it blocks a
/// rolling restart: a broker whose report could not be read may be failing, so `Unknown` ranks
/// above `Warn`; a known failure ranks above it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Warn,
    /// Only the merge produces it: the report of this broker (or input) could not be read.
    Unknown,
    Fail,
}

impl Status {
    /// The check status this is, None for `Unknown` (the merge's own).
    pub fn known(self) -> Option<crate::verdict::Status> {
        use crate::verdict::Status as V;
        match self {
            Status::Pass => Some(V::Pass),
            Status::Warn => Some(V::Warn),
            Status::Unknown => None,
            Status::Fail => Some(V::Fail),
        }
    }

    /// Spelled as [`crate::verdict::Status::as_str`] spells the three it shares.
    pub fn as_str(self) -> &'static str {
        self.known()
            .map_or("unknown", crate::verdict::Status::as_str)
    }

    pub fn label(self) -> &'static str {
        self.known()
            .map_or("UNKNOWN", crate::verdict::Status::label)
    }
}

impl From<crate::verdict::Status> for Status {
    fn from(s: crate::verdict::Status) -> Status {
        use crate::verdict::Status as V;
        match s {
            V::Pass => Status::Pass,
            V::Warn => Status::Warn,
            V::Fail => Status::Fail,
        }
    }
}

// ---- what we read: the fields of docs/report-json.md the merge needs, nothing else ----

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
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
    /// The checks it fixes, most direct first; empty in reports of releases that did not say.
    #[serde(default)]
    pub fixes: Vec<String>,
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

/// The check that decides a row's verdict: the first one with the worst status, whichever it
/// is (log_dirs, recovery_time, ...), not only the three resources the columns show.
#[derive(Debug, Clone, Serialize)]
pub struct CheckNote {
    pub id: String,
    pub status: Status,
    pub message: String,
    /// Its recommendation, "setting: current -> recommended"; None when the report has none.
    pub fix: Option<String>,
}

impl CheckCell {
    /// The report has no such check (or could not be read).
    pub fn absent() -> Self {
        CheckCell {
            status: None,
            required: None,
            limit: None,
            headroom_percent: None,
        }
    }
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
    /// None when the verdict is pass.
    pub worst_check: Option<CheckNote>,
    /// Why the verdict is `unknown`: the input could not be read or is not a usable report.
    pub unreadable: Option<String>,
    /// Another host of the same cluster claims this broker id (see `Fleet::duplicate_broker_ids`).
    pub duplicate_broker_id: bool,
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
    /// What could still be read of the report's broker block, so its row lands in the right
    /// cluster under the right host.
    #[serde(skip)]
    pub identity: InBroker,
}

impl FileError {
    pub fn new(file: impl Into<String>, error: impl Into<String>) -> Self {
        FileError {
            file: file.into(),
            error: error.into(),
            identity: InBroker::default(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Cluster {
    /// None: the reports did not know the cluster id (no meta.properties yet).
    pub cluster_id: Option<String>,
    pub failing: usize,
    /// Brokers whose report could not be read.
    pub unknown: usize,
    pub warning: usize,
    pub passing: usize,
    pub brokers: Vec<BrokerRow>,
    pub duplicate_broker_ids: Vec<DuplicateId>,
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
        let mut s = format!(
            "cluster {}: {} broker{}, {} failing, {} unknown (unreadable report), {} at risk (warn), {} passing",
            self.label(),
            self.brokers.len(),
            if self.brokers.len() == 1 { "" } else { "s" },
            self.failing,
            self.unknown,
            self.warning,
            self.passing
        );
        for d in &self.duplicate_broker_ids {
            s.push_str(&format!("; DUPLICATE {}", d.message()));
        }
        s
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Fleet {
    pub schema_version: u32,
    /// Worst verdict over every broker, unreadable ones (`unknown`) included, and `fail` when
    /// two hosts claim one broker id; None when no report at all could be read.
    pub verdict: Option<Status>,
    pub clusters: Vec<Cluster>,
    /// Inputs that could not be read; each is also an `unknown` broker in its cluster.
    pub errors: Vec<FileError>,
    /// Reports of a broker that has a newer (or, on a tie, a worse) report merged.
    pub superseded: Vec<Superseded>,
    pub duplicate_broker_ids: Vec<DuplicateId>,
}

impl Fleet {
    pub fn brokers(&self) -> impl Iterator<Item = &BrokerRow> {
        self.clusters.iter().flat_map(|c| c.brokers.iter())
    }
}

/// Expands the arguments: a file is itself, a dir is its `*.json` files (sorted, so the output
/// does not depend on directory order). Problems become per-argument errors, never a stop.
/// `written` (merge's own `--output`) is left out of a directory: the answer written next to
/// the reports last time is not a broker.
pub fn expand(args: &[PathBuf], written: Option<&Path>) -> (Vec<PathBuf>, Vec<FileError>) {
    let same = |p: &Path| {
        written.is_some_and(|w| match (p.canonicalize(), w.canonicalize()) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        })
    };
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
                                && !same(p)
                        })
                        .collect();
                    found.sort();
                    if found.is_empty() {
                        errors.push(FileError::new(
                            a.display().to_string(),
                            "directory holds no *.json report",
                        ));
                    }
                    files.extend(found);
                }
                Err(e) => errors.push(FileError::new(
                    a.display().to_string(),
                    format!("cannot read directory: {e}"),
                )),
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
    /// Only whether it is there: a merged fleet answer has it, a check report never.
    clusters: Option<serde::de::IgnoredAny>,
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
    read_slim(f).and_then(checked)
}

/// The streaming half of [`read_report`]: the fields the merge uses as one JSON object, not yet
/// checked, so a report refused later (a newer schema) still tells whose it is.
fn read_slim(f: &Path) -> Result<serde_json::Value, String> {
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
    put(
        "clusters",
        slim.clusters.map(|_| serde_json::Value::Bool(true)),
    );
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
    Ok(serde_json::Value::Object(m))
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
    // It has a verdict and a schema_version too, and would pass as a broker named after it.
    if v.get("clusters").is_some() {
        return Err(
            "a merged fleet answer (merge --format json), not a check report: merge the reports it was made from"
                .into(),
        );
    }
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
        return CheckCell::absent();
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

/// "setting: current -> recommended".
fn fix_text(x: &InRecommendation) -> String {
    format!("{}: {} -> {}", x.setting, x.current, x.recommended)
}

/// The check that decides the verdict and the recommendation that fixes it. Reports that do
/// not say which check a recommendation fixes get none rather than a guess: the first
/// recommendation can belong to a check that passes.
fn worst_check(r: &InReport, verdict: Status) -> Option<CheckNote> {
    if verdict == Status::Pass {
        return None;
    }
    let c = r.checks.iter().find(|c| c.status == verdict)?;
    let fix = r
        .recommendations
        .iter()
        .find(|x| x.fixes.contains(&c.id))
        .map(fix_text);
    Some(CheckNote {
        id: c.id.clone(),
        status: c.status,
        message: c.message.clone(),
        fix,
    })
}

/// The host a report names, else its file's stem (reports written before the identity block).
fn host_of(file: &str, b: &InBroker) -> String {
    b.host.clone().unwrap_or_else(|| {
        let p = Path::new(file);
        p.file_stem()
            .map_or_else(|| file.to_string(), |s| s.to_string_lossy().into())
    })
}

/// One report -> one row. Errors when nothing says how the broker did.
pub fn row(file: &Path, r: &InReport) -> Result<BrokerRow, String> {
    let verdict = r
        .verdict
        .or_else(|| r.checks.iter().map(|c| c.status).max())
        .ok_or("no verdict and no checks: not a check report (was it run without limits?)")?;
    if verdict == Status::Unknown {
        return Err(
            "verdict \"unknown\" is not a check report's: is this a merged fleet file?".into(),
        );
    }
    let b = &r.broker;
    let file = file.display().to_string();
    Ok(BrokerRow {
        host: host_of(&file, b),
        file,
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
        top_recommendation: r.recommendations.first().map(fix_text),
        checked_at: b.checked_at.clone(),
        worst_check: worst_check(r, verdict),
        unreadable: None,
        duplicate_broker_id: false,
    })
}

/// What can still be read of the broker block of a report that cannot be merged (a newer
/// schema, a field of the wrong type elsewhere); nothing for text that is not JSON.
fn identity(v: &serde_json::Value) -> InBroker {
    v.get("broker")
        .cloned()
        .and_then(|b| serde_json::from_value(b).ok())
        .unwrap_or_default()
}

/// An input that could not be merged, as the broker nobody knows the state of.
fn unknown_row(e: &FileError) -> BrokerRow {
    let none = CheckCell::absent;
    let b = &e.identity;
    BrokerRow {
        file: e.file.clone(),
        host: host_of(&e.file, b),
        broker_id: b.broker_id,
        cluster_id: b.cluster_id.clone(),
        kafka_version: b.kafka_version.clone(),
        verdict: Status::Unknown,
        virtual_memory: none(),
        map_areas: none(),
        open_files: none(),
        recovery_seconds: None,
        partitions: None,
        top_recommendation: None,
        checked_at: b.checked_at.clone(),
        worst_check: None,
        unreadable: Some(e.error.clone()),
        duplicate_broker_id: false,
    }
}

/// Worst first: fail > unknown > warn > pass, then the smallest headroom, then host for a
/// stable order.
fn order(a: &BrokerRow, b: &BrokerRow) -> std::cmp::Ordering {
    b.verdict
        .cmp(&a.verdict)
        .then(a.min_headroom().total_cmp(&b.min_headroom()))
        .then_with(|| a.host.cmp(&b.host))
        .then_with(|| a.file.cmp(&b.file))
}

/// Reads every argument and merges what could be read; what could not lands in `errors` and
/// as an `unknown` broker.
pub fn merge(
    args: &[PathBuf],
    written: Option<&Path>,
    max_age: Option<&freshness::MaxAge>,
) -> Fleet {
    let (files, mut errors) = expand(args, written);
    let mut rows = Vec::new();
    for f in files {
        let slim = read_slim(&f);
        let res = slim.clone().and_then(checked).and_then(|r| row(&f, &r));
        match res {
            Ok(r) => rows.push(r),
            Err(error) => errors.push(FileError {
                file: f.display().to_string(),
                error,
                identity: slim.map(|v| identity(&v)).unwrap_or_default(),
            }),
        }
    }
    from_rows(rows, errors, max_age)
}

/// The fleet from the rows read and the inputs that could not be; with `max_age`, the newest
/// report of each broker is also judged by its age (after the older reports of the same broker
/// are superseded: a fresh report makes an old one irrelevant).
pub fn from_rows(
    rows: Vec<BrokerRow>,
    mut errors: Vec<FileError>,
    max_age: Option<&freshness::MaxAge>,
) -> Fleet {
    let any_read = !rows.is_empty();
    let (rows, superseded) = supersede::newest_per_broker(rows);
    let (mut rows, stale) = freshness::split(rows, max_age);
    errors.extend(stale);
    rows.extend(errors.iter().map(unknown_row));
    let duplicate_broker_ids = duplicates::find(&rows);
    for r in &mut rows {
        r.duplicate_broker_id = duplicate_broker_ids.iter().any(|d| {
            Some(&d.cluster_id) == r.cluster_id.as_ref() && Some(d.broker_id) == r.broker_id
        });
    }
    let worst = rows.iter().map(|r| r.verdict).max();
    let verdict = any_read.then(|| {
        if duplicate_broker_ids.is_empty() {
            worst.unwrap_or(Status::Pass)
        } else {
            Status::Fail
        }
    });
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
                failing: count(Status::Fail),
                unknown: count(Status::Unknown),
                warning: count(Status::Warn),
                passing: count(Status::Pass),
                duplicate_broker_ids: duplicate_broker_ids
                    .iter()
                    .filter(|d| Some(&d.cluster_id) == cluster_id.as_ref())
                    .cloned()
                    .collect(),
                cluster_id,
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
        superseded,
        duplicate_broker_ids,
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

    fn report(json: &str) -> InReport {
        parse(json).unwrap()
    }

    #[test]
    fn a_superseded_report_is_not_an_unreadable_one() {
        let r = |at: &str| {
            report(&format!(
                r#"{{"schema_version": 1, "verdict": "pass", "broker": {{"host": "h", "broker_id": 1, "cluster_id": "c", "checked_at": "{at}"}}}}"#
            ))
        };
        let old = row(Path::new("old.json"), &r("2026-11-24T10:00:00Z")).unwrap();
        let new = row(Path::new("new.json"), &r("2026-11-25T10:00:00Z")).unwrap();
        let f = from_rows(vec![new, old], Vec::new(), None);
        assert_eq!(f.clusters[0].brokers.len(), 1);
        assert_eq!(f.clusters[0].brokers[0].file, "new.json");
        assert!(f.errors.is_empty());
        assert_eq!(f.superseded[0].file, "old.json");
        assert_eq!(f.verdict, Some(Status::Pass));
    }

    #[test]
    fn an_unreadable_input_is_a_broker_of_unknown_state_and_blocks_pass() {
        let pass = row(
            Path::new("ok.json"),
            &report(r#"{"schema_version": 1, "verdict": "pass", "broker": {"host": "a", "broker_id": 1, "cluster_id": "c"}}"#),
        )
        .unwrap();
        let mut future = FileError::new("/r/b.json", "schema_version 2 is newer");
        future.identity = identity(&serde_json::json!(
            {"schema_version": 9, "broker": {"host": "b", "broker_id": 2, "cluster_id": "c"}}
        ));
        let corrupt = FileError::new("/r/c.json", "not a JSON report");
        assert_eq!(
            identity(&serde_json::json!({"broker": 7})),
            InBroker::default()
        );
        let f = from_rows(vec![pass], vec![future, corrupt], None);
        assert_eq!(f.verdict, Some(Status::Unknown));
        assert_eq!(f.errors.len(), 2);
        let c = &f.clusters[0];
        assert_eq!(c.cluster_id.as_deref(), Some("c"));
        assert_eq!((c.unknown, c.passing), (1, 1));
        assert_eq!(c.brokers[0].host, "b", "unknown sorts above pass");
        assert_eq!(
            c.brokers[0].unreadable.as_deref(),
            Some("schema_version 2 is newer")
        );
        let lost = &f.clusters[1];
        assert_eq!(lost.cluster_id, None);
        assert_eq!(lost.brokers[0].host, "c");
        assert_eq!(lost.brokers[0].file, "/r/c.json");
        assert!(c.summary().contains("1 unknown"), "{}", c.summary());

        let none = from_rows(
            Vec::new(),
            vec![FileError::new("x.json", "not a JSON report")],
            None,
        );
        assert_eq!(none.verdict, None, "nothing readable stays a tool error");
        assert_eq!(none.clusters[0].brokers[0].verdict, Status::Unknown);
    }

    #[test]
    fn the_row_names_the_check_that_fails_and_its_own_fix() {
        let r = report(
            r#"{"schema_version": 1, "verdict": "fail",
                "checks": [
                  {"id": "virtual_memory", "status": "pass", "needed": 1, "limit": null, "message": ""},
                  {"id": "log_dirs", "status": "fail", "message": "lost+found is not a topic-partition directory"}],
                "recommendations": [
                  {"fixes": ["open_files"], "setting": "ulimit -n", "current": "1024", "recommended": "100000"},
                  {"fixes": ["log_dirs"], "setting": "log dir entry", "current": "/d/lost+found", "recommended": "moved out of the log dir"}]}"#,
        );
        let w = row(Path::new("h.json"), &r).unwrap().worst_check.unwrap();
        assert_eq!(w.id, "log_dirs");
        assert!(w.message.contains("lost+found"));
        assert_eq!(
            w.fix.as_deref(),
            Some("log dir entry: /d/lost+found -> moved out of the log dir")
        );
    }

    #[test]
    fn two_hosts_with_one_broker_id_fail_the_cluster() {
        let r = |host: &str, cluster: &str| {
            row(
                Path::new(&format!("{host}.json")),
                &report(&format!(
                    r#"{{"schema_version": 1, "verdict": "pass", "broker": {{"host": "{host}", "broker_id": 3, "cluster_id": "{cluster}"}}}}"#
                )),
            )
            .unwrap()
        };
        let f = from_rows(
            vec![r("a", "c"), r("b", "c"), r("z", "other")],
            Vec::new(),
            None,
        );
        assert_eq!(f.verdict, Some(Status::Fail));
        assert_eq!(f.duplicate_broker_ids.len(), 1);
        let d = &f.duplicate_broker_ids[0];
        assert_eq!((d.cluster_id.as_str(), d.broker_id), ("c", 3));
        assert_eq!(d.hosts, ["a", "b"]);
        let c = f
            .clusters
            .iter()
            .find(|c| c.cluster_id.as_deref() == Some("c"))
            .unwrap();
        assert!(c.brokers.iter().all(|b| b.duplicate_broker_id));
        assert!(c
            .summary()
            .contains("DUPLICATE broker id 3 of cluster c is claimed by 2 hosts: a, b"));
        let other = f
            .clusters
            .iter()
            .find(|c| c.cluster_id.as_deref() == Some("other"))
            .unwrap();
        assert!(
            !other.brokers[0].duplicate_broker_id,
            "the same id in another cluster is fine"
        );
        assert!(other.duplicate_broker_ids.is_empty());
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
