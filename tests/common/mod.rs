//! Shared by the CLI tests.

use assert_cmd::Command;

/// The binary with the environment that would change the model removed (the broker's JVM
/// options, MALLOC_ARENA_MAX) and colour off, so results depend only on the flags a test passes.
pub fn preflight() -> Command {
    let mut c = Command::cargo_bin("kafka-preflight").unwrap();
    for var in [
        "MALLOC_ARENA_MAX",
        "KAFKA_HEAP_OPTS",
        "KAFKA_JVM_PERFORMANCE_OPTS",
        "KAFKA_OPTS",
    ] {
        c.env_remove(var);
    }
    c.env("NO_COLOR", "1");
    c
}
