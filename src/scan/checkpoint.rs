//! Kafka's offset-checkpoint text files (recovery-point-offset-checkpoint and friends):
//! `0` / entry count / `topic partition offset` lines, parsed as strictly as Kafka's CheckpointFile.

use std::collections::HashMap;
use std::io::BufRead;

use crate::fsread::{excerpt, limits};

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

/// One line as Java's `BufferedReader.readLine` sees it: lines end at `\n`, `\r` or `\r\n`; a
/// final line needs no end. Lines over `max` bytes are an error instead of a buffer that grows
/// with the file (a NUL-filled checkpoint is one line of gigabytes).
enum Line {
    End,
    Text,
    TooLong,
}

fn next_line(r: &mut impl BufRead, buf: &mut Vec<u8>, max: usize) -> std::io::Result<Line> {
    buf.clear();
    let mut any = false;
    loop {
        let chunk = r.fill_buf()?;
        if chunk.is_empty() {
            return Ok(if any { Line::Text } else { Line::End });
        }
        any = true;
        match chunk.iter().position(|&b| b == b'\n' || b == b'\r') {
            Some(i) => {
                if buf.len() + i > max {
                    return Ok(Line::TooLong);
                }
                buf.extend_from_slice(&chunk[..i]);
                let cr = chunk[i] == b'\r';
                r.consume(i + 1);
                if cr {
                    let next = r.fill_buf()?;
                    if next.first() == Some(&b'\n') {
                        r.consume(1);
                    }
                }
                return Ok(Line::Text);
            }
            None => {
                let n = chunk.len();
                if buf.len() + n > max {
                    return Ok(Line::TooLong);
                }
                buf.extend_from_slice(chunk);
                r.consume(n);
            }
        }
    }
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
    parse_reader(text.as_bytes(), |_, _| true)
}

/// [`parse`], streamed line by line from `r` (a legal checkpoint holds millions of lines), keeping
/// only the entries `keep` wants (the partitions whose dirs exist). Messages quote at most a short
/// excerpt of a bad line.
pub fn parse_reader(
    mut r: impl BufRead,
    keep: impl Fn(&str, i32) -> bool,
) -> Result<Offsets, CheckpointError> {
    let mut buf = Vec::new();
    let mut n = 0usize;
    let mut next = |buf: &mut Vec<u8>| -> Result<Option<usize>, CheckpointError> {
        n += 1;
        match next_line(&mut r, buf, limits::CHECKPOINT_LINE) {
            Ok(Line::End) => Ok(None),
            Ok(Line::Text) => Ok(Some(n)),
            Ok(Line::TooLong) => Err(err(
                n,
                format!(
                    "longer than {} bytes (an entry is under 300): not a checkpoint line",
                    limits::CHECKPOINT_LINE
                ),
            )),
            Err(e) => Err(err(n, format!("read failed: {e}"))),
        }
    };
    // Kafka decodes the file strictly (a malformed byte is an IOException).
    let text = |buf: &[u8], n: usize| -> Result<String, CheckpointError> {
        String::from_utf8(buf.to_vec())
            .map_err(|e| err(n, format!("not UTF-8: {}", e.utf8_error())))
    };
    // Kafka reads an empty file as "no entries" (a missing one is created empty).
    let Some(l) = next(&mut buf)? else {
        return Ok(Offsets::new());
    };
    let version = text(&buf, l)?;
    if version.parse::<i32>() != Ok(0) {
        return Err(err(
            l,
            format!("unsupported version {}, expected 0", excerpt(&version, 40)),
        ));
    }
    let Some(l) = next(&mut buf)? else {
        return Ok(Offsets::new());
    };
    let count = text(&buf, l)?;
    // Integer.parseInt; a negative count makes `new ArrayList<>(count)` throw.
    let expected = count
        .parse::<i32>()
        .ok()
        .and_then(|c| usize::try_from(c).ok())
        .ok_or_else(|| {
            err(
                l,
                format!(
                    "entry count {} is not a non-negative number",
                    excerpt(&count, 40)
                ),
            )
        })?;
    let mut out = Offsets::new();
    let mut seen = 0usize;
    while let Some(n) = next(&mut buf)? {
        let line = text(&buf, n)?;
        let malformed = || {
            err(
                n,
                format!(
                    "expected `topic partition offset`, found {}",
                    excerpt(&line, 80)
                ),
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
        let partition: i32 = partition.parse().map_err(|_| {
            err(
                n,
                format!("partition {} is not a number", excerpt(partition, 40)),
            )
        })?;
        let offset: i64 = offset
            .parse()
            .map_err(|_| err(n, format!("offset {} is not a number", excerpt(offset, 40))))?;
        if keep(topic, partition) {
            out.insert((topic.to_string(), partition), offset.max(0) as u64);
        }
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
