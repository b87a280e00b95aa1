//! `watch`: samples a broker while it starts (or a start it launches) until log loading ends,
//! and reports the peaks against the limits that make the start fail with `Map failed`.

use std::fs;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ExitStatus};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use serde::Serialize;

use super::inspect::{with_hint, Format};
use crate::exit_codes;
use crate::live::chart;
use crate::live::logtail::{LinePattern, LogTail, MAP_FAILED};
use crate::live::measure::{headroom_percent, Limits, SCHEMA_VERSION};
use crate::live::watch::{parse_duration, thread_cpu_time, Peaks, Recording, SamplingCost, Settle};
use crate::live::{fmt, LiveError, ProcFs, Sampler};

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
    /// Summary as a table, or as json for scripts.
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

/// Consecutive unreadable samples of a live process before giving up: a single one happens
/// while it execs or exits, a run of them means something is wrong with /proc.
const MAX_FAILED_SAMPLES: u32 = 50;

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_interrupt(_: libc::c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// Ctrl-C ends the watch with a report instead of losing the recording.
fn catch_interrupts() {
    let handler = on_interrupt as extern "C" fn(libc::c_int);
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGINT, handler as libc::sighandler_t);
        libc::signal(libc::SIGTERM, handler as libc::sighandler_t);
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum End {
    /// The process is gone. Exit code or signal only when watch started it.
    Exited {
        exit_code: Option<i32>,
        signal: Option<i32>,
    },
    Settled {
        unchanged_ms: u64,
    },
    LogLine {
        line: String,
    },
    Duration,
    Interrupted,
}

impl End {
    fn died(&self) -> bool {
        matches!(self, End::Exited { .. })
    }

    fn describe(&self, started: bool) -> String {
        match self {
            End::Exited {
                exit_code: Some(c), ..
            } => format!("the process exited with status {c}"),
            End::Exited {
                signal: Some(s), ..
            } => format!("the process was killed by signal {s}"),
            End::Exited { .. } if started => "the process exited".into(),
            End::Exited { .. } => {
                "the process exited (its exit status is known only to its parent)".into()
            }
            End::Settled { unchanged_ms } => format!(
                "VmSize and map areas unchanged for {:.1} s: log loading is over",
                *unchanged_ms as f64 / 1000.0
            ),
            End::LogLine { line } => format!("log line matched: {line}"),
            End::Duration => "--duration reached".into(),
            End::Interrupted => "interrupted".into(),
        }
    }
}

fn end_of(status: ExitStatus) -> End {
    End::Exited {
        exit_code: status.code(),
        signal: status.signal(),
    }
}

#[derive(Debug, Serialize)]
struct Headroom {
    virtual_memory_percent: Option<f64>,
    map_areas_percent: Option<f64>,
    open_files_percent: Option<f64>,
}

#[derive(Debug, Serialize)]
struct Report<'a> {
    schema_version: u32,
    /// The process sampled: the started command, or the JVM it started.
    pid: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    started_pid: Option<i32>,
    started_by_watch: bool,
    samples: usize,
    interval_ms: u64,
    /// What each sample cost; when it exceeds the interval the series is coarser than asked.
    sampling: &'a SamplingCost,
    /// VmPeak above every sampled VmSize: a peak between samples that only the kernel saw.
    #[serde(skip_serializing_if = "Option::is_none")]
    vm_peak_between_samples_bytes: Option<u64>,
    watched_ms: u64,
    ended: &'a End,
    peaks: &'a Peaks,
    limits: Option<&'a Limits>,
    /// Headroom left at the peaks (VmPeak, map areas, fds), percent of the soft limit.
    headroom_at_peak: Headroom,
    /// Last line containing "Map failed" appended to --log while watching.
    last_map_failed_line: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    still_running: Option<bool>,
}

pub fn run(args: WatchArgs) -> anyhow::Result<u8> {
    if args.pid.is_some() != args.command.is_empty() {
        bail!("give either --pid PID or the command to start after `--`, e.g. watch -- bin/kafka-server-start.sh config/server.properties");
    }
    if args.interval < Duration::from_millis(10) {
        bail!("--interval must be at least 10ms");
    }
    // Fail now rather than after a long watch.
    for out in [&args.csv, &args.svg].into_iter().flatten() {
        check_writable(out)?;
    }
    let proc = ProcFs::at(&args.proc_root);
    let mut log = args
        .log
        .as_deref()
        .map(|p| LogTail::new(p, args.until_log_line.as_deref().map(LinePattern::new)));

    catch_interrupts();
    let started = Instant::now();
    let mut child: Option<Child> = None;
    let mut pid = match args.pid {
        Some(p) => p,
        None => {
            become_subreaper();
            let c = std::process::Command::new(&args.command[0])
                .args(&args.command[1..])
                .spawn()
                .with_context(|| format!("could not start {:?}", args.command[0]))?;
            let pid = c.id() as i32;
            child = Some(c);
            eprintln!(
                "kafka-preflight: started pid {pid}: {}",
                args.command.join(" ")
            );
            pid
        }
    };
    let child_pid = child.as_ref().map(|c| c.id() as i32);
    let rerun = |pid: i32| format!("watch --pid {pid}");

    // A first sample now, so a wrong pid or missing permission is reported before any wait.
    let mut limits = None;
    let mut sampler = Sampler::new(proc.clone());
    match sampler.sample(pid) {
        Err(e @ LiveError::PermissionDenied { .. }) => {
            stop_child(child.as_mut());
            return Err(with_hint(e, &rerun(pid)));
        }
        Err(e) if child.is_none() => return Err(e.into()),
        _ => {}
    }
    if let Ok(l) = Limits::read(&proc, pid) {
        limits = Some(l);
    }
    if args.format == Format::Table {
        eprintln!(
            "kafka-preflight: watching pid {pid} every {} ms{}",
            args.interval.as_millis(),
            if args.settle.is_zero() {
                String::new()
            } else {
                format!(
                    " until VmSize and map areas settle for {} s",
                    args.settle.as_secs_f64()
                )
            }
        );
    }

    let mut rec = Recording::new(args.interval);
    let mut late_shown = false;
    let mut settle = Settle::new(args.settle);
    let mut log_error_shown = false;
    let mut tick: u32 = 0;
    let mut failures = 0;
    let end = loop {
        let t_ms = started.elapsed().as_millis() as u64;
        if INTERRUPTED.load(Ordering::SeqCst) {
            break End::Interrupted;
        }
        if Some(pid) == child_pid {
            if let Some(j) = follow_java(&proc, pid) {
                eprintln!("kafka-preflight: following java pid {j}, started by pid {pid}");
                pid = j;
            }
        }
        if let Some(c) = child.as_mut() {
            // Once a forked JVM is followed, the wrapper's exit (e.g. -daemon) is not the end.
            if let (Ok(Some(status)), true) = (c.try_wait(), Some(pid) == child_pid) {
                // `-daemon` starts java in the background and exits 0; as subreaper we
                // inherited the JVM.
                match status.success().then(|| adopted_java(&proc)).flatten() {
                    Some(j) => {
                        eprintln!(
                            "kafka-preflight: pid {pid} exited 0 and left java pid {j} running; following it"
                        );
                        pid = j;
                    }
                    None => break end_of(status),
                }
            }
        }
        let (sampling, cpu) = (Instant::now(), thread_cpu_time());
        match sampler.sample(pid) {
            Ok(s) => {
                failures = 0;
                let took = sampling.elapsed();
                let over = rec.push(t_ms, took, s);
                rec.cost.add_cpu(thread_cpu_time().saturating_sub(cpu));
                if over && !late_shown {
                    eprintln!(
                        "kafka-preflight: warning: a sample took {} ms, longer than the {} ms \
                         interval; sampling as fast as it can from now on (the CSV has the \
                         actual times)",
                        took.as_millis(),
                        args.interval.as_millis()
                    );
                    late_shown = true;
                }
                // Re-read each time: a start script may lower them (ulimit) before it execs
                // java, and prlimit can change them at run time; the last ones are in force.
                if let Ok(l) = Limits::read(&proc, pid) {
                    limits = Some(l);
                }
                if settle.observe(t_ms, &s) {
                    break End::Settled {
                        unchanged_ms: args.settle.as_millis() as u64,
                    };
                }
            }
            Err(LiveError::NoSuchProcess { .. }) => {
                let ours = child.as_mut().filter(|_| Some(pid) == child_pid);
                break match ours.map(|c| c.wait()) {
                    Some(Ok(status)) => end_of(status),
                    // A followed JVM we adopted is ours to reap, with its status.
                    _ => match reap(pid) {
                        Some(status) => end_of(status),
                        None => End::Exited {
                            exit_code: None,
                            signal: None,
                        },
                    },
                };
            }
            // A process that is exiting can fail a read half-way; the next tick tells.
            Err(_) if !proc.exists(pid) => continue,
            Err(e @ LiveError::PermissionDenied { .. }) => {
                // The broker dropped privileges (e.g. setuid) after we started it.
                stop_child(child.as_mut());
                return Err(with_hint(e, &rerun(pid)));
            }
            Err(e) => {
                failures += 1;
                if failures >= MAX_FAILED_SAMPLES {
                    stop_child(child.as_mut());
                    return Err(anyhow::Error::new(e)
                        .context(format!("{MAX_FAILED_SAMPLES} samples in a row failed")));
                }
            }
        }
        if let Some(l) = log.as_mut() {
            if let Err(e) = l.poll() {
                if !log_error_shown {
                    eprintln!(
                        "kafka-preflight: warning: reading {}: {e}",
                        l.path().display()
                    );
                    log_error_shown = true;
                }
            }
            if let Some(line) = &l.matched {
                break End::LogLine { line: line.clone() };
            }
        }
        if args.duration.is_some_and(|d| started.elapsed() >= d) {
            break End::Duration;
        }
        // Behind schedule, the next sample starts at once rather than in a burst of catch-ups.
        tick += 1;
        let behind = started.elapsed().as_nanos() / args.interval.as_nanos().max(1);
        tick = tick.max(behind as u32);
        sleep_until(started + args.interval * tick);
    };
    let watched_ms = started.elapsed().as_millis() as u64;
    if let Some(l) = log.as_mut() {
        let _ = l.finish();
    }

    let still_running = match child.as_mut() {
        Some(c) if !end.died() => {
            if args.stop {
                if Some(pid) != child_pid {
                    stop_pid(&proc, pid);
                    reap(pid);
                }
                stop_child(Some(c));
                Some(false)
            } else if Some(pid) == child_pid {
                Some(matches!(c.try_wait(), Ok(None)))
            } else {
                Some(proc.exists(pid))
            }
        }
        _ => None,
    };

    let p = &rec.peaks;
    let report = Report {
        schema_version: SCHEMA_VERSION,
        pid,
        started_pid: child_pid,
        started_by_watch: child.is_some(),
        samples: rec.points.len(),
        interval_ms: args.interval.as_millis() as u64,
        sampling: &rec.cost,
        vm_peak_between_samples_bytes: rec.peak_between_samples(),
        watched_ms,
        ended: &end,
        peaks: p,
        limits: limits.as_ref(),
        headroom_at_peak: Headroom {
            virtual_memory_percent: limits
                .as_ref()
                .and_then(|l| headroom_percent(p.vm_peak_bytes, l.virtual_memory_bytes.soft)),
            map_areas_percent: limits
                .as_ref()
                .and_then(|l| headroom_percent(p.map_areas, Some(l.max_map_count.value))),
            open_files_percent: limits
                .as_ref()
                .and_then(|l| headroom_percent(p.open_files, l.open_files.soft)),
        },
        last_map_failed_line: log.as_ref().and_then(|l| l.last_map_failed.as_deref()),
        still_running,
    };
    // Files first, so the summary's "csv:/svg:" lines are true; a failure is reported after
    // the summary, which is worth having either way.
    let written = write_outputs(&args, &rec, limits.as_ref(), pid, &end, child.is_some());
    match args.format {
        Format::Json => fmt::print_stdout(&(serde_json::to_string_pretty(&report)? + "\n"))?,
        Format::Table => fmt::print_stdout(&summary(&report, &args, log.as_ref()))?,
    }
    written?;

    Ok(if end.died() {
        exit_codes::CHECK_FAILED
    } else {
        exit_codes::OK
    })
}

fn write_outputs(
    args: &WatchArgs,
    rec: &Recording,
    limits: Option<&Limits>,
    pid: i32,
    end: &End,
    started: bool,
) -> anyhow::Result<()> {
    if let Some(path) = &args.csv {
        let mut buf = Vec::new();
        rec.write_csv(&mut buf)?;
        fs::write(path, buf).with_context(|| format!("writing {}", path.display()))?;
    }
    if let Some(path) = &args.svg {
        let title = format!(
            "kafka-preflight watch: pid {pid}, {}",
            end.describe(started)
        );
        let svg = chart::render_svg(rec, limits, &title)?;
        fs::write(path, svg).with_context(|| format!("writing {}", path.display()))?;
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

fn sleep_until(deadline: Instant) {
    // Short naps so Ctrl-C is noticed promptly even with a long --interval.
    loop {
        let now = Instant::now();
        if now >= deadline || INTERRUPTED.load(Ordering::SeqCst) {
            return;
        }
        std::thread::sleep((deadline - now).min(Duration::from_millis(100)));
    }
}

/// The JVM a start script forked instead of exec'ing (`kafka-server-start.sh -daemon`, or a
/// wrapper that runs java as a child); None while the started process is itself java.
fn follow_java(proc: &ProcFs, pid: i32) -> Option<i32> {
    if proc.comm(pid).as_deref() == Some("java") {
        return None;
    }
    crate::live::discover::java_descendant(proc, pid)
}

/// Makes orphaned descendants (a JVM a start script put in the background) our children, so
/// they can still be found, and their exit status read, after the script exits.
fn become_subreaper() {
    // SAFETY: prctl with integer arguments only; failure just disables adoption.
    unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) };
}

fn adopted_java(proc: &ProcFs) -> Option<i32> {
    let me = std::process::id() as i32;
    // The JVM may still be the shell that is about to exec it: give it a moment.
    for _ in 0..20 {
        if let Some(j) = proc
            .children(me)
            .into_iter()
            .find(|c| proc.comm(*c).as_deref() == Some("java"))
        {
            return Some(j);
        }
        if proc.children(me).is_empty() {
            return None;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    None
}

/// The exit status of `pid` if it is our (adopted) child; None for anyone else's process.
fn reap(pid: i32) -> Option<ExitStatus> {
    let mut status = 0;
    // SAFETY: waitpid on a specific pid with a valid out-pointer; ECHILD when not ours.
    let r = unsafe { libc::waitpid(pid, &mut status, 0) };
    (r == pid).then(|| ExitStatus::from_raw(status))
}

/// A process we did not spawn (a followed JVM): SIGTERM, then SIGKILL after 10 s.
fn stop_pid(proc: &ProcFs, pid: i32) {
    // SAFETY: kill has no memory-safety preconditions; pid is the process we watched.
    unsafe { libc::kill(pid, libc::SIGTERM) };
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if !proc.exists(pid) || proc.status(pid).is_ok_and(|s| s.is_zombie()) {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    // SAFETY: as above.
    unsafe { libc::kill(pid, libc::SIGKILL) };
}

/// SIGTERM, then SIGKILL if it has not exited within 10 s (a broker shuts down cleanly on TERM).
fn stop_child(child: Option<&mut Child>) {
    let Some(c) = child else { return };
    if let Ok(Some(_)) = c.try_wait() {
        return;
    }
    // SAFETY: kill with a pid we spawned and have not reaped yet.
    unsafe { libc::kill(c.id() as i32, libc::SIGTERM) };
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = c.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = c.kill();
    let _ = c.wait();
}

fn summary(r: &Report, args: &WatchArgs, log: Option<&LogTail>) -> String {
    let p = r.peaks;
    let h = &r.headroom_at_peak;
    let mut out = format!(
        "watched pid {} for {:.1} s ({} samples every {} ms)\nended: {}\n\n",
        r.pid,
        r.watched_ms as f64 / 1000.0,
        r.samples,
        r.interval_ms,
        r.ended.describe(r.started_by_watch)
    );
    let (as_limit, mmc, nofile) = match r.limits {
        Some(l) => (
            format!(
                "{} (ulimit -v)",
                fmt::opt_bytes(l.virtual_memory_bytes.soft)
            ),
            format!("{} (vm.max_map_count)", l.max_map_count.value),
            format!("{} (ulimit -n)", fmt::opt_count(l.open_files.soft)),
        ),
        None => ("unknown".into(), "unknown".into(), "unknown".into()),
    };
    out += &format!(
        "{:<28} {:>12}   {:<36} {:>9}\n",
        "", "peak", "limit (soft)", "headroom"
    );
    out += &format!(
        "{:<28} {:>12}   {:<36} {:>9}\n",
        "virtual memory (VmPeak)",
        fmt::bytes(p.vm_peak_bytes),
        as_limit,
        fmt::percent(h.virtual_memory_percent)
    );
    out += &format!(
        "{:<28} {:>12}   {:<36} {:>9}\n",
        "map areas",
        p.map_areas,
        mmc,
        fmt::percent(h.map_areas_percent)
    );
    out += &format!(
        "{:<28} {:>12}   {:<36} {:>9}\n",
        "open files",
        p.open_files,
        nofile,
        fmt::percent(h.open_files_percent)
    );
    out += &format!(
        "{:<28} {:>12}\n{:<28} {:>12}\n{:<28} {:>12}\n{:<28} {:>12}\n",
        "index mappings",
        p.index_mappings_count,
        "index-mapping bytes",
        fmt::bytes(p.index_mappings_bytes),
        "resident (VmRSS)",
        fmt::bytes(p.vm_rss_bytes),
        "threads",
        p.threads
    );
    out += &sampling_lines(r);
    // The limit closest to exhaustion is the likely cause of a failed start.
    const NEAR: f64 = 5.0;
    let near: Vec<&str> = [
        (h.virtual_memory_percent, "RLIMIT_AS (ulimit -v)"),
        (h.map_areas_percent, "vm.max_map_count"),
        (h.open_files_percent, "RLIMIT_NOFILE (ulimit -n)"),
    ]
    .into_iter()
    .filter(|(pct, _)| pct.is_some_and(|p| p < NEAR))
    .map(|(_, name)| name)
    .collect();
    if !near.is_empty() {
        out += &format!("\npeak came within {NEAR}% of {}\n", near.join(" and "));
    }
    if r.ended.died() {
        match (log, r.last_map_failed_line) {
            (Some(l), Some(line)) => {
                out += &format!(
                    "\nlast \"{MAP_FAILED}\" line in {}:\n  {line}\n",
                    l.path().display()
                )
            }
            (Some(l), None) => {
                out += &format!(
                    "\nno \"{MAP_FAILED}\" line was appended to {} while watching\n",
                    l.path().display()
                )
            }
            (None, _) => out += "\n(give --log FILE to quote the broker's \"Map failed\" line)\n",
        }
    }
    if r.still_running == Some(true) {
        out += &format!(
            "\npid {} (started by watch) is still running; --stop would have sent it SIGTERM\n",
            r.pid
        );
    }
    for (what, path) in [("csv", &args.csv), ("svg", &args.svg)] {
        if let Some(path) = path {
            out += &format!("{what}: {}\n", path.display());
        }
    }
    out
}

fn sampling_lines(r: &Report) -> String {
    let c = r.sampling;
    let ms = |us: u64| us as f64 / 1000.0;
    let mut out = format!(
        "{:<28} {:>9.1} ms mean, {:.1} ms max ({:.1} ms CPU mean)\n",
        "time per sample",
        ms(c.mean_us),
        ms(c.max_us),
        ms(c.mean_cpu_us)
    );
    if c.over_interval > 0 {
        out += &format!(
            "  {} of {} samples took longer than the {} ms interval: the series is coarser \
             than asked (actual times in the CSV's t_ms)\n",
            c.over_interval, r.samples, r.interval_ms
        );
    }
    if let Some(b) = r.vm_peak_between_samples_bytes {
        out += &format!(
            "  VmPeak is {} above the largest sampled VmSize: the kernel saw a peak between \
             samples (or before watching began)\n",
            fmt::bytes(b)
        );
    }
    out
}
