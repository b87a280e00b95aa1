//! Keys Kafka does not define, with the key that was probably meant. Kafka starts with a
//! misspelled `log.segmnet.bytes` and uses the default ("supplied but isn't a known config"), so
//! a check that ignored it would judge a config the broker never runs with. A UTF-8 byte-order
//! mark gets its own message: Properties.load reads it as three characters of the first key.
//!
//! The names are each release's own (src/config/broker_config_names.tsv, generated from the
//! releases' jars by scripts/kafka-config-names).

use std::collections::BTreeSet;

use super::{Origin, Settings};
use crate::kafka_version::KafkaVersion;
use crate::problem::Problem;

const TABLE: &str = include_str!("broker_config_names.tsv");

/// The UTF-8 byte-order mark as Properties.load sees it: three ISO-8859-1 characters.
pub const BOM_AS_LATIN1: &str = "\u{ef}\u{bb}\u{bf}";

/// Dynamic or plugin keys no ConfigDef lists: per-listener overrides, Confluent's own, and the
/// authorizers' (read by the plugin, not by KafkaConfig).
const NOT_CHECKED_PREFIXES: [&str; 3] = ["listener.name.", "confluent.", "authorizer."];
const PLUGIN_KEYS: [&str; 2] = ["super.users", "allow.everyone.if.no.acl.found"];

/// Releases in the table, oldest first, and the names each defines.
fn table() -> Vec<(KafkaVersion, BTreeSet<&'static str>)> {
    let mut releases: Vec<(KafkaVersion, BTreeSet<&'static str>)> = Vec::new();
    for line in TABLE
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let Some((name, versions)) = line.split_once('\t') else {
            continue;
        };
        for v in versions.split(' ').filter_map(|v| v.parse().ok()) {
            match releases.iter_mut().find(|(r, _)| *r == v) {
                Some((_, names)) => {
                    names.insert(name);
                }
                None => releases.push((v, BTreeSet::from([name]))),
            }
        }
    }
    releases.sort_by_key(|(v, _)| *v);
    releases
}

/// The names of `version`: those of the table's releases on either side of it (a key added or
/// removed in between is then accepted, never flagged wrongly).
pub fn known_names(version: KafkaVersion) -> BTreeSet<&'static str> {
    let releases = table();
    let below = releases.iter().rev().find(|(v, _)| *v <= version);
    let above = releases.iter().find(|(v, _)| *v >= version);
    below
        .into_iter()
        .chain(above)
        .flat_map(|(_, names)| names.iter().copied())
        .collect()
}

/// Optimal string alignment distance: a swapped pair of letters (`segmnet`) costs one edit.
fn distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}

/// The known name closest to `key`, when it is close enough to be a typo of it.
pub fn likely_key<'a>(key: &str, known: &BTreeSet<&'a str>) -> Option<&'a str> {
    let limit = if key.len() >= 12 { 3 } else { 2 };
    known
        .iter()
        .map(|k| (distance(key, k), *k))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, k)| k)
}

fn where_(origin: &Origin) -> String {
    match origin {
        Origin::File { path, line } => format!("{}:{line}", path.display()),
        Origin::Flag => "--set".to_string(),
    }
}

/// A problem per key `version` does not define (a warning when a known key is close, else a
/// note), and one for a byte-order mark in front of the first key.
pub fn problems(settings: &Settings, version: KafkaVersion) -> Vec<Problem> {
    let known = known_names(version);
    let mut out = Vec::new();
    for (key, s) in settings {
        let path = match &s.origin {
            Origin::File { path, .. } => path.clone(),
            Origin::Flag => Default::default(),
        };
        if let Some(rest) = key.strip_prefix(BOM_AS_LATIN1) {
            // A comment line after the mark becomes a junk key Kafka never reads: harmless.
            if rest.starts_with(['#', '!']) {
                continue;
            }
            let ignored = if known.contains(rest) {
                format!("so Kafka ignores {rest} and uses its default")
            } else {
                "so it reads a different first key".to_string()
            };
            out.push(Problem::error(
                &path,
                format!(
                    "{}: the file starts with a UTF-8 byte-order mark: Kafka reads it (ISO-8859-1) as part of the first key, {rest:?} becomes {key:?}, {ignored}; save the file without the BOM (sed -i '1s/^\\xEF\\xBB\\xBF//' FILE)",
                    where_(&s.origin)
                ),
            ));
            continue;
        }
        if known.contains(key.as_str())
            || PLUGIN_KEYS.contains(&key.as_str())
            || NOT_CHECKED_PREFIXES.iter().any(|p| key.starts_with(p))
        {
            continue;
        }
        let here = where_(&s.origin);
        out.push(match likely_key(key, &known) {
            Some(k) => Problem::warning(
                &path,
                format!(
                    "{here}: unknown key {key}; did you mean {k}? Kafka {version} does not define {key} (it logs \"supplied but isn't a known config\") and uses the default of {k}"
                ),
            ),
            None => Problem::info(
                &path,
                format!(
                    "{here}: {key} is not a broker config of Kafka {version}; only a plugin can read it"
                ),
            ),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Setting;

    fn settings(pairs: &[(&str, Origin)]) -> Settings {
        pairs
            .iter()
            .map(|(k, o)| {
                (
                    k.to_string(),
                    Setting {
                        value: "1".into(),
                        origin: o.clone(),
                    },
                )
            })
            .collect()
    }

    fn line(n: usize) -> Origin {
        Origin::File {
            path: "/etc/kafka/server.properties".into(),
            line: n,
        }
    }

    #[test]
    fn typos_name_file_line_key_and_the_likely_key() {
        let v = KafkaVersion::new(3, 9, 1);
        let p = problems(
            &settings(&[
                ("log.segmnet.bytes", line(7)),
                ("num.recovery.thread.per.data.dir", line(9)),
                ("log.segment.bytes", line(10)),
                ("listener.name.internal.ssl.keystore.location", line(11)),
                ("my.plugin.setting", line(12)),
            ]),
            v,
        );
        let msgs: Vec<&str> = p.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(p.len(), 3, "{msgs:#?}");
        // Sorted by key, as settings are.
        assert!(msgs[0].starts_with(
            "/etc/kafka/server.properties:7: unknown key log.segmnet.bytes; did you mean log.segment.bytes?"
        ));
        assert!(msgs[1].starts_with("/etc/kafka/server.properties:12: my.plugin.setting"));
        assert_eq!(p[1].severity, crate::problem::Severity::Info);
        assert!(msgs[2].starts_with(
            "/etc/kafka/server.properties:9: unknown key num.recovery.thread.per.data.dir; did you mean num.recovery.threads.per.data.dir?"
        ));
        assert_eq!(p[2].severity, crate::problem::Severity::Warning);
        let p = problems(&settings(&[("log.segmnet.bytes", Origin::Flag)]), v);
        assert!(p[0]
            .message
            .starts_with("--set: unknown key log.segmnet.bytes"));
    }

    #[test]
    fn a_byte_order_mark_has_its_own_message() {
        let key = format!("{BOM_AS_LATIN1}log.dirs");
        let p = problems(&settings(&[(&key, line(1))]), KafkaVersion::new(4, 1, 1));
        assert_eq!(p.len(), 1);
        assert!(p[0].message.contains("byte-order mark"), "{}", p[0].message);
        assert!(p[0].message.contains("Kafka ignores log.dirs"));
    }

    #[test]
    fn names_follow_the_release() {
        assert!(known_names(KafkaVersion::new(3, 9, 1)).contains("zookeeper.connect"));
        assert!(!known_names(KafkaVersion::new(4, 4, 0)).contains("zookeeper.connect"));
        assert!(known_names(KafkaVersion::new(4, 4, 0)).contains("log.segment.bytes"));
        assert_eq!(distance("segmnet", "segment"), 1);
        assert_eq!(distance("abc", "abc"), 0);
    }
}
