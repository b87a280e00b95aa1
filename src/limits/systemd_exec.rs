//! What a service runs and as whom: `User=`, `ExecStart=` and `ExecStartPre=` of a unit and its
//! drop-ins, read with the same search path and drop-in rules as its limits. `gate` uses it to
//! find the broker's server.properties and to check the drop-in it prints.

use std::path::{Path, PathBuf};

use super::systemd::{assignments, unit_files};
use super::{parse_environment_words, LimitError};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceExec {
    /// The unit file and the drop-ins that were applied, in order.
    pub files: Vec<PathBuf>,
    /// `User=`; None runs the service as root.
    pub user: Option<String>,
    /// The command line of the last `ExecStart=`, prefixes (`-`, `+`, `@`, ...) removed.
    pub exec_start: Option<Vec<String>>,
    /// Each `ExecStartPre=` command line, in the order systemd runs them.
    pub exec_start_pre: Vec<Vec<String>>,
}

impl ServiceExec {
    /// The broker's config: the `.properties` argument of `ExecStart=` (kafka-server-start.sh
    /// takes it as its first argument; a wrapper may put it elsewhere).
    pub fn broker_config(&self) -> Option<PathBuf> {
        let words = self.exec_start.as_ref()?;
        words[1..]
            .iter()
            .find(|w| w.ends_with(".properties") && !w.starts_with('-'))
            .map(PathBuf::from)
    }

    /// `KAFKA_HOME` of an `ExecStart=` that runs `KAFKA_HOME/bin/kafka-server-start.sh`.
    pub fn kafka_home(&self) -> Option<PathBuf> {
        let script = Path::new(self.exec_start.as_ref()?.first()?);
        let bin = script.parent()?;
        (script.file_name()? == "kafka-server-start.sh" && bin.file_name()? == "bin")
            .then(|| bin.parent().map(Path::to_path_buf))
            .flatten()
    }

    /// The `--config` of an `ExecStartPre=` that runs `kafka-preflight gate`.
    pub fn gate_config(&self) -> Option<PathBuf> {
        self.exec_start_pre.iter().find_map(|words| {
            let gate = words.iter().position(|w| w == "gate")?;
            let rest = &words[gate + 1..];
            rest.iter().enumerate().find_map(|(i, w)| match w.as_str() {
                "--config" | "-c" => rest.get(i + 1).map(PathBuf::from),
                _ => w.strip_prefix("--config=").map(PathBuf::from),
            })
        })
    }
}

/// Reads `spec` (a unit name or file) and its drop-ins from `dirs`, as systemd would: later
/// assignments win, and an empty `ExecStart=`/`ExecStartPre=` clears the list before it.
pub fn read_service_exec(spec: &str, dirs: &[PathBuf]) -> Result<ServiceExec, LimitError> {
    let (_, files) = unit_files(spec, dirs, &mut Vec::new())?;
    let mut out = ServiceExec::default();
    for (_, text) in &files {
        for a in assignments(text, "Service") {
            match a.key.as_str() {
                "User" => out.user = (!a.value.is_empty()).then(|| a.value.clone()),
                "ExecStart" => out.exec_start = command_line(&a.value),
                "ExecStartPre" => match command_line(&a.value) {
                    Some(words) => out.exec_start_pre.push(words),
                    None => out.exec_start_pre.clear(),
                },
                _ => {}
            }
        }
    }
    out.files = files.into_iter().map(|(f, _)| f).collect();
    Ok(out)
}

/// The words of an `Exec*=` value with systemd's prefixes (`@-:+!`) removed and its escapes of
/// `%` and `$` undone; None when empty.
fn command_line(value: &str) -> Option<Vec<String>> {
    let (words, _) = parse_environment_words(value);
    let mut words: Vec<String> = words
        .iter()
        .map(|w| w.replace("%%", "%").replace("$$", "$"))
        .collect();
    let first = words.first_mut()?;
    *first = first
        .trim_start_matches(['@', '-', ':', '+', '!'])
        .to_string();
    Some(words)
}
