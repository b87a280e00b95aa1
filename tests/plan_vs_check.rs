//! `plan` must predict what `check` would say of a broker with the same data: a synthetic tree
//! (src/synth.rs) is scanned by `check` and described to `plan`, and every estimate must match.

mod common;

use kafka_preflight::synth::{self, PartitionSpec};
use serde_json::Value;

const LIMITS: [&str; 12] = [
    "--ulimit-v",
    "unlimited",
    "--ulimit-n",
    "1000000",
    "--max-map-count",
    "262144",
    "--heap",
    "1g",
    "--cores",
    "4",
    "--malloc-arena-max",
    "2",
];

fn run(args: &[&str]) -> Value {
    let out = common::preflight()
        .args(args)
        .args(LIMITS)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.code().unwrap() < 2,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn numbers(r: &Value) -> Vec<(String, Value)> {
    let e = &r["estimate"];
    let mut v = vec![(
        "inventory.segments".to_string(),
        r["inventory"]["segments"].clone(),
    )];
    for k in [
        "index_mmap_bytes",
        "index_maps",
        "map_areas",
        "virtual_memory_bytes",
        "open_files",
        "steady_state",
    ] {
        v.push((k.to_string(), e[k].clone()));
    }
    v.push(("recovered_segments".into(), e["recovered_segments"].clone()));
    v.push(("inflight_logs".into(), e["inflight_logs"].clone()));
    v.push(("verdict".into(), r["verdict"].clone()));
    v
}

/// 50 partitions x 8 segments of 1 MiB, one log dir, `unflushed` segments at or after the
/// recovery point.
fn compare(version: &str, crash: bool, unflushed: u64) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d0");
    let parts: Vec<PartitionSpec> = (0..50)
        .map(|i| {
            let mut p = PartitionSpec::new(&format!("topic-{}", i % 5), i / 5, 8);
            // One offset entry per 4097 bytes, as plan assumes for rolled segments.
            p.trimmed_index_bytes = 8 * ((1 << 20) / 4097);
            p.recovery_point_segment = Some(8 - unflushed);
            if !crash {
                p.active_index_bytes = p.trimmed_index_bytes;
            }
            p
        })
        .collect();
    synth::write_log_dir(&dir, &parts, !crash).unwrap();
    if !crash {
        // synth sizes a trimmed active time index like a preallocated one (len/12*12); a clean
        // close keeps one 12-byte entry per offset entry, as for rolled segments.
        for p in &parts {
            let f = dir
                .join(p.dir_name())
                .join(format!("{:020}.timeindex", PartitionSpec::base(7)));
            std::fs::File::options()
                .write(true)
                .open(f)
                .unwrap()
                .set_len(p.trimmed_index_bytes / 8 * 12)
                .unwrap();
        }
    }
    let scenario = if crash { "crash" } else { "clean" };
    let check = run(&[
        "check",
        "--log-dirs",
        dir.to_str().unwrap(),
        "--kafka-version",
        version,
        "--scenario",
        scenario,
    ]);
    let k = unflushed.to_string();
    let plan = run(&[
        "plan",
        "--topics",
        "5",
        "--partitions",
        "50",
        "--bytes-per-partition",
        "8MiB",
        "--segment-bytes",
        "1MiB",
        "--log-dirs-count",
        "1",
        "--unflushed-segments",
        &k,
        "--kafka-version",
        version,
        "--scenario",
        scenario,
    ]);
    let (c, p) = (numbers(&check), numbers(&plan));
    for ((name, cv), (_, pv)) in c.iter().zip(&p) {
        assert_eq!(
            cv, pv,
            "{name} differs (Kafka {version}, {scenario}, {unflushed} unflushed)"
        );
    }
    eprintln!("Kafka {version} {scenario} K={unflushed}: {c:?}");
}

#[test]
fn crash_with_the_active_segment_unflushed_matches_check() {
    compare("3.9.0", true, 1);
}

#[test]
fn crash_with_three_unflushed_segments_matches_check_on_an_eager_mapping_version() {
    compare("1.1.0", true, 3);
}

#[test]
fn clean_restart_matches_check() {
    compare("3.9.0", false, 1);
}

/// `plan --from-scan` with nothing that changes the data is `check` on the same tree: the
/// same scenario (as found, not silently clean), the same problems (the lost+found that stops
/// the start), the same numbers and checks. It used to differ in segments, unflushed segments,
/// the worst case and the verdict.
#[test]
fn plan_from_scan_is_check_on_the_same_tree() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    synth::write_log_dir(&root.join("a"), &synth::uniform(2, 3, 4), true).unwrap();
    let mut parts: Vec<PartitionSpec> = (0..4)
        .map(|p| {
            let mut s = PartitionSpec::new("orders", p, 5);
            s.segment_bytes = 8 << 20;
            s.recovery_point_segment = Some(1);
            s
        })
        .collect();
    parts.push(PartitionSpec::new("small", 0, 1));
    synth::write_log_dir(&root.join("b"), &parts, false).unwrap();
    std::fs::create_dir_all(root.join("b/lost+found")).unwrap();
    let dirs = format!("{},{}", root.join("a").display(), root.join("b").display());
    let common_args = ["--log-dirs", &dirs, "--kafka-version", "3.9.0", "-q"];
    let check = run(&[&["check"][..], &common_args].concat());
    let plan = run(&[&["plan", "--from-scan"][..], &common_args].concat());
    assert_eq!(plan["scenario"], "as-found");
    for key in [
        "scenario",
        "inventory",
        "estimate",
        "verdict",
        "checks",
        "problems",
    ] {
        assert_eq!(check[key], plan[key], "{key} differs");
    }
    assert_eq!(check["verdict"], "fail", "the lost+found stops the start");
}
