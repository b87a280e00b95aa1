//! `--pid` against real processes: a JVM launched like kafka-server-start.sh launches the broker
//! (main class kafka.Kafka from tests/java/kafka/Kafka.java, loaded from a versioned
//! `libs/kafka_2.13-X.jar` through a `libs/*` class path relative to its cwd), and processes that
//! are not brokers. Java missing skips the JVM tests with a message, except under CI=true.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

fn java_present() -> bool {
    common::java::present()
}

/// A Kafka-shaped install: `home/libs/kafka_2.13-VERSION.jar` holding kafka.Kafka.
fn install(version: &str) -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    let classes = home.path().join("classes");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/java/kafka/Kafka.java");
    let out = Command::new("javac")
        .arg("-d")
        .arg(&classes)
        .arg(&src)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "javac: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::create_dir(home.path().join("libs")).unwrap();
    let jar = home.path().join(format!("libs/kafka_2.13-{version}.jar"));
    let out = Command::new("jar")
        .arg("cf")
        .arg(&jar)
        .arg("-C")
        .arg(&classes)
        .arg("kafka/Kafka.class")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "jar: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(home.path().join("libs/slf4j-api-1.7.36.jar"), b"").unwrap();
    home
}

/// Killed when the test ends, passing or failing.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Proc {
    fn pid(&self) -> String {
        self.0.id().to_string()
    }
}

/// `java -Xmx80m ... -cp libs/* kafka.Kafka config/server.properties` in `home`, as
/// kafka-run-class.sh does it (relative class path, so the wildcard is the process's own cwd's).
fn start_broker(home: &Path, env: &[(&str, &str)]) -> Proc {
    start_broker_limited(home, env, None)
}

/// The same JVM, started under `ulimit -v KIB` when given (the shell execs java, so the pid
/// is the JVM's).
fn start_broker_limited(home: &Path, env: &[(&str, &str)], ulimit_v_kib: Option<u64>) -> Proc {
    let mut cmd = match ulimit_v_kib {
        Some(k) => {
            let mut c = Command::new("sh");
            c.arg("-c")
                .arg(format!("ulimit -v {k} && exec java \"$@\""))
                .arg("sh");
            c
        }
        None => Command::new("java"),
    };
    let mut child = cmd
        .current_dir(home)
        .args([
            "-Xmx80m",
            "-XX:+UseSerialGC",
            "-Xint",
            "-XX:MaxDirectMemorySize=32m",
            "-cp",
            "libs/*",
            "kafka.Kafka",
            "config/server.properties",
        ])
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line == "READY" {
                let _ = tx.send(());
            }
        }
    });
    let p = Proc(child);
    rx.recv_timeout(Duration::from_secs(60))
        .expect("kafka.Kafka did not print READY within 60 s");
    p
}

fn log_dir() -> (tempfile::TempDir, PathBuf) {
    let d = tempfile::tempdir().unwrap();
    let logs = d.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    (d, logs)
}

fn check_json(pid: &str, logs: &Path, extra: &[&str]) -> (Value, String) {
    let out = common::preflight()
        .args([
            "check",
            "--pid",
            pid,
            "--format",
            "json",
            "-q",
            "--log-dirs",
        ])
        .arg(logs)
        .args(["--ulimit-v", "unlimited", "--ulimit-n", "100000"])
        .args(extra)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let v = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}); stderr: {stderr}"));
    (v, stderr)
}

#[test]
fn check_pid_reads_the_release_options_and_environment_of_a_kafka_jvm() {
    if !java_present() {
        return;
    }
    let home = install("3.6.1");
    let broker = start_broker(home.path(), &[("MALLOC_ARENA_MAX", "3")]);
    let (_d, logs) = log_dir();
    // The operator's shell says something else about both: the broker's own values must win.
    let out = common::preflight()
        .env("MALLOC_ARENA_MAX", "1")
        .env("KAFKA_HEAP_OPTS", "-Xmx7g")
        .args([
            "check",
            "--pid",
            &broker.pid(),
            "--format",
            "json",
            "-q",
            "--log-dirs",
        ])
        .arg(&logs)
        .args(["--ulimit-v", "unlimited", "--ulimit-n", "100000"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(v["kafka"]["version"], "3.6.1", "{v:#}");
    assert_eq!(v["kafka"]["version_source"], "running-broker");
    // 3.6.1 has no KAFKA-19390 fix; the 4.2 default would.
    assert_eq!(v["kafka"]["unmap_on_resize"], false);
    assert_eq!(
        v["config"]["heap_max_bytes"],
        80 << 20,
        "-Xmx80m of its command line"
    );
    let arenas = arenas_term(&v);
    assert_eq!(
        arenas["bytes"],
        (3 * 64) << 20,
        "MALLOC_ARENA_MAX=3 from /proc/PID/environ: {arenas}"
    );
}

#[test]
fn pid_auto_finds_the_one_broker_and_inspect_names_its_release() {
    if !java_present() {
        return;
    }
    let home = install("3.7.2");
    let broker = start_broker(home.path(), &[]);
    let (_d, logs) = log_dir();
    // Other brokers may run on a shared machine: auto is checked only when ours is the one.
    let listing = Command::new("pgrep").args(["-f", "kafka.Kafka"]).output();
    let others = listing.map_or(0, |o| String::from_utf8_lossy(&o.stdout).lines().count());
    if others == 1 {
        let (v, stderr) = check_json("auto", &logs, &[]);
        assert_eq!(v["kafka"]["version"], "3.7.2", "{stderr}");
    }
    let out = common::preflight()
        .args(["inspect", "--pid", &broker.pid()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("kafka.Kafka") && text.contains("3.7.2"),
        "{text}"
    );
}

#[test]
fn a_process_that_is_not_a_broker_is_refused_by_name() {
    let sleep = Proc(Command::new("sleep").arg("60").spawn().unwrap());
    let (_d, logs) = log_dir();
    for cmd in ["check", "inspect"] {
        let mut c = common::preflight();
        c.args([cmd, "--pid", &sleep.pid()]);
        if cmd == "check" {
            c.arg("--log-dirs").arg(&logs);
        }
        let out = c.output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{cmd}: {err}");
        assert!(
            err.contains("is not a Kafka broker") && err.contains("sleep 60"),
            "{cmd}: {err}"
        );
        assert!(out.stdout.is_empty(), "{cmd}: no partial report");
    }
}

#[test]
fn a_jvm_running_another_main_class_is_refused_by_its_class() {
    if !java_present() {
        return;
    }
    // A JVM with kafka.Kafka on its command line and a Kafka jar on its class path, running
    // another main class (tests/java/FakeIndexes.java): not a broker.
    let home = install("3.6.1");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/java/FakeIndexes.java");
    let classes = home.path().join("classes");
    assert!(Command::new("javac")
        .arg("-d")
        .arg(&classes)
        .arg(&src)
        .status()
        .unwrap()
        .success());
    let mut child = Command::new("java")
        .current_dir(home.path())
        .args([
            "-Xint",
            "-Dmain=kafka.Kafka",
            "-cp",
            "classes:libs/*",
            "FakeIndexes",
        ])
        .arg(format!("dir={}", home.path().display()))
        .arg("partitions=0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut ready = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut ready)
        .unwrap();
    let jvm = Proc(child);
    let out = common::preflight()
        .args(["inspect", "--pid", &jvm.pid()])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("is a JVM running main class FakeIndexes, not kafka.Kafka"),
        "{err}"
    );
}

#[test]
fn pid_values_from_pgrep_with_no_or_several_brokers_get_plain_answers() {
    let (_d, logs) = log_dir();
    let a = Proc(Command::new("sleep").arg("61").spawn().unwrap());
    let b = Proc(Command::new("sleep").arg("62").spawn().unwrap());
    let two = format!("{}\n{}", a.pid(), b.pid());
    let out = common::preflight()
        .args(["check", "--log-dirs"])
        .arg(&logs)
        .args(["--pid", &two])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("was given 2 pids"), "{err}");
    assert!(
        err.contains(&a.pid()) && err.contains("sleep 62"),
        "lists them: {err}"
    );
    assert!(!err.contains("invalid digit"), "{err}");

    let out = common::preflight()
        .args(["inspect", "--pid", "x1"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("not a process id") && err.contains("auto"),
        "{err}"
    );
}

#[test]
fn the_unit_that_starts_the_next_broker_decides_limits_and_environment_not_the_running_one() {
    if !java_present() {
        return;
    }
    let home = install("3.9.1");
    // The running broker was started under ulimit -v 8000000 KiB with MALLOC_ARENA_MAX=3; the
    // unit has since been fixed (LimitAS=infinity) and sets MALLOC_ARENA_MAX=2; this shell says 1.
    let broker = start_broker_limited(home.path(), &[("MALLOC_ARENA_MAX", "3")], Some(8_000_000));
    let unit = home.path().join("kafka.service");
    std::fs::write(
        &unit,
        "[Service]\nExecStart=/opt/kafka/bin/kafka-server-start.sh\nLimitAS=infinity\nLimitNOFILE=100000\nEnvironment=\"MALLOC_ARENA_MAX=2\"\n",
    )
    .unwrap();
    let (_d, logs) = log_dir();
    let out = common::preflight()
        .env("MALLOC_ARENA_MAX", "1")
        .args([
            "check",
            "--pid",
            &broker.pid(),
            "--format",
            "json",
            "-q",
            "--log-dirs",
        ])
        .arg(&logs)
        .arg("--systemd-unit")
        .arg(&unit)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    let vm = &v["limits"]["virtual_memory_bytes"];
    assert!(
        vm["soft"].is_null(),
        "the unit's LimitAS=infinity decides: {vm}"
    );
    assert!(
        vm["source"].as_str().unwrap().contains("LimitAS=infinity"),
        "{vm}"
    );
    let notes = v["limits"]["notes"].to_string();
    assert!(
        notes.contains(&format!(
            "the running broker (pid {}) has soft 8000000 KiB",
            broker.pid()
        )),
        "shown beside: {notes}"
    );
    let arenas = arenas_term(&v);
    assert_eq!(
        arenas["bytes"],
        (2 * 64) << 20,
        "the unit's MALLOC_ARENA_MAX=2: {arenas}"
    );
}

#[test]
fn inspect_names_the_unit_from_the_cgroup() {
    // A /proc-shaped tree: a broker JVM in confluent-server.service's cgroup.
    let host = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/proc/host");
    let root = tempfile::tempdir().unwrap();
    let pid = root.path().join("4242");
    std::fs::create_dir_all(pid.join("fd")).unwrap();
    std::fs::create_dir_all(root.path().join("sys/vm")).unwrap();
    for f in [
        "4242/cmdline",
        "4242/status",
        "4242/maps",
        "4242/limits",
        "meminfo",
        "sys/vm/max_map_count",
    ] {
        std::fs::copy(host.join(f), root.path().join(f)).unwrap();
    }
    std::fs::write(
        pid.join("cgroup"),
        "0::/system.slice/confluent-server.service\n",
    )
    .unwrap();
    let out = common::preflight()
        .args(["inspect", "--pid", "4242", "--proc-root"])
        .arg(root.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("systemd unit confluent-server.service"),
        "{text}"
    );
}

/// The estimate's malloc-arena term.
fn arenas_term(v: &Value) -> Value {
    v["estimate"]["baseline"]["terms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "malloc arenas")
        .cloned()
        .unwrap()
}
