//! Reads a process's /proc files and turns I/O errors into [`LiveError`]s that name the file.
//! The root is a parameter so tests can point it at a fixture tree shaped like /proc.

use std::fs;
use std::io::ErrorKind;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::error::{user_name, LiveError, Owner};
use super::maps::{MapsReader, ReadError};
use super::parse::{self, ProcLimits, ProcStatus};

/// statfs(2) magic of the proc filesystem.
const PROC_SUPER_MAGIC: i64 = 0x9fa0;

#[derive(Debug, Clone)]
pub struct ProcFs {
    root: PathBuf,
}

impl Default for ProcFs {
    fn default() -> Self {
        Self::system()
    }
}

impl ProcFs {
    pub fn system() -> Self {
        ProcFs {
            root: PathBuf::from("/proc"),
        }
    }

    /// A tree shaped like /proc (PID/status, PID/maps, PID/limits, PID/fd/, meminfo,
    /// sys/vm/max_map_count).
    pub fn at(root: impl Into<PathBuf>) -> Self {
        ProcFs { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn pid_path(&self, pid: i32, file: &str) -> PathBuf {
        self.root.join(pid.to_string()).join(file)
    }

    pub fn max_map_count_path(&self) -> PathBuf {
        self.root.join("sys/vm/max_map_count")
    }

    pub fn exists(&self, pid: i32) -> bool {
        self.root.join(pid.to_string()).exists()
    }

    /// Who owns /proc/PID (the process's effective uid, for a dumpable process).
    pub fn owner(&self, pid: i32) -> Option<Owner> {
        let md = fs::metadata(self.root.join(pid.to_string())).ok()?;
        Some(Owner {
            uid: md.uid(),
            name: user_name(md.uid()),
        })
    }

    fn io_error(&self, pid: Option<i32>, path: PathBuf, e: std::io::Error) -> LiveError {
        match (e.kind(), pid) {
            (ErrorKind::PermissionDenied, _) => LiveError::PermissionDenied {
                pid,
                owner: pid.and_then(|p| self.owner(p)),
                path,
            },
            // ESRCH shows up when the process exits between open and read.
            (ErrorKind::NotFound, Some(pid)) => LiveError::NoSuchProcess { pid, path },
            (_, Some(pid)) if e.raw_os_error() == Some(libc::ESRCH) => {
                LiveError::NoSuchProcess { pid, path }
            }
            _ => LiveError::Io { path, source: e },
        }
    }

    fn read(&self, pid: Option<i32>, path: PathBuf) -> Result<Vec<u8>, LiveError> {
        fs::read(&path).map_err(|e| self.io_error(pid, path, e))
    }

    fn parse<T>(
        &self,
        pid: Option<i32>,
        path: PathBuf,
        f: impl FnOnce(&[u8]) -> Result<T, String>,
    ) -> Result<T, LiveError> {
        let bytes = self.read(pid, path.clone())?;
        f(&bytes).map_err(|message| LiveError::Parse { path, message })
    }

    pub fn status(&self, pid: i32) -> Result<ProcStatus, LiveError> {
        self.parse(Some(pid), self.pid_path(pid, "status"), parse::parse_status)
    }

    /// Reads /proc/PID/maps into `into`, whose buffers are reused from the last read.
    pub fn read_maps(&self, pid: i32, into: &mut MapsReader) -> Result<(), LiveError> {
        let path = self.pid_path(pid, "maps");
        into.read(&path).map_err(|e| match e {
            ReadError::Io(e) => self.io_error(Some(pid), path, e),
            ReadError::Parse(message) => LiveError::Parse { path, message },
        })
    }

    pub fn limits(&self, pid: i32) -> Result<ProcLimits, LiveError> {
        self.parse(Some(pid), self.pid_path(pid, "limits"), parse::parse_limits)
    }

    pub fn cmdline(&self, pid: i32) -> Result<Vec<String>, LiveError> {
        self.parse(Some(pid), self.pid_path(pid, "cmdline"), |b| {
            Ok(parse::parse_cmdline(b))
        })
    }

    pub fn mem_available(&self) -> Result<Option<u64>, LiveError> {
        self.parse(None, self.root.join("meminfo"), parse::parse_mem_available)
    }

    pub fn max_map_count(&self) -> Result<u64, LiveError> {
        self.parse(None, self.max_map_count_path(), parse::parse_max_map_count)
    }

    /// Number of open file descriptors (entries of /proc/PID/fd).
    pub fn fd_count(&self, pid: i32) -> Result<u64, LiveError> {
        let dir = self.pid_path(pid, "fd");
        // Since Linux 6.2 the size of /proc/PID/fd is the fd count; a broker can hold 100k+
        // fds, and listing them every 100 ms would cost more than the rest of a sample.
        if is_procfs(&self.root) {
            let md = fs::metadata(&dir).map_err(|e| self.io_error(Some(pid), dir.clone(), e))?;
            if md.size() > 0 {
                return Ok(md.size());
            }
        }
        let rd = fs::read_dir(&dir).map_err(|e| self.io_error(Some(pid), dir.clone(), e))?;
        let mut n = 0u64;
        for entry in rd {
            entry.map_err(|e| self.io_error(Some(pid), dir.clone(), e))?;
            n += 1;
        }
        Ok(n)
    }

    /// The command name (/proc/PID/comm), e.g. `java`.
    pub fn comm(&self, pid: i32) -> Option<String> {
        let s = fs::read_to_string(self.pid_path(pid, "comm")).ok()?;
        Some(s.trim_end_matches('\n').to_string())
    }

    /// Children of the process's main thread (/proc/PID/task/PID/children); empty when the
    /// kernel lacks CONFIG_PROC_CHILDREN or the process is gone.
    pub fn children(&self, pid: i32) -> Vec<i32> {
        let path = self.pid_path(pid, &format!("task/{pid}/children"));
        fs::read_to_string(path)
            .map(|s| {
                s.split_whitespace()
                    .filter_map(|p| p.parse().ok())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// All numeric entries of the root, i.e. the pids visible to us.
    pub fn pids(&self) -> Result<Vec<i32>, LiveError> {
        let rd = fs::read_dir(&self.root).map_err(|e| self.io_error(None, self.root.clone(), e))?;
        let mut pids: Vec<i32> = rd
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
            .collect();
        pids.sort_unstable();
        Ok(pids)
    }
}

fn is_procfs(path: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c) = std::ffi::CString::new(path.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: c is a valid NUL-terminated path and st is a properly sized out-parameter.
    unsafe {
        let mut st: libc::statfs = std::mem::zeroed();
        libc::statfs(c.as_ptr(), &mut st) == 0 && st.f_type as i64 == PROC_SUPER_MAGIC
    }
}
