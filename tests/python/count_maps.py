#!/usr/bin/env python3
"""An independent count of Kafka index mappings in a /proc/PID/maps file, to check
kafka-preflight's own reader against (tests/live_jvm.rs, tests/live_parse.rs).

Written from the kernel's format (fs/proc/task_mmu.c, show_map_vma), not from the Rust code:
  start-end perms offset major:minor inode [padding path[ (deleted)]]
A file is (device, inode), or its path when the inode is 0. Prints JSON shaped like the
index_mappings, by_log_dir and top_partitions of `inspect --format json`.

  count_maps.py MAPS_FILE TOP_N
"""
import json
import os
import sys
from collections import defaultdict


def main(path, top_n):
    areas = 0
    maps = []  # (file key, path, bytes, deleted)
    with open(path, "rb") as f:
        for raw in f.read().split(b"\n"):
            if raw == b"":
                continue
            areas += 1
            fields = raw.split(None, 5)
            lo, hi = (int(x, 16) for x in fields[0].split(b"-"))
            dev, inode = fields[3], int(fields[4])
            name = fields[5].lstrip(b" ") if len(fields) > 5 else b""
            deleted = name.endswith(b" (deleted)")
            if deleted:
                name = name[: -len(b" (deleted)")]
            if not (name.endswith(b".index") or name.endswith(b".timeindex")):
                continue
            key = (dev, inode) if inode != 0 else (dev, 0, name)
            maps.append((key, name, hi - lo, deleted))

    def totals(group):
        per_file = defaultdict(int)
        for key, _, _, _ in group:
            per_file[key] += 1
        return {
            "count": len(group),
            "bytes": sum(m[2] for m in group),
            "files": len(per_file),
            "files_mapped_more_than_once": sum(1 for n in per_file.values() if n > 1),
            "deleted": sum(1 for m in group if m[3]),
        }

    by_partition = defaultdict(list)
    for m in maps:
        by_partition[os.path.dirname(m[1])].append(m)
    by_dir = defaultdict(list)
    partitions_of = defaultdict(int)
    for part, group in by_partition.items():
        by_dir[os.path.dirname(part)].extend(group)
        partitions_of[os.path.dirname(part)] += 1

    def text(b):
        return b.decode("utf-8", "replace")

    dirs = []
    for d, group in by_dir.items():
        row = {"log_dir": text(d), "partitions": partitions_of[d]}
        row.update(totals(group))
        dirs.append((d, row))
    dirs.sort(key=lambda r: (-r[1]["bytes"], r[0]))
    parts = []
    for p, group in by_partition.items():
        row = {"partition": text(os.path.basename(p)), "log_dir": text(os.path.dirname(p))}
        row.update(totals(group))
        parts.append((p, row))
    parts.sort(key=lambda r: (-r[1]["bytes"], r[0]))
    print(json.dumps({
        "map_areas": areas,
        "index_mappings": totals(maps),
        "by_log_dir": [r for _, r in dirs],
        "top_partitions": [r for _, r in parts[:top_n]],
    }))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
