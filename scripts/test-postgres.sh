#!/usr/bin/env bash
# Starts or stops a throw-away PostgreSQL server for Herald's tests and benchmark, on 127.0.0.1 only,
# as the non-root user 'postgres', and stops it by its PID.
#   scripts/test-postgres.sh start   -> prints the URL to use as HERALD_TEST_POSTGRES_URL
#   scripts/test-postgres.sh stop
#   scripts/test-postgres.sh restart  -> stops it as a crash would (immediate: no checkpoint), starts it again
set -euo pipefail
PORT="${HERALD_PG_PORT:-54329}"
DATA="${HERALD_PG_DATA:-/tmp/herald-test-pg}"
PIDFILE="$DATA/postmaster.pid"
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
[ -n "$BIN" ] || { echo "PostgreSQL server binaries not found: apt-get install postgresql" >&2; exit 1; }

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Tests trade durability for speed; the benchmark and the failure run (HERALD_PG_DURABLE=1) keep PostgreSQL's durable defaults.
OPTS="-c listen_addresses=127.0.0.1 -p $PORT -k /tmp -c max_connections=200"
[ -n "${HERALD_PG_DURABLE:-}" ] || OPTS="$OPTS -c fsync=off -c synchronous_commit=off -c full_page_writes=off"

case "${1:-}" in
  start)
    if [ -f "$PIDFILE" ] && kill -0 "$(head -1 "$PIDFILE")" 2>/dev/null; then
      echo "postgres://herald:herald@127.0.0.1:$PORT/herald"; exit 0
    fi
    rm -rf "$DATA"; mkdir -p "$DATA"
    [ "$(id -u)" = 0 ] && chown postgres "$DATA"
    as_pg "$BIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 >/dev/null
    as_pg "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -t 60 -o "$OPTS" start >/dev/null
    as_pg "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -q -c "CREATE USER herald PASSWORD 'herald' SUPERUSER" >/dev/null
    as_pg "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -q -c "CREATE DATABASE herald OWNER herald" >/dev/null
    echo "postgres://herald:herald@127.0.0.1:$PORT/herald"
    ;;
  stop)
    if [ -f "$PIDFILE" ]; then
      pid="$(head -1 "$PIDFILE")"
      kill -INT "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    ;;
  restart)
    as_pg "$BIN/pg_ctl" -D "$DATA" -m immediate -w -t 60 -l "$DATA/server.log" -o "$OPTS" restart >/dev/null
    ;;
  *) echo "usage: $0 start|stop|restart" >&2; exit 2 ;;
esac
