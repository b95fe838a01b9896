"""Tiers: edge ringcasts pulling from an origin ringcast, behind the real
HAProxy with the shipped etc/haproxy-ringcast.cfg (its settings, with
loopback addresses and no privileges), on 127.0.0.1."""

import os
import re
import selectors
import signal
import socket
import subprocess
import sys
import time

from harness import (ROOT, SLOW, Daemon, Origin, check, free_port, http_get,
                     read_stream, spawn, ts_aligned, ts_stream, wait_for)

SHIPPED = os.path.join(ROOT, "etc", "haproxy-ringcast.cfg")
# what only makes sense for a system-wide install
SYSTEM_ONLY = re.compile(r"^\s*(chroot|user|group|daemon|log /dev/log|stats socket)\b")


def haproxy_cfg(port, admin_port, servers):
    """The shipped configuration with loopback addresses: SERVERS is a
    list of (name, port).  Fails when the shipped file lost a line the
    tests rely on."""
    out, binds, srv_done = [], 0, False
    with open(SHIPPED) as f:
        for line in f:
            if SYSTEM_ONLY.match(line):
                continue
            s = line.strip()
            if s == "maxconn 40000":    # sized for a server's fd limit
                line = "\tmaxconn 4000\n"
            elif s == "bind :8080":
                line = "\tbind 127.0.0.1:%d\n" % port
                binds += 1
            elif s == "bind 127.0.0.1:8404":
                line = "\tbind 127.0.0.1:%d\n" % admin_port
                binds += 1
            elif s.startswith("server "):
                if srv_done:
                    continue
                srv_done = True
                line = "".join("\tserver %s 127.0.0.1:%d\n" % sv for sv in servers)
            out.append(line)
    check(binds == 2 and srv_done, "etc/haproxy-ringcast.cfg changed shape")
    return "".join(out)


class Haproxy:
    """The real haproxy in the foreground (-db), stopped by pid."""

    def __init__(self, servers):
        import tempfile
        self.dir = tempfile.mkdtemp(prefix="ringcast-haproxy.")
        self.port = free_port()
        self.admin_port = free_port()
        self.cfg = os.path.join(self.dir, "haproxy.cfg")
        # a runtime API socket of its own (the shipped one is system-wide)
        self.sock = os.path.join(self.dir, "haproxy.sock")
        with open(self.cfg, "w") as f:
            f.write(haproxy_cfg(self.port, self.admin_port, servers).replace(
                "global\n", "global\n\tstats socket %s mode 600\n" % self.sock, 1))
        r = subprocess.run(["haproxy", "-c", "-q", "-f", self.cfg],
                           capture_output=True, text=True, timeout=20)
        check(r.returncode == 0, "haproxy -c: %s %s" % (r.stdout, r.stderr))
        self.log = open(os.path.join(self.dir, "haproxy.log"), "wb")
        self.proc = spawn(["haproxy", "-f", self.cfg, "-db"], stdout=self.log,
                          stderr=self.log)

        def up():
            try:
                return http_get(self.admin_port, "/;csv", timeout=1)[0] == 200
            except OSError:
                return False
        wait_for(up, 10, what="haproxy admin page")

    def servers_up(self):
        """name -> status of the backend's servers (from the CSV stats)."""
        body = http_get(self.admin_port, "/;csv", timeout=2)[2].decode()
        lines = body.splitlines()
        head = lines[0].lstrip("# ").split(",")
        out = {}
        for l in lines[1:]:
            row = dict(zip(head, l.split(",")))
            if row.get("pxname") == "edges" and row.get("svname") not in (
                    "FRONTEND", "BACKEND"):
                out[row["svname"]] = row["status"]
        return out

    def info(self):
        """`show info` of the runtime API: name -> value."""
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(2)
        s.connect(self.sock)
        s.sendall(b"show info\n")
        out = b""
        while True:
            d = s.recv(65536)
            if not d:
                break
            out += d
        s.close()
        return dict(l.split(": ", 1) for l in out.decode().splitlines() if ": " in l)

    def spliced_bytes(self):
        """Bytes HAProxy sent by splicing (2.6 spells it "Splicded")."""
        i = self.info()
        return int(i.get("TotalSplicdedBytesOut", i.get("TotalSplicedBytesOut", -1)))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=5)


# A backend that answers every request with its name (for the hashing test).
ECHO = r'''
import http.server, sys
name = sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        b = name.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
'''


def echo_backend(name):
    port = free_port()
    p = spawn([sys.executable, "-c", ECHO, str(port), name],
              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def up():
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return True
        except OSError:
            return False
    wait_for(up, 10, what="echo backend")
    return p, port


def paths_of(name):
    return ["/stream/%s" % name, "/stream/%s.ts" % name,
            "/hls/%s/index.m3u8" % name, "/hls/%s/1234.ts" % name,
            "/hls/%s/key/7" % name]


def test_haproxy_sends_every_path_of_a_stream_to_one_edge():
    backs = {}
    for n in ("edge1", "edge2", "edge3"):
        backs[n] = echo_backend(n)
    hp = Haproxy([(n, backs[n][1]) for n in sorted(backs)])
    wait_for(lambda: set(hp.servers_up().values()) == {"UP"}, 10,
             what="3 backends up")
    names = ["ch%02d" % i for i in range(30)] + ["news", "sports-hd"]

    def where(name):
        got = {http_get(hp.port, p)[2].decode() for p in paths_of(name)}
        check(len(got) == 1, "%s went to %s" % (name, got))
        return got.pop()
    before = {n: where(n) for n in names}
    used = set(before.values())
    check(len(used) == 3, "32 names on %s only" % used)
    # content ids: their routes, their HLS segments, any letter case (six
    # ids each way, so that a wrong key cannot pass by luck)
    for k in range(6):
        cid = ("%02x" % (17 * k + 5)) * 20
        for key, paths in ((cid, ["/ace/getstream?id=%s" % cid,
                                  "/ace/getstream?content_id=%s" % cid.upper(),
                                  "/ace/manifest.m3u8?id=%s" % cid,
                                  "/hls/%s/17.ts" % cid]),
                           ("infohash-" + cid, [
                               "/ace/getstream?infohash=%s" % cid.upper(),
                               "/ace/manifest.m3u8?infohash=%s" % cid,
                               "/hls/infohash-%s/17.ts" % cid])):
            got = {http_get(hp.port, p)[2] for p in paths}
            check(len(got) == 1, "content id %s on %s" % (key, got))
    # an edge dies: it is out in about 2 s, and only its names move
    gone = before["ch00"]
    t0 = time.time()
    backs[gone][0].kill()
    backs[gone][0].wait()
    wait_for(lambda: hp.servers_up().get(gone, "").startswith("DOWN"), 5,
             what="%s marked down" % gone)
    check(time.time() - t0 < 3.0, "dead backend out after %.1f s" % (time.time() - t0))
    for n in names:
        now = where(n)
        if before[n] == gone:
            check(now != gone, "%s still on %s" % (n, gone))
        else:
            check(now == before[n], "%s moved from %s to %s" % (n, before[n], now))
    hp.stop()


def origin_ringcast(origin, n, workers=1):
    """An origin ringcast: streams s00..s(N-1), each its own test-origin
    channel, pulled from start-up."""
    streams = ",".join(ts_stream("s%02d" % i, origin.url("/t%02d.ts" % i),
                                 "on_demand = false;") for i in range(n))
    d = Daemon(streams=streams, workers=workers)
    d.start()
    return d


def edge(parents, patterns='"s*"', edge_id=None, workers=1, defaults=""):
    extra = "parent = [ %s ];\nparent_streams = [ %s ];\n" % (
        ", ".join('"%s"' % p.url("") for p in parents), patterns)
    if edge_id:
        extra += 'edge_id = "%s";\n' % edge_id
    d = Daemon(extra=extra, workers=workers, defaults=defaults)
    d.start()
    return d


def ctl_status(d):
    """/status through the control socket: does not count as a request."""
    return d.status()


def test_edge_pulls_from_its_parent_and_caches_404():
    o = Origin()
    org = origin_ringcast(o, 2)
    wait_for(lambda: all(s["state"] == "running" for s in
                         ctl_status(org)["streams"].values()), 10,
             what="origin streams running")
    e = edge([org], edge_id="edge-test")
    # a name the parent serves: TS from the parent, one pull, identity sent
    st, hdrs, body = read_stream(e.port, "/stream/s01", 3)
    check(st == 200 and len(body) > 100000, "status %d, %d bytes" % (st, len(body)))
    body = body[:len(body) - len(body) % 188]
    check(ts_aligned(body), "edge TS aligned")
    es = ctl_status(e)["streams"]["s01"]
    check(es["parent"] == org.url(""), es)
    check(es["url"] == org.url("/stream/s01"), es)
    os_ = ctl_status(org)["streams"]["s01"]
    check(os_["clients_served"] == 1, "origin ringcast served %d" % os_["clients_served"])
    check(os_["clients"] == 1 and os_["edges"] == 1, "parent sees one edge: %s" % os_)
    # HLS of the same name on the edge: the same edge stream
    st, _, pl = http_get(e.port, "/hls/s01/index.m3u8", timeout=20)
    check(st == 200 and b"#EXTINF" in pl, "playlist %d %r" % (st, pl[:200]))
    check(ctl_status(org)["streams"]["s01"]["clients_served"] == 1,
          "one pull per edge and stream")
    # HLS first, for another name
    st, _, pl = http_get(e.port, "/hls/s00/index.m3u8", timeout=20)
    check(st == 200 and b"#EXTINF" in pl, "playlist of a new stream %d" % st)
    metrics = http_get(e.port, "/metrics")[2].decode()
    check('ringcast_stream_parent_info{stream="s00",parent="%s"} 1' % org.url("")
          in metrics, "parent in /metrics")
    # not allowed by parent_streams: 404, the parent is not asked
    req0 = sum(w["requests"] for w in ctl_status(org)["workers"])
    st, _, body = http_get(e.port, "/stream/x01")
    check(st == 404, "not in parent_streams: %d" % st)
    # allowed, but the parent has no such stream: 404, remembered 5 s
    st, _, body = http_get(e.port, "/stream/s99", timeout=10)
    check(st == 404, "missing at the parent: %d %r" % (st, body))
    req1 = sum(w["requests"] for w in ctl_status(org)["workers"])
    check(req1 == req0 + 1, "parent asked %d times" % (req1 - req0))
    for path in ("/stream/s99", "/stream/s99.ts", "/hls/s99/index.m3u8") * 5:
        st, hdrs, _ = http_get(e.port, path)
        check(st == 404, "cached 404: %d" % st)
    req2 = sum(w["requests"] for w in ctl_status(org)["workers"])
    check(req2 == req1, "parent asked again during the cache: %d" % (req2 - req1))
    time.sleep(5.2)
    st, _, _ = http_get(e.port, "/stream/s99", timeout=10)
    check(st == 404, "still missing")
    req3 = sum(w["requests"] for w in ctl_status(org)["workers"])
    check(req3 == req2 + 1, "asked again after the cache: %d" % (req3 - req2))
    # the parent knows its client is an edge
    log = org.log_text(whole=True)
    check("edge edge-test (127.0.0.1) pulls s01" in log, "parent logs the edge")


def test_haproxy_splices_what_edges_send():
    """The shipped HAProxy configuration has the kernel splice response
    bodies (HAProxy copies nothing, the tier's CPU per GB depends on it).
    HAProxy 2.6 splices a body whose end it knows without parsing it: an
    edge's stream must stay unchunked (ended by the close) and a segment
    keep its Content-Length.  The bytes through HAProxy are the edge's."""
    o = Origin()
    org = origin_ringcast(o, 1)
    e = edge([org])
    hp = Haproxy([("edge1", e.port)])
    try:
        wait_for(lambda: set(hp.servers_up().values()) == {"UP"}, 10,
                 what="the edge up in haproxy")
        st, hdrs, body = read_stream(hp.port, "/stream/s00", 3)
        check(st == 200 and len(body) > 100000, "status %d, %d bytes" % (st, len(body)))
        check("transfer-encoding" not in hdrs and "content-length" not in hdrs,
              "stream ended by the close: %s" % hdrs)
        body = body[:len(body) - len(body) % 188]
        check(ts_aligned(body), "TS through haproxy aligned")
        # (the first bytes may come with the head, into HAProxy's buffer)
        spliced = hp.spliced_bytes()
        check(spliced > len(body) // 2, "haproxy spliced %d bytes of a stream of %d"
              % (spliced, len(body)))
        # an HLS segment through HAProxy: the edge's bytes, whole, spliced
        st, _, pl = http_get(hp.port, "/hls/s00/index.m3u8", timeout=20)
        check(st == 200 and b"#EXTINF" in pl, "playlist %d %r" % (st, pl[:200]))
        seg = [l for l in pl.decode().splitlines() if l.endswith(".ts")][-1]
        spliced = hp.spliced_bytes()
        st, hdrs, via = http_get(hp.port, "/hls/s00/" + seg)
        st2, _, direct = http_get(e.port, "/hls/s00/" + seg)
        check(st == 200 and st2 == 200 and len(via) > 100000, "segment %d %d" % (st, st2))
        check(hdrs.get("content-length") == str(len(via)) and via == direct,
              "segment through haproxy: %d bytes, edge %d" % (len(via), len(direct)))
        check(hp.spliced_bytes() - spliced > len(via) // 2,
              "haproxy spliced %d bytes of a segment of %d" %
              (hp.spliced_bytes() - spliced, len(via)))
    finally:
        hp.stop()


class Players:
    """Many players in one thread (selectors), each reading its stream at
    the rate the server sends it, reconnecting at once when it ends.  Per
    player: every session's start, the first body byte of each session,
    and the longest silence between two body bytes."""

    RECONNECT_S = 0.1

    def __init__(self, port, paths):
        self.port = port
        self.sel = selectors.DefaultSelector()
        self.p = [{"path": path, "sock": None, "head": b"", "status": None,
                   "sessions": [], "last": None, "gaps": [], "retry_at": 0.0,
                   "bytes": 0} for path in paths]

    def _open(self, i, now):
        p = self.p[i]
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", self.port))
        p.update(sock=s, head=b"", status=None, sent=False)
        # a session: [start, first body byte, first 188 bytes]
        p["sessions"].append([now, None, b""])
        self.sel.register(s, selectors.EVENT_WRITE, i)

    def _close(self, i, now, retry=RECONNECT_S):
        p = self.p[i]
        if p["sock"] is not None:
            self.sel.unregister(p["sock"])
            p["sock"].close()
            p["sock"] = None
        p["retry_at"] = now + retry

    def _body(self, p, data, now):
        sess = p["sessions"][-1]
        if sess[1] is None:
            sess[1] = now
        if len(sess[2]) < 188:
            sess[2] += data[:188 - len(sess[2])]
        if p["last"] is not None:
            p["gaps"].append((now - p["last"], p["last"]))
        p["last"] = now
        p["bytes"] += len(data)

    def _event(self, i, mask, now):
        p = self.p[i]
        s = p["sock"]
        if mask & selectors.EVENT_WRITE:
            try:
                s.send(("GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n"
                        "User-Agent: ringcast-test-player\r\n\r\n" %
                        p["path"]).encode())
            except OSError:
                self._close(i, now)
                return
            self.sel.modify(s, selectors.EVENT_READ, i)
            return
        try:
            data = s.recv(262144)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self._close(i, now)
            return
        if p["status"] is None:
            p["head"] += data
            if b"\r\n\r\n" not in p["head"]:
                return
            head, _, data = p["head"].partition(b"\r\n\r\n")
            try:
                p["status"] = int(head.split(b" ", 2)[1])
            except (IndexError, ValueError):
                p["status"] = 0
            if p["status"] != 200:
                self._close(i, now, 0.2)
                return
        if data:
            self._body(p, data, now)

    def run(self, seconds):
        end = time.time() + seconds
        while True:
            now = time.time()
            if now >= end:
                return
            for i, p in enumerate(self.p):
                if p["sock"] is None and now >= p["retry_at"]:
                    self._open(i, now)
            for key, mask in self.sel.select(timeout=0.05):
                self._event(key.data, mask, time.time())

    def close(self):
        for i in range(len(self.p)):
            self._close(i, time.time())

    def playing(self, i, since):
        """Time of the first body byte after SINCE, or None."""
        for s in self.p[i]["sessions"]:
            if s[1] is not None and s[1] >= since:
                return s[1]
        return None

    def max_gap(self, i, since):
        """The longest silence that began after SINCE."""
        gaps = [g for g, at in self.p[i]["gaps"] if at >= since]
        return max(gaps) if gaps else 0.0


def proc_gone(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def placement(edges, names):
    """stream -> [edge index] of the edges serving it (clients > 0)."""
    out = {n: [] for n in names}
    for k, e in enumerate(edges):
        for n, s in ctl_status(e)["streams"].items():
            if n in out and s["clients"] > 0:
                out[n].append(k)
    return out


def test_tiers_one_pull_per_tier_and_edge_failover():
    n_streams, per_stream = 12, 20
    names = ["s%02d" % i for i in range(n_streams)]
    o = Origin()
    org = origin_ringcast(o, n_streams)
    wait_for(lambda: all(s["state"] == "running" for s in
                         ctl_status(org)["streams"].values()), 15,
             what="origin streams running")
    edges = [edge([org], edge_id="edge%d" % k) for k in range(3)]
    hp = Haproxy([("edge%d" % k, e.port) for k, e in enumerate(edges)])
    wait_for(lambda: set(hp.servers_up().values()) == {"UP"}, 10,
             what="3 edges up in haproxy")
    players = Players(hp.port, ["/stream/%s" % n for n in names
                                for _ in range(per_stream)])
    try:
        players.run(4.0 * SLOW)
        for i in range(len(players.p)):
            check(players.playing(i, 0) is not None,
                  "player %d (%s) never played" % (i, players.p[i]["path"]))
        where = placement(edges, names)
        for n in names:
            check(len(where[n]) == 1, "%s on edges %s" % (n, where[n]))
            k = where[n][0]
            check(ctl_status(edges[k])["streams"][n]["clients"] == per_stream,
                  "%s: not all its players on edge%d" % (n, k))
        check(len({w[0] for w in where.values()}) >= 2, "all streams on one edge")
        ost = ctl_status(org)["streams"]
        for n in names:
            check(ost[n]["clients_served"] == 1 and ost[n]["edges"] == 1,
                  "origin ringcast pulls of %s: %s" % (n, ost[n]))
        check(o.stats()["connections"] == n_streams, o.stats())
        # the checks above left the sockets unread for a while: gaps are
        # measured from here on, while this loop reads all the time
        players.run(0.5)
        t_steady = time.time()
        players.run(1.0)

        # SIGKILL the supervisor of the edge with the most streams
        dead = max(range(3), key=lambda k: sum(w == [k] for w in where.values()))
        moved = [n for n in names if where[n] == [dead]]
        kids = edges[dead].children()
        check(kids, "edge has children")
        t_kill = time.time()
        edges[dead].proc.send_signal(signal.SIGKILL)
        edges[dead].proc.wait(timeout=5)
        players.run(6.0)
        for pid, title in kids.items():
            check(proc_gone(pid), "%s (pid %d) still running after its "
                  "supervisor died" % (title, pid))
        for i, p in enumerate(players.p):
            name = p["path"].rsplit("/", 1)[1]
            if name in moved:
                t = players.playing(i, t_kill)
                check(t is not None and t - t_kill <= 5.0,
                      "player %d of %s: playing again after %s s" %
                      (i, name, None if t is None else round(t - t_kill, 2)))
                first = [s for s in p["sessions"] if s[1] and s[1] >= t_kill][0][2]
                check(first[:1] == b"\x47" and ((first[1] & 0x1f) << 8 | first[2]) == 0,
                      "player %d restarts at a PAT" % i)
            else:
                g = players.max_gap(i, t_steady)
                check(g <= 1.0, "player %d of %s (edge%d) saw a %.2f s gap" %
                      (i, name, where[name][0], g))
                check(len(p["sessions"]) == 1, "player %d of %s reconnected" % (i, name))
        if os.environ.get("TIERS_DEBUG"):
            back = [players.playing(i, t_kill) - t_kill for i, p in enumerate(players.p)
                    if p["path"].rsplit("/", 1)[1] in moved]
            gaps = [players.max_gap(i, t_steady) for i, p in enumerate(players.p)
                    if p["path"].rsplit("/", 1)[1] not in moved]
            print("moved %s; back after %.2f..%.2f s; other gaps max %.2f s" %
                  (moved, min(back), max(back), max(gaps)))
        alive = [k for k in range(3) if k != dead]
        after = placement([edges[k] for k in alive], names)
        for n in names:
            check(len(after[n]) == 1, "%s on %d edges after failover" % (n, len(after[n])))
        ost = ctl_status(org)["streams"]
        for n in names:
            want = 2 if n in moved else 1
            check(ost[n]["clients_served"] == want and ost[n]["edges"] == 1,
                  "origin ringcast pulls of %s after failover: %s" % (n, ost[n]))
        check(o.stats()["connections"] == n_streams, "test origin: %s" % o.stats())
    finally:
        players.close()
        hp.stop()
        # the killed edge could not remove its shared memory
        dead_pids = [e.proc.pid for e in edges if e.proc.poll() is not None]
        for f in os.listdir("/dev/shm"):
            if any(f.startswith("ringcast.%d." % pid) for pid in dead_pids):
                try:
                    os.unlink(os.path.join("/dev/shm", f))
                except OSError:
                    pass


def discontinuity_flags(body):
    """Offsets of the packets whose adaptation field flags a
    discontinuity, and the count of null packets."""
    flags, nulls = [], 0
    for i in range(0, len(body) - 187, 188):
        p = body[i:i + 188]
        if p[0] != 0x47:
            continue
        pid = ((p[1] & 0x1F) << 8) | p[2]
        if pid == 0x1FFF:
            nulls += 1
        elif p[3] & 0x20 and p[4] > 0 and p[5] & 0x80:
            flags.append(i)
    return flags, nulls


def test_edge_fails_over_to_the_next_parent_within_data_timeout():
    from test_control import Subscriber
    o = Origin()
    p1 = origin_ringcast(o, 1)
    p2 = origin_ringcast(o, 1)
    for p in (p1, p2):
        wait_for(lambda: ctl_status(p)["streams"]["s00"]["state"] == "running",
                 10, what="parent running")
    e = edge([p1, p2], defaults="data_timeout = 2.0; retry_min = 0.5;")
    sub = Subscriber(e)
    stopped = []
    try:
        s = socket.create_connection(("127.0.0.1", e.port), timeout=5)
        s.sendall(b"GET /stream/s00 HTTP/1.0\r\nHost: x\r\n\r\n")
        s.settimeout(0.2)
        data, t_stop, last, gap = b"", None, time.time(), 0.0
        t_end = time.time() + 30 * SLOW
        while time.time() < t_end:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                chunk = None
            now = time.time()
            if chunk == b"":
                break
            if chunk:
                data += chunk
                gap = max(gap, now - last) if t_stop else gap
                last = now
            if t_stop is None and len(data) > 300000:
                # the first parent hangs: its processes stop, its
                # connections stay open and silent
                stopped = [p1.proc.pid] + list(p1.children())
                for pid in stopped:
                    os.kill(pid, signal.SIGSTOP)
                t_stop, mark = now, len(data)
            if t_stop and now - t_stop > 5.0 * SLOW:
                break
        s.close()
        check(t_stop is not None, "got %d bytes before the test" % len(data))
        check(time.time() - t_stop >= 4.0, "the player's connection ended")
        head, _, body = data.partition(b"\r\n\r\n")
        after = body[mark - len(head) - 4:]
        after = after[after.find(b"\x47"):]
        while after and not ts_aligned(after[:188 * 3]):
            after = after[1:]
        flags, nulls = discontinuity_flags(after)
        check(nulls > 0, "no null packets while the parent was silent")
        check(flags, "no discontinuity after the failover")
        check(gap < 1.5, "the player waited %.1f s for a byte" % gap)
        es = ctl_status(e)["streams"]["s00"]
        check(es["parent"] == p2.url(""), "parent in use: %s" % es)
        check(es["failovers"] >= 1, es)
        ev = sub.find("upstream_unhealthy", stream="s00")
        check(ev is not None and ev["url"] == p1.url("/stream/s00"), sub.events)
        started = sub.find("stream_started", stream="s00")
        check(started and started.get("parent") == p1.url(""), started)
    finally:
        for pid in stopped:
            try:
                os.kill(pid, signal.SIGCONT)
            except OSError:
                pass


def test_edge_reload_ends_streams_it_may_no_longer_proxy():
    from test_control import Subscriber
    o = Origin()
    org = origin_ringcast(o, 2)
    wait_for(lambda: all(s["state"] == "running" for s in
                         ctl_status(org)["streams"].values()), 10,
             what="origin streams running")
    e = edge([org], patterns='"s00", "s01"')
    sub = Subscriber(e)
    for n in ("s00", "s01"):
        st, _, body = read_stream(e.port, "/stream/%s" % n, 1.5)
        check(st == 200 and body, "%s: %d" % (n, st))
    check(set(ctl_status(e)["streams"]) == {"s00", "s01"}, ctl_status(e))
    # s01 is no longer allowed: it ends; s00 stays as it was
    pid0 = ctl_status(e)["streams"]["s00"]["pid"]
    with open(e.conf) as f:
        text = f.read()
    e.write_conf(text.replace('"s00", "s01"', '"s00"'))
    rc, out, err = e.ctl("reload")
    check(rc == 0, "reload: %s %s" % (out, err))
    wait_for(lambda: "s01" not in ctl_status(e)["streams"], 5, what="s01 gone")
    check(sub.find("stream_ended", stream="s01")["reason"] == "reload", sub.events)
    check(ctl_status(e)["streams"]["s00"]["pid"] == pid0, "s00 was restarted")
    check(http_get(e.port, "/stream/s01")[0] == 404, "s01 still served")
    # a new parent list: the running edge stream ends, the next one is new
    o2 = origin_ringcast(o, 1)
    wait_for(lambda: ctl_status(o2)["streams"]["s00"]["state"] == "running", 10,
             what="second origin")
    e.write_conf(text.replace('"s00", "s01"', '"s00"').replace(
        org.url(""), o2.url("")))
    rc, out, err = e.ctl("reload")
    check(rc == 0, "reload: %s %s" % (out, err))
    wait_for(lambda: "s00" not in ctl_status(e)["streams"], 5, what="s00 ended")
    st, _, body = read_stream(e.port, "/stream/s00", 1.5)
    check(st == 200 and body, "s00 from the new parent: %d" % st)
    check(ctl_status(e)["streams"]["s00"]["parent"] == o2.url(""), ctl_status(e))


def test_edge_streams_fit_in_max_memory():
    o = Origin()
    org = origin_ringcast(o, 3)
    wait_for(lambda: all(s["state"] == "running" for s in
                         ctl_status(org)["streams"].values()), 10,
             what="origin streams running")
    ring = 1048576
    e = Daemon(extra='parent = [ "%s" ];\nparent_streams = [ "s*" ];\n'
               'max_memory = %d;\n' % (org.url(""), 2 * ring), workers=1,
               defaults="ring_size = %d;" % ring)
    e.start()
    for n in ("s00", "s01"):
        st, _, body = read_stream(e.port, "/stream/%s" % n, 1.0)
        check(st == 200 and body, "%s: %d" % (n, st))
    st, hdrs, body = http_get(e.port, "/stream/s02")
    check(st == 503 and b"max_memory" in body and hdrs.get("retry-after") == "5",
          "a third ring over max_memory: %d %s %r" % (st, hdrs, body))
    check(set(ctl_status(e)["streams"]) == {"s00", "s01"}, ctl_status(e))
    # one ends: there is room again
    rc, _, err = e.ctl("stop", "s00")
    check(rc == 0, err)
    wait_for(lambda: "s00" not in ctl_status(e)["streams"], 5, what="s00 gone")
    st, _, body = read_stream(e.port, "/stream/s02", 1.0)
    check(st == 200 and body, "s02 after s00 ended: %d" % st)


def test_edge_proxies_content_ids_to_a_parent_with_engines():
    from harness import Engine
    cid = "0123456789abcdef0123456789abcdef01234567"
    eng = Engine()
    org = Daemon(extra='acestream = { engines = [ "%s" ]; };' % eng.base,
                 workers=1)
    org.start()
    e = edge([org], patterns='"s*", "[0-9a-f]*", "infohash-*"',
             edge_id="edge-ace")
    # the content id through the edge: TS, then HLS of the same stream
    st, _, body = read_stream(e.port, "/ace/getstream?id=%s" % cid.upper(), 3)
    check(st == 200 and len(body) > 100 * 188, "status %d, %d bytes" % (st, len(body)))
    body = body[:len(body) - len(body) % 188]
    check(ts_aligned(body), "TS aligned")
    es = ctl_status(e)["streams"][cid]
    check(es["parent"] == org.url(""), es)
    check(es["url"] == org.url("/ace/getstream?id=%s" % cid), es)
    os_ = ctl_status(org)["streams"][cid]
    check(os_["edges"] == 1 and os_["clients"] == 1, "parent: %s" % os_)
    st, _, pl = http_get(e.port, "/ace/manifest.m3u8?content_id=%s" % cid, timeout=20)
    check(st == 200 and b"#EXTINF" in pl, "playlist %d %r" % (st, pl[:200]))
    seg = [l for l in pl.decode().splitlines() if l.endswith(".ts")][-1]
    check(seg.startswith("/hls/%s/" % cid), seg)
    st, _, data = http_get(e.port, seg, timeout=10)
    check(st == 200 and ts_aligned(data), "segment %s: %d" % (seg, st))
    s = eng.stats()
    check(s["starts"] == 1 and s["playback_pulls"] == 1, "engine: %s" % s)
    check(ctl_status(org)["streams"][cid]["clients_served"] == 1,
          "one pull by the edge")
    # an infohash is its own stream, asked of the parent as an infohash
    st, _, body = read_stream(e.port, "/ace/getstream?infohash=%s" % cid, 2)
    check(st == 200 and body, "infohash: %d" % st)
    check(ctl_status(e)["streams"]["infohash-" + cid]["url"] ==
          org.url("/ace/getstream?infohash=%s" % cid), ctl_status(e))
    # an id parent_streams does not allow, and a malformed one
    e2 = edge([org], patterns='"s*"')
    st, _, body = http_get(e2.port, "/ace/getstream?id=%s" % cid)
    check(st == 404, "not in parent_streams: %d %r" % (st, body))
    st, _, body = http_get(e.port, "/ace/getstream?id=123")
    check(st == 400, "malformed id: %d" % st)
