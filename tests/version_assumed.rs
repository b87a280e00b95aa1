//! No version given: the release is narrowed from the config and the log dirs, and the check
//! judges by the most demanding release in that range, saying so first.

mod common;

use kafka_preflight::synth;

/// A KRaft broker's tree, crashed (no markers): 40 partitions of 3 segments.
fn tree() -> (tempfile::TempDir, std::path::PathBuf) {
    let d = tempfile::tempdir().unwrap();
    let logs = d.path().join("logs");
    synth::write_log_dir(&logs, &synth::uniform(4, 10, 3), false).unwrap();
    let props = d.path().join("server.properties");
    std::fs::write(
        &props,
        format!(
            "process.roles=broker,controller\nnode.id=1\nlog.dirs={}\n",
            logs.display()
        ),
    )
    .unwrap();
    (d, props)
}

fn json(props: &std::path::Path, extra: &[&str]) -> serde_json::Value {
    let out = common::preflight()
        .args(["check", "-q", "--format", "json", "--scenario", "crash"])
        .args([
            "--ulimit-v",
            "unlimited",
            "--ulimit-n",
            "100000",
            "--config",
        ])
        .arg(props)
        .args(extra)
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)))
}

/// The virtual-memory check's threshold.
fn vm_required(v: &serde_json::Value) -> u64 {
    v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "virtual_memory")
        .and_then(|c| c["required"].as_u64())
        .unwrap()
}

#[test]
fn an_unknown_version_is_judged_by_the_most_demanding_release_the_evidence_allows() {
    let (_d, props) = tree();
    let assumed = json(&props, &[]);
    assert_eq!(
        assumed["kafka"]["version_source"], "evidence",
        "{:#}",
        assumed["kafka"]
    );
    assert_eq!(assumed["kafka"]["assumed"]["range"], "2.8.0 or later");
    assert!(assumed["kafka"]["assumed"]["because"][0]
        .as_str()
        .unwrap()
        .contains("KRaft config"));
    // The newest release unmaps on resize; the assumed one must not be judged more kindly than
    // any release of the range.
    let version = assumed["kafka"]["version"].as_str().unwrap().to_string();
    for v in ["2.8.2", "3.9.1", "4.0.0", "4.1.0", "4.2.1"] {
        let given = json(&props, &["--kafka-version", v]);
        assert!(
            vm_required(&assumed) >= vm_required(&given),
            "assumed {version} requires {} < {v}'s {}",
            vm_required(&assumed),
            vm_required(&given)
        );
    }
    let newest = json(&props, &["--kafka-version", "4.2.1"]);
    assert!(
        vm_required(&assumed) > vm_required(&newest),
        "the newest needs least here"
    );
}

#[test]
fn the_first_line_says_the_version_is_assumed() {
    let (_d, props) = tree();
    let out = common::preflight()
        .args([
            "check",
            "-q",
            "--ulimit-v",
            "unlimited",
            "--ulimit-n",
            "100000",
            "--config",
        ])
        .arg(&props)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let first = text.lines().next().unwrap_or("");
    assert!(
        first.starts_with("PASS")
            && first.contains(" assumed (")
            && first.contains("2.8.0 or later"),
        "{text}"
    );
}

#[test]
fn json_markers_and_a_zookeeper_config_bound_both_ends() {
    let d = tempfile::tempdir().unwrap();
    let logs = d.path().join("logs");
    synth::write_log_dir(&logs, &synth::uniform(1, 2, 2), true).unwrap();
    std::fs::write(
        logs.join(".kafka_cleanshutdown"),
        r#"{"version":0,"brokerEpoch":-1}"#,
    )
    .unwrap();
    let props = d.path().join("server.properties");
    std::fs::write(
        &props,
        format!(
            "zookeeper.connect=zk:2181\nbroker.id=1\nlog.dirs={}\n",
            logs.display()
        ),
    )
    .unwrap();
    let v = json(&props, &[]);
    assert_eq!(
        v["kafka"]["assumed"]["range"], "3.7.0 to 3.9.x",
        "{:#}",
        v["kafka"]
    );
    let version = v["kafka"]["version"].as_str().unwrap();
    assert!(
        version.starts_with("3.7.") || version.starts_with("3.8.") || version.starts_with("3.9."),
        "{version}"
    );
}

/// `plan` and `diff` without --kafka-version judge the same way: by the most demanding release
/// the config allows, never by the newest (which unmaps on resize and so needs least).
#[test]
fn plan_and_diff_without_a_version_are_judged_by_the_most_demanding_release_too() {
    let d = tempfile::tempdir().unwrap();
    let props = d.path().join("server.properties");
    std::fs::write(
        &props,
        "process.roles=broker,controller\nnode.id=1\nlog.dirs=/plan/x\n",
    )
    .unwrap();
    let new = d.path().join("new.properties");
    std::fs::write(
        &new,
        "process.roles=broker,controller\nnode.id=1\nlog.dirs=/plan/x\nlog.segment.bytes=268435456\n",
    )
    .unwrap();
    // A plan of this workload, under `config`.
    let workload = [
        "-q",
        "--format",
        "json",
        "--scenario",
        "crash",
        "--partitions",
        "400",
        "--bytes-per-partition",
        "2GiB",
        "--ulimit-v",
        "unlimited",
        "--ulimit-n",
        "100000",
    ];
    use std::ffi::OsString;
    let run = |args: Vec<OsString>| -> serde_json::Value {
        let out = common::preflight().args(args).output().unwrap();
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)))
    };
    let with = |cmd: &str, paths: &[&std::path::Path], extra: &[&str]| {
        let mut a: Vec<OsString> = vec![cmd.into()];
        a.extend(workload.iter().map(OsString::from));
        if cmd == "plan" {
            a.push("--config".into());
        }
        a.extend(paths.iter().map(|p| p.as_os_str().to_owned()));
        a.extend(extra.iter().map(OsString::from));
        run(a)
    };
    let plan = |config: &std::path::Path, extra: &[&str]| with("plan", &[config], extra);
    let assumed = plan(&props, &[]);
    assert_eq!(
        assumed["kafka"]["version_source"], "evidence",
        "{:#}",
        assumed["kafka"]
    );
    let newest = plan(&props, &["--kafka-version", "4.4.0"]);
    let oldest_kraft = plan(&props, &["--kafka-version", "3.9.0"]);
    assert!(vm_required(&assumed) >= vm_required(&oldest_kraft));
    assert!(
        vm_required(&assumed) > vm_required(&newest),
        "assumed {} must not be the newest's {}",
        vm_required(&assumed),
        vm_required(&newest)
    );

    // diff: each side is the plan of its own config, judged the same way.
    let d = with("diff", &[&props, &new], &[]);
    let worst = |v: &serde_json::Value| v["estimate"]["virtual_memory_bytes"]["worst"].clone();
    let metric = d["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["metric"] == "virtual memory (worst)")
        .unwrap_or_else(|| panic!("{d:#}"))
        .clone();
    assert_eq!(metric["old"], worst(&assumed), "{metric}");
    assert_eq!(metric["new"], worst(&plan(&new, &[])), "{metric}");
    assert_ne!(
        metric["new"],
        worst(&plan(&new, &["--kafka-version", "4.4.0"])),
        "{metric}"
    );

    // diff on a scanned tree (no workload flags): each side as `check` judges it.
    let (_t, tree_props) = tree();
    let tree_new = tree_props.with_file_name("new.properties");
    let text = std::fs::read_to_string(&tree_props).unwrap();
    std::fs::write(&tree_new, format!("{text}log.segment.bytes=268435456\n")).unwrap();
    let out = common::preflight()
        .args(["diff", "-q", "--format", "json", "--scenario", "crash"])
        .args(["--ulimit-v", "unlimited", "--ulimit-n", "100000"])
        .arg(&tree_props)
        .arg(&tree_new)
        .output()
        .unwrap();
    let d: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let old = d["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["metric"] == "virtual memory (worst)")
        .unwrap()["old"]
        .clone();
    assert_eq!(old, worst(&json(&tree_props, &[])), "{d:#}");
    assert_ne!(
        old,
        worst(&json(&tree_props, &["--kafka-version", "4.4.0"]))
    );
}
