//! The `inventory` section of `check --format json`, number by number, against a tree of four log
//! dirs holding every kind of directory and file Kafka finds at start-up. The expected numbers
//! are computed in tests/scan_support from the tree as built, not by src/scan.

mod scan_support;

use std::path::Path;

use kafka_preflight::synth::PartitionSpec;
use scan_support::*;

const KRAFT: &[&str] = &["--set", "process.roles=broker,controller"];

/// a: KRaft metadata log, checkpoint missing one partition, no marker, lost+found, -delete,
///    remote-log-index-cache, a 2nd __cluster_metadata partition Kafka ignores.
/// b: corrupt checkpoint, empty marker (0.8-3.6), a -future dir, a __cluster_metadata-0 that is
///    not in the metadata dir.
/// c: no checkpoint, 3.7+ JSON marker, -stray and -delete dirs, .txnindex files.
/// d: written by src/synth.rs: checkpoint present, no marker, missing time indexes.
fn layout(root: &Path) -> Layout {
    let mut a = LogDir::new(root.join("a"));
    a.parts = vec![
        // rp 2500: recovers from 2000.
        Part::new("orders", 0, Kind::Partition)
            .segs(&[0, 1000, 2000, 3000], 1_000_000)
            .snapshot(3000)
            .ignored("leader-epoch-checkpoint")
            .ignored("partition.metadata"),
        // rp exactly 500: recovers from 500. Temp and swap files change no segment count.
        Part::new("my-topic.v2", 3, Kind::Partition)
            .seg(Seg::new(0, 4_000_001).txn())
            .seg(Seg::new(500, 4_000_003))
            .seg(
                Seg::new(900, 4_000_005)
                    .index(Some(10 << 20))
                    .time(Some(10485756)),
            )
            .snapshot(500)
            .snapshot(900)
            .temp("00000000000000000500.log.deleted")
            .temp("00000000000000000000.index.cleaned")
            .temp("00000000000000000100.timeindex.deleted")
            .ignored("00000000000000000900.log.swap")
            .ignored("00000000000000000900.index.swap")
            // An orphan index (no .log): Kafka deletes it at load.
            .ignored("00000000000000099999.index"),
        // No checkpoint entry: every segment.
        Part::new("a_b-c.d_e", 12, Kind::Partition).segs(&[0, 100, 200], 300_000),
        // rp past the last base: only the active segment. Irregular segments: a missing offset
        // index and a preallocated (10 MiB) one before the recovery point.
        Part::new("orders", 1, Kind::Partition)
            .seg(Seg::new(0, 7_000_001).index(None))
            .seg(Seg::new(1000, 7_000_002).index(Some(10 << 20)))
            .seg(Seg::new(2000, 7_000_003).time(None))
            .seg(Seg::new(3000, 7_000_004)),
        // rp below the first base (retention deleted the head): every segment.
        Part::new("orders", 2, Kind::Partition).segs(&[5000, 6000], 2_000_000),
        // Non-canonical (short) file names still load, by their number: rp 15 -> from 10.
        Part::new("short", 0, Kind::Partition)
            .seg(Seg::new(0, 11).width(1))
            .seg(Seg::new(10, 13).width(2))
            .seg(Seg::new(20, 17).width(2)),
        Part::new("empty-topic", 0, Kind::Partition),
        // Never recovered, never a partition.
        Part::new("orders", 3, Kind::Delete)
            .segs(&[0, 1000], 9_000_000)
            .seg(Seg::new(2000, 9_000_100).txn())
            .snapshot(2000),
        // Always recovered whole, whatever its checkpoint entry says.
        Part::new("__cluster_metadata", 0, Kind::Metadata)
            .segs(&[0, 300, 600], 50_000)
            .ignored("quorum-state")
            .ignored("00000000000000000300-0000000001.checkpoint"),
    ];
    a.checkpoint = Checkpoint::Entries(vec![
        ("orders".into(), 0, 2500),
        ("my-topic.v2".into(), 3, 500),
        ("orders".into(), 1, 99_999),
        ("orders".into(), 2, 100),
        ("short".into(), 0, 15),
        ("empty-topic".into(), 0, 0),
        ("__cluster_metadata".into(), 0, 600),
    ]);
    a.invalid_dirs = vec!["lost+found".into()];
    // Kafka's LogManager skips every dir whose topic is __cluster_metadata, suffixed ones too;
    // the Raft manager loads only __cluster_metadata-0.
    a.ignored_metadata_dirs = vec![
        "__cluster_metadata-1".into(),
        format!("__cluster_metadata-0.{UUID}-delete"),
        format!("__cluster_metadata-0.{UUID}-future"),
        format!("__cluster_metadata-0.{UUID}-stray"),
    ];
    a.remote_cache = true;
    a.loose_files = vec![
        (
            "meta.properties".into(),
            b"version=1\nnode.id=1\ncluster.id=AAAAAAAAAAAAAAAAAAAAAA\ndirectory.id=d1\n".to_vec(),
        ),
        ("replication-offset-checkpoint".into(), b"0\n0\n".to_vec()),
        ("log-start-offset-checkpoint".into(), b"0\n0\n".to_vec()),
        (
            "recovery-point-offset-checkpoint.tmp".into(),
            b"junk".to_vec(),
        ),
        (".lock".into(), Vec::new()),
    ];

    let mut b = LogDir::new(root.join("b"));
    b.parts = vec![
        Part::new("orders", 4, Kind::Partition).segs(&[0, 1000, 2000], 3_000_000),
        Part::new("orders", 0, Kind::Future)
            .segs(&[0, 1000], 1_500_000)
            .snapshot(1000),
        Part::new("clicks", 0, Kind::Partition).segs(&[0], 123),
    ];
    b.checkpoint = Checkpoint::Corrupt(b"garbage\n\x01\x02 not a checkpoint\n".to_vec());
    b.marker = Marker::Empty;
    b.ignored_metadata_dirs = vec!["__cluster_metadata-0".into()];

    let mut c = LogDir::new(root.join("c"));
    c.parts = vec![
        Part::new("events", 0, Kind::Partition)
            .seg(Seg::new(0, 600_001).txn())
            .seg(Seg::new(1000, 600_002).txn())
            .seg(Seg::new(2000, 600_003)),
        Part::new("events", 1, Kind::Stray).segs(&[0, 1000], 700_000),
        Part::new("events", 2, Kind::Delete).segs(&[0], 800_000),
    ];
    c.marker = Marker::Json(5);

    let mut specs = vec![
        PartitionSpec::new("synth.t_x", 0, 4),
        PartitionSpec::new("synth.t_x", 1, 3),
        PartitionSpec::new("synth.t_x", 2, 5),
        PartitionSpec::new("synth.t_x", 3, 2),
    ];
    specs[0].recovery_point_segment = Some(0);
    specs[1].recovery_point_segment = None;
    specs[1].with_time_index = false;
    specs[2].txn_index_segments = 3;
    specs[2].segment_bytes = 3 << 20;
    specs[3].suffix = "future";
    let d = LogDir::synth(root.join("d"), specs, false);

    Layout {
        dirs: vec![a, b, c, d],
        metadata_dir: Some(0),
    }
}

fn run(layout: &Layout, scenario: Scenario, extra: &[&str]) -> Run {
    let r = check_json(&layout.log_dirs_flag(), scenario, extra);
    assert!(matches!(r.code, 0 | 1), "exit code; stderr:\n{}", r.stderr);
    assert_matches(
        &r.json()["inventory"],
        &layout.expected(scenario),
        &format!("inventory[{}]", scenario.flag()),
    );
    assert_eq!(r.json()["scenario"], scenario.flag());
    r
}

#[test]
fn every_inventory_number_in_every_scenario() {
    let tmp = tempfile::tempdir().unwrap();
    let l = layout(tmp.path());
    l.write();
    let [a, b, c, d] = [0, 1, 2, 3].map(|i| &l.dirs[i].path);

    // Spot-check the model itself, so that a wrong model cannot agree with a wrong scan.
    let e = l.expected(Scenario::AsFound);
    assert_eq!(e["partitions"], 16);
    assert_eq!(e["pending_delete_dirs"], 2);
    assert_eq!(
        (e["future_dirs"].clone(), e["stray_dirs"].clone()),
        (2.into(), 1.into())
    );
    assert_eq!(e["metadata_log_segments"], 3);
    // a: orders-0 2 + my-topic.v2-3 2 + a_b 3 + orders-1 1 + orders-2 2 + short 2 + metadata 3;
    // b, c: clean; d: synth.t_x-0 4 (rp in segment 0) + -1 3 (no entry) + -2 1 + future 2.
    assert_eq!(e["log_dirs"][0]["unflushed_segments"], 15);
    assert_eq!(e["log_dirs"][3]["unflushed_segments"], 10);
    assert_eq!(e["unflushed_segments"], 25);
    assert_eq!(l.expected(Scenario::Clean)["unflushed_segments"], 3);
    // crash: a 15 + b 6 (corrupt) + c 5 (missing; -delete never) + d 10.
    assert_eq!(l.expected(Scenario::Crash)["unflushed_segments"], 36);

    let r = run(&l, Scenario::AsFound, KRAFT);
    // lost+found: an error naming its path; the rest is still counted (above).
    let (_, _, msg) = r.problem("error", &a.join("lost+found"));
    assert!(msg.contains("not a topic-partition"), "{msg}");
    r.problem("error", &b.join("recovery-point-offset-checkpoint"));
    r.problem("warning", c);
    for d in &l.dirs[0].ignored_metadata_dirs {
        r.problem("info", &a.join(d));
    }
    r.problem("info", &b.join("__cluster_metadata-0"));
    // Exactly these errors from the scan: nothing else in the tree is fatal to Kafka.
    let mut scan_errors: Vec<String> = r.json()["inventory"]["log_dirs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["problems"].as_array().unwrap().clone())
        .filter(|p| p["severity"] == "error")
        .map(|p| p["path"].as_str().unwrap().to_string())
        .collect();
    scan_errors.sort();
    assert_eq!(
        scan_errors,
        [
            a.join("lost+found").to_str().unwrap(),
            b.join("recovery-point-offset-checkpoint").to_str().unwrap()
        ]
    );
    let inv = &r.json()["inventory"];
    assert_eq!(inv["log_dirs"][0]["broker_id"], 1);
    assert_eq!(inv["log_dirs"][0]["cluster_id"], "AAAAAAAAAAAAAAAAAAAAAA");
    assert_eq!(inv["log_dirs"][3]["broker_id"], serde_json::Value::Null);
    assert!(d
        .join("synth.t_x-3.0123456789abcdef0123456789abcdef-future")
        .is_dir());

    run(&l, Scenario::Crash, KRAFT);
    run(&l, Scenario::Clean, KRAFT);
}

/// Without KRaft (no process.roles) Kafka never loads __cluster_metadata-0: not counted, not
/// recovered, reported as ignored.
#[test]
fn metadata_log_is_ignored_outside_kraft() {
    let tmp = tempfile::tempdir().unwrap();
    let mut l = layout(tmp.path());
    l.metadata_dir = None;
    l.write();
    assert_eq!(l.expected(Scenario::Clean)["unflushed_segments"], 0);
    for s in Scenario::ALL {
        let r = run(&l, s, &[]);
        r.problem("info", &l.dirs[0].path.join("__cluster_metadata-0"));
    }
}

/// metadata.log.dir outside log.dirs: listed last with role metadata-only; only its metadata log
/// is read there (other sub-dirs, its checkpoint and marker are Kafka's LogManager's business,
/// and LogManager does not look there).
#[test]
fn separate_metadata_log_dir() {
    let tmp = tempfile::tempdir().unwrap();
    let mut data = LogDir::new(tmp.path().join("data"));
    data.parts = vec![Part::new("t", 0, Kind::Partition).segs(&[0, 10, 20], 1000)];
    data.checkpoint = Checkpoint::Entries(vec![("t".into(), 0, 10)]);
    // A metadata log in the data dir is not the one Kafka loads.
    data.ignored_metadata_dirs = vec!["__cluster_metadata-0".into()];
    let mut meta = LogDir::new(tmp.path().join("meta"));
    meta.metadata_only = true;
    meta.parts = vec![
        Part::new("__cluster_metadata", 0, Kind::Metadata).segs(&[0, 7, 9, 11], 40_000),
        Part::new("orders", 0, Kind::Partition).segs(&[0], 5),
    ];
    meta.invalid_dirs = vec!["lost+found".into()];
    meta.marker = Marker::Empty;
    meta.checkpoint = Checkpoint::Corrupt(b"x".to_vec());
    let l = Layout {
        dirs: vec![data, meta],
        metadata_dir: Some(1),
    };
    l.write();
    assert_eq!(l.expected(Scenario::AsFound)["unflushed_segments"], 6);
    let set = format!("metadata.log.dir={}", l.dirs[1].path_str());
    for s in Scenario::ALL {
        let r = run(&l, s, &["--set", "process.roles=broker", "--set", &set]);
        r.problem("info", &l.dirs[0].path.join("__cluster_metadata-0"));
    }
}

/// The same tree read with one scan thread and with the table format: same numbers, no panic.
#[test]
fn one_thread_and_table_format() {
    let tmp = tempfile::tempdir().unwrap();
    let l = layout(tmp.path());
    l.write();
    run(
        &l,
        Scenario::AsFound,
        &["--threads", "1", "--set", "process.roles=broker,controller"],
    );
    let r = check(&["--log-dirs", &l.log_dirs_flag(), "--format", "table"]);
    assert!(matches!(r.code, 0 | 1), "{}", r.stderr);
    assert!(r.stdout.contains("lost+found"), "{}", r.stdout);
}
