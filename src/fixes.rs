//! Where a fix goes and what to run after it: one block per target file, written so that
//! pasting it as shown (then running `then`) changes what the next start gets. A unit's limits
//! go in a drop-in named after the unit that actually starts the broker, and take effect only
//! after `systemctl daemon-reload`; kernel settings in sysctl.d; PAM limits in limits.d;
//! broker settings in server.properties.

use std::path::{Path, PathBuf};

use serde::Serialize;

/// How much a fix matters for the next start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FixKind {
    /// A check fails without it.
    Required,
    /// Headroom or hygiene: every check passes (or only warns) without it.
    Advisory,
    /// Helps later starts only (e.g. log.segment.bytes applies to new segments).
    LongTerm,
}

/// What starts the broker next, so its limits are fixed where they are set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartedBy {
    /// A systemd unit: `name` (`confluent-server.service`) and the dir its drop-ins go in.
    Unit { name: String, drop_in_dir: PathBuf },
    /// A PAM session of this user (su, ssh): /etc/security/limits.d.
    Pam { user: String },
    /// This shell (or whatever starts it): `ulimit` before the start command.
    Shell,
}

impl StartedBy {
    /// `spec` as `--systemd-unit` takes it (a name or a file), found by systemd in `dirs`. A
    /// unit outside systemd's directories keeps its drop-ins beside it; any other gets them in
    /// /etc/systemd/system, the administrator's, which wins over the vendor's.
    pub fn unit(spec: &str, default_dirs: &[PathBuf]) -> StartedBy {
        let path = Path::new(spec);
        let by_path = spec.contains('/');
        let mut name = path
            .file_name()
            .map_or_else(|| spec.to_string(), |n| n.to_string_lossy().into_owned());
        if !name.contains('.') {
            name.push_str(".service");
        }
        let base = match path.parent() {
            Some(dir) if by_path && !default_dirs.iter().any(|d| d == dir) => dir.to_path_buf(),
            _ => PathBuf::from("/etc/systemd/system"),
        };
        StartedBy::Unit {
            drop_in_dir: base.join(format!("{name}.d")),
            name,
        }
    }
}

/// One file's worth of fix (or shell lines when `file` is None), and what to run after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Block {
    pub file: Option<String>,
    pub lines: Vec<String>,
    pub then: Vec<String>,
}

/// The file name every drop-in and snippet of this tool gets, so a re-run overwrites its own.
/// systemd drop-ins, sysctl.d and limits.d files apply in lexical order, the last one winning:
/// `zz-` sorts after the usual `10-foo.conf`, `limits.conf` and Debian's `99-sysctl.conf`
/// (the link to /etc/sysctl.conf), which would otherwise override the fix.
const NAME: &str = "zz-kafka-preflight";

/// A resource limit: `LimitAS=` (bytes, `None` = infinity) or `LimitNOFILE=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rlimit {
    AddressSpace(Option<u64>),
    OpenFiles(u64),
}

pub fn rlimit(by: &StartedBy, limit: Rlimit) -> Block {
    match by {
        StartedBy::Unit { name, drop_in_dir } => Block {
            file: Some(
                drop_in_dir
                    .join(format!("{NAME}-{}.conf", rlimit_word(limit)))
                    .display()
                    .to_string(),
            ),
            lines: vec![
                "[Service]".into(),
                match limit {
                    Rlimit::AddressSpace(None) => "LimitAS=infinity".into(),
                    // systemd reads K/M/G as powers of 1024; whole KiB keeps it exact.
                    Rlimit::AddressSpace(Some(b)) => format!("LimitAS={}K", b.div_ceil(1024)),
                    Rlimit::OpenFiles(n) => format!("LimitNOFILE={n}"),
                },
            ],
            then: vec![
                "systemctl daemon-reload".into(),
                format!("# takes effect at the next: systemctl restart {name}"),
            ],
        },
        StartedBy::Pam { user } => Block {
            file: Some(format!(
                "/etc/security/limits.d/{NAME}-{}.conf",
                rlimit_word(limit)
            )),
            lines: vec![match limit {
                Rlimit::AddressSpace(None) => format!("{user} - as unlimited"),
                Rlimit::AddressSpace(Some(b)) => format!("{user} - as {}", b.div_ceil(1024)),
                Rlimit::OpenFiles(n) => format!("{user} - nofile {n}"),
            }],
            then: vec![format!(
                "# takes effect at {user}'s next login (su - {user}, ssh)"
            )],
        },
        StartedBy::Shell => Block {
            file: None,
            lines: vec![match limit {
                Rlimit::AddressSpace(None) => "ulimit -v unlimited".into(),
                Rlimit::AddressSpace(Some(b)) => format!("ulimit -v {}", b.div_ceil(1024)),
                Rlimit::OpenFiles(n) => format!("ulimit -n {n}"),
            }],
            then: vec![
                "# in the shell that starts the broker, before kafka-server-start.sh".into(),
            ],
        },
    }
}

fn rlimit_word(l: Rlimit) -> &'static str {
    match l {
        Rlimit::AddressSpace(_) => "as",
        Rlimit::OpenFiles(_) => "nofile",
    }
}

pub fn max_map_count(n: u64) -> Block {
    Block {
        file: Some(format!("/etc/sysctl.d/{NAME}.conf")),
        lines: vec![format!("vm.max_map_count={n}")],
        then: vec![format!("sysctl -p /etc/sysctl.d/{NAME}.conf")],
    }
}

/// Lines for server.properties (appended: the last of a duplicate key wins, as in Kafka).
pub fn server_properties(config: Option<&Path>, lines: Vec<String>) -> Block {
    Block {
        file: Some(config.map_or_else(|| "server.properties".into(), |p| p.display().to_string())),
        lines,
        then: vec!["# read at the broker's next start".into()],
    }
}

/// A directory Kafka refuses inside a log dir: `lost+found` is empty after a clean fsck and
/// only fsck needs it; anything else is moved beside the log dir.
pub fn not_a_log_dir(path: &Path) -> Block {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let line = if name == "lost+found" {
        format!(
            "rmdir '{}'   # fails if fsck left files in it: move them out first; mklost+found recreates it",
            path.display()
        )
    } else {
        let beside = path
            .parent()
            .and_then(Path::parent)
            .unwrap_or(Path::new("/"));
        format!(
            "mv '{}' '{}'",
            path.display(),
            beside
                .join(format!("{name}.moved-out-of-log-dir"))
                .display()
        )
    };
    Block {
        file: None,
        lines: vec![line],
        then: vec!["# with the broker stopped".into()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drop_ins_are_named_after_the_unit_that_starts_the_broker() {
        let dirs = crate::limits::default_systemd_dirs();
        let by = StartedBy::unit("/etc/systemd/system/confluent-server.service", &dirs);
        let b = rlimit(&by, Rlimit::AddressSpace(None));
        assert_eq!(
            b.file.as_deref(),
            Some("/etc/systemd/system/confluent-server.service.d/zz-kafka-preflight-as.conf")
        );
        assert_eq!(b.lines, ["[Service]", "LimitAS=infinity"]);
        assert_eq!(b.then[0], "systemctl daemon-reload");
        // A vendor unit gets the administrator's drop-in dir.
        let by = StartedBy::unit("/lib/systemd/system/kafka.service", &dirs);
        assert!(
            matches!(by, StartedBy::Unit { ref drop_in_dir, .. } if drop_in_dir == Path::new("/etc/systemd/system/kafka.service.d"))
        );
        let by = StartedBy::unit("kafka", &dirs);
        assert!(matches!(by, StartedBy::Unit { ref name, .. } if name == "kafka.service"));
        let b = rlimit(
            &StartedBy::Pam {
                user: "kafka".into(),
            },
            Rlimit::OpenFiles(100000),
        );
        assert_eq!(b.lines, ["kafka - nofile 100000"]);
        assert_eq!(
            rlimit(&StartedBy::Shell, Rlimit::AddressSpace(Some(10 << 30))).lines,
            ["ulimit -v 10485760"]
        );
    }
}
