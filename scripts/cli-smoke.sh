#!/usr/bin/env bash
# End-to-end checks of the `herald` executable itself: the CLI contract (keys, send, status, exit codes) and a
# real `herald serve` on SQLite and, when HERALD_TEST_POSTGRES_URL is set, on PostgreSQL, driven over HTTP.
# Prints "cli: N passed, M failed" and exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

db="sqlite:$work/cli.sqlite"
# Only serve and migrate create a database: a command run from the wrong folder says so instead of queueing into a new one.
(cd "$work" && "$HERALD" send --to +14155550100 --text hi > /dev/null 2> "$work/nodb.err"); code=$?
check "send without a database exits 69 and creates none" bash -c "[ $code -eq 69 ] && [ ! -e '$work/herald.sqlite' ] && grep -q 'herald migrate' '$work/nodb.err'"
"$HERALD" keys create --account acme --database "$db" > /dev/null 2>&1
check "keys create refuses a database that does not exist (69)" test $? -eq 69
: > "$work/empty.sqlite"
"$HERALD" send --database "sqlite:$work/empty.sqlite" --to +14155550100 --text hi > /dev/null 2> "$work/empty.err"
check "send into a file that is not a Herald database exits 69" bash -c "[ $? -eq 69 ] && grep -q 'not a Herald database' '$work/empty.err'"
if [ -n "${HERALD_TEST_POSTGRES_URL:-}" ]; then
  "$HERALD" send --database "${HERALD_TEST_POSTGRES_URL}?schema=never_$$" --to +14155550100 --text hi > /dev/null 2>&1
  check "send into a PostgreSQL schema without Herald's tables exits 69" test $? -eq 69
  # A schema that cannot be migrated ends serve with the error, instead of leaving it waiting forever.
  "$HERALD" migrate --database "${HERALD_TEST_POSTGRES_URL}?schema=broken_$$" > /dev/null
  psql "$HERALD_TEST_POSTGRES_URL" -qc "DELETE FROM broken_$$.schema_migrations WHERE version = 11; ALTER TABLE broken_$$.webhooks DROP COLUMN batch_max_events" > "$work/broken.psql" 2>&1
  timeout 30 "$HERALD" serve --port 18736 --database "${HERALD_TEST_POSTGRES_URL}?schema=broken_$$" > /dev/null 2> "$work/broken.err"; code=$?
  check "serve on a schema whose migration fails exits 1 naming the error" bash -c "[ $code -eq 1 ] && grep -q 'already exists' '$work/broken.err'"
  # Failed once in many runs (2026-12-05) with nothing to show why: say what serve and the schema change printed.
  [ $code -eq 1 ] && grep -q 'already exists' "$work/broken.err" \
    || { echo "  serve exited $code; psql said: $(cat "$work/broken.psql"); serve's last lines:" >&2; tail -5 "$work/broken.err" >&2; }
fi
"$HERALD" migrate --database "$db" > /dev/null
out=$("$HERALD" keys create --account acme --database "$db")
key=$(printf '%s\n' "$out" | tail -1)
check "keys create prints the key alone on its last line" bash -c "[[ '$key' =~ ^hk_[A-Za-z0-9]{32}$ ]]"
operator_key=$("$HERALD" keys create --account ops --role operator --database "$db" | tail -1)
check "keys create --role operator makes a key" bash -c "[[ '$operator_key' =~ ^hk_[A-Za-z0-9]{32}$ ]]"
"$HERALD" keys create --account ops --role root --database "$db" > /dev/null 2> "$work/role.err"
check "keys create with an unknown role exits 64 naming it" bash -c "[ $? -eq 64 ] && grep -q 'root' '$work/role.err'"
"$HERALD" keys create --account acme --scopes send,write --database "$db" > /dev/null 2> "$work/scope.err"
check "keys create with an unknown scope exits 64 naming it" bash -c "[ $? -eq 64 ] && grep -q 'write' '$work/scope.err'"
reader_key=$("$HERALD" keys create --account acme --scopes read --name reports --database "$db" | tail -1)
"$HERALD" keys list --database "$db" > "$work/keys.out"
check "keys list shows every key with its scopes, never a secret" bash -c "[ \$(grep -c '^key_' '$work/keys.out') -eq 3 ] && grep -q 'read.*reports.*active' '$work/keys.out' && ! grep -q '$reader_key' '$work/keys.out'"
reader_id=$(grep reports "$work/keys.out" | cut -f1)
"$HERALD" keys revoke "$reader_id" --database "$db" > /dev/null
check "keys revoke marks the key revoked" bash -c "[ $? -eq 0 ] && '$HERALD' keys list --account acme --database '$db' | grep reports | grep -q revoked"
"$HERALD" keys revoke key_nothing --database "$db" > /dev/null 2>&1
check "keys revoke of an unknown id exits 1" test $? -eq 1
"$HERALD" send --database "$db" --account acme --to "+1 415 555 0100" --text hi > "$work/send.out"
check "send queues a valid message (exit 0)" test $? -eq 0
id=$(cut -d' ' -f1 "$work/send.out")
check "send prints the id and QUEUED" grep -q "^msg_.* QUEUED$" "$work/send.out"
"$HERALD" send --database "$db" --account acme --to "" --text hi > /dev/null
check "an empty recipient is stored as REJECTED (exit 2)" test $? -eq 2
"$HERALD" send --database "$db" --account acme --channel fax --to "+14155550100" --text hi 2> "$work/err.out"
check "an unknown channel is refused (exit 64) naming the field" bash -c "[ $? -eq 64 ] && grep -q 'channel' '$work/err.out'"
"$HERALD" status "$id" --database "$db" --account acme > "$work/status.out"
check "status shows the timeline" grep -q "QUEUED         api" "$work/status.out"
"$HERALD" status msg_nothing --database "$db" --account acme > /dev/null 2>&1
check "status of an unknown id exits 1" test $? -eq 1
"$HERALD" cancel "$id" --database "$db" --account acme > "$work/cancel.out"
check "cancel of a queued message prints CANCELED" bash -c "[ $? -eq 0 ] && grep -q 'CANCELED' '$work/cancel.out'"
"$HERALD" cancel "$id" --database "$db" --account acme > /dev/null 2> "$work/cancel.err"
check "cancel again exits 3 saying why" bash -c "[ $? -eq 3 ] && grep -q 'CANCELED' '$work/cancel.err'"

"$HERALD" account acme --database "$db" --top-up 0.01 --default-country gb --quiet-hours 21:00-08:00 > "$work/account.out"
check "account tops up the balance and sets the default country" bash -c "[ $? -eq 0 ] && grep -q 'balance: 0.01' '$work/account.out' && grep -q 'default_country: GB' '$work/account.out'"
"$HERALD" send --database "$db" --account acme --to "07400 123456" --text hi > "$work/national.out"
check "a national number is read in the account's default country" grep -q "QUEUED" "$work/national.out"
"$HERALD" send --database "$db" --account acme --to "07400 123457" --text hi > "$work/poor.out"
check "a send the balance cannot cover is REJECTED / INSUFFICIENT_BALANCE (exit 2)" bash -c "[ $? -eq 2 ] && grep -q INSUFFICIENT_BALANCE '$work/poor.out'"
"$HERALD" account acme --database "$db" --default-country XX > /dev/null 2> "$work/country.err"
check "account with a bad country exits 64 naming the field" bash -c "[ $? -eq 64 ] && grep -q default_country '$work/country.err'"
"$HERALD" account nobody --database "$db" > /dev/null 2>&1
check "account of an unknown name exits 66" test $? -eq 66

printf '{"id":"evt_1"}' > "$work/hook.json"
sig=$(python3 -c "import hmac,hashlib,time;t=int(time.time());b=open('$work/hook.json','rb').read();print(f't={t},v1='+hmac.new(b'whsec_smoke_secret_0123',str(t).encode()+b'.'+b,hashlib.sha256).hexdigest())")
"$HERALD" webhook verify --secret whsec_smoke_secret_0123 --signature "$sig" --body-file "$work/hook.json" > /dev/null
check "webhook verify accepts a signature made with the documented recipe (HMAC-SHA256 of t.body)" test $? -eq 0
printf '{"id":"evt_2"}' > "$work/tampered.json"
"$HERALD" webhook verify --secret whsec_smoke_secret_0123 --signature "$sig" --body-file "$work/tampered.json" 2> "$work/verify.err"
check "webhook verify refuses a changed body (exit 1, says why)" bash -c "[ $? -eq 1 ] && grep -q 'does not match' '$work/verify.err'"

"$HERALD" export --database "$db" --account acme --format csv > "$work/export.csv"
check "export writes a CSV header and one row per message" bash -c "head -1 '$work/export.csv' | grep -q '^id,created_at' && [ \$(wc -l < '$work/export.csv') -ge 5 ]"
"$HERALD" export --database "$db" --account acme --format ndjson --status REJECTED | python3 -c "import json,sys; rows=[json.loads(l) for l in sys.stdin]; assert rows and all(r['status']=='REJECTED' for r in rows)"
check "export --format ndjson --status REJECTED gives only REJECTED rows as JSON lines" test $? -eq 0
"$HERALD" export --database "$db" --account acme --format ndjson --status ERROR --vocabulary raven | python3 -c "import json,sys; rows=[json.loads(l) for l in sys.stdin]; assert rows and all(r['status']=='ERROR' for r in rows)"
check "export --status in a vocabulary's words (raven ERROR) lists only those" test $? -eq 0
"$HERALD" events --database "$db" --account acme > "$work/events.out"
first=$(head -1 "$work/events.out" | cut -d' ' -f1)
"$HERALD" events --database "$db" --account acme --after "$first" > "$work/events-after.out"
check "events prints the feed with cursors; --after resumes exactly after one" bash -c "[ \$(wc -l < '$work/events.out') -ge 5 ] && [ \$(wc -l < '$work/events-after.out') -eq \$((\$(wc -l < '$work/events.out') - 1)) ] && ! grep -q '^$first ' '$work/events-after.out'"
"$HERALD" export --database "$db" --account nobody > /dev/null 2>&1
check "export of an unknown account exits 66" test $? -eq 66

serve_and_send() {  # serve_and_send NAME DATABASE-URL PORT
  local name=$1 url=$2 port=$3 log="$work/serve-$1.log"
  HERALD_SIMULATOR_DELAY_MS=5-20 HERALD_SIMULATOR_MIX=delivered=100 "$HERALD" serve --port "$port" --database "$url" > "$log" 2>&1 &
  serve_pid=$!
  pids+=($serve_pid)
  local k
  k=$(demo_key "$log" "$port")
  check "$name: serve prints a demo key and becomes ready" test -n "$k"
  local ids=()
  for to in +14155550100 +14155550105 +14155550118 +14155550121 +14155550123; do
    ids+=("$(curl -s -X POST "http://127.0.0.1:$port/v1/messages" -H "Authorization: Bearer $k" \
      -d "{\"channel\":\"sms\",\"to\":\"$to\",\"text\":\"hello\"}" | json "d['id']")")
  done
  local expected=(DELIVERED UNDELIVERED FAILED DELIVERED DELIVERED)
  for i in "${!ids[@]}"; do
    local status=""
    for _ in $(seq 1 100); do
      status=$(curl -s "http://127.0.0.1:$port/v1/messages/${ids[$i]}" -H "Authorization: Bearer $k" | json "d['status'] if d['final'] else ''")
      [ -n "$status" ] && break
      sleep 0.1
    done
    check "$name: message $i ends ${expected[$i]} (got '$status')" test "$status" = "${expected[$i]}"
  done
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$port/v1/messages" -H "Authorization: Bearer $k" -d '{"channel":')
  check "$name: malformed JSON is 400" test "$code" = 400
  code=$(curl -s -o "$work/nul.json" -w '%{http_code}' -X POST "http://127.0.0.1:$port/v1/messages" -H "Authorization: Bearer $k" \
    -d '{"channel":"sms","to":"+14155550100","text":"a\u0000b"}')
  check "$name: a NUL character is a 422 naming text, not a 500" bash -c "[ '$code' = 422 ] && grep -q '\"field\":\"text\"' '$work/nul.json'"
  code=$(curl -s -o "$work/missing.json" -w '%{http_code}' "http://127.0.0.1:$port/v1/no-such-thing" -H "Authorization: Bearer $k")
  check "$name: an unknown route is a problem+json 404" bash -c "[ '$code' = 404 ] && grep -q 'no-such-route' '$work/missing.json'"

  # The CLI against the running server (--url/--key and HERALD_URL/HERALD_KEY): no database needed.
  local remote_id
  remote_id=$(cd "$work" && "$HERALD" send --url "http://127.0.0.1:$port" --key "$k" --to +14155550100 --text remote | cut -d' ' -f1)
  check "$name: send --url queues through the server" bash -c "[[ '$remote_id' == msg_* ]]"
  (cd "$work" && HERALD_URL="http://127.0.0.1:$port" HERALD_KEY="$k" "$HERALD" status "$remote_id" > "$work/remote-status-$name.out")
  check "$name: status with HERALD_URL/HERALD_KEY reads the message" grep -q "$remote_id" "$work/remote-status-$name.out"
  (cd "$work" && "$HERALD" send --url "http://127.0.0.1:$port" --key "$k" --to +447700900123 --text hi > "$work/remote-rejected-$name.out")
  check "$name: a rejected send over --url exits 2 with the explanation" bash -c "[ $? -eq 2 ] && grep -q 'numbering plan' '$work/remote-rejected-$name.out'"
  (cd "$work" && "$HERALD" status msg_nothing --url "http://127.0.0.1:$port" --key "$k" > /dev/null 2>&1)
  check "$name: status of an unknown message over --url exits 1" test $? -eq 1
  (cd "$work" && "$HERALD" send --url "http://127.0.0.1:$port" --key hk_wrong --to +14155550100 --text hi > /dev/null 2>&1)
  check "$name: a refused key over --url exits 77" test $? -eq 77
  # Keys over the API: a read-only key, listed, refused a send (403), revoked: refused at once (401).
  local ro ro_id
  ro=$("$HERALD" keys create --url "http://127.0.0.1:$port" --key "$k" --account demo --scopes read | tail -1)
  code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$port/v1/messages" -H "Authorization: Bearer $ro" -d '{"channel":"sms","to":"+14155550100","text":"x"}')
  check "$name: a read-only key made over --url cannot send (403)" test "$code" = 403
  ro_id=$("$HERALD" keys list --url "http://127.0.0.1:$port" --key "$k" | awk -F'\t' '$5 == "read" {print $1}' | head -1)
  "$HERALD" keys revoke "$ro_id" --url "http://127.0.0.1:$port" --key "$k" > /dev/null
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v1/messages" -H "Authorization: Bearer $ro")
  check "$name: a key revoked over --url is refused at once (401)" test "$code" = 401

  # A campaign from a CSV file with the CLI, sent by this serve: the report's counts match the messages.
  curl -s -X POST "http://127.0.0.1:$port/v1/templates" -H "Authorization: Bearer $k" -d '{"name":"promo","channel":"sms","body":"Hi {{name}}"}' > /dev/null
  { echo "phone,name"; for i in $(seq 1000 1029); do echo "+1415555$i,N$i"; done; echo "+14155550105,Und"; echo ",Nobody"; echo "+1999,Bad"; } > "$work/campaign.csv"
  "$HERALD" campaign create --database "$url" --account demo --csv "$work/campaign.csv" --template promo --from Shop --json \
    > "$work/campaign-$name.json" 2> "$work/campaign-$name.err"
  code=$?
  check "$name: campaign create uploads, follows to the end and reports (exit 0)" bash -c "[ $code -eq 0 ] && grep -q 'upload' '$work/campaign-$name.err' && grep -q 'line 33' '$work/campaign-$name.err'"
  check "$name: campaign report counts: 30 delivered, 1 undelivered, 1 rejected, 1 invalid row" python3 -c "
import json; c=json.load(open('$work/campaign-$name.json'))['counts']
assert c['by_status']=={'DELIVERED':30,'UNDELIVERED':1,'REJECTED':1} and c['invalid_rows']==1 and c['total']==32, c"
  local cid
  cid=$(json "d['id']" < "$work/campaign-$name.json")
  "$HERALD" campaign report "$cid" --database "$url" --account demo > "$work/report-$name.out"
  check "$name: campaign report prints counts by status and reason" bash -c "grep -q 'DELIVERED *30' '$work/report-$name.out' && grep -q 'ANTI_SPAM_REJECTION' '$work/report-$name.out'"
  "$HERALD" export --database "$url" --account demo --campaign "$cid" --format csv > "$work/campaign-$name.csv"
  check "$name: export --campaign has one row per campaign message" test "$(($(wc -l < "$work/campaign-$name.csv") - 1))" -eq 32
  printf 'name\nx\n' > "$work/nophone.csv"
  "$HERALD" campaign create --database "$url" --account demo --csv "$work/nophone.csv" --template promo > /dev/null 2> "$work/nophone-$name.err"
  code=$?
  check "$name: a CSV without a recipient column exits 65 saying how to fix it" bash -c "[ $code -eq 65 ] && grep -q 'to,name' '$work/nophone-$name.err'"
}

serve_and_send sqlite "sqlite:$work/serve.sqlite" 18731
kill -TERM "$serve_pid"; wait "$serve_pid" 2>/dev/null
# The demo key is made once per database: a restart prints none.
"$HERALD" serve --port 18739 --database "sqlite:$work/serve.sqlite" > "$work/restart.log" 2>&1 &
restart_pid=$!
pids+=($restart_pid)
for _ in $(seq 1 100); do curl -sf http://127.0.0.1:18739/ready > /dev/null && break; sleep 0.1; done
check "a restarted serve makes no second demo key" bash -c "grep -q 'was printed when this database was made' '$work/restart.log' && ! grep -q 'hk_' '$work/restart.log'"
kill -TERM $restart_pid; wait $restart_pid 2>/dev/null
if [ -n "${HERALD_TEST_POSTGRES_URL:-}" ]; then
  serve_and_send postgres "${HERALD_TEST_POSTGRES_URL}?schema=cli_$$" 18732
fi

# Configuration errors name the field and the fix, and stop serve with a usage error.
printf '{"connectors":[{"name":"a","type":"smpp","system_id":"x","concatenation":"udh"}]}' > "$work/bad.json"
"$HERALD" serve --port 18733 --database "sqlite:$work/bad.sqlite" --config "$work/bad.json" > /dev/null 2> "$work/bad.err"
code=$?
check "serve --config with a bad value exits 64 naming the field" bash -c "[ $code -eq 64 ] && grep -q 'connectors\[0\].concatenation' '$work/bad.err' && grep -q 'udh8' '$work/bad.err'"
printf '{"connectors":[{"name":"a","type":"smpp"}]}' > "$work/missing.json"
"$HERALD" serve --port 18733 --database "sqlite:$work/bad.sqlite" --config "$work/missing.json" > /dev/null 2> "$work/missing.err"
check "serve --config without system_id names it" grep -q 'connectors\[0\].system_id' "$work/missing.err"
printf '{"routes":[{"channel":"sms","connector":"nope"}]}' > "$work/route.json"
"$HERALD" serve --port 18733 --database "sqlite:$work/bad.sqlite" --config "$work/route.json" > /dev/null 2> "$work/route.err"
check "a route to an unknown connector is refused" grep -q "routes\[0\].connector" "$work/route.err"
printf '{"pricing":{"sms":{"default":"0.0075","44":"0.04"}}}' > "$work/price.json"
"$HERALD" serve --port 18733 --database "sqlite:$work/bad.sqlite" --config "$work/price.json" > /dev/null 2> "$work/price.err"
check "a price prefix without + is refused naming it" grep -q "pricing.sms.44" "$work/price.err"
printf '{"connectors":[{"name":"m","type":"smtp","host":"127.0.0.1","port":2525,"bounce_domain":"b.test","pasword_env":"X"}]}' > "$work/typo.json"
"$HERALD" serve --port 18733 --database "sqlite:$work/bad.sqlite" --config "$work/typo.json" > /dev/null 2> "$work/typo.err"
code=$?
check "an unknown key in --config exits 64 naming it (a typo is not a silent default)" bash -c "[ $code -eq 64 ] && grep -q 'connectors\[0\].pasword_env' '$work/typo.err'"
"$HERALD" serve --port 18733 --database "sqlite:$work/bad.sqlite" --evidence-retention-days forever > /dev/null 2> "$work/evidence.err"
code=$?
check "serve --evidence-retention-days with a bad value exits 64 naming the option" bash -c "[ $code -eq 64 ] && grep -q 'evidence-retention-days' '$work/evidence.err' && grep -q 'forever' '$work/evidence.err'"
"$HERALD" serve --port 18733 --database "sqlite:$work/bad.sqlite" --max-request-bytes 10 > /dev/null 2> "$work/limit.err"
code=$?
check "serve --max-request-bytes below 64 KiB exits 64 naming the option" bash -c "[ $code -eq 64 ] && grep -q 'max-request-bytes' '$work/limit.err'"
"$HERALD" smtp-sink --port 0 --dsn-to 127.0.0.1:2526 --dsn-concurrency 0 > /dev/null 2> "$work/dsn.err"
code=$?
check "smtp-sink --dsn-concurrency 0 exits 64 naming the option and its range" bash -c "[ $code -eq 64 ] && grep -q 'dsn-concurrency' '$work/dsn.err' && grep -q '1-1000' '$work/dsn.err'"
printf '{"connectors":[{"name":"m","type":"smtp","host":"127.0.0.1","port":2525,"bounce_domain":"b.test","tls":"none","username":"u","password_env":"HERALD_SMOKE_PW"}]}' > "$work/auth.json"
HERALD_SMOKE_PW=x "$HERALD" serve --port 18733 --database "sqlite:$work/bad.sqlite" --config "$work/auth.json" > /dev/null 2> "$work/auth.err"
code=$?
check "smtp AUTH without TLS is refused naming username (no password in clear)" bash -c "[ $code -eq 64 ] && grep -q 'connectors\[0\].username' '$work/auth.err'"
sed 's/"tls":"none"/"tls":"starttls"/' "$work/auth.json" > "$work/auth2.json"
env -u HERALD_SMOKE_PW "$HERALD" serve --port 18733 --database "sqlite:$work/bad.sqlite" --config "$work/auth2.json" > /dev/null 2> "$work/auth2.err"
code=$?
check "smtp password_env naming an unset variable is refused naming it" bash -c "[ $code -eq 64 ] && grep -q 'connectors\[0\].password_env' '$work/auth2.err' && grep -q HERALD_SMOKE_PW '$work/auth2.err'"
printf '{"connectors":[{"name":"m","type":"smtp","host":"127.0.0.1","port":2525,"bounce_domain":"b.test","messages_per_connection":0}]}' > "$work/pool.json"
"$HERALD" serve --port 18733 --database "sqlite:$work/bad.sqlite" --config "$work/pool.json" > /dev/null 2> "$work/pool.err"
code=$?
check "smtp messages_per_connection 0 is refused naming it and the range" bash -c "[ $code -eq 64 ] && grep -q 'connectors\[0\].messages_per_connection' '$work/pool.err' && grep -q '100000' '$work/pool.err'"
"$HERALD" smsc --help | grep -q -- "--no-receipt-tlvs"
check "smsc spells its flag --no-receipt-tlvs as documented" test $? -eq 0
"$HERALD" smsc --mix "DELIVRD=x" > /dev/null 2> "$work/smsc.err"
code=$?
check "smsc --mix with a bad weight exits 64 with the expected form" bash -c "[ $code -eq 64 ] && grep -q 'WORD\[:ERR\]=WEIGHT' '$work/smsc.err'"

# HTTP providers: configuration errors, then Herald and `herald fake-provider twilio` as two processes over loopback.
printf '{"connectors":[{"name":"tw","type":"twilio","account_sid":"AC00000000000000000000000000000001","auth_token_env":"HERALD_SMOKE_TW"}]}' > "$work/tw.json"
HERALD_SMOKE_TW=t "$HERALD" serve --port 18733 --database "sqlite:$work/bad.sqlite" --config "$work/tw.json" > /dev/null 2> "$work/tw.err"
code=$?
check "a twilio connector without --public-url exits 64 saying so" bash -c "[ $code -eq 64 ] && grep -q 'connectors\[0\]' '$work/tw.err' && grep -q -- '--public-url' '$work/tw.err'"
env -u HERALD_SMOKE_TW "$HERALD" serve --port 18733 --database "sqlite:$work/bad.sqlite" --config "$work/tw.json" --public-url http://127.0.0.1:18733 > /dev/null 2> "$work/tw2.err"
code=$?
check "auth_token_env naming an unset variable exits 64 naming it" bash -c "[ $code -eq 64 ] && grep -q 'connectors\[0\].auth_token_env' '$work/tw2.err' && grep -q HERALD_SMOKE_TW '$work/tw2.err'"
printf '{"connectors":[{"name":"vg","type":"vonage","api_key":"k","api_secret_env":"HERALD_SMOKE_TW"}]}' > "$work/vg.json"
HERALD_SMOKE_TW=t "$HERALD" serve --port 18733 --database "sqlite:$work/bad.sqlite" --config "$work/vg.json" --public-url http://127.0.0.1:18733 > /dev/null 2> "$work/vg.err"
code=$?
check "a vonage connector without a signature secret exits 64 naming signature_secret_env" bash -c "[ $code -eq 64 ] && grep -q 'connectors\[0\].signature_secret_env' '$work/vg.err'"
"$HERALD" fake-provider sinch > /dev/null 2> "$work/fake.err"
code=$?
check "fake-provider with an unknown provider exits 64 naming the ones it fakes" bash -c "[ $code -eq 64 ] && grep -q 'twilio, vonage or whatsapp' '$work/fake.err'"
"$HERALD" fake-provider twilio --port 18741 --auth-token smoke-token --log-level warning > "$work/fake.log" 2>&1 & fake=$!
printf '{"connectors":[{"name":"tw","type":"twilio","base_url":"http://127.0.0.1:18741","account_sid":"AC00000000000000000000000000000001","auth_token_env":"HERALD_SMOKE_TW","from":"+15005550006"}],"routes":[{"channel":"sms","connector":"tw"}]}' > "$work/twilio.json"
HERALD_SMOKE_TW=smoke-token "$HERALD" serve --port 18742 --database "sqlite:$work/twilio.sqlite" --config "$work/twilio.json" \
  --public-url http://127.0.0.1:18742 --log-level warning > "$work/twilio.log" 2>&1 & served=$!
pids+=($fake $served)
tw_key=$(demo_key "$work/twilio.log" 18742)
tw_id=$(curl -s -X POST http://127.0.0.1:18742/v1/messages -H "Authorization: Bearer $tw_key" -d '{"channel":"sms","to":"+14155550301","text":"smoke"}' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])' 2>/dev/null)
tw_status=""
for _ in $(seq 1 100); do
  tw_status=$(curl -s "http://127.0.0.1:18742/v1/messages/$tw_id" -H "Authorization: Bearer $tw_key" \
    | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["status"], (d.get("reason") or {}).get("code", ""))' 2>/dev/null)
  [ "$tw_status" = "UNDELIVERED ABSENT_SUBSCRIBER" ] && break
  sleep 0.1
done
check "an SMS through the twilio connector and herald fake-provider ends UNDELIVERED / ABSENT_SUBSCRIBER from signed callbacks" test "$tw_status" = "UNDELIVERED ABSENT_SUBSCRIBER"
forged=$(curl -s -o /dev/null -w '%{http_code}' -X POST http://127.0.0.1:18742/v1/providers/tw/status -H 'X-Twilio-Signature: AAAA' -d "MessageSid=SMx&MessageStatus=delivered")
check "a forged Twilio callback is refused with 403" test "$forged" = 403

# --log-format json: every log line one JSON object (a shipper can parse each); an unknown format is a usage error.
timeout 5 "$HERALD" serve --port 18743 --database "sqlite:$work/logs.sqlite" --log-format json > /dev/null 2> "$work/json.log"
check "serve --log-format json writes one JSON object per line, with the logger and message as fields" \
  python3 -c "import json,sys; lines=[json.loads(l) for l in open('$work/json.log') if l.strip()]; sys.exit(0 if lines and all('message' in l and 'logger' in l and 'level' in l for l in lines) else 1)"
"$HERALD" serve --port 18743 --database "sqlite:$work/logs.sqlite" --log-format xml > /dev/null 2> "$work/xml.err"
check "serve --log-format xml exits 64 naming the formats" bash -c "[ $? -eq 64 ] && grep -q 'text or json' '$work/xml.err'"

echo "cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
