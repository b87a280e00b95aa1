//! Directory and segment file name classification (Kafka's parseTopicPartitionName rules).
#![no_main]
use kafka_preflight::scan::names::{classify_dir, classify_file, DirName};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|name: &str| {
    if let DirName::Log { topic, .. } = classify_dir(name) {
        // Invariant: a parsed topic is a prefix of the name and is never empty.
        assert!(!topic.is_empty() && name.starts_with(&topic));
    }
    let _ = classify_file(name);
});
