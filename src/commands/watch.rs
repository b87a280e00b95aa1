//! `watch`: samples a broker while it starts (or a start it launches) until log loading ends,
//! and reports the peaks against the limits that make the start fail with `Map failed`.
//! flags -> [`session::run`] -> `output::watch` -> exit code.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::bail;

use crate::exit_codes;
use crate::live::chart;
use crate::live::session::{self, Session, Settings};
use crate::live::watch::parse_duration;
use crate::output::watch::Watched;
use crate::output::{self, Format, Style};

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    kafka-preflight watch --pid 1234 --log /var/log/kafka/server.log --svg start.svg\n  \
    kafka-preflight watch --csv start.csv -- bin/kafka-server-start.sh config/server.properties\n\n\
    Exit status: 0 watched to the end with the process alive, 1 the process exited while \
    watched, 2 could not watch.")]
pub struct WatchArgs {
    /// Pid of a broker that is starting. Or give the start command after `--`.
    #[arg(long)]
    pub pid: Option<i32>,
    /// Time between samples (e.g. 100ms, 1s).
    #[arg(long, default_value = "100ms", value_parser = parse_duration)]
    pub interval: Duration,
    /// Stop after this long (default: no limit).
    #[arg(long, value_parser = parse_duration)]
    pub duration: Option<Duration>,
    /// Stop once VmSize and the map count have not changed for this long, i.e. log loading is
    /// over; 0 turns this off.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub settle: Duration,
    /// The broker's log (server.log): quoted if the start dies with "Map failed".
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,
    /// Stop when a line containing this text (or matching it as a regex) is appended to --log.
    #[arg(long, value_name = "TEXT", requires = "log")]
    pub until_log_line: Option<String>,
    /// Write the time series as CSV.
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// Write a chart of VmSize, index-mapping bytes and map areas against the limits.
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,
    /// Summary: table for people, json (schema_version 1) for scripts, markdown for a ticket.
    /// The time series is --csv FILE.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// When watching ends and the command started by watch still runs, send it SIGTERM.
    #[arg(long)]
    pub stop: bool,
    /// Command to start and watch (e.g. -- bin/kafka-server-start.sh config/server.properties).
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
    /// Read this tree instead of /proc (tests).
    #[arg(long, hide = true, default_value = "/proc")]
    pub proc_root: PathBuf,
}

pub fn run(args: WatchArgs) -> anyhow::Result<u8> {
    if args.pid.is_some() != args.command.is_empty() {
        bail!("give either --pid PID or the command to start after `--`, e.g. watch -- bin/kafka-server-start.sh config/server.properties");
    }
    if args.interval < Duration::from_millis(10) {
        bail!("--interval must be at least 10ms");
    }
    // Fail now rather than after a long watch.
    output::watch::accepts(args.format)?;
    for out in [&args.csv, &args.svg].into_iter().flatten() {
        check_writable(out)?;
    }
    let settings = Settings {
        pid: args.pid,
        command: args.command.clone(),
        interval: args.interval,
        duration: args.duration,
        settle: args.settle,
        log: args.log.clone(),
        until_log_line: args.until_log_line.clone(),
        stop: args.stop,
        proc_root: args.proc_root.clone(),
        announce: args.format == Format::Table,
    };
    let s = session::run(&settings)?;
    // Files first, so the summary's "csv:/svg:" lines are true; a failure is reported after
    // the summary, which is worth having either way.
    let written = write_files(&args, &s);
    let files = [("csv", &args.csv), ("svg", &args.svg)]
        .into_iter()
        .filter_map(|(what, p)| p.clone().map(|p| (what, p)))
        .collect();
    let watched = Watched {
        report: &s.report,
        files,
    };
    let style = Style::for_output(None, false);
    output::print(&output::watch::render(&watched, args.format, style)?)?;
    written?;
    Ok(if s.report.ended.died() {
        exit_codes::CHECK_FAILED
    } else {
        exit_codes::OK
    })
}

/// The time series and the chart, each replaced atomically (never through a planted symlink).
fn write_files(args: &WatchArgs, s: &Session) -> anyhow::Result<()> {
    let r = &s.report;
    if let Some(path) = &args.csv {
        let mut buf = Vec::new();
        s.recording.write_csv(&mut buf)?;
        output::write_atomically(path, &String::from_utf8_lossy(&buf))?;
    }
    if let Some(path) = &args.svg {
        let title = format!(
            "kafka-preflight watch: pid {}, {}",
            r.pid,
            r.ended.describe(r.started_by_watch)
        );
        let svg = chart::render_svg(&s.recording, r.limits.as_ref(), &title)?;
        output::write_atomically(path, &svg)?;
    }
    Ok(())
}

fn check_writable(path: &Path) -> anyhow::Result<()> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !parent.is_dir() {
        bail!(
            "cannot write {}: {} is not a directory",
            path.display(),
            parent.display()
        );
    }
    if path.is_dir() {
        bail!("cannot write {}: it is a directory", path.display());
    }
    Ok(())
}
