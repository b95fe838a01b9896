"""One stream per broadcast (issue #18 item 3): a content id, its
infohash and a magnet of it are one torrent, and an engine keeps one
session per infohash (a newer session ends the older one's playback).
So ringcast plays each broadcast once: a request that resolves to a
running broadcast joins its stream, a content id the engine answered
before joins without a new getstream, and two first requests that raced
leave one session.  Split from test_ace.py (no file over 900 lines); its
helpers are that file's."""

import threading
import time

from harness import (Engine, check, read_stream, ts_aligned, wait_for)
from test_ace import (ID, Player, ace_daemon, infohash_of, magnet_of,
                      media_packets, q, stream_gone, wait_playing)
from test_control import Subscriber

H = infohash_of(ID)     # what the test engine resolves ID to


def ace_streams(d):
    return {k: v for k, v in d.http_status()["streams"].items()
            if "acestream" in v}


def playing_id(player, seconds):
    """An engine, a daemon with an event subscriber, and a PLAYER (class)
    of ID for SECONDS, getting data."""
    e = Engine()
    d = ace_daemon([e])
    sub = Subscriber(d)
    p = player(d.port, "/ace/getstream?id=" + ID, seconds)
    p.start()
    wait_playing(d, ID)
    return e, d, sub, p


def test_ace_content_id_then_infohash_then_magnet_one_session_one_pull():
    e, d, sub, a = playing_id(Player, 9)
    b = Player(d.port, "/ace/getstream?infohash=" + H, 6)
    b.start()
    wait_playing(d, ID, players=2)
    c = Player(d.port, "/ace/getstream?magnet=" + q(magnet_of(H.upper())), 3)
    c.start()
    wait_playing(d, ID, players=3)
    for p in (a, b, c):
        p.join(20)
        st, hdrs, body = p.result
        check(st == 200 and ts_aligned(body) and
              len(media_packets(body)) > 100, (st, hdrs, len(body)))
    s = e.stats()
    check(s["starts"] == 1 and s["playback_pulls"] == 1, s)
    check(s["getstreams"] == 1 and s["superseded"] == 0, s)
    streams = ace_streams(d)
    check(list(streams) == [ID], list(streams))
    ace = streams[ID]["acestream"]
    check(ace["content_id"] == ID and ace["infohash"] == H, ace)
    check(streams[ID]["clients_served"] == 3, streams[ID])
    rc, out, err = d.ctl("status")
    check(rc == 0 and ("content id %s (infohash %s)" % (ID, H)) in out, out)
    check(sub.find("stream_started", stream=ID), "stream_started")


class Replayer(threading.Thread):
    """A player of PATH for SECONDS that asks again whenever its response
    ends, as players do: how many times it connected, the media packets
    it got in all and in its last connection."""

    def __init__(self, port, path, seconds):
        super().__init__(daemon=True)
        self.port, self.path, self.seconds = port, path, seconds
        self.connects, self.media, self.last_media = 0, 0, 0
        self.statuses = []

    def run(self):
        deadline = time.time() + self.seconds
        while time.time() < deadline - 0.2:
            try:
                st, _, body = read_stream(self.port, self.path,
                                          deadline - time.time())
            except OSError:
                st, body = 0, b""
            self.connects += 1
            self.statuses.append(st)
            self.last_media = len(media_packets(body)) if st == 200 else 0
            self.media += self.last_media
            if st != 200:
                time.sleep(0.2)


def test_ace_race_of_content_id_and_its_infohash_leaves_one_session_in_2s():
    e = Engine()
    d = ace_daemon([e])
    sub = Subscriber(d)
    # both getstreams in flight at once: neither knows the infohash yet
    e.fault(slow=1)
    players = [Replayer(d.port, path, 9) for path in
               ("/ace/getstream?id=" + ID, "/ace/getstream?infohash=" + H,
                "/ace/getstream?id=" + ID, "/ace/getstream?infohash=" + H)]
    for p in players:
        p.start()
    wait_for(lambda: len(ace_streams(d)) == 2, 5, what="two streams")
    wait_for(lambda: e.stats()["starts"] >= 2, 5, what="two sessions")
    t0 = time.time()
    e.clear()

    def one_session():
        return (len(ace_streams(d)) == 1 and
                e.stats()["active_sessions"] == 1)
    wait_for(one_session, 2, what="one stream and one session")
    took = time.time() - t0
    ended = wait_for(lambda: sub.find("stream_ended", reason="duplicate"), 2,
                     what="stream_ended duplicate")
    survivor = list(ace_streams(d))[0]
    print("one session %.2f s after the second start; %s ended, %s stays"
          % (took, ended["stream"], survivor))
    check(took < 2.0, "%.2f s" % took)
    check(ended["stream"] != survivor, (ended, survivor))
    for p in players:
        p.join(20)
        # a player of the ended stream was disconnected and joined
        check(p.last_media > 50 and p.connects <= 3,
              (p.path, p.connects, p.statuses, p.last_media))
    print("players' connections: %s" % [p.connects for p in players])
    s = e.stats()
    check(s["active_sessions"] == 1 and s["starts"] <= 3, s)
    check(list(ace_streams(d)) == [survivor], list(ace_streams(d)))
    check(ace_streams(d)[survivor]["acestream"]["infohash"] == H)


def test_ace_url_of_a_playing_broadcast_replaces_it_players_reconnect():
    e, d, sub, a = playing_id(Replayer, 9)
    # a torrent URL is unknown until the engine answers: a new session,
    # which ends the content id's playback in the engine
    url = "/ace/getstream?url=" + q("http://127.0.0.1:1/t/%s.torrent" % H)
    b = Replayer(d.port, url, 6)
    b.start()
    ended = wait_for(lambda: sub.find("stream_ended", stream=ID), 5,
                     what="the content id's stream to end")
    check(ended["reason"] == "duplicate" and ended["infohash"] == H, ended)
    for p in (a, b):
        p.join(20)
    print("content id player: %d connections, %s" % (a.connects, a.statuses))
    # fed, disconnected, then fed again by the URL's stream
    check(a.connects == 2 and a.statuses == [200, 200] and
          a.last_media > 50 and a.media > a.last_media, vars(a))
    check(b.connects == 1 and b.last_media > 50, vars(b))
    s = e.stats()
    check(s["starts"] == 2 and s["superseded"] == 1 and
          s["active_sessions"] == 1, s)
    streams = ace_streams(d)
    check(len(streams) == 1 and list(streams)[0].startswith("url-"), streams)


def test_ace_known_content_id_joins_without_a_new_getstream():
    e = Engine()
    d = ace_daemon([e], "idle_timeout = 1.0;")
    # the engine answers ID once: ringcast remembers its infohash
    st, _, body = read_stream(d.port, "/ace/getstream?id=" + ID, 1.5)
    check(st == 200 and len(media_packets(body)) > 0, (st, len(body)))
    wait_for(lambda: stream_gone(d, ID), 10, what="the idle stream to end")
    b = Player(d.port, "/ace/getstream?infohash=" + H, 6)
    b.start()
    wait_playing(d, "infohash-" + H)
    before = e.stats()
    check(before["getstreams"] == 2 and before["starts"] == 2, before)
    st, _, body = read_stream(d.port, "/ace/getstream?id=" + ID, 2)
    check(st == 200 and ts_aligned(body) and len(media_packets(body)) > 50,
          (st, len(body)))
    b.join(10)
    check(b.result[0] == 200, b.result[:2])
    s = e.stats()
    check(s["getstreams"] == before["getstreams"] and s["starts"] == 2 and
          s["playback_pulls"] == 2 and s["superseded"] == 0, (before, s))
    check(list(ace_streams(d)) == ["infohash-" + H], list(ace_streams(d)))
