//! JVM options (KAFKA_HEAP_OPTS, KAFKA_JVM_PERFORMANCE_OPTS, KAFKA_OPTS, --jvm-opts): the flags
//! that change the broker's address space or the outcome of a failed map.

use super::ConfigError;

/// Later occurrences win, as on the java command line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JvmOptions {
    pub heap_max: Option<u64>,
    pub thread_stack: Option<u64>,
    pub compressed_class_space: Option<u64>,
    pub compressed_class_pointers: Option<bool>,
    pub reserved_code_cache: Option<u64>,
    pub max_metaspace: Option<u64>,
    pub max_direct_memory: Option<u64>,
    pub disable_explicit_gc: Option<bool>,
    pub max_fd_limit: Option<bool>,
    pub always_pre_touch: Option<bool>,
    /// `-XX:+Use<Name>GC`.
    pub gc: Option<String>,
    pub raw: Vec<String>,
}

/// A HotSpot size: digits with an optional k/m/g/t suffix (binary units).
pub fn parse_jvm_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let (num, mult) = match s.char_indices().last()? {
        (i, 'k' | 'K') => (&s[..i], 1u64 << 10),
        (i, 'm' | 'M') => (&s[..i], 1 << 20),
        (i, 'g' | 'G') => (&s[..i], 1 << 30),
        (i, 't' | 'T') => (&s[..i], 1 << 40),
        _ => (s, 1),
    };
    num.parse::<u64>().ok()?.checked_mul(mult)
}

impl JvmOptions {
    /// Parses whitespace-separated options (simple shell quoting is removed). `what` names the
    /// source for errors, e.g. "KAFKA_HEAP_OPTS".
    pub fn parse(text: &str, what: &str) -> Result<Self, ConfigError> {
        let mut o = JvmOptions::default();
        o.extend(text, what)?;
        Ok(o)
    }

    pub fn extend(&mut self, text: &str, what: &str) -> Result<(), ConfigError> {
        for tok in text.split_whitespace() {
            let tok = tok.trim_matches(|c| c == '"' || c == '\'');
            if tok.is_empty() {
                continue;
            }
            self.raw.push(tok.to_string());
            let size = |v: &str| {
                parse_jvm_size(v).ok_or_else(|| ConfigError::BadJvmOption {
                    origin: what.to_string(),
                    option: crate::fsread::excerpt(tok, 80),
                    expected: "expected a JVM size such as 6g, 512m or 1073741824".into(),
                })
            };
            if let Some(v) = tok.strip_prefix("-Xmx") {
                self.heap_max = Some(size(v)?);
            } else if let Some(v) = tok.strip_prefix("-XX:MaxHeapSize=") {
                self.heap_max = Some(size(v)?);
            } else if let Some(v) = tok.strip_prefix("-Xss") {
                self.thread_stack = Some(size(v)?);
            } else if let Some(v) = tok.strip_prefix("-XX:ThreadStackSize=") {
                // ThreadStackSize is in KiB.
                self.thread_stack = Some(size(v)?.saturating_mul(1024));
            } else if let Some(v) = tok.strip_prefix("-XX:CompressedClassSpaceSize=") {
                self.compressed_class_space = Some(size(v)?);
            } else if let Some(v) = tok.strip_prefix("-XX:ReservedCodeCacheSize=") {
                self.reserved_code_cache = Some(size(v)?);
            } else if let Some(v) = tok.strip_prefix("-XX:MaxMetaspaceSize=") {
                self.max_metaspace = Some(size(v)?);
            } else if let Some(v) = tok.strip_prefix("-XX:MaxDirectMemorySize=") {
                self.max_direct_memory = Some(size(v)?);
            } else if let Some(flag) = tok
                .strip_prefix("-XX:+")
                .map(|f| (f, true))
                .or_else(|| tok.strip_prefix("-XX:-").map(|f| (f, false)))
            {
                match flag {
                    ("DisableExplicitGC", b) => self.disable_explicit_gc = Some(b),
                    ("MaxFDLimit", b) => self.max_fd_limit = Some(b),
                    ("UseCompressedClassPointers", b) => self.compressed_class_pointers = Some(b),
                    ("AlwaysPreTouch", b) => self.always_pre_touch = Some(b),
                    (name, true) if name.starts_with("Use") && name.ends_with("GC") => {
                        self.gc = Some(name[3..name.len() - 2].to_string())
                    }
                    _ => {}
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_jvm_size("1g"), Some(1 << 30));
        assert_eq!(parse_jvm_size("512M"), Some(512 << 20));
        assert_eq!(parse_jvm_size("1073741824"), Some(1 << 30));
        assert_eq!(parse_jvm_size("1gb"), None);
        assert_eq!(parse_jvm_size(""), None);
    }

    #[test]
    fn flags_last_wins() {
        let o = JvmOptions::parse(
            "-Xms6g -Xmx4g -Xmx6g -XX:+UseG1GC -XX:+DisableExplicitGC -XX:-MaxFDLimit -XX:ThreadStackSize=512 \"-XX:ReservedCodeCacheSize=128m\"",
            "test",
        )
        .unwrap();
        assert_eq!(o.heap_max, Some(6 << 30));
        assert_eq!(o.disable_explicit_gc, Some(true));
        assert_eq!(o.max_fd_limit, Some(false));
        assert_eq!(o.thread_stack, Some(512 << 10));
        assert_eq!(o.reserved_code_cache, Some(128 << 20));
        assert_eq!(o.gc.as_deref(), Some("G1"));
        assert!(JvmOptions::parse("-Xmx6gb", "KAFKA_HEAP_OPTS")
            .unwrap_err()
            .to_string()
            .contains("KAFKA_HEAP_OPTS"));
    }
}
