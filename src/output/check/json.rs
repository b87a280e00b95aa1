//! `--format json`: exactly one JSON object on stdout (schema in docs/report-json.md).

use crate::output::report::Report;

pub fn render(r: &Report) -> String {
    let mut s = serde_json::to_string_pretty(r).expect("a report always serializes");
    s.push('\n');
    s
}
