//! The `audit` result (how a broker's last start went) in every format it has: the verdict
//! first (PASS for a clean start, FAIL for a failed or lossy one, with the one-sentence answer),
//! then the evidence. JSON is [`Audit`]; a past start has no metrics to scrape and no rows a
//! spreadsheet wants beyond the JSON's lists, so Prometheus and CSV are refused.

use std::fmt::Write as _;

use anyhow::bail;
use tabled::builder::Builder;

use crate::audit::{kind_name, phase_name, Audit, Outcome, MAX_LOG_BYTES};
use crate::output::{text, Format, Style};
use crate::verdict::Status;

/// Clean (started, nothing failed, nothing cut) passes; anything else fails, as the exit code.
pub fn status(a: &Audit) -> Status {
    if a.clean() {
        Status::Pass
    } else {
        Status::Fail
    }
}

pub fn render(a: &Audit, format: Format, style: Style) -> anyhow::Result<String> {
    Ok(match format {
        Format::Table => table(a, style.width),
        Format::Json => json(a),
        Format::Markdown => markdown(a),
        Format::Csv => bail!(
            "--format csv: an audit has no rows for a spreadsheet; use --format json (failures and truncated partitions are lists there), table or markdown"
        ),
        Format::Prometheus => bail!(
            "--format prometheus: a past start has no metrics to scrape; use --format table, json or markdown"
        ),
    })
}

pub fn table(a: &Audit, width: usize) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{}: {}\n",
        status(a).label(),
        text::wrap(&a.summary, width, 6, 2)
    );
    let start = match a.starts {
        0 => "no start marker: the whole file judged".to_string(),
        n => format!("start {n} of {n}, from line {}", a.start_line),
    };
    let _ = writeln!(
        s,
        "log:     {}",
        text::wrap(&format!("{} ({start})", a.log), width, 9, 9)
    );
    if a.skipped_bytes > 0 {
        let _ = writeln!(
            s,
            "         (only its last {} read: {} skipped; line numbers count from there)",
            crate::units::bytes(MAX_LOG_BYTES),
            crate::units::bytes(a.skipped_bytes)
        );
    }
    if let Some(t) = &a.start_time {
        let _ = writeln!(s, "started: {t}");
    }
    let _ = writeln!(s, "outcome: {}", outcome_name(a));
    if !a.failures.is_empty() {
        let mut b = Builder::default();
        b.push_record(["failure", "step", "count", "first at line", "exception"]);
        for f in &a.failures {
            b.push_record([
                kind_name(f.kind).to_string(),
                f.phase.map(phase_name).unwrap_or("-").to_string(),
                f.count.to_string(),
                f.line.to_string(),
                f.exception.clone().unwrap_or_else(|| f.message.clone()),
            ]);
        }
        let _ = writeln!(s, "\n{}", text::fit(b, width));
    }
    if !a.recovery_failed.is_empty() {
        let _ = writeln!(
            s,
            "recovery threw, truncation threw too (not cut): {}",
            a.recovery_failed.join(", ")
        );
    }
    if !a.truncated.is_empty() {
        let mut b = Builder::default();
        b.push_record([
            "truncated partition",
            "cut to offset",
            "recovery threw",
            "later segments deleted",
        ]);
        for t in &a.truncated {
            b.push_record([
                t.partition.clone(),
                t.to_offset.map_or("?".into(), |o| o.to_string()),
                if t.recovery_threw { "yes" } else { "no" }.to_string(),
                deleted(&t.deleted_segments),
            ]);
        }
        let _ = writeln!(s, "\n{}", text::fit(b, width));
    }
    s
}

fn outcome_name(a: &Audit) -> &'static str {
    match (a.outcome, a.truncated.is_empty()) {
        (Outcome::Started, true) => "started",
        (Outcome::Started, false) => "started, data truncated",
        (Outcome::LogDirOffline, true) => "log dir offline",
        (Outcome::LogDirOffline, false) => "log dir offline, data truncated",
        (Outcome::Aborted, true) => "aborted",
        (Outcome::Aborted, false) => "aborted, data truncated",
        (Outcome::Unfinished, _) => "unfinished",
    }
}

/// Base offsets of the deleted segments, "-" for none.
fn deleted(bases: &[u64]) -> String {
    if bases.is_empty() {
        return "-".into();
    }
    bases
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn md(s: &str) -> String {
    s.replace('|', "\\|")
}

/// An incident-ticket comment: the verdict, then what failed and what was cut.
pub fn markdown(a: &Audit) -> String {
    let mut s = format!(
        "### kafka-preflight audit: {}: {}\n\n",
        status(a).label(),
        md(&a.summary)
    );
    let _ = writeln!(
        s,
        "Log `{}`, start {} of {} from line {}{}; outcome: {}.\n",
        md(&a.log),
        a.starts.max(1),
        a.starts.max(1),
        a.start_line,
        a.start_time
            .as_deref()
            .map_or(String::new(), |t| format!(" ({t})")),
        outcome_name(a)
    );
    if !a.failures.is_empty() {
        s += "| failure | step | count | first at line | exception |\n| --- | --- | ---: | ---: | --- |\n";
        for f in &a.failures {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} |",
                kind_name(f.kind),
                f.phase.map(phase_name).unwrap_or("-"),
                f.count,
                f.line,
                md(f.exception.as_deref().unwrap_or(&f.message))
            );
        }
        s.push('\n');
    }
    if !a.truncated.is_empty() {
        s += "| truncated partition | cut to offset | recovery threw | later segments deleted |\n| --- | ---: | --- | --- |\n";
        for t in &a.truncated {
            let _ = writeln!(
                s,
                "| `{}` | {} | {} | {} |",
                md(&t.partition),
                t.to_offset.map_or("?".into(), |o| o.to_string()),
                if t.recovery_threw { "yes" } else { "no" },
                deleted(&t.deleted_segments)
            );
        }
    }
    s
}

pub fn json(a: &Audit) -> String {
    // Plain strings and numbers: serialization cannot fail.
    let mut s = serde_json::to_string_pretty(a).unwrap_or_default();
    s.push('\n');
    s
}
