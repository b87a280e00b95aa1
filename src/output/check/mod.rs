//! The `check` result ([`Report`]) in each [`Format`]: one exporter file per format.

pub mod csv;
pub mod json;
pub mod markdown;
pub mod prometheus;
pub mod table;

use crate::output::report::Report;
use crate::output::{Format, Style};

/// The report in `format`, in the plain style (no colour, 80 columns).
pub fn render(report: &Report, format: Format) -> String {
    render_styled(report, format, &Style::plain())
}

/// The report in `format`; `style` applies to the human formats.
pub fn render_styled(report: &Report, format: Format, style: &Style) -> String {
    match format {
        Format::Table => table::render_styled(report, style),
        Format::Json => json::render(report),
        Format::Markdown => markdown::render(report, style.explain),
        Format::Csv => csv::render(report),
        Format::Prometheus => prometheus::render(report),
    }
}
