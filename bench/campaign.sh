#!/usr/bin/env bash
# Campaign ingest rate: a CSV of N recipients uploaded (streamed) to POST /v1/campaigns/{id}/recipients of a release
# `herald serve` on a fresh SQLite store, every row rendered and screened through the normal gates. Prints rows/s for
# a paused campaign (ingest alone) and a running one (ingest while dispatch sends), the server's RSS, and how long
# GET /v1/campaigns/{id} (the exact counts) takes on the result.
#   bench/campaign.sh [N=1000000]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
count=${1:-1000000}
build_release herald
BIN=.build/release
PORT=18491
db=/tmp/herald-campaign-bench.sqlite
csv=/tmp/herald-campaign-bench.csv
rm -f "$db"*
python3 - "$count" "$csv" <<'PY'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
with open(path, "w") as f:
    f.write("phone,first_name,offer\n")
    for i in range(n):
        # +1 415 exchange 200.. subscriber 1000-9999: valid NANP numbers, clear of the simulator's magic 0100-0199.
        f.write(f"+1415{200 + i // 9000}{1000 + i % 9000},Name{i},\"{i % 50}% off, today only\"\n")
PY
log=$(mktemp)
HERALD_SIMULATOR_DELAY_MS=5-50 $BIN/herald serve --port $PORT --database "sqlite:$db" --log-level warning > "$log" 2>&1 &
pid=$!
trap 'kill -TERM $pid 2>/dev/null || true; rm -f "$csv"' EXIT
key=$(wait_for_key "$log" $PORT)
api() { curl -s -H "Authorization: Bearer $key" "$@"; }
api -X POST "http://127.0.0.1:$PORT/v1/templates" -d '{"name":"promo","channel":"sms","body":"Hi {{first_name}}, {{offer}} at Shop. STOP to opt out"}' > /dev/null
echo "rows=$count csv_bytes=$(stat -c %s "$csv")"
for mode in paused running; do
  paused=$([ $mode = paused ] && echo true || echo false)
  id=$(api -X POST "http://127.0.0.1:$PORT/v1/campaigns" -d "{\"name\":\"bench-$mode\",\"template\":\"promo\",\"from\":\"Shop\",\"paused\":$paused}" |
       python3 -c "import json,sys; print(json.load(sys.stdin)['campaign']['id'])")
  out=$(mktemp)
  seconds=$(api -o "$out" -w '%{time_total}' -X POST "http://127.0.0.1:$PORT/v1/campaigns/$id/recipients" -H 'Content-Type: text/csv' --data-binary "@$csv")
  rss=$(awk '/VmHWM/ {print int($2/1024)}' /proc/$pid/status)
  python3 - "$out" "$seconds" "$mode" "$rss" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); s = float(sys.argv[2])
print(f"campaign ingest ({sys.argv[3]}): rows={r['rows']:,} messages={r['messages']:,} invalid={r['invalid_rows']} seconds={s:.2f} "
      f"rate={r['rows']/s:,.0f} rows/s  server peak RSS={sys.argv[4]} MB")
PY
  report=$(api -o /dev/null -w '%{time_total}' "http://127.0.0.1:$PORT/v1/campaigns/$id")
  python3 -c "print(f'GET /v1/campaigns/{{id}} on {$count:,} messages: {$report*1000:.0f} ms')"
  rm -f "$out"
  if [ $mode = paused ]; then
    api -X POST "http://127.0.0.1:$PORT/v1/campaigns/$id/cancel" -o /dev/null -w 'cancel of the paused campaign: %{time_total} s\n'
  fi
done
