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
    let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("kafka-preflight"));
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
