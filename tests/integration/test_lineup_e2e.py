"""Channel lineups end to end (issue #20), as a user meets them: a
provider serves a 30-entry M3U list over HTTP (TS and HLS channels of the
test origin, AceStream ids for the test engine, a group the source
excludes, a channel whose backup is in a second served list), and then

- /playlist.m3u lists exactly the lineup, each channel once with tvg-id,
  tvg-name, tvg-logo, tvg-chno and group-title, the excluded group absent;
- a TS player (/stream/NAME), an HLS player (the playlist, then a
  segment) and an AceStream channel (/stream/NAME through the engine) play;
- the two-list channel plays from the second list's URL while the first
  list's URL answers 404;
- `ringcastctl refresh` of a list that drops a channel, adds one and
  moves one to another URL changes /channels, while a player of a kept
  channel goes on without a gap;
- a restart with the provider answering 500 keeps the lineup of
  state_dir, and a channel of it plays.

The provider is a small HTTP server here (the test origin serves streams,
not lists); the whole scenario is one test, its steps depending on the
ones before."""

import http.server
import json
import os
import subprocess
import threading
import time

from harness import (SLOW, Daemon, Engine, Origin, binary, check, free_port,
                     http_get, read_stream, spawn, ts_packets, wait_for)
from test_ace import engine_id
from test_sources import channels, entry, wait_lineup

ACE_IDS = ["%040x" % (0x1111 * (i + 1)) for i in range(3)]
GROUPS = ["News", "Sports", "Music"]


class Provider:
    """A provider's web server: PATH -> M3U text in `lists`; every request
    answers 500 while `failing` is set."""

    def __init__(self):
        self.lists = {}
        self.failing = False
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                text = outer.lists.get(self.path)
                if outer.failing or text is None:
                    self.send_error(500 if outer.failing else 404)
                    return
                body = text.encode()
                self.send_response(200)
                self.send_header("Content-Type", "audio/x-mpegurl")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass
        self.port = free_port()
        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), H)
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def stop(self):
        self.srv.shutdown()
        self.srv.server_close()


def logo(cid):
    return "http://logos.example/%s.png" % cid


def main_entries(o):
    """The 30 entries of the main list: (tvg-id, title, group, url)."""
    out = []
    for i in range(1, 18):
        out.append(("ts%02d" % i, "TS %02d" % i, GROUPS[i % 3],
                    o.url("/ts%02d.ts" % i)))
        if i == 6:
            out += [("adult%d" % j, "Adult %d" % j, "Adult XXX",
                     o.url("/adult%d.ts" % j)) for j in range(1, 6)]
        if i == 9:
            out += [("hls%d" % j, "HLS %d" % j, "Movies",
                     o.url("/hls/hls%d/index.m3u8" % j)) for j in range(1, 5)]
        if i == 12:
            out += [("ace%d" % (j + 1), "Ace %d" % (j + 1), "Ace",
                     "acestream://" + cid) for j, cid in enumerate(ACE_IDS)]
    out.insert(3, ("dual", "Dual", "News", o.url("/dual-a.ts")))
    return out


def m3u(entries):
    text = "#EXTM3U\n"
    for n, (cid, title, group, url) in enumerate(entries):
        text += entry(title, url, group, cid, logo(cid), str(100 + n))
    return text


def extra_list(o):
    """The second list: the dual channel's backup and one channel more."""
    return "#EXTM3U\n" + \
        entry("Dual Backup", o.url("/dual-b.ts"), "Backup", "dual",
              logo("dual-b"), "900") + \
        entry("Weather", o.url("/weather.ts"), "Weather", "weather",
              logo("weather"), "901")


def playlist(d):
    """/playlist.m3u as [(attrs, title, url)]."""
    st, _, body = http_get(d.port, "/playlist.m3u")
    check(st == 200, "/playlist.m3u %d" % st)
    lines = body.decode().splitlines()
    check(lines and lines[0].startswith("#EXTM3U"), lines[:1])
    out = []
    for i, line in enumerate(lines):
        if not line.startswith("#EXTINF:-1 "):
            continue
        head, _, title = line[len("#EXTINF:-1 "):].rpartition(",")
        attrs = {}
        for part in head.split('" '):
            k, _, v = part.partition('="')
            attrs[k] = v.rstrip('"')
        out.append((attrs, title, lines[i + 1]))
    return out


def ts_synced(body):
    """BODY is MPEG-TS: sync bytes every 188 bytes from its first one."""
    pk = ts_packets(body[body.find(b"\x47"):])
    return len(pk) > 20 and all(p[0] == 0x47 for p in pk[:-1])


def play_all(d, paths, seconds):
    """Read each TS path for SECONDS at once: path -> (status, body)."""
    got = {}

    def one(p):
        try:
            st, _, body = read_stream(d.port, p, seconds * SLOW)
        except OSError as e:
            st, body = 0, repr(e).encode()
        got[p] = (st, body)
    threads = [threading.Thread(target=one, args=(p,)) for p in paths]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds * SLOW + 15)
    return got


def check_playlist(d, entries, names):
    pl = playlist(d)
    listed = [url.rsplit("/", 1)[1] for _, _, url in pl]
    ace = [n for n in names if n.startswith("ace")]
    check([n for n in listed if n not in ace] ==
          [n for n in names if n not in ace], listed)
    check([n for n in listed if n in ace] == ace,
          "AceStream channels not listed: %s" % listed)
    check(listed.count("dual") == 1 and
          not any("adult" in n or "Adult" in a.get("group-title", "")
                  for a, _, n in pl), listed)
    want = {cid: (title, group, str(100 + n))
            for n, (cid, title, group, _) in enumerate(entries)}
    want["weather"] = ("Weather", "Weather", "901")
    for attrs, title, url in pl:
        cid = url.rsplit("/", 1)[1]
        t, g, chno = want[cid]
        check(attrs == {"tvg-id": cid, "tvg-name": t, "tvg-logo": logo(cid),
                        "tvg-chno": chno, "group-title": g} and title == t and
              url == d.url("/stream/" + cid), (attrs, title, url))


def check_players(d, o, e):
    """A TS, an HLS and an AceStream channel play; the dual channel plays
    its backup while its first URL is 404."""
    o.fault(path="/dual-a.ts", type="status", value=404, count=0)
    got = {}

    def hls():
        try:
            st, _, text = http_get(d.port, "/hls/hls2/index.m3u8", timeout=30)
            segs = [l for l in text.decode(errors="replace").splitlines()
                    if l and not l.startswith("#")]
            got["hls"] = "HLS playlist %d: %r" % (st, text[:200])
            if st == 200 and segs:
                st, _, seg = http_get(d.port, "/hls/hls2/" +
                                      segs[0].rsplit("/", 1)[-1], timeout=10)
                got["hls"] = (st, seg)
        except OSError as ex:
            got["hls"] = "HLS: %r" % ex
    t = threading.Thread(target=hls)
    t.start()
    played = play_all(d, ["/stream/ts01", "/stream/ace2", "/stream/dual"], 4)
    t.join(45 * SLOW)
    for p, (st, body) in played.items():
        check(st == 200 and ts_synced(body), "%s: %d, %d bytes" % (p, st, len(body)))
    r = got.get("hls", "HLS: no answer")
    check(isinstance(r, tuple), r)
    check(r[0] == 200 and len(r[1]) > 188 and ts_synced(r[1]), "HLS segment %d" % r[0])
    paths = o.stats()["paths"]
    check(paths["/dual-a.ts"]["requests"] >= 1 and
          paths["/dual-b.ts"]["requests"] >= 1 and paths["/dual-b.ts"]["bytes"] > 0,
          "the dual channel's backup: %s" % paths)
    check("/hls/hls2/index.m3u8" in paths, paths)
    check(engine_id(e, ACE_IDS[1])["starts"] == 1, e.stats())
    o.clear()


def refresh_under_a_player(d, o, prov, entries):
    """Drop ts17, add fresh, move ts03 to another URL while ts02 plays."""
    player = spawn([binary("tests/tsclient"), "-t", str(int(6 * SLOW)), d.url("/stream/ts02")],
                   stdout=subprocess.PIPE, text=True)
    wait_for(lambda: "ts02" in d.http_status()["streams"] and
             d.http_status()["streams"]["ts02"]["bytes_out"] > 0, 10,
             what="the ts02 player getting data")
    time.sleep(0.5)
    moved = o.url("/ts03-new.ts")
    new = [(c, t, g, moved if c == "ts03" else u) for c, t, g, u in entries
           if c != "ts17"]
    new.append(("fresh", "Fresh", "News", o.url("/fresh.ts")))
    prov.lists["/main.m3u"] = m3u(new)
    rc, _, err = d.ctl("refresh")
    check(rc == 0, err)
    chans = wait_lineup(d, lambda c: "fresh" in c and "ts17" not in c,
                        "the refreshed lineup")
    names = [c for c, _, g, _ in new if not g.startswith("Adult")] + ["weather"]
    check(list(chans) == names, list(chans))
    check(chans["ts03"]["sources"] == [moved], chans["ts03"])
    check(chans["ts02"]["state"] == "running", chans["ts02"])
    check(http_get(d.port, "/stream/ts17")[0] == 404, "a dropped channel plays")
    r = json.loads(player.communicate(timeout=30 * SLOW)[0].splitlines()[-1])
    check(r["status"] == 200 and r["seconds"] >= 5.5 * SLOW and not r["eof"] and
          r["longest_gap_ms"] < 1000 and r["cc_errors"] == 0 and r["aligned"],
          "the kept channel's player was disturbed: %s" % r)
    check(o.stats()["paths"]["/ts02.ts"]["requests"] == 1, o.stats()["paths"])
    st, _, body = read_stream(d.port, "/stream/ts03", 1.5 * SLOW)
    check(st == 200 and ts_synced(body) and
          o.stats()["paths"]["/ts03-new.ts"]["requests"] == 1, "moved ts03: %d" % st)
    return names


def restart_with_the_provider_down(d, prov, names):
    state = os.path.join(d.dir, "state")
    check(os.path.exists(os.path.join(state, "source-main.m3u")) and
          os.path.exists(os.path.join(state, "source-extra.m3u")), os.listdir(state))
    check(d.stop() == 0, "ringcastd exit")
    prov.failing = True
    d.start()
    wait_for(lambda: channels(d)["sources"]["main"]["error"] != "", 10,
             what="the failed fetch reported")
    doc = channels(d)
    check([c["name"] for c in doc["channels"]] == names, doc["channels"])
    check("500" in doc["sources"]["main"]["error"], doc["sources"])
    st, _, body = read_stream(d.port, "/stream/ts01", 1.5 * SLOW)
    check(st == 200 and ts_synced(body), "a channel of the kept lineup: %d" % st)


def test_lineup_e2e_thirty_entries_play_fail_over_refresh_and_restart():
    o = Origin()
    e = Engine()
    prov = Provider()
    entries = main_entries(o)
    check(len(entries) == 30, len(entries))
    prov.lists = {"/main.m3u": m3u(entries), "/extra.m3u": extra_list(o)}
    d = Daemon()
    d.extra = ('state_dir = "%s"; acestream = { engines = [ "%s" ]; };\n'
               'sources = ( { name = "main"; m3u = "%s"; exclude_groups = [ "adult*" ]; },\n'
               '  { name = "extra"; m3u = "%s"; } );'
               % (os.path.join(d.dir, "state"), e.base, prov.url("/main.m3u"),
                  prov.url("/extra.m3u")))
    d.write_conf()
    d.start()
    names = [c for c, _, g, _ in entries if g != "Adult XXX"] + ["weather"]
    chans = wait_lineup(d, lambda c: "weather" in c, "the lineup")
    check(list(chans) == names, list(chans))
    check(chans["dual"]["sources"] == [o.url("/dual-a.ts"), o.url("/dual-b.ts")] and
          chans["hls1"]["kind"] == "hls" and chans["ace1"]["kind"] == "acestream",
          chans["dual"])
    src = channels(d)["sources"]
    check(src["main"]["channels"] == 25 and src["main"]["error"] == "" and
          src["extra"]["channels"] == 2, src)

    check_playlist(d, entries, names)
    check_players(d, o, e)
    names = refresh_under_a_player(d, o, prov, entries)
    restart_with_the_provider_down(d, prov, names)
    d.stop()
    prov.stop()
    e.stop()
    o.stop()
