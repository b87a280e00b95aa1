//! The metadata reader and the settings resolution against a metadata log written by a real
//! Kafka 4.0.0 (shared/fixtures/kraft-metadata/A), checked against what that broker reported
//! (truth.json), plus damaged copies of it.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use kafka_preflight::config::BrokerConfig;
use kafka_preflight::problem::Severity;
use kafka_preflight::topics::kraft::read_metadata_log;
use kafka_preflight::topics::{from_metadata_log, Source, TopicCatalog};
use serde_json::Value;

fn fixture() -> Option<PathBuf> {
    common::kraft_fixture()
}

fn truth(dir: &Path) -> Value {
    serde_json::from_slice(&fs::read(dir.join("truth.json")).unwrap()).unwrap()
}

fn broker_config(dir: &Path) -> BrokerConfig {
    BrokerConfig::load(Some(&dir.join("server.properties")), &[], None).unwrap()
}

fn source(kafka: &str) -> Source {
    Source::from_kafka(kafka).unwrap_or_else(|| panic!("unknown source {kafka}"))
}

/// Copies the metadata partition dir into a fresh writable tempdir, optionally leaving files out.
fn copy_log(dir: &Path, skip: impl Fn(&str) -> bool) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dst = tmp.path().join("__cluster_metadata-0");
    fs::create_dir(&dst).unwrap();
    for e in fs::read_dir(dir.join("__cluster_metadata-0")).unwrap() {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().into_owned();
        if skip(&name) {
            continue;
        }
        // fs::copy would keep the fixture's read-only mode; write the bytes instead.
        fs::write(dst.join(&name), fs::read(e.path()).unwrap()).unwrap();
    }
    (tmp, dst)
}

/// Every live topic's effective segment.bytes / segment.index.bytes / cleanup.policy, source,
/// topic id and partition count must be what the running broker reported.
fn assert_matches_truth(catalog: &TopicCatalog, truth: &Value) {
    let topics = truth["topics"].as_object().unwrap();
    let got: Vec<&String> = catalog.topics.keys().collect();
    let want: Vec<&String> = topics.keys().collect();
    assert_eq!(got, want, "live topics");
    for (name, t) in topics {
        let s = &catalog.topics[name];
        let eff = &t["effective"];
        let num = |k: &str| eff[k]["value"].as_str().unwrap().parse::<u64>().unwrap();
        let src = |k: &str| source(eff[k]["source"].as_str().unwrap());
        assert_eq!(
            (s.segment_bytes.value, s.segment_bytes.source),
            (num("segment.bytes"), src("segment.bytes")),
            "{name} segment.bytes"
        );
        assert_eq!(
            (s.segment_index_bytes.value, s.segment_index_bytes.source),
            (num("segment.index.bytes"), src("segment.index.bytes")),
            "{name} segment.index.bytes"
        );
        assert_eq!(
            (s.cleanup_policy.value.as_str(), s.cleanup_policy.source),
            (
                eff["cleanup.policy"]["value"].as_str().unwrap(),
                src("cleanup.policy")
            ),
            "{name} cleanup.policy"
        );
        assert_eq!(s.topic_id.as_deref(), t["topic_id"].as_str(), "{name} id");
        assert_eq!(
            s.partitions.map(u64::from),
            t["partitions"].as_u64(),
            "{name} partitions"
        );
    }
}

#[test]
fn fixture_matches_what_the_broker_reported() {
    let Some(dir) = fixture() else { return };
    let truth = truth(&dir);
    let catalog = from_metadata_log(&dir, &broker_config(&dir));
    assert!(catalog.problems.is_empty(), "{:#?}", catalog.problems);
    assert_matches_truth(&catalog, &truth);

    // Topics with no override get the broker level: that is what for_topic answers too.
    let unknown = catalog.for_topic("not-there");
    assert_eq!(unknown.partitions, None);
    assert_eq!(
        (
            unknown.segment_index_bytes.value,
            unknown.segment_index_bytes.source
        ),
        (5242880, Source::DynamicBroker)
    );
    assert_eq!(
        (unknown.segment_bytes.value, unknown.segment_bytes.source),
        (536870912, Source::DynamicDefault)
    );
    assert!(
        catalog.origin.contains("__cluster_metadata-0"),
        "{}",
        catalog.origin
    );
}

#[test]
fn fixture_image_details() {
    let Some(dir) = fixture() else { return };
    let truth = truth(&dir);
    let image = read_metadata_log(&dir.join("__cluster_metadata-0"));
    let snap = image.snapshot.as_ref().expect("a snapshot");
    assert_eq!(
        snap.path.file_name().unwrap().to_str(),
        truth["metadata_log"]["latest_snapshot"].as_str()
    );
    assert_eq!(snap.end_offset, 79);
    assert_eq!(
        image.last_offset,
        Some(truth["metadata_log"]["log_end_offset"].as_i64().unwrap() - 1)
    );
    // Dynamic broker configs: per broker 1 and the cluster default ("").
    let dyn_cfg = &truth["dynamic_broker_configs"];
    let as_map = |v: &Value| -> BTreeMap<String, String> {
        v.as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
            .collect()
    };
    assert_eq!(
        image.broker(1),
        Some(&as_map(
            &dyn_cfg["per_broker_1 (CONFIG_RECORD resourceType=4 resourceName='1')"]
        ))
    );
    assert_eq!(
        image.cluster_default(),
        Some(&as_map(
            &dyn_cfg["cluster_default (CONFIG_RECORD resourceType=4 resourceName='')"]
        ))
    );
    // Deleted topics are gone, configs included.
    for d in truth["deleted_topics"].as_array().unwrap() {
        assert!(!image.topics.contains_key(d["name"].as_str().unwrap()));
    }
    assert_eq!(image.features.get("metadata.version"), Some(&25));
    assert!(
        image.unknown_record_types.is_empty(),
        "{:?}",
        image.unknown_record_types
    );
    assert_eq!(image.record_counts.get("RemoveTopicRecord"), Some(&1)); // a-doomed, in the tail
    assert!(image.records_read > 40);
}

#[test]
fn full_replay_without_snapshots_gives_the_same_answer() {
    // Also exercises the deleted-topic path for a-temp, whose create and delete are both in the
    // log: its ConfigRecords must not survive the RemoveTopicRecord.
    let Some(dir) = fixture() else { return };
    let (_tmp, log) = copy_log(&dir, |n| n.ends_with(".checkpoint"));
    let catalog = from_metadata_log(&log, &broker_config(&dir));
    assert!(catalog.metadata.as_ref().unwrap().snapshot.is_none());
    assert!(catalog.problems.is_empty(), "{:#?}", catalog.problems);
    assert_matches_truth(&catalog, &truth(&dir));
}

#[test]
fn damaged_newest_snapshot_falls_back_to_the_previous_one() {
    let Some(dir) = fixture() else { return };
    let (_tmp, log) = copy_log(&dir, |_| false);
    let newest = log.join("00000000000000000079-0000000001.checkpoint");
    let mut b = fs::read(&newest).unwrap();
    b[500] ^= 0x40;
    fs::write(&newest, b).unwrap();
    let catalog = from_metadata_log(&log, &broker_config(&dir));
    let snap = catalog
        .metadata
        .as_ref()
        .unwrap()
        .snapshot
        .as_ref()
        .unwrap();
    assert_eq!(snap.end_offset, 45);
    assert_eq!(catalog.problems.len(), 1, "{:#?}", catalog.problems);
    assert_eq!(catalog.problems[0].path, newest);
    assert!(catalog.problems[0].message.contains("CRC32C"));
    assert_matches_truth(&catalog, &truth(&dir));
}

#[test]
fn crc_mismatch_in_the_tail_stops_there_and_keeps_what_was_read() {
    let Some(dir) = fixture() else { return };
    let (_tmp, log) = copy_log(&dir, |_| false);
    let seg = log.join("00000000000000000069.log");
    let mut b = fs::read(&seg).unwrap();
    // The batch at byte 984 holds offset 82 (RemoveTopicRecord for a-doomed); flip a byte of its
    // record payload.
    b[984 + 70] ^= 0x01;
    fs::write(&seg, b).unwrap();
    let catalog = from_metadata_log(&log, &broker_config(&dir));
    let errors: Vec<_> = catalog
        .problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .collect();
    assert_eq!(errors.len(), 1, "{:#?}", catalog.problems);
    assert_eq!(errors[0].path, seg);
    assert!(
        errors[0].message.contains("CRC32C"),
        "{}",
        errors[0].message
    );
    assert!(
        errors[0].message.contains("base offset 82"),
        "{}",
        errors[0].message
    );
    assert!(
        errors[0].message.contains("byte 984"),
        "{}",
        errors[0].message
    );

    let image = catalog.metadata.as_ref().unwrap();
    assert_eq!(image.last_offset, Some(81));
    // Offsets 79..81 (after the snapshot, before the damage) were applied...
    assert_eq!(catalog.topics["a-segbytes"].segment_bytes.value, 201326592);
    assert_eq!(
        catalog.topics["a-default"].segment_index_bytes.value,
        3145728
    );
    // ...the deletion at 82 and everything after it were not.
    assert!(catalog.topics.contains_key("a-doomed"));
    assert_eq!(
        (
            catalog.topics["a-both"].segment_index_bytes.value,
            catalog.topics["a-both"].segment_index_bytes.source
        ),
        (1048576, Source::Topic)
    );
}

#[test]
fn batch_cut_short_is_reported_with_its_offset() {
    let Some(dir) = fixture() else { return };
    let (_tmp, log) = copy_log(&dir, |_| false);
    let seg = log.join("00000000000000000069.log");
    let b = fs::read(&seg).unwrap();
    // Cut in the middle of the batch at byte 1072 (offset 83: a-both's segment.index.bytes
    // override deleted), as a crash mid-append would.
    fs::write(&seg, &b[..1072 + 40]).unwrap();
    let catalog = from_metadata_log(&log, &broker_config(&dir));
    let p = catalog
        .problems
        .iter()
        .find(|p| p.path == seg)
        .unwrap_or_else(|| panic!("{:#?}", catalog.problems));
    assert!(p.message.contains("cut short"), "{}", p.message);
    assert!(p.message.contains("base offset 83"), "{}", p.message);
    let image = catalog.metadata.as_ref().unwrap();
    assert_eq!(image.last_offset, Some(82));
    assert!(!catalog.topics.contains_key("a-doomed")); // offset 82 was read
    assert_eq!(catalog.topics["a-both"].segment_index_bytes.value, 1048576);
}

#[test]
fn damage_in_a_segment_the_snapshot_covers_does_not_matter() {
    let Some(dir) = fixture() else { return };
    let (_tmp, log) = copy_log(&dir, |_| false);
    let seg = log.join("00000000000000000000.log");
    let mut b = fs::read(&seg).unwrap();
    b[100] ^= 0xFF;
    fs::write(&seg, b).unwrap();
    let catalog = from_metadata_log(&log, &broker_config(&dir));
    assert!(catalog.problems.is_empty(), "{:#?}", catalog.problems);
    assert_matches_truth(&catalog, &truth(&dir));
}

#[test]
fn garbage_segment_never_panics() {
    let Some(dir) = fixture() else { return };
    let (_tmp, log) = copy_log(&dir, |n| n.ends_with(".checkpoint"));
    let seg = log.join("00000000000000000054.log");
    let orig = fs::read(&seg).unwrap();
    // Scramble 4-byte windows of the first batch header (huge or negative lengths, bad magic...).
    // Bytes 12..16 (partitionLeaderEpoch) are outside the CRC in Kafka's format: undetectable.
    for at in (0..60).step_by(4).filter(|&at| at != 12) {
        let mut b = orig.clone();
        for x in &mut b[at..at + 4] {
            *x ^= 0xA5;
        }
        fs::write(&seg, &b).unwrap();
        let image = read_metadata_log(&log);
        assert!(
            !image.problems.is_empty(),
            "damage at byte {at} went unnoticed"
        );
    }
}

#[test]
fn missing_dir_is_a_problem_not_a_panic() {
    let tmp = tempfile::tempdir().unwrap();
    let image = read_metadata_log(&tmp.path().join("nope"));
    assert_eq!(image.problems.len(), 2, "{:#?}", image.problems);
    assert!(image.topics.is_empty());
}
