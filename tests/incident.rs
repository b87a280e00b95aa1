//! The incident behind the project, and the promise that every recommendation, applied, passes.

mod common;
use kafka_preflight::synth::{incident_layout, write_log_dir, PartitionSpec};
use serde_json::Value;

fn check(logs: &std::path::Path, extra: &[&str]) -> (i32, Value) {
    let out = common::preflight()
        .args([
            "check",
            "--log-dirs",
            logs.to_str().unwrap(),
            "--set",
            "zookeeper.connect=zk:2181",
        ])
        .args([
            "--kafka-version",
            "1.1.0",
            "--heap",
            "1g",
            "--cores",
            "2",
            "--format",
            "json",
        ])
        .args(extra)
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    (
        out.status.code().unwrap(),
        serde_json::from_slice(&out.stdout).expect("one JSON object on stdout"),
    )
}

fn status<'a>(r: &'a Value, id: &str) -> &'a str {
    r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap()["status"]
        .as_str()
        .unwrap()
}

#[test]
fn the_incidents_ulimit_fails_and_unlimited_passes() {
    let dir = tempfile::tempdir().unwrap();
    write_log_dir(dir.path(), &incident_layout(), false).unwrap();
    let common = ["--max-map-count", "65530", "--ulimit-n", "100000"];
    let (code, r) = check(
        dir.path(),
        &[&common[..], &["--ulimit-v", "6899920"]].concat(),
    );
    assert_eq!(code, 1);
    assert_eq!(status(&r, "virtual_memory"), "fail");
    assert_eq!(
        r["limits"]["virtual_memory_bytes"]["soft"],
        6_899_920u64 * 1024
    );
    // ~600 index mappings live after loading: every segment's two indexes (eager era).
    assert_eq!(r["estimate"]["index_maps"]["live"], 600);
    let rec = r["recommendations"].as_array().unwrap();
    let v = rec
        .iter()
        .find(|x| x["setting"] == "ulimit -v")
        .expect("a ulimit -v recommendation");
    assert_eq!(v["recommended"], "unlimited");
    assert_eq!(v["current"], "6899920 KiB");

    let (code, r) = check(
        dir.path(),
        &[&common[..], &["--ulimit-v", "unlimited"]].concat(),
    );
    assert_eq!(status(&r, "virtual_memory"), "pass");
    assert_eq!(code, 0, "{}", r["checks"]);
}

#[test]
fn every_recommendation_applied_passes() {
    // Tight limits everywhere and small segments: each check fails, each gets a recommendation.
    let dir = tempfile::tempdir().unwrap();
    let parts: Vec<PartitionSpec> = (0..40)
        .map(|i| {
            let mut p = PartitionSpec::new("orders", i, 30);
            p.segment_bytes = 1 << 20;
            p
        })
        .collect();
    write_log_dir(dir.path(), &parts, false).unwrap();
    let tight = [
        "--ulimit-v",
        "5000000",
        "--max-map-count",
        "2000",
        "--ulimit-n",
        "1000",
        "--set",
        "log.segment.bytes=1048576",
    ];
    let (code, r) = check(dir.path(), &tight);
    assert_eq!(code, 1);
    for id in ["virtual_memory", "map_areas", "open_files"] {
        assert_ne!(status(&r, id), "pass", "{id}: {}", r["checks"]);
    }
    let recs = r["recommendations"].as_array().unwrap();
    let settings: Vec<&str> = recs
        .iter()
        .map(|x| x["setting"].as_str().unwrap())
        .collect();
    for s in ["ulimit -v", "vm.max_map_count", "ulimit -n"] {
        assert!(settings.contains(&s), "{settings:?}");
    }
    // Apply every recommendation over the tight limits (later flags win) and check again.
    let mut args: Vec<String> = tight.iter().map(|s| s.to_string()).collect();
    for rec in recs {
        let f = rec["verify_with"].as_array().unwrap();
        args.extend(f.iter().map(|v| v.as_str().unwrap().to_string()));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, r) = check(dir.path(), &args);
    for id in ["virtual_memory", "map_areas", "open_files"] {
        assert_eq!(
            status(&r, id),
            "pass",
            "{id} after {args:?}: {}",
            r["checks"]
        );
    }
    assert_eq!(code, 0);
}
