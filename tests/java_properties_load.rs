//! kafka-preflight's server.properties reader against the JDK's own `Properties.load` on the
//! same bytes (tests/java/LoadProperties.java): the cases operators hit (a backslash at the end
//! of the file, surrogate pairs from `Properties.store`, a UTF-8 BOM, CRLF) and a few thousand
//! random files over the characters the format cares about. Needs javac/java; skipped with a
//! message without them, except under CI=true.

mod common;

use std::collections::BTreeSet;
use std::process::Command;

use kafka_preflight::config::java_properties::load;

/// The cases from the field, each a file.
const CASES: &[&[u8]] = &[
    b"log.dirs=/data/1\nlog.segment.bytes=1073741824\\",
    b"k=\\uD83D\\uDE00\n",
    b"k=\\uD83D\n",
    b"\xef\xbb\xbflog.dirs=/data\nnum.partitions=3\n",
    b"a=1\r\nb=2\r\n\\\r\n",
    b"a=x\\\r\n  y\rb=\\\n\n",
    b"#only a comment\\",
    b"\\\n#x=1\n",
    b"   \t\x0c k \t: v  \n",
    b"k=\\u12",
    b"k=\\uXYZW\n",
    b"k=\xff\xfe\n",
    b"=v\n:w\n",
    b"a\\ b=c\\=d\\\\\n",
];

/// Random files: few symbols, so every rule meets every other often.
fn random_files(n: usize) -> Vec<Vec<u8>> {
    const ALPHABET: &[u8] = b"ab=: \t\\\\\\\n\n\r#!uD0Ef\xef\xbb";
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    (0..n)
        .map(|_| {
            let len = (next() % 24) as usize;
            (0..len)
                .map(|_| ALPHABET[(next() % ALPHABET.len() as u64) as usize])
                .collect()
        })
        .collect()
}

fn hex(s: &str) -> String {
    s.chars().map(|c| format!("{:x},", c as u32)).collect()
}

/// What our reader makes of `bytes`, in LoadProperties.java's notation (last duplicate wins).
fn ours(bytes: &[u8]) -> BTreeSet<String> {
    match load(bytes) {
        Err(_) => BTreeSet::from(["ERROR".to_string()]),
        Ok(entries) => {
            let mut map = std::collections::HashMap::new();
            for e in entries {
                map.insert(e.key, e.value);
            }
            map.iter()
                .map(|(k, v)| format!("{}={}", hex(k), hex(v)))
                .collect()
        }
    }
}

#[test]
fn reads_every_file_as_the_jdk_does() {
    if !common::java::present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    common::java::javac("LoadProperties.java", dir.path());
    let mut inputs: Vec<Vec<u8>> = CASES.iter().map(|c| c.to_vec()).collect();
    inputs.extend(random_files(3000));
    let paths: Vec<_> = inputs
        .iter()
        .enumerate()
        .map(|(i, bytes)| {
            let p = dir.path().join(format!("{i}.properties"));
            std::fs::write(&p, bytes).unwrap();
            p
        })
        .collect();
    let out = Command::new("java")
        .arg("-cp")
        .arg(dir.path())
        .arg("LoadProperties")
        .args(&paths)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut jdk: Vec<BTreeSet<String>> = Vec::new();
    for line in text.lines() {
        if line.starts_with("FILE ") {
            jdk.push(BTreeSet::new());
        } else {
            jdk.last_mut().unwrap().insert(line.to_string());
        }
    }
    assert_eq!(jdk.len(), inputs.len());
    for (i, (bytes, want)) in inputs.iter().zip(&jdk).enumerate() {
        assert_eq!(
            &ours(bytes),
            want,
            "file {i}: {:?} (our reader vs Properties.load)",
            String::from_utf8_lossy(bytes)
        );
    }
}
