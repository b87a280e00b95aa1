//! Per-era arithmetic (kafka-model.md §6.5) on synthetic trees written to a temp dir.

use super::*;
use crate::config::BrokerConfig;
use crate::kafka_version::{KafkaVersion, Rules};
use crate::scan::{scan, ScanOptions, Scenario};
use crate::synth::{write_log_dir, PartitionSpec};

const X: u64 = 10 << 20; // pg(Xo) = pg(Xt) = 10 MiB with 4 KiB pages
const PAGE: u64 = 4096;

struct Run {
    est: Estimate,
    _dir: tempfile::TempDir,
}

fn run(
    version: &str,
    parts: &[PartitionSpec],
    marker: bool,
    scenario: Scenario,
    set: &[&str],
    tweak: impl Fn(&std::path::Path),
) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    write_log_dir(&logs, parts, marker).unwrap();
    tweak(&logs);
    let set: Vec<String> = set.iter().map(|s| s.to_string()).collect();
    let config = BrokerConfig::load(None, &set, Some(logs.to_str().unwrap())).unwrap();
    let mut opts = ScanOptions::for_config(&config);
    opts.page_size = PAGE;
    let inv = scan(&config, &opts);
    let g = Geometry {
        index_max_bytes: config.log_index_size_max_bytes,
        index_interval_bytes: config.log_index_interval_bytes,
    };
    let geometry = move |_: &str| g;
    let est = estimate(&ModelInput {
        inventory: &inv,
        config: &config,
        rules: Rules::for_version(version.parse::<KafkaVersion>().unwrap()),
        scenario,
        geometry: &geometry,
        baseline: BaselineInput {
            cores: 2,
            ..Default::default()
        },
        recovery_rate: DEFAULT_RECOVERY_RATE,
        connections: 0,
    });
    Run { est, _dir: dir }
}

fn parts(n: i32, segments: u64, f: impl Fn(&mut PartitionSpec)) -> Vec<PartitionSpec> {
    (0..n)
        .map(|i| {
            let mut p = PartitionSpec::new("t", i, segments);
            f(&mut p);
            p
        })
        .collect()
}

#[test]
fn lazy_clean_restart_is_two_maps_and_20_mib_per_partition() {
    // Clean close trimmed the active indexes (2040 / 3060 bytes): ACTIVE maps them at their
    // length and resizes to X, leaving the short mapping as garbage.
    let p = parts(10, 5, |p| p.active_index_bytes = 2040);
    let e = run("3.0.0", &p, true, Scenario::AsFound, &[], |_| {}).est;
    assert_eq!(e.index_maps.live, 10 * 2);
    assert_eq!(e.index_mmap_bytes.live, 10 * 2 * X);
    assert_eq!(e.index_maps.worst, 10 * 4);
    assert_eq!(e.index_mmap_bytes.worst, 10 * (2 * X + 2 * PAGE));
    // best: live + one log in flight (T=1) x its old active mappings during the resize to X
    assert_eq!(e.index_mmap_bytes.best, 10 * 2 * X + 2 * PAGE);
    assert_eq!(e.index_maps.best, 10 * 2 + 2);
    assert_eq!(e.recovered_segments, 0);
}

#[test]
fn crash_with_recovery_point_in_the_active_segment() {
    // Active at X (preallocated, crashed): MAT(X), reset no-op, trim -> garbage X, ACTIVE ->
    // garbage V. V_o = 8 x floor(1 MiB / 4097) = 2040 -> 1 page; V_t = 12 x 256 = 3072 -> 1 page.
    let p = parts(4, 6, |_| {});
    let e = run("3.9.0", &p, false, Scenario::AsFound, &[], |_| {}).est;
    assert_eq!(e.recovered_segments, 4);
    assert_eq!(e.index_maps.live, 4 * 2);
    assert_eq!(e.index_mmap_bytes.live, 4 * 2 * X);
    assert_eq!(e.index_maps.worst, 4 * (2 + 4));
    assert_eq!(e.index_mmap_bytes.worst, 4 * (2 * X + 2 * (X + PAGE)));
}

#[test]
fn crash_without_checkpoint_recovers_every_segment() {
    // Each closed segment: live L_o + L_t (1 page each); garbage L + X per index.
    let p = parts(3, 5, |_| {});
    let e = run("3.9.0", &p, false, Scenario::AsFound, &[], |d| {
        std::fs::remove_file(d.join("recovery-point-offset-checkpoint")).unwrap()
    })
    .est;
    assert_eq!(e.recovered_segments, 15);
    let closed = 4;
    assert_eq!(e.index_maps.live, 3 * (2 + closed * 2));
    assert_eq!(e.index_mmap_bytes.live, 3 * (2 * X + closed * 2 * PAGE));
    let garbage_maps = 3 * (4 + closed * 4);
    let garbage_bytes = 3 * (2 * (X + PAGE) + closed * 2 * (PAGE + X));
    assert_eq!(e.index_maps.worst, e.index_maps.live + garbage_maps);
    assert_eq!(
        e.index_mmap_bytes.worst,
        e.index_mmap_bytes.live + garbage_bytes
    );
}

#[test]
fn unmap_on_resize_makes_worst_equal_live() {
    let p = parts(3, 5, |_| {});
    let e = run("4.1.1", &p, false, Scenario::Crash, &[], |_| {}).est;
    // No replaced mappings, no overlapping map: only the segment being recovered sits at X.
    assert_eq!(e.index_maps.worst, e.index_maps.live);
    assert_eq!(e.index_maps.best, e.index_maps.live);
    assert_eq!(e.index_mmap_bytes.worst, e.index_mmap_bytes.best);
    // A recovering segment sits at X while its log's active indexes are not mapped yet: no
    // more than the live set (real 4.1.1: recovering every segment needed the same ulimit -v
    // as a clean start).
    assert_eq!(e.index_mmap_bytes.best, e.index_mmap_bytes.live);
}

#[test]
fn eager_era_maps_every_segment() {
    // 2.2: every closed segment mapped at its length (1 page per index); the active one at X.
    let p = parts(5, 8, |p| p.active_index_bytes = 2040);
    let e = run("2.2.0", &p, true, Scenario::AsFound, &[], |_| {}).est;
    assert_eq!(e.index_maps.live, 5 * 8 * 2);
    assert_eq!(e.index_mmap_bytes.live, 5 * (7 * 2 * PAGE + 2 * X));
    assert_eq!(e.index_maps.worst, e.index_maps.live + 5 * 2);
}

#[test]
fn eager_crash_recovers_the_active_segment_twice_from_0_9_to_2_2() {
    // 1.0.0 (remaps even at equal size): MAT(X); sanity failure RECOVER: X->X (g X), X->V (g X);
    // recovery RECOVER: V->X (g V), X->V (g X); ACTIVE V->X (g V): 6 mappings per index file.
    let p = parts(1, 1, |_| {});
    let e = run("1.0.0", &p, false, Scenario::AsFound, &[], |_| {}).est;
    assert_eq!(e.index_maps.live, 2);
    assert_eq!(e.index_maps.worst, 2 * 6);
    // 0.8.2: no sanity check: MAT(X); RECOVER X->X (g X), X->V (g X); ACTIVE (g V): 4 mappings.
    let p = parts(1, 1, |p| p.with_time_index = false);
    let e = run("0.8.2.1", &p, false, Scenario::AsFound, &[], |_| {}).est;
    assert_eq!(e.index_maps.worst, 4);
}

#[test]
fn kafka_0_10_0_has_no_time_index() {
    let p = parts(4, 3, |p| {
        p.with_time_index = false;
        p.active_index_bytes = 2040;
    });
    let e = run("0.10.0.1", &p, true, Scenario::AsFound, &[], |_| {}).est;
    assert_eq!(e.index_maps.live, 4 * 3);
    assert_eq!(e.index_mmap_bytes.live, 4 * (2 * PAGE + X));
}

#[test]
fn delete_dirs_cost_fds_but_no_maps_in_the_lazy_era() {
    let mut p = parts(1, 3, |p| p.suffix = "delete");
    p[0].txn_index_segments = 1;
    let e = run("3.5.0", &p, false, Scenario::Crash, &[], |_| {}).est;
    assert_eq!(e.index_maps.worst, 0);
    assert_eq!(e.open_files.logs, 3 + 1);
    // Eager era: opened and mapped, never recovered or resized.
    let e = run("2.0.0", &p, false, Scenario::Crash, &[], |_| {}).est;
    assert_eq!(e.index_maps.live, 3 * 2);
    assert_eq!(e.index_maps.worst, 3 * 2);
}

#[test]
fn metadata_log_is_recovered_at_every_start() {
    // Clean marker present, yet __cluster_metadata-0 is recovered: closed segment live L + g (L, X)
    // per index; active (trimmed at clean close): MAT(L), L->X (g L), X->L (g X), ACTIVE L->X (g L).
    let mut p = parts(1, 2, |p| {
        p.topic = "__cluster_metadata".into();
        p.active_index_bytes = 2040;
        p.recovery_point_segment = None;
    });
    p[0].partition = 0;
    let set = ["process.roles=broker,controller"];
    let e = run("3.7.0", &p, true, Scenario::Clean, &set, |_| {}).est;
    assert_eq!(e.index_maps.live, 4);
    assert_eq!(e.index_maps.worst, 4 + 2 * 2 + 2 * 3);
    assert_eq!(e.recovered_segments, 2);
    // Before KRaft (2.7) the directory is not a metadata log.
    let e = run("2.7.0", &p, true, Scenario::Clean, &set, |_| {}).est;
    assert_eq!(e.recovered_segments, 0);
}

/// Measured on real brokers (i12h harness, 40 partitions + a one-segment metadata log, clean
/// restart): 3.9.2's peak index bytes were exactly the live total, 3.9.0's live + 320 KiB. The
/// metadata log loads before the others, so its recovery overlap must not sit on top of theirs.
#[test]
fn metadata_log_overlap_is_not_added_to_the_data_logs_peak() {
    let mut p = parts(10, 3, |p| p.active_index_bytes = 2040);
    let mut m = PartitionSpec::new("__cluster_metadata", 0, 1);
    m.active_index_bytes = 2040;
    m.recovery_point_segment = None;
    p.push(m);
    let set = ["process.roles=broker,controller"];
    let e = run("3.9.2", &p, true, Scenario::Clean, &set, |_| {}).est;
    assert_eq!(e.index_mmap_bytes.best, e.index_mmap_bytes.live);
    assert_eq!(e.index_mmap_bytes.worst, e.index_mmap_bytes.live);
    let e = run("3.9.0", &p, true, Scenario::Clean, &set, |_| {}).est;
    // One data log in flight with its trimmed active mappings beside the new ones.
    assert_eq!(e.index_mmap_bytes.best, e.index_mmap_bytes.live + 2 * PAGE);
    // A metadata log with closed segments to recover: each is reset to X while the log's
    // active indexes are not mapped yet, so it needs no more than its final live set either.
    let mut p2 = p.clone();
    let last = p2.len() - 1;
    p2[last].segments = 3;
    let e = run("3.9.2", &p2, true, Scenario::Clean, &set, |_| {}).est;
    assert_eq!(e.index_mmap_bytes.best, e.index_mmap_bytes.live);
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn layout() -> impl Strategy<Value = (Vec<(u64, u64)>, bool)> {
        // (segments, unflushed segments) per partition, and whether an older (eager) version.
        (
            prop::collection::vec((1u64..6, 0u64..6), 1..5),
            any::<bool>(),
        )
    }

    fn build(l: &[(u64, u64)]) -> Vec<PartitionSpec> {
        build_with(l, 10 << 20)
    }

    /// A broker running with index size `m` preallocates its active indexes to m.
    fn build_with(l: &[(u64, u64)], m: u64) -> Vec<PartitionSpec> {
        l.iter()
            .enumerate()
            .map(|(i, &(segs, unflushed))| {
                let mut p = PartitionSpec::new("p", i as i32, segs);
                p.active_index_bytes = m;
                p.recovery_point_segment = Some(segs.saturating_sub(unflushed.min(segs)));
                p
            })
            .collect()
    }

    fn totals(e: &Estimate) -> [u64; 6] {
        [
            e.index_maps.live,
            e.index_maps.best,
            e.index_maps.worst,
            e.index_mmap_bytes.live,
            e.index_mmap_bytes.best,
            e.index_mmap_bytes.worst,
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

        #[test]
        fn more_never_costs_less_and_best_le_worst((l, eager) in layout(), extra_segs in 0u64..3, extra_unflushed in 0u64..3) {
            let v = if eager { "2.1.0" } else { "3.6.0" };
            let base = run(v, &build(&l), false, Scenario::Crash, &[], |_| {}).est;
            prop_assert!(base.index_maps.best <= base.index_maps.worst);
            prop_assert!(base.index_mmap_bytes.best <= base.index_mmap_bytes.worst);
            let mut bigger = l.clone();
            bigger[0].0 += extra_segs;
            bigger[0].1 += extra_unflushed;
            bigger.push((1, 1));
            let more = run(v, &build(&bigger), false, Scenario::Crash, &[], |_| {}).est;
            for (a, b) in totals(&base).iter().zip(totals(&more).iter()) {
                prop_assert!(a <= b, "{:?} -> {:?}", totals(&base), totals(&more));
            }
            prop_assert!(base.open_files.peak <= more.open_files.peak);
        }

        #[test]
        fn a_larger_index_size_never_lowers_an_estimate((l, eager) in layout()) {
            let v = if eager { "2.1.0" } else { "3.6.0" };
            let small = run(v, &build_with(&l, 10 << 20), false, Scenario::Crash, &["log.index.size.max.bytes=10485760"], |_| {}).est;
            let large = run(v, &build_with(&l, 20 << 20), false, Scenario::Crash, &["log.index.size.max.bytes=20971520"], |_| {}).est;
            for (a, b) in totals(&small).iter().zip(totals(&large).iter()) {
                prop_assert!(a <= b);
            }
        }
    }
}
