//! Why a live measurement could not be taken. Each variant names the file that failed, because the
//! operator's fix (sudo, another pid, a newer kernel) depends on which one it was.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    #[error("no process with pid {pid} ({path} does not exist); is the broker running?")]
    NoSuchProcess { pid: i32, path: PathBuf },

    #[error("{}", permission_message(*pid, path, owner))]
    PermissionDenied {
        pid: Option<i32>,
        path: PathBuf,
        /// Owner of /proc/PID, when it could be read (it usually can, even when maps cannot).
        owner: Option<Owner>,
    },

    #[error("could not read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("could not parse {path}: {message}")]
    Parse { path: PathBuf, message: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub uid: u32,
    pub name: Option<String>,
}

impl Owner {
    /// What to pass to `sudo -u`: the name when known, else `#uid` (sudo's syntax for a bare uid).
    pub fn sudo_user(&self) -> String {
        match &self.name {
            Some(n) => n.clone(),
            None => format!("#{}", self.uid),
        }
    }
}

impl LiveError {
    pub fn is_permission_denied(&self) -> bool {
        matches!(self, LiveError::PermissionDenied { .. })
    }

    /// This error for the user: a permission error also says how to rerun `args` so it can
    /// read the process (as root, or as the broker's user); other errors are already specific.
    pub fn with_rerun_hint(self, args: &str) -> anyhow::Error {
        match self.rerun_hint(args) {
            Some(hint) => anyhow::anyhow!("{self}.\nTo read it, {hint}"),
            None => anyhow::Error::new(self),
        }
    }

    /// The command line an operator should re-run, for permission errors. `args` is the
    /// subcommand and its flags as typed (e.g. `inspect --pid 1234`).
    pub fn rerun_hint(&self, args: &str) -> Option<String> {
        let LiveError::PermissionDenied { owner, .. } = self else {
            return None;
        };
        let as_owner = match owner {
            Some(o) if o.uid != 0 => {
                Some(format!("sudo -u {} kafka-preflight {args}", o.sudo_user()))
            }
            _ => None,
        };
        // SAFETY: geteuid cannot fail.
        Some(match (unsafe { libc::geteuid() } == 0, as_owner) {
            (false, Some(o)) => {
                format!("run it as root (sudo kafka-preflight {args}) or as the broker's user: {o}")
            }
            (false, None) => format!("run it as root: sudo kafka-preflight {args}"),
            (true, Some(o)) => format!(
                "run it as the broker's user ({o}), or where root has CAP_SYS_PTRACE \
                 (e.g. inside the broker's container)"
            ),
            (true, None) => "run it where root has CAP_SYS_PTRACE over the broker, e.g. inside \
                 the broker's container or PID namespace"
                .to_string(),
        })
    }
}

fn permission_message(pid: Option<i32>, path: &std::path::Path, owner: &Option<Owner>) -> String {
    // SAFETY: geteuid cannot fail.
    let me = unsafe { libc::geteuid() };
    let whose = match (pid, owner) {
        (Some(pid), Some(o)) => format!(
            "; process {pid} belongs to {} (uid {}) and kafka-preflight runs as uid {me}",
            o.name.as_deref().unwrap_or("an unnamed user"),
            o.uid
        ),
        _ => format!("; kafka-preflight runs as uid {me}"),
    };
    let why = if me == 0 {
        "Even root needs ptrace access (CAP_SYS_PTRACE) to read another process's memory maps; \
         a container, a user namespace or a security module (Yama, AppArmor, SELinux) denies it here"
    } else {
        "The kernel shows another user's memory maps, limits and open files only to root or to \
         that user"
    };
    format!("permission denied reading {}{whose}. {why}", path.display())
}

/// Looks up a user name for a uid in the passwd database (None when it has no entry, as in
/// containers that run with a bare numeric uid).
pub fn user_name(uid: u32) -> Option<String> {
    let mut buf = vec![0 as libc::c_char; 4096];
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut result: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: all pointers are valid for the call; buf outlives the use of pwd's strings below.
    let rc = unsafe { libc::getpwuid_r(uid, &mut pwd, buf.as_mut_ptr(), buf.len(), &mut result) };
    if rc != 0 || result.is_null() || pwd.pw_name.is_null() {
        return None;
    }
    // SAFETY: getpwuid_r succeeded, so pw_name points to a NUL-terminated string inside buf.
    let name = unsafe { std::ffi::CStr::from_ptr(pwd.pw_name) };
    Some(name.to_string_lossy().into_owned())
}
