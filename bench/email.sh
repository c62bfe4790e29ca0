#!/usr/bin/env bash
# E-mail from the API to a local SMTP relay, every status durable: `herald serve` (defaults, SQLite) with one smtp
# connector to `herald smtp-sink` out of process; herald-bench posts e-mails in batches of 1,000 (BATCH=1: one per
# request) and waits until every one is SENT (the relay's 250 recorded). Prints e-mails/s and Herald's CPU per e-mail.
#   bench/email.sh [e-mails, default 20000]      env HERALD_BUILD=DIR uses herald and herald-bench from DIR; BATCH=N;
#   POOL_SIZE=N sets the connector's pool_size (0: a new connection per message; default: the connector's default)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
messages=${1:-20000}
[ -n "${HERALD_BUILD:-}" ] || build_release herald herald-bench
B=${HERALD_BUILD:-.build/release}
work=$(mktemp -d)
ticks=$(getconf CLK_TCK)
cpu_ms() { awk -v t="$ticks" '{ print ($14 + $15) * 1000 / t }' "/proc/$1/stat"; }
$B/herald smtp-sink --port 27525 --log-level warning > "$work/sink.log" 2>&1 & sink=$!
cat > "$work/herald.json" <<JSON
{"connectors": [{"name": "mail", "type": "smtp", "mode": "relay", "host": "127.0.0.1", "port": 27525, "tls": "none", "bounce_domain": "bounce.test"${POOL_SIZE:+, \"pool_size\": $POOL_SIZE}}],
 "routes": [{"channel": "email", "connector": "mail"}]}
JSON
$B/herald serve --port 18612 --database "sqlite:$work/bench.sqlite" --config "$work/herald.json" --log-level warning > "$work/serve.log" 2>&1 & herald=$!
trap 'kill $herald $sink 2>/dev/null; rm -rf "$work"' EXIT
key=$(wait_for_key "$work/serve.log" 18612)
before=$(cpu_ms $herald); sink_before=$(cpu_ms $sink)
out=$($B/herald-bench --port 18612 --key "$key" --phases e2e --channel email --settled SENT --end-to-end "$messages" --e2e-batch "${BATCH:-1000}")
after=$(cpu_ms $herald); sink_after=$(cpu_ms $sink)
rss=$(awk '/VmHWM/ { print int($2 / 1024) }' "/proc/$herald/status")
echo "$out" | sed 's/^end_to_end/email_end_to_end/'
awk -v n="$messages" -v b="$before" -v a="$after" -v sb="$sink_before" -v sa="$sink_after" -v r="$rss" \
  'BEGIN { printf "herald_cpu_ms_per_email=%.3f sink_cpu_ms_per_email=%.3f herald_rss_mb=%d\n", (a - b) / n, (sa - sb) / n, r }'
