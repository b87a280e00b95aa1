//! The SVG of a `watch` recording: address space on top, map areas below, each with its limit
//! as a horizontal line, so the chart shows how close the start came to `Map failed`.

use plotters::prelude::*;

use super::measure::Limits;
use super::watch::Recording;

const WIDTH: u32 = 1100;
const HEIGHT: u32 = 760;

/// A limit more than this many times above the series' peak would flatten the series to the
/// axis; it is named in the legend instead of drawn.
const MAX_LIMIT_STRETCH: f64 = 10.0;

/// Series names, also used by tests to find them in the SVG.
pub const VM_SIZE_LABEL: &str = "VmSize";
pub const INDEX_BYTES_LABEL: &str = "index-mapping bytes";
pub const MAP_AREAS_LABEL: &str = "map areas";
pub const INDEX_COUNT_LABEL: &str = "index mappings";

fn err(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("drawing the chart: {e}")
}

fn byte_unit(max: f64) -> (f64, &'static str) {
    if max >= 4.0 * (1u64 << 30) as f64 {
        ((1u64 << 30) as f64, "GiB")
    } else {
        ((1u64 << 20) as f64, "MiB")
    }
}

/// Renders the recording as an SVG document.
pub fn render_svg(rec: &Recording, limits: Option<&Limits>, title: &str) -> anyhow::Result<String> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let root = root.titled(title, ("sans-serif", 22)).map_err(err)?;
        let (top, bottom) = root.split_vertically(HEIGHT / 2 - 20);

        let t_max = rec
            .points
            .last()
            .map(|p| p.t_ms as f64 / 1000.0)
            .unwrap_or(0.0)
            .max(0.1);

        // Address space.
        let rlimit_as = limits.and_then(|l| l.virtual_memory_bytes.soft);
        let peak_bytes = rec
            .peaks
            .vm_size_bytes
            .max(rec.peaks.index_mappings_bytes)
            .max(1) as f64;
        let as_line = rlimit_as
            .map(|v| v as f64)
            .filter(|v| *v <= peak_bytes * MAX_LIMIT_STRETCH);
        let y_max = as_line.unwrap_or(0.0).max(peak_bytes) * 1.08;
        let (div, unit) = byte_unit(y_max);
        let mut chart = ChartBuilder::on(&top)
            .margin(12)
            .x_label_area_size(32)
            .y_label_area_size(70)
            .build_cartesian_2d(0f64..t_max, 0f64..y_max / div)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("seconds")
            .y_desc(unit)
            .y_label_formatter(&|v| {
                if unit == "GiB" {
                    format!("{v:.1}")
                } else {
                    format!("{v:.0}")
                }
            })
            .draw()
            .map_err(err)?;
        let series = |f: fn(&super::watch::Point) -> u64| -> Vec<(f64, f64)> {
            rec.points
                .iter()
                .map(|p| (p.t_ms as f64 / 1000.0, f(p) as f64 / div))
                .collect()
        };
        chart
            .draw_series(LineSeries::new(
                series(|p| p.sample.vm_size_bytes),
                BLUE.stroke_width(2),
            ))
            .map_err(err)?
            .label(VM_SIZE_LABEL)
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLUE.stroke_width(2)));
        chart
            .draw_series(LineSeries::new(
                series(|p| p.sample.index_mappings.bytes),
                GREEN.stroke_width(2),
            ))
            .map_err(err)?
            .label(INDEX_BYTES_LABEL)
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], GREEN.stroke_width(2)));
        let as_label = match (rlimit_as, as_line) {
            (None, _) => "RLIMIT_AS (ulimit -v): unlimited".to_string(),
            (Some(v), Some(_)) => format!("RLIMIT_AS (ulimit -v) {:.1} {unit}", v as f64 / div),
            (Some(v), None) => format!(
                "RLIMIT_AS (ulimit -v) {:.1} {unit}, off the chart",
                v as f64 / div
            ),
        };
        hline(&mut chart, as_line.map(|v| v / div), t_max, &as_label)?;
        chart
            .configure_series_labels()
            // Between the address-space curve and the much smaller index curve, where a
            // recovering broker's chart is usually empty.
            .position(SeriesLabelPosition::MiddleRight)
            .background_style(WHITE.mix(0.7))
            .border_style(BLACK)
            .draw()
            .map_err(err)?;

        // Map areas.
        let max_map_count = limits.map(|l| l.max_map_count.value);
        let peak_maps = rec.peaks.map_areas.max(1) as f64;
        let mmc_line = max_map_count
            .map(|v| v as f64)
            .filter(|v| *v <= peak_maps * MAX_LIMIT_STRETCH);
        let y_max = mmc_line.unwrap_or(0.0).max(peak_maps) * 1.08;
        let mut chart = ChartBuilder::on(&bottom)
            .margin(12)
            .x_label_area_size(32)
            .y_label_area_size(70)
            .build_cartesian_2d(0f64..t_max, 0f64..y_max)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("seconds")
            .y_desc("map areas")
            .y_label_formatter(&|v| format!("{v:.0}"))
            .draw()
            .map_err(err)?;
        let series = |f: fn(&super::watch::Point) -> u64| -> Vec<(f64, f64)> {
            rec.points
                .iter()
                .map(|p| (p.t_ms as f64 / 1000.0, f(p) as f64))
                .collect()
        };
        chart
            .draw_series(LineSeries::new(
                series(|p| p.sample.map_areas),
                MAGENTA.stroke_width(2),
            ))
            .map_err(err)?
            .label(MAP_AREAS_LABEL)
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], MAGENTA.stroke_width(2)));
        chart
            .draw_series(LineSeries::new(
                series(|p| p.sample.index_mappings.count),
                GREEN.stroke_width(2),
            ))
            .map_err(err)?
            .label(INDEX_COUNT_LABEL)
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], GREEN.stroke_width(2)));
        let mmc_label = match (max_map_count, mmc_line) {
            (None, _) => "vm.max_map_count: unknown".to_string(),
            (Some(v), Some(_)) => format!("vm.max_map_count {v}"),
            (Some(v), None) => format!("vm.max_map_count {v}, off the chart"),
        };
        hline(&mut chart, mmc_line, t_max, &mmc_label)?;
        chart
            .configure_series_labels()
            // Between the address-space curve and the much smaller index curve, where a
            // recovering broker's chart is usually empty.
            .position(SeriesLabelPosition::MiddleRight)
            .background_style(WHITE.mix(0.7))
            .border_style(BLACK)
            .draw()
            .map_err(err)?;

        root.present().map_err(err)?;
    }
    Ok(out)
}

/// A limit as a red horizontal line, or, when it is not drawn, just its legend entry.
fn hline<DB: DrawingBackend>(
    chart: &mut ChartContext<
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    y: Option<f64>,
    t_max: f64,
    label: &str,
) -> anyhow::Result<()> {
    let points = match y {
        Some(y) => vec![(0.0, y), (t_max, y)],
        None => vec![],
    };
    chart
        .draw_series(LineSeries::new(points, RED.stroke_width(2)))
        .map_err(err)?
        .label(label)
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], RED.stroke_width(2)));
    Ok(())
}
