#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer) of what reads network and API input: SMPP PDUs, receipt text, templates, campaign
# CSV, send-request JSON, SMTP sessions, replies and bounces (Sources/herald-fuzz). Builds herald-fuzz with -sanitize=fuzzer into .build-fuzz, runs each
# target for FUZZ_SECONDS (default 60) from its seed corpus in Fuzz/corpus/TARGET, and prints executions per target.
# A crash is copied to Fuzz/crashes/TARGET (commit it: scripts/test.sh replays every file there) and the script exits 1.
#   scripts/fuzz.sh [TARGET...]        targets: pdu receipt template csv json smtp provider (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d /opt/swift/usr/bin ] && export PATH="/opt/swift/usr/bin:$PATH"
seconds="${FUZZ_SECONDS:-60}"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(pdu receipt template csv json smtp provider)
swift build --product herald-fuzz --build-path .build-fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING >/dev/null
binary=.build-fuzz/debug/herald-fuzz
failed=0
for target in "${targets[@]}"; do
  work="$(mktemp -d)"
  mkdir -p "Fuzz/crashes/$target"
  log="$work/log"
  set +e
  HERALD_FUZZ_TARGET="$target" "$binary" "$work" "Fuzz/corpus/$target" -max_total_time="$seconds" -rss_limit_mb=4096 \
    -max_len=4096 -timeout=10 -artifact_prefix="$work/" -print_final_stats=1 >"$log" 2>&1
  status=$?
  set -e
  runs="$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo 0)"
  found=0
  for artifact in "$work"/crash-* "$work"/timeout-* "$work"/oom-* "$work"/leak-*; do
    [ -e "$artifact" ] || continue
    cp "$artifact" "Fuzz/crashes/$target/"
    found=$((found + 1))
  done
  echo "$target: $runs executions in ${seconds}s, $found crash(es) (exit $status)"
  if [ "$found" -gt 0 ] || [ "$status" -ne 0 ]; then
    failed=1
    grep -E "ERROR|Fatal error|SUMMARY" "$log" | head -5 || true
  fi
  rm -rf "$work"
done
exit "$failed"
