"""Copies a finished case's result and logs to a shared results folder, one line in its INDEX.md,
so others can read the brokers' own logs while the matrix still runs."""

import shutil
from pathlib import Path


def share(result, out, dest):
    dest = Path(dest)
    name = f"{result['version']}-{result['scenario']}"
    if result.get("ulimit_v_kib"):
        name += f"-ulimit{result['ulimit_v_kib']}K"
    d = dest / name
    d.mkdir(parents=True, exist_ok=True)
    for f in ("result.json", "server.log", "broker-stdout.log", "server.properties", "check.json",
              "watch.csv", "first-start.log"):
        if (out / f).exists():
            shutil.copy(out / f, d / f)
    lines = []
    m = result["measured"]
    lines.append(f"- {name}: {result['outcome']}"
                 f"{' (' + result['exception'] + ')' if result.get('exception') else ''}, "
                 f"{result['segments']} segments, {result['recovered_segments']} recovered, "
                 f"VmPeak {m['vm_peak_bytes']}, index peak {m['peak_index_bytes']} B / "
                 f"{m['peak_index_maps']} maps, predicted {result['prediction'].get('verdict')}: {name}/")
    b = result.get("bisect")
    if b:
        lines.append(f"  - bisect ulimit -v: clean start from {b.get('threshold_kib')} KiB, "
                     f"failed at {b.get('largest_failed_kib')} KiB")
        for p in b["probes"]:
            if p["ok"] or not p["log"]:
                continue
            pd = dest / f"{result['version']}-{result['scenario']}-ulimit{p['ulimit_v_kib']}K"
            pd.mkdir(parents=True, exist_ok=True)
            src = Path(p["log"]).parent
            for f in src.iterdir():
                shutil.copy(f, pd / f.name)
            exc = f" ({p['exception']})" if p.get("exception") else ""
            trunc = f", truncated {len(p['truncated'])} partitions" if p["truncated"] else ""
            lines.append(f"  - {pd.name}: {p['outcome']}{exc}{trunc}: {pd.name}/")
    with open(dest / "INDEX.md", "a") as f:
        f.write("\n".join(lines) + "\n")
