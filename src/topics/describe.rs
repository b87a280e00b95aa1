//! `--topic-config FILE`: topic settings from a file, for brokers whose metadata log cannot be
//! read (ZooKeeper mode) or as an operator's override.
//!
//! Accepted, mixed freely in one file (blank lines and `#` comments ignored):
//!
//! 1. `kafka-configs.sh --describe [--all] --entity-type topics` output:
//!    a header `All configs for topic NAME are:` or `Dynamic configs for topic NAME are:`, then
//!    indented `key=value sensitive=... synonyms={SOURCE:key=value, ...}` lines. The value's
//!    source is the first synonym's (DYNAMIC_TOPIC_CONFIG -> topic, DYNAMIC_BROKER_CONFIG ->
//!    dynamic-broker, DYNAMIC_DEFAULT_BROKER_CONFIG -> dynamic-default, STATIC_BROKER_CONFIG ->
//!    static, DEFAULT_CONFIG -> default); without synonyms it is `file`. Caveat: dynamic-broker
//!    and static values are those of the broker that answered the describe request.
//!    The old one-line form `Configs for topic 'NAME' are k=v,k=v` is accepted too.
//! 2. Broker blocks of the same tool (`All configs for broker N are:`, `Dynamic configs for
//!    broker N are:`, `Default configs for brokers in the cluster are:`): dynamic values for
//!    this broker's node id and the cluster default feed the broker level; other brokers' are
//!    ignored. A DYNAMIC_DEFAULT_BROKER_CONFIG synonym anywhere also gives the cluster default.
//! 3. `kafka-topics.sh --describe` lines `Topic: NAME<TAB>TopicId: ..<TAB>PartitionCount: N ..
//!    Configs: k=v,k=v` (partition lines are skipped): partitions, topic id, values as `file`.
//! 4. This tool's own format, one topic per line: `NAME [key=value ...]`, e.g.
//!    `orders segment.bytes=268435456 segment.index.bytes=1048576 partitions=12`
//!    (`partitions` is the partition count; values have source `file`).
//!
//! Keys a topic does not list fall back to the broker level: dynamic values from the file, then
//! server.properties, then Kafka's defaults. Anything else is an error naming file and line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{resolve, settings, DynamicBroker, Key, Source, TopicCatalog};
use crate::config::BrokerConfig;

#[derive(Debug, thiserror::Error)]
pub enum TopicConfigError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}:{line}: {message}", path.display())]
    Syntax {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

/// What the file says about one topic.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DescribedTopic {
    pub partitions: Option<u32>,
    pub topic_id: Option<String>,
    /// key -> (value, source).
    pub entries: BTreeMap<String, (String, Source)>,
    /// key -> the file's line its value came from, for messages about that value.
    pub lines: BTreeMap<String, usize>,
}

impl DescribedTopic {
    /// A value with a known source is not replaced by a `file` one (e.g. kafka-topics output
    /// concatenated after kafka-configs output).
    fn set(&mut self, key: String, value: String, source: Source, line: usize) {
        match self.entries.get(&key) {
            Some((_, old)) if source == Source::File && *old != Source::File => {}
            _ => {
                self.lines.insert(key.clone(), line);
                self.entries.insert(key, (value, source));
            }
        }
    }
}

/// The parsed file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Described {
    pub topics: BTreeMap<String, DescribedTopic>,
    /// Dynamic per-broker values by broker id.
    pub brokers: BTreeMap<i32, BTreeMap<String, String>>,
    /// The dynamic cluster-wide broker default.
    pub cluster_default: BTreeMap<String, String>,
}

enum Block {
    None,
    Topic(String),
    Broker(i32),
    ClusterDefault,
}

/// Kafka's legal topic names: 1..249 of [a-zA-Z0-9._-].
fn legal_topic(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 249
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-')
}

/// One `SOURCE:key=value` of a `synonyms={...}` list.
type Synonym = (String, String, String);

/// `key=value sensitive=false synonyms={A:k=v, B:k=v}` -> (key, value, synonyms).
fn entry_line(s: &str) -> Option<(String, String, Vec<Synonym>)> {
    let (key, rest) = s.split_once('=')?;
    let key = key.trim();
    if key.is_empty() || key.contains(char::is_whitespace) {
        return None;
    }
    let (value, synonyms) = match rest.rfind(" sensitive=") {
        Some(i) => {
            let tail = &rest[i..];
            let syn = tail
                .find("synonyms={")
                .map(|j| {
                    tail[j + "synonyms={".len()..]
                        .trim_end()
                        .trim_end_matches('}')
                })
                .unwrap_or("");
            (&rest[..i], syn)
        }
        None => (rest, ""),
    };
    let synonyms = synonyms
        .split(", ")
        .filter(|s| !s.trim().is_empty())
        .filter_map(|s| {
            let (source, kv) = s.trim().split_once(':')?;
            let (k, v) = kv.split_once('=')?;
            Some((source.to_string(), k.to_string(), v.to_string()))
        })
        .collect();
    Some((key.to_string(), value.trim().to_string(), synonyms))
}

fn topic_header(line: &str) -> Option<String> {
    for prefix in ["All configs for topic ", "Dynamic configs for topic "] {
        if let Some(rest) = line.strip_prefix(prefix) {
            return rest.strip_suffix(" are:").map(str::to_string);
        }
    }
    None
}

fn broker_header(line: &str) -> Option<Block> {
    if line.starts_with("Default configs for brokers in the cluster are")
        || line.starts_with("Dynamic default configs for brokers")
    {
        return Some(Block::ClusterDefault);
    }
    for prefix in ["All configs for broker ", "Dynamic configs for broker "] {
        if let Some(rest) = line.strip_prefix(prefix) {
            let id = rest.strip_suffix(" are:")?.trim().parse().ok()?;
            return Some(Block::Broker(id));
        }
    }
    None
}

fn pairs(s: &str) -> Vec<(String, String)> {
    s.split(',')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .filter(|(k, _)| !k.is_empty())
        .collect()
}

/// Parses the text of a `--topic-config` file; `path` is for error messages.
pub fn parse(text: &str, path: &Path) -> Result<Described, TopicConfigError> {
    let mut d = Described::default();
    let mut block = Block::None;
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let err = |message: String| TopicConfigError::Syntax {
            path: path.to_path_buf(),
            line: line_no,
            message,
        };
        let line = raw.trim_end();
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indented = line.len() != trimmed.len();

        // kafka-topics --describe: partition lines are indented and carry "Partition:".
        if trimmed.starts_with("Topic:") {
            block = Block::None;
            if trimmed.contains("\tPartition:") || trimmed.contains(" Partition: ") {
                continue;
            }
            let mut t_name = None;
            let mut t = DescribedTopic::default();
            for field in trimmed.split('\t') {
                let Some((k, v)) = field.split_once(':') else {
                    continue;
                };
                let v = v.trim();
                match k.trim() {
                    "Topic" => t_name = Some(v.to_string()),
                    "TopicId" => t.topic_id = Some(v.to_string()),
                    "PartitionCount" => {
                        t.partitions =
                            Some(v.parse().map_err(|_| {
                                err(format!("PartitionCount {v:?} is not a number"))
                            })?)
                    }
                    "Configs" => {
                        for (k, v) in pairs(v) {
                            t.set(k, v, Source::File, line_no);
                        }
                    }
                    _ => {}
                }
            }
            let name = t_name
                .filter(|n| legal_topic(n))
                .ok_or_else(|| err("`Topic:` line without a legal topic name".into()))?;
            let e = d.topics.entry(name).or_default();
            e.partitions = t.partitions.or(e.partitions);
            e.topic_id = t.topic_id.or(e.topic_id.take());
            for (k, (v, s)) in t.entries {
                e.set(k, v, s, line_no);
            }
            continue;
        }

        if !indented {
            if let Some(name) = topic_header(trimmed) {
                if !legal_topic(&name) {
                    return Err(err(format!("{name:?} is not a legal Kafka topic name")));
                }
                d.topics.entry(name.clone()).or_default();
                block = Block::Topic(name);
                continue;
            }
            if let Some(b) = broker_header(trimmed) {
                block = b;
                continue;
            }
            // Pre-2.x kafka-configs: Configs for topic 'NAME' are k=v,k=v
            if let Some(rest) = trimmed.strip_prefix("Configs for topic '") {
                let (name, rest) = rest
                    .split_once("' are")
                    .ok_or_else(|| err("expected `Configs for topic 'NAME' are k=v,...`".into()))?;
                if !legal_topic(name) {
                    return Err(err(format!("{name:?} is not a legal Kafka topic name")));
                }
                let t = d.topics.entry(name.to_string()).or_default();
                for (k, v) in pairs(rest) {
                    t.set(k, v, Source::File, line_no);
                }
                block = Block::None;
                continue;
            }
        }

        if indented {
            let (key, value, synonyms) = entry_line(trimmed).ok_or_else(|| {
                err(format!(
                    "expected `key=value ...` in a config block, got {trimmed:?}"
                ))
            })?;
            // A cluster default shows through any entry's synonyms.
            for (src, k, v) in &synonyms {
                if src == "DYNAMIC_DEFAULT_BROKER_CONFIG" {
                    d.cluster_default
                        .entry(k.clone())
                        .or_insert_with(|| v.clone());
                }
            }
            let first = synonyms.first().and_then(|(s, _, _)| Source::from_kafka(s));
            match &block {
                Block::Topic(name) => {
                    let source = first.unwrap_or(Source::File);
                    d.topics
                        .entry(name.clone())
                        .or_default()
                        .set(key, value, source, line_no);
                }
                Block::Broker(id) => {
                    // Only dynamic per-broker values belong to this level; static/default ones of
                    // another host say nothing about this one.
                    if matches!(first, None | Some(Source::DynamicBroker)) {
                        d.brokers.entry(*id).or_default().insert(key, value);
                    }
                }
                Block::ClusterDefault => {
                    d.cluster_default.insert(key, value);
                }
                Block::None => {
                    return Err(err(format!(
                        "indented `{key}=...` outside a `All configs for topic NAME are:` block"
                    )))
                }
            }
            continue;
        }

        // Own format: NAME [key=value ...]
        let mut tokens = trimmed.split_whitespace();
        let name = tokens.next().unwrap_or_default();
        if !legal_topic(name) {
            return Err(err(format!(
                "unrecognized line {trimmed:?}: expected `TOPIC [key=value ...]`, kafka-configs.sh --describe or kafka-topics.sh --describe output"
            )));
        }
        let mut t = DescribedTopic::default();
        for tok in tokens {
            let (k, v) = tok
                .split_once('=')
                .filter(|(k, _)| !k.is_empty())
                .ok_or_else(|| err(format!("{tok:?} is not key=value (line: {trimmed:?})")))?;
            if k == "partitions" {
                t.partitions = Some(
                    v.parse()
                        .map_err(|_| err(format!("partitions={v:?} is not a number")))?,
                );
            } else {
                t.set(k.to_string(), v.to_string(), Source::File, line_no);
            }
        }
        let e = d.topics.entry(name.to_string()).or_default();
        e.partitions = t.partitions.or(e.partitions);
        for (k, (v, s)) in t.entries {
            e.set(k, v, s, line_no);
        }
        block = Block::None;
    }
    Ok(d)
}

/// Reads `--topic-config FILE` (formats in the module docs) and resolves every topic's settings
/// against `config` (server.properties) and the dynamic broker values the file holds.
pub fn from_describe_file(
    path: &Path,
    config: &BrokerConfig,
) -> Result<TopicCatalog, TopicConfigError> {
    let bytes =
        crate::fsread::read_bounded(path, crate::fsread::limits::TOPIC_CONFIG).map_err(|e| {
            TopicConfigError::Io {
                path: path.to_path_buf(),
                source: e,
            }
        })?;
    let text = String::from_utf8_lossy(&bytes);
    let d = parse(&text, path)?;
    Ok(catalog(&d, path, config))
}

pub(crate) fn catalog(d: &Described, path: &Path, config: &BrokerConfig) -> TopicCatalog {
    let mut problems = Vec::new();
    let dynamic = DynamicBroker {
        this_broker: config.node_id.and_then(|n| d.brokers.get(&n)),
        cluster_default: (!d.cluster_default.is_empty()).then_some(&d.cluster_default),
    };
    let broker_level = resolve(
        "(broker level)",
        |_| None,
        &dynamic,
        config,
        &mut problems,
        path,
    );
    let mut topics = BTreeMap::new();
    for (name, t) in &d.topics {
        let level = resolve(
            name,
            |k: &Key| {
                t.entries
                    .get(k.topic)
                    .map(|(v, s)| (v.as_str(), *s, t.lines.get(k.topic).copied()))
            },
            &dynamic,
            config,
            &mut problems,
            path,
        );
        topics.insert(
            name.clone(),
            settings(name, t.partitions, t.topic_id.clone(), level),
        );
    }
    TopicCatalog {
        topics,
        origin: format!("topic config file {}", path.display()),
        problems,
        broker_level,
        metadata: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_lines() {
        let (k, v, syn) = entry_line(
            "segment.index.bytes=5242880 sensitive=false synonyms={DYNAMIC_BROKER_CONFIG:log.index.size.max.bytes=5242880, DEFAULT_CONFIG:log.index.size.max.bytes=10485760}",
        )
        .unwrap();
        assert_eq!((k.as_str(), v.as_str()), ("segment.index.bytes", "5242880"));
        assert_eq!(syn.len(), 2);
        assert_eq!(syn[0].0, "DYNAMIC_BROKER_CONFIG");
        assert_eq!(syn[1].2, "10485760");
        // Empty values and empty synonym sets occur in real output.
        let (k, v, syn) =
            entry_line("follower.replication.throttled.replicas= sensitive=false synonyms={}")
                .unwrap();
        assert_eq!(
            (k.as_str(), v.as_str(), syn.len()),
            ("follower.replication.throttled.replicas", "", 0)
        );
        assert!(entry_line("no equals sign").is_none());
    }

    #[test]
    fn topics_describe_lines() {
        let d = parse(
            "Topic: a\tTopicId: xyz\tPartitionCount: 3\tReplicationFactor: 1\tConfigs: segment.bytes=1048576\n\
             \tTopic: a\tPartition: 0\tLeader: 1\tReplicas: 1\tIsr: 1\n",
            Path::new("f"),
        )
        .unwrap();
        let t = &d.topics["a"];
        assert_eq!(t.partitions, Some(3));
        assert_eq!(t.topic_id.as_deref(), Some("xyz"));
        assert_eq!(
            t.entries["segment.bytes"],
            ("1048576".to_string(), Source::File)
        );
    }

    #[test]
    fn file_value_does_not_replace_a_sourced_one() {
        let d = parse(
            "All configs for topic a are:\n  segment.bytes=2097152 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:log.segment.bytes=2097152}\n\
             a segment.bytes=2097152\n",
            Path::new("f"),
        )
        .unwrap();
        assert_eq!(
            d.topics["a"].entries["segment.bytes"].1,
            Source::DynamicDefault
        );
        assert_eq!(d.cluster_default["log.segment.bytes"], "2097152");
    }
}
