#!/usr/bin/env python3
"""Drives Kannel's smsbox for the side-by-side benchmark (bench/kannel.sh).

Sends N messages through /cgi-bin/sendsms with a dlr-url, runs the HTTP receiver Kannel calls for each delivery
report, and prints the end-to-end rate: first request to the N-th final DLR.
"""
import argparse
import asyncio
import time

final = 0
done = asyncio.Event()


async def dlr_server(reader, writer):
    global final
    request = await reader.readuntil(b"\r\n\r\n")
    line = request.split(b"\r\n", 1)[0].decode()
    # status 1 delivered, 2 failed: final. 8 (SMSC accepted) and 4/16 are intermediate.
    if "status=1&" in line or "status=2&" in line or line.endswith("status=1 HTTP/1.1") or line.endswith("status=2 HTTP/1.1"):
        final += 1
        if final >= args.messages:
            done.set()
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    await writer.drain()
    writer.close()


async def sender(queue, port):
    reader, writer = None, None
    while True:
        n = await queue.get()
        if n is None:
            return
        to = "1415%07d" % (2000 + n % 8000 + (n // 8000) * 10000)
        dlr = f"http://127.0.0.1:{args.dlr_port}/dlr?n={n}%26status=%25d"
        path = f"/cgi-bin/sendsms?username=bench&password=bench&from=Herald&to={to}&text=Your+code+is+123456&dlr-mask=3&dlr-url={dlr}"
        for _ in range(50):
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
                await writer.drain()
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for header in head.split(b"\r\n"):
                    if header.lower().startswith(b"content-length:"):
                        length = int(header.split(b":")[1])
                if length:
                    await reader.readexactly(length)
                if b"Connection: close" in head or b"connection: close" in head:
                    writer.close()
                    writer = None
                if b" 202 " in head.split(b"\r\n")[0] or b" 200 " in head.split(b"\r\n")[0]:
                    break
            except (ConnectionError, asyncio.IncompleteReadError):
                writer = None
                await asyncio.sleep(0.05)


async def main():
    server = await asyncio.start_server(dlr_server, "127.0.0.1", args.dlr_port)
    queue = asyncio.Queue()
    for n in range(args.messages):
        queue.put_nowait(n)
    for _ in range(args.connections):
        queue.put_nowait(None)
    start = time.monotonic()
    await asyncio.gather(*(sender(queue, args.sendsms_port) for _ in range(args.connections)))
    accepted = time.monotonic() - start
    try:
        await asyncio.wait_for(done.wait(), timeout=args.timeout)
    except asyncio.TimeoutError:
        pass
    total = time.monotonic() - start
    print(f"kannel end_to_end messages={args.messages} final_dlrs={final} accept_s={accepted:.2f} total_s={total:.2f} "
          f"rate={final / total:.0f} msg/s", flush=True)
    server.close()


parser = argparse.ArgumentParser()
parser.add_argument("--messages", type=int, default=20000)
parser.add_argument("--connections", type=int, default=32)
parser.add_argument("--sendsms-port", type=int, default=13013)
parser.add_argument("--dlr-port", type=int, default=18600)
parser.add_argument("--timeout", type=float, default=600)
args = parser.parse_args()
asyncio.run(main())
