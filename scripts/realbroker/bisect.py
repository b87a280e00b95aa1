"""The smallest `ulimit -v` under which the restart starts cleanly, by bisection over fresh copies
of the same log dir state (a failed start may truncate, delete or re-mark segments, so every
probe starts from the snapshot taken right after the scenario's shutdown or kill)."""

import shutil
import signal
import subprocess

from . import broker as B
from .outcome import classify

STEP_KIB = 8 * 1024


def probe(br, a, out, before, kib):
    d = out / "probes" / str(kib)
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)
    shutil.rmtree(br.logs, ignore_errors=True)
    subprocess.run(["cp", "-a", "--sparse=always", str(out / "snapshot"), str(br.logs)], check=True)
    log, stdout = d / "server.log", d / "stdout.log"
    pid = br.start(log, kib, stdout=stdout)
    state = B.wait_outcome(lambda: B.alive(pid), log, B_TIMEOUT)
    after = None
    if state == "started":
        try:
            after = br.end_offsets(list({p.rsplit("-", 1)[0] for p in before}))
        except Exception:
            after = None
    B.stop(pid, signal.SIGTERM, timeout=60)
    text = (log.read_text(errors="replace") if log.exists() else "") + "\n" + \
        (stdout.read_text(errors="replace") if stdout.exists() else "")
    c = classify(text, state, before, after)
    ok = c["outcome"] == "started" and after is not None
    if ok:  # a clean start's logs say nothing new: keep only the failures' for the record
        shutil.rmtree(d)
    return {"ulimit_v_kib": kib, "ok": ok, "outcome": c["outcome"], "exception": c["exception"],
            "truncated": c["truncated"], "log": None if ok else str(d / "server.log")}


B_TIMEOUT = 240


def bisect(br, a, out, before, watch_rep):
    probes = []
    hi = (watch_rep["peaks"]["vm_peak_bytes"] // 1024 // STEP_KIB + 2) * STEP_KIB
    while True:
        p = probe(br, a, out, before, hi)
        probes.append(p)
        if p["ok"]:
            break
        hi *= 2
        if hi > 64 << 20:
            return {"threshold_kib": None, "probes": probes}
    lo = hi // 2
    while True:
        p = probe(br, a, out, before, lo)
        probes.append(p)
        if not p["ok"]:
            break
        hi, lo = lo, lo // 2
    while hi - lo > STEP_KIB:
        mid = (lo + hi) // 2 // 1024 * 1024
        p = probe(br, a, out, before, mid)
        probes.append(p)
        if p["ok"]:
            hi = mid
        else:
            lo = mid
    return {"threshold_kib": hi, "largest_failed_kib": lo, "step_kib": STEP_KIB,
            "probes": sorted(probes, key=lambda p: p["ulimit_v_kib"])}
