use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Serialize;

use crate::commands::check::{self, CheckArgs};
use crate::commands::plan::{Planner, WorkloadArgs};
use crate::options::{CheckOptions, ConfigSource, OutputOptions};
use crate::output::report::Report;
use crate::output::{self};
use crate::pipeline;
use crate::verdict::Status;

/// `diff` takes every `check` flag (its --config is replaced by OLD and NEW) and the plan
/// workload flags, used when NEW's log dirs cannot be read here (CI).
#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The server.properties in force now.
    #[arg(value_name = "OLD.properties")]
    pub old: PathBuf,
    /// The proposed server.properties.
    #[arg(value_name = "NEW.properties")]
    pub new: PathBuf,
    #[command(flatten)]
    pub check: CheckArgs,
    #[command(flatten)]
    pub workload: WorkloadArgs,
    /// Markdown for a PR comment (same as --format markdown where that format exists).
    #[arg(long)]
    pub markdown: bool,
}

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
    pub id: String,
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
    pub old_verdict: Option<Status>,
    pub new_verdict: Option<Status>,
    pub metrics: Vec<MetricRow>,
    pub changed_checks: Vec<CheckChange>,
    /// Settings that differ between the two files (key, old, new).
    pub changed_settings: Vec<SettingChange>,
    #[serde(skip)]
    pub old_report: Option<Report>,
    pub new_report: Report,
}

pub fn metrics(old: &Report, new: &Report) -> Vec<MetricRow> {
    let (Some(o), Some(n)) = (&old.estimate, &new.estimate) else {
        return Vec::new();
    };
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

pub fn changed_checks(old: &Report, new: &Report) -> Vec<CheckChange> {
    let mut ids: Vec<crate::verdict::CheckId> = old.checks.iter().map(|c| c.id).collect();
    for c in &new.checks {
        if !ids.contains(&c.id) {
            ids.push(c.id);
        }
    }
    ids.into_iter()
        .filter_map(|id| {
            let o = old.checks.iter().find(|c| c.id == id);
            let n = new.checks.iter().find(|c| c.id == id);
            let (os, ns) = (o.map(|c| c.status), n.map(|c| c.status));
            (os != ns).then(|| CheckChange {
                id: id.to_string(),
                old: os,
                new: ns,
                new_message: n.map(|c| c.message.clone()),
            })
        })
        .collect()
}

fn settings_diff(old: &Path, new: &Path) -> anyhow::Result<Vec<SettingChange>> {
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

/// Whether NEW names log dirs this host can list: then both configs see the real data.
fn scannable(src: &ConfigSource, new: &Path) -> bool {
    let src = ConfigSource {
        path: Some(new.to_path_buf()),
        ..src.clone()
    };
    pipeline::load_config(&src)
        .map(|c| c.log_dirs.iter().any(|d| std::fs::read_dir(d).is_ok()))
        .unwrap_or(false)
}

pub fn diff(args: &DiffArgs) -> anyhow::Result<Diff> {
    for (what, p) in [("OLD", &args.old), ("NEW", &args.new)] {
        if !p.is_file() {
            anyhow::bail!(
                "{what} {}: not a readable file; expected a server.properties",
                p.display()
            );
        }
    }
    let changed_settings = settings_diff(&args.old, &args.new)?;
    let mut opts = CheckOptions::from_args(&args.check)?;
    let (old, new, inventory) = if !args.workload.given() && scannable(&opts.config, &args.new) {
        // The data on disk does not change with the config: one scan, judged twice.
        opts.config.path = Some(args.new.clone());
        let p_new = pipeline::prepare(&opts)?;
        let scanned = pipeline::scan(&opts, &p_new)?;
        let new = pipeline::evaluate(&opts, &p_new, &scanned)?;
        opts.config.path = Some(args.old.clone());
        let p_old = pipeline::Prepared {
            config: pipeline::load_config(&opts.config)
                .with_context(|| format!("OLD {}", args.old.display()))?,
            env: p_new.env.clone(),
        };
        let old_scanned = pipeline::settle_topics(&opts, &p_old.config, scanned.inventory.clone())?;
        let old = pipeline::evaluate(&opts, &p_old, &old_scanned)?;
        let dirs: Vec<String> = p_new
            .config
            .log_dirs
            .iter()
            .map(|d| d.display().to_string())
            .collect();
        (old, new, format!("scan of {}", dirs.join(", ")))
    } else {
        if !args.workload.given() {
            anyhow::bail!(
                "NEW {}: its log dirs cannot be read here, so describe the data instead: \
                 --partitions N and --bytes-per-partition SIZE (or --produce-rate with --retention)",
                args.new.display()
            );
        }
        // Without data the workload is fixed and each config lays it out its own way (segment
        // size, index preallocation), as the broker would after running with that config.
        let planner = Planner::new(opts, &args.workload)?;
        let (old, _) = planner
            .report(Some(args.old.clone()), None)
            .with_context(|| format!("OLD {}", args.old.display()))?;
        let (new, w) = planner
            .report(Some(args.new.clone()), None)
            .with_context(|| format!("NEW {}", args.new.display()))?;
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
        old_config: args.old.display().to_string(),
        new_config: args.new.display().to_string(),
        inventory,
        old_verdict: old.verdict,
        new_verdict: new.verdict,
        metrics: metrics(&old, &new),
        changed_checks: changed_checks(&old, &new),
        changed_settings,
        old_report: Some(old),
        new_report: new,
    })
}

fn value(v: u64, bytes: bool) -> String {
    if bytes {
        crate::units::bytes(v)
    } else {
        v.to_string()
    }
}

fn change(r: &MetricRow) -> String {
    let d = r.change();
    if d == 0 {
        return "=".into();
    }
    let sign = if d > 0 { "+" } else { "-" };
    let abs = d.unsigned_abs() as u64;
    let pct = if r.old > 0 {
        format!(" ({sign}{:.1}%)", abs as f64 * 100.0 / r.old as f64)
    } else {
        String::new()
    };
    format!("{sign}{}{pct}", value(abs, r.bytes))
}

fn status(s: Option<Status>) -> &'static str {
    match s {
        Some(Status::Pass) => "pass",
        Some(Status::Warn) => "warn",
        Some(Status::Fail) => "FAIL",
        None => "-",
    }
}

pub fn render_markdown(d: &Diff) -> String {
    let mut out = format!(
        "### kafka-preflight diff: `{}` → `{}`\n\nVerdict: **{}** → **{}** ({})\n\n",
        d.old_config,
        d.new_config,
        status(d.old_verdict),
        status(d.new_verdict),
        d.inventory
    );
    if !d.changed_settings.is_empty() {
        out.push_str("| setting | old | new |\n|---|---|---|\n");
        for (k, o, n) in &d.changed_settings {
            let s =
                |v: &Option<String>| v.as_deref().map_or("(unset)".into(), |v| format!("`{v}`"));
            out.push_str(&format!("| `{k}` | {} | {} |\n", s(o), s(n)));
        }
        out.push('\n');
    }
    out.push_str("| metric | old | new | change |\n|---|---:|---:|---:|\n");
    for r in &d.metrics {
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            r.metric,
            value(r.old, r.bytes),
            value(r.new, r.bytes),
            change(r)
        ));
    }
    out.push('\n');
    if d.changed_checks.is_empty() {
        out.push_str("No check changes status.\n");
    } else {
        out.push_str("| check | old | new | now |\n|---|---|---|---|\n");
        for c in &d.changed_checks {
            out.push_str(&format!(
                "| `{}` | {} | {} | {} |\n",
                c.id,
                status(c.old),
                status(c.new),
                c.new_message.as_deref().unwrap_or("").replace('|', "\\|")
            ));
        }
    }
    out
}

pub fn render_table(d: &Diff) -> String {
    let mut out = format!(
        "{} -> {}  ({})\nverdict: {} -> {}\n\n",
        d.old_config,
        d.new_config,
        d.inventory,
        status(d.old_verdict),
        status(d.new_verdict)
    );
    for (k, o, n) in &d.changed_settings {
        out.push_str(&format!(
            "  {k}: {} -> {}\n",
            o.as_deref().unwrap_or("(unset)"),
            n.as_deref().unwrap_or("(unset)")
        ));
    }
    let mut rows = vec![[
        "metric".to_string(),
        "old".into(),
        "new".into(),
        "change".into(),
    ]];
    for r in &d.metrics {
        rows.push([
            r.metric.to_string(),
            value(r.old, r.bytes),
            value(r.new, r.bytes),
            change(r),
        ]);
    }
    let w: Vec<usize> = (0..4)
        .map(|i| rows.iter().map(|r| r[i].len()).max().unwrap_or(0))
        .collect();
    out.push('\n');
    for r in &rows {
        out.push_str(
            format!(
                "{:<a$}  {:>b$}  {:>c$}  {:>d$}",
                r[0],
                r[1],
                r[2],
                r[3],
                a = w[0],
                b = w[1],
                c = w[2],
                d = w[3]
            )
            .trim_end(),
        );
        out.push('\n');
    }
    out.push('\n');
    if d.changed_checks.is_empty() {
        out.push_str("No check changes status.\n");
    }
    for c in &d.changed_checks {
        out.push_str(&format!(
            "check {}: {} -> {}: {}\n",
            c.id,
            status(c.old),
            status(c.new),
            c.new_message.as_deref().unwrap_or("")
        ));
    }
    out
}

pub fn run(args: DiffArgs) -> anyhow::Result<u8> {
    let d = diff(&args)?;
    let out = OutputOptions::from_args(&args.check);
    let format = if args.markdown {
        "markdown"
    } else {
        out.format.name()
    };
    let text = match format {
        "markdown" => render_markdown(&d),
        "json" => serde_json::to_string_pretty(&d)? + "\n",
        _ => render_table(&d),
    };
    output::emit(out.output.as_deref(), &text)?;
    // As `check` would exit for the NEW config.
    Ok(check::exit_code(&d.new_report, out.fail_on))
}
