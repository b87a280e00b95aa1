//! Writes synthetic broker log dirs (sparse files, so 10 MiB indexes cost nothing) for tests,
//! benchmarks, examples and `plan` cross-checks. Never used on real broker data.

use std::fs;
use std::io;
use std::path::Path;

/// One partition's layout.
#[derive(Debug, Clone)]
pub struct PartitionSpec {
    pub topic: String,
    pub partition: i32,
    /// Suffix for special dirs: "" (normal), "delete", "future", "stray".
    pub suffix: &'static str,
    pub segments: u64,
    pub segment_bytes: u64,
    /// Size of each closed segment's .index; time index is 1.5x (12-byte vs 8-byte entries).
    pub trimmed_index_bytes: u64,
    /// The active segment's index files: preallocated (crash: 10 MiB) or trimmed (clean close).
    pub active_index_bytes: u64,
    /// Base offset of the segment the checkpoint points into (None: no checkpoint entry).
    pub recovery_point_segment: Option<u64>,
    pub with_time_index: bool,
    pub producer_snapshot: bool,
    pub txn_index_segments: u64,
}

impl PartitionSpec {
    pub fn new(topic: &str, partition: i32, segments: u64) -> Self {
        PartitionSpec {
            topic: topic.into(),
            partition,
            suffix: "",
            segments,
            segment_bytes: 1 << 20,
            trimmed_index_bytes: 2040,
            active_index_bytes: 10 << 20,
            recovery_point_segment: Some(segments.saturating_sub(1)),
            with_time_index: true,
            producer_snapshot: true,
            txn_index_segments: 0,
        }
    }

    /// Base offset of segment i (each segment holds 1000 offsets).
    pub fn base(i: u64) -> u64 {
        i * 1000
    }

    pub fn dir_name(&self) -> String {
        match self.suffix {
            "" => format!("{}-{}", self.topic, self.partition),
            s => format!(
                "{}-{}.0123456789abcdef0123456789abcdef-{s}",
                self.topic, self.partition
            ),
        }
    }
}

fn sparse(path: &Path, len: u64) -> io::Result<()> {
    fs::File::create(path)?.set_len(len)
}

/// Writes one log dir: partitions, the recovery-point checkpoint and optionally the marker.
pub fn write_log_dir(dir: &Path, parts: &[PartitionSpec], clean_marker: bool) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    let mut cp = Vec::new();
    for p in parts {
        let pd = dir.join(p.dir_name());
        fs::create_dir_all(&pd)?;
        for i in 0..p.segments {
            let base = PartitionSpec::base(i);
            let name = |ext: &str| pd.join(format!("{base:020}.{ext}"));
            let active = i + 1 == p.segments;
            sparse(&name("log"), p.segment_bytes)?;
            let (o, t) = if active {
                (p.active_index_bytes / 8 * 8, p.active_index_bytes / 12 * 12)
            } else {
                (p.trimmed_index_bytes, p.trimmed_index_bytes / 8 * 12)
            };
            sparse(&name("index"), o)?;
            if p.with_time_index {
                sparse(&name("timeindex"), t)?;
            }
            if i < p.txn_index_segments {
                sparse(&name("txnindex"), 0)?;
            }
        }
        if p.producer_snapshot && p.segments > 0 {
            sparse(
                &pd.join(format!(
                    "{:020}.snapshot",
                    PartitionSpec::base(p.segments - 1)
                )),
                10,
            )?;
        }
        if let (Some(rp), "") = (p.recovery_point_segment, p.suffix) {
            cp.push(format!(
                "{} {} {}",
                p.topic,
                p.partition,
                PartitionSpec::base(rp) + 10
            ));
        }
    }
    let mut text = format!("0\n{}\n", cp.len());
    for l in cp {
        text.push_str(&l);
        text.push('\n');
    }
    fs::write(dir.join("recovery-point-offset-checkpoint"), text)?;
    if clean_marker {
        fs::write(dir.join(".kafka_cleanshutdown"), b"")?;
    }
    Ok(())
}

/// `topics` topics x `partitions` partitions x `segments` segments, spread over `dirs` log dirs.
pub fn uniform(topics: usize, partitions: i32, segments: u64) -> Vec<PartitionSpec> {
    let mut v = Vec::new();
    for t in 0..topics {
        for p in 0..partitions {
            v.push(PartitionSpec::new(&format!("topic-{t}"), p, segments));
        }
    }
    v
}

/// The layout behind the project: a 2018 broker (Kafka 1.1, eager index mapping, 10 MiB
/// indexes) with 25 topics x 4 partitions x 3 segments (~600 index mappings), killed, with the
/// recovery point in the middle segment, so two segments per partition are recovered.
pub fn incident_layout() -> Vec<PartitionSpec> {
    let mut v = Vec::new();
    for t in 0..25 {
        for p in 0..4 {
            let mut s = PartitionSpec::new(&format!("events.service-{t:02}"), p, 3);
            s.segment_bytes = 256 << 20;
            s.trimmed_index_bytes = 8 * (s.segment_bytes / 4097);
            s.recovery_point_segment = Some(1);
            v.push(s);
        }
    }
    v
}
