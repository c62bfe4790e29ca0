# Shared by scripts/cli-smoke.sh and scripts/smpp-conformance.sh (sourced): a work directory, servers stopped by PID
# on exit, pass/fail counting, and a JSON field reader.
HERALD=${HERALD_BIN:-.build/debug/herald}
HERALD="$(cd "$(dirname "$HERALD")" && pwd)/$(basename "$HERALD")"   # absolute: some checks run from another folder
work=$(mktemp -d)
passed=0; failed=0
pids=()
cleanup() { for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done; rm -rf "$work"; }
trap cleanup EXIT
check() {  # check NAME CONDITION-COMMAND...
  local name=$1; shift
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAILED: $name" >&2; fi
}
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1], {}, {'d': d}))" "$1" 2>/dev/null; }
# demo_key LOG PORT: waits (10 s at most) until a `herald serve` logging to LOG answers /ready on PORT, then prints the demo
# API key from its banner (empty if it never did).
demo_key() {
  local log=$1 port=$2 key=""
  for _ in $(seq 1 100); do
    key=$(grep -o 'hk_[A-Za-z0-9]*' "$log" | head -1)
    [ -n "$key" ] && curl -sf "http://127.0.0.1:$port/ready" > /dev/null && break
    sleep 0.1
  done
  printf '%s' "$key"
}

