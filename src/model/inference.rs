//! Index size inferred from the disk when no metadata says it (ZooKeeper mode, no
//! --topic-config): while a broker runs, and after a crash, the active segment's .index is
//! preallocated to its topic's segment.index.bytes (rounded down to 8 bytes).

use std::collections::BTreeMap;

use crate::scan::{names::DirKind, Inventory};
use crate::topics::{infer_index_bytes, Source, TopicCatalog};

/// Topics whose index size the catalog only knows from broker-level values, and whose
/// unclean dirs all show the same preallocated active index, get that size as `inferred`.
pub fn infer_index_sizes(catalog: &mut TopicCatalog, inv: &Inventory) -> Vec<String> {
    let mut seen: BTreeMap<&str, Option<u64>> = BTreeMap::new();
    for (d, p) in inv.partitions() {
        if !p.is_replica() || p.kind == DirKind::Delete || d.clean_shutdown.is_some() {
            continue;
        }
        let Some(len) = p.active.and_then(|a| a.offset_index) else {
            continue;
        };
        // Trimmed actives (a clean close) hold the valid size, not the preallocation.
        let plausible = len % 8 == 0 && len >= 64 * 1024;
        let e = seen.entry(p.topic.as_str()).or_insert(Some(len));
        if !plausible || *e != Some(len) {
            *e = None;
        }
    }
    let mut inferred = Vec::new();
    for (topic, len) in seen {
        let Some(len) = len else { continue };
        let current = catalog.for_topic(topic);
        if !matches!(
            current.segment_index_bytes.source,
            Source::Default | Source::Static
        ) {
            continue;
        }
        if current.segment_index_bytes.value / 8 * 8 == len {
            continue;
        }
        if let Some(v) = infer_index_bytes(len) {
            let mut t = current;
            t.segment_index_bytes = v;
            inferred.push(format!(
                "{topic}: segment.index.bytes {len} (active .index preallocation)"
            ));
            catalog.topics.insert(topic.to_string(), t);
        }
    }
    inferred
}
