//! What the scan does with trees it cannot fully read: every obstacle is a problem naming its
//! path, the rest is still counted, exit 0 when something useful was read, exit 2 when nothing
//! could be, and never a panic (every run goes through scan_support::run_cmd, which fails on
//! "panicked" in stderr or a death by signal).

mod scan_support;

use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::symlink;
use std::os::unix::process::CommandExt;
use std::path::Path;

use scan_support::*;
use serde_json::Value;

/// A log dir with one ordinary partition `ok-0` (segments 0 and 1000, recovery point 1000):
/// 1 partition, 2 segments, 1 unflushed.
fn good_dir(path: &Path) -> LogDir {
    let mut d = LogDir::new(path.to_path_buf());
    d.parts = vec![Part::new("ok", 0, Kind::Partition).segs(&[0, 1000], 10_000)];
    d.checkpoint = Checkpoint::Entries(vec![("ok".into(), 0, 1000)]);
    d.write();
    d
}

fn dir_summary<'a>(j: &'a Value, path: &Path) -> &'a Value {
    j["inventory"]["log_dirs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["path"] == path.to_str().unwrap())
        .unwrap_or_else(|| panic!("no log dir {} in {j:#}", path.display()))
}

fn totals(j: &Value) -> (u64, u64, u64) {
    let i = &j["inventory"];
    (
        i["partitions"].as_u64().unwrap(),
        i["segments"].as_u64().unwrap(),
        i["unflushed_segments"].as_u64().unwrap(),
    )
}

fn json_run(dirs: &str) -> Run {
    check_json(dirs, Scenario::AsFound, &[])
}

/// Runs `check` as an unprivileged user when this test runs as root, who can read anything.
/// None (and a message) when that is impossible here.
fn unprivileged(args: &[&str], tree: &Path) -> Option<Run> {
    let mut c = command_any_user(args);
    if is_root() {
        // nobody must be able to reach the tree; tempdir() makes it 0700.
        chmod(tree, 0o755);
        c.uid(65534).gid(65534);
    }
    match try_run_cmd(c) {
        Ok(r) => Some(r),
        Err(e) => {
            eprintln!(
                "SKIP: cannot run kafka-preflight as uid 65534 ({e}); permission case not tested"
            );
            None
        }
    }
}

#[test]
fn unreadable_partition_dir_checkpoint_and_marker() {
    let tmp = tempfile::tempdir().unwrap();
    let x = tmp.path().join("x");
    good_dir(&x);
    let locked = Part::new("locked", 0, Kind::Partition).segs(&[0, 5], 77);
    let mut y = LogDir::new(tmp.path().join("y"));
    y.parts = vec![Part::new("t", 0, Kind::Partition).segs(&[0, 10, 20], 100)];
    y.checkpoint = Checkpoint::Entries(vec![("t".into(), 0, 20)]);
    y.marker = Marker::Json(9);
    y.write();
    let mut xl = LogDir::new(x.clone());
    xl.parts = vec![locked];
    xl.write();
    std::fs::write(
        y.path.join("meta.properties"),
        "version=1\nnode.id=1\ncluster.id=abc\n",
    )
    .unwrap();
    chmod(&x.join("locked-0"), 0o000);
    chmod(&y.path.join("recovery-point-offset-checkpoint"), 0o000);
    chmod(&y.path.join(".kafka_cleanshutdown"), 0o000);
    chmod(&y.path.join("meta.properties"), 0o000);

    let dirs = format!("{},{}", x.display(), y.path.display());
    let Some(r) = unprivileged(
        &[
            "--log-dirs",
            &dirs,
            "--format",
            "json",
            "--scenario",
            "crash",
        ],
        tmp.path(),
    ) else {
        return;
    };
    assert!(matches!(r.code, 0 | 1), "{}", r.stderr);
    // What the tool may not read is the tool's problem, never a broker fault.
    const CANNOT: &str = "cannot read: run as the broker's user or root";
    let (_, _, msg) = r.problem("warning", &x.join("locked-0"));
    assert!(msg.contains(CANNOT), "{msg}");
    // An unreadable checkpoint is counted as a full recovery (the upper bound), not called corrupt.
    let (_, _, msg) = r.problem("warning", &y.path.join("recovery-point-offset-checkpoint"));
    assert!(msg.contains(CANNOT) && !msg.contains("corrupt"), "{msg}");
    // An unreadable marker still exists: the dir was shut down cleanly.
    let (_, _, msg) = r.problem("warning", &y.path.join(".kafka_cleanshutdown"));
    assert!(msg.contains(CANNOT), "{msg}");
    let (_, _, msg) = r.problem("warning", &y.path.join("meta.properties"));
    assert!(
        msg.contains(CANNOT) && !msg.contains("refuses to start"),
        "{msg}"
    );
    let j = r.json();
    let ys = dir_summary(&j, &y.path);
    assert_eq!(ys["recovery_checkpoint"], "unreadable");
    assert_eq!(ys["clean_shutdown"], true);
    assert_eq!(ys["unflushed_segments"], 3);
    // locked-0 is not counted: ok-0 (2 segments, 1 unflushed from its recovery point) + t-0 (3).
    assert_eq!(totals(&j), (2, 5, 4));

    // Nothing readable at all: exit 2, and the reason names the dir.
    chmod(&x, 0o000);
    chmod(&y.path, 0o000);
    let Some(r) = unprivileged(&["--log-dirs", &dirs, "--format", "json"], tmp.path()) else {
        return;
    };
    chmod(&x, 0o755);
    chmod(&y.path, 0o755);
    chmod(&x.join("locked-0"), 0o755);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert!(r.stderr.contains(x.to_str().unwrap()), "{}", r.stderr);
    assert!(r.stderr.contains("cannot list log dir"), "{}", r.stderr);
}

#[test]
fn symlinks_loops_and_dangling() {
    let tmp = tempfile::tempdir().unwrap();
    let x = tmp.path().join("x");
    good_dir(&x);
    // A partition dir elsewhere, linked in: Kafka follows it (File.isDirectory), so do we.
    let mut elsewhere = LogDir::new(tmp.path().join("elsewhere"));
    elsewhere.parts = vec![Part::new("linked", 0, Kind::Partition).segs(&[0], 3)];
    elsewhere.write();
    symlink("../elsewhere/linked-0", x.join("linked-0")).unwrap();
    symlink("self-0", x.join("self-0")).unwrap();
    symlink("b-0", x.join("a-0")).unwrap();
    symlink("a-0", x.join("b-0")).unwrap();
    symlink("nowhere-0", x.join("dangling-0")).unwrap();
    // A directory cycle: cyc-0 is the log dir itself. Read once (no recursion), no segment.
    symlink(".", x.join("cyc-0")).unwrap();
    // A segment that is a looping symlink inside a partition (one more entry to survive).
    symlink(
        "00000000000000007000.index",
        x.join("ok-0/00000000000000007000.index"),
    )
    .unwrap();
    // A log dir that is itself a symlink loop.
    let loopdir = tmp.path().join("loopdir");
    symlink("loopdir", &loopdir).unwrap();

    let r = json_run(&format!("{},{}", x.display(), loopdir.display()));
    assert!(matches!(r.code, 0 | 1), "{}", r.stderr);
    for name in ["self-0", "a-0", "b-0", "dangling-0"] {
        let (_, _, msg) = r.problem("warning", &x.join(name));
        assert!(msg.contains("symlink"), "{name}: {msg}");
    }
    r.problem("error", &loopdir);
    let j = r.json();
    assert_eq!(dir_summary(&j, &loopdir)["readable"], false);
    // ok-0 (2 segments, 1 unflushed) + linked-0 (1, no checkpoint entry) + cyc-0 (0).
    assert_eq!(totals(&j), (3, 3, 2));
}

#[test]
fn non_utf8_names() {
    let tmp = tempfile::tempdir().unwrap();
    let x = tmp.path().join("x");
    good_dir(&x);
    let bad_dir = x.join(OsStr::from_bytes(b"bad\xff-0"));
    fs::create_dir(&bad_dir).unwrap();
    sparse(&bad_dir.join("00000000000000000000.log"), 99);
    let bad_file = x.join("ok-0").join(OsStr::from_bytes(b"\xfe.log"));
    sparse(&bad_file, 5);
    fs::write(x.join(OsStr::from_bytes(b"loose\xff")), b"").unwrap();

    let r = json_run(x.to_str().unwrap());
    assert!(matches!(r.code, 0 | 1), "{}", r.stderr);
    // Paths are reported lossily (U+FFFD for the bad byte).
    let (_, _, msg) = r.problem("warning", &bad_dir);
    assert!(msg.contains("UTF-8"), "{msg}");
    r.problem("info", &bad_file);
    r.problem("warning", &x.join(OsStr::from_bytes(b"loose\xff")));
    assert!(r.stdout.contains("bad\u{FFFD}-0"), "{}", r.stdout);
    assert_eq!(totals(&r.json()), (1, 2, 1));
    // The table renders them too.
    let t = check(&["--log-dirs", x.to_str().unwrap()]);
    assert!(matches!(t.code, 0 | 1), "{}", t.stderr);
}

#[test]
fn file_or_nothing_where_a_log_dir_should_be() {
    let tmp = tempfile::tempdir().unwrap();
    let good = tmp.path().join("good");
    good_dir(&good);
    let file = tmp.path().join("file");
    fs::write(&file, b"not a dir").unwrap();
    let missing = tmp.path().join("missing");

    let r = json_run(&format!(
        "{},{},{}",
        file.display(),
        good.display(),
        missing.display()
    ));
    assert!(matches!(r.code, 0 | 1), "{}", r.stderr);
    let (_, _, msg) = r.problem("error", &file);
    assert!(msg.contains("not a directory"), "{msg}");
    let (_, _, msg) = r.problem("warning", &missing);
    assert!(msg.contains("does not exist"), "{msg}");
    let j = r.json();
    assert_eq!(dir_summary(&j, &file)["readable"], false);
    assert_eq!(dir_summary(&j, &missing)["readable"], false);
    assert_eq!(dir_summary(&j, &good)["readable"], true);
    assert_eq!(totals(&j), (1, 2, 1));

    // Nothing useful: exit 2 whatever the format, nothing on stdout, every reason on stderr.
    for format in ["json", "table"] {
        let r = check(&[
            "--log-dirs",
            &format!("{},{}", file.display(), missing.display()),
            "--format",
            format,
        ]);
        assert_eq!(r.code, 2, "{r:?}");
        assert!(r.stdout.is_empty(), "{}", r.stdout);
        for p in [&file, &missing] {
            assert!(r.stderr.contains(p.to_str().unwrap()), "{}", r.stderr);
        }
    }
    // No log dir at all is bad input, not a panic.
    for dirs in ["", ",", " , "] {
        let r = check(&["--log-dirs", dirs, "--format", "json"]);
        assert_eq!(r.code, 2, "{dirs:?}: {r:?}");
    }
}

/// Names and contents Kafka refuses, next to good data: errors with paths, the rest counted.
#[test]
fn names_and_contents_kafka_refuses() {
    let tmp = tempfile::tempdir().unwrap();
    let x = tmp.path().join("x");
    good_dir(&x);
    let refused = [
        "t-99999999999",
        "topic-",
        ".hidden",
        "t-0-delete",
        "t-0.x y-delete",
        "-1",
    ];
    for n in refused {
        fs::create_dir(x.join(n)).unwrap();
    }
    let p = x.join("weird-0");
    fs::create_dir(&p).unwrap();
    for f in [
        "abc.log",
        ".log",
        "99999999999999999999.log",
        "00000000000000000000.log",
    ] {
        sparse(&p.join(f), 1);
    }
    // A directory with a segment's name: one entry among others, not a crash.
    fs::create_dir(p.join("00000000000000000100.log")).unwrap();
    fs::write(x.join("meta.properties"), b"\x00\x01garbage").unwrap();

    let r = json_run(x.to_str().unwrap());
    assert!(matches!(r.code, 0 | 1), "{}", r.stderr);
    for n in refused {
        r.problem("error", &x.join(n));
    }
    for f in ["abc.log", ".log", "99999999999999999999.log"] {
        r.problem("error", &p.join(f));
    }
    r.problem("error", &x.join("meta.properties"));
    let (parts, _, _) = totals(&r.json());
    assert_eq!(parts, 2);
}

/// Checkpoints that are not what Kafka writes: corrupt, none of them panics, every one makes the
/// whole dir recover (all segments) after a crash.
#[test]
fn odd_checkpoints() {
    let odd: [&[u8]; 7] = [
        b"0\n18446744073709551615\n",
        b"0\n99999999999999999999999\n",
        b"0\n1\nok 0 9223372036854775808\n",
        b"0\n1\nok 99999999999 1\n",
        b"\xff\xfe\x00",
        b"0\n-1\n",
        b"2\n0\n",
    ];
    for (i, text) in odd.iter().enumerate() {
        let tmp = tempfile::tempdir().unwrap();
        let x = tmp.path().join("x");
        let mut d = good_dir(&x);
        d.checkpoint = Checkpoint::Corrupt(text.to_vec());
        d.write();
        let r = check_json(x.to_str().unwrap(), Scenario::Crash, &[]);
        assert!(matches!(r.code, 0 | 1), "{i}: {}", r.stderr);
        r.problem("error", &x.join("recovery-point-offset-checkpoint"));
        assert_eq!(totals(&r.json()), (1, 2, 2), "checkpoint {i}: {text:?}");
    }
}

/// The recovery-point checkpoint read exactly as Kafka's CheckpointFile reads it (trunk
/// server-common/.../CheckpointFile.java CheckpointReadBuffer.read and
/// storage/.../OffsetCheckpointFile.java Formatter): strict UTF-8, lines split by readLine (\n, \r
/// or \r\n), version and count by Integer.parseInt (a sign, no spaces), entries split on \s+ into
/// exactly 3 parts, offsets any long (negative too). Whatever Kafka cannot read makes it recover
/// every log of the dir; whatever it reads must be used the same way.
#[test]
fn checkpoint_read_as_kafka_reads_it() {
    // (checkpoint, state, unflushed segments of ok-0 = segments 0 and 1000, no marker)
    let cases: [(&[u8], &str, u64); 14] = [
        (b"0\n1\nok 0 1000\n", "ok", 1),
        (b"0\r\n1\r\nok 0 1000\r\n", "ok", 1),
        (b"0\r1\rok 0 1000\r", "ok", 1),
        (b"+0\n+1\nok +0 +1000\n", "ok", 1),
        (b"0\n1\nok\t0  1000 \n", "ok", 1),
        // No count line: Kafka returns no entries, it is not corrupt.
        (b"0\n", "ok", 2),
        (b"", "ok", 2),
        // A negative offset is a valid long: below every base offset, everything recovers.
        (b"0\n2\nok 0 -5\nother 0 1\n", "ok", 2),
        // What Kafka rejects: a blank line, leading blanks, padded header, bad UTF-8, NBSP.
        (b"0\n1\nok 0 1000\n\n", "corrupt", 2),
        (b"0\n1\n ok 0 1000\n", "corrupt", 2),
        (b" 0\n1\nok 0 1000\n", "corrupt", 2),
        (b"0\n1 \nok 0 1000\n", "corrupt", 2),
        (b"0\n2\nok 0 1000\nx\xff 0 5\n", "corrupt", 2),
        ("0\n1\nok 0 1000\u{a0}\n".as_bytes(), "corrupt", 2),
    ];
    let mut wrong = Vec::new();
    for (text, state, unflushed) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let x = tmp.path().join("x");
        let mut d = good_dir(&x);
        d.checkpoint = Checkpoint::Corrupt(text.to_vec());
        d.write();
        let r = json_run(x.to_str().unwrap());
        assert!(matches!(r.code, 0 | 1), "{text:?}: {}", r.stderr);
        let j = r.json();
        let got = (
            dir_summary(&j, &x)["recovery_checkpoint"].clone(),
            totals(&j).2,
        );
        if got != (state.into(), unflushed) {
            wrong.push(format!(
                "{:?}: got {got:?}, Kafka: ({state}, {unflushed})",
                String::from_utf8_lossy(text)
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Two entries of log.dirs that are the same directory (a symlink, or `..` in the path): Kafka
/// compares canonical paths and refuses to start ("Duplicate log directory found"). Counted once.
#[test]
fn the_same_log_dir_twice() {
    let tmp = tempfile::tempdir().unwrap();
    let x = tmp.path().join("x");
    good_dir(&x);
    let link = tmp.path().join("link");
    symlink("x", &link).unwrap();
    let dotted = tmp.path().join("x/../x");
    let r = json_run(&format!(
        "{},{},{}",
        x.display(),
        link.display(),
        dotted.display()
    ));
    assert!(matches!(r.code, 0 | 1), "{}", r.stderr);
    for dup in [&link, &dotted] {
        let (_, _, msg) = r.problem("error", dup);
        assert!(msg.contains("Duplicate log directory"), "{msg}");
    }
    assert_eq!(totals(&r.json()), (1, 2, 1));
}
