//! `check` never modifies a broker's log dirs: every entry of a tree (path, type, size, mtime,
//! ctime, inode, permissions, and the contents of every file and symlink) is the same after
//! running it in every scenario and format, and no entry appears or disappears (no `.lock`, no
//! checkpoint rewritten, no marker deleted as Kafka itself would at start-up).
//!
//! ctime catches what mtime alone would not: a chmod, a rename, or a write whose mtime was put back.

mod scan_support;

use std::collections::BTreeMap;
use std::fs;
use std::hash::Hasher;
use std::io::Read;
use std::os::unix::fs::{symlink, MetadataExt};
use std::path::{Path, PathBuf};

use kafka_preflight::synth::PartitionSpec;
use scan_support::*;

#[derive(Debug, PartialEq, Eq)]
struct Entry {
    kind: &'static str,
    size: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
    inode: u64,
    mode: u32,
    /// Hash of the file's bytes or the symlink's target.
    content: u64,
}

fn hash_file(path: &Path) -> u64 {
    // SipHash with the fixed keys of DefaultHasher::new(): the same bytes give the same value
    // within this process, which is all a before/after comparison needs.
    let mut h = std::hash::DefaultHasher::new();
    let mut f = fs::File::open(path).unwrap();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        h.write(&buf[..n]);
    }
    h.finish()
}

fn snapshot(root: &Path) -> BTreeMap<PathBuf, Entry> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(p) = stack.pop() {
        let m = fs::symlink_metadata(&p).unwrap();
        let ft = m.file_type();
        let (kind, content) = if ft.is_symlink() {
            let mut h = std::hash::DefaultHasher::new();
            h.write(fs::read_link(&p).unwrap().as_os_str().as_encoded_bytes());
            ("symlink", h.finish())
        } else if ft.is_dir() {
            for e in fs::read_dir(&p).unwrap() {
                stack.push(e.unwrap().path());
            }
            ("dir", 0)
        } else {
            ("file", hash_file(&p))
        };
        out.insert(
            p.strip_prefix(root).unwrap().to_path_buf(),
            Entry {
                kind,
                size: m.len(),
                mtime: (m.mtime(), m.mtime_nsec()),
                ctime: (m.ctime(), m.ctime_nsec()),
                inode: m.ino(),
                mode: m.mode(),
                content,
            },
        );
    }
    out
}

fn differences(before: &BTreeMap<PathBuf, Entry>, after: &BTreeMap<PathBuf, Entry>) -> Vec<String> {
    let mut d = Vec::new();
    for (p, e) in before {
        match after.get(p) {
            None => d.push(format!("removed: {}", p.display())),
            Some(a) if a != e => d.push(format!("changed: {}: {e:?} -> {a:?}", p.display())),
            Some(_) => {}
        }
    }
    for p in after.keys().filter(|p| !before.contains_key(*p)) {
        d.push(format!("new: {}", p.display()));
    }
    d
}

fn tree(root: &Path) -> Layout {
    let mut a = LogDir::new(root.join("a"));
    a.parts = vec![
        Part::new("orders", 0, Kind::Partition)
            .segs(&[0, 1000, 2000], 1_000_000)
            .snapshot(2000)
            .temp("00000000000000001000.log.deleted")
            .ignored("00000000000000002000.log.swap")
            .ignored("leader-epoch-checkpoint"),
        Part::new("orders", 1, Kind::Delete).segs(&[0, 1000], 5000),
        Part::new("__cluster_metadata", 0, Kind::Metadata)
            .segs(&[0, 50], 4000)
            .ignored("quorum-state"),
    ];
    a.checkpoint = Checkpoint::Entries(vec![("orders".into(), 0, 1500)]);
    a.invalid_dirs = vec!["lost+found".into()];
    a.remote_cache = true;
    a.loose_files = vec![(
        "meta.properties".into(),
        b"version=1\nnode.id=1\ncluster.id=c1\n".to_vec(),
    )];
    let mut b = LogDir::new(root.join("b"));
    b.parts = vec![
        Part::new("my-topic.v2", 3, Kind::Partition).segs(&[0, 10], 700),
        Part::new("my-topic.v2", 4, Kind::Future).segs(&[0], 70),
    ];
    b.checkpoint = Checkpoint::Corrupt(b"not a checkpoint".to_vec());
    b.marker = Marker::Json(5);
    let mut specs = vec![PartitionSpec::new("s", 0, 3), PartitionSpec::new("s", 1, 2)];
    specs[1].suffix = "stray";
    let c = LogDir::synth(root.join("c"), specs, true);
    let l = Layout {
        dirs: vec![a, b, c],
        metadata_dir: Some(0),
    };
    l.write();
    symlink("nowhere-0", root.join("a/dangling-0")).unwrap();
    symlink("../b/my-topic.v2-3", root.join("a/linked-5")).unwrap();
    l
}

#[test]
fn check_changes_nothing_in_the_log_dirs() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("logs");
    let l = tree(&root);
    let dirs = l.log_dirs_flag();
    let before = snapshot(&root);
    assert!(before.len() > 60, "{} entries", before.len());
    assert!(!before.contains_key(Path::new("a/.kafka_cleanshutdown")));
    assert!(before.contains_key(Path::new("b/.kafka_cleanshutdown")));

    let mut runs = 0;
    for scenario in Scenario::ALL {
        for format in ["json", "table"] {
            for extra in [&["--set", "process.roles=broker,controller"][..], &[]] {
                let mut args = vec![
                    "--log-dirs",
                    &dirs,
                    "--format",
                    format,
                    "--scenario",
                    scenario.flag(),
                ];
                args.extend_from_slice(extra);
                let r = check(&args);
                assert!(matches!(r.code, 0 | 1), "{args:?}: {}", r.stderr);
                assert!(!r.stdout.is_empty());
                let after = snapshot(&root);
                let diff = differences(&before, &after);
                assert!(
                    diff.is_empty(),
                    "check {args:?} modified the tree:\n  {}",
                    diff.join("\n  ")
                );
                runs += 1;
            }
        }
    }
    assert_eq!(runs, 12);
}

/// The comparison above can fail: a touched, a chmod-ed, a rewritten and a new file are all seen.
#[test]
fn the_snapshot_sees_every_kind_of_change() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("logs");
    tree(&root);
    let before = snapshot(&root);
    let cp = root.join("a/recovery-point-offset-checkpoint");
    let text = fs::read(&cp).unwrap();
    let mtime = fs::metadata(&cp).unwrap().modified().unwrap();

    // Same bytes, mtime put back: only ctime and inode tell (rename over the original).
    fs::write(root.join("a/cp.tmp"), &text).unwrap();
    fs::rename(root.join("a/cp.tmp"), &cp).unwrap();
    fs::File::options()
        .write(true)
        .open(&cp)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
    chmod(&root.join("b/my-topic.v2-3"), 0o700);
    fs::write(root.join("c/.lock"), b"").unwrap();
    let after = snapshot(&root);
    let d = differences(&before, &after);
    assert!(
        d.iter()
            .any(|l| l.starts_with("changed: a/recovery-point-offset-checkpoint")),
        "{d:#?}"
    );
    assert!(
        d.iter().any(|l| l.starts_with("changed: b/my-topic.v2-3:")),
        "{d:#?}"
    );
    assert!(d.iter().any(|l| l == "new: c/.lock"), "{d:#?}");
    // The new file changed its directory's mtime too.
    assert!(d.iter().any(|l| l.starts_with("changed: c:")), "{d:#?}");
}
