# Shared by the bench scripts (sourced from the project root): puts Swift on the PATH, and
# wait_for_key LOG PORT: waits until a `herald serve` writing to LOG is ready on PORT and prints the demo API key from
# its banner (empty after 20 s).
[ -d /opt/swift/usr/bin ] && export PATH="/opt/swift/usr/bin:$PATH"
wait_for_key() {
  local log=$1 port=$2 key=""
  for _ in $(seq 1 100); do
    key=$(grep -o 'hk_[A-Za-z0-9]*' "$log" | head -1 || true)
    [ -n "$key" ] && curl -sf "http://127.0.0.1:$port/ready" > /dev/null 2>&1 && break
    sleep 0.2
  done
  printf '%s' "$key"
}
# build_release PRODUCT...: release builds of the products a bench runs (quietly; the first one takes minutes).
build_release() {
  local product
  for product in "$@"; do swift build -c release --product "$product" >/dev/null 2>&1; done
}
# receiver_stats PORT N TRIES: waits (0.2 s a try) until the receiver on PORT (herald-receiver or count_callbacks.py) has
# counted N events, then prints its /stats JSON.
receiver_stats() {
  local port=$1 wanted=$2 tries=$3 stats=""
  for _ in $(seq 1 "$tries"); do
    stats=$(curl -s "http://127.0.0.1:$port/stats")
    [ "$(echo "$stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["events"])')" -ge "$wanted" ] && break
    sleep 0.2
  done
  printf '%s' "$stats"
}
