//! Property: for random workloads, Kafka versions, scenarios and limits, every check that can
//! fail is `fail` exactly when its limit is below its `required` value, and JSON, CSV,
//! Prometheus, the table and the markdown state the same `required` (the human outputs to the
//! KiB they print) and status. Limits are drawn around the need itself
//! (need - 1, need, need + 1, ...), so the boundary is hit every time, not by luck.

use clap::Parser;
use kafka_preflight::cli::{Cli, Command};
use kafka_preflight::options::CheckOptions;
use kafka_preflight::output::{self, report::Report, Format};
use kafka_preflight::pipeline::{self, Prepared, Scanned};
use kafka_preflight::plan::{inventory, Workload};
use kafka_preflight::verdict::{CheckId, Status};
use proptest::prelude::*;

const VERSIONS: [&str; 6] = ["1.1.0", "2.2.0", "2.8.2", "3.9.0", "4.0.0", "4.1.1"];
const SCENARIOS: [&str; 3] = ["as-found", "clean", "crash"];

fn options(version: &str, scenario: &str, limits: [String; 3], gc_off: bool) -> CheckOptions {
    let [v, n, m] = limits;
    let mut argv: Vec<String> = [
        "kafka-preflight",
        "check",
        "--log-dirs",
        "/plan/a,/plan/b",
        "-q",
        "--kafka-version",
        version,
        "--scenario",
        scenario,
        "--heap",
        "1g",
        "--cores",
        "2",
        "--ulimit-v",
        &v,
        "--ulimit-n",
        &n,
        "--max-map-count",
        &m,
    ]
    .map(String::from)
    .to_vec();
    if gc_off {
        argv.extend(["--jvm-opts".into(), "-XX:+DisableExplicitGC".into()]);
    }
    let Command::Check(args) = Cli::parse_from(argv).command else {
        unreachable!()
    };
    CheckOptions::from_args(&args).unwrap()
}

fn evaluate(o: &CheckOptions, w: &Workload) -> Report {
    let p = pipeline::prepare(o).unwrap();
    let mut w = w.clone();
    w.log_dirs = p.config.log_dirs.clone();
    let s: Scanned = pipeline::settle_topics(o, &p.config, inventory(&w, 4096)).unwrap();
    let p = Prepared {
        config: p.config,
        env: p.env,
    };
    pipeline::evaluate(o, &p, &s).unwrap()
}

fn required(r: &Report, id: CheckId) -> u64 {
    r.checks
        .iter()
        .find(|c| c.id == id)
        .unwrap()
        .required
        .unwrap()
}

/// (status, required) per check id, as each machine-readable format states them.
fn from_json(r: &Report) -> Vec<(String, String, Option<u64>)> {
    let v: serde_json::Value =
        serde_json::from_str(&output::check::render(r, Format::Json)).unwrap();
    v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_string(),
                c["status"].as_str().unwrap().to_string(),
                c["required"].as_u64(),
            )
        })
        .collect()
}

fn from_csv(r: &Report) -> Vec<(String, String, Option<u64>)> {
    let text = output::check::render(r, Format::Csv);
    let mut rd = csv::Reader::from_reader(text.as_bytes());
    let h = rd.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|c| c == n).unwrap();
    let (status, req) = (col("status"), col("required"));
    rd.records()
        .map(Result::unwrap)
        .filter(|x| &x[0] == "check")
        .map(|x| (x[1].to_string(), x[status].to_string(), x[req].parse().ok()))
        .collect()
}

fn from_prometheus(r: &Report) -> Vec<(String, String, Option<u64>)> {
    let text = output::check::render(r, Format::Prometheus);
    let sample = |metric: &str, id: &str| {
        let key = format!("kafka_preflight_{metric}{{check=\"{id}\"}} ");
        text.lines()
            .find_map(|l| l.strip_prefix(&key))
            .map(|v| v.parse::<f64>().unwrap())
    };
    r.checks
        .iter()
        .map(|c| {
            let id = c.id.as_str();
            let status = match sample("check_status", id) {
                Some(0.0) => "pass",
                Some(1.0) => "warn",
                Some(2.0) => "fail",
                other => panic!("{id}: status {other:?}"),
            };
            (
                id.to_string(),
                status.to_string(),
                sample("required", id).map(|v| v as u64),
            )
        })
        .collect()
}

/// The number in the second `[...]` of a check's summary ("WHAT [current] ... [required]"),
/// in the check's unit: bytes from "N KiB" (to the KiB), else the count.
fn bracketed_required(summary: &str) -> Option<u64> {
    let inner = summary.split('[').nth(2)?.split(']').next()?;
    let text = inner.replace(',', "");
    match text.strip_suffix(" KiB") {
        Some(kib) => kib.trim().parse::<u64>().ok().map(|k| k * 1024),
        None => text.trim().parse().ok(),
    }
}

/// The three limit checks as (id, status, required) from a human output's check lines, with
/// `required` to the resolution the text shows (KiB for virtual memory).
fn numbered(rows: Vec<(String, String, String)>) -> Vec<(String, String, Option<u64>)> {
    rows.into_iter()
        .map(|(id, status, summary)| {
            let req = ["virtual_memory", "map_areas", "open_files"]
                .contains(&id.as_str())
                .then(|| bracketed_required(&summary))
                .flatten();
            (id, status, req)
        })
        .collect()
}

/// The table's "Checks:" section: "  [FAIL] id: summary" with wrapped continuation lines.
fn from_table(r: &Report) -> Vec<(String, String, Option<u64>)> {
    let text = output::check::render(r, Format::Table);
    let section = text.split("\nChecks: ").nth(1).expect("a Checks: section");
    let mut rows: Vec<(String, String, String)> = Vec::new();
    for line in section.lines().skip(1) {
        if let Some(rest) = line.strip_prefix("  [") {
            let (status, rest) = rest.split_once("] ").unwrap();
            let (id, summary) = rest.split_once(": ").unwrap();
            rows.push((id.into(), status.to_lowercase(), summary.into()));
        } else if line.starts_with("      ") && !rows.is_empty() {
            let last = rows.last_mut().unwrap();
            last.2.push(' ');
            last.2.push_str(line.trim());
        } else {
            break;
        }
    }
    numbered(rows)
}

/// The markdown's "### Checks" table: | Status | Check | Required | Limit | Summary |.
fn from_markdown(r: &Report) -> Vec<(String, String, Option<u64>)> {
    let text = output::check::render(r, Format::Markdown);
    let section = text.split("### Checks\n").nth(1).expect("a Checks table");
    let unescape = |c: &str| {
        c.trim()
            .replace("\\_", "_")
            .replace("\\[", "[")
            .replace("\\]", "]")
    };
    let rows = section
        .lines()
        .skip(3)
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            let cells: Vec<String> = l.trim_matches('|').split(" | ").map(unescape).collect();
            (cells[1].clone(), cells[0].to_lowercase(), cells[4].clone())
        })
        .collect();
    numbered(rows)
}

/// The JSON's checks in the order and resolution of the human outputs: failures first, and
/// virtual memory to the KiB the text shows (rounded up, as the check states a need).
fn as_shown(
    json: &[(String, String, Option<u64>)],
    r: &Report,
) -> Vec<(String, String, Option<u64>)> {
    let order: Vec<&str> = output::check::table::failures_first(r)
        .iter()
        .map(|c| c.id.as_str())
        .collect();
    let mut rows: Vec<_> = json
        .iter()
        .map(|(id, st, req)| {
            let shown = ["virtual_memory", "map_areas", "open_files"].contains(&id.as_str());
            let req = req.filter(|_| shown).map(|b| {
                if id == "virtual_memory" {
                    b.div_ceil(1024) * 1024
                } else {
                    b
                }
            });
            (id.clone(), st.clone(), req)
        })
        .collect();
    rows.sort_by_key(|(id, _, _)| order.iter().position(|o| o == id));
    rows
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn fail_exactly_when_the_limit_is_below_required(
        partitions in 1u64..1500,
        segments in 1u64..12,
        segment_mib in prop::sample::select(vec![16u64, 64, 256, 1024]),
        unflushed in 1u64..4,
        crash in any::<bool>(),
        version in prop::sample::select(VERSIONS.to_vec()),
        scenario in prop::sample::select(SCENARIOS.to_vec()),
        gc_off in any::<bool>(),
        // Offsets from the need: below, at, just above, far above.
        dv in prop::sample::select(vec![-2i64, -1, 0, 1, 5000]),
        dm in prop::sample::select(vec![-2i64, -1, 0, 1, 5000]),
        dn in prop::sample::select(vec![-2i64, -1, 0, 1, 5000]),
    ) {
        let segment_bytes = segment_mib << 20;
        let w = Workload {
            topics: 7,
            partitions,
            bytes_per_partition: segments * segment_bytes - segment_bytes / 2,
            segment_bytes,
            index_max_bytes: 10 << 20,
            index_interval_bytes: 4096,
            log_dirs: Vec::new(),
            unflushed_segments: unflushed,
            crash,
        };
        let unlimited = || ["unlimited".to_string(), "unlimited".into(), "10000000".into()];
        let need = evaluate(&options(version, scenario, unlimited(), gc_off), &w);
        let around = |n: u64, d: i64| (n as i64 + d).max(1) as u64;
        let vm_kib = around(required(&need, CheckId::VirtualMemory).div_ceil(1024), dv);
        let limits = [
            vm_kib.to_string(),
            around(required(&need, CheckId::OpenFiles), dn).to_string(),
            around(required(&need, CheckId::MapAreas), dm).to_string(),
        ];
        let r = evaluate(&options(version, scenario, limits, gc_off), &w);
        for c in r.checks.iter().filter(|c| c.id.can_fail() && c.id != CheckId::LogDirs) {
            let (req, lim) = (c.required.unwrap(), c.limit.unwrap());
            prop_assert_eq!(c.status == Status::Fail, req > lim, "{:?}", c);
        }
        for c in r.checks.iter().filter(|c| !c.id.can_fail()) {
            prop_assert_ne!(c.status, Status::Fail, "{:?}", c);
        }
        let json = from_json(&r);
        prop_assert_eq!(&json, &from_csv(&r));
        prop_assert_eq!(&json, &from_prometheus(&r));
        // The human outputs state the same status and the same required number.
        let shown = as_shown(&json, &r);
        prop_assert_eq!(&shown, &from_table(&r));
        prop_assert_eq!(&shown, &from_markdown(&r));
    }
}
