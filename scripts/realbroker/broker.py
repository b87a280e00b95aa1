"""One real Kafka broker from Maven Central's jars: KRaft, single node, combined roles, bound to
127.0.0.1 on free ports. The JVM options are those of kafka-server-start.sh (heap, G1 flags, GC log)
so the address space the harness measures is the one an operator's broker has."""

import base64
import shutil
import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("KAFKA_RB_CACHE", REPO / "target" / "real-broker"))

# kafka-server-start.sh's KAFKA_HEAP_OPTS and kafka-run-class.sh's KAFKA_JVM_PERFORMANCE_OPTS.
HEAP_OPTS = "-Xmx1G -Xms1G"
PERF_OPTS = ("-server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 "
             "-XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 -Djava.awt.headless=true")

ZK_SESSION_MS = 6000

# The line each release logs once the broker serves requests.
STARTED = re.compile(r"Kafka Server started|\] started \(kafka\.server\.Kafka(Raft)?Server\)")


def major(version):
    return int(version.split(".")[0])


def uses_zookeeper(version):
    """KRaft is production-ready from 3.3; older lines are run the way they were deployed."""
    a, b = (int(x) for x in version.split(".")[:2])
    return (a, b) < (3, 3)


def classpath(version):
    """The broker classpath (scripts/kafka-classpath resolves and caches it)."""
    r = subprocess.run([str(REPO / "scripts" / "kafka-classpath"), version],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"kafka-classpath {version} failed: {r.stderr.strip()}")
    return Path(r.stdout.strip()).read_text().strip()


def client_classes(version, cp):
    """tests/java/RbClient.java compiled against this release's kafka-clients, cached."""
    out = CACHE / "client" / version
    src = REPO / "tests" / "java" / "RbClient.java"
    cls = out / "RbClient.class"
    if not cls.exists() or cls.stat().st_mtime < src.stat().st_mtime:
        out.mkdir(parents=True, exist_ok=True)
        subprocess.run(["javac", "-nowarn", "-cp", cp, "-d", str(out), str(src)], check=True,
                       capture_output=True)
    return out


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cluster_id():
    while True:
        u = base64.urlsafe_b64encode(os.urandom(16)).rstrip(b"=").decode()
        if not u.startswith("-"):
            return u


class Broker:
    def __init__(self, version, home, extra_props, java="java"):
        self.version = version
        self.home = Path(home)
        self.java = java
        self.cp = classpath(version)
        self.client_cp = f"{client_classes(version, self.cp)}:{self.cp}"
        self.logs = self.home / "data"
        self.port, self.cport = free_port(), free_port()
        self.bootstrap = f"127.0.0.1:{self.port}"
        self.zk = uses_zookeeper(version)
        self.zk_port = free_port() if self.zk else None
        self.zk_proc = None
        self.props = self.zk_props() if self.zk else self.kraft_props()
        self.props.update({
            "log.dirs": str(self.logs),
            "offsets.topic.replication.factor": "1",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "group.initial.rebalance.delay.ms": "0",
            "auto.create.topics.enable": "false",
        })
        self.props.update(extra_props)
        self.config = self.home / "server.properties"
        self.proc = None

    def zk_props(self):
        return {
            "broker.id": "0",
            "zookeeper.connect": f"127.0.0.1:{self.zk_port}",
            # A killed broker's registration lives until its session expires: keep that short.
            "zookeeper.session.timeout.ms": str(ZK_SESSION_MS),
            "listeners": f"PLAINTEXT://127.0.0.1:{self.port}",
            "advertised.listeners": f"PLAINTEXT://127.0.0.1:{self.port}",
        }

    def kraft_props(self):
        return {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.voters": f"1@127.0.0.1:{self.cport}",
            "listeners": f"PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.cport}",
            "advertised.listeners": f"PLAINTEXT://127.0.0.1:{self.port}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        }

    def data_exists(self):
        return self.logs.exists()

    def write_config(self):
        self.home.mkdir(parents=True, exist_ok=True)
        self.config.write_text("".join(f"{k}={v}\n" for k, v in self.props.items()))

    def log_config(self, log_file):
        """A logging config writing everything at INFO to log_file, in the binding's own format."""
        if major(self.version) >= 4:
            p = self.home / f"log4j2-{Path(log_file).stem}.properties"
            p.write_text(
                "appender.f.type=File\nappender.f.name=f\n"
                f"appender.f.fileName={log_file}\nappender.f.append=true\n"
                "appender.f.layout.type=PatternLayout\n"
                "appender.f.layout.pattern=[%d] %p %m (%c)%n\n"
                "rootLogger.level=INFO\nrootLogger.appenderRef.f.ref=f\n")
            return f"-Dlog4j2.configurationFile={p}"
        p = self.home / f"log4j-{Path(log_file).stem}.properties"
        p.write_text(
            "log4j.rootLogger=INFO, f\nlog4j.appender.f=org.apache.log4j.FileAppender\n"
            f"log4j.appender.f.File={log_file}\nlog4j.appender.f.Append=true\n"
            "log4j.appender.f.layout=org.apache.log4j.PatternLayout\n"
            "log4j.appender.f.layout.ConversionPattern=[%d] %p %m (%c)%n\n")
        return f"-Dlog4j.configuration=file:{p}"

    def jvm_opts(self, log_file):
        gc = f"-Xlog:gc*:file={self.home}/kafkaServer-gc.log:time,tags:filecount=10,filesize=100M"
        return f"{HEAP_OPTS} {PERF_OPTS} {gc} {self.log_config(log_file)} -Dkafka.logs.dir={self.home}"

    def command(self, log_file):
        """The java command line that starts the broker (list of args)."""
        return [self.java, *self.jvm_opts(log_file).split(), "-cp", self.cp, "kafka.Kafka", str(self.config)]

    def start_zookeeper(self):
        """ZooKeeper from the same classpath (kafka_2.x depends on it), for the pre-KRaft lines."""
        d = self.home / "zookeeper"
        shutil.rmtree(d, ignore_errors=True)  # a previous run's registrations would clash
        d.mkdir(parents=True)
        cfg = self.home / "zookeeper.properties"
        # clientPortAddress: the port and command-line form would listen on every interface.
        cfg.write_text(f"dataDir={d}\nclientPort={self.zk_port}\nclientPortAddress=127.0.0.1\ntickTime=2000\n"
                       "maxClientCnxns=0\nadmin.enableServer=false\n4lw.commands.whitelist=\n")
        out = open(self.home / "zookeeper.log", "ab")
        self.zk_proc = subprocess.Popen(
            [self.java, "-Xmx256m", "-Dzookeeper.admin.enableServer=false", "-Dzookeeper.jmx.log4j.disable=true", self.log_config(self.home / "zookeeper.log"),
             "-cp", self.cp, "org.apache.zookeeper.server.ZooKeeperServerMain", str(cfg)],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        # Ready once it logs its bind. Not by connecting: ZooKeeper 3.4 on Java 17 spins, logging
        # "caught end of stream exception" forever, on a connection closed without a session.
        log = self.home / "zookeeper.log"
        deadline = time.time() + 60
        while time.time() < deadline:
            if log.exists() and "binding to port" in log.read_text(errors="replace"):
                return
            if self.zk_proc.poll() is not None:
                break
            time.sleep(0.3)
        raise RuntimeError(f"zookeeper did not listen within 60 s: see {log}")

    def stop_zookeeper(self):
        if self.zk_proc:
            stop(self.zk_proc.pid)
            self.zk_proc = None

    def format(self):
        self.write_config()
        if self.zk:
            self.start_zookeeper()
            return
        log = self.home / "format.log"
        r = subprocess.run([self.java, "-Xmx256m", self.log_config(log), "-cp", self.cp,
                            "kafka.tools.StorageTool", "format", "-t", cluster_id(), "-c", str(self.config)],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"storage format failed: {r.stdout}{r.stderr}")

    def start(self, log_file, ulimit_kib=None, stdout=None):
        """Start without a watcher (the first run, and the bisection probes)."""
        cmd = " ".join(sh_quote(a) for a in self.command(log_file))
        if ulimit_kib:
            cmd = f"ulimit -v {int(ulimit_kib)} && exec {cmd}"
        else:
            cmd = f"exec {cmd}"
        out = open(stdout or self.home / "broker-stdout.log", "ab")
        # cwd: a JVM that crashes writes hs_err_pid*.log there.
        self.proc = subprocess.Popen(["bash", "-c", cmd], stdout=out, stderr=subprocess.STDOUT,
                                     start_new_session=True, cwd=self.home)
        return self.proc.pid

    def shell_command(self, log_file, ulimit_kib=None):
        """The same start as a bash -c line, for `kafka-preflight watch -- bash -c ...`."""
        cmd = " ".join(sh_quote(a) for a in self.command(log_file))
        stdout = sh_quote(str(self.home / "broker-stdout.log"))
        lim = f"ulimit -v {int(ulimit_kib)} && " if ulimit_kib else ""
        return f"cd {sh_quote(str(self.home))} && {lim}exec {cmd} >>{stdout} 2>&1"

    def client(self, *args, timeout=900):
        r = subprocess.run([self.java, "-Xmx256m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                            f"-Dlog4j.configuration=file:/dev/null", "-Dlog4j2.configurationFile=/dev/null",
                            "-cp", self.client_cp, "RbClient", *args],
                           capture_output=True, text=True, timeout=timeout)
        if r.returncode != 0:
            raise RuntimeError(f"RbClient {args[0]} failed: {r.stderr[-2000:]}")
        return r.stdout

    def end_offsets(self, topics):
        out = self.client("offsets", self.bootstrap, *topics)
        res = {}
        for line in out.splitlines():
            # Whatever else a logging binding prints on stdout is not ours.
            if not line.startswith("OFFSET "):
                continue
            _, t, p, o = line.split()
            res[f"{t}-{p}"] = int(o)
        return res


def sh_quote(s):
    return "'" + s.replace("'", "'\\''") + "'"


def wait_outcome(pid_alive, log_file, timeout):
    """Waits until the broker logs that it started, or exits, or timeout seconds pass.
    Returns 'started', 'exited' or 'timeout'."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if log_file.exists() and STARTED.search(log_file.read_text(errors="replace")):
            return "started"
        if not pid_alive():
            return "exited"
        time.sleep(0.2)
    return "timeout"


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purpose.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[-1][0] != "Z"
    except FileNotFoundError:
        return False


def stop(pid, sig=signal.SIGTERM, timeout=120):
    """Sends sig and waits for the process to end; escalates to SIGKILL after timeout."""
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return
    deadline = time.time() + timeout
    while alive(pid) and time.time() < deadline:
        time.sleep(0.1)
        reap(pid)
    if alive(pid):
        os.kill(pid, signal.SIGKILL)
        while alive(pid):
            time.sleep(0.1)
            reap(pid)
    reap(pid)


def reap(pid):
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
