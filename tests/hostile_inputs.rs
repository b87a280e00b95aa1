//! Hostile files and flags (issue 15): FIFOs, devices, symlinks, sparse files and absurd numbers
//! must give a clear answer, never a hang, a panic, a destroyed file or unbounded memory.
//!
//! Every run goes through [`bounded`]: the harness kills a child that has not ended after
//! [`HANG`] and fails the test as hung. That is a harness timeout, not a timed assertion. Peak
//! RSS is measured by GNU time around the tool: a child's own ru_maxrss would include this test
//! process's memory at the spawn (Linux records the old image's peak at exec).

use std::fs;
use std::io::Read;
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use kafka_preflight::synth::{self, PartitionSpec};

mod common;

/// Long enough for a debug build on a loaded machine; a hang is forever.
const HANG: Duration = Duration::from_secs(120);

const LIMITS: [&str; 8] = [
    "--ulimit-v",
    "unlimited",
    "--ulimit-n",
    "1000000",
    "--max-map-count",
    "262144",
    "--kafka-version",
    "3.9.1",
];

struct Run {
    code: Option<i32>,
    stdout: Vec<u8>,
    stderr: String,
}

impl Run {
    fn out(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
}

/// The binary under test; PREFLIGHT_BIN runs this suite against another build (a baseline).
fn tool() -> PathBuf {
    std::env::var_os("PREFLIGHT_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| assert_cmd::cargo::cargo_bin("kafka-preflight"))
}

/// tests/common's environment for the binary, on any command.
fn with_test_env(c: &mut Command) {
    for (k, v) in common::preflight_process().get_envs() {
        match v {
            Some(v) => c.env(k, v),
            None => c.env_remove(k),
        };
    }
}

/// The binary under test with tests/common's environment (whatever the binary).
fn bin() -> Command {
    let mut c = Command::new(tool());
    with_test_env(&mut c);
    c
}

fn preflight(args: &[&str]) -> Run {
    let mut c = bin();
    c.args(args);
    bounded(c)
}

/// Runs `c` to its end, or kills it after [`HANG`] and fails the test.
fn bounded(mut c: Command) -> Run {
    let mut child = c
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut so = child.stdout.take().unwrap();
    let mut se = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = so.read_to_end(&mut v);
        v
    });
    let err = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = se.read_to_end(&mut v);
        v
    });
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            if let Some(sig) = std::os::unix::process::ExitStatusExt::signal(&status) {
                panic!(
                    "killed by signal {sig}: {}",
                    String::from_utf8_lossy(&err.join().unwrap())
                );
            }
            return Run {
                code: status.code(),
                stdout: out.join().unwrap(),
                stderr: String::from_utf8_lossy(&err.join().unwrap()).into_owned(),
            };
        }
        if started.elapsed() > HANG {
            let _ = child.kill();
            let _ = child.wait();
            panic!("hung: no exit after {HANG:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `preflight(args)` and the tool's peak RSS in KiB.
fn preflight_rss(args: &[&str]) -> (Run, u64) {
    let f = tempfile::NamedTempFile::new().unwrap();
    let mut c = Command::new("/usr/bin/time");
    with_test_env(&mut c);
    c.args(["-f", "%M", "-o"])
        .arg(f.path())
        .arg(tool())
        .args(args);
    let r = bounded(c);
    let kib = fs::read_to_string(f.path())
        .unwrap()
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .expect("GNU time's %M");
    (r, kib)
}

fn mkfifo(p: &Path) {
    let c = std::ffi::CString::new(p.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "{p:?}");
}

/// A log dir with two healthy partitions; returns its path.
fn healthy(root: &Path, name: &str) -> PathBuf {
    let dir = root.join(name);
    synth::write_log_dir(&dir, &synth::uniform(1, 2, 2), true).unwrap();
    dir
}

/// A real report of a healthy broker, written by `check -o`.
fn good_report(root: &Path) -> PathBuf {
    let logs = healthy(root, "logs");
    let good = root.join("good.json");
    let r = check_json(&[
        "--log-dirs",
        logs.to_str().unwrap(),
        "-o",
        good.to_str().unwrap(),
    ]);
    assert!(r.code.is_some_and(|c| c < 2), "{}", r.stderr);
    good
}

fn check_json(extra: &[&str]) -> Run {
    let mut args = vec!["check", "--format", "json"];
    args.extend(LIMITS);
    args.extend(extra);
    preflight(&args)
}

#[test]
fn a_fifo_named_like_a_log_dir_file_is_listed_not_opened() {
    for name in [
        "meta.properties",
        ".kafka_cleanshutdown",
        "recovery-point-offset-checkpoint",
    ] {
        let t = tempfile::tempdir().unwrap();
        let bad = healthy(t.path(), "bad");
        let good = healthy(t.path(), "good");
        let f = bad.join(name);
        let _ = fs::remove_file(&f);
        mkfifo(&f);
        let dirs = format!("{},{}", bad.display(), good.display());
        let r = check_json(&["--log-dirs", &dirs, "--timeout", "30"]);
        assert!(r.code.is_some_and(|c| c < 2), "{name}: {}", r.stderr);
        let out = r.out();
        assert!(out.contains(&f.display().to_string()), "{name}: {out}");
        assert!(out.contains("FIFO"), "{name}: {out}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        // The healthy dir is reported in full beside the bad one.
        assert_eq!(v["inventory"]["partitions"], 4, "{name}");
    }
}

#[test]
fn fifos_among_the_metadata_log_config_topic_config_and_unit_files_do_not_hang() {
    let t = tempfile::tempdir().unwrap();
    let logs = healthy(t.path(), "logs");
    let meta = logs.join("__cluster_metadata-0");
    fs::create_dir(&meta).unwrap();
    mkfifo(&meta.join("00000000000000000000.log"));
    mkfifo(&meta.join("00000000000000000010-0000000001.checkpoint"));
    let props = t.path().join("server.properties");
    fs::write(
        &props,
        format!(
            "process.roles=broker,controller\nnode.id=1\ncontroller.quorum.voters=1@localhost:9093\nlog.dirs={}\n",
            logs.display()
        ),
    )
    .unwrap();
    let r = check_json(&["-c", props.to_str().unwrap(), "--timeout", "30"]);
    assert!(r.code.is_some_and(|c| c < 2), "{}", r.stderr);
    assert!(r.out().contains("FIFO"), "{}", r.out());

    // A FIFO as the config or the topic config: a clear error naming it (no --timeout needed).
    let fifo = t.path().join("fifo");
    mkfifo(&fifo);
    let r = check_json(&["-c", fifo.to_str().unwrap()]);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(
        r.stderr.contains("fifo") && r.stderr.contains("FIFO"),
        "{}",
        r.stderr
    );
    let r = check_json(&[
        "--log-dirs",
        logs.to_str().unwrap(),
        "--topic-config",
        fifo.to_str().unwrap(),
    ]);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(r.stderr.contains("FIFO"), "{}", r.stderr);

    // A unit whose EnvironmentFile= is a FIFO: noted, not read.
    let unit = t.path().join("kafka.service");
    fs::write(
        &unit,
        format!(
            "[Service]\nEnvironmentFile={}\nLimitNOFILE=100000\n",
            fifo.display()
        ),
    )
    .unwrap();
    let mut args = vec![
        "check",
        "--format",
        "json",
        "--log-dirs",
        logs.to_str().unwrap(),
    ];
    args.extend([
        "--systemd-unit",
        unit.to_str().unwrap(),
        "--max-map-count",
        "262144",
    ]);
    let r = preflight(&args);
    assert!(r.code.is_some_and(|c| c < 2), "{}", r.stderr);
    assert!(r.out().contains("FIFO"), "{}", r.out());
}

#[test]
fn merge_refuses_a_fifo_and_reads_the_good_report() {
    let t = tempfile::tempdir().unwrap();
    let good = good_report(t.path());
    let fifo = t.path().join("fifo.json");
    mkfifo(&fifo);
    let r = preflight(&["merge", good.to_str().unwrap(), fifo.to_str().unwrap()]);
    assert!(r.code.is_some_and(|c| c < 2), "{}", r.stderr);
    assert!(
        r.stderr.contains("fifo.json") && r.stderr.contains("FIFO"),
        "{}",
        r.stderr
    );
}

#[test]
fn absurd_numeric_flags_are_errors_naming_the_flag() {
    let t = tempfile::tempdir().unwrap();
    let logs = healthy(t.path(), "logs");
    let l = logs.to_str().unwrap();
    for (flag, v) in [
        ("--timeout", "1.8e19"),
        ("--timeout", "1e20"),
        ("--timeout", "0"),
        ("--threads", "20000"),
        ("--threads", "0"),
        // Past these, sums wrapped (release) or overflowed (debug), or a recommendation looped.
        ("--baseline-maps", "18446744073709551615"),
        ("--connections", "18446744073709551615"),
        ("--cores", "0"),
        ("--recovery-warn", "NaN"),
    ] {
        let r = check_json(&["--log-dirs", l, flag, v]);
        assert_eq!(r.code, Some(2), "{flag} {v}: {}", r.stderr);
        assert!(
            r.stderr.contains(&format!("{flag} ")),
            "{flag} {v}: {}",
            r.stderr
        );
        assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    }
}

#[test]
fn output_never_replaces_a_device_fifo_or_dir() {
    let t = tempfile::tempdir().unwrap();
    let logs = healthy(t.path(), "logs");
    // Stand-ins for /dev/null and /dev/stdout (root can mknod; a FIFO needs no privilege).
    let null = t.path().join("null");
    let c = std::ffi::CString::new(null.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: valid path; makedev(1, 3) is the null device.
    let made = unsafe { libc::mknod(c.as_ptr(), libc::S_IFCHR | 0o666, libc::makedev(1, 3)) } == 0;
    let fifo = t.path().join("pipe");
    mkfifo(&fifo);
    let stdout = t.path().join("stdout");
    std::os::unix::fs::symlink("/proc/self/fd/1", &stdout).unwrap();
    let mut targets = vec![fifo.clone(), stdout.clone(), t.path().to_path_buf()];
    if made {
        targets.push(null.clone());
    } else {
        eprintln!("mknod not permitted here: the character-device stand-in is not tested");
    }
    for target in &targets {
        let r = check_json(&[
            "--log-dirs",
            logs.to_str().unwrap(),
            "-o",
            target.to_str().unwrap(),
        ]);
        assert_eq!(r.code, Some(2), "{target:?}: {}", r.stderr);
        assert!(r.stderr.contains("--output"), "{}", r.stderr);
    }
    if made {
        assert!(fs::metadata(&null).unwrap().file_type().is_char_device());
    }
    assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
    assert!(fs::symlink_metadata(&stdout)
        .unwrap()
        .file_type()
        .is_symlink());
    // `-` is stdout.
    let r = check_json(&["--log-dirs", logs.to_str().unwrap(), "-o", "-"]);
    assert!(r.code.is_some_and(|c| c < 2), "{}", r.stderr);
    assert!(r.out().contains("\"schema_version\""));
}

/// In a new PID namespace the tool is PID 1, so the temp name old versions used
/// (`.NAME.PID.tmp`) is known in advance: a symlink planted there must not be written through.
#[test]
fn a_symlink_planted_at_a_predictable_temp_name_is_not_followed() {
    let t = tempfile::tempdir().unwrap();
    let logs = healthy(t.path(), "logs");
    let out = t.path().join("report.json");
    let victim = t.path().join("victim");
    fs::write(&victim, "precious").unwrap();
    std::os::unix::fs::symlink(&victim, t.path().join(".report.json.1.tmp")).unwrap();
    let mut c = Command::new("unshare");
    c.args(["--pid", "--fork", "--"]);
    c.arg(tool());
    c.args([
        "check",
        "--format",
        "json",
        "--log-dirs",
        logs.to_str().unwrap(),
    ]);
    c.args(LIMITS);
    c.args(["-o", out.to_str().unwrap()]);
    let r = bounded(c);
    if r.stderr.contains("unshare failed") || r.stderr.contains("Operation not permitted") {
        assert!(
            std::env::var_os("CI").is_none(),
            "unshare --pid must work in CI: {}",
            r.stderr
        );
        eprintln!("SKIPPED: no PID namespace here: {}", r.stderr);
        return;
    }
    assert!(r.code.is_some_and(|c| c < 2), "{}", r.stderr);
    assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
    assert!(fs::read_to_string(&out).unwrap().contains("schema_version"));
}

/// A full disk (a tiny tmpfs in a private mount namespace): exit 2, and no temp file left.
#[test]
fn a_full_disk_leaves_no_temp_file() {
    let t = tempfile::tempdir().unwrap();
    let logs = healthy(t.path(), "logs");
    let mnt = t.path().join("mnt");
    fs::create_dir(&mnt).unwrap();
    let script = format!(
        "mount -t tmpfs -o size=16k tmpfs {m} || exit 99; \
         dd if=/dev/zero of={m}/fill bs=1k count=64 2>/dev/null; \
         {bin} check --log-dirs {l} {lim} --format json -o {m}/report.json; code=$?; \
         ls -A {m}; exit $code",
        m = mnt.display(),
        bin = tool().display(),
        l = logs.display(),
        lim = LIMITS.join(" "),
    );
    let mut c = Command::new("unshare");
    c.args(["--mount", "--", "sh", "-c", &script]);
    let r = bounded(c);
    if r.code == Some(99) || r.stderr.contains("unshare failed") {
        assert!(
            std::env::var_os("CI").is_none(),
            "needs a mount namespace in CI: {}",
            r.stderr
        );
        eprintln!("SKIPPED: cannot mount a tmpfs here: {}", r.stderr);
        return;
    }
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(r.stderr.contains("--output"), "{}", r.stderr);
    assert_eq!(
        r.out().split_whitespace().collect::<Vec<_>>(),
        ["fill"],
        "left: {}",
        r.out()
    );
}

/// What a crash leaves on some filesystems: a 10 GiB checkpoint of NULs. A short problem, a
/// small report and a small process.
#[test]
fn a_sparse_nul_checkpoint_gives_a_short_problem_in_bounded_memory() {
    let t = tempfile::tempdir().unwrap();
    let logs = healthy(t.path(), "logs");
    fs::File::create(logs.join("recovery-point-offset-checkpoint"))
        .unwrap()
        .set_len(10 << 30)
        .unwrap();
    for format in ["json", "table"] {
        let mut args = vec![
            "check",
            "--log-dirs",
            logs.to_str().unwrap(),
            "--format",
            format,
        ];
        args.extend(LIMITS);
        let (r, rss) = preflight_rss(&args);
        assert!(r.code.is_some_and(|c| c < 2), "{}", r.stderr);
        assert!(
            r.out().contains("corrupt recovery checkpoint"),
            "{}",
            r.out()
        );
        assert!(
            r.stdout.len() < 64 << 10,
            "{format}: {} bytes of output",
            r.stdout.len()
        );
        assert!(rss < 100 << 10, "{format}: peak RSS {rss} KiB");
    }
}

/// A checkpoint over the 256 MiB old versions cut at, valid to Kafka (its `\s+` separators may
/// be long): it is read to the end, not called corrupt at the cut.
#[test]
fn a_valid_checkpoint_over_256_mib_is_read_to_the_end() {
    let t = tempfile::tempdir().unwrap();
    let logs = t.path().join("logs");
    let mut spec = PartitionSpec::new("t", 0, 3);
    spec.recovery_point_segment = Some(2);
    synth::write_log_dir(&logs, &[spec], false).unwrap();
    let pad = "\t".repeat(60_000);
    let lines = (257usize << 20) / pad.len() + 1;
    let mut text = format!("0\n{}\n", lines + 1);
    for i in 0..lines {
        text.push_str(&format!("other{pad}{i} 1\n"));
    }
    text.push_str("t 0 2010\n");
    fs::write(logs.join("recovery-point-offset-checkpoint"), &text).unwrap();
    drop(text);
    let r = check_json(&["--log-dirs", logs.to_str().unwrap(), "--scenario", "crash"]);
    assert!(r.code.is_some_and(|c| c < 2), "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    assert_eq!(
        v["inventory"]["log_dirs"][0]["recovery_checkpoint"],
        "ok",
        "{}",
        r.out()
    );
    // The entry after the old cut is used: only the segment holding offset 2010 and the active
    // one are recovered, not all three.
    assert_eq!(v["inventory"]["unflushed_segments"], 1, "{}", r.out());
}

#[test]
fn plan_of_four_billion_partitions_runs_in_bounded_memory() {
    for n in ["1000000", "4294967295"] {
        let mut args = vec!["plan", "--partitions", n, "--bytes-per-partition", "1MiB"];
        args.extend(["--format", "json"]);
        args.extend(LIMITS);
        let (r, rss) = preflight_rss(&args);
        assert!(r.code.is_some_and(|c| c < 2), "{n}: {}", r.stderr);
        let v: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
        assert_eq!(v["inventory"]["partitions"].to_string(), n);
        assert!(rss < 64 << 10, "{n}: peak RSS {rss} KiB");
    }
}

#[test]
fn a_bad_jvm_option_names_where_it_came_from() {
    let t = tempfile::tempdir().unwrap();
    let logs = healthy(t.path(), "logs");
    let l = logs.to_str().unwrap();
    let mut c = bin();
    c.args(["check", "--log-dirs", l]).args(LIMITS);
    c.env("KAFKA_HEAP_OPTS", "-Xmxlots");
    let r = bounded(c);
    assert_eq!(r.code, Some(2));
    assert!(
        r.stderr.contains("KAFKA_HEAP_OPTS") && !r.stderr.contains("--set"),
        "{}",
        r.stderr
    );
    let r = preflight(&[
        "check",
        "--log-dirs",
        l,
        "--jvm-opts",
        "-Xss1zz",
        "--kafka-version",
        "3.9.1",
    ]);
    assert_eq!(r.code, Some(2));
    assert!(
        r.stderr.contains("--jvm-opts") && !r.stderr.contains("--set"),
        "{}",
        r.stderr
    );
    let unit = t.path().join("kafka.service");
    fs::write(
        &unit,
        "[Service]\nLimitNOFILE=100000\nEnvironment=\"KAFKA_HEAP_OPTS=-Xmxbig\"\n",
    )
    .unwrap();
    let r = preflight(&[
        "check",
        "--log-dirs",
        l,
        "--systemd-unit",
        unit.to_str().unwrap(),
        "--max-map-count",
        "262144",
    ]);
    assert_eq!(r.code, Some(2));
    let at = format!("{}:3", unit.display());
    assert!(
        r.stderr.contains(&at) && !r.stderr.contains("--set"),
        "{}",
        r.stderr
    );
}

/// A large report (its bulk in per-dir problems, as a big broker's is) merges in memory that
/// does not grow with the file.
#[test]
fn merge_streams_a_large_report() {
    let t = tempfile::tempdir().unwrap();
    let good = good_report(t.path());
    let mut v: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&good).unwrap()).unwrap();
    let problem = serde_json::json!({"severity": "warning", "path": "/x/".repeat(20), "message": "m".repeat(200)});
    let many: Vec<_> = std::iter::repeat(problem).take(400_000).collect();
    v["inventory"]["log_dirs"][0]["problems"] = serde_json::Value::Array(many);
    let big = t.path().join("big.json");
    fs::write(&big, serde_json::to_vec(&v).unwrap()).unwrap();
    drop(v);
    assert!(fs::metadata(&big).unwrap().len() > 100 << 20);
    let (r, rss) = preflight_rss(&["merge", big.to_str().unwrap(), "--format", "json"]);
    assert!(r.code.is_some_and(|c| c < 2), "{}", r.stderr);
    assert!(rss < 64 << 10, "peak RSS {rss} KiB");
}

/// A read stuck in the kernel (a hung mount) cannot be interrupted: past --timeout plus the
/// grace the run is given up with exit 2, naming what was still being read.
#[test]
fn a_read_stuck_past_the_deadline_is_given_up_naming_the_file() {
    use clap::Parser;
    use kafka_preflight::cli::{Cli, Command as Sub};
    let cli = Cli::try_parse_from([
        "kafka-preflight",
        "check",
        "--log-dirs",
        "/nonexistent",
        "--timeout",
        "0.05",
    ])
    .unwrap();
    let Sub::Check(args) = cli.command else {
        unreachable!()
    };
    let opts = kafka_preflight::options::CheckOptions::from_args(&args).unwrap();
    let stuck = PathBuf::from("/mnt/hung-nfs/recovery-point-offset-checkpoint");
    let (release, wait) = std::sync::mpsc::channel::<()>();
    let s = stuck.clone();
    let e = kafka_preflight::pipeline::with_watchdog(&opts, move || {
        let _reading = kafka_preflight::fsread::in_flight(&s);
        let _ = wait.recv();
        Ok(())
    })
    .unwrap_err()
    .to_string();
    drop(release);
    assert!(e.contains("--timeout"), "{e}");
    assert!(e.contains(&stuck.display().to_string()), "{e}");
}
