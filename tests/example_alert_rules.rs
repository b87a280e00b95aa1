//! examples/fleet/kafka-preflight.rules.yml: valid for Prometheus (`promtool check rules`), its
//! alerts fire when and only when its unit tests say (`promtool test rules`), and every
//! metric it names is one `check --format prometheus` really writes.

mod common;
use std::path::{Path, PathBuf};
use std::process::Command;

fn fleet_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/fleet")
}

const RULES: &str = "kafka-preflight.rules.yml";
const TESTS: &str = "kafka-preflight.rules.test.yml";

fn promtool(dir: &Path, args: &[&str]) -> Option<(bool, String)> {
    let bin = common::tool("promtool")?;
    let o = Command::new(bin)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    Some((o.status.success(), text))
}

#[test]
fn promtool_accepts_the_rules() {
    let Some((ok, out)) = promtool(&fleet_dir(), &["check", "rules", RULES]) else {
        return;
    };
    assert!(ok, "{out}");
    // One recording rule (the report's age) and three alerts.
    assert!(out.contains("SUCCESS: 4 rules found"), "{out}");
}

#[test]
fn promtool_unit_tests_of_the_rules_pass() {
    let Some((ok, out)) = promtool(&fleet_dir(), &["test", "rules", TESTS]) else {
        return;
    };
    assert!(ok, "{out}");
    assert!(out.contains("SUCCESS"), "{out}");
}

/// The unit tests must be able to fail: with the stale-report alert removed, or its threshold
/// moved, promtool reports the alert it expected and did not get.
#[test]
fn the_unit_tests_catch_a_broken_stale_report_rule() {
    let rules = std::fs::read_to_string(fleet_dir().join(RULES)).unwrap();
    let tests = std::fs::read_to_string(fleet_dir().join(TESTS)).unwrap();
    let stale = "expr: time() - kafka_preflight_last_run_timestamp_seconds > 3 * 3600";
    assert!(
        rules.contains(stale),
        "the stale rule changed: update this test"
    );
    for broken in [
        rules.replace(stale, &stale.replace("3 * 3600", "5 * 3600")),
        rules.replace(
            "kafka_preflight_last_run_timestamp_seconds >",
            "kafka_preflight_status >",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(RULES), broken).unwrap();
        std::fs::write(dir.path().join(TESTS), &tests).unwrap();
        let Some((ok, out)) = promtool(dir.path(), &["test", "rules", TESTS]) else {
            return;
        };
        assert!(!ok, "a broken rule passed its tests: {out}");
        assert!(out.contains("KafkaPreflightReportStale"), "{out}");
    }
}

/// Metric names in the rules that the exporter does not write would make an alert that can
/// never fire; promtool cannot see that, the exporter's own output can.
#[test]
fn every_metric_the_rules_use_is_exported() {
    let rules = std::fs::read_to_string(fleet_dir().join(RULES)).unwrap();
    let mut used: Vec<&str> = rules
        .match_indices("kafka_preflight_")
        .map(|(i, _)| {
            let rest = &rules[i..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            &rest[..end]
        })
        .collect();
    used.sort();
    used.dedup();
    assert!(used.contains(&"kafka_preflight_last_run_timestamp_seconds"));

    let logs = tempfile::tempdir().unwrap();
    kafka_preflight::synth::write_log_dir(
        logs.path(),
        &kafka_preflight::synth::uniform(1, 2, 2),
        true,
    )
    .unwrap();
    let o = common::preflight()
        .args(["check", "--log-dirs", logs.path().to_str().unwrap()])
        .args(["--set", "zookeeper.connect=zk:2181", "--set", "broker.id=1"])
        .args(["--kafka-version", "3.7.0", "--heap", "1g", "--cores", "2"])
        .args(["--max-map-count", "65530", "--ulimit-n", "100000"])
        .args(["--ulimit-v", "unlimited", "--format", "prometheus"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    for m in used {
        assert!(
            text.contains(&format!("# TYPE {m} gauge")),
            "{m} is used by {RULES} but not exported:\n{text}"
        );
    }
}
