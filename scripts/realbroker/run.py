"""One case of the matrix: fill a fresh broker, leave its log dir in a scenario's state, predict
the restart with `kafka-preflight check`, restart it under `kafka-preflight watch`, classify.

Scenarios (the state the restart finds):
  clean   a clean shutdown (SIGTERM, controlled shutdown, clean-shutdown marker written)
  active  kill -9 after the recovery-point checkpoint covered every closed segment: only the
          active segments are recovered (checkpoint every second, killed after three)
  all     kill -9 before any checkpoint: every segment of every partition is recovered
"""

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from . import broker as B
from .outcome import classify

MIB = 1 << 20
START_TIMEOUT = 300


def preflight_bin():
    p = os.environ.get("KAFKA_PREFLIGHT")
    if p:
        return p
    for d in ("release", "debug"):
        c = B.REPO / "target" / d / "kafka-preflight"
        if c.exists():
            return str(c)
    raise RuntimeError("kafka-preflight binary not found: build it (cargo build) or set KAFKA_PREFLIGHT")


def topic_names(topics):
    return [f"rb{i}" for i in range(topics)]


def split(partitions, topics):
    base, extra = divmod(partitions, topics)
    return [base + (1 if i < extra else 0) for i in range(topics)]


def broker_props(a):
    props = {"log.segment.bytes": str(a.segment_bytes)}
    if a.index_max:
        props["log.index.size.max.bytes"] = str(a.index_max)
    if a.recovery_threads:
        props["num.recovery.threads.per.data.dir"] = str(a.recovery_threads)
    # The recovery point moves to the active segment's base when a segment rolls (asynchronous
    # flush); the checkpoint file follows every log.flush.offset.checkpoint.interval.ms.
    props["log.flush.offset.checkpoint.interval.ms"] = {"clean": "60000", "active": "1000",
                                                        "all": "86400000"}[a.scenario]
    return props


def override_index_bytes(a):
    """The per-topic segment.index.bytes of topic rb0: a quarter of the broker's maximum."""
    return max(4096, (a.index_max or 10 * MIB) // 4)


def prepare(a, out):
    """Fresh broker, topics, data, then the scenario's state. Returns (broker, offsets before).
    LogManager writes its first recovery-point checkpoint 30 s after it starts, whatever the
    interval: a first run slower than that (a loaded machine) cannot leave every segment
    unflushed, so `all` checks the file after the kill and starts over, twice at most."""
    for attempt in range(3):
        br, before = prepare_once(a, out)
        if a.scenario != "all":
            return br, before
        points = read_checkpoint(br.logs / "recovery-point-offset-checkpoint")
        if not any(v > 0 for k, v in points.items() if k in before):
            return br, before
        br.stop_zookeeper()
        print(f"real-broker: attempt {attempt + 1}: the recovery-point checkpoint was written "
              "before the kill (first run over 30 s); starting over", file=sys.stderr)
    raise RuntimeError("could not kill the broker before its first recovery-point checkpoint "
                       "(30 s after start) in three attempts: the machine is too loaded")


def prepare_once(a, out):
    br = B.Broker(a.version, out, broker_props(a), java=a.java)
    if br.data_exists():
        shutil.rmtree(br.logs)
    br.format()
    first_log = out / "first-start.log"
    for f in (first_log, out / "broker-stdout.log"):
        f.unlink(missing_ok=True)
    pid = br.start(first_log)
    if B.wait_outcome(lambda: B.alive(pid), first_log, START_TIMEOUT) != "started":
        B.stop(pid, signal.SIGKILL)
        br.stop_zookeeper()
        text = "".join(f.read_text(errors="replace") + "\n" for f in (first_log, out / "broker-stdout.log")
                       if f.exists())
        raise RuntimeError(f"the first start of {a.version} did not come up ({first_cause(text)}): "
                           f"see {first_log}")
    try:
        names = topic_names(a.topics)
        for i, (t, n) in enumerate(zip(names, split(a.partitions, a.topics))):
            cfg = [f"segment.index.bytes={override_index_bytes(a)}"] if i == 0 else []
            br.client("create", br.bootstrap, t, str(n), *cfg)
        per_partition = int((a.segments - 0.5) * a.segment_bytes)
        br.client("produce", br.bootstrap, str(per_partition), *names)
        before = br.end_offsets(names)
        if a.scenario == "clean":
            B.stop(pid, signal.SIGTERM)
        elif a.scenario == "active":
            wait_checkpoint(br, before, a)
            B.stop(pid, signal.SIGKILL)
        else:
            B.stop(pid, signal.SIGKILL)
        if br.zk and a.scenario != "clean":
            # Until ZooKeeper expires the killed broker's session, its /brokers/ids entry makes
            # the restart abort with NodeExistsException.
            time.sleep(B.ZK_SESSION_MS / 1000 + 4)
    except BaseException:
        B.stop(pid, signal.SIGKILL)
        br.stop_zookeeper()
        raise
    return br, before


def first_cause(text):
    """Why a release did not start at all, in one line: the exception that ended it, and the
    warning that explains a ZooKeeper connection that never came up."""
    from .outcome import first_exception
    lines = text.splitlines()
    cause = first_exception(lines) or "no exception logged"
    for ln in lines:
        if "/<unresolved>:" in ln and "Session 0x0" in ln:
            return (f"{cause}; the ZooKeeper client cannot reach 127.0.0.1 ('127.0.0.1/<unresolved>'): "
                    "ZooKeeper 3.4.13/3.4.14 clients on Java 14+")
    return cause


def wait_checkpoint(br, before, a):
    """Until recovery-point-offset-checkpoint has every partition past its closed segments."""
    ck = br.logs / "recovery-point-offset-checkpoint"
    deadline = time.time() + 60
    while time.time() < deadline:
        points = read_checkpoint(ck)
        if all(points.get(p, 0) > 0 for p, off in before.items() if off > 0):
            time.sleep(1.5)  # one more interval: the last rolls' flushes land too
            return
        time.sleep(0.5)
    raise RuntimeError("the recovery-point checkpoint never covered the closed segments")


def read_checkpoint(path):
    points = {}
    try:
        lines = path.read_text().splitlines()[2:]
    except FileNotFoundError:
        return points
    for ln in lines:
        t, p, o = ln.split()
        points[f"{t}-{p}"] = int(o)
    return points


def inventory(br):
    """Segments on disk and how many the restart will recover (from the recovery point on, or
    none after a clean shutdown), over the data topics and the metadata log."""
    clean = any((br.logs / m).exists() for m in (".kafka_cleanshutdown",))
    points = read_checkpoint(br.logs / "recovery-point-offset-checkpoint")
    segments = recovered = 0
    for d in br.logs.iterdir():
        if not d.is_dir():
            continue
        bases = sorted(int(f.name[:-4]) for f in d.iterdir() if f.name.endswith(".log"))
        segments += len(bases)
        if clean:
            continue
        rp = points.get(d.name, 0)
        # Kafka recovers every segment whose base is at or past the one holding the recovery point.
        start = max([b for b in bases if b <= rp], default=0)
        recovered += sum(1 for b in bases if b >= start)
    return segments, recovered, clean


def verdicts_at(br, a, out, threshold_kib, failed_kib=None):
    """The check's verdict on the pre-restart tree at the measured threshold, 10 % either side,
    and at the largest limit under which a real start failed."""
    shutil.rmtree(br.logs, ignore_errors=True)
    subprocess.run(["cp", "-a", "--sparse=always", str(out / "snapshot"), str(br.logs)], check=True)
    res = {}
    limits = [("minus10", int(threshold_kib * 0.9)), ("at", threshold_kib), ("plus10", int(threshold_kib * 1.1))]
    if failed_kib:
        limits.append(("largest_failed", failed_kib))
    for name, kib in limits:
        rep, code, _ = predict(br, a, out, ulimit_kib=kib, save=False)
        chk = {c["id"]: c for c in rep.get("checks", [])}.get("virtual_memory", {})
        res[name] = {"ulimit_v_kib": kib, "verdict": rep.get("verdict"), "exit": code,
                     "virtual_memory": chk.get("status"), "message": chk.get("message")}
    return res


def predict(br, a, out, ulimit_kib=None, save=True):
    ulimit_kib = ulimit_kib or a.ulimit_v
    cmd = [preflight_bin(), "check", "-c", str(br.config), "--kafka-version", a.version,
           "--jvm-opts", br.jvm_opts(out / "server.log"), "--cores", str(os.cpu_count()),
           "--ulimit-v", str(ulimit_kib) if ulimit_kib else "unlimited", "--format", "json", "-q"]
    if br.zk:
        # No metadata log holds a ZooKeeper cluster's topic configs: an operator passes what
        # `kafka-configs --describe` says, here the one override the harness created.
        tc = out / "topic-config.txt"
        tc.write_text(f"rb0 segment.index.bytes={override_index_bytes(a)}\n")
        cmd += ["--topic-config", str(tc)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if save:
        (out / "check.json").write_text(r.stdout)
    try:
        rep = json.loads(r.stdout)
    except json.JSONDecodeError:
        rep = {"error": r.stderr.strip(), "exit": r.returncode}
    return rep, r.returncode, " ".join(B.sh_quote(c) for c in cmd)


def watched_restart(br, a, out):
    """Restart under `kafka-preflight watch` (100 ms samples) until the broker started, exited, or
    START_TIMEOUT passed. Returns (watch report, start state, broker pid)."""
    log = out / "server.log"
    if log.exists():
        log.unlink()
    csv_path = out / "watch.csv"
    cmd = [preflight_bin(), "watch", "--format", "json", "--interval", "100ms", "--settle", "0",
           "--duration", f"{START_TIMEOUT}s", "--log", str(log), "--until-log-line",
           B.STARTED.pattern, "--csv", str(csv_path), "--", "bash", "-c",
           br.shell_command(log, a.ulimit_v)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    (out / "watch.json").write_text(r.stdout)
    (out / "watch.stderr").write_text(r.stderr)
    try:
        rep = json.loads(r.stdout)
    except json.JSONDecodeError:
        raise RuntimeError(f"watch failed ({r.returncode}): {r.stderr[-2000:]}")
    pid = rep.get("pid")
    text = log.read_text(errors="replace") if log.exists() else ""
    if B.STARTED.search(text):
        state = "started"
    elif pid and B.alive(pid):
        state = "timeout"
    else:
        state = "exited"
    return rep, state, pid


def measured(rep, csv_path):
    rows = list(csv.DictReader(open(csv_path))) if csv_path.exists() else []
    # The address space before the first index mapping: what the JVM itself takes, and where
    # the model's baseline should sit.
    pre = None
    for r in rows:
        if int(r["index_maps"]) > 0:
            break
        pre = int(r["vm_size"])
    peak_idx = max(rows, key=lambda r: int(r["index_bytes"]), default=None)
    p = rep["peaks"]
    return {
        "peak_index_bytes": p["index_mappings_bytes"],
        "peak_index_maps": p["index_mappings_count"],
        "peak_map_areas": p["map_areas"],
        "vm_peak_bytes": p["vm_peak_bytes"],
        "peak_vm_size_bytes": p["vm_size_bytes"],
        "pre_load_vm_bytes": pre,
        "vm_without_index_at_index_peak_bytes":
            int(peak_idx["vm_size"]) - int(peak_idx["index_bytes"]) if peak_idx else None,
        "peak_open_files": p["open_files"],
        "peak_threads": p["threads"],
        "samples": rep.get("samples"),
        "watched_ms": rep.get("watched_ms"),
    }


def after_offsets(br, state, names):
    if state != "started":
        return None, None
    try:
        return br.end_offsets(names), None
    except Exception as e:  # an offline partition has no leader to answer
        return None, str(e)[-500:]


def run(a):
    out = Path(a.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    br, before = prepare(a, out)
    try:
        return finish(a, out, br, before, t0)
    finally:
        br.stop_zookeeper()


def finish(a, out, br, before, t0):
    segments, recovered, clean_marker = inventory(br)
    # Every case keeps the pre-restart tree: the bisection restarts from it and the verdicts at
    # the measured threshold are asked of the same tree the real start found.
    snap = out / "snapshot"
    if snap.exists():
        shutil.rmtree(snap)
    subprocess.run(["cp", "-a", "--sparse=always", str(br.logs), str(snap)], check=True)
    prediction, check_exit, check_cmd = predict(br, a, out)
    rep, state, pid = watched_restart(br, a, out)
    names = topic_names(a.topics)
    after, offsets_error = after_offsets(br, state, names)
    if pid:
        B.stop(pid, signal.SIGTERM)
    text = (out / "server.log").read_text(errors="replace") if (out / "server.log").exists() else ""
    cls = classify(text, state, before, after)
    result = {
        "version": a.version,
        "scenario": a.scenario,
        "partitions": a.partitions,
        "topics": a.topics,
        "segment_bytes": a.segment_bytes,
        "index_max_bytes": a.index_max,
        "override_segment_index_bytes": {"rb0": override_index_bytes(a)},
        "ulimit_v_kib": a.ulimit_v,
        "java": java_version(a.java),
        "cores": os.cpu_count(),
        "segments": segments,
        "recovered_segments": recovered,
        # The broker's own count: one "Recovering unflushed segment" line per segment it recovers.
        "recovered_segments_logged": text.count("Recovering unflushed segment"),
        "clean_shutdown_marker": clean_marker,
        "measured": measured(rep, out / "watch.csv"),
        "outcome": cls["outcome"],
        "exception": cls["exception"],
        "truncated": cls["truncated"],
        "log_lines": cls["log_lines"],
        "end_offsets_before": before,
        "end_offsets_after": after,
        "offsets_error": offsets_error,
        "watch_ended": rep.get("ended"),
        "last_map_failed_line": rep.get("last_map_failed_line"),
        "check_exit": check_exit,
        "check_command": check_cmd,
        "jvm_opts": br.jvm_opts(out / "server.log"),
        "prediction": prediction,
    }
    if a.bisect:
        from .bisect import bisect
        result["bisect"] = bisect(br, a, out, before, rep)
    thr = (result.get("bisect") or {}).get("threshold_kib")
    result["threshold_kib"] = thr
    result["threshold_source"] = "bisected" if thr else "VmPeak"
    result["verdicts_at_threshold"] = verdicts_at(br, a, out, thr or -(-result["measured"]["vm_peak_bytes"] // 1024),
                                                  (result.get("bisect") or {}).get("largest_failed_kib"))
    shutil.rmtree(snap, ignore_errors=True)
    result["elapsed_s"] = round(time.time() - t0, 1)
    if not a.keep_data:
        shutil.rmtree(br.logs, ignore_errors=True)
    (out / "result.json").write_text(json.dumps(result, indent=2) + "\n")
    return result


def java_version(java):
    r = subprocess.run([java, "-version"], capture_output=True, text=True)
    return r.stderr.splitlines()[0] if r.stderr else None
