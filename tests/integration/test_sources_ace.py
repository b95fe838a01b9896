"""AceStream entries of channel lists: a lineup channel whose entry is
acestream://ID (or an engine's getstream link) plays at /stream/NAME and
/hls/NAME/index.m3u8 through the configured engines as the content id
would through /ace/getstream?id=ID, and both share one engine session
and one playback pull (an HDHomeRun tuner's /tuner/NAME too); without
engines it is a 503 with a JSON reason."""

import json

from harness import Engine, check, http_get, read_stream, wait_for
from test_ace import Player, engine_id
from test_sources import entry, sources_daemon, wait_lineup

ID = "0123456789abcdef0123456789abcdef01234567"
ID2 = "fedcba9876543210fedcba9876543210fedcba98"


def ace_list(engine):
    return ("#EXTM3U\n" + entry("Ace One", "acestream://" + ID, "Ace") +
            entry("Ace Link", engine.url("/ace/getstream?id=" + ID2), "Ace"))


def ace_sources_daemon(e):
    """A daemon with the list of ace_list and engine E configured."""
    return sources_daemon(None, [("main", ace_list(e))],
                          extra='acestream = { engines = [ "%s" ]; };' % e.base)


def test_sources_ace_channel_plays_and_shares_the_content_ids_session():
    e = Engine()
    d = ace_sources_daemon(e)
    d.start()
    wait_lineup(d, lambda c: "ace-one" in c and "ace-link" in c, "the lineup")
    p1 = Player(d.port, "/stream/ace-one", 6)
    p1.start()
    wait_for(lambda: engine_id(e, ID)["pulls"] == 1, 10, what="the channel's pull")
    p2 = Player(d.port, "/ace/getstream?id=" + ID, 3)
    p2.start()
    # /channels shows the content-id stream's state for the channel
    st, _, body = http_get(d.port, "/channels")
    chans = {c["name"]: c for c in json.loads(body)["channels"]}
    check(chans["ace-one"]["state"] == "running" and
          chans["ace-one"]["enabled"] is True and
          chans["ace-link"]["state"] == "idle", chans)
    p1.join()
    p2.join()
    for p in (p1, p2):
        st, _, body = p.result
        check(st == 200 and len(body) > 188 * 20 and body[0] == 0x47,
              (p.path, st, len(body)))
    s = e.stats()
    check(s["starts"] == 1 and s["playback_pulls"] == 1, s)
    check(engine_id(e, ID)["starts"] == 1, engine_id(e, ID))
    # one stream, named by the content id, in /status
    names = list(d.http_status()["streams"])
    check(ID in names and "ace-one" not in names, names)
    d.stop()
    e.stop()


def test_sources_ace_engine_link_channel_plays_hls():
    e = Engine()
    d = ace_sources_daemon(e)
    d.start()
    wait_lineup(d, lambda c: "ace-link" in c, "the lineup")
    st, _, body = http_get(d.port, "/hls/ace-link/index.m3u8", timeout=30)
    check(st == 200 and b"#EXTM3U" in body, (st, body))
    segs = [l for l in body.decode().splitlines() if l and l[0] != "#"]
    check(segs and all(s.startswith("/hls/%s/" % ID2) for s in segs), segs)
    st, _, seg = http_get(d.port, segs[0])
    check(st == 200 and seg[0] == 0x47, (st, seg[:4]))
    # the TS player of the same id joins the session
    st, _, ts = read_stream(d.port, "/ace/getstream?id=" + ID2, 2)
    check(st == 200 and ts[0] == 0x47, st)
    check(engine_id(e, ID2)["starts"] == 1, engine_id(e, ID2))
    d.stop()
    e.stop()


def test_sources_ace_channel_without_engines_is_503_json():
    e = Engine()
    d = sources_daemon(None, [("main", ace_list(e))])
    d.start()
    wait_lineup(d, lambda c: "ace-one" in c, "the lineup")
    for path in ("/stream/ace-one", "/hls/ace-one/index.m3u8"):
        st, _, body = http_get(d.port, path)
        check(st == 503, (path, st, body))
        check("engine" in json.loads(body)["error"], body)
    check(e.stats()["starts"] == 0, e.stats())
    d.stop()
    e.stop()


def test_sources_ace_channel_on_an_hdhomerun_tuner():
    e = Engine()
    d = sources_daemon(None, [("main", ace_list(e))],
                       extra='acestream = { engines = [ "%s" ]; }; '
                       'hdhomerun = { enabled = true; tuner_count = 1; };' % e.base)
    d.start()
    wait_lineup(d, lambda c: "ace-one" in c, "the lineup")
    st, _, body = http_get(d.port, "/lineup.json")
    lineup = json.loads(body)
    check([(c["GuideNumber"], c["GuideName"]) for c in lineup] ==
          [("1", "Ace One"), ("2", "Ace Link")], lineup)
    check(lineup[0]["URL"].endswith("/tuner/ace-one"), lineup)
    p1 = Player(d.port, "/tuner/ace-one", 4)
    p1.start()
    wait_for(lambda: engine_id(e, ID)["pulls"] == 1, 10, what="the tuner's pull")
    st, _, body = http_get(d.port, "/tuner/ace-link")
    check(st == 503 and "tuners" in json.loads(body)["error"], (st, body))
    st, _, ts = read_stream(d.port, "/stream/ace-one", 2)
    check(st == 200 and ts[0] == 0x47, st)
    p1.join()
    st, _, body = p1.result
    check(st == 200 and body[0] == 0x47, (st, len(body)))
    check(e.stats()["starts"] == 1 and e.stats()["playback_pulls"] == 1, e.stats())
    d.stop()
    e.stop()
