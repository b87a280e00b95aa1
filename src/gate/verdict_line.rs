//! The gate's few lines on stderr: what journald shows for the start. The verdict first, then
//! each check that is not a pass, then (for a stopped start) the fix and the way around it; the
//! full report goes to `--output`.

use std::fmt::Write;
use std::path::Path;

use super::escape::Hatch;
use crate::output::report::Report;
use crate::units;
use crate::verdict::{Check, Status, Unit};

pub fn render(r: &Report, config: &Path, hatch: &Hatch) -> String {
    let verdict = r.verdict;
    let what = match verdict {
        Status::Fail => "FAIL, stopping this start",
        Status::Warn => "WARN, the start goes on",
        Status::Pass => "PASS, the start goes on",
    };
    let mut out = format!(
        "kafka-preflight gate: {what} (Kafka {}, {}, limits of this process)\n",
        r.kafka.version,
        config.display()
    );
    for c in &r.checks {
        match c.status {
            Status::Pass => {}
            s => {
                // The short bootstrap-check form fits journald; the rationale is in --output.
                let text = if c.summary.is_empty() {
                    &c.message
                } else {
                    &c.summary
                };
                let _ = writeln!(out, "  {} {}: {}", status_word(s), c.id, text);
            }
        }
    }
    if verdict == Status::Pass {
        let fits: Vec<String> = r.checks.iter().filter_map(fit).collect();
        if !fits.is_empty() {
            let _ = writeln!(out, "  {}", fits.join(", "));
        }
    }
    if verdict == Status::Fail {
        for rec in &r.recommendations {
            let _ = writeln!(
                out,
                "  fix {}: {} -> {} ({})",
                rec.setting, rec.current, rec.recommended, rec.reason
            );
        }
        let _ = writeln!(out, "  {}.", hatch.instructions());
    }
    out
}

fn status_word(s: Status) -> &'static str {
    s.label()
}

fn value(c: &Check, v: u64) -> String {
    match c.id.unit() {
        Unit::Bytes => units::bytes(v),
        Unit::Count => units::count(v),
        Unit::Seconds => format!("{v} s"),
    }
}

/// `map_areas 1,234 of 65,530` for a check that can fail and has a number.
fn fit(c: &Check) -> Option<String> {
    let r = c.required?;
    let limit = c
        .limit
        .map_or_else(|| "unlimited".to_string(), |l| value(c, l));
    c.id.can_fail()
        .then(|| format!("{} {} of {limit}", c.id, value(c, r)))
}
