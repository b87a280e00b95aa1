//! A test that runs the binary as `nobody` must not depend on where the checkout sits: from a
//! home directory (0700) `nobody` cannot even exec target/debug/kafka-preflight. The helper
//! hands such tests a copy anyone can run; this shows the failure it avoids and that it works.

#[path = "common/mod.rs"]
mod common;

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;

#[test]
fn nobody_can_run_the_binary_from_a_checkout_only_its_owner_can_enter() {
    // SAFETY: geteuid cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("SKIPPED: needs root to switch to nobody");
        return;
    }
    // A checkout in a 0700 home directory, as the issue found it.
    let home = tempfile::tempdir().unwrap();
    std::fs::set_permissions(home.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    let bin = home.path().join("kafka-preflight");
    std::fs::copy(common::binary(), &bin).unwrap();
    let direct = std::process::Command::new(&bin)
        .arg("--version")
        .uid(65534)
        .gid(65534)
        .output();
    assert!(
        direct.map_or(true, |o| !o.status.success()),
        "nobody ran a binary inside a 0700 directory: the premise of this test is wrong"
    );
    let out = common::preflight_process_any_user()
        .arg("--version")
        .uid(65534)
        .gid(65534)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("kafka-preflight "));
}
