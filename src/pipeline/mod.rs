//! The stages every command runs, in order: [`prepare`] (config, version, limits, JVM) ->
//! [`scan`] (log dirs, topic settings, inference) -> [`evaluate`] (estimate -> limits ->
//! verdict -> the [`Report`]). `check` runs them on a scan; `plan` and `diff` hand
//! [`evaluate`] an inventory of their own, so all three judge a broker the same way.

pub mod diff;
pub mod plan;

use std::time::Duration;

use crate::config::jvm::JvmOptions;
use crate::config::{BrokerConfig, Mode, Origin, Setting};
use crate::kafka_version::{self, Build, Rules, VersionSource};
use crate::limits::{self, Limits};
use crate::model::{self, BaselineInput, Geometry};
use crate::options::{CheckOptions, ConfigSource, VersionChoice};
use crate::output::report::{self, LimitsSection, Report, ReportInput};
use crate::problem::Problem;
use crate::scan::{self, Inventory, ScanOptions};
use crate::topics::{self, TopicCatalog};
use crate::verdict::{self, EffectiveLimits, VerdictInput};

/// What a start depends on besides the data: the release, the limits, the JVM. Resolved once
/// per command, however many configs or sweep rows it evaluates.
#[derive(Debug, Clone)]
pub struct Environment {
    pub limits: Limits,
    pub rules: Rules,
    pub version_source: VersionSource,
    pub jvm: JvmOptions,
    pub heap_source: Option<String>,
    pub explicit_gc_disabled: bool,
    /// `--pid`, identified as a broker.
    pub broker: Option<crate::live::BrokerProcess>,
    /// MALLOC_ARENA_MAX of the next start: `--malloc-arena-max`, else the unit's environment
    /// when a unit starts the broker, else the running broker's, else this shell's.
    pub malloc_arena_max: Option<u64>,
    /// The version was not given: the range the evidence allows (`rules` is then one of its
    /// releases).
    pub assumed: Option<crate::version_evidence::Range>,
    /// What starts the broker next: where limit fixes go.
    pub started_by: crate::fixes::StartedBy,
}

/// A broker's config in its environment: the input of [`scan`] and [`evaluate`].
#[derive(Debug, Clone)]
pub struct Prepared {
    pub config: BrokerConfig,
    pub env: Environment,
}

/// A scanned (or planned) broker: its data and the per-topic settings that apply to it.
#[derive(Debug, Clone)]
pub struct Scanned {
    pub inventory: Inventory,
    pub catalog: TopicCatalog,
    /// Human notes on index sizes inferred from the disk.
    pub inferred: Vec<String>,
}

/// server.properties, the operator's `--set`s and `--log-dirs`, then the typed values of a plan.
pub fn load_config(src: &ConfigSource) -> anyhow::Result<BrokerConfig> {
    if src.path.is_none() && src.log_dirs.is_none() {
        anyhow::bail!(
            "nothing to check: pass --config server.properties or --log-dirs DIR[,DIR...]"
        );
    }
    let config = BrokerConfig::load(src.path.as_deref(), &src.set, src.log_dirs.as_deref())?;
    let typed = [
        ("log.segment.bytes", src.log_segment_bytes),
        ("log.index.size.max.bytes", src.log_index_size_max_bytes),
    ];
    if typed.iter().all(|(_, v)| v.is_none()) {
        return Ok(config);
    }
    // The settings map is what the topic catalog reads broker defaults from, so a planned
    // value goes in there and is validated like any other.
    let mut settings = config.settings;
    for (key, v) in typed {
        if let Some(v) = v {
            settings.insert(
                key.to_string(),
                Setting {
                    value: v.to_string(),
                    origin: Origin::Flag,
                },
            );
        }
    }
    Ok(BrokerConfig::from_settings(config.path, settings)?)
}

/// The release, the limits the next start gets, and the broker's JVM options.
pub fn environment(o: &CheckOptions) -> anyhow::Result<Environment> {
    let broker = o
        .pid
        .as_ref()
        .map(|a| crate::live::resolve_pid(&crate::live::ProcFs::system(), a))
        .transpose()?;
    let (version, version_source) = match (&o.version, &broker) {
        (VersionChoice::Flag(v), _) => (*v, VersionSource::Flag),
        (VersionChoice::Home(home), _) => (
            kafka_version::detect_from_home(home)
                .map_err(|e| anyhow::anyhow!("--kafka-home: {e}"))?,
            VersionSource::LibsJar,
        ),
        (VersionChoice::Jar(v), _) => (*v, VersionSource::LibsJar),
        (
            VersionChoice::Default,
            Some(crate::live::BrokerProcess {
                version: Some((v, _)),
                ..
            }),
        ) => (*v, VersionSource::RunningBroker),
        (VersionChoice::Default, _) => (
            Build::apache(kafka_version::DEFAULT_VERSION),
            VersionSource::Default,
        ),
    };
    let rules = Rules::for_build(version);
    let (limits, unit) = next_start_limits(o, broker.as_ref())?;
    let unit_read = unit.is_some();
    let started_by = match (&unit, &o.limits.user) {
        (Some(spec), _) => crate::fixes::StartedBy::unit(spec, &o.limits.systemd_dirs),
        (None, Some(user)) => crate::fixes::StartedBy::Pam { user: user.clone() },
        (None, None) => crate::fixes::StartedBy::Shell,
    };

    // The broker's JVM options, from what starts it next: its systemd unit's environment (on
    // top of the running broker's command line, which has the start script's defaults), else
    // the running broker's command line, else this shell's KAFKA_* variables.
    let mut jvm = JvmOptions::default();
    let mut heap_source = None;
    let perf_set;
    if let Some(b) = &broker {
        jvm.extend(&b.jvm_options(), "the running broker's command line")?;
        if jvm.heap_max.is_some() {
            heap_source = Some(format!("-Xmx of the running broker (pid {})", b.pid));
        }
    }
    if unit_read {
        let before = jvm.heap_max;
        // Each variable on its own, so an error names the unit file and line that set it.
        for var in limits::JVM_OPTION_VARS {
            if let Some(v) = limits.unit_environment.get(var) {
                let at = limits
                    .unit_environment_at
                    .get(var)
                    .map_or_else(String::new, |a| format!(" at {a}"));
                jvm.extend(v, &format!("{var} (systemd unit Environment{at})"))?;
            }
        }
        if jvm.heap_max != before {
            heap_source = Some("-Xmx from the systemd unit's environment".into());
        }
        perf_set = broker.is_some()
            || limits
                .unit_environment
                .contains_key("KAFKA_JVM_PERFORMANCE_OPTS");
    } else if broker.is_some() {
        // The command line shows the start script's defaults as they were applied.
        perf_set = true;
    } else {
        perf_set = std::env::var_os("KAFKA_JVM_PERFORMANCE_OPTS").is_some();
        for var in [
            "KAFKA_JVM_PERFORMANCE_OPTS",
            "KAFKA_OPTS",
            "KAFKA_HEAP_OPTS",
        ] {
            if let Ok(v) = std::env::var(var) {
                let before = jvm.heap_max;
                jvm.extend(&v, &format!("environment variable {var}"))?;
                if jvm.heap_max != before {
                    heap_source = Some(format!("-Xmx from {var}"));
                }
            }
        }
    }
    const ARENAS: &str = "MALLOC_ARENA_MAX";
    let arenas_text = if unit_read {
        limits.unit_environment.get(ARENAS).cloned()
    } else if let Some(b) = &broker {
        b.env(ARENAS).map(str::to_string)
    } else {
        std::env::var(ARENAS).ok()
    };
    let malloc_arena_max = o.malloc_arena_max.or_else(|| {
        arenas_text
            .and_then(|v| v.trim().parse().ok())
            .filter(|n| (1..=crate::bounds::MAX_CORES).contains(n))
    });
    if let Some(opts) = &o.jvm.jvm_opts {
        let before = jvm.heap_max;
        jvm.extend(opts, "--jvm-opts")?;
        if jvm.heap_max != before {
            heap_source = Some("-Xmx from --jvm-opts".into());
        }
    }
    if let Some(h) = o.jvm.heap {
        jvm.heap_max = Some(h);
        heap_source = Some("--heap".into());
    }
    // kafka-run-class.sh's defaults apply only when KAFKA_JVM_PERFORMANCE_OPTS is unset.
    let explicit_gc_disabled = jvm
        .disable_explicit_gc
        .unwrap_or(!perf_set && rules.default_disable_explicit_gc);
    Ok(Environment {
        limits,
        rules,
        version_source,
        jvm,
        heap_source,
        explicit_gc_disabled,
        broker,
        malloc_arena_max,
        assumed: None,
        started_by,
    })
}

/// The limits of the next start, and the systemd unit read for them (as `--systemd-unit`
/// takes it). A broker in a unit's cgroup is restarted by that unit: its file decides unless
/// --systemd-unit or --user names another source (or the unit file is not found here).
fn next_start_limits(
    o: &CheckOptions,
    broker: Option<&crate::live::BrokerProcess>,
) -> anyhow::Result<(Limits, Option<String>)> {
    let mut inputs = o.limits.clone();
    inputs.pid = broker.map(|b| b.pid);
    let discovered = broker
        .and_then(|b| b.unit.clone())
        .filter(|_| inputs.systemd_unit.is_none() && inputs.user.is_none());
    let Some(unit) = discovered else {
        let unit = inputs.systemd_unit.clone();
        return Ok((limits::resolve(&inputs)?, unit));
    };
    inputs.systemd_unit = Some(unit.clone());
    match limits::resolve(&inputs) {
        Ok(mut l) => {
            l.notes.push(format!(
                "limits and environment of the next start from {unit}, the unit running pid {}",
                inputs.pid.unwrap_or_default()
            ));
            Ok((l, Some(unit)))
        }
        Err(limits::LimitError::UnitNotFound { .. }) => {
            inputs.systemd_unit = None;
            let mut l = limits::resolve(&inputs)?;
            l.notes.push(format!(
                "the running broker belongs to {unit}, but its unit file is not in the systemd unit directories here; pass --systemd-unit FILE"
            ));
            Ok((l, None))
        }
        Err(e) => Err(e.into()),
    }
}

/// The config first (a bad file is the likelier mistake), then its environment.
pub fn prepare(o: &CheckOptions) -> anyhow::Result<Prepared> {
    let config = load_config(&o.config)?;
    let env = environment(o)?;
    if config.mode == Mode::Kraft && !env.rules.kraft {
        anyhow::bail!(
            "Kafka {} has no KRaft mode (it came in 2.8.0), but this config is KRaft (process.roles is set): check --kafka-version",
            env.rules.version
        );
    }
    Ok(Prepared { config, env })
}

/// --topic-config, else the KRaft metadata log on disk, else server.properties alone.
pub fn load_catalog(
    config: &BrokerConfig,
    file: Option<&std::path::Path>,
) -> anyhow::Result<TopicCatalog> {
    if let Some(f) = file {
        return Ok(topics::from_describe_file(f, config)?);
    }
    if config.mode == Mode::Kraft {
        if let Some(dir) = &config.metadata_log_dir {
            let log = dir.join(scan::names::METADATA_TOPIC.to_string() + "-0");
            if log.is_dir() {
                return Ok(topics::from_metadata_log(&log, config));
            }
        }
    }
    Ok(topics::broker_only(config))
}

/// The per-topic settings of an inventory, with index sizes inferred from its active indexes.
pub fn settle_topics(
    o: &CheckOptions,
    config: &BrokerConfig,
    inventory: Inventory,
) -> anyhow::Result<Scanned> {
    let mut catalog = load_catalog(config, o.topic_config.as_deref())?;
    let inferred = model::inference::infer_index_sizes(&mut catalog, &inventory);
    Ok(Scanned {
        inventory,
        catalog,
        inferred,
    })
}

/// Scans the broker's log dirs and resolves per-topic settings (inference included).
pub fn scan(o: &CheckOptions, p: &Prepared) -> anyhow::Result<Scanned> {
    let mut catalog = load_catalog(&p.config, o.topic_config.as_deref())?;
    let mut opts = ScanOptions::for_config(&p.config);
    opts.threads = o.threads;
    // Lazy-era brokers (2.3+) do not touch flushed segments' indexes at load: no stat needed.
    opts.index_sizes.all = !p.env.rules.lazy_index;
    start_deadline(o)?;
    opts.deadline = crate::fsread::deadline();
    opts.smallest_index_max_bytes = catalog
        .topics
        .values()
        .map(|t| t.segment_index_bytes.value)
        .fold(opts.smallest_index_max_bytes, u64::min);
    let progress = crate::progress::Progress::start(!o.quiet);
    opts.progress = progress.counter();
    let inventory = scan::scan(&p.config, &opts);
    progress.finish();
    // Stopped by --timeout before one partition dir was read: no number would mean anything.
    if inventory.incomplete && inventory.partitions().next().is_none() {
        let reasons: Vec<String> = inventory
            .all_problems()
            .filter(|pr| pr.severity == crate::problem::Severity::Error)
            .map(|pr| match pr.path.as_os_str().is_empty() {
                true => pr.message.clone(),
                false => format!("{}: {}", pr.path.display(), pr.message),
            })
            .collect();
        anyhow::bail!(
            "--timeout {} s expired before any partition dir was read; nothing to report:\n  {}",
            o.timeout.unwrap_or_default().as_secs_f64(),
            reasons.join("\n  ")
        );
    }
    if !inventory.log_dirs.iter().any(|d| d.readable) {
        let reasons: Vec<String> = inventory
            .all_problems()
            .map(|pr| format!("{}: {}", pr.path.display(), pr.message))
            .collect();
        anyhow::bail!("no log dir could be read:\n  {}", reasons.join("\n  "));
    }
    let inferred = model::inference::infer_index_sizes(&mut catalog, &inventory);
    Ok(Scanned {
        inventory,
        catalog,
        inferred,
    })
}

/// --timeout starts one deadline for every read of the run (config, unit and environment files,
/// topic config, metadata log, log dirs: see [`crate::fsread`]); the first caller sets it.
pub fn start_deadline(o: &CheckOptions) -> anyhow::Result<()> {
    if let (Some(t), None) = (o.timeout, crate::fsread::deadline()) {
        crate::fsread::set_deadline(Some(crate::bounds::deadline("--timeout", t)?));
    }
    Ok(())
}

/// A read stuck in the kernel (a hung NFS mount) cannot be cancelled: with --timeout the work
/// runs on its own thread and is given up, naming what was still being read, if it is not back
/// shortly after the deadline.
pub fn with_watchdog<T: Send + 'static>(
    o: &CheckOptions,
    f: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
) -> anyhow::Result<T> {
    let Some(t) = o.timeout else {
        return f();
    };
    start_deadline(o)?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    let grace = Duration::from_secs(5);
    match rx.recv_timeout(t.saturating_add(grace)) {
        Ok(r) => r,
        Err(_) => {
            let pending: Vec<String> = crate::fsread::pending()
                .iter()
                .map(|p| p.display().to_string())
                .collect();
            anyhow::bail!(
                "no answer within --timeout {} s plus {} s (hung or very slow mount?); still being read:\n  {}",
                t.as_secs_f64(),
                grace.as_secs(),
                if pending.is_empty() {
                    "(nothing registered)".to_string()
                } else {
                    pending.join("\n  ")
                }
            )
        }
    }
}

/// The running broker's numbers (`--pid`) calibrate the baseline; explicit flags still win.
fn baseline(o: &CheckOptions, env: &Environment, inv: &Inventory) -> anyhow::Result<BaselineInput> {
    let measured = match &env.broker {
        Some(b) => {
            Some(crate::live::measure(b.pid).map_err(|e| anyhow::anyhow!("--pid {}: {e}", b.pid))?)
        }
        None => None,
    };
    Ok(BaselineInput {
        jvm: env.jvm.clone(),
        heap_source: env.heap_source.clone(),
        cores: o.cores,
        threads: None,
        malloc_arena_max: env.malloc_arena_max,
        vm_override: o
            .baseline
            .vm
            .or(measured.as_ref().map(|m| m.baseline.virtual_memory_bytes)),
        maps_override: o
            .baseline
            .maps
            .or(measured.as_ref().map(|m| m.baseline.map_areas)),
        fds_override: o.baseline.fds.or(measured.as_ref().map(|m| {
            // The running broker's fds minus those its logs hold now.
            let logs: u64 = inv
                .partitions()
                .map(|(_, p)| (p.segments() + p.txn_index_files()) * p.copies)
                .sum();
            m.open_files.saturating_sub(logs)
        })),
    })
}

/// The limits each check compares with: RLIMIT_NOFILE as HotSpot will set it.
fn effective_limits(env: &Environment) -> (EffectiveLimits, (Option<u64>, &'static str)) {
    let l = &env.limits;
    let nofile = limits::hotspot_nofile_limit(&l.open_files, &env.jvm.raw.join(" "));
    let effective = EffectiveLimits {
        virtual_memory: l.virtual_memory.soft,
        virtual_memory_source: l.virtual_memory.source.clone(),
        max_map_count: l.max_map_count.value,
        max_map_count_source: l.max_map_count.source.clone(),
        open_files: nofile.0,
        open_files_source: format!("{}; {}", l.open_files.source, nofile.1),
    };
    (effective, nofile)
}

/// Model, limits and verdict for a scanned (or planned) broker: the whole report.
pub fn evaluate(o: &CheckOptions, p: &Prepared, s: &Scanned) -> anyhow::Result<Report> {
    let (inv, catalog, env) = (&s.inventory, &s.catalog, &p.env);
    let geometry = |topic: &str| {
        let t = catalog.for_topic(topic);
        Geometry {
            index_max_bytes: t.segment_index_bytes.value,
            index_interval_bytes: t.index_interval_bytes.value,
        }
    };
    let estimate = model::estimate(&model::ModelInput {
        inventory: inv,
        config: &p.config,
        rules: env.rules,
        scenario: o.scenario,
        geometry: &geometry,
        baseline: baseline(o, env, inv)?,
        recovery_rate: o.recovery_rate,
        connections: o.connections,
    });
    let (effective, nofile) = effective_limits(env);
    let mut problems: Vec<_> = inv
        .all_problems()
        .chain(estimate.problems.iter())
        .chain(catalog.problems.iter())
        .cloned()
        .chain(catalog.version_problems(&env.rules))
        .chain(crate::config::unknown_keys::problems(
            &p.config.settings,
            env.rules.version,
        ))
        .collect();
    // The newest release unmaps on resize (KAFKA-19390): the least garbage of any version.
    let version_warning = match (&env.assumed, env.version_source) {
        (Some(r), _) => Some(Problem::warning(
            "",
            format!(
                "Kafka version not given: assumed {}, the most demanding release of {} (from {}). Pass --kafka-version, --kafka-home or --pid",
                env.rules.version,
                r.describe(),
                if r.reasons.is_empty() { "no evidence: any release".to_string() } else { r.reasons.join(", ") }
            ),
        )),
        (None, VersionSource::Default) => Some(Problem::warning(
            "",
            format!(
                "Kafka version not given: assumed {} (the newest modelled); releases without KAFKA-19390 (before 3.9.2, 4.0.2, 4.1.1) and before 2.3 need more. Pass --kafka-version or --kafka-home",
                env.rules.version
            ),
        )),
        _ => None,
    };
    problems.extend(version_warning);
    let verdict = verdict::judge(&VerdictInput {
        estimate: &estimate,
        limits: &effective,
        rules: &env.rules,
        explicit_gc_disabled: env.explicit_gc_disabled,
        problems: &problems,
        recovery_warn_seconds: o.recovery_warn_seconds,
        cores: o.cores,
        segment_bytes: p.config.log_segment_bytes,
        started_by: &env.started_by,
        config_path: p.config.path.as_deref(),
        log_dirs: &p.config.log_dirs,
    });
    Ok(report::build(ReportInput {
        config: &p.config,
        rules: &env.rules,
        version_source: env.version_source,
        assumed: env.assumed.as_ref(),
        explicit_gc_disabled: env.explicit_gc_disabled,
        heap_max_bytes: Some(
            env.jvm
                .heap_max
                .unwrap_or(model::baseline::KAFKA_DEFAULT_HEAP),
        ),
        scenario: o.scenario,
        inventory: inv,
        estimate,
        limits: LimitsSection::new(&env.limits, nofile),
        verdict,
        topics: report::TopicsInput {
            catalog,
            inferred: s.inferred.clone(),
            show: o.show_topics,
        },
        problems,
    }))
}

/// `check`: prepare -> scan -> evaluate, all under --timeout's one deadline.
pub fn check(o: &CheckOptions) -> anyhow::Result<Report> {
    let o2 = o.clone();
    with_watchdog(o, move || {
        let p = prepare(&o2)?;
        if p.env.version_source == VersionSource::Default {
            return judge_assumed(&o2, p);
        }
        let s = scan(&o2, &p)?;
        evaluate(&o2, &p, &s)
    })
}

/// No version given: narrow it from the config and the log dirs, judge every set of start-up
/// rules that range allows, and keep the report of the one that needs the most (worst verdict,
/// then the largest virtual memory, map areas and open files it requires).
fn judge_assumed(o: &CheckOptions, mut p: Prepared) -> anyhow::Result<Report> {
    use crate::version_evidence::{candidates, from_config};
    // An eager-era candidate needs every index's size, so scan for the eagerest first.
    let early = candidates(&from_config(&p.config), kafka_version::DEFAULT_VERSION);
    if let Some(eager) = early.iter().find(|r| !r.lazy_index) {
        p.env.rules = *eager;
    }
    let s = scan(o, &p)?;
    evaluate_narrowed(o, &p, &s)
}

/// [`evaluate`] when the release is known; else (no `--kafka-version`, no jar, no metadata
/// log that says) every release the config and the inventory allow is judged and the one that
/// needs the most is kept, so a missing version never means the newest (most forgiving) one.
/// `check`, `plan` and `diff` all judge through here.
pub fn evaluate_narrowed(o: &CheckOptions, p: &Prepared, s: &Scanned) -> anyhow::Result<Report> {
    use crate::version_evidence::{candidates, narrow};
    if p.env.version_source != VersionSource::Default {
        return evaluate(o, p, s);
    }
    let range = narrow(&p.config, &s.inventory);
    let mut best: Option<(Report, (u8, Vec<u64>))> = None;
    for rules in candidates(&range, kafka_version::DEFAULT_VERSION) {
        let mut q = p.clone();
        q.env.rules = rules;
        q.env.version_source = VersionSource::Evidence;
        q.env.assumed = Some(range.clone());
        let report = evaluate(o, &q, s)?;
        let demand = demand(&report);
        if best.as_ref().map_or(true, |(_, d)| demand > *d) {
            best = Some((report, demand));
        }
    }
    best.map(|(r, _)| r)
        .ok_or_else(|| anyhow::anyhow!("no Kafka release fits the evidence ({})", range.describe()))
}

/// How much a report asks of the host, comparable across releases: the verdict, then what
/// each check requires, in check order.
fn demand(r: &Report) -> (u8, Vec<u64>) {
    let status = match r.verdict {
        verdict::Status::Fail => 2,
        verdict::Status::Warn => 1,
        verdict::Status::Pass => 0,
    };
    (
        status,
        r.checks.iter().map(|c| c.required.unwrap_or(0)).collect(),
    )
}
