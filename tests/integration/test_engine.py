"""The test AceStream engine itself (tests/engine/engine.c), without the
daemon: the getstream answer and its inputs (content id resolved to an
infohash, url, magnet), the playback (aligned TS from a PAT at real time,
ended by stop), stat, stop counted once and answered as the real engine
does, one session per infohash, get_version and the network status, every
fault (global and per id), input checks, the advertised port, and that a
slow request blocks nobody else."""

import json
import signal
import urllib.parse
import threading
import time

from harness import (SAMPLE, SLOW, Engine, check, http_get, read_stream, run_tool,
                     sample_rate, ts_aligned, ts_pid, wait_for)

RATE = sample_rate()
ID = "0123456789abcdef0123456789abcdef01234567"
ID2 = "fedcba9876543210fedcba9876543210fedcba98"   # ID's infohash, and back
ID3 = "00112233445566778899aabbccddeeff00112233"
HASH3 = "ffeeddccbbaa99887766554433221100ffeeddcc"    # ID3's infohash
HEX = "0123456789abcdef"


def is_sess(sess):
    return len(sess) == 40 and all(c in HEX for c in sess)


def get_json(e, path, status=200):
    st, hdrs, body = http_get(e.port, path)
    check(st == status, "%s: HTTP %d, wanted %d: %r" % (path, st, status, body))
    check(hdrs.get("content-type") == "application/json", hdrs)
    return json.loads(body)


def start(e, cid=ID, key="id"):
    """A new session: the getstream answer's "response" object."""
    j = get_json(e, "/ace/getstream?format=json&%s=%s&pid=test" % (key, cid))
    check(j["error"] is None and j["response"] is not None, j)
    return j["response"]


def path_of(e, url):
    check(url.startswith(e.base + "/"), "%s is not under %s" % (url, e.base))
    return url[len(e.base):]


def first_pat_offset(data):
    for i in range(0, len(data) - 187, 188):
        if ts_pid(data[i:i + 188]) == 0 and data[i + 1] & 0x40:
            return i
    return -1


def test_engine_getstream_answer_shape():
    e = Engine()
    sessions = set()
    # a content id resolves to another infohash; an infohash is itself
    for key, want in (("id", ID2), ("content_id", ID2), ("infohash", ID)):
        r = start(e, key=key)
        sess = r["playback_session_id"]
        check(is_sess(sess), "40 lowercase hex digits: %s" % sess)
        check(sess not in sessions, "session ids are unique")
        sessions.add(sess)
        for field, kind in (("playback_url", "r"), ("stat_url", "stat"),
                            ("command_url", "cmd")):
            check(r[field] == "%s/ace/%s/%s/%s" % (e.base, kind, want, sess), r)
        check(r["infohash"] == want and r["is_live"] == 1, r)
        check(r["is_encrypted"] == 0 and r["client_session_id"] == -1, r)
    # format=json may be left out (the content id ID2 resolves to ID)
    check(get_json(e, "/ace/getstream?id=" + ID2)["response"]["infohash"] == ID)
    st = e.stats()
    # each start ended the older session of its infohash
    check(st["starts"] == 4 and st["active_sessions"] == 2, st)
    check(st["superseded"] == 2 and st["getstreams"] == 4, st)
    check(st["ids"][ID2]["starts"] == 2 and st["ids"][ID]["starts"] == 2, st)
    check(st["ids"][ID2]["getstreams"] == 2 and st["ids"][ID]["getstreams"] == 2, st)
    # a bad id is an engine-shaped error, and starts nothing
    for bad in (ID[:39], ID + "0", "g" * 40, "", "a" * 10000, "%20" + ID[:37]):
        j = get_json(e, "/ace/getstream?format=json&id=" + bad)
        check(j["response"] is None and isinstance(j["error"], str) and j["error"],
              "id %r: %r" % (bad[:50], j))
    j = get_json(e, "/ace/getstream?format=json&pid=1")
    check(j["response"] is None and "id" in j["error"], j)
    st = e.stats()
    check(st["starts"] == 4 and len(st["ids"]) == 2, st)
    check(st["getstreams"] == 11, "error answers count as getstreams: %s" % st)


def test_engine_playback_is_aligned_ts_from_a_pat_at_real_time():
    e = Engine()
    r = start(e)
    path = path_of(e, r["playback_url"])
    # The first bytes are the sample itself from its first PAT on.
    sample = open(SAMPLE, "rb").read()
    pat = first_pat_offset(sample)
    st, hdrs, body = read_stream(e.port, path, 2, version="1.0")
    check(st == 200 and hdrs.get("content-type") == "video/mp2t", (st, hdrs))
    check("transfer-encoding" not in hdrs, "raw stream, not chunked: %s" % hdrs)
    check(len(body) > 188 * 100, "got %d bytes" % len(body))
    check(body == sample[pat:pat + len(body)], "not the sample from its first PAT")
    # Longer than one loop of the sample (10 s): continuous across the loop,
    # at about the sample's rate (no burst at the start, no falling behind).
    t = 12
    res = run_tool("tsclient", ["-t", str(t), e.url(path)], t + 5)
    check(res["status"] == 200 and res["content_type"] == "video/mp2t", res)
    check(res["aligned"] and res["first_is_pat"], res)
    check(res["cc_errors"] == 0, "continuity errors across the loop: %s" % res)
    check(not res["eof"], "a live playback does not end by itself: %s" % res)
    rate = res["rate_bps"] / 8.0
    check(0.9 * RATE < rate < 1.1 * RATE, "rate %.0f B/s, sample %.0f" % (rate, RATE))
    check(res["bytes"] < RATE * (t + 0.5), "burst: %d bytes in %d s" % (res["bytes"], t))
    wait_for(lambda: e.stats()["active_pulls"] == 0, 3, what="both playbacks ended")
    st = e.stats()
    check(st["playback_pulls"] == 2 and st["ids"][r["infohash"]]["pulls"] == 2, st)


def test_engine_stat_answer():
    e = Engine()
    r = start(e)
    read_stream(e.port, path_of(e, r["playback_url"]), 1, version="1.0")
    j = get_json(e, path_of(e, r["stat_url"]))
    check(j["error"] is None, j)
    s = j["response"]
    check(s["status"] == "dl" and s["total_progress"] == 0, s)
    for k in ("peers", "speed_down", "speed_up", "downloaded", "uploaded"):
        check(isinstance(s[k], int) and s[k] >= 0, "%s: %r" % (k, s))
    check(s["downloaded"] > RATE * 0.5, "downloaded %d after 1 s" % s["downloaded"])
    get_json(e, path_of(e, r["stat_url"]))
    check(e.stats()["stat_polls"] == 2, e.stats())
    # a session that does not exist, or under another id
    other = path_of(e, r["stat_url"]).replace(r["infohash"], ID3)
    check(get_json(e, other, 404)["response"] is None)
    j = get_json(e, "/ace/stat/%s/%s" % (r["infohash"], "0" * 40), 404)
    check(j["response"] is None and j["error"], j)
    check(e.stats()["stat_polls"] == 2, e.stats())


def test_engine_stop_counted_once_and_closes_the_playback():
    e = Engine()
    r = start(e)
    keep = start(e, ID2)            # another session, untouched by the stop
    cmd = path_of(e, r["command_url"])
    res = {}

    def play(key, url):
        res[key] = run_tool("tsclient", ["-t", "10", url], 15)
    threads = [threading.Thread(target=play, args=("a", r["playback_url"])),
               threading.Thread(target=play, args=("b", r["playback_url"])),
               threading.Thread(target=play, args=("c", keep["playback_url"]))]
    t0 = time.time()
    for th in threads:
        th.start()
    time.sleep(1.5)
    check(e.stats()["active_pulls"] == 3, e.stats())
    j = get_json(e, cmd + "?method=stop")
    check(j == {"response": "ok", "error": None}, j)
    threads[0].join()
    threads[1].join()
    for k in ("a", "b"):
        check(res[k]["eof"] and res[k]["bytes"] > RATE, res[k])
        check(res[k]["seconds"] < 4 * SLOW, "closed %.1f s after start" % res[k]["seconds"])
    check(time.time() - t0 < 5 * SLOW, "playbacks not closed by the stop")
    wait_for(lambda: e.stats()["active_pulls"] == 1, 3, what="stopped playbacks ended")
    st = e.stats()
    check(st["stops"] == 1 and st["stops_repeated"] == 0, st)
    check(st["active_sessions"] == 1 and st["active_pulls"] == 1, st)
    check(st["ids"][r["infohash"]]["stops"] == 1, st)
    check(st["ids"][keep["infohash"]]["stops"] == 0, st)
    # the stopped session is gone
    st_, _, _ = http_get(e.port, path_of(e, r["playback_url"]))
    check(st_ == 404, "playback of a stopped session: %d" % st_)
    get_json(e, path_of(e, r["stat_url"]), 404)
    # repeated stops: the real engine's error, HTTP 200, counted apart
    for n in (1, 2):
        j = get_json(e, cmd + "?method=stop")
        check(j == {"response": None, "error": "unknown playback session id"}, j)
        st = e.stats()
        check(st["stops"] == 1 and st["stops_repeated"] == n, st)
        check(st["stops_unknown"] == n, st)
    # other methods are refused and count nothing
    for q in ("?method=start", "?method=", ""):
        j = get_json(e, path_of(e, keep["command_url"]) + q, 400)
        check(j["response"] is None and "method" in j["error"], j)
    # a stop of a session that never existed: the same answer
    j = get_json(e, "/ace/cmd/%s/%s?method=stop" % (ID, "1" * 40))
    check(j == {"response": None, "error": "unknown playback session id"}, j)
    st = e.stats()
    check(st["stops"] == 1 and st["stops_repeated"] == 2, st)
    check(st["stops_unknown"] == 3, st)
    threads[2].join()
    check(not res["c"]["eof"] and res["c"]["bytes"] > RATE * 8, res["c"])


def test_engine_get_version():
    e = Engine()
    want = {"result": {"code": 3015000, "platform": "linux", "version": "3.1.75"},
            "error": None}
    check(get_json(e, "/webui/api/service?method=get_version") == want)
    check(get_json(e, "/webui/api/service?method=get_version&format=json") == want)
    for q in ("?method=stop", "", "?method=get_version&format=xml"):
        j = get_json(e, "/webui/api/service" + q, 400)
        check(j["result"] is None and j["error"], j)
    check(e.stats()["version_checks"] == 2, e.stats())


def test_engine_fault_error():
    e = Engine()
    e.fault(error=1)
    j = get_json(e, "/ace/getstream?format=json&id=" + ID)
    check(j == {"response": None, "error": "failed to start the stream (fault)"}, j)
    check(e.stats()["starts"] == 0, e.stats())
    # the engine's own words, for every id
    e.fault(error="failed to load transport file")
    j = get_json(e, "/ace/getstream?format=json&infohash=" + ID2)
    check(j == {"response": None, "error": "failed to load transport file"}, j)
    st = e.stats()
    check(st["starts"] == 0 and st["getstreams"] == 2, st)
    e.clear()
    start(e)
    check(e.stats()["starts"] == 1, e.stats())


def test_engine_fault_slow():
    e = Engine()
    e.fault(slow=2)
    t = time.time()
    r = start(e)
    dt = time.time() - t
    check(2.0 <= dt < 2.0 + 1.5 * SLOW, "slow=2 answered after %.2f s" % dt)
    check(r["infohash"] == ID2, r)
    e.clear()
    t = time.time()
    start(e)
    check(time.time() - t < 1.0 * SLOW, "still slow after clear")
    check(e.stats()["starts"] == 2, e.stats())


def test_engine_slow_getstream_does_not_block_others():
    e = Engine()
    r = start(e)
    e.fault(slow=5)
    done = {}

    def slow_start():
        done["r"] = start(e, ID2)
        done["t"] = time.time()
    th = threading.Thread(target=slow_start)
    t0 = time.time()
    th.start()
    time.sleep(0.3)
    t = time.time()
    st = e.stats()
    check(time.time() - t < 0.5 * SLOW, "/stats took %.2f s" % (time.time() - t))
    check(st["starts"] == 1, "the slow start is not counted yet: %s" % st)
    t = time.time()
    get_json(e, "/webui/api/service?method=get_version")
    get_json(e, path_of(e, r["stat_url"]))
    check(time.time() - t < 0.5 * SLOW, "get_version + stat took %.2f s" % (time.time() - t))
    t = time.time()
    res = run_tool("tsclient", ["-t", "1.5", r["playback_url"]], 5)
    check(res["status"] == 200 and res["ttfb_ms"] < 500 * SLOW, res)
    check(res["bytes"] > RATE * 0.8, res)
    check("r" not in done, "the slow getstream answered early")
    th.join()
    check(done["t"] - t0 >= 5.0, "slow=5 answered after %.2f s" % (done["t"] - t0))
    check(e.stats()["starts"] == 2, e.stats())


def test_engine_fault_die():
    e = Engine()
    r = start(e)
    e.fault(die=50000)
    res = run_tool("tsclient", ["-t", "5", r["playback_url"]], 10)
    check(res["status"] == 200 and res["bytes"] == 50000 and res["eof"], res)
    check(res["seconds"] < 2 * SLOW, "died after %.1f s" % res["seconds"])
    # the session lives on: after a clear the same URL plays on
    e.clear()
    res = run_tool("tsclient", ["-t", "1.5", r["playback_url"]], 5)
    check(res["bytes"] > RATE and not res["eof"], res)
    st = e.stats()
    check(st["playback_pulls"] == 2 and st["active_sessions"] == 1, st)


def test_engine_fault_stall():
    e = Engine()
    r = start(e)
    path = path_of(e, r["playback_url"])
    e.fault(stall=1)
    st, hdrs, body = read_stream(e.port, path, 1.5, version="1.0")
    check(st == 200 and body == b"", "stalled: %d, %d bytes" % (st, len(body)))
    got = {}

    def play():
        got["r"] = read_stream(e.port, path, 4, version="1.0")
    th = threading.Thread(target=play)
    th.start()
    time.sleep(1.5)
    check(e.stats()["active_pulls"] == 1, "a stalled playback stays open")
    e.clear()
    th.join()
    st, hdrs, body = got["r"]
    check(st == 200 and len(body) > RATE * 1.5, "after the clear: %d bytes" % len(body))
    check(len(body) < RATE * 3.5, "the stall was not made up with a burst: %d" % len(body))
    check(ts_aligned(body) and ts_pid(body) == 0, "starts with a PAT after a stall")


def test_engine_fault_down():
    e = Engine()
    r = start(e)
    e.fault(down=1)
    j = get_json(e, "/webui/api/service?method=get_version", 500)
    check(j["result"] is None and j["error"], j)
    j = get_json(e, "/ace/getstream?format=json&id=" + ID, 500)
    check(j["response"] is None and j["error"], j)
    st = e.stats()
    check(st["starts"] == 1 and st["version_checks"] == 1, st)
    e.clear()
    get_json(e, "/webui/api/service?method=get_version")
    start(e, ID2)
    check(e.stats()["starts"] == 2, e.stats())
    # several faults at once, and each may be turned off alone
    e.fault(error=1, down=1)
    get_json(e, "/ace/getstream?format=json&id=" + ID3, 500)
    e.fault(down=0)
    check(get_json(e, "/ace/getstream?format=json&id=" + ID3)["response"] is None)
    e.fault(error=0)
    start(e, ID3)
    st = e.stats()
    check(st["starts"] == 3 and st["active_sessions"] == 3, st)
    check(st["getstreams"] == 6 and st["ids"][HASH3]["getstreams"] == 3, st)
    check(get_json(e, path_of(e, r["stat_url"]))["error"] is None)


def test_engine_bad_requests():
    e = Engine()
    r = start(e)
    sess = r["playback_session_id"]
    for q in ("", "?bogus=1", "?error=", "?error=" + "x" * 256, "?slow=-1",
              "?slow=601", "?slow=x", "?die=abc", "?die=-5", "?stall=yes",
              "?down=", "?prebuf=601", "?starve=-1", "?stop_slow=x", "?vod=2",
              "?offline=yes", "?down_checks=-1", "?down_checks=1000001",
              "?id=%s&error=1" % ID[:39], "?id=" + ID, "?id=%s&bogus=1" % ID):
        j = get_json(e, "/fault" + q, 400)
        check(j["error"], j)
    for p in ("/ace/r/%s/%s" % (ID[:39], sess), "/ace/r/%s/%s" % (ID, sess[:39]),
              "/ace/r/%s/%s" % (ID, sess[:32]),
              "/ace/r/%s" % ID, "/ace/stat/%s/%s/x" % (ID, sess),
              "/ace/cmd/%s/%s" % ("z" * 40, sess)):
        j = get_json(e, p, 400)
        check(j["response"] is None and j["error"], "%s: %s" % (p, j))
    for p in ("/", "/ace", "/ace/x/%s/%s" % (ID, sess), "/stats/x", "/" + "a" * 5000):
        j = get_json(e, p, 404)
        check(j["error"], "%s: %s" % (p, j))
    st, _, body = http_get(e.port, "/stats", method="POST")
    check(st == 405 and json.loads(body)["error"], (st, body))
    st, _, body = http_get(e.port, r["playback_url"][len(e.base):], method="HEAD")
    check(st == 405, st)
    # nothing of that was counted, and the engine still plays
    st = e.stats()
    check(st["starts"] == 1 and st["playback_pulls"] == 0 and st["stops"] == 0, st)
    res = run_tool("tsclient", ["-t", "1", r["playback_url"]], 5)
    check(res["status"] == 200 and res["first_is_pat"], res)


def test_engine_sigterm_with_requests_in_flight():
    e = Engine()
    r = start(e)
    e.fault(slow=30)
    out = {}

    def play():
        out["p"] = run_tool("tsclient", ["-t", "20", r["playback_url"]], 25)

    def slow_start():
        try:
            out["s"] = http_get(e.port, "/ace/getstream?format=json&id=" + ID2,
                                timeout=20)
        except Exception as x:  # noqa: BLE001 - the connection is cut
            out["s"] = x
    threads = [threading.Thread(target=play), threading.Thread(target=slow_start)]
    for th in threads:
        th.start()
    time.sleep(1)
    t = time.time()
    e.proc.send_signal(signal.SIGTERM)
    rc = e.proc.wait(timeout=5 * SLOW)
    check(rc == 0, "exit status %d" % rc)
    check(time.time() - t < 2 * SLOW, "exit took %.2f s" % (time.time() - t))
    for th in threads:
        th.join()
    check(out["p"]["bytes"] > RATE * 0.5 and out["p"]["eof"], out["p"])
    check(not isinstance(out["s"], tuple), "slow getstream answered: %r" % (out["s"],))


def test_engine_content_id_resolves_to_infohash_url_and_magnet_too():
    e = Engine()
    # each hex digit d of a content id becomes 15 - d, in lower case
    for key, cid in (("id", ID), ("content_id", ID3), ("id", ID3.upper())):
        r = start(e, cid, key)
        want = ID2 if cid == ID else HASH3
        check(r["infohash"] == want, "%s=%s: %s" % (key, cid, r))
        check(path_of(e, r["playback_url"]).startswith("/ace/r/%s/" % want), r)
    check(start(e, ID3.upper(), "infohash")["infohash"] == ID3.upper(),
          "an infohash is used as given")
    # a .torrent URL names its infohash; a magnet link carries it
    for q in ("url=" + urllib.parse.quote("http://127.0.0.1:1/t/%s.torrent" % ID),
              "url=" + urllib.parse.quote("https://h/x/%s?x=1" % ID),
              "magnet=" + urllib.parse.quote("magnet:?xt=urn:btih:%s&dn=x" % ID),
              "magnet=" + urllib.parse.quote("magnet:?dn=x&xt=urn:btih:" + ID)):
        j = get_json(e, "/ace/getstream?format=json&" + q)
        check(j["error"] is None and j["response"]["infohash"] == ID, (q, j))
        res = run_tool("tsclient", ["-t", "0.5", j["response"]["playback_url"]], 5)
        check(res["status"] == 200 and res["first_is_pat"], res)
    for q in ("url=" + urllib.parse.quote("http://h/t/%s.torrent" % ID[:39]),
              "url=" + urllib.parse.quote("http://h/t/file.torrent"), "url=" + ID,
              "magnet=" + urllib.parse.quote("magnet:?xt=urn:btih:%sa" % ID),
              "magnet=" + urllib.parse.quote("magnet:?dn=" + ID), "magnet=" + ID):
        j = get_json(e, "/ace/getstream?format=json&" + q)
        check(j == {"response": None, "error": "failed to load transport file"},
              (q, j))
    st = e.stats()
    check(st["starts"] == 8 and st["getstreams"] == 14, st)
    check(st["ids"][ID]["starts"] == 4 and st["superseded"] == 4, st)
    check(st["active_sessions"] == 4, "one each of ID2, HASH3, ID3, ID: %s" % st)


def test_engine_new_session_ends_the_older_one_of_its_infohash():
    e = Engine()
    old = start(e, ID)                         # content id: infohash ID2
    other = start(e, ID3)
    res = {}

    def play(key, r):
        res[key] = run_tool("tsclient", ["-t", "8", r["playback_url"]], 12)
    threads = [threading.Thread(target=play, args=(k, r))
               for k, r in (("old", old), ("other", other))]
    for th in threads:
        th.start()
    wait_for(lambda: e.stats()["active_pulls"] == 2, 5, what="two playbacks")
    time.sleep(1)
    t = time.time()
    new = start(e, ID2, "infohash")            # the same broadcast
    threads[0].join(5 * SLOW)
    check(res["old"]["eof"] and res["old"]["bytes"] > RATE * 0.5, res["old"])
    check(time.time() - t < 1.0 * SLOW, "old playback closed late")
    get_json(e, path_of(e, old["stat_url"]), 404)
    st_, _, _ = http_get(e.port, path_of(e, old["playback_url"]))
    check(st_ == 404, "playback of a superseded session: %d" % st_)
    j = get_json(e, path_of(e, old["command_url"]) + "?method=stop")
    check(j == {"response": None, "error": "unknown playback session id"}, j)
    check(get_json(e, path_of(e, new["stat_url"]))["error"] is None)
    st = e.stats()
    check(st["superseded"] == 1 and st["active_sessions"] == 2, st)
    check(st["stops"] == 0 and st["stops_unknown"] == 1, st)
    check(st["stops_repeated"] == 0, "not stopped by a stop: %s" % st)
    threads[1].join()
    check(not res["other"]["eof"], "another infohash plays on: %s" % res["other"])


def test_engine_faults_scoped_to_one_id():
    e = Engine()
    a, c = "a" * 40, "c" * 40                  # infohashes "5" * 40, "3" * 40
    e.fault(id=a, error="dead id")
    e.fault(id=HASH3, down=1)                  # by infohash: hits content id ID3
    j = get_json(e, "/ace/getstream?format=json&id=" + a)
    check(j == {"response": None, "error": "dead id"}, j)
    get_json(e, "/ace/getstream?format=json&id=" + ID3, 500)
    check(start(e, c)["infohash"] == "3" * 40, "another id is untouched")
    # a scoped fault wins over the global one for its id, both ways
    e.fault(error=1)
    e.fault(id=c, error=0)
    check(start(e, c)["infohash"] == "3" * 40)
    j = get_json(e, "/ace/getstream?format=json&id=" + a)
    check(j["error"] == "dead id", j)
    j = get_json(e, "/ace/getstream?format=json&infohash=" + ID3)
    check(j["error"] == "failed to start the stream (fault)", j)
    st = e.stats()
    check(st["starts"] == 2 and st["getstreams"] == 6, st)
    check(st["ids"]["5" * 40]["getstreams"] == 2 and st["ids"][HASH3]["getstreams"] == 1, st)
    check(st["ids"]["3" * 40]["getstreams"] == 2, st)
    e.clear()
    for cid in (a, ID3):
        start(e, cid)
    check(e.stats()["starts"] == 4, e.stats())


def stat_of(e, r):
    j = get_json(e, path_of(e, r["stat_url"]))
    check(j["error"] is None, j)
    return j["response"]


def test_engine_fault_prebuf_silent_then_real_time_from_the_start():
    e = Engine()
    e.fault(id=ID, prebuf=2.5)
    r = start(e)
    s = stat_of(e, r)
    check(s["status"] == "prebuf" and s["peers"] == 0 and s["speed_down"] == 0, s)
    t = 5
    res = run_tool("tsclient", ["-t", str(t), r["playback_url"]], t + 5)
    check(res["status"] == 200 and res["headers_ms"] < 500 * SLOW, res)
    check(2300 < res["ttfb_ms"] < 2500 + 700 * SLOW, "first byte after %s ms" % res["ttfb_ms"])
    check(res["first_is_pat"] and res["cc_errors"] == 0 and not res["eof"], res)
    check(res["bytes"] < RATE * (t - 2.5 + 0.5), "burst after prebuf: %s" % res)
    check(res["bytes"] > RATE * (t - 2.5 - 1), res)
    s = stat_of(e, r)
    check(s["status"] == "dl" and s["peers"] > 0, s)
    check(stat_of(e, start(e, ID3))["status"] == "dl", "another id does not prebuffer")


def test_engine_fault_starve_ends_by_itself_on_the_same_session():
    e = Engine()
    r = start(e)
    res = {}

    def play():
        res["r"] = run_tool("tsclient", ["-t", "7", r["playback_url"]], 12)
    th = threading.Thread(target=play)
    th.start()
    time.sleep(1.5)
    e.fault(id=ID2, starve=2.5)
    time.sleep(0.5)
    s = stat_of(e, r)
    check(s["status"] == "dl" and s["peers"] == 0 and s["speed_down"] == 0, s)
    check(stat_of(e, start(e, ID3))["peers"] > 0, "another id is not starved")
    th.join()
    res = res["r"]
    check(res["status"] == 200 and not res["eof"] and res["cc_errors"] == 0, res)
    check(res["longest_gap_ms"] > 2000, "no silence: %s" % res)
    check(RATE * 3 < res["bytes"] < RATE * (7 - 2.5 + 1.2), "bytes %d" % res["bytes"])
    s = stat_of(e, r)
    check(s["peers"] > 0, "starve ended by itself: %s" % s)
    st = e.stats()
    check(st["playback_pulls"] == 1 and st["starts"] == 2, st)


def test_engine_fault_stop_slow():
    e = Engine()
    r = start(e)
    e.fault(stop_slow=1.5)
    t = time.time()
    j = get_json(e, path_of(e, r["command_url"]) + "?method=stop")
    dt = time.time() - t
    check(j == {"response": "ok", "error": None}, j)
    check(1.5 <= dt < 1.5 + 1.0 * SLOW, "stop answered after %.2f s" % dt)
    t = time.time()
    get_json(e, "/webui/api/service?method=get_version")
    check(time.time() - t < 0.5 * SLOW, "get_version is not slowed")
    check(e.stats()["stops"] == 1, e.stats())


def test_engine_fault_vod_plays_the_file_once_and_ends():
    e = Engine()
    e.fault(id=ID, vod=1)
    r = start(e)
    check(r["is_live"] == 0, r)
    check(start(e, ID3)["is_live"] == 1, "another id stays live")
    sample = open(SAMPLE, "rb").read()
    pat = first_pat_offset(sample)
    res = run_tool("tsclient", ["-t", "20", r["playback_url"]], 25)
    check(res["status"] == 200 and res["eof"] and res["first_is_pat"], res)
    check(res["bytes"] == len(sample) - pat, "%d bytes, file %d" % (res["bytes"], len(sample)))
    check(len(sample) / RATE - 1.5 < res["seconds"] < len(sample) / RATE + 1.5 * SLOW,
          "at real time: %.1f s" % res["seconds"])
    check(stat_of(e, r)["status"] == "dl")


def test_engine_advertised_port_is_in_the_urls():
    e = Engine(advertise=16878)
    r = start(e)
    for field, kind in (("playback_url", "r"), ("stat_url", "stat"),
                        ("command_url", "cmd")):
        check(r[field] == "http://127.0.0.1:16878/ace/%s/%s/%s" % (
            kind, ID2, r["playback_session_id"]), r)
    path = r["playback_url"][len("http://127.0.0.1:16878"):]
    res = run_tool("tsclient", ["-t", "1", e.url(path)], 5)
    check(res["status"] == 200 and res["first_is_pat"], res)


def test_engine_format_other_than_json_redirects_to_a_new_playback():
    e = Engine()
    for fmt in ("http", "raw"):
        st, hdrs, body = http_get(e.port, "/ace/getstream?format=%s&id=%s" % (fmt, ID3))
        check(st == 302, "format=%s: %d" % (fmt, st))
        loc = hdrs.get("location", "")
        check(loc.startswith("%s/ace/r/%s/" % (e.base, HASH3)), hdrs)
        check(is_sess(loc.rsplit("/", 1)[1]), loc)
    res = run_tool("tsclient", ["-t", "1", loc], 5)
    check(res["status"] == 200 and res["first_is_pat"], res)
    st = e.stats()
    check(st["starts"] == 2 and st["getstreams"] == 2 and st["active_sessions"] == 1, st)


def test_engine_network_status_and_offline():
    e = Engine()
    q = "/server/api?api_version=3&method="
    check(get_json(e, q + "get_network_connection_status") ==
          {"result": {"connected": True}, "error": None})
    check(get_json(e, q + "get_status") == {"result": {"status": 1}, "error": None})
    e.fault(offline=1)
    check(get_json(e, q + "get_network_connection_status") ==
          {"result": {"connected": False}, "error": None})
    for bad in (q + "stop", "/server/api"):
        j = get_json(e, bad, 400)
        check(j["result"] is None and j["error"], j)
    check(e.stats()["network_checks"] == 3, e.stats())
    e.clear()
    check(get_json(e, q + "get_network_connection_status")["result"]["connected"])


def test_engine_fault_down_checks_fail_then_recover_by_themselves():
    e = Engine()
    e.fault(down_checks=2)
    for _ in range(2):
        j = get_json(e, "/webui/api/service?method=get_version", 500)
        check(j["result"] is None and j["error"], j)
    start(e)                                   # getstream is not down
    for _ in range(2):
        check(get_json(e, "/webui/api/service?method=get_version")["error"] is None)
    check(e.stats()["version_checks"] == 4, e.stats())
