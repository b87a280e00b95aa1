//! `--help` texts are snapshots, so flag documentation changes are reviewed; completions and the
//! man page are generated from the same definitions.

#[path = "common/mod.rs"]
mod common;
fn run(args: &[&str]) -> String {
    let out = common::preflight()
        // A fixed wrap width: no terminal here, and COLUMNS could come from the caller.
        .env("COLUMNS", "100")
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?}: {:?}", out);
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn help() {
    insta::assert_snapshot!("help", run(&["--help"]));
}

#[test]
fn check_help() {
    let h = run(&["check", "--help"]);
    for f in [
        "markdown",
        "csv",
        "prometheus",
        "--quiet",
        "Exit codes:",
        "Examples:",
        "Limit sources",
    ] {
        assert!(h.contains(f), "{f} in check --help");
    }
    // Its text is snapshotted with every other subcommand's in snapshots_every_result.rs.
}

#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let s = run(&["completions", shell]);
        assert!(s.contains("kafka-preflight"), "{shell}");
        if matches!(shell, "bash" | "zsh" | "fish") {
            assert!(s.contains("prometheus"), "{shell}: values of --format");
        }
    }
}

#[test]
fn man_page_documents_every_subcommand() {
    let m = run(&["man"]);
    assert!(m.contains(".TH kafka-preflight 1"), "{m}");
    for s in [
        "KAFKA-PREFLIGHT CHECK",
        "KAFKA-PREFLIGHT COMPLETIONS",
        "\\-\\-format",
        "\\-\\-quiet",
    ] {
        assert!(m.contains(s), "{s} in the man page");
    }
}
