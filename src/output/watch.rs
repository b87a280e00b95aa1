//! The `watch` result (the peaks of a start against its limits) in every format it has: the
//! verdict line first, then the peaks. JSON is [`WatchReport`] (schema_version 1). CSV is the
//! time series (`--csv FILE`), not a format of the summary, and a finished start has nothing
//! to scrape (`inspect --format prometheus` has the running broker's metrics): both refused.

use std::path::PathBuf;

use anyhow::bail;

use crate::live::logtail::MAP_FAILED;
use crate::live::watch::WatchReport;
use crate::output::live::{self, Usage};
use crate::output::{text, Format, Style};
use crate::units;
use crate::verdict::Status;

/// The result and the files written beside it (`--csv`, `--svg`), which the table lists.
pub struct Watched<'a> {
    pub report: &'a WatchReport,
    pub files: Vec<(&'static str, PathBuf)>,
}

impl Watched<'_> {
    fn rows(&self) -> [Usage; 3] {
        let r = self.report;
        let p = &r.peaks;
        live::usage(
            [p.vm_peak_bytes, p.map_areas, p.open_files],
            r.limits.as_ref(),
            &r.headroom_at_peak,
        )
    }

    /// A start that died while watched fails whatever its peaks were.
    pub fn status(&self) -> Status {
        if self.report.ended.died() {
            Status::Fail
        } else {
            live::status(&self.rows())
        }
    }

    fn verdict(&self, width: usize) -> String {
        let r = self.report;
        let rows = self.rows();
        let ended = r.ended.describe(r.started_by_watch);
        let near = live::status(&rows) != Status::Pass;
        let first = match (r.ended.died(), near) {
            (true, true) => format!(
                "FAIL: pid {}: {ended} after {}; its peak came within {}% of a limit:\n",
                r.pid,
                units::elapsed(r.watched_ms as f64 / 1000.0),
                live::NEAR_PERCENT
            ),
            (true, false) => format!(
                "FAIL: pid {}: {ended} after {}; no limit was within {}% at the peak{}\n",
                r.pid,
                units::elapsed(r.watched_ms as f64 / 1000.0),
                live::NEAR_PERCENT,
                live::nearest(&rows).map_or(String::new(), |n| format!(" ({n})"))
            ),
            (false, true) => format!(
                "{}: pid {}: {ended}; the peak came within {}% of a limit:\n",
                self.status().label(),
                r.pid,
                live::NEAR_PERCENT
            ),
            (false, false) => format!(
                "PASS: pid {}: {ended}; the peaks stayed within every limit{}\n",
                r.pid,
                live::nearest(&rows).map_or(String::new(), |n| format!(" ({n})"))
            ),
        };
        let mut out = live::headline(&first, width);
        out += &live::problem_lines(&rows, width);
        if r.ended.died() {
            out += &match (&r.log, &r.last_map_failed_line) {
                (Some(l), Some(line)) => format!(
                    "  last \"{MAP_FAILED}\" line in {}:\n    {line}\n",
                    l.display()
                ),
                (Some(l), None) => format!(
                    "  no \"{MAP_FAILED}\" line was appended to {} while watching\n",
                    l.display()
                ),
                (None, _) => {
                    format!("  (give --log FILE to quote the broker's \"{MAP_FAILED}\" line)\n")
                }
            };
        }
        out
    }
}

/// Why a format is refused, said before the watch rather than after a start that took minutes.
fn refusal(format: Format) -> Option<&'static str> {
    match format {
        Format::Csv => Some(
            "--format csv: watch's time series is written with --csv FILE; its summary is --format table, json or markdown",
        ),
        Format::Prometheus => Some(
            "--format prometheus: a watched start has no metrics to scrape; use inspect --format prometheus for a running broker, or --format table, json or markdown",
        ),
        Format::Table | Format::Json | Format::Markdown => None,
    }
}

pub fn accepts(format: Format) -> anyhow::Result<()> {
    match refusal(format) {
        Some(why) => bail!("{why}"),
        None => Ok(()),
    }
}

pub fn render(w: &Watched, format: Format, style: Style) -> anyhow::Result<String> {
    accepts(format)?;
    Ok(match format {
        Format::Table => table(w, style.width),
        Format::Json => serde_json::to_string_pretty(w.report)? + "\n",
        _ => markdown(w),
    })
}

/// "Watched pid 4242 for 12.3s (124 samples every 100 ms)".
fn watched(r: &WatchReport) -> String {
    format!(
        "Watched pid {} for {} ({} samples every {} ms)",
        r.pid,
        units::elapsed(r.watched_ms as f64 / 1000.0),
        units::count(r.samples as u64),
        r.interval_ms
    )
}

fn table(w: &Watched, width: usize) -> String {
    let r = w.report;
    let p = &r.peaks;
    let mut out = w.verdict(width);
    out += &format!("\n{}\n", watched(r));
    out += &live::table(&w.rows(), "peak", r.limits.is_some(), width);
    out += "\n";
    let facts = [
        format!(
            "index mappings {} / {}",
            units::count(p.index_mappings_count),
            units::bytes(p.index_mappings_bytes)
        ),
        format!("resident (VmRSS) {}", units::bytes(p.vm_rss_bytes)),
        format!("threads {}", units::count(p.threads)),
    ];
    out += &format!("  {}\n", text::wrap_items(&facts, width, 2, 2));
    out += &sampling_lines(r, width);
    if r.still_running == Some(true) {
        out += &format!(
            "\npid {} (started by watch) is still running; --stop would have sent it SIGTERM\n",
            r.pid
        );
    }
    for (what, path) in &w.files {
        out += &format!("{what}: {}\n", path.display());
    }
    out
}

fn sampling_lines(r: &WatchReport, width: usize) -> String {
    let c = &r.sampling;
    let ms = |us: u64| us as f64 / 1000.0;
    let mut out = format!(
        "  time per sample {:.1} ms mean, {:.1} ms max ({:.1} ms CPU mean)\n",
        ms(c.mean_us),
        ms(c.max_us),
        ms(c.mean_cpu_us)
    );
    let mut note = |s: String| {
        out += "  ";
        out += &text::wrap(&s, width, 2, 4);
        out += "\n";
    };
    if c.over_interval > 0 {
        note(format!(
            "{} of {} samples took longer than the {} ms interval: the series is coarser than asked (actual times in the CSV's t_ms)",
            units::count(c.over_interval),
            units::count(r.samples as u64),
            r.interval_ms
        ));
    }
    if let Some(b) = r.vm_peak_between_samples_bytes {
        note(format!(
            "VmPeak is {} above the largest sampled VmSize: the kernel saw a peak between samples (or before watching began)",
            units::bytes(b)
        ));
    }
    out
}

fn markdown(w: &Watched) -> String {
    let r = w.report;
    let mut out = String::new();
    out += &crate::output::live::markdown_verdict("watch", &w.verdict(usize::MAX));
    out += &format!("{}.\n\n", watched(r));
    out += &live::markdown_table(&w.rows(), "peak", r.limits.is_some());
    out
}
