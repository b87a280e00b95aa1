//! The `plan --sweep` result: one row per swept value, in every format but Prometheus (a
//! sweep is a what-if, not a state to scrape; asking for it is refused by name).

use serde::Serialize;

use crate::output::report::Report;
use crate::output::Format;
use crate::plan::SweepParam;
use crate::verdict::{CheckId, Status};

/// A check's status and the number it compared, in one sweep row.
#[derive(Debug, Clone, Serialize)]
pub struct SweepCheck {
    pub id: CheckId,
    pub status: Status,
    pub required: Option<u64>,
    pub limit: Option<u64>,
}

/// One sweep row: what a reader compares between values.
#[derive(Debug, Clone, Serialize)]
pub struct SweepRow {
    pub value: u64,
    pub segments: u64,
    pub index_maps_best: u64,
    pub index_maps_worst: u64,
    pub map_areas_best: u64,
    pub map_areas_worst: u64,
    pub virtual_memory_best: u64,
    pub virtual_memory_worst: u64,
    pub open_files: u64,
    pub verdict: Status,
    pub checks: Vec<SweepCheck>,
    /// The first row whose verdict is fail.
    pub first_failing: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Sweep {
    pub schema_version: u32,
    pub parameter: &'static str,
    pub rows: Vec<SweepRow>,
}

impl Sweep {
    /// Rows in sweep order; marks the first failing one.
    pub fn new(param: SweepParam, mut rows: Vec<SweepRow>) -> Sweep {
        if let Some(r) = rows.iter_mut().find(|r| r.verdict == Status::Fail) {
            r.first_failing = true;
        }
        Sweep {
            schema_version: crate::output::report::SCHEMA_VERSION,
            parameter: param.name(),
            rows,
        }
    }

    /// The check ids of any row, in the order checks are listed.
    fn check_ids(&self) -> Vec<CheckId> {
        let mut ids: Vec<CheckId> = self
            .rows
            .iter()
            .flat_map(|r| r.checks.iter().map(|c| c.id))
            .collect();
        ids.sort();
        ids.dedup();
        ids
    }
}

pub fn row(value: u64, r: &Report) -> SweepRow {
    let n = &r.next_start;
    SweepRow {
        value,
        segments: r.inventory.segments,
        index_maps_best: n.index_maps.best,
        index_maps_worst: n.index_maps.worst,
        map_areas_best: n.map_areas.best,
        map_areas_worst: n.map_areas.worst,
        virtual_memory_best: n.virtual_memory_bytes.best,
        virtual_memory_worst: n.virtual_memory_bytes.worst,
        open_files: n.open_files.worst,
        verdict: r.verdict,
        checks: r
            .checks
            .iter()
            .map(|c| SweepCheck {
                id: c.id,
                status: c.status,
                required: c.required,
                limit: c.limit,
            })
            .collect(),
        first_failing: false,
    }
}

fn status_str(s: Option<Status>) -> &'static str {
    s.map_or("-", Status::as_str)
}

fn status_of(r: &SweepRow, id: CheckId) -> Option<Status> {
    r.checks.iter().find(|c| c.id == id).map(|c| c.status)
}

/// Columns of CSV and markdown: the numbers once, then one status column per check.
fn header(s: &Sweep, ids: &[CheckId]) -> Vec<String> {
    let mut h: Vec<String> = [
        s.parameter,
        "segments",
        "map_areas_best",
        "map_areas_worst",
        "virtual_memory_best_bytes",
        "virtual_memory_worst_bytes",
        "open_files",
        "verdict",
    ]
    .map(String::from)
    .to_vec();
    h.extend(ids.iter().map(|id| format!("{id}_status")));
    h.push("first_failing".into());
    h
}

fn cells(r: &SweepRow, ids: &[CheckId]) -> Vec<String> {
    let mut v = vec![
        r.value.to_string(),
        r.segments.to_string(),
        r.map_areas_best.to_string(),
        r.map_areas_worst.to_string(),
        r.virtual_memory_best.to_string(),
        r.virtual_memory_worst.to_string(),
        r.open_files.to_string(),
        status_str(Some(r.verdict)).to_string(),
    ];
    v.extend(
        ids.iter()
            .map(|id| status_str(status_of(r, *id)).to_string()),
    );
    v.push(if r.first_failing { "yes" } else { "" }.to_string());
    v
}

pub fn csv(s: &Sweep) -> String {
    let ids = s.check_ids();
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    // Writing to a Vec cannot fail.
    w.write_record(header(s, &ids)).expect("csv header");
    for r in &s.rows {
        w.write_record(cells(r, &ids)).expect("csv row");
    }
    String::from_utf8(w.into_inner().expect("flush to a Vec")).expect("UTF-8 cells")
}

pub fn markdown(s: &Sweep) -> String {
    let ids = s.check_ids();
    let head = header(s, &ids);
    let mut out = format!(
        "### kafka-preflight sweep: {}\n\n| {} |\n|{}\n",
        verdict_line(s).replace('_', "\\_"),
        head.join(" | "),
        "---|".repeat(head.len())
    );
    for r in &s.rows {
        out.push_str(&format!("| {} |\n", cells(r, &ids).join(" | ")));
    }
    out
}

/// "FAIL from log.segment.bytes=64.0 MiB: open_files": the first line of the human outputs.
pub fn verdict_line(s: &Sweep) -> String {
    let value = |v: u64| match s.parameter {
        "partitions" => crate::units::count(v),
        _ => crate::units::bytes(v),
    };
    if let Some(r) = s.rows.iter().find(|r| r.first_failing) {
        let ids: Vec<String> = r
            .checks
            .iter()
            .filter(|c| c.status == Status::Fail)
            .map(|c| c.id.to_string())
            .collect();
        return format!(
            "FAIL from {}={}: {}",
            s.parameter,
            value(r.value),
            ids.join(", ")
        );
    }
    let warn = s.rows.iter().filter(|r| r.verdict == Status::Warn).count();
    match warn {
        0 => format!("PASS: every {} value passes", s.parameter),
        n => format!(
            "WARN: no {} value fails; {n} of {} warn",
            s.parameter,
            s.rows.len()
        ),
    }
}

pub fn table(s: &Sweep, width: usize) -> String {
    let ids = s.check_ids();
    let mut h: Vec<String> = [
        s.parameter,
        "segments",
        "map areas best/worst",
        "VM best/worst",
        "open files",
        "verdict",
    ]
    .map(String::from)
    .to_vec();
    h.extend(ids.iter().map(|id| id.to_string()));
    let mut t = vec![h];
    for r in &s.rows {
        let value = match s.parameter {
            "partitions" => crate::units::count(r.value),
            _ => crate::units::bytes(r.value),
        };
        let mut v = vec![
            value,
            crate::units::count(r.segments),
            format!(
                "{}/{}",
                crate::units::count(r.map_areas_best),
                crate::units::count(r.map_areas_worst)
            ),
            format!(
                "{}/{}",
                crate::units::bytes(r.virtual_memory_best),
                crate::units::bytes(r.virtual_memory_worst)
            ),
            crate::units::count(r.open_files),
            format!(
                "{}{}",
                status_str(Some(r.verdict)),
                if r.first_failing {
                    " <- first failing"
                } else {
                    ""
                }
            ),
        ];
        v.extend(
            ids.iter()
                .map(|id| status_str(status_of(r, *id)).to_string()),
        );
        t.push(v);
    }
    let mut b = tabled::builder::Builder::default();
    for row in t {
        b.push_record(row);
    }
    format!(
        "{}\n\n{}\n",
        verdict_line(s),
        crate::output::text::fit(b, width)
    )
}

/// The sweep in `format`, or a refusal naming the formats it has.
pub fn render(s: &Sweep, format: Format, width: usize) -> anyhow::Result<String> {
    Ok(match format {
        Format::Table => table(s, width),
        Format::Json => serde_json::to_string_pretty(s)? + "\n",
        Format::Csv => csv(s),
        Format::Markdown => markdown(s),
        Format::Prometheus => anyhow::bail!(
            "--format prometheus: a sweep has no metrics to scrape; use --format table, json, csv or markdown (or plan without --sweep)"
        ),
    })
}
