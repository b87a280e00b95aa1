//! Progress on stderr for long scans: the scan bumps an atomic counter per partition dir; a
//! separate thread draws a bar only after about a second, only when stderr is a terminal.
//! Nothing is ever written to stdout, so `--format json` and friends stay clean.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Scans shorter than this draw nothing.
pub const DELAY: Duration = Duration::from_secs(1);
const TICK: Duration = Duration::from_millis(100);

/// Partition dirs to scan and scanned: cheap enough for the scan's hot path.
#[derive(Debug, Default)]
pub struct Counter {
    done: AtomicU64,
    total: AtomicU64,
    stop: AtomicBool,
}

impl Counter {
    pub fn bump(&self) {
        self.done.fetch_add(1, Ordering::Relaxed);
    }

    pub fn set_total(&self, n: u64) {
        self.total.store(n, Ordering::Relaxed);
    }

    pub fn done(&self) -> u64 {
        self.done.load(Ordering::Relaxed)
    }

    pub fn total(&self) -> u64 {
        self.total.load(Ordering::Relaxed)
    }
}

/// A running progress display (or none). Call [`Progress::finish`] when the scan is done.
pub struct Progress {
    counter: Option<Arc<Counter>>,
    thread: Option<JoinHandle<()>>,
}

impl Progress {
    /// Starts the display thread when `enabled` (not --quiet) and stderr is a terminal.
    pub fn start(enabled: bool) -> Progress {
        if !enabled || !std::io::stderr().is_terminal() {
            return Progress {
                counter: None,
                thread: None,
            };
        }
        let counter = Arc::new(Counter::default());
        let c = Arc::clone(&counter);
        let thread = std::thread::Builder::new()
            .name("progress".into())
            .spawn(move || draw(&c))
            .ok();
        Progress {
            counter: Some(counter),
            thread,
        }
    }

    /// The counter for [`crate::scan::ScanOptions::progress`]; None when nothing is drawn.
    pub fn counter(&self) -> Option<Arc<Counter>> {
        self.counter.clone()
    }

    /// Stops the display and clears its line.
    pub fn finish(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        if let Some(c) = &self.counter {
            c.stop.store(true, Ordering::Relaxed);
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.stop();
    }
}

fn draw(c: &Counter) {
    let started = Instant::now();
    while started.elapsed() < DELAY {
        if c.stop.load(Ordering::Relaxed) {
            return;
        }
        std::thread::sleep(TICK);
    }
    let bar = indicatif::ProgressBar::with_draw_target(
        None,
        indicatif::ProgressDrawTarget::stderr_with_hz(10),
    );
    let style = indicatif::ProgressStyle::with_template(
        "{spinner} scanning partition dirs {pos}/{len} [{bar:30}] {elapsed}",
    )
    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
    .progress_chars("=> ");
    bar.set_style(style);
    while !c.stop.load(Ordering::Relaxed) {
        let total = c.total();
        if total > 0 && bar.length() != Some(total) {
            bar.set_length(total);
        }
        bar.set_position(c.done());
        bar.tick();
        std::thread::sleep(TICK);
    }
    bar.finish_and_clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_stops_without_drawing_when_disabled() {
        let p = Progress::start(false);
        assert!(p.counter().is_none());
        p.finish();
        let c = Counter::default();
        c.set_total(3);
        c.bump();
        c.bump();
        assert_eq!((c.done(), c.total()), (2, 3));
    }
}
