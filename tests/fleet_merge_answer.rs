//! The fleet answer never hides a broker (issue 16): ties keep the failing report, superseded
//! is not unreadable, an unreadable input is a broker of unknown state that blocks PASS, two
//! hosts with one broker id are flagged, and `--output` replaces the file whole.

mod common;
use std::path::Path;

use serde_json::{json, Value};

struct Run {
    code: i32,
    out: String,
    err: String,
}

fn merge(args: &[&str]) -> Run {
    let o = common::preflight()
        .arg("merge")
        .args(args)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(!err.contains("panicked"), "{err}");
    Run {
        code: o.status.code().unwrap(),
        out: String::from_utf8_lossy(&o.stdout).into_owned(),
        err,
    }
}

fn report(host: &str, id: i64, verdict: &str, at: &str) -> Value {
    json!({
        "schema_version": 2,
        "broker": {"host": host, "broker_id": id, "cluster_id": "prod", "kafka_version": "3.7.0",
                   "checked_at": at},
        "verdict": verdict,
        "checks": [
            {"id": "virtual_memory", "status": verdict, "required": 10, "limit": 100, "message": ""},
            {"id": "map_areas", "status": "pass", "required": 1, "limit": 65530, "message": ""},
            {"id": "open_files", "status": "pass", "required": 1, "limit": null, "message": ""}
        ],
        "recommendations": []
    })
}

fn put(dir: &Path, name: &str, v: &Value) -> String {
    let p = dir.join(name);
    std::fs::write(&p, v.to_string()).unwrap();
    p.to_str().unwrap().to_string()
}

fn json_of(r: &Run) -> Value {
    serde_json::from_str(&r.out).unwrap_or_else(|e| panic!("{e}: {}", r.out))
}

#[test]
fn a_tie_on_checked_at_keeps_the_failing_report_in_either_file_order() {
    let at = "2026-11-25T10:00:00Z";
    for (first, second) in [("fail", "pass"), ("pass", "fail")] {
        let d = tempfile::tempdir().unwrap();
        let a = put(d.path(), "a.json", &report("k1", 1, first, at));
        let b = put(d.path(), "b.json", &report("k1", 1, second, at));
        let r = merge(&[&a, &b, "--format", "json"]);
        assert_eq!(
            r.code, 1,
            "the failing report of the tie is merged: {}",
            r.err
        );
        let v = json_of(&r);
        assert_eq!(v["verdict"], "fail");
        assert_eq!(v["clusters"][0]["brokers"][0]["verdict"], "fail");
        assert_eq!(v["superseded"].as_array().unwrap().len(), 1);
        let why = v["superseded"][0]["reason"].as_str().unwrap();
        assert!(
            why.contains("same checked_at (2026-11-25T10:00:00Z)"),
            "{why}"
        );
        assert!(
            why.contains("the worse verdict was kept (fail over pass)"),
            "{why}"
        );
        assert!(!r.err.contains("checked later"), "{}", r.err);
    }
}

#[test]
fn a_superseded_report_is_named_superseded_not_unreadable() {
    let d = tempfile::tempdir().unwrap();
    put(
        d.path(),
        "old.json",
        &report("k1", 1, "fail", "2026-11-24T10:00:00.250Z"),
    );
    put(
        d.path(),
        "new.json",
        &report("k1", 1, "pass", "2026-11-25T10:00:00Z"),
    );
    let dir = d.path().to_str().unwrap();
    let r = merge(&[dir]);
    assert_eq!(r.code, 0, "{}{}", r.out, r.err);
    assert!(
        r.out.contains("1 broker: 0 failing, 0 unknown (unreadable report), 0 at risk (warn), 1 passing; 1 superseded report not merged"),
        "{}",
        r.out
    );
    assert!(r.err.contains("old.json: superseded"), "{}", r.err);
    assert!(!r.err.contains("unknown"), "{}", r.err);
    let v = json_of(&merge(&[dir, "--format", "json"]));
    assert_eq!(v["errors"], json!([]));
    assert!(v["superseded"][0]["file"]
        .as_str()
        .unwrap()
        .ends_with("old.json"));
    assert!(v["superseded"][0]["by"]
        .as_str()
        .unwrap()
        .ends_with("new.json"));
}

#[test]
fn a_broker_whose_only_report_is_unreadable_is_in_the_answer_and_blocks_pass() {
    let d = tempfile::tempdir().unwrap();
    put(
        d.path(),
        "k1.json",
        &report("k1", 1, "pass", "2026-11-25T10:00:00Z"),
    );
    std::fs::write(
        d.path().join("k2.json"),
        "{\"schema_version\": 1, \"broker\": {",
    )
    .unwrap();
    let dir = d.path().to_str().unwrap();

    let r = merge(&[dir]);
    assert_eq!(r.code, 1, "an unknown broker is not a pass: {}", r.out);
    let line = r
        .out
        .lines()
        .find(|l| l.contains("k2"))
        .unwrap_or_else(|| panic!("{}", r.out));
    assert!(line.contains("UNKNOWN"), "{line}");
    assert!(line.contains("unreadable: not a JSON report"), "{line}");
    assert!(r.out.contains("1 unknown (unreadable report)"), "{}", r.out);
    assert!(r.err.contains("k2.json: not a JSON report"), "{}", r.err);

    let md = merge(&[dir, "--format", "markdown"]);
    assert!(md.out.contains("fleet check: **UNKNOWN**"), "{}", md.out);
    assert!(!md.out.contains("**PASS**"));

    let accepted = merge(&[dir, "--accept-unreadable", "--format", "json"]);
    assert_eq!(accepted.code, 0, "knowingly accepted");
    assert_eq!(
        json_of(&accepted)["verdict"],
        "unknown",
        "accepted is still not PASS"
    );
}

#[test]
fn sixteen_unreadable_inputs_and_one_pass_exit_1() {
    let d = tempfile::tempdir().unwrap();
    let mut args = vec![put(
        d.path(),
        "ok.json",
        &report("k0", 0, "pass", "2026-11-25T10:00:00Z"),
    )];
    for i in 1..=16 {
        let p = d.path().join(format!("k{i}.json"));
        std::fs::write(&p, "").unwrap();
        args.push(p.to_str().unwrap().to_string());
    }
    args.push(d.path().join("missing.json").to_str().unwrap().to_string());
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = merge(&a);
    assert_eq!(r.code, 1, "{}", r.out);
    assert!(
        r.out
            .contains("18 brokers: 0 failing, 17 unknown (unreadable report)"),
        "{}",
        r.out
    );
    assert!(r.err.contains("missing.json: cannot read"), "{}", r.err);
    let mut accepted = a.clone();
    accepted.extend(["--accept-unreadable", "--fail-on", "warn"]);
    assert_eq!(
        merge(&accepted).code,
        0,
        "accepting unknowns leaves a pass a pass"
    );
}

#[test]
fn an_accepted_unknown_does_not_wave_a_warning_through_fail_on_warn() {
    let d = tempfile::tempdir().unwrap();
    let w = put(
        d.path(),
        "w.json",
        &report("k1", 1, "warn", "2026-11-25T10:00:00Z"),
    );
    let bad = d.path().join("bad.json");
    std::fs::write(&bad, "[]").unwrap();
    let bad = bad.to_str().unwrap();
    assert_eq!(merge(&[&w, bad, "--accept-unreadable"]).code, 0);
    assert_eq!(
        merge(&[&w, bad, "--accept-unreadable", "--fail-on", "warn"]).code,
        1
    );
    assert_eq!(
        merge(&[bad, "--accept-unreadable"]).code,
        2,
        "nothing readable"
    );
}

#[test]
fn two_hosts_claiming_one_broker_id_in_one_cluster_are_flagged() {
    let d = tempfile::tempdir().unwrap();
    let at = "2026-11-25T10:00:00Z";
    put(d.path(), "a.json", &report("kafka-a", 5, "pass", at));
    put(d.path(), "b.json", &report("kafka-b", 5, "pass", at));
    put(d.path(), "c.json", &report("kafka-c", 6, "pass", at));
    let dir = d.path().to_str().unwrap();
    let r = merge(&[dir]);
    assert_eq!(r.code, 1, "{}", r.out);
    assert!(
        r.out.contains(
            "DUPLICATE broker id 5 of cluster prod is claimed by 2 hosts: kafka-a, kafka-b"
        ),
        "{}",
        r.out
    );
    assert!(r.err.contains("DUPLICATE broker id 5"), "{}", r.err);
    let v = json_of(&merge(&[dir, "--format", "json"]));
    assert_eq!(v["verdict"], "fail");
    assert_eq!(
        v["duplicate_broker_ids"][0]["hosts"],
        json!(["kafka-a", "kafka-b"])
    );
    let flagged: Vec<bool> = v["clusters"][0]["brokers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["duplicate_broker_id"].as_bool().unwrap())
        .collect();
    assert_eq!(flagged.iter().filter(|f| **f).count(), 2, "{v}");
}

#[test]
fn output_replaces_the_file_whole_and_keeps_the_exit_code() {
    let d = tempfile::tempdir().unwrap();
    let reports = d.path().join("reports");
    std::fs::create_dir(&reports).unwrap();
    put(
        &reports,
        "k1.json",
        &report("k1", 1, "fail", "2026-11-25T10:00:00Z"),
    );
    let out_dir = d.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let target = out_dir.join("fleet.json");
    std::fs::write(&target, "old contents").unwrap();
    let rep = reports.to_str().unwrap();

    let r = merge(&[
        rep,
        "--format",
        "json",
        "--output",
        target.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 1, "{}", r.err);
    assert_eq!(r.out, "", "nothing on stdout with --output");
    let written = std::fs::read_to_string(&target).unwrap();
    assert_eq!(written, merge(&[rep, "--format", "json"]).out);
    let left: Vec<_> = std::fs::read_dir(&out_dir).unwrap().collect();
    assert_eq!(left.len(), 1, "no temporary file left behind");

    let nowhere = d.path().join("no-such-dir").join("fleet.json");
    let r = merge(&[rep, "--output", nowhere.to_str().unwrap()]);
    assert_eq!(r.code, 2, "{}", r.err);
    assert!(r.err.contains("no-such-dir"), "{}", r.err);
}

/// The incident of issue 16: a broker fails only because of lost+found in a log dir, with a
/// finite ulimit -v whose (unrelated) recommendation comes first in the report.
#[test]
fn a_row_failing_on_log_dirs_shows_that_check_and_its_fix() {
    let d = tempfile::tempdir().unwrap();
    let logs = d.path().join("logs");
    kafka_preflight::synth::write_log_dir(&logs, &kafka_preflight::synth::uniform(1, 2, 2), true)
        .unwrap();
    std::fs::create_dir(logs.join("lost+found")).unwrap();
    let report = d.path().join("r.json");
    let o = common::preflight()
        .args(["check", "--log-dirs", logs.to_str().unwrap()])
        .args(["--set", "zookeeper.connect=zk:2181", "--set", "broker.id=5"])
        .args(["--kafka-version", "3.7.0", "--heap", "1g", "--cores", "2"])
        .args(["--max-map-count", "262144", "--ulimit-n", "100000"])
        .args(["--ulimit-v", "99999999", "--format", "json", "--output"])
        .arg(&report)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let r = report.to_str().unwrap();

    let t = merge(&[r]);
    assert_eq!(t.code, 1);
    let row = t
        .out
        .lines()
        .find(|l| l.contains("FAIL"))
        .unwrap_or_else(|| panic!("{}", t.out));
    assert_eq!(row.matches("PASS").count(), 3, "the resources pass: {row}");
    assert!(row.contains("FAIL (log_dirs)"), "{row}");
    assert!(row.contains("log_dirs FAIL: fix log.dirs entry: "), "{row}");
    assert!(
        row.contains("lost+found -> move it out of the log dir"),
        "{row}"
    );
    assert!(
        !row.contains("ulimit -v"),
        "not the unrelated first recommendation: {row}"
    );

    let v = json_of(&merge(&[r, "--format", "json"]));
    let b = &v["clusters"][0]["brokers"][0];
    assert_eq!(b["worst_check"]["id"], "log_dirs");
    assert!(b["worst_check"]["message"]
        .as_str()
        .unwrap()
        .contains("lost+found"));
    assert!(b["worst_check"]["fix"]
        .as_str()
        .unwrap()
        .starts_with("log.dirs entry: "));
    assert!(b["top_recommendation"]
        .as_str()
        .unwrap()
        .starts_with("ulimit -v"));

    let csv = merge(&[r, "--format", "csv"]).out;
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let line = csv.lines().nth(1).unwrap();
    // The fix holds no comma or quote, so a plain split is exact here.
    let fields: Vec<&str> = line.split(',').collect();
    assert_eq!(fields[col("worst_check")], "log_dirs", "{csv}");
    assert_eq!(fields[col("worst_check_status")], "fail");
    assert!(
        fields[col("fix")].contains("lost+found -> move it out"),
        "{csv}"
    );
    assert_eq!(fields[col("duplicate_broker_id")], "false");
}

/// `merge reports/ --format json --output reports/fleet.json`, run twice: the answer of the
/// first run is not a broker of the second. Named as an input, it is refused for what it is.
#[test]
fn the_merged_answer_is_never_merged_as_a_broker() {
    let d = tempfile::tempdir().unwrap();
    put(
        d.path(),
        "k1.json",
        &report("k1", 1, "pass", "2026-11-25T10:00:00Z"),
    );
    let dir = d.path().to_str().unwrap();
    let out = d.path().join("fleet.json");
    let out_s = out.to_str().unwrap();
    for _ in 0..2 {
        let r = merge(&[dir, "--format", "json", "--output", out_s]);
        assert_eq!(r.code, 0, "{}", r.err);
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        assert_eq!(
            v["clusters"][0]["brokers"].as_array().unwrap().len(),
            1,
            "{v}"
        );
    }
    let r = merge(&[dir, "--format", "json"]);
    assert_eq!(
        r.code, 1,
        "without --output it is an input, and not a report"
    );
    assert!(
        r.err.contains(
            "fleet.json: a merged fleet answer (merge --format json), not a check report"
        ),
        "{}",
        r.err
    );
}
