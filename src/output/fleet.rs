//! The merged fleet (`merge`) as a terminal table, a Markdown comment, CSV or JSON;
//! Prometheus is refused (each broker exports its own metrics with `check`).

use std::fmt::Write as _;

use tabled::builder::Builder;

use crate::fleet::{BrokerRow, CheckCell, Fleet, Status, CHECK_IDS};
use crate::output::text::fit;
use crate::output::Format;

/// Stable CSV header: scripts and spreadsheets address columns by these names.
/// New columns are only appended.
pub const CSV_COLUMNS: [&str; 27] = [
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
    "worst_check",
    "worst_check_status",
    "fix",
    "unreadable",
    "duplicate_broker_id",
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
    format!("{} {required} / {limit}{head}", s.label())
}

fn recovery(r: &BrokerRow) -> String {
    r.recovery_seconds
        .map_or("-".into(), crate::units::duration)
}

/// "FAIL: 1 of 4 brokers (host1: virtual_memory)": the first line of the human outputs.
pub fn verdict_line(f: &Fleet) -> String {
    let Some(v) = f.verdict else {
        return "UNKNOWN: no report could be read".into();
    };
    let brokers: Vec<&BrokerRow> = f.clusters.iter().flat_map(|c| &c.brokers).collect();
    let worst: Vec<String> = brokers
        .iter()
        .filter(|b| b.verdict == v && v != Status::Pass)
        .map(|b| match &b.worst_check {
            Some(w) => format!("{}: {}", b.host, w.id),
            None => b.host.clone(),
        })
        .collect();
    let word = v.label();
    if worst.is_empty() {
        format!("{word}: all {} brokers pass", brokers.len())
    } else {
        format!(
            "{word}: {} of {} brokers ({})",
            worst.len(),
            brokers.len(),
            worst.join("; ")
        )
    }
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map_or("-".into(), ToString::to_string)
}

fn header() -> Vec<String> {
    let mut h: Vec<String> = ["host", "broker", "kafka", "verdict"]
        .map(String::from)
        .to_vec();
    h.extend(CHECK_IDS.map(|id| format!("{id} (required / limit, headroom)")));
    h.extend(["recovery", "why / fix", "checked at"].map(String::from));
    h
}

/// "FAIL (log_dirs)": the verdict names the check it comes from, so a row that fails on
/// lost+found is not read as "three PASS columns, so what fails?".
fn verdict_text(r: &BrokerRow) -> String {
    let v = r.verdict.label();
    match &r.worst_check {
        Some(w) => format!("{v} ({})", w.id),
        None => v.to_string(),
    }
}

/// Why the row is not a pass and what fixes it: the deciding check's own recommendation, else
/// its message (an older report, or a problem without a known fix). A passing row keeps the
/// top recommendation as advice.
fn why(r: &BrokerRow) -> String {
    if let Some(e) = &r.unreadable {
        return format!("unreadable: {e}");
    }
    match &r.worst_check {
        Some(w) => match &w.fix {
            Some(fix) => format!("{} {}: fix {fix}", w.id, w.status.label()),
            None => format!("{} {}: {}", w.id, w.status.label(), w.message),
        },
        None => opt(&r.top_recommendation),
    }
}

fn record(r: &BrokerRow) -> Vec<String> {
    let mut v = vec![
        r.host.clone(),
        match r.broker_id {
            Some(id) if r.duplicate_broker_id => format!("{id} DUPLICATE"),
            id => opt(&id),
        },
        opt(&r.kafka_version),
        verdict_text(r),
    ];
    v.extend(CHECK_IDS.map(|id| cell_text(id, r.cell(id))));
    v.push(recovery(r));
    v.push(why(r));
    v.push(opt(&r.checked_at));
    v
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The fleet's answer in one line: every input is accounted for, read or not.
pub fn overall(f: &Fleet) -> String {
    let sum = |g: fn(&crate::fleet::Cluster) -> usize| f.clusters.iter().map(g).sum::<usize>();
    let mut s = format!(
        "{}: {} failing, {} unknown (unreadable report), {} at risk (warn), {} passing; {} not merged",
        plural(f.brokers().count(), "broker", "brokers"),
        sum(|c| c.failing),
        sum(|c| c.unknown),
        sum(|c| c.warning),
        sum(|c| c.passing),
        plural(f.superseded.len(), "superseded report", "superseded reports"),
    );
    if !f.duplicate_broker_ids.is_empty() {
        s.push_str(&format!(
            "; {} claimed by more than one host",
            plural(f.duplicate_broker_ids.len(), "broker id", "broker ids")
        ));
    }
    s
}

/// Errors are not part of the table: the command prints them to stderr for table and CSV.
pub fn table(f: &Fleet, width: usize) -> String {
    let mut out = verdict_line(f);
    out.push_str("\n\n");
    for c in &f.clusters {
        let _ = writeln!(out, "{}", c.summary());
        let mut b = Builder::default();
        b.push_record(header());
        for r in &c.brokers {
            b.push_record(record(r));
        }
        let _ = writeln!(out, "{}\n", fit(b, width));
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
    let verdict = f.verdict.map_or("NO READABLE REPORT", Status::label);
    let _ = writeln!(out, "### kafka-preflight fleet check: **{verdict}**\n");
    let _ = writeln!(out, "{}\n", md_escape(&verdict_line(f)));
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
        let _ = writeln!(out, "\n#### Unreadable (state unknown)\n");
        for e in &f.errors {
            let _ = writeln!(out, "- `{}`: {}", md_escape(&e.file), md_escape(&e.error));
        }
    }
    if !f.superseded.is_empty() {
        let _ = writeln!(out, "\n#### Superseded (not merged)\n");
        for s in &f.superseded {
            let _ = writeln!(out, "- `{}`: {}", md_escape(&s.file), md_escape(&s.reason));
        }
    }
    out
}

fn num<T: ToString>(v: Option<T>) -> String {
    v.map_or(String::new(), |x| x.to_string())
}

/// One row per broker; empty = unknown, and a limit of "unlimited" is spelled out so it is not
/// mistaken for unknown.
pub fn csv(f: &Fleet) -> String {
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    // Writing to a Vec cannot fail.
    out.write_record(CSV_COLUMNS).expect("csv header");
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
            let w = r.worst_check.as_ref();
            v.push(w.map_or(String::new(), |w| w.id.clone()));
            v.push(w.map_or(String::new(), |w| w.status.as_str().into()));
            v.push(w.and_then(|w| w.fix.clone()).unwrap_or_default());
            v.push(r.unreadable.clone().unwrap_or_default());
            v.push(r.duplicate_broker_id.to_string());
            out.write_record(&v).expect("csv row");
        }
    }
    String::from_utf8(out.into_inner().expect("flush to a Vec")).expect("UTF-8 cells")
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

/// The fleet in `format`, or a refusal naming the formats it has.
pub fn render(f: &Fleet, format: Format, width: usize) -> anyhow::Result<String> {
    Ok(match format {
        Format::Table => table(f, width),
        Format::Markdown => markdown(f),
        Format::Csv => csv(f),
        Format::Json => json(f),
        Format::Prometheus => anyhow::bail!(
            "--format prometheus: merge has no metrics of its own; export each broker's with check --format prometheus, or use --format table, markdown, csv or json"
        ),
    })
}
