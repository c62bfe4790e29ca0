#!/usr/bin/env bash
# HTTP provider webhooks into Herald, on its defaults (SQLite) with a twilio connector:
#   1. sends: N messages through the API (batches of 1,000) to `herald fake-provider twilio --no-callbacks` (out of
#      process): messages/s until every one is ACCEPTED with its Twilio sid correlated;
#   2. callbacks: N signed `delivered` status callbacks (X-Twilio-Signature over the URL and the form) replayed at
#      /v1/providers/tw/status by herald-bench on C connections (default 32): callbacks/s, each checked, stored raw and
#      applied durably before its 204; Herald CPU ms per callback; then the time until every message is DELIVERED.
#   bench/providers.sh [N, default 20000]     env CONNECTIONS=C
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
messages=${1:-20000}
build_release herald herald-bench
B=.build/release
work=$(mktemp -d)
ticks=$(getconf CLK_TCK)
cpu_ms() { awk -v t="$ticks" '{ print ($14 + $15) * 1000 / t }' "/proc/$1/stat"; }
$B/herald fake-provider twilio --port 18711 --no-callbacks --auth-token bench-token --log-level warning > "$work/fake.log" 2>&1 & fake=$!
cat > "$work/herald.json" <<JSON
{"connectors": [{"name": "tw", "type": "twilio", "base_url": "http://127.0.0.1:18711", "account_sid": "AC00000000000000000000000000000001",
  "auth_token_env": "BENCH_TWILIO_TOKEN", "from": "+15005550006"}], "routes": [{"channel": "sms", "connector": "tw"}]}
JSON
BENCH_TWILIO_TOKEN=bench-token $B/herald serve --port 18712 --database "sqlite:$work/bench.sqlite" --config "$work/herald.json" \
  --public-url http://127.0.0.1:18712 --log-level warning > "$work/serve.log" 2>&1 & herald=$!
cleanup() { kill $herald $fake 2>/dev/null; if [ -n "${KEEP_WORK:-}" ]; then echo "kept $work" >&2; else rm -rf "$work"; fi; }
trap cleanup EXIT
key=$(wait_for_key "$work/serve.log" 18712)
count() { sqlite3 "$work/bench.sqlite" "$1" 2>/dev/null || echo 0; }

before=$(cpu_ms $herald); start=$(date +%s.%N)
python3 - "$key" "$messages" <<'PY'
import json, sys, urllib.request
key, n = sys.argv[1], int(sys.argv[2])
for first in range(0, n, 1000):
    body = {"messages": [{"channel": "sms", "to": "+1415%03d%04d" % (200 + (i // 8000) % 800, 2000 + i % 8000), "text": "Your code is 123456"}
                         for i in range(first, min(n, first + 1000))]}
    request = urllib.request.Request("http://127.0.0.1:18712/v1/messages/batch", data=json.dumps(body).encode(),
                                     headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"})
    urllib.request.urlopen(request).read()
PY
for _ in $(seq 1 3000); do [ "$(count "SELECT COUNT(*) FROM correlations")" -ge "$messages" ] && break; sleep 0.1; done
end=$(date +%s.%N); after=$(cpu_ms $herald)
python3 -c "n=$messages; s=$end-$start; print(f'sends messages={n} seconds={s:.2f} rate={n/s:.0f} msg/s (API -> twilio connector -> fake Twilio, ACCEPTED) herald_cpu_ms_per_message={($after-$before)/n:.3f}')"

# Every correlated sid as a signed `delivered` callback, written by Python (hmac, hashlib), replayed by herald-bench.
sqlite3 -separator ' ' "$work/bench.sqlite" "SELECT c.provider_id, m.recipient FROM correlations c JOIN messages m ON m.id = c.message_id" > "$work/sids"
python3 - "$work/sids" "$work/replay" <<'PY'
import base64, hashlib, hmac, sys, urllib.parse
url = "http://127.0.0.1:18712/v1/providers/tw/status"
with open(sys.argv[1]) as sids, open(sys.argv[2], "w") as out:
    for line in sids:
        sid, to = line.split()
        params = {"AccountSid": "AC00000000000000000000000000000001", "ApiVersion": "2010-04-01", "From": "+15005550006",
                  "MessageSid": sid, "MessageStatus": "delivered", "SmsSid": sid, "SmsStatus": "delivered", "To": to}
        data = url + "".join(k + params[k] for k in sorted(params))
        signature = base64.b64encode(hmac.new(b"bench-token", data.encode(), hashlib.sha1).digest()).decode()
        out.write("/v1/providers/tw/status\tX-Twilio-Signature: %s\tapplication/x-www-form-urlencoded\t%s\n" % (signature, urllib.parse.urlencode(params)))
PY
before=$(cpu_ms $herald); start=$(date +%s.%N)
# PERF=FILE: a perf profile of Herald during the callbacks (perf report -i FILE).
[ -n "${PERF:-}" ] && { perf record -F 999 -g -p $herald -o "$PERF" > /dev/null 2>&1 & perf=$!; }
TIMEFORMAT='%U %S'
{ time $B/herald-bench --port 18712 --phases replay --replay-file "$work/replay" --connections "${CONNECTIONS:-32}" > "$work/replay.out"; } 2> "$work/load.time"
acked=$(date +%s.%N); after=$(cpu_ms $herald)
[ -n "${PERF:-}" ] && { kill -INT $perf; wait $perf || true; }
for _ in $(seq 1 3000); do [ "$(count "SELECT COUNT(*) FROM messages WHERE status = 'DELIVERED'")" -ge "$messages" ] && break; sleep 0.05; done
final=$(date +%s.%N)
stored=$(count "SELECT COUNT(*) FROM provider_webhooks"); delivered=$(count "SELECT COUNT(*) FROM messages WHERE status = 'DELIVERED'")
rss=$(awk '/VmHWM/ { print int($2 / 1024) }' "/proc/$herald/status")
cat "$work/replay.out"
python3 -c "
n=$messages; a=$acked-$start; f=$final-$start; load=sum(float(x) for x in open('$work/load.time').read().split())*1000
print(f'callbacks callbacks={n} acknowledged_seconds={a:.2f} rate={n/a:.0f}/s all_delivered_seconds={f:.2f} herald_cpu_ms_per_callback={($after-$before)/n:.3f} load_generator_cpu_ms_per_callback={load/n:.3f} herald_rss_mb=$rss')
print(f'stored_raw=$stored delivered=$delivered')"
