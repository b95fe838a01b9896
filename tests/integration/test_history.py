"""GET /history: the last hour of a stream, as the status page's graphs and
an operator's dashboard read it, with history_interval = 1 so that a few
seconds make a few samples.

- While players read, the newest samples show them (clients) and
  nonzero bytes a second in from the upstream and out to the players;
  the intervals before the daemon started are null; the answer carries
  the CORS headers of /status; an unknown stream is a JSON 404; without
  ?stream= the streams that have a history are listed.
- An upstream that drops the connection leaves an error mark and a
  reconnect mark; one that fails for good leaves a failover mark
  naming the backup URL.
- The intervals a stopped supervisor did not sample are null (served
  meanwhile by a worker), never zeros or a repeated value, and the
  first sample after the gap has no rates; a stopped stream's intervals
  are null too, after a stop mark.
- A worker killed and respawned serves the history from before."""

import json
import os
import signal
import subprocess
import time

from harness import (Daemon, Origin, binary, check, http_get, spawn, ts_stream,
                     wait_for)

INTERVAL = 1
FAST = "on_demand = false; retry_min = 0.2; retry_max = 1.0;"


def history(d, name):
    st, hdrs, body = http_get(d.port, "/history?stream=" + name)
    check(st == 200, "/history?stream=%s: %d %s" % (name, st, body))
    check(hdrs.get("content-type") == "application/json", hdrs)
    return json.loads(body), hdrs


def samples(h):
    """[(time, sample or None)], oldest first, times from start."""
    check(len(h["samples"]) == 360, "samples: %d" % len(h["samples"]))
    out = []
    for i, s in enumerate(h["samples"]):
        t = h["start"] + i * h["interval"]
        if s is not None:
            check(s["time"] == t, "sample %d at %s, not %s" % (i, s["time"], t))
        out.append((t, s))
    check(out[-1][0] == h["end"], "end %s" % h["end"])
    return out


def players(d, name, n, seconds):
    return [spawn([binary("tests/tsclient"), "-t", str(seconds),
                   d.url("/stream/" + name)], stdout=subprocess.DEVNULL)
            for _ in range(n)]


def kinds(d, name):
    return [m["kind"] for m in history(d, name)[0]["marks"]]


def test_history_shows_clients_and_bitrate():
    o = Origin()
    d = Daemon(streams=ts_stream("live", o.url("/live.ts"), FAST),
               extra="history_interval = %d;" % INTERVAL)
    t0 = time.time()
    d.start()
    wait_for(lambda: d.stream("live")["state"] == "running", 10, what="live running")
    players(d, "live", 2, 8)

    def two_players_sampled():
        s = [x for _, x in samples(history(d, "live")[0])[-3:]]
        return all(x is not None and x["clients"] == 2 and x["in"] and
                   x["out"] for x in s)
    wait_for(two_players_sampled, 10, step=0.3,
             what="three samples of 2 players with bytes in and out")
    h, hdrs = history(d, "live")
    check(h["stream"] == "live" and h["interval"] == INTERVAL, h)
    check(hdrs.get("access-control-allow-origin") == "*", hdrs)
    last = samples(h)[-1][1]
    # two players take about what comes in, each (the first sample of
    # them may hold a part of an interval only)
    check(last["out"] > last["in"], samples(h)[-4:])
    # before the daemon started: nothing, not zero
    before = [x for t, x in samples(h) if t < t0 - 1]
    check(before and all(x is None for x in before), "samples before start")
    check(any(m["kind"] == "start" and m["text"] == o.url("/live.ts")
              for m in h["marks"]), h["marks"])
    st, _, body = http_get(d.port, "/history?stream=nope")
    check(st == 404 and json.loads(body) == {"error": "no such stream"}, body)
    st, _, body = http_get(d.port, "/history")
    check(st == 200 and json.loads(body) == {"interval": INTERVAL,
                                             "streams": ["live"]}, body)


def test_history_marks_upstream_faults():
    o = Origin()
    d = Daemon(streams=ts_stream("live", o.url("/live.ts"), FAST) + ", " +
               ts_stream("multi", o.url("/main.ts"), FAST +
                         ' backup_urls = [ "%s" ];' % o.url("/backup.ts")),
               extra="history_interval = %d;" % INTERVAL)
    d.start()
    for name in ("live", "multi"):
        wait_for(lambda: d.stream(name)["state"] == "running", 10,
                 what="%s running" % name)
    t_fault = time.time()
    o.fault(path="/live.ts", type="close", value=1)
    o.fault(path="/main.ts", type="status", value=500, count=0)
    o.fault(path="/main.ts", type="close", value=1)
    wait_for(lambda: {"error", "reconnect"} <= set(kinds(d, "live")), 10,
             step=0.2, what="error and reconnect marks")
    marks = history(d, "live")[0]["marks"]
    err = [m for m in marks if m["kind"] == "error"][0]
    check(t_fault - 1 <= err["time"] <= time.time() and err["text"], err)
    rec = [m for m in marks if m["kind"] == "reconnect"][0]
    check(rec["time"] >= err["time"] and rec["text"] == o.url("/live.ts"), marks)
    wait_for(lambda: "failover" in kinds(d, "multi"), 10, step=0.2,
             what="a failover mark")
    marks = history(d, "multi")[0]["marks"]
    check(any(m["kind"] == "failover" and m["text"] == o.url("/backup.ts")
              for m in marks), marks)
    check(any(m["kind"] == "error" for m in marks), marks)


def test_history_missing_samples_are_null():
    o = Origin()
    d = Daemon(streams=ts_stream("live", o.url("/live.ts"), FAST),
               extra="history_interval = %d;" % INTERVAL, workers=1)
    d.start()
    wait_for(lambda: d.stream("live")["state"] == "running", 10, what="live running")
    players(d, "live", 1, 30)
    wait_for(lambda: samples(history(d, "live")[0])[-1][1] is not None and
             samples(history(d, "live")[0])[-1][1]["in"], 10, step=0.3,
             what="a sample with rates")
    sup = d.pid()
    t_stop = time.time()
    # the supervisor stops sampling; the workers still answer
    os.kill(sup, signal.SIGSTOP)
    try:
        time.sleep(4)
        during = samples(history(d, "live")[0])
    finally:
        t_cont = time.time()
        os.kill(sup, signal.SIGCONT)
    gap = [(t, x) for t, x in during if t_stop + 0.3 < t]
    check(len(gap) >= 2 and all(x is None for _, x in gap),
          "while the supervisor is stopped: %s" % gap)
    # after: the gap stays null, and the first sample after it has no
    # rates (its difference would span the gap)
    wait_for(lambda: samples(history(d, "live")[0])[-1][0] >= t_cont + 1, 5,
             step=0.2, what="sampling again")
    after = samples(history(d, "live")[0])
    gap = [(t, x) for t, x in after if t_stop + 0.3 < t < t_cont - 1]
    check(len(gap) >= 2 and all(x is None for _, x in gap),
          "the gap after the supervisor went on: %s" % gap)
    first = [x for t, x in after if t > t_cont - 1 and x is not None][0]
    check(first["in"] is None and first["out"] is None, first)
    # a stopped stream: a stop mark, then null samples
    rc, _, err = d.ctl("stop", "live")
    check(rc == 0, err)
    t_end = time.time()
    wait_for(lambda: samples(history(d, "live")[0])[-1][0] >= t_end + 2, 5,
             step=0.2, what="two intervals after the stop")
    h = history(d, "live")[0]
    check(all(x is None for t, x in samples(h) if t > t_end + 1), samples(h)[-4:])
    check(any(m["kind"] == "stop" and m["text"] == "stopped"
              for m in h["marks"]), h["marks"])


def test_history_survives_a_worker_restart():
    o = Origin()
    d = Daemon(streams=ts_stream("live", o.url("/live.ts"), FAST),
               extra="history_interval = %d;" % INTERVAL, workers=1)
    d.start()
    wait_for(lambda: len([x for _, x in samples(history(d, "live")[0])
                          if x is not None]) >= 3, 10, step=0.3,
             what="three samples")
    before = history(d, "live")[0]
    workers = set(d.children("worker"))
    for pid in workers:
        os.kill(pid, signal.SIGKILL)
    wait_for(lambda: d.children("worker") and
             not workers & set(d.children("worker")),
             10, what="a new worker")
    d.wait_ready()
    after = history(d, "live")[0]
    kept = {t: x for t, x in samples(after)}
    old = [(t, x) for t, x in samples(before) if x is not None]
    check(old and all(kept.get(t) == x for t, x in old),
          "samples lost with the worker: %s / %s" % (old, samples(after)[-6:]))
