#!/usr/bin/env bash
# Conformance of Herald's SMPP implementation against two independent ones from PyPI, both directions:
#   1. smpplib (client) -> `herald smsc`: binds, submits to magic destinations, checks every receipt.
#   2. Herald's SMPP connector (`herald serve --config`) -> an SMSC written with smpp.pdu3: messages sent over
#      HTTP must end DELIVERED / UNDELIVERED (HANDSET_BUSY) from that SMSC's receipts (22-digit decimal ids).
# Servers run on 127.0.0.1 and are stopped by PID. Prints "smpp-conformance: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
free_port() { python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])"; }

# 1. smpplib against herald smsc
smsc_port=$(free_port)
"$HERALD" smsc --port "$smsc_port" --delay-ms 10-50 > "$work/smsc.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do grep -q listening "$work/smsc.log" && break; sleep 0.1; done
timeout 60 python3 scripts/conformance/smpplib_client.py --port "$smsc_port" > "$work/smpplib.out" 2>&1
status=$?
cat "$work/smpplib.out"
check "smpplib client against herald smsc: every receipt as documented" test $status -eq 0

# 2. Herald's connector against an smpp.pdu3 SMSC
peer_port=$(free_port)
http_port=$(free_port)
python3 scripts/conformance/pdu3_smsc.py --port "$peer_port" --messages 6 > "$work/pdu3.log" 2>&1 &
peer=$!
pids+=($peer)
for _ in $(seq 1 50); do grep -q listening "$work/pdu3.log" && break; sleep 0.1; done
cat > "$work/herald.json" <<JSON
{"connectors": [{"name": "pdu3", "type": "smpp", "port": $peer_port, "system_id": "herald", "password": "pw",
                 "receipt_profile": "vonage", "enquire_link_s": 5}],
 "routes": [{"channel": "sms", "connector": "pdu3"}]}
JSON
# Receipt retries off: this run checks how each err code maps, not the retry (covered by the Swift tests).
"$HERALD" serve --no-receipt-retries --port "$http_port" --database "sqlite:$work/conformance.sqlite" --config "$work/herald.json" > "$work/serve.log" 2>&1 &
pids+=($!)
key=""
for _ in $(seq 1 100); do
  key=$(grep -o 'hk_[A-Za-z0-9]*' "$work/serve.log" | head -1)
  [ -n "$key" ] && curl -sf "http://127.0.0.1:$http_port/ready" > /dev/null && grep -q "SMPP bound" "$work/serve.log" && break
  sleep 0.1
done
check "herald serve binds to the smpp.pdu3 SMSC" grep -q "SMPP bound" "$work/serve.log"
ids=(); expected=()
for to in +447400123001 +447400123007 +447400123002 +447400123017 +447400123003 +447400123004; do
  ids+=("$(curl -s -X POST "http://127.0.0.1:$http_port/v1/messages" -H "Authorization: Bearer $key" \
    -d "{\"channel\":\"sms\",\"to\":\"$to\",\"text\":\"conformance {check} €\"}" | json "d['id']")")
  if [[ $to == *7 ]]; then expected+=("UNDELIVERED/HANDSET_BUSY"); else expected+=("DELIVERED/None"); fi
done
for i in "${!ids[@]}"; do
  got=""
  for _ in $(seq 1 100); do
    got=$(curl -s "http://127.0.0.1:$http_port/v1/messages/${ids[$i]}" -H "Authorization: Bearer $key" \
      | json "(d['status'] + '/' + str((d.get('reason') or {}).get('code'))) if d['final'] else ''")
    [ -n "$got" ] && break
    sleep 0.1
  done
  check "Herald via smpp.pdu3 SMSC: message $i ends ${expected[$i]} (got '$got')" test "$got" = "${expected[$i]}"
done
wait "$peer"
check "the smpp.pdu3 SMSC saw every receipt acknowledged" test $? -eq 0
cat "$work/pdu3.log" | grep -v "^$" | tail -3

echo "smpp-conformance: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
