//! Per-topic effective settings (segment.bytes, segment.index.bytes, index.interval.bytes,
//! cleanup.policy), with where each value came from.
//!
//! Kafka's precedence, highest first (LogConfig / DynamicBrokerConfig):
//! topic override > dynamic config of this broker (node id) > dynamic cluster default >
//! server.properties > Kafka's default. Each value carries its [`Source`].
//!
//! Two ways to build a [`TopicCatalog`]:
//! - [`from_metadata_log`]: a KRaft broker's `__cluster_metadata-0` (see [`kraft`]);
//! - [`from_describe_file`]: `--topic-config FILE`, see [`describe`] for the accepted formats.
//!
//! [`TopicCatalog::for_topic`] answers for any name, falling back to the broker level for a topic
//! the catalog does not know.

pub mod describe;
pub mod kraft;

use std::collections::BTreeMap;
use std::path::Path;

use crate::config::{BrokerConfig, MIB};
use crate::kafka_version::{KafkaVersion, Rules};
use crate::problem::Problem;

pub use describe::{from_describe_file, TopicConfigError};

/// Where an effective value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// A topic-level override (DYNAMIC_TOPIC_CONFIG).
    Topic,
    /// A dynamic config of this broker (DYNAMIC_BROKER_CONFIG).
    DynamicBroker,
    /// The dynamic cluster-wide broker default (DYNAMIC_DEFAULT_BROKER_CONFIG).
    DynamicDefault,
    /// server.properties or `--set` (STATIC_BROKER_CONFIG).
    Static,
    /// Kafka's built-in default (DEFAULT_CONFIG).
    Default,
    /// A `--topic-config` file that did not say where the value came from.
    File,
    /// Guessed from what is on disk (e.g. the size of an active segment's index).
    Inferred,
}

impl Source {
    /// Maps Kafka's ConfigEntry.ConfigSource names (as printed in `synonyms={...}`).
    pub fn from_kafka(name: &str) -> Option<Source> {
        Some(match name {
            "DYNAMIC_TOPIC_CONFIG" => Source::Topic,
            "DYNAMIC_BROKER_CONFIG" => Source::DynamicBroker,
            "DYNAMIC_DEFAULT_BROKER_CONFIG" => Source::DynamicDefault,
            "STATIC_BROKER_CONFIG" => Source::Static,
            "DEFAULT_CONFIG" => Source::Default,
            _ => return None,
        })
    }
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Source::Topic => "topic",
            Source::DynamicBroker => "dynamic-broker",
            Source::DynamicDefault => "dynamic-default",
            Source::Static => "static",
            Source::Default => "default",
            Source::File => "file",
            Source::Inferred => "inferred",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Valued<T> {
    pub value: T,
    pub source: Source,
}

impl<T> Valued<T> {
    pub fn new(value: T, source: Source) -> Self {
        Valued { value, source }
    }
}

/// A topic-level key, the broker-level key that supplies its default, and Kafka's default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub topic: &'static str,
    pub broker: &'static str,
    pub kafka_default: &'static str,
}

pub const SEGMENT_BYTES: Key = Key {
    topic: "segment.bytes",
    broker: "log.segment.bytes",
    kafka_default: "1073741824",
};
pub const SEGMENT_INDEX_BYTES: Key = Key {
    topic: "segment.index.bytes",
    broker: "log.index.size.max.bytes",
    kafka_default: "10485760",
};
pub const INDEX_INTERVAL_BYTES: Key = Key {
    topic: "index.interval.bytes",
    broker: "log.index.interval.bytes",
    kafka_default: "4096",
};
pub const CLEANUP_POLICY: Key = Key {
    topic: "cleanup.policy",
    broker: "log.cleanup.policy",
    kafka_default: "delete",
};
pub const KEYS: [Key; 4] = [
    SEGMENT_BYTES,
    SEGMENT_INDEX_BYTES,
    INDEX_INTERVAL_BYTES,
    CLEANUP_POLICY,
];

/// The settings the index model needs for one topic (or, unnamed, for the broker level).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TopicSettings {
    pub name: String,
    /// `None` when the source does not say (a topic missing from the catalog, a simple file).
    pub partitions: Option<u32>,
    /// Kafka's topic id (base64), when known.
    pub topic_id: Option<String>,
    pub segment_bytes: Valued<u64>,
    pub segment_index_bytes: Valued<u64>,
    pub index_interval_bytes: Valued<u64>,
    pub cleanup_policy: Valued<String>,
}

/// The broker-level values a topic without an override gets.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BrokerLevel {
    pub segment_bytes: Valued<u64>,
    pub segment_index_bytes: Valued<u64>,
    pub index_interval_bytes: Valued<u64>,
    pub cleanup_policy: Valued<String>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct TopicCatalog {
    pub topics: BTreeMap<String, TopicSettings>,
    /// What the catalog was read from, e.g. "metadata log /x/__cluster_metadata-0".
    pub origin: String,
    /// Everything worth telling the operator, the metadata reader's problems included.
    pub problems: Vec<Problem>,
    pub broker_level: BrokerLevel,
    /// The replayed metadata, when the catalog came from a metadata log (its `problems` moved
    /// into [`TopicCatalog::problems`]).
    pub metadata: Option<kraft::MetadataImage>,
}

impl TopicCatalog {
    /// The topic's settings, or the broker-level ones (with `partitions: None`) for a topic the
    /// catalog does not know.
    pub fn for_topic(&self, name: &str) -> TopicSettings {
        self.topics
            .get(name)
            .cloned()
            .unwrap_or_else(|| self.broker_level.for_unknown(name))
    }
}

impl TopicCatalog {
    /// Topic overrides a release refuses. 4.1.0's LogConfig validates topic `segment.bytes` at
    /// least 1 MiB, and LogManager builds every overridden topic's LogConfig at start
    /// (`fetchTopicConfigOverrides` -> `LogConfig.fromProps`), so an override accepted by 4.0
    /// throws a ConfigException there (inferred from source).
    pub fn version_problems(&self, rules: &Rules) -> Vec<Problem> {
        let v = rules.version;
        if v < KafkaVersion::new(4, 1, 0) {
            return Vec::new();
        }
        self.topics
            .values()
            .filter(|t| t.segment_bytes.source == Source::Topic && t.segment_bytes.value < MIB)
            .map(|t| {
                Problem::stops_start(
                    "",
                    format!(
                        "topic {}: segment.bytes={} is below 1048576 (1 MiB), the minimum Kafka {v} accepts (since 4.1.0): building its LogConfig at start throws and the start fails (inferred from source). Raise the override first",
                        t.name, t.segment_bytes.value
                    ),
                )
            })
            .collect()
    }
}

impl BrokerLevel {
    fn for_unknown(&self, name: &str) -> TopicSettings {
        TopicSettings {
            name: name.to_string(),
            partitions: None,
            topic_id: None,
            segment_bytes: self.segment_bytes.clone(),
            segment_index_bytes: self.segment_index_bytes.clone(),
            index_interval_bytes: self.index_interval_bytes.clone(),
            cleanup_policy: self.cleanup_policy.clone(),
        }
    }
}

/// Kafka INT/LONG parsing of a size: trimmed decimal, no units. Negative sizes are rejected.
pub fn parse_size(s: &str) -> Option<u64> {
    s.trim()
        .parse::<i64>()
        .ok()
        .and_then(|v| u64::try_from(v).ok())
}

/// An INT config as Kafka's ConfigDef reads it (a Java int, so at most 2^31-1) with its
/// `atLeast(min)` validator. Kafka refuses anything else when the topic is created or altered,
/// so a value outside the range in a file describes no real topic.
fn parse_int_at_least(s: &str, min: u64) -> Option<u64> {
    parse_size(s).filter(|&v| v >= min && v <= i32::MAX as u64)
}

/// segment.bytes: `atLeast(LegacyRecord.RECORD_OVERHEAD_V0)` = 14 (the 1 MiB minimum of later
/// releases is a version rule, checked with the version).
fn parse_segment_bytes(s: &str) -> Option<u64> {
    parse_int_at_least(s, 14)
}

/// segment.index.bytes: `atLeast(4)`, one offset-index entry's worth is the least Kafka takes.
fn parse_segment_index_bytes(s: &str) -> Option<u64> {
    parse_int_at_least(s, 4)
}

/// index.interval.bytes: `atLeast(0)`.
fn parse_index_interval_bytes(s: &str) -> Option<u64> {
    parse_int_at_least(s, 0)
}

/// cleanup.policy is a LIST: items trimmed, joined with ",".
pub fn normalize_policy(s: &str) -> Option<String> {
    let items: Vec<&str> = s
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    (!items.is_empty()).then(|| items.join(","))
}

/// One candidate value for a key, in precedence order.
pub(crate) struct Candidate<'a> {
    pub source: Source,
    pub value: Option<&'a str>,
    /// For messages: where the value was found.
    pub place: String,
}

/// Picks the first candidate that is set and parses; an unparsable one is reported and skipped
/// (Kafka would reject it and keep the next level's value). Kafka's default closes the chain.
pub(crate) fn pick<T>(
    key: &str,
    candidates: &[Candidate<'_>],
    kafka_default: &str,
    (parse, expected): (fn(&str) -> Option<T>, &str),
    problems: &mut Vec<Problem>,
    problem_path: &Path,
) -> Valued<T> {
    for c in candidates {
        let Some(v) = c.value else { continue };
        match parse(v) {
            Some(t) => return Valued::new(t, c.source),
            None => problems.push(Problem::warning(
                problem_path,
                format!(
                    "{}: {key}={} is not a valid value (Kafka takes {expected}); ignored, the next level applies",
                    c.place,
                    crate::fsread::excerpt(v, 64)
                ),
            )),
        }
    }
    Valued::new(
        parse(kafka_default).expect("Kafka defaults parse"),
        Source::Default,
    )
}

/// Broker-level dynamic configs, from the metadata log or a describe file.
#[derive(Debug, Clone, Default)]
pub(crate) struct DynamicBroker<'a> {
    pub this_broker: Option<&'a BTreeMap<String, String>>,
    pub cluster_default: Option<&'a BTreeMap<String, String>>,
}

fn broker_candidates<'a>(
    key: &Key,
    dynamic: &DynamicBroker<'a>,
    config: &'a BrokerConfig,
) -> Vec<Candidate<'a>> {
    let node = config
        .node_id
        .map_or_else(|| "this broker".to_string(), |n| format!("broker {n}"));
    vec![
        Candidate {
            source: Source::DynamicBroker,
            value: dynamic
                .this_broker
                .and_then(|m| m.get(key.broker))
                .map(String::as_str),
            place: format!("dynamic config of {node}"),
        },
        Candidate {
            source: Source::DynamicDefault,
            value: dynamic
                .cluster_default
                .and_then(|m| m.get(key.broker))
                .map(String::as_str),
            place: "dynamic cluster default".into(),
        },
        Candidate {
            source: Source::Static,
            value: config.get(key.broker).map(|s| s.value.as_str()),
            place: config
                .get(key.broker)
                .map_or_else(|| "server.properties".into(), |s| s.origin.to_string()),
        },
    ]
}

/// Resolves the four keys for one topic. `topic_value(key)` gives the topic-level value, its
/// source and (from a file) its line, if the topic has one.
pub(crate) fn resolve<'a>(
    name: &str,
    topic_value: impl Fn(&Key) -> Option<(&'a str, Source, Option<usize>)>,
    dynamic: &DynamicBroker<'a>,
    config: &'a BrokerConfig,
    problems: &mut Vec<Problem>,
    problem_path: &Path,
) -> BrokerLevel {
    let chain = |key: &Key| {
        let mut c = Vec::new();
        if let Some((v, source, line)) = topic_value(key) {
            c.push(Candidate {
                source,
                value: Some(v),
                place: match line {
                    Some(l) => format!("line {l}: topic {name}"),
                    None => format!("topic {name}"),
                },
            });
        }
        c.extend(broker_candidates(key, dynamic, config));
        c
    };
    BrokerLevel {
        segment_bytes: pick(
            SEGMENT_BYTES.topic,
            &chain(&SEGMENT_BYTES),
            SEGMENT_BYTES.kafka_default,
            (parse_segment_bytes, "an int from 14 to 2147483647"),
            problems,
            problem_path,
        ),
        segment_index_bytes: pick(
            SEGMENT_INDEX_BYTES.topic,
            &chain(&SEGMENT_INDEX_BYTES),
            SEGMENT_INDEX_BYTES.kafka_default,
            (parse_segment_index_bytes, "an int from 4 to 2147483647"),
            problems,
            problem_path,
        ),
        index_interval_bytes: pick(
            INDEX_INTERVAL_BYTES.topic,
            &chain(&INDEX_INTERVAL_BYTES),
            INDEX_INTERVAL_BYTES.kafka_default,
            (parse_index_interval_bytes, "an int from 0 to 2147483647"),
            problems,
            problem_path,
        ),
        cleanup_policy: pick(
            CLEANUP_POLICY.topic,
            &chain(&CLEANUP_POLICY),
            CLEANUP_POLICY.kafka_default,
            (normalize_policy, "a list of delete and compact"),
            problems,
            problem_path,
        ),
    }
}

fn settings(
    name: &str,
    partitions: Option<u32>,
    topic_id: Option<String>,
    l: BrokerLevel,
) -> TopicSettings {
    TopicSettings {
        name: name.to_string(),
        partitions,
        topic_id,
        segment_bytes: l.segment_bytes,
        segment_index_bytes: l.segment_index_bytes,
        index_interval_bytes: l.index_interval_bytes,
        cleanup_policy: l.cleanup_policy,
    }
}

/// Builds the catalog from a KRaft metadata log: `dir` is `__cluster_metadata-0` or the log dir
/// holding it (for a KRaft broker, `config.metadata_log_dir`). Never fails; what could not be
/// read is in `problems`. The per-broker dynamic configs used are those of `config.node_id`.
pub fn from_metadata_log(dir: &Path, config: &BrokerConfig) -> TopicCatalog {
    let mut image = kraft::read_metadata_log(dir);
    let mut problems = std::mem::take(&mut image.problems);
    if config.node_id.is_none() && image.broker_configs.keys().any(|k| !k.is_empty()) {
        problems.push(Problem::warning(
            &image.dir,
            "node.id is not set, so per-broker dynamic configs in the metadata log are not applied",
        ));
    }
    let dynamic = DynamicBroker {
        this_broker: config.node_id.and_then(|n| image.broker(n)),
        cluster_default: image.cluster_default(),
    };
    let path = image.dir.clone();
    let broker_level = resolve(
        "(broker level)",
        |_| None,
        &dynamic,
        config,
        &mut problems,
        &path,
    );
    let mut topics = BTreeMap::new();
    for (name, t) in &image.topics {
        let level = resolve(
            name,
            |k: &Key| {
                t.configs
                    .get(k.topic)
                    .map(|v| (v.as_str(), Source::Topic, None))
            },
            &dynamic,
            config,
            &mut problems,
            &path,
        );
        topics.insert(
            name.clone(),
            settings(
                name,
                Some(t.partitions),
                Some(t.topic_id.to_string()),
                level,
            ),
        );
    }
    TopicCatalog {
        topics,
        origin: format!("metadata log {}", image.dir.display()),
        problems,
        broker_level,
        metadata: Some(image),
    }
}

/// Builds a catalog with only the broker level (server.properties and Kafka defaults), for when
/// neither a metadata log nor a file is available.
pub fn broker_only(config: &BrokerConfig) -> TopicCatalog {
    let mut problems = Vec::new();
    let path = config.path.clone().unwrap_or_default();
    let broker_level = resolve(
        "(broker level)",
        |_| None,
        &DynamicBroker::default(),
        config,
        &mut problems,
        &path,
    );
    TopicCatalog {
        topics: BTreeMap::new(),
        origin: "server.properties and Kafka defaults only".into(),
        problems,
        broker_level,
        metadata: None,
    }
}

/// Guesses segment.index.bytes from an active segment's `.index` file: while the broker runs
/// (or after a crash), Kafka keeps the active offset index pre-allocated to segment.index.bytes
/// rounded down to a multiple of 8 (its entry size), so that length is the setting, give or take
/// those few bytes. After a clean shutdown Kafka trims every index, the active one included, to
/// its entries (the fixture's metadata log indexes are 0 bytes), so the length then says
/// nothing; an empty or non-multiple-of-8 length gives `None`.
pub fn infer_index_bytes(active_offset_index_len: u64) -> Option<Valued<u64>> {
    (active_offset_index_len > 0 && active_offset_index_len % 8 == 0)
        .then(|| Valued::new(active_offset_index_len, Source::Inferred))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Origin, Setting, Settings};

    fn config(pairs: &[(&str, &str)]) -> BrokerConfig {
        let mut s = Settings::new();
        s.insert(
            "log.dirs".into(),
            Setting {
                value: "/tmp/x".into(),
                origin: Origin::Flag,
            },
        );
        for (k, v) in pairs {
            s.insert(
                k.to_string(),
                Setting {
                    value: v.to_string(),
                    origin: Origin::Flag,
                },
            );
        }
        BrokerConfig::from_settings(None, s).unwrap()
    }

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn precedence_follows_kafka() {
        let cfg = config(&[
            ("log.segment.bytes", "2097152"),
            ("log.index.size.max.bytes", "8192"),
            ("node.id", "3"),
        ]);
        let this = map(&[("log.index.size.max.bytes", "4096")]);
        let dflt = map(&[
            ("log.index.size.max.bytes", "2048"),
            ("log.segment.bytes", "3145728"),
        ]);
        let dynamic = DynamicBroker {
            this_broker: Some(&this),
            cluster_default: Some(&dflt),
        };
        let topic = map(&[("cleanup.policy", "compact, delete")]);
        let mut problems = Vec::new();
        let l = resolve(
            "t",
            |k| {
                topic
                    .get(k.topic)
                    .map(|v| (v.as_str(), Source::Topic, None))
            },
            &dynamic,
            &cfg,
            &mut problems,
            Path::new("x"),
        );
        assert_eq!(
            l.segment_index_bytes,
            Valued::new(4096, Source::DynamicBroker)
        );
        assert_eq!(
            l.segment_bytes,
            Valued::new(3145728, Source::DynamicDefault)
        );
        assert_eq!(l.index_interval_bytes, Valued::new(4096, Source::Default));
        assert_eq!(
            l.cleanup_policy,
            Valued::new("compact,delete".to_string(), Source::Topic)
        );
        assert!(problems.is_empty());

        let l = resolve(
            "t",
            |_| None,
            &DynamicBroker::default(),
            &cfg,
            &mut problems,
            Path::new("x"),
        );
        assert_eq!(l.segment_bytes, Valued::new(2097152, Source::Static));
        assert_eq!(
            l.cleanup_policy,
            Valued::new("delete".to_string(), Source::Default)
        );
    }

    #[test]
    fn unparsable_level_is_reported_and_skipped() {
        let cfg = config(&[]);
        let dflt = map(&[("log.segment.bytes", "1GB")]);
        let dynamic = DynamicBroker {
            this_broker: None,
            cluster_default: Some(&dflt),
        };
        let mut problems = Vec::new();
        let l = resolve("t", |_| None, &dynamic, &cfg, &mut problems, Path::new("x"));
        assert_eq!(l.segment_bytes, Valued::new(1073741824, Source::Default));
        assert_eq!(problems.len(), 1);
        assert!(problems[0].message.contains("\"1GB\""), "{:?}", problems[0]);
    }

    #[test]
    fn source_serializes_kebab_case() {
        assert_eq!(
            serde_json::to_string(&Source::DynamicDefault).unwrap(),
            "\"dynamic-default\""
        );
        assert_eq!(Source::DynamicBroker.to_string(), "dynamic-broker");
    }

    #[test]
    fn unknown_topic_falls_back_to_broker_level() {
        let c = broker_only(&config(&[("log.index.size.max.bytes", "65536")]));
        let t = c.for_topic("nope");
        assert_eq!(t.partitions, None);
        assert_eq!(t.segment_index_bytes, Valued::new(65536, Source::Static));
    }

    #[test]
    fn inference_needs_a_plausible_length() {
        assert_eq!(
            infer_index_bytes(10485760),
            Some(Valued::new(10485760, Source::Inferred))
        );
        assert_eq!(infer_index_bytes(0), None);
        assert_eq!(infer_index_bytes(13), None);
    }
}

#[cfg(test)]
mod version_tests {
    use super::*;

    fn catalog(segment_bytes: u64, source: Source) -> TopicCatalog {
        let mut c = broker_only(
            &BrokerConfig::from_settings(None, {
                let mut s = crate::config::Settings::new();
                s.insert(
                    "log.dirs".into(),
                    crate::config::Setting {
                        value: "/tmp/x".into(),
                        origin: crate::config::Origin::Flag,
                    },
                );
                s
            })
            .unwrap(),
        );
        let mut t = c.broker_level.for_unknown("small");
        t.segment_bytes = Valued::new(segment_bytes, source);
        c.topics.insert("small".into(), t);
        c
    }

    #[test]
    fn topic_segment_bytes_minimum_from_4_1() {
        let r = |v: &str| Rules::for_version(v.parse().unwrap());
        let small = catalog(512 * 1024, Source::Topic);
        assert!(small.version_problems(&r("4.0.2")).is_empty());
        let p = small.version_problems(&r("4.1.0"));
        assert_eq!(p.len(), 1);
        assert!(p[0].stops_start && p[0].message.contains("topic small"));
        assert!(catalog(MIB, Source::Topic)
            .version_problems(&r("4.4.0"))
            .is_empty());
        // Not an override: the broker-level check owns log.segment.bytes.
        assert!(catalog(512 * 1024, Source::Static)
            .version_problems(&r("4.4.0"))
            .is_empty());
    }
}
