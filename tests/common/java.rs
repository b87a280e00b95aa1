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
