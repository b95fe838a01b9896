"""GET /events (Server-Sent Events) and the status page routes: event
order and format against the control socket's subscribers, Last-Event-ID
resumption (exactly the missed events; a notice when they are gone), the
heartbeat, a stuck subscriber cut off while others carry on, the bearer
token, retiring workers, and GET / and /ui (ui = false, CSP, ETag)."""

import json
import os
import signal
import subprocess
import socket
import threading
import time

from harness import (SLOW, Daemon, Origin, binary, check, http_get, spawn,
                     ts_stream, wait_for)
from test_control import Subscriber


class SSE:
    """A Server-Sent Events subscriber on a raw socket (HTTP/1.0, so the
    body is not chunked), parsed as the EventSource algorithm does."""

    def __init__(self, port, headers=None, path="/events", read=True, rcvbuf=None):
        self.s = socket.socket()
        if rcvbuf:
            self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.s.settimeout(5 * SLOW)
        self.s.connect(("127.0.0.1", port))
        req = "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n" % path
        for k, v in (headers or {}).items():
            req += "%s: %s\r\n" % (k, v)
        self.s.sendall((req + "\r\n").encode())
        self.events = []        # dicts: id, event, data (parsed), at
        self.comments = []      # (time, text)
        self.retry = None
        self.closed = False
        self.status = None
        self.headers = {}
        self.buf = b""
        self.lock = threading.Lock()
        if read:
            self.start()

    def start(self):
        self.t = threading.Thread(target=self.loop, daemon=True)
        self.t.start()

    def loop(self):
        self.s.settimeout(None)
        while True:
            try:
                chunk = self.s.recv(65536)
            except OSError:
                chunk = b""
            if not chunk:
                with self.lock:
                    self.closed = True
                return
            with self.lock:
                self.buf += chunk
                self.parse()

    def parse(self):
        if self.status is None:
            if b"\r\n\r\n" not in self.buf:
                return
            head, self.buf = self.buf.split(b"\r\n\r\n", 1)
            lines = head.decode("latin1").split("\r\n")
            self.status = int(lines[0].split()[1])
            for line in lines[1:]:
                k, _, v = line.partition(":")
                self.headers[k.strip().lower()] = v.strip()
        while b"\n\n" in self.buf:
            block, self.buf = self.buf.split(b"\n\n", 1)
            ev = {"data": []}
            for line in block.decode().split("\n"):
                name, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if name == "":
                    self.comments.append((time.time(), value))
                elif name == "data":
                    ev["data"].append(value)
                elif name in ("id", "event"):
                    ev[name] = value
                elif name == "retry":
                    self.retry = int(value)
            if ev["data"]:
                ev["raw"] = "\n".join(ev["data"])
                ev["data"] = json.loads(ev["raw"])
                ev["at"] = time.time()
                self.events.append(ev)

    def names(self):
        with self.lock:
            return [e["event"] for e in self.events]

    def ids(self):
        with self.lock:
            return [int(e["id"]) for e in self.events if "id" in e]

    def find(self, event, **fields):
        with self.lock:
            for e in self.events:
                if e["event"] == event and all(e["data"].get(k) == v
                                               for k, v in fields.items()):
                    return e
        return None

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass


def wait_status(sse):
    wait_for(lambda: sse.status is not None, 5, what="/events answer")
    return sse.status


def play(d, name, seconds):
    spawn([binary("tests/tsclient"), "-t", str(seconds), d.url("/stream/" + name)],
          stdout=subprocess.DEVNULL).wait(
        timeout=seconds + 20)


def test_events_stream_order_and_format_match_the_control_socket():
    o = Origin()
    d = Daemon(streams=ts_stream("news", o.url("/news.ts"),
                                 "on_demand = true; idle_timeout = 1.0;"))
    d.start()
    sse = SSE(d.port)
    sub = Subscriber(d)
    check(wait_status(sse) == 200, "status %s" % sse.status)
    check(sse.headers.get("content-type", "").startswith("text/event-stream"), sse.headers)
    check("no-cache" in sse.headers.get("cache-control", ""), sse.headers)
    wait_for(lambda: sse.retry is not None, 5, what="the retry field")
    time.sleep(0.3)
    play(d, "news", 2)
    wait_for(lambda: sse.find("stream_ended", stream="news"), 15, what="stream_ended on /events")
    wait_for(lambda: sub.find("stream_ended", stream="news"), 5, what="stream_ended on the socket")
    names = sse.names()
    for ev in ("stream_started", "upstream_connected", "client_connected",
               "client_disconnected", "stream_ended"):
        check(ev in names, "%s missing from %s" % (ev, names))
    # the same objects, in the same order, as the control socket's subscribers
    check([e["data"] for e in sse.events] == sub.events[:len(sse.events)],
          "/events %s\nsocket %s" % ([e["data"] for e in sse.events], sub.events))
    ids = sse.ids()
    check(ids == list(range(ids[0], ids[0] + len(ids))), "ids not consecutive: %s" % ids)
    for e in sse.events:
        check(e["event"] == e["data"]["event"], e)
        check("time" in e["data"], e)
    # a HEAD, a wrong method, and an unparsable Last-Event-ID
    st, hdrs, body = http_get(d.port, "/events", method="HEAD")
    check(st == 200 and hdrs["content-type"].startswith("text/event-stream"), (st, hdrs))
    check(http_get(d.port, "/events", method="POST")[0] == 405, "POST /events")
    # a player route for CORS: dashboards on other origins may follow it
    st, hdrs, _ = http_get(d.port, "/events", method="HEAD",
                           headers={"Origin": "http://dash.example"})
    check(hdrs.get("access-control-allow-origin") == "*", hdrs)
    st, _, body = http_get(d.port, "/events", headers={"Last-Event-ID": "12abc"})
    check(st == 400 and b"Last-Event-ID" in body, (st, body))
    sse.close()


def test_reconnect_with_last_event_id_gets_exactly_the_missed_events():
    o = Origin()
    d = Daemon(streams=ts_stream("news", o.url("/news.ts"),
                                 "on_demand = true; idle_timeout = 1.0;"))
    d.start()
    steady = SSE(d.port)        # sees everything
    first = SSE(d.port)
    wait_status(steady)
    wait_status(first)
    play(d, "news", 1)
    wait_for(lambda: first.find("client_disconnected"), 10, what="first events")
    first.close()
    seen = first.ids()
    check(seen, "no events before the disconnect")
    # events while the subscriber is away
    play(d, "news", 1)
    wait_for(lambda: len([e for e in steady.names() if e == "client_disconnected"]) == 2,
             10, what="second round")
    wait_for(lambda: steady.find("stream_ended"), 15, what="stream_ended")
    again = SSE(d.port, headers={"Last-Event-ID": str(seen[-1])})
    wait_for(lambda: again.find("stream_ended"), 5, what="the missed events")
    time.sleep(0.3)
    want = [e for e in steady.events if int(e["id"]) > seen[-1]]
    check(want, "nothing happened while away")
    check([(e["id"], e["raw"]) for e in again.events] ==
          [(e["id"], e["raw"]) for e in want],
          "resumed with %s, wanted %s" % (again.ids(), [int(e["id"]) for e in want]))
    check(not again.find("events_missed"), "nothing was missed")
    # "Last-Event-ID" of the newest event: nothing to replay
    latest = SSE(d.port, headers={"Last-Event-ID": steady.events[-1]["id"]})
    wait_status(latest)
    time.sleep(0.5)
    check(latest.events == [], latest.events)


def test_resume_older_than_the_backlog_gets_everything_kept_and_a_notice():
    o = Origin()
    d = Daemon(streams=ts_stream("news", o.url("/news.ts"), "on_demand = false;"),
               extra="events_backlog = 16;")
    d.start()
    steady = SSE(d.port)
    wait_status(steady)
    def gone():
        return len([n for n in steady.names() if n == "client_disconnected"])
    for i in range(12):         # two events each
        s = socket.create_connection(("127.0.0.1", d.port))
        s.sendall(b"GET /stream/news HTTP/1.0\r\n\r\n")
        s.recv(100)
        s.close()
        # the steady subscriber keeps up: a burst could overrun the
        # backlog of 16 before its worker sent them (seen once in CI)
        wait_for(lambda: gone() == i + 1, 5 * SLOW,
                 what="client event %d of 24" % (2 * i + 2))
    last = int(steady.events[-1]["id"])
    check(last > 16, "ids %s" % steady.ids())
    old = SSE(d.port, headers={"Last-Event-ID": "1"})
    wait_for(lambda: len(old.events) >= 17, 5, what="the kept events")
    time.sleep(0.3)
    first = old.events[0]
    check(first["event"] == "events_missed" and "id" not in first, first)
    check(first["data"]["after"] == 1 and first["data"]["next"] == last - 15, first)
    check(old.ids() == list(range(last - 15, last + 1)), old.ids())
    kept = {e["id"]: e["raw"] for e in steady.events}
    check(all(kept[e["id"]] == e["raw"] for e in old.events[1:]), "kept events differ")
    # an id from an earlier run (ahead of this one): everything kept too
    ahead = SSE(d.port, headers={"Last-Event-ID": str(last + 1000)})
    wait_for(lambda: len(ahead.events) >= 17, 5, what="everything kept")
    check(ahead.events[0]["event"] == "events_missed", ahead.events[0])


def test_heartbeat_comment_keeps_an_idle_subscriber():
    d = Daemon(extra="events_heartbeat = 1.0;")
    d.start()
    sse = SSE(d.port)
    wait_status(sse)
    wait_for(lambda: len([c for c in sse.comments if c[1] == "heartbeat"]) >= 3, 6,
             what="three heartbeats")
    beats = [t for t, c in sse.comments if c == "heartbeat"]
    gaps = [b - a for a, b in zip(beats, beats[1:])]
    check(all(0.7 < g < 2.5 * SLOW for g in gaps), "heartbeat gaps %s" % gaps)
    check(sse.events == [] and not sse.closed, "idle subscriber kept")


def test_stuck_subscriber_is_cut_off_while_others_get_everything():
    d = Daemon(extra="events_backlog = 16;")
    d.start()
    sub = Subscriber(d)
    good = SSE(d.port)
    stuck = SSE(d.port, read=False, rcvbuf=4096)
    wait_status(good)
    time.sleep(0.3)     # the control socket's subscription is registered
    # large events: a configuration with hundreds of errors, rejected on
    # every SIGHUP (config_rejected carries the error text)
    bad = d.conf_text() + "".join("bogus_key_%03d = %d;\n" % (i, i) for i in range(400))
    d.write_conf(bad)
    n = 120
    t0 = time.time()
    for i in range(n):
        d.signal(signal.SIGHUP)
        wait_for(lambda: len([x for x in good.names() if x == "config_rejected"]) > i, 10,
                 what="config_rejected %d" % (i + 1))
    took = time.time() - t0
    rejected = [e for e in good.events if e["event"] == "config_rejected"]
    check(len(rejected) == n and len(rejected[0]["raw"]) > 4000,
          "%d events of %d bytes" % (len(rejected), len(rejected[0]["raw"])))
    wait_for(lambda: len([e for e in sub.events if e["event"] == "config_rejected"]) == n,
             5, what="the control socket's subscriber to get them all (%d)" % len(
                 [e for e in sub.events if e["event"] == "config_rejected"]))
    check(took < 60 * SLOW, "events slowed down: %.1f s" % took)
    check(http_get(d.port, "/healthz")[0] == 200, "daemon fine")
    # now read what the stuck one was sent: a prefix, then the cut-off
    stuck.start()
    wait_for(lambda: stuck.closed, 10, what="the stuck subscriber cut off")
    got = [e for e in stuck.events if e["event"] == "config_rejected"]
    check(0 < len(got) < n, "stuck subscriber got %d of %d" % (len(got), n))
    check([e["raw"] for e in got] == [e["raw"] for e in rejected[:len(got)]],
          "the stuck subscriber's events are not a prefix")
    check(any("too slow" in c for _, c in stuck.comments), stuck.comments)
    check(not good.closed, "the good subscriber was cut off too")


def test_events_token_required_when_configured():
    d = Daemon(extra='events_token = "s3cret";')
    d.start()
    st, hdrs, body = http_get(d.port, "/events")
    check(st == 401 and hdrs.get("www-authenticate") == "Bearer", (st, hdrs))
    check(json.loads(body)["error"], body)
    st, _, _ = http_get(d.port, "/events", headers={"Authorization": "Bearer wrong"})
    check(st == 401, "wrong token: %d" % st)
    st, _, _ = http_get(d.port, "/events?access_token=s3cre")
    check(st == 401, "wrong query token: %d" % st)
    ok = SSE(d.port, headers={"Authorization": "Bearer s3cret"})
    check(wait_status(ok) == 200, "bearer header: %s" % ok.status)
    q = SSE(d.port, path="/events?access_token=s3cret")
    check(wait_status(q) == 200, "access_token argument: %s" % q.status)
    # a reload changes the token for running workers
    d.extra = 'events_token = "n3w";'
    d.write_conf()
    d.signal(signal.SIGHUP)
    wait_for(lambda: ok.find("config_reloaded"), 5, what="config_reloaded")
    check(http_get(d.port, "/events", headers={"Authorization": "Bearer s3cret"})[0] == 401,
          "old token still accepted")
    n = SSE(d.port, headers={"Authorization": "Bearer n3w"})
    check(wait_status(n) == 200, "new token: %s" % n.status)
    # and without a token the route is open
    d.extra = ""
    d.write_conf()
    d.signal(signal.SIGHUP)
    wait_for(lambda: len([x for x in n.names() if x == "config_reloaded"]) == 1, 5,
             what="second reload")
    open_ = SSE(d.port)
    check(wait_status(open_) == 200, "open again: %s" % open_.status)


def test_subscribers_of_a_retiring_worker_are_ended_to_reconnect():
    d = Daemon(workers=1)
    d.start()
    sse = SSE(d.port)
    wait_status(sse)
    old_port = d.port
    d.port = __import__("harness").free_port()
    d.write_conf()
    d.signal(signal.SIGHUP)
    wait_for(lambda: sse.closed, 10, what="the old worker's subscriber ended")
    d.wait_ready()
    again = SSE(d.port, headers={"Last-Event-ID": sse.events[-1]["id"]
                                 if sse.events else "0"})
    check(wait_status(again) == 200 and old_port != d.port, "reconnected")


def test_status_page_routes_headers_and_ui_switch():
    d = Daemon()
    d.start()
    st, hdrs, body = http_get(d.port, "/")
    check(st == 200 and hdrs["content-type"].startswith("text/html"), (st, hdrs))
    check(b"<title>ringcast</title>" in body and b'name="viewport"' in body, body[:300])
    csp = hdrs.get("content-security-policy", "")
    check("default-src 'none'" in csp and "script-src 'self'" in csp and
          "unsafe-inline" not in csp, csp)
    check(hdrs.get("x-content-type-options") == "nosniff", hdrs)
    etag = hdrs.get("etag")
    check(etag and etag.startswith('"'), hdrs)
    check(http_get(d.port, "/ui")[2] == body, "/ui is the same page")
    st, hdrs2, body2 = http_get(d.port, "/ui", headers={"If-None-Match": etag})
    check(st == 304 and body2 == b"" and hdrs2.get("etag") == etag, (st, hdrs2))
    st, hdrs3, js = http_get(d.port, "/ui/app.js")
    check(st == 200 and hdrs3["content-type"].startswith("text/javascript") and
          b"EventSource" in js and hdrs3["etag"] != etag, (st, hdrs3))
    st, hdrs4, css = http_get(d.port, "/ui/app.css")
    check(st == 200 and hdrs4["content-type"].startswith("text/css"), hdrs4)
    st, hdrs5, head = http_get(d.port, "/", method="HEAD")
    check(st == 200 and head == b"" and int(hdrs5["content-length"]) == len(body), hdrs5)
    check(http_get(d.port, "/ui/nothing.js")[0] == 404, "unknown asset")
    check(http_get(d.port, "/", method="POST")[0] == 405, "POST /")
    # ui = false: the page is gone, the rest is not
    d.extra = "ui = false;"
    d.write_conf()
    d.signal(signal.SIGHUP)
    wait_for(lambda: http_get(d.port, "/")[0] == 404, 5, what="the page turned off")
    for path in ("/ui", "/ui/", "/ui/app.js"):
        check(http_get(d.port, path)[0] == 404, path)
    check(http_get(d.port, "/status")[0] == 200, "/status still served")
    check(http_get(d.port, "/events", method="HEAD")[0] == 200, "/events still served")


def test_source_events_reach_events_and_the_control_socket():
    """source_refreshed and source_failed (channel lists) as every event:
    on GET /events and to control-socket subscribers, with their fields."""
    d = Daemon()
    path = os.path.join(d.dir, "list.m3u")
    with open(path, "w") as f:
        f.write("#EXTM3U\n#EXTINF:-1 group-title=\"G\",One\nhttp://127.0.0.1:1/one.ts\n")
    d.extra = 'state_dir = "%s/state"; sources = ( { name = "p"; m3u = "%s"; } );' % (
        d.dir, path)
    d.write_conf()
    d.start()
    sse = SSE(d.port)
    check(wait_status(sse) == 200, "GET /events")
    sub = Subscriber(d)
    check(d.ctl("refresh")[0] == 0, "refresh")
    wait_for(lambda: sse.find("source_refreshed", source="p"), 10 * SLOW,
             what="source_refreshed on /events")
    ev = sse.find("source_refreshed", source="p")["data"]
    check(ev["channels"] == 1 and ev["skipped"] == 0 and "time" in ev, ev)
    wait_for(lambda: sub.find("source_refreshed", source="p"), 5 * SLOW,
             what="source_refreshed on the control socket")
    with open(path, "w") as f:
        f.write("not a list\n")
    check(d.ctl("refresh", "p")[0] == 0, "refresh p")
    wait_for(lambda: sse.find("source_failed", source="p"), 10 * SLOW,
             what="source_failed on /events")
    ev = sse.find("source_failed", source="p")["data"]
    check(ev["reason"] == "line 1: not an M3U list (no #EXTM3U)", ev)
    wait_for(lambda: sub.find("source_failed", source="p"), 5 * SLOW,
             what="source_failed on the control socket")
    sse.close()
    d.stop()
