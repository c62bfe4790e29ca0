"""A status-callback receiver out of process for bench/callbacks.sh: answers 200 to every POST (HTTP/1.1 keep-alive),
counts distinct Herald-Event-Id values, and serves GET /stats as {"events": N, "first": t, "last": t} (Unix seconds)."""
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
seen = set()
first = last = None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        global first, last
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        now = time.time()
        with lock:
            seen.add(self.headers.get("Herald-Event-Id", ""))
            first = first or now
            last = now
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        with lock:
            body = json.dumps({"events": len(seen), "first": first, "last": last}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
