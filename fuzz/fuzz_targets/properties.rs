//! server.properties reader + Kafka's validators: any bytes give a config or an error, never a panic.
#![no_main]
use kafka_preflight::config::{properties, BrokerConfig};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = std::path::Path::new("fuzz.properties");
    if let Ok(settings) = properties::parse(data, path) {
        let _ = BrokerConfig::from_settings(Some(path.into()), settings);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = kafka_preflight::config::jvm::JvmOptions::parse(text, "fuzz");
    }
});
