//! /proc/PID/maps read at the kernel's speed. A broker near vm.max_map_count has 65k to 300k
//! map areas, and that is exactly when `watch` must keep its interval; so the text is read into
//! one buffer that lives as long as the reader, and each line is parsed in place into a borrowed
//! [`MapLine`]: no allocation, no regex, no per-line structs from a library.
//!
//! A line, as the kernel's show_map_vma prints it:
//! `start-end perms offset major:minor inode<padding>path`, all numbers hex except the decimal
//! inode; the path is absent for anonymous mappings, may contain spaces, and ends in
//! " (deleted)" once the file was unlinked.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use super::index::{IndexFold, IndexMappings, IndexSummary};

const DELETED_SUFFIX: &[u8] = b" (deleted)";

/// One line of /proc/PID/maps, borrowing its path from the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MapLine<'a> {
    pub start: u64,
    pub end: u64,
    /// major << 32 | minor.
    pub dev: u64,
    pub inode: u64,
    /// The backing file without " (deleted)"; empty for anonymous mappings, `[heap]` etc. for
    /// the kernel's pseudo names.
    pub path: &'a [u8],
    /// Where `path` starts in the whole text, so a fold can keep it as a range.
    pub path_at: usize,
    /// The backing file was unlinked after it was mapped.
    pub deleted: bool,
}

impl MapLine<'_> {
    pub fn len(&self) -> u64 {
        self.end.saturating_sub(self.start)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Calls `f` for every line and returns the number of lines (map areas). A malformed line is an
/// error naming its number and the field that was expected.
pub fn for_each_line(text: &[u8], mut f: impl FnMut(&MapLine)) -> Result<u64, String> {
    let mut at = 0;
    let mut n = 0u64;
    while at < text.len() {
        let end = find_newline(&text[at..]).map_or(text.len(), |i| at + i);
        n += 1;
        let line = parse_line(text, at, end).map_err(|what| {
            let shown = String::from_utf8_lossy(&text[at..end.min(at + 120)]);
            format!("line {n}: expected {what}, found {shown:?}")
        })?;
        f(&line);
        at = end + 1;
    }
    Ok(n)
}

/// The first `\n`, eight bytes at a time (the zero-byte test of "Bit Twiddling Hacks"): lines
/// are about 100 bytes, and this search is a third of the parse.
fn find_newline(s: &[u8]) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let mut words = s.chunks_exact(8);
    let mut at = 0;
    for w in &mut words {
        let x = u64::from_le_bytes(w.try_into().unwrap_or_default()) ^ (LO * u64::from(b'\n'));
        let found = x.wrapping_sub(LO) & !x & HI;
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    words
        .remainder()
        .iter()
        .position(|b| *b == b'\n')
        .map(|i| at + i)
}

/// Parses `text[at..end]`; the error names the field that did not parse.
fn parse_line(text: &[u8], at: usize, end: usize) -> Result<MapLine<'_>, &'static str> {
    let mut c = Cursor { text, at, end };
    let start = c.hex(b'-').ok_or("a hex start address and '-'")?;
    let end_addr = c.hex(b' ').ok_or("a hex end address")?;
    c.perms().ok_or("permissions like r-xp")?;
    c.hex(b' ').ok_or("a hex file offset")?;
    let major = c.hex(b':').ok_or("a device major:minor")?;
    let minor = c.hex(b' ').ok_or("a device major:minor")?;
    let inode = c.decimal().ok_or("a decimal inode")?;
    while c.at < end && text[c.at] == b' ' {
        c.at += 1;
    }
    let mut path = &text[c.at..end];
    let deleted = path.ends_with(DELETED_SUFFIX);
    if deleted {
        path = &path[..path.len() - DELETED_SUFFIX.len()];
    }
    Ok(MapLine {
        start,
        end: end_addr,
        dev: major << 32 | minor,
        inode,
        path,
        path_at: c.at,
        deleted,
    })
}

struct Cursor<'a> {
    text: &'a [u8],
    at: usize,
    end: usize,
}

impl Cursor<'_> {
    /// Hex digits up to `stop`, which is consumed; at most 16 digits (a u64).
    fn hex(&mut self, stop: u8) -> Option<u64> {
        let mut v = 0u64;
        let first = self.at;
        while self.at < self.end {
            let b = self.text[self.at];
            let d = match b {
                b'0'..=b'9' => b - b'0',
                b'a'..=b'f' => b - b'a' + 10,
                b'A'..=b'F' => b - b'A' + 10,
                _ if b == stop => break,
                _ => return None,
            };
            v = v << 4 | u64::from(d);
            self.at += 1;
        }
        let digits = self.at - first;
        if digits == 0 || digits > 16 || self.at >= self.end {
            return None;
        }
        self.at += 1;
        Some(v)
    }

    fn perms(&mut self) -> Option<()> {
        let p = self.text.get(self.at..self.at + 5)?;
        let ok = matches!(p[0], b'r' | b'-')
            && matches!(p[1], b'w' | b'-')
            && matches!(p[2], b'x' | b'-')
            && matches!(p[3], b's' | b'p')
            && p[4] == b' '
            && self.at + 5 <= self.end;
        self.at += 5;
        ok.then_some(())
    }

    /// Decimal digits, ended by a space or the end of the line.
    fn decimal(&mut self) -> Option<u64> {
        let first = self.at;
        let mut v = 0u64;
        while self.at < self.end && self.text[self.at].is_ascii_digit() {
            v = v
                .checked_mul(10)?
                .checked_add(u64::from(self.text[self.at] - b'0'))?;
            self.at += 1;
        }
        let ended = self.at == self.end || self.text[self.at] == b' ';
        (self.at > first && ended).then_some(v)
    }
}

/// Reads /proc/PID/maps into a buffer kept across reads and folds it into the numbers the
/// reports need. One per sampling loop: after the first sample neither the text nor the fold
/// allocates again unless the process grew.
#[derive(Debug, Default)]
pub struct MapsReader {
    text: Vec<u8>,
    fold: IndexFold,
}

impl MapsReader {
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads and folds the file. The kernel's seq_file hands out at most a page per read()
    /// whatever the buffer's size; what the big reused buffer saves is growing and copying.
    pub fn read(&mut self, path: &Path) -> Result<(), ReadError> {
        self.text.clear();
        File::open(path)
            .and_then(|mut f| f.read_to_end(&mut self.text))
            .map_err(ReadError::Io)?;
        self.fold.fold(&self.text).map_err(ReadError::Parse)
    }

    /// Folds text that is already in memory (a copy of a maps file, a fixture).
    pub fn parse(&mut self, text: &[u8]) -> Result<(), String> {
        self.text.clear();
        self.text.extend_from_slice(text);
        self.fold.fold(&self.text)
    }

    /// The text of the last read.
    pub fn text(&self) -> &[u8] {
        &self.text
    }

    /// Lines of the last read: the number the kernel compares with vm.max_map_count.
    pub fn map_areas(&self) -> u64 {
        self.fold.map_areas()
    }

    pub fn index_totals(&mut self) -> IndexMappings {
        self.fold.totals(&self.text)
    }

    pub fn index_summary(&mut self, top_n: usize) -> IndexSummary {
        self.fold.summary(&self.text, top_n)
    }
}

#[derive(Debug)]
pub enum ReadError {
    Io(io::Error),
    Parse(String),
}

#[cfg(test)]
mod tests {
    use super::find_newline;

    #[test]
    fn newline_search_agrees_with_a_byte_scan_at_every_offset() {
        for len in 0..40 {
            for nl in 0..=len {
                let mut s = vec![b'\n' ^ 0x80; len];
                if nl < len {
                    s[nl] = b'\n';
                    // A byte after the newline that a borrow could make look like one.
                    if nl + 1 < len {
                        s[nl + 1] = b'\n' + 1;
                    }
                }
                let want = s.iter().position(|b| *b == b'\n');
                assert_eq!(find_newline(&s), want, "len {len}, newline at {nl}");
            }
        }
    }
}
