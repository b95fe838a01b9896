"""ringcast in a real browser: headless Chromium (Debian's chromium),
driven over the DevTools protocol (cdp.py).

- hls.js (pinned in tests/browser/package-lock.json, installed into
  BUILD/test-js by scripts/install-test-js) on a page served from another
  port than ringcast plays /hls/NAME/index.m3u8 for 20 s: the playhead
  advances and no fatal error occurs.
- The status page on a phone-sized screen shows the streams, has no
  horizontal scrolling, raises no script error or CSP violation, and
  shows a stream_started event within 1 s.
- The page's preview plays the stream where the browser plays HLS by
  itself (Chromium does, on the desktop), else it offers the URLs.
- The page draws each stream's last hour (GET /history) as SVG on a
  phone: lines of bitrate in and out and the clients, updated every
  history_interval, and a mark for an upstream error.
- The page's "Channel lists" panel, on a phone: each source with its last
  refresh ("just now"), channels kept and entries skipped, a list that
  cannot be fetched with its error in the error style, a refresh that
  fails shown without reloading the page; no panel without sources."""

import os
import socket
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse

import harness
from cdp import Browser
from harness import Daemon, Origin, check, free_port, http_get, spawn, ts_stream, wait_for

PLAY_SECONDS = 20
PHONE = (390, 844)


def hlsjs_path():
    return os.path.join(harness.BUILD, "test-js", "node_modules", "hls.js", "dist",
                        "hls.min.js")


class TestSite:
    """The test page on its own port: python3 -m http.server, by pid."""

    def __init__(self, files):
        self.dir = tempfile.mkdtemp(prefix="ringcast-site.")
        for src in files:
            shutil.copy(src, self.dir)
        self.port = free_port()
        self.proc = spawn([sys.executable, "-m", "http.server", str(self.port),
                           "--bind", "127.0.0.1", "--directory", self.dir],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def up():
            try:
                return http_get(self.port, "/player.html", timeout=1)[0] == 200
            except OSError:
                return False
        wait_for(up, 10, what="the test page server")

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=5)
        shutil.rmtree(self.dir, ignore_errors=True)


def test_hlsjs_plays_ringcast_hls_from_another_origin():
    check(os.path.exists(hlsjs_path()),
          "hls.js is missing: run scripts/install-test-js %s/test-js" % harness.BUILD)
    o = Origin()
    d = Daemon(streams=ts_stream("demo", o.url("/demo.ts"), "on_demand = false;"))
    d.start()
    wait_for(lambda: d.stream("demo")["state"] == "running", 10, what="demo running")
    site = TestSite([hlsjs_path(), os.path.join(harness.ROOT, "tests", "browser",
                                                "player.html")])
    check(site.port != d.port, "the page must come from another origin")
    b = Browser()
    try:
        src = d.url("/hls/demo/index.m3u8")
        b.navigate(site.url("/player.html?src=" + urllib.parse.quote(src, safe="")))
        check(b.js("player.supported"), "hls.js says MSE is not supported")
        b.wait_js("player.playing || player.fatal !== null", 40,
                  what="hls.js to start playing")
        fatal = b.js("player.fatal")
        check(fatal is None, "hls.js fatal error: %s (errors %s)" % (fatal, b.js("player.errors")))
        samples = []
        t0 = time.time()
        while time.time() - t0 < PLAY_SECONDS:
            time.sleep(1)
            samples.append((time.time() - t0, b.js("document.getElementById('v').currentTime"),
                            b.js("player.fatal")))
        fatal = [s for s in samples if s[2] is not None]
        check(not fatal, "fatal error while playing: %s" % fatal[:1])
        played = samples[-1][1] - samples[0][1]
        check(played >= 0.75 * (samples[-1][0] - samples[0][0]),
              "playhead advanced %.1f s in %.1f s: %s" % (
                  played, samples[-1][0] - samples[0][0], samples))
        check(all(b2[1] >= a[1] for a, b2 in zip(samples, samples[1:])),
              "playhead went back: %s" % samples)
        check(b.js("player.fragments") >= 5, "fragments buffered: %s" % b.js("player.fragments"))
        check(b.js("document.getElementById('v').paused") is False, "video paused")
    finally:
        b.close()
        site.stop()


def test_status_page_on_a_phone_follows_events():
    o = Origin()
    d = Daemon(streams=ts_stream("news", o.url("/news.ts"),
                                 "on_demand = true; idle_timeout = 60;") + ", " +
               ts_stream("sports", o.url("/sports.ts"), "on_demand = false;"))
    d.start()
    wait_for(lambda: d.stream("sports")["state"] == "running", 10, what="sports running")
    b = Browser(*PHONE, mobile=True)
    try:
        b.navigate(d.url("/"))
        b.wait_js("document.querySelectorAll('[data-stream]').length === 2", 10,
                  what="both streams on the page")
        b.wait_js("document.getElementById('live').dataset.state === 'live'", 10,
                  what="the page following /events")
        card = "document.querySelector('[data-stream=\"%s\"]')"
        state = card + ".querySelector('[data-field=\"state\"]').textContent"
        check(b.js(state % "news") == "stopped", b.js(state % "news"))
        b.wait_js((state % "sports") + " === 'running'", 10, what="sports shown running")
        check(b.js((card % "sports") + ".querySelector('[data-field=\"hls-url\"]').value") ==
              d.url("/hls/sports/index.m3u8"), "HLS URL on the card")
        check(b.js((card % "sports") + ".querySelector('[data-field=\"ts-url\"]').value") ==
              d.url("/stream/sports"), "TS URL on the card")
        # a player of sports is listed on its card, with its User-Agent
        player = socket.create_connection(("127.0.0.1", d.port))
        player.sendall(b"GET /stream/sports HTTP/1.1\r\nHost: x\r\n"
                       b"User-Agent: phone-test/1\r\n\r\n")
        rows = (card % "sports") + ".querySelectorAll('[data-field=\"players\"] tr')"
        b.wait_js("%s.length === 1 && %s[0].textContent.includes('phone-test/1')" %
                  (rows, rows), 10, what="the player on the sports card")
        check(b.js(rows + "[0].cells[1].textContent") == "ts", "its route")
        check(b.js((card % "news") + ".querySelector('[data-field=\"players-box\"]').hidden"),
              "no players box on a card without players")
        # usable on a phone: nothing wider than the screen
        check(b.js("document.documentElement.scrollWidth <= window.innerWidth"),
              "horizontal scrolling: %s > %s" % (
                  b.js("document.documentElement.scrollWidth"), b.js("window.innerWidth")))
        # a stream_started event shows within 1 s
        b.js("""window.changes = [];
            new MutationObserver(() => window.changes.push({t: Date.now(),
                text: %s})).observe(%s, {subtree: true, childList: true,
                characterData: true});""" % (state % "news", card % "news"))
        t0 = time.time() * 1000
        rc, _, err = d.ctl("start", "news")
        check(rc == 0, err)
        b.wait_js("window.changes.some((c) => c.text !== 'stopped')", 5,
                  what="the news card to leave 'stopped'")
        changed = b.js("window.changes.find((c) => c.text !== 'stopped')")
        check(changed["t"] - t0 <= 1000, "the page showed %s after %.0f ms" % (
            changed["text"], changed["t"] - t0))
        check(b.js("document.getElementById('events').textContent.includes("
                   "'stream_started news')"), "stream_started not in the event list")
        b.wait_js((state % "news") + " === 'running'", 10, what="news shown running")
        b.screenshot(os.path.join(d.dir, "status-page-phone.png"))
        problems = b.problems()
        check(not problems, "script errors or CSP violations: %s" % problems)
        player.close()
    finally:
        b.close()


def test_status_page_preview_plays_hls_or_offers_the_urls():
    b = Browser()
    try:
        o = Origin()
        d = Daemon(streams=ts_stream("sports", o.url("/sports.ts"), "on_demand = false;"))
        d.start()
        b.navigate(d.url("/ui"))
        b.wait_js("document.querySelector('[data-stream=\"sports\"] .preview') !== null", 10,
                  what="the sports card")
        # at once, while the live playlist lists a single segment, which
        # Chromium's own HLS player refuses: the page tries again
        wait_for(lambda: d.stream("sports")["state"] == "running", 10, what="sports running")
        b.js("document.querySelector('[data-stream=\"sports\"] .preview').click()")
        b.wait_js("!document.getElementById('player').hidden", 5, what="the preview")
        hls = d.url("/hls/sports/index.m3u8")
        if b.js("document.createElement('video').canPlayType("
                "'application/vnd.apple.mpegurl')"):
            check(b.js("document.getElementById('video').src") == hls,
                  "native HLS preview source")
            # it plays, under the page's Content-Security-Policy
            b.wait_js("document.getElementById('video').currentTime > 2", 30,
                      what="the preview to play")
            check(b.js("document.getElementById('player-msg').hidden"),
                  "a message stays over the playing preview")
        else:
            msg = b.js("document.getElementById('player-msg').textContent")
            check(hls in msg and d.url("/stream/sports") in msg,
                  "no native HLS: the URLs should be offered: %r" % msg)
        b.js("document.getElementById('player-close').click()")
        check(b.js("document.getElementById('player').hidden"), "preview closed")
        problems = b.problems()
        check(not problems, "script errors or CSP violations: %s" % problems)
    finally:
        b.close()


def test_status_page_draws_the_last_hour():
    o = Origin()
    d = Daemon(streams=ts_stream("news", o.url("/news.ts"),
                                 "on_demand = false; retry_min = 0.2;"),
               extra="history_interval = 1;")
    d.start()
    wait_for(lambda: d.stream("news")["state"] == "running", 10, what="news running")
    spawn([harness.binary("tests/tsclient"), "-t", "30", d.url("/stream/news")],
          stdout=subprocess.DEVNULL)
    # the player is counted before the page opens: the graph's samples
    # from then on have a client
    wait_for(lambda: d.stream("news")["clients"] == 1, 10, what="the player counted")
    b = Browser(*PHONE, mobile=True)
    try:
        b.navigate(d.url("/"))
        svg = "document.querySelector('[data-stream=\"news\"] .graph svg')"
        path = "(%s.querySelector('path.g-%%s').getAttribute('d') || '')" % svg
        # two samples with a player: lines of bitrate in and out, clients
        b.wait_js("%s !== null && +%s.dataset.samples >= 2 && %s !== '' && %s !== ''"
                  " && %s !== ''" % (svg, svg, path % "in", path % "out",
                                     path % "clients"), 15,
                  what="the graph of news with bitrate in and out and clients")
        check(b.js("!%s.closest('figure').hidden" % svg), "the graph is hidden")
        check(b.js("%s.getAttribute('viewBox')" % svg) == "0 0 360 100",
              b.js("%s.getAttribute('viewBox')" % svg))
        # as wide as the card, on a phone
        width = b.js("%s.getBoundingClientRect().width" % svg)
        card = b.js("document.querySelector('[data-stream=\"news\"]')"
                    ".getBoundingClientRect().width")
        check(0.8 * card <= width <= card, "graph %s px in a card of %s" % (width, card))
        # the newest sample has the player (one taken before it connected
        # may still be the newest for up to an interval)
        b.wait_js("document.querySelector('[data-stream=\"news\"] "
                  "[data-field=\"g-clients\"]').textContent === '1'", 5,
                  what="clients now: 1")
        # it follows: a newer interval within a few seconds
        end = b.js("+%s.dataset.end" % svg)
        b.wait_js("+%s.dataset.end > %d" % (svg, end), 5, what="the graph to update")
        # an upstream error is a mark on it
        o.fault(path="/news.ts", type="close", value=1)
        b.wait_js("%s.querySelector('line.m-error') !== null" % svg, 10,
                  what="an error mark")
        check(b.js("document.documentElement.scrollWidth <= window.innerWidth"),
              "horizontal scrolling: %s > %s" % (
                  b.js("document.documentElement.scrollWidth"), b.js("window.innerWidth")))
        b.screenshot(os.path.join(d.dir, "status-page-graph-phone.png"))
        problems = b.problems()
        check(not problems, "script errors or CSP violations: %s" % problems)
    finally:
        b.close()


def test_status_page_shows_the_channel_lists_and_their_errors():
    o = Origin()
    d = Daemon()
    good = os.path.join(d.dir, "good.m3u")
    text = "#EXTM3U\n"
    for i in range(3):
        text += "#EXTINF:-1 group-title=\"News\",News %d\n%s\n" % (i, o.url("/n%d.ts" % i))
    text += "#EXTINF:-1,Old\nrtmp://127.0.0.1/live/a\n#EXTINF:-1,Older\nrtsp://127.0.0.1/b\n"
    with open(good, "w") as f:
        f.write(text)
    dead = "http://127.0.0.1:%d/list.m3u" % free_port()
    d.extra = ('state_dir = "%s"; sources = ( { name = "good"; m3u = "%s"; },'
               ' { name = "down"; m3u = "%s"; } );' % (os.path.join(d.dir, "state"),
                                                      good, dead))
    d.write_conf()
    d.start()
    wait_for(lambda: d.http_status().get("sources", {}).get("down", {}).get("error"),
             10, what="the failed list in /status")
    plain = Daemon().start()
    b = Browser(*PHONE, mobile=True)
    try:
        b.navigate(plain.url("/"))
        b.wait_js("document.getElementById('summary').textContent.startsWith('ringcastd')",
                  10, what="the page of a daemon without sources")
        check(b.js("document.getElementById('sources-panel').hidden"),
              "a Channel lists panel without sources")
        check(b.js("document.getElementById('engines-panel').hidden"),
              "an engines panel without engines")
        b.navigate(d.url("/"))
        card = "document.querySelector('[data-source=\"%s\"]')"
        fld = card + ".querySelector('[data-field=\"%s\"]')"
        b.wait_js("document.querySelectorAll('#sources [data-source]').length === 2", 10,
                  what="both lists in the panel")
        check(not b.js("document.getElementById('sources-panel').hidden"), "panel hidden")
        check(b.js("[...document.querySelectorAll('#sources .name')]"
                   ".map((e) => e.textContent)") == ["good", "down"], "names")
        check(b.js((fld % ("good", "channels")) + ".textContent") == "3" and
              b.js((fld % ("good", "skipped")) + ".textContent") == "2",
              "good: channels and skipped")
        ago = b.js((fld % ("good", "refreshed")) + ".textContent")
        check(ago == "just now" or ago.endswith(" s ago"), "refreshed %r" % ago)
        check(b.js((fld % ("good", "state")) + ".textContent") == "ok", "good's badge")
        check(b.js((fld % ("good", "error")) + ".parentElement.hidden"),
              "an error shown for the good list")
        err = d.http_status()["sources"]["down"]["error"]
        check(b.js((fld % ("down", "error")) + ".textContent") == err and
              not b.js((fld % ("down", "error")) + ".parentElement.hidden"),
              "the failed list's error: %r" % err)
        check(b.js((fld % ("down", "state")) + ".textContent") == "failed" and
              b.js((fld % ("down", "refreshed")) + ".textContent") == "never",
              "down: badge and refresh time")
        # the error style: the colour of the page's errors, not the text's
        bad = "getComputedStyle(%s).color" % (fld % ("down", "error"))
        check(b.js(bad) != b.js("getComputedStyle(%s).color" % (fld % ("good", "channels"))),
              "the error is in the text colour: %s" % b.js(bad))
        # a refresh that fails shows without reloading the page
        with open(good, "w") as f:
            f.write("not a list\n")
        rc, _, e = d.ctl("refresh", "good")
        check(rc == 0, e)
        b.wait_js("!%s.parentElement.hidden && %s.textContent.includes('EXTM3U')" % (
            fld % ("good", "error"), fld % ("good", "error")), 10,
            what="good's failed refresh on the page")
        check(b.js((fld % ("good", "channels")) + ".textContent") == "3",
              "the last good lineup's count stays")
        check(b.js("document.getElementById('events').textContent.includes("
                   "'source_failed good')"), "source_failed not in the event list")
        check(b.js("document.documentElement.scrollWidth <= window.innerWidth"),
              "horizontal scrolling: %s > %s" % (
                  b.js("document.documentElement.scrollWidth"), b.js("window.innerWidth")))
        b.screenshot(os.path.join(d.dir, "status-page-sources-phone.png"))
        problems = b.problems()
        check(not problems, "script errors or CSP violations: %s" % problems)
    finally:
        b.close()


def test_status_page_shows_the_engines():
    from test_ace import Player, engine_id
    e = harness.Engine()
    d = Daemon(extra='acestream = { engines = [ "%s" ]; };' % e.base)
    d.start()
    cid = "0123456789abcdef0123456789abcdef01234567"
    p = Player(d.port, "/ace/getstream?id=" + cid, 8)
    p.start()
    wait_for(lambda: engine_id(e, cid)["pulls"] == 1, 10, what="the engine's pull")
    b = Browser(*PHONE, mobile=True)
    try:
        b.navigate(d.url("/"))
        card = "document.querySelector('[data-engine=\"%s\"]')" % e.base
        fld = card + ".querySelector('[data-field=\"%s\"]')"
        b.wait_js("%s !== null && %s.textContent === '1'" % (card, fld % "streams"),
                  10, what="the engine with its stream on the page")
        check(not b.js("document.getElementById('engines-panel').hidden"), "panel hidden")
        check(b.js((fld % "state") + ".textContent") in ("up", "unknown"),
              b.js((fld % "state") + ".textContent"))
        check(b.js((fld % "kind") + ".textContent") == "configured", "kind")
        b.wait_js("%s.textContent === 'up'" % (fld % "state"), 15, what="the engine up")
        # what the engine's stat_url says of the stream: peers and speed
        b.wait_js("%s.textContent.endsWith('KB/s')" % (fld % "down"), 10,
                  what="the speed down")
        check(b.js((fld % "pid") + ".parentElement.hidden"),
              "a pid shown for a configured engine")
        check(b.js("document.documentElement.scrollWidth <= window.innerWidth"),
              "horizontal scrolling: %s > %s" % (
                  b.js("document.documentElement.scrollWidth"), b.js("window.innerWidth")))
        problems = b.problems()
        check(not problems, "script errors or CSP violations: %s" % problems)
    finally:
        b.close()
    p.join()
    d.stop()
    e.stop()


def test_status_page_shows_a_managed_engine():
    from test_engines import managed_daemon, ready_engines
    d = managed_daemon("min_engines = 1;")
    wait_for(lambda: ready_engines(d), 20, what="the managed engine ready")
    e = ready_engines(d)[0]
    b = Browser()
    try:
        b.navigate(d.url("/"))
        card = "document.querySelector('#engines [data-engine]')"
        fld = card + ".querySelector('[data-field=\"%s\"]')"
        b.wait_js("%s !== null && %s.textContent === 'managed'" % (card, fld % "kind"),
                  10, what="the managed engine on the page")
        check(b.js((fld % "state") + ".textContent") == "ready", "its state")
        check(b.js((fld % "pid") + ".textContent") == str(e["pid"]) and
              not b.js((fld % "pid") + ".parentElement.hidden"), "its pid")
        check(b.js((fld % "port") + ".textContent") == str(e["port"]), "its port")
        check(b.js((fld % "restarts") + ".textContent") == "0", "its restarts")
        problems = b.problems()
        check(not problems, "script errors or CSP violations: %s" % problems)
    finally:
        b.close()
    d.stop()
