#!/usr/bin/env bash
# The customer's view: API request -> Herald -> `herald smsc` (SMPP, out of process) -> receipt -> final status ->
# signed status callback at a receiver out of process (herald-receiver; RECEIVER=python: bench/receiver/count_callbacks.py,
# the same job at about ten times the CPU, which then takes from the two cores Herald runs on). Herald runs on its defaults
# (SQLite, connector with only name/type/port/system_id) plus --webhooks-allow-private, which a receiver on loopback
# needs. Prints messages/s from the first API request to the last final callback, and Herald's CPU per message.
# CONNECTIONS=N: concurrent API clients (default 32 with BATCH=1, 4 with batches).
# Also prints the peers' CPU per message (SMSC simulator, receiver, load generator) and how idle the machine was.
# CHANNEL=email: e-mail instead of SMS, through an smtp connector (its defaults, kept sessions) to `herald smtp-sink` out
# of process, which takes each message (SENT) and sends its delivery report (RFC 3464) back to Herald's
# --smtp-inbound-port: the final DELIVERED callback comes from that report, as with a real relay.
#   bench/e2e.sh [messages, default 20000]      env HERALD_BUILD=DIR: use herald and herald-bench from DIR
#   (e.g. another commit's .build/release) instead of building this checkout; BATCH=1 sends one message per request
#   (default 1000 per batch); RATE=N offers N messages/s (default: as fast as Herald takes them), for latency at a
#   given load; DATABASE=postgres://... runs Herald on PostgreSQL; WEBHOOK_BATCH=N subscribes a batched webhook (N events
#   per POST at most, 100 ms at most). KEEP_WORK=1 keeps the work directory (Herald's log, the SQLite file) and, on
#   PostgreSQL, the run's schema.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
messages=${1:-20000}
if [ -z "${HERALD_BUILD:-}" ]; then
  build_release herald herald-bench herald-receiver
fi
B=${HERALD_BUILD:-.build/release}
work=$(mktemp -d)
database=${DATABASE:-sqlite:$work/bench.sqlite}
if [[ $database == postgres* ]]; then
  # A schema of its own per run: every run starts from empty tables, like the SQLite file.
  schema="bench_$$_$RANDOM"
  [[ $database == *\?* ]] && database="$database&schema=$schema" || database="$database?schema=$schema"
fi
ticks=$(getconf CLK_TCK)
cpu_ms() { awk -v t="$ticks" '{ print ($14 + $15) * 1000 / t }' "/proc/$1/stat"; }
if [ "${RECEIVER:-swift}" = python ]; then
  python3 bench/receiver/count_callbacks.py 18601 & receiver=$!
else
  $B/herald-receiver 18601 & receiver=$!
fi
channel=${CHANNEL:-sms}
peer=smsc; [ "$channel" = email ] && peer=relay
inbound=()
if [ "$channel" = email ]; then
  # The relay (its process is "smsc" below: the peer out of process) reports every message delivered to Herald's bounce listener.
  $B/herald smtp-sink --port 27525 --dsn-to 127.0.0.1:27526 --log-level warning > "$work/smsc.log" 2>&1 & smsc=$!
  cat > "$work/herald.json" <<JSON
{"connectors": [{"name": "mail", "type": "smtp", "mode": "relay", "host": "127.0.0.1", "port": 27525, "tls": "none", "bounce_domain": "bounce.test"}],
 "routes": [{"channel": "email", "connector": "mail"}]}
JSON
  inbound=(--smtp-inbound-port 27526)
else
  $B/herald smsc --port 27796 --delay-ms 1-10 --log-level warning > "$work/smsc.log" 2>&1 & smsc=$!
  window=${SMPP_WINDOW:+", \"window\": $SMPP_WINDOW"}
  cat > "$work/herald.json" <<JSON
{"connectors": [{"name": "smsc", "type": "smpp", "port": 27796, "system_id": "bench"$window}], "routes": [{"channel": "sms", "connector": "smsc"}]}
JSON
fi
$B/herald serve --port 18602 --database "$database" --config "$work/herald.json" --webhooks-allow-private --log-level warning "${inbound[@]}" \
  > "$work/serve.log" 2>&1 & herald=$!
cleanup() {
  kill $herald $smsc $receiver 2>/dev/null
  if [ -z "${KEEP_WORK:-}" ] && [ -n "${schema:-}" ] && command -v psql > /dev/null; then psql "${DATABASE%%\?*}" -qc "DROP SCHEMA $schema CASCADE" > /dev/null 2>&1 || true; fi
  if [ -n "${KEEP_WORK:-}" ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
key=$(wait_for_key "$work/serve.log" 18602)
curl -sf -X POST "http://127.0.0.1:18602/v1/webhooks" -H "Authorization: Bearer $key" \
  -d '{"url":"http://127.0.0.1:18601/herald","events":["DELIVERED","UNDELIVERED","EXPIRED","FAILED","REJECTED"]'"${WEBHOOK_BATCH:+,\"batch\":{\"max_events\":$WEBHOOK_BATCH,\"max_latency_ms\":100\}}"'}' > /dev/null
sleep 1
before=$(cpu_ms $herald); smsc_before=$(cpu_ms $smsc); receiver_before=$(cpu_ms $receiver)
idle_before=$(awk '/^cpu / { print $5 + $6; exit }' /proc/stat)
start=$(date +%s.%N)
TIMEFORMAT='%U %S'
{ time $B/herald-bench --port 18602 --key "$key" --phases e2e --channel "$channel" --end-to-end "$messages" --e2e-batch "${BATCH:-1000}" --rate "${RATE:-0}" --e2e-connections "${CONNECTIONS:-0}" > /dev/null; } 2> "$work/load.time"
stats=$(receiver_stats 18601 "$messages" 600)
after=$(cpu_ms $herald); smsc_after=$(cpu_ms $smsc); receiver_after=$(cpu_ms $receiver)
idle_after=$(awk '/^cpu / { print $5 + $6; exit }' /proc/stat)
end=$(date +%s.%N)
rss=$(awk '/VmHWM/ { print int($2 / 1024) }' "/proc/$herald/status")
echo "$stats" | python3 -c "
import json, sys
d = json.load(sys.stdin); n = $messages; start = $start
print(f'callbacks messages={n} final_callbacks={d[\"events\"]} seconds={d[\"last\"] - start:.2f} rate={n / (d[\"last\"] - start):.0f} msg/s '
      f'herald_cpu_ms_per_message={($after - $before) / n:.3f} stored_to_callback_p50_ms={d[\"p50_ms\"]} p99_ms={d[\"p99_ms\"]} '
      f'max_ms={d[\"max_ms\"]} herald_rss_mb=$rss')
idle = ($idle_after - $idle_before) * 1000 / $ticks / (($end - start) * 1000 * $(nproc))
load = sum(float(x) for x in open('$work/load.time').read().split()) * 1000
print(f'peers ${peer}_cpu_ms_per_message={($smsc_after - $smsc_before) / n:.3f} receiver_cpu_ms_per_message={($receiver_after - $receiver_before) / n:.3f} '
      f'load_generator_cpu_ms_per_message={load / n:.3f} '
      f'machine_idle={idle * 100:.0f}%')"
# Kannel side by side when it is installed (bench/kannel.sh drives it the same way: HTTP in, the same SMSC simulator,
# each delivery report to an HTTP receiver), DLRs in memory, its best case. KANNEL=0 skips it.
if [ "${KANNEL:-1}" != 0 ] && [ "$channel" = sms ] && { command -v bearerbox >/dev/null 2>&1 || [ -x /usr/sbin/bearerbox ]; }; then
  kill $herald $smsc $receiver 2>/dev/null; wait $herald 2>/dev/null || true
  KANNEL_DLR_STORAGE=internal bench/kannel.sh "$messages" 100 | tail -2
fi
