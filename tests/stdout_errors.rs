//! stdout going away is not a crash: a reader that closes the pipe early (`| head -1`) ends the
//! command quietly with exit 0; a stdout that cannot be written (`> /dev/full`) is a clean
//! error with exit 2. Both used to panic in print! with exit 101.

#[path = "common/mod.rs"]
mod common;

use std::os::fd::{FromRawFd, OwnedFd};
use std::process::{Output, Stdio};

/// Runs the binary with a stdout whose reader is gone before it starts: no race with a
/// command that writes quickly.
fn with_closed_stdout(args: &[String]) -> Output {
    let mut fds = [0; 2];
    // SAFETY: pipe() fills both fds on success; each is owned exactly once below.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    drop(read);
    common::preflight_process()
        .args(args)
        .stdout(Stdio::from(write))
        .stderr(Stdio::piped())
        .output()
        .unwrap()
}

fn tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    kafka_preflight::synth::write_log_dir(
        &dir.path().join("data"),
        &kafka_preflight::synth::uniform(3, 20, 4),
        true,
    )
    .unwrap();
    dir
}

fn check_args(dir: &std::path::Path) -> Vec<String> {
    let data = dir.join("data").display().to_string();
    [
        "check",
        "-q",
        "--log-dirs",
        &data,
        "--kafka-version",
        "3.9.0",
    ]
    .into_iter()
    .chain(["--ulimit-v", "1000", "--show-topics"])
    .map(String::from)
    .collect()
}

#[test]
fn a_closed_stdout_exits_0_quietly() {
    let dir = tree();
    let out = with_closed_stdout(&check_args(dir.path()));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.trim().is_empty(), "quiet: {err}");
}

#[test]
fn a_full_disk_is_a_clean_error() {
    if !std::path::Path::new("/dev/full").exists() {
        eprintln!("SKIPPED: no /dev/full");
        return;
    }
    let dir = tree();
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = common::preflight_process()
        .args(check_args(dir.path()))
        .stdout(full)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("cannot write to stdout"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn plan_merge_audit_and_inspect_survive_a_closed_stdout_too() {
    let dir = tree();
    let report = dir.path().join("r.json");
    let out = common::preflight()
        .args(check_args(dir.path()))
        .args(["--format", "json", "-o"])
        .arg(&report)
        .output()
        .unwrap();
    assert!(report.is_file(), "{}", String::from_utf8_lossy(&out.stderr));
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    let runs: [Vec<String>; 4] = [
        [
            "plan",
            "--partitions",
            "100",
            "--bytes-per-partition",
            "1GiB",
            "--log-dirs",
            "/x",
        ]
        .map(String::from)
        .to_vec(),
        vec!["merge".into(), report.display().to_string()],
        vec![
            "audit".into(),
            "--log".into(),
            format!("{fixtures}/broker-logs/3.9.0-clean-started.log"),
        ],
        vec![
            "inspect".into(),
            "--proc-root".into(),
            format!("{fixtures}/proc/host"),
        ],
    ];
    for args in runs {
        let out = with_closed_stdout(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}
