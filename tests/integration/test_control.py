"""Control plane: events over the control socket, slow subscribers, live
SIGHUP reload under load, /metrics (checked against the Prometheus text
format) and /metrics/performance."""

import json
import os
import re
import signal
import socket
import subprocess
import threading
import time

from harness import (Daemon, Origin, binary, check, http_get, spawn, ts_stream,
                     wait_for)


class Subscriber:
    """A ringcastctl-like subscriber on the control socket."""

    def __init__(self, d, read=True):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.connect(d.sock)
        self.s.sendall(b"events\n")
        self.events = []
        self.buf = b""
        if read:
            self.t = threading.Thread(target=self.loop, daemon=True)
            self.t.start()
        # the supervisor takes the subscription on its next loop turn and
        # does not acknowledge it: an event of a request made at once can
        # come before it (seen with test_ace's idle test)
        time.sleep(0.3)

    def loop(self):
        while True:
            try:
                chunk = self.s.recv(65536)
            except OSError:
                return
            if not chunk:
                return
            self.buf += chunk
            while b"\n" in self.buf:
                line, self.buf = self.buf.split(b"\n", 1)
                self.events.append(json.loads(line))

    def names(self, stream=None):
        return [e["event"] for e in self.events if stream is None or e.get("stream") == stream]

    def find(self, event, **fields):
        for e in self.events:
            if e["event"] == event and all(e.get(k) == v for k, v in fields.items()):
                return e
        return None


def test_event_sequence_of_a_stream_life():
    o = Origin()
    d = Daemon(streams=ts_stream("news", o.url("/news.ts"),
                                 "on_demand = true; idle_timeout = 1.5; retry_min = 0.3;"))
    d.start()
    sub = Subscriber(d)
    time.sleep(0.3)
    r = subprocess.run([binary("tests/tsclient"), "-t", "3", d.url("/stream/news")],
                       capture_output=True, timeout=20)
    wait_for(lambda: sub.find("stream_ended", stream="news"), 15, what="stream_ended")
    names = sub.names("news")
    for ev in ("stream_started", "upstream_connected", "client_connected",
               "client_disconnected", "stream_ended"):
        check(ev in names, "%s missing from %s" % (ev, names))
    check(names.index("stream_started") < names.index("upstream_connected") <
          names.index("client_disconnected") < names.index("stream_ended"), names)
    started = sub.find("stream_started", stream="news")
    check(started["type"] == "ts" and started["url"].endswith("/news.ts") and started["pid"] > 0,
          started)
    check(sub.find("stream_ended", stream="news")["reason"] == "idle", sub.events)
    gone = sub.find("client_disconnected", stream="news")
    check(gone["kind"] == "ts" and gone["bytes"] > 0 and gone["seconds"] > 2 and
          gone["client"] == "127.0.0.1", gone)
    for e in sub.events:
        check(re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", e["time"]), e)
    # an upstream error reports the URL, the error and the retry delay
    d2 = Daemon(streams=ts_stream("dead", "http://127.0.0.1:9/x.ts",
                                  "on_demand = false; retry_min = 0.5;"))
    d2.start()
    sub2 = Subscriber(d2)
    wait_for(lambda: sub2.find("upstream_error", stream="dead"), 10, what="upstream_error")
    e = sub2.find("upstream_error", stream="dead")
    check(e["url"] == "http://127.0.0.1:9/x.ts" and e["error"] and e["retry_in"] > 0, e)


def test_stuck_subscriber_is_cut_off_without_slowing_anyone():
    o = Origin()
    d = Daemon(streams=ts_stream("live", o.url("/live.ts"), "on_demand = false;"))
    d.start()
    stuck = Subscriber(d, read=False)
    stuck.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    good = Subscriber(d)
    # generate thousands of events: short-lived clients
    t0 = time.time()
    n = 0
    while not ("cutting it off" in d.log_text(True)) and time.time() - t0 < 40:
        for _ in range(50):
            s = socket.create_connection(("127.0.0.1", d.port))
            s.sendall(b"GET /stream/live HTTP/1.1\r\nHost: x\r\n\r\n")
            s.recv(100)
            s.close()
            n += 1
    check("cutting it off" in d.log_text(True),
          "stuck subscriber never cut off (%d clients)" % n)
    wait_for(lambda: len(good.events) >= n, 10, what="the good subscriber got everything")
    check(http_get(d.port, "/healthz")[0] == 200, "daemon fine")
    st, _, body = http_get(d.port, "/status")
    check(json.loads(body)["streams"]["live"]["state"] == "running", body)


def test_reload_under_load_keeps_unchanged_streams_untouched():
    o = Origin()
    keep = ts_stream("keep", o.url("/keep.ts"), "on_demand = false;")
    gone = ts_stream("gone", o.url("/gone.ts"), "on_demand = false;")
    d = Daemon(streams=keep + ", " + gone)
    d.start()
    wait_for(lambda: d.stream("keep")["state"] == "running", 10, what="keep running")
    sub = Subscriber(d)
    clients = [spawn([binary("tests/tsclient"), "-t", "14", d.url("/stream/keep")],
                     stdout=subprocess.PIPE, text=True) for _ in range(50)]
    gone_client = spawn([binary("tests/tsclient"), "-t", "14", d.url("/stream/gone")],
                        stdout=subprocess.PIPE, text=True)
    time.sleep(2)
    keep_pid = d.stream("keep")["pid"]
    for i in range(20):
        if i == 5:      # drop "gone", add "new"
            d.streams = keep + ", " + ts_stream("new", o.url("/new.ts"), "on_demand = false;")
            d.write_conf()
        d.ctl("reload") if i % 2 else d.signal(__import__("signal").SIGHUP)
        time.sleep(0.4)
    wait_for(lambda: sub.find("config_reloaded") is not None, 5, what="config_reloaded")
    ev = [e for e in sub.events if e["event"] == "config_reloaded"]
    check(len(ev) == 20, "%d config_reloaded events" % len(ev))
    check(ev[5]["added"] == ["new"] and ev[5]["removed"] == ["gone"], ev[5])
    check(all(e["changed"] == [] for e in ev), ev)
    check(d.stream("keep")["pid"] == keep_pid, "unchanged stream's fetcher was restarted")
    wait_for(lambda: d.stream("new")["state"] == "running", 10, what="added stream runs")
    check(sub.find("stream_ended", stream="gone")["reason"] == "reload", sub.events)
    results = [json.loads(c.communicate(timeout=30)[0].splitlines()[-1]) for c in clients]
    for r in results:
        check(r["seconds"] >= 13 and not r["eof"], "client dropped: %s" % r)
        check(r["longest_gap_ms"] < 1000, "gap of %d ms" % r["longest_gap_ms"])
        check(r["cc_errors"] == 0 and r["discontinuities"] == 0, r)
    g = json.loads(gone_client.communicate(timeout=30)[0].splitlines()[-1])
    check(g["eof"] and g["seconds"] < 12, "removed stream's client ended: %s" % g)
    paths = o.stats()["paths"]
    check(paths["/keep.ts"]["requests"] == 1, "the unchanged stream reconnected: %s" % paths)


def test_changed_stream_restarts_on_reload():
    o = Origin()
    d = Daemon(streams=ts_stream("s", o.url("/a.ts"), "on_demand = false;"))
    d.start()
    wait_for(lambda: d.stream("s")["state"] == "running", 10, what="running")
    sub = Subscriber(d)
    d.streams = ts_stream("s", o.url("/b.ts"), "on_demand = false;")
    d.write_conf()
    rc, _, err = d.ctl("reload")
    check(rc == 0, err)
    wait_for(lambda: d.stream("s")["url"].endswith("/b.ts") and
             d.stream("s")["state"] == "running", 10, what="restarted on the new url")
    ev = sub.find("config_reloaded")
    check(ev["changed"] == ["s"], ev)


PROM_LINE = re.compile(
    r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*"'
    r'(,[a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*")*)?\})? '
    r'(-?[0-9.]+([eE][-+]?[0-9]+)?|NaN|[+-]Inf)( -?[0-9]+)?$')


def check_prometheus(text):
    """The text exposition format: HELP/TYPE before samples, one TYPE per
    family, valid names/labels/values, no duplicate series."""
    typed, seen = {}, set()
    check(text.endswith("\n"), "ends with a newline")
    for line in text.splitlines():
        if line.startswith("# HELP "):
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            check(kind in ("counter", "gauge", "histogram", "summary", "untyped"), line)
            check(name not in typed, "TYPE twice for " + name)
            typed[name] = kind
            continue
        check(not line.startswith("#") and line.strip(), "stray line %r" % line)
        m = PROM_LINE.match(line)
        check(m, "malformed sample %r" % line)
        check(m.group(1) in typed, "sample before its TYPE: %r" % line)
        series = line.rsplit(" ", 1)[0]
        check(series not in seen, "duplicate series " + series)
        seen.add(series)
    return typed


def test_metrics_is_valid_prometheus_text():
    o = Origin()
    d = Daemon(streams=ts_stream("a", o.url("/a.ts"), 'on_demand = false; title = "A \\"1\\"";') +
               ", " + ts_stream("b", o.url("/b.ts")))
    d.start()
    wait_for(lambda: d.stream("a")["state"] == "running", 10, what="running")
    st, h, body = http_get(d.port, "/metrics")
    check(st == 200 and h["content-type"].startswith("text/plain; version=0.0.4"), h)
    typed = check_prometheus(body.decode())
    for name in ("ringcast_stream_clients", "ringcast_stream_bytes_in_total",
                 "ringcast_process_cpu_seconds_total", "ringcast_process_resident_bytes",
                 "ringcast_uptime_seconds", "ringcast_config_generation",
                 "ringcast_events_dropped_total", "ringcast_stream_segments_fetched_total"):
        check(name in typed, name + " missing")
    text = body.decode()
    check('ringcast_stream_up{stream="a"} 1' in text and 'ringcast_stream_up{stream="b"} 0' in text,
          text)
    check(re.search(r'ringcast_process_resident_bytes\{role="fetcher",name="a",pid="\d+"\} [1-9]',
                    text), text)


def test_metrics_performance_endpoint():
    o = Origin()
    d = Daemon(streams=ts_stream("a", o.url("/a.ts"), "on_demand = false;"))
    d.start()
    wait_for(lambda: d.stream("a")["state"] == "running", 10, what="running")
    versions = set()
    for _ in range(5):
        versions.add(http_get(d.port, "/hls/a/index.m3u8", timeout=20)[2])
    st, _, body = http_get(d.port, "/metrics/performance")
    ops = json.loads(body)["operations"]
    for op in ("hls_segment_fetch", "hls_playlist_fetch", "hls_manifest_generation",
               "ts_ingest", "event_dispatch", "process_stats_collection"):
        check(op in ops, op)
        for k in ("count", "avg_ms", "p50_ms", "p95_ms", "p99_ms", "min_ms", "max_ms",
                  "success_rate"):
            check(k in ops[op], (op, k))
    g = ops["hls_manifest_generation"]
    # one sample a playlist version built, not a request: a version is
    # built once (by each worker at most, when both miss it at once)
    check(1 <= g["count"] <= 2 * len(versions) and g["success_rate"] == 1,
          (g, len(versions)))
    check(g["min_ms"] <= g["p50_ms"] <= g["p95_ms"] <= g["p99_ms"] <= g["max_ms"], g)
    check(g["p99_ms"] < 5, "playlist generation is memory-only: %s" % g)
    check(ops["ts_ingest"]["count"] > 10, ops["ts_ingest"])
    st, _, body = http_get(d.port, "/metrics/performance?operation=ts_ingest&window=5")
    data = json.loads(body)
    check(st == 200 and list(data["operations"]) == ["ts_ingest"] and data["window"] == 5, data)
    check(http_get(d.port, "/metrics/performance?operation=nope")[0] == 400, "bad operation")
    check(http_get(d.port, "/metrics/performance?window=-1")[0] == 400, "bad window")


def test_events_webhook_posts_every_event():
    import http.server
    got, conns = [], set()

    class Hook(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            n = int(self.headers["Content-Length"])
            got.append(json.loads(self.rfile.read(n)))
            conns.add(self.client_address[1])
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *a):
            pass
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        o = Origin()
        d = Daemon(streams=ts_stream("w", o.url("/w.ts"), "on_demand = false;"),
                   extra='events_webhook = "http://127.0.0.1:%d/hook";' % srv.server_port)
        d.start()
        wait_for(lambda: any(e["event"] == "upstream_connected" for e in got), 10,
                 what="events posted")
        check(any(e["event"] == "stream_started" and e["stream"] == "w" for e in got), got)
        check(all("time" in e for e in got), got)
        check(len(conns) == 1, "one keep-alive connection: %s" % conns)
        check("ringcastd: webhook" in d.children().values(), d.children())
    finally:
        srv.shutdown()


def test_admin_api():
    o = Origin()
    s = ts_stream("a", o.url("/a.ts"), "on_demand = false;")
    off = Daemon(streams=s).start()
    check(http_get(off.port, "/admin/reload", method="POST")[0] == 404, "off without a token")
    d = Daemon(streams=s, extra='admin_token = "s3cret-token";').start()
    wait_for(lambda: d.stream("a")["state"] == "running", 10, what="running")
    st, h, body = http_get(d.port, "/admin/reload", method="POST")
    check(st == 401 and h.get("www-authenticate") == "Bearer", (st, h))
    st, _, _ = http_get(d.port, "/admin/reload", method="POST",
                        headers={"Authorization": "Bearer s3cret-tokeX"})
    check(st == 401, "wrong token")
    st, _, _ = http_get(d.port, "/admin/reload", method="POST",
                        headers={"Authorization": "Bearer s3cret-token-longer"})
    check(st == 401, "longer token")
    auth = {"Authorization": "Bearer s3cret-token"}
    check(http_get(d.port, "/admin/reload", headers=auth)[0] == 405, "GET is refused")
    gen = d.status()["config_generation"]
    st, _, body = http_get(d.port, "/admin/reload", method="POST", headers=auth)
    check(st == 200 and json.loads(body)["ok"], body)
    check(d.status()["config_generation"] == gen + 1, "reloaded")
    st, _, body = http_get(d.port, "/admin/streams/a/stop", method="POST", headers=auth)
    check(st == 200, body)
    wait_for(lambda: d.stream("a")["state"] == "stopped", 10, what="stopped")
    st, _, body = http_get(d.port, "/admin/streams/a/stop", method="POST", headers=auth)
    check(st == 409 and "not running" in json.loads(body)["error"], (st, body))
    st, _, body = http_get(d.port, "/admin/streams/a/start", method="POST", headers=auth)
    check(st == 200, body)
    wait_for(lambda: d.stream("a")["state"] == "running", 10, what="restarted")
    st, _, body = http_get(d.port, "/admin/streams/zz/start", method="POST", headers=auth)
    check(st == 404, (st, body))
    check(http_get(d.port, "/admin/nope", method="POST", headers=auth)[0] == 404, "unknown")
    d.write_conf("broken {")
    st, _, body = http_get(d.port, "/admin/reload", method="POST", headers=auth)
    check(st == 409 and "ringcast.conf:1" in json.loads(body)["error"], (st, body))


def test_admin_answer_slower_than_revive_interval():
    # Workers revive suspended connections after a second; an admin request
    # still waiting for the supervisor must go back to waiting, not 504.
    o = Origin()
    s = ts_stream("a", o.url("/a.ts"), "on_demand = false;")
    d = Daemon(streams=s, extra='admin_token = "s3cret-token";').start()
    auth = {"Authorization": "Bearer s3cret-token"}
    os.kill(d.proc.pid, signal.SIGSTOP)
    timer = threading.Timer(2.5, os.kill, (d.proc.pid, signal.SIGCONT))
    timer.start()
    try:
        t0 = time.monotonic()
        st, _, body = http_get(d.port, "/admin/reload", method="POST",
                               headers=auth, timeout=15)
    finally:
        timer.join()
    check(st == 200 and json.loads(body)["ok"], (st, body))
    check(time.monotonic() - t0 >= 2.0, "answered only after the supervisor woke")


def test_reload_of_listen_and_workers_keeps_clients():
    from harness import free_port
    o = Origin()
    d = Daemon(streams=ts_stream("a", o.url("/a.ts"), "on_demand = false;"))
    d.start()
    wait_for(lambda: d.stream("a")["state"] == "running", 10, what="running")
    old_port = d.port
    c = spawn([binary("tests/tsclient"), "-t", "8", d.url("/stream/a")],
              stdout=subprocess.PIPE, text=True)
    time.sleep(1.5)
    old_workers = set(d.children("worker"))
    d.port = free_port()
    d.workers = 3
    d.write_conf()
    rc, _, err = d.ctl("reload")
    check(rc == 0, err)
    wait_for(lambda: http_get(d.port, "/healthz", timeout=1)[0] == 200, 10,
             what="new address answers")
    wait_for(lambda: len([t for t in d.children("worker").values()
                          if "retiring" not in t]) == 3, 10, what="3 new workers")
    r = json.loads(c.communicate(timeout=20)[0].splitlines()[-1])
    check(r["seconds"] >= 7.5 and not r["eof"] and r["longest_gap_ms"] < 1000,
          "client on the old generation was dropped: %s" % r)
    wait_for(lambda: not (old_workers & set(d.children("worker"))), 10,
             what="old workers gone once their clients left")
    try:
        http_get(old_port, "/healthz", timeout=1)
        check(False, "old address still answers")
    except OSError:
        pass
