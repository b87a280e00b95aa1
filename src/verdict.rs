//! Estimate + limits -> checks (pass / warn / fail, every failure at once) and recommendations
//! computed from this broker's numbers, with lines to paste.

use serde::Serialize;

use crate::kafka_version::Rules;
use crate::model::failure;
use crate::model::Estimate;
use crate::problem::{Problem, Severity};
use crate::units;

/// Warn when the need is above this share of the limit.
pub const HEADROOM: f64 = 0.90;
/// Recommended limits are the need times this margin.
pub const MARGIN: f64 = 1.25;
/// Kafka's ops docs: at least 100 000 allowed fds as a starting point.
pub const KAFKA_DOC_NOFILE: u64 = 100_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Warn,
    Fail,
}

#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub id: &'static str,
    pub status: Status,
    pub needed: Option<u64>,
    /// None = unlimited.
    pub limit: Option<u64>,
    pub message: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Recommendation {
    pub setting: &'static str,
    pub current: String,
    pub recommended: String,
    /// The flag and value that re-run the check with this recommendation applied,
    /// e.g. `["--ulimit-v", "unlimited"]`.
    #[serde(rename = "verify_with", serialize_with = "flag_pair")]
    pub flag: Option<(String, String)>,
    pub reason: String,
    /// Lines to paste (sysctl.d file, systemd drop-in, server.properties).
    pub paste: Vec<String>,
}

/// The limits the broker will run under, already resolved to what each check compares with.
#[derive(Debug, Clone)]
pub struct EffectiveLimits {
    /// RLIMIT_AS soft limit in bytes (None = unlimited).
    pub virtual_memory: Option<u64>,
    pub virtual_memory_source: String,
    pub max_map_count: u64,
    pub max_map_count_source: String,
    /// RLIMIT_NOFILE the JVM runs with: the hard limit under MaxFDLimit, else the soft one.
    pub open_files: Option<u64>,
    pub open_files_source: String,
}

pub struct VerdictInput<'a> {
    pub estimate: &'a Estimate,
    pub limits: &'a EffectiveLimits,
    pub rules: &'a Rules,
    pub explicit_gc_disabled: bool,
    pub problems: &'a [Problem],
    pub recovery_warn_seconds: f64,
    pub cores: u64,
    /// log.segment.bytes now, the start of the segment-size search.
    pub segment_bytes: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    pub status: Status,
    pub checks: Vec<Check>,
    pub recommendations: Vec<Recommendation>,
}

fn flag_pair<S: serde::Serializer>(f: &Option<(String, String)>, s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeSeq;
    let mut seq = s.serialize_seq(None)?;
    if let Some((a, b)) = f {
        seq.serialize_element(a)?;
        seq.serialize_element(b)?;
    }
    seq.end()
}

fn kib_of(b: u64) -> String {
    units::kib(Some(b))
}

fn limit_str(l: Option<u64>, f: impl Fn(u64) -> String) -> String {
    l.map_or("unlimited".into(), f)
}

/// Rounds a map count up to a customary sysctl value.
pub fn customary_map_count(n: u64) -> u64 {
    let mut v = 262_144u64;
    while v < n {
        v *= 2;
    }
    v
}

fn status_of(threshold: u64, worst: u64, limit: Option<u64>, recovers: bool) -> Status {
    let Some(l) = limit else {
        return Status::Pass;
    };
    if threshold > l || (recovers && worst > l) {
        Status::Fail
    } else if worst > l || threshold as f64 > HEADROOM * l as f64 {
        Status::Warn
    } else {
        Status::Pass
    }
}

pub fn judge(input: &VerdictInput) -> Verdict {
    let e = input.estimate;
    let l = input.limits;
    let recovers = e.recovered_segments > 0;
    let gc_note = if input.explicit_gc_disabled {
        "explicit GC is disabled (-XX:+DisableExplicitGC), so the JDK's GC-and-retry on a failed map cannot free replaced mappings: the worst case is the threshold"
    } else {
        "on a failed map the JDK runs System.gc() and retries once, so the best case is the threshold; whether replaced mappings are freed in time depends on the GC"
    };
    let consequence =
        failure::map_failure(input.rules, failure::Phase::Recovery).sentence(input.rules);
    let mut checks = Vec::new();

    // virtual_memory
    let (best, worst) = (e.virtual_memory_bytes.best, e.virtual_memory_bytes.worst);
    let threshold = if input.explicit_gc_disabled {
        worst
    } else {
        best
    };
    let status = status_of(threshold, worst, l.virtual_memory, recovers);
    let message = match (status, l.virtual_memory) {
        (_, None) => format!(
            "virtual memory: unlimited ({}); the next start needs {} best case, {} worst case",
            l.virtual_memory_source,
            units::bytes(best),
            units::bytes(worst)
        ),
        (Status::Fail, Some(lim)) if threshold > lim => format!(
            "max virtual memory (ulimit -v) [{}] is too low: the next start needs at least [{}] ({}); the start will fail with 'Map failed'. Fix: run the broker with ulimit -v unlimited (source: {})",
            kib_of(lim), kib_of(threshold), gc_note, l.virtual_memory_source
        ),
        (Status::Fail, Some(lim)) => format!(
            "max virtual memory (ulimit -v) [{}] is below the worst case [{}] of a start that recovers {} segment(s): {consequence}. Best case {} fits only if the GC frees replaced mappings in time. Fix: ulimit -v unlimited (source: {})",
            kib_of(lim), kib_of(worst), e.recovered_segments, kib_of(best), l.virtual_memory_source
        ),
        (Status::Warn, Some(lim)) => format!(
            "max virtual memory (ulimit -v) [{}] fits the best case [{}] but not the worst [{}], or leaves under {:.0}% headroom: success depends on the garbage collector. Fix: ulimit -v unlimited (source: {})",
            kib_of(lim), kib_of(best), kib_of(worst), (1.0 - HEADROOM) * 100.0, l.virtual_memory_source
        ),
        (_, Some(lim)) => format!(
            "max virtual memory (ulimit -v) [{}] covers the worst case [{}] (source: {})",
            kib_of(lim), kib_of(worst), l.virtual_memory_source
        ),
    };
    checks.push(Check {
        id: "virtual_memory",
        status,
        needed: Some(threshold),
        limit: l.virtual_memory,
        message,
    });
    if let Some(lim) = l.virtual_memory {
        checks.push(Check {
            id: "virtual_memory_unlimited",
            status: Status::Warn,
            needed: None,
            limit: Some(lim),
            message: format!(
                "ulimit -v is finite [{}]: JVMs reserve address space they never touch (heap, class space, malloc arenas) and index mappings grow with partitions; run brokers with ulimit -v unlimited, as Elasticsearch's bootstrap checks require (source: {})",
                kib_of(lim), l.virtual_memory_source
            ),
        });
    }

    // map_areas
    let (mbest, mworst) = (e.map_areas.best, e.map_areas.worst);
    let mthreshold = if input.explicit_gc_disabled {
        mworst
    } else {
        mbest
    };
    let limit = Some(l.max_map_count);
    let status = status_of(mthreshold, mworst, limit, recovers);
    let message = match status {
        Status::Fail if mthreshold > l.max_map_count => format!(
            "max virtual memory areas vm.max_map_count [{}] is too low: the next start needs at least [{}] map areas ({gc_note}). Fix: sysctl -w vm.max_map_count={} (source: {})",
            l.max_map_count, mthreshold, customary_map_count((mworst.max(e.steady_state.map_areas) as f64 * MARGIN) as u64), l.max_map_count_source
        ),
        Status::Fail => format!(
            "vm.max_map_count [{}] is below the worst case [{}] of a start that recovers {} segment(s): {consequence}. Fix: sysctl -w vm.max_map_count={} (source: {})",
            l.max_map_count, mworst, e.recovered_segments, customary_map_count((mworst.max(e.steady_state.map_areas) as f64 * MARGIN) as u64), l.max_map_count_source
        ),
        Status::Warn => format!(
            "vm.max_map_count [{}] fits the best case [{}] but not the worst [{}], or leaves under {:.0}% headroom (source: {})",
            l.max_map_count, mbest, mworst, (1.0 - HEADROOM) * 100.0, l.max_map_count_source
        ),
        Status::Pass => format!("vm.max_map_count [{}] covers the worst case [{}] (source: {})", l.max_map_count, mworst, l.max_map_count_source),
    };
    checks.push(Check {
        id: "map_areas",
        status,
        needed: Some(mthreshold),
        limit,
        message,
    });
    if e.steady_state.map_areas as f64 > HEADROOM * l.max_map_count as f64 {
        checks.push(Check {
            id: "map_areas_steady_state",
            status: Status::Warn,
            needed: Some(e.steady_state.map_areas),
            limit,
            message: format!(
                "once consumers, retention and the cleaner touch old segments the broker can reach [{}] map areas, above {:.0}% of vm.max_map_count [{}]: it may fail later with 'Map failed' while running",
                e.steady_state.map_areas, HEADROOM * 100.0, l.max_map_count
            ),
        });
    }

    // open_files
    let fds = e.open_files.peak;
    let status = match l.open_files {
        None => Status::Pass,
        Some(n) if fds > n => Status::Fail,
        Some(n) if fds as f64 > HEADROOM * n as f64 => Status::Warn,
        Some(_) => Status::Pass,
    };
    let message = match (status, l.open_files) {
        (Status::Fail, Some(n)) => format!(
            "max file descriptors [{n}] is too low: the next start opens about [{fds}] ({} segment .log files and .txnindex files + {} baseline); the broker fails with 'Too many open files'. Fix: LimitNOFILE={} (source: {})",
            e.open_files.logs, e.open_files.baseline, ((fds as f64 * MARGIN) as u64).max(KAFKA_DOC_NOFILE), l.open_files_source
        ),
        (Status::Warn, Some(n)) => format!("max file descriptors [{n}] leaves under {:.0}% headroom over the [{fds}] the start needs (source: {})", (1.0 - HEADROOM) * 100.0, l.open_files_source),
        (_, n) => format!("max file descriptors [{}] covers the [{fds}] the start needs (source: {})", limit_str(n, |v| v.to_string()), l.open_files_source),
    };
    checks.push(Check {
        id: "open_files",
        status,
        needed: Some(fds),
        limit: l.open_files,
        message,
    });

    if e.recovery.slowest_seconds > input.recovery_warn_seconds {
        checks.push(Check {
            id: "recovery_time",
            status: Status::Warn,
            needed: Some(e.recovery.slowest_seconds as u64),
            limit: Some(input.recovery_warn_seconds as u64),
            message: format!(
                "recovering {} unflushed segment(s) takes about {:.0} s in the slowest log dir ({} thread(s) per dir at {}/s each)",
                e.recovered_segments, e.recovery.slowest_seconds, e.recovery.threads_per_dir, units::bytes(e.recovery.rate_bytes_per_sec)
            ),
        });
    }

    let killers: Vec<&Problem> = input
        .problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .collect();
    if !killers.is_empty() {
        let refuses = killers.iter().any(|p| p.stops_start);
        checks.push(Check {
            id: "log_dirs",
            status: if refuses { Status::Fail } else { Status::Warn },
            needed: None,
            limit: None,
            message: format!(
                "{} problem(s) in the log dirs that stop or slow the start, first: {}: {}",
                killers.len(),
                killers[0].path.display(),
                killers[0].message
            ),
        });
    }

    let recommendations = recommend(input, &checks);
    let status = checks
        .iter()
        .map(|c| c.status)
        .max()
        .unwrap_or(Status::Pass);
    Verdict {
        status,
        checks,
        recommendations,
    }
}

fn recommend(input: &VerdictInput, checks: &[Check]) -> Vec<Recommendation> {
    let e = input.estimate;
    let l = input.limits;
    let status = |id: &str| checks.iter().find(|c| c.id == id).map(|c| c.status);
    let mut out = Vec::new();
    if let Some(lim) = l.virtual_memory {
        out.push(Recommendation {
            setting: "ulimit -v",
            current: kib_of(lim),
            recommended: "unlimited".into(),
            flag: Some(("--ulimit-v".into(), "unlimited".into())),
            reason: format!(
                "the next start needs {} (worst case {}); if a finite limit must stay, use at least {}",
                units::bytes(e.virtual_memory_bytes.best),
                units::bytes(e.virtual_memory_bytes.worst),
                kib_of((e.virtual_memory_bytes.worst as f64 * MARGIN) as u64)
            ),
            paste: vec![
                "# systemd drop-in, e.g. /etc/systemd/system/kafka.service.d/limits.conf".into(),
                "[Service]".into(),
                "LimitAS=infinity".into(),
                "# or in the shell that starts the broker:".into(),
                "ulimit -v unlimited".into(),
            ],
        });
    }
    let need_maps = e.map_areas.worst.max(e.steady_state.map_areas);
    if status("map_areas") != Some(Status::Pass) || status("map_areas_steady_state").is_some() {
        let rec = customary_map_count((need_maps as f64 * MARGIN) as u64).max(l.max_map_count);
        out.push(Recommendation {
            setting: "vm.max_map_count",
            current: l.max_map_count.to_string(),
            recommended: rec.to_string(),
            flag: Some(("--max-map-count".into(), rec.to_string())),
            reason: format!(
                "worst case at start {} map areas, steady state {}; x{MARGIN} margin, rounded up to a customary value",
                e.map_areas.worst, e.steady_state.map_areas
            ),
            paste: vec![
                "# /etc/sysctl.d/99-kafka.conf, then: sysctl --system".into(),
                format!("vm.max_map_count={rec}"),
            ],
        });
    }
    let want_fds = ((e.open_files.peak as f64 * MARGIN) as u64).max(KAFKA_DOC_NOFILE);
    if let Some(n) = l.open_files {
        if n < want_fds {
            out.push(Recommendation {
                setting: "ulimit -n",
                current: n.to_string(),
                recommended: want_fds.to_string(),
                flag: Some(("--ulimit-n".into(), want_fds.to_string())),
                reason: format!(
                    "the start opens about {} files; x{MARGIN} margin, at least Kafka's documented 100000",
                    e.open_files.peak
                ),
                paste: vec![
                    "[Service]".into(),
                    format!("LimitNOFILE={want_fds}"),
                    "# or /etc/security/limits.d/kafka.conf (PAM logins only; systemd units ignore it):".into(),
                    format!("kafka - nofile {want_fds}"),
                ],
            });
        }
    }
    if let Some(r) = segment_bytes_recommendation(input) {
        out.push(r);
    }
    if e.recovery.slowest_seconds > input.recovery_warn_seconds {
        let t = e.recovery.threads_per_dir;
        let want =
            ((f64::from(t) * e.recovery.slowest_seconds / input.recovery_warn_seconds).ceil()
                as u64)
                .min(input.cores.max(1) * 2)
                .max(u64::from(t) + 1);
        out.push(Recommendation {
            setting: "num.recovery.threads.per.data.dir",
            current: t.to_string(),
            recommended: want.to_string(),
            flag: Some(("--set".into(), format!("num.recovery.threads.per.data.dir={want}"))),
            reason: format!(
                "recovery of the slowest dir takes about {:.0} s; more threads per dir load more partitions at once (each adds two in-flight 10 MiB mappings)",
                e.recovery.slowest_seconds
            ),
            paste: vec![format!("num.recovery.threads.per.data.dir={want}")],
        });
    }
    out
}

/// The smallest log.segment.bytes (>= the current one) whose segment count keeps the open files
/// and the steady-state map areas within the limits for this data volume. Larger segments mean
/// fewer files but longer per-segment recovery and coarser retention (a segment is deleted whole).
fn segment_bytes_recommendation(input: &VerdictInput) -> Option<Recommendation> {
    let e = input.estimate;
    let l = input.limits;
    let (partitions, log_bytes) = e
        .topics
        .values()
        .fold((0, 0), |(p, b), t| (p + t.partitions, b + t.log_bytes));
    if partitions == 0 || input.segment_bytes == 0 {
        return None;
    }
    let segments_now = e.topics.values().map(|t| t.segments).sum::<u64>().max(1);
    let fds_other = e.open_files.peak.saturating_sub(e.open_files.logs);
    let maps_other = e
        .steady_state
        .map_areas
        .saturating_sub(e.steady_state.index_maps);
    let per_segment_maps = e.steady_state.index_maps as f64 / segments_now as f64;
    let fits = |segments: u64| {
        let fds_ok = l.open_files.map_or(true, |n| {
            ((fds_other + segments) as f64) <= HEADROOM * n as f64
        });
        let maps_ok = (maps_other as f64 + per_segment_maps * segments as f64)
            <= HEADROOM * l.max_map_count as f64;
        fds_ok && maps_ok
    };
    if fits(segments_now) {
        return None;
    }
    let per_partition = log_bytes / partitions;
    // Doubling up to Kafka's largest value (an INT), whole MiB: at most ~31 steps.
    const LARGEST: u64 = i32::MAX as u64 / (1 << 20) * (1 << 20);
    let mut candidate = input.segment_bytes;
    while candidate < LARGEST {
        candidate = (candidate * 2).min(LARGEST);
        let segments = partitions * per_partition.div_ceil(candidate).max(1);
        if fits(segments) {
            return Some(Recommendation {
                setting: "log.segment.bytes",
                current: input.segment_bytes.to_string(),
                recommended: candidate.to_string(),
                flag: Some(("--set".into(), format!("log.segment.bytes={candidate}"))),
                reason: format!(
                    "{} segments today need more files/map areas than the limits allow; at {} about {} segments fit. Trade-off: longer recovery per segment and coarser retention (whole segments are deleted). Applies to new segments only; existing ones roll out with retention",
                    segments_now,
                    units::bytes(candidate),
                    segments
                ),
                paste: vec![format!("log.segment.bytes={candidate}")],
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_size_search_ends_when_nothing_fits() {
        // 20 000 partitions of 1 TiB cannot fit a 1000-fd limit at any segment size: the search
        // must give up (it once looped forever at the 2047 MiB cap).
        let est = crate::model::tests_support::empty_estimate(20_000, 2_000_000);
        let limits = EffectiveLimits {
            virtual_memory: None,
            virtual_memory_source: String::new(),
            max_map_count: 65530,
            max_map_count_source: String::new(),
            open_files: Some(1000),
            open_files_source: String::new(),
        };
        let rules = crate::kafka_version::Rules::for_version(crate::kafka_version::DEFAULT_VERSION);
        let input = VerdictInput {
            estimate: &est,
            limits: &limits,
            rules: &rules,
            explicit_gc_disabled: false,
            problems: &[],
            recovery_warn_seconds: 900.0,
            cores: 2,
            segment_bytes: 1 << 30,
        };
        assert!(segment_bytes_recommendation(&input).is_none());
    }

    #[test]
    fn customary_values() {
        assert_eq!(customary_map_count(1000), 262_144);
        assert_eq!(customary_map_count(262_145), 524_288);
        assert_eq!(customary_map_count(600_000), 1_048_576);
    }

    #[test]
    fn status_rules_follow_the_json_contract() {
        // best fits, worst does not, no recovery: warn; with recovery: fail.
        assert_eq!(status_of(80, 120, Some(100), false), Status::Warn);
        assert_eq!(status_of(80, 120, Some(100), true), Status::Fail);
        assert_eq!(status_of(101, 120, Some(100), false), Status::Fail);
        assert_eq!(status_of(50, 60, Some(100), true), Status::Pass);
        assert_eq!(status_of(95, 96, Some(100), false), Status::Warn);
        assert_eq!(status_of(u64::MAX, u64::MAX, None, true), Status::Pass);
    }
}
