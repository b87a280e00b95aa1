//! Colour only where a person reads it: status words coloured on a terminal, never when stdout
//! is a pipe or a file, never when NO_COLOR has a value. The terminal cases run under util-linux
//! `script` (a pseudo-terminal) and are skipped where it is missing.

mod formats_common;

use std::path::Path;
use std::process::Command;

use formats_common::{check, fixture};

const ESC: char = '\u{1b}';

fn on_a_terminal(root: &Path, no_color: Option<&str>) -> Option<String> {
    let bin = formats_common::common::binary();
    let cmd = format!(
        "{} check --log-dirs data-1,data-2 --kafka-version 3.9.0 --heap 1g --cores 2 \
         --ulimit-v 6899920 --ulimit-n 100000 --max-map-count 65530 -q",
        bin.display()
    );
    let mut c = Command::new("script");
    c.current_dir(root)
        .args(["-q", "-e", "-c", &cmd, "/dev/null"])
        .env_remove("NO_COLOR")
        .env("TERM", "xterm");
    if let Some(v) = no_color {
        c.env("NO_COLOR", v);
    }
    let out = c.output().ok()?;
    if out.status.code() != Some(1) {
        return None; // no usable `script` here
    }
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn no_colour_into_a_pipe_even_without_no_color() {
    let dir = tempfile::tempdir().unwrap();
    fixture(dir.path());
    let out = formats_common::common::preflight_process()
        .current_dir(dir.path())
        .env_remove("NO_COLOR")
        .args([
            "check",
            "--log-dirs",
            "data-1,data-2",
            "--kafka-version",
            "3.9.0",
        ])
        .args(["--ulimit-v", "6899920", "--ulimit-n", "100000"])
        .args(["--max-map-count", "65530"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("[FAIL] log_dirs"), "{text}");
    assert!(!text.contains(ESC));
    // Nor in a file written with --output.
    let (_, stdout, _) = check(dir.path(), "table", &["-o", "report.txt"]);
    assert!(stdout.is_empty());
    let file = std::fs::read_to_string(dir.path().join("report.txt")).unwrap();
    assert!(file.contains("Checks: FAIL") && !file.contains(ESC));
}

#[test]
fn status_words_coloured_on_a_terminal_unless_no_color() {
    let dir = tempfile::tempdir().unwrap();
    fixture(dir.path());
    let Some(tty) = on_a_terminal(dir.path(), None) else {
        eprintln!("skipped: no util-linux `script`");
        return;
    };
    assert!(
        tty.contains("\u{1b}[1m\u{1b}[31mFAIL\u{1b}[0m") || tty.contains("31mFAIL"),
        "{tty:?}"
    );
    assert!(
        tty.contains("32mPASS") && tty.contains("33mWARN"),
        "{tty:?}"
    );
    let plain = on_a_terminal(dir.path(), Some("1")).unwrap();
    assert!(!plain.contains(ESC), "NO_COLOR=1: {plain:?}");
    // An empty NO_COLOR does not disable colour (no-color.org).
    let empty = on_a_terminal(dir.path(), Some("")).unwrap();
    assert!(empty.contains("31mFAIL"), "{empty:?}");
}
