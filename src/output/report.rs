//! The `check` result ([`Report`]): built once from the pipeline's stages, rendered by
//! [`crate::output::check`] in every format.

use serde::Serialize;

use crate::config::BrokerConfig;
use crate::kafka_version::{Rules, VersionSource};
use crate::limits::Limits;
use crate::model::Estimate;
use crate::problem::Problem;
use crate::scan::{CheckpointState, Inventory, Scenario};
use crate::verdict::{Check, Recommendation, Status, Verdict};

/// 2: `checks[].needed` (the best case, even where the rule failed on the worst) became
/// `required` (the number the check compares), with `rule`, `case`, `needed_best`, `needed_worst`.
pub const SCHEMA_VERSION: u32 = 2;

#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct KafkaSection {
    pub version: String,
    pub version_source: VersionSource,
    /// When the version was assumed from evidence: the range it allows and why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assumed: Option<AssumedVersion>,
    pub lazy_index: bool,
    pub unmap_on_resize: bool,
    pub recovery_threads_default: u32,
    pub explicit_gc_disabled: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct AssumedVersion {
    /// `3.7.0 to 3.9.x`, `2.8.0 or later`.
    pub range: String,
    pub because: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConfigSection {
    pub path: Option<String>,
    pub log_dirs: Vec<String>,
    pub mode: crate::config::Mode,
    pub metadata_log_dir: Option<String>,
    pub log_segment_bytes: u64,
    pub log_index_size_max_bytes: u64,
    pub log_index_interval_bytes: u64,
    pub num_recovery_threads_per_data_dir: u32,
    pub log_retention_bytes: Option<u64>,
    pub log_retention_ms: Option<u64>,
    pub heap_max_bytes: Option<u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DirSummary {
    pub path: String,
    pub role: crate::scan::LogDirRole,
    pub readable: bool,
    pub clean_shutdown: bool,
    pub clean_shutdown_marker: Option<crate::scan::marker::CleanShutdown>,
    pub recovery_checkpoint: CheckpointState,
    pub partitions: u64,
    pub pending_delete_dirs: u64,
    pub segments: u64,
    pub unflushed_segments: u64,
    pub log_bytes: u64,
    pub unflushed_log_bytes: u64,
    pub broker_id: Option<i32>,
    pub cluster_id: Option<String>,
    pub problems: Vec<Problem>,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct InventorySection {
    pub log_dirs: Vec<DirSummary>,
    pub partitions: u64,
    pub pending_delete_dirs: u64,
    pub future_dirs: u64,
    pub stray_dirs: u64,
    pub metadata_log_segments: u64,
    pub segments: u64,
    pub offset_index_files: u64,
    pub time_index_files: u64,
    pub txn_index_files: u64,
    pub producer_snapshots: u64,
    pub temp_files: u64,
    pub unflushed_segments: u64,
    pub log_bytes: u64,
    pub unflushed_log_bytes: u64,
    pub incomplete: bool,
}

/// Who was checked, so reports from many hosts can be merged.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct BrokerIdentity {
    pub host: Option<String>,
    /// node.id / broker.id from server.properties, else meta.properties.
    pub broker_id: Option<i32>,
    pub cluster_id: Option<String>,
    pub kafka_version: String,
    /// RFC 3339, UTC, milliseconds: two checks of one broker within a second (a retry, a
    /// loop over hosts) must still order, or the merge cannot tell the newer one.
    pub checked_at: String,
}

fn hostname() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: Tool,
    pub broker: BrokerIdentity,
    pub kafka: KafkaSection,
    pub scenario: Scenario,
    pub config: ConfigSection,
    pub inventory: InventorySection,
    pub topics: Vec<TopicRow>,
    /// Where per-topic settings came from (metadata log, --topic-config, server.properties).
    pub topics_source: Option<String>,
    #[serde(skip)]
    pub show_topics: bool,
    #[serde(skip)]
    pub notes: Vec<String>,
    pub estimate: Estimate,
    /// The whole process after loading and at the two peaks, derived once from `estimate`.
    pub next_start: NextStart,
    pub limits: LimitsSection,
    /// Worst check status: pass | warn | fail.
    pub verdict: Status,
    pub checks: Vec<Check>,
    pub recommendations: Vec<Recommendation>,
    pub problems: Vec<Problem>,
}

/// One quantity after loading and at the best- and worst-case peak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Phases {
    pub after_loading: u64,
    pub best: u64,
    pub worst: u64,
}

/// What the next start adds up to, as every output shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct NextStart {
    pub index_maps: Phases,
    pub index_mmap_bytes: Phases,
    /// JVM baseline + index mappings.
    pub map_areas: Phases,
    pub virtual_memory_bytes: Phases,
    /// Transient descriptors (a segment being recovered) are open only at the peak.
    pub open_files: Phases,
}

impl NextStart {
    pub fn of(e: &Estimate) -> NextStart {
        NextStart {
            index_maps: Phases {
                after_loading: e.index_maps.live,
                best: e.index_maps.best,
                worst: e.index_maps.worst,
            },
            index_mmap_bytes: Phases {
                after_loading: e.index_mmap_bytes.live,
                best: e.index_mmap_bytes.best,
                worst: e.index_mmap_bytes.worst,
            },
            map_areas: Phases {
                after_loading: e.map_areas.baseline + e.index_maps.live,
                best: e.map_areas.best,
                worst: e.map_areas.worst,
            },
            virtual_memory_bytes: Phases {
                after_loading: e.virtual_memory_bytes.baseline + e.index_mmap_bytes.live,
                best: e.virtual_memory_bytes.best,
                worst: e.virtual_memory_bytes.worst,
            },
            open_files: Phases {
                after_loading: e.open_files.peak - e.open_files.transient,
                best: e.open_files.peak,
                worst: e.open_files.peak,
            },
        }
    }
}

/// The one limits shape: a report section is the resolved limit itself.
pub use crate::limits::{MapCount as MapCountSection, Rlimit as RlimitSection};

#[derive(Debug, Clone, Serialize)]
pub struct LimitsSection {
    pub virtual_memory_bytes: RlimitSection,
    pub max_map_count: MapCountSection,
    pub open_files: RlimitSection,
    /// The NOFILE limit the JVM runs with (hard under MaxFDLimit) and why.
    pub open_files_effective: Option<u64>,
    pub open_files_rule: String,
    pub notes: Vec<String>,
}

impl LimitsSection {
    pub fn new(l: &Limits, nofile: (Option<u64>, &str)) -> Self {
        LimitsSection {
            virtual_memory_bytes: l.virtual_memory.clone(),
            max_map_count: l.max_map_count.clone(),
            open_files: l.open_files.clone(),
            open_files_effective: nofile.0,
            open_files_rule: nofile.1.to_string(),
            notes: l.notes.clone(),
        }
    }
}

fn lossy(p: &std::path::Path) -> String {
    p.to_string_lossy().into_owned()
}

pub fn inventory_section(inv: &Inventory, scenario: Scenario) -> InventorySection {
    use crate::scan::names::DirKind;
    let page = inv.page_size;
    let mut s = InventorySection {
        incomplete: inv.incomplete,
        ..Default::default()
    };
    for d in &inv.log_dirs {
        let mut ds = DirSummary {
            path: lossy(&d.path),
            role: d.role,
            readable: d.readable,
            clean_shutdown: d.clean_shutdown.is_some(),
            clean_shutdown_marker: d.clean_shutdown.clone(),
            recovery_checkpoint: d.recovery_checkpoint,
            partitions: 0,
            pending_delete_dirs: 0,
            segments: 0,
            unflushed_segments: 0,
            log_bytes: 0,
            unflushed_log_bytes: 0,
            broker_id: d.meta.as_ref().and_then(|m| m.node_id.or(m.broker_id)),
            cluster_id: d.meta.as_ref().and_then(|m| m.cluster_id.clone()),
            problems: d.problems.clone(),
        };
        for p in &d.partitions {
            let recovered = scenario.recovers_log(d, p);
            // A grouped entry (plan) stands for `k` identical logs.
            let k = p.copies;
            let (un, ub) = if recovered {
                let (n, b) = p.unflushed_segments();
                (n.saturating_mul(k), b.saturating_mul(k))
            } else {
                (0, 0)
            };
            match p.kind {
                // The metadata log is recovered (counted as unflushed) but is not a partition.
                DirKind::Metadata => {
                    s.metadata_log_segments += p.segments();
                    ds.unflushed_segments += un;
                    ds.unflushed_log_bytes += ub;
                    continue;
                }
                DirKind::Delete => {
                    ds.pending_delete_dirs += k;
                    s.pending_delete_dirs += k;
                    continue;
                }
                DirKind::Future => s.future_dirs += k,
                DirKind::Stray => s.stray_dirs += k,
                DirKind::Partition => {}
            }
            let all = p.all(page).times(k);
            ds.partitions += k;
            ds.segments += all.segments;
            ds.unflushed_segments += un;
            ds.log_bytes += all.log_bytes;
            ds.unflushed_log_bytes += ub;
            s.offset_index_files += all.offset_index_files;
            s.time_index_files += all.time_index_files;
            s.txn_index_files += all.txn_index_files;
            s.producer_snapshots += u64::from(p.producer_snapshots) * k;
            s.temp_files += u64::from(p.temp_files) * k;
        }
        s.partitions += ds.partitions;
        s.segments += ds.segments;
        s.unflushed_segments += ds.unflushed_segments;
        s.log_bytes += ds.log_bytes;
        s.unflushed_log_bytes += ds.unflushed_log_bytes;
        s.log_dirs.push(ds);
    }
    s
}

pub struct ReportInput<'a> {
    pub config: &'a BrokerConfig,
    pub rules: &'a Rules,
    pub version_source: VersionSource,
    /// The evidence range when the version was assumed from it.
    pub assumed: Option<&'a crate::version_evidence::Range>,
    pub explicit_gc_disabled: bool,
    pub heap_max_bytes: Option<u64>,
    pub scenario: Scenario,
    pub inventory: &'a Inventory,
    pub estimate: Estimate,
    pub limits: LimitsSection,
    pub verdict: Verdict,
    pub topics: TopicsInput<'a>,
    /// The problems the verdict saw: scan, model, topic settings and assumptions.
    pub problems: Vec<Problem>,
}

pub struct TopicsInput<'a> {
    pub catalog: &'a crate::topics::TopicCatalog,
    /// Human notes on index sizes inferred from the disk.
    pub inferred: Vec<String>,
    pub show: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct TopicSources {
    pub segment_bytes: crate::topics::Source,
    pub segment_index_bytes: crate::topics::Source,
    pub cleanup_policy: crate::topics::Source,
}

#[derive(Debug, Clone, Serialize)]
pub struct TopicRow {
    pub name: String,
    /// Partition dirs of the topic on this broker.
    pub partitions: u64,
    pub segments: u64,
    pub log_bytes: u64,
    pub segment_bytes: u64,
    pub segment_index_bytes: u64,
    pub cleanup_policy: String,
    pub source: TopicSources,
    /// Index mappings after loading and at the worst-case peak.
    pub index_maps_live: u64,
    pub index_bytes_live: u64,
    pub index_maps_worst: u64,
    pub index_bytes_worst: u64,
}

pub fn build(input: ReportInput) -> Report {
    let c = input.config;
    // Every problem of the pipeline (scan, model, topic settings), errors first.
    let mut problems = input.problems;
    problems.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.path.cmp(&b.path))
    });
    let mut topics = Vec::new();
    let (t, e) = (&input.topics, &input.estimate);
    let topics_source = Some(t.catalog.origin.clone());
    let show_topics = t.show;
    let notes: Vec<String> = t.inferred.iter().map(|n| format!("inferred {n}")).collect();
    {
        // Topics on disk, and topics the catalog knows that have no partition here.
        let none = crate::model::TopicEstimate::default();
        let names: std::collections::BTreeSet<&String> =
            e.topics.keys().chain(t.catalog.topics.keys()).collect();
        for name in names {
            let te = e.topics.get(name).unwrap_or(&none);
            let s = t.catalog.for_topic(name);
            topics.push(TopicRow {
                name: name.clone(),
                partitions: te.partitions,
                segments: te.segments,
                log_bytes: te.log_bytes,
                segment_bytes: s.segment_bytes.value,
                segment_index_bytes: s.segment_index_bytes.value,
                cleanup_policy: s.cleanup_policy.value.clone(),
                source: TopicSources {
                    segment_bytes: s.segment_bytes.source,
                    segment_index_bytes: s.segment_index_bytes.source,
                    cleanup_policy: s.cleanup_policy.source,
                },
                index_maps_live: te.live.maps,
                index_bytes_live: te.live.bytes,
                index_maps_worst: te.live.maps + te.garbage.maps,
                index_bytes_worst: te.live.bytes + te.garbage.bytes,
            });
        }
    }
    let meta = input
        .inventory
        .log_dirs
        .iter()
        .filter_map(|d| d.meta.as_ref());
    let (mut meta_id, mut cluster_id) = (None, None);
    for m in meta {
        meta_id = meta_id.or(m.node_id.or(m.broker_id));
        cluster_id = cluster_id.or(m.cluster_id.clone());
    }
    Report {
        schema_version: SCHEMA_VERSION,
        broker: BrokerIdentity {
            host: hostname(),
            broker_id: c.node_id.or(meta_id),
            cluster_id,
            kafka_version: input.rules.label(),
            checked_at: humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string(),
        },
        topics,
        topics_source,
        show_topics,
        notes,
        tool: Tool {
            name: "kafka-preflight",
            version: env!("CARGO_PKG_VERSION"),
        },
        kafka: KafkaSection {
            version: input.rules.label(),
            version_source: input.version_source,
            assumed: input.assumed.map(|r| AssumedVersion {
                range: r.describe(),
                because: r.reasons.clone(),
            }),
            lazy_index: input.rules.lazy_index,
            unmap_on_resize: input.rules.unmap_on_resize,
            recovery_threads_default: input.rules.default_recovery_threads,
            explicit_gc_disabled: input.explicit_gc_disabled,
        },
        scenario: input.scenario,
        config: ConfigSection {
            path: c.path.as_deref().map(lossy),
            log_dirs: c.log_dirs.iter().map(|p| lossy(p)).collect(),
            mode: c.mode,
            metadata_log_dir: c.metadata_log_dir.as_deref().map(lossy),
            log_segment_bytes: c.log_segment_bytes,
            log_index_size_max_bytes: c.log_index_size_max_bytes,
            log_index_interval_bytes: c.log_index_interval_bytes,
            num_recovery_threads_per_data_dir: c
                .num_recovery_threads_per_data_dir
                .unwrap_or(input.rules.default_recovery_threads),
            log_retention_bytes: c.log_retention_bytes,
            log_retention_ms: c.log_retention_ms,
            heap_max_bytes: input.heap_max_bytes,
        },
        inventory: inventory_section(input.inventory, input.scenario),
        next_start: NextStart::of(&input.estimate),
        estimate: input.estimate,
        limits: input.limits,
        verdict: input.verdict.status,
        checks: input.verdict.checks,
        recommendations: input.verdict.recommendations,
        problems,
    }
}
