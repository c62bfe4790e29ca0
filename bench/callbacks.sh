#!/usr/bin/env bash
# The former name of bench/e2e.sh (same options).
exec "$(dirname "$0")/e2e.sh" "$@"
