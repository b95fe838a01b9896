"""Soak with faults, bounded in time (SOAK_SECONDS, default 30 in `make
check`'s serial group, since the observers' longest gap is a time measured
on the cores; `make soak` runs 300).  Several TS and HLS streams, clients joining and leaving all the
time, while a driver SIGKILLs fetchers and workers, makes the origin stall,
drop, 404 and send garbage on the "faulty" streams, and sends SIGHUP with
valid and invalid files.  Checked at the end and printed as figures: the
supervisor never died, observers of the healthy streams kept receiving data
(longest gap), and no shared memory, descriptors, zombies or memory growth
are left; after SIGTERM nothing of ringcast remains."""

import json
import os
import random
import signal
import socket
import subprocess
import threading
import time

from harness import (Daemon, Origin, binary, check, http_get, serial, shm_objects,
                     spawn, ts_stream, wait_for)

SOAK_SECONDS = float(os.environ.get("SOAK_SECONDS", "30"))
MAX_GAP_S = 4.0     # healthy streams: longest silence an observer may see


def proc_fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def proc_rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def zombies(ppid):
    n = 0
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] == "Z" and int(fields[1]) == ppid:
            n += 1
    return n


class Observer(threading.Thread):
    """A player that stays on a stream, reconnecting when dropped, and
    records the longest time without a byte."""

    def __init__(self, port, path, stop):
        super().__init__(daemon=True)
        self.port, self.path, self.stop = port, path, stop
        self.longest = 0.0
        self.bytes = 0
        self.reconnects = 0

    def run(self):
        last = time.time()
        while not self.stop.is_set():
            try:
                s = socket.create_connection(("127.0.0.1", self.port), timeout=2)
                s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % self.path).encode())
                s.settimeout(0.5)
                while not self.stop.is_set():
                    try:
                        chunk = s.recv(65536)
                    except socket.timeout:
                        self.longest = max(self.longest, time.time() - last)
                        continue
                    if not chunk:
                        break
                    now = time.time()
                    self.longest = max(self.longest, now - last)
                    last = now
                    self.bytes += len(chunk)
                s.close()
            except OSError:
                pass
            self.reconnects += 1
            time.sleep(0.05)
            self.longest = max(self.longest, time.time() - last)


def churn(port, names, stop, counter):
    while not stop.is_set():
        name = random.choice(names)
        try:
            if random.random() < 0.5:
                s = socket.create_connection(("127.0.0.1", port), timeout=2)
                s.sendall(("GET /stream/%s HTTP/1.1\r\nHost: x\r\n\r\n" % name).encode())
                s.settimeout(2)
                end = time.time() + random.uniform(0.1, 2.0)
                while time.time() < end and s.recv(65536):
                    pass
                s.close()
            else:
                st, _, body = http_get(port, "/hls/%s/index.m3u8" % name, timeout=5)
                segs = [l for l in body.decode().splitlines() if l.endswith(".ts")]
                if st == 200 and segs:
                    http_get(port, "/hls/%s/%s" % (name, random.choice(segs)), timeout=5)
            counter[0] += 1
        except (OSError, ValueError):
            counter[1] += 1
        time.sleep(random.uniform(0, 0.1))


@serial("the healthy streams' longest silence is a time measured on the cores")
def test_soak_with_faults():
    random.seed(int(os.environ.get("SOAK_SEED", "7")))
    o = Origin()
    healthy = [ts_stream("h1", o.url("/h1.ts"), "on_demand = false;"),
               ts_stream("h2", o.url("/h2.ts"), "on_demand = false;"),
               '{ name = "hh"; type = "hls"; url = "%s"; on_demand = false; }'
               % o.url("/hls/hh/index.m3u8")]
    faulty = [ts_stream("f1", o.url("/f1.ts"),
                        "on_demand = false; data_timeout = 2.0; retry_min = 0.3; retry_max = 1.0;"),
              '{ name = "fh"; type = "hls"; url = "%s"; on_demand = false; retry_min = 0.3; }'
              % o.url("/hls/fh/index.m3u8"),
              ts_stream("od", o.url("/od.ts"), "on_demand = true; idle_timeout = 1.0;")]
    base = ", ".join(healthy + faulty)
    extra = ts_stream("x", o.url("/x.ts"), "on_demand = false;")
    d = Daemon(streams=base, extra="max_clients_per_ip = 0;")
    d.start()
    sup = d.proc.pid
    for n in ("h1", "h2", "f1"):
        wait_for(lambda n=n: d.stream(n)["state"] == "running", 15, what=n)
    wait_for(lambda: http_get(d.port, "/hls/hh/index.m3u8", timeout=30)[0] == 200, 30,
             what="hh playlist")
    time.sleep(1)
    fds0, rss0 = proc_fds(sup), proc_rss_kb(sup)
    stop = threading.Event()
    observers = [Observer(d.port, "/stream/%s" % n, stop) for n in ("h1", "h2", "hh")]
    for ob in observers:
        ob.start()
    counter = [0, 0]
    churners = [threading.Thread(target=churn, daemon=True,
                                 args=(d.port, ["h1", "h2", "hh", "f1", "fh", "od"], stop,
                                       counter)) for _ in range(4)]
    for t in churners:
        t.start()
    faults = {"kill_fetcher": 0, "kill_worker": 0, "stall": 0, "close": 0, "status_404": 0,
              "garbage": 0, "hup_valid": 0, "hup_invalid": 0}
    end = time.time() + SOAK_SECONDS
    with_extra = False
    while time.time() < end:
        time.sleep(random.uniform(0.5, 1.5))
        what = random.choice(list(faults))
        try:
            if what == "kill_fetcher":
                pid = d.stream(random.choice(["h1", "h2", "hh", "f1"]))["pid"]
                if pid > 0:
                    os.kill(pid, signal.SIGKILL)
            elif what == "kill_worker":
                ws = list(d.children("worker"))
                if ws:
                    os.kill(random.choice(ws), signal.SIGKILL)
            elif what == "stall":
                o.fault(path="/f1.ts", type="stall", value=3)
            elif what == "close":
                o.fault(path="/f1.ts", type="close", value=random.randint(1, 200000))
            elif what == "status_404":
                o.fault(path="/hls/fh/", type="status", value=404, count=2)
            elif what == "garbage":
                o.fault(path="/f1.ts", type="garbage", value=random.randint(100, 50000))
            elif what == "hup_valid":
                with_extra = not with_extra
                d.streams = base + (", " + extra if with_extra else "")
                d.write_conf()
                d.signal(signal.SIGHUP)
            elif what == "hup_invalid":
                d.write_conf("streams = ( { name = \"bad name\"; } );\n")
                d.signal(signal.SIGHUP)
                time.sleep(0.2)
                d.write_conf()
            faults[what] += 1
        except (OSError, KeyError, ValueError):
            pass
        check(d.proc.poll() is None, "the supervisor died")
    stop.set()
    for ob in observers:
        ob.join(timeout=5)
    for t in churners:
        t.join(timeout=10)
    o.clear()
    time.sleep(3)       # respawns settle
    check(d.proc.poll() is None, "the supervisor died")
    gaps = {n: round(ob.longest, 2) for n, ob in zip(("h1", "h2", "hh"), observers)}
    fds1, rss1 = proc_fds(sup), proc_rss_kb(sup)
    shm = [n for n in shm_objects() if n.startswith("ringcast.%d." % sup)]
    running = [n for n, s in d.status()["streams"].items() if s["pid"] > 0 or
               s["state"] == "ended"]
    expected = 3 + len(running)      # state + metrics + events + a ring a started stream
    zomb = zombies(sup)
    figures = {"seconds": SOAK_SECONDS, "faults": faults, "client_sessions": counter[0],
               "client_errors": counter[1], "longest_gap_s": gaps,
               "observer_bytes": {n: ob.bytes for n, ob in zip(("h1", "h2", "hh"), observers)},
               "supervisor_fds": [fds0, fds1], "supervisor_rss_kb": [rss0, rss1],
               "shm_objects": len(shm), "zombies": zomb}
    print("soak figures: " + json.dumps(figures), flush=True)
    with open(os.path.join(d.dir, "soak.json"), "w") as f:
        json.dump(figures, f)
    check(sum(faults.values()) >= SOAK_SECONDS / 2, faults)
    for n, g in gaps.items():
        check(g < MAX_GAP_S, "healthy stream %s silent for %.1f s" % (n, g))
    for n, ob in zip(("h1", "h2", "hh"), observers):
        check(ob.bytes > 100000 * SOAK_SECONDS / 10, "%s observer starved" % n)
    check(len(shm) <= expected, "shared memory leaked: %s (running %s)" % (shm, running))
    check(fds1 <= fds0 + 4, "supervisor descriptors grew %d -> %d" % (fds0, fds1))
    check(rss1 <= rss0 + 8192, "supervisor RSS grew %d -> %d kB" % (rss0, rss1))
    check(zomb == 0, "%d zombie children" % zomb)
    check(d.stop() == 0, "clean exit")
    check(not [n for n in shm_objects() if n.startswith("ringcast.%d." % sup)],
          "shm left after SIGTERM")
    check(not d.children(), "processes left after SIGTERM")
