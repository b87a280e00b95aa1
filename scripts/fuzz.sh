#!/usr/bin/env bash
# Runs every cargo-fuzz target for a bounded time (default 60 s each). Not part of CI's default
# path. Needs cargo-fuzz (`cargo install cargo-fuzz`); on a stable toolchain RUSTC_BOOTSTRAP=1
# lets it pass its -Z flags. Findings land in fuzz/artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
secs=${1:-60}
export RUSTC_BOOTSTRAP=1
for t in $(cargo fuzz list); do
  echo "== $t (${secs}s)"
  cargo fuzz run "$t" --sanitizer none -- -max_total_time="$secs" -max_len=65536 2>&1 | grep -E "^(#[0-9]+.*DONE|Done|==|.*panicked|SUMMARY|artifact)" || true
  if ls artifacts/"$t"/crash-* >/dev/null 2>&1; then echo "CRASHES in fuzz/artifacts/$t"; fi
done
