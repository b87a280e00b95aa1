//! An [`Audit`] as a terminal table or JSON.

use std::fmt::Write as _;

use tabled::builder::Builder;
use tabled::settings::Style;

use super::{kind_name, phase_name, Audit};

pub fn table(a: &Audit) -> String {
    let mut s = String::new();
    let start = match a.starts {
        0 => "no start marker: the whole file judged".to_string(),
        n => format!("start {n} of {n}, from line {}", a.start_line),
    };
    let _ = writeln!(s, "log:     {} ({start})", a.log);
    if a.skipped_bytes > 0 {
        let _ = writeln!(
            s,
            "         (only its last {} read: {} skipped; line numbers count from there)",
            crate::units::bytes(super::MAX_LOG_BYTES),
            crate::units::bytes(a.skipped_bytes)
        );
    }
    if let Some(t) = &a.start_time {
        let _ = writeln!(s, "started: {t}");
    }
    let _ = writeln!(s, "outcome: {}", outcome_name(a));
    let _ = writeln!(s, "verdict: {}", a.summary);
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
        let mut t = b.build();
        t.with(Style::sharp());
        let _ = writeln!(s, "\n{t}");
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
                if t.deleted_segments.is_empty() {
                    "-".to_string()
                } else {
                    t.deleted_segments
                        .iter()
                        .map(u64::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                },
            ]);
        }
        let mut t = b.build();
        t.with(Style::sharp());
        let _ = writeln!(s, "\n{t}");
    }
    s
}

fn outcome_name(a: &Audit) -> &'static str {
    match (a.outcome, a.truncated.is_empty()) {
        (super::Outcome::Started, true) => "started",
        (super::Outcome::Started, false) => "started, data truncated",
        (super::Outcome::LogDirOffline, true) => "log dir offline",
        (super::Outcome::LogDirOffline, false) => "log dir offline, data truncated",
        (super::Outcome::Aborted, true) => "aborted",
        (super::Outcome::Aborted, false) => "aborted, data truncated",
        (super::Outcome::Unfinished, _) => "unfinished",
    }
}

pub fn json(a: &Audit) -> String {
    // Plain strings and numbers: serialization cannot fail.
    let mut s = serde_json::to_string_pretty(a).unwrap_or_default();
    s.push('\n');
    s
}
