//! Two hosts claiming one broker id in one cluster: whichever registers second is refused
//! (ZooKeeper: the /brokers/ids node exists; KRaft: a duplicate registration), so one of them
//! will not come back from the restart. Or one report is a stale copy from a host the broker
//! moved away from, and the broker on the other host went unchecked. Either way the fleet
//! answer cannot be PASS.

use std::collections::BTreeMap;

use serde::Serialize;

use super::BrokerRow;

#[derive(Debug, Clone, Serialize)]
pub struct DuplicateId {
    pub cluster_id: String,
    pub broker_id: i64,
    /// Sorted, each once.
    pub hosts: Vec<String>,
    pub files: Vec<String>,
}

impl DuplicateId {
    pub fn message(&self) -> String {
        format!(
            "broker id {} of cluster {} is claimed by {} hosts: {} ({})",
            self.broker_id,
            self.cluster_id,
            self.hosts.len(),
            self.hosts.join(", "),
            self.files.join(", ")
        )
    }
}

/// Runs after superseding, so a host appears at most once per (cluster, id) among readable
/// reports; an unreadable report that still names its broker counts too, since it claims it.
/// Reports without a cluster id are left out: their brokers may be in different clusters.
pub fn find(rows: &[BrokerRow]) -> Vec<DuplicateId> {
    let mut claims: BTreeMap<(String, i64), Vec<&BrokerRow>> = BTreeMap::new();
    for r in rows {
        if let (Some(c), Some(id)) = (&r.cluster_id, r.broker_id) {
            claims.entry((c.clone(), id)).or_default().push(r);
        }
    }
    claims
        .into_iter()
        .filter_map(|((cluster_id, broker_id), rs)| {
            let mut hosts: Vec<String> = rs.iter().map(|r| r.host.clone()).collect();
            hosts.sort();
            hosts.dedup();
            (hosts.len() > 1).then(|| {
                let mut files: Vec<String> = rs.iter().map(|r| r.file.clone()).collect();
                files.sort();
                DuplicateId {
                    cluster_id,
                    broker_id,
                    hosts,
                    files,
                }
            })
        })
        .collect()
}
