#!/usr/bin/env python3
"""bench/tlsload.py - N HTTPS players of one live TS URL, for the TLS part
of bench/run (bench/tls): what tests/loadgen does over plain HTTP.

usage: tlsload.py -c N -d SECONDS -r RAMP --cafile CA URL

Starts RAMP players a second, each reading the URL for SECONDS from its
own start over TLS (the certificate checked against CA), with asyncio in
this one process (the bytes are counted, never kept).  Prints one JSON
line: clients_connected, clients_failed, total_bytes, rate_median_Bps
(the median player's bytes a second), ttfb_p99_ms, client_cpu_s (this
process's own CPU).  Exits within SECONDS + N / RAMP + 15 s."""

import argparse
import asyncio
import json
import resource
import ssl
import sys
import time
import urllib.parse


class Player(asyncio.Protocol):
    def __init__(self, request, done):
        self.request, self.done = request, done
        self.bytes, self.first = 0, None
        self.t0 = time.monotonic()

    def connection_made(self, transport):
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data):
        if self.first is None:
            self.first = time.monotonic()
            if not data.startswith(b"HTTP/1.1 200") and \
                    not data.startswith(b"HTTP/1.0 200"):
                self.transport.close()
                return
        self.bytes += len(data)

    def connection_lost(self, exc):
        if not self.done.done():
            self.done.set_result(None)


async def one(loop, u, ctx, seconds, results):
    done = loop.create_future()
    req = ("GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: ringcast-tlsload\r\n"
           "Connection: close\r\n\r\n" % (u.path or "/", u.netloc)).encode()
    try:
        _, p = await asyncio.wait_for(loop.create_connection(
            lambda: Player(req, done), u.hostname, u.port or 443, ssl=ctx,
            server_hostname=u.hostname), 10)
    except (OSError, asyncio.TimeoutError, ssl.SSLError):
        results.append(None)
        return
    try:
        await asyncio.wait_for(asyncio.shield(done), seconds)
    except asyncio.TimeoutError:
        pass
    p.transport.close()
    elapsed = max(time.monotonic() - p.t0, 0.001)
    ok = p.first is not None and p.bytes > 0
    results.append((p.bytes, p.bytes / elapsed,
                    (p.first - p.t0) * 1000 if p.first else 0) if ok else None)


async def run(a):
    u = urllib.parse.urlsplit(a.url)
    ctx = ssl.create_default_context(cafile=a.cafile)
    loop = asyncio.get_running_loop()
    results, tasks = [], []
    for i in range(a.c):
        tasks.append(asyncio.ensure_future(one(loop, u, ctx, a.d, results)))
        await asyncio.sleep(1.0 / a.r)
    await asyncio.wait_for(asyncio.gather(*tasks), a.d + 15)
    return results


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-c", type=int, required=True)
    ap.add_argument("-d", type=float, required=True)
    ap.add_argument("-r", type=float, default=200)
    ap.add_argument("--cafile", required=True)
    ap.add_argument("url")
    a = ap.parse_args()
    results = asyncio.run(run(a))
    good = [r for r in results if r is not None]
    rates = sorted(r[1] for r in good)
    ttfb = sorted(r[2] for r in good)
    ru = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({
        "clients_connected": len(good),
        "clients_failed": len(results) - len(good),
        "total_bytes": sum(r[0] for r in good),
        "rate_median_Bps": int(rates[len(rates) // 2]) if rates else 0,
        "ttfb_p99_ms": int(ttfb[min(len(ttfb) - 1, len(ttfb) * 99 // 100)]) if ttfb else 0,
        "client_cpu_s": round(ru.ru_utime + ru.ru_stime, 2),
    }, separators=(",", ":")))
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
