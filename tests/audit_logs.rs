//! `audit` on real broker logs (tests/fixtures/broker-logs/, see its README): each start's
//! outcome, cause and truncations as the harness observed them, and the exit codes.

mod common;

use std::path::PathBuf;

use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/broker-logs"
    ))
    .join(name)
}

/// (exit code, JSON report) of `audit --format json` on a fixture.
fn audit(name: &str) -> (i32, Value) {
    let out = common::preflight()
        .args(["audit", "--format", "json", "--log"])
        .arg(fixture(name))
        .output()
        .unwrap();
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{name}: {e}: {}", String::from_utf8_lossy(&out.stdout)));
    (out.status.code().unwrap(), json)
}

fn kinds(j: &Value) -> Vec<(String, String)> {
    j["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().unwrap().to_string(),
                f["phase"].as_str().unwrap_or("-").to_string(),
            )
        })
        .collect()
}

#[test]
fn clean_and_recovered_starts_exit_0() {
    for f in ["3.9.0-clean-started.log", "3.9.0-active-recovered.log"] {
        let (code, j) = audit(f);
        assert_eq!(code, 0, "{f}: {j}");
        assert_eq!(j["outcome"], "started", "{f}");
        assert!(j["failures"].as_array().unwrap().is_empty(), "{f}");
        assert!(j["truncated"].as_array().unwrap().is_empty(), "{f}");
    }
}

/// 4.0.0 catches the failed recovery and logs no exception at all; the broker says it started,
/// and rb0-0 (end offset 3354 before) is cut to 0 with its three later segments deleted.
#[test]
fn silent_truncation_on_4_0_is_a_lossy_start() {
    let (code, j) = audit("4.0.0-all-truncated.log");
    assert_eq!(code, 1, "{j}");
    assert_eq!(j["outcome"], "started");
    let t = j["truncated"].as_array().unwrap();
    assert_eq!(t.len(), 1, "{j}");
    assert_eq!(t[0]["partition"], "rb0-0");
    assert_eq!(t[0]["to_offset"], 0);
    assert_eq!(t[0]["recovery_threw"], true);
    assert_eq!(
        t[0]["deleted_segments"],
        serde_json::json!([1001, 2009, 3017])
    );
}

#[test]
fn map_failed_in_recovery_takes_the_3_9_dir_offline() {
    let (code, j) = audit("3.9.0-all-dir-offline.log");
    assert_eq!(code, 1);
    assert_eq!(j["outcome"], "log-dir-offline");
    assert_eq!(kinds(&j)[0], ("map-failed".into(), "recovery".into()));
    assert!(j["truncated"].as_array().unwrap().is_empty());
}

/// Lower limit on 4.0.0: truncations first, then the truncation's own resize is refused.
#[test]
fn map_failed_in_the_truncation_takes_the_4_0_dir_offline_after_cutting() {
    let (code, j) = audit("4.0.0-all-dir-offline.log");
    assert_eq!(code, 1);
    assert_eq!(j["outcome"], "log-dir-offline");
    let k = kinds(&j);
    assert_eq!(k[0], ("map-failed".into(), "recovery-truncation".into()));
    assert!(k.contains(&("native-thread".into(), "-".into())), "{k:?}");
    let cut: Vec<&str> = j["truncated"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["partition"].as_str().unwrap())
        .collect();
    assert!(cut.contains(&"rb2-5") && cut.contains(&"rb0-4"), "{cut:?}");
    let rb04 = j["truncated"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["partition"] == "rb0-4")
        .unwrap();
    assert_eq!(rb04["to_offset"], 2017);
}

#[test]
fn native_thread_and_jvm_failures_abort() {
    let (code, j) = audit("3.9.0-all-native-thread.log");
    assert_eq!((code, j["outcome"].as_str().unwrap()), (1, "aborted"));
    assert_eq!(
        kinds(&j),
        vec![("native-thread".to_string(), "-".to_string())]
    );
    let (code, j) = audit("4.0.0-jvm-init-failed.log");
    assert_eq!((code, j["outcome"].as_str().unwrap()), (1, "aborted"));
    assert_eq!(kinds(&j)[0].0, "jvm-init");
}

#[test]
fn only_the_last_start_counts() {
    let (code, j) = audit("3.9.0-failed-then-started.log");
    assert_eq!(code, 0, "{j}");
    assert_eq!(j["starts"], 2);
    assert_eq!(j["outcome"], "started");
    let (code, j) = audit("3.9.0-started-then-failed.log");
    assert_eq!(code, 1);
    assert_eq!(j["starts"], 2);
    assert_eq!(j["outcome"], "log-dir-offline");
    assert!(j["start_line"].as_u64().unwrap() > 1);
}

#[test]
fn unreadable_or_foreign_files_exit_2() {
    let d = tempfile::tempdir().unwrap();
    let text = d.path().join("notes.txt");
    std::fs::write(&text, "hello\nworld\n").unwrap();
    let bin = d.path().join("server.log.gz");
    std::fs::write(&bin, [0x1f, 0x8b, 0, 0]).unwrap();
    for p in [text, bin, d.path().join("missing.log")] {
        let out = common::preflight()
            .args(["audit", "--log"])
            .arg(&p)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", p.display());
        assert!(out.stdout.is_empty());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(&*p.display().to_string()), "{err}");
    }
}

#[test]
fn table_names_cause_phase_and_partition() {
    let out = common::preflight()
        .args(["audit", "--log"])
        .arg(fixture("4.0.0-all-dir-offline.log"))
        .output()
        .unwrap();
    let s = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1));
    for want in [
        "log dir offline, data truncated",
        "Map failed",
        "the truncation after a failed recovery",
        "rb0-4",
        "2017",
    ] {
        assert!(s.contains(want), "{want} missing in\n{s}");
    }
}

/// A clean 4.0.0 restart under a low limit: no recovery, so nothing catches the failed resize.
#[test]
fn map_failed_outside_recovery_takes_the_4_0_dir_offline_without_truncating() {
    let (code, j) = audit("4.0.0-clean-dir-offline.log");
    assert_eq!(code, 1);
    assert_eq!(j["outcome"], "log-dir-offline");
    assert_eq!(kinds(&j)[0], ("map-failed".into(), "active-resize".into()));
    assert!(j["truncated"].as_array().unwrap().is_empty());
}

/// The configurations check calls start killers, as the brokers refused them.
#[test]
fn refused_configs_abort_with_kafkas_own_reason() {
    for (f, why) in [
        (
            "4.0.0-zookeeper-config.log",
            "Missing required configuration \"process.roles\"",
        ),
        (
            "3.9.0-metadata-segment-refused.log",
            "Cannot set metadata.log.segment.bytes below 8388608",
        ),
    ] {
        let (code, j) = audit(f);
        assert_eq!(
            (code, j["outcome"].as_str().unwrap()),
            (1, "aborted"),
            "{f}"
        );
        let first = &j["failures"][0];
        assert_eq!(first["kind"], "config", "{f}");
        assert!(
            first["exception"].as_str().unwrap().contains(why),
            "{f}: {first}"
        );
    }
}

/// 4.1.1 (KAFKA-19390): the failed resize left the time index unmapped, the truncation in
/// recoverLog's catch hit it, and the start aborted before the .log was cut.
#[test]
fn kafka_19390_turns_the_truncation_into_an_aborted_start() {
    let (code, j) = audit("4.1.1-all-npe-aborted.log");
    assert_eq!(code, 1);
    assert_eq!(j["outcome"], "aborted");
    assert_eq!(
        kinds(&j),
        vec![(
            "null-pointer".to_string(),
            "recovery-truncation".to_string()
        )],
        "{j}"
    );
    assert_eq!(j["failures"][0]["count"], 2);
    assert!(j["truncated"].as_array().unwrap().is_empty(), "{j}");
    assert_eq!(j["recovery_failed"], serde_json::json!(["rb2-2"]));
}

/// KAFKA-19390's NullPointerException aborts the start, but not always before every truncation:
/// on this 4.4.0 run rb2-6's truncation got through first, so the aborted start left data cut on
/// disk, which the next start (with more room) will come up without.
#[test]
fn an_aborted_4_4_start_can_still_have_cut_a_partition() {
    let (code, j) = audit("4.4.0-all-npe-aborted-cut.log");
    assert_eq!(code, 1);
    assert_eq!(j["outcome"], "aborted");
    let cut = j["truncated"].as_array().unwrap();
    assert_eq!(cut.len(), 1, "{j}");
    assert_eq!(cut[0]["partition"], "rb2-6");
    assert_eq!(cut[0]["to_offset"], 2987);
    assert_eq!(j["recovery_failed"], serde_json::json!(["rb2-2"]));
    assert!(
        j["summary"].as_str().unwrap().contains("TRUNCATED"),
        "{}",
        j["summary"]
    );
}
