//! `gate`: the check a broker's start path runs first. Its limits are its own process's (set
//! here with setrlimit before exec, as `prlimit` does), its JVM options its own environment.

mod common;

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Output;

use kafka_preflight::synth::{incident_layout, write_log_dir};
use serde_json::Value;

/// The incident's broker: ~200 segments on Kafka 1.1.0, whose worst-case start needs ~12 GiB.
struct Broker {
    _tmp: tempfile::TempDir,
    config: PathBuf,
    root: PathBuf,
}

fn broker() -> Broker {
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("kafka-logs");
    write_log_dir(&logs, &incident_layout(), false).unwrap();
    let config = tmp.path().join("server.properties");
    std::fs::write(
        &config,
        format!("log.dirs={}\nzookeeper.connect=zk:2181\n", logs.display()),
    )
    .unwrap();
    Broker {
        root: tmp.path().to_path_buf(),
        _tmp: tmp,
        config,
    }
}

const GIB: u64 = 1 << 30;

/// `prlimit --as=AS --nofile=NOFILE -- kafka-preflight gate ...` (None = unlimited).
fn gate(as_bytes: Option<u64>, nofile: u64, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = common::preflight_process();
    c.arg("gate").args(args).env_remove("KAFKA_PREFLIGHT_GATE");
    for (k, v) in env {
        c.env(k, v);
    }
    // An unprivileged test (or a container without CAP_SYS_RESOURCE) cannot raise a hard
    // limit: stay at or below the current one.
    let hard = |res| {
        let mut l = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: a valid out-pointer.
        unsafe { libc::getrlimit(res, &mut l) };
        l.rlim_max
    };
    let vm = as_bytes
        .unwrap_or(libc::RLIM_INFINITY)
        .min(hard(libc::RLIMIT_AS));
    let fds = nofile.min(hard(libc::RLIMIT_NOFILE));
    // SAFETY: only async-signal-safe setrlimit calls between fork and exec.
    unsafe {
        c.pre_exec(move || {
            for (res, v) in [(libc::RLIMIT_AS, vm), (libc::RLIMIT_NOFILE, fds)] {
                let lim = libc::rlimit {
                    rlim_cur: v,
                    rlim_max: v,
                };
                if libc::setrlimit(res, &lim) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
    let out = c.output().unwrap();
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    out
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn config_args(b: &Broker) -> Vec<String> {
    vec![
        "--config".into(),
        b.config.display().to_string(),
        "--kafka-version".into(),
        "1.1.0".into(),
        // No marker on this host can turn a test's gate off.
        "--skip-file".into(),
        b.root.join("skip").display().to_string(),
    ]
}

fn run(b: &Broker, as_bytes: Option<u64>, extra: &[&str], env: &[(&str, &str)]) -> Output {
    let mut args = config_args(b);
    args.extend(extra.iter().map(|s| s.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    gate(as_bytes, 100_000, &args, env)
}

fn report(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn a_fail_check_stops_the_start_and_says_how_to_bypass_it() {
    let b = broker();
    let out = run(&b, Some(6 * GIB), &[], &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.starts_with("kafka-preflight gate: FAIL, stopping this start"),
        "{err}"
    );
    assert!(err.contains("FAIL virtual_memory:"), "{err}");
    assert!(err.contains("KAFKA_PREFLIGHT_GATE=skip"), "{err}");
    assert!(
        err.contains(&b.root.join("skip").display().to_string()),
        "{err}"
    );
    // Short: journald shows it whole. The full report is what --output is for.
    assert!(err.lines().count() < 12, "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn a_passing_start_goes_on_and_warnings_never_block() {
    let b = broker();
    let out = run(&b, None, &[], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).starts_with("kafka-preflight gate: PASS, the start goes on"));

    // A finite ulimit -v with room for the worst case only warns (virtual_memory_unlimited).
    let out = run(&b, Some(64 * GIB), &[], &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.starts_with("kafka-preflight gate: WARN, the start goes on"),
        "{err}"
    );
    assert!(err.contains("WARN virtual_memory_unlimited"), "{err}");
    assert!(!err.contains("FAIL"), "{err}");
}

#[test]
fn limits_and_jvm_options_come_from_the_gates_own_process() {
    let b = broker();
    let out_file = b.root.join("report.json");
    let o = out_file.display().to_string();
    let mut args = config_args(&b);
    args.extend(["--output".into(), o]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = gate(
        Some(48 * GIB),
        4321,
        &args,
        &[
            ("KAFKA_HEAP_OPTS", "-Xmx6g -Xms6g"),
            ("MALLOC_ARENA_MAX", "2"),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let r = report(&out_file);
    let l = &r["limits"];
    assert_eq!(l["virtual_memory_bytes"]["soft"], 48 * GIB, "{l:#}");
    assert_eq!(l["virtual_memory_bytes"]["hard"], 48 * GIB);
    assert_eq!(l["open_files"]["soft"], 4321);
    let own = l["virtual_memory_bytes"]["source"].as_str().unwrap();
    assert!(own.starts_with("this "), "{own}");
    assert_eq!(l["max_map_count"]["source"], "/proc/sys/vm/max_map_count");
    let system: u64 = std::fs::read_to_string("/proc/sys/vm/max_map_count")
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert_eq!(l["max_map_count"]["value"], system);
    assert_eq!(r["config"]["heap_max_bytes"], 6 * GIB);
    assert_eq!(r["config"]["path"], b.config.display().to_string().as_str());
}

#[test]
fn the_escape_hatch_lets_a_failing_start_go_on_and_is_logged() {
    let b = broker();
    let out = run(&b, Some(6 * GIB), &[], &[("KAFKA_PREFLIGHT_GATE", "skip")]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("SKIPPED, the start goes on unchecked: KAFKA_PREFLIGHT_GATE=skip is set"),
        "{err}"
    );

    let marker = b.root.join("skip");
    std::fs::write(&marker, "").unwrap();
    let out = run(&b, Some(6 * GIB), &[], &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains(&format!("marker file {} exists", marker.display())),
        "{err}"
    );
    assert!(err.contains(&format!("rm {}", marker.display())), "{err}");

    // Another value of the variable is no bypass, and with the marker gone the gate is back.
    std::fs::remove_file(&marker).unwrap();
    let out = run(&b, Some(6 * GIB), &[], &[("KAFKA_PREFLIGHT_GATE", "yes")]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

#[test]
fn the_gates_own_trouble_never_blocks_a_start() {
    let b = broker();
    let missing = b.root.join("missing.properties").display().to_string();
    let out = gate(Some(6 * GIB), 100_000, &["--config", &missing], &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("could not check"), "{err}");
    assert!(err.contains("letting the start go on unchecked"), "{err}");

    // Past --timeout the gate gives up and the start goes on (src/gate/mod.rs tests the bound
    // itself: a config read cannot hang since fsread refuses FIFOs and devices).
}

#[test]
fn a_bad_gate_command_line_is_exit_2() {
    let out = gate(None, 100_000, &["--timeout", "soon", "--config", "x"], &[]);
    assert_eq!(out.status.code(), Some(2));
    let out = gate(None, 100_000, &[], &[]);
    assert_eq!(out.status.code(), Some(2), "--config is required");
}

fn unit_dir(user: &str, config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("kafka.service"),
        format!(
            "[Unit]\nDescription=Kafka\n\n[Service]\nUser={user}\nLimitNOFILE=100000\n\
             ExecStart=/opt/kafka/bin/kafka-server-start.sh {config}\n"
        ),
    )
    .unwrap();
    dir
}

fn print_dropin(dir: &Path, extra: &[&str]) -> String {
    let d = dir.display().to_string();
    let mut args = vec![
        "--print-systemd-dropin",
        "--unit",
        "kafka",
        "--systemd-dir",
        &d,
    ];
    args.extend(extra);
    let out = gate(None, 100_000, &args, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    String::from_utf8(out.stdout).unwrap()
}

fn install(dir: &Path, text: &str) {
    let d = dir.join("kafka.service.d");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("50-kafka-preflight-gate.conf"), text).unwrap();
}

#[test]
fn the_printed_drop_in_reads_back_as_the_units_config_and_user() {
    let config = "/etc/kafka/server.properties";
    let dir = unit_dir("kafka", config);
    let text = print_dropin(dir.path(), &[]);
    install(dir.path(), &text);

    let dirs = [dir.path().to_path_buf()];
    let s = kafka_preflight::limits::read_service_exec("kafka", &dirs).unwrap();
    assert_eq!(s.files.len(), 2, "{:?}", s.files);
    assert_eq!(s.user.as_deref(), Some("kafka"), "{text}");
    assert_eq!(
        s.gate_config().as_deref(),
        Some(Path::new(config)),
        "{text}"
    );
    assert_eq!(s.broker_config().as_deref(), Some(Path::new(config)));
    let pre = &s.exec_start_pre[0];
    assert_eq!(pre[1], "gate");
    let home = pre.iter().position(|w| w == "--kafka-home").unwrap();
    assert_eq!(pre[home + 1], "/opt/kafka");
    assert!(Path::new(&pre[0]).is_absolute(), "{text}");

    // The unit with its drop-in is still a unit `check --systemd-unit` reads.
    let out = common::preflight()
        .args(["check", "--log-dirs", dir.path().to_str().unwrap()])
        .args([
            "--systemd-unit",
            dir.path().join("kafka.service").to_str().unwrap(),
        ])
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.code().is_some_and(|c| c < 2), "{}", stderr(&out));
}

#[test]
fn an_explicit_config_with_spaces_and_specifiers_survives_the_round_trip() {
    let dir = unit_dir("svc-kafka", "/etc/kafka/server.properties");
    let odd = "/etc/kafka conf/100%-\"prod\".properties";
    let text = print_dropin(dir.path(), &["--config", odd]);
    install(dir.path(), &text);
    let s =
        kafka_preflight::limits::read_service_exec("kafka", &[dir.path().to_path_buf()]).unwrap();
    assert_eq!(s.gate_config().as_deref(), Some(Path::new(odd)), "{text}");
    assert_eq!(s.user.as_deref(), Some("svc-kafka"));
}

#[test]
fn a_unit_without_a_properties_argument_needs_config() {
    let dir = unit_dir("kafka", "--override x=y");
    let d = dir.path().display().to_string();
    let args = [
        "--print-systemd-dropin",
        "--unit",
        "kafka",
        "--systemd-dir",
        &d,
    ];
    let out = gate(None, 100_000, &args, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("pass --config FILE"),
        "{}",
        stderr(&out)
    );
}

/// A start script that puts jar files on $CLASSPATH (from a Maven repository, say) instead of
/// `DIR/libs/*`: the gate reads the release from the core jar's name rather than judging by
/// every release the config allows.
#[test]
fn the_release_comes_from_a_class_path_of_jar_files() {
    let b = broker();
    let out_file = b.root.join("report.json");
    let args = [
        "--config".to_string(),
        b.config.display().to_string(),
        "--skip-file".into(),
        b.root.join("skip").display().to_string(),
        "--output".into(),
        out_file.display().to_string(),
    ];
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let m2 = "/root/.m2/repository/org/apache/kafka";
    let cp = format!(
        "{m2}/kafka-clients/4.1.1/kafka-clients-4.1.1.jar:{m2}/kafka_2.13/4.1.1/kafka_2.13-4.1.1.jar"
    );
    let out = gate(None, 100_000, &args, &[("CLASSPATH", cp.as_str())]);
    // Whatever the verdict on this test broker's tree: the release is what is asked here.
    assert!(out.status.code().unwrap() < 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("(Kafka 4.1.1,"), "{}", stderr(&out));
    let k = &report(&out_file)["kafka"];
    assert_eq!(k["version"], "4.1.1", "{k:#}");
    assert_ne!(k["version_source"], "evidence", "{k:#}");

    // kafka-run-class.sh's own form, `DIR/libs/*`: the directory's jars.
    let libs = b.root.join("home/libs");
    std::fs::create_dir_all(&libs).unwrap();
    for jar in [
        "kafka_2.13-3.9.0.jar",
        "kafka-clients-3.9.0.jar",
        "zstd-jni-1.5.6-4.jar",
    ] {
        std::fs::write(libs.join(jar), "").unwrap();
    }
    let cp = format!("/nope/x.jar:{}/*", libs.display());
    let out = gate(None, 100_000, &args, &[("CLASSPATH", cp.as_str())]);
    assert!(stderr(&out).contains("(Kafka 3.9.0,"), "{}", stderr(&out));
}
