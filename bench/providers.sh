#!/usr/bin/env bash
# HTTP provider connectors on Herald's defaults (SQLite), against `herald fake-provider PROVIDER --no-callbacks` (out of
# process). PROVIDER=twilio (default), vonage or whatsapp.
#   1. sends: N messages through the API (batches of 1,000; SMS, or chat for whatsapp) to the connector, until every one
#      is ACCEPTED with its provider id correlated: messages/s and Herald CPU ms per message;
#   2. callbacks: N `delivered` statuses signed as the provider signs them (Twilio X-Twilio-Signature over the URL and
#      form, Vonage `sig` sha256 in a JSON body, WhatsApp X-Hub-Signature-256 over the JSON notification) replayed at
#      /v1/providers/NAME/status by herald-bench on C connections (default 32): callbacks/s, each checked, stored raw and
#      applied durably before its answer; Herald CPU ms per callback; the time until every message is DELIVERED.
#   bench/providers.sh [N, default 20000]     env PROVIDER, CONNECTIONS=C, PERF=FILE (a perf profile of the callbacks),
#   HERALD_BUILD=DIR (herald and herald-bench from DIR, e.g. another commit's .build/release, instead of building)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
messages=${1:-20000}
provider=${PROVIDER:-twilio}
[ -n "${HERALD_BUILD:-}" ] || build_release herald herald-bench
B=${HERALD_BUILD:-.build/release}
work=$(mktemp -d)
ticks=$(getconf CLK_TCK)
cpu_ms() { awk -v t="$ticks" '{ print ($14 + $15) * 1000 / t }' "/proc/$1/stat"; }
channel=sms
case "$provider" in
  twilio)
    name=tw
    fake_args=(--auth-token bench-token)
    connector='{"name": "tw", "type": "twilio", "base_url": "http://127.0.0.1:18711", "account_sid": "AC00000000000000000000000000000001", "auth_token_env": "BENCH_SECRET", "from": "+15005550006"}' ;;
  vonage)
    name=vg
    fake_args=(--api-key benchkey --api-secret bench-token --signature-secret bench-sig --signature-method sha256)
    connector='{"name": "vg", "type": "vonage", "base_url": "http://127.0.0.1:18711", "api_key": "benchkey", "api_secret_env": "BENCH_SECRET", "signature_secret_env": "BENCH_SIG", "signature_method": "sha256", "from": "Acme"}' ;;
  whatsapp)
    name=wa; channel=chat
    fake_args=(--access-token bench-token --app-secret bench-sig)
    connector='{"name": "wa", "type": "whatsapp", "base_url": "http://127.0.0.1:18711", "phone_number_id": "106540352242922", "access_token_env": "BENCH_SECRET", "app_secret_env": "BENCH_SIG", "verify_token_env": "BENCH_SIG"}' ;;
  *) echo "PROVIDER must be twilio, vonage or whatsapp" >&2; exit 64 ;;
esac
$B/herald fake-provider "$provider" --port 18711 --no-callbacks "${fake_args[@]}" --log-level warning > "$work/fake.log" 2>&1 & fake=$!
echo "{\"connectors\": [$connector], \"routes\": [{\"channel\": \"$channel\", \"connector\": \"$name\"}]}" > "$work/herald.json"
BENCH_SECRET=bench-token BENCH_SIG=bench-sig $B/herald serve --port 18712 --database "sqlite:$work/bench.sqlite" --config "$work/herald.json" \
  --public-url http://127.0.0.1:18712 --log-level warning > "$work/serve.log" 2>&1 & herald=$!
cleanup() { kill $herald $fake 2>/dev/null; if [ -n "${KEEP_WORK:-}" ]; then echo "kept $work" >&2; else rm -rf "$work"; fi; }
trap cleanup EXIT
key=$(wait_for_key "$work/serve.log" 18712)
count() { sqlite3 "$work/bench.sqlite" "$1" 2>/dev/null || echo 0; }

before=$(cpu_ms $herald); start=$(date +%s.%N)
python3 - "$key" "$messages" "$channel" <<'PY'
import json, sys, urllib.request
key, n, channel = sys.argv[1], int(sys.argv[2]), sys.argv[3]
for first in range(0, n, 1000):
    body = {"messages": [{"channel": channel, "to": "+1415%03d%04d" % (200 + (i // 8000) % 800, 2000 + i % 8000), "text": "Your code is 123456"}
                         for i in range(first, min(n, first + 1000))]}
    request = urllib.request.Request("http://127.0.0.1:18712/v1/messages/batch", data=json.dumps(body).encode(),
                                     headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"})
    urllib.request.urlopen(request).read()
PY
for _ in $(seq 1 3000); do [ "$(count "SELECT COUNT(DISTINCT message_id) FROM correlations")" -ge "$messages" ] && break; sleep 0.1; done
end=$(date +%s.%N); after=$(cpu_ms $herald)
python3 -c "n=$messages; s=$end-$start; print(f'sends provider=$provider messages={n} seconds={s:.2f} rate={n/s:.0f} msg/s (API -> connector -> fake, ACCEPTED) herald_cpu_ms_per_message={($after-$before)/n:.3f}')"

# Every correlated provider id as a signed `delivered` status, written by Python (hmac, hashlib), replayed by herald-bench.
sqlite3 -separator ' ' "$work/bench.sqlite" "SELECT c.provider_id, m.recipient FROM correlations c JOIN messages m ON m.id = c.message_id" > "$work/sids"
python3 - "$provider" "$work/sids" "$work/replay" <<'PY'
import base64, hashlib, hmac, json, sys, time, urllib.parse
provider, path = sys.argv[1], {"twilio": "/v1/providers/tw/status", "vonage": "/v1/providers/vg/status", "whatsapp": "/v1/providers/wa/status"}[sys.argv[1]]
url = "http://127.0.0.1:18712" + path
with open(sys.argv[2]) as sids, open(sys.argv[3], "w") as out:
    for line in sids:
        sid, to = line.split()
        if provider == "twilio":
            params = {"AccountSid": "AC00000000000000000000000000000001", "ApiVersion": "2010-04-01", "From": "+15005550006",
                      "MessageSid": sid, "MessageStatus": "delivered", "SmsSid": sid, "SmsStatus": "delivered", "To": to}
            data = url + "".join(k + params[k] for k in sorted(params))
            signature = base64.b64encode(hmac.new(b"bench-token", data.encode(), hashlib.sha1).digest()).decode()
            out.write("%s\tX-Twilio-Signature: %s\tapplication/x-www-form-urlencoded\t%s\n" % (path, signature, urllib.parse.urlencode(params)))
        elif provider == "vonage":
            params = {"msisdn": to.lstrip("+"), "to": "Acme", "network-code": "23410", "messageId": sid, "price": "0.03330000", "status": "delivered",
                      "err-code": "0", "api-key": "benchkey", "timestamp": str(int(time.time())), "nonce": sid}
            text = "".join("&" + k + "=" + params[k].replace("&", "_").replace("=", "_") for k in sorted(params))
            params["sig"] = hmac.new(b"bench-sig", text.encode(), hashlib.sha256).hexdigest().upper()
            out.write("%s\tUser-Agent: bench\tapplication/json\t%s\n" % (path, json.dumps(params)))
        else:
            body = json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
                "messaging_product": "whatsapp", "metadata": {"display_phone_number": "15550001111", "phone_number_id": "106540352242922"},
                "statuses": [{"id": sid, "status": "delivered", "timestamp": str(int(time.time())), "recipient_id": to.lstrip("+")}]}}]}]})
            signature = "sha256=" + hmac.new(b"bench-sig", body.encode(), hashlib.sha256).hexdigest()
            out.write("%s\tX-Hub-Signature-256: %s\tapplication/json\t%s\n" % (path, signature, body))
PY
callbacks=$(wc -l < "$work/replay")
before=$(cpu_ms $herald); start=$(date +%s.%N)
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
n=$callbacks; a=$acked-$start; f=$final-$start; load=sum(float(x) for x in open('$work/load.time').read().split())*1000
print(f'callbacks provider=$provider callbacks={n} acknowledged_seconds={a:.2f} rate={n/a:.0f}/s all_delivered_seconds={f:.2f} herald_cpu_ms_per_callback={($after-$before)/n:.3f} load_generator_cpu_ms_per_callback={load/n:.3f} herald_rss_mb=$rss')
print(f'stored_raw=$stored delivered=$delivered of $messages')"
