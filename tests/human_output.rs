//! The human table leads with the verdict: first line the verdict and the checks that make it,
//! then each of those in Elasticsearch bootstrap-check form; failures before passes; the
//! rationale only with --explain; every line within COLUMNS (80 off a terminal); durations
//! like 6s or 11h23m; a crash scenario's dirs do not read "clean yes".

#[path = "formats_common/mod.rs"]
mod formats_common;

use formats_common::{common, fixture};

fn table(root: &std::path::Path, columns: Option<&str>, extra: &[&str]) -> String {
    let mut c = common::preflight();
    c.current_dir(root)
        .args(["check", "--log-dirs", "data-1,data-2", "-q"])
        .args(["--kafka-version", "3.9.0", "--heap", "1g", "--cores", "2"])
        .args(["--ulimit-v", "3930000", "--ulimit-n", "100000"])
        .args(["--max-map-count", "65530"])
        .args(extra)
        .env_remove("COLUMNS");
    if let Some(n) = columns {
        c.env("COLUMNS", n);
    }
    let out = c.output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_first_line_is_the_verdict_with_the_failing_checks() {
    let dir = tempfile::tempdir().unwrap();
    fixture(dir.path());
    let t = table(dir.path(), None, &[]);
    let mut lines = t.lines();
    let first = lines.next().unwrap();
    assert!(first.starts_with("FAIL: "), "{first}");
    assert!(
        first.contains("virtual_memory") && first.contains("log_dirs"),
        "{first}"
    );
    let bootstrap = t
        .lines()
        .find(|l| l.starts_with("  [1/2] ") || l.starts_with("  [2/2] "))
        .expect("numbered failures under the verdict");
    assert!(bootstrap.contains(": "), "{bootstrap}");
    let flat = t.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains(
            "max virtual memory (ulimit -v) [3930000 KiB] is too low, increase to at least ["
        ),
        "{t}"
    );
}

#[test]
fn failures_come_first_and_the_rationale_waits_for_explain() {
    let dir = tempfile::tempdir().unwrap();
    fixture(dir.path());
    let t = table(dir.path(), None, &[]);
    let rank = |l: &str| {
        ["[PASS]", "[WARN]", "[FAIL]"]
            .iter()
            .position(|w| l.contains(w))
    };
    let statuses: Vec<usize> = t
        .split("\nChecks: ")
        .nth(1)
        .unwrap()
        .lines()
        .filter_map(|l| l.trim_start().starts_with('[').then(|| rank(l)).flatten())
        .collect();
    assert!(statuses.len() >= 4, "{t}");
    assert!(
        statuses.windows(2).all(|w| w[0] >= w[1]),
        "{statuses:?}\n{t}"
    );
    assert!(!t.contains("why: "), "{t}");
    let explained = table(dir.path(), None, &["--explain"]);
    assert!(explained.contains("why: "), "{explained}");
    assert_eq!(table(dir.path(), None, &["-v"]), explained);
}

#[test]
fn every_line_fits_the_width() {
    let dir = tempfile::tempdir().unwrap();
    fixture(dir.path());
    for (columns, width) in [(None, 80), (Some("100"), 100), (Some("60"), 60)] {
        let t = table(dir.path(), columns, &["--show-topics", "--explain"]);
        // Lines to paste (systemd drop-ins, sysctl files) are copied as they are, never wrapped.
        let mut pasting = false;
        for l in t.lines() {
            if l.starts_with("Recommendations:") || l.is_empty() {
                pasting = l.starts_with("Recommendations:");
                continue;
            }
            if pasting && l.starts_with("      ") && !l.starts_with("      why") {
                continue;
            }
            // A single word (a path) longer than the width may stand alone on its line.
            let n = l.chars().count();
            let one_word = l.split_whitespace().count() <= 2;
            assert!(n <= width || one_word, "{n} > {width}: {l:?}");
        }
    }
}

#[test]
fn durations_and_the_crash_scenario_read_as_meant() {
    let dir = tempfile::tempdir().unwrap();
    fixture(dir.path());
    let t = table(dir.path(), Some("200"), &["--scenario", "crash"]);
    let recovery = t
        .lines()
        .find(|l| l.starts_with("Recovery: "))
        .expect("recovery");
    assert!(!recovery.contains(" s at "), "{recovery}");
    assert!(recovery.contains("s at "), "{recovery}");
    let dirs: Vec<&str> = t
        .lines()
        .filter(|l| l.contains("data-1") || l.contains("data-2"))
        .collect();
    assert!(!dirs.is_empty(), "{t}");
    for l in dirs.iter().filter(|l| l.starts_with('│')) {
        assert!(l.contains("no (crash)"), "{l}");
    }
}

#[test]
fn every_human_output_starts_with_the_verdict() {
    let dir = tempfile::tempdir().unwrap();
    fixture(dir.path());
    std::fs::write(
        dir.path().join("old.properties"),
        "log.dirs=data-1,data-2\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("new.properties"),
        "log.dirs=data-1,data-2\nlog.segment.bytes=268435456\n",
    )
    .unwrap();
    let report = dir.path().join("r.json");
    let pinned = [
        "--kafka-version",
        "3.9.0",
        "--heap",
        "1g",
        "--cores",
        "2",
        "-q",
    ];
    let wrote = common::preflight()
        .current_dir(dir.path())
        .args([
            "check",
            "--log-dirs",
            "data-1,data-2",
            "--format",
            "json",
            "-o",
        ])
        .arg(&report)
        .args(pinned)
        .output()
        .unwrap();
    assert!(wrote.status.code().unwrap() < 2);
    let runs: Vec<Vec<&str>> = vec![
        vec![
            "plan",
            "--partitions",
            "10",
            "--bytes-per-partition",
            "1GiB",
        ],
        vec![
            "plan",
            "--partitions",
            "10",
            "--bytes-per-partition",
            "1GiB",
            "--sweep",
            "partitions=10..40:10",
        ],
        vec!["diff", "old.properties", "new.properties"],
        vec!["merge", report.to_str().unwrap()],
    ];
    for args in runs {
        let mut c = common::preflight();
        c.current_dir(dir.path()).args(&args);
        if args[0] != "merge" {
            c.args(pinned);
        }
        let out = c.output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let first = text.lines().next().unwrap_or_default();
        assert!(
            ["PASS", "WARN", "FAIL"]
                .iter()
                .any(|w| first.starts_with(w)),
            "{args:?}: {first:?}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// inspect, watch and audit: the verdict first and every line within COLUMNS, as check's.
#[test]
fn the_live_and_audit_results_start_with_the_verdict_and_fit_the_width() {
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    let proc_root = format!("{fixtures}/proc/host");
    let runs: Vec<Vec<String>> = vec![
        vec!["inspect".into(), "--proc-root".into(), proc_root.clone()],
        [
            "watch",
            "--pid",
            "4242",
            "--proc-root",
            &proc_root,
            "--duration",
            "200ms",
            "--settle",
            "0",
        ]
        .map(String::from)
        .to_vec(),
        vec![
            "audit".into(),
            "--log".into(),
            format!("{fixtures}/broker-logs/4.4.0-all-npe-aborted-cut.log"),
        ],
        vec![
            "audit".into(),
            "--log".into(),
            format!("{fixtures}/broker-logs/3.9.0-all-dir-offline.log"),
        ],
    ];
    for args in runs {
        for width in [80usize, 60] {
            let out = common::preflight()
                .env("COLUMNS", width.to_string())
                .args(&args)
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&out.stdout);
            let first = text.lines().next().unwrap_or_default();
            assert!(
                ["PASS: ", "WARN: ", "FAIL: "]
                    .iter()
                    .any(|w| first.starts_with(w)),
                "{args:?}: {first:?}"
            );
            for l in text.lines() {
                let n = l.chars().count();
                let one_word = l.split_whitespace().count() <= 2;
                assert!(n <= width || one_word, "{args:?}: {n} > {width}: {l:?}");
            }
        }
    }
}
