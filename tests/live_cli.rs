//! inspect/watch from the command line: fixtures, bad input, permissions and short-lived
//! commands. None of these need Java.

#[path = "common/mod.rs"]
mod common;
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/proc")
        .join(rel)
}

struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn run(args: &[&str]) -> Output {
    common::preflight_process().args(args).output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn assert_no_panic(o: &Output) {
    assert!(!stderr(o).contains("panicked"), "{}", stderr(o));
}

#[test]
fn inspect_finds_the_only_broker_and_prints_the_json_contract() {
    let root = fixture("host");
    let o = run(&[
        "inspect",
        "--format",
        "json",
        "--proc-root",
        root.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["schema_version"], 1);
    assert_eq!(j["pid"], 4242);
    assert_eq!(j["vm_size_bytes"], 5u64 << 30);
    assert_eq!(j["vm_peak_bytes"], 6u64 << 30);
    assert_eq!(j["vm_rss_bytes"], 1u64 << 30);
    assert_eq!(j["threads"], 87);
    assert_eq!(j["map_areas"], 16);
    assert_eq!(j["open_files"], 5);
    assert_eq!(
        j["index_mappings"],
        serde_json::json!({"count": 6, "bytes": (40u64 << 20) + 12288, "files": 5,
                           "files_mapped_more_than_once": 1, "deleted": 1})
    );
    assert_eq!(
        j["baseline"],
        serde_json::json!({"virtual_memory_bytes": (5u64 << 30) - (40 << 20) - 12288,
                           "map_areas": 10})
    );
    let limits = &j["limits"];
    assert_eq!(limits["virtual_memory_bytes"]["soft"], Value::Null);
    assert_eq!(limits["virtual_memory_bytes"]["hard"], Value::Null);
    assert_eq!(limits["open_files"]["soft"], 100000);
    assert_eq!(limits["max_map_count"]["value"], 262144);
    let src = limits["virtual_memory_bytes"]["source"].as_str().unwrap();
    assert!(
        src.starts_with("pid 4242 (") && src.ends_with("4242/limits)"),
        "{src}"
    );
    // The contract's keys come first, in the documented order.
    let text = stdout(&o);
    let order = [
        "schema_version",
        "\"pid\"",
        "vm_size_bytes",
        "vm_peak_bytes",
        "vm_rss_bytes",
        "threads",
        "map_areas",
        "open_files",
        "index_mappings",
        "baseline",
        "limits",
    ];
    let pos: Vec<usize> = order.iter().map(|k| text.find(k).unwrap()).collect();
    assert!(pos.windows(2).all(|w| w[0] < w[1]), "{text}");
}

#[test]
fn several_brokers_are_listed_and_none_is_guessed() {
    let root = fixture("two-brokers");
    let o = run(&["inspect", "--proc-root", root.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.contains("2 Kafka brokers are running; choose one with --pid"),
        "{e}"
    );
    assert!(e.contains("7001") && e.contains("7002"), "{e}");
    assert!(o.stdout.is_empty());
}

#[test]
fn no_broker_is_a_clear_error() {
    let empty = tempfile::tempdir().unwrap();
    let o = run(&["inspect", "--proc-root", empty.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("no Kafka broker is running here"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_pid_that_does_not_exist_is_a_clear_error() {
    let o = run(&["inspect", "--pid", "2147483647"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("no process with pid 2147483647"),
        "{}",
        stderr(&o)
    );
    assert_no_panic(&o);
}

#[test]
fn corrupt_proc_files_are_an_error_not_a_panic() {
    let tmp = tempfile::tempdir().unwrap();
    let pid_dir = tmp.path().join("77");
    std::fs::create_dir_all(pid_dir.join("fd")).unwrap();
    std::fs::copy(fixture("host/4242/status"), pid_dir.join("status")).unwrap();
    std::fs::copy(fixture("host/4242/cmdline"), pid_dir.join("cmdline")).unwrap();
    std::fs::write(pid_dir.join("maps"), "this is not a maps file\n").unwrap();
    let o = run(&[
        "inspect",
        "--pid",
        "77",
        "--proc-root",
        tmp.path().to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("could not parse"), "{}", stderr(&o));
    assert!(stderr(&o).contains("77/maps"), "{}", stderr(&o));
    assert_no_panic(&o);
}

/// Another user's broker: as root, run the tool as nobody against a root process whose command
/// line is a broker's (`java kafka.Kafka`: a shell named java running a script named
/// kafka.Kafka); otherwise use pid 1 when someone else owns it.
#[test]
fn another_users_process_explains_how_to_run_it() {
    // SAFETY: geteuid cannot fail.
    let me = unsafe { libc::geteuid() };
    let mut cmd = common::preflight_process_any_user();
    let dir = tempfile::tempdir().unwrap();
    let _broker;
    let target = if me == 0 {
        cmd.uid(65534).gid(65534);
        std::fs::copy("/bin/sh", dir.path().join("java")).unwrap();
        std::fs::write(dir.path().join("kafka.Kafka"), "sleep 60; true\n").unwrap();
        // The copy's write fd can still be open in a child another test thread forked in
        // the meantime (until that child execs): ETXTBSY, which passes in a moment.
        let child = (0..50)
            .find_map(|_| {
                match Command::new(dir.path().join("java"))
                    .arg("kafka.Kafka")
                    .current_dir(dir.path())
                    .spawn()
                {
                    Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy => {
                        std::thread::sleep(std::time::Duration::from_millis(20));
                        None
                    }
                    r => Some(r.unwrap()),
                }
            })
            .expect("java copy stayed busy");
        let pid = child.id() as i32;
        _broker = KillOnDrop(child);
        pid
    } else {
        match std::fs::metadata("/proc/1") {
            Ok(m) if m.uid() != me => 1,
            _ => {
                eprintln!("skipping: not root and no process of another user to inspect");
                return;
            }
        }
    };
    let o = cmd
        .args(["inspect", "--pid", &target.to_string()])
        .output()
        .unwrap();
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{e}");
    assert!(
        e.contains(&format!("permission denied reading /proc/{target}/")),
        "{e}"
    );
    assert!(e.contains("run it as root"), "{e}");
    assert!(
        e.contains(&format!("sudo kafka-preflight inspect --pid {target}")),
        "{e}"
    );
    assert!(o.stdout.is_empty());
    assert_no_panic(&o);
}

#[test]
fn watch_needs_exactly_one_target() {
    let o = run(&["watch"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("give either --pid PID or the command"));
    let o = run(&["watch", "--pid", "1", "--", "true"]);
    assert_eq!(o.status.code(), Some(2));
    let o = run(&["watch", "--pid", "1", "--interval", "fast"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("is not a duration"), "{}", stderr(&o));
}

#[test]
fn watch_refuses_an_unwritable_output_before_starting_anything() {
    let tmp = tempfile::tempdir().unwrap();
    let marker = tmp.path().join("started");
    let csv = tmp.path().join("no/such/dir/w.csv");
    let o = common::preflight_process()
        .args(["watch", "--csv"])
        .arg(&csv)
        .args(["--", "touch"])
        .arg(&marker)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("is not a directory"), "{}", stderr(&o));
    assert!(!marker.exists(), "the command must not have been started");
}

#[test]
fn watch_reports_a_started_command_that_dies() {
    let o = run(&[
        "watch",
        "--interval",
        "20ms",
        "--",
        "sh",
        "-c",
        "sleep 0.3; exit 3",
    ]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}{}", stderr(&o));
    assert!(
        out.starts_with("FAIL: pid ") && out.contains("the process exited with status 3 after 0."),
        "{out}"
    );
    assert!(out.contains("give --log FILE"), "{out}");
}

#[test]
fn watch_stops_at_the_log_line_and_stops_the_command() {
    let tmp = tempfile::tempdir().unwrap();
    let log = tmp.path().join("server.log");
    std::fs::write(&log, "[KafkaServer id=1] started (an earlier run)\n").unwrap();
    let script = format!(
        "sleep 0.3; echo 'INFO [KafkaServer id=1] started (kafka.server.KafkaServer)' >> '{}'; exec sleep 30",
        log.display()
    );
    let o = common::preflight_process()
        .args(["watch", "--interval", "20ms", "--duration", "20s"])
        .arg("--log")
        .arg(&log)
        .args([
            "--until-log-line",
            r"\[KafkaServer id=\d+\] started \(kafka",
        ])
        .args(["--stop", "--format", "json", "--", "sh", "-c", &script])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["ended"]["reason"], "log_line", "{j:#}");
    assert!(j["ended"]["line"]
        .as_str()
        .unwrap()
        .ends_with("started (kafka.server.KafkaServer)"));
    assert_eq!(j["started_by_watch"], true);
    assert_eq!(j["still_running"], false);
    assert!(j["watched_ms"].as_u64().unwrap() < 15_000);
    let pid = j["pid"].as_i64().unwrap();
    assert!(
        !Path::new(&format!("/proc/{pid}")).exists(),
        "--stop left pid {pid} running"
    );
}

#[test]
fn watch_ends_when_the_process_settles_and_draws_the_chart() {
    let tmp = tempfile::tempdir().unwrap();
    let svg = tmp.path().join("chart.svg");
    let csv = tmp.path().join("series.csv");
    let o = common::preflight_process()
        .args(["watch", "--interval", "20ms", "--settle", "300ms", "--stop"])
        .arg("--svg")
        .arg(&svg)
        .arg("--csv")
        .arg(&csv)
        .args(["--", "sleep", "30"])
        .output()
        .unwrap();
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(&o));
    assert!(out.contains("log loading is over"), "{out}");
    let svg = std::fs::read_to_string(&svg).unwrap();
    assert!(svg.starts_with("<svg"), "{}", &svg[..svg.len().min(200)]);
    for label in ["VmSize", "index-mapping bytes", "map areas", "RLIMIT_AS"] {
        assert!(svg.contains(label), "no {label:?} in the SVG");
    }
    let rows = std::fs::read_to_string(&csv).unwrap().lines().count();
    // Header plus at least one row per interval of the settle window.
    assert!(rows > 300 / 20, "{rows} rows");
}

#[test]
fn nothing_is_written_without_csv_or_svg() {
    let tmp = tempfile::tempdir().unwrap();
    let o = common::preflight_process()
        .current_dir(tmp.path())
        .args([
            "watch",
            "--interval",
            "20ms",
            "--duration",
            "200ms",
            "--settle",
            "0",
            "--stop",
        ])
        .args(["--", "sleep", "5"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);
}

/// Maps text with every case that decides a count: ties in size across more partitions than the
/// top list holds, a hard link in two log dirs, inode-0 files (told apart by path), a deleted
/// index and its successor at the same path, spaces, and files that are not indexes.
fn tricky_maps() -> String {
    let mut lines = Vec::new();
    let mut at = 0x7f00_0000_0000u64;
    {
        let mut map = |len: u64, dev: &str, inode: u64, path: &str| {
            lines.push(format!(
                "{at:x}-{:x} rw-s 00000000 {dev} {inode:<10}                 {path}",
                at + len
            ));
            at += len + 0x1000;
        };
        map(0x21000, "00:00", 0, "[heap]");
        for p in 0..25 {
            map(
                0x10000,
                "fd:02",
                1000 + 2 * p,
                &format!("/data/a/t-{p}/00000000000000000000.index"),
            );
            map(
                0x10000,
                "fd:02",
                1001 + 2 * p,
                &format!("/data/a/t-{p}/00000000000000000000.timeindex"),
            );
        }
        map(
            0x80000,
            "fd:02",
            2000,
            "/data/a/big-0/00000000000000000000.index",
        );
        map(
            0x80000,
            "fd:02",
            2000,
            "/data/a/big-0/00000000000000000000.index",
        );
        // One inode seen through two log dirs.
        map(
            0x20000,
            "fd:02",
            3000,
            "/data/a/link-0/00000000000000000000.index",
        );
        map(
            0x20000,
            "fd:02",
            3000,
            "/data/b/link-0/00000000000000000000.index",
        );
        // A filesystem without inode numbers: the path tells files apart.
        map(
            0x4000,
            "00:2a",
            0,
            "/data/fuse/f-0/00000000000000000000.index",
        );
        map(
            0x4000,
            "00:2a",
            0,
            "/data/fuse/f-0/00000000000000000000.index",
        );
        map(
            0x4000,
            "00:2a",
            0,
            "/data/fuse/f-0/00000000000000000000.timeindex",
        );
        // Deleted while mapped, and re-created at the same path.
        map(
            0x8000,
            "fd:02",
            4000,
            "/data/a/r-0/00000000000000000100.index (deleted)",
        );
        map(
            0x8000,
            "fd:02",
            4001,
            "/data/a/r-0/00000000000000000100.index",
        );
        map(
            0x3000,
            "fd:03",
            5000,
            "/data/with space/p 0/00000000000000000000.timeindex",
        );
        map(
            0x3000,
            "fd:03",
            5001,
            "/data/a/t-0/00000000000000000000.index.cleaned",
        );
        map(
            0x3000,
            "fd:03",
            5002,
            "/data/a/t-0/00000000000000000000.txnindex",
        );
        map(
            0x3000,
            "fd:03",
            5003,
            "/data/a/t-0/00000000000000000000.log",
        );
    }
    lines.push(format!("{at:x}-{:x} rw-p 00000000 00:00 0 ", at + 0x1000));
    lines.join("\n") + "\n"
}

#[test]
fn inspect_counts_equal_an_independent_count_of_the_same_maps() {
    let tmp = tempfile::tempdir().unwrap();
    let maps = tricky_maps();
    common::proc_tree(tmp.path(), 4242, maps.as_bytes(), &fixture("host/4242"));
    let Some(independent) = common::python_maps_count(&tmp.path().join("4242/maps"), 10) else {
        eprintln!("skipping: python3 not on PATH");
        return;
    };
    let j = common::inspect_tree(tmp.path(), 4242);
    common::assert_counts_match(&j, &independent);
    // And the count is the one intended, so a shared mistake would show too.
    let idx = &j["index_mappings"];
    assert_eq!(idx["count"], 50 + 2 + 2 + 3 + 2 + 1, "{j:#}");
    assert_eq!(idx["files"], 50 + 1 + 1 + 2 + 2 + 1);
    assert_eq!(idx["files_mapped_more_than_once"], 3);
    assert_eq!(idx["deleted"], 1);
    assert_eq!(j["top_partitions"].as_array().unwrap().len(), 10);
    assert_eq!(j["top_partitions"][0]["partition"], "big-0");
    assert_eq!(j["by_log_dir"].as_array().unwrap().len(), 4);
}

/// `watch --pid` of something that is not a broker (here a sleeping shell) says so before it
/// watches, so its peaks are not read as a broker's; it still watches, since a start wrapper
/// that has not exec'd java yet is not a broker either.
#[test]
fn watch_of_a_pid_that_is_not_a_broker_warns_and_still_watches() {
    let child = Command::new("sleep").arg("30").spawn().unwrap();
    let pid = child.id().to_string();
    let _kill = KillOnDrop(child);
    let o = run(&[
        "watch",
        "--pid",
        &pid,
        "--duration",
        "300ms",
        "--interval",
        "50ms",
    ]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains(&format!("warning: pid {pid} is not a Kafka broker"))
            && err.contains("watching it anyway"),
        "{err}"
    );
    assert!(stdout(&o).starts_with("PASS: pid "), "{}", stdout(&o));
}
