//! Shared by the CLI tests.
#![allow(dead_code)] // each test crate uses a part

pub mod java;

use assert_cmd::Command;

/// The binary with the environment that would change the model removed (the broker's JVM
/// options, MALLOC_ARENA_MAX) and colour off, so results depend only on the flags a test passes.
pub fn preflight() -> Command {
    Command::from_std(preflight_process())
}

/// [`preflight`] as a plain process, for tests that need its pipes (spawn, close stdout).
pub fn preflight_process() -> std::process::Command {
    model_neutral(std::process::Command::new(binary()))
}

/// The built binary, for a test that must start it through another program (`script`).
pub fn binary() -> std::path::PathBuf {
    assert_cmd::cargo::cargo_bin("kafka-preflight")
}

/// [`preflight_process`] for a test that runs the binary as another user (`nobody`): the
/// binary is linked (or copied) into a directory anyone can enter, since the checkout may sit
/// in a home directory only its owner can.
pub fn preflight_process_any_user() -> std::process::Command {
    model_neutral(std::process::Command::new(binary_any_user_can_run()))
}

fn binary_any_user_can_run() -> std::path::PathBuf {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    static PATH: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    PATH.get_or_init(|| {
        let bin = binary();
        let meta = std::fs::metadata(&bin).expect("the built binary");
        // Keyed by the build's inode and mtime: re-runs reuse it, a rebuild gets its own.
        let dir = std::env::temp_dir()
            .join("kafka-preflight-tests")
            .join(format!("{}-{}", meta.ino(), meta.mtime()));
        let target = dir.join("kafka-preflight");
        // Links to earlier builds would keep their blocks alive.
        for old in std::fs::read_dir(dir.parent().unwrap())
            .into_iter()
            .flatten()
            .flatten()
        {
            if old.path() != dir {
                let _ = std::fs::remove_dir_all(old.path());
            }
        }
        if !target.exists() {
            std::fs::create_dir_all(&dir).unwrap();
            let tmp = dir.join(format!(".kafka-preflight.{}", std::process::id()));
            if std::fs::hard_link(&bin, &tmp).is_err() {
                std::fs::copy(&bin, &tmp).unwrap();
            }
            // Another test process may have won the race: either copy is the same binary.
            let _ = std::fs::rename(&tmp, &target);
        }
        for d in [dir.parent().unwrap(), dir.as_path()] {
            let _ = std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755));
        }
        target
    })
    .clone()
}

fn model_neutral(mut c: std::process::Command) -> std::process::Command {
    for var in MODEL_ENV {
        c.env_remove(var);
    }
    c.env("NO_COLOR", "1");
    c
}

/// The environment the model reads besides its flags (the broker's JVM options, malloc arenas).
pub const MODEL_ENV: [&str; 4] = [
    "MALLOC_ARENA_MAX",
    "KAFKA_HEAP_OPTS",
    "KAFKA_JVM_PERFORMANCE_OPTS",
    "KAFKA_OPTS",
];

/// The real Kafka 4.0.0 metadata log in shared/fixtures (beside the checkout in CI, at
/// /work/shared in a worktree). Missing, it skips the test locally but fails it under CI, where
/// shared/ is always there: a test that silently never runs would prove nothing.
pub fn kraft_fixture() -> Option<std::path::PathBuf> {
    let beside = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/fixtures/kraft-metadata/A"
    );
    for p in [beside, "/work/shared/fixtures/kraft-metadata/A"] {
        let p = std::path::Path::new(p);
        if p.join("__cluster_metadata-0").is_dir() {
            return Some(p.to_path_buf());
        }
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "fixture kraft-metadata/A missing at {beside}"
    );
    eprintln!("SKIPPED: fixture kraft-metadata/A not found at {beside} or /work/shared");
    None
}

/// A tree shaped like /proc holding one process `pid` with this maps text, and status and
/// limits copied from `like` (a /proc/PID directory or a fixture of one), for `--proc-root`.
pub fn proc_tree(root: &std::path::Path, pid: i32, maps: &[u8], like: &std::path::Path) {
    let dir = root.join(pid.to_string());
    std::fs::create_dir_all(dir.join("fd")).unwrap();
    std::fs::create_dir_all(root.join("sys/vm")).unwrap();
    std::fs::write(dir.join("maps"), maps).unwrap();
    for f in ["status", "limits", "cmdline"] {
        std::fs::write(dir.join(f), std::fs::read(like.join(f)).unwrap()).unwrap();
    }
    std::fs::write(root.join("sys/vm/max_map_count"), "262144\n").unwrap();
}

/// `inspect --format json` of `pid` in a tree made by [`proc_tree`].
pub fn inspect_tree(root: &std::path::Path, pid: i32) -> serde_json::Value {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kafka-preflight"))
        .args(["inspect", "--format", "json", "--pid", &pid.to_string()])
        .arg("--proc-root")
        .arg(root)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// tests/python/count_maps.py's independent count of a maps file, shaped like inspect's JSON;
/// None when python3 is missing (the caller skips, saying so).
pub fn python_maps_count(maps: &std::path::Path, top_n: usize) -> Option<serde_json::Value> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/count_maps.py");
    let out = std::process::Command::new("python3")
        .arg(script)
        .arg(maps)
        .arg(top_n.to_string())
        .output()
        .ok()?;
    assert!(
        out.status.success(),
        "count_maps.py: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

/// inspect's numbers for a maps text equal the independent count, field by field.
pub fn assert_counts_match(inspect: &serde_json::Value, independent: &serde_json::Value) {
    for key in [
        "map_areas",
        "index_mappings",
        "by_log_dir",
        "top_partitions",
    ] {
        assert_eq!(
            inspect[key], independent[key],
            "{key}: inspect (left) and count_maps.py (right) differ"
        );
    }
}

/// An external tool a test drives (promtool, ansible-playbook), found on PATH. Missing, it
/// skips the test locally with a message but fails it under CI (or after
/// .ci/install-fleet-tools, which sets KAFKA_PREFLIGHT_REQUIRE_FLEET_TOOLS): a test that
/// silently never runs would prove nothing.
pub fn tool(name: &str) -> Option<std::path::PathBuf> {
    let found = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none()
                && std::env::var_os("KAFKA_PREFLIGHT_REQUIRE_FLEET_TOOLS").is_none(),
            "{name} not on PATH under CI: .ci/install-fleet-tools installs it"
        );
        eprintln!("SKIPPED: {name} not on PATH (source .ci/install-fleet-tools to install it)");
    }
    found
}

/// Asserts an insta snapshot with what differs between runs and machines redacted: the host,
/// the time of the check and this shell's own limits.
pub fn snapshot(name: &str, text: &str) {
    let mut settings = insta::Settings::clone_current();
    // Timestamps first, so the phrase filters below never cut one in half.
    for (re, to) in [
        (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", "[TIME]"),
        (r#""host": "[^"]*""#, r#""host": "[HOST]""#),
        (r#""checked_at": "[^"]*""#, r#""checked_at": "[TIME]""#),
        (r#"host="[^"]*""#, r#"host="[HOST]""#),
        (
            r"kafka_preflight_last_run_timestamp_seconds [0-9.]+",
            "kafka_preflight_last_run_timestamp_seconds [TIME]",
        ),
        (r"on host \S+ \(", "on host [HOST] ("),
        (r"checked at \S+\.", "checked at [TIME]."),
        (
            r"would give soft \S+ / hard \w+",
            "would give soft [SOFT] / hard [HARD]",
        ),
    ] {
        settings.add_filter(re, to);
    }
    settings.set_prepend_module_to_snapshot(false);
    // Beside the tests that call this, not beside this shared file.
    settings.set_snapshot_path(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots"));
    settings.bind(|| insta::assert_snapshot!(name, text));
}
