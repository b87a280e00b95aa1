//! One measurement of a running process: what `inspect` prints and what `check --pid` can use
//! to calibrate its model (the process's own baseline, i.e. everything but the index mappings).

use serde::Serialize;

use super::error::LiveError;
use super::index::{IndexMappings, LogDirMappings, PartitionMappings};
use super::maps::MapsReader;
use super::parse::SoftHard;
use super::proc::ProcFs;

/// Version of the JSON written by `inspect --format json`; bump on incompatible changes.
pub const SCHEMA_VERSION: u32 = 1;

/// How many partitions `top_partitions` lists.
pub const TOP_PARTITIONS: usize = 10;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Measurement {
    pub pid: i32,
    pub vm_size_bytes: u64,
    /// The kernel's high-water mark of VmSize over the process's life.
    pub vm_peak_bytes: u64,
    pub vm_rss_bytes: u64,
    pub threads: u64,
    /// Lines of /proc/PID/maps; the kernel refuses mmap beyond vm.max_map_count of them.
    pub map_areas: u64,
    pub open_files: u64,
    pub index_mappings: IndexMappings,
    pub baseline: Baseline,
    pub limits: Limits,
    /// None when /proc/meminfo could not be read or predates MemAvailable.
    pub mem_available_bytes: Option<u64>,
    pub headroom: Headroom,
    pub by_log_dir: Vec<LogDirMappings>,
    pub top_partitions: Vec<PartitionMappings>,
}

/// What the process uses besides its index mappings: the part that does not grow with the
/// number of segments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Baseline {
    pub virtual_memory_bytes: u64,
    pub map_areas: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Limits {
    /// RLIMIT_AS (`ulimit -v`), bytes.
    pub virtual_memory_bytes: LimitPair,
    pub max_map_count: SystemLimit,
    /// RLIMIT_NOFILE (`ulimit -n`).
    pub open_files: LimitPair,
}

/// The one limits shape ([`crate::limits::Rlimit`], [`crate::limits::MapCount`]): what
/// `inspect` and `watch` report is what `check` compares.
pub use crate::limits::{MapCount as SystemLimit, Rlimit as LimitPair};

/// Percent of the (soft) limit still free; None when unlimited.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Headroom {
    pub virtual_memory_percent: Option<f64>,
    pub map_areas_percent: Option<f64>,
    pub open_files_percent: Option<f64>,
}

impl Headroom {
    /// What is left of each limit when the process uses `vm` bytes, `maps` map areas and
    /// `files` open files; the limits unknown, nothing is known to be left.
    pub fn of(vm: u64, maps: u64, files: u64, limits: Option<&Limits>) -> Headroom {
        Headroom {
            virtual_memory_percent: limits
                .and_then(|l| headroom_percent(vm, l.virtual_memory_bytes.soft)),
            map_areas_percent: limits
                .and_then(|l| headroom_percent(maps, Some(l.max_map_count.value))),
            open_files_percent: limits.and_then(|l| headroom_percent(files, l.open_files.soft)),
        }
    }
}

pub fn headroom_percent(used: u64, limit: Option<u64>) -> Option<f64> {
    let limit = limit?;
    if limit == 0 {
        return Some(0.0);
    }
    Some((limit as f64 - used as f64) / limit as f64 * 100.0)
}

impl Limits {
    pub fn read(proc: &ProcFs, pid: i32) -> Result<Limits, LiveError> {
        let limits_path = proc.pid_path(pid, "limits");
        let l = proc.limits(pid)?;
        let source = format!("pid {pid} ({})", limits_path.display());
        let pair = |sh: SoftHard| LimitPair {
            soft: sh.soft,
            hard: sh.hard,
            source: source.clone(),
        };
        Ok(Limits {
            virtual_memory_bytes: pair(l.address_space),
            open_files: pair(l.open_files),
            max_map_count: SystemLimit {
                value: proc.max_map_count()?,
                source: proc.max_map_count_path().display().to_string(),
            },
        })
    }
}

/// The numbers one watch sample needs; cheaper than a [`Measurement`] (no grouping).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Sample {
    pub vm_size_bytes: u64,
    pub vm_peak_bytes: u64,
    pub vm_rss_bytes: u64,
    pub threads: u64,
    pub map_areas: u64,
    pub open_files: u64,
    pub index_mappings: IndexMappings,
}

/// Samples one process again and again with the same buffers (`watch`).
#[derive(Debug, Default)]
pub struct Sampler {
    proc: ProcFs,
    maps: MapsReader,
}

impl Sampler {
    pub fn new(proc: ProcFs) -> Self {
        Sampler {
            proc,
            maps: MapsReader::new(),
        }
    }

    /// Reads status before maps: if the process turns out to have no address space (a
    /// zombie, or a kernel thread) there is nothing to measure.
    pub fn sample(&mut self, pid: i32) -> Result<Sample, LiveError> {
        let proc = &self.proc;
        let status = proc.status(pid)?;
        let (Some(vm_size), false) = (status.vm_size_bytes, status.is_zombie()) else {
            return Err(LiveError::NoSuchProcess {
                pid,
                path: proc.pid_path(pid, "status"),
            });
        };
        proc.read_maps(pid, &mut self.maps)?;
        let open_files = proc.fd_count(pid)?;
        Ok(Sample {
            vm_size_bytes: vm_size,
            vm_peak_bytes: status.vm_peak_bytes.unwrap_or(vm_size),
            vm_rss_bytes: status.vm_rss_bytes.unwrap_or(0),
            threads: status.threads,
            map_areas: self.maps.map_areas(),
            open_files,
            index_mappings: self.maps.index_totals(),
        })
    }
}

/// One sample with fresh buffers; a loop should keep a [`Sampler`].
pub fn sample(proc: &ProcFs, pid: i32) -> Result<Sample, LiveError> {
    Sampler::new(proc.clone()).sample(pid)
}

/// Measures a live process through the system's /proc.
pub fn measure(pid: i32) -> Result<Measurement, LiveError> {
    measure_with(&ProcFs::system(), pid)
}

pub fn measure_with(proc: &ProcFs, pid: i32) -> Result<Measurement, LiveError> {
    if !proc.exists(pid) {
        return Err(LiveError::NoSuchProcess {
            pid,
            path: proc.root().join(pid.to_string()),
        });
    }
    let status = proc.status(pid)?;
    let vm_size = status.vm_size_bytes.ok_or_else(|| LiveError::Parse {
        path: proc.pid_path(pid, "status"),
        message: "no VmSize: a kernel thread or a process that is exiting".into(),
    })?;
    let mut maps = MapsReader::new();
    proc.read_maps(pid, &mut maps)?;
    let open_files = proc.fd_count(pid)?;
    let limits = Limits::read(proc, pid)?;
    // Sizing information, not a reason to fail the measurement.
    let mem_available_bytes = proc.mem_available().ok().flatten();

    let summary = maps.index_summary(TOP_PARTITIONS);
    let idx = summary.totals;
    let map_areas = maps.map_areas();
    Ok(Measurement {
        pid,
        vm_size_bytes: vm_size,
        vm_peak_bytes: status.vm_peak_bytes.unwrap_or(vm_size),
        vm_rss_bytes: status.vm_rss_bytes.unwrap_or(0),
        threads: status.threads,
        map_areas,
        open_files,
        index_mappings: idx,
        baseline: Baseline {
            virtual_memory_bytes: vm_size.saturating_sub(idx.bytes),
            map_areas: map_areas.saturating_sub(idx.count),
        },
        headroom: Headroom::of(vm_size, map_areas, open_files, Some(&limits)),
        limits,
        mem_available_bytes,
        by_log_dir: summary.by_log_dir,
        top_partitions: summary.top_partitions,
    })
}

/// The JSON document of `inspect --format json`.
#[derive(Debug, Serialize)]
pub struct InspectReport<'a> {
    pub schema_version: u32,
    #[serde(flatten)]
    pub measurement: &'a Measurement,
}

impl Measurement {
    pub fn report(&self) -> InspectReport<'_> {
        InspectReport {
            schema_version: SCHEMA_VERSION,
            measurement: self,
        }
    }

    /// The `inspect --format json` document, keys in declaration order.
    pub fn to_json_string(&self) -> String {
        // Serializing plain structs of numbers and strings cannot fail.
        serde_json::to_string_pretty(&self.report()).unwrap_or_default()
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self.report()).unwrap_or(serde_json::Value::Null)
    }
}
