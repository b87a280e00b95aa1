//! `--systemd-unit`: the limits and environment systemd will give the broker's service.
//!
//! Mirrors systemd's own rules (systemd.unit(5), systemd.exec(5), systemd-system.conf(5)):
//! the unit file is the first found on the search path; drop-ins `NAME.d/*.conf` from every
//! search directory are applied after it in lexical order of file name (a higher-priority
//! directory's file masks a same-named one further down); later assignments override earlier
//! ones; an empty `Environment=`/`EnvironmentFile=` resets the list, while an empty `Limit*=` is
//! merely invalid (systemd's rlimit parser has no reset), so the earlier value stays. An invalid assignment is ignored with a note, as systemd
//! ignores it with a log line: the unit still starts, so the prediction must not stop either.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use super::{
    nr_open, LimitError, Rlimit, SYSTEMD_DEFAULT_NOFILE_HARD, SYSTEMD_DEFAULT_NOFILE_SOFT,
};

type Pair = (Option<u64>, Option<u64>);

/// Variables that put options on the broker's java command line, in the order the JVM sees them:
/// `JAVA_TOOL_OPTIONS` and `JDK_JAVA_OPTIONS` before the command line, then kafka-run-class.sh's
/// `$KAFKA_HEAP_OPTS $KAFKA_JVM_PERFORMANCE_OPTS $KAFKA_GC_LOG_OPTS $KAFKA_JMX_OPTS
/// $KAFKA_LOG4J_OPTS -cp ... $KAFKA_OPTS`, and `_JAVA_OPTIONS` last. Keeping this order lets
/// "the last occurrence of a flag wins" be applied to the joined string.
pub const JVM_OPTION_VARS: [&str; 9] = [
    "JAVA_TOOL_OPTIONS",
    "JDK_JAVA_OPTIONS",
    "KAFKA_HEAP_OPTS",
    "KAFKA_JVM_PERFORMANCE_OPTS",
    "KAFKA_GC_LOG_OPTS",
    "KAFKA_JMX_OPTS",
    "KAFKA_LOG4J_OPTS",
    "KAFKA_OPTS",
    "_JAVA_OPTIONS",
];

#[derive(Debug, Clone)]
pub(crate) struct UnitLimits {
    pub virtual_memory: Rlimit,
    pub open_files: Rlimit,
    pub heap_opts: Option<String>,
    pub jvm_opts: Option<String>,
    pub jvm_env: BTreeMap<String, String>,
    /// Where each of `jvm_env` was set (`path:line`), for errors about its value.
    pub jvm_env_at: BTreeMap<String, String>,
    pub notes: Vec<String>,
}

pub(super) struct Assignment {
    pub key: String,
    pub value: String,
    pub line: usize,
}

/// Where a value was set, for sources and notes: `path:line`.
fn at(path: &Path, line: usize) -> String {
    format!("{}:{line}", path.display())
}

pub(crate) fn read_unit(
    spec: &str,
    dirs: &[PathBuf],
    etc_root: &Path,
    proc_root: &Path,
) -> Result<UnitLimits, LimitError> {
    let mut notes = Vec::new();
    let (name, files) = unit_files(spec, dirs, &mut notes)?;
    let mut limit_as: Option<(Pair, String)> = None;
    let mut limit_nofile: Option<(Pair, String)> = None;
    let mut env: BTreeMap<String, (String, String)> = BTreeMap::new();
    let mut env_files: Vec<(PathBuf, bool, String)> = Vec::new();

    for (file, text) in &files {
        for a in assignments(text, "Service") {
            let here = at(file, a.line);
            match a.key.as_str() {
                "LimitAS" | "LimitNOFILE" => {
                    let bytes = a.key == "LimitAS";
                    let slot = if bytes {
                        &mut limit_as
                    } else {
                        &mut limit_nofile
                    };
                    if a.value.is_empty() {
                        notes.push(empty_limit_note(&here, &a.key));
                        continue;
                    }
                    match parse_systemd_rlimit(&a.value, bytes) {
                        Ok(pair) => {
                            *slot = Some((pair, format!("{}={} at {here}", a.key, a.value)))
                        }
                        Err(e) => notes.push(format!(
                            "{here}: {}={:?} ignored, as systemd ignores it: {e}",
                            a.key, a.value
                        )),
                    }
                }
                "Environment" => {
                    if a.value.is_empty() {
                        env.clear();
                        continue;
                    }
                    let (words, error) = parse_environment_words(&a.value);
                    for w in words {
                        match split_assignment(&w) {
                            Some((k, v)) => {
                                env.insert(k.to_string(), (v.to_string(), here.clone()));
                            }
                            None => notes.push(format!(
                                "{here}: Environment= word {w:?} ignored, as systemd ignores \
                                 it: expected NAME=VALUE"
                            )),
                        }
                    }
                    if let Some(e) = error {
                        notes.push(format!(
                            "{here}: rest of Environment= ignored, as systemd ignores it: {e}"
                        ));
                    }
                }
                "EnvironmentFile" => {
                    if a.value.is_empty() {
                        env_files.clear();
                        continue;
                    }
                    let (optional, p) = match a.value.strip_prefix('-') {
                        Some(rest) => (true, rest),
                        None => (false, a.value.as_str()),
                    };
                    let p = PathBuf::from(p.trim());
                    if p.is_relative() {
                        notes.push(format!(
                            "{here}: EnvironmentFile={} ignored, as systemd ignores it: the \
                             path must be absolute",
                            p.display()
                        ));
                        continue;
                    }
                    env_files.push((p, optional, here));
                }
                _ => {}
            }
        }
    }

    // systemd.exec(5): variables from EnvironmentFile= override those from Environment=.
    for (path, optional, here) in &env_files {
        match read_unit_file(path) {
            Ok(text) => {
                for (k, v, line) in parse_env_file(&text) {
                    env.insert(k, (v, at(path, line)));
                }
            }
            Err(e) if e.kind() == ErrorKind::NotFound && *optional => {}
            Err(e) if e.kind() == ErrorKind::NotFound => notes.push(format!(
                "{here}: EnvironmentFile={} does not exist: systemd will refuse to start the \
                 unit (prefix it with '-' to make it optional)",
                path.display()
            )),
            Err(e) => notes.push(format!(
                "{here}: cannot read EnvironmentFile={}: {e}; the KAFKA_* variables it may set \
                 are unknown (run as root)",
                path.display()
            )),
        }
    }

    let heap_opts = env.get("KAFKA_HEAP_OPTS").map(|(v, _)| v.clone());
    let mut jvm_env = BTreeMap::new();
    let mut jvm_env_at = BTreeMap::new();
    // glibc reads MALLOC_ARENA_MAX from the environment: the unit's value, not the operator's.
    for k in JVM_OPTION_VARS.iter().chain(&["MALLOC_ARENA_MAX"]) {
        if let Some((v, here)) = env.get(*k) {
            notes.push(format!("unit {name}: {k}={v:?} from {here}"));
            jvm_env.insert(k.to_string(), v.clone());
            jvm_env_at.insert(k.to_string(), here.clone());
        }
    }
    let jvm_parts: Vec<&str> = JVM_OPTION_VARS
        .iter()
        .filter_map(|k| jvm_env.get(*k).map(String::as_str))
        .filter(|v| !v.trim().is_empty())
        .collect();
    let jvm_opts = (!jvm_parts.is_empty()).then(|| jvm_parts.join(" "));

    let defaults = manager_defaults(etc_root, &mut notes);
    let (as_pair, as_source) = match limit_as {
        Some(v) => v,
        None => match defaults.limit_as {
            Some((pair, src)) => (pair, format!("{src} (unit {name} sets no LimitAS=)")),
            None => (
                (None, None),
                format!("systemd default (DefaultLimitAS=infinity; unit {name} sets no LimitAS=)"),
            ),
        },
    };
    let (nofile_pair, mut nofile_source) = match limit_nofile {
        Some(v) => v,
        None => match defaults.limit_nofile {
            Some((pair, src)) => (pair, format!("{src} (unit {name} sets no LimitNOFILE=)")),
            None => (
                (
                    Some(SYSTEMD_DEFAULT_NOFILE_SOFT),
                    Some(SYSTEMD_DEFAULT_NOFILE_HARD),
                ),
                format!(
                    "systemd default (DefaultLimitNOFILE={SYSTEMD_DEFAULT_NOFILE_SOFT}:\
                     {SYSTEMD_DEFAULT_NOFILE_HARD}; unit {name} sets no LimitNOFILE=)"
                ),
            ),
        },
    };
    // The kernel refuses a NOFILE limit above fs.nr_open, so systemd falls back to the closest
    // value it may set: "infinity" really means fs.nr_open.
    let nofile_pair = if nofile_pair.0.is_none() || nofile_pair.1.is_none() {
        let (cap, why) = nr_open(proc_root);
        nofile_source.push_str(&format!("; infinity capped by the kernel: {why}"));
        (nofile_pair.0.or(Some(cap)), nofile_pair.1.or(Some(cap)))
    } else {
        nofile_pair
    };

    Ok(UnitLimits {
        virtual_memory: Rlimit {
            soft: as_pair.0,
            hard: as_pair.1,
            source: as_source,
        },
        open_files: Rlimit {
            soft: nofile_pair.0,
            hard: nofile_pair.1,
            source: nofile_source,
        },
        heap_opts,
        jvm_opts,
        jvm_env,
        jvm_env_at,
        notes,
    })
}

/// systemd's rlimit parser has no "empty resets" rule (unlike `Environment=`): an empty
/// `LimitNOFILE=` fails to parse and is ignored, so the earlier value stays in force.
fn empty_limit_note(here: &str, key: &str) -> String {
    format!(
        "{here}: empty {key}= ignored, as systemd ignores it (\"Failed to parse resource value\"): \
         unlike Environment=, it does not reset, so the earlier value stays"
    )
}

/// The unit's name, and its file and drop-ins in the order systemd applies them, with their
/// text.
type UnitFiles = (String, Vec<(PathBuf, String)>);

pub(super) fn unit_files(
    spec: &str,
    dirs: &[PathBuf],
    notes: &mut Vec<String>,
) -> Result<UnitFiles, LimitError> {
    let (main, name) = locate(spec, dirs)?;
    let mut files = vec![main.clone()];
    files.extend(drop_ins(&main, &name, dirs, spec.contains('/'), notes));
    let mut texts = Vec::with_capacity(files.len());
    for file in files {
        match read_unit_file(&file) {
            Ok(text) => texts.push((file, text)),
            // systemd (root) reads a drop-in we may not: say that its settings are unknown.
            Err(e) if e.kind() == ErrorKind::PermissionDenied && file != main => {
                notes.push(format!(
                    "cannot read drop-in {}: run as the broker's user or root; the settings it may make are not known",
                    file.display()
                ));
            }
            Err(source) => return Err(LimitError::Io { path: file, source }),
        }
    }
    Ok((name, texts))
}

/// A path (anything with a `/`) is used as is; a name is looked up on the search path, with
/// `.service` added when it has no suffix, as `systemctl` does. An instance (`kafka@b1`) with no
/// file of its own uses its template's (`kafka@.service`), as systemd does.
fn locate(spec: &str, dirs: &[PathBuf]) -> Result<(PathBuf, String), LimitError> {
    if spec.contains('/') {
        let path = PathBuf::from(spec);
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !path.is_file() {
            return Err(LimitError::UnitNotFound {
                name: spec.to_string(),
                searched: vec![path],
            });
        }
        return Ok((path, name));
    }
    let name = if spec.ends_with(".service") {
        spec.to_string()
    } else {
        format!("{spec}.service")
    };
    let find = |file: &str| dirs.iter().map(|d| d.join(file)).find(|p| p.is_file());
    find(&name)
        .or_else(|| template_of(&name).and_then(|t| find(&t)))
        .map(|p| (p, name.clone()))
        .ok_or_else(|| LimitError::UnitNotFound {
            name,
            searched: dirs.to_vec(),
        })
}

/// `kafka@b1.service` -> `kafka@.service`; `None` for a name that is not an instance.
fn template_of(name: &str) -> Option<String> {
    let (stem, suffix) = name.rsplit_once('.')?;
    let (prefix, instance) = stem.split_once('@')?;
    (!instance.is_empty()).then(|| format!("{prefix}@.{suffix}"))
}

/// The drop-in directory names systemd consults for a unit, most specific first:
/// `kafka-broker@b1.service.d`, the template's `kafka-broker@.service.d`, the dash prefixes
/// `kafka-.service.d`, and the type-wide `service.d` (systemd >= 246).
fn drop_in_dir_names(name: &str) -> Vec<String> {
    let mut out = vec![format!("{name}.d")];
    let Some((stem, suffix)) = name.rsplit_once('.') else {
        return out;
    };
    if let Some(t) = template_of(name) {
        out.push(format!("{t}.d"));
    }
    let mut prefix = stem.split('@').next().unwrap_or(stem);
    while let Some(i) = prefix.strip_suffix('-').unwrap_or(prefix).rfind('-') {
        out.push(format!("{}.{suffix}.d", &prefix[..=i]));
        prefix = &prefix[..i];
    }
    out.push(format!("{suffix}.d"));
    out
}

/// `*.conf` from every drop-in directory of the unit (next to a unit given by path first, then
/// each search directory in priority order, most specific name first within it). A file name
/// seen once masks later ones, and the survivors apply in lexical order of file name.
fn drop_ins(
    main: &Path,
    name: &str,
    dirs: &[PathBuf],
    by_path: bool,
    notes: &mut Vec<String>,
) -> Vec<PathBuf> {
    let names = drop_in_dir_names(name);
    let mut bases: Vec<&Path> = Vec::new();
    if by_path {
        bases.extend(main.parent());
    }
    bases.extend(dirs.iter().map(PathBuf::as_path));
    let dirs_in_order = bases
        .iter()
        .flat_map(|b| names.iter().map(move |n| b.join(n)));

    let mut by_file_name: BTreeMap<OsString, PathBuf> = BTreeMap::new();
    for dir in dirs_in_order {
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => {
                continue
            }
            // systemd logs "Failed to search for files in DIR, ignoring" and goes on; but it
            // runs as root, and what we cannot list it may well read.
            Err(e) => {
                notes.push(format!(
                    "cannot list drop-in directory {}: {e}; systemd skips a directory it cannot read, but it runs as root: run as root to know the limits it may set",
                    dir.display()
                ));
                continue;
            }
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "conf") && path.is_file() {
                by_file_name.entry(entry.file_name()).or_insert(path);
            }
        }
    }
    by_file_name.into_values().collect()
}

/// The `[Service]` assignments of a unit file's text as `(key, value, line)`, the way the unit
/// reader sees them (for tools and fuzzing; the reader itself works on files).
pub fn service_assignments(text: &str) -> Vec<(String, String, usize)> {
    assignments(text, "Service")
        .into_iter()
        .map(|a| (a.key, a.value, a.line))
        .collect()
}

/// `Key=value` lines of one `[section]` of a systemd-style ini file, read as systemd's
/// `config_parse` reads them: a UTF-8 byte-order mark is skipped; lines starting (after
/// whitespace) with `#` or `;` are comments, even between continued lines; a line ending in an
/// odd number of backslashes continues on the next (the backslash becomes a space, the next line
/// is appended as it is); a continuation still open at the end of the file is parsed.
pub(super) fn assignments(text: &str, section: &str) -> Vec<Assignment> {
    const BOM: char = '\u{feff}';
    let mut out = Vec::new();
    let mut current = String::new();
    let mut continuation: Option<(String, usize)> = None;
    let mut bom_seen = false;
    let mut parse = |line: &str, number: usize, out: &mut Vec<Assignment>| {
        let line = line.trim();
        if line.is_empty() || line.starts_with(['#', ';']) {
            return;
        }
        // "[ Service ]" is a section named " Service ", which systemd does not know.
        if line.starts_with('[') && line.ends_with(']') {
            current = line[1..line.len() - 1].to_string();
            return;
        }
        if current != section {
            return;
        }
        if let Some((k, v)) = line.split_once('=') {
            out.push(Assignment {
                key: k.trim().to_string(),
                value: v.trim().to_string(),
                line: number,
            });
        }
    };
    for (i, raw) in text.split('\n').enumerate() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if raw.trim_start().starts_with(['#', ';']) {
            continue;
        }
        let raw = match raw.strip_prefix(BOM).filter(|_| !bom_seen) {
            Some(rest) => {
                bom_seen = true;
                rest
            }
            None => raw,
        };
        let (mut line, first) = match continuation.take() {
            Some((mut acc, first)) => {
                acc.push_str(raw);
                (acc, first)
            }
            None => (raw.to_string(), i + 1),
        };
        let trailing = line.len() - line.trim_end_matches('\\').len();
        if trailing % 2 == 1 {
            line.pop();
            line.push(' ');
            continuation = Some((line, first));
            continue;
        }
        parse(&line, first, &mut out);
    }
    if let Some((line, first)) = continuation {
        parse(&line, first, &mut out);
    }
    out
}

struct ManagerDefaults {
    limit_as: Option<(Pair, String)>,
    limit_nofile: Option<(Pair, String)>,
}

/// `DefaultLimitAS=` / `DefaultLimitNOFILE=` from `/etc/systemd/system.conf` and then
/// `system.conf.d/*.conf` in lexical order: what a unit without `Limit*=` gets.
fn manager_defaults(etc_root: &Path, notes: &mut Vec<String>) -> ManagerDefaults {
    let mut files = vec![etc_root.join("systemd/system.conf")];
    if let Ok(entries) = std::fs::read_dir(etc_root.join("systemd/system.conf.d")) {
        let mut extra: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "conf"))
            .collect();
        extra.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
        files.extend(extra);
    }
    let mut d = ManagerDefaults {
        limit_as: None,
        limit_nofile: None,
    };
    for file in files {
        let Ok(text) = read_unit_file(&file) else {
            continue;
        };
        for a in assignments(&text, "Manager") {
            let (slot, bytes) = match a.key.as_str() {
                "DefaultLimitAS" => (&mut d.limit_as, true),
                "DefaultLimitNOFILE" => (&mut d.limit_nofile, false),
                _ => continue,
            };
            if a.value.is_empty() {
                notes.push(empty_limit_note(&at(&file, a.line), &a.key));
                continue;
            }
            match parse_systemd_rlimit(&a.value, bytes) {
                Ok(pair) => {
                    *slot = Some((
                        pair,
                        format!(
                            "systemd default {}={} at {}",
                            a.key,
                            a.value,
                            at(&file, a.line)
                        ),
                    ))
                }
                Err(e) => notes.push(format!(
                    "{}: {}={:?} ignored, as systemd ignores it: {e}",
                    at(&file, a.line),
                    a.key,
                    a.value
                )),
            }
        }
    }
    d
}

/// Parses a systemd resource-limit value: `N`, `soft:hard` or `infinity` (on either side).
/// With `bytes`, the suffixes K, M, G, T, P, E are 1024-based (systemd.exec(5)); counts such as
/// `LimitNOFILE=` take plain numbers only. Returns (soft, hard), `None` = infinity.
pub fn parse_systemd_rlimit(value: &str, bytes: bool) -> Result<Pair, String> {
    let one = |s: &str| -> Result<Option<u64>, String> {
        let s = s.trim();
        if s == "infinity" {
            return Ok(None);
        }
        if bytes {
            parse_size_1024(s).map(Some)
        } else {
            s.parse::<u64>()
                .map(Some)
                .map_err(|_| format!("{s:?}: expected a number or `infinity`"))
        }
    };
    let (soft, hard) = match value.split_once(':') {
        Some((s, h)) => (one(s)?, one(h)?),
        None => {
            let v = one(value)?;
            (v, v)
        }
    };
    let soft_above_hard = match (soft, hard) {
        (Some(s), Some(h)) => s > h,
        (None, Some(_)) => true,
        _ => false,
    };
    if soft_above_hard {
        return Err(format!(
            "{value:?}: the soft limit is above the hard one; expected soft:hard with soft <= hard"
        ));
    }
    Ok((soft, hard))
}

fn parse_size_1024(s: &str) -> Result<u64, String> {
    let expected = || {
        format!("{s:?}: expected a size such as 8G, 512M, 1.5T, a number of bytes, or `infinity`")
    };
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, suffix) = s.split_at(split);
    let shift = match suffix.trim() {
        "" | "B" => 0,
        "K" => 10,
        "M" => 20,
        "G" => 30,
        "T" => 40,
        "P" => 50,
        "E" => 60,
        _ => return Err(expected()),
    };
    let factor: u64 = 1 << shift;
    let (int, frac) = number.split_once('.').unwrap_or((number, ""));
    if int.is_empty() || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(expected());
    }
    let int: u64 = int.parse().map_err(|_| expected())?;
    let whole = int.checked_mul(factor).ok_or_else(expected)?;
    // Fractions like 1.5G: digits beyond what a u64 can scale are dropped, as systemd does.
    let frac = &frac[..frac.len().min(18)];
    let part = if frac.is_empty() {
        0
    } else {
        let num: u128 = frac.parse().map_err(|_| expected())?;
        (num * u128::from(factor) / 10u128.pow(frac.len() as u32)) as u64
    };
    whole.checked_add(part).ok_or_else(expected)
}

/// Splits an `Environment=` value into words the way systemd's `extract_first_word` does with
/// C-unescaping and unquoting: whitespace separates, double or single quotes group (anywhere in
/// a word, so `A="b c"` is one word), and a backslash starts a C escape (`\n`, `\t`, `\\`, `\"`,
/// `\s`, `\x41`, `\101`, ...) inside or outside quotes.
///
/// Returns the words and, if the value turns invalid part-way (an unknown escape, a quote never
/// closed, a trailing backslash), why: systemd keeps the words before that point and ignores the
/// rest, and so must the prediction.
pub fn parse_environment_words(value: &str) -> (Vec<String>, Option<String>) {
    let mut words = Vec::new();
    let mut chars = value.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            return (words, None);
        }
        let mut word = String::new();
        let mut quote: Option<char> = None;
        loop {
            let Some(c) = chars.next() else {
                if let Some(q) = quote {
                    return (words, Some(format!("unbalanced {q} quote in {value:?}")));
                }
                break;
            };
            match (quote, c) {
                (_, '\\') => match c_unescape(&mut chars) {
                    Ok(u) => word.push(u),
                    Err(e) => return (words, Some(format!("{e} in {value:?}"))),
                },
                (Some(q), c) if c == q => quote = None,
                (Some(_), c) => word.push(c),
                (None, '"' | '\'') => quote = Some(c),
                (None, c) if c.is_whitespace() => break,
                (None, c) => word.push(c),
            }
        }
        words.push(word);
    }
}

/// One C escape after a backslash, as systemd's `cunescape_one` reads it.
fn c_unescape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Result<char, String> {
    let c = chars.next().ok_or("trailing backslash")?;
    let mut radix_digits = |radix: u32, n: usize| -> Result<char, String> {
        let mut v: u32 = 0;
        for _ in 0..n {
            let d = chars
                .next()
                .and_then(|d| d.to_digit(radix))
                .ok_or_else(|| format!("invalid escape \\{c}"))?;
            v = v * radix + d;
        }
        char::from_u32(v).ok_or_else(|| format!("invalid escape \\{c}"))
    };
    Ok(match c {
        'a' => '\u{7}',
        'b' => '\u{8}',
        'f' => '\u{c}',
        'n' => '\n',
        'r' => '\r',
        't' => '\t',
        'v' => '\u{b}',
        's' => ' ',
        '\\' | '"' | '\'' => c,
        'x' => radix_digits(16, 2)?,
        'u' => radix_digits(16, 4)?,
        'U' => radix_digits(16, 8)?,
        '0'..='7' => {
            let rest = radix_digits(8, 2)? as u32;
            char::from_u32(c.to_digit(8).unwrap_or(0) * 64 + rest)
                .ok_or_else(|| format!("invalid escape \\{c}"))?
        }
        other => return Err(format!("unknown escape \\{other}")),
    })
}

/// `NAME=VALUE` with a valid shell-style variable name; `None` otherwise.
fn split_assignment(word: &str) -> Option<(&str, &str)> {
    let (k, v) = word.split_once('=')?;
    valid_name(k).then_some((k, v))
}

fn valid_name(k: &str) -> bool {
    let mut cs = k.chars();
    cs.next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && cs.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `KEY=VALUE` assignments of an `EnvironmentFile=`, read with the same rules as systemd's
/// env-file parser: `#`/`;` comment lines, whitespace around keys and unquoted values dropped,
/// single quotes literal, double quotes with `\"` `\\` `\$` `` \` `` escapes, quotes only where a
/// value starts (`A=x"y"` keeps its quotes, unlike `Environment=`), and a backslash-newline
/// continuing the value.
/// Returns (key, value, line the key starts on); invalid names are skipped, as systemd does.
pub fn parse_env_file(text: &str) -> Vec<(String, String, usize)> {
    #[derive(Clone, Copy, PartialEq)]
    enum St {
        PreKey,
        Key,
        PreValue,
        Value,
        ValueEscape,
        Single,
        Double,
        DoubleEscape,
        Comment,
        CommentEscape,
    }
    let mut out = Vec::new();
    let mut st = St::PreKey;
    let (mut key, mut value) = (String::new(), String::new());
    // Length of `value` before its trailing unquoted whitespace; `None` = no trailing blanks.
    let mut value_ws: Option<usize> = None;
    let (mut line, mut key_line) = (1usize, 1usize);
    let mut push = |key: &mut String, value: &mut String, value_ws: Option<usize>, at: usize| {
        if let Some(n) = value_ws {
            value.truncate(n);
        }
        let k = key.trim_end();
        if valid_name(k) {
            out.push((k.to_string(), std::mem::take(value), at));
        }
        key.clear();
        value.clear();
    };
    for c in text.chars() {
        let newline = c == '\n' || c == '\r';
        match st {
            St::PreKey => {
                if c == '#' || c == ';' {
                    st = St::Comment;
                } else if !c.is_ascii_whitespace() {
                    st = St::Key;
                    key_line = line;
                    key.push(c);
                }
            }
            St::Key => {
                if newline {
                    st = St::PreKey;
                    key.clear();
                } else if c == '=' {
                    st = St::PreValue;
                    value_ws = None;
                } else {
                    key.push(c);
                }
            }
            St::PreValue => match c {
                _ if newline => {
                    st = St::PreKey;
                    push(&mut key, &mut value, None, key_line);
                }
                '\'' => st = St::Single,
                '"' => st = St::Double,
                '\\' => st = St::ValueEscape,
                _ if c.is_ascii_whitespace() => {}
                _ => {
                    st = St::Value;
                    value.push(c);
                }
            },
            St::Value => {
                if newline {
                    st = St::PreKey;
                    push(&mut key, &mut value, value_ws, key_line);
                } else if c == '\\' {
                    st = St::ValueEscape;
                    value_ws = None;
                } else {
                    if !c.is_ascii_whitespace() {
                        value_ws = None;
                    } else if value_ws.is_none() {
                        value_ws = Some(value.len());
                    }
                    value.push(c);
                }
            }
            St::ValueEscape => {
                st = St::Value;
                if !newline {
                    value.push(c);
                }
            }
            St::Single => {
                if c == '\'' {
                    st = St::PreValue;
                } else {
                    value.push(c);
                }
            }
            St::Double => match c {
                '"' => st = St::PreValue,
                '\\' => st = St::DoubleEscape,
                _ => value.push(c),
            },
            St::DoubleEscape => {
                st = St::Double;
                if matches!(c, '"' | '\\' | '`' | '$') {
                    value.push(c);
                } else if c != '\n' {
                    value.push('\\');
                    value.push(c);
                }
            }
            St::Comment => {
                if c == '\\' {
                    st = St::CommentEscape;
                } else if newline {
                    st = St::PreKey;
                }
            }
            St::CommentEscape => st = if newline { St::PreKey } else { St::Comment },
        }
        if c == '\n' {
            line += 1;
        }
    }
    match st {
        St::Value => push(&mut key, &mut value, value_ws, key_line),
        St::PreValue | St::ValueEscape | St::Single | St::Double | St::DoubleEscape => {
            push(&mut key, &mut value, None, key_line)
        }
        _ => {}
    }
    out
}

/// Unit files, drop-ins and EnvironmentFile=s: regular files only (a FIFO would block), bounded.
fn read_unit_file(path: &Path) -> std::io::Result<String> {
    crate::fsread::read_string_bounded(path, crate::fsread::limits::UNIT_FILE)
}
