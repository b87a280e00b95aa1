//! A whole metadata log segment from arbitrary bytes: read through the real file reader.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("__cluster_metadata-0");
    std::fs::create_dir(&log).unwrap();
    std::fs::write(log.join("00000000000000000000.log"), data).unwrap();
    let _ = kafka_preflight::topics::kraft::read_metadata_log(&log);
});
