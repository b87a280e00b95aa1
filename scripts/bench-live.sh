#!/usr/bin/env bash
# Cost of one live sample (inspect, watch) on a real JVM with many index mappings, against
# `wc -l /proc/PID/maps`, the kernel's own cost of producing the text, measured in the same run.
#
#   scripts/bench-live.sh [PAIRS ...]        default: 30000 100000 (60k and 200k map areas)
#
# For each size: starts tests/java/FakeIndexes.java mapping PAIRS partitions' .index and
# .timeindex (one map area each), then times, interleaved run by run so that load from other
# processes hits all of them alike:
#   wc -l            wc -l /proc/PID/maps
#   inspect          kafka-preflight inspect --pid PID --format json (one full sample)
#   inspect(before)  the same with $BASE_BIN, when set (e.g. a build of an older commit)
# and then runs `watch --interval 100ms` for a few seconds, which reports its own time per
# sample, wall and CPU of its sampling thread (status, maps, fd count; no process start),
# against a wc -l timed right after it. Prints median wall and CPU (user+sys) milliseconds and
# each one's ratio to wc -l; on a loaded machine the CPU columns are the ones to compare.
#
# vm.max_map_count is raised for the run when it is too low for 2 x PAIRS areas (needs root) and
# restored on exit. Environment: BENCH_RUNS (timed runs per command, default 15), BASE_BIN,
# KAFKA_PREFLIGHT (the binary to time instead of building target/release), BENCH_DIR (scratch,
# default a new directory under /tmp, removed at the end).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -gt 0 ]; then sizes=("$@"); else sizes=(30000 100000); fi
runs=${BENCH_RUNS:-15}
command -v java >/dev/null && command -v javac >/dev/null || { echo "needs java and javac" >&2; exit 2; }
command -v python3 >/dev/null || { echo "needs python3 (for the timing loop)" >&2; exit 2; }

if [ -n "${KAFKA_PREFLIGHT:-}" ]; then
    bin=$KAFKA_PREFLIGHT
else
    cargo build --release --locked --bin kafka-preflight >&2
    bin=$PWD/target/release/kafka-preflight
fi
base=${BASE_BIN:-}

work=${BENCH_DIR:-$(mktemp -d /tmp/kp-bench-live.XXXXXX)}
mkdir -p "$work"
jvm=
old_mmc=$(cat /proc/sys/vm/max_map_count)
cleanup() {
    [ -n "$jvm" ] && kill "$jvm" 2>/dev/null && wait "$jvm" 2>/dev/null
    if [ "$(cat /proc/sys/vm/max_map_count)" != "$old_mmc" ]; then
        echo "$old_mmc" > /proc/sys/vm/max_map_count && echo "restored vm.max_map_count=$old_mmc" >&2
    fi
    [ -z "${BENCH_DIR:-}" ] && rm -rf "$work"
    return 0
}
trap cleanup EXIT

largest=0
for n in "${sizes[@]}"; do [ "$n" -gt "$largest" ] && largest=$n; done
need=$((2 * largest + 10000))
if [ "$old_mmc" -lt "$need" ]; then
    echo "$need" > /proc/sys/vm/max_map_count ||
        { echo "vm.max_map_count=$old_mmc is below $need; run as root to raise it" >&2; exit 2; }
    echo "raised vm.max_map_count from $old_mmc to $need for the run" >&2
fi

javac -d "$work/classes" tests/java/FakeIndexes.java

# Times the commands interleaved; prints one row per command.
timing=$(cat <<'EOF'
import os, statistics, sys, time
runs, names, cmds = int(sys.argv[1]), sys.argv[2::2], sys.argv[3::2]
wall = {n: [] for n in names}
cpu = {n: [] for n in names}
null = os.open(os.devnull, os.O_WRONLY)
for r in range(runs + 1):
    for n, c in zip(names, cmds):
        t = time.perf_counter()
        pid = os.posix_spawn("/bin/sh", ["sh", "-c", c], os.environ,
                             file_actions=[(os.POSIX_SPAWN_DUP2, null, 1)])
        _, status, ru = os.wait4(pid, 0)
        dt = time.perf_counter() - t
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"{c}: exit {os.waitstatus_to_exitcode(status)}")
        if r > 0:  # the first round warms caches
            wall[n].append(dt * 1000)
            cpu[n].append((ru.ru_utime + ru.ru_stime) * 1000)
w0, c0 = statistics.median(wall[names[0]]), statistics.median(cpu[names[0]])
for n in names:
    w, c = statistics.median(wall[n]), statistics.median(cpu[n])
    print(f"{n:<16} {w:9.1f} {w / w0:7.2f}x {c:9.1f} {c / c0:7.2f}x")
EOF
)

printf '%-9s %-16s %9s %8s %9s %8s\n' map_areas command wall_ms vs_wc cpu_ms vs_wc
for n in "${sizes[@]}"; do
    dir=$work/jvm-$n
    mkdir -p "$dir"
    java -Xmx1g -XX:+UseSerialGC -cp "$work/classes" FakeIndexes "dir=$dir" "partitions=$n" size=4096 \
        > "$dir/out" 2> "$dir/err" &
    jvm=$!
    for _ in $(seq 1200); do
        grep -q READY "$dir/out" 2>/dev/null && break
        kill -0 "$jvm" 2>/dev/null || { echo "FakeIndexes exited early:" >&2; tail -5 "$dir/err" >&2; exit 1; }
        sleep 0.5
    done
    grep -q READY "$dir/out" || { echo "FakeIndexes not ready after 10 min" >&2; exit 1; }
    maps=$(wc -l < "/proc/$jvm/maps")
    args=(wc-l "wc -l /proc/$jvm/maps" inspect "$bin inspect --pid $jvm --format json")
    [ -n "$base" ] && args+=("inspect(before)" "$base inspect --pid $jvm --format json")
    python3 -c "$timing" "$runs" "${args[@]}" | sed "s/^/$(printf '%-9s ' "$maps")/"

    # watch's own per-sample cost, against a wc -l median taken right after it.
    w=$("$bin" watch --pid "$jvm" --interval 100ms --duration 10s --settle 0 --format json)
    wc_ms=$(python3 -c "$timing" 5 wc-l "wc -l /proc/$jvm/maps" | awk '{ print $2, $4 }')
    python3 - "$w" "$wc_ms" "$maps" <<'EOF'
import json, sys
s, maps = json.loads(sys.argv[1]), sys.argv[3]
n, s = s["samples"], s["sampling"]
wc_wall, wc_cpu = (float(x) for x in sys.argv[2].split())
mean, cpu, mx = s["mean_us"] / 1000, s["mean_cpu_us"] / 1000, s["max_us"] / 1000
print(f"{maps:<9} {'watch sample':<16} {mean:9.1f} {mean / wc_wall:7.2f}x {cpu:9.1f} {cpu / wc_cpu:7.2f}x"
      f"   ({n} samples, max {mx:.1f} ms, {s['over_interval']} over the 100 ms interval)")
EOF
    kill "$jvm"; wait "$jvm" 2>/dev/null || true; jvm=
    rm -rf "$dir"
done
