//! The limits the broker will run under, and where each one comes from.
//!
//! A broker dies with `Map failed` when its index mmaps and JVM reservations exceed RLIMIT_AS
//! (`ulimit -v`), or run out of `vm.max_map_count` areas; it stops accepting connections and
//! opening segments when it runs out of RLIMIT_NOFILE. Which values apply depends on *how* the
//! broker is started, so every limit carries a human-readable `source`, and the sources are
//! consulted in a fixed order. Per limit, the first source that says anything wins:
//!
//! 1. flags: `--ulimit-v`, `--ulimit-n`, `--max-map-count` (the operator knows best);
//! 2. `--systemd-unit`: `LimitAS=` / `LimitNOFILE=` of the unit and its drop-ins, else systemd's
//!    defaults (a unit always says something, because systemd always applies *some* limit);
//! 3. `--user`: `/etc/security/limits.conf` + `limits.d/*.conf` for that user (PAM sessions only);
//! 4. this tool's own rlimits, which a broker started from this shell inherits: the case of the
//!    incident that motivated the tool (`ulimit -v` = 6899920 KiB in the operator's shell).
//!
//! `--pid`'s `/proc/PID/limits` never wins: they are what the *running* broker got when it
//! started, and the question is what the next start gets. They are kept in
//! [`Limits::running_broker`] and shown beside the winner ("the running broker has ...").
//!
//! `vm.max_map_count` is system-wide: `--max-map-count`, else `/proc/sys/vm/max_map_count`, else
//! the kernel default 65530 (with a note saying it was assumed).
//!
//! Lower-priority sources that were asked for are still read (so a broken unit file is reported)
//! and, when they disagree with the winner, the disagreement is recorded in [`Limits::notes`]:
//! "the running broker has X but the unit would give Y" is exactly what an operator wants to know
//! before a restart.

mod flags;
mod pam;
mod procfile;
mod systemd;
mod systemd_exec;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use flags::{parse_max_map_count, parse_ulimit_n, parse_ulimit_v};
pub use procfile::parse_proc_limits;
pub use systemd::{
    parse_env_file, parse_environment_words, parse_systemd_rlimit, service_assignments,
    JVM_OPTION_VARS,
};
pub use systemd_exec::{read_service_exec, ServiceExec};

/// The kernel's `vm.max_map_count` default (`DEFAULT_MAX_MAP_COUNT`, 65536 - 6).
pub const KERNEL_DEFAULT_MAX_MAP_COUNT: u64 = 65530;
/// systemd >= 240 default for services when `DefaultLimitNOFILE=` is not set in system.conf.
pub const SYSTEMD_DEFAULT_NOFILE_SOFT: u64 = 1024;
pub const SYSTEMD_DEFAULT_NOFILE_HARD: u64 = 524288;
/// The kernel's default `fs.nr_open`: the ceiling an "unlimited" NOFILE is clamped to.
pub const KERNEL_DEFAULT_NR_OPEN: u64 = 1048576;

/// A resource limit as the kernel keeps it. `None` = unlimited (RLIM_INFINITY).
/// Bytes for the address space, a count for open files.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Rlimit {
    pub soft: Option<u64>,
    pub hard: Option<u64>,
    /// Where the values come from, for the report: a flag, a file and line, a default.
    pub source: String,
}

impl Rlimit {
    fn new(soft: Option<u64>, hard: Option<u64>, source: impl Into<String>) -> Self {
        Rlimit {
            soft,
            hard,
            source: source.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MapCount {
    pub value: u64,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Limits {
    /// RLIMIT_AS, in bytes.
    pub virtual_memory: Rlimit,
    /// RLIMIT_NOFILE as set; see [`hotspot_nofile_limit`] for what a JVM actually gets.
    pub open_files: Rlimit,
    /// Always known: when it cannot be read, the kernel default is assumed and a note says so.
    pub max_map_count: MapCount,
    /// Things the operator should read: shadowed sources that disagree, assumptions, ignored lines.
    pub notes: Vec<String>,
    /// `KAFKA_HEAP_OPTS` from the unit's `Environment=`/`EnvironmentFile=`, if a unit was read.
    pub heap_opts_from_unit: Option<String>,
    /// Every JVM option the unit's environment contributes (heap opts included), joined in the
    /// order the JVM reads them (see [`JVM_OPTION_VARS`]), so "the last flag wins" can be
    /// applied to it directly, e.g. by [`hotspot_nofile_limit`].
    pub jvm_opts_from_unit: Option<String>,
    /// The [`JVM_OPTION_VARS`] (and `MALLOC_ARENA_MAX`) the unit sets, by name, for the report.
    pub unit_environment: BTreeMap<String, String>,
    /// Where the unit sets each of `unit_environment` (`path:line`).
    pub unit_environment_at: BTreeMap<String, String>,
    /// `--pid`: what the running broker has now, shown beside the limits of the next start.
    pub running_broker: Option<RunningLimits>,
}

/// `/proc/PID/limits` of the running broker.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RunningLimits {
    pub pid: i32,
    pub virtual_memory: Rlimit,
    pub open_files: Rlimit,
}

/// What to resolve limits from. [`LimitInputs::default`] reads the real system (`/proc`, `/etc`,
/// systemd's unit directories); tests point the roots at a temp dir.
#[derive(Debug, Clone)]
pub struct LimitInputs {
    /// `--ulimit-v`: KiB as `ulimit -v` prints it, a size with a binary unit (`7G` = 7 GiB), or
    /// `unlimited`; see [`parse_ulimit_v`]. One number is given, so it is taken as both the soft
    /// and the hard limit: the operator is stating the limit the broker will run under.
    pub ulimit_v: Option<String>,
    /// `--ulimit-n`: a count or `unlimited`, taken as both soft and hard like `ulimit_v`.
    pub ulimit_n: Option<String>,
    /// `--max-map-count` (see [`parse_max_map_count`] for the flag's text).
    pub max_map_count: Option<u64>,
    /// `--pid` of a running broker: its `/proc/PID/limits`.
    pub pid: Option<i32>,
    /// A unit file path (contains `/`) or a unit name (`kafka`, `kafka.service`).
    pub systemd_unit: Option<String>,
    /// `--user`: whose `/etc/security/limits.conf` entries apply (a broker started via su/ssh).
    pub user: Option<String>,
    /// Where `/proc` is (`PID/limits`, `sys/vm/max_map_count`, `sys/fs/nr_open`).
    pub proc_root: PathBuf,
    /// Where `/etc` is (`security/limits.conf`, `passwd`, `group`, `systemd/system.conf`).
    pub etc_root: PathBuf,
    /// Unit search path, highest priority first.
    pub systemd_dirs: Vec<PathBuf>,
}

impl Default for LimitInputs {
    fn default() -> Self {
        LimitInputs {
            ulimit_v: None,
            ulimit_n: None,
            max_map_count: None,
            pid: None,
            systemd_unit: None,
            user: None,
            proc_root: PathBuf::from("/proc"),
            etc_root: PathBuf::from("/etc"),
            systemd_dirs: default_systemd_dirs(),
        }
    }
}

/// systemd's system unit search path, highest priority first (systemd.unit(5)).
pub fn default_systemd_dirs() -> Vec<PathBuf> {
    [
        "/etc/systemd/system",
        "/run/systemd/system",
        "/lib/systemd/system",
        "/usr/lib/systemd/system",
    ]
    .iter()
    .map(PathBuf::from)
    .collect()
}

#[derive(Debug, thiserror::Error)]
pub enum LimitError {
    #[error("{flag} {value:?}: {expected}")]
    BadFlag {
        flag: &'static str,
        value: String,
        expected: String,
    },
    #[error("--pid {pid}: no such process ({path} does not exist); is the broker running, and is that its pid?")]
    NoSuchProcess { pid: i32, path: PathBuf },
    #[error("--pid {pid}: permission denied reading {path}; run as root or as the broker's user")]
    PidPermission { pid: i32, path: PathBuf },
    #[error("cannot read {path}: {source}{}", if source.kind() == std::io::ErrorKind::PermissionDenied { ": run as the broker's user or root" } else { "" })]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}{}: {key}: {message}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    Syntax {
        path: PathBuf,
        /// `None` when the problem is the file as a whole (a row that is missing).
        line: Option<usize>,
        key: String,
        message: String,
    },
    #[error("--systemd-unit {name}: no such unit file in {}", searched.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "))]
    UnitNotFound {
        name: String,
        searched: Vec<PathBuf>,
    },
    #[error("cannot read this process's own {resource} limit: {source}")]
    OwnRlimit {
        resource: &'static str,
        source: std::io::Error,
    },
}

/// Resolves every limit from the highest-priority source that has something to say about it.
pub fn resolve(inputs: &LimitInputs) -> Result<Limits, LimitError> {
    let mut notes = Vec::new();

    let flag_v = match inputs.ulimit_v.as_deref() {
        Some(v) => {
            let bytes = parse_ulimit_v(v)?;
            Some(Rlimit::new(
                bytes,
                bytes,
                format!("--ulimit-v {v} (taken as both soft and hard)"),
            ))
        }
        None => None,
    };
    let flag_n = match inputs.ulimit_n.as_deref() {
        Some(t) => {
            let n = parse_ulimit_n(t)?;
            Some(Rlimit::new(
                n,
                n,
                format!("--ulimit-n {t} (taken as both soft and hard)"),
            ))
        }
        None => None,
    };

    let pid = match inputs.pid {
        Some(pid) => Some(procfile::read_pid_limits(&inputs.proc_root, pid)?),
        None => None,
    };

    let unit = match inputs.systemd_unit.as_deref() {
        Some(spec) => Some(systemd::read_unit(
            spec,
            &inputs.systemd_dirs,
            &inputs.etc_root,
            &inputs.proc_root,
        )?),
        None => None,
    };

    let own = own_rlimits()?;

    let pam = match inputs.user.as_deref() {
        Some(user) => Some(pam::read_pam_limits(
            user,
            &inputs.etc_root,
            &inputs.proc_root,
            &own,
        )?),
        None => None,
    };

    if let Some(u) = &unit {
        notes.extend(u.notes.iter().cloned());
        notes.push(
            "systemd services ignore /etc/security/limits.conf (no PAM session): only the unit's \
             LimitAS=/LimitNOFILE= and systemd's DefaultLimit*= apply"
                .to_string(),
        );
    }
    if let Some(p) = &pam {
        notes.extend(p.notes.iter().cloned());
        notes.push(
            "/etc/security/limits.conf applies only to PAM sessions (su -, ssh, login), not to \
             systemd services; a broker started by systemd does not get these values"
                .to_string(),
        );
    }

    let vm_candidates = [
        flag_v,
        unit.as_ref().map(|u| u.virtual_memory.clone()),
        pam.as_ref().and_then(|p| p.virtual_memory.clone()),
        Some(own.virtual_memory.clone()),
    ];
    let nofile_candidates = [
        flag_n,
        unit.as_ref().map(|u| u.open_files.clone()),
        pam.as_ref().and_then(|p| p.open_files.clone()),
        Some(own.open_files.clone()),
    ];
    let virtual_memory = pick(
        "virtual memory (ulimit -v)",
        vm_candidates,
        &mut notes,
        format_kib,
    );
    let open_files = pick(
        "open files (ulimit -n)",
        nofile_candidates,
        &mut notes,
        format_count,
    );

    let running_broker = pid.zip(inputs.pid).map(|(p, pid)| RunningLimits {
        pid,
        virtual_memory: p.virtual_memory,
        open_files: p.open_files,
    });
    if let Some(r) = &running_broker {
        for (what, now, next, fmt) in [
            (
                "virtual memory (ulimit -v)",
                &r.virtual_memory,
                &virtual_memory,
                format_kib as fn(Option<u64>) -> String,
            ),
            (
                "open files (ulimit -n)",
                &r.open_files,
                &open_files,
                format_count,
            ),
        ] {
            if (now.soft, now.hard) != (next.soft, next.hard) {
                notes.push(format!(
                    "{what}: the running broker (pid {}) has soft {} / hard {}; the next start gets soft {} / hard {} from {}",
                    r.pid,
                    fmt(now.soft),
                    fmt(now.hard),
                    fmt(next.soft),
                    fmt(next.hard),
                    next.source
                ));
            }
        }
    }

    let max_map_count = match inputs.max_map_count {
        Some(v) => MapCount {
            value: v,
            source: format!("--max-map-count {v}"),
        },
        None => read_max_map_count(&inputs.proc_root, &mut notes),
    };

    Ok(Limits {
        virtual_memory,
        open_files,
        max_map_count,
        notes,
        heap_opts_from_unit: unit.as_ref().and_then(|u| u.heap_opts.clone()),
        jvm_opts_from_unit: unit.as_ref().and_then(|u| u.jvm_opts.clone()),
        unit_environment_at: unit
            .as_ref()
            .map(|u| u.jvm_env_at.clone())
            .unwrap_or_default(),
        unit_environment: unit.map(|u| u.jvm_env).unwrap_or_default(),
        running_broker,
    })
}

/// The first candidate wins; the others that disagree with it become notes, since a
/// disagreement means the limit will change with the way the broker is (re)started.
fn pick<const N: usize>(
    what: &str,
    candidates: [Option<Rlimit>; N],
    notes: &mut Vec<String>,
    fmt: fn(Option<u64>) -> String,
) -> Rlimit {
    let mut it = candidates.into_iter().flatten();
    // The last candidate (this process's own rlimits) is always present.
    let winner = it
        .next()
        .unwrap_or_else(|| Rlimit::new(None, None, "nothing known: assumed unlimited"));
    for other in it {
        if other.soft != winner.soft || other.hard != winner.hard {
            notes.push(format!(
                "{what}: using soft {} / hard {} from {}; {} would give soft {} / hard {}",
                fmt(winner.soft),
                fmt(winner.hard),
                winner.source,
                other.source,
                fmt(other.soft),
                fmt(other.hard),
            ));
        }
    }
    winner
}

pub use crate::units::{kib as format_kib, limit_count as format_count};

/// The NOFILE limit a HotSpot JVM will actually run with. On Linux HotSpot raises its soft limit
/// to the hard one during start-up (`-XX:+MaxFDLimit`, the default), so the hard limit is what
/// counts, unless the options turn that off; the last `±MaxFDLimit` on the command line wins,
/// as with every `-XX` flag.
pub fn hotspot_nofile_limit(open_files: &Rlimit, jvm_opts: &str) -> (Option<u64>, &'static str) {
    let max_fd_limit = jvm_opts
        .split_whitespace()
        .filter_map(|t| match t {
            "-XX:+MaxFDLimit" => Some(true),
            "-XX:-MaxFDLimit" => Some(false),
            _ => None,
        })
        .next_back()
        .unwrap_or(true);
    if max_fd_limit && open_files.hard.is_none() {
        // Linux refuses a NOFILE limit above fs.nr_open, so HotSpot's setrlimit(hard, hard)
        // fails (it only logs it) and the soft limit stays.
        (
            open_files.soft,
            "soft limit: the hard limit is unlimited, which Linux refuses for NOFILE, so HotSpot's raise fails",
        )
    } else if max_fd_limit {
        (
            open_files.hard,
            "hard limit: HotSpot raises the soft limit to the hard one at start (MaxFDLimit is on by default)",
        )
    } else {
        (
            open_files.soft,
            "soft limit: -XX:-MaxFDLimit stops HotSpot from raising it to the hard limit",
        )
    }
}

/// This process's RLIMIT_AS and RLIMIT_NOFILE. The shell that ran the tool passed them down, and
/// would pass them to a broker started from it the same way.
pub(crate) struct OwnRlimits {
    pub virtual_memory: Rlimit,
    pub open_files: Rlimit,
}

const OWN_SOURCE: &str = "this shell (inherited by a broker started from it)";

fn own_rlimits() -> Result<OwnRlimits, LimitError> {
    let (s, h) = getrlimit(libc::RLIMIT_AS).map_err(|source| LimitError::OwnRlimit {
        resource: "RLIMIT_AS",
        source,
    })?;
    let virtual_memory = Rlimit::new(s, h, OWN_SOURCE);
    let (s, h) = getrlimit(libc::RLIMIT_NOFILE).map_err(|source| LimitError::OwnRlimit {
        resource: "RLIMIT_NOFILE",
        source,
    })?;
    let open_files = Rlimit::new(s, h, OWN_SOURCE);
    Ok(OwnRlimits {
        virtual_memory,
        open_files,
    })
}

#[cfg(target_env = "gnu")]
type Resource = libc::__rlimit_resource_t;
#[cfg(not(target_env = "gnu"))]
type Resource = libc::c_int;

fn getrlimit(resource: Resource) -> std::io::Result<(Option<u64>, Option<u64>)> {
    let mut r = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `r` is a valid, writable rlimit for the duration of the call.
    let rc = unsafe { libc::getrlimit(resource, &mut r) };
    if rc != 0 {
        return Err(std::io::Error::last_os_error());
    }
    // rlim_t is u64 on 64-bit Linux but not on every target, hence the casts.
    #[allow(clippy::unnecessary_cast)]
    let conv = |v: libc::rlim_t| (v != libc::RLIM_INFINITY).then_some(v as u64);
    Ok((conv(r.rlim_cur), conv(r.rlim_max)))
}

fn read_max_map_count(proc_root: &Path, notes: &mut Vec<String>) -> MapCount {
    let path = proc_root.join("sys/vm/max_map_count");
    let why = match std::fs::read_to_string(&path) {
        Ok(text) => match text.trim().parse::<u64>() {
            Ok(value) => {
                return MapCount {
                    value,
                    source: path.display().to_string(),
                }
            }
            Err(_) => format!("{} holds {:?}, not a number", path.display(), text.trim()),
        },
        Err(e) => format!("cannot read {}: {e}", path.display()),
    };
    notes.push(format!(
        "vm.max_map_count: {why}; assuming the kernel default {KERNEL_DEFAULT_MAX_MAP_COUNT} \
         (pass --max-map-count if you know better)"
    ));
    MapCount {
        value: KERNEL_DEFAULT_MAX_MAP_COUNT,
        source: format!("kernel default {KERNEL_DEFAULT_MAX_MAP_COUNT} (assumed: {why})"),
    }
}

/// `fs.nr_open`: what an "unlimited" NOFILE really becomes, because the kernel refuses a NOFILE
/// limit above it and both systemd and pam_limits fall back to it.
pub(crate) fn nr_open(proc_root: &Path) -> (u64, String) {
    let path = proc_root.join("sys/fs/nr_open");
    match std::fs::read_to_string(&path)
        .ok()
        .and_then(|t| t.trim().parse::<u64>().ok())
    {
        Some(v) => (v, format!("fs.nr_open = {v} from {}", path.display())),
        None => (
            KERNEL_DEFAULT_NR_OPEN,
            format!(
                "fs.nr_open assumed {KERNEL_DEFAULT_NR_OPEN} (kernel default; {} unreadable)",
                path.display()
            ),
        ),
    }
}
