//! Keys Kafka would not recognise, and a byte-order mark, through `check`: each named with its
//! file and line (or --set) and the key that was probably meant.

mod common;

fn check(props: &[u8], extra: &[&str]) -> (String, i32) {
    let d = tempfile::tempdir().unwrap();
    let logs = d.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    let file = d.path().join("server.properties");
    let mut text = props.to_vec();
    text.extend_from_slice(format!("\nlog.dirs={}\n", logs.display()).as_bytes());
    std::fs::write(&file, text).unwrap();
    let out = common::preflight()
        .args([
            "check",
            "-q",
            "--format",
            "json",
            "--kafka-version",
            "3.9.1",
        ])
        .args(["--ulimit-v", "unlimited", "--ulimit-n", "100000"])
        .arg("--config")
        .arg(&file)
        .args(extra)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    (v["problems"].to_string(), out.status.code().unwrap())
}

#[test]
fn misspelled_keys_are_named_with_file_line_and_the_likely_key() {
    let (problems, _) = check(
        b"log.segmnet.bytes=5000000\nnum.recovery.thread.per.data.dir=4\n",
        &["--set", "log.segmnet.bytes=5"],
    );
    assert!(
        problems.contains("--set: unknown key log.segmnet.bytes; did you mean log.segment.bytes?"),
        "{problems}"
    );
    assert!(
        problems.contains(
            "server.properties:2: unknown key num.recovery.thread.per.data.dir; did you mean num.recovery.threads.per.data.dir?"
        ),
        "{problems}"
    );
}

#[test]
fn a_bom_before_the_first_key_gets_its_own_message() {
    let (problems, _) = check(b"\xef\xbb\xbfnum.partitions=3\n", &[]);
    assert!(
        problems.contains("byte-order mark") && problems.contains("Kafka ignores num.partitions"),
        "{problems}"
    );
    assert!(
        !problems.contains("did you mean"),
        "one message, not two: {problems}"
    );
    // Before a comment line the mark only makes a junk key nobody reads.
    let (problems, _) = check(
        b"\xef\xbb\xbf# Licensed to the ASF\nnum.partitions=3\n",
        &[],
    );
    assert!(!problems.contains("byte-order mark"), "{problems}");
}

#[test]
fn a_clean_config_has_no_key_warnings() {
    let (problems, _) = check(
        b"# comment\nprocess.roles=broker,controller\nnode.id=1\nlog.segment.bytes=1073741824\nlistener.name.internal.ssl.keystore.location=/x\n",
        &[],
    );
    assert!(
        !problems.contains("unknown key") && !problems.contains("not a broker config"),
        "{problems}"
    );
}
