#!/usr/bin/env bash
# Issue 15's benchmarks, this build against a baseline build in the same run:
#   plan at 10k / 1M / 100M partitions, and check on a log dir whose checkpoint has 10M lines.
#
#   scripts/bench-hostile.sh BASELINE_BIN        e.g. /tmp/i15/base/target/release/kafka-preflight
#
# Each command runs BENCH_RUNS times (default 3) under /usr/bin/time; the table shows the median
# wall time and the largest peak RSS. The baseline runs under `ulimit -v` of BENCH_VMEM_KIB
# (default 12 GiB) so a materialised 100M-partition plan fails fast instead of swapping the
# machine; such a run is shown as "failed" with its exit code.
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:?usage: $0 BASELINE_BIN}
runs=${BENCH_RUNS:-3}
vmem=${BENCH_VMEM_KIB:-12582912}
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time" >&2; exit 2; }
cargo build --release --locked --bin kafka-preflight >&2
new=$PWD/target/release/kafka-preflight
work=$(mktemp -d /tmp/kp-bench-hostile.XXXXXX)
trap 'rm -rf "$work"' EXIT
limits=(--ulimit-v unlimited --ulimit-n 100000000 --max-map-count 100000000 --kafka-version 3.9.1 -q)

# A log dir of 100 partitions (3 segments each) whose checkpoint lists them among 10M entries:
# a legal checkpoint of a very large broker, of which only these dirs are on this disk.
logs=$work/logs
mkdir -p "$logs"
python3 - "$logs" <<'PY'
import os, sys
d = sys.argv[1]
n = 10_000_000
for p in range(100):
    pd = os.path.join(d, f"big-{p}")
    os.mkdir(pd)
    for s in range(3):
        for ext, size in (("log", 1 << 20), ("index", 2040), ("timeindex", 3060)):
            with open(os.path.join(pd, f"{s * 1000:020d}.{ext}"), "wb") as f:
                f.truncate(size)
with open(os.path.join(d, "recovery-point-offset-checkpoint"), "w") as f:
    f.write(f"0\n{n}\n")
    f.write("".join(f"big {p} 1010\n" for p in range(100)))
    chunk = []
    for i in range(n - 100):
        chunk.append(f"other-{i % 5000} {i // 5000} {i}\n")
        if len(chunk) == 100_000:
            f.write("".join(chunk)); chunk = []
    f.write("".join(chunk))
PY
echo "checkpoint: $(wc -l < "$logs/recovery-point-offset-checkpoint") lines, $(du -h --apparent-size "$logs/recovery-point-offset-checkpoint" | cut -f1)" >&2

# measure NAME BIN ARGS...: median wall seconds and max RSS (MiB) over $runs runs.
measure() {
    local bin=$1; shift
    local times=() rss=0 code=0 t
    for _ in $(seq "$runs"); do
        if ( [ "$bin" = "$base" ] && ulimit -v "$vmem"; /usr/bin/time -f "%e %M" -o "$work/t" "$bin" "$@" >/dev/null 2>"$work/err" ); then code=0; else code=$?; fi
        [ "$code" -ge 2 ] && { echo "failed(exit $code: $(grep -v '^Command' "$work/err" | head -c 60 | tr '\n' ' '))"; return; }
        read -r t r < <(grep -E '^[0-9.]+ [0-9]+$' "$work/t")
        times+=("$t"); [ "$r" -gt "$rss" ] && rss=$r
    done
    printf '%ss %sMiB' "$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")" "$(( rss / 1024 ))"
}

printf '%-32s %-40s %-40s\n' case baseline new
for n in 10000 1000000 100000000; do
    args=(plan --partitions "$n" --bytes-per-partition 1GiB --format json "${limits[@]}")
    printf '%-32s %-40s %-40s\n' "plan $n partitions" "$(measure "$base" "${args[@]}")" "$(measure "$new" "${args[@]}")"
done
args=(check --log-dirs "$logs" --format json "${limits[@]}")
printf '%-32s %-40s %-40s\n' "check, 10M-line checkpoint" "$(measure "$base" "${args[@]}")" "$(measure "$new" "${args[@]}")"
