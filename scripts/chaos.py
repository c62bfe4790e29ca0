"""Herald under failure: several `herald serve` nodes on one database, steady load from the API, and faults on a
schedule; then it counts, from the API's own answers, the database, the SMSC's record of what reached it and the
callback receiver, whether anything was lost, stuck, sent twice or called back wrongly.

The run (bounded, loopback only):
  PostgreSQL (durable: fsync on), `herald smsc` (records every submit it accepts), NODES `herald serve` nodes bound to
  it over SMPP, one webhook to a receiver here. Load: one client sending batches of 20, one sending single messages,
  each request to a live node picked in turn, retried on another node with the same Idempotency-Key when its answer is
  lost. Faults: kill -9 a node and start it again, then another; restart PostgreSQL as a crash would (immediate);
  abort every SMPP session at the SMSC (SIGUSR1); pause the SMSC for PAUSE seconds (SIGSTOP, SIGCONT). With
  DATABASE=sqlite: one node, killed with -9 and started again, twice.

usage: chaos.py HERALD_BINARY WORKDIR  (environment: DATABASE=postgres|sqlite, NODES=3, LOAD_S=100, PAUSE=30, RATE=40,
       DRAIN_S=240, FAULTS=kill,database,abort,pause (a subset runs only those), LOG_LEVEL=warning)
Prints the counts and exits non-zero if a message was lost or stuck, a callback is missing, or a message reached the
SMSC twice for no reason its timeline shows.
"""
import collections
import http.server
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid

herald, work = sys.argv[1], sys.argv[2]
database = os.environ.get("DATABASE", "postgres")
nodes_wanted = 1 if database == "sqlite" else int(os.environ.get("NODES", "3"))
load_s = float(os.environ.get("LOAD_S", "100"))
pause_s = float(os.environ.get("PAUSE", "30"))
rate = float(os.environ.get("RATE", "40"))  # messages a second from each client
smsc_port, receiver_port, first_port = 18790, 18799, 18780
pg_env = dict(os.environ, HERALD_PG_PORT="54339", HERALD_PG_DATA=os.path.join(work, "pg"), HERALD_PG_DURABLE="1")
started = time.monotonic()


def log(text):
    print(f"[{time.monotonic() - started:6.1f} s] {text}", flush=True)


# ---- the callback receiver: every POST's event id and message id -------------------------------------------------
callbacks = collections.Counter()
callback_messages = collections.defaultdict(set)
callback_lock = threading.Lock()


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        try:
            event = json.loads(body)
            events = event if isinstance(event, list) else event.get("events", [event]) if "events" in event else [event]
            with callback_lock:
                for item in events:
                    callbacks[item["id"]] += 1
                    callback_messages[item["message_id"]].add(item["event"])
        except (ValueError, KeyError):
            pass
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


receiver = http.server.ThreadingHTTPServer(("127.0.0.1", receiver_port), Receiver)
threading.Thread(target=receiver.serve_forever, daemon=True).start()

# ---- the database, the SMSC, the nodes ------------------------------------------------------------------------------
if database == "postgres":
    url = subprocess.run(["scripts/test-postgres.sh", "start"], env=pg_env, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
else:
    url = "sqlite:" + os.path.join(work, "chaos.sqlite")
record = os.path.join(work, "smsc-submits.tsv")
smsc = subprocess.Popen([herald, "smsc", "--port", str(smsc_port), "--delay-ms", "200-1500", "--record", record, "--log-level", "error"],
                        stdout=open(os.path.join(work, "smsc.log"), "w"), stderr=subprocess.STDOUT)
config = os.path.join(work, "herald.json")
with open(config, "w") as f:
    json.dump({"connectors": [{"name": "carrier", "type": "smpp", "port": smsc_port, "system_id": "chaos"}],
               "routes": [{"channel": "sms", "connector": "carrier"}]}, f)

nodes = {}  # index -> Popen


def start_node(index, demo=False):
    port = first_port + index
    out = open(os.path.join(work, f"node{index}.log"), "a")
    args = [herald, "serve", "--port", str(port), "--database", url, "--config", config, "--webhooks-allow-private",
            "--log-level", os.environ.get("LOG_LEVEL", "warning")]
    if not demo:
        args.append("--no-demo-key")
    nodes[index] = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=1).read()
            return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.1)
    raise SystemExit(f"node {index} did not become ready: see {work}/node{index}.log")


start_node(0, demo=True)
key = None
for _ in range(100):
    with open(os.path.join(work, "node0.log")) as f:
        found = [word for word in f.read().replace("\n", " ").split() if word.startswith("hk_")]
    if found:
        key = found[0].strip(".,;")
        break
    time.sleep(0.1)
if not key:
    raise SystemExit("no demo key in node 0's log")
for index in range(1, nodes_wanted):
    start_node(index)


def live_ports():
    return [first_port + index for index, process in nodes.items() if process.poll() is None]


def call(method, path, body=None, port=None, idempotency=None, timeout=10):
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    if idempotency:
        headers["Idempotency-Key"] = idempotency
    request = urllib.request.Request(f"http://127.0.0.1:{port or live_ports()[0]}{path}", method=method,
                                     data=json.dumps(body).encode() if body is not None else None, headers=headers)
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.load(response)


call("POST", "/v1/webhooks", {"url": f"http://127.0.0.1:{receiver_port}/cb",
                              "events": ["DELIVERED", "UNDELIVERED", "FAILED", "EXPIRED", "REJECTED"]})

# ---- the load ------------------------------------------------------------------------------------------------------
accepted = {}  # message id -> token
accepted_lock = threading.Lock()
answers = collections.Counter()
stop_load = threading.Event()


def send(batch):
    """One request with its own Idempotency-Key, to live nodes in turn until one answers (a lost answer is retried)."""
    # Numbers ending 1000-9999: the simulator's magic endings (0200-0240) choose failures; these are delivered.
    items = [{"channel": "sms", "to": "+4474009%d%04d" % (random.randrange(1, 10), random.randrange(1000, 10000)), "text": "chaos " + uuid.uuid4().hex[:16]}
             for _ in range(batch)]
    idempotency = uuid.uuid4().hex
    for attempt in range(60):
        ports = live_ports()
        if not ports:
            time.sleep(0.5)
            continue
        port = ports[attempt % len(ports)]
        try:
            if batch == 1:
                reply = call("POST", "/v1/messages", items[0], port=port, idempotency=idempotency)
                ids = [reply["id"]]
            else:
                reply = call("POST", "/v1/messages/batch", {"messages": items}, port=port, idempotency=idempotency)
                ids = [entry["id"] for entry in reply["data"]]
            with accepted_lock:
                for message_id, item in zip(ids, items):
                    accepted[message_id] = item["text"]
            answers["accepted" if attempt == 0 else "accepted after a retry"] += 1
            return
        except urllib.error.HTTPError as error:
            answers[f"HTTP {error.code}"] += 1
            if error.code < 500 and error.code != 429:
                return
        except (urllib.error.URLError, ConnectionError, OSError, ValueError):
            answers["no answer"] += 1
        time.sleep(0.2)
    answers["given up"] += 1


def client(batch):
    interval = batch / rate
    while not stop_load.is_set():
        begun = time.monotonic()
        send(batch)
        time.sleep(max(0, interval - (time.monotonic() - begun)))


clients = [threading.Thread(target=client, args=(20,), daemon=True), threading.Thread(target=client, args=(1,), daemon=True)]
for thread in clients:
    thread.start()
log(f"load: {nodes_wanted} node(s) on {database}, {rate:.0f} msg/s batched + {rate:.0f} msg/s single, {load_s:.0f} s")

# ---- the faults ----------------------------------------------------------------------------------------------------
faults = []


chosen = set(os.environ.get("FAULTS", "kill,database,abort,pause").split(","))


def at(second, name, action, kind):
    if kind in chosen:
        faults.append((second, name, action))


def kill(index):
    nodes[index].send_signal(signal.SIGKILL)
    nodes[index].wait()


if database == "postgres":
    at(10, "kill -9 node 0", lambda: kill(0), "kill")
    at(20, "start node 0 again", lambda: start_node(0), "kill")
    at(30, f"kill -9 node {min(1, nodes_wanted - 1)}", lambda: kill(min(1, nodes_wanted - 1)), "kill")
    at(40, f"start node {min(1, nodes_wanted - 1)} again", lambda: start_node(min(1, nodes_wanted - 1)), "kill")
    at(48, "restart PostgreSQL (immediate, as a crash)", lambda: subprocess.run(["scripts/test-postgres.sh", "restart"], env=pg_env, check=True), "database")
    at(58, "abort every SMPP session at the SMSC", lambda: smsc.send_signal(signal.SIGUSR1), "abort")
    at(64, f"pause the SMSC for {pause_s:.0f} s", lambda: smsc.send_signal(signal.SIGSTOP), "pause")
    at(64 + pause_s, "resume the SMSC", lambda: smsc.send_signal(signal.SIGCONT), "pause")
else:
    at(15, "kill -9 the only node", lambda: kill(0), "kill")
    at(18, "start it again", lambda: start_node(0), "kill")
    at(40, "kill -9 the only node", lambda: kill(0), "kill")
    at(42, "start it again", lambda: start_node(0), "kill")
    at(55, "abort every SMPP session at the SMSC", lambda: smsc.send_signal(signal.SIGUSR1), "abort")
for second, name, action in sorted(faults, key=lambda fault: fault[0]):
    time.sleep(max(0, second - (time.monotonic() - started)))
    log(name)
    action()
time.sleep(max(0, load_s - (time.monotonic() - started)))
stop_load.set()
for thread in clients:
    thread.join()
log(f"load stopped: {len(accepted)} messages accepted; answers {dict(answers)}")

# ---- the end: wait until every accepted message is final and its callback came --------------------------------------


def stored():
    """id -> (status, final) for every message in the database."""
    if database == "postgres":
        out = subprocess.run(["psql", url, "-Atc", "SELECT id, status, final FROM messages"], check=True, capture_output=True, text=True).stdout
        return {line.split("|")[0]: (line.split("|")[1], line.split("|")[2] == "t") for line in out.splitlines() if line}
    connection = sqlite3.connect(url[len("sqlite:"):], timeout=30)
    try:
        return {row[0]: (row[1], bool(row[2])) for row in connection.execute("SELECT id, status, final FROM messages")}
    finally:
        connection.close()


drain_limit = float(os.environ.get("DRAIN_S", "240"))
drain_started = time.monotonic()
while True:
    rows = stored()
    open_ids = [m for m in accepted if not rows.get(m, ("", False))[1]]
    with callback_lock:
        waiting = [m for m in accepted if rows.get(m, ("", False))[1] and not callback_messages.get(m)]
    if not open_ids and not waiting:
        break
    if time.monotonic() - drain_started > drain_limit:
        break
    time.sleep(2)
log(f"drained in {time.monotonic() - drain_started:.0f} s")
# Each node's SMPP sessions: receipts received and not yet stored (a stalled node keeps them unacknowledged).
for port in live_ports():
    try:
        for connector in call("GET", "/v1/connectors", port=port)["data"]:
            for session in connector.get("sessions", []):
                log(f"node :{port} {connector['name']} {session['name']} {session['state']}: {session['receipts_waiting']} receipts waiting"
                    + (f" since {session['oldest_waiting_since']}" if session.get("oldest_waiting_since") else "")
                    + f", sent {session['submitted']}, last error {session.get('last_error')}")
    except (urllib.error.URLError, OSError, KeyError, ValueError) as error:
        log(f"node :{port} connectors unreadable: {error}")

# ---- counting --------------------------------------------------------------------------------------------------------
rows = stored()
with open(record) as f:
    submits = collections.Counter(line.rstrip("\n").split("\t")[2] for line in f if line.count("\t") >= 2)
tokens = set(accepted.values())
lost = [m for m in accepted if m not in rows]
stuck = [m for m in accepted if m in rows and not rows[m][1]]
statuses = collections.Counter(rows[m][0] for m in accepted if m in rows)
sent_twice = [token for token in tokens if submits[token] > 1]
never_sent = [m for m, token in accepted.items() if submits[token] == 0]


def timelines(ids):
    """id -> [(kind, attempt, detail text)] in order, for these messages."""
    if not ids:
        return {}
    sql = ("SELECT message_id, kind, coalesce(attempt, 0), coalesce(detail_text, '') FROM events WHERE message_id IN (%s) ORDER BY message_id, seq"
           % ", ".join("'%s'" % i for i in ids))
    if database == "postgres":
        out = subprocess.run(["psql", url, "-AtF", "\t", "-c", sql], check=True, capture_output=True, text=True).stdout
        rows = [line.split("\t") for line in out.splitlines() if line]
    else:
        connection = sqlite3.connect(url[len("sqlite:"):], timeout=30)
        rows = [list(map(str, row)) for row in connection.execute(sql)]
        connection.close()
    found = collections.defaultdict(list)
    for message_id, kind, attempt, text in rows:
        found[message_id].append((kind, int(attempt), text))
    return found


def why_twice(events):
    """Why a message reached the SMSC twice: a submit whose answer never came (the SMSC may have taken it), or a claim
    whose node died before it recorded the answer (the lease ran out, another node sent it again)."""
    if any("may have taken it" in text or "may have" in text for _, _, text in events):
        return "a submit's answer never came (timeout or dropped session), so it was sent again"
    sends = [attempt for kind, attempt, _ in events if kind == "SENDING"]
    answered = {attempt for kind, attempt, _ in events if kind in ("ACCEPTED", "DEFERRED", "FAILED", "REJECTED")}
    if any(attempt not in answered for attempt in sends[:-1]):
        return "its node died with the submit's answer unrecorded; another node sent it again after the lease"
    return "unexplained"


token_ids = {token: m for m, token in accepted.items()}
twice = timelines([token_ids[token] for token in sent_twice])
reasons_twice = collections.Counter(why_twice(twice.get(token_ids[token], [])) for token in sent_twice)
with callback_lock:
    missing_callbacks = [m for m in accepted if m in rows and rows[m][1] and not callback_messages.get(m)]
    duplicate_callbacks = sum(count - 1 for count in callbacks.values() if count > 1)
    callbacks_received = sum(callbacks.values())
result = {
    "database": database, "nodes": nodes_wanted, "accepted": len(accepted), "final": sum(1 for m in accepted if m in rows and rows[m][1]),
    "lost": len(lost), "stuck": len(stuck), "statuses": dict(statuses), "submits_at_smsc": sum(submits.values()),
    "sent_twice_to_smsc": len(sent_twice), "sent_twice_why": dict(reasons_twice), "never_sent": len(never_sent), "callbacks_received": callbacks_received,
    "callbacks_missing": len(missing_callbacks), "callbacks_duplicated": duplicate_callbacks, "api_answers": dict(answers),
}
print(json.dumps(result, indent=1))
with open(os.path.join(work, "result.json"), "w") as f:
    json.dump({**result, "lost_ids": lost[:50], "stuck_ids": stuck[:50], "sent_twice_tokens": sent_twice[:50],
               "callbacks_missing_ids": missing_callbacks[:50]}, f, indent=1)

# Each live node's receipt counters (applied, duplicate, parked, unmatched), from /metrics with an operator key.
operator = subprocess.run([herald, "keys", "create", "--account", "chaos-ops", "--role", "operator", "--database", url],
                          capture_output=True, text=True).stdout.strip().splitlines()[-1:]
receipt_lines = []
for port in live_ports():
    try:
        request = urllib.request.Request(f"http://127.0.0.1:{port}/metrics", headers={"Authorization": f"Bearer {operator[0]}"})
        text = urllib.request.urlopen(request, timeout=10).read().decode()
        receipt_lines += [f"node :{port} {line}" for line in text.splitlines() if line.startswith("herald_receipts") and not line.startswith("#")]
    except (urllib.error.URLError, OSError, IndexError):
        pass
for line in receipt_lines:
    print(line)
for process in nodes.values():
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
for process in nodes.values():
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
smsc.send_signal(signal.SIGCONT)
smsc.terminate()
smsc.wait()
try:
    with open(record + ".stats.json") as f:
        print("smsc:", f.read())
except OSError:
    pass
receiver.shutdown()
if database == "postgres":
    subprocess.run(["scripts/test-postgres.sh", "stop"], env=pg_env)
sys.exit(1 if lost or stuck or missing_callbacks or reasons_twice.get("unexplained") else 0)
