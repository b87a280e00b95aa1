//! What `inspect` and `watch` share: the three limits a start can hit, each as one row (what
//! the process uses, its limit, the share left), and the verdict line made from those rows.
//! `inspect` fills the rows with what the broker uses now, `watch` with the peaks of a start;
//! every format of both takes its numbers from here, so they cannot disagree.

use crate::live::measure::{Headroom, Limits};
use crate::output::text;
use crate::units;
use crate::verdict::{CheckId, Status};

/// A limit with less than this share left is a warning: a running broker that close to a limit
/// has no room for the replaced mappings of its next (unclean) start.
pub const NEAR_PERCENT: f64 = 10.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    VirtualMemory,
    MapAreas,
    OpenFiles,
}

impl Resource {
    /// The id `check` uses for the same limit, spelled by [`CheckId`].
    pub fn id(self) -> &'static str {
        match self {
            Resource::VirtualMemory => CheckId::VirtualMemory,
            Resource::MapAreas => CheckId::MapAreas,
            Resource::OpenFiles => CheckId::OpenFiles,
        }
        .as_str()
    }

    pub fn label(self) -> &'static str {
        match self {
            Resource::VirtualMemory => "virtual memory",
            Resource::MapAreas => "map areas",
            Resource::OpenFiles => "open files",
        }
    }

    pub fn limit_name(self) -> &'static str {
        match self {
            Resource::VirtualMemory => "ulimit -v",
            Resource::MapAreas => "vm.max_map_count",
            Resource::OpenFiles => "ulimit -n",
        }
    }

    fn fix(self) -> &'static str {
        match self {
            Resource::VirtualMemory => {
                "raise ulimit -v (LimitAS=) before the next start; `check` says to what"
            }
            Resource::MapAreas => {
                "raise vm.max_map_count (sysctl) before the next start; `check` says to what"
            }
            Resource::OpenFiles => {
                "raise ulimit -n (LimitNOFILE=) before the next start; `check` says to what"
            }
        }
    }

    pub fn bytes(self) -> bool {
        self == Resource::VirtualMemory
    }
}

/// One limit: what the process uses (now, or at the peak), the soft limit, the share left.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Usage {
    pub resource: Resource,
    pub used: u64,
    /// None: unlimited, or the limits could not be read.
    pub limit: Option<u64>,
    /// Percent of `limit` left, as the JSON's headroom fields state it.
    pub free_percent: Option<f64>,
}

impl Usage {
    pub fn status(&self) -> Status {
        match self.free_percent {
            Some(f) if f <= 0.0 => Status::Fail,
            Some(f) if f < NEAR_PERCENT => Status::Warn,
            _ => Status::Pass,
        }
    }

    pub fn used_text(&self) -> String {
        amount(self.resource, Some(self.used), "-")
    }

    /// The limit, or `unlimited` (`unknown` when the limits could not be read).
    pub fn limit_text(&self, limits_known: bool) -> String {
        amount(
            self.resource,
            self.limit,
            if limits_known { "unlimited" } else { "unknown" },
        )
    }

    pub fn free_text(&self) -> String {
        crate::live::fmt::percent(self.free_percent)
    }

    /// "map areas: 62,904 of 65,530 (vm.max_map_count), 4.0% free": the bootstrap-check form.
    fn current_and_limit(&self) -> String {
        format!(
            "{}: {} of {} ({}), {} free",
            self.resource.label(),
            self.used_text(),
            self.limit_text(true),
            self.resource.limit_name(),
            self.free_text()
        )
    }
}

fn amount(r: Resource, v: Option<u64>, none: &str) -> String {
    match v {
        None => none.to_string(),
        Some(n) if r.bytes() => units::bytes(n),
        Some(n) => units::count(n),
    }
}

/// The three rows, from the used values, the limits and the headroom the result states.
pub fn usage(used: [u64; 3], limits: Option<&Limits>, headroom: &Headroom) -> [Usage; 3] {
    let [vm, maps, files] = used;
    [
        Usage {
            resource: Resource::VirtualMemory,
            used: vm,
            limit: limits.and_then(|l| l.virtual_memory_bytes.soft),
            free_percent: headroom.virtual_memory_percent,
        },
        Usage {
            resource: Resource::MapAreas,
            used: maps,
            limit: limits.map(|l| l.max_map_count.value),
            free_percent: headroom.map_areas_percent,
        },
        Usage {
            resource: Resource::OpenFiles,
            used: files,
            limit: limits.and_then(|l| l.open_files.soft),
            free_percent: headroom.open_files_percent,
        },
    ]
}

/// The worst row's status.
pub fn status(rows: &[Usage]) -> Status {
    rows.iter().map(Usage::status).max().unwrap_or(Status::Pass)
}

/// "nearest: virtual memory, 83.2% of ulimit -v used", or None when every limit is unlimited.
pub fn nearest(rows: &[Usage]) -> Option<String> {
    rows.iter()
        .filter_map(|u| u.free_percent.map(|f| (f, u)))
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(f, u)| {
            let used = 100.0 - f;
            let share = if used > 0.0 && used < 0.1 {
                "under 0.1%".to_string()
            } else {
                format!("{used:.1}%")
            };
            format!(
                "nearest: {}, {share} of {} used",
                u.resource.label(),
                u.resource.limit_name()
            )
        })
}

/// The verdict's first line, wrapped at `width` with a hanging indent.
pub fn headline(line: &str, width: usize) -> String {
    text::wrap(line.trim_end(), width, 0, 2) + "\n"
}

/// One line per limit that is not a pass, failures first: "  [WARN] map areas: 62,904 of
/// 65,530 (vm.max_map_count), 4.0% free: raise vm.max_map_count ...", wrapped to `width`.
pub fn problem_lines(rows: &[Usage], width: usize) -> String {
    let mut bad: Vec<&Usage> = rows.iter().filter(|u| u.status() != Status::Pass).collect();
    bad.sort_by_key(|u| std::cmp::Reverse(u.status()));
    let mut out = String::new();
    for u in bad {
        let lead = format!("  [{}] ", u.status().label());
        let text = format!("{}: {}", u.current_and_limit(), u.resource.fix());
        out += &lead;
        out += &text::wrap(&text, width, lead.chars().count(), 6);
        out.push('\n');
    }
    out
}

/// A verdict (its line, then one line per limit that is not a pass) as Markdown, in the form
/// sweep and diff use: the verdict line in the heading, the limits as a list under it.
pub fn markdown_verdict(command: &str, verdict: &str) -> String {
    let esc = |l: &str| l.trim_start().replace('|', "\\|");
    let mut lines = verdict.lines();
    let mut out = format!(
        "### kafka-preflight {command}: {}\n\n",
        esc(lines.next().unwrap_or_default())
    );
    let rest: Vec<String> = lines.map(|l| format!("- {}\n", esc(l))).collect();
    if !rest.is_empty() {
        out += &rest.concat();
        out.push('\n');
    }
    out
}

/// The usage rows as a table: `column` is "now" (inspect) or "peak" (watch).
pub fn table(rows: &[Usage], column: &str, limits_known: bool, width: usize) -> String {
    let mut b = tabled::builder::Builder::default();
    b.push_record(["", column, "limit", "free"]);
    for u in rows {
        b.push_record([
            format!("{} ({})", u.resource.label(), u.resource.limit_name()),
            u.used_text(),
            u.limit_text(limits_known),
            u.free_text(),
        ]);
    }
    text::fit(b, width)
}

/// The same rows as a Markdown table.
pub fn markdown_table(rows: &[Usage], column: &str, limits_known: bool) -> String {
    let mut out =
        format!("| | {column} | limit | free | status |\n| --- | ---: | ---: | ---: | --- |\n");
    for u in rows {
        out += &format!(
            "| {} (`{}`) | {} | {} | {} | {} |\n",
            u.resource.label(),
            u.resource.limit_name(),
            u.used_text(),
            u.limit_text(limits_known),
            u.free_text(),
            u.status().label()
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(free: Option<f64>) -> Usage {
        Usage {
            resource: Resource::MapAreas,
            used: 62_904,
            limit: Some(65_530),
            free_percent: free,
        }
    }

    #[test]
    fn a_limit_with_less_than_a_tenth_left_warns_and_a_reached_one_fails() {
        assert_eq!(row(Some(50.0)).status(), Status::Pass);
        assert_eq!(row(Some(10.0)).status(), Status::Pass);
        assert_eq!(row(Some(9.9)).status(), Status::Warn);
        assert_eq!(row(Some(0.0)).status(), Status::Fail);
        assert_eq!(row(None).status(), Status::Pass);
        assert_eq!(status(&[row(Some(50.0)), row(Some(0.0))]), Status::Fail);
    }

    #[test]
    fn the_problem_line_states_current_value_limit_and_fix() {
        let l = problem_lines(&[row(Some(4.0)), row(Some(50.0))], 200);
        assert_eq!(l.lines().count(), 1, "{l}");
        assert!(
            l.starts_with("  [WARN] map areas: 62,904 of 65,530 (vm.max_map_count), 4.0% free: raise vm.max_map_count"),
            "{l}"
        );
        assert_eq!(
            nearest(&[row(Some(4.0)), row(Some(50.0)), row(None)]).as_deref(),
            Some("nearest: map areas, 96.0% of vm.max_map_count used")
        );
    }
}
