//! Every recommendation applied exactly as written, then `check` again: the unit drop-in is
//! written where the block says and read back through the tool's own systemd reader, the sysctl
//! file is written and its value handed over as the kernel would hold it, server.properties
//! lines are appended, shell lines are run. Every required fix must then pass and nothing new
//! may be asked.

mod common;

use std::path::Path;

use kafka_preflight::synth;
use serde_json::Value;

struct Host {
    _dir: tempfile::TempDir,
    root: std::path::PathBuf,
    props: std::path::PathBuf,
    unit: std::path::PathBuf,
    logs: std::path::PathBuf,
}

/// A crashed broker of 400 partitions under a unit that caps it at 4 GiB and 1024 files, on a
/// host with vm.max_map_count 1400 (below what recovering its segments requires), and a
/// lost+found in its log dir.
fn host() -> Host {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let logs = root.join("data/kafka");
    synth::write_log_dir(&logs, &synth::uniform(8, 50, 3), false).unwrap();
    std::fs::create_dir(logs.join("lost+found")).unwrap();
    let props = root.join("server.properties");
    std::fs::write(
        &props,
        format!(
            "zookeeper.connect=zk:2181\nbroker.id=1\nlog.dirs={}\n",
            logs.display()
        ),
    )
    .unwrap();
    let unit = root.join("units/confluent-server.service");
    std::fs::create_dir_all(unit.parent().unwrap()).unwrap();
    std::fs::write(
        &unit,
        "[Service]\nExecStart=/usr/bin/kafka-server-start /etc/kafka/server.properties\nLimitAS=4G\nLimitNOFILE=1024\n",
    )
    .unwrap();
    Host {
        _dir: dir,
        root,
        props,
        unit,
        logs,
    }
}

fn check(h: &Host, max_map_count: &str) -> Value {
    let out = common::preflight()
        .args([
            "check",
            "-q",
            "--format",
            "json",
            "--kafka-version",
            "3.9.1",
        ])
        .args([
            "--scenario",
            "crash",
            "--max-map-count",
            max_map_count,
            "--config",
        ])
        .arg(&h.props)
        .arg("--systemd-unit")
        .arg(&h.unit)
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)))
}

/// Applies one block; returns the vm.max_map_count a sysctl block sets.
fn apply(h: &Host, rec: &Value) -> Option<String> {
    let lines: Vec<&str> = rec["paste"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    let Some(file) = rec["file"].as_str() else {
        for line in lines {
            let ok = std::process::Command::new("sh")
                .arg("-c")
                .arg(line)
                .status()
                .unwrap();
            assert!(ok.success(), "{line}");
        }
        return None;
    };
    let file = Path::new(file);
    if file.starts_with("/etc/sysctl.d") {
        // The kernel's value after `sysctl -p FILE`, written where the block says, under root.
        let here = h.root.join(file.strip_prefix("/").unwrap());
        std::fs::create_dir_all(here.parent().unwrap()).unwrap();
        std::fs::write(&here, lines.join("\n") + "\n").unwrap();
        let text = std::fs::read_to_string(&here).unwrap();
        let v = text
            .lines()
            .find_map(|l| l.strip_prefix("vm.max_map_count="));
        return v.map(str::to_string);
    }
    assert!(
        file.starts_with(h.unit.parent().unwrap()) || file == h.props,
        "a block for a file outside this host: {}",
        file.display()
    );
    assert_eq!(
        rec["then"][0],
        if file == h.props {
            "# read at the broker's next start"
        } else {
            "systemctl daemon-reload"
        }
    );
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    let mut text = std::fs::read_to_string(file).unwrap_or_default();
    text.push_str(&(lines.join("\n") + "\n"));
    std::fs::write(file, text).unwrap();
    None
}

#[test]
fn applying_every_block_as_written_makes_every_required_check_pass() {
    let h = host();
    let before = check(&h, "1400");
    assert_eq!(before["verdict"], "fail", "{:#}", before["checks"]);
    let recs = before["recommendations"].as_array().unwrap().clone();
    let kinds: Vec<(&str, &str)> = recs
        .iter()
        .map(|r| (r["setting"].as_str().unwrap(), r["kind"].as_str().unwrap()))
        .collect();
    for want in [
        "ulimit -v",
        "vm.max_map_count",
        "ulimit -n",
        "log.dirs entry",
    ] {
        assert!(
            kinds.iter().any(|(s, k)| *s == want && *k == "required"),
            "{want}: {kinds:?}"
        );
    }
    // The drop-in is named after the unit that starts the broker, and ends with daemon-reload.
    let dropin = recs.iter().find(|r| r["setting"] == "ulimit -v").unwrap();
    assert!(
        dropin["file"]
            .as_str()
            .unwrap()
            .contains("/units/confluent-server.service.d/"),
        "{dropin}"
    );
    let mut map_count = "1400".to_string();
    for rec in &recs {
        if let Some(v) = apply(&h, rec) {
            map_count = v;
        }
    }
    assert!(!h.logs.join("lost+found").exists());
    let after = check(&h, &map_count);
    let failing: Vec<&Value> = after["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "fail")
        .collect();
    assert!(failing.is_empty(), "{failing:#?}");
    let again: Vec<&Value> = after["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .collect();
    for r in &again {
        assert_ne!(r["kind"], "required", "asked again: {r}");
        assert!(
            recs.iter()
                .any(|b| b["setting"] == r["setting"] && b["recommended"] == r["recommended"]),
            "new advice after applying the old: {r}"
        );
    }
    assert!(
        again.is_empty(),
        "a re-run must ask nothing more: {again:#?}"
    );
}
