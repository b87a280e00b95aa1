//! Precedence between sources, the real system, the HotSpot rule and the report formatter.

use std::path::{Path, PathBuf};

use kafka_preflight::limits::{
    format_count, format_kib, hotspot_nofile_limit, resolve, LimitInputs, Limits, Rlimit,
    KERNEL_DEFAULT_MAX_MAP_COUNT,
};

const INCIDENT_BYTES: u64 = 6899920 * 1024;

fn own(resource: libc::__rlimit_resource_t) -> (Option<u64>, Option<u64>) {
    let mut r = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    assert_eq!(unsafe { libc::getrlimit(resource, &mut r) }, 0);
    let conv = |v: libc::rlim_t| (v != libc::RLIM_INFINITY).then_some(v);
    (conv(r.rlim_cur), conv(r.rlim_max))
}

/// A host where every source has a different opinion, so the winner is unambiguous.
struct Host {
    dir: tempfile::TempDir,
}

impl Host {
    fn new() -> Self {
        let h = Host {
            dir: tempfile::tempdir().unwrap(),
        };
        h.write(
            "proc/77/limits",
            "Limit                     Soft Limit           Hard Limit           Units     \n\
             Max open files            20000                30000                files     \n\
             Max address space         2147483648           4294967296           bytes     \n",
        );
        h.write(
            "etc/systemd/system/kafka.service",
            "[Service]\nLimitNOFILE=40000:50000\nLimitAS=3G\n",
        );
        h.write("etc/passwd", "kafka:x:990:985::/home/kafka:/bin/bash\n");
        h.write("etc/group", "kafka:x:985:\n");
        h.write(
            "etc/security/limits.conf",
            "kafka - nofile 60000\nkafka - as 5000000\n",
        );
        h.write("proc/sys/vm/max_map_count", "262144\n");
        h
    }
    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }
    fn write(&self, rel: &str, text: &str) {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    fn all_sources(&self) -> LimitInputs {
        LimitInputs {
            ulimit_v: Some("6899920".into()),
            ulimit_n: Some("10000".into()),
            max_map_count: Some(65530),
            pid: Some(77),
            systemd_unit: Some("kafka".into()),
            user: Some("kafka".into()),
            proc_root: self.path("proc"),
            etc_root: self.path("etc"),
            systemd_dirs: vec![self.path("etc/systemd/system")],
        }
    }
}

fn pair(r: &Rlimit) -> (Option<u64>, Option<u64>) {
    (r.soft, r.hard)
}

#[test]
fn precedence_flag_then_unit_then_limits_conf_then_shell_and_the_running_broker_beside() {
    let h = Host::new();
    let mut inputs = h.all_sources();

    let l = resolve(&inputs).unwrap();
    assert_eq!(
        pair(&l.virtual_memory),
        (Some(INCIDENT_BYTES), Some(INCIDENT_BYTES))
    );
    assert_eq!(pair(&l.open_files), (Some(10000), Some(10000)));
    assert!(l.virtual_memory.source.starts_with("--ulimit-v 6899920"));
    assert_eq!(l.max_map_count.value, 65530);
    assert!(l.max_map_count.source.starts_with("--max-map-count"));
    // The running broker's limits are shown beside the next start's, never instead of them.
    assert!(
        l.notes.iter().any(|n| n.contains("virtual memory")
            && n.contains("the running broker (pid 77) has soft 2097152 KiB")),
        "{:#?}",
        l.notes
    );

    inputs.ulimit_v = None;
    inputs.ulimit_n = None;
    inputs.max_map_count = None;
    let l = resolve(&inputs).unwrap();
    // The unit starts the next broker: its limits win over what pid 77 runs with now.
    assert_eq!(pair(&l.virtual_memory), (Some(3 << 30), Some(3 << 30)));
    assert_eq!(pair(&l.open_files), (Some(40000), Some(50000)));
    let running = l.running_broker.as_ref().unwrap();
    assert_eq!(
        pair(&running.virtual_memory),
        (Some(2 << 30), Some(4 << 30))
    );
    assert_eq!(pair(&running.open_files), (Some(20000), Some(30000)));
    assert!(running.open_files.source.contains("running process 77"));
    assert_eq!(l.max_map_count.value, 262144);
    assert!(l.max_map_count.source.ends_with("sys/vm/max_map_count"));

    inputs.pid = None;
    let l = resolve(&inputs).unwrap();
    assert!(l.running_broker.is_none());
    assert_eq!(pair(&l.virtual_memory), (Some(3 << 30), Some(3 << 30)));
    assert_eq!(pair(&l.open_files), (Some(40000), Some(50000)));
    assert!(l
        .open_files
        .source
        .starts_with("LimitNOFILE=40000:50000 at "));

    inputs.systemd_unit = None;
    let l = resolve(&inputs).unwrap();
    assert_eq!(
        pair(&l.virtual_memory),
        (Some(5000000 * 1024), Some(5000000 * 1024))
    );
    assert_eq!(pair(&l.open_files), (Some(60000), Some(60000)));
    assert!(l.open_files.source.contains("limits.conf:1"));

    inputs.user = None;
    let l = resolve(&inputs).unwrap();
    assert_eq!(pair(&l.virtual_memory), own(libc::RLIMIT_AS));
    assert_eq!(pair(&l.open_files), own(libc::RLIMIT_NOFILE));
    assert_eq!(
        l.open_files.source,
        "this shell (inherited by a broker started from it)"
    );
}

#[test]
fn precedence_is_per_limit() {
    // Only --ulimit-v given: the address space comes from the flag, open files from the unit.
    let h = Host::new();
    let l = resolve(&LimitInputs {
        ulimit_n: None,
        pid: None,
        ..h.all_sources()
    })
    .unwrap();
    assert!(l.virtual_memory.source.starts_with("--ulimit-v"));
    assert_eq!(pair(&l.open_files), (Some(40000), Some(50000)));
}

#[test]
fn limits_conf_silent_on_a_limit_falls_through_to_the_shell() {
    let h = Host::new();
    h.write("etc/security/limits.conf", "kafka - nofile 60000\n");
    let l = resolve(&LimitInputs {
        user: Some("kafka".into()),
        ..LimitInputs {
            proc_root: h.path("proc"),
            etc_root: h.path("etc"),
            ..LimitInputs::default()
        }
    })
    .unwrap();
    assert_eq!(l.open_files.soft, Some(60000));
    assert_eq!(pair(&l.virtual_memory), own(libc::RLIMIT_AS));
    assert!(l.virtual_memory.source.starts_with("this shell"));
}

#[test]
fn the_incident_shell_limit_reads_back_as_ulimit_prints_it() {
    let h = Host::new();
    let l = resolve(&LimitInputs {
        ulimit_v: Some("6899920".into()),
        ..LimitInputs {
            proc_root: h.path("proc"),
            etc_root: h.path("etc"),
            ..LimitInputs::default()
        }
    })
    .unwrap();
    assert_eq!(format_kib(l.virtual_memory.soft), "6899920 KiB");
}

#[test]
fn real_proc_self_matches_getrlimit() {
    // Straight from the running kernel: /proc/<our pid>/limits must agree with getrlimit(2).
    let l = resolve(&LimitInputs {
        pid: Some(std::process::id() as i32),
        ..LimitInputs::default()
    })
    .unwrap();
    let running = l.running_broker.as_ref().unwrap();
    assert_eq!(pair(&running.virtual_memory), own(libc::RLIMIT_AS));
    assert_eq!(pair(&running.open_files), own(libc::RLIMIT_NOFILE));
    assert!(running.open_files.source.starts_with("/proc/"));

    let want: u64 = std::fs::read_to_string("/proc/sys/vm/max_map_count")
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert_eq!(l.max_map_count.value, want);
}

#[test]
fn unreadable_max_map_count_assumes_the_kernel_default_and_says_so() {
    let l = resolve(&LimitInputs {
        proc_root: Path::new("/nonexistent-proc").to_path_buf(),
        ..LimitInputs::default()
    })
    .unwrap();
    assert_eq!(l.max_map_count.value, KERNEL_DEFAULT_MAX_MAP_COUNT);
    assert!(l.max_map_count.source.contains("assumed"));
    assert!(
        l.notes.iter().any(|n| n.contains("vm.max_map_count")),
        "{:#?}",
        l.notes
    );
}

#[test]
fn hotspot_uses_the_hard_limit_unless_max_fd_limit_is_off() {
    let r = Rlimit {
        soft: Some(1024),
        hard: Some(524288),
        source: "test".into(),
    };
    assert_eq!(hotspot_nofile_limit(&r, "").0, Some(524288));
    assert_eq!(
        hotspot_nofile_limit(&r, "-Xmx6g -XX:+MaxFDLimit").0,
        Some(524288)
    );
    assert_eq!(
        hotspot_nofile_limit(&r, "-Xmx6g -XX:-MaxFDLimit").0,
        Some(1024)
    );
    // The last occurrence wins, as for any -XX flag.
    assert_eq!(
        hotspot_nofile_limit(&r, "-XX:-MaxFDLimit -XX:+MaxFDLimit").0,
        Some(524288)
    );
    assert_eq!(
        hotspot_nofile_limit(&r, "-XX:+MaxFDLimit -XX:-MaxFDLimit").0,
        Some(1024)
    );
    assert!(hotspot_nofile_limit(&r, "").1.starts_with("hard"));
    // An unlimited hard NOFILE cannot be set on Linux, so the raise fails and soft stays.
    let unlimited_hard = Rlimit {
        hard: None,
        ..r.clone()
    };
    assert_eq!(hotspot_nofile_limit(&unlimited_hard, "").0, Some(1024));
}

#[test]
fn hotspot_reads_jvm_opts_from_the_unit() {
    let h = Host::new();
    h.write(
        "etc/systemd/system/kafka.service",
        "[Service]\nLimitNOFILE=4096:65536\nEnvironment=\"KAFKA_OPTS=-XX:-MaxFDLimit\"\n",
    );
    let l: Limits = resolve(&LimitInputs {
        systemd_unit: Some("kafka".into()),
        proc_root: h.path("proc"),
        etc_root: h.path("etc"),
        systemd_dirs: vec![h.path("etc/systemd/system")],
        ..LimitInputs::default()
    })
    .unwrap();
    let opts = l.jvm_opts_from_unit.unwrap_or_default();
    assert_eq!(hotspot_nofile_limit(&l.open_files, &opts).0, Some(4096));
}

#[test]
fn format_kib_like_ulimit() {
    assert_eq!(format_kib(Some(INCIDENT_BYTES)), "6899920 KiB");
    assert_eq!(format_kib(Some(INCIDENT_BYTES + 1023)), "6899920 KiB");
    assert_eq!(format_kib(None), "unlimited");
    assert_eq!(format_count(Some(1024)), "1024");
    assert_eq!(format_count(None), "unlimited");
}
