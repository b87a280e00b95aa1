"""docs/accuracy.md from the matrix's result.json files: the model's prediction against what a
real broker did on this machine, row by row, and every disagreement spelled out."""

import json
from pathlib import Path

from .broker import STARTED
from .outcome import classify

MIB = 1 << 20


def load(root):
    rows = []
    for p in sorted(Path(root).glob("*/result.json")):
        r = json.loads(p.read_text())
        reclassify(r)
        rows.append(r)
    return sorted(rows, key=lambda r: (vkey(r["version"]), ["clean", "active", "all"].index(r["scenario"])))


def reclassify(r):
    """Failed probes keep their logs: classify them again, so the doc follows the classifier."""
    for p in (r.get("bisect") or {}).get("probes", []):
        log = Path(p["log"]) if p.get("log") else None
        if p["ok"] or not log or not log.parent.is_dir():
            continue
        text = "".join(f.read_text(errors="replace") + "\n" for f in (log, log.parent / "stdout.log") if f.exists())
        state = "started" if STARTED.search(text) else ("timeout" if p["outcome"] == "hung" else "exited")
        c = classify(text, state, r["end_offsets_before"], None)
        # Offsets read after a start are not in the log; keep the recorded cut when there is one.
        p.update(outcome=c["outcome"] if not p["truncated"] or c["truncated"] else p["outcome"],
                 exception=c["exception"])


def vkey(v):
    return tuple(int(x) for x in v.split("."))


def mib(n):
    return "-" if n is None else f"{n / MIB:,.0f}"


def kib_mib(k):
    return "-" if k is None else f"{k / 1024:,.0f}"


def est(r):
    return (r.get("prediction") or {}).get("estimate") or {}


def predicted_consequence(r):
    """What the check says a failed map does, from any of its virtual-memory messages."""
    for v in (r.get("verdicts_at_threshold") or {}).values():
        msg = v.get("message") or ""
        if "DATA MISSING" in msg or "truncate the segment" in msg:
            return "starts, data truncated"
        # Before "offline": the aborted start's sentence names the offline dir as the other way
        # it can go.
        if "START ABORTS" in msg:
            return "start aborted"
        if "offline" in msg:
            return "log dir offline"
    return "not named"


def short_exception(e):
    if not e:
        return ""
    for key, name in (("native thread", "native thread"), ("Map failed", "Map failed"),
                      ("compressed class space", "JVM init"), ("Could not reserve", "JVM init")):
        if key in e:
            return name
    return e.split(":")[0].rsplit(".", 1)[-1]


def observed_failures(r):
    """Each distinct failed outcome of the bisection, at the highest limit where it was seen."""
    b = r.get("bisect") or {}
    seen = {}
    for p in sorted(b.get("probes", []), key=lambda p: -p["ulimit_v_kib"]):
        if p["ok"]:
            continue
        key = (p["outcome"], short_exception(p["exception"]))
        if key not in seen:
            cut = f", {len(p['truncated'])} partitions cut" if p["truncated"] else ""
            exc = f" ({key[1]})" if key[1] else ""
            seen[key] = f"{kib_mib(p['ulimit_v_kib'])}: {p['outcome']}{exc}{cut}"
    return "; ".join(seen.values()) or None


def observed_failure(r):
    return observed_failures(r)


def checks(r):
    """The issue's acceptance rules for one row: list of (rule, ok, detail)."""
    e, m = est(r), r["measured"]
    out = []
    ib, vm = e.get("index_mmap_bytes", {}), e.get("virtual_memory_bytes", {})
    if ib:
        ok = ib["best"] <= m["peak_index_bytes"] <= ib["worst"]
        off = (ib["best"] - m["peak_index_bytes"]) / m["peak_index_bytes"]
        out.append(("index peak in [best, worst]", ok,
                    f"measured {m['peak_index_bytes']:,} B, predicted [{ib['best']:,}, {ib['worst']:,}] "
                    f"(best {off * 100:+.1f} %, live {ib['live']:,})"))
    if vm:
        off = (vm["best"] - m["vm_peak_bytes"]) / m["vm_peak_bytes"]
        if r["scenario"] == "clean":
            out.append(("clean: best within 10 % of VmPeak", abs(off) <= 0.10,
                        f"best {vm['best']:,} B is {off * 100:+.1f} % of VmPeak {m['vm_peak_bytes']:,} B"))
        else:
            ok = vm["best"] <= m["vm_peak_bytes"] <= vm["worst"]
            detail = (f"measured {m['vm_peak_bytes']:,} B, predicted [{vm['best']:,}, {vm['worst']:,}] "
                      f"(best {off * 100:+.1f} %)")
            thr = r.get("threshold_kib") if r.get("threshold_source") == "bisected" else None
            if not ok and thr:
                # A start needs a little more ulimit -v than its VmPeak (the map it attempts must
                # fit): the bisected threshold is the number a limit is compared with.
                detail += (f"; the bisected threshold is {thr * 1024:,} B, best is "
                           f"{(vm['best'] - thr * 1024) / (thr * 1024) * 100:+.1f} % of it")
            out.append(("VmPeak in [best, worst]", ok, detail))
    v = r.get("verdicts_at_threshold") or {}
    if r.get("threshold_source") == "bisected":
        lf = v.get("largest_failed") or {}
        if lf:
            out.append(("not pass where a real start failed", lf.get("virtual_memory") != "pass",
                        f"at {lf['ulimit_v_kib']} KiB a real start failed; the check says "
                        f"{lf.get('virtual_memory')}"))
    p10 = v.get("plus10") or {}
    if p10 and r.get("threshold_source") == "bisected":
        out.append(("not fail at threshold + 10 %", p10.get("virtual_memory") != "fail",
                    f"at {p10['ulimit_v_kib']} KiB the check says {p10.get('virtual_memory')}"))
    if r["outcome"] != "started":
        out.append(("unconstrained restart started", False, f"outcome {r['outcome']} ({r.get('exception')})"))
    return out


def table(rows):
    h = ("| version | scenario | segments (recovered) | index MiB measured / live / best / worst | "
         "index maps measured / best / worst | map areas measured / best / worst | "
         "VmPeak MiB measured / best / worst | pre-load VmSize MiB measured / baseline predicted | "
         "outcome (unlimited) |")
    lines = [h, "|" + "---|" * h.count(" | ") + "---|"]
    for r in rows:
        e, m = est(r), r["measured"]
        ib, im, ma, vm = (e.get(k, {}) for k in ("index_mmap_bytes", "index_maps", "map_areas", "virtual_memory_bytes"))
        lines.append(
            f"| {r['version']} | {r['scenario']} | {r['segments']} ({r['recovered_segments']}) | "
            f"{mib(m['peak_index_bytes'])} / {mib(ib.get('live'))} / {mib(ib.get('best'))} / {mib(ib.get('worst'))} | "
            f"{m['peak_index_maps']} / {im.get('best', '-')} / {im.get('worst', '-')} | "
            f"{m['peak_map_areas']} / {ma.get('best', '-')} / {ma.get('worst', '-')} | "
            f"{mib(m['vm_peak_bytes'])} / {mib(vm.get('best'))} / {mib(vm.get('worst'))} | "
            f"{mib(m['pre_load_vm_bytes'])} / {mib(vm.get('baseline'))} | {r['outcome']} |")
    return lines


def verdict_table(rows):
    h = ("| version | scenario | threshold MiB (source) | largest failed MiB | verdict at -10 % / at / +10 % | "
         "predicted consequence of a failed map | observed failed starts (highest MiB: outcome) |")
    lines = [h, "|---|---|---|---|---|---|---|"]
    for r in rows:
        v = r.get("verdicts_at_threshold") or {}
        b = r.get("bisect") or {}
        vs = " / ".join((v.get(k) or {}).get("virtual_memory") or "-" for k in ("minus10", "at", "plus10"))
        lines.append(
            f"| {r['version']} | {r['scenario']} | {kib_mib(r.get('threshold_kib'))} ({r.get('threshold_source', '-')}) | "
            f"{kib_mib(b.get('largest_failed_kib'))} | {vs} | {predicted_consequence(r)} | "
            f"{observed_failure(r) or '-'} |")
    return lines


def config_table(rules):
    lines = ["| release | setting | rule in the model | refused? | where | the broker's message |",
             "|---|---|---|---|---|---|"]
    for r in rules:
        lines.append(f"| {r['version']} | {r['setting']} | {r['rule']} | {'yes' if r['refused'] else 'no'} | "
                     f"{r['stage']} | {(r.get('message') or '-').replace('|', '/')} |")
    return lines


def render(rows, command, notes, rules=()):
    out = ["# Accuracy against real brokers", "",
           "Generated by `" + command + "` from real Kafka brokers started on this machine "
           "(jars from Maven Central, KRaft single node with combined roles, or ZooKeeper for lines "
           "before 3.3); do not edit by hand. Each row: a fresh broker, topics filled with 1 MiB "
           "segments, the log dir left in the scenario's state, `kafka-preflight check --format json` "
           "run on that tree with the broker's own server.properties and JVM options, then the restart "
           "measured by `kafka-preflight watch` (100 ms samples). One row reruns with "
           "`scripts/real-broker --version V --scenario S --partitions P --out DIR`.", "",
           "Scenarios: `clean` = SIGTERM, clean-shutdown marker; `active` = kill -9 after the "
           "recovery-point checkpoint (only active segments recovered); `all` = kill -9 before any "
           "checkpoint (every segment recovered).", ""]
    out += notes + [""]
    out += ["## Measured against predicted", ""] + table(rows) + [""]
    out += ["`index` counts mappings of .index/.timeindex files as `watch` sees them; "
            "VmPeak is the kernel's high-water mark, so it catches what 100 ms samples miss. "
            "Pre-load VmSize is the last sample before the first index mapping.", ""]
    out += ["## Verdicts at the measured `ulimit -v` threshold", ""] + verdict_table(rows) + [""]
    out += ["`threshold` is the smallest `ulimit -v` under which the restart started with every "
            "partition's end offset intact, bisected over fresh copies of the same tree (8 MiB "
            "steps); rows without a bisection use the measured VmPeak as a proxy. The verdict is "
            "the `virtual_memory` check of `check` on the same pre-restart tree.", ""]
    if rules:
        out += ["## Config rules tried on real brokers", ""] + config_table(rules) + [""]
    out += ["## Disagreements", ""]
    n = 0
    for r in rows:
        for rule, ok, detail in checks(r):
            if not ok:
                n += 1
                out.append(f"- {r['version']} {r['scenario']}: {rule} fails: {detail}")
    if not n:
        out.append("None.")
    out.append("")
    return "\n".join(out)
