//! One report per broker: a stale report left next to a fresh one, or a file named twice, must
//! not count twice, and the report that is dropped must never be the one that fails.

use std::collections::BTreeMap;
use std::time::SystemTime;

use serde::Serialize;

use super::BrokerRow;

/// A report not merged because another report of the same broker was kept.
#[derive(Debug, Clone, Serialize)]
pub struct Superseded {
    pub file: String,
    /// The file kept in its place.
    pub by: String,
    pub reason: String,
}

/// Parsed, not compared as text: "10:00:00.5Z" sorts before "10:00:00Z" as a string, and
/// reports of older releases have whole seconds while newer ones have milliseconds.
pub fn instant(checked_at: Option<&str>) -> Option<SystemTime> {
    checked_at.and_then(|s| humantime::parse_rfc3339(s).ok())
}

/// Which of two reports of one broker stays, and why the other goes. Only a strictly newer
/// `checked_at` wins outright; a tie, or a time that cannot be read, keeps the worse verdict,
/// so the answer can only err towards "do not roll".
fn pick(old: BrokerRow, new: BrokerRow) -> (BrokerRow, Superseded) {
    let (t_old, t_new) = (
        instant(old.checked_at.as_deref()),
        instant(new.checked_at.as_deref()),
    );
    let at = |r: &BrokerRow| r.checked_at.clone().unwrap_or_else(|| "no time".into());
    let (keep, drop, reason) = match (t_old, t_new) {
        (Some(a), Some(b)) if a != b => {
            let (keep, drop) = if b > a { (new, old) } else { (old, new) };
            let reason = format!(
                "checked at {}, before {} ({})",
                at(&drop),
                keep.file,
                at(&keep)
            );
            (keep, drop, reason)
        }
        (a, b) => {
            let why = if a.is_some() && b.is_some() {
                format!("same checked_at ({})", at(&old))
            } else {
                "a checked_at that is missing or not RFC 3339, so neither is known to be newer"
                    .to_string()
            };
            // The earlier file stays on equal verdicts: the result must not depend on which
            // report the loop happened to see second.
            let (keep, drop) = if new.verdict > old.verdict {
                (new, old)
            } else {
                (old, new)
            };
            let reason = if keep.verdict == drop.verdict {
                format!(
                    "{why} as {} and the same verdict ({})",
                    keep.file,
                    keep.verdict.as_str()
                )
            } else {
                format!(
                    "{why} as {}: the worse verdict was kept ({} over {})",
                    keep.file,
                    keep.verdict.as_str(),
                    drop.verdict.as_str()
                )
            };
            (keep, drop, reason)
        }
    };
    let s = Superseded {
        file: drop.file,
        by: keep.file.clone(),
        reason: format!("superseded (same host, cluster and broker id): {reason}"),
    };
    (keep, s)
}

/// Keeps one report per host + cluster + broker id. Reports without a cluster or broker id
/// cannot be told apart safely and all stay; so do unreadable inputs, which have no verdict to
/// compare and must stay visible.
pub fn newest_per_broker(rows: Vec<BrokerRow>) -> (Vec<BrokerRow>, Vec<Superseded>) {
    let mut newest: BTreeMap<(String, String, i64), BrokerRow> = BTreeMap::new();
    let mut kept = Vec::new();
    let mut superseded = Vec::new();
    for r in rows {
        let (Some(c), Some(id), None) = (r.cluster_id.clone(), r.broker_id, &r.unreadable) else {
            kept.push(r);
            continue;
        };
        let key = (c, r.host.clone(), id);
        let winner = match newest.remove(&key) {
            None => r,
            Some(old) => {
                let (keep, s) = pick(old, r);
                superseded.push(s);
                keep
            }
        };
        newest.insert(key, winner);
    }
    kept.extend(newest.into_values());
    (kept, superseded)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::fleet::{parse, row, Status};

    fn report(file: &str, verdict: &str, at: Option<&str>) -> BrokerRow {
        let at = at.map_or("null".to_string(), |a| format!("\"{a}\""));
        let r = parse(&format!(
            r#"{{"schema_version": 1, "verdict": "{verdict}", "broker": {{"host": "h", "broker_id": 1, "cluster_id": "c", "checked_at": {at}}}}}"#
        ))
        .unwrap();
        row(Path::new(file), &r).unwrap()
    }

    fn merge(rows: Vec<BrokerRow>) -> (Vec<BrokerRow>, Vec<Superseded>) {
        newest_per_broker(rows)
    }

    #[test]
    fn the_newer_report_wins_whatever_its_verdict() {
        let (kept, gone) = merge(vec![
            report("new.json", "pass", Some("2026-11-25T10:00:00Z")),
            report("old.json", "fail", Some("2026-11-24T10:00:00Z")),
        ]);
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].file, "new.json");
        assert_eq!(gone[0].file, "old.json");
        assert_eq!(gone[0].by, "new.json");
        assert!(
            gone[0].reason.starts_with("superseded"),
            "{}",
            gone[0].reason
        );
        assert!(
            gone[0].reason.contains("before new.json"),
            "{}",
            gone[0].reason
        );
    }

    #[test]
    fn a_tie_keeps_the_worse_verdict_in_either_order_and_says_so() {
        for order in [["a.json", "b.json"], ["b.json", "a.json"]] {
            let at = Some("2026-11-25T10:00:00Z");
            let rows = order
                .iter()
                .map(|f| report(f, if *f == "b.json" { "fail" } else { "pass" }, at))
                .collect();
            let (kept, gone) = merge(rows);
            assert_eq!(kept[0].verdict, Status::Fail, "{order:?}");
            assert_eq!(kept[0].file, "b.json");
            assert_eq!(gone[0].file, "a.json");
            let why = &gone[0].reason;
            assert!(why.contains("same checked_at"), "{why}");
            assert!(
                why.contains("worse verdict was kept (fail over pass)"),
                "{why}"
            );
            assert!(!why.contains("checked later"), "{why}");
        }
    }

    #[test]
    fn sub_second_times_order_against_whole_seconds() {
        // As strings "10:00:00.500Z" < "10:00:00Z"; as instants it is half a second later.
        let (kept, _) = merge(vec![
            report("ms.json", "fail", Some("2026-11-25T10:00:00.500Z")),
            report("s.json", "pass", Some("2026-11-25T10:00:00Z")),
        ]);
        assert_eq!(kept[0].file, "ms.json");
        let (kept, _) = merge(vec![
            report("early.json", "fail", Some("2026-11-25T10:00:00.100Z")),
            report("late.json", "pass", Some("2026-11-25T10:00:00.200Z")),
        ]);
        assert_eq!(kept[0].file, "late.json");
    }

    #[test]
    fn an_unreadable_time_cannot_win_on_time() {
        let (kept, gone) = merge(vec![
            report("fail.json", "fail", None),
            report("pass.json", "pass", Some("2026-11-25T10:00:00Z")),
        ]);
        assert_eq!(kept[0].file, "fail.json");
        assert!(
            gone[0].reason.contains("not RFC 3339"),
            "{}",
            gone[0].reason
        );
        let (kept, _) = merge(vec![
            report("pass.json", "pass", Some("yesterday")),
            report("warn.json", "warn", Some("2026-11-25T10:00:00Z")),
        ]);
        assert_eq!(kept[0].file, "warn.json");
    }

    #[test]
    fn three_reports_keep_the_newest_even_after_a_tie() {
        let (kept, gone) = merge(vec![
            report("a.json", "fail", Some("2026-11-25T10:00:00Z")),
            report("b.json", "pass", Some("2026-11-25T10:00:00Z")),
            report("c.json", "pass", Some("2026-11-25T11:00:00Z")),
        ]);
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].file, "c.json");
        assert_eq!(gone.len(), 2);
    }
}
