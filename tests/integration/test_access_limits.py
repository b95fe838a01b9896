"""Who may watch, second step: a user's max_connections across workers,
the audit (client events, /status players and `ringcastctl clients` name
the user; /metrics counts refusals by reason) and signed URLs.

What an operator relies on: with max_connections = 2 and two workers, two
TS players of a user play and the third gets 429 with Retry-After and a
JSON reason; with users_over_limit = "close_oldest" the first is closed
within a few seconds and the third plays (an HLS player that is the
oldest is forgotten); a player that left, or whose worker died, frees its
place; an HLS player polling playlist and segments counts once however
many requests it makes, a content id's /ace/getstream player one.  A URL signed with url_signing_key (`ringcastctl
sign`, or the documented HMAC computed here) plays without a token, TS
and HLS (a segment URI from the signed playlist as given); an expired
one, a forged one and one bound to another address get 403 with JSON,
without any request to the origin."""

import hashlib
import hmac
import json
import os
import re
import signal
import socket
import subprocess
import threading
import time
import urllib.parse

from harness import (SLOW, Engine, Origin, binary, check, http_get, ts_aligned,
                     wait_for)
from test_access import (ID, AccessDaemon, ADMIN, ALICE, bearer, plays,
                         read_ts, sha)

KEY = "signing-Key-0123456789abcdef"
ERIN = "erin-Tok-5"          # max_connections = 2
UA = "limits-test/1.0"


def start(o, extra="", engine=None):
    streams = ('{ name = "news"; url = "%s"; }, { name = "sport"; url = "%s"; }'
               % (o.url("/live.ts"), o.url("/live2.ts")))
    d = AccessDaemon(streams=streams, workers=2, extra="""
users_over_limit = "%s";
url_signing_key = "%s";
%s
""" % ("close_oldest" if "close" in extra else "refuse", KEY,
       'acestream = { engines = [ "%s" ]; };' % engine.base if engine else ""))
    # erin, limited to two players, in the configuration
    d.extra = d.extra.replace(
        "users = ( ",
        'users = ( { name = "erin"; token = "sha256:%s"; max_connections = 2; },\n'
        % sha(ERIN))
    d.write_conf()
    return d.start()


class Player(threading.Thread):
    """A TS player that reads until stopped; notes when its response
    ended (the daemon closed it)."""

    def __init__(self, port, path, src="127.0.0.1"):
        super().__init__(daemon=True)
        self.s = socket.socket()
        self.s.bind((src, 0))
        self.s.settimeout(0.5)
        self.s.connect(("127.0.0.1", port))
        self.s.sendall(("GET %s HTTP/1.0\r\nHost: x\r\nUser-Agent: %s\r\n\r\n"
                        % (path, UA)).encode())
        self.data = b""
        self.ended = None
        self.stop = False
        self.start()

    def run(self):
        while not self.stop:
            try:
                chunk = self.s.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                chunk = b""
            if not chunk:
                self.ended = time.time()
                break
            if len(self.data) < 1 << 20:
                self.data += chunk
        self.s.close()

    def status(self):
        line = self.data.split(b"\r\n", 1)[0].decode("latin1")
        return int(line.split()[1]) if line.startswith("HTTP/") else 0

    def wait_playing(self):
        wait_for(lambda: len(self.data) > 100 * 188 or self.ended, 10 * SLOW,
                 what="a player's data")
        body = self.data.partition(b"\r\n\r\n")[2]
        check(self.status() == 200 and self.ended is None and
              ts_aligned(body[:50 * 188]),
              "not playing: %r" % self.data[:300])

    def leave(self):
        self.stop = True
        self.join(5)


def over_limit(d, path):
    """PATH gets 429 (read for 10 s at most: a stream that plays instead
    would never end)."""
    st, h, body = read_ts(d.port, path, 10, max_bytes=64 * 1024)
    check(st == 429, "%s: %d, wanted 429: %r" % (path, st, body[:200]))
    check(h.get("retry-after", "").isdigit(), h)
    check("max_connections" in json.loads(body)["error"], body)


def refused_total(d, reason):
    st, _, body = http_get(d.port, "/metrics", headers=bearer(ADMIN))
    check(st == 200, body)
    m = re.search(r'ringcast_access_refused_total\{reason="%s"\} (\d+)'
                  % reason, body.decode())
    check(m, body[-600:])
    return int(m.group(1))


def events(d):
    """`ringcastctl events`, collected in the background: (proc, lines)."""
    p = subprocess.Popen([binary("ringcastctl"), "-s", d.sock, "events"],
                         stdout=subprocess.PIPE, text=True)
    lines = []

    def run():
        for line in p.stdout:
            lines.append(line)
    threading.Thread(target=run, daemon=True).start()
    time.sleep(0.3)
    return p, lines


def test_max_connections_across_workers():
    o = Origin()
    d = start(o)
    ev, lines = events(d)
    path = "/stream/news?token=" + ERIN
    # two players, by two connections (the workers take them in turn)
    p1 = Player(d.port, path)
    p1.wait_playing()
    p2 = Player(d.port, "/stream/sport?token=" + ERIN)
    p2.wait_playing()
    n = refused_total(d, "over_limit")
    over_limit(d, path)
    over_limit(d, "/stream/sport?token=" + ERIN)
    check(refused_total(d, "over_limit") == n + 2, "counted by reason")
    # another user is not limited by erin's players
    plays(d.port, "/stream/news?token=" + ALICE, seconds=2)
    # the user, in /status players and `ringcastctl clients`
    st, _, body = http_get(d.port, "/status", headers=bearer(ADMIN))
    users = [p.get("user") for p in json.loads(body)["players"]]
    check(users.count("erin") == 2, users)
    rc, out, _ = d.ctl("clients")
    check(rc == 0 and " USER " in out.splitlines()[0] and
          len([l for l in out.splitlines() if " erin " in l]) == 2, out)
    # leaving frees the place: a new player plays
    p1.leave()
    p3 = Player(d.port, path)
    deadline = time.time() + 10 * SLOW
    while p3.status() == 0 and time.time() < deadline:
        time.sleep(0.1)
    if p3.status() == 429:     # p1's record not freed yet: once again
        time.sleep(1)
        p3 = Player(d.port, path)
    p3.wait_playing()
    p2.leave()
    p3.leave()
    # the events carry the user
    wait_for(lambda: sum('"client_disconnected"' in l and '"user":"erin"' in l
                         for l in lines) >= 2, 10 * SLOW,
             what="client_disconnected of erin")
    ev.terminate()
    ev.wait(5)
    conn = [json.loads(l) for l in lines if '"client_connected"' in l]
    check(sum(e.get("user") == "erin" for e in conn) >= 3, conn)
    check(any(e.get("user") == "alice" for e in conn), conn)
    check(ERIN not in "".join(lines) and ERIN not in d.log_text(whole=True),
          "a token in the events or the log")


def test_close_oldest_lets_the_new_player_in():
    o = Origin()
    d = start(o, extra="close")
    path = "/stream/news?token=" + ERIN
    p1 = Player(d.port, path)
    p1.wait_playing()
    time.sleep(0.2)
    p2 = Player(d.port, "/stream/sport?token=" + ERIN)
    p2.wait_playing()
    p3 = Player(d.port, path)
    p3.wait_playing()
    t = time.time()
    wait_for(lambda: p1.ended is not None, 5 * SLOW, what="the oldest closed")
    check(p1.ended - t < 5 * SLOW, p1.ended - t)
    time.sleep(1.5)
    check(p2.ended is None and p3.ended is None, "only the oldest closed")
    check("more than max_connections" in d.log_text(whole=True), "logged")
    for p in (p2, p3):
        p.leave()


def hls_poller(d, seconds, out):
    """An HLS player: playlist and its newest segment, about once a
    second, for SECONDS; statuses into OUT."""
    end = time.time() + seconds
    hdr = {"User-Agent": UA}
    while time.time() < end:
        st, _, body = http_get(d.port, "/hls/news/index.m3u8?token=" + ERIN,
                               timeout=20 * SLOW, headers=hdr)
        out.append(st)
        uris = [l for l in body.decode(errors="replace").splitlines()
                if l and not l.startswith("#")]
        if st == 200 and uris:
            seg = urllib.parse.urljoin("/hls/news/index.m3u8", uris[-1])
            out.append(http_get(d.port, seg, headers=hdr)[0])
        time.sleep(1)


def test_hls_player_counts_once():
    o = Origin()
    d = start(o)
    statuses = []
    t = threading.Thread(target=hls_poller, args=(d, 20, statuses),
                         daemon=True)
    t.start()
    wait_for(lambda: statuses.count(200) >= 4, 30 * SLOW, what="HLS playing")
    p1 = Player(d.port, "/stream/sport?token=" + ERIN)
    p1.wait_playing()
    # the HLS player and the TS player fill erin's two places
    over_limit(d, "/stream/news?token=" + ERIN)
    rc, out, _ = d.ctl("clients", "--json")
    mine = [p for p in json.loads(out)["players"] if p.get("user") == "erin"]
    check(sorted(p["route"] for p in mine) == ["hls", "ts"], mine)
    t.join(40 * SLOW)
    check(statuses and all(s == 200 for s in statuses), statuses)
    check(len(statuses) >= 20, "the poller made many requests: %d" %
          len(statuses))
    p1.leave()


def sign(path, exp, ip=None):
    """The documented signature: HMAC-SHA256(key, scope|exp[|ip])."""
    scope = path.split("?")[0]
    if scope.startswith("/hls/"):
        scope = "/hls/%s/" % scope.split("/")[2]
    msg = "%s|%d" % (scope, exp) + ("|" + ip if ip else "")
    sig = hmac.new(KEY.encode(), msg.encode(), hashlib.sha256).hexdigest()
    return "%s?exp=%d&sig=%s%s" % (path, exp, sig, "&ip=1" if ip else "")


def forbidden(d, path, src="127.0.0.1"):
    s = socket.socket()
    s.bind((src, 0))
    s.settimeout(5 * SLOW)
    s.connect(("127.0.0.1", d.port))
    s.sendall(("GET %s HTTP/1.0\r\nHost: x\r\n\r\n" % path).encode())
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    check(head.startswith(b"HTTP/1.1 403"), "%s: %r" % (path, data[:300]))
    check("error" in json.loads(body), body)


def test_signed_urls():
    o = Origin()
    d = start(o)
    now = int(time.time())
    bad = refused_total(d, "bad_signature")
    expired = refused_total(d, "expired")
    # refused, without any request to the origin
    forbidden(d, sign("/stream/news", now - 10))
    good = sign("/stream/news", now + 600)
    forbidden(d, good[:-1] + ("0" if good[-1] != "0" else "1"))   # forged
    forbidden(d, good.replace("/news", "/sport"))         # another path
    forbidden(d, sign("/stream/news", now + 600, "127.0.0.2"))
    forbidden(d, sign("/stream/news", now + 600, "127.0.0.1"), src="127.0.0.2")
    forbidden(d, sign("/stream/news", now + 600, "127.0.0.1").replace(
        "&ip=1", ""))                                     # unbound by hand
    forbidden(d, sign("/status", now + 600))              # not a player
    time.sleep(0.5)
    check(o.stats()["connections"] == 0, o.stats())
    check(refused_total(d, "bad_signature") == bad + 5, "bad_signature")
    check(refused_total(d, "expired") == expired + 1, "expired")
    # valid: TS, bound to the address it comes from, from 127.0.0.2
    plays(d.port, good, seconds=2)
    plays(d.port, sign("/stream/news", now + 600, "127.0.0.1"), seconds=2)
    p = Player(d.port, sign("/stream/news", now + 600, "127.0.0.2"),
               src="127.0.0.2")
    p.wait_playing()
    p.leave()
    # `ringcastctl sign`: HLS, a segment URI from the playlist as given
    rc, out, err = d.ctl("sign", "/hls/news/index.m3u8", "--ttl", "120")
    check(rc == 0 and out.startswith("/hls/news/index.m3u8?exp="), (out, err))
    st, _, body = http_get(d.port, out.strip(), timeout=20 * SLOW)
    check(st == 200, (st, body))
    uris = [l for l in body.decode().splitlines() if l and not l.startswith("#")]
    check(uris and all("&sig=" in u for u in uris), body)
    seg = urllib.parse.urljoin("/hls/news/index.m3u8", uris[-1])
    st, _, seg_body = http_get(d.port, seg)
    check(st == 200 and ts_aligned(seg_body), (seg, st))
    rc, out, err = d.ctl("sign", "/stream/sport", "--bind-ip", "127.0.0.1")
    check(rc == 0 and out.endswith("&ip=1\n"), (out, err))
    plays(d.port, out.strip(), seconds=2)
    rc, out, err = d.ctl("sign", "/stream/sport", "--bind-ip", "nowhere")
    check(rc != 0 and "address" in err, (out, err))


def test_dead_worker_frees_its_places():
    o = Origin()
    d = start(o)
    ps = [Player(d.port, "/stream/news?token=" + ERIN) for _ in range(2)]
    for p in ps:
        p.wait_playing()
    over_limit(d, "/stream/news?token=" + ERIN)
    # every worker killed: their players drop, the supervisor frees their
    # records, and erin has both places again
    workers = list(d.children("worker"))
    for pid in workers:
        os.kill(pid, signal.SIGKILL)
    wait_for(lambda: all(p.ended for p in ps), 10 * SLOW, what="players dropped")
    wait_for(lambda: len(set(d.children("worker")) - set(workers)) == 2,
             10 * SLOW, what="workers respawned")
    d.wait_ready()
    ps = [Player(d.port, "/stream/news?token=" + ERIN) for _ in range(2)]
    for p in ps:
        p.wait_playing()
    over_limit(d, "/stream/news?token=" + ERIN)
    for p in ps:
        p.leave()


def test_content_id_player_counts_one():
    o, e = Origin(), Engine()
    d = start(o, engine=e)
    p1 = Player(d.port, "/ace/getstream?id=%s&token=%s" % (ID, ERIN))
    p1.wait_playing()
    p2 = Player(d.port, "/stream/news?token=" + ERIN)
    p2.wait_playing()
    over_limit(d, "/ace/getstream?id=%s&token=%s" % (ID, ERIN))
    over_limit(d, "/stream/sport?token=" + ERIN)
    rc, out, _ = d.ctl("clients", "--json")
    mine = [p for p in json.loads(out)["players"] if p.get("user") == "erin"]
    check(sorted(p["route"] for p in mine) == ["ace", "ts"], mine)
    p1.leave()
    wait_for(lambda: len([p for p in json.loads(d.ctl("clients", "--json")[1])
                          ["players"] if p.get("user") == "erin"]) == 1,
             10 * SLOW, what="the content id's player gone")
    p3 = Player(d.port, "/stream/sport?token=" + ERIN)
    p3.wait_playing()
    for p in (p2, p3):
        p.leave()
    # a signed content id: its id is in the signature
    rc, out, err = d.ctl("sign", "/ace/getstream?id=" + ID)
    check(rc == 0 and out.startswith("/ace/getstream?id=%s&exp=" % ID),
          (out, err))
    plays(d.port, out.strip(), seconds=3)
    other = "fedcba9876543210fedcba9876543210fedcba98"
    forbidden(d, out.strip().replace(ID, other))


def test_close_oldest_forgets_an_hls_player():
    o = Origin()
    d = start(o, extra="close")
    ev, lines = events(d)
    hdr = {"User-Agent": UA}
    st, _, body = http_get(d.port, "/hls/news/index.m3u8?token=" + ERIN,
                           timeout=20 * SLOW, headers=hdr)
    check(st == 200, (st, body))
    # the HLS player is the oldest: two TS players more forget it
    ps = []
    for name in ("news", "sport"):
        ps.append(Player(d.port, "/stream/%s?token=%s" % (name, ERIN)))
        ps[-1].wait_playing()
    wait_for(lambda: any('"client_disconnected"' in l and '"kind":"hls"' in l
                         and '"user":"erin"' in l for l in lines),
             5 * SLOW, what="the HLS player forgotten")
    rc, out, _ = d.ctl("clients", "--json")
    mine = [p for p in json.loads(out)["players"] if p.get("user") == "erin"]
    check(sorted(p["route"] for p in mine) == ["ts", "ts"], mine)
    check(all(p.ended is None for p in ps), "the TS players play on")
    ev.terminate()
    ev.wait(5)
    for p in ps:
        p.leave()


def test_a_burst_never_passes_the_limit():
    o = Origin()
    d = start(o)
    # six requests at once, for a stream that has not started: the check
    # before the route lets them all wait; listed one by one, at most two
    # play, the others get 429
    ps = [Player(d.port, "/stream/sport?token=" + ERIN) for _ in range(6)]
    wait_for(lambda: all(p.status() for p in ps) and
             all(p.status() == 429 or len(p.data) > 50 * 188 for p in ps),
             15 * SLOW, what="every request answered")
    time.sleep(1)
    playing = [p for p in ps if p.status() == 200 and p.ended is None]
    refused = [p for p in ps if p.status() == 429]
    check(1 <= len(playing) <= 2 and len(playing) + len(refused) == 6,
          [(p.status(), p.ended) for p in ps])
    rc, out, _ = d.ctl("clients", "--json")
    mine = [p for p in json.loads(out)["players"] if p.get("user") == "erin"]
    check(len(mine) == len(playing), mine)
    for p in ps:
        p.leave()
    # nothing leaked: two play again
    wait_for(lambda: not [p for p in json.loads(d.ctl("clients", "--json")[1])
                          ["players"] if p.get("user") == "erin"],
             10 * SLOW, what="erin's players gone")
    ps = [Player(d.port, "/stream/news?token=" + ERIN) for _ in range(2)]
    for p in ps:
        p.wait_playing()
        p.leave()
