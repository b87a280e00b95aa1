//! `java.util.Properties.load(InputStream)` as JDK 9-21 implement it, which is how Kafka reads
//! server.properties and meta.properties (`Utils.loadProps`): bytes are ISO-8859-1 characters;
//! logical lines join natural lines ending in an odd number of backslashes; `#`/`!` start a
//! comment only at the start of a logical line; the key ends at the first unescaped `=`, `:` or
//! whitespace; `\uXXXX` gives one UTF-16 unit, so a surrogate pair written by `Properties.store`
//! decodes to one character. Each rule here is checked against the JDK by
//! tests/java_properties_load.rs, which runs the real `Properties.load` on the same bytes.
//!
//! Where JDK 8 differs (a `#` after a continuation that leaves the line empty is a key there),
//! this follows the JDK 9+ that Kafka 4.x requires.

/// One `key=value` pair, with the natural line (1-based) its logical line starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub key: String,
    pub value: String,
    pub line: usize,
}

/// What makes `Properties.load` throw: a `\u` not followed by four hex digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    pub line: usize,
    pub message: String,
}

const fn is_blank(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\x0c')
}

struct LineReader<'a> {
    buf: &'a [u8],
    off: usize,
    /// The natural line `off` is on.
    line: usize,
}

impl LineReader<'_> {
    fn next_byte(&mut self) -> Option<u8> {
        let c = *self.buf.get(self.off)?;
        self.off += 1;
        // "\r\n" counts once: at its '\n'.
        if c == b'\n' || (c == b'\r' && self.buf.get(self.off) != Some(&b'\n')) {
            self.line += 1;
        }
        Some(c)
    }

    /// The next logical line into `out` and the natural line it starts on; None at the end.
    fn read_line(&mut self, out: &mut Vec<u8>) -> Option<usize> {
        out.clear();
        let mut start = self.line;
        let mut skip_blank = true;
        let mut appended_line_begin = false;
        let mut preceding_backslash = false;
        loop {
            let Some(c) = self.next_byte() else {
                if out.is_empty() {
                    return None;
                }
                // A backslash at the very end continues onto nothing: dropped, the line kept.
                if preceding_backslash {
                    out.pop();
                }
                return Some(start);
            };
            if skip_blank {
                if is_blank(c) || (!appended_line_begin && (c == b'\r' || c == b'\n')) {
                    continue;
                }
                skip_blank = false;
                appended_line_begin = false;
            }
            if out.is_empty() && (c == b'#' || c == b'!') {
                while let Some(c) = self.next_byte() {
                    if c == b'\r' || c == b'\n' {
                        break;
                    }
                }
                skip_blank = true;
                continue;
            }
            if c != b'\n' && c != b'\r' {
                if out.is_empty() {
                    // Not a line break, so `line` is still the line of `c`.
                    start = self.line;
                }
                out.push(c);
                preceding_backslash = c == b'\\' && !preceding_backslash;
                continue;
            }
            if out.is_empty() {
                skip_blank = true;
                continue;
            }
            if self.off >= self.buf.len() {
                if preceding_backslash {
                    out.pop();
                }
                return Some(start);
            }
            if !preceding_backslash {
                return Some(start);
            }
            out.pop();
            skip_blank = true;
            appended_line_begin = true;
            preceding_backslash = false;
            if c == b'\r' && self.buf.get(self.off) == Some(&b'\n') {
                self.next_byte();
            }
        }
    }
}

/// Parses the whole input; pairs come in file order (the last of a duplicate key wins, as in
/// the Hashtable Properties is).
pub fn load(bytes: &[u8]) -> Result<Vec<Entry>, Malformed> {
    let mut reader = LineReader {
        buf: bytes,
        off: 0,
        line: 1,
    };
    let mut line = Vec::new();
    let mut entries = Vec::new();
    while let Some(number) = reader.read_line(&mut line) {
        let (key, value) = split(&line);
        let convert = |s: &[u8]| {
            convert(s).map_err(|message| Malformed {
                line: number,
                message,
            })
        };
        entries.push(Entry {
            key: convert(key)?,
            value: convert(value)?,
            line: number,
        });
    }
    Ok(entries)
}

/// Key and value of a logical line, escapes still in.
fn split(line: &[u8]) -> (&[u8], &[u8]) {
    let mut key_len = 0;
    let mut value_start = line.len();
    let mut has_sep = false;
    let mut preceding_backslash = false;
    while key_len < line.len() {
        let c = line[key_len];
        if (c == b'=' || c == b':') && !preceding_backslash {
            value_start = key_len + 1;
            has_sep = true;
            break;
        }
        if is_blank(c) && !preceding_backslash {
            value_start = key_len + 1;
            break;
        }
        preceding_backslash = c == b'\\' && !preceding_backslash;
        key_len += 1;
    }
    while value_start < line.len() {
        let c = line[value_start];
        if !is_blank(c) {
            if !has_sep && (c == b'=' || c == b':') {
                has_sep = true;
            } else {
                break;
            }
        }
        value_start += 1;
    }
    (&line[..key_len], &line[value_start..])
}

/// Escapes resolved into UTF-16 units, then into a String. A lone surrogate (legal in a Java
/// String, not in a Rust one) becomes U+FFFD.
fn convert(s: &[u8]) -> Result<String, String> {
    let mut units: Vec<u16> = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        i += 1;
        if c != b'\\' {
            units.push(u16::from(c));
            continue;
        }
        // The line reader never leaves an unescaped backslash last, so one follows.
        let Some(&e) = s.get(i) else { break };
        i += 1;
        let unit = match e {
            b'u' => {
                let hex = s
                    .get(i..i + 4)
                    .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
                    .ok_or_else(|| "Malformed \\uxxxx encoding.".to_string())?;
                i += 4;
                // Four hex digits always parse into a u16.
                u16::from_str_radix(std::str::from_utf8(hex).unwrap_or("0"), 16).unwrap_or(0)
            }
            b't' => u16::from(b'\t'),
            b'r' => u16::from(b'\r'),
            b'n' => u16::from(b'\n'),
            b'f' => 0x0c,
            other => u16::from(other),
        };
        units.push(unit);
    }
    Ok(String::from_utf16_lossy(&units))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(text: &[u8]) -> Vec<(String, String, usize)> {
        load(text)
            .unwrap()
            .into_iter()
            .map(|e| (e.key, e.value, e.line))
            .collect()
    }

    fn p(k: &str, v: &str, l: usize) -> (String, String, usize) {
        (k.into(), v.into(), l)
    }

    #[test]
    fn a_backslash_at_the_end_of_the_file_keeps_the_last_pair() {
        assert_eq!(
            pairs(b"a=1\nlog.dirs=/data\\"),
            [p("a", "1", 1), p("log.dirs", "/data", 2)]
        );
        assert_eq!(pairs(b"a=1\\\n"), [p("a", "1", 1)]);
    }

    #[test]
    fn surrogate_pairs_decode_to_one_character() {
        assert_eq!(pairs(b"k=\\uD83D\\uDE00"), [p("k", "\u{1F600}", 1)]);
        assert_eq!(pairs(b"k=\\uD83D"), [p("k", "\u{FFFD}", 1)]);
    }

    #[test]
    fn continuation_comments_separators_and_lines() {
        assert_eq!(
            pairs(b"# c\n  ! c2\n\na = x\\\n   y\\\\\nb:2\r\nc 3\rd\n  #e=1\nf=\\\n#g\n"),
            [
                p("a", "xy\\", 4),
                p("b", "2", 6),
                p("c", "3", 7),
                p("d", "", 8),
                p("f", "#g", 10),
            ]
        );
        assert_eq!(pairs(b"k\\=x=v\\:w"), [p("k=x", "v:w", 1)]);
        assert_eq!(pairs(b"k  = = v"), [p("k", "= v", 1)]);
    }

    #[test]
    fn bad_unicode_escape_names_the_line() {
        let e = load(b"a=1\nb=\\u12G4\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(load(b"b=\\u12").is_err());
    }
}
