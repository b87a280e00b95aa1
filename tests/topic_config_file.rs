//! `--topic-config FILE`: kafka-configs.sh / kafka-topics.sh describe output and the simple
//! `TOPIC key=value` format, resolved against server.properties.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use kafka_preflight::config::BrokerConfig;
use kafka_preflight::topics::{from_describe_file, Source, TopicConfigError, Valued};

fn fixture() -> Option<PathBuf> {
    common::kraft_fixture()
}

fn config(props: &str) -> BrokerConfig {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("server.properties");
    fs::write(&p, props).unwrap();
    BrokerConfig::load(Some(&p), &[], None).unwrap()
}

fn write(text: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("topics.txt");
    fs::write(&p, text).unwrap();
    (tmp, p)
}

#[test]
fn real_describe_output_matches_truth() {
    let Some(dir) = fixture() else { return };
    let truth: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.join("truth.json")).unwrap()).unwrap();
    let cfg = BrokerConfig::load(Some(&dir.join("server.properties")), &[], None).unwrap();
    let catalog = from_describe_file(&dir.join("describe_tools.txt"), &cfg).unwrap();
    assert!(catalog.problems.is_empty(), "{:#?}", catalog.problems);
    let want: Vec<&String> = truth["topics"].as_object().unwrap().keys().collect();
    assert_eq!(catalog.topics.keys().collect::<Vec<_>>(), want);
    for (name, t) in truth["topics"].as_object().unwrap() {
        let s = &catalog.topics[name];
        for (key, got) in [
            ("segment.bytes", &s.segment_bytes),
            ("segment.index.bytes", &s.segment_index_bytes),
        ] {
            let e = &t["effective"][key];
            let want = Valued::new(
                e["value"].as_str().unwrap().parse::<u64>().unwrap(),
                Source::from_kafka(e["source"].as_str().unwrap()).unwrap(),
            );
            assert_eq!(got, &want, "{name} {key}");
        }
        let e = &t["effective"]["cleanup.policy"];
        assert_eq!(
            s.cleanup_policy.value,
            e["value"].as_str().unwrap(),
            "{name}"
        );
        // kafka-topics.sh lines in the same file give partitions and ids.
        assert_eq!(
            s.partitions.map(u64::from),
            t["partitions"].as_u64(),
            "{name}"
        );
        assert_eq!(s.topic_id.as_deref(), t["topic_id"].as_str(), "{name}");
    }
    // The broker blocks (broker 1 = this node, and the cluster default) feed the broker level.
    let other = catalog.for_topic("not-described");
    assert_eq!(
        other.segment_index_bytes,
        Valued::new(5242880, Source::DynamicBroker)
    );
    assert_eq!(
        other.segment_bytes,
        Valued::new(536870912, Source::DynamicDefault)
    );
}

#[test]
fn simple_format_and_fallbacks() {
    let (_t, p) = write(
        "# orders is big\n\
         orders segment.bytes=268435456 segment.index.bytes=1048576 partitions=12\n\
         \n\
         clicks cleanup.policy=compact,delete\n\
         bare\n",
    );
    let cfg = config("log.dirs=/x\nlog.index.size.max.bytes=2097152\n");
    let c = from_describe_file(&p, &cfg).unwrap();
    let o = &c.topics["orders"];
    assert_eq!(o.partitions, Some(12));
    assert_eq!(o.segment_bytes, Valued::new(268435456, Source::File));
    assert_eq!(o.segment_index_bytes, Valued::new(1048576, Source::File));
    assert_eq!(o.index_interval_bytes, Valued::new(4096, Source::Default));
    let k = &c.topics["clicks"];
    assert_eq!(
        k.cleanup_policy,
        Valued::new("compact,delete".into(), Source::File)
    );
    assert_eq!(k.segment_index_bytes, Valued::new(2097152, Source::Static));
    assert_eq!(
        c.topics["bare"].segment_bytes,
        Valued::new(1073741824, Source::Default)
    );
    assert!(c.origin.contains("topics.txt"));
}

#[test]
fn dynamic_configs_form_keeps_sources() {
    let (_t, p) = write(
        "Dynamic configs for topic t1 are:\n  \
         segment.index.bytes=65536 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:segment.index.bytes=65536, DEFAULT_CONFIG:log.index.size.max.bytes=10485760}\n\
         Configs for topic 'old' are segment.bytes=2097152,retention.ms=1000\n",
    );
    let c = from_describe_file(&p, &config("log.dirs=/x\n")).unwrap();
    assert_eq!(
        c.topics["t1"].segment_index_bytes,
        Valued::new(65536, Source::Topic)
    );
    assert_eq!(c.topics["t1"].segment_bytes.source, Source::Default);
    assert_eq!(
        c.topics["old"].segment_bytes,
        Valued::new(2097152, Source::File)
    );
}

#[test]
fn other_brokers_dynamic_configs_are_ignored() {
    let (_t, p) = write(
        "Dynamic configs for broker 2 are:\n  \
         log.index.size.max.bytes=4096 sensitive=false synonyms={DYNAMIC_BROKER_CONFIG:log.index.size.max.bytes=4096}\n\
         Dynamic configs for broker 1 are:\n  \
         log.segment.bytes=8388608 sensitive=false synonyms={DYNAMIC_BROKER_CONFIG:log.segment.bytes=8388608}\n\
         t\n",
    );
    let c = from_describe_file(&p, &config("log.dirs=/x\nnode.id=1\nprocess.roles=broker\ncontroller.quorum.voters=1@h:9093\ncontroller.listener.names=C\n")).unwrap();
    assert_eq!(
        c.topics["t"].segment_index_bytes,
        Valued::new(10485760, Source::Default)
    );
    assert_eq!(
        c.topics["t"].segment_bytes,
        Valued::new(8388608, Source::DynamicBroker)
    );
}

#[test]
fn bad_lines_name_file_and_line() {
    for (text, line) in [
        ("ok segment.bytes=1\nthis is not a config line\n", 2),
        ("  segment.bytes=1 sensitive=false synonyms={}\n", 1),
        ("t segment.bytes\n", 1),
        ("a b=1\n\nAll configs for topic bad/name are:\n", 3),
        ("t partitions=many\n", 1),
    ] {
        let (_t, p) = write(text);
        match from_describe_file(&p, &config("log.dirs=/x\n")) {
            Err(TopicConfigError::Syntax { path, line: l, .. }) => {
                assert_eq!((path, l), (p.clone(), line), "{text:?}");
            }
            other => panic!("{text:?}: {other:?}"),
        }
        let msg = from_describe_file(&p, &config("log.dirs=/x\n"))
            .unwrap_err()
            .to_string();
        assert!(
            msg.starts_with(&format!("{}:{line}:", p.display())),
            "{msg}"
        );
    }
    assert!(matches!(
        from_describe_file(Path::new("/nonexistent/t.txt"), &config("log.dirs=/x\n")),
        Err(TopicConfigError::Io { .. })
    ));
}

#[test]
fn invalid_values_warn_and_fall_back() {
    let (_t, p) = write("t segment.index.bytes=1MB\n");
    let c = from_describe_file(&p, &config("log.dirs=/x\n")).unwrap();
    assert_eq!(
        c.topics["t"].segment_index_bytes,
        Valued::new(10485760, Source::Default)
    );
    assert_eq!(c.problems.len(), 1);
    assert!(
        c.problems[0].message.contains("1MB"),
        "{}",
        c.problems[0].message
    );
}

/// Kafka's ConfigDef refuses these when a topic is created or altered (INT with atLeast), so a
/// file that says them describes no real topic: each is named and the next level applies.
#[test]
fn values_outside_kafkas_validators_warn_and_fall_back() {
    let (_t, p) = write(
        "t segment.index.bytes=0\n\
         u segment.bytes=99999999999\n\
         v segment.bytes=13\n\
         w segment.index.bytes=3 segment.bytes=14\n",
    );
    let c = from_describe_file(&p, &config("log.dirs=/x\nlog.segment.bytes=2097152\n")).unwrap();
    assert_eq!(
        c.topics["t"].segment_index_bytes,
        Valued::new(10485760, Source::Default)
    );
    for t in ["u", "v"] {
        assert_eq!(
            c.topics[t].segment_bytes,
            Valued::new(2097152, Source::Static),
            "{t}"
        );
    }
    assert_eq!(c.topics["w"].segment_bytes, Valued::new(14, Source::File));
    let messages: Vec<&str> = c.problems.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(messages.len(), 4, "{messages:#?}");
    // Each names the line the value is on, the topic and the key.
    for (line, value, expected) in [
        (1, "segment.index.bytes=\"0\"", "from 4 to 2147483647"),
        (2, "segment.bytes=\"99999999999\"", "from 14 to 2147483647"),
        (3, "segment.bytes=\"13\"", "from 14 to 2147483647"),
        (4, "segment.index.bytes=\"3\"", "from 4 to 2147483647"),
    ] {
        assert!(
            messages
                .iter()
                .any(|m| m.starts_with(&format!("line {line}: topic "))
                    && m.contains(value)
                    && m.contains(expected)),
            "line {line}, {value}: {messages:#?}"
        );
    }
}
