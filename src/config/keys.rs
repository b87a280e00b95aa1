//! The keys the model reads, with Kafka's types, defaults and validators (ConfigDef).
//! Kafka parses INT/LONG with Integer/Long.parseInt on the trimmed string: no units, no
//! separators; "1GB" or 99999999999 for an INT is rejected at broker start, so we reject it too.

use std::path::{Path, PathBuf};

use super::{BrokerConfig, ConfigError, Mode, Setting, Settings};
use crate::kafka_version::{KafkaVersion, Rules};
use crate::problem::Problem;
use crate::units;

pub const MIB: u64 = 1024 * 1024;
pub const KAFKA_DEFAULT_LOG_DIR: &str = "/tmp/kafka-logs";

fn bad(s: &Setting, key: &str, expected: String) -> ConfigError {
    ConfigError::BadValue {
        origin: s.origin.clone(),
        key: key.to_string(),
        value: s.value.clone(),
        expected,
    }
}

/// An INT key (Java int) with an inclusive minimum, or its default when absent.
fn int(settings: &Settings, key: &str, default: i64, min: i64) -> Result<u64, ConfigError> {
    int_opt(settings, key, min).map(|v| v.unwrap_or(default) as u64)
}

fn int_opt(settings: &Settings, key: &str, min: i64) -> Result<Option<i64>, ConfigError> {
    let Some(s) = settings.get(key) else {
        return Ok(None);
    };
    let v: i32 = s.value.trim().parse().map_err(|_| {
        bad(
            s,
            key,
            format!("expected a whole number (Kafka type INT: -2147483648..2147483647, no units), at least {min}"),
        )
    })?;
    if i64::from(v) < min {
        return Err(bad(
            s,
            key,
            format!("must be at least {min} (Kafka's validator)"),
        ));
    }
    Ok(Some(i64::from(v)))
}

fn long_opt(settings: &Settings, key: &str) -> Result<Option<i64>, ConfigError> {
    let Some(s) = settings.get(key) else {
        return Ok(None);
    };
    s.value.trim().parse::<i64>().map(Some).map_err(|_| {
        bad(
            s,
            key,
            "expected a whole number (Kafka type LONG, no units)".into(),
        )
    })
}

fn boolean(settings: &Settings, key: &str, default: bool) -> Result<bool, ConfigError> {
    let Some(s) = settings.get(key) else {
        return Ok(default);
    };
    match s.value.trim().to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(bad(s, key, "expected true or false".into())),
    }
}

/// Kafka resolves relative log dirs against the broker's working directory; we can only use ours.
fn absolute(p: &str) -> PathBuf {
    let path = Path::new(p);
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    }
}

/// The configured log dirs, absolute, and the entries Kafka would reject as duplicates
/// (LogManager compares canonical paths and throws "Duplicate log directory found").
/// A log.dirs entry naming a dir already listed, and the canonical path they share.
type Duplicate = (PathBuf, PathBuf);

fn log_dirs(settings: &Settings) -> Result<(Vec<PathBuf>, Vec<Duplicate>), ConfigError> {
    // log.dirs wins over log.dir (KafkaConfig.logDirs); both are comma-separated lists.
    let (key, setting) = match (settings.get("log.dirs"), settings.get("log.dir")) {
        (Some(s), _) => ("log.dirs", s.clone()),
        (None, Some(s)) => ("log.dir", s.clone()),
        (None, None) => {
            return Ok((vec![PathBuf::from(KAFKA_DEFAULT_LOG_DIR)], Vec::new()));
        }
    };
    let mut dirs: Vec<PathBuf> = Vec::new();
    let mut canonical: Vec<PathBuf> = Vec::new();
    let mut duplicates = Vec::new();
    for part in setting
        .value
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let p = absolute(part);
        let c = std::fs::canonicalize(&p).unwrap_or_else(|_| p.clone());
        if canonical.contains(&c) {
            duplicates.push((p, c));
            continue;
        }
        canonical.push(c);
        dirs.push(p);
    }
    if dirs.is_empty() {
        return Err(bad(
            &setting,
            key,
            "expected a comma-separated list of directories; it is empty".into(),
        ));
    }
    Ok((dirs, duplicates))
}

pub(super) fn build(
    path: Option<PathBuf>,
    settings: Settings,
) -> Result<BrokerConfig, ConfigError> {
    let (log_dirs, duplicate_log_dirs) = log_dirs(&settings)?;

    let process_roles: Vec<String> = match settings.get("process.roles") {
        Some(s) => {
            let roles: Vec<String> = s
                .value
                .split(',')
                .map(|r| r.trim().to_ascii_lowercase())
                .filter(|r| !r.is_empty())
                .collect();
            if let Some(r) = roles.iter().find(|r| *r != "broker" && *r != "controller") {
                return Err(bad(
                    s,
                    "process.roles",
                    format!("unknown role {r:?}; expected broker, controller or both"),
                ));
            }
            roles
        }
        None => Vec::new(),
    };
    let mode = if !process_roles.is_empty() {
        Mode::Kraft
    } else if settings
        .get("zookeeper.connect")
        .is_some_and(|s| !s.value.trim().is_empty())
    {
        Mode::Zookeeper
    } else {
        Mode::Unknown
    };
    let metadata_log_dir = match settings.get("metadata.log.dir") {
        Some(s) if !s.value.trim().is_empty() => Some(absolute(s.value.trim())),
        _ if mode == Mode::Kraft => log_dirs.first().cloned(),
        _ => None,
    };

    let log_retention_ms = match long_opt(&settings, "log.retention.ms")? {
        Some(ms) => Some(ms),
        None => match int_opt(&settings, "log.retention.minutes", i64::from(i32::MIN))? {
            Some(m) => Some(m * 60_000),
            None => Some(
                int_opt(&settings, "log.retention.hours", i64::from(i32::MIN))?.unwrap_or(168)
                    * 3_600_000,
            ),
        },
    }
    .filter(|ms| *ms >= 0)
    .map(|ms| ms as u64);

    let num_recovery_threads_per_data_dir =
        int_opt(&settings, "num.recovery.threads.per.data.dir", 1)?.map(|v| v as u32);
    let node_id = match int_opt(&settings, "node.id", -1)? {
        Some(v) => Some(v as i32),
        None => int_opt(&settings, "broker.id", -1)?.map(|v| v as i32),
    }
    .filter(|v| *v >= 0);

    Ok(BrokerConfig {
        log_segment_bytes: int(&settings, "log.segment.bytes", 1 << 30, 14)?,
        log_index_size_max_bytes: int(&settings, "log.index.size.max.bytes", 10 * MIB as i64, 4)?,
        log_index_interval_bytes: int(&settings, "log.index.interval.bytes", 4096, 0)?,
        num_recovery_threads_per_data_dir,
        log_retention_bytes: long_opt(&settings, "log.retention.bytes")?
            .filter(|b| *b >= 0)
            .map(|b| b as u64),
        log_retention_ms,
        offsets_topic_segment_bytes: int(
            &settings,
            "offsets.topic.segment.bytes",
            100 * MIB as i64,
            1,
        )?,
        transaction_state_log_segment_bytes: int(
            &settings,
            "transaction.state.log.segment.bytes",
            100 * MIB as i64,
            1,
        )?,
        metadata_log_segment_bytes: int(&settings, "metadata.log.segment.bytes", 1 << 30, 12)?,
        metadata_log_segment_min_bytes: int(
            &settings,
            "metadata.log.segment.min.bytes",
            8 * MIB as i64,
            12,
        )?,
        remote_log_storage_enable: boolean(&settings, "remote.log.storage.system.enable", false)?,
        node_id,
        path,
        settings,
        log_dirs,
        duplicate_log_dirs,
        mode,
        process_roles,
        metadata_log_dir,
    })
}

/// Validators that changed with the release: a config Kafka `version` refuses at start, though
/// an older release (or this tool's version-neutral parse) accepts it.
pub fn version_problems(c: &BrokerConfig, rules: &Rules) -> Vec<Problem> {
    let v = rules.version;
    let at_least = |a, b, d| v >= KafkaVersion::new(a, b, d);
    let path = c.path.clone().unwrap_or_default();
    let mut out = Vec::new();
    let mut below = |key: &str, value: u64, min: u64, since: &str, source: &str| {
        out.push(Problem::stops_start(
            &path,
            format!(
                "{key}={value} is below {min} ({}), the minimum Kafka {v} accepts (since {since}, {source}): the broker refuses the config and does not start",
                units::bytes(min)
            ),
        ));
    };
    // LogConfig.java 4.0.0: LOG_SEGMENT_BYTES_CONFIG atLeast(1024 * 1024) (KIP-1030).
    if at_least(4, 0, 0) && c.log_segment_bytes < MIB {
        below(
            "log.segment.bytes",
            c.log_segment_bytes,
            MIB,
            "4.0.0",
            "LogConfig",
        );
    }
    // 4.1.0 MetadataLogConfig.java: a validator, atLeast(8 * 1024 * 1024). Before, from 3.0,
    // KafkaMetadataLog refuses it at start ("Cannot set metadata.log.segment.bytes below
    // 8388608"), the minimum being the internal metadata.log.segment.min.bytes (seen on real
    // 3.9.0, 3.9.2 and 4.0.0 brokers: they exit).
    if at_least(4, 1, 0) && c.metadata_log_segment_bytes < 8 * MIB {
        below(
            "metadata.log.segment.bytes",
            c.metadata_log_segment_bytes,
            8 * MIB,
            "4.1.0",
            "MetadataLogConfig",
        );
    } else if at_least(3, 0, 0)
        && c.mode == Mode::Kraft
        && c.metadata_log_segment_bytes < c.metadata_log_segment_min_bytes
    {
        below(
            "metadata.log.segment.bytes",
            c.metadata_log_segment_bytes,
            c.metadata_log_segment_min_bytes,
            "3.0.0, metadata.log.segment.min.bytes",
            "KafkaMetadataLog at start",
        );
    }
    // The default is assumed where the key is absent; 4.0.x/4.1.x ship a file that says 1.
    if c.num_recovery_threads_per_data_dir.is_none()
        && rules.shipped_recovery_threads != rules.default_recovery_threads
    {
        let whose = if c.path.is_some() {
            "this config does not set it"
        } else {
            "no server.properties was given"
        };
        out.push(Problem::info(
            &path,
            format!(
                "num.recovery.threads.per.data.dir: {whose}, so Kafka {v}'s default {} is assumed; the config/server.properties shipped with {v} sets {}, and a config copied from it runs with that",
                rules.default_recovery_threads, rules.shipped_recovery_threads
            ),
        ));
    }
    // 4.0.0: kafka.Kafka always builds a KafkaRaftServer and process.roles has no default.
    if at_least(4, 0, 0) && c.path.is_some() && c.process_roles.is_empty() {
        let zk = if c.mode == Mode::Zookeeper {
            "zookeeper.connect is set but process.roles is not: this is a ZooKeeper-mode config. "
        } else {
            ""
        };
        out.push(Problem::stops_start(
            &path,
            format!(
                r#"{zk}Kafka {v} has no ZooKeeper mode and process.roles has no default: the start fails with 'Missing required configuration "process.roles"'. Migrate to KRaft on 3.9 before upgrading"#
            ),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::properties::parse;

    fn cfg(text: &str) -> Result<BrokerConfig, ConfigError> {
        let s = parse(text.as_bytes(), Path::new("server.properties")).unwrap();
        build(Some("server.properties".into()), s)
    }

    fn refused(text: &str, version: &str) -> Vec<String> {
        let rules = Rules::for_version(version.parse().unwrap());
        version_problems(&cfg(text).unwrap(), &rules)
            .into_iter()
            .filter(|p| p.severity != crate::problem::Severity::Info)
            .inspect(|p| assert!(p.stops_start, "{p:?}"))
            .map(|p| p.message)
            .collect()
    }

    #[test]
    fn segment_minimums_follow_the_release() {
        let small = "process.roles=broker,controller\nlog.segment.bytes=1048575\n";
        assert!(refused(small, "3.9.2").is_empty());
        let m = refused(small, "4.0.0");
        assert!(
            m.len() == 1 && m[0].starts_with("log.segment.bytes=1048575"),
            "{m:?}"
        );
        assert!(refused("process.roles=broker\nlog.segment.bytes=1048576\n", "4.0.0").is_empty());
        let meta = "process.roles=broker\nmetadata.log.segment.bytes=8388607\n";
        // Real 3.9.0, 3.9.2 and 4.0.0 brokers exit at start too (KafkaMetadataLog), 4.1.1 refuses
        // the config; the internal minimum can be lowered before 4.1 only.
        for v in ["3.9.0", "4.0.0", "4.1.0"] {
            let m = refused(meta, v);
            assert!(
                m.len() == 1 && m[0].contains("metadata.log.segment.bytes"),
                "{v}: {m:?}"
            );
        }
        let lowered = "process.roles=broker\nmetadata.log.segment.bytes=8388607\nmetadata.log.segment.min.bytes=1048576\n";
        assert!(refused(lowered, "3.9.2").is_empty());
        assert_eq!(refused(lowered, "4.1.0").len(), 1);
        assert!(refused(
            "zookeeper.connect=zk\nmetadata.log.segment.bytes=4194304\n",
            "3.9.0"
        )
        .is_empty());
        assert!(refused(
            "process.roles=broker\nmetadata.log.segment.bytes=8388608\n",
            "4.4.0"
        )
        .is_empty());
    }

    #[test]
    fn shipped_recovery_threads_noted_where_the_default_is_assumed() {
        let notes = |text: &str, v: &str| {
            version_problems(&cfg(text).unwrap(), &Rules::for_version(v.parse().unwrap()))
                .into_iter()
                .filter(|p| p.message.starts_with("num.recovery.threads.per.data.dir"))
                .count()
        };
        let kraft = "process.roles=broker\n";
        assert_eq!(notes(kraft, "4.0.2"), 1);
        assert_eq!(notes(kraft, "4.1.1"), 1);
        assert_eq!(notes(kraft, "4.2.0"), 0);
        assert_eq!(notes(kraft, "3.9.2"), 0);
        assert_eq!(
            notes(
                "process.roles=broker\nnum.recovery.threads.per.data.dir=1\n",
                "4.1.0"
            ),
            0
        );
    }

    #[test]
    fn zookeeper_config_cannot_start_4x() {
        let zk = "zookeeper.connect=zk:2181\nbroker.id=1\n";
        assert!(refused(zk, "3.9.2").is_empty());
        let m = refused(zk, "4.0.0");
        assert!(m.len() == 1 && m[0].contains("ZooKeeper-mode"), "{m:?}");
        assert_eq!(refused("broker.id=1\n", "4.4.0").len(), 1);
        assert!(refused("process.roles=controller\n", "4.4.0").is_empty());
    }

    #[test]
    fn kafka_defaults_when_absent() {
        let c = cfg("").unwrap();
        assert_eq!(c.log_dirs, vec![PathBuf::from("/tmp/kafka-logs")]);
        assert_eq!(c.log_segment_bytes, 1_073_741_824);
        assert_eq!(c.log_index_size_max_bytes, 10_485_760);
        assert_eq!(c.log_index_interval_bytes, 4096);
        assert_eq!(c.num_recovery_threads_per_data_dir, None);
        assert_eq!(c.offsets_topic_segment_bytes, 104_857_600);
        assert_eq!(c.transaction_state_log_segment_bytes, 104_857_600);
        assert_eq!(c.metadata_log_segment_bytes, 1_073_741_824);
        assert_eq!(c.log_retention_ms, Some(168 * 3_600_000));
        assert_eq!(c.log_retention_bytes, None);
        assert_eq!(c.mode, Mode::Unknown);
    }

    #[test]
    fn log_dirs_wins_over_log_dir_and_dedups() {
        let c = cfg("log.dir=/x\nlog.dirs=/a, /b ,/a\n").unwrap();
        assert_eq!(c.log_dirs, vec![PathBuf::from("/a"), PathBuf::from("/b")]);
        assert_eq!(c.duplicate_log_dirs.len(), 1);
        let c = cfg("log.dir=/x\n").unwrap();
        assert_eq!(c.log_dirs, vec![PathBuf::from("/x")]);
    }

    #[test]
    fn kraft_metadata_dir_defaults_to_first_log_dir() {
        let c = cfg("process.roles=broker,controller\nlog.dirs=/a,/b\n").unwrap();
        assert_eq!(c.mode, Mode::Kraft);
        assert_eq!(c.metadata_log_dir, Some(PathBuf::from("/a")));
        let c = cfg("process.roles=broker\nlog.dirs=/a\nmetadata.log.dir=/m\n").unwrap();
        assert_eq!(c.metadata_log_dir, Some(PathBuf::from("/m")));
        let c = cfg("zookeeper.connect=zk:2181\n").unwrap();
        assert_eq!(c.mode, Mode::Zookeeper);
        assert_eq!(c.metadata_log_dir, None);
    }

    #[test]
    fn retention_precedence_ms_minutes_hours() {
        assert_eq!(
            cfg("log.retention.hours=1\nlog.retention.minutes=2\n")
                .unwrap()
                .log_retention_ms,
            Some(120_000)
        );
        assert_eq!(
            cfg("log.retention.minutes=2\nlog.retention.ms=5\n")
                .unwrap()
                .log_retention_ms,
            Some(5)
        );
        assert_eq!(cfg("log.retention.ms=-1\n").unwrap().log_retention_ms, None);
    }

    #[test]
    fn bad_values_name_file_line_key_and_value() {
        for (text, key) in [
            ("a=1\nlog.segment.bytes=1GB\n", "log.segment.bytes"),
            ("a=1\nlog.segment.bytes=99999999999\n", "log.segment.bytes"),
            (
                "a=1\nlog.index.size.max.bytes=-5\n",
                "log.index.size.max.bytes",
            ),
            (
                "a=1\nnum.recovery.threads.per.data.dir=0\n",
                "num.recovery.threads.per.data.dir",
            ),
            ("a=1\nlog.dirs= , \n", "log.dirs"),
            ("a=1\nprocess.roles=broker,zk\n", "process.roles"),
        ] {
            let e = cfg(text).unwrap_err();
            let msg = e.to_string();
            assert!(msg.starts_with("server.properties:2: "), "{msg}");
            assert!(msg.contains(key), "{msg}");
        }
    }

    #[test]
    fn whitespace_around_numbers_is_accepted_like_kafka() {
        assert_eq!(
            cfg("log.segment.bytes = 268435456 \n")
                .unwrap()
                .log_segment_bytes,
            268_435_456
        );
    }
}
