//! The broker's address space and map areas without its index mappings: the JVM's reservations.
//! Terms calibrated on JDK 17 with Kafka's default flags (see README "Model"): -Xmx1g on 2 cores
//! measured 3.50 GiB VmSize with 19 threads and 3.60 GiB with 120; a real 4.0.0 broker, ~3.6 GiB.

use serde::Serialize;

use crate::config::jvm::JvmOptions;

const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;

/// How the baseline was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BaselineSource {
    /// Modelled from the JVM options and the host.
    Estimated,
    /// --baseline-vm / --baseline-maps, or measured on a running broker (--pid).
    Measured,
}

#[derive(Debug, Clone, Serialize)]
pub struct Term {
    pub name: &'static str,
    pub bytes: u64,
    pub note: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Baseline {
    pub vm_bytes: u64,
    pub vm_source: BaselineSource,
    pub map_areas: u64,
    pub maps_source: BaselineSource,
    pub open_files: u64,
    pub terms: Vec<Term>,
}

#[derive(Debug, Clone, Default)]
pub struct BaselineInput {
    pub jvm: JvmOptions,
    /// Where the heap size came from, for the report.
    pub heap_source: Option<String>,
    pub cores: u64,
    /// Threads the broker runs at start (default: 100 + recovery threads).
    pub threads: Option<u64>,
    pub malloc_arena_max: Option<u64>,
    pub vm_override: Option<u64>,
    pub maps_override: Option<u64>,
    pub fds_override: Option<u64>,
}

/// Kafka's bin/kafka-server-start.sh sets -Xmx1G -Xms1G when KAFKA_HEAP_OPTS is unset.
pub const KAFKA_DEFAULT_HEAP: u64 = GIB;
/// JDK image (lib/modules ~123 MiB), CDS archive (~13 MiB), shared libraries (~25 MiB).
const JDK_FILES: u64 = 160 * MIB;
/// Non-class metaspace reservation for a Kafka-sized class set.
const METASPACE: u64 = 64 * MIB;
/// Map areas of a JVM with no threads of its own: libraries, heap, code cache, metaspace.
const BASE_MAPS: u64 = 190;
/// Java process fds before any log: jars on the class path, log4j files, sockets, epoll.
pub const DEFAULT_BASELINE_FDS: u64 = 200;
const DEFAULT_STACK: u64 = MIB;

pub fn estimate(input: &BaselineInput, recovery_threads_total: u64) -> Baseline {
    let j = &input.jvm;
    let heap = j.heap_max.unwrap_or(KAFKA_DEFAULT_HEAP);
    let ccs = if j.compressed_class_pointers == Some(false) {
        0
    } else {
        j.compressed_class_space.unwrap_or(GIB)
    };
    let code = j.reserved_code_cache.unwrap_or(240 * MIB);
    let threads = input.threads.unwrap_or(100 + recovery_threads_total);
    let stack = j.thread_stack.unwrap_or(DEFAULT_STACK);
    let arenas = input.malloc_arena_max.unwrap_or(8 * input.cores.max(1));
    // G1 mark bitmaps, block offset and card tables: about 1/32 of the heap.
    let gc = heap / 32;
    let mut terms = vec![
        Term {
            name: "heap",
            bytes: heap,
            note: input
                .heap_source
                .clone()
                .unwrap_or_else(|| "-Xmx1G, kafka-server-start.sh default".into()),
        },
        Term {
            name: "compressed class space",
            bytes: ccs,
            note: "CompressedClassSpaceSize (1 GiB default), reserved at start".into(),
        },
        Term {
            name: "code cache",
            bytes: code,
            note: "ReservedCodeCacheSize (240 MiB default)".into(),
        },
        Term {
            name: "thread stacks",
            bytes: threads * stack,
            note: format!("{threads} threads x {} KiB", stack / 1024),
        },
        Term {
            name: "GC structures",
            bytes: gc,
            note: "about heap/32 (G1 bitmaps, card and offset tables)".into(),
        },
        Term {
            name: "malloc arenas",
            bytes: arenas * 64 * MIB,
            note: match input.malloc_arena_max {
                Some(n) => format!("MALLOC_ARENA_MAX={n} x 64 MiB"),
                None => format!(
                    "8 x {} cores x 64 MiB (glibc default; set MALLOC_ARENA_MAX to shrink)",
                    input.cores
                ),
            },
        },
        Term {
            name: "metaspace",
            bytes: METASPACE,
            note: "non-class metaspace reservation".into(),
        },
        Term {
            name: "JDK files",
            bytes: JDK_FILES,
            note: "lib/modules, CDS archive, shared libraries".into(),
        },
    ];
    if let Some(d) = j.max_direct_memory {
        // Direct buffers are malloc'd on demand; only a cap, so not reserved. Shown for context.
        terms.push(Term {
            name: "direct memory cap",
            bytes: 0,
            note: format!(
                "MaxDirectMemorySize={} MiB is allocated on demand, not reserved",
                d / MIB
            ),
        });
    }
    let modelled_vm: u64 = terms.iter().map(|t| t.bytes).sum();
    let modelled_maps = BASE_MAPS + 2 * threads + 2 * arenas;
    Baseline {
        vm_bytes: input.vm_override.unwrap_or(modelled_vm),
        vm_source: if input.vm_override.is_some() {
            BaselineSource::Measured
        } else {
            BaselineSource::Estimated
        },
        map_areas: input.maps_override.unwrap_or(modelled_maps),
        maps_source: if input.maps_override.is_some() {
            BaselineSource::Measured
        } else {
            BaselineSource::Estimated
        },
        open_files: input.fds_override.unwrap_or(DEFAULT_BASELINE_FDS),
        terms,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kafka_4_default_heap_on_two_cores_is_about_3_6_gib() {
        let input = BaselineInput {
            cores: 2,
            ..Default::default()
        };
        // 4.0 default: 2 recovery threads, one log dir.
        let b = estimate(&input, 2);
        let gib = b.vm_bytes as f64 / GIB as f64;
        assert!((3.5..3.75).contains(&gib), "{gib}");
        // 1 GiB more heap is 1 GiB (+heap/32) more address space.
        let bigger = estimate(
            &BaselineInput {
                jvm: JvmOptions::parse("-Xmx2g", "t").unwrap(),
                ..input.clone()
            },
            2,
        );
        assert_eq!(bigger.vm_bytes - b.vm_bytes, GIB + GIB / 32);
    }

    #[test]
    fn overrides_win_and_arenas_follow_malloc_arena_max() {
        let input = BaselineInput {
            cores: 8,
            malloc_arena_max: Some(2),
            vm_override: Some(5 * GIB),
            ..Default::default()
        };
        let b = estimate(&input, 1);
        assert_eq!(b.vm_bytes, 5 * GIB);
        assert_eq!(b.vm_source, BaselineSource::Measured);
        assert_eq!(
            b.terms
                .iter()
                .find(|t| t.name == "malloc arenas")
                .unwrap()
                .bytes,
            128 * MIB
        );
    }
}
