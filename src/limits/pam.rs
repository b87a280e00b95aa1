//! `--user`: `/etc/security/limits.conf` and `limits.d/*.conf`, as pam_limits applies them at
//! login (su -, ssh, login), not for systemd services.
//!
//! pam_limits semantics (limits.conf(5) and pam_limits.c): files are read limits.conf first, then
//! limits.d/*.conf in lexical order; a line sets a value only if no *more specific* line set it
//! before (user entries beat @group entries beat `*`), so among equally specific lines the last
//! one wins, while a `*` line can never override a user line, wherever it is. Group and `*`
//! lines never apply to root.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::{nr_open, LimitError, OwnRlimits, Rlimit};

const PRIO_USER: u8 = 0;
const PRIO_GROUP: u8 = 1;
const PRIO_DEFAULT: u8 = 4;

#[derive(Debug, Clone)]
pub(crate) struct PamLimits {
    /// `None` when no line for this user sets `as`: the source has nothing to say.
    pub virtual_memory: Option<Rlimit>,
    pub open_files: Option<Rlimit>,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone)]
struct Half {
    value: Option<u64>,
    prio: u8,
    source: String,
}

#[derive(Debug, Clone, Default)]
struct Item {
    soft: Option<Half>,
    hard: Option<Half>,
}

impl Item {
    fn set(&mut self, soft: bool, hard: bool, half: Half) {
        for (wanted, slot) in [(soft, &mut self.soft), (hard, &mut self.hard)] {
            if wanted && slot.as_ref().map_or(true, |cur| cur.prio >= half.prio) {
                *slot = Some(half.clone());
            }
        }
    }

    /// A half that no line sets stays as inherited from the process pam runs in (sshd, login);
    /// we cannot see that process, so this shell's value, which went through the same path, is
    /// the best stand-in, and the source says so.
    fn into_rlimit(self, inherited: &Rlimit) -> Option<Rlimit> {
        if self.soft.is_none() && self.hard.is_none() {
            return None;
        }
        let describe = |which: &str, h: &Option<Half>| match h {
            Some(h) => format!("{which}: {}", h.source),
            None => format!("{which}: not set for this user, inherited (as in this shell)"),
        };
        let source = format!(
            "{}; {}",
            describe("soft", &self.soft),
            describe("hard", &self.hard)
        );
        Some(Rlimit {
            soft: self.soft.map_or(inherited.soft, |h| h.value),
            hard: self.hard.map_or(inherited.hard, |h| h.value),
            source,
        })
    }
}

pub(crate) fn read_pam_limits(
    user: &str,
    etc_root: &Path,
    proc_root: &Path,
    own: &OwnRlimits,
) -> Result<PamLimits, LimitError> {
    let mut notes = Vec::new();
    let groups = user_groups(user, etc_root, &mut notes);

    let security = etc_root.join("security");
    let mut files = vec![security.join("limits.conf")];
    match std::fs::read_dir(security.join("limits.d")) {
        Ok(entries) => {
            let mut extra: Vec<PathBuf> = entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "conf"))
                .collect();
            extra.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
            files.extend(extra);
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(source) => {
            return Err(LimitError::Io {
                path: security.join("limits.d"),
                source,
            })
        }
    }

    let mut vm = Item::default();
    let mut nofile = Item::default();
    for file in &files {
        let text = match std::fs::read_to_string(file) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(source) => {
                return Err(LimitError::Io {
                    path: file.clone(),
                    source,
                })
            }
        };
        for (i, raw) in text.lines().enumerate() {
            let here = format!("{}:{}", file.display(), i + 1);
            let line = raw.split('#').next().unwrap_or("");
            let fields: Vec<&str> = line.split_whitespace().collect();
            let [domain, kind, item, value, ..] = fields[..] else {
                continue;
            };
            let (target, bytes) = match item {
                "as" => (&mut vm, true),
                "nofile" => (&mut nofile, false),
                _ => continue,
            };
            let prio = if domain == user {
                PRIO_USER
            } else if user == "root" {
                // limits.conf(5): group and wildcard limits are not applied to root.
                continue;
            } else if domain == "*" {
                PRIO_DEFAULT
            } else if domain.contains(':') || domain.starts_with('%') {
                notes.push(format!(
                    "{here}: domain {domain:?} (uid/gid range or %group) not evaluated; \
                     check by hand whether it applies to {user}"
                ));
                continue;
            } else if let Some(g) = domain.strip_prefix('@') {
                if !groups.contains(g) {
                    continue;
                }
                PRIO_GROUP
            } else {
                continue;
            };
            let (soft, hard) = match kind {
                "soft" => (true, false),
                "hard" => (false, true),
                "-" => (true, true),
                _ => {
                    notes.push(format!(
                        "{here}: type {kind:?} ignored, as pam_limits ignores it: expected \
                         soft, hard or -"
                    ));
                    continue;
                }
            };
            let parsed = match value {
                "unlimited" | "infinity" | "-1" if bytes => Some(None),
                // pam_limits >= 1.5 turns an unlimited nofile into fs.nr_open, because the
                // kernel refuses anything above it.
                "unlimited" | "infinity" | "-1" => Some(Some(nr_open(proc_root).0)),
                v => v
                    .parse::<u64>()
                    .ok()
                    .and_then(|n| if bytes { n.checked_mul(1024) } else { Some(n) })
                    .map(Some),
            };
            let Some(parsed) = parsed else {
                notes.push(format!(
                    "{here}: {item} value {value:?} ignored, as pam_limits ignores it: expected \
                     a number{} or unlimited",
                    if bytes { " of KiB" } else { "" }
                ));
                continue;
            };
            target.set(
                soft,
                hard,
                Half {
                    value: parsed,
                    prio,
                    source: format!("{here} ({})", fields.join(" ")),
                },
            );
        }
    }

    Ok(PamLimits {
        virtual_memory: vm.into_rlimit(&own.virtual_memory),
        open_files: nofile.into_rlimit(&own.open_files),
        notes,
    })
}

/// The user's primary group (gid from passwd) and every group listing them as a member.
fn user_groups(user: &str, etc_root: &Path, notes: &mut Vec<String>) -> BTreeSet<String> {
    let passwd = etc_root.join("passwd");
    let group = etc_root.join("group");
    let primary_gid = std::fs::read_to_string(&passwd).ok().and_then(|t| {
        t.lines().find_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            (f.first() == Some(&user)).then(|| f.get(3).map(|g| g.to_string()))?
        })
    });
    if primary_gid.is_none() {
        notes.push(format!(
            "user {user} not found in {} (LDAP/sssd user?): their primary group is unknown, \
             so @group lines in limits.conf match only through {}",
            passwd.display(),
            group.display()
        ));
    }
    let mut groups = BTreeSet::new();
    match std::fs::read_to_string(&group) {
        Ok(text) => {
            for l in text.lines() {
                let f: Vec<&str> = l.split(':').collect();
                let [name, _, gid, members, ..] = f[..] else {
                    continue;
                };
                if primary_gid.as_deref() == Some(gid) || members.split(',').any(|m| m == user) {
                    groups.insert(name.to_string());
                }
            }
        }
        Err(e) => notes.push(format!(
            "cannot read {}: {e}; @group lines in limits.conf not evaluated",
            group.display()
        )),
    }
    groups
}
