//! `--format markdown`: a pull-request / ticket comment. Verdict first, then the checks table, the
//! biggest contributors, the recommendations (lines to paste in fenced blocks) and the first
//! problems. CommonMark with GitHub tables; no emoji, no HTML.

use std::fmt::Write;

use super::table::{bytes, count, name};
use crate::output::report::Report;
use crate::verdict::{CheckId, Unit};

/// Problems listed at most (the JSON has them all).
pub const MAX_PROBLEMS: usize = 20;
/// Contributors listed at most.
pub const MAX_CONTRIBUTORS: usize = 5;

/// Escapes text for a Markdown paragraph or table cell: punctuation that could start markup is
/// backslash-escaped, `|` too (cells), and line breaks become spaces.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '!' | '~' | '&' => {
                out.push('\\');
                out.push(ch);
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(ch),
        }
    }
    out
}

/// A fence longer than any run of backticks in `lines`.
fn fence(lines: &[String]) -> String {
    let longest = lines
        .iter()
        .flat_map(|l| l.split(|c| c != '`'))
        .map(str::len)
        .max()
        .unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

/// Required / limit of a check in its unit (bytes for virtual memory, seconds for recovery).
fn amount(id: CheckId, v: Option<u64>, is_limit: bool) -> String {
    match (v, id.unit()) {
        (None, _) if is_limit && id != CheckId::LogDirs => "unlimited".into(),
        (None, _) => String::new(),
        (Some(n), Unit::Bytes) => bytes(n),
        (Some(n), Unit::Seconds) => format!("{n} s"),
        (Some(n), Unit::Count) => count(n),
    }
}

/// The report as a PR comment; `explain` adds each check's rationale under the checks table
/// (`--explain`, as the table does).
pub fn render(r: &Report, explain: bool) -> String {
    let mut out = String::new();
    let verdict = r.verdict.label();
    let failing: Vec<String> = super::table::failures_first(r)
        .into_iter()
        .filter(|c| c.status == r.verdict && c.status != crate::verdict::Status::Pass)
        .map(|c| c.id.to_string())
        .collect();
    if failing.is_empty() {
        let _ = writeln!(out, "## kafka-preflight: {verdict}\n");
    } else {
        let _ = writeln!(
            out,
            "## kafka-preflight: {verdict}: {}\n",
            escape(&failing.join(", "))
        );
    }
    let b = &r.broker;
    let _ = writeln!(
        out,
        "Broker {} on host {} (cluster {}), Kafka {} ({}), scenario {}, checked at {}.\n",
        b.broker_id.map_or("?".into(), |i| i.to_string()),
        escape(b.host.as_deref().unwrap_or("?")),
        escape(b.cluster_id.as_deref().unwrap_or("?")),
        escape(&r.kafka.version),
        match &r.kafka.assumed {
            Some(a) => format!("assumed: the most demanding release of {}", a.range),
            None => name(&r.kafka.version_source),
        },
        name(&r.scenario),
        escape(&b.checked_at),
    );
    let inv = &r.inventory;
    let _ = writeln!(
        out,
        "{} log dir(s), {} partition(s), {} segment(s) ({}), {} unflushed segment(s) to recover.\n",
        inv.log_dirs.len(),
        count(inv.partitions),
        count(inv.segments),
        bytes(inv.log_bytes),
        count(inv.unflushed_segments),
    );

    if !r.checks.is_empty() {
        let _ = writeln!(out, "### Checks\n");
        let _ = writeln!(out, "| Status | Check | Required | Limit | Summary |");
        let _ = writeln!(out, "| --- | --- | ---: | ---: | --- |");
        for c in super::table::failures_first(r) {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                c.status.label(),
                escape(c.id.as_str()),
                amount(c.id, c.required, false),
                amount(c.id, c.limit, true),
                escape(&c.summary),
            );
        }
        out.push('\n');
        if explain {
            let _ = writeln!(out, "Why:\n");
            for c in super::table::failures_first(r) {
                let _ = writeln!(
                    out,
                    "- **{}**: {}",
                    escape(c.id.as_str()),
                    escape(&c.message)
                );
            }
            out.push('\n');
        } else {
            let _ = writeln!(out, "_`--explain` adds why each number is what it is._\n");
        }
    }

    {
        let e = &r.estimate;
        let _ = writeln!(out, "### Next start\n");
        let _ = writeln!(
            out,
            "| | After loading | Best-case peak | Worst-case peak |"
        );
        let _ = writeln!(out, "| --- | ---: | ---: | ---: |");
        let _ = writeln!(
            out,
            "| Virtual memory | {} | {} | {} |",
            bytes(r.next_start.virtual_memory_bytes.after_loading),
            bytes(e.virtual_memory_bytes.best),
            bytes(e.virtual_memory_bytes.worst)
        );
        let _ = writeln!(
            out,
            "| Map areas | {} | {} | {} |",
            count(r.next_start.map_areas.after_loading),
            count(e.map_areas.best),
            count(e.map_areas.worst)
        );
        let _ = writeln!(
            out,
            "| Open files | {} | {} | {} |\n",
            count(r.next_start.open_files.after_loading),
            count(e.open_files.peak),
            count(e.open_files.peak)
        );
        if !e.contributors.is_empty() {
            let _ = writeln!(out, "### Top contributors\n");
            for c in e.contributors.iter().take(MAX_CONTRIBUTORS) {
                let _ = writeln!(out, "- {}", escape(&c.explanation));
            }
            out.push('\n');
        }
    }

    if !r.recommendations.is_empty() {
        let _ = writeln!(out, "### Recommendations\n");
        for rec in &r.recommendations {
            let _ = writeln!(
                out,
                "- {} **{}**: from {} to {} ({})",
                name(&rec.kind),
                escape(rec.setting),
                escape(&rec.current),
                escape(&rec.recommended),
                escape(&rec.reason)
            );
            if !rec.paste.is_empty() {
                let _ = match &rec.file {
                    Some(file) => writeln!(out, "\n  In `{}`:", file.replace('`', "'")),
                    None => writeln!(out, "\n  Run:"),
                };
                let f = fence(&rec.paste);
                let _ = writeln!(out, "\n  {f}text");
                for line in &rec.paste {
                    let _ = writeln!(out, "  {line}");
                }
                let _ = writeln!(out, "  {f}");
                if !rec.then.is_empty() {
                    let f = fence(&rec.then);
                    let _ = writeln!(out, "\n  Then:\n\n  {f}text");
                    for line in &rec.then {
                        let _ = writeln!(out, "  {line}");
                    }
                    let _ = writeln!(out, "  {f}");
                }
            }
            out.push('\n');
        }
    }

    if !r.problems.is_empty() {
        let _ = writeln!(out, "### Problems\n");
        for p in r.problems.iter().take(MAX_PROBLEMS) {
            let _ = writeln!(
                out,
                "- {}: {}: {}",
                name(&p.severity),
                escape(&p.path.to_string_lossy()),
                escape(&p.message)
            );
        }
        if r.problems.len() > MAX_PROBLEMS {
            let _ = writeln!(
                out,
                "\n... and {} more (see `--format json`).",
                r.problems.len() - MAX_PROBLEMS
            );
        }
        out.push('\n');
    }
    // One trailing newline.
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_cells() {
        assert_eq!(escape("a|b *c* <d>\nx"), "a\\|b \\*c\\* \\<d\\> x");
        assert_eq!(fence(&["a ``` b".into()]), "````");
        assert_eq!(fence(&["plain".into()]), "```");
    }
}
