//! `diff OLD NEW` with plan inputs: each changed setting moves the numbers it drives, and the
//! exit code is that of `check` for NEW.

#[path = "common/mod.rs"]
mod common;
use serde_json::Value;

fn diff(old: &str, new: &str, extra: &[&str]) -> (i32, Value) {
    let tmp = tempfile::tempdir().unwrap();
    let (o, n) = (
        tmp.path().join("old.properties"),
        tmp.path().join("new.properties"),
    );
    std::fs::write(&o, old).unwrap();
    std::fs::write(&n, new).unwrap();
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
