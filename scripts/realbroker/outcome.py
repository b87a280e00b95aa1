"""Classifies one broker start from its log and the log end offsets before and after it.

started           the broker served requests and every partition kept its end offset
started_truncated it served requests but some partition's end offset went down (data lost)
log_dir_offline   a log dir was taken offline (the broker halts when it was the only one)
log_dir_offline_truncated  the same, after recovery had already cut segments on disk (4.0.0:
                  the cut is there for the next start too)
aborted           the start ended with an exception (named) before serving requests
hung              neither started nor exited within the timeout
"""

import re

EXC = re.compile(r"\b((?:[a-z_$][\w$]*\.)+[A-Z][\w$]*(?:Exception|Error))\b(?::\s*(.*))?")
OFFLINE = re.compile(r"Shutdown broker because all log dirs in .* have failed|"
                     r"Stopping serving logs in dir|Error while loading log dir|"
                     r"is going offline|Halting broker because dir")
# 4.0+ LogLoader.recoverLog: what it logs when it drops data of a segment it could not recover.
CORRUPT = re.compile(r"partition=(\S+), dir=.*\] Corruption found in segment (\d+), truncating to offset (\d+)")
NOTABLE = re.compile(r"Map failed|OutOfMemoryError|unable to create native thread|Too many open files|"
                     r"Fatal error|Exiting Kafka|NullPointerException|offline|[Tt]runcat|"
                     r"Deleting segment|Error while|ERROR|FATAL")


RECORD = re.compile(r"^\[\d{4}-\d\d-\d\d [\d:,]+\] (\w+) ")


def first_exception(lines):
    """The exception that ended the start: Map failed or OOM first, else the first exception of an
    ERROR/FATAL record (or of the JVM's own stdout). WARN records' traces are noise here (e.g. a
    retried snapshot rename)."""
    level, found = None, []
    for i, ln in enumerate(lines):
        m = RECORD.match(ln)
        if m:
            level = m.group(1)
        elif not ln.startswith(("\t", "Caused by", "java.", "org.", "kafka.")) and not ln.startswith(" "):
            level = "STDOUT"
        if "There is insufficient memory for the Java Runtime Environment" in ln:
            nxt = lines[i + 1].lstrip("# ").strip() if i + 1 < len(lines) else ""
            return f"JVM crash (hs_err): {nxt}"
        if ln.startswith("Error occurred during initialization of VM") and i + 1 < len(lines):
            return f"JVM initialization: {lines[i + 1].strip()}"
        if level in ("ERROR", "FATAL", "STDOUT"):
            e = EXC.search(ln)
            if e:
                found.append(e.group(1) + (f": {e.group(2).strip()}" if e.group(2) else ""))
    for f in found:
        if "Map failed" in f or "OutOfMemoryError" in f:
            return f
    return found[0] if found else None


def classify(log_text, started, before, after):
    """started: the start line was seen; before/after: {partition: end offset} (after may be None)."""
    lines = log_text.splitlines()
    notable = [ln for ln in lines if NOTABLE.search(ln) and "Recovering unflushed segment" not in ln]
    exception = first_exception(lines)
    truncated = []
    if after is not None:
        for p, off in sorted(before.items()):
            if p in after and after[p] < off:
                truncated.append({"partition": p, "from_offset": after[p], "before": off})
    # The log says what was cut even when the broker then halts and no offsets can be read: the
    # cut stays on disk for the next start.
    seen = {t["partition"] for t in truncated}
    for ln in lines:
        m = CORRUPT.search(ln)
        if m and m.group(1) not in seen:
            seen.add(m.group(1))
            truncated.append({"partition": m.group(1), "from_offset": int(m.group(3)),
                              "before": before.get(m.group(1)), "source": "log"})
    offline = any(OFFLINE.search(ln) for ln in lines)
    if started == "started":
        outcome = "started_truncated" if truncated else ("log_dir_offline" if offline else "started")
    elif offline and truncated:
        outcome = "log_dir_offline_truncated"
    elif offline:
        outcome = "log_dir_offline"
    elif started == "timeout":
        outcome = "hung"
    else:
        outcome = "aborted"
    return {
        "outcome": outcome,
        "exception": exception if outcome != "started" else None,
        "truncated": truncated,
        "log_lines": notable[:40],
    }
