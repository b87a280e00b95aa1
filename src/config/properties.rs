//! server.properties read the way Kafka reads it ([`super::java_properties`]), keeping the line
//! each key came from so errors and warnings can point at it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::ConfigError;

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A line of a properties file.
    File { path: PathBuf, line: usize },
    /// `--set key=value` on the command line.
    Flag,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::File { path, line } => write!(f, "{}:{}", path.display(), line),
            Origin::Flag => f.write_str("--set"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    pub value: String,
    pub origin: Origin,
}

/// Key -> last value, as `java.util.Properties` keeps the last of duplicate keys.
pub type Settings = BTreeMap<String, Setting>;

pub fn read_file(path: &Path) -> Result<Settings, ConfigError> {
    let meta = std::fs::metadata(path).map_err(|e| ConfigError::Io {
        path: path.to_path_buf(),
        source: e,
    })?;
    if meta.is_dir() {
        return Err(ConfigError::NotAFile {
            path: path.to_path_buf(),
        });
    }
    let bytes = crate::fsread::read_bounded(path, crate::fsread::limits::CONFIG).map_err(|e| {
        ConfigError::Io {
            path: path.to_path_buf(),
            source: e,
        }
    })?;
    parse(&bytes, path)
}

pub fn parse(bytes: &[u8], path: &Path) -> Result<Settings, ConfigError> {
    if bytes.contains(&0) {
        return Err(ConfigError::Syntax {
            path: path.to_path_buf(),
            line: None,
            message: "contains NUL bytes: this is not a text properties file".into(),
        });
    }
    let entries = super::java_properties::load(bytes).map_err(|e| ConfigError::Syntax {
        path: path.to_path_buf(),
        line: Some(e.line),
        message: format!(
            "{} (Kafka's Properties.load throws: the broker does not start)",
            e.message
        ),
    })?;
    let mut out = Settings::new();
    for e in entries {
        out.insert(
            e.key,
            Setting {
                value: e.value,
                origin: Origin::File {
                    path: path.to_path_buf(),
                    line: e.line,
                },
            },
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Settings {
        parse(text.as_bytes(), Path::new("s.properties")).unwrap()
    }

    #[test]
    fn separators_comments_continuations_and_escapes() {
        let s = p("# comment\n! other comment\na=1\nb: 2\nc 3\nd = x\\\n   y\ne=\\u0041\\t\nlog.dirs=/a,\\\n  /b\n");
        assert_eq!(s["a"].value, "1");
        assert_eq!(s["b"].value, "2");
        assert_eq!(s["c"].value, "3");
        assert_eq!(s["d"].value, "xy");
        assert_eq!(s["e"].value, "A\t");
        assert_eq!(s["log.dirs"].value, "/a,/b");
        assert_eq!(
            s["b"].origin,
            Origin::File {
                path: "s.properties".into(),
                line: 4
            }
        );
    }

    #[test]
    fn bytes_that_crashed_a_former_decoder() {
        // Found by fuzz/fuzz_targets/properties.rs against the java-properties crate.
        for input in [&b"\xff"[..], b"a=\xff", b"\xff\xfe\xfd", b"k=v\n\xc3"] {
            let _ = parse(input, Path::new("x"));
        }
        assert_eq!(
            parse(b"k=\xff", Path::new("x")).unwrap()["k"].value,
            "\u{ff}"
        );
    }

    #[test]
    fn last_duplicate_wins_like_java_properties() {
        let s = p("a=1\na=2\n");
        assert_eq!(s["a"].value, "2");
    }

    #[test]
    fn bytes_are_latin1_like_kafka() {
        // Kafka's Properties.load(InputStream) decodes ISO-8859-1; UTF-8 'ü' becomes two chars.
        let s = parse("k=\u{fc}".as_bytes(), Path::new("x")).unwrap();
        assert_eq!(s["k"].value.chars().count(), 2);
    }

    #[test]
    fn bad_unicode_escape_is_an_error_with_a_line() {
        let e = parse(b"a=1\nb=\\u12G4\n", Path::new("x")).unwrap_err();
        match e {
            ConfigError::Syntax { line, .. } => assert_eq!(line, Some(2)),
            other => panic!("unexpected {other:?}"),
        }
    }
}
