//! Offset checkpoints, the clean-shutdown marker and meta.properties.
#![no_main]
use kafka_preflight::scan::{checkpoint, marker};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = checkpoint::parse(&String::from_utf8_lossy(data));
    let _ = marker::parse_marker(data);
    let _ = marker::parse_meta(data);
});
