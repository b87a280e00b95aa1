//! Live measurements of a running broker from /proc: what `inspect` and `watch` show, and what
//! `check --pid` can calibrate against.
//!
//! A broker that dies in log loading with `Map failed` has run out of address space
//! (RLIMIT_AS) or map areas (vm.max_map_count) while mapping and resizing index files; the
//! numbers here are the ones that decide that: VmSize, map areas, index mappings, and limits.
//!
//! For calibrating a prediction against a running broker:
//!
//! ```no_run
//! let m = kafka_preflight::live::measure(1234)?;
//! // What the JVM uses besides index mappings, and the limits the next start inherits.
//! let (vm, maps) = (m.baseline.virtual_memory_bytes, m.baseline.map_areas);
//! let (rlimit_as, max_map_count) = (m.limits.virtual_memory_bytes.soft, m.limits.max_map_count.value);
//! # let _ = (vm, maps, rlimit_as, max_map_count, m.open_files);
//! # Ok::<(), kafka_preflight::live::LiveError>(())
//! ```

pub mod broker_process;
pub mod chart;
pub mod discover;
pub mod error;
pub mod fmt;
pub mod index;
pub mod java_cmdline;
pub mod logtail;
pub mod maps;
pub mod measure;
pub mod parse;
pub mod proc;
pub mod session;
pub mod watch;

pub use broker_process::{identify, BrokerProcess};
pub use discover::{find_brokers, parse_pid_arg, resolve_pid, Candidate, PidArg};
pub use error::LiveError;
pub use index::{IndexMappings, IndexSummary};
pub use maps::MapsReader;
pub use measure::{measure, measure_with, sample, Baseline, Limits, Measurement, Sample, Sampler};
pub use proc::ProcFs;
