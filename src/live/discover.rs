//! Finding the broker when no --pid is given.

use super::error::LiveError;
use super::proc::ProcFs;
use super::{broker_process, java_cmdline};

/// Main class of every broker start script, 0.8 through 4.x (KRaft included).
pub const BROKER_MAIN_CLASS: &str = "kafka.Kafka";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub pid: i32,
    pub cmdline: Vec<String>,
}

impl Candidate {
    /// The command line shortened for a listing: the class path alone is often kilobytes.
    pub fn short_cmdline(&self, max: usize) -> String {
        let mut s = self.cmdline.join(" ");
        if s.len() > max {
            let mut cut = max.saturating_sub(3);
            while !s.is_char_boundary(cut) {
                cut -= 1;
            }
            s.truncate(cut);
            s.push_str("...");
        }
        s
    }
}

/// A JVM (argv[0] named `java`) whose main class runs a broker (see [`BROKER_MAIN_CLASSES`]):
/// the class the launcher runs, not the words `kafka.Kafka` anywhere in the command line.
///
/// [`BROKER_MAIN_CLASSES`]: super::broker_process::BROKER_MAIN_CLASSES
pub fn is_broker_cmdline(args: &[String]) -> bool {
    java_cmdline::parse(args).is_some_and(|c| broker_process::broker_main_class(&c).is_some())
}

/// Every visible broker JVM. Processes that vanish or hide their cmdline mid-scan are skipped.
pub fn find_brokers(proc: &ProcFs) -> Result<Vec<Candidate>, LiveError> {
    Ok(proc
        .pids()?
        .into_iter()
        .filter_map(|pid| {
            let cmdline = proc.cmdline(pid).ok()?;
            is_broker_cmdline(&cmdline).then_some(Candidate { pid, cmdline })
        })
        .collect())
}

/// The nearest descendant of `pid` that is a JVM (breadth first, a few levels: start scripts
/// nest a shell or two).
pub fn java_descendant(proc: &ProcFs, pid: i32) -> Option<i32> {
    let mut level = proc.children(pid);
    for _ in 0..4 {
        if let Some(j) = level.iter().copied().find(|c| is_java(proc, *c)) {
            return Some(j);
        }
        level = level.iter().flat_map(|c| proc.children(*c)).collect();
        if level.is_empty() {
            break;
        }
    }
    None
}

fn is_java(proc: &ProcFs, pid: i32) -> bool {
    proc.comm(pid).as_deref() == Some("java")
        || proc
            .cmdline(pid)
            .ok()
            .and_then(|a| a.into_iter().next())
            .is_some_and(|a0| a0.rsplit('/').next() == Some("java"))
}

/// `--pid`: a pid, `auto`, or what `$(pgrep -f kafka.Kafka)` expands to (nothing, or several
/// pids on separate lines), so each case gets a plain answer instead of an integer-parse error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PidArg {
    Auto,
    Pids(Vec<i32>),
}

/// clap value parser for `--pid`.
pub fn parse_pid_arg(s: &str) -> Result<PidArg, String> {
    if s.trim().eq_ignore_ascii_case("auto") {
        return Ok(PidArg::Auto);
    }
    s.split_whitespace()
        .map(|w| match w.parse::<i32>() {
            Ok(p) if p > 0 => Ok(p),
            _ => Err(format!(
                "{w:?} is not a process id: expected a positive number or `auto` (find the one broker)"
            )),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(PidArg::Pids)
}

/// The one broker `arg` names, identified; several pids, none, or a pid that is not a broker
/// is an error that says which, listing the brokers that are running.
pub fn resolve_pid(proc: &ProcFs, arg: &PidArg) -> anyhow::Result<broker_process::BrokerProcess> {
    let pid = match arg {
        PidArg::Pids(p) if p.len() == 1 => p[0],
        PidArg::Auto => the_one_broker(proc, "--pid auto")?,
        PidArg::Pids(p) if p.is_empty() => the_one_broker(
            proc,
            "--pid was given an empty value (did `pgrep -f kafka.Kafka` find nothing?)",
        )?,
        PidArg::Pids(p) => {
            let list: Vec<String> = p.iter().map(|pid| describe(proc, *pid)).collect();
            anyhow::bail!(
                "--pid was given {} pids; it takes one broker. They are:\n{}",
                p.len(),
                list.join("\n")
            )
        }
    };
    broker_process::identify(proc, pid).map_err(|e| anyhow::anyhow!("--pid {pid}: {e}"))
}

fn describe(proc: &ProcFs, pid: i32) -> String {
    let what = match proc.cmdline(pid) {
        Ok(argv) if is_broker_cmdline(&argv) => format!(
            "a Kafka broker: {}",
            Candidate { pid, cmdline: argv }.short_cmdline(120)
        ),
        Ok(argv) => format!(
            "not a broker: {}",
            Candidate { pid, cmdline: argv }.short_cmdline(120)
        ),
        Err(e) => e.to_string(),
    };
    format!("  {pid:>8}  {what}")
}

/// The single broker visible here; `context` says why we are looking.
pub fn the_one_broker(proc: &ProcFs, context: &str) -> anyhow::Result<i32> {
    let found = find_brokers(proc)?;
    match found.as_slice() {
        [one] => Ok(one.pid),
        [] => anyhow::bail!(
            "{context}: no Kafka broker is running here: no java process with main class {} is visible in {}. Start it, or pass --pid PID",
            broker_process::BROKER_MAIN_CLASSES.join(" or "),
            proc.root().display()
        ),
        many => {
            let list: Vec<String> = many
                .iter()
                .map(|c| format!("  {:>8}  {}", c.pid, c.short_cmdline(150)))
                .collect();
            anyhow::bail!(
                "{context}: {} Kafka brokers are running; choose one with --pid PID:\n{}",
                many.len(),
                list.join("\n")
            )
        }
    }
}
