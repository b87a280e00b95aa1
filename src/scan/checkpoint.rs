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

pub fn parse(text: &str) -> Result<Offsets, CheckpointError> {
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l));
    // Kafka reads an empty file as "no entries" (a missing one is created empty).
    let Some((n, version)) = lines.next() else {
        return Ok(Offsets::new());
    };
    if version.trim() != "0" {
        return Err(err(
            n,
            format!("unsupported version {version:?}, expected 0"),
        ));
    }
    let (n, count) = lines
        .next()
        .ok_or_else(|| err(n + 1, "missing the entry count"))?;
    let expected: usize = count.trim().parse().map_err(|_| {
        err(
            n,
            format!("entry count {count:?} is not a non-negative number"),
        )
    })?;
    let mut out = Offsets::with_capacity(expected.min(1 << 20));
    let mut seen = 0usize;
    for (n, line) in lines {
        if seen == expected {
            if line.trim().is_empty() {
                continue;
            }
            return Err(err(n, format!("more entries than the count {expected}")));
        }
        let mut parts = line.split_whitespace();
        let (Some(topic), Some(partition), Some(offset), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(err(
                n,
                format!("expected `topic partition offset`, found {line:?}"),
            ));
        };
        let partition: i32 = partition
            .parse()
            .map_err(|_| err(n, format!("partition {partition:?} is not a number")))?;
        let offset: i64 = offset
            .parse()
            .map_err(|_| err(n, format!("offset {offset:?} is not a number")))?;
        if offset < 0 {
            return Err(err(n, format!("negative offset {offset}")));
        }
        out.insert((topic.to_string(), partition), offset as u64);
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
            "0\n",
            "0\n2\nt 0 1\n",
            "0\n1\nt 0 1\nt 1 2\n",
            "0\n1\nt x 1\n",
            "0\n1\nt 0 -4\n",
            "0\n1\nt 0\n",
            "\u{1}\u{2}garbage",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }
}
