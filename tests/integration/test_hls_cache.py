"""The cached HLS playlist (hls_cache.c, http_hls.c): built once per
version and served from a response made once, it must still be the
stream's current playlist on every worker and every connection - as soon
as a segment is published, after the fetcher restarts (a new ring), after
a reload that changes window_size - with the CORS headers of each request,
and in both variants (relative URIs on /hls/NAME/, prefixed on /ace/)."""

import http.client
import os
import re
import signal
import time

from harness import (SLOW, Daemon, Engine, Origin, check, http_get, ts_stream,
                     wait_for)

PATH = "/hls/live/index.m3u8"
ID = "0123456789abcdef0123456789abcdef01234567"


def started(extra="", defaults="", workers=2):
    o = Origin()
    d = Daemon(streams=ts_stream("live", o.url("/live.ts"), "on_demand = false;"),
               extra=extra, defaults=defaults, workers=workers).start()
    wait_for(lambda: http_get(d.port, PATH, timeout=20)[0] == 200, 20,
             what="playlist")
    return o, d


def listed(body):
    """Media sequence numbers listed by a playlist body."""
    return [int(x) for x in re.findall(rb"(\d+)\.ts$", body, re.M)]


def worker_requests(d):
    return [w["requests"] for w in d.http_status()["workers"]]


class KeepAlive:
    """One keep-alive connection (stays on one worker)."""

    def __init__(self, port):
        self.c = http.client.HTTPConnection("127.0.0.1", port, timeout=5 * SLOW)

    def get(self, path, headers=None):
        self.c.request("GET", path, headers=headers or {})
        r = self.c.getresponse()
        body = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, body

    def close(self):
        self.c.close()


def test_playlist_lists_a_new_segment_at_once_on_every_worker():
    o, d = started()
    conns = [KeepAlive(d.port) for _ in range(6)]
    before = worker_requests(d)
    checked = 0
    t_end = time.time() + 14
    while time.time() < t_end and checked < 4:
        newest = max(listed(http_get(d.port, PATH)[2]))
        # wait until the next segment is served, then every connection,
        # old and new, on either worker, must list it
        nxt = "/hls/live/%d.ts" % (newest + 1)
        if not wait_for(lambda: http_get(d.port, nxt)[0] == 200, 10 * SLOW,
                        step=0.02, what="segment %d" % (newest + 1)):
            continue
        for c in conns:
            st, _, body = c.get(PATH)
            check(st == 200 and max(listed(body)) >= newest + 1,
                  "stale playlist on a keep-alive connection: %r" % body)
        for _ in range(8):
            st, _, body = http_get(d.port, PATH)
            check(st == 200 and max(listed(body)) >= newest + 1,
                  "stale playlist on a new connection: %r" % body)
        checked += 1
    check(checked >= 3, "only %d new segments seen" % checked)
    after = worker_requests(d)
    check(all(a > b for a, b in zip(after, before)) and len(after) == 2,
          "not both workers answered: %s -> %s" % (before, after))
    for c in conns:
        c.close()


def test_playlist_follows_a_fetcher_restart():
    o, d = started()
    st, _, body = http_get(d.port, PATH)
    fetchers = set(d.children("fetcher"))
    check(len(fetchers) == 1, "fetchers: %s" % fetchers)
    os.kill(next(iter(fetchers)), signal.SIGKILL)
    wait_for(lambda: d.children("fetcher") and not set(d.children("fetcher")) &
             fetchers, 10, what="a new fetcher")
    # the new ring's playlist: every segment listed is served, soon
    # listing segments the old ring never had
    t_end = time.time() + 20
    fresh = False
    while time.time() < t_end and not fresh:
        for _ in range(4):
            st, _, b = http_get(d.port, PATH, timeout=20)
            if st != 200:
                continue
            for s in listed(b):
                st2 = http_get(d.port, "/hls/live/%d.ts" % s)[0]
                check(st2 == 200, "listed segment %d is %d after restart: %r"
                      % (s, st2, b))
            fresh = fresh or b != body
        time.sleep(0.3)
    check(fresh, "the playlist did not change after the fetcher restarted")


def test_reload_changing_window_size_changes_the_playlist():
    o, d = started(defaults="hls = { window_size = 6; max_segments = 20; };")
    # 6 listed, the oldest no longer segment 0
    old = wait_for(lambda: (lambda l: l if len(l) == 6 and l[0] >= 1 else
                            None)(listed(http_get(d.port, PATH)[2])), 40,
                   what="6 segments listed, from segment 1 on")
    d.defaults = "hls = { window_size = 3; max_segments = 20; };"
    d.write_conf()
    d.signal(signal.SIGHUP)
    # a changed stream restarts on a new ring, numbered from 0 again: wait
    # for its playlist (until then the old ring may be listed with the new
    # window), then every worker, every connection lists 3
    wait_for(lambda: (lambda l: l and l[0] < old[0])(
        listed(http_get(d.port, PATH)[2])), 20,
        what="the restarted stream's playlist")
    wait_for(lambda: len(listed(http_get(d.port, PATH)[2])) == 3, 15,
             what="3 segments listed after the reload")
    time.sleep(0.5)
    for _ in range(12):
        n = len(listed(http_get(d.port, PATH)[2]))
        check(n == 3, "%d segments listed after the reload" % n)


def cors_get(port, origin=None):
    h = {"Origin": origin} if origin else {}
    return http_get(port, PATH, headers=h)


def test_cached_playlist_gets_each_requests_cors_headers():
    page, other = "https://a.example", "https://b.example"
    o, d = started(extra='cors_origins = [ "%s" ];' % page)
    conns = [KeepAlive(d.port) for _ in range(4)]
    bodies = set()
    for _ in range(5):      # mixed on the same connections, twice each
        for c in conns:
            for origin in (page, None, other, page, other, None):
                st, h, body = c.get(PATH, {"Origin": origin} if origin else {})
                check(st == 200, (st, body))
                check(h.get("vary") == "Origin", h)
                if origin == page:
                    check(h.get("access-control-allow-origin") == page, h)
                    check("Content-Length" in h.get(
                        "access-control-expose-headers", ""), h)
                else:
                    check("access-control-allow-origin" not in h, (origin, h))
                check(h.get("content-type") == "application/vnd.apple.mpegurl", h)
                check(h.get("cache-control") == "no-cache", h)
                check(int(h["content-length"]) == len(body), h)
                bodies.add(body)
    # one body at a time (the same version for all three kinds of answer),
    # only a new segment makes another
    check(len(bodies) <= 3, "%d different bodies" % len(bodies))
    # a segment (a response kept per worker too): the same bytes, each
    # request's CORS headers, whole or ranged
    seg = "/hls/live/%d.ts" % listed(http_get(d.port, PATH)[2])[0]
    whole = None
    for c in conns:
        for origin in (page, None, other, page):
            st, h, body = c.get(seg, {"Origin": origin} if origin else {})
            check(st == 200 and h.get("content-type") == "video/mp2t", (st, h))
            check(h.get("vary") == "Origin", h)
            check(h.get("access-control-allow-origin") ==
                  (page if origin == page else None), (origin, h))
            check(whole is None or body == whole, "segment bytes differ")
            whole = body
        st, h, part = c.get(seg, {"Range": "bytes=188-375", "Origin": page})
        check(st == 206 and part == whole[188:376], (st, h))
        check(h.get("access-control-allow-origin") == page, h)
    for c in conns:
        c.close()


def test_cached_playlist_cors_any_and_off():
    o, d = started(extra='cors_origins = [ "*" ];')
    for origin in ("https://x.example", None, "https://x.example"):
        st, h, _ = cors_get(d.port, origin)
        check(st == 200 and h.get("access-control-allow-origin") == "*", h)
        check("vary" not in h, h)
    d.stop()
    o, d = started(extra="cors_origins = [ ];")
    for origin in ("https://x.example", None):
        st, h, _ = cors_get(d.port, origin)
        check(st == 200 and "access-control-allow-origin" not in h and
              "vary" not in h, h)


def test_prefixed_and_relative_variants_stay_apart():
    e = Engine()
    d = Daemon(extra='acestream = { engines = [ "%s" ]; };' % e.base).start()
    ace = "/ace/manifest.m3u8?id=" + ID
    st, _, body = http_get(d.port, ace, timeout=40)
    check(st == 200, (st, body))
    rel = "/hls/%s/index.m3u8" % ID
    prefix = ("/hls/%s/" % ID).encode()
    for _ in range(6):     # interleaved, both workers, both cached
        st, _, a = http_get(d.port, ace)
        check(st == 200, (st, a))
        uris = [l for l in a.splitlines() if l.endswith(b".ts")]
        check(uris and all(u.startswith(prefix) for u in uris), a)
        st, _, r = http_get(d.port, rel)
        check(st == 200, (st, r))
        uris = [l for l in r.splitlines() if l.endswith(b".ts")]
        check(uris and all(re.fullmatch(rb"\d+\.ts", u) for u in uris), r)
    # a prefixed playlist follows new segments too
    newest = max(listed(http_get(d.port, ace)[2]))
    wait_for(lambda: max(listed(http_get(d.port, ace)[2])) > newest, 15,
             what="a new segment in the /ace/ playlist")
