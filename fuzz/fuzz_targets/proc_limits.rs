//! /proc/PID/limits text and systemd values.
#![no_main]
use kafka_preflight::limits;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = limits::parse_proc_limits(text, std::path::Path::new("/proc/1/limits"));
    let _ = limits::parse_systemd_rlimit(text, true);
    let _ = limits::parse_environment_words(text);
    let _ = limits::parse_ulimit_v(text);
});
