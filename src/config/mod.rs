//! server.properties (+ `--set` overrides) -> [`BrokerConfig`], with Kafka's defaults and validators.

pub mod java_properties;
pub mod jvm;
mod keys;
pub mod properties;
pub mod unknown_keys;

use std::path::{Path, PathBuf};

pub use keys::{version_problems, KAFKA_DEFAULT_LOG_DIR, MIB};
pub use properties::{Origin, Setting, Settings};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is a directory; expected a server.properties file")]
    NotAFile { path: PathBuf },
    #[error("{}{}: {message}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    Syntax {
        path: PathBuf,
        line: Option<usize>,
        message: String,
    },
    #[error("{origin}: {key}={value:?}: {expected}")]
    BadValue {
        origin: Origin,
        key: String,
        value: String,
        expected: String,
    },
    /// A JVM option of an environment variable, --jvm-opts or a unit's Environment=; `origin`
    /// names which (and the unit file and line).
    #[error("{origin}: {option}: {expected}")]
    BadJvmOption {
        origin: String,
        option: String,
        expected: String,
    },
    #[error("--set {0:?}: expected key=value, e.g. --set log.segment.bytes=268435456")]
    BadOverride(String),
    #[error("no log dirs: {0}")]
    NoLogDirs(String),
}

/// How the broker is coordinated; decides whether a KRaft metadata log is expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Kraft,
    Zookeeper,
    /// Neither `process.roles` nor `zookeeper.connect` is set (only possible without a config file).
    Unknown,
}

/// The broker settings the model needs, each already validated the way Kafka's ConfigDef would.
#[derive(Debug, Clone)]
pub struct BrokerConfig {
    /// The properties file read, if any (`--log-dirs` alone works without one).
    pub path: Option<PathBuf>,
    pub settings: Settings,
    /// Absolute log dirs in configured order, duplicates removed.
    pub log_dirs: Vec<PathBuf>,
    /// Entries naming a dir already listed (entry, canonical path): Kafka refuses to start.
    pub duplicate_log_dirs: Vec<(PathBuf, PathBuf)>,
    pub mode: Mode,
    pub process_roles: Vec<String>,
    /// `metadata.log.dir`, or the first log dir (Kafka's default) in KRaft mode.
    pub metadata_log_dir: Option<PathBuf>,
    pub log_segment_bytes: u64,
    pub log_index_size_max_bytes: u64,
    pub log_index_interval_bytes: u64,
    /// `None` when not set: the default depends on the Kafka version (1, or 2 from 4.0).
    pub num_recovery_threads_per_data_dir: Option<u32>,
    /// `log.retention.bytes`; `None` = unlimited (-1).
    pub log_retention_bytes: Option<u64>,
    /// Effective retention time from .ms / .minutes / .hours; `None` = unlimited.
    pub log_retention_ms: Option<u64>,
    pub offsets_topic_segment_bytes: u64,
    pub transaction_state_log_segment_bytes: u64,
    pub metadata_log_segment_bytes: u64,
    /// Internal `metadata.log.segment.min.bytes` (8 MiB): KafkaMetadataLog's floor before 4.1.
    pub metadata_log_segment_min_bytes: u64,
    pub remote_log_storage_enable: bool,
    pub node_id: Option<i32>,
}

impl BrokerConfig {
    /// Reads `path` (if given), applies `overrides` (`key=value`) and `log_dirs_flag`
    /// (comma-separated, like `log.dirs`), and validates every key the model uses.
    pub fn load(
        path: Option<&Path>,
        overrides: &[String],
        log_dirs_flag: Option<&str>,
    ) -> Result<Self, ConfigError> {
        let mut settings = match path {
            Some(p) => properties::read_file(p)?,
            None => Settings::new(),
        };
        for o in overrides {
            let (k, v) = o
                .split_once('=')
                .filter(|(k, _)| !k.trim().is_empty())
                .ok_or_else(|| ConfigError::BadOverride(o.clone()))?;
            settings.insert(
                k.trim().to_string(),
                Setting {
                    value: v.to_string(),
                    origin: Origin::Flag,
                },
            );
        }
        if let Some(dirs) = log_dirs_flag {
            settings.insert(
                "log.dirs".into(),
                Setting {
                    value: dirs.to_string(),
                    origin: Origin::Flag,
                },
            );
        }
        Self::from_settings(path.map(Path::to_path_buf), settings)
    }

    pub fn from_settings(path: Option<PathBuf>, settings: Settings) -> Result<Self, ConfigError> {
        keys::build(path, settings)
    }

    /// The value and origin of a key, if it was set anywhere.
    pub fn get(&self, key: &str) -> Option<&Setting> {
        self.settings.get(key)
    }
}
