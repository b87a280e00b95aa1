//! See kafka_preflight::fuzzing::topic_config (the same function runs over a corpus in cargo test).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| kafka_preflight::fuzzing::topic_config(data));
