//! The time series `watch` records: samples, peaks, the settle rule, and CSV output.

use std::io::Write;
use std::time::Duration;

use serde::Serialize;

use super::measure::Sample;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Point {
    /// Milliseconds since watching started.
    pub t_ms: u64,
    #[serde(flatten)]
    pub sample: Sample,
}

/// Highest values seen. `vm_peak_bytes` is the kernel's own high-water mark, so it also
/// catches a spike that happened between two samples; the others are the sampled maxima.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Peaks {
    pub vm_peak_bytes: u64,
    pub vm_size_bytes: u64,
    pub vm_rss_bytes: u64,
    pub map_areas: u64,
    pub index_mappings_count: u64,
    pub index_mappings_bytes: u64,
    pub open_files: u64,
    pub threads: u64,
}

impl Peaks {
    pub fn update(&mut self, s: &Sample) {
        self.vm_peak_bytes = self.vm_peak_bytes.max(s.vm_peak_bytes).max(s.vm_size_bytes);
        self.vm_size_bytes = self.vm_size_bytes.max(s.vm_size_bytes);
        self.vm_rss_bytes = self.vm_rss_bytes.max(s.vm_rss_bytes);
        self.map_areas = self.map_areas.max(s.map_areas);
        self.index_mappings_count = self.index_mappings_count.max(s.index_mappings.count);
        self.index_mappings_bytes = self.index_mappings_bytes.max(s.index_mappings.bytes);
        self.open_files = self.open_files.max(s.open_files);
        self.threads = self.threads.max(s.threads);
    }
}

#[derive(Debug, Clone, Default)]
pub struct Recording {
    pub points: Vec<Point>,
    pub peaks: Peaks,
}

pub const CSV_HEADER: &str = "t_ms,vm_size,vm_rss,map_areas,index_maps,index_bytes,fds,threads";

impl Recording {
    pub fn push(&mut self, t_ms: u64, sample: Sample) {
        self.peaks.update(&sample);
        self.points.push(Point { t_ms, sample });
    }

    pub fn last(&self) -> Option<&Point> {
        self.points.last()
    }

    pub fn write_csv(&self, mut w: impl Write) -> std::io::Result<()> {
        writeln!(w, "{CSV_HEADER}")?;
        for p in &self.points {
            let s = &p.sample;
            writeln!(
                w,
                "{},{},{},{},{},{},{},{}",
                p.t_ms,
                s.vm_size_bytes,
                s.vm_rss_bytes,
                s.map_areas,
                s.index_mappings.count,
                s.index_mappings.bytes,
                s.open_files,
                s.threads
            )?;
        }
        w.flush()
    }
}

/// Log loading is over when VmSize and the map count stop moving: a recovering broker maps
/// and resizes indexes continuously, a started one sits still.
#[derive(Debug, Clone)]
pub struct Settle {
    window_ms: u64,
    last: Option<(u64, u64)>,
    since_ms: u64,
}

impl Settle {
    /// A zero window never settles (the rule is off).
    pub fn new(window: Duration) -> Self {
        Settle {
            window_ms: window.as_millis() as u64,
            last: None,
            since_ms: 0,
        }
    }

    /// Feeds a sample; true once the values have been unchanged for the whole window.
    pub fn observe(&mut self, t_ms: u64, s: &Sample) -> bool {
        let now = (s.vm_size_bytes, s.map_areas);
        if self.last != Some(now) {
            self.last = Some(now);
            self.since_ms = t_ms;
            return false;
        }
        self.window_ms > 0 && t_ms.saturating_sub(self.since_ms) >= self.window_ms
    }
}

/// `100ms`, `10s`, `2m`, `1h`, `1.5s`; a bare number is seconds (the one rule for durations,
/// [`crate::units::parse::duration`]).
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    crate::units::parse::duration(s)
}
