//! `diff`: two server.properties judged each on its own data (or on one planned workload),
//! and what changes between them.

use std::path::Path;

use anyhow::Context;
use serde::Serialize;

use super::plan::Planner;
use super::{Prepared, Scanned};
use crate::config::BrokerConfig;
use crate::options::{CheckOptions, WorkloadOptions};
use crate::output::report::Report;
use crate::topics::Source;
use crate::verdict::{CheckId, Status};

#[derive(Debug, Clone, Serialize)]
pub struct MetricRow {
    pub metric: &'static str,
    pub old: u64,
    pub new: u64,
    /// Bytes are shown in binary units.
    pub bytes: bool,
}

impl MetricRow {
    pub fn change(&self) -> i128 {
        i128::from(self.new) - i128::from(self.old)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct CheckChange {
    pub id: CheckId,
    pub old: Option<Status>,
    pub new: Option<Status>,
    pub new_message: Option<String>,
}

/// (key, old value, new value); None = not set in that file.
pub type SettingChange = (String, Option<String>, Option<String>);

#[derive(Debug, Serialize)]
pub struct Diff {
    pub old_config: String,
    pub new_config: String,
    /// "scan of ..." or "plan: N partitions ...".
    pub inventory: String,
    pub old_verdict: Status,
    pub new_verdict: Status,
    pub metrics: Vec<MetricRow>,
    pub changed_checks: Vec<CheckChange>,
    /// Checks that fail under either config, changed or not: "no check changes status" must not
    /// hide a check that fails in both.
    pub failing_checks: Vec<CheckChange>,
    /// Settings that differ between the two files (key, old, new).
    pub changed_settings: Vec<SettingChange>,
    #[serde(skip)]
    pub old_report: Report,
    pub new_report: Report,
}

pub fn metrics(old: &Report, new: &Report) -> Vec<MetricRow> {
    let (o, n) = (&old.estimate, &new.estimate);
    let row = |metric, f: &dyn Fn(&crate::model::Estimate) -> u64, bytes| MetricRow {
        metric,
        old: f(o),
        new: f(n),
        bytes,
    };
    let segs = |r: &Report| r.inventory.segments;
    vec![
        MetricRow {
            metric: "segments",
            old: segs(old),
            new: segs(new),
            bytes: false,
        },
        row("index maps (live)", &|e| e.index_maps.live, false),
        row("index maps (best)", &|e| e.index_maps.best, false),
        row("index maps (worst)", &|e| e.index_maps.worst, false),
        row(
            "index mmap bytes (live)",
            &|e| e.index_mmap_bytes.live,
            true,
        ),
        row(
            "index mmap bytes (best)",
            &|e| e.index_mmap_bytes.best,
            true,
        ),
        row(
            "index mmap bytes (worst)",
            &|e| e.index_mmap_bytes.worst,
            true,
        ),
        row("map areas (best)", &|e| e.map_areas.best, false),
        row("map areas (worst)", &|e| e.map_areas.worst, false),
        row(
            "virtual memory (best)",
            &|e| e.virtual_memory_bytes.best,
            true,
        ),
        row(
            "virtual memory (worst)",
            &|e| e.virtual_memory_bytes.worst,
            true,
        ),
        row("open files (peak)", &|e| e.open_files.peak, false),
        row("logs loading at once", &|e| e.inflight_logs, false),
        row(
            "recovery threads per dir",
            &|e| u64::from(e.recovery.threads_per_dir),
            false,
        ),
        row(
            "slowest dir recovery (s)",
            &|e| e.recovery.slowest_seconds.ceil() as u64,
            false,
        ),
        row(
            "steady-state map areas",
            &|e| e.steady_state.map_areas,
            false,
        ),
        row(
            "steady-state virtual memory",
            &|e| e.steady_state.virtual_memory_bytes,
            true,
        ),
    ]
}

/// Every check of either report, old and new status side by side.
pub fn check_pairs(old: &Report, new: &Report) -> Vec<CheckChange> {
    let mut ids: Vec<CheckId> = old.checks.iter().map(|c| c.id).collect();
    for c in &new.checks {
        if !ids.contains(&c.id) {
            ids.push(c.id);
        }
    }
    ids.into_iter()
        .map(|id| {
            let o = old.checks.iter().find(|c| c.id == id);
            let n = new.checks.iter().find(|c| c.id == id);
            let (os, ns) = (o.map(|c| c.status), n.map(|c| c.status));
            CheckChange {
                id,
                old: os,
                new: ns,
                new_message: n.map(|c| c.message.clone()),
            }
        })
        .collect()
}

pub fn settings_diff(old: &Path, new: &Path) -> anyhow::Result<Vec<SettingChange>> {
    let read = |p: &Path| -> anyhow::Result<std::collections::BTreeMap<String, String>> {
        Ok(crate::config::properties::read_file(p)?
            .iter()
            .map(|(k, s)| (k.clone(), s.value.clone()))
            .collect())
    };
    let (o, n) = (read(old)?, read(new)?);
    let mut keys: Vec<&String> = o.keys().chain(n.keys()).collect();
    keys.sort();
    keys.dedup();
    Ok(keys
        .into_iter()
        .filter(|k| o.get(*k) != n.get(*k))
        .map(|k| (k.clone(), o.get(k).cloned(), n.get(k).cloned()))
        .collect())
}

pub fn changed_checks(old: &Report, new: &Report) -> Vec<CheckChange> {
    check_pairs(old, new)
        .into_iter()
        .filter(|c| c.old != c.new)
        .collect()
}

pub fn failing_checks(old: &Report, new: &Report) -> Vec<CheckChange> {
    check_pairs(old, new)
        .into_iter()
        .filter(|c| c.old == Some(Status::Fail) || c.new == Some(Status::Fail))
        .collect()
}

/// Whether a config names log dirs this host can list.
fn scannable(config: &BrokerConfig) -> bool {
    config.log_dirs.iter().any(|d| std::fs::read_dir(d).is_ok())
}

/// NEW's topic settings on data written under OLD. A preallocated active index of OLD's size
/// is OLD's default at work, not a per-topic override: inferring it for NEW would hide a
/// changed log.index.size.max.bytes (the diff then showed +0.6 % where the plan said +100 %).
fn settle_beside_old(
    o: &CheckOptions,
    new: &BrokerConfig,
    old: &BrokerConfig,
    inventory: crate::scan::Inventory,
) -> anyhow::Result<Scanned> {
    let old_catalog = super::load_catalog(old, o.topic_config.as_deref())?;
    let before = super::load_catalog(new, o.topic_config.as_deref())?;
    let mut s = super::settle_topics(o, new, inventory)?;
    let explained: Vec<String> = s
        .catalog
        .topics
        .iter()
        .filter(|(name, t)| {
            t.segment_index_bytes.source == Source::Inferred
                && t.segment_index_bytes.value / 8
                    == old_catalog.for_topic(name).segment_index_bytes.value / 8
        })
        .map(|(name, _)| name.clone())
        .collect();
    for name in &explained {
        match before.topics.get(name) {
            Some(t) => s.catalog.topics.insert(name.clone(), t.clone()),
            None => s.catalog.topics.remove(name),
        };
        s.inferred.retain(|n| !n.starts_with(&format!("{name}: ")));
    }
    Ok(s)
}

/// Judges OLD and NEW: on the data of their own log dirs when this host can read them, else on
/// the workload the flags describe, laid out the way each config would.
pub fn diff(
    opts: &CheckOptions,
    wl: WorkloadOptions,
    old_path: &Path,
    new_path: &Path,
) -> anyhow::Result<Diff> {
    for (what, p) in [("OLD", old_path), ("NEW", new_path)] {
        if !p.is_file() {
            anyhow::bail!(
                "{what} {}: not a readable file; expected a server.properties",
                p.display()
            );
        }
    }
    let changed_settings = settings_diff(old_path, new_path)?;
    let with_path = |p: &Path| {
        let mut o = opts.clone();
        o.config.path = Some(p.to_path_buf());
        o
    };
    let (o_old, o_new) = (with_path(old_path), with_path(new_path));
    let new_config =
        super::load_config(&o_new.config).with_context(|| format!("NEW {}", new_path.display()))?;
    let (old, new, inventory) = if !wl.given() && scannable(&new_config) {
        let old_config = super::load_config(&o_old.config)
            .with_context(|| format!("OLD {}", old_path.display()))?;
        let env = super::environment(opts)?;
        let p_new = Prepared {
            config: new_config,
            env: env.clone(),
        };
        let p_old = Prepared {
            config: old_config,
            env,
        };
        let s_new = super::scan(&o_new, &p_new)?;
        let dirs = |c: &BrokerConfig| {
            c.log_dirs
                .iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        // Each config on its own log dirs; one scan when they name the same ones.
        let (s_old, old_data) = if p_old.config.log_dirs == p_new.config.log_dirs {
            let s = super::settle_topics(&o_old, &p_old.config, s_new.inventory.clone())?;
            (s, None)
        } else if scannable(&p_old.config) {
            (super::scan(&o_old, &p_old)?, Some(dirs(&p_old.config)))
        } else {
            let s = super::settle_topics(&o_old, &p_old.config, s_new.inventory.clone())?;
            (
                s,
                Some(format!(
                    "NEW's data: OLD's log dirs ({}) cannot be read here",
                    dirs(&p_old.config)
                )),
            )
        };
        let s_new = if old_data.is_none() {
            settle_beside_old(&o_new, &p_new.config, &p_old.config, s_new.inventory)?
        } else {
            s_new
        };
        let old = super::evaluate_narrowed(&o_old, &p_old, &s_old)?;
        let new = super::evaluate_narrowed(&o_new, &p_new, &s_new)?;
        let desc = match old_data {
            None => format!("scan of {}", dirs(&p_new.config)),
            Some(o) => format!("OLD on {o}; NEW on scan of {}", dirs(&p_new.config)),
        };
        (old, new, desc)
    } else {
        if !wl.given() {
            anyhow::bail!(
                "NEW {}: its log dirs cannot be read here, so describe the data instead: \
                 --partitions N and --bytes-per-partition SIZE (or --produce-rate with --retention)",
                new_path.display()
            );
        }
        // Without data the workload is fixed and each config lays it out its own way (segment
        // size, index preallocation), as the broker would after running with that config.
        let planner = Planner::new(opts.clone(), wl)?;
        let (old, _) = planner
            .report(Some(old_path.to_path_buf()), None)
            .with_context(|| format!("OLD {}", old_path.display()))?;
        let (new, w) = planner
            .report(Some(new_path.to_path_buf()), None)
            .with_context(|| format!("NEW {}", new_path.display()))?;
        let desc = format!(
            "plan: {} partitions x {} over {} log dir(s), {} scenario",
            w.partitions,
            crate::units::bytes(w.bytes_per_partition),
            w.log_dirs.len(),
            if w.crash { "crash" } else { "clean" }
        );
        (old, new, desc)
    };
    Ok(Diff {
        old_config: old_path.display().to_string(),
        new_config: new_path.display().to_string(),
        inventory,
        old_verdict: old.verdict,
        new_verdict: new.verdict,
        metrics: metrics(&old, &new),
        changed_checks: changed_checks(&old, &new),
        failing_checks: failing_checks(&old, &new),
        changed_settings,
        old_report: old,
        new_report: new,
    })
}
