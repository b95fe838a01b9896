"""The AceStream engine's JSON API as ringcast answers it, for the
clients that drive an engine through it (python-acestream in Kodi add-ons
and the like): get_version, getstream and manifest.m3u8 with
format=json, stat polls that hold the stream, stop, and holds that
outlive workers.  Split from test_ace.py (issue #22: no file over 900
lines); its helpers are that file's."""

import json
import os
import signal
import time
import urllib.parse

from harness import Engine, check, http_get, ts_aligned, wait_for
from test_ace import ID, ID2, Player, ace_daemon, stream_gone


def api_get(d, url_or_path, query=""):
    """GET a URL ringcast gave (or a path) on D: (status, parsed JSON)."""
    parts = urllib.parse.urlsplit(url_or_path)
    path = parts.path + ("?" + parts.query if parts.query else "") + query
    st, hdrs, body = http_get(d.port, path)
    check(hdrs.get("content-type") == "application/json", (path, hdrs))
    return st, json.loads(body)


def api_session(d, route, cid=ID):
    """A JSON getstream (or manifest.m3u8) as an engine client makes it."""
    st, j = api_get(d, "/ace/%s?format=json&id=%s" % (route, cid))
    check(st == 200 and j["error"] is None, j)
    r = j["response"]
    base = "http://127.0.0.1:%d/" % d.port
    for k in ("playback_url", "stat_url", "command_url"):
        check(r[k].startswith(base), (k, r[k]))
    check(len(r["playback_session_id"]) == 40, r)
    check(r["stat_url"].endswith("/" + r["playback_session_id"]), r)
    check(r["infohash"] == cid and r["is_live"] == 1, r)
    check(r["is_encrypted"] == 0 and r["client_session_id"] == -1, r)
    return r


def test_ace_engine_api_client_plays_polls_stops_then_stream_idles_out():
    e = Engine()
    d = ace_daemon([e], "idle_timeout = 1.0;")
    st, j = api_get(d, "/webui/api/service?method=get_version&format=json")
    check(st == 200 and j["error"] is None, j)
    check(j["result"]["version"] == "3.2.3" and j["result"]["code"] == 3020300, j)
    check(j["result"]["platform"] == "linux", j)
    st, j = api_get(d, "/webui/api/service?method=get_status")
    check(st == 400 and j["result"] is None and j["error"], j)
    r = api_session(d, "getstream")
    check(urllib.parse.urlsplit(r["playback_url"]).path == "/stream/" + ID, r)
    # the playback URL plays the shared stream, and stat counts its player
    path = urllib.parse.urlsplit(r["playback_url"]).path
    p = Player(d.port, path, 3)
    p.start()
    wait_for(lambda: api_get(d, r["stat_url"])[1]["response"]["clients"] >= 1,
             10, what="the player in stat")
    p.join(10)
    st, hdrs, body = p.result
    check(st == 200 and len(body) > 100 * 188 and ts_aligned(body), (st, len(body)))
    # no player, only the hold: polls every 0.5 s for well over
    # idle_timeout keep the stream up, and its figures come through
    t_end = time.time() + 5
    while time.time() < t_end:
        # as python-acestream asks it: with an empty query
        st, j = api_get(d, r["stat_url"], "?")
        check(st == 200 and j["error"] is None, j)
        s = j["response"]
        check(s["status"] in ("dl", "prebuf", "check"), s)
        for k in ("peers", "speed_down", "speed_up", "downloaded", "clients"):
            check(isinstance(s[k], int), (k, s))
        check(not stream_gone(d, ID), "the held stream idled out")
        time.sleep(0.5)
    check(s["status"] == "dl" and s["downloaded"] > 0, s)
    # stop drops the hold: the engine's answers, then the idle end
    st, j = api_get(d, r["command_url"], "?method=stop")
    check(st == 200 and j == {"response": "ok", "error": None}, j)
    st, j = api_get(d, r["command_url"], "?method=stop")
    check(j == {"response": None, "error": "unknown playback session id"}, j)
    st, j = api_get(d, r["stat_url"])
    check(j == {"response": None, "error": "unknown playback session id"}, j)
    wait_for(lambda: stream_gone(d, ID), 10, what="the stream to idle out")
    s = e.stats()
    check(s["starts"] == 1 and s["stops"] == 1 and s["playback_pulls"] == 1, s)


def test_ace_engine_api_manifest_json_plays_hls_holds_outlive_workers_unknown_refused():
    e = Engine()
    d = ace_daemon([e], "idle_timeout = 1.0;")
    r = api_session(d, "manifest.m3u8")
    path = urllib.parse.urlsplit(r["playback_url"]).path
    check(path == "/hls/%s/index.m3u8" % ID, r)
    st, _, body = http_get(d.port, path, timeout=15)
    check(st == 200 and body.startswith(b"#EXTM3U"), (st, body[:200]))
    seg = [l for l in body.decode().splitlines() if l and not l.startswith("#")][0]
    st, _, body = http_get(d.port, "/hls/%s/%s" % (ID, seg))
    check(st == 200 and len(body) > 0 and ts_aligned(body), (st, len(body)))
    # a second JSON client of the same id: its own hold, the same stream
    r2 = api_session(d, "getstream")
    check(r2["playback_session_id"] != r["playback_session_id"], (r, r2))
    check(e.stats()["starts"] == 1, e.stats())
    # holds live in shared memory: workers killed and respawned know them
    old = set(d.children("worker"))
    for pid in old:
        os.kill(pid, signal.SIGKILL)
    wait_for(lambda: len(set(d.children("worker")) - old) == 2, 10,
             what="new workers")
    for _ in range(6):	# any worker may answer: the same hold everywhere
        st, j = api_get(d, r2["stat_url"])
        check(st == 200 and j["error"] is None, j)
    # a Host header without a port: the URLs name the port all the same
    st, _, body = http_get(d.port, "/ace/getstream?format=json&id=" + ID,
                           headers={"Host": "tv.example"})
    r3 = json.loads(body)["response"]
    check(r3["stat_url"].startswith("http://tv.example:%d/ace/stat/" % d.port), r3)
    check(api_get(d, r3["command_url"], "?method=stop")[1]["response"] == "ok")
    # unknown holds and streams, bad paths and methods
    unknown = {"response": None, "error": "unknown playback session id"}
    other = "0" * 40
    for u in ("/ace/stat/%s/%s" % (ID, other), "/ace/stat/%s/%s" % (ID2, other),
              "/ace/stat/%s/%s" % (ID2, r["playback_session_id"])):
        check(api_get(d, u) == (200, unknown), u)
    check(api_get(d, "/ace/cmd/%s/%s?method=stop" % (ID, other)) == (200, unknown))
    st, j = api_get(d, "/ace/stat/%s/xyz" % ID)
    check(st == 404 and j["response"] is None and j["error"], j)
    st, j = api_get(d, r["command_url"], "?method=pause")
    check(st == 400 and j["response"] is None, j)
    # the id checks of the non-JSON routes, before anything starts
    st, _, body = http_get(d.port, "/ace/getstream?format=json&id=" + ID[:39])
    check(st == 400 and "too short" in json.loads(body)["error"], body)
    for x in (r, r2):
        check(api_get(d, x["command_url"], "?method=stop")[1]["response"] == "ok")
    wait_for(lambda: stream_gone(d, ID), 10, what="the stream to idle out")
    s = e.stats()
    check(s["starts"] == 1 and s["stops"] == 1, s)
