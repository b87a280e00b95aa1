//! docs/report-json.md documents the full JSON schema: every key the report prints on the fixture
//! (at any depth) appears there as `"key"`, so a new key cannot ship undocumented.

mod formats_common;

use std::collections::BTreeSet;

use formats_common::{check, fixture};
use serde_json::Value;

fn keys(v: &Value, path: &str, out: &mut BTreeSet<(String, String)>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                out.insert((k.clone(), format!("{path}.{k}")));
                keys(x, &format!("{path}.{k}"), out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| keys(x, &format!("{path}[]"), out)),
        _ => {}
    }
}

#[test]
fn every_json_key_is_documented() {
    let dir = tempfile::tempdir().unwrap();
    fixture(dir.path());
    // A clean-shutdown marker with content and a meta.properties, so those keys appear too.
    std::fs::write(
        dir.path().join("data-1/.kafka_cleanshutdown"),
        r#"{"version":0,"brokerEpoch":12}"#,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("data-1/meta.properties"),
        "version=0\nbroker.id=7\ncluster.id=abc\n",
    )
    .unwrap();
    let (_, out, err) = check(dir.path(), "json", &[]);
    let report: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {err}"));
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/report-json.md"))
        .unwrap();
    let mut all = BTreeSet::new();
    keys(&report, "", &mut all);
    let missing: Vec<String> = all
        .iter()
        .filter(|(k, _)| !doc.contains(&format!("\"{k}\"")))
        .map(|(_, p)| p.clone())
        .collect();
    assert!(
        missing.is_empty(),
        "undocumented in docs/report-json.md: {missing:?}"
    );
    assert!(all.len() > 100, "the fixture exercises the schema");
}
