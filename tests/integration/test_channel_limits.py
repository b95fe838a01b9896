"""Channel lists, the supervisor's side: a source's max_streams (a channel
whose first source is full plays from the next source with room, none with
room is 503 with a JSON reason and Retry-After, a player leaving frees
the room); a channel a refresh removed while it plays (removed_channels
"drain": new players get 404, TS and HLS, the old one plays on, and the
stream ends with reason "removed" as soon as it leaves; "stop": it ends
at once); a disabled channel is 404; a channel whose URL changed plays
on from the old URL until its next start."""

import http.client
import json
import os
import socket
import threading
import time

from harness import SLOW, Origin, check, http_get, wait_for
from test_control import Subscriber
from test_sources import entry, sources_daemon, wait_lineup, write


class Player:
    """A TS player of PATH that reads until leave() (or the end)."""

    def __init__(self, d, path):
        self.s = socket.create_connection(("127.0.0.1", d.port), timeout=5 * SLOW)
        self.s.sendall(("GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n"
                        "User-Agent: ringcast-test\r\n\r\n" % path).encode())
        self.bytes = 0
        self.head = b""
        self.eof = False
        self.stop = False
        self.t = threading.Thread(target=self.loop, daemon=True)
        self.t.start()

    def loop(self):
        self.s.settimeout(0.2)
        while not self.stop:
            try:
                chunk = self.s.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                break
            if not chunk:
                break
            if len(self.head) < 12:
                self.head += chunk[:64]
            self.bytes += len(chunk)
        self.eof = not self.stop

    def status(self):
        return int(self.head.split()[1]) if len(self.head) >= 12 else 0

    def playing(self, more=188 * 200, timeout=10):
        """Wait until it has MORE bytes than now."""
        start = self.bytes
        wait_for(lambda: self.bytes > start + more, timeout * SLOW,
                 what="the player gets data")

    def leave(self):
        self.stop = True
        self.t.join(timeout=5)
        self.s.close()


def answer(d, path):
    """(status, headers, body) of a request for PATH; the body of a 200
    (a stream, endless) is not read."""
    c = http.client.HTTPConnection("127.0.0.1", d.port, timeout=5 * SLOW)
    c.request("GET", path)
    r = c.getresponse()
    body = r.read() if r.status != 200 else b""
    hdrs = {k.lower(): v for k, v in r.getheaders()}
    c.close()
    return r.status, hdrs, body


def limits_lists(o):
    """Source a: three channels; source b: ch2 too (its backup)."""
    a = "#EXTM3U\n"
    for i in (1, 2, 3):
        a += entry("Ch %d" % i, o.url("/a%d.ts" % i), "G", "ch%d" % i)
    b = "#EXTM3U\n" + entry("Ch 2 B", o.url("/b2.ts"), "G", "ch2")
    return [("a", a), ("b", b)]


def requests(o, path):
    return o.stats()["paths"].get(path, {}).get("requests", 0)


def test_channel_limits_full_source_fails_over_and_then_refuses():
    o = Origin()
    d = sources_daemon(o, limits_lists(o))
    d.extra = d.extra.replace('{ name = "a";', '{ name = "a"; max_streams = 1;')
    d.defaults = "idle_timeout = 1.0;"
    d.write_conf()
    d.start()
    chans = wait_lineup(d, lambda c: "ch3" in c and len(c["ch2"]["sources"]) == 2,
                        "the lineup")
    check(chans["ch2"]["sources"] == [o.url("/a2.ts"), o.url("/b2.ts")], chans["ch2"])
    sub = Subscriber(d)
    p1 = Player(d, "/stream/ch1")
    p1.playing()
    started = sub.find("stream_started", stream="ch1")
    check(started and started["url"] == o.url("/a1.ts") and started["source"] == "a",
          started)

    # a is full: ch2 plays from b's URL, without a backup of a
    p2 = Player(d, "/stream/ch2")
    p2.playing()
    started = sub.find("stream_started", stream="ch2")
    check(started and started["url"] == o.url("/b2.ts") and started["source"] == "b",
          started)
    check(requests(o, "/b2.ts") == 1 and requests(o, "/a2.ts") == 0, o.stats()["paths"])

    # ch3 is a's alone: no room anywhere
    st, hdrs, body = answer(d, "/stream/ch3")
    check(st == 503 and hdrs.get("retry-after", "0") != "0", (st, hdrs, body))
    why = json.loads(body)
    check("max_streams" in why["error"] and "a (1)" in why["error"] and
          why["stream"] == "ch3", why)
    st, _, body = answer(d, "/hls/ch3/index.m3u8")
    check(st == 503 and b"a (1)" in body, (st, body))
    check(requests(o, "/a3.ts") == 0, o.stats()["paths"])

    # ch2 counts against b, not a: its leaving frees nothing
    p2.leave()
    wait_for(lambda: sub.find("stream_ended", stream="ch2"), 10 * SLOW,
             what="ch2 ends")
    check(answer(d, "/stream/ch3")[0] == 503, "ch3 played with a full")

    # the player of ch1 leaves: a has room again
    p1.leave()
    wait_for(lambda: sub.find("stream_ended", stream="ch1"), 10 * SLOW,
             what="ch1 ends")
    check(sub.find("stream_ended", stream="ch1")["source"] == "a", sub.events)
    p3 = Player(d, "/stream/ch3")
    p3.playing()
    check(p3.status() == 200 and requests(o, "/a3.ts") == 1, o.stats()["paths"])
    p3.leave()
    d.stop()
    o.stop()


def test_channel_limits_reload_applies_a_new_limit_at_once():
    o = Origin()
    d = sources_daemon(o, limits_lists(o))
    d.write_conf()
    d.start()
    wait_lineup(d, lambda c: "ch3" in c, "the lineup")
    p1 = Player(d, "/stream/ch1")
    p1.playing()
    d.extra = d.extra.replace('{ name = "a";', '{ name = "a"; max_streams = 1;')
    d.write_conf()
    rc, _, err = d.ctl("reload")
    check(rc == 0, err)
    st, hdrs, body = answer(d, "/stream/ch3")
    check(st == 503 and b"a (1)" in body, (st, body))
    p1.leave()
    d.stop()
    o.stop()


def removal_daemon(o, mode):
    """Source main: keep, gone, changed (idle_timeout 30 s: an end within
    seconds is not the idle one)."""
    text = "#EXTM3U\n"
    for name in ("keep", "gone", "changed"):
        text += entry(name, o.url("/%s.ts" % name), "G", name)
    d = sources_daemon(o, [("main", text)],
                       extra='removed_channels = "%s";' % mode)
    d.defaults = "idle_timeout = 30.0;"
    d.write_conf()
    d.start()
    wait_lineup(d, lambda c: "changed" in c, "the lineup")
    return d, text


def refresh_without(d, o, text, name):
    write(os.path.join(d.dir, "main.m3u"),
          text.replace(entry(name, o.url("/%s.ts" % name), "G", name), ""))
    rc, _, err = d.ctl("refresh", "main")
    check(rc == 0, err)
    wait_lineup(d, lambda c: name not in c, "the lineup without " + name)


def test_channel_limits_removed_channel_drains():
    o = Origin()
    d, text = removal_daemon(o, "drain")
    sub = Subscriber(d)
    old = Player(d, "/stream/gone")
    old.playing()
    refresh_without(d, o, text, "gone")
    # within about a second the supervisor has seen the new lineup
    wait_for(lambda: answer(d, "/stream/gone")[0] == 404, 3 * SLOW,
             what="a new player of the removed channel gets 404")
    st, _, body = answer(d, "/stream/gone")
    check(st == 404 and b"removed" in body, (st, body))
    st, _, body = answer(d, "/hls/gone/index.m3u8")
    check(st == 404 and b"removed" in body, (st, body))
    old.playing()
    check(not old.eof and not sub.find("stream_ended", stream="gone"),
          "the removed channel's player was cut")
    check(requests(o, "/gone.ts") == 1, o.stats()["paths"])
    t0 = time.time()
    old.leave()
    wait_for(lambda: sub.find("stream_ended", stream="gone"), 5 * SLOW,
             what="the removed channel's stream ends when its player leaves")
    check(time.time() - t0 < 5 * SLOW, "ended after %.1f s" % (time.time() - t0))
    check(sub.find("stream_ended", stream="gone")["reason"] == "removed", sub.events)
    st, _, _ = answer(d, "/stream/gone")
    check(st == 404, "after its end: %d" % st)
    d.stop()
    o.stop()


def test_channel_limits_removed_channel_stops_at_once():
    o = Origin()
    d, text = removal_daemon(o, "stop")
    sub = Subscriber(d)
    old = Player(d, "/stream/gone")
    kept = Player(d, "/stream/keep")
    old.playing()
    kept.playing()
    t0 = time.time()
    refresh_without(d, o, text, "gone")
    wait_for(lambda: sub.find("stream_ended", stream="gone"), 5 * SLOW,
             what="the removed channel's stream ends at once")
    check(time.time() - t0 < 5 * SLOW, "ended after %.1f s" % (time.time() - t0))
    check(sub.find("stream_ended", stream="gone")["reason"] == "removed", sub.events)
    wait_for(lambda: old.eof, 5 * SLOW, what="its player is disconnected")
    kept.playing()
    check(not kept.eof and not sub.find("stream_ended", stream="keep"),
          "a kept channel was touched")
    check(answer(d, "/stream/gone")[0] == 404, "removed channel plays")
    old.leave()
    kept.leave()
    d.stop()
    o.stop()


def test_channel_limits_changed_url_applies_at_the_next_start():
    o = Origin()
    d, text = removal_daemon(o, "drain")
    d.defaults = "idle_timeout = 1.0;"
    d.write_conf()
    rc, _, err = d.ctl("reload")
    check(rc == 0, err)
    sub = Subscriber(d)
    p = Player(d, "/stream/changed")
    p.playing()
    write(os.path.join(d.dir, "main.m3u"),
          text.replace(o.url("/changed.ts"), o.url("/changed-new.ts")))
    rc, _, err = d.ctl("refresh", "main")
    check(rc == 0, err)
    wait_lineup(d, lambda c: c["changed"]["sources"] == [o.url("/changed-new.ts")],
                "the new URL in the lineup")
    time.sleep(1.0)     # the supervisor's tick has seen it
    p.playing()
    check(not p.eof and requests(o, "/changed-new.ts") == 0 and
          not sub.find("stream_ended", stream="changed"), o.stats()["paths"])
    p.leave()
    wait_for(lambda: sub.find("stream_ended", stream="changed"), 10 * SLOW,
             what="the channel ends when idle")
    check(sub.find("stream_ended", stream="changed")["reason"] == "idle", sub.events)
    p = Player(d, "/stream/changed")
    p.playing()
    check(requests(o, "/changed-new.ts") == 1, o.stats()["paths"])
    p.leave()
    d.stop()
    o.stop()


def test_channel_limits_disabled_channel_is_404():
    o = Origin()
    d, _ = removal_daemon(o, "drain")
    sub = Subscriber(d)
    old = Player(d, "/stream/keep")
    old.playing()
    # a channel override would say enabled = false; the document is
    # what the supervisor reads, so write it as the source process would
    path = os.path.join(d.dir, "state", "channels.json")
    with open(path) as f:
        doc = json.load(f)
    for c in doc["channels"]:
        if c["name"] in ("keep", "changed"):
            c["enabled"] = False
    with open(path + ".tmp", "w") as f:
        json.dump(doc, f)
    os.rename(path + ".tmp", path)
    wait_for(lambda: answer(d, "/stream/changed")[0] == 404, 3 * SLOW,
             what="a disabled channel gets 404")
    st, _, body = answer(d, "/stream/changed")
    check(st == 404 and b"disabled" in body, (st, body))
    st, _, body = answer(d, "/hls/changed/index.m3u8")
    check(st == 404 and b"disabled" in body, (st, body))
    check(requests(o, "/changed.ts") == 0, o.stats()["paths"])
    # a playing channel now disabled is a removed one: it drains
    check(answer(d, "/stream/keep")[0] == 404, "disabled channel plays")
    old.playing()
    old.leave()
    wait_for(lambda: sub.find("stream_ended", stream="keep"), 5 * SLOW,
             what="the disabled channel's stream ends")
    check(sub.find("stream_ended", stream="keep")["reason"] == "removed", sub.events)
    d.stop()
    o.stop()


def test_channel_limits_removed_hls_channel_keeps_its_player():
    o = Origin()
    text = ("#EXTM3U\n" + entry("Film", o.url("/hls/ch/index.m3u8"), "G", "film") +
            entry("Other", o.url("/other.ts"), "G", "other"))
    d = sources_daemon(o, [("main", text)])
    d.defaults = "idle_timeout = 30.0;"
    d.write_conf()
    d.start()
    wait_lineup(d, lambda c: "film" in c, "the lineup")
    sub = Subscriber(d)

    def poll(ua):
        return http_get(d.port, "/hls/film/index.m3u8", timeout=30,
                        headers={"User-Agent": ua})
    st, _, body = poll("old")
    check(st == 200 and b"#EXTINF" in body, (st, body))
    write(os.path.join(d.dir, "main.m3u"),
          "#EXTM3U\n" + entry("Other", o.url("/other.ts"), "G", "other"))
    rc, _, err = d.ctl("refresh", "main")
    check(rc == 0, err)
    n = [0]

    def poll_new():                     # a player never seen before
        n[0] += 1
        return poll("new-%d" % n[0])
    deadline = time.time() + 5 * SLOW
    while poll_new()[0] != 404:         # the old player polls on meanwhile
        check(time.time() < deadline, "a new HLS player still admitted")
        check(poll("old")[0] == 200, "the old HLS player was cut")
        time.sleep(0.3)
    st, _, body = poll_new()
    check(st == 404 and b"removed" in body, (st, body))
    for _ in range(6):                  # the old one plays on
        st, _, body = poll("old")
        check(st == 200 and b"#EXTINF" in body, (st, body))
        seg = [l for l in body.decode().splitlines() if l and not l.startswith("#")][-1]
        st, _, data = http_get(d.port, "/hls/film/" + seg, timeout=10,
                               headers={"User-Agent": "old"})
        check(st == 200 and data[:1] == b"\x47", "segment %d" % st)
        check(poll_new()[0] == 404, "a new player admitted meanwhile")
        time.sleep(0.5)
    check(not sub.find("stream_ended", stream="film"), sub.events)
    # it stops polling: gone after its HLS timeout, not idle_timeout
    wait_for(lambda: sub.find("stream_ended", stream="film"), 20 * SLOW,
             what="the removed HLS channel ends once its player is gone")
    check(sub.find("stream_ended", stream="film")["reason"] == "removed", sub.events)
    d.stop()
    o.stop()


def test_channel_limits_removed_channel_back_takes_players_again():
    o = Origin()
    d, text = removal_daemon(o, "drain")
    sub = Subscriber(d)
    old = Player(d, "/stream/gone")
    old.playing()
    refresh_without(d, o, text, "gone")
    wait_for(lambda: answer(d, "/stream/gone")[0] == 404, 3 * SLOW,
             what="the removed channel refuses new players")
    write(os.path.join(d.dir, "main.m3u"), text)
    rc, _, err = d.ctl("refresh", "main")
    check(rc == 0, err)
    wait_for(lambda: answer(d, "/stream/gone")[0] == 200, 3 * SLOW,
             what="the channel back takes new players")
    new = Player(d, "/stream/gone")
    new.playing()
    old.leave()
    new.playing()
    check(not sub.find("stream_ended", stream="gone") and
          requests(o, "/gone.ts") == 1, (sub.events, o.stats()["paths"]))
    new.leave()
    d.stop()
    o.stop()
