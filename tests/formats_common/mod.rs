//! The fixed broker every format test renders: two log dirs built with `synth` in a tempdir,
//! checked with flags that pin every input the environment could change.
#![allow(dead_code)]

#[path = "../common/mod.rs"]
pub mod common;

use std::path::Path;

use kafka_preflight::synth::{uniform, write_log_dir, PartitionSpec};

/// data-1: shut down cleanly, two topics; data-2: crashed (no marker), one compacted-looking
/// topic whose recovery point is behind, a pending-delete dir and a stray file Kafka refuses.
pub fn fixture(root: &Path) {
    write_log_dir(&root.join("data-1"), &uniform(2, 2, 3), true).unwrap();
    let mut parts = Vec::new();
    for p in 0..3 {
        let mut s = PartitionSpec::new("orders", p, 4);
        s.segment_bytes = 64 << 20;
        s.recovery_point_segment = Some(1);
        parts.push(s);
    }
    let mut del = PartitionSpec::new("old", 0, 1);
    del.suffix = "delete";
    parts.push(del);
    write_log_dir(&root.join("data-2"), &parts, false).unwrap();
    std::fs::create_dir_all(root.join("data-2/lost+found")).unwrap();
}

/// Runs `kafka-preflight check` on the fixture (relative log dirs, cwd = root) in `format`.
pub fn check(root: &Path, format: &str, extra: &[&str]) -> (i32, String, String) {
    let out = common::preflight()
        .current_dir(root)
        .args(["check", "--log-dirs", "data-1,data-2", "--set", "node.id=7"])
        .args(["--kafka-version", "3.9.0", "--heap", "1g", "--cores", "2"])
        .args(["--ulimit-v", "6899920", "--ulimit-n", "100000"])
        .args(["--max-map-count", "65530", "--format", format])
        .args(extra)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}
