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

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Serialize,
    serde::Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Warn,
    Fail,
}

/// The one spelling of a status: lower case in JSON, CSV and metrics labels, upper case where
/// people read it. Every output takes its words from here.
impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Warn => "WARN",
            Status::Fail => "FAIL",
        }
    }

    /// [`Status::label`], or "-" where a side has no status (a check a config does not have).
    pub fn label_or_dash(s: Option<Status>) -> &'static str {
        s.map_or("-", Status::label)
    }
}

/// The checks, in the order every output lists them.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum CheckId {
    VirtualMemory,
    VirtualMemoryUnlimited,
    MapAreas,
    MapAreasSteadyState,
    OpenFiles,
    RecoveryTime,
    LogDirs,
}

/// What a check's numbers count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Bytes,
    Count,
    Seconds,
}

impl CheckId {
    pub const ALL: [CheckId; 7] = [
        CheckId::VirtualMemory,
        CheckId::VirtualMemoryUnlimited,
        CheckId::MapAreas,
        CheckId::MapAreasSteadyState,
        CheckId::OpenFiles,
        CheckId::RecoveryTime,
        CheckId::LogDirs,
    ];

    /// The id as JSON, CSV and Prometheus labels spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckId::VirtualMemory => "virtual_memory",
            CheckId::VirtualMemoryUnlimited => "virtual_memory_unlimited",
            CheckId::MapAreas => "map_areas",
            CheckId::MapAreasSteadyState => "map_areas_steady_state",
            CheckId::OpenFiles => "open_files",
            CheckId::RecoveryTime => "recovery_time",
            CheckId::LogDirs => "log_dirs",
        }
    }

    pub fn unit(self) -> Unit {
        match self {
            CheckId::VirtualMemory | CheckId::VirtualMemoryUnlimited => Unit::Bytes,
            CheckId::RecoveryTime => Unit::Seconds,
            _ => Unit::Count,
        }
    }

    /// Whether the check can fail; the others only warn (or, like `log_dirs`, have no limit).
    pub fn can_fail(self) -> bool {
        matches!(
            self,
            CheckId::VirtualMemory | CheckId::MapAreas | CheckId::OpenFiles | CheckId::LogDirs
        )
    }
}

impl std::fmt::Display for CheckId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for CheckId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        CheckId::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| format!("unknown check id {s:?}"))
    }
}

/// Which estimate a check compares with its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Case {
    /// Replaced index mappings are freed at once (the JDK's GC-and-retry on a failed map).
    Best,
    /// Replaced mappings linger until a GC that may not come in time.
    Worst,
}

/// Why `required` is the number it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// Best case: on a failed map the JDK runs System.gc() and retries once.
    GcRetry,
    /// Worst case: -XX:+DisableExplicitGC makes that retry useless.
    ExplicitGcDisabled,
    /// Best case plus the share of replaced mappings the GC a failed map triggers may not have
    /// freed by the retry ([`RECOVERY_UNFREED_PERCENT`]).
    Recovery,
    /// The most files open at once during the start.
    Peak,
    /// Map areas once the running broker has touched old segments (warns only).
    SteadyState,
    /// Any finite `ulimit -v` (warns only).
    Finite,
    /// Slowest log dir's recovery against --recovery-warn (warns only).
    RecoveryWarn,
    /// Problems in the log dirs that stop or slow the start.
    Problems,
}

impl Rule {
    pub fn case(self) -> Option<Case> {
        match self {
            Rule::GcRetry => Some(Case::Best),
            Rule::ExplicitGcDisabled => Some(Case::Worst),
            _ => None,
        }
    }

    /// A few words for a table cell.
    pub fn describe(self) -> &'static str {
        match self {
            Rule::GcRetry => "best case (GC and retry)",
            Rule::ExplicitGcDisabled => "worst case (explicit GC disabled)",
            Rule::Recovery => "best case + 14% of replaced mappings (recovery)",
            Rule::Peak => "peak during the start",
            Rule::SteadyState => "steady state",
            Rule::Finite => "any finite limit",
            Rule::RecoveryWarn => "--recovery-warn",
            Rule::Problems => "log dir problems",
        }
    }
}

/// One check. For the checks that can fail, `status` is `fail` exactly when `required` is above
/// `limit`, and every output shows `required` as the need: setting the limit to it never fails.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub id: CheckId,
    pub status: Status,
    /// The value compared with `limit` (unit: see [`CheckId::unit`]); None when the check has
    /// no number (`log_dirs`, `virtual_memory_unlimited`).
    pub required: Option<u64>,
    pub rule: Rule,
    /// `best` or `worst` when the check picks one of the two peaks, else absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case: Option<Case>,
    /// The best- and worst-case peaks behind `required`, for the checks that have both.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub needed_best: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub needed_worst: Option<u64>,
    /// None = unlimited.
    pub limit: Option<u64>,
    /// Elasticsearch bootstrap-check form: the current value, the required value and the fix
    /// in a few words; what the human outputs lead with.
    pub summary: String,
    /// The rationale: why the number is what it is and what happens otherwise (`--explain`).
    pub message: String,
}

impl Check {
    fn new(id: CheckId, status: Status, required: Option<u64>, rule: Rule) -> Self {
        Check {
            id,
            status,
            required,
            rule,
            case: rule.case(),
            needed_best: None,
            needed_worst: None,
            limit: None,
            summary: String::new(),
            message: String::new(),
        }
    }

    /// `1 - required / limit`: the share of the limit left, negative when over it, 1 when
    /// unlimited; None without a number or for a zero limit.
    pub fn headroom_ratio(&self) -> Option<f64> {
        let r = self.required?;
        match self.limit {
            None => Some(1.0),
            Some(0) => None,
            Some(l) => Some(1.0 - r as f64 / l as f64),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Recommendation {
    /// The checks it fixes, most direct first, so a reader (the fleet row) can show the fix of
    /// the check that fails rather than whichever recommendation comes first.
    pub fixes: Vec<CheckId>,
    pub setting: &'static str,
    pub current: String,
    pub recommended: String,
    /// The flag and value that re-run the check with this recommendation applied,
    /// e.g. `["--ulimit-v", "unlimited"]`.
    #[serde(rename = "verify_with", serialize_with = "flag_pair")]
    pub flag: Option<(String, String)>,
    pub reason: String,
    /// required (a check fails without it), advisory, or long-term (later starts only).
    pub kind: crate::fixes::FixKind,
    /// The one file `paste` goes into; None: run `paste` in the shell that starts the broker.
    pub file: Option<String>,
    /// The file's lines (or the shell lines).
    pub paste: Vec<String>,
    /// What to run after writing the file (`systemctl daemon-reload`, `sysctl -p ...`).
    pub then: Vec<String>,
}

impl Recommendation {
    #[allow(clippy::too_many_arguments)]
    fn new(
        fixes: &[CheckId],
        setting: &'static str,
        current: String,
        recommended: String,
        flag: Option<(String, String)>,
        reason: String,
        kind: crate::fixes::FixKind,
        block: crate::fixes::Block,
    ) -> Self {
        Recommendation {
            fixes: fixes.to_vec(),
            setting,
            current,
            recommended,
            flag,
            reason,
            kind,
            file: block.file,
            paste: block.lines,
            then: block.then,
        }
    }
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
    /// What starts the broker next: where limit fixes go.
    pub started_by: &'a crate::fixes::StartedBy,
    /// server.properties, for fixes of broker settings.
    pub config_path: Option<&'a std::path::Path>,
    /// The configured log dirs, duplicates removed (a duplicate entry's fix).
    pub log_dirs: &'a [std::path::PathBuf],
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

/// Share of a recovering start's replaced mappings (worst - best) still mapped when a failed
/// map's System.gc() and retry come. Real brokers bound it from both sides: a 3.9.0 broker
/// recovering 161 segments (1 thread) started at its best case (0 %), a 4.0.0 one (2 threads)
/// at best + 2.7 % of its garbage, while the incident behind this project (1.1.0, 200 segments
/// of 256 MiB) failed at best + 12.6 %. Requiring the worst case failed starts that real brokers
/// make with 10 % to spare (3.9.0: worst 6821064 KiB, clean start from 4398080 KiB).
pub const RECOVERY_UNFREED_PERCENT: u64 = 14;

/// What a start that peaks at `best`..`worst` must fit: the worst case when the JDK's
/// GC-and-retry cannot help (explicit GC disabled); with segment recovery the best case plus the
/// replaced mappings the GC may not have freed by the retry; else the best case.
fn required_of(best: u64, worst: u64, gc_disabled: bool, recovers: bool) -> (u64, Rule) {
    if gc_disabled {
        (worst, Rule::ExplicitGcDisabled)
    } else if recovers {
        let garbage = worst.saturating_sub(best);
        (
            best + garbage * RECOVERY_UNFREED_PERCENT / 100,
            Rule::Recovery,
        )
    } else {
        (best, Rule::GcRetry)
    }
}

/// Fail exactly when `required` is above the limit; warn when it leaves under 10% headroom or
/// a worse case than the one required does not fit.
fn status_of(required: u64, worst: u64, limit: Option<u64>) -> Status {
    let Some(l) = limit else {
        return Status::Pass;
    };
    if required > l {
        Status::Fail
    } else if worst > l || required as f64 > HEADROOM * l as f64 {
        Status::Warn
    } else {
        Status::Pass
    }
}

/// A need in KiB as `ulimit -v` takes it, rounded up so that the stated value fits.
fn kib_up(b: u64) -> String {
    format!("{} KiB", b.div_ceil(1024))
}

/// ", and the worst case [X]" when the worst case is not the number required.
fn worse_case(required: u64, worst: u64, f: impl Fn(u64) -> String) -> String {
    if worst > required {
        format!(" and the worst case [{}]", f(worst))
    } else {
        String::new()
    }
}

/// "WHAT [current] is too low, increase to at least [required]; fix: FIX" and its pass/warn
/// forms, as Elasticsearch's bootstrap checks word them.
fn summary(status: Status, what: &str, current: &str, required: &str, fix: &str) -> String {
    match status {
        Status::Fail => {
            format!("{what} [{current}] is too low, increase to at least [{required}]; fix: {fix}")
        }
        Status::Warn => format!(
            "{what} [{current}] covers [{required}] with under {:.0}% headroom or not the worst case; fix: {fix}",
            (1.0 - HEADROOM) * 100.0
        ),
        Status::Pass => format!("{what} [{current}] covers [{required}]"),
    }
}

/// The facts every check's message draws on.
struct Context<'a> {
    input: &'a VerdictInput<'a>,
    recovers: bool,
    gc_note: &'static str,
    consequence: String,
}

impl<'a> Context<'a> {
    fn new(input: &'a VerdictInput<'a>) -> Self {
        Context {
            input,
            recovers: input.estimate.recovered_segments > 0,
            gc_note: if input.explicit_gc_disabled {
                "explicit GC is disabled (-XX:+DisableExplicitGC), so the JDK's GC-and-retry on a failed map cannot free replaced mappings: the worst case must fit"
            } else {
                "on a failed map the JDK runs System.gc() and retries once, so the best case must fit; whether replaced mappings are freed in time depends on the GC"
            },
            consequence: failure::map_failure(input.rules, failure::Phase::Recovery)
                .sentence(input.rules),
        }
    }

    fn required(&self, best: u64, worst: u64) -> (u64, Rule) {
        required_of(best, worst, self.input.explicit_gc_disabled, self.recovers)
    }
}

fn virtual_memory(c: &Context) -> Check {
    let e = c.input.estimate;
    let l = c.input.limits;
    let (best, worst) = (e.virtual_memory_bytes.best, e.virtual_memory_bytes.worst);
    let (required, rule) = c.required(best, worst);
    let status = status_of(required, worst, l.virtual_memory);
    let src = &l.virtual_memory_source;
    let message = match (status, l.virtual_memory) {
        (_, None) => format!(
            "virtual memory: unlimited ({src}); the next start needs {} best case, {} worst case",
            units::bytes(best),
            units::bytes(worst)
        ),
        (Status::Fail, Some(lim)) if rule == Rule::Recovery => format!(
            "max virtual memory (ulimit -v) [{}] is below the [{}] a start that recovers {} segment(s) needs (its best case plus the replaced mappings a GC-and-retry may not free in time): {}. Fix: ulimit -v unlimited (source: {src})",
            kib_of(lim), kib_up(required), e.recovered_segments, c.consequence
        ),
        (Status::Fail, Some(lim)) => format!(
            "max virtual memory (ulimit -v) [{}] is too low: the next start needs at least [{}] ({}); the start will fail with 'Map failed'. Fix: run the broker with ulimit -v unlimited (source: {src})",
            kib_of(lim), kib_up(required), c.gc_note
        ),
        (Status::Warn, Some(lim)) => format!(
            "max virtual memory (ulimit -v) [{}] covers the [{}] the next start needs but leaves under {:.0}% headroom or not the worst case [{}]: success depends on the garbage collector. Fix: ulimit -v unlimited (source: {src})",
            kib_of(lim), kib_up(required), (1.0 - HEADROOM) * 100.0, kib_up(worst)
        ),
        (_, Some(lim)) => format!(
            "max virtual memory (ulimit -v) [{}] covers the [{}] the next start needs{} (source: {src})",
            kib_of(lim), kib_up(required), worse_case(required, worst, kib_up)
        ),
    };
    Check {
        needed_best: Some(best),
        needed_worst: Some(worst),
        limit: l.virtual_memory,
        summary: summary(
            status,
            "max virtual memory (ulimit -v)",
            &units::kib(l.virtual_memory),
            &kib_up(required),
            "ulimit -v unlimited",
        ),
        message,
        ..Check::new(CheckId::VirtualMemory, status, Some(required), rule)
    }
}

fn virtual_memory_unlimited(c: &Context) -> Option<Check> {
    let l = c.input.limits;
    let lim = l.virtual_memory?;
    Some(Check {
        limit: Some(lim),
        summary: format!(
            "max virtual memory (ulimit -v) [{}] is finite; fix: ulimit -v unlimited",
            kib_of(lim)
        ),
        message: format!(
            "ulimit -v is finite [{}]: JVMs reserve address space they never touch (heap, class space, malloc arenas) and index mappings grow with partitions; run brokers with ulimit -v unlimited, as Elasticsearch's bootstrap checks require (source: {})",
            kib_of(lim), l.virtual_memory_source
        ),
        ..Check::new(CheckId::VirtualMemoryUnlimited, Status::Warn, None, Rule::Finite)
    })
}

/// The vm.max_map_count that fits the start and the steady state with margin.
fn map_count_fix(e: &Estimate) -> u64 {
    customary_map_count((e.map_areas.worst.max(e.steady_state.map_areas) as f64 * MARGIN) as u64)
}

fn map_areas(c: &Context) -> Check {
    let e = c.input.estimate;
    let l = c.input.limits;
    let (best, worst) = (e.map_areas.best, e.map_areas.worst);
    let (required, rule) = c.required(best, worst);
    let lim = l.max_map_count;
    let status = status_of(required, worst, Some(lim));
    let src = &l.max_map_count_source;
    let message = match status {
        Status::Fail if rule == Rule::Recovery => format!(
            "vm.max_map_count [{lim}] is below the [{required}] map areas a start that recovers {} segment(s) needs (its best case plus the replaced mappings a GC-and-retry may not free in time): {}. Fix: sysctl -w vm.max_map_count={} (source: {src})",
            e.recovered_segments, c.consequence, map_count_fix(e)
        ),
        Status::Fail => format!(
            "max virtual memory areas vm.max_map_count [{lim}] is too low: the next start needs at least [{required}] map areas ({}). Fix: sysctl -w vm.max_map_count={} (source: {src})",
            c.gc_note, map_count_fix(e)
        ),
        Status::Warn => format!(
            "vm.max_map_count [{lim}] covers the [{required}] map areas the next start needs but leaves under {:.0}% headroom or not the worst case [{worst}] (source: {src})",
            (1.0 - HEADROOM) * 100.0
        ),
        Status::Pass => format!(
            "vm.max_map_count [{lim}] covers the [{required}] map areas the next start needs{} (source: {src})",
            worse_case(required, worst, |v| v.to_string())
        ),
    };
    Check {
        needed_best: Some(best),
        needed_worst: Some(worst),
        limit: Some(lim),
        summary: summary(
            status,
            "max virtual memory areas vm.max_map_count",
            &lim.to_string(),
            &required.to_string(),
            &format!("sysctl -w vm.max_map_count={}", map_count_fix(e)),
        ),
        message,
        ..Check::new(CheckId::MapAreas, status, Some(required), rule)
    }
}

fn map_areas_steady_state(c: &Context) -> Option<Check> {
    let e = c.input.estimate;
    let lim = c.input.limits.max_map_count;
    let steady = e.steady_state.map_areas;
    (steady as f64 > HEADROOM * lim as f64).then(|| Check {
        limit: Some(lim),
        summary: format!(
            "steady-state map areas [{steady}] exceed {:.0}% of vm.max_map_count [{lim}]; fix: sysctl -w vm.max_map_count={}",
            HEADROOM * 100.0,
            map_count_fix(e)
        ),
        message: format!(
            "once consumers, retention and the cleaner touch old segments the broker can reach [{steady}] map areas, above {:.0}% of vm.max_map_count [{lim}]: it may fail later with 'Map failed' while running",
            HEADROOM * 100.0
        ),
        ..Check::new(
            CheckId::MapAreasSteadyState,
            Status::Warn,
            Some(steady),
            Rule::SteadyState,
        )
    })
}

fn open_files(c: &Context) -> Check {
    let e = c.input.estimate;
    let l = c.input.limits;
    let fds = e.open_files.peak;
    let status = status_of(fds, fds, l.open_files);
    let src = &l.open_files_source;
    let message = match (status, l.open_files) {
        (Status::Fail, Some(n)) => format!(
            "max file descriptors [{n}] is too low: the next start opens about [{fds}] ({} segment .log files and .txnindex files + {} baseline); the broker fails with 'Too many open files'. Fix: LimitNOFILE={} (source: {src})",
            e.open_files.logs, e.open_files.baseline, ((fds as f64 * MARGIN) as u64).max(KAFKA_DOC_NOFILE)
        ),
        (Status::Warn, Some(n)) => format!(
            "max file descriptors [{n}] leaves under {:.0}% headroom over the [{fds}] the start needs (source: {src})",
            (1.0 - HEADROOM) * 100.0
        ),
        (_, n) => format!(
            "max file descriptors [{}] covers the [{fds}] the start needs (source: {src})",
            limit_str(n, |v| v.to_string())
        ),
    };
    Check {
        limit: l.open_files,
        summary: summary(
            status,
            "max file descriptors",
            &units::limit_count(l.open_files),
            &fds.to_string(),
            &format!(
                "LimitNOFILE={}",
                ((fds as f64 * MARGIN) as u64).max(KAFKA_DOC_NOFILE)
            ),
        ),
        message,
        ..Check::new(CheckId::OpenFiles, status, Some(fds), Rule::Peak)
    }
}

fn recovery_time(c: &Context) -> Option<Check> {
    let e = c.input.estimate;
    let warn_at = c.input.recovery_warn_seconds;
    (e.recovery.slowest_seconds > warn_at).then(|| Check {
        limit: Some(warn_at as u64),
        summary: format!(
            "recovery of the slowest log dir [{}] exceeds --recovery-warn [{}]; fix: more num.recovery.threads.per.data.dir",
            units::duration(e.recovery.slowest_seconds),
            units::duration(warn_at)
        ),
        message: format!(
            "recovering {} unflushed segment(s) takes about {} in the slowest log dir ({} thread(s) per dir at {}/s each)",
            e.recovered_segments,
            units::duration(e.recovery.slowest_seconds),
            e.recovery.threads_per_dir,
            units::bytes(e.recovery.rate_bytes_per_sec)
        ),
        ..Check::new(
            CheckId::RecoveryTime,
            Status::Warn,
            Some(e.recovery.slowest_seconds.ceil() as u64),
            Rule::RecoveryWarn,
        )
    })
}

fn log_dirs(c: &Context) -> Option<Check> {
    let killers: Vec<&Problem> = c
        .input
        .problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .collect();
    let first = killers.first()?;
    let refuses = killers.iter().any(|p| p.stops_start);
    Some(Check {
        summary: format!(
            "{} problem(s) in the log dirs {} the start, first: {}",
            killers.len(),
            if refuses { "stop" } else { "slow" },
            first.path.display()
        ),
        message: format!(
            "{} problem(s) in the log dirs that stop or slow the start, first: {}: {}",
            killers.len(),
            first.path.display(),
            first.message
        ),
        ..Check::new(
            CheckId::LogDirs,
            if refuses { Status::Fail } else { Status::Warn },
            None,
            Rule::Problems,
        )
    })
}

pub fn judge(input: &VerdictInput) -> Verdict {
    let c = Context::new(input);
    let checks: Vec<Check> = [
        Some(virtual_memory(&c)),
        virtual_memory_unlimited(&c),
        Some(map_areas(&c)),
        map_areas_steady_state(&c),
        Some(open_files(&c)),
        recovery_time(&c),
        log_dirs(&c),
    ]
    .into_iter()
    .flatten()
    .collect();
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
    use crate::fixes::{self, FixKind, Rlimit};
    let e = input.estimate;
    let l = input.limits;
    let status = |id: CheckId| checks.iter().find(|c| c.id == id).map(|c| c.status);
    let kind_of = |id: CheckId| match status(id) {
        Some(Status::Fail) => FixKind::Required,
        _ => FixKind::Advisory,
    };
    let by = input.started_by;
    let mut out = Vec::new();
    if let Some(lim) = l.virtual_memory {
        // Unlimited passes both address-space checks, so a re-run asks nothing more.
        let need = checks
            .iter()
            .find(|c| c.id == CheckId::VirtualMemory)
            .and_then(|c| c.required)
            .unwrap_or(e.virtual_memory_bytes.worst);
        out.push(Recommendation::new(
            &[CheckId::VirtualMemory, CheckId::VirtualMemoryUnlimited],
            "ulimit -v",
            kib_of(lim),
            "unlimited".into(),
            Some(("--ulimit-v".into(), "unlimited".into())),
            format!(
                "the next start needs {} (worst case {}); a finite limit passes from {} up (and still warns that it is finite)",
                units::bytes(need),
                units::bytes(e.virtual_memory_bytes.worst),
                kib_of(e.virtual_memory_bytes.worst.max((need as f64 / HEADROOM).ceil() as u64).div_ceil(1 << 30) << 30)
            ),
            kind_of(CheckId::VirtualMemory),
            fixes::rlimit(by, Rlimit::AddressSpace(None)),
        ));
    }
    let need_maps = e.map_areas.worst.max(e.steady_state.map_areas);
    if status(CheckId::MapAreas) != Some(Status::Pass)
        || status(CheckId::MapAreasSteadyState).is_some()
    {
        let rec = customary_map_count((need_maps as f64 * MARGIN) as u64).max(l.max_map_count);
        out.push(Recommendation::new(
            &[CheckId::MapAreas, CheckId::MapAreasSteadyState],
            "vm.max_map_count",
            l.max_map_count.to_string(),
            rec.to_string(),
            Some(("--max-map-count".into(), rec.to_string())),
            format!(
                "worst case at start {} map areas, steady state {}; x{MARGIN} margin, rounded up to a customary value",
                e.map_areas.worst, e.steady_state.map_areas
            ),
            if status(CheckId::MapAreas) == Some(Status::Fail) {
                FixKind::Required
            } else {
                FixKind::Advisory
            },
            fixes::max_map_count(rec),
        ));
    }
    let want_fds = ((e.open_files.peak as f64 * MARGIN) as u64).max(KAFKA_DOC_NOFILE);
    if let Some(n) = l.open_files {
        if n < want_fds {
            out.push(Recommendation::new(
                &[CheckId::OpenFiles],
                "ulimit -n",
                n.to_string(),
                want_fds.to_string(),
                Some(("--ulimit-n".into(), want_fds.to_string())),
                format!(
                    "the start opens about {} files; x{MARGIN} margin, at least Kafka's documented 100000",
                    e.open_files.peak
                ),
                kind_of(CheckId::OpenFiles),
                fixes::rlimit(by, Rlimit::OpenFiles(want_fds)),
            ));
        }
    }
    if let Some(r) = segment_bytes_recommendation(input) {
        out.push(r);
    }
    out.extend(recovery_threads_recommendation(input));
    out.extend(log_dir_fixes(input));
    out
}

/// More recovery threads per dir, when they would shorten the slowest dir's recovery: as many
/// as bring it under the warning (the time is divided among the threads), at most two per
/// core. None when the dir cannot use more (fewer logs than threads) or the cap is reached,
/// so applying the advice makes a re-run ask nothing more.
fn recovery_threads_recommendation(input: &VerdictInput) -> Option<Recommendation> {
    let e = input.estimate;
    if e.recovery.slowest_seconds <= input.recovery_warn_seconds {
        return None;
    }
    let t = e.recovery.threads_per_dir;
    let slowest = e
        .recovery
        .dirs
        .iter()
        .max_by(|a, b| a.seconds.total_cmp(&b.seconds))?;
    if slowest.threads < t {
        return None;
    }
    let want = ((f64::from(t) * e.recovery.slowest_seconds / input.recovery_warn_seconds).ceil()
        as u64)
        .min(input.cores.max(1) * 2);
    if want <= u64::from(t) {
        return None;
    }
    Some(Recommendation::new(
        &[CheckId::RecoveryTime],
        "num.recovery.threads.per.data.dir",
        t.to_string(),
        want.to_string(),
        Some(("--set".into(), format!("num.recovery.threads.per.data.dir={want}"))),
        format!(
            "recovery of the slowest dir takes about {}; more threads per dir load more partitions at once (each adds two in-flight 10 MiB mappings)",
            units::duration(e.recovery.slowest_seconds)
        ),
        crate::fixes::FixKind::Advisory,
        crate::fixes::server_properties(
            input.config_path,
            vec![format!("num.recovery.threads.per.data.dir={want}")],
        ),
    ))
}

/// A fix for each start-up killer in the log dirs that has one.
fn log_dir_fixes(input: &VerdictInput) -> Vec<Recommendation> {
    use crate::problem::ProblemKind;
    let mut out = Vec::new();
    let mut duplicate_done = false;
    for p in input.problems.iter().filter(|p| p.stops_start) {
        match p.kind {
            Some(ProblemKind::NotALogDir) => out.push(Recommendation::new(
                &[CheckId::LogDirs],
                "log.dirs entry",
                p.path.display().to_string(),
                p.fix
                    .clone()
                    .unwrap_or_else(|| "move it out of the log dir".into()),
                None,
                format!("Kafka refuses {}: {}", p.path.display(), p.message),
                crate::fixes::FixKind::Required,
                crate::fixes::not_a_log_dir(&p.path),
            )),
            Some(ProblemKind::DuplicateLogDir) if !duplicate_done => {
                duplicate_done = true;
                let dirs: Vec<String> = input
                    .log_dirs
                    .iter()
                    .map(|d| d.display().to_string())
                    .collect();
                out.push(Recommendation::new(
                    &[CheckId::LogDirs],
                    "log.dirs",
                    "a directory listed twice".into(),
                    dirs.join(","),
                    Some(("--log-dirs".into(), dirs.join(","))),
                    "Kafka refuses to start with the same directory twice in log.dirs".into(),
                    crate::fixes::FixKind::Required,
                    crate::fixes::server_properties(
                        input.config_path,
                        vec![format!("log.dirs={}", dirs.join(","))],
                    ),
                ));
            }
            // A fix its finder knows but no block can do (it moves data): said, not pasted.
            _ => {
                if let Some(fix) = p.fix.as_ref().filter(|_| p.kind.is_none()) {
                    out.push(Recommendation::new(
                        &[CheckId::LogDirs],
                        "log.dirs entry",
                        p.path.display().to_string(),
                        fix.clone(),
                        None,
                        p.message.clone(),
                        crate::fixes::FixKind::Required,
                        crate::fixes::Block {
                            file: None,
                            lines: Vec::new(),
                            then: Vec::new(),
                        },
                    ));
                }
            }
        }
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
            return Some(Recommendation::new(
                &[CheckId::OpenFiles, CheckId::MapAreasSteadyState],
                "log.segment.bytes",
                input.segment_bytes.to_string(),
                candidate.to_string(),
                Some(("--set".into(), format!("log.segment.bytes={candidate}"))),
                format!(
                    "{} segments today need more files/map areas than the limits allow; at {} about {} segments fit. Long-term: it applies to new segments only, so it does not change the next start; existing segments roll out with retention. Trade-off: longer recovery per segment and coarser retention (whole segments are deleted)",
                    segments_now,
                    units::bytes(candidate),
                    segments
                ),
                crate::fixes::FixKind::LongTerm,
                crate::fixes::server_properties(
                    input.config_path,
                    vec![format!("log.segment.bytes={candidate}")],
                ),
            ));
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
            started_by: &crate::fixes::StartedBy::Shell,
            config_path: None,
            log_dirs: &[],
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
        // best fits, worst does not, no recovery: warn; with recovery the worst is required.
        let req = |b, w, recovers| required_of(b, w, false, recovers).0;
        assert_eq!(status_of(req(80, 120, false), 120, Some(100)), Status::Warn);
        // Recovery: best + 14 % of the replaced mappings, not the worst case.
        assert_eq!(req(80, 180, true), 94);
        assert_eq!(status_of(req(80, 280, true), 280, Some(100)), Status::Fail);
        assert_eq!(status_of(req(80, 180, true), 180, Some(100)), Status::Warn);
        assert_eq!(
            status_of(req(101, 120, false), 120, Some(100)),
            Status::Fail
        );
        assert_eq!(status_of(req(50, 60, true), 60, Some(100)), Status::Pass);
        assert_eq!(status_of(req(95, 96, false), 96, Some(100)), Status::Warn);
        assert_eq!(status_of(u64::MAX, u64::MAX, None), Status::Pass);
        // Explicit GC disabled: the worst case is required even without recovery.
        assert_eq!(
            required_of(80, 120, true, false),
            (120, Rule::ExplicitGcDisabled)
        );
    }
}
