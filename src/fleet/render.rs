//! The merged fleet as a terminal table, a Markdown comment, CSV or JSON.

use std::fmt::Write as _;

use tabled::builder::Builder;
use tabled::settings::Style;

use super::{BrokerRow, CheckCell, Fleet, CHECK_IDS};

/// Stable CSV header: scripts and spreadsheets address columns by these names.
pub const CSV_COLUMNS: [&str; 22] = [
    "cluster_id",
    "host",
    "broker_id",
    "kafka_version",
    "verdict",
    "virtual_memory_status",
    "virtual_memory_required",
    "virtual_memory_limit",
    "virtual_memory_headroom_pct",
    "map_areas_status",
    "map_areas_required",
    "map_areas_limit",
    "map_areas_headroom_pct",
    "open_files_status",
    "open_files_required",
    "open_files_limit",
    "open_files_headroom_pct",
    "recovery_seconds",
    "partitions",
    "top_recommendation",
    "checked_at",
    "file",
];

fn amount(id: &str, v: u64) -> String {
    if id == "virtual_memory" {
        crate::units::bytes(v)
    } else {
        v.to_string()
    }
}

/// "FAIL 5.8 GiB / 6.6 GiB (12%)": status, need vs limit and headroom in one cell, so the
/// table stays narrow enough for a terminal.
fn cell_text(id: &str, c: &CheckCell) -> String {
    let Some(s) = c.status else {
        return "-".into();
    };
    let required = c.required.map_or("?".into(), |v| amount(id, v));
    let limit = c.limit.map_or("unlimited".into(), |v| amount(id, v));
    let head = c
        .headroom_percent
        .filter(|h| h.is_finite())
        .map(|h| format!(" ({h:.0}%)"))
        .unwrap_or_default();
    format!("{} {required} / {limit}{head}", s.as_str().to_uppercase())
}

fn recovery(r: &BrokerRow) -> String {
    r.recovery_seconds.map_or("-".into(), |s| {
        humantime::format_duration(std::time::Duration::from_secs(s.round() as u64)).to_string()
    })
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map_or("-".into(), ToString::to_string)
}

fn header() -> Vec<String> {
    let mut h: Vec<String> = ["host", "broker", "kafka", "verdict"]
        .map(String::from)
        .to_vec();
    h.extend(CHECK_IDS.map(|id| format!("{id} (need / limit, headroom)")));
    h.extend(["recovery", "top recommendation", "checked at"].map(String::from));
    h
}

fn record(r: &BrokerRow) -> Vec<String> {
    let mut v = vec![
        r.host.clone(),
        opt(&r.broker_id),
        opt(&r.kafka_version),
        r.verdict.as_str().to_uppercase(),
    ];
    v.extend(CHECK_IDS.map(|id| cell_text(id, r.cell(id))));
    v.push(recovery(r));
    v.push(opt(&r.top_recommendation));
    v.push(opt(&r.checked_at));
    v
}

fn overall(f: &Fleet) -> String {
    let n: usize = f.clusters.iter().map(|c| c.brokers.len()).sum();
    let sum = |g: fn(&super::Cluster) -> usize| f.clusters.iter().map(g).sum::<usize>();
    format!(
        "{n} broker report{} merged: {} failing, {} at risk (warn), {} passing; {} unreadable file{}",
        if n == 1 { "" } else { "s" },
        sum(|c| c.failing),
        sum(|c| c.warning),
        sum(|c| c.passing),
        f.errors.len(),
        if f.errors.len() == 1 { "" } else { "s" },
    )
}

/// Errors are not part of the table: the command prints them to stderr for table and CSV.
pub fn table(f: &Fleet) -> String {
    let mut out = String::new();
    for c in &f.clusters {
        let _ = writeln!(out, "{}", c.summary());
        let mut b = Builder::default();
        b.push_record(header());
        for r in &c.brokers {
            b.push_record(record(r));
        }
        let mut t = b.build();
        t.with(Style::sharp());
        let _ = writeln!(out, "{t}\n");
    }
    let _ = writeln!(out, "{}", overall(f));
    out
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// A PR or ticket comment: the answer (summary) first, the evidence (table) after.
pub fn markdown(f: &Fleet) -> String {
    let mut out = String::new();
    let verdict = f.verdict.map_or("NO REPORTS", |v| match v {
        super::Status::Fail => "FAIL",
        super::Status::Warn => "WARN",
        super::Status::Pass => "PASS",
    });
    let _ = writeln!(out, "### kafka-preflight fleet check: **{verdict}**\n");
    let _ = writeln!(out, "{}\n", overall(f));
    for c in &f.clusters {
        let _ = writeln!(out, "- {}", md_escape(&c.summary()));
    }
    for c in &f.clusters {
        let _ = writeln!(out, "\n#### cluster `{}`\n", md_escape(&c.label()));
        let h = header();
        let _ = writeln!(out, "| {} |", h.join(" | "));
        let _ = writeln!(out, "|{}", "---|".repeat(h.len()));
        for r in &c.brokers {
            let cells: Vec<String> = record(r).iter().map(|s| md_escape(s)).collect();
            let _ = writeln!(out, "| {} |", cells.join(" | "));
        }
    }
    if !f.errors.is_empty() {
        let _ = writeln!(out, "\n#### Not merged\n");
        for e in &f.errors {
            let _ = writeln!(out, "- `{}`: {}", md_escape(&e.file), md_escape(&e.error));
        }
    }
    out
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn num<T: ToString>(v: Option<T>) -> String {
    v.map_or(String::new(), |x| x.to_string())
}

/// One row per broker; empty = unknown, and a limit of "unlimited" is spelled out so it is not
/// mistaken for unknown.
pub fn csv(f: &Fleet) -> String {
    let mut out = CSV_COLUMNS.join(",");
    out.push('\n');
    for c in &f.clusters {
        for r in &c.brokers {
            let mut v = vec![
                c.cluster_id.clone().unwrap_or_default(),
                r.host.clone(),
                num(r.broker_id),
                r.kafka_version.clone().unwrap_or_default(),
                r.verdict.as_str().into(),
            ];
            for id in CHECK_IDS {
                let x = r.cell(id);
                v.push(x.status.map_or(String::new(), |s| s.as_str().into()));
                v.push(num(x.required));
                v.push(match (x.status, x.limit) {
                    (Some(_), None) => "unlimited".into(),
                    (_, l) => num(l),
                });
                v.push(
                    x.headroom_percent
                        .filter(|h| h.is_finite())
                        .map_or(String::new(), |h| format!("{h:.1}")),
                );
            }
            v.push(
                r.recovery_seconds
                    .map_or(String::new(), |s| format!("{s:.0}")),
            );
            v.push(num(r.partitions));
            v.push(r.top_recommendation.clone().unwrap_or_default());
            v.push(r.checked_at.clone().unwrap_or_default());
            v.push(r.file.clone());
            let line: Vec<String> = v.iter().map(|s| csv_field(s)).collect();
            out.push_str(&line.join(","));
            out.push('\n');
        }
    }
    out
}

pub fn json(f: &Fleet) -> String {
    // Serializing plain structs of strings and numbers cannot fail; non-finite headroom is
    // written as null by serde_json.
    let mut s = serde_json::to_string_pretty(f).unwrap_or_else(|e| {
        format!(
            "{{\"errors\":[{{\"file\":\"\",\"error\":{:?}}}]}}",
            e.to_string()
        )
    });
    s.push('\n');
    s
}
