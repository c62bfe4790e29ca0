#!/usr/bin/env bash
# The OpenAPI document is the contract: schemathesis (PyPI) generates requests for every operation of /openapi.json
# against a real `herald serve` (SQLite, and PostgreSQL when HERALD_TEST_POSTGRES_URL is set) and checks each answer:
# no server error, only documented status codes and content types, every response body valid against its schema
# (Message, Event and Campaign refuse undocumented fields), 405 with a correct Allow, invalid requests refused.
# Left out: positive_data_acceptance (a schema-valid number may still not be a number of its country: the gates refuse
# it with 422, which is documented), and /v1/events/stream (an endless SSE response).
# ST_EXAMPLES bounds the examples per operation (default 10).
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

run_contract() {  # run_contract NAME DATABASE-URL PORT
  local name=$1 url=$2 port=$3 log="$work/serve-$1.log"
  HERALD_SIMULATOR_DELAY_MS=1-5 "$HERALD" serve --port "$port" --database "$url" > "$log" 2>&1 &
  pids+=($!)
  local key
  key=$(demo_key "$log" "$port")
  [ -n "$key" ] || { echo "contract $name: serve did not start" >&2; cat "$log" >&2; return 1; }
  # An operator key: its own account's operations and the operator's (unmatched receipts) alike.
  key=$("$HERALD" keys create --account contract --role operator --database "$url" | tail -1)
  # Real ids for the operations that take one, so their answers are checked too, not only their 404s.
  local api="http://127.0.0.1:$port" auth="Authorization: Bearer $key" message campaign webhook
  curl -sf -X POST "$api/v1/templates" -H "$auth" -d '{"name":"contract","channel":"sms","body":"Hi {{name}}"}' > /dev/null
  message=$(curl -sf -X POST "$api/v1/messages" -H "$auth" -d '{"channel":"sms","to":"+14155550100","text":"contract","send_at":"2099-01-01T00:00:00Z"}' | json "d['id']")
  campaign=$(curl -sf -X POST "$api/v1/campaigns" -H "$auth" -d '{"template":"contract","paused":true}' | json "d['campaign']['id']")
  webhook=$(curl -sf -X POST "$api/v1/webhooks" -H "$auth" -d '{"url":"https://example.com/contract"}' | json "d['id']")
  cat > "$work/st-$name.toml" <<TOML
[[operations]]
include-operation-id = ["getMessage", "cancelMessage"]
parameters = { "path.id" = "$message" }
[[operations]]
include-operation-id = ["showCampaign", "campaignMessages", "addCampaignRecipients", "pauseCampaign", "resumeCampaign", "cancelCampaign"]
parameters = { "path.id" = "$campaign" }
[[operations]]
include-operation-id = ["webhookDeliveries", "deleteWebhook"]
parameters = { "path.id" = "$webhook" }
TOML
  # Run from the work folder: schemathesis keeps a cache in its working directory, which must not land in the repository.
  mkdir -p "$work/st-$name" && (cd "$work/st-$name" && python3 -m schemathesis.cli --config-file "$work/st-$name.toml" run "http://127.0.0.1:$port/openapi.json" -H "Authorization: Bearer $key" -n "${ST_EXAMPLES:-10}" --request-timeout 10 \
    --exclude-path /v1/events/stream --exclude-checks positive_data_acceptance --generation-deterministic --no-color \
    > "$work/st-$name.log" 2>&1)
  local code=$?
  sed -n '/SUMMARY/,$p' "$work/st-$name.log"
  [ $code -eq 0 ] || { echo "contract $name: schemathesis found failures (full log below)" >&2; cat "$work/st-$name.log" >&2; }
  return $code
}

status=0
run_contract sqlite "sqlite:$work/contract.sqlite" 18741 || status=1
if [ -n "${HERALD_TEST_POSTGRES_URL:-}" ]; then
  run_contract postgres "${HERALD_TEST_POSTGRES_URL}?schema=contract_$$" 18742 || status=1
fi
echo "api contract: $([ $status -eq 0 ] && echo passed || echo FAILED)"
exit $status
