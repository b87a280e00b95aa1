//! Follows the broker's log during `watch`: the end-of-log-loading line, and the last
//! `Map failed` line to quote if the start dies.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use regex::Regex;

pub const MAP_FAILED: &str = "Map failed";

/// Most bytes read per poll, so a log flooded with stack traces cannot stall sampling.
const MAX_READ_PER_POLL: u64 = 8 << 20;

/// `--until-log-line`: matches a line that contains the text literally, or, when the text is
/// a valid regex, matches it. Operators paste log lines full of `[`, `(` and `.`; treating
/// them only as a regex would silently fail to match.
#[derive(Debug, Clone)]
pub struct LinePattern {
    literal: String,
    regex: Option<Regex>,
}

impl LinePattern {
    pub fn new(text: &str) -> Self {
        LinePattern {
            literal: text.to_string(),
            regex: Regex::new(text).ok(),
        }
    }

    pub fn matches(&self, line: &str) -> bool {
        line.contains(&self.literal) || self.regex.as_ref().is_some_and(|r| r.is_match(line))
    }
}

#[derive(Debug)]
pub struct LogTail {
    path: PathBuf,
    pos: u64,
    partial: Vec<u8>,
    until: Option<LinePattern>,
    /// The first line that matched `until`.
    pub matched: Option<String>,
    pub last_map_failed: Option<String>,
}

impl LogTail {
    /// Starts at the current end of the file: lines from earlier starts are not this start's.
    pub fn new(path: &Path, until: Option<LinePattern>) -> Self {
        let pos = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        LogTail {
            path: path.to_path_buf(),
            pos,
            partial: Vec::new(),
            until,
            matched: None,
            last_map_failed: None,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads what was appended since the last poll. A missing file is not an error (the broker
    /// may not have created it yet); a shorter file was rotated or truncated and is re-read
    /// from the start.
    pub fn poll(&mut self) -> std::io::Result<()> {
        let mut f = match File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        let len = f.metadata()?.len();
        if len < self.pos {
            self.pos = 0;
            self.partial.clear();
        }
        if len == self.pos {
            return Ok(());
        }
        f.seek(SeekFrom::Start(self.pos))?;
        let mut buf = Vec::new();
        let n = f.take(MAX_READ_PER_POLL).read_to_end(&mut buf)?;
        self.pos += n as u64;
        self.partial.extend_from_slice(&buf);
        let complete = match self.partial.iter().rposition(|b| *b == b'\n') {
            Some(i) => i + 1,
            None => return Ok(()),
        };
        let rest = self.partial.split_off(complete);
        let done = std::mem::replace(&mut self.partial, rest);
        for line in String::from_utf8_lossy(&done).lines() {
            self.line(line);
        }
        Ok(())
    }

    fn line(&mut self, line: &str) {
        if line.contains(MAP_FAILED) {
            self.last_map_failed = Some(line.trim_end().to_string());
        }
        if self.matched.is_none() && self.until.as_ref().is_some_and(|p| p.matches(line)) {
            self.matched = Some(line.trim_end().to_string());
        }
    }

    /// Treats an unterminated last line as complete: the writer is gone.
    pub fn finish(&mut self) -> std::io::Result<()> {
        self.poll()?;
        if !self.partial.is_empty() {
            let last = String::from_utf8_lossy(&std::mem::take(&mut self.partial)).into_owned();
            self.line(&last);
        }
        Ok(())
    }
}
