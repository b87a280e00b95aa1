//! `diff OLD NEW` with plan inputs: each changed setting moves the numbers it drives, and the
//! exit code is that of `check` for NEW.

#[path = "common/mod.rs"]
mod common;
use serde_json::Value;

/// OLD and NEW written to a temp dir (kept alive by the returned guard).
fn configs(old: &str, new: &str) -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let (o, n) = (
        tmp.path().join("old.properties"),
        tmp.path().join("new.properties"),
    );
    std::fs::write(&o, old).unwrap();
    std::fs::write(&n, new).unwrap();
    (tmp, o, n)
}

fn diff(old: &str, new: &str, extra: &[&str]) -> (i32, Value) {
    let (_tmp, o, n) = configs(old, new);
    let out = common::preflight()
        .args(["diff", o.to_str().unwrap(), n.to_str().unwrap()])
        .args([
            "--partitions",
            "100",
            "--bytes-per-partition",
            "1GiB",
            "--scenario",
            "crash",
        ])
        .args([
            "--kafka-version",
            "3.9.0",
            "--heap",
            "1g",
            "--cores",
            "4",
            "--ulimit-v",
            "unlimited",
        ])
        .args(["--max-map-count", "1000000", "--format", "json"])
        .args(extra)
        .output()
        .unwrap();
    let code = out.status.code().unwrap();
    assert!(code < 2, "{}", String::from_utf8_lossy(&out.stderr));
    (code, serde_json::from_slice(&out.stdout).unwrap())
}

fn metric(d: &Value, name: &str) -> (u64, u64) {
    let m = d["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["metric"] == name)
        .unwrap();
    (m["old"].as_u64().unwrap(), m["new"].as_u64().unwrap())
}

const DIRS: &str = "log.dirs=/nonexistent/kafka-preflight-diff-test\n";

#[test]
fn halving_the_segment_size_doubles_segments_and_log_fds() {
    let (_, d) = diff(
        &format!("{DIRS}log.segment.bytes=134217728\n"),
        &format!("{DIRS}log.segment.bytes=67108864\n"),
        &["--ulimit-n", "1000000"],
    );
    assert_eq!(metric(&d, "segments"), (800, 1600));
    let (o, n) = metric(&d, "open files (peak)");
    assert_eq!(n - o, 800);
    assert_eq!(d["changed_settings"][0][0], "log.segment.bytes");
}

#[test]
fn a_smaller_index_preallocation_shrinks_index_bytes_not_segments() {
    let (_, d) = diff(
        DIRS,
        &format!("{DIRS}log.index.size.max.bytes=1048576\n"),
        &["--ulimit-n", "1000000"],
    );
    let (o, n) = metric(&d, "segments");
    assert_eq!(o, n);
    let (o, n) = metric(&d, "index mmap bytes (worst)");
    assert!(n < o, "{o} -> {n}");
}

#[test]
fn more_recovery_threads_change_threads_and_inflight_logs() {
    let (_, d) = diff(
        DIRS,
        &format!("{DIRS}num.recovery.threads.per.data.dir=8\n"),
        &["--ulimit-n", "1000000"],
    );
    assert_eq!(metric(&d, "recovery threads per dir").1, 8);
    let (o, n) = metric(&d, "logs loading at once");
    assert!(n > o, "{o} -> {n}");
}

#[test]
fn a_new_config_that_fails_exits_1_and_reports_the_check() {
    // 100 x 1 GiB at 16 MiB segments = 6400 log files: over a 5000 nofile limit.
    let (code, d) = diff(
        DIRS,
        &format!("{DIRS}log.segment.bytes=16777216\n"),
        &["--ulimit-n", "5000"],
    );
    assert_eq!(code, 1);
    assert_eq!(d["new_verdict"], "fail");
    let c = d["changed_checks"].as_array().unwrap();
    assert!(
        c.iter()
            .any(|c| c["id"] == "open_files" && c["new"] == "fail"),
        "{c:?}"
    );
}

#[test]
fn missing_file_is_a_tool_error_naming_it() {
    let out = common::preflight()
        .args([
            "diff",
            "/nonexistent/old.properties",
            "/nonexistent/new.properties",
            "--partitions",
            "1",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/old.properties"));
}

/// A crashed tree (active indexes preallocated to the 10 MiB default) in `root/name`.
fn tree(root: &std::path::Path, name: &str, partitions: i32) -> String {
    let dir = root.join(name);
    kafka_preflight::synth::write_log_dir(
        &dir,
        &kafka_preflight::synth::uniform(2, partitions, 3),
        false,
    )
    .unwrap();
    dir.display().to_string()
}

fn diff_on_disk(old: &str, new: &str, extra: &[&str]) -> std::process::Output {
    let (_tmp, o, n) = configs(old, new);
    common::preflight()
        .args(["diff", o.to_str().unwrap(), n.to_str().unwrap(), "-q"])
        .args(["--kafka-version", "3.9.0", "--heap", "1g", "--cores", "2"])
        .args(["--ulimit-v", "unlimited", "--max-map-count", "1000000"])
        .args(extra)
        .output()
        .unwrap()
}

fn json_of(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)))
}

#[test]
fn each_config_is_judged_on_its_own_log_dirs() {
    let tmp = tempfile::tempdir().unwrap();
    let small = tree(tmp.path(), "small", 2);
    let big = tree(tmp.path(), "big", 10);
    let out = diff_on_disk(
        &format!("log.dirs={small}\n"),
        &format!("log.dirs={big}\n"),
        &["--format", "json"],
    );
    let d = json_of(&out);
    let (old, new) = metric(&d, "segments");
    assert_eq!((old, new), (2 * 2 * 3, 2 * 10 * 3), "{}", d["inventory"]);
}

#[test]
fn an_inferred_index_size_does_not_hide_a_changed_broker_default() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tree(tmp.path(), "data", 5);
    let out = diff_on_disk(
        &format!("log.dirs={data}\n"),
        &format!("log.dirs={data}\nlog.index.size.max.bytes=20971520\n"),
        &["--format", "json", "--scenario", "crash"],
    );
    let d = json_of(&out);
    // The active indexes double with the default: live index bytes grow by about 100 %.
    let (old, new) = metric(&d, "index mmap bytes (live)");
    assert!(new as f64 > old as f64 * 1.8, "{old} -> {new}");
}

#[test]
fn checks_failing_under_both_configs_are_named() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tree(tmp.path(), "data", 5);
    let old = format!("log.dirs={data}\n");
    let new = format!("log.dirs={data}\nnum.recovery.threads.per.data.dir=1\n");
    let limits = ["--ulimit-n", "10"];
    let out = diff_on_disk(&old, &new, &[&limits[..], &["--format", "json"]].concat());
    let d = json_of(&out);
    let failing: Vec<&str> = d["failing_checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert!(failing.contains(&"open_files"), "{d}");
    let out = diff_on_disk(&old, &new, &limits);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Failing under both: ") && text.contains("open_files"),
        "{text}"
    );
}

#[test]
fn diff_has_csv_and_refuses_prometheus() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tree(tmp.path(), "data", 2);
    let old = format!("log.dirs={data}\n");
    let new = format!("log.dirs={data}\nlog.segment.bytes=536870912\n");
    let out = diff_on_disk(&old, &new, &["--format", "csv"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut rd = csv::Reader::from_reader(&out.stdout[..]);
    assert_eq!(
        rd.headers().unwrap(),
        vec!["kind", "name", "old", "new", "change"]
    );
    assert!(rd.records().map(Result::unwrap).any(|r| &r[0] == "check"));
    let out = diff_on_disk(&old, &new, &["--format", "prometheus"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--format prometheus") && out.stdout.is_empty(),
        "{err}"
    );
}
