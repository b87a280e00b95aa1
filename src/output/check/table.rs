//! The default human output: one row per log dir plus totals, then the estimate.

use std::fmt::Write;

use tabled::settings::{object::Columns, Alignment, Style};
use tabled::{builder::Builder, Table};

use crate::output::report::Report;

pub use crate::units::{bytes, count};

/// An enum's serde name (the same word the JSON uses).
pub fn name<T: serde::Serialize>(t: &T) -> String {
    serde_json::to_value(t)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
}

fn table(b: Builder) -> Table {
    let mut t = b.build();
    t.with(Style::sharp());
    t.modify(Columns::new(1..), Alignment::right());
    t
}

/// A status word (PASS / WARN / FAIL), in green / yellow / red when `color`.
pub fn status_word(s: crate::verdict::Status, color: bool) -> String {
    use crate::verdict::Status;
    let word = name(&s).to_uppercase();
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

/// The table without colour.
pub fn render(r: &Report) -> String {
    render_styled(r, false)
}

/// The table; `color` colours the status words (the caller decides: TTY, NO_COLOR).
pub fn render_styled(r: &Report, color: bool) -> String {
    let mut out = String::new();
    let c = &r.config;
    if let Some(a) = &r.kafka.assumed {
        let _ = writeln!(
            out,
            "Kafka version assumed: {}, the most demanding release of {} ({}); pass --kafka-version",
            r.kafka.version,
            a.range,
            a.because.join(", ")
        );
    }
    let _ = writeln!(
        out,
        "Kafka {} ({}), {} mode, scenario {}; log.segment.bytes={}, log.index.size.max.bytes={}, {} recovery thread(s) per dir",
        r.kafka.version,
        name(&r.kafka.version_source),
        name(&c.mode),
        name(&r.scenario),
        bytes(c.log_segment_bytes),
        bytes(c.log_index_size_max_bytes),
        c.num_recovery_threads_per_data_dir,
    );
    let inv = &r.inventory;
    let mut b = Builder::default();
    b.push_record([
        "log dir",
        "clean",
        "checkpoint",
        "partitions",
        "-delete",
        "segments",
        "unflushed",
        "log bytes",
        "unflushed bytes",
    ]);
    for d in &inv.log_dirs {
        b.push_record([
            d.path.clone(),
            if !d.readable {
                "unreadable".into()
            } else if d.clean_shutdown {
                "yes".into()
            } else {
                "no".into()
            },
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
    let _ = writeln!(out, "{}", table(b));
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
        let _ = writeln!(
            out,
            "\nTopics (settings from {}):\n{}",
            r.topics_source.as_deref().unwrap_or("?"),
            table(b)
        );
    }
    for n in &r.notes {
        let _ = writeln!(out, "note: {n}");
    }

    if let Some(e) = &r.estimate {
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
            count(e.map_areas.baseline + e.index_maps.live),
            count(e.map_areas.best),
            count(e.map_areas.worst),
        ]);
        b.push_record([
            "virtual memory (process)".into(),
            bytes(e.virtual_memory_bytes.baseline + e.index_mmap_bytes.live),
            bytes(e.virtual_memory_bytes.best),
            bytes(e.virtual_memory_bytes.worst),
        ]);
        b.push_record([
            "open files (process)".into(),
            count(e.open_files.peak - e.open_files.transient),
            count(e.open_files.peak),
            count(e.open_files.peak),
        ]);
        let _ = writeln!(out, "\nNext start:\n{}", table(b));
        let _ = writeln!(out, "Biggest contributors:");
        for c in e.contributors.iter().take(4) {
            let _ = writeln!(out, "  - {}", c.explanation);
        }
        let _ = writeln!(
            out,
            "  - JVM baseline ({}): {} and {} map areas{}",
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
        let _ = writeln!(
            out,
            "  - file descriptors: {} for logs + {} fixed + {} transient + {} baseline + {} connections",
            count(e.open_files.logs),
            count(e.open_files.fixed),
            count(e.open_files.transient),
            count(e.open_files.baseline),
            count(e.open_files.connections)
        );
        if e.recovery.slowest_seconds > 0.0 {
            let _ = writeln!(
                out,
                "Recovery: {} segment(s); slowest dir about {:.0} s at {}/s per thread x {} thread(s)",
                count(e.recovered_segments),
                e.recovery.slowest_seconds,
                bytes(e.recovery.rate_bytes_per_sec),
                e.recovery.threads_per_dir
            );
        }
        let _ = writeln!(
            out,
            "Steady state (after consumers, retention and the cleaner touch old segments){}: {} index mappings, {}; process {} map areas, {}",
            if e.estimated_index_files > 0 { ", flushed indexes sized from their .log" } else { "" },
            count(e.steady_state.index_maps),
            bytes(e.steady_state.index_bytes),
            count(e.steady_state.map_areas),
            bytes(e.steady_state.virtual_memory_bytes)
        );
    }

    if let Some(v) = r.verdict {
        let _ = writeln!(out, "\nChecks: {}", status_word(v, color));
        for c in &r.checks {
            let _ = writeln!(
                out,
                "  [{}] {}: {}",
                status_word(c.status, color),
                c.id,
                c.message
            );
        }
    }
    if let Some(l) = &r.limits {
        for n in &l.notes {
            let _ = writeln!(out, "  note: {n}");
        }
    }
    if !r.recommendations.is_empty() {
        let _ = writeln!(out, "\nRecommendations:");
        for rec in &r.recommendations {
            let _ = writeln!(
                out,
                "  [{}] {}: {} -> {}  ({})",
                name(&rec.kind),
                rec.setting,
                rec.current,
                rec.recommended,
                rec.reason
            );
            let _ = match &rec.file {
                Some(f) => writeln!(out, "    in {f}:"),
                None => writeln!(out, "    run:"),
            };
            for line in &rec.paste {
                let _ = writeln!(out, "      {line}");
            }
            for line in &rec.then {
                let _ = writeln!(out, "    then: {line}");
            }
        }
    }

    if !r.problems.is_empty() {
        let _ = writeln!(out, "\nProblems:");
        for p in r.problems.iter().take(50) {
            let sev = name(&p.severity);
            if p.path.as_os_str().is_empty() {
                let _ = writeln!(out, "  {sev:<7} {}", p.message);
            } else {
                let _ = writeln!(out, "  {sev:<7} {}: {}", p.path.display(), p.message);
            }
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
