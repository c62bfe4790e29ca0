#!/usr/bin/env bash
# Side-by-side: Kannel 1.4.5 (bearerbox + smsbox, smsc type smpp) against the same `herald smsc`, with the same
# outcome mix and delays as bench/smpp.sh. Messages go in through smsbox's sendsms HTTP interface with a dlr-url;
# a local receiver counts final delivery reports. Kannel stores its queue in a file (store-type = file) and its
# DLRs in SQLite (dlr-storage = sqlite3), the closest it comes to Herald's "everything durably stored".
#   bench/kannel.sh [messages, default 20000] [window (max-pending-submits), default 10]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
[ -d /opt/swift/usr/bin ] && export PATH="/opt/swift/usr/bin:$PATH"
messages=${1:-20000}
window=${2:-10}
if ! command -v bearerbox >/dev/null 2>&1 && [ ! -x /usr/sbin/bearerbox ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq kannel sqlite3 >/dev/null
fi
build_release herald herald-bench herald-receiver
BIN=.build/release
SMSC_PORT=27800
work=$(mktemp -d)
mkdir -p bench/results
ticks=$(getconf CLK_TCK)
cpu_ms() { awk -v t="$ticks" '{ print ($14 + $15) * 1000 / t }' "/proc/$1/stat"; }
python3 -c "import sqlite3; c=sqlite3.connect('$work/dlr.db'); c.execute('CREATE TABLE dlr (smsc TEXT, ts TEXT, destination TEXT, source TEXT, service TEXT, url TEXT, mask INTEGER, status INTEGER, boxc TEXT)'); c.commit()"
cat > "$work/kannel.conf" <<CONF
group = core
admin-port = 13000
admin-password = bench
smsbox-port = 13001
box-allow-ip = 127.0.0.1
log-file = "$work/bearerbox.log"
log-level = 3
access-log = "$work/access.log"
store-type = file
store-location = "$work/kannel.store"
dlr-storage = ${KANNEL_DLR_STORAGE:-sqlite3}

group = sqlite3-connection
id = dlrdb
database = "$work/dlr.db"
max-connections = 1

group = dlr-db
id = dlrdb
table = dlr
field-smsc = smsc
field-timestamp = ts
field-destination = destination
field-source = source
field-service = service
field-url = url
field-mask = mask
field-status = status
field-boxc-id = boxc

group = smsc
smsc = smpp
smsc-id = herald-smsc
host = 127.0.0.1
port = $SMSC_PORT
transceiver-mode = true
smsc-username = kannel
smsc-password = kannel
system-type = ""
max-pending-submits = $window
msg-id-type = 0x03
log-level = 3

group = smsbox
bearerbox-host = 127.0.0.1
sendsms-port = 13013
log-file = "$work/smsbox.log"
log-level = 3
access-log = "$work/smsbox-access.log"

group = sendsms-user
username = bench
password = bench
max-messages = 1
CONF
$BIN/herald smsc --port $SMSC_PORT --delay-ms 1-10 --mix "DELIVRD=95,UNDELIV:001=3,UNDELIV:007=2" --log-level warning > "$work/smsc.log" 2>&1 &
smsc=$!
/usr/sbin/bearerbox "$work/kannel.conf" > "$work/bearerbox.out" 2>&1 &
bearer=$!
sleep 2
/usr/sbin/smsbox "$work/kannel.conf" > "$work/smsbox.out" 2>&1 &
smsbox=$!
for _ in $(seq 1 50); do curl -s "http://127.0.0.1:13000/status?password=bench" | grep -q "online" && break; sleep 0.2; done
sleep 1
b0=$(cpu_ms $bearer); s0=$(cpu_ms $smsbox); c0=$(cpu_ms $smsc)
if [ "${KANNEL_DRIVER:-swift}" = python ]; then
  result=$(python3 bench/kannel/drive.py --messages "$messages" --connections 32)
else
  # The same tools as Herald's bench/e2e.sh: herald-bench sends one message per request on 32 connections (smsbox's
  # interface takes one), herald-receiver counts the final DLRs; the rate runs from the first request to the last DLR.
  $BIN/herald-receiver 18600 & receiver=$!
  sleep 0.5
  start=$(date +%s.%N)
  $BIN/herald-bench --port 13013 --phases kannel --end-to-end "$messages" --dlr-receiver http://127.0.0.1:18600 > /dev/null
  accepted=$(date +%s.%N)
  stats=$(receiver_stats 18600 "$messages" 3000)
  result=$(echo "$stats" | python3 -c "
import json, sys
d = json.load(sys.stdin); n = $messages; start = $start
print(f'kannel end_to_end messages={n} final_dlrs={d[\"events\"]} accept_s={$accepted - start:.2f} total_s={d[\"last\"] - start:.2f} rate={d[\"events\"] / (d[\"last\"] - start):.0f} msg/s')")
  kill $receiver 2>/dev/null || true
fi
b1=$(cpu_ms $bearer); s1=$(cpu_ms $smsbox); c1=$(cpu_ms $smsc)
{
  echo "$result (window=$window)"
  awk -v n="$messages" -v b0="$b0" -v b1="$b1" -v s0="$s0" -v s1="$s1" -v c0="$c0" -v c1="$c1" \
    'BEGIN { printf "kannel bearerbox_cpu_ms_per_message=%.3f smsbox_cpu_ms_per_message=%.3f smsc_cpu_ms_per_message=%.3f\n", (b1-b0)/n, (s1-s0)/n, (c1-c0)/n }'
} | tee bench/results/kannel.txt
kill -TERM $smsbox $bearer 2>/dev/null; wait $smsbox $bearer 2>/dev/null || true
kill -TERM $smsc; wait $smsc 2>/dev/null || true
rm -rf "$work"
