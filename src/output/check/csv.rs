//! `--format csv`: for spreadsheets. One row per log dir (`kind` = `log_dir`) and one per topic
//! (`kind` = `topic`) under one header; a column that does not apply to a row's kind is empty.
//! The column names are stable: add columns at the end, never rename or reorder.

use super::table::name;
use crate::output::report::Report;

/// The header, in order.
pub const COLUMNS: [&str; 20] = [
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
];

pub fn render(r: &Report) -> String {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    // Writing to a Vec cannot fail; a row of the header's length cannot either.
    let mut row = |cells: [String; COLUMNS.len()]| w.write_record(&cells).expect("csv row");
    row(COLUMNS.map(String::from));
    let none = String::new;
    for d in &r.inventory.log_dirs {
        row([
            "log_dir".into(),
            d.path.clone(),
            d.partitions.to_string(),
            d.segments.to_string(),
            d.log_bytes.to_string(),
            d.unflushed_segments.to_string(),
            d.unflushed_log_bytes.to_string(),
            d.pending_delete_dirs.to_string(),
            name(&d.role),
            d.readable.to_string(),
            d.clean_shutdown.to_string(),
            name(&d.recovery_checkpoint),
            d.problems.len().to_string(),
            none(),
            none(),
            none(),
            none(),
            none(),
            none(),
            none(),
        ]);
    }
    for t in &r.topics {
        row([
            "topic".into(),
            t.name.clone(),
            t.partitions.to_string(),
            t.segments.to_string(),
            t.log_bytes.to_string(),
            none(),
            none(),
            none(),
            none(),
            none(),
            none(),
            none(),
            none(),
            t.segment_bytes.to_string(),
            t.segment_index_bytes.to_string(),
            t.cleanup_policy.clone(),
            t.index_maps_live.to_string(),
            t.index_bytes_live.to_string(),
            t.index_maps_worst.to_string(),
            t.index_bytes_worst.to_string(),
        ]);
    }
    let bytes = w.into_inner().expect("flush to a Vec");
    String::from_utf8(bytes).expect("csv of UTF-8 strings is UTF-8")
}
