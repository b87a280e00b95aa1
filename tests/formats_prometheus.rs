//! `--format prometheus` passes a strict reading of the text exposition format (what
//! node_exporter's textfile collector accepts): HELP and TYPE once each, before the metric's
//! samples, samples of a metric together, valid metric and label names, escaped label values,
//! float values, no timestamps, no duplicate series.

mod formats_common;

use std::collections::{BTreeMap, BTreeSet};

use formats_common::{check, fixture};

fn metric_name_ok(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(ch) if ch.is_ascii_alphabetic() || ch == '_' || ch == ':')
        && c.all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == ':')
}

fn label_name_ok(s: &str) -> bool {
    let mut c = s.chars();
    !s.starts_with("__")
        && matches!(c.next(), Some(ch) if ch.is_ascii_alphabetic() || ch == '_')
        && c.all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
}

fn value_ok(s: &str) -> bool {
    matches!(s, "+Inf" | "-Inf" | "NaN")
        || (s
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'))
            && s.parse::<f64>().is_ok_and(f64::is_finite))
}

/// Parses `{a="x",b="y"}` at the start of `s`; returns the labels (unescaped) and the rest.
fn labels(s: &str) -> Result<(BTreeMap<String, String>, &str), String> {
    let mut out = BTreeMap::new();
    let mut rest = s.strip_prefix('{').ok_or("expected {")?;
    if let Some(r) = rest.strip_prefix('}') {
        return Ok((out, r));
    }
    loop {
        let eq = rest.find('=').ok_or("label without =")?;
        let name = &rest[..eq];
        if !label_name_ok(name) {
            return Err(format!("bad label name {name:?}"));
        }
        rest = rest[eq + 1..]
            .strip_prefix('"')
            .ok_or("label value not quoted")?;
        let mut value = String::new();
        let mut chars = rest.char_indices();
        let end = loop {
            match chars.next().ok_or("unterminated label value")? {
                (_, '\\') => match chars.next().ok_or("dangling backslash")?.1 {
                    '\\' => value.push('\\'),
                    '"' => value.push('"'),
                    'n' => value.push('\n'),
                    c => return Err(format!("bad escape \\{c}")),
                },
                (i, '"') => break i,
                (_, '\n') => return Err("raw newline in label value".into()),
                (_, c) => value.push(c),
            }
        };
        if out.insert(name.to_string(), value).is_some() {
            return Err(format!("label {name} twice"));
        }
        rest = &rest[end + 1..];
        if let Some(r) = rest.strip_prefix(',') {
            rest = r;
        } else if let Some(r) = rest.strip_prefix('}') {
            return Ok((out, r));
        } else {
            return Err(format!("expected , or }} at {rest:?}"));
        }
    }
}

/// Every sample as (name, labels, value); panics with the line on any violation.
fn parse_strict(text: &str) -> Vec<(String, BTreeMap<String, String>, f64)> {
    assert!(text.ends_with('\n'), "ends with a newline");
    let (mut help, mut typ) = (BTreeSet::new(), BTreeMap::new());
    let mut finished: BTreeSet<String> = BTreeSet::new();
    let mut current: Option<String> = None;
    let mut series = BTreeSet::new();
    let mut samples = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let at = |m: &str| format!("line {}: {m}: {line:?}", n + 1);
        assert!(!line.is_empty(), "{}", at("empty line"));
        if let Some(c) = line.strip_prefix("# ") {
            let mut parts = c.splitn(3, ' ');
            let (kw, name, rest) = (parts.next(), parts.next(), parts.next());
            let name = name.unwrap_or_else(|| panic!("{}", at("comment without a name")));
            assert!(metric_name_ok(name), "{}", at("bad metric name"));
            assert!(
                !finished.contains(name) && current.as_deref() != Some(name),
                "{}",
                at("HELP/TYPE after the metric's samples")
            );
            match kw {
                Some("HELP") => {
                    assert!(help.insert(name.to_string()), "{}", at("HELP twice"));
                    assert!(rest.is_some_and(|h| !h.is_empty()), "{}", at("empty HELP"));
                }
                Some("TYPE") => {
                    let t = rest.unwrap_or("");
                    assert!(
                        matches!(t, "counter" | "gauge" | "histogram" | "summary" | "untyped"),
                        "{}",
                        at("bad TYPE")
                    );
                    assert!(
                        typ.insert(name.to_string(), t.to_string()).is_none(),
                        "{}",
                        at("TYPE twice")
                    );
                }
                _ => panic!("{}", at("unknown comment")),
            }
            continue;
        }
        assert!(!line.starts_with('#'), "{}", at("comment without a space"));
        let name_end = line
            .find(['{', ' '])
            .unwrap_or_else(|| panic!("{}", at("no value")));
        let name = &line[..name_end];
        assert!(metric_name_ok(name), "{}", at("bad metric name"));
        assert!(
            name.starts_with("kafka_preflight_"),
            "{}",
            at("outside the namespace")
        );
        assert!(
            help.contains(name) && typ.contains_key(name),
            "{}",
            at("sample before its HELP and TYPE")
        );
        if current.as_deref() != Some(name) {
            assert!(!finished.contains(name), "{}", at("samples not together"));
            if let Some(c) = current.take() {
                finished.insert(c);
            }
            current = Some(name.to_string());
        }
        let rest = &line[name_end..];
        let (lbls, rest) = if rest.starts_with('{') {
            labels(rest).unwrap_or_else(|e| panic!("{}", at(&e)))
        } else {
            (BTreeMap::new(), rest)
        };
        let value = rest
            .strip_prefix(' ')
            .unwrap_or_else(|| panic!("{}", at("one space before the value")));
        assert!(!value.contains(' '), "{}", at("a timestamp or extra field"));
        assert!(value_ok(value), "{}", at("bad value"));
        let v = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            "NaN" => f64::NAN,
            v => v.parse().unwrap(),
        };
        assert!(
            series.insert((name.to_string(), lbls.clone())),
            "{}",
            at("duplicate series")
        );
        samples.push((name.to_string(), lbls, v));
    }
    for name in help.iter().chain(typ.keys()) {
        assert!(
            samples.iter().any(|s| &s.0 == name),
            "{name}: HELP/TYPE without samples"
        );
    }
    samples
}

fn get(
    samples: &[(String, BTreeMap<String, String>, f64)],
    name: &str,
    label: &[(&str, &str)],
) -> f64 {
    let want: BTreeMap<String, String> = label
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    samples
        .iter()
        .find(|s| s.0 == name && s.1 == want)
        .unwrap_or_else(|| panic!("{name}{want:?} missing"))
        .2
}

#[test]
fn prometheus_output_is_strict_exposition_format() {
    let dir = tempfile::tempdir().unwrap();
    fixture(dir.path());
    // A cluster id that needs escaping in a label value.
    std::fs::write(
        dir.path().join("data-1/meta.properties"),
        "version=0\nbroker.id=7\ncluster.id=we\"ird\\\\id\n",
    )
    .unwrap();
    let now = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs_f64()
    };
    let before = now();
    let (code, text, err) = check(dir.path(), "prometheus", &[]);
    let after = now();
    assert_eq!(code, 1, "{err}");
    let s = parse_strict(&text);

    // A stopped collector is seen by the age of this, so it must be the check's own time.
    let ran = get(&s, "kafka_preflight_last_run_timestamp_seconds", &[]);
    assert!(
        before - 0.001 <= ran && ran <= after,
        "{before} <= {ran} <= {after}"
    );

    // The contract the alert rules use.
    let info = s
        .iter()
        .find(|x| x.0 == "kafka_preflight_info")
        .expect("info");
    assert_eq!(info.1["kafka_version"], "3.9.0");
    assert_eq!(info.1["broker_id"], "7");
    assert_eq!(info.1["cluster_id"], "we\"ird\\id");
    assert!(info.1.contains_key("host"));
    assert_eq!(info.2, 1.0);
    assert_eq!(get(&s, "kafka_preflight_status", &[]), 2.0);
    for check in ["virtual_memory", "map_areas", "open_files"] {
        let c = [("check", check)];
        assert_eq!(get(&s, "kafka_preflight_check_status", &c), 0.0);
        let (need, lim) = (
            get(&s, "kafka_preflight_required", &c),
            get(&s, "kafka_preflight_limit", &c),
        );
        assert!(need > 0.0 && lim > need);
        let h = get(&s, "kafka_preflight_headroom_ratio", &c);
        assert!((h - (1.0 - need / lim)).abs() < 1e-9);
    }
    assert_eq!(
        get(&s, "kafka_preflight_check_status", &[("check", "log_dirs")]),
        2.0
    );
    assert_eq!(
        get(&s, "kafka_preflight_limit", &[("check", "virtual_memory")]),
        6_899_920.0 * 1024.0
    );
    for m in [
        "kafka_preflight_index_mmap_bytes",
        "kafka_preflight_map_areas",
        "kafka_preflight_virtual_memory_bytes",
    ] {
        let (l, b, w) = (
            get(&s, m, &[("case", "live")]),
            get(&s, m, &[("case", "best")]),
            get(&s, m, &[("case", "worst")]),
        );
        assert!(l <= b && b <= w, "{m}: {l} {b} {w}");
    }
    assert_eq!(get(&s, "kafka_preflight_partitions", &[]), 7.0);
    assert_eq!(get(&s, "kafka_preflight_unflushed_segments", &[]), 9.0);
    assert!(get(&s, "kafka_preflight_open_files", &[]) > 0.0);
    assert!(get(&s, "kafka_preflight_recovery_seconds", &[]) > 0.0);
}

#[test]
fn unlimited_is_plus_inf() {
    let dir = tempfile::tempdir().unwrap();
    fixture(dir.path());
    let (_, text, _) = check(dir.path(), "prometheus", &["--ulimit-v", "unlimited"]);
    let s = parse_strict(&text);
    let c = [("check", "virtual_memory")];
    assert_eq!(get(&s, "kafka_preflight_limit", &c), f64::INFINITY);
    assert_eq!(get(&s, "kafka_preflight_headroom_ratio", &c), 1.0);
}

#[test]
fn the_strict_reader_rejects_what_it_should() {
    let ok = "# HELP kafka_preflight_x h\n# TYPE kafka_preflight_x gauge\nkafka_preflight_x{a=\"q\\\"\"} 1\n";
    assert_eq!(parse_strict(ok).len(), 1);
    for bad in [
        "kafka_preflight_x 1\n",
        "# HELP kafka_preflight_x h\n# TYPE kafka_preflight_x gauge\nkafka_preflight_x{a=\"q\"\"} 1\n",
        "# HELP kafka_preflight_x h\n# TYPE kafka_preflight_x gauge\nkafka_preflight_x{a=\"\\t\"} 1\n",
        "# HELP kafka_preflight_x h\n# TYPE kafka_preflight_x gauge\nkafka_preflight_x 1\nkafka_preflight_x 2\n",
        "# HELP kafka_preflight_x h\n# TYPE kafka_preflight_x gauge\nkafka_preflight_x inf\n",
        "# HELP kafka_preflight_x h\n# TYPE kafka_preflight_x gauge\nkafka_preflight_x{1a=\"x\"} 1\n",
        "# HELP kafka_preflight_x h\n# TYPE kafka_preflight_x gauge\nkafka_preflight_x 1 123\n",
    ] {
        assert!(
            std::panic::catch_unwind(|| parse_strict(bad)).is_err(),
            "accepted {bad:?}"
        );
    }
}
