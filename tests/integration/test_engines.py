"""Managed AceStream engines (acestream.engine_command): ringcast starts
the project's test engine (tests/engine) itself, scales it with the
content ids asked for, restarts it when it dies and stops it when idle or
at exit.

What an operator relies on: no engine runs before one is needed
(min_engines = 0); a player whose content id finds no engine with room
waits for one to start instead of getting a 503, and gets the stream;
a second id starts a second engine when the first is full; past
max_engines the player gets 503 with Retry-After once start_timeout
passed; at most max_waiting players wait, the next gets 503 at once;
idle engines stop down to min_engines; a killed engine is started again
(its player kept, data again after a gap), and so is one that fails its
health checks or never becomes ready; a reload scales and replaces
engines; and no engine process outlives a SIGKILLed supervisor past the
next ringcastd start."""

import json
import os
import random
import signal
import socket
import threading
import time

import harness
from harness import (Daemon, check, http_get, read_stream, ts_aligned, wait_for)
from test_ace import ID, ID2, ID3, Player, media_packets
from test_control import Subscriber

ENGINE = harness.binary("tests/engine")


def port_range(n):
    """N consecutive ports nothing listens on: (low, high)."""
    for _ in range(50):
        if harness.PORT_BASE is None:
            lo = random.randint(40000, 60000)
            ports = list(range(lo, lo + n))
        else:
            ports = [harness.free_port() for _ in range(n)]
        if (ports == list(range(ports[0], ports[0] + n)) and
                all(harness._bindable(p) for p in ports)):
            return ports[0], ports[-1]
    raise harness.TestFailure("no %d consecutive free ports" % n)


def managed_daemon(group="", command=None, n_ports=4):
    """A ringcastd whose engines are all managed; its engine directory
    is in the daemon's own temporary directory."""
    lo, hi = port_range(n_ports)
    d = Daemon()
    cmd = command or '%s -q -m %s -p %%p' % (ENGINE, harness.SAMPLE)
    d.engine_dir = os.path.join(d.dir, "engines")
    d.extra = ('acestream = { engine_command = "%s"; engine_ports = "%d-%d";'
               ' engine_dir = "%s"; %s };'
               % (cmd.replace('"', '\\"'), lo, hi, d.engine_dir, group))
    d.write_conf()
    return d.start()


def engines(d):
    """The managed engines /status lists."""
    ace = d.http_status().get("acestream") or {}
    return [e for e in ace.get("engines", []) if e.get("managed")]


def ready_engines(d):
    return [e for e in engines(d) if e["state"] == "ready"]


def alive(pid):
    """PID runs (a zombie does not count)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def group_pids(pgid):
    """The processes of process group PGID."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            out.append(int(d))
    return out


def play(d, cid, seconds):
    return read_stream(d.port, "/ace/getstream?id=%s" % cid, seconds)


def test_first_id_starts_an_engine_and_the_player_waits():
    d = managed_daemon("max_engines = 2;")
    try:
        ev = Subscriber(d)
        time.sleep(0.5)
        check(engines(d) == [], "an engine runs before any request: %s"
              % engines(d))
        check(d.http_status()["acestream"]["max_engines"] == 2,
              "/status does not show max_engines")
        st, hdrs, body = play(d, ID, 3)
        check(st == 200, "the first player got %d: %s" % (st, body[:200]))
        check(ts_aligned(body) and len(media_packets(body)) > 50,
              "the first player got no stream (%d bytes)" % len(body))
        check("waiting up to" in d.log_text(whole=True),
              "the player did not wait for the engine")
        es = engines(d)
        check(len(es) == 1 and es[0]["state"] == "ready" and
              es[0]["pid"] > 0 and es[0]["restarts"] == 0,
              "not one ready managed engine: %s" % es)
        check(ev.find("engine_started", engine=0, pid=es[0]["pid"],
                      port=es[0]["port"]), "no engine_started event: %s"
              % ev.events)
        check(ev.find("engine_ready", engine=0), "no engine_ready event")
        check("engine 0: port %d" % es[0]["port"] in d.log_text(whole=True),
              "the engine's output is not in the log")
        st, _, body = http_get(d.port, "/metrics")
        text = body.decode()
        check('ringcast_ace_engine_managed{engine="http://127.0.0.1:%d"} 1'
              % es[0]["port"] in text, "/metrics has no managed engine")
    finally:
        d.stop()


def test_a_full_engine_makes_a_second_and_max_engines_503s():
    d = managed_daemon("max_engines = 2; max_streams_per_engine = 1; "
                       "start_timeout = 2;")
    try:
        a = Player(d.port, "/ace/getstream?id=%s" % ID, 8)
        a.start()
        wait_for(lambda: len(ready_engines(d)) == 1 and
                 ready_engines(d)[0]["streams"] == 1, 10,
                 what="a first engine with the first stream")
        b = Player(d.port, "/ace/getstream?id=%s" % ID2, 6)
        b.start()
        wait_for(lambda: len(ready_engines(d)) == 2 and
                 all(e["streams"] == 1 for e in ready_engines(d)), 10,
                 what="a second engine with the second stream")
        t0 = time.time()
        st, hdrs, body = http_get(d.port, "/ace/getstream?id=%s" % ID3,
                                  timeout=10)
        waited = time.time() - t0
        check(st == 503 and hdrs.get("retry-after"),
              "the third id got %d %s" % (st, hdrs))
        check(1.8 <= waited < 6 * harness.SLOW,
              "the 503 came after %.1f s, not start_timeout (2 s)" % waited)
        check(len(engines(d)) == 2, "more than max_engines: %s" % engines(d))
        check(d.http_status()["acestream"]["refused"] == 1,
              "the 503 after the wait is not counted as refused")
        a.join(15)
        b.join(15)
        for p in (a, b):
            st, _, body = p.result
            check(st == 200 and len(media_packets(body)) > 50,
                  "a player of the two engines got %d, %d bytes"
                  % (st, len(body)))
    finally:
        d.stop()


def test_max_waiting_and_a_failed_start():
    # an engine that never answers: every start fails after
    # engine_start_timeout, and the players wait no longer than
    # start_timeout
    d = managed_daemon("max_waiting = 1; start_timeout = 3; "
                       "engine_start_timeout = 1.5;",
                       command='sh -c "exec sleep 60" %p')
    try:
        ev = Subscriber(d)
        first = {}

        def ask():
            t0 = time.time()
            first["answer"] = http_get(d.port, "/ace/getstream?id=%s" % ID,
                                       timeout=15)
            first["waited"] = time.time() - t0
        t = threading.Thread(target=ask, daemon=True)
        t.start()
        wait_for(lambda: d.http_status()["acestream"]["waiting"] == 1, 5,
                 what="one waiting player")
        t0 = time.time()
        st, hdrs, _ = http_get(d.port, "/ace/getstream?id=%s" % ID2)
        check(st == 503 and hdrs.get("retry-after") and
              time.time() - t0 < 1.0 * harness.SLOW,
              "the player beyond max_waiting got %d after %.1f s"
              % (st, time.time() - t0))
        t.join(15)
        st, hdrs, _ = first["answer"]
        check(st == 503 and hdrs.get("retry-after") and
              2.8 <= first["waited"] < 6 * harness.SLOW,
              "the waiting player got %d after %.1f s" % (st, first["waited"]))
        check(d.http_status()["acestream"]["refused"] == 2,
              "the two 503s are not counted as refused")
        wait_for(lambda: ev.find("engine_unhealthy", engine=0), 5,
                 what="engine_unhealthy of a start that timed out")
        wait_for(lambda: ev.find("engine_exited", engine=0, restarting=True),
                 8, what="the failed engine killed to start again")
    finally:
        d.stop()


def test_idle_engines_stop_down_to_min_engines():
    d = managed_daemon("min_engines = 1; max_engines = 2; "
                       "max_streams_per_engine = 1; idle_timeout = 1.0; "
                       "engine_idle_timeout = 1.5;")
    try:
        ev = Subscriber(d)
        wait_for(lambda: len(ready_engines(d)) == 1, 10,
                 what="min_engines warm at start")
        players = [Player(d.port, "/ace/getstream?id=%s" % c, 2)
                   for c in (ID, ID2)]
        for p in players:
            p.start()
        wait_for(lambda: len(ready_engines(d)) == 2, 10,
                 what="a second engine for the second id")
        for p in players:
            p.join(10)
            check(p.result[0] == 200, "a player got %d" % p.result[0])
        wait_for(lambda: len(engines(d)) == 1, 12,
                 what="the idle engine stopped down to min_engines")
        e = ev.find("engine_exited", restarting=False)
        check(e is not None, "no engine_exited of the idle engine: %s"
              % ev.events)
        time.sleep(2.5)
        check(len(ready_engines(d)) == 1,
              "min_engines not kept: %s" % engines(d))
    finally:
        d.stop()
    check(not alive(engines_pid_of_log(d)), "an engine outlived ringcastd")


def engines_pid_of_log(d):
    """The pid of the last engine the log says started."""
    pid = 0
    for line in d.log_text(whole=True).splitlines():
        if ": started, pid " in line and "engine " in line:
            pid = int(line.split(": started, pid ")[1].split(",")[0])
    return pid


class TimedPlayer(threading.Thread):
    """A TS player reading PATH for SECONDS that notes when each media
    (not null) packet arrived: `media` is their arrival times."""

    def __init__(self, port, path, seconds):
        super().__init__(daemon=True)
        self.port, self.path, self.seconds = port, path, seconds
        self.status, self.media, self.held = 0, [], 0.0

    def run(self):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        s.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                   % self.path).encode())
        s.settimeout(0.5)
        t0, data, head = time.time(), b"", None
        while time.time() < t0 + self.seconds:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                continue
            if not chunk:
                break
            data += chunk
            if head is None and b"\r\n\r\n" in data:
                head, data = data.split(b"\r\n\r\n", 1)
                self.status = int(head.split()[1])
            while head is not None and len(data) >= 188:
                pkt, data = data[:188], data[188:]
                if ((pkt[1] & 0x1F) << 8 | pkt[2]) != 0x1FFF:
                    self.media.append(time.time())
        self.held = time.time() - t0
        s.close()


def test_a_killed_engine_is_started_again():
    d = managed_daemon("min_engines = 1; idle_timeout = 1.0;")
    try:
        ev = Subscriber(d)
        wait_for(lambda: len(ready_engines(d)) == 1, 10, what="an engine")
        old = ready_engines(d)[0]
        players = [TimedPlayer(d.port, "/ace/getstream?id=%s" % ID, 10)
                   for _ in range(10)]
        for p in players:
            p.start()
        wait_for(lambda: all(len(p.media) > 100 for p in players), 10,
                 what="the stream at its 10 players")
        killed = time.time()
        os.kill(old["pid"], signal.SIGKILL)
        wait_for(lambda: ev.find("engine_exited", engine=0, pid=old["pid"],
                                 restarting=True), 5,
                 what="engine_exited with restarting")
        wait_for(lambda: [e for e in ready_engines(d)
                          if e["pid"] != old["pid"]], 10,
                 what="the engine ready again")
        new = ready_engines(d)[0]
        check(new["restarts"] == 1 and new["port"] == old["port"],
              "the restart is not counted or moved: %s" % new)
        check(ev.find("engine_started", engine=0, pid=new["pid"]),
              "no engine_started of the new engine")
        # its stream starts a new session on the restarted engine (same
        # port), in the same ring: every player keeps its connection and
        # gets media again after a gap
        gaps = []
        for p in players:
            p.join(15)
            after = [t for t in p.media if t > killed]
            check(p.status == 200 and p.held >= 9.5,
                  "a player's connection ended after %.1f s" % p.held)
            check(after and after[-1] > killed + 3,
                  "no media after the engine's restart")
            gaps.append(max(b - a for a, b in zip(p.media, p.media[1:])))
        print("media gap across the engine restart, 10 players: %s s" %
              " ".join("%.1f" % g for g in gaps))
        check(max(gaps) < 5, "a gap was %.1f s" % max(gaps))
        # the players gone, the stream ends: every session ringcast
        # started on the new engine was stopped
        wait_for(lambda: ID not in d.http_status()["streams"], 10,
                 what="the stream ended")
        st = json.loads(http_get(new["port"], "/stats")[2])
        wait_for(lambda: json.loads(http_get(new["port"], "/stats")[2])
                 ["stops"] >= st["starts"], 10, what="stops == starts")
        st = json.loads(http_get(new["port"], "/stats")[2])
        check(st["starts"] >= 1 and st["stops"] == st["starts"], st)
    finally:
        d.stop()


def test_a_down_engine_is_replaced():
    d = managed_daemon("min_engines = 1;")
    try:
        ev = Subscriber(d)
        wait_for(lambda: len(ready_engines(d)) == 1, 10, what="an engine")
        old = ready_engines(d)[0]
        st, _, body = http_get(old["port"], "/fault?down=1")
        check(st == 200, "the engine refused the fault: %s" % body)
        # 3 failed health checks, 3 s apart
        wait_for(lambda: ev.find("engine_unhealthy", engine=0,
                                 pid=old["pid"]), 15,
                 what="engine_unhealthy of the engine that went down")
        check(ev.find("engine_unhealthy", pid=old["pid"]).get("error"),
              "engine_unhealthy without the error")
        wait_for(lambda: ev.find("engine_exited", pid=old["pid"],
                                 restarting=True), 8,
                 what="the down engine killed to start again")
        wait_for(lambda: [e for e in ready_engines(d)
                          if e["pid"] != old["pid"]], 10,
                 what="a fresh engine ready")
        check(not alive(old["pid"]), "the down engine still runs")
    finally:
        d.stop()


def test_reload_scales_and_replaces_engines():
    d = managed_daemon("min_engines = 2; max_engines = 2;")
    try:
        wait_for(lambda: len(ready_engines(d)) == 2, 10, what="two engines")
        first = {e["port"]: e["pid"] for e in ready_engines(d)}
        lo = min(first)
        # fewer engines: the one beyond max_engines stops, the other stays
        d.extra = d.extra.replace("min_engines = 2; max_engines = 2;",
                                  "min_engines = 1; max_engines = 1;")
        d.write_conf()
        d.signal(signal.SIGHUP)
        wait_for(lambda: len(engines(d)) == 1, 10,
                 what="the engine beyond max_engines stopped")
        check(ready_engines(d)[0]["pid"] == first[lo],
              "the engine within max_engines was restarted")
        wait_for(lambda: not alive(first[lo + 1]), 5,
                 what="the stopped engine's process gone")
        # another command: the engine is replaced
        d.extra = d.extra.replace(" -q ", " -q -a 0 ")
        d.write_conf()
        d.signal(signal.SIGHUP)
        wait_for(lambda: [e for e in ready_engines(d)
                          if e["pid"] != first[lo]], 10,
                 what="the engine started again with the new command")
        check(not alive(first[lo]), "the old engine still runs")
        # no acestream group: every engine stops
        d.extra = ""
        d.write_conf()
        d.signal(signal.SIGHUP)
        wait_for(lambda: "acestream" not in d.http_status(), 10,
                 what="acestream gone from /status")
        check(not [p for p in d.children() if "tests/engine" in
                   d.children()[p]], "an engine runs without acestream")
    finally:
        d.stop()


def test_no_engine_survives_a_killed_supervisor():
    # the wrapper ignores SIGTERM, so the kernel's parent-death signal
    # does not end it: only the next start's sweep does
    cmd = ('sh -c "trap \'\' TERM; %s -q -m %s -p %%p & wait"'
           % (ENGINE, harness.SAMPLE))
    d = managed_daemon("min_engines = 1;", command=cmd)
    try:
        wait_for(lambda: len(ready_engines(d)) == 1, 10, what="an engine")
        pgid = ready_engines(d)[0]["pid"]
        pids = group_pids(pgid)
        check(len(pids) == 2, "the engine's group is not sh and the engine: "
              "%s" % pids)
        os.kill(d.pid(), signal.SIGKILL)
        d.proc.wait(timeout=5)
        time.sleep(0.5)
        check(all(alive(p) for p in pids),
              "the test is void: the engine died with its supervisor")
        d.start()
        wait_for(lambda: not any(alive(p) for p in pids), 5,
                 what="the old engine group killed by the new start")
        check("left by an earlier ringcastd" in d.log_text(whole=True),
              "the sweep is not in the log")
        wait_for(lambda: len(ready_engines(d)) == 1, 10,
                 what="a fresh engine")
        new = ready_engines(d)[0]["pid"]
    finally:
        d.stop()
    wait_for(lambda: not alive(new), 5, what="the engine stopped at exit")
