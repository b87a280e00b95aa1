//! The `inspect` result (one measurement of a running broker) in every format: the verdict line
//! first (the limits it is near, with the fix), then the numbers. JSON is the contract of
//! [`crate::live::measure::InspectReport`]; CSV and Prometheus carry the same rows.

use crate::live::{BrokerProcess, Measurement};
use crate::output::check::prometheus::{status_value, Metrics};
use crate::output::live::{self, Usage};
use crate::output::{text, Format, Style};
use crate::units;

/// The broker as measured: who it is and what it uses.
pub struct Inspected<'a> {
    pub broker: &'a BrokerProcess,
    pub measurement: &'a Measurement,
}

impl Inspected<'_> {
    fn rows(&self) -> [Usage; 3] {
        let m = self.measurement;
        live::usage(
            [m.vm_size_bytes, m.map_areas, m.open_files],
            Some(&m.limits),
            &m.headroom,
        )
    }

    /// "pid 4242 (Kafka 4.1.1)".
    fn subject(&self) -> String {
        match &self.broker.version {
            Some((v, _)) => format!("pid {} (Kafka {v})", self.broker.pid),
            None => format!("pid {} (release unknown)", self.broker.pid),
        }
    }

    /// The first line of every human format, and the limits that are not a pass below it.
    fn verdict(&self, width: usize) -> String {
        let rows = self.rows();
        let status = live::status(&rows);
        let first = match status {
            crate::verdict::Status::Pass => format!(
                "PASS: {} is within its limits; {}\n",
                self.subject(),
                live::nearest(&rows).unwrap_or_else(|| "none is set".into())
            ),
            s => {
                let n = rows
                    .iter()
                    .filter(|u| u.status() != crate::verdict::Status::Pass)
                    .count();
                format!(
                    "{}: {} is within {}% of {n} limit(s) while running; the next start needs more\n",
                    s.label(),
                    self.subject(),
                    live::NEAR_PERCENT
                )
            }
        };
        let mut out = live::headline(&first, width);
        out += &live::problem_lines(&rows, width);
        out
    }
}

pub fn render(i: &Inspected, format: Format, style: Style) -> anyhow::Result<String> {
    Ok(match format {
        Format::Table => table(i, style.width),
        Format::Json => i.measurement.to_json_string() + "\n",
        Format::Markdown => markdown(i),
        Format::Csv => csv(i)?,
        Format::Prometheus => prometheus(i),
    })
}

/// Which broker this is: main class, release (and the jar that says so), systemd unit.
pub fn identity(b: &BrokerProcess) -> String {
    let version = match &b.version {
        Some((v, jar)) => format!("Kafka {v} ({})", jar.display()),
        None => "release unknown (no kafka_*.jar on its class path or among its open files)".into(),
    };
    let unit = b
        .unit
        .as_deref()
        .map_or("not in a systemd service".to_string(), |u| {
            format!("systemd unit {u}")
        });
    format!("pid {}: {}, {version}, {unit}", b.pid, b.main_class)
}

fn table(i: &Inspected, width: usize) -> String {
    let m = i.measurement;
    let idx = &m.index_mappings;
    let mut out = i.verdict(width);
    out += "\n";
    out += &text::wrap(&identity(i.broker), width, 0, 2);
    out += "\n\n";
    out += &live::table(&i.rows(), "now", true, width);
    out += "\n";
    let mut facts = vec![
        format!("peak so far (VmPeak) {}", units::bytes(m.vm_peak_bytes)),
        format!("resident (VmRSS) {}", units::bytes(m.vm_rss_bytes)),
        format!("threads {}", units::count(m.threads)),
    ];
    if let Some(a) = m.mem_available_bytes {
        facts.push(format!("host memory available {}", units::bytes(a)));
    }
    out += &format!("  {}\n", text::wrap_items(&facts, width, 2, 2));
    out += &format!(
        "\nIndex mappings (.index, .timeindex): {}\n",
        text::wrap_items(
            &[
                format!("{} map areas", units::count(idx.count)),
                units::bytes(idx.bytes),
                format!("{} files", units::count(idx.files)),
                format!(
                    "{} files mapped more than once (stale mappings the GC has not released yet)",
                    units::count(idx.files_mapped_more_than_once)
                ),
                format!("{} mappings of deleted files", units::count(idx.deleted)),
            ],
            width,
            38,
            2,
        )
    );
    out += &text::wrap(
        &format!(
            "Baseline without index mappings: {} virtual, {} map areas",
            units::bytes(m.baseline.virtual_memory_bytes),
            units::count(m.baseline.map_areas)
        ),
        width,
        0,
        2,
    );
    out += "\n";
    if !m.by_log_dir.is_empty() {
        let mut b = tabled::builder::Builder::default();
        b.push_record([
            "log dir",
            "partitions",
            "mappings",
            "bytes",
            ">1x",
            "deleted",
        ]);
        for d in &m.by_log_dir {
            b.push_record([
                d.log_dir.display().to_string(),
                units::count(d.partitions),
                units::count(d.mappings.count),
                units::bytes(d.mappings.bytes),
                units::count(d.mappings.files_mapped_more_than_once),
                units::count(d.mappings.deleted),
            ]);
        }
        out += "\nBy log dir (>1x: files mapped more than once):\n";
        out += &text::fit(b, width);
        out += "\n";
        let mut b = tabled::builder::Builder::default();
        b.push_record(["partition", "mappings", "bytes", "log dir"]);
        for p in &m.top_partitions {
            b.push_record([
                p.partition.clone(),
                units::count(p.mappings.count),
                units::bytes(p.mappings.bytes),
                p.log_dir.display().to_string(),
            ]);
        }
        out += "\nTop partitions by mapped index bytes:\n";
        out += &text::fit(b, width);
        out += "\n";
    }
    out += "\n";
    out += &text::wrap(
        &format!(
            "Limits read from {} and {}",
            m.limits.virtual_memory_bytes.source, m.limits.max_map_count.source
        ),
        width,
        0,
        2,
    );
    out += "\n";
    out
}

fn md(s: &str) -> String {
    s.replace('|', "\\|")
}

fn markdown(i: &Inspected) -> String {
    let m = i.measurement;
    let rows = i.rows();
    let mut out = String::new();
    out += &crate::output::live::markdown_verdict("inspect", &i.verdict(usize::MAX));
    out += &format!("{}\n\n", md(&identity(i.broker)));
    out += &live::markdown_table(&rows, "now", true);
    let idx = &m.index_mappings;
    out += &format!(
        "\nIndex mappings: {} map areas, {}, {} files; {} files mapped more than once, {} mappings of deleted files.\n",
        units::count(idx.count),
        units::bytes(idx.bytes),
        units::count(idx.files),
        units::count(idx.files_mapped_more_than_once),
        units::count(idx.deleted)
    );
    if !m.by_log_dir.is_empty() {
        out += "\n| log dir | partitions | mappings | bytes | mapped >1x | deleted |\n| --- | ---: | ---: | ---: | ---: | ---: |\n";
        for d in &m.by_log_dir {
            out += &format!(
                "| `{}` | {} | {} | {} | {} | {} |\n",
                md(&d.log_dir.display().to_string()),
                units::count(d.partitions),
                units::count(d.mappings.count),
                units::bytes(d.mappings.bytes),
                units::count(d.mappings.files_mapped_more_than_once),
                units::count(d.mappings.deleted)
            );
        }
    }
    out
}

/// The CSV header: one row per limit (`kind` = `limit`) and per log dir (`kind` = `log_dir`);
/// a column that does not apply to a row's kind is empty. Add columns at the end only.
pub const CSV_COLUMNS: [&str; 11] = [
    "kind",
    "name",
    "used",
    "limit",
    "free_percent",
    "status",
    "partitions",
    "index_mappings",
    "index_bytes",
    "files_mapped_more_than_once",
    "deleted_mappings",
];

fn csv(i: &Inspected) -> anyhow::Result<String> {
    let m = i.measurement;
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    w.write_record(CSV_COLUMNS)?;
    for u in i.rows() {
        w.write_record([
            "limit".to_string(),
            u.resource.id().to_string(),
            u.used.to_string(),
            u.limit.map(|l| l.to_string()).unwrap_or_default(),
            u.free_percent
                .map(|f| format!("{f:.3}"))
                .unwrap_or_default(),
            u.status().as_str().to_string(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ])?;
    }
    for d in &m.by_log_dir {
        w.write_record([
            "log_dir".to_string(),
            d.log_dir.display().to_string(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            d.partitions.to_string(),
            d.mappings.count.to_string(),
            d.mappings.bytes.to_string(),
            d.mappings.files_mapped_more_than_once.to_string(),
            d.mappings.deleted.to_string(),
        ])?;
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

/// `kafka_preflight_live_*`: what the running broker uses, next to `check`'s predictions for
/// its next start (`kafka_preflight_*`). An unlimited limit is +Inf, as `check` exports it.
fn prometheus(i: &Inspected) -> String {
    let m = i.measurement;
    let rows = i.rows();
    let mut out = Metrics { out: String::new() };
    let res = |u: &Usage| vec![("resource", u.resource.id().to_string())];
    out.gauge(
        "live_info",
        "The measured process: pid and the Kafka release of its jars (empty when unknown); always 1.",
        &[(
            vec![
                ("pid", m.pid.to_string()),
                (
                    "kafka_version",
                    i.broker.version.as_ref().map(|(v, _)| v.to_string()).unwrap_or_default(),
                ),
            ],
            1.0,
        )],
    );
    out.gauge(
        "live_status",
        "Worst limit of the running broker: 0 pass, 1 warn (less than 10% left), 2 fail (reached).",
        &[(vec![], f64::from(status_value(live::status(&rows))))],
    );
    out.gauge(
        "live_used",
        "What the running broker uses of a limit now: VmSize bytes (virtual_memory), map areas, open files.",
        &rows.iter().map(|u| (res(u), u.used as f64)).collect::<Vec<_>>(),
    );
    out.gauge(
        "live_limit",
        "The soft limit, in the unit of kafka_preflight_live_used; +Inf when unlimited.",
        &rows
            .iter()
            .map(|u| (res(u), u.limit.map_or(f64::INFINITY, |l| l as f64)))
            .collect::<Vec<_>>(),
    );
    out.gauge(
        "live_headroom_ratio",
        "Share of the limit left (1 - used / limit), 1 when unlimited.",
        &rows
            .iter()
            .map(|u| (res(u), u.free_percent.map_or(1.0, |f| f / 100.0)))
            .collect::<Vec<_>>(),
    );
    let idx = &m.index_mappings;
    out.gauge(
        "live_index_mmap_bytes",
        "Bytes of .index and .timeindex mappings of the running broker.",
        &[(vec![], idx.bytes as f64)],
    );
    out.gauge(
        "live_index_mmaps",
        "Map areas of .index and .timeindex files; stale ones are files mapped more than once, waiting for a GC.",
        &[
            (vec![("kind", "all".to_string())], idx.count as f64),
            (vec![("kind", "stale_files".to_string())], idx.files_mapped_more_than_once as f64),
            (vec![("kind", "deleted".to_string())], idx.deleted as f64),
        ],
    );
    out.gauge(
        "live_vm_peak_bytes",
        "VmPeak: the process's largest address space since it started.",
        &[(vec![], m.vm_peak_bytes as f64)],
    );
    out.out
}
