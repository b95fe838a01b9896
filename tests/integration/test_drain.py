"""`ringcastctl drain ENGINE` and undrain (and the admin API): a drained
AceStream engine takes no new stream, its streams move to another engine
in the same ring (players keep their connections and get the stream's
data again; the gap is measured and printed), its session there is
stopped; undrain lets it take streams again; a drained managed engine
stops once its streams are gone."""

import socket
import threading
import time

import harness
from harness import SLOW, Daemon, check, http_get, wait_for
from test_ace import ID, ID2, ID3, engine_id
from test_control import Subscriber


class Reader(threading.Thread):
    """A TS player of PATH for SECONDS: when each chunk came."""

    def __init__(self, port, path, seconds):
        super().__init__(daemon=True)
        self.port, self.path, self.seconds = port, path, seconds
        self.times, self.bytes, self.closed_early = [], 0, False

    def run(self):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % self.path).encode())
        s.settimeout(0.5)
        end = time.time() + self.seconds
        while time.time() < end:
            try:
                d = s.recv(65536)
            except socket.timeout:
                continue
            if not d:
                self.closed_early = True
                break
            self.bytes += len(d)
            self.times.append(time.time())
        s.close()

    def gap_after(self, t0):
        """The longest time without data from T0 on."""
        ts = [t0] + [t for t in self.times if t >= t0]
        return max(b - a for a, b in zip(ts, ts[1:])) if len(ts) > 1 else 99


def stream_engine(d, cid):
    return d.http_status()["streams"][cid]["acestream"]["engine"]


def engine_status(d, url):
    return [e for e in d.http_status()["acestream"]["engines"] if e["url"] == url][0]


def test_drain_moves_the_stream_and_undrain_takes_streams_again():
    a, b = harness.Engine(), harness.Engine()
    d = Daemon(extra='admin_token = "adm1n-t0ken"; acestream = { engines = '
                     '[ "%s", "%s" ]; max_streams_per_engine = 2; };' % (a.base, b.base))
    d.start()
    sub = Subscriber(d)
    players = [Reader(d.port, "/ace/getstream?id=" + ID, 14 * SLOW) for _ in range(5)]
    for p in players:
        p.start()
    wait_for(lambda: engine_id(a, ID)["pulls"] == 1, 10 * SLOW, what="the stream on A")
    check(stream_engine(d, ID) == a.base, "not on A")
    time.sleep(1)
    t0 = time.time()
    rc, _, err = d.ctl("drain", a.base)
    check(rc == 0, err)
    wait_for(lambda: sub.find("stream_moved", stream=ID), 5 * SLOW, what="stream_moved")
    ev = sub.find("stream_moved", stream=ID)
    check(ev["from"] == a.base and ev["to"] == b.base and ev["reason"] == "drain", ev)
    wait_for(lambda: engine_id(b, ID)["pulls"] >= 1, 10 * SLOW, what="the stream on B")
    wait_for(lambda: engine_id(a, ID)["stops"] >= 1, 10 * SLOW,
             what="its session on A stopped")
    check(stream_engine(d, ID) == b.base, "not on B")
    ea = engine_status(d, a.base)
    check(ea["draining"] is True and ea["streams"] == 0, ea)
    # a new content id goes to B, not to the drained A
    r2 = Reader(d.port, "/ace/getstream?id=" + ID2, 2)
    r2.start()
    wait_for(lambda: engine_id(b, ID2)["starts"] == 1, 10 * SLOW, what="ID2 on B")
    check(engine_id(a, ID2)["starts"] == 0, "ID2 on the drained engine")
    for p in players:
        p.join()
    gaps = [p.gap_after(t0) for p in players]
    print("drain: the players' longest gaps after it: %s s" %
          ", ".join("%.2f" % g for g in gaps))
    for p in players:
        check(not p.closed_early and p.bytes > 100000, (p.closed_early, p.bytes))
    check(max(gaps) < 5, "a player waited %.1f s for data" % max(gaps))
    # undrain through the admin API: A takes streams again
    st, _, body = http_get(d.port, "/admin/engines/undrain?engine=0", method="POST",
                           headers={"Authorization": "Bearer adm1n-t0ken"})
    check(st == 200, (st, body))
    check(engine_status(d, a.base)["draining"] is False, "still drained")
    r3 = Reader(d.port, "/ace/getstream?id=" + ID3, 2)
    r3.start()
    wait_for(lambda: engine_id(a, ID3)["starts"] == 1, 10 * SLOW,
             what="ID3 on the undrained A")
    r2.join()
    r3.join()
    rc, _, err = d.ctl("drain", "http://127.0.0.1:1")
    check(rc != 0 and "no engine" in err, err)
    d.stop()
    a.stop()
    b.stop()


def test_drained_managed_engine_stops():
    from test_engines import managed_daemon, ready_engines
    d = managed_daemon("min_engines = 1;")
    wait_for(lambda: ready_engines(d), 20 * SLOW, what="the managed engine ready")
    e = ready_engines(d)[0]
    rc, _, err = d.ctl("drain", e["url"])
    check(rc == 0, err)
    # empty, it stops; min_engines starts a new one in its place
    wait_for(lambda: not harness_alive(e["pid"]), 10 * SLOW, what="the drained engine gone")
    wait_for(lambda: ready_engines(d) and ready_engines(d)[0]["pid"] != e["pid"],
             20 * SLOW, what="a new engine for min_engines")
    check(ready_engines(d)[0]["draining"] is False, "the new engine drained")
    d.stop()


def harness_alive(pid):
    from test_engines import alive
    return alive(pid)


def test_stream_leaves_an_engine_that_goes_down():
    a, b = harness.Engine(), harness.Engine()
    d = Daemon(extra='acestream = { engines = [ "%s", "%s" ]; };' % (a.base, b.base))
    d.start()
    sub = Subscriber(d)
    p = Reader(d.port, "/ace/getstream?id=" + ID, 30 * SLOW)
    p.start()
    wait_for(lambda: engine_id(a, ID)["pulls"] == 1, 10 * SLOW, what="the stream on A")
    # A fails its health checks but keeps streaming: the stream moves anyway
    a.fault(down=1)
    wait_for(lambda: sub.find("stream_moved", stream=ID), 25 * SLOW,
             what="stream_moved off the engine that is down")
    t0 = time.time()
    ev = sub.find("stream_moved", stream=ID)
    check(ev["from"] == a.base and ev["to"] == b.base and ev["reason"] == "engine_down", ev)
    wait_for(lambda: engine_id(b, ID)["pulls"] >= 1, 10 * SLOW, what="the stream on B")
    time.sleep(2)
    check(not p.closed_early and p.gap_after(t0) < 5, "the player lost the stream")
    d.stop()
    a.stop()
    b.stop()
