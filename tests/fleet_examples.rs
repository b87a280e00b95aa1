//! The fleet examples run for real: examples/fleet/preflight.yml under ansible-playbook and
//! examples/fleet/preflight-ssh.sh, over three hosts that each hold a different generated broker
//! tree (one passes, one fails on lost+found, one writes a corrupt report). Ansible connects
//! locally; the ssh loop gets a stand-in ssh/scp that runs on this machine (CI has no sshd).
//! All three hosts are this machine, so the reports name one hostname and differ by broker id.

mod common;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use kafka_preflight::synth::{uniform, write_log_dir};
use serde_json::json;

const CLUSTER: &str = "fleet-ci";
const HOSTS: [&str; 3] = ["kafka-pass", "kafka-lostfound", "kafka-corrupt"];

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/fleet")
}

fn real_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_kafka-preflight"))
}

fn write_exec(p: &Path, text: &str) {
    std::fs::write(p, text).unwrap();
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// The flags that stand in for `--systemd-unit kafka.service` on a CI machine.
const LIMITS: [&str; 12] = [
    "--kafka-version",
    "3.7.0",
    "--heap",
    "1g",
    "--cores",
    "2",
    "--max-map-count",
    "262144",
    "--ulimit-n",
    "100000",
    "--ulimit-v",
    "unlimited",
];

/// hosts/NAME/{server.properties, logs/, bin/kafka-preflight}: what each broker has.
struct Fleet {
    tmp: tempfile::TempDir,
}

impl Fleet {
    fn new() -> Fleet {
        let tmp = tempfile::tempdir().unwrap();
        for (i, h) in HOSTS.iter().enumerate() {
            let id = i + 1;
            let root = tmp.path().join("hosts").join(h);
            let logs = root.join("logs");
            write_log_dir(&logs, &uniform(2, 3, 2), true).unwrap();
            std::fs::write(
                logs.join("meta.properties"),
                format!("version=0\nbroker.id={id}\ncluster.id={CLUSTER}\n"),
            )
            .unwrap();
            if *h == "kafka-lostfound" {
                // mkfs leaves it at the root of a filesystem used directly as a log dir.
                std::fs::create_dir(logs.join("lost+found")).unwrap();
            }
            std::fs::write(
                root.join("server.properties"),
                format!(
                    "broker.id={id}\nzookeeper.connect=zk:2181\nlog.dirs={}\n",
                    logs.display()
                ),
            )
            .unwrap();
            let bin = root.join("bin");
            std::fs::create_dir(&bin).unwrap();
            let real = real_bin();
            let wrapper = if *h == "kafka-corrupt" {
                // The disk filled up while the report was written: the check ran, the
                // report that arrives is cut short.
                format!(
                    "#!/bin/sh\n\"{}\" \"$@\"; rc=$?\nout=\nprev=\nfor a; do [ \"$prev\" = --output ] && out=$a; prev=$a; done\nhead -c 120 \"$out\" > \"$out.cut\" && mv \"$out.cut\" \"$out\"\nexit $rc\n",
                    real.display()
                )
            } else {
                format!("#!/bin/sh\nexec \"{}\" \"$@\"\n", real.display())
            };
            write_exec(&bin.join("kafka-preflight"), &wrapper);
        }
        Fleet { tmp }
    }

    fn host(&self, h: &str) -> PathBuf {
        self.tmp.path().join("hosts").join(h)
    }

    fn reports(&self) -> PathBuf {
        self.tmp.path().join("reports")
    }
}

fn text(o: &Output) -> String {
    format!(
        "{}\n--- stderr ---\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The model-neutral environment of common::preflight, for tools that run the binary.
fn neutral(c: &mut Command) -> &mut Command {
    for var in common::MODEL_ENV {
        c.env_remove(var);
    }
    c.env("NO_COLOR", "1")
}

// ---- Ansible ----

/// A YAML inventory (JSON is YAML): the three brokers and the controller, all local.
fn inventory(f: &Fleet) -> PathBuf {
    let mut hosts = serde_json::Map::new();
    for h in HOSTS {
        let root = f.host(h);
        hosts.insert(
            h.to_string(),
            json!({
                "preflight_bin": root.join("bin/kafka-preflight"),
                "preflight_config": root.join("server.properties"),
                "preflight_report": root.join(format!("preflight-{h}.json")),
            }),
        );
    }
    let inv = json!({
        "all": {
            "vars": {
                "ansible_connection": "local",
                "ansible_python_interpreter": "{{ ansible_playbook_python }}",
                "preflight_become": false,
                "preflight_limit_args": LIMITS,
                "preflight_merge_bin": real_bin(),
                "preflight_reports_dir": f.reports(),
            },
            "children": {
                "kafka_brokers": {"hosts": hosts},
                "controller": {"hosts": {"localhost": {}}}
            }
        }
    });
    let p = f.tmp.path().join("inventory.yml");
    std::fs::write(&p, inv.to_string()).unwrap();
    p
}

fn playbook(bin: &Path, f: &Fleet, extra: &[&str]) -> (i32, String, String) {
    let home = f.tmp.path().join("ansible-home");
    let mut c = Command::new(bin);
    neutral(&mut c)
        .arg("-i")
        .arg(inventory(f))
        .arg(examples().join("preflight.yml"))
        .args(extra)
        .env("ANSIBLE_HOME", &home)
        .env("ANSIBLE_LOCAL_TEMP", home.join("tmp"))
        .env("ANSIBLE_REMOTE_TEMP", home.join("remote-tmp"))
        .env("ANSIBLE_NOCOLOR", "1")
        .env("ANSIBLE_RETRY_FILES_ENABLED", "false")
        .env("ANSIBLE_DEPRECATION_WARNINGS", "false");
    let o = c.output().unwrap();
    let md = std::fs::read_to_string(f.reports().join("fleet.md")).unwrap_or_default();
    (o.status.code().unwrap_or(-1), text(&o), md)
}

#[test]
fn the_ansible_play_merges_three_hosts_and_stops_the_rollout() {
    let Some(bin) = common::tool("ansible-playbook") else {
        return;
    };
    let f = Fleet::new();

    let (code, log, md) = playbook(&bin, &f, &[]);
    // 2: a task failed (the last one, on merge's exit 1), not an unreachable host (4).
    assert_eq!(code, 2, "{log}");
    assert!(log.contains("kafka-preflight merge exited 1"), "{log}");
    assert!(md.contains("fleet check: **FAIL**"), "{md}\n{log}");
    assert!(
        md.contains(
            "3 brokers: 1 failing, 1 unknown (unreadable report), 0 at risk (warn), 1 passing"
        ),
        "{md}"
    );
    assert!(
        md.contains("preflight-kafka-corrupt.json`: not a JSON report"),
        "{md}"
    );
    // The failing row names the check it fails on and its fix, not three PASS columns alone.
    let lost = md
        .lines()
        .find(|l| l.contains("| FAIL (log_dirs) |"))
        .unwrap_or_else(|| panic!("no row failing on log_dirs: {md}"));
    assert!(
        lost.contains("| 2 |"),
        "broker 2 is the lost+found host: {lost}"
    );
    assert!(
        lost.contains("log_dirs FAIL: fix log.dirs entry: "),
        "{lost}"
    );
    assert!(
        lost.contains("lost+found -> move it out of the log dir"),
        "{lost}"
    );
    for h in HOSTS {
        assert!(
            f.reports().join(format!("preflight-{h}.json")).is_file(),
            "{h}: {log}"
        );
    }

    // Only the healthy broker: the play passes. The first play removed the other reports.
    let (code, log, md) = playbook(&bin, &f, &["--limit", "kafka-pass,localhost"]);
    assert_eq!(code, 0, "{log}");
    assert!(md.contains("fleet check: **PASS**"), "{md}");
    assert!(md.contains("1 broker: 0 failing, 0 unknown"), "{md}");

    // The corrupt report, knowingly accepted: the play passes, the answer still says UNKNOWN.
    let (code, log, md) = playbook(
        &bin,
        &f,
        &[
            "--limit",
            "kafka-pass,kafka-corrupt,localhost",
            "-e",
            "preflight_accept_unreadable=true",
        ],
    );
    assert_eq!(code, 0, "{log}");
    assert!(md.contains("fleet check: **UNKNOWN**"), "{md}");
    let (code, log, _) = playbook(&bin, &f, &["--limit", "kafka-pass,kafka-corrupt,localhost"]);
    assert_eq!(code, 2, "unknown fails without the flag: {log}");
}

// ---- ssh loop ----

/// `ssh [-o OPT]... HOST COMMAND` and `scp [-q] [-o OPT]... HOST:PATH DEST` that "connect" by
/// changing into hosts/HOST, with its bin/ first on PATH, like a login on that broker would.
fn standin(f: &Fleet) -> PathBuf {
    let dir = f.tmp.path().join("standin");
    std::fs::create_dir(&dir).unwrap();
    let hosts = f.tmp.path().join("hosts");
    write_exec(
        &dir.join("ssh"),
        &format!(
            r#"#!/bin/sh
while [ "$1" = -o ]; do shift 2; done
host=$1; shift
cd "{h}/$host" 2>/dev/null || {{ echo "ssh: Could not resolve hostname $host" >&2; exit 255; }}
PATH="{h}/$host/bin:$PATH" exec sh -c "$*"
"#,
            h = hosts.display()
        ),
    );
    write_exec(
        &dir.join("scp"),
        &format!(
            r#"#!/bin/sh
while [ "$1" = -q ] || [ "$1" = -o ]; do [ "$1" = -o ] && shift; shift; done
src=$1; dest=$2
host=${{src%%:*}}; path=${{src#*:}}
case $dest in /*) ;; *) dest="$PWD/$dest" ;; esac
cd "{h}/$host" 2>/dev/null || {{ echo "ssh: Could not resolve hostname $host" >&2; exit 1; }}
cp "$path" "$dest"
"#,
            h = hosts.display()
        ),
    );
    dir
}

fn ssh_loop(f: &Fleet, hosts: &[&str], env: &[(&str, &str)]) -> (i32, String) {
    let path = format!(
        "{}:{}:{}",
        standin(f).display(),
        real_bin().parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut c = Command::new("bash");
    neutral(&mut c)
        .arg(examples().join("preflight-ssh.sh"))
        .args(hosts)
        .current_dir(f.tmp.path())
        .env("PATH", path)
        .env("CONFIG", "server.properties")
        .env("CHECK_ARGS", LIMITS.join(" "))
        .env("SUDO", "")
        .env("REMOTE_DIR", ".")
        .env("OUT", f.reports())
        .envs(env.iter().copied());
    let o = c.output().unwrap();
    std::fs::remove_dir_all(f.tmp.path().join("standin")).unwrap();
    (o.status.code().unwrap_or(-1), text(&o))
}

#[test]
fn the_ssh_loop_merges_the_same_three_hosts() {
    let f = Fleet::new();
    let (code, out) = ssh_loop(&f, &HOSTS, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(
            "3 brokers: 1 failing, 1 unknown (unreadable report), 0 at risk (warn), 1 passing"
        ),
        "{out}"
    );
    assert!(
        out.contains("preflight-kafka-corrupt.json: not a JSON report"),
        "{out}"
    );

    let (code, out) = ssh_loop(&f, &["kafka-pass"], &[]);
    assert_eq!(code, 0, "old reports are removed before the run: {out}");
    assert!(out.contains("1 broker: 0 failing"), "{out}");

    let (code, out) = ssh_loop(
        &f,
        &["kafka-pass", "kafka-corrupt"],
        &[("ACCEPT_UNREADABLE", "1")],
    );
    assert_eq!(code, 0, "{out}");
    let (code, out) = ssh_loop(&f, &["kafka-pass", "kafka-corrupt"], &[("FORMAT", "json")]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("\"verdict\": \"unknown\""), "{out}");

    // A host that cannot be reached is not checked and fails the loop (2), after the merge of
    // the others.
    let (code, out) = ssh_loop(&f, &["kafka-pass", "kafka-gone"], &[]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("not checked: kafka-gone"), "{out}");
}
