//! Writes a synthetic broker log dir of about N files (sparse, via src/synth.rs) for
//! scripts/bench-scan.sh: `gen_tree DIR FILES [SEGMENTS]`. Each partition holds SEGMENTS
//! segments (default 15) of .log/.index/.timeindex plus one producer snapshot; the partition
//! count is the smallest that reaches FILES. Prints the number of files written.

use std::path::PathBuf;

use kafka_preflight::synth::{write_log_dir, PartitionSpec};
use rayon::prelude::*;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: gen_tree DIR FILES [SEGMENTS]");
        std::process::exit(2);
    }
    let dir = PathBuf::from(&args[1]);
    let files: u64 = args[2].parse().expect("FILES: a number");
    let segments: u64 = args
        .get(3)
        .map_or(15, |s| s.parse().expect("SEGMENTS: a number"));
    let per_partition = segments * 3 + 1;
    let partitions = files.div_ceil(per_partition);
    // 100 partitions per topic, like a broker with many topics.
    let specs: Vec<PartitionSpec> = (0..partitions)
        .map(|i| PartitionSpec::new(&format!("topic-{}", i / 100), (i % 100) as i32, segments))
        .collect();
    std::fs::create_dir_all(&dir).expect("create DIR");
    // write_log_dir rewrites the dir's checkpoint on each call: write the partitions in parallel
    // chunks, then once more the checkpoint of all of them (an empty partition list would lose it).
    specs
        .par_chunks(256)
        .for_each(|chunk| write_log_dir(&dir, chunk, false).expect("write partitions"));
    let mut text = format!("0\n{}\n", specs.len());
    for s in &specs {
        let rp = PartitionSpec::base(s.recovery_point_segment.expect("synth sets one")) + 10;
        text.push_str(&format!("{} {} {rp}\n", s.topic, s.partition));
    }
    std::fs::write(dir.join("recovery-point-offset-checkpoint"), text).expect("checkpoint");
    println!("{}", partitions * per_partition);
}
