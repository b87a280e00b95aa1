//! Reads a KRaft metadata log and prints the image as JSON, then times repeated reads.
//! Run by hand: `cargo run --release --example kraft_read_metadata -- DIR [ITERATIONS]`
//! (DIR = `__cluster_metadata-0` or the log dir holding it).

use std::path::PathBuf;
use std::time::Instant;

use kafka_preflight::topics::kraft::read_metadata_log;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next().map(PathBuf::from) else {
        eprintln!("usage: kraft_read_metadata DIR [ITERATIONS]");
        std::process::exit(2);
    };
    let iterations: u32 = args.next().and_then(|s| s.parse().ok()).unwrap_or(200);
    let image = read_metadata_log(&dir);
    println!(
        "{}",
        serde_json::to_string_pretty(&image).expect("serializable")
    );
    // Warm the page cache first, so the number is the parse + replay cost, not the disk's.
    let start = Instant::now();
    for _ in 0..iterations {
        std::hint::black_box(read_metadata_log(&dir));
    }
    let per = start.elapsed() / iterations;
    eprintln!(
        "{iterations} reads, {per:?} per read ({} records each)",
        image.records_read
    );
}
