//! The start gate in front of a real Kafka 4.0.0 whose next start recovers every segment
//! (scripts/real-broker-gate on scripts/real-broker's harness): under a `ulimit -v` below the
//! measured threshold of that start the gate stops it before java runs and the log dir is left
//! byte for byte as it was; under `ulimit -v unlimited` the gate lets it start and it comes up.
//! Without java, javac, mvn, python3 or the harness the test skips with a message; under CI it
//! fails instead.

#[path = "common/mod.rs"]
mod common;

use std::path::Path;
use std::process::Command;

#[test]
fn the_gate_stops_an_unsafe_real_start_and_lets_a_safe_one_go() {
    if !common::java::real_broker_tools_present("real-broker gate test") {
        return;
    }
    let out = tempfile::tempdir().unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/real-broker-gate");
    let o = Command::new("python3")
        .arg(script)
        .args(["--version", "4.0.0", "--out"])
        .arg(out.path())
        .env("KAFKA_PREFLIGHT", env!("CARGO_BIN_EXE_kafka-preflight"))
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "real-broker-gate failed: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    let r: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("result.json")).unwrap()).unwrap();

    let low = &r["low"];
    let stderr = low["stderr"].as_str().unwrap();
    assert_eq!(
        low["exit"], 1,
        "the gate let the unsafe start go on: {stderr}"
    );
    assert!(
        stderr.starts_with("kafka-preflight gate: FAIL, stopping this start"),
        "{stderr}"
    );
    assert_eq!(low["java_ran"], false, "{r:#}");
    assert_eq!(low["untouched"], true, "the log dir changed: {r:#}");
    let report = &low["report"];
    assert_eq!(report["verdict"], "fail");
    assert_eq!(
        report["limits"]["virtual_memory_bytes"]["soft"],
        r["ulimit_v_kib"].as_u64().unwrap() * 1024,
        "the gate judged a limit other than its own ulimit -v"
    );
    // Every segment on disk (the metadata log's too) is unflushed: the gate judged the unclean
    // start.
    assert_eq!(report["inventory"]["unflushed_segments"], r["segments"]);

    let unlimited = &r["unlimited"];
    assert_eq!(
        unlimited["outcome"],
        "started",
        "{}",
        unlimited["stderr"].as_str().unwrap_or_default()
    );
    assert!(unlimited["stderr"]
        .as_str()
        .unwrap()
        .contains("the start goes on"));
}
