"""The test AceStream engine itself (tests/engine/engine.c), without the
daemon: the getstream answer, the playback (aligned TS from a PAT at real
time, ended by stop), stat, stop counted once, get_version, every fault,
input checks, and that a slow request blocks nobody else."""

import json
import signal
import threading
import time

from harness import (SAMPLE, SLOW, Engine, check, http_get, read_stream, run_tool,
                     sample_rate, ts_aligned, ts_pid, wait_for)

RATE = sample_rate()
ID = "0123456789abcdef0123456789abcdef01234567"
ID2 = "fedcba9876543210fedcba9876543210fedcba98"


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
    for key in ("id", "content_id", "infohash"):
        r = start(e, key=key)
        sess = r["playback_session_id"]
        check(len(sess) == 32 and all(c in "0123456789abcdef" for c in sess), sess)
        check(sess not in sessions, "session ids are unique")
        sessions.add(sess)
        for field, kind in (("playback_url", "r"), ("stat_url", "stat"),
                            ("command_url", "cmd")):
            check(r[field] == "%s/ace/%s/%s/%s" % (e.base, kind, ID, sess), r)
        check(r["infohash"] == ID and r["is_live"] == 1, r)
        check(r["is_encrypted"] == 0 and r["client_session_id"] == -1, r)
    # format=json may be left out; another format is refused
    check(get_json(e, "/ace/getstream?id=" + ID2)["response"]["infohash"] == ID2)
    j = get_json(e, "/ace/getstream?format=xml&id=" + ID, 400)
    check(j["response"] is None and "format" in j["error"], j)
    st = e.stats()
    check(st["starts"] == 4 and st["active_sessions"] == 4, st)
    check(st["ids"][ID]["starts"] == 3 and st["ids"][ID2]["starts"] == 1, st)
    # a bad id is an engine-shaped error, and starts nothing
    for bad in (ID[:39], ID + "0", "g" * 40, "", "a" * 10000, "%20" + ID[:37]):
        j = get_json(e, "/ace/getstream?format=json&id=" + bad)
        check(j["response"] is None and isinstance(j["error"], str) and j["error"],
              "id %r: %r" % (bad[:50], j))
    j = get_json(e, "/ace/getstream?format=json&pid=1")
    check(j["response"] is None and "id" in j["error"], j)
    st = e.stats()
    check(st["starts"] == 4 and len(st["ids"]) == 2, st)


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
    check(st["playback_pulls"] == 2 and st["ids"][ID]["pulls"] == 2, st)


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
    other = path_of(e, r["stat_url"]).replace(ID, ID2)
    check(get_json(e, other, 404)["response"] is None)
    j = get_json(e, "/ace/stat/%s/%s" % (ID, "0" * 32), 404)
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
    check(st["ids"][ID]["stops"] == 1 and st["ids"][ID2]["stops"] == 0, st)
    # the stopped session is gone
    st_, _, _ = http_get(e.port, path_of(e, r["playback_url"]))
    check(st_ == 404, "playback of a stopped session: %d" % st_)
    get_json(e, path_of(e, r["stat_url"]), 404)
    # repeated stops: an error, counted apart
    for n in (1, 2):
        j = get_json(e, cmd + "?method=stop")
        check(j["response"] is None and j["error"], j)
        st = e.stats()
        check(st["stops"] == 1 and st["stops_repeated"] == n, st)
    # other methods are refused and count nothing
    for q in ("?method=start", "?method=", ""):
        j = get_json(e, path_of(e, keep["command_url"]) + q, 400)
        check(j["response"] is None and "method" in j["error"], j)
    # a stop of a session that never existed
    j = get_json(e, "/ace/cmd/%s/%s?method=stop" % (ID, "1" * 32), 404)
    check(j["response"] is None and j["error"], j)
    st = e.stats()
    check(st["stops"] == 1 and st["stops_repeated"] == 2, st)
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
    check(j["response"] is None and j["error"], j)
    check(e.stats()["starts"] == 0, e.stats())
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
    check(r["infohash"] == ID, r)
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
    start(e)
    check(e.stats()["starts"] == 2, e.stats())
    # several faults at once, and each may be turned off alone
    e.fault(error=1, down=1)
    get_json(e, "/ace/getstream?format=json&id=" + ID, 500)
    e.fault(down=0)
    check(get_json(e, "/ace/getstream?format=json&id=" + ID)["response"] is None)
    e.fault(error=0)
    start(e)
    st = e.stats()
    check(st["starts"] == 3 and st["active_sessions"] == 3, st)
    check(get_json(e, path_of(e, r["stat_url"]))["error"] is None)


def test_engine_bad_requests():
    e = Engine()
    r = start(e)
    sess = r["playback_session_id"]
    for q in ("", "?bogus=1", "?error=2", "?slow=-1", "?slow=601", "?slow=x",
              "?die=abc", "?die=-5", "?stall=yes", "?down="):
        j = get_json(e, "/fault" + q, 400)
        check(j["error"], j)
    for p in ("/ace/r/%s/%s" % (ID[:39], sess), "/ace/r/%s/%s" % (ID, sess[:31]),
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
