#!/usr/bin/env bash
# The dashboard in a real headless Chromium: starts `herald serve` (SQLite, the simulator) on loopback, makes a second
# account's key and an operator's, runs scripts/dashboard_browser.py, and saves the pages' screenshots into docs/dashboard/.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
port=18751
db="sqlite:$work/dashboard.sqlite"
# Two connectors, so the analytics page has two to compare: the built-in simulator for +1 415 555 01xx (its magic
# numbers) and `herald smsc` over SMPP for the rest.
"$HERALD" smsc --port 18752 --delay-ms 50-200 --log-level warning > "$work/smsc.log" 2>&1 &
pids+=($!)
cat > "$work/herald.json" <<JSON
{"connectors": [{"name": "sim", "type": "simulator"}, {"name": "carrier", "type": "smpp", "port": 18752, "system_id": "dashboard"}],
 "routes": [{"channel": "sms", "prefix": "+141555501", "connector": "sim"}, {"channel": "sms", "connector": "carrier"},
            {"channel": "email", "connector": "sim"}, {"channel": "chat", "connector": "sim"}]}
JSON
HERALD_SIMULATOR_DELAY_MS=300-900 HERALD_SIMULATOR_MIX=delivered=100 "$HERALD" serve --port $port --database "$db" --config "$work/herald.json" --webhooks-allow-private \
  > "$work/serve.log" 2>&1 &
pids+=($!)
key=$(demo_key "$work/serve.log" $port)
[ -n "$key" ] || { echo "dashboard-browser: herald serve did not start" >&2; cat "$work/serve.log" >&2; exit 1; }
other=$("$HERALD" keys create --account globex --database "$db" | tail -1)
operator=$("$HERALD" keys create --account ops --role operator --database "$db" | tail -1)
python3 scripts/dashboard_browser.py "http://127.0.0.1:$port" "$key" "$other" "$operator" docs/dashboard
