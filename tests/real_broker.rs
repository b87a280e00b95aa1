//! Real Kafka brokers restarted for real (scripts/real-broker, jars from Maven Central through
//! scripts/kafka-classpath): 4.0.0, without KAFKA-19390, and 4.1.1, with it, each after a clean
//! shutdown and after kill -9 with every segment unflushed. The model must count the segments
//! the broker itself says it recovers, and put every measured peak inside its [best, worst].
//! Without java, javac, mvn or python3 the test skips with a message; under CI it fails instead.
//! The full matrix is `scripts/rb-matrix` (docs/accuracy.md), not part of this test.

use serde_json::Value;
#[path = "common/mod.rs"]
mod common;

use std::path::Path;
use std::process::Command;

const RELEASES: [&str; 2] = ["4.0.0", "4.1.1"];

fn run_case(version: &str, scenario: &str, out: &Path) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/real-broker");
    let o = Command::new("python3")
        .arg(script)
        .args(["--version", version, "--scenario", scenario])
        .args(["--partitions", "20", "--topics", "3", "--segments", "3"])
        .arg("--out")
        .arg(out)
        .env("KAFKA_PREFLIGHT", env!("CARGO_BIN_EXE_kafka-preflight"))
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "real-broker {version} {scenario} failed: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    let text = std::fs::read_to_string(out.join("result.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// measured within [low, worst] of the prediction, low being the field `low` of the estimate
/// scaled by `slack`.
fn within(r: &Value, est: &str, low: &str, slack: f64, measured: &str) {
    let e = &r["prediction"]["estimate"][est];
    let lo = (e[low].as_u64().unwrap() as f64 * slack) as u64;
    let worst = e["worst"].as_u64().unwrap();
    let m = r["measured"][measured].as_u64().unwrap();
    assert!(
        lo <= m && m <= worst,
        "{} {}: measured {measured} {m} outside predicted {est} [{low} x {slack} = {lo}, worst {worst}]",
        r["version"],
        r["scenario"]
    );
}

#[test]
fn real_brokers_restart_as_the_model_predicts() {
    if !common::java::real_broker_tools_present("real-broker test") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for version in RELEASES {
        for scenario in ["clean", "all"] {
            let out = dir.path().join(format!("{version}-{scenario}"));
            let r = run_case(version, scenario, &out);
            let log = std::fs::read_to_string(out.join("server.log")).unwrap();
            assert_eq!(r["outcome"], "started", "{version} {scenario}: {log}");
            assert_eq!(r["truncated"], Value::Array(vec![]));
            assert!(log.contains("Kafka Server started"));
            // Kafka's own word on what it recovered, against the tool's count of the same tree.
            let recovered_by_kafka = log.matches("Recovering unflushed segment").count() as u64;
            let inv = &r["prediction"]["inventory"];
            assert_eq!(
                inv["unflushed_segments"].as_u64().unwrap(),
                recovered_by_kafka,
                "{version} {scenario}: unflushed segments predicted vs recovered by the broker"
            );
            if scenario == "all" {
                // Every data segment plus the metadata log's.
                assert_eq!(recovered_by_kafka, r["segments"].as_u64().unwrap());
            } else {
                // KRaft recovers its metadata log at every start; nothing else after a clean stop.
                let data = log
                    .lines()
                    .filter(|l| l.contains("Recovering unflushed segment"))
                    .filter(|l| !l.contains("__cluster_metadata"))
                    .count();
                assert_eq!(data, 0, "{version} clean: data segments recovered");
            }
            // The live index mappings must all be there at the peak; the replaced ones the best
            // case adds may be collected between two 100 ms samples, so only live bounds below.
            within(&r, "index_mmap_bytes", "live", 1.0, "peak_index_bytes");
            // VmPeak is the kernel's high-water mark: nothing is missed. The tolerance:
            // the best case within 10 % of it.
            within(&r, "virtual_memory_bytes", "best", 0.9, "vm_peak_bytes");
        }
    }
}
