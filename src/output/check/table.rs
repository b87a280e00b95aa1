//! The default human output: one row per log dir plus totals, then the estimate.

use std::fmt::Write;

use tabled::builder::Builder;

use crate::output::report::Report;
use crate::output::text::{fit as table, wrap};
use crate::verdict::{Check, Status};

pub use crate::units::{bytes, count};

/// An enum's serde name (the same word the JSON uses).
pub fn name<T: serde::Serialize>(t: &T) -> String {
    serde_json::to_value(t)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
}

/// Checks in the order a reader needs them: failures, then warnings, then passes.
pub fn failures_first(r: &Report) -> Vec<&Check> {
    let mut v: Vec<&Check> = r.checks.iter().collect();
    v.sort_by(|a, b| b.status.cmp(&a.status).then(a.id.cmp(&b.id)));
    v
}

/// The first line of every human output: the verdict and the checks that make it, then each
/// of those in bootstrap-check form ("[1/2] ... is too low, increase to at least [...]").
pub fn verdict_head(r: &Report, color: bool, width: usize) -> String {
    let v = r.verdict;
    let bad: Vec<&Check> = failures_first(r)
        .into_iter()
        .filter(|c| c.status == v && v != Status::Pass)
        .collect();
    let mut out = if bad.is_empty() {
        format!(
            "{}: all {} checks pass\n",
            status_word(v, color),
            r.checks.len()
        )
    } else {
        let ids: Vec<String> = bad.iter().map(|c| c.id.to_string()).collect();
        format!(
            "{}: {} ({} of {} checks)\n",
            status_word(v, color),
            ids.join(", "),
            bad.len(),
            r.checks.len()
        )
    };
    if let Some(a) = &r.kafka.assumed {
        // The verdict rests on the assumption, so it stands on the verdict's own line.
        out.pop();
        let _ = writeln!(out, "; Kafka {} assumed ({})", r.kafka.version, a.range);
    }
    for (i, c) in bad.iter().enumerate() {
        let lead = format!("  [{}/{}] {}: ", i + 1, bad.len(), c.id);
        let _ = writeln!(out, "{lead}{}", wrap(&c.summary, width, lead.len(), 6));
    }
    out
}

/// What the next start finds in a dir under the scenario, not only the marker on disk.
fn clean_start(r: &Report, readable: bool, marker: bool) -> String {
    use crate::scan::Scenario;
    match (readable, r.scenario) {
        (false, _) => "unreadable".into(),
        (true, Scenario::Crash) => "no (crash)".into(),
        (true, Scenario::Clean) => "yes (planned)".into(),
        (true, Scenario::AsFound) => if marker { "yes" } else { "no" }.into(),
    }
}

/// A status word (PASS / WARN / FAIL), in green / yellow / red when `color`.
pub fn status_word(s: crate::verdict::Status, color: bool) -> String {
    use crate::verdict::Status;
    let word = s.label().to_string();
    if !color {
        return word;
    }
    let c = match s {
        Status::Pass => anstyle::AnsiColor::Green,
        Status::Warn => anstyle::AnsiColor::Yellow,
        Status::Fail => anstyle::AnsiColor::Red,
    };
    let style = anstyle::Style::new().fg_color(Some(c.into())).bold();
    format!("{style}{word}{style:#}")
}

/// The table without colour, 80 columns, no rationale.
pub fn render(r: &Report) -> String {
    render_styled(r, &crate::output::Style::plain())
}

/// The table in `style`: colour for the status words, rationale, width (the caller decides:
/// TTY, NO_COLOR, COLUMNS, --explain).
pub fn render_styled(r: &Report, style: &crate::output::Style) -> String {
    let (color, width) = (style.color, style.width);
    let mut out = verdict_head(r, color, width);
    out.push('\n');
    let c = &r.config;
    if let Some(a) = &r.kafka.assumed {
        let assumed = format!(
            "Kafka version assumed: {}, the most demanding release of {} ({}); pass --kafka-version",
            r.kafka.version,
            a.range,
            a.because.join(", ")
        );
        let _ = writeln!(out, "{}", wrap(&assumed, width, 0, 2));
    }
    let header = format!(
        "Kafka {} ({}), {} mode, scenario {}; log.segment.bytes={}, log.index.size.max.bytes={}, {} recovery thread(s) per dir",
        r.kafka.version,
        name(&r.kafka.version_source),
        name(&c.mode),
        name(&r.scenario),
        bytes(c.log_segment_bytes),
        bytes(c.log_index_size_max_bytes),
        c.num_recovery_threads_per_data_dir,
    );
    let _ = writeln!(out, "{}", wrap(&header, width, 0, 2));
    let inv = &r.inventory;
    let mut b = Builder::default();
    b.push_record([
        "log dir",
        "clean start",
        "checkpoint",
        "partitions",
        "pending deletes",
        "segments",
        "unflushed",
        "log bytes",
        "unflushed bytes",
    ]);
    for d in &inv.log_dirs {
        b.push_record([
            d.path.clone(),
            clean_start(r, d.readable, d.clean_shutdown),
            name(&d.recovery_checkpoint),
            count(d.partitions),
            count(d.pending_delete_dirs),
            count(d.segments),
            count(d.unflushed_segments),
            bytes(d.log_bytes),
            bytes(d.unflushed_log_bytes),
        ]);
    }
    b.push_record([
        "total".to_string(),
        String::new(),
        String::new(),
        count(inv.partitions),
        count(inv.pending_delete_dirs),
        count(inv.segments),
        count(inv.unflushed_segments),
        bytes(inv.log_bytes),
        bytes(inv.unflushed_log_bytes),
    ]);
    let _ = writeln!(out, "{}", table(b, width));
    if inv.metadata_log_segments > 0 {
        let _ = writeln!(
            out,
            "KRaft metadata log: {} segment(s), recovered at every start",
            inv.metadata_log_segments
        );
    }
    if inv.incomplete {
        let _ = writeln!(
            out,
            "SCAN INCOMPLETE (--timeout): numbers cover only what was read"
        );
    }

    if r.show_topics && !r.topics.is_empty() {
        let mut b = Builder::default();
        b.push_record([
            "topic",
            "partitions",
            "segments",
            "segment.bytes",
            "source",
            "segment.index.bytes",
            "source",
            "cleanup.policy",
            "source",
            "worst index maps",
        ]);
        for t in &r.topics {
            b.push_record([
                t.name.clone(),
                count(t.partitions),
                count(t.segments),
                bytes(t.segment_bytes),
                name(&t.source.segment_bytes),
                bytes(t.segment_index_bytes),
                name(&t.source.segment_index_bytes),
                t.cleanup_policy.clone(),
                name(&t.source.cleanup_policy),
                count(t.index_maps_worst),
            ]);
        }
        let head = format!(
            "Topics (settings from {}):",
            r.topics_source.as_deref().unwrap_or("?")
        );
        let _ = writeln!(out, "\n{}\n{}", wrap(&head, width, 0, 2), table(b, width));
    }
    for n in &r.notes {
        let _ = writeln!(out, "note: {}", wrap(n, width, 6, 6));
    }

    {
        let e = &r.estimate;
        let mut b = Builder::default();
        b.push_record(["", "after loading", "best-case peak", "worst-case peak"]);
        b.push_record([
            "index mappings".into(),
            format!(
                "{} / {}",
                count(e.index_maps.live),
                bytes(e.index_mmap_bytes.live)
            ),
            format!(
                "{} / {}",
                count(e.index_maps.best),
                bytes(e.index_mmap_bytes.best)
            ),
            format!(
                "{} / {}",
                count(e.index_maps.worst),
                bytes(e.index_mmap_bytes.worst)
            ),
        ]);
        b.push_record([
            "map areas (process)".into(),
            count(r.next_start.map_areas.after_loading),
            count(e.map_areas.best),
            count(e.map_areas.worst),
        ]);
        b.push_record([
            "virtual memory (process)".into(),
            bytes(r.next_start.virtual_memory_bytes.after_loading),
            bytes(e.virtual_memory_bytes.best),
            bytes(e.virtual_memory_bytes.worst),
        ]);
        b.push_record([
            "open files (process)".into(),
            count(r.next_start.open_files.after_loading),
            count(e.open_files.peak),
            count(e.open_files.peak),
        ]);
        let _ = writeln!(out, "\nNext start:\n{}", table(b, width));
        let _ = writeln!(out, "Biggest contributors:");
        for c in e.contributors.iter().take(4) {
            let _ = writeln!(out, "  - {}", wrap(&c.explanation, width, 4, 4));
        }
        let jvm = format!(
            "JVM baseline ({}): {} and {} map areas{}",
            name(&e.baseline.vm_source),
            bytes(e.baseline.vm_bytes),
            count(e.baseline.map_areas),
            if e.baseline.vm_source == crate::model::BaselineSource::Estimated {
                format!(
                    " = {}",
                    e.baseline
                        .terms
                        .iter()
                        .filter(|t| t.bytes > 0)
                        .map(|t| format!("{} {}", t.name, bytes(t.bytes)))
                        .collect::<Vec<_>>()
                        .join(" + ")
                )
            } else {
                String::new()
            }
        );
        let _ = writeln!(out, "  - {}", wrap(&jvm, width, 4, 4));
        let fds = format!(
            "file descriptors: {} for logs + {} fixed + {} transient + {} baseline + {} connections",
            count(e.open_files.logs),
            count(e.open_files.fixed),
            count(e.open_files.transient),
            count(e.open_files.baseline),
            count(e.open_files.connections)
        );
        let _ = writeln!(out, "  - {}", wrap(&fds, width, 4, 4));
        if e.recovery.slowest_seconds > 0.0 {
            let line = format!(
                "Recovery: {} segment(s); slowest dir about {} at {}/s per thread x {} thread(s)",
                count(e.recovered_segments),
                crate::units::duration(e.recovery.slowest_seconds),
                bytes(e.recovery.rate_bytes_per_sec),
                e.recovery.threads_per_dir
            );
            let _ = writeln!(out, "{}", wrap(&line, width, 0, 2));
        }
        let steady = format!(
            "Steady state (after consumers, retention and the cleaner touch old segments){}: {} index mappings, {}; process {} map areas, {}",
            if e.estimated_index_files > 0 { ", flushed indexes sized from their .log" } else { "" },
            count(e.steady_state.index_maps),
            bytes(e.steady_state.index_bytes),
            count(e.steady_state.map_areas),
            bytes(e.steady_state.virtual_memory_bytes)
        );
        let _ = writeln!(out, "{}", wrap(&steady, width, 0, 2));
    }

    {
        let v = r.verdict;
        let _ = writeln!(out, "\nChecks: {}", status_word(v, color));
        for c in failures_first(r) {
            let lead = format!("  [{}] {}: ", c.status.label(), c.id);
            let _ = writeln!(
                out,
                "  [{}] {}: {}",
                status_word(c.status, color),
                c.id,
                wrap(&c.summary, width, lead.len(), 6)
            );
            if style.explain {
                let _ = writeln!(out, "      why: {}", wrap(&c.message, width, 11, 11));
            }
        }
        if !style.explain {
            let _ = writeln!(out, "  (--explain: why each number is what it is)");
        }
    }
    {
        let l = &r.limits;
        for n in &l.notes {
            let _ = writeln!(out, "  note: {}", wrap(n, width, 8, 8));
        }
    }
    if !r.recommendations.is_empty() {
        let _ = writeln!(out, "\nRecommendations:");
        for rec in &r.recommendations {
            let head = format!(
                "[{}] {}: {} -> {}",
                name(&rec.kind),
                rec.setting,
                rec.current,
                rec.recommended
            );
            let _ = writeln!(out, "  {}", wrap(&head, width, 2, 6));
            if style.explain {
                let _ = writeln!(out, "      {}", wrap(&rec.reason, width, 6, 6));
            }
            let _ = match &rec.file {
                Some(f) => writeln!(out, "    in {f}:"),
                None => writeln!(out, "    run:"),
            };
            for line in &rec.paste {
                let _ = writeln!(out, "      {line}");
            }
            // Commands are copied as they are, like the lines above: indented, never wrapped.
            if !rec.then.is_empty() {
                let _ = writeln!(out, "    then:");
            }
            for line in &rec.then {
                let _ = writeln!(out, "      {line}");
            }
        }
    }

    if !r.problems.is_empty() {
        let _ = writeln!(out, "\nProblems:");
        for p in r.problems.iter().take(50) {
            let sev = name(&p.severity);
            let text = if p.path.as_os_str().is_empty() {
                p.message.clone()
            } else {
                format!("{}: {}", p.path.display(), p.message)
            };
            let _ = writeln!(out, "  {sev:<7} {}", wrap(&text, width, 10, 10));
        }
        if r.problems.len() > 50 {
            let _ = writeln!(
                out,
                "  ... and {} more (see --format json)",
                r.problems.len() - 50
            );
        }
    }
    out
}
