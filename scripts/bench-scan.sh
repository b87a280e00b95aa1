#!/usr/bin/env bash
# Scan speed of `kafka-preflight check` against `find DIR -type f | wc -l` on synthetic log dirs.
#
#   scripts/bench-scan.sh [FILES ...]        default: 100000 500000 1000000
#
# For each size: writes a sparse log dir of about FILES files (examples/gen_tree.rs, via
# src/synth.rs), runs each command once as a warm-up (the page cache cannot be dropped here: these
# are warm-cache numbers), then times both in the same run: hyperfine when installed
# (apt-get install -y hyperfine), else a loop of /usr/bin/time. Peak RSS comes from
# `/usr/bin/time -v` ("Maximum resident set size"; apt-get install -y time).
# Prints wall time, files/s, the ratio to find and peak RSS.
#
# Environment: BENCH_RUNS (timed runs per command, default 5), BENCH_DIR (where the trees go,
# default a new directory under /tmp, removed at the end unless BENCH_KEEP=1),
# BENCH_THREADS (passed as --threads when set).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -gt 0 ]; then sizes=("$@"); else sizes=(100000 500000 1000000); fi
runs=${BENCH_RUNS:-5}
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install -y time)" >&2; exit 2; }

cargo build --release --locked --bin kafka-preflight --example gen_tree >&2
bin=$PWD/target/release/kafka-preflight
gen=$PWD/target/release/examples/gen_tree

work=${BENCH_DIR:-$(mktemp -d /tmp/kp-bench.XXXXXX)}
mkdir -p "$work"
if [ "${BENCH_KEEP:-0}" != 1 ] && [ -z "${BENCH_DIR:-}" ]; then
    trap 'rm -rf "$work"' EXIT
fi
threads=()
[ -n "${BENCH_THREADS:-}" ] && threads=(--threads "$BENCH_THREADS")

# mean wall seconds of N runs of a shell command, via /usr/bin/time
time_loop() {
    local cmd=$1 n=$2 sum=0 t
    for _ in $(seq "$n"); do
        t=$( { /usr/bin/time -f '%e' bash -c "$cmd" >/dev/null; } 2>&1 | tail -n1)
        sum=$(awk -v a="$sum" -v b="$t" 'BEGIN { print a + b }')
    done
    awk -v s="$sum" -v n="$n" 'BEGIN { printf "%.4f", s / n }'
}

# peak RSS in KiB of one run
peak_rss() {
    { /usr/bin/time -v bash -c "$1" >/dev/null; } 2>&1 |
        awk -F': ' '/Maximum resident set size/ { print $2 }'
}

printf '%-9s %-12s %12s %14s %10s %12s %10s\n' files command wall_s files_per_s vs_find peak_rss_MiB cores
for n in "${sizes[@]}"; do
    dir=$work/tree-$n
    if [ ! -d "$dir" ]; then
        start=$(date +%s.%N)
        "$gen" "$dir" "$n" >/dev/null
        echo "wrote $dir in $(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }') s" >&2
    fi
    files=$(find "$dir" -type f | wc -l)
    # Limits that pass: check exits 1 on a failing check, and this times the scan, not the verdict.
    kp="$bin check --log-dirs $dir --format json --ulimit-v unlimited --ulimit-n unlimited --max-map-count 1000000000 ${threads[*]:-} >/dev/null"
    fd="find $dir -type f | wc -l"
    # warm-up: each once
    bash -c "$kp"
    bash -c "$fd" >/dev/null
    if command -v hyperfine >/dev/null; then
        csv=$work/hyperfine-$n.csv
        hyperfine --style none --runs "$runs" --export-csv "$csv" "$kp" "$fd" >&2
        # command,mean,stddev,median,user,system,min,max
        t_kp=$(awk -F, 'NR == 2 { print $2 }' "$csv")
        t_fd=$(awk -F, 'NR == 3 { print $2 }' "$csv")
        how="hyperfine, $runs runs"
    else
        t_kp=$(time_loop "$kp" "$runs")
        t_fd=$(time_loop "$fd" "$runs")
        how="/usr/bin/time loop, $runs runs"
    fi
    rss_kp=$(peak_rss "$kp")
    rss_fd=$(peak_rss "$fd")
    cores=$(nproc)
    awk -v n="$files" -v t="$t_kp" -v f="$t_fd" -v r="$rss_kp" -v c="$cores" 'BEGIN {
        printf "%-9d %-12s %12.3f %14.0f %9.2fx %12.1f %10s\n", n, "kafka-pf", t, n / t, t / f, r / 1024, c }'
    awk -v n="$files" -v t="$t_fd" -v r="$rss_fd" -v c="$cores" 'BEGIN {
        printf "%-9d %-12s %12.3f %14.0f %9.2fx %12.1f %10s\n", n, "find|wc", t, n / t, 1, r / 1024, c }'
    echo "  ($how; mean wall time; peak RSS of one run)" >&2
done
