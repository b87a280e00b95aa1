//! When no one says which Kafka runs here, what the config and the log dirs say: a range of
//! releases, each bound with the fact behind it. The check then judges by the most demanding
//! release in that range (see [`candidates`]), never by the newest, whose rules need the least.
//!
//! Facts (docs/kafka-model.md §2): KRaft (`process.roles`, meta.properties v1, a
//! `__cluster_metadata-0` log) exists from 2.8.0; ZooKeeper mode ends with 3.9.x; a JSON
//! clean-shutdown marker is written from 3.7.0 and an empty one up to 3.6.x; `directory.id` in
//! meta.properties and `-stray` dirs appear in 3.7.0; meta.properties itself in 0.9.0;
//! `.timeindex` files in 0.10.1.0 and producer-state `.snapshot` files in 0.11.0.0.

use crate::config::{BrokerConfig, Mode};
use crate::kafka_version::{KafkaVersion, Rules};
use crate::scan::marker::CleanShutdown;
use crate::scan::names::DirKind;
use crate::scan::Inventory;

/// Releases from `low` to `high` (inclusive; `None` = up to the newest modelled).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Range {
    pub low: KafkaVersion,
    pub high: Option<KafkaVersion>,
    /// Why, one phrase per fact that moved a bound.
    pub reasons: Vec<String>,
}

impl Range {
    pub fn contains(&self, v: KafkaVersion) -> bool {
        v >= self.low && self.high.is_none_or_le(v)
    }

    fn raise(&mut self, to: KafkaVersion, why: &str) {
        if to > self.low {
            self.low = to;
        }
        self.reasons.push(why.to_string());
    }

    fn cap(&mut self, to: KafkaVersion, why: &str) {
        if self.high.is_none_or_gt(to) {
            self.high = Some(to);
        }
        self.reasons.push(why.to_string());
    }

    /// `3.7.0 to 3.9.x`, `2.8.0 or later`.
    pub fn describe(&self) -> String {
        match self.high {
            Some(h) => {
                let [a, b, ..] = h.0;
                format!("{} to {a}.{b}.x", self.low)
            }
            None => format!("{} or later", self.low),
        }
    }
}

trait Bound {
    fn is_none_or_le(&self, v: KafkaVersion) -> bool;
    fn is_none_or_gt(&self, v: KafkaVersion) -> bool;
}

impl Bound for Option<KafkaVersion> {
    fn is_none_or_le(&self, v: KafkaVersion) -> bool {
        self.map_or(true, |h| v <= h)
    }
    fn is_none_or_gt(&self, v: KafkaVersion) -> bool {
        self.map_or(true, |h| h > v)
    }
}

/// The last patch of a line, for an upper bound "up to a.b.x".
const fn line_end(a: u16, b: u16) -> KafkaVersion {
    KafkaVersion::new(a, b, u16::MAX)
}

/// What the config says alone (enough to choose how to scan).
pub fn from_config(config: &BrokerConfig) -> Range {
    let mut r = Range {
        low: KafkaVersion::new(0, 8, 0),
        high: None,
        reasons: Vec::new(),
    };
    match config.mode {
        Mode::Kraft => r.raise(KafkaVersion::new(2, 8, 0), "a KRaft config (2.8.0+)"),
        Mode::Zookeeper => r.cap(line_end(3, 9), "a ZooKeeper config (up to 3.9.x)"),
        Mode::Unknown => {}
    }
    r
}

/// The config and what the log dirs hold.
pub fn narrow(config: &BrokerConfig, inv: &Inventory) -> Range {
    let mut r = from_config(config);
    let dirs = || inv.log_dirs.iter().filter(|d| d.readable);
    if dirs().any(|d| matches!(d.clean_shutdown, Some(CleanShutdown::Json { .. }))) {
        r.raise(
            KafkaVersion::new(3, 7, 0),
            "JSON clean-shutdown markers (3.7.0+)",
        );
    } else if dirs().any(|d| d.clean_shutdown == Some(CleanShutdown::Empty)) {
        r.cap(line_end(3, 6), "empty clean-shutdown markers (up to 3.6.x)");
    }
    let metas = || dirs().filter_map(|d| d.meta.as_ref());
    if metas().any(|m| m.directory_id.is_some()) {
        r.raise(
            KafkaVersion::new(3, 7, 0),
            "directory.id in meta.properties (3.7.0+)",
        );
    }
    if metas().any(|m| m.version == Some(1)) {
        r.raise(
            KafkaVersion::new(2, 8, 0),
            "meta.properties version=1 (KRaft, 2.8.0+)",
        );
    } else if metas().any(|m| m.version == Some(0)) {
        r.raise(KafkaVersion::new(0, 9, 0), "meta.properties (0.9.0+)");
        r.cap(
            line_end(3, 9),
            "meta.properties version=0 (ZooKeeper, up to 3.9.x)",
        );
    }
    if dirs().any(|d| d.metadata_log().is_some()) {
        r.raise(KafkaVersion::new(2, 8, 0), "a KRaft metadata log (2.8.0+)");
    }
    // What every segment of a modern broker carries: a time index from 0.10.1.0, producer
    // state snapshots from 0.11.0.0.
    let page = inv.page_size;
    if inv.partitions().any(|(_, p)| p.producer_snapshots > 0) {
        r.raise(
            KafkaVersion::new4(0, 11, 0, 0),
            "producer-state snapshots (0.11.0+)",
        );
    } else if inv
        .partitions()
        .any(|(_, p)| p.all(page).time_index_files > 0)
    {
        r.raise(KafkaVersion::new4(0, 10, 1, 0), "time indexes (0.10.1+)");
    }
    if inv.partitions().any(|(_, p)| p.kind == DirKind::Stray) {
        r.raise(KafkaVersion::new(3, 7, 0), "-stray partition dirs (3.7.0+)");
    }
    r
}

/// One release per distinct set of start-up rules inside `range`, the oldest of each (a line's
/// first release, or the bound), newest `newest` at most. Each set is judged; the check keeps
/// the one that needs the most.
pub fn candidates(range: &Range, newest: KafkaVersion) -> Vec<Rules> {
    let mut out: Vec<Rules> = Vec::new();
    let same = |a: &Rules, b: &Rules| {
        Rules {
            version: b.version,
            ..*a
        } == *b
    };
    // Every release number the rules could depend on, in order: 0.8.0 - 0.11.0.x (four parts),
    // 1.0 onwards (three).
    let mut grid: Vec<KafkaVersion> = Vec::new();
    for minor in 8..=11 {
        for patch in 0..=3 {
            for fourth in 0..=3 {
                grid.push(KafkaVersion::new4(0, minor, patch, fourth));
            }
        }
    }
    for major in 1..=newest.0[0] {
        for minor in 0..=9 {
            for patch in 0..=9 {
                grid.push(KafkaVersion::new(major, minor, patch));
            }
        }
    }
    grid.push(range.low);
    grid.sort();
    for v in grid
        .into_iter()
        .filter(|v| range.contains(*v) && *v <= newest)
    {
        let rules = Rules::for_version(v);
        if !out.iter().any(|r| same(r, &rules)) {
            out.push(rules);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Setting, Settings};

    fn config(pairs: &[(&str, &str)]) -> BrokerConfig {
        let settings: Settings = pairs
            .iter()
            .map(|(k, v)| {
                (
                    k.to_string(),
                    Setting {
                        value: v.to_string(),
                        origin: crate::config::Origin::Flag,
                    },
                )
            })
            .collect();
        BrokerConfig::from_settings(None, settings).unwrap()
    }

    #[test]
    fn kraft_and_zookeeper_configs_bound_the_range() {
        let k = from_config(&config(&[
            ("process.roles", "broker,controller"),
            ("node.id", "1"),
            ("log.dirs", "/tmp/x"),
        ]));
        assert_eq!(k.describe(), "2.8.0 or later");
        let z = from_config(&config(&[
            ("zookeeper.connect", "zk:2181"),
            ("log.dirs", "/tmp/x"),
        ]));
        assert_eq!(z.describe(), "0.8.0.0 to 3.9.x");
        assert!(z.contains(KafkaVersion::new(3, 9, 1)) && !z.contains(KafkaVersion::new(4, 0, 0)));
    }

    #[test]
    fn candidates_are_one_per_rule_set_and_real_releases() {
        let newest = crate::kafka_version::DEFAULT_VERSION;
        let r = Range {
            low: KafkaVersion::new(3, 7, 0),
            high: Some(line_end(3, 9)),
            reasons: vec![],
        };
        let v: Vec<String> = candidates(&r, newest)
            .iter()
            .map(|r| r.version.to_string())
            .collect();
        // 3.7.0 stands for 3.7.0 - 3.9.1; 3.9.2 brings KAFKA-19390.
        assert_eq!(v, ["3.7.0", "3.9.2"]);
        let all = candidates(
            &Range {
                low: KafkaVersion::new(0, 8, 0),
                high: None,
                reasons: vec![],
            },
            newest,
        );
        assert!(all.len() >= 8, "{}", all.len());
        assert_eq!(all[0].version, KafkaVersion::new(0, 8, 0));
        assert!(all.iter().any(|r| !r.lazy_index) && all.iter().any(|r| r.unmap_on_resize));
    }
}
