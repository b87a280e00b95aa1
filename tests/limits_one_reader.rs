//! One reader of /proc/PID/limits: `inspect`/`watch` (live) and `check --pid` (limits) used to
//! parse it with opposite choices (the live one, through procfs, refused a file with only the
//! rows that matter; the limits one accepted it). Now both accept and refuse the same files and
//! read the same numbers; and the report's limits shape is the resolved limit itself.

use std::path::Path;

use kafka_preflight::limits::parse_proc_limits;
use kafka_preflight::live::parse::parse_limits;

const FULL: &str =
    "Limit                     Soft Limit           Hard Limit           Units     \n\
Max cpu time              unlimited            unlimited            seconds   \n\
Max file size             unlimited            unlimited            bytes     \n\
Max data size             unlimited            unlimited            bytes     \n\
Max stack size            8388608              unlimited            bytes     \n\
Max core file size        0                    unlimited            bytes     \n\
Max resident set          unlimited            unlimited            bytes     \n\
Max processes             63414                63414                processes \n\
Max open files            1024                 524288               files     \n\
Max locked memory         8388608              8388608              bytes     \n\
Max address space         7065518080           unlimited            bytes     \n\
Max file locks            unlimited            unlimited            locks     \n\
Max pending signals       63414                63414                signals   \n\
Max msgqueue size         819200               819200               bytes     \n\
Max nice priority         0                    0                    \n\
Max realtime priority     0                    0                    \n\
Max realtime timeout      unlimited            unlimited            us        \n";

#[test]
fn both_readers_agree_on_every_file() {
    let two_rows = "Max open files            1024                 4096                 files\n\
                    Max address space         unlimited            unlimited            bytes\n";
    let with_blank = format!("{FULL}\n\n");
    let cases: Vec<(&str, String)> = vec![
        ("the kernel's 16 rows", FULL.to_string()),
        ("only the two rows that matter", two_rows.to_string()),
        ("trailing blank lines", with_blank),
        ("empty", String::new()),
        (
            "no address space row",
            FULL.replace("Max address space", "Max addr"),
        ),
        ("a word for a number", FULL.replace("7065518080", "lots")),
    ];
    let mut accepted = 0;
    for (what, text) in &cases {
        let live = parse_limits(text.as_bytes());
        let check = parse_proc_limits(text, Path::new("limits"));
        assert_eq!(live.is_ok(), check.is_ok(), "{what}: {live:?} vs {check:?}");
        if let (Ok(l), Ok((vm, nofile))) = (live, check) {
            accepted += 1;
            assert_eq!(
                (l.address_space.soft, l.address_space.hard),
                (vm.soft, vm.hard),
                "{what}"
            );
            assert_eq!(
                (l.open_files.soft, l.open_files.hard),
                (nofile.soft, nofile.hard),
                "{what}"
            );
        }
    }
    assert_eq!(accepted, 3, "the first three are real files");
}

#[test]
fn the_live_and_report_limit_shapes_are_the_limits_type() {
    // Compile-time: one type under three names, so a field added to one is in all.
    let r = kafka_preflight::limits::Rlimit {
        soft: Some(1),
        hard: None,
        source: "x".into(),
    };
    let as_live: kafka_preflight::live::measure::LimitPair = r.clone();
    let as_report: kafka_preflight::report::RlimitSection = r.clone();
    assert_eq!(as_live, as_report);
}
