"""A status-callback receiver out of process for bench/callbacks.sh: answers 200 to every POST (HTTP/1.1 keep-alive),
counts distinct events (each event's id; a batched webhook's POST holds many), measures each callback's delay from its event's `recorded_at` (when Herald stored
the status) to its arrival here, and serves GET /stats as
{"events": N, "first": t, "last": t, "p50_ms": x, "p99_ms": y, "max_ms": z} (Unix seconds; same machine, same clock)."""
import datetime
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
seen = set()
delays = []
first = last = None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        global first, last
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        now = time.time()
        try:
            document = json.loads(body)
            # A batched webhook's POST carries {"events": [...]}; a plain one is one event.
            events = document.get("events") if isinstance(document.get("events"), list) else [document]
        except ValueError:
            events = []
        with lock:
            for event in events:
                recorded, event_id = event.get("recorded_at"), event.get("id", self.headers.get("Herald-Event-Id", ""))
                if recorded and event_id not in seen:
                    delays.append((now - datetime.datetime.fromisoformat(recorded.replace("Z", "+00:00")).timestamp()) * 1000)
                seen.add(event_id)
            first = first or now
            last = now
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        with lock:
            ordered = sorted(delays)
            pick = lambda q: round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1) if ordered else None
            body = json.dumps({"events": len(seen), "first": first, "last": last, "p50_ms": pick(0.5), "p99_ms": pick(0.99),
                               "max_ms": round(ordered[-1], 1) if ordered else None}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class Server(ThreadingHTTPServer):
    # A production server's accept backlog (nginx 511, Go's somaxconn), not socketserver's 5: a sender that opens
    # connections in a burst must not see them refused by the bench's receiver.
    request_queue_size = 1024
    daemon_threads = True


Server(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
