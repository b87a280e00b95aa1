#!/usr/bin/env bash
# Fleet preflight without Ansible: check every broker over ssh, copy the reports here, merge.
#
#   examples/fleet/preflight-ssh.sh broker1 broker2 broker3
#   FORMAT=markdown FAIL_ON=warn examples/fleet/preflight-ssh.sh $(cat brokers.txt)
#
# Exit code is merge's: 0 no broker fails, 1 one does, a report cannot be read or a broker id
# is claimed twice (or a broker warns, with FAIL_ON=warn), 2 no report could be read. A host
# that could not be checked is listed on stderr and does not silently pass: its report is
# missing, and the script exits 2 if any host was missed.
# CI runs it over three local hosts with a stand-in ssh/scp (tests/fleet_examples.rs).
set -u -o pipefail

CONFIG=${CONFIG:-/etc/kafka/server.properties}
UNIT=${UNIT:-kafka.service}
# Where the limits come from on the broker; the unit gives the ones it really runs under.
CHECK_ARGS=${CHECK_ARGS:-"--systemd-unit '$UNIT'"}
# The log dirs belong to the kafka user; SUDO= (empty) when already running as it.
SUDO=${SUDO-sudo}
REMOTE_DIR=${REMOTE_DIR:-/var/tmp}
BIN=${BIN:-kafka-preflight}
FORMAT=${FORMAT:-table}
FAIL_ON=${FAIL_ON:-fail}
# ACCEPT_UNREADABLE=1: unreadable reports do not fail the merge (the verdict still says UNKNOWN).
ACCEPT_UNREADABLE=${ACCEPT_UNREADABLE:-}
OUT=${OUT:-./preflight-reports}

if [ "$#" -eq 0 ]; then
    echo "usage: $0 BROKER_HOST..." >&2
    exit 2
fi
mkdir -p "$OUT"
# Old reports would be merged as if they were fresh.
rm -f "$OUT"/preflight-*.json

missed=()
for host in "$@"; do
    remote="$REMOTE_DIR/preflight-${host}.json"
    ssh -o BatchMode=yes "$host" \
        "$SUDO $BIN check --config '$CONFIG' $CHECK_ARGS --format json --output '$remote'"
    rc=$?
    # 1 is a finding (a check failed) and is reported by the merge; anything else is not.
    if [ "$rc" -gt 1 ]; then
        echo "$0: $host: check exited $rc, no report" >&2
        missed+=("$host")
        continue
    fi
    if ! scp -q -o BatchMode=yes "$host:$remote" "$OUT/preflight-${host}.json"; then
        echo "$0: $host: cannot copy $remote" >&2
        missed+=("$host")
    fi
done

accept=()
if [ -n "$ACCEPT_UNREADABLE" ]; then
    accept=(--accept-unreadable)
fi
"$BIN" merge "$OUT" --format "$FORMAT" --fail-on "$FAIL_ON" ${accept[@]+"${accept[@]}"}
rc=$?
if [ "${#missed[@]}" -gt 0 ]; then
    echo "$0: not checked: ${missed[*]}" >&2
    exit 2
fi
exit "$rc"
