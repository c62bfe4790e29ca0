#!/usr/bin/env bash
# Starts or stops a private Postfix instance as a test relay (../shared/notes/postfix-test-relay.md), on 127.0.0.1
# only, in its own configuration and queue folders, without touching the system's instance; stopped by its PID.
#   scripts/test-postfix.sh start   -> prints RELAY_PORT NEXT_HOP_PORT INBOUND_PORT BOUNCE_DOMAIN (the test's settings)
#   scripts/test-postfix.sh stop
# It relays everything to 127.0.0.1:NEXT_HOP_PORT (the test's herald smtp-sink) and sends mail for BOUNCE_DOMAIN
# (its DSNs) to 127.0.0.1:INBOUND_PORT (the test's bounce listener). It offers STARTTLS with the test certificate of
# Tests/Fixtures/tls (signed by its ca.pem). Needs root (Postfix's own privilege model).
set -euo pipefail
RELAY_PORT="${HERALD_POSTFIX_PORT:-25871}"
NEXT_HOP_PORT="${HERALD_POSTFIX_NEXT_HOP_PORT:-25872}"
INBOUND_PORT="${HERALD_POSTFIX_INBOUND_PORT:-25873}"
BOUNCE_DOMAIN="${HERALD_POSTFIX_BOUNCE_DOMAIN:-bounce.test}"
D="${HERALD_POSTFIX_DIR:-/tmp/herald-test-postfix}"
export PATH="/usr/sbin:$PATH"
command -v postfix >/dev/null 2>&1 || { echo "postfix not found: apt-get install postfix" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "a private Postfix instance needs root" >&2; exit 1; }

case "${1:-}" in
  start)
    if [ -f "$D/pid" ] && kill -0 "$(cat "$D/pid")" 2>/dev/null; then
      echo "$RELAY_PORT $NEXT_HOP_PORT $INBOUND_PORT $BOUNCE_DOMAIN"; exit 0
    fi
    rm -rf "$D"; mkdir -p "$D"; chmod 755 "$D"
    cp -r /etc/postfix "$D/conf"
    mkdir -p "$D/queue" "$D/data" "$D/tls"; chown postfix "$D/data"
    TLS_FIXTURES="$(cd "$(dirname "$0")/../Tests/Fixtures/tls" && pwd)"
    cp "$TLS_FIXTURES/server.pem" "$TLS_FIXTURES/server-key.pem" "$D/tls/"; chmod 600 "$D/tls/server-key.pem"
    postconf -c "$D/conf" -e \
      "queue_directory=$D/queue" "data_directory=$D/data" "inet_interfaces=127.0.0.1" "inet_protocols=ipv4" \
      "myhostname=relay.test" "mydestination=" "mynetworks=127.0.0.0/8" "smtpd_relay_restrictions=permit_mynetworks,reject" \
      "relayhost=[127.0.0.1]:$NEXT_HOP_PORT" "smtp_dns_support_level=disabled" \
      "transport_maps=inline:{$BOUNCE_DOMAIN=smtp:[127.0.0.1]:$INBOUND_PORT}" "maillog_file=/dev/stdout" \
      "maximal_queue_lifetime=60s" "bounce_queue_lifetime=0" "alternate_config_directories=$D/conf" \
      "queue_run_delay=1s" "minimal_backoff_time=1s" "maximal_backoff_time=2s" "smtp_connect_timeout=5s" \
      "smtpd_tls_cert_file=$D/tls/server.pem" "smtpd_tls_key_file=$D/tls/server-key.pem" "smtpd_tls_security_level=may" \
      "smtpd_tls_received_header=yes"
    postconf -e "alternate_config_directories=$D/conf" >&2
    # The smtp inet service on the relay port, nothing chrooted.
    awk -v port="$RELAY_PORT" 'BEGIN { OFS = " " }
      /^#/ || /^[ \t]/ || NF < 8 { print; next }
      $1 == "smtp" && $2 == "inet" { $1 = "127.0.0.1:" port }
      { $5 = "n"; print }' "$D/conf/master.cf" > "$D/master.cf" && mv "$D/master.cf" "$D/conf/master.cf"
    postfix -c "$D/conf" check >&2
    postfix -c "$D/conf" start-fg > "$D/postfix.log" 2>&1 &
    echo $! > "$D/pid"
    for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$RELAY_PORT") 2>/dev/null && break; sleep 0.1; done
    echo "$RELAY_PORT $NEXT_HOP_PORT $INBOUND_PORT $BOUNCE_DOMAIN"
    ;;
  stop)
    if [ -f "$D/pid" ]; then
      postfix -c "$D/conf" stop >/dev/null 2>&1 || true
      pid="$(cat "$D/pid")"
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill "$pid" 2>/dev/null || true
      rm -f "$D/pid"
    fi
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
