//! Kafka's offset-checkpoint text files (recovery-point-offset-checkpoint and friends):
//! `0` / entry count / `topic partition offset` lines, parsed as strictly as Kafka's CheckpointFile.

use std::collections::HashMap;

/// Per (topic, partition) offsets of one checkpoint file.
pub type Offsets = HashMap<(String, i32), u64>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointError {
    /// 1-based line where the file stops making sense (None: the file as a whole).
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for CheckpointError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "line {l}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

fn err(line: usize, message: impl Into<String>) -> CheckpointError {
    CheckpointError {
        line: Some(line),
        message: message.into(),
    }
}

/// Java's `BufferedReader.readLine`: lines end at `\n`, `\r` or `\r\n`; a final line needs no end.
fn java_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let end = rest.find(['\n', '\r']).unwrap_or(rest.len());
        let line = &rest[..end];
        rest = &rest[end..];
        rest = rest
            .strip_prefix("\r\n")
            .or_else(|| rest.strip_prefix('\n'))
            .or_else(|| rest.strip_prefix('\r'))
            .unwrap_or(rest);
        Some(line)
    })
}

/// Java's `\s` (what `WHITESPACES_PATTERN = \s+` splits on): ASCII only, unlike Rust's.
fn java_whitespace(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\x0B' | '\x0C' | '\r')
}

/// Parses a checkpoint exactly as Kafka's `CheckpointReadBuffer.read` and
/// `OffsetCheckpointFile.Formatter` do (trunk server-common/.../CheckpointFile.java,
/// storage/.../checkpoint/OffsetCheckpointFile.java; the 0.8-2.x Scala OffsetCheckpoint reads the
/// same way): version and count are `Integer.parseInt` (sign allowed, no blanks), a file that
/// ends before the count has no entries, every later line must split on `\s+` into exactly
/// three parts (a blank line or a leading blank fails), offsets are any long, and the count must
/// match. The last of duplicate entries wins (HashMap.put). Negative offsets are kept as 0: both
/// are below every base offset.
pub fn parse(text: &str) -> Result<Offsets, CheckpointError> {
    let mut lines = java_lines(text).enumerate().map(|(i, l)| (i + 1, l));
    // Kafka reads an empty file as "no entries" (a missing one is created empty).
    let Some((n, version)) = lines.next() else {
        return Ok(Offsets::new());
    };
    if version.parse::<i32>() != Ok(0) {
        return Err(err(
            n,
            format!("unsupported version {version:?}, expected 0"),
        ));
    }
    let Some((n, count)) = lines.next() else {
        return Ok(Offsets::new());
    };
    // Integer.parseInt; a negative count makes `new ArrayList<>(count)` throw.
    let expected = count
        .parse::<i32>()
        .ok()
        .and_then(|c| usize::try_from(c).ok())
        .ok_or_else(|| {
            err(
                n,
                format!("entry count {count:?} is not a non-negative number"),
            )
        })?;
    let mut out = Offsets::with_capacity(expected.min(1 << 20));
    let mut seen = 0usize;
    for (n, line) in lines {
        let malformed = || {
            err(
                n,
                format!("expected `topic partition offset`, found {line:?}"),
            )
        };
        // Java's split keeps a leading empty part and drops trailing ones.
        if line.starts_with(java_whitespace) {
            return Err(malformed());
        }
        let mut parts = line.split(java_whitespace).filter(|p| !p.is_empty());
        let (Some(topic), Some(partition), Some(offset), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(malformed());
        };
        let partition: i32 = partition
            .parse()
            .map_err(|_| err(n, format!("partition {partition:?} is not a number")))?;
        let offset: i64 = offset
            .parse()
            .map_err(|_| err(n, format!("offset {offset:?} is not a number")))?;
        out.insert((topic.to_string(), partition), offset.max(0) as u64);
        seen += 1;
    }
    if seen != expected {
        return Err(CheckpointError {
            line: None,
            message: format!("header says {expected} entries, found {seen} (truncated?)"),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_entries() {
        let o = parse("0\n2\nmy-topic 0 120\nx.y 3 7\n").unwrap();
        assert_eq!(o[&("my-topic".to_string(), 0)], 120);
        assert_eq!(o[&("x.y".to_string(), 3)], 7);
        assert!(parse("").unwrap().is_empty());
        assert!(parse("0\n0\n").unwrap().is_empty());
    }

    #[test]
    fn rejects_what_kafka_rejects() {
        for bad in [
            "1\n0\n",
            "0\n2\nt 0 1\n",
            "0\n1\nt 0 1\nt 1 2\n",
            "0\n1\nt x 1\n",
            "0\n1\nt 0\n",
            "\u{1}\u{2}garbage",
            // Blank or padded lines: Integer.parseInt and split("\\s+") reject them.
            "0\n1\nt 0 1\n\n",
            "0\n1\n t 0 1\n",
            " 0\n0\n",
            "0\n0 \n",
            "0\n-1\n",
            "0\n1\nt 0 1\u{a0}\n",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn accepts_what_kafka_accepts() {
        // No count line: CheckpointReadBuffer returns no entries.
        assert!(parse("0\n").unwrap().is_empty());
        // A negative offset is a valid long, below every base offset like 0.
        assert_eq!(parse("0\n1\nt 0 -4\n").unwrap()[&("t".to_string(), 0)], 0);
        let o = parse("+0\r+2\r\nt\t+1  7 \nt 1 8").unwrap();
        assert_eq!(o[&("t".to_string(), 1)], 8);
        assert_eq!(o.len(), 1, "the last of duplicate entries wins");
    }
}
