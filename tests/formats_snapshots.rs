//! Snapshots of every output format on one fixed broker, so format changes are reviewed.
//! Redacted: the tempdir (`[TMP]`), the host and the time of the check.

mod formats_common;

use formats_common::{check, common, fixture};

fn snapshot(format: &str, extra: &[&str]) -> String {
    // Under /tmp with a fixed prefix, not $TMPDIR: the path's length sets the table's column
    // widths, so it must be the same on every machine.
    let dir = tempfile::Builder::new()
        .prefix("kp-snap-")
        .tempdir_in("/tmp")
        .unwrap();
    fixture(dir.path());
    let (code, out, err) = check(dir.path(), format, extra);
    assert_eq!(code, 1, "the fixture fails a check; stderr: {err}");
    assert!(
        err.is_empty(),
        "nothing on stderr without a terminal: {err}"
    );
    assert!(
        !out.contains('\u{1b}'),
        "no colour when stdout is not a terminal"
    );
    // The tempdir as given and as the kernel resolves it (/tmp may be a symlink).
    let mut out = out.replace(&dir.path().display().to_string(), "[TMP]");
    if let Ok(real) = dir.path().canonicalize() {
        out = out.replace(&real.display().to_string(), "[TMP]");
    }
    out
}

#[test]
fn table() {
    common::snapshot("table", &snapshot("table", &["--show-topics"]));
}

#[test]
fn json() {
    common::snapshot("json", &snapshot("json", &[]));
}

#[test]
fn markdown() {
    common::snapshot("markdown", &snapshot("markdown", &[]));
}

#[test]
fn csv() {
    common::snapshot("csv", &snapshot("csv", &[]));
}

#[test]
fn prometheus() {
    common::snapshot("prometheus", &snapshot("prometheus", &[]));
}
