//! Parsing of /proc files from fixtures shaped like a broker's (tests/fixtures/proc).

use std::path::{Path, PathBuf};

use kafka_preflight::live::discover::{find_brokers, is_broker_cmdline};
use kafka_preflight::live::index::{self, is_index_path};
use kafka_preflight::live::maps::{for_each_line, MapLine};
use kafka_preflight::live::parse::{
    parse_limits, parse_max_map_count, parse_mem_available, parse_status, SoftHard,
};
use kafka_preflight::live::{measure_with, LiveError, ProcFs};

const MIB: u64 = 1 << 20;

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/proc")
        .join(rel)
}

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(fixture(rel)).unwrap()
}

#[test]
fn status_fields_are_converted_from_kb_to_bytes() {
    let s = parse_status(&read("host/4242/status")).unwrap();
    assert_eq!(s.name, "java");
    assert_eq!(s.vm_peak_bytes, Some(6291456 * 1024));
    assert_eq!(s.vm_size_bytes, Some(5242880 * 1024));
    assert_eq!(s.vm_rss_bytes, Some(1048576 * 1024));
    assert_eq!(s.threads, 87);
    assert_eq!(s.real_uid, 1001);
    assert!(!s.is_zombie());
}

#[test]
fn status_without_vm_lines_is_a_process_without_address_space() {
    let text = String::from_utf8(read("host/4242/status")).unwrap();
    let kernel_thread: String = text
        .lines()
        .filter(|l| !l.starts_with("Vm"))
        .map(|l| format!("{l}\n"))
        .collect();
    let s = parse_status(kernel_thread.as_bytes()).unwrap();
    assert_eq!(s.vm_size_bytes, None);
}

#[test]
fn garbage_status_is_an_error_not_a_panic() {
    assert!(parse_status(b"Name: x\nVmSize: lots kB\n").is_err());
    assert!(parse_status(b"").is_err());
}

/// Owned copies of the lines, for assertions.
#[derive(Debug)]
struct Line {
    len: u64,
    dev: u64,
    inode: u64,
    path: String,
    deleted: bool,
}

fn lines(text: &[u8]) -> Result<Vec<Line>, String> {
    let mut v = Vec::new();
    for_each_line(text, |l: &MapLine| {
        assert_eq!(&text[l.path_at..l.path_at + l.path.len()], l.path);
        v.push(Line {
            len: l.len(),
            dev: l.dev,
            inode: l.inode,
            path: String::from_utf8(l.path.to_vec()).unwrap(),
            deleted: l.deleted,
        })
    })?;
    Ok(v)
}

#[test]
fn maps_keep_paths_with_spaces_and_flag_deleted_files() {
    let maps = lines(&read("host/4242/maps")).unwrap();
    assert_eq!(maps.len(), 16);

    let deleted: Vec<_> = maps.iter().filter(|m| m.deleted).collect();
    assert_eq!(deleted.len(), 1);
    assert_eq!(
        deleted[0].path,
        "/var/lib/kafka/data/orders-1/00000000000000001234.index"
    );
    assert_eq!(deleted[0].len, 10 * MIB);
    assert_eq!(
        (deleted[0].dev, deleted[0].inode),
        (0xfd << 32 | 2, 2097160)
    );

    assert!(maps
        .iter()
        .any(|m| m.path == "/var/lib/kafka/data 2/payments-0/00000000000000000000.timeindex"));
    // Anonymous mappings have no path, with or without the kernel's trailing space.
    assert_eq!(maps.iter().filter(|m| m.path.is_empty()).count(), 2);
    assert_eq!(maps.iter().filter(|m| m.path.starts_with('[')).count(), 4);
}

#[test]
fn maps_lines_of_every_shape_parse() {
    let text = b"00400000-00452000 r-xp 00000000 08:02 173521 /usr/bin/dbus-daemon\n\
        7f0000000000-7f0000001000 ---p 00000000 00:00 0\n\
        7f0000001000-7f0000002000 rw-s 00001000 103:1a 42 /memfd:x (deleted)\n\
        ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]";
    let maps = lines(text).unwrap();
    assert_eq!(maps.len(), 4);
    assert_eq!(maps[0].path, "/usr/bin/dbus-daemon");
    assert_eq!(maps[1].path, "");
    assert_eq!(
        (maps[2].dev, maps[2].path.as_str()),
        (0x103 << 32 | 0x1a, "/memfd:x")
    );
    assert!(maps[2].deleted);
    assert_eq!(maps[3].len, 4096);
}

#[test]
fn malformed_maps_are_an_error_naming_the_line() {
    let good = "55d4c0a00000-55d4c0a01000 r--p 00000000 fd:01 1048600 /x\n";
    for (bad, what) in [
        ("not a maps line", "start address"),
        ("zzzz-1000 rw-p 00000000 00:00 0 ", "start address"),
        ("1000-2000 rw-p 00000000 00:00", "major:minor"),
        ("1000-2000 rw-p 00000000 00:00 ", "inode"),
        ("1000-2000 rwxq 00000000 00:00 0", "permissions"),
        ("1000-2000 rw-p 0000000g 00:00 0", "file offset"),
        ("1000-2000 rw-p 00000000 0000 0", "major:minor"),
        ("1000-2000 rw-p 00000000 00:00 12x /p", "inode"),
        (
            "10000000000000000-2000 rw-p 00000000 00:00 0",
            "start address",
        ),
        (
            "1000-2000 rw-p 00000000 00:00 99999999999999999999 /p",
            "inode",
        ),
    ] {
        let text = format!("{good}{bad}\n{good}");
        let e = lines(text.as_bytes()).unwrap_err();
        assert!(e.starts_with("line 2: expected"), "{bad:?}: {e}");
        assert!(e.contains(what), "{bad:?}: {e}");
    }
}

#[test]
fn only_index_and_timeindex_files_are_indexes() {
    assert!(is_index_path(Path::new(
        "/d/t-0/00000000000000000000.index"
    )));
    assert!(is_index_path(Path::new(
        "/d/t-0/00000000000000000000.timeindex"
    )));
    assert!(!is_index_path(Path::new(
        "/d/t-0/00000000000000000000.index.cleaned"
    )));
    assert!(!is_index_path(Path::new("/d/t-0/00000000000000000000.log")));
    assert!(!is_index_path(Path::new(
        "/d/t-0/00000000000000000000.txnindex"
    )));
}

#[test]
fn index_summary_counts_stale_and_deleted_mappings_by_log_dir() {
    let maps = read("host/4242/maps");
    let s = index::summarize(&maps, 10).unwrap();
    let t = s.totals;
    assert_eq!(t.count, 6);
    assert_eq!(t.bytes, 40 * MIB + 4096 + 8192);
    assert_eq!(t.files, 5);
    assert_eq!(t.files_mapped_more_than_once, 1);
    assert_eq!(t.deleted, 1);
    assert_eq!(index::totals(&maps).unwrap(), t);

    assert_eq!(s.by_log_dir.len(), 2);
    let data = &s.by_log_dir[0];
    assert_eq!(data.log_dir, Path::new("/var/lib/kafka/data"));
    assert_eq!(data.partitions, 2);
    assert_eq!((data.mappings.count, data.mappings.bytes), (4, 40 * MIB));
    let data2 = &s.by_log_dir[1];
    assert_eq!(data2.log_dir, Path::new("/var/lib/kafka/data 2"));
    assert_eq!((data2.partitions, data2.mappings.files), (1, 2));

    let names: Vec<_> = s
        .top_partitions
        .iter()
        .map(|p| p.partition.as_str())
        .collect();
    assert_eq!(names, ["orders-0", "orders-1", "payments-0"]);
    assert_eq!(s.top_partitions[0].mappings.files_mapped_more_than_once, 1);
    assert_eq!(s.top_partitions[1].mappings.deleted, 1);
    assert_eq!(index::summarize(&maps, 1).unwrap().top_partitions.len(), 1);
    assert!(index::summarize(&maps, 0)
        .unwrap()
        .top_partitions
        .is_empty());
}

#[test]
fn unlimited_limits_are_none() {
    let l = parse_limits(&read("host/4242/limits")).unwrap();
    assert_eq!(
        l.address_space,
        SoftHard {
            soft: None,
            hard: None
        }
    );
    assert_eq!(
        l.open_files,
        SoftHard {
            soft: Some(100000),
            hard: Some(100000)
        }
    );
}

#[test]
fn capped_limits_are_bytes_and_counts() {
    let l = parse_limits(&read("limits-capped")).unwrap();
    assert_eq!(l.address_space.soft, Some(8 << 30));
    assert_eq!(l.address_space.hard, None);
    assert_eq!(
        l.open_files,
        SoftHard {
            soft: Some(1024),
            hard: Some(4096)
        }
    );
}

#[test]
fn truncated_limits_are_an_error_not_a_panic() {
    assert!(parse_limits(b"").is_err());
    assert!(parse_limits(b"Limit Soft\n\nMax\n").is_err());
    let text = String::from_utf8(read("host/4242/limits")).unwrap();
    let no_as: String = text
        .lines()
        .filter(|l| !l.starts_with("Max address space"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(parse_limits(no_as.as_bytes()).is_err());
}

#[test]
fn meminfo_and_max_map_count() {
    assert_eq!(
        parse_mem_available(&read("host/meminfo")).unwrap(),
        Some(16384000 * 1024)
    );
    assert_eq!(
        parse_max_map_count(&read("host/sys/vm/max_map_count")).unwrap(),
        262144
    );
    assert!(parse_max_map_count(b"lots\n").is_err());
}

#[test]
fn measurement_from_a_fixture_tree() {
    let m = measure_with(&ProcFs::at(fixture("host")), 4242).unwrap();
    assert_eq!(m.vm_size_bytes, 5 << 30);
    assert_eq!(m.map_areas, 16);
    assert_eq!(m.open_files, 5);
    assert_eq!(
        m.baseline.virtual_memory_bytes,
        (5 << 30) - (40 * MIB + 12288)
    );
    assert_eq!(m.baseline.map_areas, 10);
    assert_eq!(m.limits.virtual_memory_bytes.soft, None);
    assert_eq!(m.limits.max_map_count.value, 262144);
    assert_eq!(m.mem_available_bytes, Some(16384000 * 1024));
    assert_eq!(m.headroom.virtual_memory_percent, None);
    let maps_headroom = m.headroom.map_areas_percent.unwrap();
    assert!((maps_headroom - (262144.0 - 16.0) / 262144.0 * 100.0).abs() < 1e-9);

    let j = m.to_json();
    assert_eq!(j["schema_version"], 1);
    assert_eq!(j["index_mappings"]["files_mapped_more_than_once"], 1);
    assert_eq!(
        j["limits"]["virtual_memory_bytes"]["soft"],
        serde_json::Value::Null
    );
    assert!(j["limits"]["open_files"]["source"]
        .as_str()
        .unwrap()
        .starts_with("pid 4242 ("));
}

#[test]
fn missing_pid_is_no_such_process() {
    let e = measure_with(&ProcFs::at(fixture("host")), 999_999).unwrap_err();
    assert!(
        matches!(e, LiveError::NoSuchProcess { pid: 999_999, .. }),
        "{e}"
    );
}

#[test]
fn broker_discovery_wants_a_jvm_running_kafka_kafka() {
    let args = |s: &str| s.split(' ').map(String::from).collect::<Vec<_>>();
    assert!(is_broker_cmdline(&args(
        "java -cp x kafka.Kafka server.properties"
    )));
    assert!(is_broker_cmdline(&args(
        "/opt/jdk/bin/java -Dx=1 kafka.Kafka"
    )));
    assert!(!is_broker_cmdline(&args("grep kafka.Kafka")));
    assert!(!is_broker_cmdline(&args("java -cp x kafka.KafkaLike")));
    assert!(!is_broker_cmdline(&args("java -jar zookeeper.jar")));
    assert!(!is_broker_cmdline(&[]));

    let found = find_brokers(&ProcFs::at(fixture("host"))).unwrap();
    assert_eq!(found.iter().map(|c| c.pid).collect::<Vec<_>>(), [4242]);
    let two = find_brokers(&ProcFs::at(fixture("two-brokers"))).unwrap();
    assert_eq!(two.iter().map(|c| c.pid).collect::<Vec<_>>(), [7001, 7002]);
}
