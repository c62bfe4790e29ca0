#!/usr/bin/env bash
# Runs every test: domain, store contract on SQLite and PostgreSQL, engine, HTTP over loopback, the fuzz corpus, then the CLI
# and a real `herald serve` on both databases (scripts/cli-smoke.sh), then SMPP conformance (scripts/smpp-conformance.sh).
# Starts a throw-away PostgreSQL and a private Postfix relay on 127.0.0.1 for the tests and stops them by PID afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d /opt/swift/usr/bin ] && export PATH="/opt/swift/usr/bin:$PATH"
scripts/install-deps.sh
stops=()
trap 'for stop in "${stops[@]}"; do $stop || true; done' EXIT
if [ -z "${HERALD_TEST_POSTGRES_URL:-}" ]; then
  HERALD_TEST_POSTGRES_URL="$(scripts/test-postgres.sh start)"
  export HERALD_TEST_POSTGRES_URL
  stops+=("scripts/test-postgres.sh stop")
fi
# A private Postfix as a real SMTP relay for the e-mail tests (root only: Postfix's privilege model; else those tests
# are reported as skipped).
if [ -z "${HERALD_TEST_POSTFIX:-}" ] && [ "$(id -u)" = 0 ] && [ -x /usr/sbin/postfix ]; then
  HERALD_TEST_POSTFIX="$(scripts/test-postfix.sh start)"
  export HERALD_TEST_POSTFIX
  stops+=("scripts/test-postfix.sh stop")
fi
swift build --build-tests
# The Swift tests take 2-4 minutes. Some runs hang (2026-12-05: two of five, the first and its rerun); the cause is not
# found yet (docs/RELIABILITY.md). The runner's output is line-buffered (stdbuf) and kept, so a run still going after 7
# minutes is stopped with the tests that started and never ended, the processes under it and its threads printed, and
# run again, at most twice; a failure is never run again.
swift_tests() {
  local log="${TMPDIR:-/tmp}/herald-swift-tests.$$.log"
  stdbuf -oL -eL swift test --skip-build "$@" > >(tee "$log") 2>&1 &
  local tests=$! status=0
  ( sleep 420
    if kill -0 $tests 2>/dev/null; then
      echo "scripts/test.sh: HUNG: the Swift test run is still going after 7 minutes; tests started and not ended:" >&2
      python3 - "$log" >&2 <<'PY' || true
import re, sys
started, ended = [], set()
for line in open(sys.argv[1], errors="replace"):
    if m := re.search(r'Test (".*?"|\S+\(\)) started', line): started.append(m.group(1))
    if m := re.search(r'Test (".*?"|\S+\(\)) .*?(passed|failed|skipped) after', line): ended.add(m.group(1))
for name in dict.fromkeys(started):
    if name not in ended: print("  still running:", name)
PY
      echo "scripts/test.sh: processes under the test run:" >&2
      ps -eo pid,ppid,etime,args --forest | grep -v grep | grep -A3 'HeraldPackageTests' >&2 || true
      echo "scripts/test.sh: the test process's threads:" >&2
      for pid in $(pgrep -f 'HeraldPackageTests.xctest'); do
        command -v gdb >/dev/null && timeout 60 gdb -p "$pid" -batch -ex 'thread apply all bt 12' >&2 2>/dev/null || true
      done
      touch "${TMPDIR:-/tmp}/herald-swift-tests-hung.$$"
      pkill -f 'HeraldPackageTests.xctest' || true
    fi ) &
  local watchdog=$!
  wait $tests || status=$?
  pkill -P $watchdog 2>/dev/null || true  # its sleep, which would otherwise hold the output open
  kill $watchdog 2>/dev/null || true
  return $status
}
hung="${TMPDIR:-/tmp}/herald-swift-tests-hung.$$"
rm -f "$hung"
status=0
swift_tests "$@" || status=$?
for attempt in 2 3; do
  [ $status -ne 0 ] && [ -e "$hung" ] || break
  rm -f "$hung"
  echo "scripts/test.sh: the Swift test run hung (threads above); running it again (attempt $attempt of 3)" >&2
  status=0
  swift_tests "$@" || status=$?
done
[ $status -eq 0 ] || exit $status
# The fuzz corpus and every crash ever found, replayed through the fuzz targets (a normal build of herald-fuzz).
for target in pdu receipt template csv json smtp provider; do .build/debug/herald-fuzz "$target" "Fuzz/corpus/$target" "Fuzz/crashes/$target"; done
# CI also fuzzes each target briefly (libFuzzer; scripts/fuzz.sh prints executions and saves any crash).
if [ "${CI:-}" = "true" ] && [ $# -eq 0 ]; then FUZZ_SECONDS="${FUZZ_SECONDS:-15}" scripts/fuzz.sh; fi
# The executable end to end: CLI contract, and `herald serve` over HTTP on SQLite and PostgreSQL.
# SMPP conformance against two independent PyPI implementations, both directions.
# The OpenAPI contract checked against real answers of every operation (schemathesis) on both databases.
# The dashboard in a real headless Chromium (selenium), saving each page's screenshot into docs/dashboard/.
if [ $# -eq 0 ]; then scripts/cli-smoke.sh && scripts/api-contract.sh && scripts/smpp-conformance.sh && scripts/dashboard-browser.sh; fi
