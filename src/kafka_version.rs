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
pub const DEFAULT_VERSION: KafkaVersion = KafkaVersion::new(4, 4, 0);

/// What a broker runs: an Apache release, or a Confluent Platform build (`7.9.4-ccs`, `8.1.0-ce`)
/// with the Apache line it follows. CP patch numbers are CP's own: CP 7.9.2 is not Kafka 3.9.2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Build {
    /// The Apache release whose rules apply (for CP: the line, with CP's patch number).
    pub kafka: KafkaVersion,
    /// The Confluent Platform version, when the build is one.
    pub confluent: Option<KafkaVersion>,
}

impl Build {
    pub const fn apache(kafka: KafkaVersion) -> Self {
        Build {
            kafka,
            confluent: None,
        }
    }
}

/// As operators name it: `3.9.2`, or `3.9 (Confluent Platform 7.9.2)`: a CP build's patch
/// number is CP's own, not an Apache release's.
impl fmt::Display for Build {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.confluent {
            Some(cp) => write!(
                f,
                "{}.{} (Confluent Platform {cp})",
                self.kafka.0[0], self.kafka.0[1]
            ),
            None => write!(f, "{}", self.kafka),
        }
    }
}

impl FromStr for Build {
    type Err = String;
    /// `3.9.2`, or a CP build `7.9.4-ccs` / `8.1.0-ce` (the suffix marks it Confluent's).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        match t.split_once('-') {
            Some((core, suffix)) if suffix.starts_with("ccs") || suffix.starts_with("ce") => {
                let cp: KafkaVersion = core.parse()?;
                confluent_build(cp)
                    .ok_or_else(|| format!("{s}: Confluent Platform {cp} is not a 5.x-8.x release"))
            }
            _ => t.parse().map(Build::apache),
        }
    }
}

/// CP 5.x = Kafka 2.x, 6.0-6.2 = 2.6-2.8, 7.x = 3.x, 8.x = 4.x (same minor, CP's patch).
fn confluent_build(cp: KafkaVersion) -> Option<Build> {
    let [a, b, c, _] = cp.0;
    let (ka, kb) = match a {
        5 => (2, b),
        6 => (2, b + 6),
        7 => (3, b),
        8 => (4, b),
        _ => return None,
    };
    Some(Build {
        kafka: KafkaVersion::new(ka, kb, c),
        confluent: Some(cp),
    })
}

/// KAFKA-19390 in Confluent Platform, by ancestry of the confluentinc/kafka tags and the
/// `resize()` body at each: first in 7.9.4 (backport e37f31e, #20571), 8.0.2 (7e27a78, #20621)
/// and 8.1.0 (807866c, #19961, which Apache 4.1.0 does not have).
fn confluent_has_kafka_19390(cp: KafkaVersion) -> bool {
    let [a, b, c, _] = cp.0;
    match (a, b) {
        (7, 9) => c >= 4,
        (8, 0) => c >= 2,
        _ => cp >= KafkaVersion::new(8, 1, 0),
    }
}

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
    /// Set for a Confluent Platform build: its own version.
    pub confluent: Option<KafkaVersion>,
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
    /// `num.recovery.threads.per.data.dir` in the release's shipped config/server.properties:
    /// 1 through 4.1.x although the default is 2 from 4.0 (KAFKA-19573 set 2 in 4.2.0).
    pub shipped_recovery_threads: u32,
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
}

impl Rules {
    /// The release as operators name it: `3.9.2`, or `3.9 (Confluent Platform 7.9.2)`: a CP
    /// build's patch number is CP's own, not an Apache release's.
    pub fn label(&self) -> String {
        Build {
            kafka: self.version,
            confluent: self.confluent,
        }
        .to_string()
    }

    pub fn for_build(b: Build) -> Rules {
        let mut r = Rules::for_version(b.kafka);
        if let Some(cp) = b.confluent {
            r.confluent = Some(cp);
            r.unmap_on_resize = confluent_has_kafka_19390(cp);
        }
        r
    }

    pub fn for_version(v: KafkaVersion) -> Rules {
        let at_least = |a, b, c| v >= KafkaVersion::new(a, b, c);
        Rules {
            version: v,
            confluent: None,
            lazy_index: at_least(2, 3, 0),
            time_index: at_least(0, 10, 1),
            txn_index: at_least(0, 11, 0),
            remap_equal_size: !at_least(1, 1, 0),
            unmap_on_resize: has_kafka_19390(v),
            default_recovery_threads: if at_least(4, 0, 0) { 2 } else { 1 },
            shipped_recovery_threads: if at_least(4, 2, 0) { 2 } else { 1 },
            corrupt_checkpoint_resets: at_least(0, 9, 0),
            sanity_check_recovers: at_least(0, 9, 0) && !at_least(2, 3, 0),
            missing_time_index_kept: at_least(0, 10, 1) && !at_least(0, 10, 2),
            missing_offset_index_kept: at_least(1, 1, 0) && !at_least(2, 3, 0),
            kraft: at_least(2, 8, 0),
            default_disable_explicit_gc: !at_least(1, 0, 0),
            min_segment_bytes: if at_least(4, 0, 0) { 1024 * 1024 } else { 14 },
        }
    }
}

/// Reads the version from the jar names in `<kafka-home>/libs/`: the core jar
/// `kafka_<scala>-<version>.jar` (0.8 - 4.x), else `kafka-clients-<version>.jar`.
pub fn detect_from_home(home: &Path) -> Result<Build, String> {
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
pub fn jar_version(file_name: &str) -> Option<(JarKind, Build)> {
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

/// A jar's version: Apache (`3.9.2`, suffixes such as `-SNAPSHOT` dropped) or a Confluent
/// Platform build (`7.9.4-ccs`, `-ce`).
fn parse_jar_version(v: &str) -> Option<Build> {
    v.parse().ok()
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
        assert_eq!(r("4.1.1").shipped_recovery_threads, 1);
        assert_eq!(r("4.2.0").shipped_recovery_threads, 2);
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
        let cp = |s: &str| parse_jar_version(s).unwrap();
        assert_eq!(cp("7.4.0-ccs").kafka, KafkaVersion::new(3, 4, 0));
        assert_eq!(cp("6.2.1-ce").kafka, KafkaVersion::new(2, 8, 1));
        assert_eq!(cp("3.9.2").confluent, None);
        assert!(parse_jar_version("9.0.0-ccs").is_none());
    }

    /// CP's patch numbers are its own: CP 7.9.2 is built from a 3.9 branch without the backport
    /// although Apache 3.9.2 has it, and CP 8.1.0 has it although Apache 4.1.0 does not.
    #[test]
    fn confluent_builds_follow_their_own_kafka_19390_history() {
        let unmaps = |s: &str| Rules::for_build(s.parse::<Build>().unwrap()).unmap_on_resize;
        for (v, fixed) in [
            ("7.9.0-ccs", false),
            ("7.9.2-ccs", false),
            ("7.9.3-ccs", false),
            ("7.9.4-ccs", true),
            ("7.9.9-ce", true),
            ("7.8.2-ccs", false),
            ("8.0.1-ccs", false),
            ("8.0.2-ccs", true),
            ("8.1.0-ccs", true),
            ("8.1.0-ce", true),
            ("8.2.0-ccs", true),
            ("3.9.2", true),
            ("4.1.0", false),
        ] {
            assert_eq!(unmaps(v), fixed, "{v}");
        }
        let r = Rules::for_build("8.1.0-ccs".parse().unwrap());
        assert_eq!(r.version, KafkaVersion::new(4, 1, 0));
        assert_eq!(r.confluent, Some(KafkaVersion::new(8, 1, 0)));
        assert_eq!(r.min_segment_bytes, 1 << 20);
        assert_eq!(r.label(), "4.1 (Confluent Platform 8.1.0)");
        assert_eq!(
            Rules::for_version(KafkaVersion::new(4, 1, 0)).label(),
            "4.1.0"
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
            Build::apache(KafkaVersion::new(3, 9, 0))
        );
        assert!(detect_from_home(&d.path().join("nope")).is_err());
        let cp = tempfile::tempdir().unwrap();
        std::fs::create_dir(cp.path().join("libs")).unwrap();
        std::fs::write(cp.path().join("libs/kafka_2.13-7.9.2-ccs.jar"), b"").unwrap();
        let b = detect_from_home(cp.path()).unwrap();
        assert_eq!(b.confluent, Some(KafkaVersion::new(7, 9, 2)));
        assert!(!Rules::for_build(b).unmap_on_resize);
    }
}
