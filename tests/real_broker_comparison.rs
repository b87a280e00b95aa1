//! The model against a real Kafka 4.0.0 restart recorded on a 2-core host (issue 3): KRaft,
//! -Xmx1g, 100 partitions x ~6 segments of 1 MiB, killed with -9, every segment unflushed.
//! Measured: peak index mappings 1,742 areas / 4,975,443,968 bytes unconstrained (the GC freed
//! some garbage meanwhile); under `ulimit -v` the start failed at 5806080 KiB and was clean at
//! 5828608 KiB. The best case should sit near that threshold, the worst above the peak.

mod common;
use kafka_preflight::synth::{write_log_dir, PartitionSpec};

#[test]
fn kafka_4_0_kill_9_with_every_segment_unflushed() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    let mut parts: Vec<PartitionSpec> = (0..100)
        .map(|i| {
            let mut p = PartitionSpec::new("bench", i, 6);
            p.recovery_point_segment = Some(0);
            p
        })
        .collect();
    let mut meta = PartitionSpec::new("__cluster_metadata", 0, 1);
    meta.recovery_point_segment = None;
    parts.push(meta);
    write_log_dir(&logs, &parts, false).unwrap();
    // Recovery point 0: every segment of every partition is recovered.
    std::fs::write(logs.join("recovery-point-offset-checkpoint"), "0\n0\n").unwrap();

    let out = common::preflight()
        .args([
            "check",
            "--log-dirs",
            logs.to_str().unwrap(),
            "--set",
            "process.roles=broker,controller",
        ])
        .args([
            "--kafka-version",
            "4.0.0",
            "--heap",
            "1g",
            "--cores",
            "2",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let e = &r["estimate"];
    let best_vm = e["virtual_memory_bytes"]["best"].as_u64().unwrap();
    let worst_vm = e["virtual_memory_bytes"]["worst"].as_u64().unwrap();
    let worst_index = e["index_mmap_bytes"]["worst"].as_u64().unwrap();
    let worst_maps = e["index_maps"]["worst"].as_u64().unwrap();
    let (failed, clean) = (5_806_080u64 * 1024, 5_828_608u64 * 1024);
    let threshold = (failed + clean) / 2;
    let off = (best_vm as f64 - threshold as f64) / threshold as f64;
    eprintln!(
        "best {best_vm} vs threshold {threshold} ({:+.2}%), worst {worst_vm}, worst index {worst_index} vs peak 4975443968, worst maps {worst_maps} vs 1742",
        off * 100.0
    );
    assert!(
        off.abs() < 0.03,
        "best case {best_vm} is {:.1}% from the measured threshold {threshold}",
        off * 100.0
    );
    assert!(worst_index > 4_975_443_968);
    assert!(worst_maps > 1_742);
    assert_eq!(r["inventory"]["unflushed_segments"], 601);
}
