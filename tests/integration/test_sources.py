"""Channel lists (`sources`): providers' M3U lists become on-demand
channels.  The lineup in /channels, /playlist.m3u and `ringcastctl
channels` (filters, a channel made of two lists' entries with a backup,
credentials hidden); TS and HLS channels play with one upstream pull; the
backup URL when the first fails; `ringcastctl refresh` that adds, removes
and changes channels while a player of a kept one goes on; a list served
over HTTP and kept in state_dir for a restart with the provider down; a
malformed list (source_failed, the last good lineup stays); names of
configured streams win; AceStream entries without engines are refused
with a reason (with engines: test_sources_ace.py);
configuration errors with their line."""

import http.server
import json
import os
import re
import subprocess
import threading
import time

from harness import (SLOW, Daemon, Origin, binary, check, free_port, http_get,
                     read_stream, spawn, ts_packets, ts_stream, wait_for)
from test_control import Subscriber

ACE_ID = "0123456789abcdef0123456789abcdef01234567"


def entry(name, url, group="", tvg_id="", logo="", chno=""):
    attrs = ""
    for k, v in (("tvg-id", tvg_id), ("tvg-logo", logo), ("tvg-chno", chno),
                 ("group-title", group)):
        if v:
            attrs += ' %s="%s"' % (k, v)
    return "#EXTINF:-1%s,%s\n%s\n" % (attrs, name, url)


def main_list(o, extra=""):
    """Twelve entries: news (TS, tvg-id news.us), movies (HLS), three
    sports, an excluded group, an AceStream id, ..."""
    text = "#EXTM3U\n"
    text += entry("News One", o.url("/news.ts"), "News", "news.us",
                  "http://logos.example/news.png", "5")
    text += entry("Movie HLS", o.url("/hls/ch/index.m3u8"), "Movies", "movie.hls")
    for i in range(3):
        text += entry("Sport %d" % (i + 1), o.url("/sport%d.ts" % i), "Sports",
                      "sport%d" % (i + 1), chno=str(10 + i))
    for i in range(3):
        text += entry("Adult %d" % i, o.url("/x%d.ts" % i), "Adult XXX")
    text += entry("Ace Channel", "acestream://" + ACE_ID, "Ace")
    text += entry("Music", o.url("/music.ts"), "Music", "music")
    text += entry("Kids", o.url("/kids.ts"), "Kids", "kids")
    text += entry("Docs", o.url("/docs.ts"), "Docs", "docs")
    return text + extra


def backup_list(o):
    """A second provider: the same tvg-id as News One, with a secret."""
    return ("#EXTM3U\n" +
            entry("News One Backup", "http://user:pw@127.0.0.1:1/news.ts?token=s3cret&q=1",
                  "News", "news.us") +
            entry("Weather", o.url("/weather.ts"), "Weather", "weather"))


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def sources_daemon(o, lists, streams="", extra_source="", extra=""):
    """A daemon with one path source per (name, text) of LISTS."""
    d = Daemon(streams=streams)
    srcs = []
    for name, text in lists:
        path = os.path.join(d.dir, name + ".m3u")
        write(path, text)
        srcs.append('{ name = "%s"; m3u = "%s"; exclude_groups = [ "adult*" ]; %s }'
                    % (name, path, extra_source))
    d.extra = 'state_dir = "%s"; sources = ( %s ); %s' % (
        os.path.join(d.dir, "state"), ", ".join(srcs), extra)
    d.write_conf()
    return d


def channels(d, query=""):
    st, _, body = http_get(d.port, "/channels" + query)
    check(st == 200, "/channels %d: %s" % (st, body))
    return json.loads(body)


def wait_lineup(d, pred, what, timeout=10):
    got = {}

    def ok():
        got["c"] = channels(d)
        return pred({c["name"]: c for c in got["c"]["channels"]})
    wait_for(ok, timeout * SLOW, what=what)
    return {c["name"]: c for c in got["c"]["channels"]}


def test_sources_lineup_in_channels_playlist_and_ctl():
    o = Origin()
    d = sources_daemon(o, [("main", main_list(o)), ("second", backup_list(o))])
    d.start()
    chans = wait_lineup(d, lambda c: "weather" in c, "the lineup")
    names = list(chans)
    check(names == ["news-us", "movie-hls", "sport1", "sport2", "sport3",
                    "ace-channel", "music", "kids", "docs", "weather"], names)
    news = chans["news-us"]
    check(news["source"] == "main" and chans["weather"]["source"] == "second", news)
    check(news["title"] == "News One" and news["group"] == "News" and
          news["logo"] == "http://logos.example/news.png" and news["number"] == "5" and
          news["state"] == "idle" and news["kind"] == "ts" and
          news["ts"] == "/stream/news-us" and news["hls"] == "/hls/news-us/index.m3u8", news)
    check(news["sources"] == [o.url("/news.ts"),
                              "http://***@127.0.0.1:1/news.ts?token=***&q=1"], news["sources"])
    check(chans["movie-hls"]["kind"] == "hls", chans["movie-hls"])
    body = json.dumps(channels(d))
    check("s3cret" not in body and "user:pw" not in body, "a credential is shown")
    doc = channels(d)
    check(doc["sources"]["main"]["channels"] == 9 and doc["sources"]["main"]["error"] == "" and
          doc["sources"]["main"]["refreshed"] != "", doc["sources"])
    check([c["name"] for c in channels(d, "?group=Sports")["channels"]] ==
          ["sport1", "sport2", "sport3"], "?group=")

    st, _, pl = http_get(d.port, "/playlist.m3u")
    pl = pl.decode()
    check(st == 200 and pl.startswith("#EXTM3U\n"), pl)
    check('#EXTINF:-1 tvg-id="news.us" tvg-name="News One" '
          'tvg-logo="http://logos.example/news.png" tvg-chno="5" group-title="News",News One\n'
          'http://127.0.0.1:%d/stream/news-us\n' % d.port in pl, pl)
    check("/stream/weather" in pl and "Adult" not in pl and "/stream/ace-channel" in pl, pl)
    _, _, sports = http_get(d.port, "/playlist.m3u?group=Sports")
    check(sports.decode().count("#EXTINF") == 3, sports)

    rc, out, err = d.ctl("channels", "--json")
    check(rc == 0, err)
    check([c["name"] for c in json.loads(out)["channels"]] == names, out)
    rc, out, err = d.ctl("channels")          # the table for people
    lines = out.splitlines()
    check(rc == 0 and lines[-1] == "%d channels" % len(names), out)
    check(any(l.split()[:4] == ["5", "news-us", "idle", "News"] for l in lines), out)
    check(any(l.startswith("source main: 9 channels,") for l in lines), out)
    check("s3cret" not in out, out)
    st = d.status()
    check(st["sources"]["second"]["channels"] == 2, st.get("sources"))
    d.stop()
    o.stop()


def test_sources_ts_and_hls_channels_play_with_one_pull():
    o = Origin()
    d = sources_daemon(o, [("main", main_list(o))])
    d.start()
    wait_lineup(d, lambda c: "news-us" in c, "the lineup")
    results = []

    def play():
        results.append(read_stream(d.port, "/stream/news-us", 3))
    threads = [threading.Thread(target=play) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for st, hdrs, body in results:
        check(st == 200 and len(body) > 188 * 100, "status %d, %d bytes" % (st, len(body)))
        pk = ts_packets(body[body.index(b"\x47"):])
        check(all(p[0] == 0x47 for p in pk[:-1]), "not MPEG-TS")
    check(o.stats()["paths"]["/news.ts"]["requests"] == 1, o.stats()["paths"])
    check(channels(d)["channels"][0]["state"] == "running", "news-us not running")

    st, _, text = http_get(d.port, "/hls/movie-hls/index.m3u8", timeout=30 * SLOW)
    check(st == 200 and b"#EXTINF" in text, text)
    seg = [l for l in text.decode().splitlines() if l and not l.startswith("#")][0]
    st, _, data = http_get(d.port, "/hls/movie-hls/" + seg, timeout=10 * SLOW)
    check(st == 200 and len(data) > 188 and data[0] == 0x47, "segment %d" % st)

    st, _, body = http_get(d.port, "/stream/no-such-channel")
    check(st == 404, "unknown channel: %d" % st)
    d.stop()
    o.stop()


def test_sources_backup_url_plays_when_the_first_fails():
    o = Origin()
    dead = "http://127.0.0.1:%d/gone.ts" % free_port()
    lists = [("first", "#EXTM3U\n" + entry("Failover", dead, "News", "fo")),
             ("second", "#EXTM3U\n" + entry("Failover B", o.url("/fo.ts"), "News", "fo"))]
    d = sources_daemon(o, lists)
    d.start()
    chans = wait_lineup(d, lambda c: "fo" in c, "the lineup")
    check(chans["fo"]["sources"] == [dead, o.url("/fo.ts")], chans["fo"])
    check(chans["fo"]["url"] == dead, chans["fo"])     # idle: what a start tries first
    st, _, body = read_stream(d.port, "/stream/fo", 5 * SLOW, max_bytes=188 * 2000)
    check(st == 200 and body.count(b"\x47") > 100, "%d, %d bytes" % (st, len(body)))
    check(o.stats()["paths"].get("/fo.ts", {}).get("requests", 0) >= 1, o.stats()["paths"])
    # running: the URL its fetcher uses now, the backup
    fo = channels(d)["channels"][0]
    check(fo["state"] == "running" and fo["url"] == o.url("/fo.ts"), fo)
    d.stop()
    o.stop()


def test_sources_refresh_changes_lineup_and_keeps_a_running_player():
    o = Origin()
    d = sources_daemon(o, [("main", main_list(o))])
    d.start()
    wait_lineup(d, lambda c: "kids" in c, "the lineup")
    sub = Subscriber(d)
    player = spawn([binary("tests/tsclient"), "-t", "8", d.url("/stream/music")],
                   stdout=subprocess.PIPE, text=True)
    wait_for(lambda: channels(d)["channels"][6]["state"] == "running", 10 * SLOW,
             what="music runs")
    text = main_list(o).replace(entry("Kids", o.url("/kids.ts"), "Kids", "kids"), "")
    text = text.replace(",Docs\n", ",Documentaries\n")
    text += entry("Cooking", o.url("/cooking.ts"), "Food", "cooking")
    write(os.path.join(d.dir, "main.m3u"), text)
    rc, out, err = d.ctl("refresh", "main")
    check(rc == 0, err)
    chans = wait_lineup(d, lambda c: "cooking" in c and "kids" not in c,
                        "the refreshed lineup")
    check(chans["docs"]["title"] == "Documentaries", chans["docs"])
    check(chans["music"]["state"] == "running", chans["music"])
    refreshed = [e for e in sub.events if e.get("event") == "source_refreshed"]
    check(refreshed and refreshed[-1]["source"] == "main" and
          refreshed[-1]["channels"] == 9 and refreshed[-1]["skipped"] == 0, refreshed)
    st, _, _ = http_get(d.port, "/stream/kids")
    check(st == 404, "a removed channel answers %d" % st)
    r = json.loads(player.communicate(timeout=30)[0].splitlines()[-1])
    check(r["seconds"] >= 7 and not r["eof"] and r["longest_gap_ms"] < 1000 and
          r["cc_errors"] == 0, "the kept channel's player was disturbed: %s" % r)
    check(o.stats()["paths"]["/music.ts"]["requests"] == 1, o.stats()["paths"])
    rc, _, err = d.ctl("refresh", "nope")
    check(rc == 1 and "no source named nope" in err, err)
    d.stop()
    o.stop()


class ListServer:
    """A provider: serves one M3U body over HTTP on a free port."""

    def __init__(self, body):
        self.body = body.encode()
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "audio/x-mpegurl")
                self.send_header("Content-Length", str(len(outer.body)))
                self.end_headers()
                self.wfile.write(outer.body)

            def log_message(self, *a):
                pass
        self.port = free_port()
        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), H)
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def stop(self):
        self.srv.shutdown()
        self.srv.server_close()


def test_sources_http_list_survives_a_restart_with_the_provider_down():
    o = Origin()
    prov = ListServer(main_list(o))
    d = Daemon()
    state = os.path.join(d.dir, "state")
    d.extra = ('state_dir = "%s"; sources = ( { name = "web"; '
               'm3u = "http://127.0.0.1:%d/list.m3u"; } );' % (state, prov.port))
    d.write_conf()
    d.start()
    before = wait_lineup(d, lambda c: "docs" in c, "the lineup over HTTP")
    check(os.path.exists(os.path.join(state, "source-web.m3u")), os.listdir(state))
    d.stop()
    prov.stop()
    os.unlink(os.path.join(state, "channels.json"))
    sub_d = d.start(wait=True)
    sub = Subscriber(sub_d)
    after = wait_lineup(d, lambda c: "docs" in c, "the lineup kept in state_dir")
    check(list(after) == list(before), (list(after), list(before)))
    web = channels(d)["sources"]["web"]
    check(("127.0.0.1" in web["error"] or "onnect" in web["error"]) and
          web["channels"] == 12, web)
    rc, _, _ = d.ctl("refresh")
    check(rc == 0, "refresh")
    wait_for(lambda: sub.find("source_failed", source="web"), 10 * SLOW,
             what="source_failed")
    st, _, body = read_stream(d.port, "/stream/news-us", 2)
    check(st == 200 and len(body) > 188 * 50, "a kept channel plays: %d" % st)
    d.stop()
    o.stop()


def test_sources_malformed_list_is_reported_and_the_last_lineup_stays():
    o = Origin()
    d = sources_daemon(o, [("main", main_list(o))])
    d.start()
    before = wait_lineup(d, lambda c: "docs" in c, "the lineup")
    sub = Subscriber(d)
    for bad in ("just text, no header\nhttp://x/y.ts\n", "\x00\x01\x02binary\xff" * 50):
        with open(os.path.join(d.dir, "main.m3u"), "w", encoding="latin1") as f:
            f.write(bad)
        n = len([e for e in sub.events if e.get("event") == "source_failed"])
        rc, _, err = d.ctl("refresh")
        check(rc == 0, err)
        wait_for(lambda: len([e for e in sub.events
                              if e.get("event") == "source_failed"]) > n,
                 10 * SLOW, what="source_failed")
        ev = [e for e in sub.events if e.get("event") == "source_failed"][-1]
        check(ev["source"] == "main" and "EXTM3U" in ev["reason"], ev)
        time.sleep(0.3)
        doc = channels(d)
        check([c["name"] for c in doc["channels"]] == list(before), doc)
        check("EXTM3U" in doc["sources"]["main"]["error"], doc["sources"])
    d.stop()
    o.stop()


def test_sources_configured_stream_wins_and_ace_entries_are_refused():
    o = Origin()
    d = sources_daemon(o, [("main", main_list(o))],
                       streams=ts_stream("music", o.url("/configured.ts")))
    d.start()
    chans = wait_lineup(d, lambda c: "music" in c, "the lineup")
    check(chans["music"]["state"] == "shadowed", chans["music"])
    st, _, body = read_stream(d.port, "/stream/music", 2)
    check(st == 200 and len(body) > 188 * 50, "configured stream %d" % st)
    paths = o.stats()["paths"]
    check("/configured.ts" in paths and "/music.ts" not in paths, paths)
    st, hdrs, body = http_get(d.port, "/stream/ace-channel")
    check(st == 503 and b"AceStream" in body, (st, body))
    json.loads(body)
    d.stop()
    o.stop()


def test_sources_config_errors_name_their_line():
    d = Daemon()
    d.write_conf('state_dir = "relative";\n'
                 'sources = (\n'
                 '  { name = "a"; m3u = "ftp://x/list.m3u"; },\n'
                 '  { name = "a"; refresh = 5; m3u = "/tmp/x.m3u"; bogus = 1; },\n'
                 '  { m3u = "/tmp/y.m3u"; include_groups = [ "" ]; }\n'
                 ');\n')
    out = subprocess.run([binary("ringcastd"), "-t", "-c", d.conf],
                         capture_output=True, text=True, timeout=10)
    check(out.returncode == 1, "exit %d" % out.returncode)
    err = out.stderr
    for line, word in ((1, "state_dir"), (3, "m3u"), (4, "duplicate source name"),
                       (4, "refresh"), (4, "bogus"), (5, "needs a name"),
                       (5, "include_groups")):
        check(any((":%d:" % line) in l and word in l for l in err.splitlines()),
              "line %d, %s: %s" % (line, word, err))


def source_pids(d):
    """The pids that logged as the source process, in order (titles are
    not seen under valgrind)."""
    pids = []
    for m in re.finditer(r"ringcastd\[(\d+)\]: source process:", d.log_text(whole=True)):
        if int(m.group(1)) not in pids:
            pids.append(int(m.group(1)))
    return pids


def test_sources_reload_with_changed_filters_restarts_the_source_process():
    o = Origin()
    d = sources_daemon(o, [("main", main_list(o))])
    d.start()
    wait_lineup(d, lambda c: "kids" in c, "the lineup")
    pids = source_pids(d)
    check(len(pids) == 1, d.log_text())
    d.extra = d.extra.replace('exclude_groups = [ "adult*" ];',
                              'exclude_groups = [ "adult*", "kids" ];')
    d.write_conf()
    rc, _, err = d.ctl("reload")
    check(rc == 0, err)
    chans = wait_lineup(d, lambda c: "kids" not in c and "docs" in c,
                        "the lineup of the new filters")
    check(chans["news-us"]["title"] == "News One", chans["news-us"])
    now = source_pids(d)
    check(len(now) == 2 and now[0] == pids[0], (pids, now))
    check(os.path.exists("/proc/%d" % now[1]), "the new source process runs")
    rc, _, err = d.ctl("reload")     # unchanged: the process stays
    check(rc == 0, err)
    time.sleep(0.5)
    check(source_pids(d) == now and os.path.exists("/proc/%d" % now[1]),
          d.log_text())
    d.stop()
    o.stop()


def test_sources_defaults_of_a_source_apply_to_its_channels():
    o = Origin()
    d = sources_daemon(o, [("quick", "#EXTM3U\n" + entry("Q", o.url("/q.ts"), "G", "q")),
                           ("slow", "#EXTM3U\n" + entry("S", o.url("/s.ts"), "G", "s"))])
    d.extra = d.extra.replace('{ name = "quick";',
                              '{ name = "quick"; defaults = { idle_timeout = 1.0; };')
    d.write_conf()
    d.start()
    wait_lineup(d, lambda c: "q" in c and "s" in c, "the lineup")
    sub = Subscriber(d)
    for name in ("q", "s"):
        st, _, body = read_stream(d.port, "/stream/" + name, 1.5)
        check(st == 200 and len(body) > 188 * 20, "%s: %d" % (name, st))
    wait_for(lambda: sub.find("stream_ended", stream="q"), 6 * SLOW,
             what="q ends after its source's idle_timeout")
    check(sub.find("stream_ended", stream="q")["reason"] == "idle", sub.events)
    check(not sub.find("stream_ended", stream="s"),
          "s ended before the global idle_timeout (10 s)")
    d.stop()
    o.stop()
