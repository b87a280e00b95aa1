//! Finding the broker when no --pid is given.

use super::error::LiveError;
use super::proc::ProcFs;

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

/// A JVM (argv[0] named `java`) that runs `kafka.Kafka`: as the main class argument, or, for
/// wrappers that pass it differently, anywhere in the command line.
pub fn is_broker_cmdline(args: &[String]) -> bool {
    let Some(argv0) = args.first() else {
        return false;
    };
    let exe = argv0.rsplit('/').next().unwrap_or(argv0);
    if exe != "java" {
        return false;
    }
    args[1..]
        .iter()
        .any(|a| a == BROKER_MAIN_CLASS || contains_class(a))
}

/// `kafka.Kafka` as a whole word: not `kafka.KafkaFoo` nor `org.kafka.Kafka2`.
fn contains_class(arg: &str) -> bool {
    arg.match_indices(BROKER_MAIN_CLASS).any(|(i, m)| {
        let before = arg[..i].chars().next_back();
        let after = arg[i + m.len()..].chars().next();
        let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.');
        !word(before) && !word(after)
    })
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
