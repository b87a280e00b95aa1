//! `merge` over reports the real `check` wrote from generated broker trees: the fleet answer an
//! operator reads before a rolling restart, plus the bad files a fleet always has.

mod common;
use std::path::Path;

use assert_cmd::Command;
use kafka_preflight::synth::{incident_layout, write_log_dir};
use serde_json::Value;

fn bin() -> Command {
    common::preflight()
}

/// Runs the real check and returns its exit code; the report lands in `out`.
fn check(logs: &Path, broker_id: u32, ulimit_v: &str, out: &Path) -> i32 {
    let o = bin()
        .args(["check", "--log-dirs", logs.to_str().unwrap()])
        .args(["--set", "zookeeper.connect=zk:2181"])
        .args(["--set", &format!("broker.id={broker_id}")])
        .args(["--kafka-version", "1.1.0", "--heap", "1g", "--cores", "2"])
        .args(["--max-map-count", "262144", "--ulimit-n", "100000"])
        .args(["--ulimit-v", ulimit_v, "--format", "json", "--output"])
        .arg(out)
        .output()
        .unwrap();
    assert!(
        !String::from_utf8_lossy(&o.stderr).contains("panicked"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    o.status.code().unwrap()
}

fn read(p: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

/// Rewrites a report as another host would have written it.
fn edit(p: &Path, f: impl FnOnce(&mut Value)) {
    let mut v = read(p);
    f(&mut v);
    std::fs::write(p, serde_json::to_string_pretty(&v).unwrap()).unwrap();
}

fn merge(args: &[&str]) -> (i32, String, String) {
    let o = bin().arg("merge").args(args).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(!err.contains("panicked"), "{err}");
    (
        o.status.code().unwrap(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        err,
    )
}

struct Fleet {
    _tmp: tempfile::TempDir,
    reports: std::path::PathBuf,
}

/// host1 fails (the incident: killed, recovers segments, ulimit -v 6899920), host2 warns (clean
/// shutdown, limit between the best and worst case), host3 passes (unlimited), host4 passes in a
/// second cluster; plus a truncated file and a report from a future schema.
fn fleet() -> Fleet {
    let tmp = tempfile::tempdir().unwrap();
    let crashed = tmp.path().join("crashed");
    write_log_dir(&crashed, &incident_layout(), false).unwrap();
    let clean = tmp.path().join("clean");
    let mut layout = incident_layout();
    for p in &mut layout {
        p.recovery_point_segment = Some(p.segments - 1);
    }
    write_log_dir(&clean, &layout, true).unwrap();
    let reports = tmp.path().join("reports");
    std::fs::create_dir(&reports).unwrap();
    let r = |n: &str| reports.join(format!("{n}.json"));

    assert_eq!(check(&crashed, 1, "6899920", &r("host1")), 1);

    // Probe the clean tree's need, then pick a limit between its best and worst case.
    assert_eq!(check(&clean, 3, "unlimited", &r("host3")), 0);
    let vm = &read(&r("host3"))["estimate"]["virtual_memory_bytes"];
    let (best, worst) = (vm["best"].as_u64().unwrap(), vm["worst"].as_u64().unwrap());
    assert!(best < worst, "the model no longer separates best and worst");
    let mid_kib = (best + worst) / 2 / 1024;
    assert_eq!(check(&clean, 2, &mid_kib.to_string(), &r("host2")), 0);
    assert_eq!(read(&r("host2"))["verdict"], "warn");

    std::fs::copy(r("host3"), r("host4")).unwrap();
    for (n, host) in [(1, "host1"), (2, "host2"), (3, "host3"), (4, "host4")] {
        edit(&r(&format!("host{n}")), |v| {
            v["broker"]["host"] = host.into();
            if n == 4 {
                v["broker"]["broker_id"] = 4.into();
                v["broker"]["cluster_id"] = "cluster-b".into();
            }
        });
    }
    std::fs::write(
        reports.join("corrupt.json"),
        "{\"schema_version\": 1, \"broker\": {",
    )
    .unwrap();
    let mut future = read(&r("host3"));
    future["schema_version"] = 99.into();
    future["broker"]["host"] = "host-future".into();
    std::fs::write(reports.join("future.json"), future.to_string()).unwrap();
    Fleet { _tmp: tmp, reports }
}

#[test]
fn merges_a_fleet_worst_first_grouped_by_cluster_and_names_bad_files() {
    let f = fleet();
    let dir = f.reports.to_str().unwrap();

    let (code, out, err) = merge(&[dir, "--format", "json"]);
    assert_eq!(code, 1, "a failing broker fails the merge; stderr: {err}");
    let v: Value = serde_json::from_str(&out).expect("one JSON object");
    assert_eq!(v["verdict"], "fail");
    let clusters = v["clusters"].as_array().unwrap();
    assert_eq!(clusters.len(), 2, "{out}");
    // The cluster with the failing broker comes first; the unknown id is its own group.
    assert_eq!(clusters[0]["cluster_id"], Value::Null);
    let hosts: Vec<&str> = clusters[0]["brokers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["host"].as_str().unwrap())
        .collect();
    // The unreadable files are brokers of unknown state, between the failing and the warning
    // one; the future report still names its host.
    assert_eq!(
        hosts,
        ["host1", "corrupt", "host-future", "host2", "host3"],
        "worst first"
    );
    assert_eq!(
        [
            &clusters[0]["failing"],
            &clusters[0]["unknown"],
            &clusters[0]["warning"],
            &clusters[0]["passing"]
        ],
        [1, 2, 1, 1]
    );
    assert_eq!(clusters[0]["brokers"][1]["verdict"], "unknown");
    assert!(clusters[0]["brokers"][1]["unreadable"]
        .as_str()
        .unwrap()
        .contains("not a JSON report"));
    assert_eq!(clusters[1]["cluster_id"], "cluster-b");
    assert_eq!(clusters[1]["brokers"][0]["host"], "host4");
    assert_eq!(clusters[1]["passing"], 1);
    let b1 = &clusters[0]["brokers"][0];
    assert_eq!(b1["worst_check"]["id"], "virtual_memory");
    // Milliseconds: two checks of one broker within a second still order.
    let at = b1["checked_at"].as_str().unwrap();
    let frac = at
        .strip_suffix('Z')
        .and_then(|t| t.rsplit_once('.'))
        .map(|x| x.1);
    assert!(
        frac.is_some_and(|f| f.len() == 3 && f.bytes().all(|b| b.is_ascii_digit())),
        "{at}"
    );
    assert!(humantime::parse_rfc3339(at).is_ok(), "{at}");
    assert_eq!(b1["broker_id"], 1);
    assert_eq!(b1["virtual_memory"]["status"], "fail");
    assert_eq!(b1["virtual_memory"]["limit"], 6_899_920u64 * 1024);
    assert!(b1["recovery_seconds"].as_f64().unwrap() > 0.0);
    assert_eq!(
        b1["top_recommendation"],
        "ulimit -v: 6899920 KiB -> unlimited"
    );
    // Unlimited has no headroom figure, and the limit stays null (= unlimited).
    // host2 warns on virtual memory itself, not only on the finite-ulimit advice.
    assert_eq!(
        clusters[0]["brokers"][3]["virtual_memory"]["status"],
        "warn"
    );
    let b3 = &clusters[0]["brokers"][4];
    assert_eq!(b3["virtual_memory"]["limit"], Value::Null);
    assert_eq!(b3["virtual_memory"]["headroom_percent"], Value::Null);

    let errors = v["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2, "{out}");
    let named = |name: &str| {
        errors
            .iter()
            .find(|e| e["file"].as_str().unwrap().ends_with(name))
            .unwrap_or_else(|| panic!("no error for {name}: {out}"))["error"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(named("corrupt.json").contains("not a JSON report"));
    assert!(named("future.json").contains("schema_version 99 is newer"));
    assert!(err.contains("corrupt.json: not a JSON report"), "{err}");
    assert!(err.contains("future.json: schema_version 99"), "{err}");
}

#[test]
fn table_markdown_and_csv_say_the_same() {
    let f = fleet();
    let dir = f.reports.to_str().unwrap();

    let (code, out, _) = merge(&[dir]);
    assert_eq!(code, 1);
    assert!(
        out.contains(
            "cluster (unknown cluster id): 5 brokers, 1 failing, 2 unknown (unreadable report), 1 at risk (warn), 1 passing"
        ),
        "{out}"
    );
    assert!(out.contains(
        "cluster cluster-b: 1 broker, 0 failing, 0 unknown (unreadable report), 0 at risk (warn), 1 passing"
    ));
    assert!(
        out.contains("6 brokers: 1 failing, 2 unknown (unreadable report), 1 at risk (warn), 2 passing; 0 superseded reports not merged"),
        "{out}"
    );
    let pos = |h: &str| out.find(h).unwrap_or_else(|| panic!("{h} missing: {out}"));
    assert!(pos("host1") < pos("corrupt") && pos("corrupt") < pos("host2"));
    assert!(pos("host2") < pos("host3"));

    let (_, md, _) = merge(&[dir, "--format", "markdown"]);
    let summary = md
        .find("1 failing, 2 unknown (unreadable report), 1 at risk")
        .unwrap();
    let table = md.find("| host |").unwrap();
    assert!(summary < table, "a comment leads with the answer: {md}");
    assert!(md.contains("**FAIL**"));
    assert!(md.contains("corrupt.json`: not a JSON report"), "{md}");

    let (_, csv, _) = merge(&[dir, "--format", "csv"]);
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0]
        .starts_with("cluster_id,host,broker_id,kafka_version,verdict,virtual_memory_status,"));
    assert_eq!(lines.len(), 7, "a header and one row per broker: {csv}");
    assert!(lines[1].starts_with(",host1,1,1.1.0,fail,fail,"), "{csv}");
    assert!(lines[2].starts_with(",corrupt,,,unknown,"), "{csv}");
    assert!(lines[6].starts_with("cluster-b,host4,4,"), "{csv}");
    let cols = lines[0].split(',').count();
    // No field of these reports holds a comma, so a naive split must agree on the width.
    assert!(lines.iter().all(|l| l.split(',').count() == cols), "{csv}");
}

#[test]
fn exit_code_follows_the_worst_broker_and_fail_on() {
    let f = fleet();
    let r = |n: &str| f.reports.join(n).to_str().unwrap().to_string();
    let (warn, pass) = (r("host2.json"), r("host3.json"));

    assert_eq!(
        merge(&[&warn, &pass]).0,
        0,
        "warnings alone pass by default"
    );
    assert_eq!(merge(&[&warn, &pass, "--fail-on", "warn"]).0, 1);
    assert_eq!(merge(&[&pass, "--fail-on", "warn"]).0, 0);

    let (code, out, err) = merge(&[&r("corrupt.json"), &r("future.json"), &r("missing.json")]);
    assert_eq!(code, 2, "nothing readable: {out}{err}");
    assert!(err.contains("no report could be read"), "{err}");
    assert!(err.contains("missing.json: cannot read"), "{err}");
}

#[test]
fn equal_verdicts_rank_by_the_tightest_limit() {
    let dir = tempfile::tempdir().unwrap();
    let report = |host: &str, needed: u64| {
        serde_json::json!({
            "schema_version": 1,
            "some_future_1x_field": {"ignored": true},
            "broker": {"host": host, "broker_id": 1, "cluster_id": "c", "kafka_version": "4.0.0",
                       "checked_at": "2026-11-25T10:00:00Z"},
            "verdict": "warn",
            "checks": [
                {"id": "virtual_memory", "status": "warn", "needed": needed, "limit": 1000, "message": ""},
                {"id": "map_areas", "status": "pass", "needed": 1, "limit": 65530, "message": ""},
                {"id": "open_files", "status": "pass", "needed": 1, "limit": null, "message": ""}
            ],
            "recommendations": []
        })
    };
    for (id, (h, n)) in [("roomy", 910), ("tight", 990), ("middle", 950)]
        .into_iter()
        .enumerate()
    {
        let mut r = report(h, n);
        r["broker"]["broker_id"] = id.into();
        std::fs::write(dir.path().join(format!("{h}.json")), r.to_string()).unwrap();
    }
    let (code, out, _) = merge(&[dir.path().to_str().unwrap(), "--format", "csv"]);
    assert_eq!(code, 0);
    let hosts: Vec<&str> = out
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap())
        .collect();
    assert_eq!(hosts, ["tight", "middle", "roomy"]);
    assert!(
        out.lines().nth(1).unwrap().contains(",warn,990,1000,1.0,"),
        "{out}"
    );
}

/// `--max-age`: the newest report of a broker older than allowed says nothing about it today,
/// so it is unknown (and the merge exits 1) like an unreadable one; within the age it counts.
#[test]
fn max_age_turns_an_old_report_into_an_unknown_broker() {
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    let mut layout = incident_layout();
    for p in &mut layout {
        p.recovery_point_segment = Some(p.segments - 1);
    }
    write_log_dir(&logs, &layout, true).unwrap();
    let (fresh, old) = (tmp.path().join("fresh.json"), tmp.path().join("old.json"));
    assert_eq!(check(&logs, 1, "unlimited", &fresh), 0);
    assert_eq!(check(&logs, 2, "unlimited", &old), 0);
    edit(&fresh, |v| v["broker"]["host"] = "host-fresh".into());
    edit(&old, |v| {
        v["broker"]["host"] = "host-old".into();
        v["broker"]["checked_at"] = "2026-11-01T10:00:00Z".into();
    });
    let (f, o) = (fresh.to_str().unwrap(), old.to_str().unwrap());

    let (code, out, _) = merge(&[f, o, "--format", "json"]);
    assert_eq!(code, 0, "no --max-age: any age counts\n{out}");

    let (code, out, err) = merge(&[f, o, "--format", "json", "--max-age", "1d"]);
    assert_eq!(code, 1, "{out}\n{err}");
    let j: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(j["verdict"], "unknown", "{j}");
    let errors = j["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{j}");
    assert!(errors[0]["file"].as_str().unwrap().ends_with("old.json"));
    let why = errors[0]["error"].as_str().unwrap();
    assert!(
        why.contains("older than --max-age 1d") && why.contains("2026-11-01T10:00:00Z"),
        "{why}"
    );
    assert!(
        err.contains("old.json") && err.contains("older than --max-age"),
        "{err}"
    );
    let hosts: Vec<(&str, &str)> = j["clusters"][0]["brokers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b["host"].as_str().unwrap(), b["verdict"].as_str().unwrap()))
        .collect();
    assert!(
        hosts.contains(&("host-old", "unknown")) && hosts.contains(&("host-fresh", "pass")),
        "{hosts:?}"
    );

    // A report without checked_at has no age: unknown under --max-age.
    edit(&old, |v| {
        v["broker"].as_object_mut().unwrap().remove("checked_at");
    });
    let (code, out, _) = merge(&[f, o, "--format", "json", "--max-age", "30d"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("has no checked_at"), "{out}");
    // Accepted, as unreadable reports are.
    let (code, _, _) = merge(&[f, o, "--max-age", "30d", "--accept-unreadable"]);
    assert_eq!(code, 0);
}
