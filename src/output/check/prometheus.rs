//! `--format prometheus`: node_exporter textfile-collector format (Prometheus text exposition
//! 0.0.4). Every metric has `# HELP` and `# TYPE` lines before its samples; label values are
//! escaped (`\\`, `\"`, `\n`); no timestamps (the collector adds its own).
//!
//! The metric names and labels are a contract (alert rules use them); see docs/report-json.md,
//! "Prometheus metrics". `required` is the number the check compares (`check_status` is 2
//! exactly when `required > limit`). An unlimited limit is exported as `+Inf`, so
//! `required / limit` is 0 and `required > limit` is false without special cases; a check
//! without a number (`log_dirs`) has no required/limit/headroom samples.

use std::fmt::Write;

use crate::output::report::Report;
use crate::verdict::Status;

pub const PREFIX: &str = "kafka_preflight_";

/// Escapes a label value per the exposition format.
pub fn escape_label(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for ch in v.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            _ => out.push(ch),
        }
    }
    out
}

/// A sample value: integers as integers, +Inf / -Inf / NaN spelled as Prometheus does.
pub fn value(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v == f64::INFINITY {
        "+Inf".into()
    } else if v == f64::NEG_INFINITY {
        "-Inf".into()
    } else {
        format!("{v}")
    }
}

/// 0 pass, 1 warn, 2 fail.
pub fn status_value(s: Status) -> u8 {
    match s {
        Status::Pass => 0,
        Status::Warn => 1,
        Status::Fail => 2,
    }
}

/// Metrics text being written; other results' exporters (`inspect`) write through it too, so
/// every exporter escapes and spells values the same way.
pub struct Metrics {
    pub out: String,
}

impl Metrics {
    /// HELP and TYPE (gauge) of `name`, then its samples: (labels, value).
    pub fn gauge(&mut self, name: &str, help: &str, samples: &[(Vec<(&str, String)>, f64)]) {
        if samples.is_empty() {
            return;
        }
        let _ = writeln!(self.out, "# HELP {PREFIX}{name} {help}");
        let _ = writeln!(self.out, "# TYPE {PREFIX}{name} gauge");
        for (labels, v) in samples {
            let _ = write!(self.out, "{PREFIX}{name}");
            if !labels.is_empty() {
                let l: Vec<String> = labels
                    .iter()
                    .map(|(k, v)| format!("{k}=\"{}\"", escape_label(v)))
                    .collect();
                let _ = write!(self.out, "{{{}}}", l.join(","));
            }
            let _ = writeln!(self.out, " {}", value(*v));
        }
    }
}

fn check(id: &str) -> Vec<(&'static str, String)> {
    vec![("check", id.to_string())]
}

fn case(c: &str) -> Vec<(&'static str, String)> {
    vec![("case", c.to_string())]
}

/// `checked_at` as Unix seconds: the same instant the JSON report names, not a second clock.
pub fn run_timestamp(checked_at: &str) -> Option<f64> {
    let t = humantime::parse_rfc3339(checked_at).ok()?;
    Some(t.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs_f64())
}

pub fn render(r: &Report) -> String {
    let mut m = Metrics { out: String::new() };
    let b = &r.broker;
    m.gauge(
        "info",
        "The checked broker: Kafka version the model used, host, broker id and cluster id (empty when unknown); always 1.",
        &[(
            vec![
                ("kafka_version", r.kafka.version.clone()),
                ("host", b.host.clone().unwrap_or_default()),
                ("broker_id", b.broker_id.map(|i| i.to_string()).unwrap_or_default()),
                ("cluster_id", b.cluster_id.clone().unwrap_or_default()),
            ],
            1.0,
        )],
    );
    // The value, not an exposition timestamp: the collector stamps samples with scrape time,
    // so a collector that stopped running would keep exporting its last "pass" as fresh.
    // `time() - kafka_preflight_last_run_timestamp_seconds` is the report's age.
    if let Some(t) = run_timestamp(&b.checked_at) {
        m.gauge(
            "last_run_timestamp_seconds",
            "When this report was checked (broker.checked_at), Unix seconds with milliseconds; alert on time() minus it.",
            &[(vec![], t)],
        );
    }
    {
        let v = r.verdict;
        m.gauge(
            "status",
            "Worst check status: 0 pass, 1 warn, 2 fail.",
            &[(vec![], f64::from(status_value(v)))],
        );
    }
    let measured: Vec<_> = r.checks.iter().filter(|c| c.required.is_some()).collect();
    m.gauge(
        "check_status",
        "Status of a check: 0 pass, 1 warn, 2 fail.",
        &r.checks
            .iter()
            .map(|c| (check(c.id.as_str()), f64::from(status_value(c.status))))
            .collect::<Vec<_>>(),
    );
    m.gauge(
        "required",
        "The value a check compares with its limit: what the next start needs in the case the check's rule picks (bytes for virtual_memory, map areas, open files, seconds for recovery_time).",
        &measured
            .iter()
            .map(|c| (check(c.id.as_str()), c.required.unwrap_or(0) as f64))
            .collect::<Vec<_>>(),
    );
    m.gauge(
        "limit",
        "The limit a check compares with, in the unit of kafka_preflight_required; +Inf when unlimited.",
        &measured
            .iter()
            .map(|c| (check(c.id.as_str()), c.limit.map_or(f64::INFINITY, |l| l as f64)))
            .collect::<Vec<_>>(),
    );
    m.gauge(
        "headroom_ratio",
        "1 - required / limit: the share of the limit left, negative when the need exceeds it, 1 when unlimited.",
        &measured
            .iter()
            .filter_map(|c| {
                c.headroom_ratio().map(|h| (check(c.id.as_str()), h))
            })
            .collect::<Vec<_>>(),
    );
    {
        let e = &r.estimate;
        let cases = |live: u64, best: u64, worst: u64| {
            vec![
                (case("live"), live as f64),
                (case("best"), best as f64),
                (case("worst"), worst as f64),
            ]
        };
        m.gauge(
            "index_mmap_bytes",
            "Bytes of index mappings: live after loading, best-case peak (replaced mappings freed at once), worst-case peak (they linger until a GC).",
            &cases(
                e.index_mmap_bytes.live,
                e.index_mmap_bytes.best,
                e.index_mmap_bytes.worst,
            ),
        );
        m.gauge(
            "map_areas",
            "Map areas of the whole broker process (JVM baseline + index mappings) after loading and at the best- and worst-case peak.",
            &cases(
                r.next_start.map_areas.after_loading,
                e.map_areas.best,
                e.map_areas.worst,
            ),
        );
        m.gauge(
            "virtual_memory_bytes",
            "Virtual memory of the whole broker process (JVM baseline + index mappings) after loading and at the best- and worst-case peak.",
            &cases(
                r.next_start.virtual_memory_bytes.after_loading,
                e.virtual_memory_bytes.best,
                e.virtual_memory_bytes.worst,
            ),
        );
        m.gauge(
            "open_files",
            "Peak open files of the broker process during the start.",
            &[(vec![], e.open_files.peak as f64)],
        );
    }
    m.gauge(
        "partitions",
        "Partition logs the broker loads (topic-N, -future, -stray dirs).",
        &[(vec![], r.inventory.partitions as f64)],
    );
    m.gauge(
        "unflushed_segments",
        "Segments the next start recovers in this scenario.",
        &[(vec![], r.inventory.unflushed_segments as f64)],
    );
    {
        let e = &r.estimate;
        m.gauge(
            "recovery_seconds",
            "Estimated recovery time of the slowest log dir, in seconds.",
            &[(vec![], e.recovery.slowest_seconds)],
        );
    }
    m.out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_values() {
        assert_eq!(escape_label("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
        assert_eq!(value(f64::INFINITY), "+Inf");
        assert_eq!(value(3.0), "3");
        assert_eq!(value(0.25), "0.25");
        assert_eq!(run_timestamp("1970-01-01T00:00:01.250Z"), Some(1.25));
        assert_eq!(run_timestamp("2026-11-25T10:00:00Z"), Some(1_795_600_800.0));
        assert_eq!(run_timestamp("not a time"), None);
    }
}
