//! One entry point per parser of outside input, shared by the cargo-fuzz targets (fuzz/) and the
//! stable corpus run in `cargo test` (tests/fuzz_corpus.rs), so both exercise the same code.
//! Each takes arbitrary bytes and must return (any result) without panicking or hanging.

use std::path::Path;

/// A systemd unit file or drop-in: `[Service]` assignments, then the values the unit reader
/// parses (LimitAS=/LimitNOFILE=, Environment=), and the text as an EnvironmentFile=.
pub fn unit_file(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for (key, value, _) in crate::limits::service_assignments(text) {
        match key.as_str() {
            "LimitAS" => drop(crate::limits::parse_systemd_rlimit(&value, true)),
            "LimitNOFILE" => drop(crate::limits::parse_systemd_rlimit(&value, false)),
            _ => drop(crate::limits::parse_environment_words(&value)),
        }
    }
    drop(crate::limits::parse_env_file(text));
}

/// JVM options (KAFKA_HEAP_OPTS, --jvm-opts, a unit's Environment=) and sizes within them.
pub fn jvm_options(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    drop(crate::config::jvm::JvmOptions::parse(&text, "fuzz"));
    let _ = crate::config::jvm::parse_jvm_size(&text);
}

/// `--topic-config FILE`: kafka-configs.sh --describe output or `TOPIC key=value` lines.
pub fn topic_config(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    drop(crate::topics::describe::parse(&text, Path::new("fuzz.txt")));
}

/// A report given to `merge`: the in-memory parse and the streamed file reader must agree.
pub fn merge_report(data: &[u8]) {
    let dir = std::env::temp_dir().join(format!("kp-fuzz-merge-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let f = dir.join(format!("r-{:?}.json", std::thread::current().id()));
    if std::fs::write(&f, data).is_err() {
        return;
    }
    let streamed = crate::fleet::read_report(&f);
    let _ = std::fs::remove_file(&f);
    if let Ok(text) = std::str::from_utf8(data) {
        let whole = crate::fleet::parse(text);
        if let (Ok(a), Ok(b)) = (&whole, &streamed) {
            drop(crate::fleet::row(Path::new("fuzz.json"), a));
            drop(crate::fleet::row(Path::new("fuzz.json"), b));
        }
    }
}

/// Offset checkpoints (streamed from the raw bytes, as the scan reads them), the clean-shutdown
/// marker and meta.properties.
pub fn checkpoint(data: &[u8]) {
    let _ = crate::scan::checkpoint::parse_reader(data, |_, _| true);
    let _ = crate::scan::marker::parse_marker(data);
    let _ = crate::scan::marker::parse_meta(data);
}

/// One entry point: any bytes in, nothing out but the absence of a panic.
pub type Target = fn(&[u8]);

/// Every entry point by name, for the corpus runner and scripts.
pub const TARGETS: [(&str, Target); 5] = [
    ("checkpoint", checkpoint),
    ("unit_file", unit_file),
    ("jvm_options", jvm_options),
    ("topic_config", topic_config),
    ("merge_report", merge_report),
];
