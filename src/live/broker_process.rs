//! What a pid is before anything is measured from it: a Kafka broker JVM (its main class, release,
//! JVM options, environment and systemd unit), or something else, said by name. A `sleep` or a
//! ZooKeeper JVM taken for a broker would lend its footprint to the prediction.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use super::java_cmdline::{self, JavaCommand, Launch};
use super::proc::ProcFs;
use super::LiveError;
use crate::kafka_version::{self, Build, JarKind};

/// Main classes that run a broker: Apache's, and Confluent Platform's up to 5.x (which wraps
/// kafka.Kafka to add its metrics client; CP 6+ runs kafka.Kafka itself).
pub const BROKER_MAIN_CLASSES: [&str; 2] =
    ["kafka.Kafka", "io.confluent.support.metrics.SupportedKafka"];

/// The apache/kafka image's entrypoint runs this to write server.properties and format storage,
/// then execs the broker: a real Kafka JVM, but not the one that loads the logs.
const DOCKER_SETUP_CLASS: &str = "kafka.docker.KafkaDockerWrapper";

/// A pid that is a broker JVM, and what its /proc says about the next start's inputs.
#[derive(Debug, Clone)]
pub struct BrokerProcess {
    pub pid: i32,
    pub main_class: String,
    pub command: JavaCommand,
    /// The release from its class path jars or its open jars, and the jar that says so.
    pub version: Option<(Build, PathBuf)>,
    /// /proc/PID/environ, or why it could not be read (it is mode 0400: owner or root only).
    pub environment: Result<BTreeMap<String, String>, String>,
    /// The systemd unit whose cgroup holds the process (`kafka.service`), if any.
    pub unit: Option<String>,
}

impl BrokerProcess {
    /// The JVM options on its command line, space-joined like KAFKA_OPTS.
    pub fn jvm_options(&self) -> String {
        self.command.options.join(" ")
    }

    pub fn env(&self, name: &str) -> Option<&str> {
        self.environment
            .as_ref()
            .ok()?
            .get(name)
            .map(String::as_str)
    }
}

/// Why a pid is not a broker, in words an operator recognises.
#[derive(Debug, thiserror::Error)]
pub enum NotABroker {
    #[error(transparent)]
    Unreadable(#[from] LiveError),
    #[error("pid {pid} is not a Kafka broker: it runs `{command}`, which is not a JVM{child}")]
    NotJava {
        pid: i32,
        command: String,
        /// " (its child pid N is the broker: ...)" when a start script wraps the JVM.
        child: String,
    },
    #[error("pid {pid} is not a Kafka broker: it is a JVM running {what}, not {}", BROKER_MAIN_CLASSES[0])]
    OtherJvm { pid: i32, what: String },
    #[error("pid {pid} is the apache/kafka image's setup step ({DOCKER_SETUP_CLASS} setup), not the broker; the broker starts after it exits")]
    DockerSetup { pid: i32 },
}

/// A broker's main class, or None.
pub fn broker_main_class(cmd: &JavaCommand) -> Option<&str> {
    match &cmd.launch {
        Launch::Class(c) if BROKER_MAIN_CLASSES.contains(&c.as_str()) => Some(c),
        _ => None,
    }
}

/// Identifies `pid`; everything past the command line is best effort (a file the kernel hides
/// leaves that field empty, it does not make the process less of a broker).
pub fn identify(proc: &ProcFs, pid: i32) -> Result<BrokerProcess, NotABroker> {
    let argv = proc.cmdline(pid)?;
    if argv.is_empty() && !proc.exists(pid) {
        return Err(LiveError::NoSuchProcess {
            pid,
            path: proc.pid_path(pid, "cmdline"),
        }
        .into());
    }
    let Some(command) = java_cmdline::parse(&argv) else {
        return Err(not_java(proc, pid, &argv));
    };
    let main_class = match (&command.launch, broker_main_class(&command)) {
        (_, Some(c)) => c.to_string(),
        (Launch::Class(c), None) if c == DOCKER_SETUP_CLASS => {
            return Err(NotABroker::DockerSetup { pid })
        }
        (launch, None) => {
            return Err(NotABroker::OtherJvm {
                pid,
                what: match launch {
                    Launch::Class(c) => format!("main class {c}"),
                    Launch::Jar(j) => format!("-jar {j}"),
                    Launch::Module(m) => format!("module {m}"),
                    Launch::Nothing => "no main class".to_string(),
                },
            })
        }
    };
    let cwd = proc.pid_path(pid, "cwd");
    let version = command
        .classpath
        .as_deref()
        .and_then(|cp| version_from_classpath(cp, &cwd))
        .or_else(|| version_from_open_files(proc, pid));
    Ok(BrokerProcess {
        pid,
        main_class,
        version,
        environment: read_environ(proc, pid),
        unit: read_unit(proc, pid),
        command,
    })
}

fn not_java(proc: &ProcFs, pid: i32, argv: &[String]) -> NotABroker {
    let command = if argv.is_empty() {
        // Kernel threads and zombies have an empty cmdline; comm still names them.
        format!("[{}]", proc.comm(pid).unwrap_or_default())
    } else {
        let mut s = argv.join(" ");
        if s.len() > 120 {
            let mut cut = 117;
            while !s.is_char_boundary(cut) {
                cut -= 1;
            }
            s.truncate(cut);
            s.push_str("...");
        }
        s
    };
    let child = super::discover::java_descendant(proc, pid)
        .filter(|c| {
            proc.cmdline(*c)
                .ok()
                .and_then(|a| java_cmdline::parse(&a))
                .is_some_and(|j| broker_main_class(&j).is_some())
        })
        .map(|c| format!("; its descendant pid {c} is the broker: pass --pid {c}"))
        .unwrap_or_default();
    NotABroker::NotJava {
        pid,
        command,
        child,
    }
}

/// The newest core jar on the class path (else the clients jar). Wildcards (`libs/*`) are
/// expanded the way the launcher does, relative entries against the process's own cwd.
pub fn version_from_classpath(classpath: &str, cwd: &Path) -> Option<(Build, PathBuf)> {
    let mut jars = Vec::new();
    for entry in classpath.split(':').filter(|e| !e.is_empty()) {
        let path = if Path::new(entry).is_absolute() {
            PathBuf::from(entry)
        } else {
            cwd.join(entry)
        };
        match path.file_name().and_then(|n| n.to_str()) {
            Some("*") => {
                let dir = path.parent().unwrap_or(Path::new("/"));
                if let Ok(rd) = fs::read_dir(dir) {
                    jars.extend(rd.flatten().map(|e| e.path()));
                }
            }
            _ => jars.push(path),
        }
    }
    best_jar(jars)
}

/// Open jar files (/proc/PID/fd): the JVM keeps every class path jar it loaded from open.
fn version_from_open_files(proc: &ProcFs, pid: i32) -> Option<(Build, PathBuf)> {
    let rd = fs::read_dir(proc.pid_path(pid, "fd")).ok()?;
    best_jar(rd.flatten().filter_map(|e| fs::read_link(e.path()).ok()))
}

fn best_jar(paths: impl IntoIterator<Item = PathBuf>) -> Option<(Build, PathBuf)> {
    let mut core: Option<(Build, PathBuf)> = None;
    let mut clients: Option<(Build, PathBuf)> = None;
    for p in paths {
        let Some((kind, v)) = p
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(kafka_version::jar_version)
        else {
            continue;
        };
        let slot = match kind {
            JarKind::Core => &mut core,
            JarKind::Clients => &mut clients,
        };
        // The newest jar wins (an upgrade left an old one behind); a Confluent build's own
        // version orders builds of one line.
        let key = |b: &Build| (b.kafka, b.confluent);
        if !matches!(slot, Some((best, _)) if key(best) >= key(&v)) {
            *slot = Some((v, p));
        }
    }
    core.or(clients)
}

fn read_environ(proc: &ProcFs, pid: i32) -> Result<BTreeMap<String, String>, String> {
    let path = proc.pid_path(pid, "environ");
    let bytes = fs::read(&path).map_err(|e| match e.kind() {
        std::io::ErrorKind::PermissionDenied => format!(
            "cannot read {}: run as the broker's user or root",
            path.display()
        ),
        _ => format!("cannot read {}: {e}", path.display()),
    })?;
    Ok(parse_environ(&bytes))
}

/// NUL-separated `NAME=value` words; a word without `=` is not a variable.
pub fn parse_environ(bytes: &[u8]) -> BTreeMap<String, String> {
    bytes
        .split(|&b| b == 0)
        .filter_map(|w| {
            let w = String::from_utf8_lossy(w);
            let (k, v) = w.split_once('=')?;
            (!k.is_empty()).then(|| (k.to_string(), v.to_string()))
        })
        .collect()
}

fn read_unit(proc: &ProcFs, pid: i32) -> Option<String> {
    unit_from_cgroup(&fs::read_to_string(proc.pid_path(pid, "cgroup")).ok()?)
}

/// The service whose cgroup holds the process: the last `*.service` of the unified (v2) path
/// `0::/system.slice/kafka.service`, else of v1's `name=systemd` hierarchy. A user manager's
/// own `user@UID.service` is skipped so the unit it runs is found.
pub fn unit_from_cgroup(text: &str) -> Option<String> {
    let path_of = |want: &dyn Fn(&str) -> bool| {
        text.lines().find_map(|l| {
            let mut f = l.splitn(3, ':');
            let (_, controllers, path) = (f.next()?, f.next()?, f.next()?);
            want(controllers).then_some(path)
        })
    };
    let path = path_of(&|c| c.is_empty()).or_else(|| path_of(&|c| c == "name=systemd"))?;
    path.split('/')
        .rev()
        .find(|c| c.ends_with(".service") && !c.starts_with("user@"))
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_from_either_cgroup_hierarchy() {
        assert_eq!(
            unit_from_cgroup("0::/system.slice/confluent-server.service\n").as_deref(),
            Some("confluent-server.service")
        );
        assert_eq!(
            unit_from_cgroup("12:memory:/x\n1:name=systemd:/system.slice/kafka.service\n")
                .as_deref(),
            Some("kafka.service")
        );
        assert_eq!(
            unit_from_cgroup(
                "0::/user.slice/user-1000.slice/user@1000.service/app.slice/kafka.service\n"
            )
            .as_deref(),
            Some("kafka.service")
        );
        assert_eq!(
            unit_from_cgroup("0::/user.slice/user-1000.slice/session-3.scope\n"),
            None
        );
        assert_eq!(unit_from_cgroup("0::/\n"), None);
    }

    #[test]
    fn environ_words() {
        let e = parse_environ(b"MALLOC_ARENA_MAX=2\0KAFKA_HEAP_OPTS=-Xmx6g -Xms6g\0junk\0A==b\0");
        assert_eq!(e["MALLOC_ARENA_MAX"], "2");
        assert_eq!(e["KAFKA_HEAP_OPTS"], "-Xmx6g -Xms6g");
        assert_eq!(e["A"], "=b");
        assert_eq!(e.len(), 3);
    }

    #[test]
    fn classpath_wildcards_expand_against_the_process_cwd() {
        let d = tempfile::tempdir().unwrap();
        fs::create_dir(d.path().join("libs")).unwrap();
        for f in [
            "kafka-clients-3.6.1.jar",
            "kafka_2.13-3.6.1.jar",
            "kafka_2.13-3.6.1-sources.jar",
        ] {
            fs::write(d.path().join("libs").join(f), b"").unwrap();
        }
        let (v, jar) = version_from_classpath("/nope/x.jar:libs/*", d.path()).unwrap();
        assert_eq!(v, Build::apache(kafka_version::KafkaVersion::new(3, 6, 1)));
        assert!(jar.ends_with("libs/kafka_2.13-3.6.1.jar"), "{jar:?}");
        let (v, _) = version_from_classpath("libs/kafka-clients-3.6.1.jar", d.path()).unwrap();
        assert_eq!(v, Build::apache(kafka_version::KafkaVersion::new(3, 6, 1)));
        assert!(version_from_classpath("/nope/*", d.path()).is_none());
    }
}
