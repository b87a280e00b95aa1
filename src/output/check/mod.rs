//! The `check` result ([`Report`]) in each [`Format`]: one exporter file per format.

pub mod csv;
pub mod json;
pub mod markdown;
pub mod prometheus;
pub mod table;

use crate::output::report::Report;
use crate::output::Format;

/// The report in `format`, without colour.
pub fn render(report: &Report, format: Format) -> String {
    render_styled(report, format, false)
}

/// The report in `format`; `color` applies to the table only.
pub fn render_styled(report: &Report, format: Format, color: bool) -> String {
    match format {
        Format::Table => table::render_styled(report, color),
        Format::Json => json::render(report),
        Format::Markdown => markdown::render(report),
        Format::Csv => csv::render(report),
        Format::Prometheus => prometheus::render(report),
    }
}
