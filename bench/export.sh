#!/usr/bin/env bash
# Export rate: fills a fresh SQLite store with N messages through the batch API, then times
# GET /v1/messages/export as CSV and as NDJSON (streamed by curl to a file) and counts the rows.
#   bench/export.sh [N=1000000]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
count=${1:-1000000}
build_release herald herald-bench
BIN=.build/release
PORT=18490
db=/tmp/herald-export-bench.sqlite
rm -f "$db"*
log=$(mktemp)
# Receipts slow enough that dispatch stays out of the way of the fill; the export does not need them.
HERALD_SIMULATOR_DELAY_MS=5-50 $BIN/herald serve --port $PORT --database "sqlite:$db" --log-level warning --workers 1 > "$log" 2>&1 &
pid=$!
trap 'kill -TERM $pid 2>/dev/null || true' EXIT
key=$(wait_for_key "$log" $PORT)
$BIN/herald-bench --port $PORT --key "$key" --phases fill --stored "$count"
measure() {  # measure LABEL
for format in csv ndjson; do
  out=$(mktemp)
  read -r seconds bytes < <(curl -s -o "$out" -w '%{time_total} %{size_download}\n' -H "Authorization: Bearer $key" \
    "http://127.0.0.1:$PORT/v1/messages/export?format=$format")
  rows=$(wc -l < "$out")
  [ "$format" = csv ] && rows=$((rows - 1))
  python3 -c "print(f'export ($1) format=$format rows=$rows bytes=$bytes seconds={$seconds:.2f} rate={$rows/$seconds:,.0f} rows/s')"
  rm -f "$out"
done
}
measure "while dispatch sends the backlog"
# Until dispatch is done: the pending count stops moving (the simulator leaves a few messages without a final
# receipt; they stay SENT until their validity ends).
last=-1; still=0
for _ in $(seq 1 900); do
  pending=$(curl -s -H "Authorization: Bearer $key" "http://127.0.0.1:$PORT/v1/stats" | python3 -c "import json,sys; print(json.load(sys.stdin)['pending'])")
  if [ "$pending" = "$last" ]; then still=$((still + 1)); else still=0; fi
  [ "$still" -ge 10 ] && break
  last=$pending
  sleep 1
done
measure "idle server, every message final"
grep -E 'VmHWM' /proc/$pid/status | tr -s ' \t' ' ' | sed 's/^/server_/'
