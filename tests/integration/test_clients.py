"""Per-client telemetry: every player of every stream, with its address,
User-Agent, route, time, bytes, current rate and lag behind the live
edge, in `ringcastctl clients [STREAM]` (a table, or --json) and in
/status "players"; three players at known positions, one of them a
reader that stopped reading, whose lag grows past 5 s."""

import json
import socket
import threading
import time

from harness import (SLOW, Daemon, Origin, check, http_get, sample_rate,
                     ts_stream, wait_for)

RATE = sample_rate()


def ts_player(port, path, ua, seconds, stall_after=None, rcvbuf=None):
    """A TS player: reads for SECONDS (or stops reading after STALL_AFTER
    bytes and only holds the connection); returns its thread."""
    out = {"bytes": 0}

    def run():
        s = socket.socket()
        if rcvbuf:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        s.connect(("127.0.0.1", port))
        s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\nUser-Agent: %s\r\n\r\n"
                   % (path, ua)).encode())
        end = time.time() + seconds
        s.settimeout(0.5)
        while time.time() < end:
            if stall_after is not None and out["bytes"] >= stall_after:
                time.sleep(0.1)
                continue
            try:
                d = s.recv(65536)
            except socket.timeout:
                continue
            if not d:
                break
            out["bytes"] += len(d)
        s.close()
    t = threading.Thread(target=run, daemon=True)
    t.out = out
    t.start()
    return t


def players(d, *args):
    rc, out, err = d.ctl("clients", *args, "--json")
    check(rc == 0, err)
    return json.loads(out)["players"]


def test_clients_lists_each_player_with_rate_and_lag():
    o = Origin()
    d = Daemon(streams=ts_stream("live", o.url("/live.ts"),
                                 "on_demand = false; ring_size = 33554432;"))
    d.start()
    wait_for(lambda: d.stream("live")["state"] == "running", 10 * SLOW,
             what="live running")
    time.sleep(1)
    steady = ts_player(d.port, "/stream/live", "player-one/1.0", 14 * SLOW)
    slow = ts_player(d.port, "/stream/live", "slow-reader/2.0", 14 * SLOW,
                     stall_after=100000, rcvbuf=4096)
    st, _, pl = http_get(d.port, "/hls/live/index.m3u8",
                         headers={"User-Agent": "hls-player/3.0"}, timeout=10)
    check(st == 200, st)
    seg = [l for l in pl.decode().splitlines() if l and not l.startswith("#")][0]
    st, _, body = http_get(d.port, "/hls/live/" + seg,
                           headers={"User-Agent": "hls-player/3.0"}, timeout=10)
    check(st == 200 and len(body) > 0, st)

    def by_ua():
        return {p["user_agent"]: p for p in players(d)}
    # the stalled reader falls behind as the stream goes on
    wait_for(lambda: ((by_ua().get("slow-reader/2.0") or {}).get("lag") or 0) > 5,
             12 * SLOW, step=0.5, what="the stalled reader's lag above 5 s")
    ps = by_ua()
    check(set(ps) == {"player-one/1.0", "slow-reader/2.0", "hls-player/3.0"}, ps)
    one, lag, hls = ps["player-one/1.0"], ps["slow-reader/2.0"], ps["hls-player/3.0"]
    for p in ps.values():
        check(p["stream"] == "live" and p["address"] == "127.0.0.1" and
              p["seconds"] >= 0 and p["since"].endswith("Z"), p)
    check(one["route"] == "ts" and lag["route"] == "ts" and hls["route"] == "hls", ps)
    # the steady player reads at the stream's rate, close to the edge
    check(one["rate_bps"] >= 0.6 * RATE * 8 and one["lag"] is not None and
          one["lag"] < 2.5, (one, RATE * 8))
    check(one["bytes"] > RATE, one)
    check(lag["lag"] > 5 and lag["rate_bps"] < 0.2 * RATE * 8, lag)
    check(hls["bytes"] == len(body) and hls["lag"] is not None, hls)
    # the table for people, the filter, and /status
    rc, out, err = d.ctl("clients")
    check(rc == 0 and "slow-reader/2.0" in out and out.rstrip().endswith("3 clients"),
          out)
    rc, out, err = d.ctl("clients", "nosuch")
    check(rc == 0 and out.rstrip().endswith("0 clients"), out)
    check(len(players(d, "live")) == 3, "filter by stream")
    st, _, body = http_get(d.port, "/status")
    status = json.loads(body)
    check(len(status["players"]) == 3 and status["players_not_shown"] == 0,
          status.get("players"))
    rc, out, err = d.ctl("clients", "a", "b")
    check(rc != 0, "two streams are a usage error")
    steady.join()
    slow.join()
    # TS players leave the list with their connections
    wait_for(lambda: all(p["route"] == "hls" for p in players(d)), 5 * SLOW,
             what="the TS players gone from the list")
    d.stop()
    o.stop()
