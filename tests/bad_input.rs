//! Bad input: for each case the exit code, a message naming the file/line/key, no panic and
//! nothing (no partial JSON) on stdout.

#[path = "common/mod.rs"]
mod common;
use std::path::Path;

use kafka_preflight::synth::{write_log_dir, PartitionSpec};

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(args: &[&str], cwd: &Path) -> Out {
    let o = common::preflight()
        .current_dir(cwd)
        .args(args)
        .output()
        .unwrap();
    let out = Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    };
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    out
}

/// Exit 2, nothing on stdout, and every `needle` in the error message.
fn fails(args: &[&str], cwd: &Path, needles: &[&str]) {
    let o = run(args, cwd);
    assert_eq!(o.code, 2, "{args:?}: {}", o.stderr);
    assert!(
        o.stdout.is_empty(),
        "{args:?} printed to stdout: {}",
        o.stdout
    );
    for n in needles {
        assert!(
            o.stderr.contains(n),
            "{args:?}: {n:?} not in {:?}",
            o.stderr
        );
    }
}

fn props(dir: &Path, text: &[u8]) -> String {
    let p = dir.join("server.properties");
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

#[test]
fn config_files_that_cannot_be_used() {
    let d = tempfile::tempdir().unwrap();
    let cwd = d.path();
    fails(
        &[
            "check",
            "--config",
            "/nonexistent/server.properties",
            "--format",
            "json",
        ],
        cwd,
        &["/nonexistent/server.properties"],
    );
    fails(
        &[
            "check",
            "--config",
            cwd.to_str().unwrap(),
            "--format",
            "json",
        ],
        cwd,
        &["is a directory"],
    );
    let p = props(cwd, b"\x00\x01\x02binary\xff\xfe");
    fails(
        &["check", "--config", &p, "--format", "json"],
        cwd,
        &[&p, "NUL"],
    );
    let p = props(cwd, b"log.dirs=/x\nbroker.id=\\u12G4\n");
    fails(
        &["check", "--config", &p, "--format", "json"],
        cwd,
        &[&format!("{p}:2")],
    );
    fails(&["check", "--format", "json"], cwd, &["--config"]);
}

#[test]
fn values_kafka_would_reject_name_file_line_key_and_value() {
    let d = tempfile::tempdir().unwrap();
    let cwd = d.path();
    for (line, key) in [
        ("log.segment.bytes=1GB", "log.segment.bytes"),
        ("log.segment.bytes=99999999999", "log.segment.bytes"),
        ("log.index.size.max.bytes=-1", "log.index.size.max.bytes"),
        ("log.index.size.max.bytes=3", "log.index.size.max.bytes"),
        (
            "num.recovery.threads.per.data.dir=0",
            "num.recovery.threads.per.data.dir",
        ),
        ("log.retention.ms=7d", "log.retention.ms"),
        ("log.dirs=", "log.dirs"),
        ("log.dirs= , ,", "log.dirs"),
        ("log.segment.bytes=\u{ff}", "log.segment.bytes"),
    ] {
        let p = props(cwd, format!("# broker\n{line}\n").as_bytes());
        fails(
            &["check", "--config", &p, "--format", "json"],
            cwd,
            &[&format!("{p}:2"), key],
        );
    }
    fails(
        &["check", "--log-dirs", "/x", "--set", "nokey"],
        cwd,
        &["--set", "key=value"],
    );
    fails(
        &[
            "check",
            "--log-dirs",
            "/x",
            "--set",
            "log.segment.bytes=abc",
        ],
        cwd,
        &["--set", "log.segment.bytes"],
    );
    fails(
        &["check", "--log-dirs", "/x", "--kafka-version", "banana"],
        cwd,
        &["--kafka-version", "banana"],
    );
    fails(
        &["check", "--log-dirs", "/x", "--ulimit-v", "7 potatoes"],
        cwd,
        &["--ulimit-v"],
    );
    fails(
        &["check", "--log-dirs", "/x", "--heap", "6 parsecs"],
        cwd,
        &["--heap"],
    );
}

#[test]
fn log_dirs_that_hold_nothing_readable_exit_2_naming_them() {
    let d = tempfile::tempdir().unwrap();
    let cwd = d.path();
    std::fs::write(cwd.join("afile"), b"x").unwrap();
    let file = cwd.join("afile");
    fails(
        &[
            "check",
            "--log-dirs",
            file.to_str().unwrap(),
            "--format",
            "json",
        ],
        cwd,
        &["afile", "not a directory"],
    );
    fails(
        &[
            "check",
            "--log-dirs",
            "/nonexistent/kafka-logs",
            "--format",
            "json",
        ],
        cwd,
        &["/nonexistent/kafka-logs"],
    );
}

#[test]
fn relative_and_duplicated_log_dirs_resolve_against_the_working_directory() {
    // Kafka resolves a relative log dir against the broker's working directory; we use ours.
    let d = tempfile::tempdir().unwrap();
    write_log_dir(
        &d.path().join("data"),
        &[PartitionSpec::new("t", 0, 2)],
        true,
    )
    .unwrap();
    let o = run(
        &["check", "--log-dirs", "data", "--format", "json"],
        d.path(),
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let r: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(
        r["config"]["log_dirs"][0],
        d.path().join("data").to_str().unwrap()
    );
    // LogManager compares canonical paths and throws "Duplicate log directory found".
    let o = run(
        &["check", "--log-dirs", "data,./data", "--format", "json"],
        d.path(),
    );
    assert_eq!(o.code, 1, "{}", o.stderr);
    let r: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(r["config"]["log_dirs"].as_array().unwrap().len(), 1);
    assert!(r["problems"]
        .to_string()
        .contains("Duplicate log directory"));
    let log_dirs_check = r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "log_dirs")
        .unwrap();
    assert_eq!(log_dirs_check["status"], "fail");
}

#[test]
fn damaged_files_in_a_log_dir_are_problems_not_failures() {
    let d = tempfile::tempdir().unwrap();
    let logs = d.path().join("logs");
    write_log_dir(
        &logs,
        &[PartitionSpec::new("t", 0, 3), PartitionSpec::new("u", 1, 2)],
        false,
    )
    .unwrap();
    std::fs::write(logs.join("meta.properties"), b"\x00garbage\nversion=7\n").unwrap();
    std::fs::write(logs.join(".kafka_cleanshutdown"), b"\xffjunk").unwrap();
    // Non-20-digit names, a zero-length index and a huge sparse index.
    std::fs::File::create(logs.join("t-0/5.log")).unwrap();
    std::fs::File::create(logs.join("t-0/5.index")).unwrap();
    std::fs::File::create(logs.join("u-1/00000000000000009999.log")).unwrap();
    std::fs::File::create(logs.join("u-1/00000000000000009999.index"))
        .unwrap()
        .set_len(1 << 40)
        .unwrap();
    std::fs::File::create(logs.join("t-0/garbage.log")).unwrap();
    // Kafka's CheckpointFile rejects a wrong count, garbage and padded header lines (it accepts
    // negative offsets and a missing count line: see tests/scan_robustness.rs).
    for cp in ["0\n3\nt 0 10\n", "garbage\x00", " 0\n1\nt 0 10\n"] {
        std::fs::write(logs.join("recovery-point-offset-checkpoint"), cp).unwrap();
        let o = run(
            &[
                "check",
                "--log-dirs",
                logs.to_str().unwrap(),
                "--format",
                "json",
                "--kafka-version",
                "3.9.0",
            ],
            d.path(),
        );
        assert!(o.code == 0 || o.code == 1, "{cp:?}: {}", o.stderr);
        let r: serde_json::Value = serde_json::from_str(&o.stdout).expect("one JSON object");
        assert_eq!(
            r["inventory"]["log_dirs"][0]["recovery_checkpoint"], "corrupt",
            "{cp:?}"
        );
        let problems = r["problems"].to_string();
        for needle in [
            "meta.properties",
            "recovery-point-offset-checkpoint",
            "garbage.log",
            "20-digit",
        ] {
            assert!(
                problems.contains(needle),
                "{needle} missing from {problems}"
            );
        }
        // The marker is junk but present: the dir counts as clean.
        assert_eq!(r["inventory"]["log_dirs"][0]["clean_shutdown"], true);
    }
}

#[test]
fn a_hundred_thousand_entries_in_one_partition_dir() {
    let d = tempfile::tempdir().unwrap();
    let logs = d.path().join("logs");
    let mut p = PartitionSpec::new("big", 0, 50_000);
    p.producer_snapshot = false;
    p.with_time_index = false;
    write_log_dir(&logs, &[p], true).unwrap();
    let o = run(
        &[
            "check",
            "--log-dirs",
            logs.to_str().unwrap(),
            "--format",
            "json",
            "--ulimit-n",
            "unlimited",
            // Without a version the most demanding release of the evidence (eager 0.10) is
            // judged; this test is about the entries, not the era.
            "--kafka-version",
            "3.9.1",
        ],
        d.path(),
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let r: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(r["inventory"]["segments"], 50_000);
    assert_eq!(r["inventory"]["offset_index_files"], 50_000);
}

/// A deadline that expires before any partition dir is read leaves nothing to report: exit 2
/// naming the dir (the README's promise), not a WARN report of an empty broker with exit 0.
#[test]
fn timeout_before_anything_was_read_is_exit_2_naming_the_dir() {
    let d = tempfile::tempdir().unwrap();
    let logs = d.path().join("logs");
    write_log_dir(
        &logs,
        &[PartitionSpec::new("t", 0, 2), PartitionSpec::new("t", 1, 2)],
        true,
    )
    .unwrap();
    let logs_name = logs.display().to_string();
    fails(
        &[
            "check",
            "--log-dirs",
            logs.to_str().unwrap(),
            "--format",
            "json",
            "--timeout",
            "0.000000001",
        ],
        d.path(),
        &[
            "--timeout",
            "expired before any partition dir was read",
            &logs_name,
        ],
    );
    fails(
        &[
            "check",
            "--log-dirs",
            logs.to_str().unwrap(),
            "--timeout",
            "0",
        ],
        d.path(),
        &["--timeout"],
    );
}

#[test]
fn one_partition_in_two_log_dirs_and_a_directory_named_like_a_segment() {
    let d = tempfile::tempdir().unwrap();
    let (a, b) = (d.path().join("a"), d.path().join("b"));
    write_log_dir(&a, &[PartitionSpec::new("t", 0, 2)], true).unwrap();
    write_log_dir(
        &b,
        &[PartitionSpec::new("t", 0, 2), PartitionSpec::new("u", 0, 1)],
        true,
    )
    .unwrap();
    std::fs::create_dir(b.join("u-0/00000000000000000100.log")).unwrap();
    let dirs = format!("{},{}", a.display(), b.display());
    let o = run(
        &["check", "--log-dirs", &dirs, "--format", "json"],
        d.path(),
    );
    assert_eq!(o.code, 1, "{}", o.stderr);
    let r: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    let problems = r["problems"].to_string();
    assert!(
        problems.contains("Duplicate log directories for t-0"),
        "{problems}"
    );
    assert!(problems.contains("named like a segment"), "{problems}");
    // u-0 has its one real segment only.
    assert_eq!(r["inventory"]["segments"], 2 + 2 + 1);
}
