"""Times the dashboard's pages over HTTP: signs in like a browser (cookie, CSRF), then requests each page REPEAT
times, one after another, and prints p50 / p99 / max per page.

usage: dashboard.py BASE_URL KEY REPEAT
"""
import http.cookiejar
import json
import re
import sys
import time
import urllib.parse
import urllib.request

base, key, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
jar = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
form = opener.open(base + "/sign-in").read().decode()
csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
opener.open(base + "/sign-in", data=urllib.parse.urlencode({"key": key, "csrf": csrf}).encode()).read()
api = lambda path: json.load(urllib.request.urlopen(urllib.request.Request(base + path, headers={"Authorization": f"Bearer {key}"})))
newest = api("/v1/messages?limit=1")["data"][0]
older = api("/v1/messages?limit=500")["next_cursor"]
newest_connector = next((part.get("connector") for part in api("/v1/messages/" + newest["id"]).get("parts", []) if part.get("connector")), "none")
pages = [
    ("log", "/"),
    ("log, older page", f"/?cursor={older}"),
    ("log by status DELIVERED", "/?status=DELIVERED"),
    ("log by status UNDELIVERED (none)", "/?status=UNDELIVERED"),
    ("log by reason (none)", "/?reason=ABSENT_SUBSCRIBER"),
    ("log by recipient", "/?to=" + urllib.parse.quote(newest["to"])),
    ("log by tag (none)", "/?tag=nothing"),
    ("log by day", "/?since=2026-01-01&until=2026-12-31"),
    ("log by channel sms (all)", "/?channel=sms"),
    ("log by channel email (none)", "/?channel=email"),
    ("log by sender (none)", "/?from=nobody"),
    ("log by connector (all)", "/?connector=" + urllib.parse.quote(newest_connector)),
    ("log by connector (none)", "/?connector=nowhere"),
    ("one message", "/messages/" + newest["id"]),
    ("campaigns", "/campaigns"),
    ("analytics by connector, 24 h", "/analytics"),
    ("analytics by country, 30 d", "/analytics?by=country&period=30d"),
    ("analytics by route, 7 d", "/analytics?by=route&period=7d"),
    ("opt-outs and DND", "/lists"),
    ("templates", "/templates"),
    ("settings", "/settings"),
    ("webhooks", "/webhooks"),
    ("keys", "/keys"),
]
print(f"{'page':36} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
worst = 0.0
for name, path in pages:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        body = opener.open(base + path).read()
        times.append((time.perf_counter() - start) * 1000)
        assert b"<h1>" in body, f"{path}: not a page"
    times.sort()
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    worst = max(worst, p99)
    print(f"{name:36} {times[len(times) // 2]:8.1f} {p99:8.1f} {times[-1]:8.1f}")
print(f"dashboard pages={len(pages)} repeat={repeat} worst_p99_ms={worst:.1f}")
