#!/usr/bin/env bash
# Herald benchmark: builds release, starts `herald serve` on SQLite and on PostgreSQL in turn, drives it with
# bench/Sources/herald-bench, and prints throughput, latency and the server's RSS.
#   bench/run.sh [sqlite|postgres|both] [herald-bench options, e.g. --stored 200000 --seconds 5]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
[ -d /opt/swift/usr/bin ] && export PATH="/opt/swift/usr/bin:$PATH"
which=${1:-both}; shift || true
scripts/install-deps.sh
build_release herald herald-bench
BIN=.build/release
mkdir -p bench/results
PORT=18480

run_one() {
  local name=$1 url=$2; shift 2
  local log=bench/results/server-$name.log
  # Receipts after 5-50 ms; an outcome mix in which every message gets a final receipt.
  HERALD_SIMULATOR_MIX="delivered=95,ABSENT_SUBSCRIBER=3,HANDSET_BUSY=2" HERALD_SIMULATOR_DELAY_MS=5-50 \
    $BIN/herald serve --port $PORT --database "$url" --log-level warning --workers 2 >"$log" 2>&1 &
  local pid=$!
  local key=""
  for _ in $(seq 1 100); do
    key=$(grep -o 'hk_[A-Za-z0-9]*' "$log" | head -1 || true)
    [ -n "$key" ] && curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null 2>&1 && break
    sleep 0.2
  done
  echo "== $name ($url) pid $pid"
  $BIN/herald-bench --port $PORT --key "$key" "$@" || true
  grep -E 'VmRSS|VmHWM' /proc/$pid/status | tr -s ' \t' ' ' | sed 's/^/server_/'
  kill -TERM $pid; wait $pid || true
}

if [ "$which" = sqlite ] || [ "$which" = both ]; then
  rm -f /tmp/herald-bench.sqlite*
  run_one sqlite sqlite:/tmp/herald-bench.sqlite "$@" | tee bench/results/sqlite.txt
fi
if [ "$which" = postgres ] || [ "$which" = both ]; then
  HERALD_PG_DATA=/tmp/herald-bench-pg HERALD_PG_PORT=54330 HERALD_PG_DURABLE=1 scripts/test-postgres.sh start >/dev/null
  trap 'HERALD_PG_DATA=/tmp/herald-bench-pg scripts/test-postgres.sh stop' EXIT
  run_one postgres postgres://herald:herald@127.0.0.1:54330/herald "$@" | tee bench/results/postgres.txt
fi
