//! One `watch`: start a broker (or attach to one that is starting), sample its /proc until log
//! loading is over or it dies, and hand back the recording and its summary. Rendering is
//! `output::watch`'s; the only words said here are progress notes on stderr, which a start
//! that takes minutes needs.

use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{Child, ExitStatus};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;

use super::logtail::{LinePattern, LogTail};
use super::measure::{Headroom, Limits, SCHEMA_VERSION};
use super::watch::{end_of, thread_cpu_time, End, Recording, Settle, WatchReport};
use super::{LiveError, ProcFs, Sampler};

/// What to watch and when to stop: `watch`'s flags, checked.
#[derive(Debug, Clone)]
pub struct Settings {
    /// A broker that is starting; None when `command` is started instead.
    pub pid: Option<i32>,
    pub command: Vec<String>,
    pub interval: Duration,
    pub duration: Option<Duration>,
    pub settle: Duration,
    pub log: Option<PathBuf>,
    pub until_log_line: Option<String>,
    /// SIGTERM what watch started once watching ends.
    pub stop: bool,
    pub proc_root: PathBuf,
    /// Say on stderr what is being watched (the table output; JSON stays quiet).
    pub announce: bool,
}

/// A finished watch: the summary every format shows, and the series behind it (--csv, --svg).
#[derive(Debug)]
pub struct Session {
    pub report: WatchReport,
    pub recording: Recording,
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

/// Watches until the start settles, dies, matches `until_log_line`, or runs out of time.
pub fn run(cfg: &Settings) -> anyhow::Result<Session> {
    let proc = ProcFs::at(&cfg.proc_root);
    let mut log = cfg
        .log
        .as_deref()
        .map(|p| LogTail::new(p, cfg.until_log_line.as_deref().map(LinePattern::new)));

    catch_interrupts();
    let started = Instant::now();
    let mut child: Option<Child> = None;
    let mut pid = match cfg.pid {
        Some(p) => {
            // A wrong pid (a ZooKeeper, a Connect worker, the image's setup step) would be
            // watched to the end and its peaks read as the broker's: say so up front. Not an
            // error: a wrapper that has not exec'd java yet is legitimately not one.
            match super::identify(&proc, p) {
                Err(super::broker_process::NotABroker::Unreadable(_)) | Ok(_) => {}
                Err(e) => eprintln!("kafka-preflight: warning: {e}; watching it anyway"),
            }
            p
        }
        None => {
            become_subreaper();
            let c = std::process::Command::new(&cfg.command[0])
                .args(&cfg.command[1..])
                .spawn()
                .with_context(|| format!("could not start {:?}", cfg.command[0]))?;
            let pid = c.id() as i32;
            child = Some(c);
            eprintln!(
                "kafka-preflight: started pid {pid}: {}",
                cfg.command.join(" ")
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
            return Err(e.with_rerun_hint(&rerun(pid)));
        }
        Err(e) if child.is_none() => return Err(e.into()),
        _ => {}
    }
    if let Ok(l) = Limits::read(&proc, pid) {
        limits = Some(l);
    }
    if cfg.announce {
        eprintln!(
            "kafka-preflight: watching pid {pid} every {} ms{}",
            cfg.interval.as_millis(),
            if cfg.settle.is_zero() {
                String::new()
            } else {
                format!(
                    " until VmSize and map areas settle for {} s",
                    cfg.settle.as_secs_f64()
                )
            }
        );
    }

    let mut rec = Recording::new(cfg.interval);
    let mut late_shown = false;
    let mut settle = Settle::new(cfg.settle);
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
                        cfg.interval.as_millis()
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
                        unchanged_ms: cfg.settle.as_millis() as u64,
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
                return Err(e.with_rerun_hint(&rerun(pid)));
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
        if cfg.duration.is_some_and(|d| started.elapsed() >= d) {
            break End::Duration;
        }
        // Behind schedule, the next sample starts at once rather than in a burst of catch-ups.
        tick += 1;
        let behind = started.elapsed().as_nanos() / cfg.interval.as_nanos().max(1);
        tick = tick.max(behind as u32);
        sleep_until(started + cfg.interval * tick);
    };
    let watched_ms = started.elapsed().as_millis() as u64;
    if let Some(l) = log.as_mut() {
        let _ = l.finish();
    }

    let still_running = match child.as_mut() {
        Some(c) if !end.died() => {
            if cfg.stop {
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

    let p = rec.peaks;
    let report = WatchReport {
        schema_version: SCHEMA_VERSION,
        pid,
        started_pid: child_pid,
        started_by_watch: child.is_some(),
        samples: rec.points.len(),
        interval_ms: cfg.interval.as_millis() as u64,
        sampling: rec.cost,
        vm_peak_between_samples_bytes: rec.peak_between_samples(),
        watched_ms,
        ended: end,
        peaks: p,
        headroom_at_peak: Headroom::of(p.vm_peak_bytes, p.map_areas, p.open_files, limits.as_ref()),
        limits,
        last_map_failed_line: log.as_ref().and_then(|l| l.last_map_failed.clone()),
        still_running,
        log: cfg.log.clone(),
    };
    Ok(Session {
        report,
        recording: rec,
    })
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
