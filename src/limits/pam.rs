//! `--user`: `/etc/security/limits.conf` and `limits.d/*.conf`, as pam_limits applies them at
//! login (su -, ssh, login), not for systemd services.
//!
//! pam_limits semantics (limits.conf(5) and pam_limits.c): files are read limits.conf first, then
//! limits.d/*.conf in lexical order; a line sets a value only if no *more specific* line set it
//! before (user entries beat @group entries beat `*`), so among equally specific lines the last
//! one wins, while a `*` line can never override a user line, wherever it is. Uid ranges count
//! as user lines, gid ranges as group lines; `<domain> -` means "no limits": nothing is set.

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
        let mut source = format!(
            "{}; {}",
            describe("soft", &self.soft),
            describe("hard", &self.hard)
        );
        let mut soft = self.soft.map_or(inherited.soft, |h| h.value);
        let hard = self.hard.map_or(inherited.hard, |h| h.value);
        let soft_above_hard = match (soft, hard) {
            (Some(s), Some(h)) => s > h,
            (None, Some(_)) => true,
            _ => false,
        };
        if soft_above_hard {
            // setrlimit would refuse soft > hard; pam_limits lowers the soft limit first.
            soft = hard;
            source.push_str("; soft lowered to hard, as pam_limits does");
        }
        Some(Rlimit { soft, hard, source })
    }
}

pub(crate) fn read_pam_limits(
    user: &str,
    etc_root: &Path,
    proc_root: &Path,
    own: &OwnRlimits,
) -> Result<PamLimits, LimitError> {
    let mut notes = Vec::new();
    let account = Account::read(user, etc_root, &mut notes);
    if user == "root" {
        notes.push(
            "user root: Debian and Ubuntu patch pam_limits so that @group and * lines do not \
             apply to root; they are applied here, as upstream pam_limits does"
                .to_string(),
        );
    }

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
        let text = match crate::fsread::read_string_bounded(file, crate::fsread::limits::UNIT_FILE)
        {
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
            let line = raw.split('#').next().unwrap_or("").trim();
            // pam_limits splits off three words and keeps the rest of the line as the value.
            let (domain, after) = next_word(line);
            let (kind, after) = next_word(after);
            let (item, after) = next_word(after);
            let value = after.trim();
            if domain.is_empty() || kind.is_empty() {
                continue;
            }
            let kind = kind.to_ascii_lowercase();
            if item.is_empty() && kind == "-" {
                // `<domain> -`: "no limits for this user". pam_limits stops reading and sets
                // nothing at all, not even what earlier lines collected.
                if account.matches(domain, true, &here, &mut notes).is_some() {
                    notes.push(format!(
                        "{here}: `{line}` means no limits for {user}: pam_limits stops there \
                         and sets none"
                    ));
                    return Ok(PamLimits {
                        virtual_memory: None,
                        open_files: None,
                        notes,
                    });
                }
                continue;
            }
            let item = item.to_ascii_lowercase();
            let (target, bytes) = match item.as_str() {
                "as" => (&mut vm, true),
                "nofile" => (&mut nofile, false),
                _ => continue,
            };
            let Some(prio) = account.matches(domain, false, &here, &mut notes) else {
                continue;
            };
            let (soft, hard) = match kind.as_str() {
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
            let Some(parsed) = parse_value(value.trim(), bytes, proc_root, &here, &mut notes)
            else {
                continue;
            };
            target.set(
                soft,
                hard,
                Half {
                    value: parsed,
                    prio,
                    source: format!(
                        "{here} ({})",
                        line.split_whitespace().collect::<Vec<_>>().join(" ")
                    ),
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

/// The first blank-separated word of `s` and what follows it (strtok with " \t").
fn next_word(s: &str) -> (&str, &str) {
    let s = s.trim_start_matches([' ', '\t']);
    let end = s.find([' ', '\t']).unwrap_or(s.len());
    s.split_at(end)
}

/// A limits.conf value as pam_limits reads it: `unlimited`/`infinity`/`-1`/`-` (any case), or
/// the leading digits of the value (strtoull). `as` is in KiB and becomes unlimited when the
/// bytes would overflow; an unlimited `nofile` becomes fs.nr_open (pam_limits >= 1.5.0), since
/// the kernel refuses anything above it. `None` = the line is ignored (and a note says why).
fn parse_value(
    value: &str,
    bytes: bool,
    proc_root: &Path,
    here: &str,
    notes: &mut Vec<String>,
) -> Option<Option<u64>> {
    let lower = value.to_ascii_lowercase();
    if matches!(lower.as_str(), "unlimited" | "infinity" | "-1" | "-") {
        return Some(if bytes {
            None
        } else {
            Some(nr_open(proc_root).0)
        });
    }
    let digits_end = value
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(value.len());
    let Ok(n) = value[..digits_end].parse::<u64>() else {
        notes.push(format!(
            "{here}: value {value:?} ignored, as pam_limits ignores it: expected a number{} or \
             unlimited",
            if bytes { " of KiB" } else { "" }
        ));
        return None;
    };
    if digits_end < value.len() {
        notes.push(format!(
            "{here}: value {value:?} read as {n}, as pam_limits reads it (the rest is ignored)"
        ));
    }
    Some(if bytes { n.checked_mul(1024) } else { Some(n) })
}

/// What pam_limits knows about the user: from `/etc/passwd` and `/etc/group` under the etc
/// root (NSS sources such as LDAP are not consulted, and a note says so when it matters).
struct Account {
    name: String,
    uid: Option<u32>,
    gid: Option<u32>,
    /// Names and gids of every group the user is in, primary included.
    group_names: BTreeSet<String>,
    gids: BTreeSet<u32>,
}

enum Range {
    /// `:N`: exactly N (for `@:N`, any of the user's groups).
    One(u32),
    /// `N:`
    Min(u32),
    /// `N:M`
    MinMax(u32, u32),
}

fn parse_range(s: &str) -> Option<Range> {
    let (min, max) = s.split_once(':')?;
    let num = |t: &str| t.parse::<u32>().ok();
    match (min.is_empty(), max.is_empty()) {
        (true, false) => num(max).map(Range::One),
        (false, true) => num(min).map(Range::Min),
        (false, false) => Some(Range::MinMax(num(min)?, num(max)?)),
        (true, true) => None,
    }
}

impl Range {
    fn contains(&self, v: u32) -> bool {
        match *self {
            Range::One(n) => v == n,
            Range::Min(n) => v >= n,
            Range::MinMax(a, b) => (a..=b).contains(&v),
        }
    }
}

impl Account {
    fn read(user: &str, etc_root: &Path, notes: &mut Vec<String>) -> Self {
        let passwd = etc_root.join("passwd");
        let group = etc_root.join("group");
        let entry = std::fs::read_to_string(&passwd).ok().and_then(|t| {
            t.lines().find_map(|l| {
                let f: Vec<&str> = l.split(':').collect();
                match f[..] {
                    [name, _, uid, gid, ..] if name == user => {
                        Some((uid.parse::<u32>().ok(), gid.parse::<u32>().ok()))
                    }
                    _ => None,
                }
            })
        });
        if entry.is_none() {
            notes.push(format!(
                "user {user} not found in {} (LDAP/sssd user?): their uid and primary group \
                 are unknown, so @group lines match only through {} and uid ranges not at all",
                passwd.display(),
                group.display()
            ));
        }
        let (uid, gid) = entry.unwrap_or((None, None));
        let mut acct = Account {
            name: user.to_string(),
            uid,
            gid,
            group_names: BTreeSet::new(),
            gids: gid.into_iter().collect(),
        };
        match std::fs::read_to_string(&group) {
            Ok(text) => {
                for l in text.lines() {
                    let f: Vec<&str> = l.split(':').collect();
                    let [name, _, g, members, ..] = f[..] else {
                        continue;
                    };
                    let g = g.parse::<u32>().ok();
                    if (g.is_some() && g == gid) || members.split(',').any(|m| m.trim() == user) {
                        acct.group_names.insert(name.to_string());
                        acct.gids.extend(g);
                    }
                }
            }
            Err(e) => notes.push(format!(
                "cannot read {}: {e}; @group lines in limits.conf not evaluated",
                group.display()
            )),
        }
        acct
    }

    /// The priority a line's domain gives this user, or `None` if it does not apply.
    /// `no_limit_line`: for `<domain> -` lines, where pam_limits ignores `*`.
    fn matches(
        &self,
        domain: &str,
        no_limit_line: bool,
        here: &str,
        notes: &mut Vec<String>,
    ) -> Option<u8> {
        if domain == self.name {
            return Some(PRIO_USER);
        }
        // `%` domains only count for maxlogins, never for resource limits.
        if domain.starts_with('%') {
            return None;
        }
        if domain.contains(':') {
            let (is_group, spec) = match domain.strip_prefix('@') {
                Some(rest) => (true, rest),
                None => (false, domain),
            };
            let Some(range) = parse_range(spec) else {
                notes.push(format!(
                    "{here}: invalid uid/gid range {domain:?} skipped, as pam_limits skips it"
                ));
                return None;
            };
            let subject = match (is_group, &range) {
                // An exact gid matches any of the user's groups; a range only the primary one.
                (true, Range::One(g)) => return self.gids.contains(g).then_some(PRIO_GROUP),
                (true, _) => self.gid,
                (false, _) => self.uid,
            };
            let Some(id) = subject else {
                notes.push(format!(
                    "{here}: range {domain:?} not evaluated: {}'s {} is unknown",
                    self.name,
                    if is_group { "gid" } else { "uid" }
                ));
                return None;
            };
            let prio = if is_group { PRIO_GROUP } else { PRIO_USER };
            return range.contains(id).then_some(prio);
        }
        if let Some(g) = domain.strip_prefix('@') {
            return self.group_names.contains(g).then_some(PRIO_GROUP);
        }
        (domain == "*" && !no_limit_line).then_some(PRIO_DEFAULT)
    }
}
