//! The pieces of `watch` that need no process: durations, the settle rule, log following,
//! peaks and the CSV.

use std::io::Write;
use std::time::Duration;

use kafka_preflight::live::index::IndexMappings;
use kafka_preflight::live::logtail::{LinePattern, LogTail};
use kafka_preflight::live::watch::{parse_duration, Recording, Settle, CSV_HEADER};
use kafka_preflight::live::Sample;

fn sample(vm: u64, maps: u64, idx: u64) -> Sample {
    Sample {
        vm_size_bytes: vm,
        vm_peak_bytes: vm,
        vm_rss_bytes: vm / 2,
        threads: 10,
        map_areas: maps,
        open_files: 7,
        index_mappings: IndexMappings {
            count: idx,
            bytes: idx * 4096,
            ..Default::default()
        },
    }
}

#[test]
fn durations() {
    assert_eq!(parse_duration("100ms"), Ok(Duration::from_millis(100)));
    assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
    assert_eq!(parse_duration("10"), Ok(Duration::from_secs(10)));
    assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
    assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
    assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
    for bad in ["", "fast", "10 parsecs", "-1s", "1e999s", "ms"] {
        assert!(parse_duration(bad).is_err(), "{bad:?} accepted");
    }
}

#[test]
fn settle_needs_the_whole_window_unchanged() {
    let mut s = Settle::new(Duration::from_millis(300));
    assert!(!s.observe(0, &sample(100, 10, 0)));
    assert!(!s.observe(200, &sample(100, 10, 0)));
    // A new mapping restarts the window.
    assert!(!s.observe(250, &sample(100, 11, 1)));
    assert!(!s.observe(500, &sample(100, 11, 1)));
    assert!(s.observe(550, &sample(100, 11, 1)));

    let mut off = Settle::new(Duration::ZERO);
    assert!(!off.observe(0, &sample(1, 1, 0)));
    assert!(!off.observe(10_000, &sample(1, 1, 0)));
}

#[test]
fn peaks_and_csv() {
    let ms = Duration::from_millis;
    let mut r = Recording::new(ms(100));
    assert!(!r.push(0, ms(5), sample(100, 10, 0)));
    // Took longer than the interval: flagged, and the next sample carries its actual time.
    assert!(r.push(100, ms(130), sample(300, 40, 30)));
    assert!(!r.push(230, ms(100), sample(200, 20, 10)));
    assert_eq!(r.peaks.vm_size_bytes, 300);
    assert_eq!(r.peaks.map_areas, 40);
    assert_eq!(r.peaks.index_mappings_count, 30);
    assert_eq!(r.peaks.index_mappings_bytes, 30 * 4096);
    assert_eq!(
        (r.cost.mean_us, r.cost.max_us, r.cost.over_interval),
        (78_333, 130_000, 1)
    );
    r.cost.add_cpu(ms(3));
    r.cost.add_cpu(ms(9));
    assert_eq!((r.cost.mean_cpu_us, r.cost.max_cpu_us), (4_000, 9_000));
    let mut out = Vec::new();
    r.write_csv(&mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], CSV_HEADER);
    assert_eq!(lines[2], "100,300,150,40,30,122880,7,10,300,130000,1");
    assert_eq!(lines[3], "230,200,100,20,10,40960,7,10,200,100000,0");
    assert_eq!(lines.len(), 4);
    assert_eq!(CSV_HEADER.split(',').count(), lines[1].split(',').count());
}

#[test]
fn a_vm_peak_between_samples_is_reported() {
    let ms = Duration::from_millis;
    let mut r = Recording::new(ms(100));
    assert_eq!(r.peak_between_samples(), None);
    r.push(0, ms(1), sample(100, 10, 0));
    assert_eq!(r.peak_between_samples(), None);
    // The kernel's high-water mark went to 500 between samples that saw 100 and 200.
    let mut s = sample(200, 10, 0);
    s.vm_peak_bytes = 500;
    r.push(100, ms(1), s);
    assert_eq!(r.peaks.vm_peak_bytes, 500);
    assert_eq!(r.peak_between_samples(), Some(300));
}

#[test]
fn line_pattern_is_a_substring_or_a_regex() {
    // Not a valid regex, but pasted from a log: must still match literally.
    let p = LinePattern::new("[KafkaServer id=1] started (");
    assert!(p.matches("INFO [KafkaServer id=1] started (kafka.server.KafkaServer)"));
    let r = LinePattern::new(r"Loaded \d+ logs in \d+ms");
    assert!(r.matches("INFO Loaded 1234 logs in 5678ms. (kafka.log.LogManager)"));
    assert!(!r.matches("INFO Loading logs from log dirs"));
}

#[test]
fn log_tail_reads_only_new_lines_and_survives_rotation() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.log");
    std::fs::write(
        &path,
        "old: java.io.IOException: Map failed\nstarted (old)\n",
    )
    .unwrap();
    let mut t = LogTail::new(&path, Some(LinePattern::new("started")));
    t.poll().unwrap();
    assert_eq!(
        t.last_map_failed, None,
        "lines from before the watch are ignored"
    );
    assert_eq!(t.matched, None);

    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    // A line arrives in two writes: only whole lines count.
    write!(f, "ERROR java.io.IOException: Map ").unwrap();
    t.poll().unwrap();
    assert_eq!(t.last_map_failed, None);
    writeln!(f, "failed").unwrap();
    t.poll().unwrap();
    assert_eq!(
        t.last_map_failed.as_deref(),
        Some("ERROR java.io.IOException: Map failed")
    );

    // Rotated: a new, shorter file is read from its start.
    std::fs::write(&path, "started\n").unwrap();
    t.poll().unwrap();
    assert_eq!(t.matched.as_deref(), Some("started"));

    // An unterminated last line counts once the writer is gone.
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    write!(f, "Caused by: java.lang.OutOfMemoryError: Map failed").unwrap();
    t.finish().unwrap();
    assert_eq!(
        t.last_map_failed.as_deref(),
        Some("Caused by: java.lang.OutOfMemoryError: Map failed")
    );
}

#[test]
fn log_tail_waits_for_a_missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("later.log");
    let mut t = LogTail::new(&path, None);
    t.poll().unwrap();
    std::fs::write(&path, "Map failed\n").unwrap();
    t.poll().unwrap();
    assert_eq!(t.last_map_failed.as_deref(), Some("Map failed"));
}
