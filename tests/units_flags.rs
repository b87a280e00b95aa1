//! One rule for sizes, durations, counts and limits across every flag, and zero, negative and
//! absurd values refused with the flag's name (exit 2, nothing on stdout).

mod common;

fn logs() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// `check --log-dirs TMP ARGS`: (exit code, stderr, stdout).
fn check(args: &[&str]) -> (i32, String, String) {
    let d = logs();
    let out = common::preflight()
        .args(["check", "-q", "--format", "json", "--log-dirs"])
        .arg(d.path())
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn zero_negative_and_absurd_values_are_refused_by_flag() {
    for (args, flag, why) in [
        (&["--ulimit-n", "-1"][..], "--ulimit-n", "negative"),
        (&["--ulimit-v", "-1"], "--ulimit-v", "negative"),
        (&["--ulimit-v", "0"], "--ulimit-v", "0 is refused"),
        (&["--heap", "0"], "--heap", "0 is refused"),
        (&["--heap", "-6g"], "--heap", "negative"),
        (&["--recovery-rate", "0"], "--recovery-rate", "0 is refused"),
        (&["--threads", "20000"], "--threads", "at most"),
        (&["--timeout", "1.8e19"], "--timeout", "too large"),
        (&["--timeout", "0"], "--timeout", "0 is refused"),
        (&["--cores", "0"], "--cores", "0 is refused"),
        (&["--max-map-count", "-5"], "--max-map-count", "negative"),
        (
            &["--kafka-version", "9.9.9"],
            "--kafka-version 9.9.9",
            "no such release",
        ),
    ] {
        let (code, err, out) = check(args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(flag) && err.contains(why), "{args:?}: {err}");
        assert!(!err.contains("unexpected argument"), "{args:?}: {err}");
        assert!(out.is_empty(), "{args:?}: no partial report");
    }
}

#[test]
fn a_kraft_config_with_a_release_before_kraft_is_refused() {
    let d = logs();
    let props = d.path().join("server.properties");
    std::fs::write(
        &props,
        format!(
            "process.roles=broker,controller\nnode.id=1\nlog.dirs={}\n",
            d.path().display()
        ),
    )
    .unwrap();
    let out = common::preflight()
        .args(["check", "-q", "--kafka-version", "0.8.0", "--config"])
        .arg(&props)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("no KRaft mode") && err.contains("0.8.0"),
        "{err}"
    );
}

/// The heap term of the estimate, in bytes.
fn heap_bytes(json: &str) -> u64 {
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    v["config"]["heap_max_bytes"].as_u64().unwrap()
}

fn ulimit_v_bytes(json: &str) -> u64 {
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    v["limits"]["virtual_memory_bytes"]["soft"]
        .as_u64()
        .unwrap()
}

#[test]
fn ten_gb_is_ten_to_the_tenth_everywhere() {
    let (code, err, out) = check(&[
        "--heap",
        "10GB",
        "--ulimit-v",
        "10GB",
        "--ulimit-n",
        "100000",
    ]);
    assert!(matches!(code, 0 | 1), "{err}");
    assert_eq!(heap_bytes(&out), 10_000_000_000);
    assert_eq!(ulimit_v_bytes(&out), 10_000_000_000);
    let (_, _, out) = check(&[
        "--heap",
        "10GiB",
        "--ulimit-v",
        "10G",
        "--ulimit-n",
        "100000",
    ]);
    assert_eq!(heap_bytes(&out), 10 << 30);
    assert_eq!(ulimit_v_bytes(&out), 10 << 30);

    let out = plan(&["--bytes-per-partition", "10GB", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["inventory"]["log_bytes"], 100_000_000_000u64, "{v:#}");
}

#[test]
fn seven_days_is_a_duration_for_every_duration_flag() {
    let (code, err, _) = check(&["--recovery-warn", "7d", "--timeout", "7d"]);
    assert!(matches!(code, 0 | 1), "{err}");
    plan(&["--produce-rate", "1KiB/s", "--retention", "7d"]);
}

/// `plan` of 10 partitions with unlimited limits plus `args`; it must run (exit 0 or 1).
fn plan(args: &[&str]) -> std::process::Output {
    let out = common::preflight()
        .args(["plan", "--partitions", "10", "--kafka-version", "3.9.1"])
        .args(["--ulimit-v", "unlimited", "--ulimit-n", "100000"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}
