//! Parsers for the small /proc files a live measurement reads. Each takes the file's bytes (so
//! tests feed fixtures) and delegates the format to procfs-core where it has a parser; maps,
//! the one file that grows with the broker, has its own reader (super::maps).

use procfs::process::Status;
use procfs::{FromRead, Meminfo};
use serde::Serialize;

/// The fields of /proc/PID/status this tool uses, in bytes (the kernel prints kB).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcStatus {
    pub name: String,
    /// None for kernel threads and zombies, which have no address space.
    pub vm_peak_bytes: Option<u64>,
    pub vm_size_bytes: Option<u64>,
    pub vm_rss_bytes: Option<u64>,
    pub threads: u64,
    pub state: String,
    pub real_uid: u32,
}

impl ProcStatus {
    pub fn is_zombie(&self) -> bool {
        self.state.starts_with('Z') || self.state.starts_with('X')
    }
}

pub fn parse_status(bytes: &[u8]) -> Result<ProcStatus, String> {
    let s = Status::from_read(bytes).map_err(|e| e.to_string())?;
    let kib = |v: Option<u64>| v.map(|k| k.saturating_mul(1024));
    Ok(ProcStatus {
        name: s.name,
        vm_peak_bytes: kib(s.vmpeak),
        vm_size_bytes: kib(s.vmsize),
        vm_rss_bytes: kib(s.vmrss),
        threads: s.threads,
        state: s.state,
        real_uid: s.ruid,
    })
}

/// A soft/hard pair from /proc/PID/limits; None = unlimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SoftHard {
    pub soft: Option<u64>,
    pub hard: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcLimits {
    /// RLIMIT_AS (`ulimit -v`), in bytes.
    pub address_space: SoftHard,
    /// RLIMIT_NOFILE (`ulimit -n`).
    pub open_files: SoftHard,
}

/// `/proc/PID/limits` through the one parser `check --pid` uses too
/// ([`crate::limits::parse_proc_limits`]), so both accept and refuse the same files.
pub fn parse_limits(bytes: &[u8]) -> Result<ProcLimits, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "not UTF-8".to_string())?;
    let (vm, nofile) = crate::limits::parse_proc_limits(text, std::path::Path::new("limits"))
        .map_err(|e| e.to_string())?;
    let pair = |r: crate::limits::Rlimit| SoftHard {
        soft: r.soft,
        hard: r.hard,
    };
    Ok(ProcLimits {
        address_space: pair(vm),
        open_files: pair(nofile),
    })
}

/// MemAvailable from /proc/meminfo, in bytes (None on kernels before 3.14).
pub fn parse_mem_available(bytes: &[u8]) -> Result<Option<u64>, String> {
    let m = Meminfo::from_read(bytes).map_err(|e| e.to_string())?;
    Ok(m.mem_available)
}

pub fn parse_max_map_count(bytes: &[u8]) -> Result<u64, String> {
    let s = std::str::from_utf8(bytes).map_err(|_| "not UTF-8".to_string())?;
    s.trim()
        .parse::<u64>()
        .map_err(|_| format!("expected a number, found {:?}", s.trim()))
}

/// /proc/PID/cmdline: NUL-separated arguments.
pub fn parse_cmdline(bytes: &[u8]) -> Vec<String> {
    bytes
        .split(|b| *b == 0)
        .filter(|a| !a.is_empty())
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect()
}
