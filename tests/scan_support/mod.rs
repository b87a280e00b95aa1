//! Shared by tests/scan_*.rs and tests/read_only.rs: a model of a broker's log dirs that writes
//! itself to disk (sparse files) and computes, without using src/scan, what the `inventory`
//! section of `check --format json` must say about it.
//!
//! The unflushed rule the expectations follow (kafka-model.md §1, LogLoader): in a dir without a
//! clean-shutdown marker, a log recovers from the segment whose base offset is the greatest one
//! <= its recovery point to the end; no checkpoint entry, no checkpoint or a corrupt checkpoint
//! means every segment; -delete dirs never recover; the KRaft metadata log always recovers all
//! its segments.
#![allow(dead_code)]

#[path = "../common/mod.rs"]
pub mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

pub const UUID: &str = "0123456789abcdef0123456789abcdef";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Partition,
    Delete,
    Future,
    Stray,
    Metadata,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scenario {
    AsFound,
    Clean,
    Crash,
}

impl Scenario {
    pub const ALL: [Scenario; 3] = [Scenario::AsFound, Scenario::Clean, Scenario::Crash];

    pub fn flag(self) -> &'static str {
        match self {
            Scenario::AsFound => "as-found",
            Scenario::Clean => "clean",
            Scenario::Crash => "crash",
        }
    }
}

/// One segment: `<base>.log` of `log` bytes and the files beside it.
#[derive(Clone, Debug)]
pub struct Seg {
    pub base: u64,
    pub log: u64,
    pub index: Option<u64>,
    pub time: Option<u64>,
    pub txn: bool,
    /// Digits of the file names (Kafka writes 20; fewer still load).
    pub width: usize,
}

impl Seg {
    pub fn new(base: u64, log: u64) -> Self {
        Seg {
            base,
            log,
            index: Some(2040),
            time: Some(3060),
            txn: false,
            width: 20,
        }
    }
    pub fn txn(mut self) -> Self {
        self.txn = true;
        self
    }
    pub fn index(mut self, n: Option<u64>) -> Self {
        self.index = n;
        self
    }
    pub fn time(mut self, n: Option<u64>) -> Self {
        self.time = n;
        self
    }
    pub fn width(mut self, w: usize) -> Self {
        self.width = w;
        self
    }
    fn file(&self, ext: &str) -> String {
        format!("{:0w$}.{ext}", self.base, w = self.width)
    }
}

/// One sub-directory of a log dir that Kafka loads as a log.
#[derive(Clone, Debug)]
pub struct Part {
    pub topic: String,
    pub partition: i32,
    pub kind: Kind,
    pub segs: Vec<Seg>,
    /// `<offset>.snapshot` producer snapshots.
    pub snapshots: Vec<u64>,
    /// `.deleted` / `.cleaned` files: counted as temp files, nothing else.
    pub temp_files: Vec<String>,
    /// Files that must not change any count (`.swap`, orphan indexes, leader-epoch-checkpoint...).
    pub ignored_files: Vec<String>,
}

impl Part {
    pub fn new(topic: &str, partition: i32, kind: Kind) -> Self {
        Part {
            topic: topic.into(),
            partition,
            kind,
            segs: Vec::new(),
            snapshots: Vec::new(),
            temp_files: Vec::new(),
            ignored_files: Vec::new(),
        }
    }
    pub fn seg(mut self, s: Seg) -> Self {
        self.segs.push(s);
        self
    }
    /// Segments at `bases`, each `.log` of a distinct size so byte sums pin every segment.
    pub fn segs(mut self, bases: &[u64], log_size: u64) -> Self {
        for (i, b) in bases.iter().enumerate() {
            self.segs.push(Seg::new(*b, log_size + i as u64 * 7 + 1));
        }
        self
    }
    pub fn snapshot(mut self, offset: u64) -> Self {
        self.snapshots.push(offset);
        self
    }
    pub fn temp(mut self, name: &str) -> Self {
        self.temp_files.push(name.into());
        self
    }
    pub fn ignored(mut self, name: &str) -> Self {
        self.ignored_files.push(name.into());
        self
    }
    pub fn dir_name(&self) -> String {
        let (t, p) = (&self.topic, self.partition);
        match self.kind {
            Kind::Partition | Kind::Metadata => format!("{t}-{p}"),
            Kind::Delete => format!("{t}-{p}.{UUID}-delete"),
            Kind::Future => format!("{t}-{p}.{UUID}-future"),
            Kind::Stray => format!("{t}-{p}.{UUID}-stray"),
        }
    }

    /// The layout src/synth.rs documents for `spec` (used to check synth-written dirs).
    pub fn from_spec(spec: &kafka_preflight::synth::PartitionSpec) -> Self {
        let kind = match spec.suffix {
            "" if spec.topic == "__cluster_metadata" => Kind::Metadata,
            "" => Kind::Partition,
            "delete" => Kind::Delete,
            "future" => Kind::Future,
            "stray" => Kind::Stray,
            s => panic!("unknown synth suffix {s}"),
        };
        let mut p = Part::new(&spec.topic, spec.partition, kind);
        for i in 0..spec.segments {
            let active = i + 1 == spec.segments;
            let (o, t) = if active {
                (
                    spec.active_index_bytes / 8 * 8,
                    spec.active_index_bytes / 12 * 12,
                )
            } else {
                (spec.trimmed_index_bytes, spec.trimmed_index_bytes / 8 * 12)
            };
            let mut s = Seg::new(i * 1000, spec.segment_bytes).index(Some(o));
            s.time = spec.with_time_index.then_some(t);
            s.txn = i < spec.txn_index_segments;
            p.segs.push(s);
        }
        if spec.producer_snapshot && spec.segments > 0 {
            p.snapshots.push((spec.segments - 1) * 1000);
        }
        p
    }

    fn write(&self, dir: &Path) {
        let d = dir.join(self.dir_name());
        fs::create_dir_all(&d).unwrap();
        for s in &self.segs {
            sparse(&d.join(s.file("log")), s.log);
            if let Some(n) = s.index {
                sparse(&d.join(s.file("index")), n);
            }
            if let Some(n) = s.time {
                sparse(&d.join(s.file("timeindex")), n);
            }
            if s.txn {
                sparse(&d.join(s.file("txnindex")), 34);
            }
        }
        for o in &self.snapshots {
            sparse(&d.join(format!("{o:020}.snapshot")), 10);
        }
        for f in self.temp_files.iter().chain(&self.ignored_files) {
            sparse(&d.join(f), 5);
        }
    }

    fn sorted(&self) -> Vec<&Seg> {
        let mut v: Vec<&Seg> = self.segs.iter().collect();
        v.sort_by_key(|s| s.base);
        v
    }
}

pub fn sparse(path: &Path, len: u64) {
    fs::File::create(path)
        .and_then(|f| f.set_len(len))
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

#[derive(Clone, Debug)]
pub enum Checkpoint {
    Missing,
    /// Written as is (garbage: Kafka cannot parse it).
    Corrupt(Vec<u8>),
    /// `topic partition offset` entries, written in Kafka's format.
    Entries(Vec<(String, i32, u64)>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Marker {
    None,
    /// 0.8 - 3.6: an empty file.
    Empty,
    /// 3.7+: `{"version":0,"brokerEpoch":N}`.
    Json(i64),
}

#[derive(Clone, Debug)]
pub struct LogDir {
    pub path: PathBuf,
    pub parts: Vec<Part>,
    pub checkpoint: Checkpoint,
    pub marker: Marker,
    /// metadata.log.dir outside log.dirs: only the metadata log is read there.
    pub metadata_only: bool,
    /// Sub-directories Kafka refuses (`lost+found`...): error-level problems.
    pub invalid_dirs: Vec<String>,
    /// Sub-directories that hold a metadata log Kafka ignores (not the metadata dir, or not -0).
    pub ignored_metadata_dirs: Vec<String>,
    /// Files directly in the log dir that change no count.
    pub loose_files: Vec<(String, Vec<u8>)>,
    /// A `remote-log-index-cache/` with a few cached indexes (never counted as segments).
    pub remote_cache: bool,
    /// Written by src/synth.rs instead of [`Part::write`] (its checkpoint and marker too).
    pub synth: Option<Vec<kafka_preflight::synth::PartitionSpec>>,
}

impl LogDir {
    pub fn new(path: PathBuf) -> Self {
        LogDir {
            path,
            parts: Vec::new(),
            checkpoint: Checkpoint::Missing,
            marker: Marker::None,
            metadata_only: false,
            invalid_dirs: Vec::new(),
            ignored_metadata_dirs: Vec::new(),
            loose_files: Vec::new(),
            remote_cache: false,
            synth: None,
        }
    }

    /// A dir written by `synth::write_log_dir`, modelled from its specs.
    pub fn synth(
        path: PathBuf,
        specs: Vec<kafka_preflight::synth::PartitionSpec>,
        marker: bool,
    ) -> Self {
        let mut d = LogDir::new(path);
        d.parts = specs.iter().map(Part::from_spec).collect();
        d.checkpoint = Checkpoint::Entries(
            specs
                .iter()
                .filter(|s| s.suffix.is_empty())
                .filter_map(|s| {
                    s.recovery_point_segment
                        .map(|rp| (s.topic.clone(), s.partition, rp * 1000 + 10))
                })
                .collect(),
        );
        d.marker = if marker { Marker::Empty } else { Marker::None };
        d.synth = Some(specs);
        d
    }

    pub fn path_str(&self) -> &str {
        self.path.to_str().unwrap()
    }

    pub fn write(&self) {
        if let Some(specs) = &self.synth {
            kafka_preflight::synth::write_log_dir(&self.path, specs, self.marker != Marker::None)
                .unwrap();
            return;
        }
        fs::create_dir_all(&self.path).unwrap();
        for p in &self.parts {
            p.write(&self.path);
        }
        match &self.checkpoint {
            Checkpoint::Missing => {}
            Checkpoint::Corrupt(b) => {
                fs::write(self.path.join("recovery-point-offset-checkpoint"), b).unwrap()
            }
            Checkpoint::Entries(e) => {
                let mut t = format!("0\n{}\n", e.len());
                for (topic, p, o) in e {
                    t.push_str(&format!("{topic} {p} {o}\n"));
                }
                fs::write(self.path.join("recovery-point-offset-checkpoint"), t).unwrap();
            }
        }
        let marker = self.path.join(".kafka_cleanshutdown");
        match self.marker {
            Marker::None => {}
            Marker::Empty => fs::write(marker, b"").unwrap(),
            Marker::Json(e) => {
                fs::write(marker, format!("{{\"version\":0,\"brokerEpoch\":{e}}}")).unwrap()
            }
        }
        for d in self.invalid_dirs.iter().chain(&self.ignored_metadata_dirs) {
            let d = self.path.join(d);
            fs::create_dir_all(&d).unwrap();
            // Something inside that must not be counted.
            sparse(&d.join("00000000000000000000.log"), 4096);
            sparse(&d.join("00000000000000000000.index"), 4096);
        }
        for (name, bytes) in &self.loose_files {
            fs::write(self.path.join(name), bytes).unwrap();
        }
        if self.remote_cache {
            let c = self.path.join("remote-log-index-cache");
            fs::create_dir_all(c.join("entries")).unwrap();
            for f in [
                "entries/5_abcd.index",
                "entries/5_abcd.timeindex",
                "entries/5_abcd.txnindex",
                "00000000000000000000.log",
            ] {
                sparse(&c.join(f), 8192);
            }
        }
    }

    fn recovery_point(&self, p: &Part) -> Option<u64> {
        match &self.checkpoint {
            // Kafka keeps the last of duplicate entries.
            Checkpoint::Entries(e) => e
                .iter()
                .rev()
                .find(|(t, n, _)| *t == p.topic && *n == p.partition)
                .map(|e| e.2),
            _ => None,
        }
    }

    /// The segments an unclean start of `p` recovers.
    pub fn recovered<'a>(&self, p: &'a Part) -> Vec<&'a Seg> {
        let segs = p.sorted();
        if p.kind == Kind::Metadata {
            return segs;
        }
        let Some(rp) = self.recovery_point(p) else {
            return segs;
        };
        match segs.iter().rposition(|s| s.base <= rp) {
            Some(i) => segs[i..].to_vec(),
            None => segs,
        }
    }

    /// (node.id or broker.id, cluster.id) of a `meta.properties` among the loose files.
    fn meta(&self) -> (Option<i64>, Option<String>) {
        let Some((_, text)) = self
            .loose_files
            .iter()
            .find(|(n, _)| n == "meta.properties")
        else {
            return (None, None);
        };
        let text = String::from_utf8_lossy(text);
        let get = |k: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(k)?.strip_prefix('=').map(str::to_string))
        };
        let id = get("node.id")
            .or_else(|| get("broker.id"))
            .map(|v| v.parse().unwrap());
        (id, get("cluster.id"))
    }

    fn dir_recovers(&self, scenario: Scenario) -> bool {
        match scenario {
            Scenario::AsFound => self.metadata_only || self.marker == Marker::None,
            Scenario::Clean => false,
            Scenario::Crash => true,
        }
    }
}

/// The whole tree: data dirs in `--log-dirs` order, then a metadata-only dir if any.
pub struct Layout {
    pub dirs: Vec<LogDir>,
    /// Index in `dirs` of the dir that holds the metadata log Kafka loads (KRaft), if any.
    pub metadata_dir: Option<usize>,
}

impl Layout {
    pub fn write(&self) {
        for d in &self.dirs {
            d.write();
        }
    }

    pub fn log_dirs_flag(&self) -> String {
        self.dirs
            .iter()
            .filter(|d| !d.metadata_only)
            .map(LogDir::path_str)
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The `inventory` section `check --format json --scenario <scenario>` must print (every
    /// number; `problems` are checked separately).
    pub fn expected(&self, scenario: Scenario) -> Value {
        let mut t = Totals::default();
        let mut dirs = Vec::new();
        for (i, d) in self.dirs.iter().enumerate() {
            let mut ds = Totals::default();
            for p in &d.parts {
                if p.kind == Kind::Metadata {
                    if self.metadata_dir == Some(i) && p.partition == 0 {
                        t.metadata_log_segments += p.segs.len() as u64;
                        let r = d.recovered(p);
                        ds.unflushed_segments += r.len() as u64;
                        ds.unflushed_log_bytes += r.iter().map(|s| s.log).sum::<u64>();
                    }
                    continue;
                }
                if d.metadata_only {
                    continue;
                }
                match p.kind {
                    Kind::Delete => {
                        ds.pending_delete_dirs += 1;
                        continue;
                    }
                    Kind::Future => t.future_dirs += 1,
                    Kind::Stray => t.stray_dirs += 1,
                    _ => {}
                }
                ds.partitions += 1;
                ds.segments += p.segs.len() as u64;
                ds.log_bytes += p.segs.iter().map(|s| s.log).sum::<u64>();
                t.offset_index_files += p.segs.iter().filter(|s| s.index.is_some()).count() as u64;
                t.time_index_files += p.segs.iter().filter(|s| s.time.is_some()).count() as u64;
                t.txn_index_files += p.segs.iter().filter(|s| s.txn).count() as u64;
                t.producer_snapshots += p.snapshots.len() as u64;
                t.temp_files += p.temp_files.len() as u64;
                if d.dir_recovers(scenario) {
                    let r = d.recovered(p);
                    ds.unflushed_segments += r.len() as u64;
                    ds.unflushed_log_bytes += r.iter().map(|s| s.log).sum::<u64>();
                }
            }
            t.partitions += ds.partitions;
            t.pending_delete_dirs += ds.pending_delete_dirs;
            t.segments += ds.segments;
            t.unflushed_segments += ds.unflushed_segments;
            t.log_bytes += ds.log_bytes;
            t.unflushed_log_bytes += ds.unflushed_log_bytes;
            let data = !d.metadata_only;
            let marker = match (data, d.marker) {
                (false, _) | (_, Marker::None) => Value::Null,
                (_, Marker::Empty) => json!({"format": "empty"}),
                (_, Marker::Json(e)) => json!({"format": "json", "broker_epoch": e}),
            };
            let checkpoint = match (data, &d.checkpoint) {
                (false, _) | (_, Checkpoint::Missing) => "missing",
                (_, Checkpoint::Corrupt(_)) => "corrupt",
                (_, Checkpoint::Entries(_)) => "ok",
            };
            let (broker_id, cluster_id) = d.meta();
            dirs.push(json!({
                "path": d.path_str(),
                "broker_id": broker_id,
                "cluster_id": cluster_id,
                "role": if data { "data" } else { "metadata-only" },
                "readable": true,
                "clean_shutdown": marker != Value::Null,
                "clean_shutdown_marker": marker,
                "recovery_checkpoint": checkpoint,
                "partitions": ds.partitions,
                "pending_delete_dirs": ds.pending_delete_dirs,
                "segments": ds.segments,
                "unflushed_segments": ds.unflushed_segments,
                "log_bytes": ds.log_bytes,
                "unflushed_log_bytes": ds.unflushed_log_bytes,
            }));
        }
        json!({
            "log_dirs": dirs,
            "partitions": t.partitions,
            "pending_delete_dirs": t.pending_delete_dirs,
            "future_dirs": t.future_dirs,
            "stray_dirs": t.stray_dirs,
            "metadata_log_segments": t.metadata_log_segments,
            "segments": t.segments,
            "offset_index_files": t.offset_index_files,
            "time_index_files": t.time_index_files,
            "txn_index_files": t.txn_index_files,
            "producer_snapshots": t.producer_snapshots,
            "temp_files": t.temp_files,
            "unflushed_segments": t.unflushed_segments,
            "log_bytes": t.log_bytes,
            "unflushed_log_bytes": t.unflushed_log_bytes,
            "incomplete": false,
        })
    }
}

#[derive(Default)]
struct Totals {
    partitions: u64,
    pending_delete_dirs: u64,
    future_dirs: u64,
    stray_dirs: u64,
    metadata_log_segments: u64,
    segments: u64,
    offset_index_files: u64,
    time_index_files: u64,
    txn_index_files: u64,
    producer_snapshots: u64,
    temp_files: u64,
    unflushed_segments: u64,
    log_bytes: u64,
    unflushed_log_bytes: u64,
}

/// Every key of `expected` must be equal in `actual` (recursively; arrays element by element),
/// and every number in an `actual` object must be one `expected` names: an inventory number that
/// nobody asserts fails here. Collects all differences before failing.
pub fn assert_matches(actual: &Value, expected: &Value, what: &str) {
    let mut diffs = Vec::new();
    diff(actual, expected, what, &mut diffs);
    assert!(
        diffs.is_empty(),
        "{} difference(s):\n  {}\nactual: {}",
        diffs.len(),
        diffs.join("\n  "),
        serde_json::to_string_pretty(actual).unwrap()
    );
}

fn diff(a: &Value, e: &Value, at: &str, out: &mut Vec<String>) {
    match (a, e) {
        (Value::Object(a), Value::Object(e)) => {
            for (k, ev) in e {
                match a.get(k) {
                    Some(av) => diff(av, ev, &format!("{at}.{k}"), out),
                    None => out.push(format!("{at}.{k}: missing, expected {ev}")),
                }
            }
            for (k, av) in a {
                if av.is_number() && !e.contains_key(k) {
                    out.push(format!(
                        "{at}.{k} = {av}: a number the test does not assert"
                    ));
                }
            }
        }
        (Value::Array(a), Value::Array(e)) if a.len() == e.len() => {
            for (i, (av, ev)) in a.iter().zip(e).enumerate() {
                diff(av, ev, &format!("{at}[{i}]"), out);
            }
        }
        _ if a == e => {}
        _ => out.push(format!("{at}: {a} != expected {e}")),
    }
}

/// What one `kafka-preflight check` run left behind.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not one JSON object ({e}); exit {}, stderr:\n{}\nstdout:\n{}",
                self.code, self.stderr, self.stdout
            )
        })
    }

    /// `(severity, path, message)` of the report's top-level problems.
    pub fn problems(&self) -> Vec<(String, String, String)> {
        self.json()["problems"]
            .as_array()
            .expect("problems is an array")
            .iter()
            .map(|p| {
                (
                    p["severity"].as_str().unwrap().to_string(),
                    p["path"].as_str().unwrap().to_string(),
                    p["message"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }

    /// The problem of `severity` about exactly `path`; fails listing every problem when none is.
    pub fn problem(&self, severity: &str, path: &Path) -> (String, String, String) {
        let path = path.to_string_lossy();
        let all = self.problems();
        all.iter()
            .find(|(s, p, _)| s == severity && *p == path)
            .cloned()
            .unwrap_or_else(|| panic!("no {severity} problem for {path:?} in {all:#?}"))
    }
}

pub fn binary() -> PathBuf {
    common::binary()
}

/// `kafka-preflight check ARGS` with the environment the model reads cleared, so runs are
/// reproducible. Fails if it panicked.
pub fn command(args: &[&str]) -> Command {
    let mut c = common::preflight_process();
    c.arg("check").args(args).env("RUST_BACKTRACE", "0");
    c
}

/// [`command`] for running as another user (`nobody`), from a directory anyone can enter.
pub fn command_any_user(args: &[&str]) -> Command {
    let mut c = common::preflight_process_any_user();
    c.arg("check").args(args).env("RUST_BACKTRACE", "0");
    c
}

pub fn run_cmd(c: Command) -> Run {
    try_run_cmd(c).expect("spawn kafka-preflight")
}

/// [`run_cmd`], with a failure to start the process returned rather than failed on.
pub fn try_run_cmd(mut c: Command) -> std::io::Result<Run> {
    let out = c.output()?;
    let r = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(
        !r.stderr.contains("panicked"),
        "kafka-preflight panicked: {}",
        r.stderr
    );
    assert!(out.status.code().is_some(), "killed by a signal: {out:?}");
    Ok(r)
}

pub fn check(args: &[&str]) -> Run {
    run_cmd(command(args))
}

/// `check --log-dirs DIRS --format json --scenario S EXTRA...`
pub fn check_json(log_dirs: &str, scenario: Scenario, extra: &[&str]) -> Run {
    let mut args = vec![
        "--log-dirs",
        log_dirs,
        "--format",
        "json",
        "--scenario",
        scenario.flag(),
        "--kafka-version",
        "4.0.0",
        "--heap",
        "1g",
        "--cores",
        "2",
    ];
    args.extend_from_slice(extra);
    check(&args)
}

pub fn chmod(path: &Path, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .unwrap_or_else(|e| panic!("chmod {}: {e}", path.display()));
}

pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}
