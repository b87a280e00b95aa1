"""Config rules the model states, each tried on a real broker: does the release refuse the value
(at `kafka-storage format`, at start, or at CreateTopics), and with which message."""

import shutil
import signal
from pathlib import Path

from . import broker as B

# (release, broker settings, topic settings, what the rule says)
CASES = [
    ("3.9.0", {"log.segment.bytes": "524288"}, None, "log.segment.bytes >= 1 MiB from 4.0"),
    ("4.0.0", {"log.segment.bytes": "524288"}, None, "log.segment.bytes >= 1 MiB from 4.0"),
    ("4.0.0", {}, ["segment.bytes=524288"], "topic segment.bytes >= 1 MiB from 4.1"),
    ("4.1.1", {}, ["segment.bytes=524288"], "topic segment.bytes >= 1 MiB from 4.1"),
    ("3.9.0", {"metadata.log.segment.bytes": "4194304"}, None, "metadata.log.segment.bytes >= 8 MiB from 4.1"),
    ("4.0.0", {"metadata.log.segment.bytes": "4194304"}, None, "metadata.log.segment.bytes >= 8 MiB from 4.1"),
    ("4.1.1", {"metadata.log.segment.bytes": "4194304"}, None, "metadata.log.segment.bytes >= 8 MiB from 4.1"),
    ("4.0.0", "zookeeper", None, "a ZooKeeper-mode config cannot start 4.x"),
]


def first_error(text):
    for ln in text.splitlines():
        if "Exception" in ln and ("Invalid" in ln or "Missing" in ln or "Cannot" in ln or "must" in ln):
            return ln.strip()[:300]
    return None


def probe(root, version, props, topic_cfg):
    tag = "zookeeper" if props == "zookeeper" else ("-".join(f"{k}={v}" for k, v in props.items()) or "topic")
    home = Path(root) / "config-rules" / f"{version}-{tag}"
    shutil.rmtree(home, ignore_errors=True)
    br = B.Broker(version, home, {} if props == "zookeeper" else props)
    if props == "zookeeper":
        # What a 3.x ZooKeeper-mode server.properties has; nothing listens on the port.
        br.zk_port = B.free_port()
        br.props = {**br.zk_props(), "log.dirs": str(br.logs)}
        br.write_config()
    else:
        try:
            br.format()
        except RuntimeError as e:
            return {"stage": "format", "refused": True, "message": first_error(str(e))}
    log = home / "server.log"
    pid = br.start(log)
    state = B.wait_outcome(lambda: B.alive(pid), log, 120)
    try:
        text = log.read_text(errors="replace") if log.exists() else ""
        if state != "started":
            return {"stage": "start", "refused": True, "message": first_error(text) or state}
        if not topic_cfg:
            return {"stage": "start", "refused": False, "message": None}
        try:
            br.client("create", br.bootstrap, "t", "1", *topic_cfg)
            return {"stage": "create topic", "refused": False, "message": None}
        except RuntimeError as e:
            return {"stage": "create topic", "refused": True, "message": first_error(str(e))}
    finally:
        B.stop(pid, signal.SIGTERM, timeout=60)
        br.stop_zookeeper()


def run_all(root):
    res = []
    for version, props, topic_cfg, rule in CASES:
        r = probe(root, version, props, topic_cfg)
        r.update(version=version, rule=rule,
                 setting="ZooKeeper-mode server.properties" if props == "zookeeper"
                 else ", ".join(f"{k}={v}" for k, v in props.items()) or f"topic {' '.join(topic_cfg)}")
        res.append(r)
        print(f"config rule {version} {r['setting']}: {'refused' if r['refused'] else 'accepted'} "
              f"at {r['stage']}", flush=True)
    return res
