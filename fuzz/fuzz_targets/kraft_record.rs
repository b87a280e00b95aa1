//! One metadata record value, and every decompressor, from arbitrary bytes.
#![no_main]
use kafka_preflight::topics::kraft::{batch, records};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = records::decode(data);
    for c in [batch::Compression::Gzip, batch::Compression::Snappy, batch::Compression::Lz4, batch::Compression::Zstd] {
        let _ = batch::decompress(c, data);
    }
});
