//! Java for the tests that start real JVMs: present, or skipped with a message (failing under
//! CI=true, where a silently skipped test would prove nothing).

use std::path::Path;
use std::process::{Command, Stdio};

pub fn has(tool: &str) -> bool {
    Command::new(tool)
        .arg("-version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// javac and java on PATH; else false after saying so, or a failure under CI.
pub fn present() -> bool {
    let present = has("javac") && has("java");
    assert!(
        present || std::env::var_os("CI").is_none(),
        "CI=true but javac/java are not on PATH"
    );
    if !present {
        eprintln!("SKIPPED: javac/java not on PATH");
    }
    present
}

/// Compiles `tests/java/<file>` into `out`.
pub fn javac(file: &str, out: &Path) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/java")
        .join(file);
    let o = Command::new("javac")
        .arg("-d")
        .arg(out)
        .arg(&src)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "javac {file} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// What the real-broker harness needs (java, javac, mvn, python3 and the harness itself); else
/// false after naming what is missing, or a failure under CI, where .ci/install-kafka installs
/// them and a test that silently never runs would prove nothing. `what` names the test.
pub fn real_broker_tools_present(what: &str) -> bool {
    let run = |tool: &str, arg: &str| {
        Command::new(tool)
            .arg(arg)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    let mut missing: Vec<&str> = [
        ("java", "-version"),
        ("javac", "-version"),
        ("mvn", "-v"),
        ("python3", "--version"),
    ]
    .into_iter()
    .filter(|(t, a)| !run(t, a))
    .map(|(t, _)| t)
    .collect();
    let harness = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/realbroker/run.py");
    if !harness.is_file() {
        missing.push("scripts/realbroker (the real-broker harness)");
    }
    assert!(
        missing.is_empty() || std::env::var_os("CI").is_none(),
        "{what} needs {missing:?} under CI (.ci/install-kafka installs them)"
    );
    if !missing.is_empty() {
        eprintln!("SKIPPED: {what}: {missing:?} missing");
    }
    missing.is_empty()
}
