//! Snapshots of every subcommand's result in every format it accepts (and of the refusal of
//! the ones it does not), and of every `--help`, so any output change is reviewed. `check` on
//! its fixture is in formats_snapshots.rs. Redacted: temp paths, host, time, this shell's limits.

#[path = "common/mod.rs"]
mod common;

use std::path::Path;

const PINNED: [&str; 12] = [
    "--kafka-version",
    "3.9.0",
    "--heap",
    "1g",
    "--cores",
    "2",
    "--ulimit-v",
    "6899920",
    "--ulimit-n",
    "100000",
    "--max-map-count",
    "65530",
];
const PLAN: [&str; 4] = ["--partitions", "40", "--bytes-per-partition", "3GiB"];

/// stdout (or, on exit 2, stderr) with the run-dependent parts redacted.
fn run(cwd: &Path, args: &[&str]) -> String {
    let out = common::preflight()
        .current_dir(cwd)
        .env("COLUMNS", "100")
        .args(args)
        .output()
        .unwrap();
    let code = out.status.code().unwrap();
    let text = if code == 2 { &out.stderr } else { &out.stdout };
    let text = String::from_utf8_lossy(text).into_owned();
    let mut t = text.replace(&cwd.display().to_string(), "[TMP]");
    if let Ok(real) = cwd.canonicalize() {
        t = t.replace(&real.display().to_string(), "[TMP]");
    }
    format!("exit {code}\n{t}")
}

fn tmp() -> tempfile::TempDir {
    // A fixed-length path: its length sets table widths.
    tempfile::Builder::new()
        .prefix("kp-snap-")
        .tempdir_in("/tmp")
        .unwrap()
}

#[test]
fn every_help() {
    let dir = tmp();
    for sub in [
        "check",
        "plan",
        "diff",
        "inspect",
        "watch",
        "merge",
        "audit",
        "gate",
        "completions",
        "man",
    ] {
        common::snapshot(&format!("help_{sub}"), &run(dir.path(), &[sub, "--help"]));
    }
}

#[test]
fn plan_in_every_format() {
    let dir = tmp();
    for f in ["table", "json", "markdown", "csv", "prometheus"] {
        let args = [&["plan", "--format", f][..], &PLAN, &PINNED].concat();
        common::snapshot(&format!("plan_{f}"), &run(dir.path(), &args));
    }
}

#[test]
fn sweep_in_every_format_and_the_refusal() {
    let dir = tmp();
    for f in ["table", "json", "markdown", "csv", "prometheus"] {
        let sweep = ["--sweep", "log.segment.bytes=256MiB..1GiB", "--format", f];
        let args = [&["plan"][..], &sweep, &PLAN, &PINNED].concat();
        common::snapshot(&format!("sweep_{f}"), &run(dir.path(), &args));
    }
}

#[test]
fn diff_in_every_format_and_the_refusal() {
    let dir = tmp();
    std::fs::write(
        dir.path().join("old.properties"),
        "log.dirs=/nonexistent/a\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("new.properties"),
        "log.dirs=/nonexistent/a\nlog.segment.bytes=268435456\n",
    )
    .unwrap();
    for f in ["table", "json", "markdown", "csv", "prometheus"] {
        let files = ["diff", "old.properties", "new.properties", "--format", f];
        let args = [&files[..], &PLAN, &PINNED].concat();
        common::snapshot(&format!("diff_{f}"), &run(dir.path(), &args));
    }
}

#[test]
fn merge_in_every_format() {
    let dir = tmp();
    let data = dir.path().join("data");
    kafka_preflight::synth::write_log_dir(&data, &kafka_preflight::synth::uniform(2, 3, 2), true)
        .unwrap();
    for (name, ulimit_v) in [("a.json", "6899920"), ("b.json", "unlimited")] {
        let out = common::preflight()
            .current_dir(dir.path())
            .args([
                "check",
                "--log-dirs",
                "data",
                "-q",
                "--format",
                "json",
                "-o",
                name,
            ])
            .args(PINNED)
            .args(["--ulimit-v", ulimit_v])
            .output()
            .unwrap();
        assert!(out.status.code().unwrap() < 2, "{out:?}");
        // The host that ran the test is not part of the snapshot.
        let path = dir.path().join(name);
        let mut r: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        r["broker"]["host"] = format!("host-{}", &name[..1]).into();
        std::fs::write(&path, r.to_string()).unwrap();
    }
    for f in ["table", "json", "markdown", "csv"] {
        let text = run(dir.path(), &["merge", "a.json", "b.json", "--format", f]);
        common::snapshot(&format!("merge_{f}"), &text);
    }
}

/// The /proc fixture as `proc` in `dir`, a link: the tables wrap its path, so its length must
/// not depend on where the checkout is.
fn proc_fixture(dir: &Path) -> &'static str {
    std::os::unix::fs::symlink(
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/proc/host"),
        dir.join("proc"),
    )
    .unwrap();
    "proc"
}

#[test]
fn inspect_in_every_format() {
    let dir = tmp();
    let root = proc_fixture(dir.path());
    for f in ["table", "json", "markdown", "csv", "prometheus"] {
        let text = run(dir.path(), &["inspect", "--proc-root", root, "--format", f]);
        common::snapshot(
            &format!("inspect_{f}"),
            &text
                .replace("[TMP]/proc", "[PROC]")
                .replace("proc/", "[PROC]/"),
        );
    }
}

/// The sampling times and counts of a short watch of the fixture process vary run to run.
fn redact_timing(text: &str) -> String {
    let mut t = text.to_string();
    for (re, to) in [
        (r"after [\d.]+s", "after [T]"),
        (r"for [\d.]+s \([\d,]+ samples", "for [T] ([N] samples"),
        (
            r"[\d.]+ ms mean, [\d.]+ ms max \([\d.]+ ms CPU mean\)",
            "[T] ms mean, [T] ms max ([T] ms CPU mean)",
        ),
        (
            r#""(samples|watched_ms|mean_us|max_us|over_interval|mean_cpu_us|max_cpu_us)": \d+"#,
            r#""$1": [N]"#,
        ),
        (r"(?m)^.*samples took longer than the.*\n(    .*\n)*", ""),
    ] {
        t = regex::Regex::new(re)
            .unwrap()
            .replace_all(&t, to)
            .into_owned();
    }
    t
}

#[test]
fn watch_in_every_format() {
    let dir = tmp();
    let root = proc_fixture(dir.path());
    for f in ["table", "json", "markdown", "csv", "prometheus"] {
        let args = [
            "watch",
            "--pid",
            "4242",
            "--proc-root",
            root,
            "--interval",
            "50ms",
            "--duration",
            "200ms",
            "--settle",
            "0",
            "--format",
            f,
        ];
        let text = run(dir.path(), &args);
        common::snapshot(
            &format!("watch_{f}"),
            &redact_timing(
                &text
                    .replace("[TMP]/proc", "[PROC]")
                    .replace("proc/", "[PROC]/"),
            ),
        );
    }
}

#[test]
fn audit_in_every_format_and_the_refusals() {
    let dir = tmp();
    // A relative path: the table wraps the log's name, so its length must not depend on
    // where the checkout is.
    let log = "4.0.0-all-truncated.log";
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/broker-logs/4.0.0-all-truncated.log"
        ),
        dir.path().join(log),
    )
    .unwrap();
    for f in ["table", "json", "markdown", "csv", "prometheus"] {
        let text = run(dir.path(), &["audit", "--log", log, "--format", f]);
        common::snapshot(&format!("audit_{f}"), &text);
    }
}
