#!/usr/bin/env bash
# The store's write path alone, in process (herald-ledger-bench): accept, claim, record, ingest of N SMS with one
# webhook owed per final status; prints msg/s and CPU ms per message per phase. The instrument for the single writer's
# cost per message (bench/e2e.sh moves by ±15 % with the machine; this by a few %).
#   bench/ledger.sh [messages, default 20000] [database URL, default a fresh SQLite file]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
build_release herald-ledger-bench
.build/release/herald-ledger-bench "${1:-20000}" ${2:+"$2"}
