#!/usr/bin/env bash
# The dashboard with a large log: fills a SQLite database with N final messages through the store's write path
# (herald-ledger-bench: accept, claim, record, receipt), starts `herald serve` on it (release build, defaults), signs in
# like a browser and times every page (bench/dashboard.py): p50 / p99 / max per page. Issue 18's target: every page
# p99 < 100 ms with 1,000,000 messages.
#   bench/dashboard.sh [messages, default 1000000] [requests per page, default 50]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
messages=${1:-1000000}
repeat=${2:-50}
build_release herald herald-ledger-bench
work=$(mktemp -d)
trap 'kill $serve 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
db="sqlite:$work/dashboard.sqlite"
echo "filling $db with $messages final messages..."
.build/release/herald-ledger-bench "$messages" "$db" | tail -1
# The bench's webhook points nowhere: drop it and its deliveries so serve does not spend the run retrying them.
python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('DELETE FROM webhook_deliveries'); c.execute('DELETE FROM webhooks'); c.commit()" "$work/dashboard.sqlite"
account=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"SELECT name FROM accounts WHERE name LIKE 'bench-%'\").fetchone()[0])" "$work/dashboard.sqlite")
key=$(.build/release/herald keys create --account "$account" --database "$db" | tail -1)
.build/release/herald serve --port 18761 --database "$db" --no-demo-key > "$work/serve.log" 2>&1 &
serve=$!
for _ in $(seq 1 100); do curl -sf http://127.0.0.1:18761/ready > /dev/null && break; sleep 0.2; done
python3 bench/dashboard.py http://127.0.0.1:18761 "$key" "$repeat"
echo "rss_mb=$(( $(awk '/VmRSS/ {print $2}' /proc/$serve/status) / 1024 ))"
