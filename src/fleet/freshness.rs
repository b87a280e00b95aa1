//! `merge --max-age`: a report older than the operator allows is not evidence about the broker
//! today (its log dirs grew, its limits changed), so before a rolling restart its broker counts
//! as unknown, like one whose report could not be read. A report with no `checked_at` has no
//! age and is unknown under `--max-age` too.

use std::time::{Duration, SystemTime};

use super::supersede::instant;
use super::{BrokerRow, FileError, InBroker};

/// How old a report may be, and the instant ages are measured from (now, or fixed in tests).
#[derive(Debug, Clone, Copy)]
pub struct MaxAge {
    pub max: Duration,
    pub now: SystemTime,
}

impl MaxAge {
    /// Why `row` is too old to count, or None when it is fresh enough (a report from the
    /// future, a skewed clock, counts as fresh).
    fn stale(&self, row: &BrokerRow) -> Option<String> {
        let limit = crate::units::duration(self.max.as_secs_f64());
        let Some(at) = instant(row.checked_at.as_deref()) else {
            return Some(match &row.checked_at {
                Some(t) => format!("checked_at {t:?} is not an RFC 3339 time, so its age is unknown (--max-age {limit}): rerun check on this broker"),
                None => format!("the report has no checked_at, so its age is unknown (--max-age {limit}): rerun check on this broker"),
            });
        };
        let age = self.now.duration_since(at).ok()?;
        (age > self.max).then(|| {
            format!(
                "checked {} ago ({}), older than --max-age {limit}: rerun check on this broker",
                crate::units::duration(age.as_secs_f64()),
                row.checked_at.as_deref().unwrap_or_default()
            )
        })
    }
}

/// Splits the rows into the fresh ones and, for each stale one, the error that makes its broker
/// unknown (in its cluster, under its host).
pub fn split(rows: Vec<BrokerRow>, max_age: Option<&MaxAge>) -> (Vec<BrokerRow>, Vec<FileError>) {
    let Some(m) = max_age else {
        return (rows, Vec::new());
    };
    let mut fresh = Vec::new();
    let mut stale = Vec::new();
    for r in rows {
        match m.stale(&r) {
            None => fresh.push(r),
            Some(error) => stale.push(FileError {
                identity: InBroker {
                    host: Some(r.host.clone()),
                    broker_id: r.broker_id,
                    cluster_id: r.cluster_id.clone(),
                    kafka_version: r.kafka_version.clone(),
                    checked_at: r.checked_at.clone(),
                },
                file: r.file,
                error,
            }),
        }
    }
    (fresh, stale)
}
