#!/usr/bin/env bash
# Receipt truth under a hostile SMSC, end to end with the release build: `herald smsc` writing receipt ids in mixed
# dialects with 30 % duplicate copies (stamped later), 20 % receipts before the submit response, 20 % reordered and
# 10 % ESME_RTHROTTLED; Herald with the default (auto) id formats. Prints the rate, the final statuses, and the
# receipts still unmatched at the end (expected: none).
#   bench/smpp-chaos.sh [messages, default 5000]      env DATABASE=postgres://... (default: a temporary SQLite file)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
messages=${1:-5000}
build_release herald herald-bench
B=.build/release
work=$(mktemp -d)
database=${DATABASE:-sqlite:$work/chaos.sqlite}
$B/herald smsc --port 27795 --delay-ms 1-50 --mix "DELIVRD=95,UNDELIV:001=3,UNDELIV:007=2" --mixed-receipt-ids --duplicates 0.3 \
  --early 0.2 --reorder 0.2 --throttle 0.1 --log-level warning > "$work/smsc.log" 2>&1 &
smsc=$!
cat > "$work/herald.json" <<JSON
{"connectors": [{"name": "smsc", "type": "smpp", "port": 27795, "system_id": "chaos", "password": "chaos", "window": 20, "receipt_profile": "vonage"}],
 "routes": [{"channel": "sms", "connector": "smsc"}]}
JSON
$B/herald serve --port 18998 --database "$database" --config "$work/herald.json" --log-level warning > "$work/serve.log" 2>&1 &
herald=$!
trap 'kill $herald $smsc 2>/dev/null; rm -rf "$work"' EXIT
key=$(wait_for_key "$work/serve.log" 18998)
$B/herald-bench --port 18998 --key "$key" --phases e2e --end-to-end "$messages" | sed 's/^/chaos /'
sleep 3   # the re-match sweep runs every second
operator=$($B/herald keys create --account ops --role operator --database "$database" | tail -1)
curl -s "http://127.0.0.1:18998/v1/stats" -H "Authorization: Bearer $key" \
  | python3 -c "import json,sys; d=json.load(sys.stdin); print('chaos statuses', {k: v for k, v in d['by_status'].items() if v}, 'pending', d['pending'])"
curl -s "http://127.0.0.1:18998/v1/receipts/unmatched" -H "Authorization: Bearer $operator" \
  | python3 -c "import json,sys; d=json.load(sys.stdin); print('chaos unmatched', len(d['data']), 'since start', d['since_start']); [print('  ', x['provider_message_id'], x['parked']) for x in d['data'][:5]]"
