//! Kafka's log layout, `[%d] %p %m (%c)%n` (config/log4j.properties through 3.9,
//! config/log4j2.yaml from 4.0), cut into entries: a header line and the lines that follow it
//! until the next header (multi-line messages, stack traces).

use std::sync::OnceLock;

use regex::Regex;

/// What the JVM prints (to stdout, not through log4j) when it cannot start at all.
pub const JVM_INIT_FAILED: &str = "Error occurred during initialization of VM";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// 1-based line number of the header line.
    pub line: usize,
    /// `yyyy-MM-dd HH:mm:ss,SSS`, absent for lines not written by log4j.
    pub timestamp: Option<String>,
    /// TRACE..FATAL; empty for lines not written by log4j.
    pub level: String,
    /// The first line's message, the logger suffix `(kafka.log.LogManager)` removed.
    pub message: String,
    /// The logger (`%c`) when the first line ends with it.
    pub logger: Option<String>,
    /// Every following line up to the next header (stack trace, rest of the message).
    pub rest: Vec<String>,
}

impl Entry {
    pub fn is_error(&self) -> bool {
        matches!(self.level.as_str(), "ERROR" | "FATAL") || self.timestamp.is_none()
    }
    /// The header and every following line, for searches that must see the stack trace.
    pub fn text(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.message.as_str()).chain(self.rest.iter().map(String::as_str))
    }
}

fn header() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d[,.]\d{3})\] (TRACE|DEBUG|INFO|WARN|ERROR|FATAL) (.*)$",
        )
        .expect("static regex")
    })
}

fn logger_suffix() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r" \([A-Za-z_$][\w.$]*\)$").expect("static regex"))
}

/// Cuts `text` into entries. A line the JVM printed before log4j existed (`Error occurred
/// during initialization of VM`) starts an entry of its own wherever it is, since startup
/// scripts often append the broker's stdout to the same file.
pub fn parse(text: &str) -> Vec<Entry> {
    let mut out: Vec<Entry> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        if let Some(c) = header().captures(line) {
            let msg = &c[3];
            let (message, logger) = match logger_suffix().find(msg) {
                Some(m) => (
                    msg[..m.start()].to_string(),
                    Some(msg[m.start() + 2..m.end() - 1].to_string()),
                ),
                None => (msg.to_string(), None),
            };
            out.push(Entry {
                line: i + 1,
                timestamp: Some(c[1].to_string()),
                level: c[2].to_string(),
                message,
                logger,
                rest: Vec::new(),
            });
        } else if line.starts_with(JVM_INIT_FAILED) || out.is_empty() && !line.trim().is_empty() {
            out.push(Entry {
                line: i + 1,
                timestamp: None,
                level: String::new(),
                message: line.to_string(),
                logger: None,
                rest: Vec::new(),
            });
        } else if let Some(last) = out.last_mut() {
            last.rest.push(line.to_string());
        }
    }
    out
}

/// Lines in Kafka's layout: zero means the text is not a broker log.
pub fn log4j_entries(entries: &[Entry]) -> usize {
    entries.iter().filter(|e| e.timestamp.is_some()).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_traces_and_jvm_lines() {
        let text = "\
[2026-12-01 16:54:53,712] ERROR Error while loading log dir /d (kafka.log.LogManager)
java.io.IOException: Map failed
\tat java.base/sun.nio.ch.FileChannelImpl.map(FileChannelImpl.java:1032) ~[?:?]
[2026-12-01 16:54:53,731] INFO Loaded 40 logs in 5228ms (kafka.log.LogManager)
Error occurred during initialization of VM
Could not allocate compressed class space: 1073741824 bytes
";
        let e = parse(text);
        assert_eq!(e.len(), 3);
        assert_eq!(e[0].message, "Error while loading log dir /d");
        assert_eq!(e[0].level, "ERROR");
        assert_eq!(e[0].logger.as_deref(), Some("kafka.log.LogManager"));
        assert_eq!(e[0].rest.len(), 2);
        assert_eq!(e[1].line, 4);
        assert!(e[2].timestamp.is_none() && e[2].is_error());
        assert_eq!(
            e[2].rest,
            vec!["Could not allocate compressed class space: 1073741824 bytes"]
        );
        assert_eq!(log4j_entries(&e), 2);
        assert_eq!(log4j_entries(&parse("hello\nworld\n")), 0);
    }
}
