"""AceStream engine mode against the project's test engine
(tests/engine): content-id streams on demand through a pool of engines.

What a player and an operator rely on: one engine session and one
playback pull per content id however many players; engines chosen by
load and health, 503 with Retry-After when none has room; bad ids
refused before anything starts; and every engine session ringcast
started is stopped again, whichever way its stream ends (idle,
ringcastctl stop, reload, a killed fetcher, daemon shutdown)."""

import base64
import json
import os
import re
import signal
import socket
import threading
import time
import urllib.parse
from urllib.parse import quote

import harness
from harness import (Daemon, Engine, check, http_get, read_stream, shm_objects,
                     ts_aligned, ts_packets, ts_pid, wait_for)
from test_control import Subscriber

ID = "0123456789abcdef0123456789abcdef01234567"
ID2 = "fedcba9876543210fedcba9876543210fedcba98"
ID3 = "00112233445566778899aabbccddeeff00112233"


def ace_daemon(engines, group="", workers=2):
    urls = ", ".join('"%s"' % e.base for e in engines)
    return Daemon(extra="acestream = { engines = [ %s ]; %s };" % (urls, group),
                  workers=workers).start()


def infohash_of(cid):
    """What the test engine resolves content id CID to (tests/engine/README)."""
    return "".join("%x" % (15 - int(c, 16)) for c in cid.lower())


def engine_id(e, cid):
    """The engine's counters of content id CID (kept by its infohash)."""
    return e.stats()["ids"].get(infohash_of(cid),
                                {"starts": 0, "stops": 0, "pulls": 0})


class Player(threading.Thread):
    """A TS player reading PATH for SECONDS in the background; `held` is
    how long its connection lasted."""

    def __init__(self, port, path, seconds):
        super().__init__(daemon=True)
        self.port, self.path, self.seconds = port, path, seconds
        self.result = None
        self.held = 0.0

    def run(self):
        t0 = time.time()
        try:
            self.result = read_stream(self.port, self.path, self.seconds)
        except OSError as e:
            self.result = (0, {}, repr(e).encode())
        self.held = time.time() - t0


def media_packets(body):
    """The TS packets of BODY that are not null packets."""
    return [p for p in ts_packets(body) if ts_pid(p) != 0x1FFF]


def mapped_engine():
    """A test engine whose answers name 127.0.0.1:PORT, a port nothing
    listens on, as an engine in a container behind a port map does."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return Engine(advertise=port)


def stream_gone(d, name):
    return name not in d.http_status()["streams"]


def wait_playing(d, name, players=1):
    """Until NAME's players are connected and getting bytes."""
    def playing():
        st = d.http_status()["streams"].get(name)
        return st and st["clients"] >= players and st["bytes_out"] > 0
    wait_for(playing, 10, what="players of %s getting data" % name)


def test_ace_fifty_players_one_engine_start_one_pull():
    e = Engine()
    d = ace_daemon([e])
    paths = ["/ace/getstream?id=" + ID, "/ace/getstream?content_id=" + ID,
             "/ace/getstream?id=" + ID.upper()]
    players = [Player(d.port, paths[i % 3], 4) for i in range(50)]
    for p in players:
        p.start()
    for p in players:
        p.join(30)
    for p in players:
        st, hdrs, body = p.result
        check(st == 200, "player got %d: %r" % (st, body[:200]))
        check(hdrs.get("content-type") == "video/mp2t", hdrs)
        check(len(body) > 100 * 188 and ts_aligned(body), "%d bytes" % len(body))
    s = e.stats()
    check(s["starts"] == 1 and s["playback_pulls"] == 1, s)
    check(engine_id(e, ID)["pulls"] == 1, s)
    st = d.http_status()["streams"][ID]
    check(st["acestream"]["content_id"] == ID, st)
    check(st["acestream"]["engine"] == e.base, st)
    check(st["clients_served"] == 50, st)


def test_ace_two_ids_two_engines_third_refused():
    e1, e2 = Engine(), Engine()
    d = ace_daemon([e1, e2], "max_streams_per_engine = 1;")
    a = Player(d.port, "/ace/getstream?id=" + ID, 6)
    b = Player(d.port, "/ace/getstream?id=" + ID2, 6)
    a.start()
    wait_for(lambda: e1.stats()["playback_pulls"] == 1, 10, what="first id on engine 1")
    b.start()
    wait_for(lambda: e2.stats()["playback_pulls"] == 1, 10, what="second id on engine 2")
    check(engine_id(e1, ID)["starts"] == 1 and engine_id(e2, ID2)["starts"] == 1,
          (e1.stats(), e2.stats()))
    st, hdrs, body = http_get(d.port, "/ace/getstream?id=" + ID3)
    check(st == 503, "third id: %d %r" % (st, body))
    check(hdrs.get("retry-after", "").isdigit(), hdrs)
    check(hdrs.get("content-type") == "application/json", hdrs)
    j = json.loads(body)
    check("room" in j["error"] and j["stream"] == ID3, j)
    check(e1.stats()["starts"] + e2.stats()["starts"] == 2, "no third start")
    engines = d.http_status()["acestream"]["engines"]
    check([x["streams"] for x in engines] == [1, 1], engines)
    check(ID3 not in d.http_status()["streams"])
    # the HLS route of a running id joins its ring: no new session
    st, hdrs, body = http_get(d.port, "/ace/manifest.m3u8?id=" + ID)
    check(st == 200 and b"/hls/%s/" % ID.encode() in body, body)
    seg = [l for l in body.decode().splitlines() if l.endswith(".ts")][-1]
    st, hdrs, seg_body = http_get(d.port, seg)
    check(st == 200 and hdrs.get("content-type") == "video/mp2t" and
          ts_aligned(seg_body), (st, hdrs))
    check(e1.stats()["starts"] == 1 and e1.stats()["playback_pulls"] == 1)
    for p in (a, b):
        p.join(15)
        check(p.result[0] == 200 and len(p.result[2]) > 100 * 188)


def test_ace_max_streams_refused():
    e = Engine()
    d = ace_daemon([e], "max_streams = 1;")
    a = Player(d.port, "/ace/getstream?id=" + ID, 4)
    a.start()
    wait_for(lambda: e.stats()["playback_pulls"] == 1, 10, what="first id running")
    st, hdrs, body = http_get(d.port, "/ace/getstream?id=" + ID2)
    check(st == 503 and hdrs.get("retry-after") == "10", (st, hdrs, body))
    check("max_streams" in json.loads(body)["error"], body)
    a.join(10)


def test_ace_idle_sends_exactly_one_stop():
    e = Engine()
    before = shm_objects()
    d = ace_daemon([e], "idle_timeout = 1.0;")
    sub = Subscriber(d)
    st, _, body = read_stream(d.port, "/ace/getstream?id=" + ID, 2)
    check(st == 200 and len(body) > 0)
    wait_for(lambda: stream_gone(d, ID), 10, what="the idle stream to end")
    wait_for(lambda: sub.find("stream_ended", stream=ID), 5, what="stream_ended")
    s = e.stats()
    check(s["starts"] == 1 and s["stops"] == 1 and s["stops_repeated"] == 0, s)
    check(s["active_sessions"] == 0 and s["active_pulls"] == 0, s)
    started = sub.find("stream_started", stream=ID)
    check(started["content_id"] == ID and started["engine"] == e.base, started)
    ended = sub.find("stream_ended", stream=ID)
    check(ended["reason"] == "idle" and ended["content_id"] == ID, ended)
    # nothing of the stream survives its end: only the daemon's own
    # objects (state, metrics, the /events backlog)
    mine = [n for n in shm_objects() if n not in before and
            n.startswith("ringcast.%d." % d.pid())]
    check(sorted(mine) == ["ringcast.%d.events" % d.pid(),
                           "ringcast.%d.metrics" % d.pid(),
                           "ringcast.%d.state" % d.pid()], mine)
    time.sleep(1.5)
    check(e.stats()["stops"] == 1 and e.stats()["stops_repeated"] == 0)


def test_ace_transport_failure_moves_to_next_engine():
    e1, e2 = Engine(), Engine()
    e1.fault(id=ID, down=1)     # getstream of ID: HTTP 500; health stays up
    d = ace_daemon([e1, e2], "retry_min = 0.2;")
    st, hdrs, body = read_stream(d.port, "/ace/getstream?id=" + ID, 5)
    check(st == 200 and len(body) > 100 * 188 and ts_aligned(body),
          "%d, %d bytes: %s" % (st, len(body), d.log_text()))
    check(e1.stats()["starts"] == 0, e1.stats())
    check(e2.stats()["starts"] == 1 and e2.stats()["playback_pulls"] == 1, e2.stats())
    check(d.http_status()["streams"][ID]["acestream"]["engine"] == e2.base)


DEAD = "failed to load transport file"


def test_ace_dead_id_answers_the_engines_text_once_per_error_cache():
    e1, e2 = Engine(), Engine()
    for e in (e1, e2):
        e.fault(id=ID, error=DEAD)
    d = ace_daemon([e1, e2], "retry_min = 0.2;")
    sub = Subscriber(d)
    t0 = first = time.time()
    st, hdrs, body = http_get(d.port, "/ace/getstream?id=" + ID, timeout=10)
    took = time.time() - t0
    check(st == 404, "dead id: %d %r" % (st, body))
    check(took < 2.0, "answered after %.2f s" % took)
    check(hdrs.get("content-type") == "application/json", hdrs)
    j = json.loads(body)
    check(j["error"] == "engine: " + DEAD and j["engine"] == e1.base, j)
    wait_for(lambda: sub.find("stream_ended", stream=ID), 5, what="stream_ended")
    check(sub.find("stream_ended", stream=ID)["reason"] == "engine_error",
          sub.find("stream_ended", stream=ID))
    # within error_cache: the same answer at once, TS or HLS, no engine asked
    for path in ("/ace/getstream?id=", "/ace/manifest.m3u8?id=",
                 "/ace/getstream?content_id="):
        t0 = time.time()
        st, _, body = http_get(d.port, path + ID.upper())
        check(st == 404 and json.loads(body) == j and time.time() - t0 < 0.5,
              (path, st, body))
    # for 10 s from the first request, players keep asking (a retry would
    # come after retry_min, 0.2 s): each gets the cached answer
    while time.time() < first + 10:
        st, _, body = http_get(d.port, "/ace/getstream?id=" + ID)
        check(st == 404 and json.loads(body) == j, (st, body))
        time.sleep(1)
    s1, s2 = e1.stats(), e2.stats()
    check(s1["getstreams"] == 1 and s2["getstreams"] == 0, (s1, s2))
    check(s1["starts"] == 0 and stream_gone(d, ID), s1)


def test_ace_engine_refusal_is_502_and_lapses_without_error_cache():
    e = Engine()
    e.fault(id=ID2, error="too many sessions")
    d = ace_daemon([e], "error_cache = 0;")
    # the first request waits on the playlist route
    st, _, body = http_get(d.port, "/ace/manifest.m3u8?id=" + ID2, timeout=10)
    check(st == 502, "refused: %d %r" % (st, body))
    check(json.loads(body)["error"] == "engine: too many sessions", body)
    check(e.stats()["getstreams"] == 1, e.stats())
    time.sleep(2.5)     # the answer is held 2 s for the waiting players only
    st, _, body = http_get(d.port, "/ace/getstream?id=" + ID2, timeout=10)
    check(st == 502 and e.stats()["getstreams"] == 2, (st, e.stats()))


H4 = "aabbccddeeff00112233445566778899aabbccdd"
H5 = "5555555555666666666677777777778888888888"
H6 = "6666666666777777777788888888889999999999"
H7 = "abcdef0123456789abcdef0123456789abcdef01"


def q(v):
    return quote(v, safe="")


def magnet_of(h, base32=False):
    ih = base64.b32encode(bytes.fromhex(h)).decode() if base32 else h
    return "magnet:?xt=urn:btih:%s&dn=a%%20show&tr=udp://t:80" % ih


def test_ace_every_input_form_plays():
    e = Engine()
    d = ace_daemon([e], "max_streams_per_engine = 8;")
    paths = {
        "content_id=": ("/ace/getstream?content_id=" + ID, ID),
        "upper-case infohash=": ("/ace/getstream?infohash=" + H7.upper(),
                                 "infohash-" + H7),
        "url=": ("/ace/getstream?url=" + q("http://t.example/x/%s.torrent" % ID3)
                 + "&unknown=1", None),
        "magnet=": ("/ace/getstream?magnet=" + q(magnet_of(H4)), "infohash-" + H4),
        "trailing slash": ("/ace/getstream/?id=" + H5, H5),
    }
    for what, (path, key) in paths.items():
        st, hdrs, body = read_stream(d.port, path, 1.5)
        check(st == 200 and hdrs.get("content-type") == "video/mp2t" and
              len(body) > 50 * 188 and ts_aligned(body),
              "%s: %d, %d bytes %r" % (what, st, len(body), body[:200]))
        if key:
            check(key in d.http_status()["streams"], (what, key))
    st, _, body = http_get(d.port, "/ace/manifest.m3u8/?infohash=" + H6, timeout=10)
    check(st == 200 and b"/hls/infohash-%s/" % H6.encode() in body, (st, body))
    streams = d.http_status()["streams"]
    urls = [k for k in streams if k.startswith("url-")]
    check(len(urls) == 1 and streams[urls[0]]["acestream"]["id_type"] == "url",
          list(streams))
    s = e.stats()
    check(s["starts"] == 6 and s["getstreams"] == 6 and s["superseded"] == 0, s)
    for h in (infohash_of(ID), H7, ID3, H4, infohash_of(H5), H6):
        check(s["ids"][h]["pulls"] == 1, (h, s))


def test_ace_magnet_of_an_infohash_joins_its_stream():
    e = Engine()
    d = ace_daemon([e])
    a = Player(d.port, "/ace/getstream?infohash=" + H4, 6)
    a.start()
    wait_playing(d, "infohash-" + H4)
    b = Player(d.port, "/ace/getstream?magnet=" + q(magnet_of(H4, base32=True)), 3)
    b.start()
    wait_playing(d, "infohash-" + H4, players=2)
    for p in (a, b):
        p.join(15)
        check(p.result[0] == 200 and len(p.result[2]) > 50 * 188, p.result[:2])
    s = e.stats()
    check(s["starts"] == 1 and s["playback_pulls"] == 1 and s["getstreams"] == 1, s)
    check(list(d.http_status()["streams"]) == ["infohash-" + H4],
          list(d.http_status()["streams"]))


def test_ace_options_make_another_stream():
    # two engines: a real engine ends the older session of a broadcast
    # when another starts, so the two streams go to one engine each
    e1, e2 = Engine(), Engine()
    d = ace_daemon([e1, e2])
    plain = Player(d.port, "/ace/getstream?id=" + ID, 5)
    plain.start()
    wait_playing(d, ID)
    opts = "&transcode_audio=1&preferred_audio_language=eng"
    st, _, body = read_stream(d.port, "/ace/getstream?id=" + ID + opts, 2)
    check(st == 200 and len(body) > 50 * 188, (st, len(body)))
    keys = sorted(d.http_status()["streams"])
    check(len(keys) == 2 and keys[0] == ID and keys[1].startswith(ID + "-o") and
          len(keys[1]) <= 64, keys)
    # the same options in another order are the same stream
    st, _, body = read_stream(d.port, "/ace/getstream?preferred_audio_language=eng"
                              "&transcode_audio=1&content_id=" + ID.upper(), 1)
    check(st == 200 and sorted(d.http_status()["streams"]) == keys)
    check(e1.stats()["getstreams"] + e2.stats()["getstreams"] == 2,
          (e1.stats(), e2.stats()))
    plain.join(10)
    check(plain.result[0] == 200)


def test_ace_url_input_turned_off_is_403():
    e = Engine()
    d = ace_daemon([e], "allow_url_input = false;")
    for path in ("/ace/getstream?url=" + q("http://t/%s.torrent" % ID),
                 "/ace/manifest.m3u8?magnet=" + q(magnet_of(ID))):
        st, hdrs, body = http_get(d.port, path)
        check(st == 403 and hdrs.get("content-type") == "application/json" and
              "allow_url_input" in json.loads(body)["error"], (path, st, body))
    st, _, body = read_stream(d.port, "/ace/getstream?id=" + ID, 1)
    check(st == 200 and len(body) > 0)
    check(e.stats()["getstreams"] == 1, e.stats())


def test_ace_bad_url_and_magnet_inputs_are_400_with_a_reason():
    e = Engine()
    d = ace_daemon([e])
    bad = {
        "url=" + q("ftp://t/x.torrent"): "http",
        "url=" + q("http://t/a b.torrent"): "spaces",
        "url=" + q("http:///x.torrent"): "host",
        "url=" + q("http://t/" + "a" * 2048): "2048",
        "magnet=" + q("http://t/x"): "magnet:?",
        "magnet=" + q("magnet:?dn=x"): "btih",
        "id=%s&transcode_audio=%s" % (ID, q("1;rm")): "option",
    }
    for query, why in bad.items():
        st, hdrs, body = http_get(d.port, "/ace/getstream?" + query)
        check(st == 400 and hdrs.get("content-type") == "application/json" and
              why in json.loads(body)["error"], (query[:60], st, body))
    time.sleep(0.3)
    check(e.stats()["getstreams"] == 0 and d.http_status()["streams"] == {})


def engine_health(d):
    return [x["health"] for x in d.http_status()["acestream"]["engines"]]


def test_ace_unhealthy_engine_is_skipped():
    e1, e2 = Engine(), Engine()
    e1.fault(down=1)
    d = ace_daemon([e1, e2])
    wait_for(lambda: engine_health(d) == ["down", "up"], 15,
             what="engine 1 seen down by its health checks")
    check(e1.stats()["version_checks"] >= 1, e1.stats())
    st, _, body = read_stream(d.port, "/ace/getstream?id=" + ID, 2)
    check(st == 200 and len(body) > 0)
    check(e1.stats()["starts"] == 0 and e2.stats()["starts"] == 1)
    rc, out, err = d.ctl("status")
    check(e1.base in out and "down" in out, out)
    metrics = http_get(d.port, "/metrics")[2].decode()
    check('ringcast_ace_engine_up{engine="%s"} 0' % e1.base in metrics, metrics)
    # both down: nothing can start; back up: it is used again
    e2.fault(down=1)
    wait_for(lambda: engine_health(d) == ["down", "down"], 15, what="both down")
    st, hdrs, body = http_get(d.port, "/ace/getstream?id=" + ID2)
    check(st == 503 and "no engine is up" in json.loads(body)["error"], body)
    check(hdrs.get("retry-after") == "10", hdrs)
    e1.clear()
    wait_for(lambda: engine_health(d)[0] == "up", 10, what="engine 1 up again")
    st, _, body = read_stream(d.port, "/ace/getstream?id=" + ID2, 2)
    check(st == 200 and e1.stats()["starts"] == 1, e1.stats())


def test_ace_playlist_m3u_lists_content_ids_by_their_route():
    e = Engine()
    d = ace_daemon([e])
    p = Player(d.port, "/ace/getstream?infohash=" + ID, 3)
    p.start()
    wait_for(lambda: e.stats()["playback_pulls"] == 1, 10, what="the stream")
    body = http_get(d.port, "/playlist.m3u")[2].decode()
    check("/ace/getstream?infohash=%s\n" % ID in body, body)
    check(d.http_status()["streams"]["infohash-" + ID]["acestream"]["id_type"]
          == "infohash")
    p.join(10)


def test_ace_silent_engine_moves_to_next_after_prebuffer_timeout():
    # a stalled engine that reports peers is given prebuffer_timeout,
    # not start_timeout, before its stream moves on
    e1, e2 = Engine(), Engine()
    e1.fault(stall=1)
    d = ace_daemon([e1, e2], "start_timeout = 3; prebuffer_timeout = 5.5;"
                   " retry_min = 0.2;")
    st, hdrs, body = read_stream(d.port, "/ace/getstream?id=" + ID, 9)
    check(st == 200 and len(body) > 100 * 188, "%d, %d bytes" % (st, len(body)))
    s1 = e1.stats()
    check(s1["starts"] == 1 and s1["stops"] == 1 and s1["playback_pulls"] >= 2,
          "one session, asked again past start_timeout, then stopped: %s" % s1)
    check(e2.stats()["playback_pulls"] == 1, e2.stats())


def test_ace_slow_engine_moves_to_next_engine():
    e1, e2 = Engine(), Engine()
    e1.fault(slow=6)
    d = ace_daemon([e1, e2], "start_timeout = 1.0; retry_min = 0.2;")
    st, hdrs, body = read_stream(d.port, "/ace/getstream?id=" + ID, 5)
    check(st == 200 and len(body) > 100 * 188, "%d, %d bytes" % (st, len(body)))
    check(e2.stats()["starts"] == 1 and e2.stats()["playback_pulls"] == 1, e2.stats())
    check(d.http_status()["streams"][ID]["acestream"]["engine"] == e2.base)
    check(d.stop() == 0)
    # a start the engine answered after ringcast gave up is not ours to stop;
    # every session ringcast knew of is stopped
    s2 = e2.stats()
    check(s2["stops"] == s2["starts"] == 1, s2)


def test_ace_dropped_playback_is_pulled_again_same_session():
    e = Engine()
    e.fault(die=300000)
    d = ace_daemon([e], "retry_min = 0.2;")
    p = Player(d.port, "/ace/getstream?id=" + ID, 8)
    p.start()
    wait_for(lambda: e.stats()["playback_pulls"] >= 3, 15,
             what="playbacks dying, pulled again")
    p.join(15)
    st, _, body = p.result
    check(st == 200 and len(body) > 3 * 300000 * 0.8 and ts_aligned(body),
          "%d, %d bytes" % (st, len(body)))
    s = e.stats()
    check(s["starts"] == 1 and s["stops"] == 0, "one session, kept: %s" % s)
    check(d.stop() == 0)
    s = e.stats()
    check(s["stops"] == s["starts"] == 1 and s["active_sessions"] == 0, s)


def test_ace_fetcher_sigkill_respawns_on_same_ring():
    e = Engine()
    d = ace_daemon([e])
    p = Player(d.port, "/ace/getstream?id=" + ID, 9)
    p.start()
    wait_for(lambda: d.http_status()["streams"].get(ID, {}).get("state") == "running",
             10, what="the stream to run")
    time.sleep(1)
    rings = [n for n in shm_objects() if n.startswith("ringcast.%d.ring" % d.pid())]
    check(len(rings) == 1, rings)
    pid = d.http_status()["streams"][ID]["pid"]
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: d.http_status()["streams"][ID]["pid"] not in (0, pid), 10,
             what="a new fetcher")
    served = d.http_status()["streams"][ID]["bytes_out"]
    wait_for(lambda: d.http_status()["streams"][ID]["bytes_out"] > served + 50 * 188,
             10, what="players fed by the new fetcher")
    check([n for n in shm_objects() if n.startswith("ringcast.%d.ring" % d.pid())]
          == rings, "the same ring")
    p.join(15)
    st, _, body = p.result
    check(st == 200 and ts_aligned(body), "player: %d" % st)
    st = d.http_status()["streams"][ID]
    check(st["fetcher_restarts"] == 1 and st["clients_served"] == 1, st)
    # the killed fetcher's session was stopped for it
    wait_for(lambda: e.stats()["stops"] == 1, 5, what="the orphaned session stopped")
    check(e.stats()["starts"] == 2 and e.stats()["active_sessions"] == 1, e.stats())
    check(d.stop() == 0)
    s = e.stats()
    check(s["stops"] == s["starts"] == 2 and s["stops_repeated"] == 0, s)


def test_ace_bad_ids_are_refused_and_start_nothing():
    e = Engine()
    d = ace_daemon([e])
    bad = {
        "id=" + ID[:39]: "too short",
        "id=" + ID[:39] + "g": "hex",
        "content_id=" + "a" * 4096: "too long",
        "infohash=" + ID + "0": "too long",
        "id=": "missing",
        "foo=" + ID: "missing",
    }
    for route in ("/ace/getstream", "/ace/manifest.m3u8"):
        for q, why in bad.items():
            st, hdrs, body = http_get(d.port, "%s?%s" % (route, q))
            check(st == 400, "%s?%s: %d" % (route, q[:60], st))
            check(hdrs.get("content-type") == "application/json")
            check(why in json.loads(body)["error"], body)
    # 10 KB: past the daemon-wide limit on a request target (8 KB), so
    # refused before any route as too long (414, JSON), like any target
    for route in ("/ace/getstream", "/ace/manifest.m3u8"):
        st, hdrs, body = http_get(d.port, "%s?content_id=%s" % (route, "a" * 10240))
        check(st == 414, "10 KB id: %d" % st)
        check(hdrs.get("content-type") == "application/json")
        check("error" in json.loads(body), body)
    st, _, _ = http_get(d.port, "/ace/other?id=" + ID)
    check(st == 404)
    time.sleep(0.5)
    check(e.stats()["starts"] == 0, e.stats())
    check(d.http_status()["streams"] == {}, d.http_status()["streams"])


def test_ace_ringcastctl_stop_ends_players_and_session():
    e = Engine()
    d = ace_daemon([e])
    sub = Subscriber(d)
    p = Player(d.port, "/ace/getstream?id=" + ID, 20)
    p.start()
    wait_playing(d, ID)
    rc, out, err = d.ctl("status")
    check(rc == 0 and ("content id " + ID) in out and e.base in out, out)
    rc, out, err = d.ctl("stop", ID)
    check(rc == 0, err)
    p.join(10)
    check(not p.is_alive(), "the player's response ended")
    wait_for(lambda: sub.find("stream_ended", stream=ID), 5, what="stream_ended")
    check(sub.find("stream_ended", stream=ID)["reason"] == "stopped")
    check(e.stats()["stops"] == 1 and e.stats()["starts"] == 1, e.stats())
    check(stream_gone(d, ID))
    rc, out, err = d.ctl("stop", ID)
    check(rc == 1, "a stopped id is gone")


def test_ace_reload_ends_streams_of_removed_engines():
    e1, e2 = Engine(), Engine()
    d = Daemon(extra='acestream = { engines = [ "%s" ]; };' % e1.base).start()
    sub = Subscriber(d)
    p = Player(d.port, "/ace/getstream?id=" + ID, 20)
    p.start()
    wait_playing(d, ID)
    check(e1.stats()["playback_pulls"] == 1, e1.stats())
    d.extra = 'acestream = { engines = [ "%s" ]; };' % e2.base
    d.write_conf()
    d.signal(signal.SIGHUP)
    wait_for(lambda: sub.find("stream_ended", stream=ID), 10, what="stream_ended")
    check(sub.find("stream_ended", stream=ID)["reason"] == "reload")
    check(e1.stats()["stops"] == 1, e1.stats())
    p.join(10)
    check(not p.is_alive(), "the player's response ended")
    st, _, body = read_stream(d.port, "/ace/getstream?id=" + ID, 3)
    check(st == 200 and len(body) > 0)
    check(e2.stats()["starts"] == 1 and e1.stats()["starts"] == 1)
    engines = d.http_status()["acestream"]["engines"]
    check([x["url"] for x in engines] == [e2.base], engines)


def test_ace_reload_without_acestream_ends_its_streams():
    e = Engine()
    d = ace_daemon([e])
    p = Player(d.port, "/ace/getstream?id=" + ID, 20)
    p.start()
    wait_playing(d, ID)
    wait_for(lambda: d.children("engine monitor"), 5, what="the engine monitor")
    d.extra = ""
    d.write_conf()
    d.signal(signal.SIGHUP)
    wait_for(lambda: stream_gone(d, ID), 10, what="the stream to end")
    p.join(10)
    check(not p.is_alive(), "the player's response ended")
    s = e.stats()
    check(s["starts"] == 1 and s["stops"] == 1 and s["active_sessions"] == 0, s)
    wait_for(lambda: not d.children("engine monitor"), 10,
             what="the engine monitor to go")
    check("acestream" not in d.http_status())
    st, _, body = http_get(d.port, "/ace/getstream?id=" + ID)
    check(st == 404, body)
    check(e.stats()["starts"] == 1)


def test_ace_shutdown_stops_every_session():
    e1, e2 = Engine(), Engine()
    d = ace_daemon([e1, e2], "max_streams_per_engine = 1;")
    players = [Player(d.port, "/ace/getstream?id=" + i, 20) for i in (ID, ID2)]
    for p in players:
        p.start()
    wait_playing(d, ID)
    wait_playing(d, ID2)
    check(d.stop() == 0)
    for e in (e1, e2):
        s = e.stats()
        check(s["starts"] == 1 and s["stops"] == 1 and s["active_sessions"] == 0, s)
    for p in players:
        p.join(10)
        check(not p.is_alive())


def test_ace_unconfigured_is_not_found():
    d = Daemon().start()
    st, _, body = http_get(d.port, "/ace/getstream?id=" + ID)
    check(st == 404 and "not configured" in json.loads(body)["error"], body)


# ---- silence, VOD, port maps, health (issue #18) ----

def test_ace_prebuffering_15s_three_players_one_session_none_dropped():
    e = Engine()
    e.fault(prebuf=15)
    d = ace_daemon([e])
    players = [Player(d.port, "/ace/getstream?id=" + ID, 22) for _ in range(3)]
    t0 = time.time()
    for p in players:
        p.start()
    wait_for(lambda: d.http_status()["streams"].get(ID, {}).get("clients") == 3,
             10, what="3 players connected")
    time.sleep(8)
    st = d.http_status()["streams"][ID]
    check(st["clients"] == 3, "players kept while prebuffering: %s" % st)
    check(st["acestream"]["status"] == "prebuf", st["acestream"])
    check(e.stats()["starts"] == 1, e.stats())
    wait_for(lambda: d.http_status()["streams"][ID]["healthy"], 15,
             what="the stream to flow")
    flowed = time.time() - t0
    for p in players:
        p.join(30)
    for p in players:
        st, hdrs, body = p.result
        check(st == 200 and hdrs.get("content-type") == "video/mp2t", (st, hdrs))
        check(p.held >= 21, "disconnected after %.1f s" % p.held)
        check(ts_aligned(body) and len(media_packets(body)) > 200,
              "%d media packets" % len(media_packets(body)))
    s = e.stats()
    check(s["starts"] == 1 and s["stops"] == 0, "exactly 1 session: %s" % s)
    print("prebuffer 15 s: TS flowed after %.1f s; 3 players held %s s; "
          "starts %d, pulls %d" % (flowed, [round(p.held, 1) for p in players],
                                   s["starts"], s["playback_pulls"]))


def test_ace_starvation_20s_midstream_keeps_players_and_session():
    e = Engine()
    d = ace_daemon([e], "retry_min = 0.5;")
    players = [Player(d.port, "/ace/getstream?id=" + ID, 30) for _ in range(2)]
    for p in players:
        p.start()
    wait_playing(d, ID, players=2)
    time.sleep(1)
    e.fault(starve=20)
    t0 = time.time()
    time.sleep(12)      # past data_timeout (10 s): the playback is asked again
    st = d.http_status()["streams"][ID]
    check(st["clients"] == 2, "players kept while starved: %s" % st)
    before = st["bytes_in"]
    wait_for(lambda: d.http_status()["streams"][ID]["bytes_in"] > before + 100000,
             15, what="data after the starvation")
    resumed = time.time() - t0
    for p in players:
        p.join(30)
        st, _, body = p.result
        check(st == 200 and p.held >= 29, "player: %d, held %.1f s" % (st, p.held))
        tail = body[-300000:]
        check(ts_aligned(body) and len(media_packets(tail)) > 500,
              "media after the starvation: %d packets" % len(media_packets(tail)))
    s = e.stats()
    check(s["starts"] == 1 and s["stops"] == 0, "exactly 1 session: %s" % s)
    check(s["playback_pulls"] >= 2, "its playback asked again: %s" % s)
    print("starvation 20 s: data again after %.1f s; starts %d, pulls %d"
          % (resumed, s["starts"], s["playback_pulls"]))


def test_ace_vod_plays_once_to_its_end_one_session():
    e = Engine()
    e.fault(vod=1)
    d = ace_daemon([e])
    sub = Subscriber(d)
    t0 = time.time()
    st, hdrs, body = read_stream(d.port, "/ace/getstream?id=" + ID, 30)
    took = time.time() - t0
    with open(harness.SAMPLE, "rb") as f:
        media = media_packets(f.read())
    got = media_packets(body)
    check(st == 200 and ts_aligned(body), st)
    check(took < 25, "the body ended (after %.1f s)" % took)
    check(len(got) >= len(media) - 2, "whole file: %d of its %d packets"
          % (len(got), len(media)))
    check(got[-1][4:] == media[-1][4:], "the file's last packet came")
    wait_for(lambda: sub.find("stream_ended", stream=ID), 5, what="stream_ended")
    check(sub.find("stream_ended", stream=ID)["reason"] == "eof")
    time.sleep(1)
    s = e.stats()
    check(s["starts"] == 1 and s["playback_pulls"] == 1 and s["stops"] == 1,
          "1 session, no restart: %s" % s)
    print("VOD: %d of the file's %d packets in %.1f s, then the body ended;"
          " starts %d" % (len(got), len(media), took, s["starts"]))


def test_ace_port_mapped_engine_plays_its_urls_rebased():
    e = mapped_engine()
    d = ace_daemon([e])
    st, _, body = read_stream(d.port, "/ace/getstream?id=" + ID, 3)
    check(st == 200 and ts_aligned(body) and len(media_packets(body)) > 100,
          "%d, %d bytes: %s" % (st, len(body), d.log_text()))
    check(e.stats()["starts"] == 1 and e.stats()["playback_pulls"] == 1)
    check(d.stop() == 0)
    s = e.stats()
    check(s["stops"] == s["starts"] == 1, "stopped at the rebased URL: %s" % s)
    # rebase_urls = false: the URLs as given lead nowhere, the engine reports
    # no progress (its stat_url too): the next engine after start_timeout
    e2 = Engine()
    d = ace_daemon([e, e2], "rebase_urls = false; start_timeout = 2;"
                   " retry_min = 0.2;")
    st, _, body = read_stream(d.port, "/ace/getstream?id=" + ID, 7)
    check(st == 200 and len(media_packets(body)) > 100, "%d bytes" % len(body))
    check(e.stats()["starts"] == 2 and e.stats()["playback_pulls"] == 1,
          "unreachable as given: %s" % e.stats())
    check(e2.stats()["playback_pulls"] == 1, e2.stats())


def engine_row(d, i):
    return d.http_status()["acestream"]["engines"][i]


def test_ace_health_one_failed_check_keeps_three_take_out_offline_takes_out():
    e1, e2 = Engine(), Engine()
    d = ace_daemon([e1, e2])
    wait_for(lambda: engine_health(d) == ["up", "up"], 10, what="both up")
    e1.fault(down_checks=1)
    wait_for(lambda: engine_row(d, 0)["failed_checks"] == 1, 8,
             what="a failed check")
    check(engine_row(d, 0)["health"] == "up", engine_row(d, 0))
    p = Player(d.port, "/ace/getstream?id=" + ID, 3)
    p.start()
    wait_for(lambda: e1.stats()["playback_pulls"] == 1, 10,
             what="a stream on the engine that failed once")
    p.join(10)
    wait_for(lambda: engine_row(d, 0)["failed_checks"] == 0, 8, what="a good check")
    # no network on engine 2, 3 failed checks in a row on engine 1
    e2.fault(offline=1)
    e1.fault(down_checks=3)
    seen = set()

    def down():
        r = [engine_row(d, 0), engine_row(d, 1)]
        seen.update((i, x["failed_checks"], x["health"]) for i, x in enumerate(r))
        return [x["health"] for x in r] == ["down", "down"]
    wait_for(down, 15, step=0.2, what="both engines down")
    check((0, 2, "up") in seen and (1, 2, "up") in seen,
          "up after 2 failed checks: %s" % sorted(seen))
    check(engine_row(d, 1)["network"] is False, engine_row(d, 1))
    metrics = http_get(d.port, "/metrics")[2].decode()
    check('ringcast_ace_engine_network_connected{engine="%s"} 0' % e2.base
          in metrics, metrics)
    m = re.search(r'ringcast_ace_engine_failed_checks\{engine="%s"\} (\d+)'
                  % re.escape(e2.base), metrics)
    check(m and int(m.group(1)) >= 3, metrics)
    st, _, body = http_get(d.port, "/ace/getstream?id=" + ID2)
    check(st == 503 and "no engine is up" in json.loads(body)["error"], body)
    check(e1.stats()["version_checks"] >= 5 and e2.stats()["network_checks"] >= 3,
          (e1.stats(), e2.stats()))
    # engine 1's faulty checks are used up: 1 good check and it is up
    wait_for(lambda: engine_health(d)[0] == "up", 8, what="engine 1 up again")
    check(engine_health(d)[1] == "down")
    e2.clear()
    wait_for(lambda: engine_health(d)[1] == "up", 8, what="engine 2 up again")
    check(engine_row(d, 1)["network"] is True, engine_row(d, 1))


def test_ace_stop_of_a_session_the_engine_dropped_is_not_an_error():
    e = Engine()
    d = ace_daemon([e], "retry_min = 0.2;")
    p = Player(d.port, "/ace/getstream?id=" + ID, 8)
    p.start()
    wait_playing(d, ID)
    sess = d.http_status()["streams"][ID]["acestream"]["session"]
    ih = infohash_of(ID)
    # the engine drops the session behind ringcast's back
    st, _, body = http_get(e.port, "/ace/cmd/%s/%s?method=stop" % (ih, sess))
    check(st == 200 and json.loads(body)["response"] == "ok", body)
    wait_for(lambda: e.stats()["starts"] == 2, 10, what="a new session")
    p.join(15)
    check(p.result[0] == 200 and p.held >= 7, "the player stayed")
    s = e.stats()
    check(s["stops_unknown"] == 1, "ringcast's stop of the dropped one: %s" % s)
    log = d.log_text(whole=True)
    check("already gone" in log and ("stop of session %s" % sess) not in log,
          log[-2000:])
    check(d.stop() == 0)
    s = e.stats()
    check(s["stops"] == s["starts"] == 2 and s["active_sessions"] == 0, s)
