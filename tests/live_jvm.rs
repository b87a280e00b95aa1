//! inspect and watch against a real JVM that maps files the way Kafka maps its indexes
//! (tests/java/FakeIndexes.java). Skipped, with a message, when javac/java are not on PATH.

#[path = "common/mod.rs"]
mod common;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::OnceLock;
use std::time::Duration;

use serde_json::Value;

/// Small, fixed JVM so its own footprint stays well below the test's limits. Interpreted
/// only: JIT threads malloc at random moments, and under a tight `ulimit -v` one of those,
/// not the next index mapping, could be what fails.
const JVM_FLAGS: [&str; 4] = ["-Xmx64m", "-XX:+UseSerialGC", "-Xshare:auto", "-Xint"];
/// glibc reserves a 64 MiB malloc arena per thread on demand; under a tight `ulimit -v` that
/// would make the JVM's footprint jump at random instead of growing by index mappings only.
const ONE_ARENA: (&str, &str) = ("MALLOC_ARENA_MAX", "1");

/// The directory with FakeIndexes.class, compiled once per test binary; None when Java is
/// missing.
fn classes() -> Option<&'static Path> {
    static CLASSES: OnceLock<Option<PathBuf>> = OnceLock::new();
    CLASSES
        .get_or_init(|| {
            if !common::java::present() {
                return None;
            }
            // Kept for the whole run: tests in this binary share it.
            let dir = tempfile::tempdir().unwrap().keep();
            common::java::javac("FakeIndexes.java", &dir);
            // The broker's main class, so `inspect --pid` takes the JVM for a broker.
            common::java::javac("kafka/Kafka.java", &dir);
            Some(dir)
        })
        .as_deref()
}

macro_rules! require_java {
    () => {
        match classes() {
            Some(c) => c,
            None => {
                eprintln!("skipping: javac/java not on PATH");
                return;
            }
        }
    };
}

/// Kills the JVM when the test ends, passing or failing.
struct Jvm {
    child: Child,
    ready: mpsc::Receiver<()>,
}

impl Jvm {
    fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    fn wait_ready(&self) {
        self.ready
            .recv_timeout(Duration::from_secs(60))
            .expect("the JVM did not print READY within 60 s");
    }
}

impl Drop for Jvm {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn java_args(classes: &Path, args: &[String]) -> Vec<String> {
    let mut v: Vec<String> = JVM_FLAGS.iter().map(|s| s.to_string()).collect();
    // A JVM that dies of a failed malloc writes hs_err_pid*.log into its working directory:
    // keep it out of the work tree.
    v.push(format!(
        "-XX:ErrorFile={}/hs_err_pid%p.log",
        classes.display()
    ));
    v.push("-cp".into());
    v.push(classes.display().to_string());
    v.push("kafka.Kafka".into());
    v.extend(args.iter().cloned());
    v
}

fn start_jvm(classes: &Path, args: &[String]) -> Jvm {
    let mut child = Command::new("java")
        .args(java_args(classes, args))
        .env(ONE_ARENA.0, ONE_ARENA.1)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, ready) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line == "READY" {
                let _ = tx.send(());
            }
        }
    });
    Jvm { child, ready }
}

fn json(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn inspect_json(pid: i32) -> Value {
    let out = common::preflight_process()
        .args(["inspect", "--pid", &pid.to_string(), "--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "inspect failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    json(&out)
}

#[test]
fn inspect_counts_exactly_the_jvms_index_mappings() {
    let classes = require_java!();
    let tmp = tempfile::tempdir().unwrap();
    let size: u64 = 64 * 1024;
    let jvm = start_jvm(
        classes,
        &[
            format!("dir={}", tmp.path().display()),
            "partitions=3".into(),
            format!("size={size}"),
            "remaps=3".into(),
            "delete=true".into(),
        ],
    );
    jvm.wait_ready();
    let j = inspect_json(jvm.pid());

    // 3 partitions x (.index + .timeindex) + one in "logs two" + 3 stale re-mappings of t-0.
    let idx = &j["index_mappings"];
    assert_eq!(idx["count"], 10, "{j:#}");
    assert_eq!(idx["bytes"], 10 * size);
    assert_eq!(idx["files"], 7);
    assert_eq!(idx["files_mapped_more_than_once"], 1);
    assert_eq!(idx["deleted"], 1);

    assert_eq!(j["schema_version"], 1);
    assert_eq!(j["pid"], jvm.pid());
    let map_areas = j["map_areas"].as_u64().unwrap();
    let vm_size = j["vm_size_bytes"].as_u64().unwrap();
    assert_eq!(j["baseline"]["map_areas"].as_u64().unwrap(), map_areas - 10);
    assert_eq!(
        j["baseline"]["virtual_memory_bytes"].as_u64().unwrap(),
        vm_size - 10 * size
    );
    assert!(j["vm_peak_bytes"].as_u64().unwrap() >= vm_size);
    assert!(j["threads"].as_u64().unwrap() > 1);
    assert!(j["open_files"].as_u64().unwrap() >= 3);
    let source = format!("pid {} (/proc/{}/limits)", jvm.pid(), jvm.pid());
    assert_eq!(
        j["limits"]["virtual_memory_bytes"]["source"],
        source.as_str()
    );
    assert_eq!(j["limits"]["open_files"]["source"], source.as_str());
    assert_eq!(
        j["limits"]["max_map_count"]["source"],
        "/proc/sys/vm/max_map_count"
    );
    assert!(j["limits"]["max_map_count"]["value"].as_u64().unwrap() > 0);

    let logs = tmp.path().join("logs");
    let by_dir = j["by_log_dir"].as_array().unwrap();
    assert_eq!(by_dir.len(), 2, "{by_dir:#?}");
    assert_eq!(by_dir[0]["log_dir"], logs.display().to_string().as_str());
    assert_eq!(by_dir[0]["count"], 9);
    assert_eq!(by_dir[0]["partitions"], 3);
    assert_eq!(
        by_dir[1]["log_dir"],
        tmp.path().join("logs two").display().to_string().as_str()
    );
    assert_eq!(j["top_partitions"][0]["partition"], "t-0");
    assert_eq!(j["top_partitions"][0]["count"], 5);

    let out = common::preflight_process()
        .args(["inspect", "--pid", &jvm.pid().to_string()])
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(
        table.contains("Index mappings (.index, .timeindex): 10 map areas, 640.0 KiB, 7 files"),
        "{table}"
    );
}

#[test]
fn watch_pid_records_the_peak_and_writes_csv_and_svg() {
    let classes = require_java!();
    let tmp = tempfile::tempdir().unwrap();
    let (csv, svg) = (tmp.path().join("w.csv"), tmp.path().join("w.svg"));
    // Mapped gradually, then the stale buffers are released: the peak is only visible while
    // watching, not at the end.
    let jvm = start_jvm(
        classes,
        &[
            format!("dir={}", tmp.path().join("d").display()),
            "partitions=5".into(),
            "size=1048576".into(),
            "remaps=4".into(),
            "delayMs=40".into(),
            "releaseAfterMs=800".into(),
        ],
    );
    let out = common::preflight_process()
        .args(["watch", "--pid", &jvm.pid().to_string()])
        .args(["--interval", "50ms", "--duration", "4s", "--settle", "0"])
        .arg("--csv")
        .arg(&csv)
        .arg("--svg")
        .arg(&svg)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let j = json(&out);
    assert_eq!(j["ended"]["reason"], "duration", "{j:#}");
    let expected_maps = 2 * 5 + 1 + 4;
    let peak_count = j["peaks"]["index_mappings_count"].as_u64().unwrap();
    assert!(peak_count >= expected_maps, "{j:#}");
    assert!(j["peaks"]["index_mappings_bytes"].as_u64().unwrap() >= expected_maps << 20);
    assert!(
        j["peaks"]["vm_peak_bytes"].as_u64().unwrap()
            >= j["peaks"]["vm_size_bytes"].as_u64().unwrap()
    );
    assert!(j["samples"].as_u64().unwrap() >= 20);

    let csv = std::fs::read_to_string(&csv).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some(
            "t_ms,vm_size,vm_rss,map_areas,index_maps,index_bytes,fds,threads,\
             vm_peak,sample_us,over_interval"
        )
    );
    let rows: Vec<Vec<u64>> = lines
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    assert_eq!(rows.len() as u64, j["samples"].as_u64().unwrap());
    assert!(
        rows.windows(2).all(|w| w[0][0] < w[1][0]),
        "time goes forward"
    );
    assert_eq!(rows.iter().map(|r| r[4]).max(), Some(peak_count));
    // Each row's VmPeak is the kernel's high-water mark, never below the VmSize sampled with it;
    // each sample's own cost is recorded, and flagged when it exceeded the 50 ms interval.
    assert!(rows.iter().all(|r| r[8] >= r[1]));
    assert!(rows
        .iter()
        .all(|r| r[9] > 0 && (r[10] == 1) == (r[9] > 50_000)));
    let cost = &j["sampling"];
    assert_eq!(cost["interval_us"], 50_000, "{j:#}");
    let max = rows.iter().map(|r| r[9]).max().unwrap();
    assert_eq!(cost["max_us"], max);
    // The sampling thread's CPU time: some, and never more than the wall time of the same samples
    // (one thread cannot use more CPU than time passes).
    let cpu = cost["max_cpu_us"].as_u64().unwrap();
    assert!(cpu > 0 && cpu <= max + 10_000, "{cost:#}");
    assert_eq!(
        cost["over_interval"],
        rows.iter().filter(|r| r[10] == 1).count() as u64
    );
    // The watch started before the JVM mapped anything: the growth is in the series.
    assert!(
        rows[0][4] < expected_maps,
        "first sample already had every mapping"
    );

    let svg = std::fs::read_to_string(&svg).unwrap();
    assert!(svg.contains("<svg"), "{}", &svg[..svg.len().min(300)]);
    for label in [
        "VmSize",
        "index-mapping bytes",
        "map areas",
        "vm.max_map_count",
    ] {
        assert!(svg.contains(label), "no {label:?} in the SVG");
    }
    assert!(
        svg.matches("<polyline").count() >= 4,
        "series are drawn as polylines"
    );
}

#[test]
fn watch_a_start_that_dies_with_map_failed_under_ulimit_v() {
    let classes = require_java!();
    let tmp = tempfile::tempdir().unwrap();
    // The JVM's own footprint differs between machines and JDKs: measure it, then leave
    // room for 20 index mappings of 10 MiB plus 5 MiB for the JVM's own small allocations,
    // so the 21st mapping is what fails.
    let baseline = {
        let jvm = start_jvm(
            classes,
            &[format!("dir={}", tmp.path().join("probe").display())],
        );
        jvm.wait_ready();
        inspect_json(jvm.pid())["vm_size_bytes"].as_u64().unwrap()
    };
    let limit_kib = baseline / 1024 + 205 * 1024;
    let log = tmp.path().join("server.log");
    std::fs::write(
        &log,
        "INFO an earlier start: java.io.IOException: Map failed\n",
    )
    .unwrap();
    let java = java_args(
        classes,
        &[
            format!("dir={}", tmp.path().join("d").display()),
            "size=10485760".into(),
            "delayMs=20".into(),
            "mapUntilFail=true".into(),
            "maxFiles=200".into(),
            "exitAfterMs=0".into(),
            format!("log={}", log.display()),
        ],
    );
    let script = format!("ulimit -v {limit_kib} && exec java \"$@\"");
    let out = common::preflight_process()
        .args(["watch", "--interval", "20ms", "--duration", "60s", "--log"])
        .arg(&log)
        .args(["--", "sh", "-c", &script, "sh"])
        .args(&java)
        .env(ONE_ARENA.0, ONE_ARENA.1)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.starts_with("FAIL: pid ")
            && stdout
                .lines()
                .next()
                .unwrap()
                .contains("the process exited with status 1"),
        "the verdict first: {stdout}"
    );
    assert!(
        stdout.contains("Caused by: java.lang.OutOfMemoryError: Map failed"),
        "the last Map failed line of this start, not the earlier one: {stdout}"
    );
    assert!(
        stdout.contains("] virtual memory: ") && stdout.contains("(ulimit -v),"),
        "{stdout}"
    );
    assert!(!stdout.contains("an earlier start"), "{stdout}");
}

/// `kafka-server-start.sh -daemon` puts java in the background and exits 0: watch must follow
/// the JVM, not report the script's exit, and --stop must stop the JVM.
#[test]
fn watch_follows_a_jvm_that_the_start_script_backgrounds() {
    let classes = require_java!();
    let tmp = tempfile::tempdir().unwrap();
    let java = java_args(
        classes,
        &[format!("dir={}", tmp.path().display()), "remaps=2".into()],
    )
    .iter()
    .map(|a| format!("'{a}'"))
    .collect::<Vec<_>>()
    .join(" ");
    let script = format!("java {java} >/dev/null 2>&1 & exit 0");
    let out = common::preflight_process()
        .args([
            "watch",
            "--interval",
            "50ms",
            "--duration",
            "3s",
            "--settle",
            "0",
        ])
        .args(["--stop", "--format", "json", "--", "sh", "-c", &script])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let j = json(&out);
    assert_eq!(j["ended"]["reason"], "duration", "{j:#}");
    let (pid, started) = (
        j["pid"].as_i64().unwrap(),
        j["started_pid"].as_i64().unwrap(),
    );
    assert_ne!(pid, started, "still watching the script: {j:#}");
    assert!(
        j["peaks"]["index_mappings_count"].as_u64().unwrap() >= 2 * 3 + 1 + 2,
        "{j:#}"
    );
    assert_eq!(j["still_running"], false);
    let gone = (0..100).any(|_| {
        std::thread::sleep(Duration::from_millis(50));
        !Path::new(&format!("/proc/{pid}")).exists()
    });
    if !gone {
        // Do not leave the JVM behind when the assertion below fails.
        // SAFETY: kill has no memory-safety preconditions.
        unsafe { libc::kill(pid as i32, libc::SIGKILL) };
    }
    assert!(gone, "--stop left java pid {pid} running");
}

/// The JVM's maps file, copied once and read by both inspect (through --proc-root) and
/// tests/python/count_maps.py: the same bytes, so every number must match.
#[test]
fn inspect_counts_of_a_jvms_maps_equal_an_independent_count() {
    let classes = require_java!();
    let tmp = tempfile::tempdir().unwrap();
    let jvm = start_jvm(
        classes,
        &[
            format!("dir={}", tmp.path().join("d").display()),
            "partitions=400".into(),
            "size=8192".into(),
            "remaps=5".into(),
            "delete=true".into(),
        ],
    );
    jvm.wait_ready();
    let live = Path::new("/proc").join(jvm.pid().to_string());
    let maps = std::fs::read(live.join("maps")).unwrap();
    let root = tmp.path().join("proc");
    common::proc_tree(&root, jvm.pid(), &maps, &live);
    let Some(independent) =
        common::python_maps_count(&root.join(format!("{}/maps", jvm.pid())), 10)
    else {
        eprintln!("skipping: python3 not on PATH");
        return;
    };
    let j = common::inspect_tree(&root, jvm.pid());
    common::assert_counts_match(&j, &independent);
    assert_eq!(j["index_mappings"]["count"], 2 * 400 + 1 + 5, "{j:#}");
    assert_eq!(j["index_mappings"]["deleted"], 1);
}
