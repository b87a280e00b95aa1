//! The time series `watch` records: samples, peaks, the settle rule, and CSV output.

use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::time::Duration;

use serde::Serialize;

use super::measure::{Headroom, Limits, Sample};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Point {
    /// Milliseconds since watching started, when the sample began: the actual time, which is
    /// later than the schedule when sampling falls behind.
    pub t_ms: u64,
    /// How long reading this sample took, in microseconds.
    pub sample_us: u64,
    /// It took longer than the interval, so the next one started late.
    pub over_interval: bool,
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

/// What sampling itself cost: at 200k map areas reading /proc/PID/maps alone can take longer
/// than a 100 ms interval, and then the series is coarser than asked for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SamplingCost {
    pub interval_us: u64,
    pub mean_us: u64,
    pub max_us: u64,
    /// Samples that took longer than the interval.
    pub over_interval: u64,
    /// CPU time (user + system) of the sampling thread per sample: the part of `mean_us` that
    /// is this tool's and the kernel's work for it, not waiting for a busy machine's CPUs.
    pub mean_cpu_us: u64,
    pub max_cpu_us: u64,
    #[serde(skip)]
    total_cpu_us: u64,
    #[serde(skip)]
    total_us: u64,
    #[serde(skip)]
    samples: u64,
}

impl SamplingCost {
    fn add(&mut self, us: u64) -> bool {
        let over = self.interval_us > 0 && us > self.interval_us;
        self.samples += 1;
        self.total_us += us;
        self.mean_us = self.total_us / self.samples;
        self.max_us = self.max_us.max(us);
        self.over_interval += u64::from(over);
        over
    }

    /// Adds the CPU time of the sample just pushed.
    pub fn add_cpu(&mut self, cpu: Duration) {
        let us = cpu.as_micros() as u64;
        self.total_cpu_us += us;
        self.mean_cpu_us = self.total_cpu_us / self.samples.max(1);
        self.max_cpu_us = self.max_cpu_us.max(us);
    }
}

/// CPU time (user + system) the calling thread has used so far. CLOCK_THREAD_CPUTIME_ID, not
/// getrusage(RUSAGE_THREAD): the latter is kept in scheduler ticks on most kernels, so a sample
/// that costs a millisecond reads as 0 or as a whole tick.
pub fn thread_cpu_time() -> Duration {
    // SAFETY: clock_gettime fills the zeroed timespec; the clock id is a Linux constant.
    let ts = unsafe {
        let mut ts: libc::timespec = std::mem::zeroed();
        libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts);
        ts
    };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

#[derive(Debug, Clone, Default)]
pub struct Recording {
    pub points: Vec<Point>,
    pub peaks: Peaks,
    pub cost: SamplingCost,
}

/// The columns after `threads` were added later, at the end, so scripts that read columns by
/// position keep working.
pub const CSV_HEADER: &str = "t_ms,vm_size,vm_rss,map_areas,index_maps,index_bytes,fds,threads,\
                              vm_peak,sample_us,over_interval";

impl Recording {
    /// A recording whose samples are judged against `interval`.
    pub fn new(interval: Duration) -> Self {
        Recording {
            cost: SamplingCost {
                interval_us: interval.as_micros() as u64,
                ..Default::default()
            },
            ..Default::default()
        }
    }

    /// Adds a sample taken at `t_ms` that took `took` to read; true when that was longer than
    /// the interval.
    pub fn push(&mut self, t_ms: u64, took: Duration, sample: Sample) -> bool {
        let sample_us = took.as_micros() as u64;
        let over_interval = self.cost.add(sample_us);
        self.peaks.update(&sample);
        self.points.push(Point {
            t_ms,
            sample_us,
            over_interval,
            sample,
        });
        over_interval
    }

    /// The kernel's VmPeak went above every sampled VmSize: the address space peaked between
    /// two samples (or before watching began), by this many bytes.
    pub fn peak_between_samples(&self) -> Option<u64> {
        let p = &self.peaks;
        (p.vm_peak_bytes > p.vm_size_bytes && !self.points.is_empty())
            .then(|| p.vm_peak_bytes - p.vm_size_bytes)
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
                "{},{},{},{},{},{},{},{},{},{},{}",
                p.t_ms,
                s.vm_size_bytes,
                s.vm_rss_bytes,
                s.map_areas,
                s.index_mappings.count,
                s.index_mappings.bytes,
                s.open_files,
                s.threads,
                s.vm_peak_bytes,
                p.sample_us,
                u8::from(p.over_interval)
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum End {
    /// The process is gone. Exit code or signal only when watch started it.
    Exited {
        exit_code: Option<i32>,
        signal: Option<i32>,
    },
    Settled {
        unchanged_ms: u64,
    },
    LogLine {
        line: String,
    },
    Duration,
    Interrupted,
}

impl End {
    pub fn died(&self) -> bool {
        matches!(self, End::Exited { .. })
    }

    pub fn describe(&self, started: bool) -> String {
        match self {
            End::Exited {
                exit_code: Some(c), ..
            } => format!("the process exited with status {c}"),
            End::Exited {
                signal: Some(s), ..
            } => format!("the process was killed by signal {s}"),
            End::Exited { .. } if started => "the process exited".into(),
            End::Exited { .. } => {
                "the process exited (its exit status is known only to its parent)".into()
            }
            End::Settled { unchanged_ms } => format!(
                "VmSize and map areas unchanged for {:.1} s: log loading is over",
                *unchanged_ms as f64 / 1000.0
            ),
            End::LogLine { line } => format!("log line matched: {line}"),
            End::Duration => "--duration reached".into(),
            End::Interrupted => "interrupted".into(),
        }
    }
}

pub fn end_of(status: std::process::ExitStatus) -> End {
    End::Exited {
        exit_code: status.code(),
        signal: status.signal(),
    }
}

/// What `watch` found, in every format: JSON (this struct, schema_version 1), table, markdown.
#[derive(Debug, Clone, Serialize)]
pub struct WatchReport {
    pub schema_version: u32,
    /// The process sampled: the started command, or the JVM it started.
    pub pid: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_pid: Option<i32>,
    pub started_by_watch: bool,
    pub samples: usize,
    pub interval_ms: u64,
    /// What each sample cost; when it exceeds the interval the series is coarser than asked.
    pub sampling: SamplingCost,
    /// VmPeak above every sampled VmSize: a peak between samples that only the kernel saw.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vm_peak_between_samples_bytes: Option<u64>,
    pub watched_ms: u64,
    pub ended: End,
    pub peaks: Peaks,
    pub limits: Option<Limits>,
    /// Headroom left at the peaks (VmPeak, map areas, fds), percent of the soft limit.
    pub headroom_at_peak: Headroom,
    /// Last line containing "Map failed" appended to `log` while watching.
    pub last_map_failed_line: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub still_running: Option<bool>,
    /// The broker log that was followed (`--log`).
    #[serde(skip)]
    pub log: Option<std::path::PathBuf>,
}

/// `100ms`, `10s`, `2m`, `1h`, `1.5s`; a bare number is seconds (the one rule for durations,
/// [`crate::units::parse::duration`]).
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    crate::units::parse::duration(s)
}
