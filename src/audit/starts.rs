//! Where each broker start begins in a log that holds several.
//!
//! `kafka.Kafka.main` registers the logging signal handler once per JVM ("Registered signal
//! handlers for TERM, INT, HUP", LoggingSignalHandler, every release 3.x-4.x); through 4.0 the
//! first line of a JVM is also "Registered kafka:type=kafka.Log4jController MBean" (removed
//! later). A JVM that cannot start prints "Error occurred during initialization of VM" instead.

use super::entries::{Entry, JVM_INIT_FAILED};

const LOG4J_CONTROLLER: &str = "Registered kafka:type=kafka.Log4jController MBean";
const SIGNAL_HANDLERS: &str = "Registered signal handlers for";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    Log4jController,
    SignalHandlers,
    JvmInitFailed,
}

fn marker(e: &Entry) -> Option<Marker> {
    if e.timestamp.is_none() {
        return e
            .message
            .starts_with(JVM_INIT_FAILED)
            .then_some(Marker::JvmInitFailed);
    }
    if e.message.starts_with(LOG4J_CONTROLLER) {
        Some(Marker::Log4jController)
    } else if e.message.starts_with(SIGNAL_HANDLERS) {
        Some(Marker::SignalHandlers)
    } else {
        None
    }
}

/// Index (into `entries`) of the first entry of every start; empty when no marker is in the
/// log (an excerpt, or a rotated file that begins mid-start).
pub fn start_indexes(entries: &[Entry]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut previous = None;
    for (i, e) in entries.iter().enumerate() {
        let Some(m) = marker(e) else { continue };
        // The MBean line and the signal-handler line a few lines later are the same JVM.
        let same_jvm = previous == Some(Marker::Log4jController) && m == Marker::SignalHandlers;
        if !same_jvm {
            out.push(i);
        }
        previous = Some(m);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::entries::parse;
    use super::*;

    #[test]
    fn one_start_per_jvm_in_every_release() {
        let t = "\
[2026-12-01 16:54:43,651] INFO Registered kafka:type=kafka.Log4jController MBean (kafka.utils.Log4jControllerRegistration$)
[2026-12-01 16:54:46,047] INFO Registered signal handlers for TERM, INT, HUP (org.apache.kafka.common.utils.LoggingSignalHandler)
[2026-12-01 16:54:46,049] INFO [ControllerServer id=1] Starting controller (kafka.server.ControllerServer)
[2026-12-01 17:54:46,047] INFO Registered signal handlers for TERM, INT, HUP (org.apache.kafka.common.utils.LoggingSignalHandler)
[2026-12-01 17:54:46,049] INFO [ControllerServer id=1] Starting controller (kafka.server.ControllerServer)
Error occurred during initialization of VM
Could not allocate compressed class space: 1073741824 bytes
";
        let e = parse(t);
        assert_eq!(start_indexes(&e), vec![0, 3, 5]);
        assert!(start_indexes(&e[2..3]).is_empty());
    }
}
