//! Times `scan::scan` over a synthetic log dir of >= 500k files (default: 11,000 partitions x 15
//! segments x .log/.index/.timeindex + a producer snapshot each = 506,000 files, sparse, written
//! by src/synth.rs). The tree is written once, outside the timed loop.
//!
//! `cargo bench --bench scan`. Environment:
//! - SCAN_BENCH_PARTITIONS (default 11000), SCAN_BENCH_SEGMENTS (default 15): tree size;
//! - SCAN_BENCH_DIR: scan this existing log dir instead of writing one (e.g. from
//!   `cargo run --release --example gen_tree -- DIR 500000`).
//!
//! The page cache is warm after the tree is written (it cannot be dropped here): these are
//! warm-cache numbers, as a second run on a broker host would be.

use std::path::PathBuf;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use kafka_preflight::config::BrokerConfig;
use kafka_preflight::scan::{self, ScanOptions};
use kafka_preflight::synth::{write_log_dir, PartitionSpec};
use rayon::prelude::*;

fn env_u64(key: &str, default: u64) -> u64 {
    std::env::var(key)
        .ok()
        .map(|v| {
            v.parse()
                .unwrap_or_else(|_| panic!("{key}={v:?}: a number"))
        })
        .unwrap_or(default)
}

/// The log dir to scan, and the temp dir that owns it (None when given by SCAN_BENCH_DIR).
fn tree() -> (PathBuf, Option<tempfile::TempDir>) {
    if let Ok(d) = std::env::var("SCAN_BENCH_DIR") {
        return (PathBuf::from(d), None);
    }
    let partitions = env_u64("SCAN_BENCH_PARTITIONS", 11_000);
    let segments = env_u64("SCAN_BENCH_SEGMENTS", 15);
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("logs");
    let specs: Vec<PartitionSpec> = (0..partitions)
        .map(|i| PartitionSpec::new(&format!("topic-{}", i / 100), (i % 100) as i32, segments))
        .collect();
    let started = std::time::Instant::now();
    std::fs::create_dir_all(&dir).unwrap();
    // Chunks in parallel; each call rewrites the checkpoint, which the scan reads but the bench
    // does not depend on.
    specs
        .par_chunks(256)
        .for_each(|c| write_log_dir(&dir, c, false).expect("write tree"));
    eprintln!(
        "wrote {} files ({partitions} partitions x {segments} segments) in {:.1?}",
        partitions * (segments * 3 + 1),
        started.elapsed()
    );
    (dir, Some(tmp))
}

fn bench(c: &mut Criterion) {
    let (dir, _keep) = tree();
    let config =
        BrokerConfig::load(None, &[], Some(dir.to_str().expect("UTF-8 path"))).expect("config");
    let opts = ScanOptions::for_config(&config);
    let inv = scan::scan(&config, &opts);
    let files: u64 = inv
        .partitions()
        .map(|(_, p)| {
            let s = p.all(inv.page_size);
            s.segments + s.offset_index_files + s.time_index_files + u64::from(p.producer_snapshots)
        })
        .sum();
    assert!(
        inv.partitions().count() > 0,
        "nothing scanned in {}",
        dir.display()
    );
    eprintln!("scanning {files} counted files per iteration");

    let mut g = c.benchmark_group("scan");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(20))
        .throughput(Throughput::Elements(files));
    g.bench_function("default_threads", |b| b.iter(|| scan::scan(&config, &opts)));
    let one = ScanOptions {
        threads: Some(1),
        ..opts.clone()
    };
    g.bench_function("one_thread", |b| b.iter(|| scan::scan(&config, &one)));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
