//! The unit-file reader against systemd's own parser on the same files. `systemd-analyze verify`
//! loads a unit without a running manager and logs "Failed to parse resource value, ignoring:
//! VALUE" for a `Limit*=` it cannot use, so a deliberately bad value shows exactly what systemd
//! read: through a BOM, continuations (one open at the end of the file), comments between
//! continued lines, escaped backslashes, CRLF, and section names. Skipped with a message when
//! systemd-analyze is missing, except under CI=true.

use std::process::Command;

use kafka_preflight::limits::service_assignments;

const CASES: &[&[u8]] = &[
    b"\xef\xbb\xbf[Service]\nExecStart=/bin/true\nLimitAS=bom1\n",
    b"[Service]\nExecStart=/bin/true\nLimitAS=eof\\\n  cont\\",
    b"[Service]\nExecStart=/bin/true\nLimitAS=eof2\\",
    b"[Service]\nExecStart=/bin/true\nLimitAS=a\\\n# comment between\n; another\n  b  \\\\\nLimitNOFILE=n1\n",
    b"[Service]\r\nExecStart=/bin/true\r\nLimitAS=crlf\\\r\n more\r\nLimitNOFILE=n2\r\n",
    b"[Service]\nExecStart=/bin/true\n# comment \\\nLimitAS=after-comment\n",
    b"[ Service ]\nLimitAS=spaced-section\n[Service]\nExecStart=/bin/true\n",
    b"[Service]\nExecStart=/bin/true\n   LimitAS  =   padded  \n",
    b"[Unit]\nLimitAS=wrong-section\n[Service]\nExecStart=/bin/true\nLimitNOFILE=a\\\\\\\nb\n",
];

/// The bad Limit*= values systemd reports, in file order.
fn systemd_values(file: &std::path::Path) -> Vec<String> {
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(file)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter_map(|l| l.split_once("Failed to parse resource value, ignoring: "))
        .map(|(_, v)| v.to_string())
        .collect()
}

#[test]
fn reads_units_as_systemd_does() {
    let present = Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        present || std::env::var_os("CI").is_none(),
        "CI=true but systemd-analyze is not on PATH"
    );
    if !present {
        eprintln!("SKIPPED: systemd-analyze not on PATH");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for (i, case) in CASES.iter().enumerate() {
        let file = dir.path().join(format!("case{i}.service"));
        std::fs::write(&file, case).unwrap();
        let ours: Vec<String> = service_assignments(&String::from_utf8_lossy(case))
            .into_iter()
            .filter(|(k, _, _)| k.starts_with("Limit"))
            .map(|(_, v, _)| v)
            .collect();
        assert_eq!(
            ours,
            systemd_values(&file),
            "case {i}: {:?} (ours vs systemd)",
            String::from_utf8_lossy(case)
        );
    }
}
