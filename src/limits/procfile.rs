//! `/proc/PID/limits` of a running broker.
//!
//! Parsed here rather than with `procfs::process::Limits`: that parser insists on all sixteen
//! rows (older kernels and hand-made fixtures have fewer) and computes `len - 2` on every line,
//! which overflows on a blank one. We need two rows and must never panic on odd input.

use std::io::ErrorKind;
use std::path::Path;

use super::{LimitError, Rlimit};

const ADDRESS_SPACE: &str = "Max address space";
const OPEN_FILES: &str = "Max open files";

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ProcLimits {
    pub virtual_memory: Rlimit,
    pub open_files: Rlimit,
}

/// Reads `<proc_root>/<pid>/limits`, turning the errors an operator will meet into advice.
pub(crate) fn read_pid_limits(proc_root: &Path, pid: i32) -> Result<ProcLimits, LimitError> {
    let path = proc_root.join(pid.to_string()).join("limits");
    let text = std::fs::read_to_string(&path).map_err(|e| match e.kind() {
        ErrorKind::NotFound => LimitError::NoSuchProcess {
            pid,
            path: path.clone(),
        },
        ErrorKind::PermissionDenied => LimitError::PidPermission {
            pid,
            path: path.clone(),
        },
        _ => LimitError::Io {
            path: path.clone(),
            source: e,
        },
    })?;
    let (virtual_memory, open_files) = parse_proc_limits(&text, &path)?;
    Ok(ProcLimits {
        virtual_memory: Rlimit {
            source: format!("{} (running process {pid})", path.display()),
            ..virtual_memory
        },
        open_files: Rlimit {
            source: format!("{} (running process {pid})", path.display()),
            ..open_files
        },
    })
}

/// Parses the text of a `/proc/PID/limits` file into (address space in bytes, open files).
/// `path` only names the file in errors and sources.
pub fn parse_proc_limits(text: &str, path: &Path) -> Result<(Rlimit, Rlimit), LimitError> {
    let mut address_space = None;
    let mut open_files = None;
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        for (row, slot) in [
            (ADDRESS_SPACE, &mut address_space),
            (OPEN_FILES, &mut open_files),
        ] {
            if let Some(rest) = line.strip_prefix(row) {
                *slot = Some(parse_row(rest, row, path, line_no)?);
            }
        }
    }
    let missing = |row: &str| LimitError::Syntax {
        path: path.to_path_buf(),
        line: None,
        key: row.to_string(),
        message: "row missing; expected a /proc/PID/limits file as the kernel writes it".into(),
    };
    let (soft, hard) = address_space.ok_or_else(|| missing(ADDRESS_SPACE))?;
    let vm = Rlimit {
        soft,
        hard,
        source: path.display().to_string(),
    };
    let (soft, hard) = open_files.ok_or_else(|| missing(OPEN_FILES))?;
    let nofile = Rlimit {
        soft,
        hard,
        source: path.display().to_string(),
    };
    Ok((vm, nofile))
}

type Pair = (Option<u64>, Option<u64>);

fn parse_row(rest: &str, row: &str, path: &Path, line: usize) -> Result<Pair, LimitError> {
    let mut fields = rest.split_whitespace();
    let mut value = |which: &str| -> Result<Option<u64>, LimitError> {
        let v = fields.next().unwrap_or("");
        if v == "unlimited" {
            return Ok(None);
        }
        v.parse::<u64>().map(Some).map_err(|_| LimitError::Syntax {
            path: path.to_path_buf(),
            line: Some(line),
            key: row.to_string(),
            message: format!("{which} limit {v:?}: expected a number or `unlimited`"),
        })
    };
    let soft = value("soft")?;
    let hard = value("hard")?;
    Ok((soft, hard))
}
