//! One number per check: the value a check compares (`required`) is the value every output
//! shows, the status is `fail` exactly when the limit is below it, and a limit set to it does
//! not fail. Before `required` existed, JSON/markdown/Prometheus/merge showed the best case
//! while the rule failed on the worst case of a start that recovers segments.

#[path = "formats_common/mod.rs"]
mod formats_common;

use formats_common::{check, fixture};
use serde_json::Value;

/// Between the fixture's best case (4 037 066 752 B) and worst case (4 184 899 584 B): data-2
/// crashed, so its start recovers segments and the worst case is the one required.
const BETWEEN_KIB: &str = "4000000";

fn json(root: &std::path::Path, extra: &[&str]) -> Value {
    let (_, text, err) = check(root, "json", extra);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}{err}"))
}

fn vm_check(r: &Value) -> &Value {
    r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "virtual_memory")
        .expect("virtual_memory check")
}

#[test]
fn a_failing_check_states_the_number_it_failed_on_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    fixture(dir.path());
    let args = ["--ulimit-v", BETWEEN_KIB];
    let r = json(dir.path(), &args);
    let c = vm_check(&r);
    let required = c["required"].as_u64().expect("required");
    let limit = c["limit"].as_u64().unwrap();
    let (best, worst) = (
        c["needed_best"].as_u64().unwrap(),
        c["needed_worst"].as_u64().unwrap(),
    );
    assert!(
        best < limit && limit < worst,
        "fixture: {best} < {limit} < {worst}"
    );
    assert_eq!(c["status"], "fail");
    assert_eq!(
        (required, &c["rule"], &c["case"]),
        (worst, &"recovery".into(), &"worst".into())
    );
    let kib = format!("[{} KiB]", required.div_ceil(1024));
    assert!(c["message"].as_str().unwrap().contains(&kib), "{c}");

    // Prometheus: the same number, a negative headroom, and the shipped alert rule fires.
    let (_, prom, _) = check(dir.path(), "prometheus", &args);
    let sample = |name: &str| -> f64 {
        let key = format!("{name}{{check=\"virtual_memory\"}} ");
        prom.lines()
            .find_map(|l| l.strip_prefix(&key))
            .unwrap_or_else(|| panic!("{key} missing in\n{prom}"))
            .parse()
            .unwrap()
    };
    assert_eq!(sample("kafka_preflight_required"), required as f64);
    assert_eq!(sample("kafka_preflight_check_status"), 2.0);
    assert!(sample("kafka_preflight_headroom_ratio") < 0.0);
    let rules = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/fleet/kafka-preflight.rules.yml"
    ))
    .unwrap();
    let ratio_rule = rules
        .lines()
        .find(|l| l.contains("expr:") && l.contains(" / "))
        .expect("the headroom rule");
    assert!(
        ratio_rule.contains("(kafka_preflight_required / kafka_preflight_limit) > 0.9"),
        "{ratio_rule}"
    );
    assert!(sample("kafka_preflight_required") / sample("kafka_preflight_limit") > 0.9);

    // Markdown and CSV show it too.
    let (_, md, _) = check(dir.path(), "markdown", &args);
    let row = md
        .lines()
        .find(|l| l.starts_with("| FAIL | virtual\\_memory |"))
        .expect("markdown row");
    assert!(
        row.contains(&kafka_preflight::units::bytes(required)),
        "{row}"
    );
    let (_, csv, _) = check(dir.path(), "csv", &args);
    let mut rd = csv::Reader::from_reader(csv.as_bytes());
    let head = rd.headers().unwrap().clone();
    let col = |name: &str| head.iter().position(|h| h == name).unwrap();
    let rec = rd
        .records()
        .map(Result::unwrap)
        .find(|r| &r[0] == "check" && &r[1] == "virtual_memory")
        .expect("csv check row");
    assert_eq!(rec[col("required")].parse::<u64>().unwrap(), required);
    assert_eq!(&rec[col("status")], "fail");

    // merge shows the same number.
    let report = dir.path().join("report.json");
    std::fs::write(&report, serde_json::to_string(&r).unwrap()).unwrap();
    let out = formats_common::common::preflight()
        .args(["merge", "--format", "json"])
        .arg(&report)
        .output()
        .unwrap();
    let merged: Value = serde_json::from_slice(&out.stdout).unwrap();
    let cell = &merged["clusters"][0]["brokers"][0]["virtual_memory"];
    assert_eq!(cell["required"].as_u64(), Some(required), "{merged}");
}

#[test]
fn a_limit_set_to_required_does_not_fail() {
    let dir = tempfile::tempdir().unwrap();
    fixture(dir.path());
    let r = json(dir.path(), &["--ulimit-v", BETWEEN_KIB]);
    let c = vm_check(&r);
    assert_eq!(c["status"], "fail");
    let kib = c["required"].as_u64().unwrap().div_ceil(1024).to_string();
    let again = json(dir.path(), &["--ulimit-v", &kib]);
    assert_ne!(vm_check(&again)["status"], "fail", "{}", vm_check(&again));
    let below = (kib.parse::<u64>().unwrap() - 1).to_string();
    let fails = json(dir.path(), &["--ulimit-v", &below]);
    assert_eq!(vm_check(&fails)["status"], "fail");
}
