//! `gate`: `check` run from the broker's own start path (a systemd `ExecStartPre=`, the line
//! before `exec` in a start script or container entrypoint), so the limits and environment it
//! reads are the ones the broker is about to get: its own getrlimit values, its own
//! KAFKA_HEAP_OPTS, KAFKA_JVM_PERFORMANCE_OPTS, KAFKA_OPTS and MALLOC_ARENA_MAX.
//!
//! It may stop a start only for what would make the start fail or lose data (a FAIL check).
//! Everything else lets the start go on: warnings, a check that cannot finish in time, and the
//! tool's own trouble, because a start gate that blocks on its own failure would be a new way
//! for a broker not to start.

pub mod dropin;
pub mod escape;
pub mod verdict_line;

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use crate::output::report::Report;

/// systemd's default TimeoutStartSec is 90 s and it covers ExecStartPre= and the start itself:
/// the gate must leave the broker most of it.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// What the gate decided.
#[derive(Debug)]
pub enum Outcome {
    /// The check ran: its report decides.
    Checked(Box<Report>),
    /// An operator turned the gate off for now (see [`escape`]).
    Skipped(escape::Skip),
    /// No verdict within the time allowed.
    TimedOut(Duration),
    /// The check could not run (unreadable config, ...).
    CouldNotCheck(String),
}

/// Runs `check` on its own thread and waits at most `timeout` for it: a read stuck in the
/// kernel cannot be cancelled, but the start it guards must not wait for it.
pub fn run_bounded(
    timeout: Duration,
    check: impl FnOnce() -> anyhow::Result<Report> + Send + 'static,
) -> Outcome {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(check());
    });
    match rx.recv_timeout(timeout) {
        Ok(Ok(report)) => Outcome::Checked(Box::new(report)),
        Ok(Err(e)) => Outcome::CouldNotCheck(format!("{e:#}")),
        Err(_) => Outcome::TimedOut(timeout),
    }
}

/// Exit status for the start path: 1 stops the start, and only a FAIL check does that.
pub fn exit_code(outcome: &Outcome) -> u8 {
    match outcome {
        Outcome::Checked(r) if r.verdict == crate::verdict::Status::Fail => {
            crate::exit_codes::CHECK_FAILED
        }
        _ => crate::exit_codes::OK,
    }
}

/// The short text for stderr (journald, the console of a start script).
pub fn message(outcome: &Outcome, config: &Path, hatch: &escape::Hatch) -> String {
    let prefix = "kafka-preflight gate";
    match outcome {
        Outcome::Checked(r) => verdict_line::render(r, config, hatch),
        Outcome::Skipped(skip) => format!(
            "{prefix}: SKIPPED, the start goes on unchecked: {}. {}\n",
            skip.describe(),
            skip.undo()
        ),
        Outcome::TimedOut(t) => format!(
            "{prefix}: no verdict within {} s (--timeout); letting the start go on unchecked\n",
            t.as_secs_f64()
        ),
        Outcome::CouldNotCheck(e) => {
            format!("{prefix}: could not check ({e}); letting the start go on unchecked\n")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_check_that_does_not_answer_in_time_lets_the_start_go_on() {
        let started = std::time::Instant::now();
        let outcome = run_bounded(Duration::from_millis(200), || {
            std::thread::sleep(Duration::from_secs(30));
            anyhow::bail!("never seen")
        });
        assert!(matches!(outcome, Outcome::TimedOut(_)), "{outcome:?}");
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(exit_code(&outcome), crate::exit_codes::OK);
        let hatch = escape::Hatch {
            marker: std::path::PathBuf::from("/nonexistent"),
            env: None,
        };
        let text = message(&outcome, Path::new("server.properties"), &hatch);
        assert!(text.contains("no verdict within 0.2 s"), "{text}");

        let failed = run_bounded(Duration::from_secs(5), || anyhow::bail!("unreadable"));
        assert!(matches!(&failed, Outcome::CouldNotCheck(e) if e == "unreadable"));
        assert_eq!(exit_code(&failed), crate::exit_codes::OK);
    }
}
