#!/usr/bin/env bash
# SMPP end-to-end benchmark: HTTP batches -> Herald -> SMPP submit_sm over loopback -> `herald smsc` -> deliver_sm
# receipt -> final status stored, on SQLite, with window 1, 10 and 100. Prints messages/s and the CPU milliseconds
# Herald (and the simulator) spent per message.
#   bench/smpp.sh [messages per window, default 50000] [windows, default "1 10 100"]
# Env: SMSC_EXTRA adds `herald smsc` options (e.g. "--throttle 0.3" or "--mixed-receipt-ids"); ID_FORMAT=auto leaves the
# connector's submit_id_format / receipt_id_format at their default instead of pinning both to hex.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
[ -d /opt/swift/usr/bin ] && export PATH="/opt/swift/usr/bin:$PATH"
messages=${1:-50000}
windows=${2:-"1 10 100"}
scripts/install-deps.sh >/dev/null
build_release herald herald-bench
BIN=.build/release
mkdir -p bench/results
SMSC_PORT=27790
HTTP_PORT=18490
ticks=$(getconf CLK_TCK)
cpu_ms() { awk -v t="$ticks" '{ print ($14 + $15) * 1000 / t }' "/proc/$1/stat"; }

ids=', "submit_id_format": "hex", "receipt_id_format": "hex"'
[ "${ID_FORMAT:-}" = "auto" ] && ids=''
for window in $windows; do
  work=$(mktemp -d)
  $BIN/herald smsc --port $SMSC_PORT --delay-ms 1-10 --mix "DELIVRD=95,UNDELIV:001=3,UNDELIV:007=2" ${SMSC_EXTRA:-} --log-level warning > "$work/smsc.log" 2>&1 &
  smsc=$!
  cat > "$work/herald.json" <<JSON
{"connectors": [{"name": "smsc", "type": "smpp", "port": $SMSC_PORT, "system_id": "bench", "password": "bench",
                 "window": $window, "receipt_profile": "vonage"$ids}],
 "routes": [{"channel": "sms", "connector": "smsc"}]}
JSON
  $BIN/herald serve --port $HTTP_PORT --database "sqlite:$work/bench.sqlite" --config "$work/herald.json" --log-level warning > "$work/serve.log" 2>&1 &
  herald=$!
  key=""
  for _ in $(seq 1 100); do
    key=$(grep -o 'hk_[A-Za-z0-9]*' "$work/serve.log" | head -1 || true)
    [ -n "$key" ] && curl -sf "http://127.0.0.1:$HTTP_PORT/ready" >/dev/null 2>&1 && break
    sleep 0.2
  done
  sleep 1
  herald_before=$(cpu_ms $herald); smsc_before=$(cpu_ms $smsc)
  result=$($BIN/herald-bench --port $HTTP_PORT --key "$key" --phases e2e --end-to-end "$messages")
  herald_after=$(cpu_ms $herald); smsc_after=$(cpu_ms $smsc)
  rss=$(awk '/VmHWM/ {print $2/1024 " MB"}' /proc/$herald/status)
  echo "$result" | sed "s/^/smpp window=$window ${SMSC_EXTRA:-} ${ID_FORMAT:-} /"
  awk -v n="$messages" -v hb="$herald_before" -v ha="$herald_after" -v sb="$smsc_before" -v sa="$smsc_after" -v w="$window" -v rss="$rss" \
    'BEGIN { printf "smpp window=%d herald_cpu_ms_per_message=%.3f smsc_cpu_ms_per_message=%.3f herald_rss_peak=%s\n", w, (ha-hb)/n, (sa-sb)/n, rss }'
  kill -TERM $herald; wait $herald || true
  kill -TERM $smsc; wait $smsc || true
  rm -rf "$work"
done | tee bench/results/smpp.txt
