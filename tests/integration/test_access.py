"""Who may watch (access = "users"): users and tokens, the four forms a
player sends a credential in, and the URLs ringcast writes carrying it.

What a player and an operator rely on: with each form (?token=, a path
prefix /u/TOKEN/, Basic user:token, Bearer) a TS stream plays, an HLS
playlist plays and a segment URL taken from it plays as given, an entry
of /playlist.m3u plays as given and /ace/getstream plays; no token and a
wrong one get 401 with WWW-Authenticate, a stream outside a user's allow
globs 403, each with JSON and without any request to the origin or the
engine; no token appears in the log or the events; /status shows a user
only the streams that user may watch and no upstream URL; /metrics and
/healthz need the admin token except on an address marked internal; and
users_file is read again when it changes, while players play."""

import base64
import hashlib
import json
import os
import re
import socket
import threading
import time
import urllib.parse

from harness import (SLOW, read_stream, Daemon, Engine, Origin, check, free_port, http_get,
                     ts_aligned, wait_for)

ADMIN = "adm-Secret-9"
ALICE = "alice-Tok-1"
BOB = "bob-Tok-2"            # only "news" (given hashed)
CAROL = "carol-Tok-3"        # users_file
DAVE = "dave-Tok-4"          # users_file, added later
ID = "0123456789abcdef0123456789abcdef01234567"
FORMS = ("query", "path", "basic", "bearer")


def sha(token):
    return hashlib.sha256(token.encode()).hexdigest()


class AccessDaemon(Daemon):
    """A daemon with access = "users"; INTERNAL: a second listen address
    marked internal (its port in self.internal_port)."""

    internal_port = None

    def __init__(self, extra="", internal=False, **kw):
        super().__init__(**kw)
        self.internal_port = free_port() if internal else None
        self.users_file = os.path.join(self.dir, "users")
        write_users(self, [("carol", CAROL)])
        self.extra = """
access = "users";
admin_token = "%s";
users_file = "%s";
users = ( { name = "alice"; token = "%s"; },
          { name = "bob"; token = "sha256:%s"; allow = [ "news" ]; } );
%s""" % (ADMIN, self.users_file, ALICE, sha(BOB), extra)
        self.write_conf()

    def conf_text(self, streams=None):
        text = super().conf_text(streams)
        if self.internal_port is not None:
            text = text.replace(
                'listen = [ "127.0.0.1:%d" ];' % self.port,
                'listen = [ "127.0.0.1:%d", "127.0.0.1:%d internal" ];'
                % (self.port, self.internal_port))
        return text

    def wait_ready(self):
        def ready():
            try:
                return http_get(self.port, "/healthz", timeout=1,
                                headers=bearer(ADMIN))[0] == 200
            except OSError:
                return False
        wait_for(ready, 10, what="ringcastd /healthz")


def write_users(d, users):
    """Replace users_file with USERS [(name, token)], atomically."""
    tmp = d.users_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("# name:sha256:max:globs\n")
        for name, token in users:
            f.write("%s:%s:0:\n" % (name, sha(token)))
    os.rename(tmp, d.users_file)


def bearer(token):
    return {"Authorization": "Bearer " + token}


def basic(user, token):
    raw = ("%s:%s" % (user, token)).encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


def with_cred(path, form, user, token):
    """PATH and the headers that carry USER's TOKEN in FORM."""
    if form == "query":
        return path + ("&" if "?" in path else "?") + "token=" + token, {}
    if form == "path":
        return "/u/%s%s" % (token, path), {}
    if form == "basic":
        return path, basic(user, token)
    return path, bearer(token)


def read_ts(port, path, seconds, headers=None, max_bytes=None):
    """A continuous response read for SECONDS (times SLOW), or until
    MAX_BYTES came: (status, headers, body)."""
    hdrs = {"Host": "127.0.0.1:%d" % port}
    hdrs.update(headers or {})
    return read_stream(port, path, seconds * SLOW, max_bytes=max_bytes,
                       version="1.0", headers=hdrs)


def plays(port, path, headers=None, seconds=2.0):
    """PATH plays: 60 TS packets within SECONDS (at least 8: an on-demand
    stream starts first, on a loaded machine too)."""
    st, h, body = read_ts(port, path, max(seconds, 8), headers,
                          max_bytes=60 * 188 + 1024)
    check(st == 200 and len(body) > 50 * 188 and ts_aligned(body),
          "%s did not play: %d %r %d bytes" % (path, st, body[:200], len(body)))


def local_path(d, url):
    """The path and query of URL, which must point at the daemon."""
    u = urllib.parse.urlsplit(url)
    check(u.port == d.port and u.hostname == "127.0.0.1", "not ours: %s" % url)
    return u.path + ("?" + u.query if u.query else "")


def start(o, e=None, extra="", **kw):
    engines = ('acestream = { engines = [ "%s" ]; };' % e.base) if e else ""
    engines += extra
    d = AccessDaemon(streams='{ name = "news"; url = "%s"; }, '
                     '{ name = "sport"; url = "%s"; }'
                     % (o.url("/live.ts"), o.url("/live2.ts")),
                     extra=engines, **kw)
    return d.start()


def check_form(d, form):
    # TS
    path, hdrs = with_cred("/stream/news", form, "alice", ALICE)
    plays(d.port, path, hdrs)
    # HLS: the playlist, then a segment URI from it, as given
    path, hdrs = with_cred("/hls/news/index.m3u8", form, "alice", ALICE)
    st, _, body = http_get(d.port, path, timeout=40, headers=hdrs)
    check(st == 200, "%s playlist: %d %s" % (form, st, body[:200]))
    uris = [l for l in body.decode().splitlines() if l and not l.startswith("#")]
    check(uris, body)
    if form == "query":
        check(all(u.endswith("?token=" + ALICE) for u in uris), body)
    else:
        check(all(ALICE not in u for u in uris), body)
    seg = urllib.parse.urljoin("http://127.0.0.1:%d%s" % (d.port, path), uris[-1])
    st, _, seg_body = http_get(d.port, local_path(d, seg), headers=hdrs)
    check(st == 200 and ts_aligned(seg_body), "%s segment %s: %d" % (form, seg, st))
    # /playlist.m3u: an entry plays as given
    path, hdrs = with_cred("/playlist.m3u", form, "alice", ALICE)
    st, _, body = http_get(d.port, path, headers=hdrs)
    check(st == 200, "%s playlist.m3u: %d %s" % (form, st, body))
    urls = [l for l in body.decode().splitlines() if "/stream/news" in l]
    check(len(urls) == 1, body)
    want = {"query": "/stream/news?token=" + ALICE,
            "path": "/u/%s/stream/news" % ALICE}.get(form, "/stream/news")
    check(urls[0] == "http://127.0.0.1:%d%s" % (d.port, want), urls)
    plays(d.port, local_path(d, urls[0]), hdrs)
    # a content id, from the test engine
    path, hdrs = with_cred("/ace/getstream?id=" + ID, form, "alice", ALICE)
    plays(d.port, path, hdrs, seconds=3.0)


def test_each_credential_form_plays():
    o, e = Origin(), Engine()
    d = start(o, e)
    for form in FORMS:
        check_form(d, form)
    # the admin token is a superuser, and a users_file user plays too
    plays(d.port, "/stream/sport", bearer(ADMIN))
    plays(d.port, "/u/%s/stream/sport" % CAROL)


def refused(d, path, status, headers=None):
    st, h, body = http_get(d.port, path, headers=headers or {})
    check(st == status, "%s: %d, wanted %d: %s" % (path, st, status, body))
    check("error" in json.loads(body), body)
    if status == 401:
        check(h.get("www-authenticate") == 'Basic realm="ringcast"', h)
    return h


def test_refusals_start_nothing():
    o, e = Origin(), Engine()
    d = start(o, e)
    for path in ("/stream/news", "/hls/news/index.m3u8", "/hls/news/1.ts",
                 "/ace/getstream?id=" + ID, "/ace/manifest.m3u8?id=" + ID,
                 "/playlist.m3u", "/status", "/events", "/channels",
                 "/epg.xml", "/", "/tuner/news"):
        refused(d, path, 401)
        for form in FORMS:
            p, h = with_cred(path, form, "alice", "not-a-token")
            refused(d, p, 401, h)
    # Basic with another user's name
    refused(d, "/stream/news", 401, basic("bob", ALICE))
    # bob may watch news only
    for path in ("/stream/sport", "/hls/sport/index.m3u8",
                 "/ace/getstream?id=" + ID, "/ace/manifest.m3u8?id=" + ID,
                 "/tuner/sport"):
        refused(d, path, 403, bearer(BOB))
    time.sleep(0.5)
    check(o.stats()["connections"] == 0, o.stats())
    check(e.stats()["starts"] == 0 and e.stats()["getstreams"] == 0, e.stats())
    # what bob may see, without upstream URLs; the admin sees them
    plays(d.port, "/stream/news", bearer(BOB), seconds=1.5)
    st, _, body = http_get(d.port, "/status", headers=bearer(BOB))
    s = json.loads(body)
    check(st == 200 and sorted(s["streams"]) == ["news"], body)
    check("url" not in s["streams"]["news"] and b"127.0.0.1:%d" % o.port not in body,
          body)
    st, _, body = http_get(d.port, "/status", headers=bearer(ADMIN))
    s = json.loads(body)
    check(sorted(s["streams"]) == ["news", "sport"], body)
    check(s["streams"]["news"]["url"] == o.url("/live.ts"), body)
    # /playlist.m3u lists bob only what bob may play; alice and the
    # admin everything
    for token, names in ((BOB, ["news"]), (ALICE, ["news", "sport"]),
                         (ADMIN, ["news", "sport"])):
        st, _, body = http_get(d.port, "/playlist.m3u?token=" + token)
        listed = re.findall(r"/stream/(\w+)\?token=", body.decode())
        check(st == 200 and listed == names, (token, body))
        check(body.decode().count("#EXTINF") == len(names), body)
    # /metrics and /healthz: the admin token only (no internal address)
    refused(d, "/metrics", 401)
    refused(d, "/metrics", 403, bearer(ALICE))
    refused(d, "/healthz", 403, bearer(ALICE))
    check(http_get(d.port, "/metrics", headers=bearer(ADMIN))[0] == 200)
    # no token in the log or the events
    _, _, events = read_ts(d.port, "/events", 1.5,
                           dict(bearer(ADMIN), **{"Last-Event-ID": "0"}))
    check(b"client_connected" in events, events[:300])
    log = d.log_text(whole=True)
    check("refused" in log, "refusals are logged")
    for secret in (ADMIN, ALICE, BOB, CAROL, "not-a-token"):
        check(secret not in log, "%s in the log" % secret)
        check(secret.encode() not in events, "%s in the events" % secret)


def test_internal_address_serves_metrics():
    o = Origin()
    d = start(o, internal=True)
    for path in ("/metrics", "/healthz"):
        check(http_get(d.internal_port, path)[0] == 200, path)
        refused(d, path, 401)
    # players need a token on the internal address too
    st, _, _ = http_get(d.internal_port, "/stream/news")
    check(st == 401, st)


class Player(threading.Thread):
    def __init__(self, port, path, seconds):
        super().__init__(daemon=True)
        self.port, self.path, self.seconds = port, path, seconds
        self.result = None

    def run(self):
        self.result = read_ts(self.port, self.path, self.seconds)


def test_users_file_reloads_while_players_play():
    o = Origin()
    d = start(o)
    # ten players: five of a user of the configuration, five of a user
    # of the file who is removed while they play
    players = [Player(d.port, "/stream/news?token=" + ALICE, 8)
               for _ in range(5)]
    players += [Player(d.port, "/u/%s/stream/sport" % CAROL, 8)
                for _ in range(5)]
    for p in players:
        p.start()
    time.sleep(1.5)
    refused(d, "/stream/news?token=" + DAVE, 401)
    # every worker reads the file again within 2 s of the change
    t0 = time.time()
    write_users(d, [("carol", CAROL), ("dave", DAVE)])
    wait_for(lambda: http_get(d.port, "/status?token=" + DAVE)[0] == 200, 2,
             what="dave, added, may watch")
    time.sleep(max(0, t0 + 2 - time.time()))
    for _ in range(6):
        check(http_get(d.port, "/status?token=" + DAVE)[0] == 200)
    plays(d.port, "/stream/news?token=" + DAVE, seconds=1.0)
    t0 = time.time()
    write_users(d, [("dave", DAVE)])
    time.sleep(2)
    for _ in range(6):
        refused(d, "/u/%s/stream/news" % CAROL, 401)
        refused(d, "/status?token=" + CAROL, 401)
    # a file with no good line keeps the users it had
    with open(d.users_file, "w") as f:
        f.write("dave:not-a-hash:0:\n")
    time.sleep(1.5)
    check(http_get(d.port, "/status?token=" + DAVE)[0] == 200, "dave kept")
    for p in players:
        p.join(20)
        st, _, body = p.result
        check(st == 200 and len(body) > 300 * 188 and ts_aligned(body),
              "a running player was disturbed: %s %d %d" % (p.path, st, len(body)))
    check(DAVE not in d.log_text(whole=True) and sha(DAVE) not in d.log_text(whole=True))


def test_hdhomerun_documents_carry_the_path_prefix():
    o = Origin()
    d = start(o, extra='hdhomerun = { enabled = true; };')
    refused(d, "/discover.json", 401)
    for path, hdrs in (("/u/%s/discover.json" % ALICE, {}),
                       ("/discover.json?token=" + ALICE, {})):
        st, _, body = http_get(d.port, path, headers=hdrs)
        disc = json.loads(body)
        base = "http://127.0.0.1:%d/u/%s" % (d.port, ALICE)
        check(st == 200 and disc["BaseURL"] == base and
              disc["LineupURL"] == base + "/lineup.json", disc)
        st, _, body = http_get(d.port, local_path(d, disc["LineupURL"]))
        lineup = {c["GuideName"]: c["URL"] for c in json.loads(body)}
        check(st == 200 and lineup["news"] == base + "/tuner/news", lineup)
    plays(d.port, local_path(d, lineup["news"]))
    # bob's lineup: news only
    st, _, body = http_get(d.port, "/u/%s/lineup.json" % BOB)
    check(st == 200 and [c["GuideName"] for c in json.loads(body)] == ["news"],
          body)
    # the header forms: the documents as they are, players resend headers
    st, _, body = http_get(d.port, "/lineup.json", headers=bearer(ALICE))
    check(st == 200 and ALICE not in body.decode(), body)


def test_reload_changes_users():
    o = Origin()
    d = start(o)
    plays(d.port, "/stream/news?token=" + ALICE, seconds=1.0)
    d.extra = d.extra.replace('token = "%s"' % ALICE, 'token = "alice-New-5"')
    d.write_conf()
    # the new workers know the new token; the old ones retire (they
    # have no player left) and stop accepting
    def workers():
        st, _, body = http_get(d.port, "/status", headers=bearer(ADMIN))
        return {w["pid"] for w in json.loads(body)["workers"]} if st == 200 \
            else set()
    old = workers()
    check(len(old) == 2, old)
    rc, out, err = d.ctl("reload")
    check(rc == 0, (out, err))
    wait_for(lambda: len(workers()) == 2 and not workers() & old, 10,
             what="the new workers alone")
    for _ in range(6):
        refused(d, "/status?token=" + ALICE, 401)
        check(http_get(d.port, "/status?token=alice-New-5")[0] == 200)


def test_open_access_checks_nothing():
    """access = "open" (the default): tokens mean nothing, /u/ is no
    route, /metrics and /healthz answer anyone, /status shows URLs."""
    o = Origin()
    d = Daemon(streams='{ name = "news"; url = "%s"; }' % o.url("/live.ts"))
    d.start()
    plays(d.port, "/stream/news")
    plays(d.port, "/stream/news?token=whatever")
    check(http_get(d.port, "/u/%s/stream/news" % ALICE)[0] == 404)
    check(http_get(d.port, "/metrics")[0] == 200)
    st, _, body = http_get(d.port, "/status")
    check(st == 200 and json.loads(body)["streams"]["news"]["url"] ==
          o.url("/live.ts"), body)
    st, _, body = http_get(d.port, "/playlist.m3u?token=whatever")
    check(st == 200 and b"token" not in body, body)
