#!/usr/bin/env bash
# Fleet preflight without Ansible: check every broker over ssh, copy the reports here, merge.
#
#   examples/fleet/preflight-ssh.sh broker1 broker2 broker3
#   FORMAT=markdown FAIL_ON=warn examples/fleet/preflight-ssh.sh $(cat brokers.txt)
#
# Exit code is merge's: 0 no broker fails, 1 one does (or warns, with FAIL_ON=warn), 2 no
# report could be read. A host that could not be checked is listed on stderr and does not
# silently pass: its report is missing, and the script exits 2 if any host was missed.
set -u -o pipefail

CONFIG=${CONFIG:-/etc/kafka/server.properties}
UNIT=${UNIT:-kafka.service}
BIN=${BIN:-kafka-preflight}
FORMAT=${FORMAT:-table}
FAIL_ON=${FAIL_ON:-fail}
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
    remote="/var/tmp/preflight-${host}.json"
    # sudo: the log dirs belong to the kafka user. The unit gives the limits the broker
    # really runs under, not the ssh session's.
    ssh -o BatchMode=yes "$host" \
        "sudo $BIN check --config '$CONFIG' --systemd-unit '$UNIT' --format json --output '$remote'"
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

"$BIN" merge "$OUT" --format "$FORMAT" --fail-on "$FAIL_ON"
rc=$?
if [ "${#missed[@]}" -gt 0 ]; then
    echo "$0: not checked: ${missed[*]}" >&2
    exit 2
fi
exit "$rc"
