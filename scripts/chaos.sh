#!/usr/bin/env bash
# Herald under failure (issue 19): three `herald serve` nodes on one durable PostgreSQL under steady load from the API
# (batches and single sends); kill -9 one node, then another; restart PostgreSQL as a crash would; abort every SMPP
# session at the simulator; pause the simulator for 30 s. Then the same on one SQLite node killed with -9 twice.
# Counts, from the API's answers, the database, the simulator's record of submits and the callback receiver: accepted,
# final, lost, stuck, sent twice to the SMSC, callbacks missing or duplicated (scripts/chaos.py). Figures in
# docs/RELIABILITY.md. Bounded (about 8 minutes), loopback only.
#   scripts/chaos.sh [postgres|sqlite|both]   (environment: NODES, LOAD_S, PAUSE, RATE, DRAIN_S)
set -euo pipefail
cd "$(dirname "$0")/.."
which=${1:-both}
swift build -c release --product herald > /dev/null
work=$(mktemp -d /tmp/herald-chaos.XXXXXX)
[ "$(id -u)" = 0 ] && chmod 755 "$work"
status=0
for database in postgres sqlite; do
  [ "$which" = both ] || [ "$which" = "$database" ] || continue
  mkdir -p "$work/$database"
  [ "$(id -u)" = 0 ] && chmod 777 "$work/$database"
  echo "== chaos on $database (work files in $work/$database)"
  DATABASE=$database python3 scripts/chaos.py "$PWD/.build/release/herald" "$work/$database" || status=1
done
exit $status
