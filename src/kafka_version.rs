//! Kafka version -> the start-up rules that changed between releases (kafka-model.md §7).

use std::fmt;
use std::path::Path;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KafkaVersion(pub [u16; 4]);

impl KafkaVersion {
    pub const fn new(a: u16, b: u16, c: u16) -> Self {
        KafkaVersion([a, b, c, 0])
    }
    pub const fn new4(a: u16, b: u16, c: u16, d: u16) -> Self {
        KafkaVersion([a, b, c, d])
    }
}

impl fmt::Display for KafkaVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d] = self.0;
        if a == 0 {
            write!(f, "{a}.{b}.{c}.{d}")
        } else {
            write!(f, "{a}.{b}.{c}")
        }
    }
}

impl FromStr for KafkaVersion {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let core = s.trim().split(['-', '+']).next().unwrap_or("");
        let parts: Vec<&str> = core.split('.').collect();
        if parts.len() < 2 || parts.len() > 4 {
            return Err(format!(
                "{s:?} is not a Kafka version such as 0.10.2.1, 2.8.2 or 4.0.0"
            ));
        }
        let mut v = [0u16; 4];
        for (i, p) in parts.iter().enumerate() {
            v[i] = p.parse().map_err(|_| {
                format!("{s:?} is not a Kafka version such as 0.10.2.1, 2.8.2 or 4.0.0")
            })?;
        }
        let ver = KafkaVersion(v);
        if ver < KafkaVersion::new(0, 8, 0) {
            return Err(format!("{s}: versions before 0.8 are not modelled"));
        }
        Ok(ver)
    }
}

/// Used when neither --kafka-version nor --kafka-home says otherwise: the newest modelled release.
pub const DEFAULT_VERSION: KafkaVersion = KafkaVersion::new(4, 2, 1);

/// KAFKA-19390 (AbstractIndex.resize unmaps the old mapping on every OS) was merged for 4.2.0 and
/// back-ported: 3.9.2, 4.0.2 and 4.1.1 have it; 3.9.0-3.9.1, 4.0.0-4.0.1 and 4.1.0 do not
/// (checked in AbstractIndex.java at each release commit).
fn has_kafka_19390(v: KafkaVersion) -> bool {
    let [a, b, c, _] = v.0;
    match (a, b) {
        (3, 9) => c >= 2,
        (4, 0) => c >= 2,
        (4, 1) => c >= 1,
        _ => v >= KafkaVersion::new(4, 2, 0),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum VersionSource {
    Flag,
    LibsJar,
    /// The core jar on the class path (or among the open files) of `--pid`.
    RunningBroker,
    /// Not given: the most demanding release of the range the config and log dirs allow.
    Evidence,
    Default,
}

/// The rules of one release that the model needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    pub version: KafkaVersion,
    /// 2.3.0+ (KAFKA-7283): indexes are mapped on first use, not at segment open.
    pub lazy_index: bool,
    /// 0.10.1.0+: a .timeindex per segment.
    pub time_index: bool,
    /// 0.11.0.0+: .txnindex files hold an fd each.
    pub txn_index: bool,
    /// Before 1.1.0 (KAFKA-6175) resize remaps even when the size does not change.
    pub remap_equal_size: bool,
    /// KAFKA-19390: resize unmaps the old mapping, so resizes leave no garbage.
    pub unmap_on_resize: bool,
    pub default_recovery_threads: u32,
    /// 0.9.0.0+ (KAFKA-1758): a corrupt recovery checkpoint resets to 0 instead of failing.
    pub corrupt_checkpoint_resets: bool,
    /// 0.9.0 - 2.2.x: sanity checks at load make an untrimmed index recover once more.
    pub sanity_check_recovers: bool,
    /// 0.10.1.x (KAFKA-4734): a missing .timeindex is created at max and kept.
    pub missing_time_index_kept: bool,
    /// 1.1.0 - 2.2.x: a missing .index is created at max and kept without a rebuild.
    pub missing_offset_index_kept: bool,
    /// 2.8.0+: KRaft's metadata log exists and is recovered at every start.
    pub kraft: bool,
    /// bin/kafka-run-class.sh ships -XX:+DisableExplicitGC before 1.0 (KAFKA-5470).
    pub default_disable_explicit_gc: bool,
    /// 4.0.0+ validator: log.segment.bytes at least 1 MiB (KIP-1030); topic segment.bytes from 4.1.
    pub min_segment_bytes: u64,
    /// 4.0.0+: LogLoader.recoverLog catches the IOException of a failed map and truncates the
    /// segment (and deletes later ones): the broker starts with data missing. Before 4.0 the
    /// exception takes the log dir offline.
    pub map_failure_truncates: bool,
}

impl Rules {
    pub fn for_version(v: KafkaVersion) -> Rules {
        let at_least = |a, b, c| v >= KafkaVersion::new(a, b, c);
        Rules {
            version: v,
            lazy_index: at_least(2, 3, 0),
            time_index: at_least(0, 10, 1),
            txn_index: at_least(0, 11, 0),
            remap_equal_size: !at_least(1, 1, 0),
            unmap_on_resize: has_kafka_19390(v),
            default_recovery_threads: if at_least(4, 0, 0) { 2 } else { 1 },
            corrupt_checkpoint_resets: at_least(0, 9, 0),
            sanity_check_recovers: at_least(0, 9, 0) && !at_least(2, 3, 0),
            missing_time_index_kept: at_least(0, 10, 1) && !at_least(0, 10, 2),
            missing_offset_index_kept: at_least(1, 1, 0) && !at_least(2, 3, 0),
            kraft: at_least(2, 8, 0),
            default_disable_explicit_gc: !at_least(1, 0, 0),
            min_segment_bytes: if at_least(4, 0, 0) { 1024 * 1024 } else { 14 },
            map_failure_truncates: at_least(4, 0, 0),
        }
    }
}

/// Reads the version from the jar names in `<kafka-home>/libs/`: the core jar
/// `kafka_<scala>-<version>.jar` (0.8 - 4.x), else `kafka-clients-<version>.jar`.
pub fn detect_from_home(home: &Path) -> Result<KafkaVersion, String> {
    let libs = home.join("libs");
    let rd =
        std::fs::read_dir(&libs).map_err(|e| format!("cannot list {}: {e}", libs.display()))?;
    let mut core = None;
    let mut clients = None;
    for e in rd.flatten() {
        match jar_version(&e.file_name().to_string_lossy()) {
            Some((JarKind::Core, v)) => core = Some(v),
            Some((JarKind::Clients, v)) => clients = Some(v),
            None => {}
        }
    }
    core.or(clients).ok_or_else(|| {
        format!(
            "no kafka_<scala>-<version>.jar or kafka-clients-<version>.jar in {}; pass --kafka-version",
            libs.display()
        )
    })
}

/// Which Kafka jar a file name is: the broker's core jar or the clients jar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JarKind {
    Core,
    Clients,
}

/// The version in a jar's file name: `kafka_<scala>-<version>.jar` (the core jar, 0.8 - 4.x) or
/// `kafka-clients-<version>.jar`; sources, javadoc and test jars are not the release.
pub fn jar_version(file_name: &str) -> Option<(JarKind, KafkaVersion)> {
    let stem = file_name.strip_suffix(".jar")?;
    if ["-sources", "-javadoc", "-test", "-tests", "-scaladoc"]
        .iter()
        .any(|s| stem.ends_with(s))
    {
        return None;
    }
    if let Some(rest) = stem.strip_prefix("kafka_") {
        // kafka_2.13-4.0.0: the Scala version comes first.
        let (_, v) = rest.split_once('-')?;
        return Some((JarKind::Core, parse_jar_version(v)?));
    }
    let v = stem.strip_prefix("kafka-clients-")?;
    Some((JarKind::Clients, parse_jar_version(v)?))
}

/// A jar's version; Confluent Platform builds (`7.4.0-ccs`, `-ce`) map to the Apache release
/// they are based on (CP 5.x = 2.x, 6.0-6.2 = 2.6-2.8, 7.x = 3.x, 8.x = 4.x).
fn parse_jar_version(v: &str) -> Option<KafkaVersion> {
    let (core, confluent) = match v.split_once('-') {
        Some((core, suffix)) if suffix.starts_with("ccs") || suffix.starts_with("ce") => {
            (core, true)
        }
        Some((core, _)) => (core, false),
        None => (v, false),
    };
    let ver: KafkaVersion = core.parse().ok()?;
    if !confluent {
        return Some(ver);
    }
    let [a, b, c, _] = ver.0;
    let (ka, kb) = match a {
        5 => (2, b),
        6 => (2, b + 6),
        7 => (3, b),
        8 => (4, b),
        _ => return None,
    };
    Some(KafkaVersion::new(ka, kb, c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_orders() {
        let v: KafkaVersion = "0.10.2.1".parse().unwrap();
        assert_eq!(v, KafkaVersion::new4(0, 10, 2, 1));
        assert!(v < "1.0".parse().unwrap());
        assert_eq!(
            "4.0.0".parse::<KafkaVersion>().unwrap().to_string(),
            "4.0.0"
        );
        assert!("x".parse::<KafkaVersion>().is_err());
        assert!("0.7.2".parse::<KafkaVersion>().is_err());
    }

    #[test]
    fn rules_by_era() {
        let r = |s: &str| Rules::for_version(s.parse().unwrap());
        assert!(!r("2.2.2").lazy_index && r("2.3.0").lazy_index);
        assert!(!r("0.10.0.1").time_index && r("0.10.1.0").time_index);
        assert!(r("1.0.2").remap_equal_size && !r("1.1.0").remap_equal_size);
        assert_eq!(r("3.9.0").default_recovery_threads, 1);
        assert_eq!(r("4.0.0").default_recovery_threads, 2);
        assert!(
            r("0.11.0.3").default_disable_explicit_gc && !r("1.0.0").default_disable_explicit_gc
        );
        assert!(r("0.10.1.1").missing_time_index_kept && !r("0.10.2.0").missing_time_index_kept);
        for (v, fixed) in [
            ("3.9.1", false),
            ("3.9.2", true),
            ("4.0.0", false),
            ("4.0.1", false),
            ("4.0.2", true),
            ("4.1.0", false),
            ("4.1.1", true),
            ("4.2.0", true),
            ("2.8.2", false),
        ] {
            assert_eq!(r(v).unmap_on_resize, fixed, "{v}");
        }
        assert_eq!(
            parse_jar_version("7.4.0-ccs"),
            Some(KafkaVersion::new(3, 4, 0))
        );
        assert_eq!(
            parse_jar_version("6.2.1-ce"),
            Some(KafkaVersion::new(2, 8, 1))
        );
    }

    #[test]
    fn detects_from_libs() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir(d.path().join("libs")).unwrap();
        for f in [
            "kafka_2.13-3.9.0-sources.jar",
            "kafka-clients-3.9.0.jar",
            "kafka_2.13-3.9.0.jar",
            "zstd-jni-1.5.6-4.jar",
        ] {
            std::fs::write(d.path().join("libs").join(f), b"").unwrap();
        }
        assert_eq!(
            detect_from_home(d.path()).unwrap(),
            KafkaVersion::new(3, 9, 0)
        );
        assert!(detect_from_home(&d.path().join("nope")).is_err());
    }
}
