//! The `diff` result in each format it has: table, markdown, json, csv; Prometheus is refused
//! (a comparison of two configs is not a state of a broker to scrape).

use crate::output::Format;
use crate::pipeline::diff::{Diff, MetricRow};
use crate::verdict::Status;

/// " Failing under both: map_areas, open_files." (or under one of them), so an unchanged
/// failure is still named.
fn failing_note(d: &Diff) -> String {
    let names = |f: &dyn Fn(&crate::pipeline::diff::CheckChange) -> bool| {
        d.failing_checks
            .iter()
            .filter(|c| f(c))
            .map(|c| c.id.to_string())
            .collect::<Vec<_>>()
    };
    let both = names(&|c| c.old == Some(Status::Fail) && c.new == Some(Status::Fail));
    if both.is_empty() {
        String::new()
    } else {
        format!(" Failing under both: {}.", both.join(", "))
    }
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
    Status::label_or_dash(s)
}

/// "FAIL under NEW: open_files (OLD: WARN)": the first line of the human outputs.
pub fn verdict_line(d: &Diff) -> String {
    let bad: Vec<String> = d
        .new_report
        .checks
        .iter()
        .filter(|c| c.status == d.new_verdict && c.status != Status::Pass)
        .map(|c| c.id.to_string())
        .collect();
    format!(
        "{} under NEW: {} (OLD: {})",
        status(Some(d.new_verdict)),
        if bad.is_empty() {
            "every check passes".to_string()
        } else {
            bad.join(", ")
        },
        status(Some(d.old_verdict))
    )
}

pub fn render_markdown(d: &Diff) -> String {
    let mut out = format!(
        "### kafka-preflight diff: {}\n\n`{}` → `{}`: **{}** → **{}** ({})\n\n",
        verdict_line(d).replace('_', "\\_"),
        d.old_config,
        d.new_config,
        status(Some(d.old_verdict)),
        status(Some(d.new_verdict)),
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
        out.push_str(&format!("No check changes status.{}\n", failing_note(d)));
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
        "{}\n{} -> {}  ({})\nverdict: {} -> {}\n\n",
        verdict_line(d),
        d.old_config,
        d.new_config,
        d.inventory,
        status(Some(d.old_verdict)),
        status(Some(d.new_verdict))
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
        out.push_str(&format!("No check changes status.{}\n", failing_note(d)));
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

/// One row per metric (`kind` = `metric`) and per check of either config (`kind` = `check`).
pub fn csv(d: &Diff) -> String {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let status =
        |s: Option<Status>| s.map_or(String::new(), |s| crate::output::check::table::name(&s));
    // Writing to a Vec cannot fail.
    w.write_record(["kind", "name", "old", "new", "change"])
        .expect("csv header");
    for r in &d.metrics {
        w.write_record([
            "metric".to_string(),
            r.metric.to_string(),
            r.old.to_string(),
            r.new.to_string(),
            r.change().to_string(),
        ])
        .expect("csv row");
    }
    for c in crate::pipeline::diff::check_pairs(&d.old_report, &d.new_report) {
        w.write_record([
            "check".to_string(),
            c.id.to_string(),
            status(c.old),
            status(c.new),
            if c.old == c.new { "=" } else { "changed" }.to_string(),
        ])
        .expect("csv row");
    }
    String::from_utf8(w.into_inner().expect("flush to a Vec")).expect("UTF-8 cells")
}

/// The diff in `format`, or a refusal naming the formats it has.
pub fn render(d: &Diff, format: Format) -> anyhow::Result<String> {
    Ok(match format {
        Format::Table => render_table(d),
        Format::Markdown => render_markdown(d),
        Format::Json => serde_json::to_string_pretty(d)? + "\n",
        Format::Csv => csv(d),
        Format::Prometheus => anyhow::bail!(
            "--format prometheus: a diff of two configs has no metrics to scrape; use --format table, markdown, json or csv (or check --format prometheus for one config)"
        ),
    })
}
