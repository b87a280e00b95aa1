//! The per-dir files that decide how a start behaves: the clean-shutdown marker and meta.properties.

use std::collections::BTreeMap;

/// `.kafka_cleanshutdown`: its presence (not its content) makes Kafka skip recovery in that dir.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "format", rename_all = "kebab-case")]
pub enum CleanShutdown {
    /// Empty file: written by 0.8.0 - 3.6.x.
    Empty,
    /// `{"version":0,"brokerEpoch":N}`: 3.7.0+ (KIP-966). ZooKeeper-mode brokers write -1.
    Json { broker_epoch: i64 },
    /// Non-empty but not the 3.7+ JSON; still counts as clean.
    Unrecognised,
}

pub const CLEAN_SHUTDOWN_FILE: &str = ".kafka_cleanshutdown";

pub fn parse_marker(bytes: &[u8]) -> CleanShutdown {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return CleanShutdown::Empty;
    }
    #[derive(serde::Deserialize)]
    struct Marker {
        #[serde(rename = "brokerEpoch")]
        broker_epoch: i64,
    }
    match serde_json::from_slice::<Marker>(bytes) {
        Ok(m) => CleanShutdown::Json {
            broker_epoch: m.broker_epoch,
        },
        Err(_) => CleanShutdown::Unrecognised,
    }
}

/// `meta.properties`: who owns the dir (0.9+).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct MetaProperties {
    pub version: Option<i32>,
    pub broker_id: Option<i32>,
    pub node_id: Option<i32>,
    pub cluster_id: Option<String>,
    pub directory_id: Option<String>,
}

pub fn parse_meta(bytes: &[u8]) -> Result<MetaProperties, String> {
    let map: BTreeMap<String, String> = crate::config::java_properties::load(bytes)
        .map_err(|e| format!("line {}: {}", e.line, e.message))?
        .into_iter()
        .map(|e| (e.key, e.value))
        .collect();
    let int = |k: &str| -> Result<Option<i32>, String> {
        map.get(k)
            .map(|v| {
                v.trim()
                    .parse::<i32>()
                    .map_err(|_| format!("{k}={v:?} is not a number"))
            })
            .transpose()
    };
    let meta = MetaProperties {
        version: int("version")?,
        broker_id: int("broker.id")?,
        node_id: int("node.id")?,
        cluster_id: map.get("cluster.id").cloned(),
        directory_id: map.get("directory.id").cloned(),
    };
    match meta.version {
        Some(0) if meta.broker_id.is_none() => Err("version=0 requires broker.id".into()),
        Some(1) if meta.node_id.is_none() => Err("version=1 requires node.id".into()),
        Some(0) | Some(1) => Ok(meta),
        Some(v) => Err(format!("unknown version={v}, expected 0 or 1")),
        None => Err("no version= line".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marker_formats() {
        assert_eq!(parse_marker(b""), CleanShutdown::Empty);
        assert_eq!(
            parse_marker(br#"{"version":0,"brokerEpoch":42}"#),
            CleanShutdown::Json { broker_epoch: 42 }
        );
        assert_eq!(parse_marker(b"\xff junk"), CleanShutdown::Unrecognised);
    }

    #[test]
    fn meta_properties() {
        let m = parse_meta(b"#\nversion=1\nnode.id=3\ncluster.id=abc\ndirectory.id=xyz\n").unwrap();
        assert_eq!(m.node_id, Some(3));
        assert_eq!(m.cluster_id.as_deref(), Some("abc"));
        let m = parse_meta(b"version=0\nbroker.id=7\n").unwrap();
        assert_eq!(m.broker_id, Some(7));
        assert!(parse_meta(b"version=1\n").is_err());
        assert!(parse_meta(b"\x00\x01garbage").is_err());
        assert!(parse_meta(b"version=9\nnode.id=1\n").is_err());
    }
}
