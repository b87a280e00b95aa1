//! `--format csv`: for spreadsheets. One row per log dir (`kind` = `log_dir`), per topic
//! (`kind` = `topic`) and per check (`kind` = `check`: `status`, `required`, `limit`, `rule`)
//! under one header; a column that does not apply to a row's kind is empty.
//! The column names are stable: add columns at the end, never rename or reorder.

use super::table::name;
use crate::output::report::Report;

/// The header, in order.
pub const COLUMNS: [&str; 24] = [
    "kind",
    "name",
    "partitions",
    "segments",
    "log_bytes",
    "unflushed_segments",
    "unflushed_log_bytes",
    "pending_delete_dirs",
    "role",
    "readable",
    "clean_shutdown",
    "recovery_checkpoint",
    "problems",
    "segment_bytes",
    "segment_index_bytes",
    "cleanup_policy",
    "index_maps_live",
    "index_bytes_live",
    "index_maps_worst",
    "index_bytes_worst",
    "status",
    "required",
    "limit",
    "rule",
];

/// One row, filled by column name; the rest stays empty.
struct Row([String; COLUMNS.len()]);

impl Row {
    fn new(kind: &str, name: &str) -> Row {
        let mut r = Row(std::array::from_fn(|_| String::new()));
        r.set("kind", kind).set("name", name);
        r
    }

    fn set(&mut self, column: &str, v: impl ToString) -> &mut Row {
        let i = COLUMNS
            .iter()
            .position(|c| *c == column)
            .expect("a column of COLUMNS");
        self.0[i] = v.to_string();
        self
    }
}

pub fn render(r: &Report) -> String {
    let mut rows = Vec::new();
    for d in &r.inventory.log_dirs {
        let mut row = Row::new("log_dir", &d.path);
        row.set("partitions", d.partitions)
            .set("segments", d.segments)
            .set("log_bytes", d.log_bytes)
            .set("unflushed_segments", d.unflushed_segments)
            .set("unflushed_log_bytes", d.unflushed_log_bytes)
            .set("pending_delete_dirs", d.pending_delete_dirs)
            .set("role", name(&d.role))
            .set("readable", d.readable)
            .set("clean_shutdown", d.clean_shutdown)
            .set("recovery_checkpoint", name(&d.recovery_checkpoint))
            .set("problems", d.problems.len());
        rows.push(row);
    }
    for t in &r.topics {
        let mut row = Row::new("topic", &t.name);
        row.set("partitions", t.partitions)
            .set("segments", t.segments)
            .set("log_bytes", t.log_bytes)
            .set("segment_bytes", t.segment_bytes)
            .set("segment_index_bytes", t.segment_index_bytes)
            .set("cleanup_policy", &t.cleanup_policy)
            .set("index_maps_live", t.index_maps_live)
            .set("index_bytes_live", t.index_bytes_live)
            .set("index_maps_worst", t.index_maps_worst)
            .set("index_bytes_worst", t.index_bytes_worst);
        rows.push(row);
    }
    for c in &r.checks {
        let mut row = Row::new("check", c.id.as_str());
        row.set("status", c.status.as_str())
            .set("rule", name(&c.rule));
        if let Some(v) = c.required {
            row.set("required", v);
        }
        match c.limit {
            Some(l) => row.set("limit", l),
            None if c.required.is_some() => row.set("limit", "unlimited"),
            None => &mut row,
        };
        rows.push(row);
    }
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    // Writing to a Vec cannot fail; a row of the header's length cannot either.
    w.write_record(COLUMNS).expect("csv header");
    for row in &rows {
        w.write_record(&row.0).expect("csv row");
    }
    let bytes = w.into_inner().expect("flush to a Vec");
    String::from_utf8(bytes).expect("csv of UTF-8 strings is UTF-8")
}
