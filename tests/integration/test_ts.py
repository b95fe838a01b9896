"""Live MPEG-TS fan-out: fetcher, shared-memory ring, worker pool, on-demand
start and idle stop, against the project's test origin."""

import json
import os
import re
import signal
import time

from harness import (SAMPLE, SLOW, Daemon, Origin, check, find_in_loop, http_get,
                     matches_loop, read_stream, run_tool, sample_rate, shm_objects,
                     serial, ts_aligned, ts_packets, ts_pid, ts_stream, wait_for)

RATE = sample_rate()


def live(origin, name="live", path="/live.ts", extra="on_demand = false;", **kw):
    d = Daemon(streams=ts_stream(name, origin.url(path), extra), **kw)
    d.start()
    return d


def wait_running(d, name, timeout=10):
    wait_for(lambda: d.stream(name)["state"] == "running", timeout,
             what="%s running" % name)


def test_client_gets_upstream_bytes_from_a_random_access_point():
    import threading
    o = Origin()
    d = live(o)
    wait_running(d, "live")
    time.sleep(2)   # let the ring hold a GOP or two
    got = {}

    def direct():   # what the origin sends on the same channel meanwhile
        got["direct"] = read_stream(o.port, "/live.ts", 4.5, version="1.0")[2]
    t = threading.Thread(target=direct)
    t.start()
    status, hdrs, body = read_stream(d.port, "/stream/live.ts", 4)
    t.join()
    check(status == 200, status)
    check(hdrs.get("content-type") == "video/mp2t", hdrs)
    check("transfer-encoding" not in hdrs, "raw stream, not chunked")
    check(len(body) > RATE * 3, "got %d bytes in 4 s (rate %d)" % (len(body), RATE))
    body = body[:len(body) - len(body) % 188]
    check(ts_aligned(body), "packet aligned")
    check(ts_pid(body) == 0, "starts with a PAT, got PID %d" % ts_pid(body))
    ref = got["direct"]
    ref = ref[ref.find(b"\x47"):]          # direct client: any alignment
    while ref and not ts_aligned(ref[:188 * 3]):
        ref = ref[1:]
    probe = ref[:188 * 40]
    k = body.find(probe)
    check(k >= 0 and k % 188 == 0, "upstream bytes not found in what the client got")
    n = min(len(body) - k, len(ref))
    check(n > RATE * 2, "overlap too short: %d" % n)
    check(body[k:k + n] == ref[:n], "bytes differ from the upstream's")
    # the first video frame a new client gets is a keyframe
    r = run_tool("tsclient", ["-t", "3", d.url("/stream/live")], 10)
    check(r["first_is_pat"] and r["aligned"], r)
    check(r["first_video_frame_is_keyframe"], r)
    check(r["cc_errors"] == 0, r)


@serial("measures the slowest of many players' rate; loads both cores")
def test_many_clients_one_upstream_connection():
    o = Origin()
    d = live(o)
    wait_running(d, "live")
    n = 200
    r = run_tool("loadgen", ["-c", str(n), "-d", "8", "-r", "400", d.url("/stream/live")], 30)
    check(r["clients_connected"] == n and r["clients_failed"] == 0, r)
    check(r["rate_min_Bps"] >= 0.85 * RATE, "slowest client %.0f B/s, stream %.0f" %
          (r["rate_min_Bps"], RATE))
    check(r["starved"] == 0, r)
    check(r["first_frame_keyframe_ratio"] == 1.0, r)
    st = o.stats()
    check(st["connections"] == 1, "origin saw %d connections" % st["connections"])
    check(d.stream("live")["clients_served"] >= n, d.stream("live"))


@serial("over 1024 players load both cores")
def test_more_players_than_fd_setsize_on_one_worker():
    # libmicrohttpd takes FD_SETSIZE - 4 (1020) connections a daemon unless
    # told otherwise; one worker must take what max_clients allows
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    n = 1300
    if soft < n + 200:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 1200), hard))
    import threading
    o = Origin()
    d = live(o, workers=1, extra="on_demand = false; max_clients = 2000;")
    wait_running(d, "live")
    got = {}

    def load():
        got["r"] = run_tool("loadgen", ["-c", str(n), "-d", "8", "-r", "650",
                                        d.url("/stream/live")], 40)
    t = threading.Thread(target=load)
    t.start()
    # all of them served at once by the one worker (before, 1020 were and
    # the rest waited in the listen queue until someone left)
    wait_for(lambda: d.stream("live")["clients"] == n, 7 * SLOW,
             what="%d clients at once" % n)
    t.join(40)
    r = got["r"]
    check(r["clients_connected"] == n and r["clients_failed"] == 0, r)
    check(r["starved"] == 0, r)


def test_player_that_hangs_up_is_gone_at_once():
    import socket
    o = Origin()
    d = live(o)
    wait_running(d, "live")
    socks = []
    for _ in range(6):
        s = socket.create_connection(("127.0.0.1", d.port))
        s.sendall(b"GET /stream/live HTTP/1.1\r\nHost: x\r\n\r\n")
        check(len(s.recv(65536)) > 0, "no answer")
        socks.append(s)
    wait_for(lambda: d.stream("live")["clients"] == 6, 5, what="6 clients")
    for s in socks:
        s.close()
    t0 = time.time()
    wait_for(lambda: d.stream("live")["clients"] == 0, 5, what="clients gone")
    check(time.time() - t0 < 1.5, "took %.1f s" % (time.time() - t0))


@serial("measures the other players' rate")
def test_stalled_reader_does_not_slow_others():
    o = Origin()
    d = live(o, extra="on_demand = false; ring_size = 1048576;")
    wait_running(d, "live")
    import subprocess
    from harness import binary, spawn
    stuck = spawn([binary("tests/tsclient"), "-t", "12", "-S", "200000",
                   d.url("/stream/live")], stdout=subprocess.PIPE, text=True)
    time.sleep(1)
    r = run_tool("tsclient", ["-t", "10", d.url("/stream/live")], 20)
    check(r["rate_bps"] / 8 >= 0.85 * RATE, "reader rate %.0f bit/s" % r["rate_bps"])
    check(r["longest_gap_ms"] < 1500, r)
    out = stuck.communicate(timeout=20)[0]
    wait_for(lambda: d.stream("live")["clients"] == 0, 10, what="clients gone")


def test_on_demand_start_and_idle_stop():
    o = Origin()
    d = live(o, extra="on_demand = true; idle_timeout = 2.0;")
    check(d.stream("live")["state"] == "stopped", "not started before a client")
    check(o.stats()["connections"] == 0, "no upstream pull before a client")
    t0 = time.time()
    r = run_tool("tsclient", ["-t", "3", d.url("/stream/live")], 10)
    check(r["status"] == 200 and r["first_is_pat"], r)
    check(r["ttfb_ms"] < 5000, r)
    check(r["bytes"] > RATE, r)
    wait_for(lambda: d.stream("live")["state"] == "stopped", 10, what="idle stop")
    check(time.time() - t0 >= 3 + 1.5, "stopped only after idle_timeout")
    check(not [n for n in shm_objects() if ".ring." in n and
               n.startswith("ringcast.%d." % d.proc.pid)], "ring removed")
    # and it starts again
    r = run_tool("tsclient", ["-t", "2", d.url("/stream/live")], 10)
    check(r["status"] == 200 and r["bytes"] > 0, r)


def test_on_demand_unreachable_upstream_answers_503():
    d = Daemon(streams=ts_stream("dead", "http://127.0.0.1:9/none.ts",
                                 "hls = { buffer_ready_timeout = 2.0; };"))
    d.start()
    t0 = time.time()
    st, hdrs, body = http_get(d.port, "/stream/dead", timeout=10)
    check(st == 503 and "retry-after" in hdrs, (st, hdrs))
    check(json.loads(body)["error"], body)
    check(1.5 <= time.time() - t0 < 6, "waited buffer_ready_timeout")


def worker_clients(d):
    """pid -> streaming clients of each running worker, from /status."""
    return {w["pid"]: w["clients"] for w in d.status()["workers"] if w["pid"] > 0}


def test_kill_fetcher_and_worker_mid_stream():
    o = Origin()
    d = live(o)
    wait_running(d, "live")
    import subprocess
    from harness import binary, spawn
    # Both workers poll the same listening socket and the kernel picks who
    # accepts, so two clients are connected to each on purpose: while one
    # worker is stopped, only the other can accept.
    wait_for(lambda: len(worker_clients(d)) == 2, 10, what="two workers")
    a, b = sorted(worker_clients(d))
    clients = []
    for busy, serving in ((a, b), (b, a)):
        os.kill(busy, signal.SIGSTOP)
        try:
            clients += [spawn([binary("tests/tsclient"), "-t", "12", d.url("/stream/live")],
                              stdout=subprocess.PIPE, text=True) for _ in range(2)]
            wait_for(lambda: worker_clients(d).get(serving) == 2, 10,
                     what="2 clients on worker %d" % serving)
        finally:
            os.kill(busy, signal.SIGCONT)
    time.sleep(3)
    fetcher = d.stream("live")["pid"]
    os.kill(fetcher, signal.SIGKILL)
    wait_for(lambda: d.stream("live")["pid"] not in (0, fetcher), 10, what="fetcher respawn")
    time.sleep(2)
    # kill one worker: its clients drop, the other worker's keep going
    check(worker_clients(d) == {a: 2, b: 2}, worker_clients(d))
    os.kill(a, signal.SIGKILL)
    results = [json.loads(c.communicate(timeout=30)[0].splitlines()[-1]) for c in clients]
    survivors = [r for r in results if r["seconds"] >= 11]
    check(len(survivors) == 2, "the other worker's 2 clients did not both survive: %s"
          % results)
    for r in survivors:
        check(r["aligned"] and r["longest_gap_ms"] < 3000, r)
        check(r["bytes"] >= RATE * 8, r)
    check(d.stream("live")["fetcher_restarts"] >= 1, d.stream("live"))
    wait_for(lambda: len(d.children("worker")) == 2, 10, what="worker respawn")


def test_upstream_stall_sends_null_packets_then_recovers():
    o = Origin()
    d = live(o, extra="on_demand = false; data_timeout = 15.0;")
    wait_running(d, "live")
    import subprocess
    from harness import binary, spawn
    c = spawn([binary("tests/tsclient"), "-t", "16", d.url("/stream/live")],
              stdout=subprocess.PIPE, text=True)
    time.sleep(2)
    o.fault(path="/live.ts", type="stall", value=10)
    r = json.loads(c.communicate(timeout=40)[0].splitlines()[-1])
    check(r["status"] == 200 and not r["eof"], r)
    check(r["null_packets"] > 0, "no null packets during the stall: %s" % r)
    check(r["longest_gap_ms"] < 1500, "client starved for %d ms" % r["longest_gap_ms"])
    check(r["bytes"] > RATE * 5, r)
    check(o.stats()["connections"] == 1, "no reconnect during a stall < data_timeout")


def test_upstream_drop_reconnects_with_discontinuity():
    o = Origin()
    d = live(o, extra="on_demand = false; retry_min = 0.5; retry_max = 2.0;")
    wait_running(d, "live")
    import subprocess
    from harness import binary, spawn
    c = spawn([binary("tests/tsclient"), "-t", "10", d.url("/stream/live")],
              stdout=subprocess.PIPE, text=True)
    time.sleep(2)
    o.fault(path="/live.ts", type="close", value=100000)
    r = json.loads(c.communicate(timeout=30)[0].splitlines()[-1])
    check(r["aligned"] and not r["eof"], r)
    check(r["discontinuities"] > 0, "splice not marked: %s" % r)
    check(r["cc_errors"] == 0, "continuity errors not excused: %s" % r)
    s = d.stream("live")
    check(s["reconnects"] >= 1 and s["state"] == "running", s)
    check(o.stats()["connections"] >= 2, o.stats())


def test_upstream_garbage_is_dropped():
    o = Origin()
    d = live(o)
    wait_running(d, "live")
    import subprocess
    from harness import binary, spawn
    c = spawn([binary("tests/tsclient"), "-t", "6", d.url("/stream/live")],
              stdout=subprocess.PIPE, text=True)
    time.sleep(1.5)
    o.fault(path="/live.ts", type="garbage", value=50000)
    r = json.loads(c.communicate(timeout=30)[0].splitlines()[-1])
    check(r["aligned"], "garbage reached the client: %s" % r)
    check(r["bytes"] > RATE * 4, r)


def test_failover_to_backup_and_back():
    o = Origin()
    d = Daemon(streams=ts_stream("live", o.url("/main.ts"),
                                 'on_demand = false; retry_min = 0.3; retry_max = 1.0; '
                                 'backup_urls = [ "%s" ];' % o.url("/backup.ts")))
    d.start()
    wait_running(d, "live")
    o.fault(path="/main.ts", type="status", value=500, count=0)
    o.fault(path="/main.ts", type="close", value=1)
    wait_for(lambda: d.stream("live")["url"].endswith("/backup.ts") and
             d.stream("live")["state"] == "running", 10, what="failover")
    st, _, body = read_stream(d.port, "/stream/live", 2)
    check(st == 200 and ts_aligned(body), "serving from the backup")
    check(d.stream("live")["failovers"] >= 1, d.stream("live"))
    o.clear()
    o.fault(path="/backup.ts", type="close", value=1)
    wait_for(lambda: d.stream("live")["url"].endswith("/main.ts") and
             d.stream("live")["state"] == "running", 10, what="back to main")


def test_hung_upstream_times_out():
    o = Origin()
    o.fault(path="/live.ts", type="hang", count=1)
    d = live(o, extra="on_demand = false; data_timeout = 1.5; retry_min = 0.2;")
    wait_for(lambda: d.stream("live")["state"] == "running", 10, what="recovery after hang")
    check(d.stream("live")["reconnects"] >= 1, d.stream("live"))


def test_client_limits_answer_503():
    o = Origin()
    d = live(o, extra="on_demand = false; max_clients = 2;")
    wait_running(d, "live")
    import socket
    held = []
    for _ in range(2):
        s = socket.create_connection(("127.0.0.1", d.port))
        s.sendall(b"GET /stream/live HTTP/1.1\r\nHost: x\r\n\r\n")
        s.recv(1000)
        held.append(s)
    st, hdrs, body = http_get(d.port, "/stream/live")
    check(st == 503 and hdrs.get("retry-after"), (st, hdrs, body))
    for s in held:
        s.close()
    wait_for(lambda: d.stream("live")["clients"] == 0, 5, what="slots freed")
    st, _, _ = read_stream(d.port, "/stream/live", 1)
    check(st == 200, st)


def test_file_source_loops_at_real_time():
    d = Daemon(streams=ts_stream("demo", "file://" + SAMPLE, "loop = true; on_demand = false;"))
    d.start()
    wait_running(d, "demo")
    t0 = time.time()
    b0 = d.stream("demo")["bytes_in"]
    time.sleep(12)      # longer than the 10 s sample: it loops
    rate = (d.stream("demo")["bytes_in"] - b0) / (time.time() - t0)
    check(0.85 * RATE < rate < 1.15 * RATE, "paced at %.0f B/s, sample %.0f" % (rate, RATE))
    r = run_tool("tsclient", ["-t", "3", d.url("/stream/demo")], 10)
    check(r["first_is_pat"] and r["aligned"] and r["cc_errors"] == 0, r)


def test_graceful_stop_ends_responses_and_cleans_up():
    o = Origin()
    d = live(o)
    wait_running(d, "live")
    import subprocess
    from harness import binary, spawn
    c = spawn([binary("tests/tsclient"), "-t", "20", d.url("/stream/live")],
              stdout=subprocess.PIPE, text=True)
    time.sleep(2)
    pid = d.proc.pid
    check(d.stop() == 0, "exit status")
    r = json.loads(c.communicate(timeout=10)[0].splitlines()[-1])
    check(r["eof"] and r["seconds"] < 10, "client saw the end: %s" % r)
    check(not [n for n in shm_objects() if n.startswith("ringcast.%d." % pid)],
          "shm removed")
    check(not d.children(), "no child left")


def test_stop_ends_players_and_file_end_is_eof():
    o = Origin()
    d = live(o)
    wait_running(d, "live")
    import subprocess
    from harness import binary, spawn
    c = spawn([binary("tests/tsclient"), "-t", "15", d.url("/stream/live")],
              stdout=subprocess.PIPE, text=True)
    time.sleep(2)
    rc, _, err = d.ctl("stop", "live")
    check(rc == 0, err)
    r = json.loads(c.communicate(timeout=20)[0].splitlines()[-1])
    check(r["eof"] and r["seconds"] < 8, "player not released by stop: %s" % r)
    wait_for(lambda: d.stream("live")["clients"] == 0, 5, what="client count back to 0")
    # a file without loop plays once, then the stream has ended
    d2 = Daemon(streams=ts_stream("once", "file://" + SAMPLE, "loop = false; on_demand = false;"))
    d2.start()
    wait_for(lambda: d2.stream("once")["state"] == "ended", 20, step=0.5, what="eof")
    st, _, body = http_get(d2.port, "/hls/once/index.m3u8")
    check(st == 200 and body.endswith(b"#EXT-X-ENDLIST\n"), body[-200:])


def tls_origin(tmpdir):
    """An HTTPS origin with a fresh self-signed certificate for 127.0.0.1
    that answers every GET with the sample, paced: (server, cert file)."""
    import http.server
    import ssl
    import subprocess
    import threading
    cert, key = os.path.join(tmpdir, "cert.pem"), os.path.join(tmpdir, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-keyout", key, "-out", cert, "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=60)
    with open(SAMPLE, "rb") as f:
        data = f.read()

    class Src(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "video/mp2t")
            self.end_headers()
            try:
                for i in range(0, len(data), 188 * 70):
                    self.wfile.write(data[i:i + 188 * 70])
                    time.sleep(0.02)
            except OSError:
                pass

        def log_message(self, *a):
            pass
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Src)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, cert


def test_https_upstream_with_tls_options():
    # ca_file trusts the origin's certificate; without it the same origin
    # is refused (tls_verify); tls_verify = false takes it as it is.
    import tempfile
    srv, cert = tls_origin(tempfile.mkdtemp(prefix="ringcast-tls."))
    url = "https://127.0.0.1:%d/tls.ts" % srv.server_port
    try:
        d = Daemon(streams=", ".join([
            ts_stream("ca", url, 'on_demand = false; ca_file = "%s";' % cert),
            ts_stream("untrusted", url, "on_demand = false; retry_min = 0.5;"),
            ts_stream("noverify", url, "on_demand = false; tls_verify = false;")]))
        d.start()
        for name in ("ca", "noverify"):
            wait_running(d, name)
            st, h, body = read_stream(d.port, "/stream/" + name, 1.5)
            check(st == 200 and len(body) > 100 * 188 and ts_aligned(body),
                  "%s: %d, %d bytes" % (name, st, len(body)))
        wait_for(lambda: d.stream("untrusted")["last_error"], 10, what="a TLS error")
        s = d.stream("untrusted")
        check(s["state"] != "running" and s["bytes_in"] == 0 and
              re.search(r"certificate|SSL|issuer", s["last_error"]), s)
    finally:
        srv.shutdown()


def test_redirects_followed_up_to_five_and_only_to_http():
    from test_hls import serve_files
    o = Origin()
    files = {"/r0": o.url("/live.ts"), "/bad0": "file://" + SAMPLE}
    for i in range(1, 7):
        files["/r%d" % i] = "/r%d" % (i - 1)
    srv = serve_files(files)
    base = "http://127.0.0.1:%d" % srv.server_port
    try:
        d = Daemon(streams=", ".join([
            ts_stream("five", base + "/r4", "on_demand = false;"),     # 5 hops
            ts_stream("six", base + "/r5", "on_demand = false; retry_min = 0.5;"),
            ts_stream("tofile", base + "/bad0", "on_demand = false; retry_min = 0.5;")]))
        d.start()
        wait_running(d, "five")
        st, _, body = read_stream(d.port, "/stream/five", 1.5)
        check(st == 200 and len(body) > 100 * 188 and ts_aligned(body), (st, len(body)))
        for name in ("six", "tofile"):
            wait_for(lambda: d.stream(name)["last_error"], 10, what="%s refused" % name)
            s = d.stream(name)
            check(s["state"] != "running" and s["bytes_in"] == 0, s)
        check(re.search(r"[Rr]edirect", d.stream("six")["last_error"]), d.stream("six"))
        check(re.search(r"[Pp]rotocol", d.stream("tofile")["last_error"]),
              d.stream("tofile"))
    finally:
        srv.shutdown()


def test_relative_file_path_is_from_the_start_directory():
    d = Daemon(streams=ts_stream("rel", "file://media/sample.ts",
                                 "loop = true; on_demand = false;"))
    os.makedirs(os.path.join(d.dir, "media"))
    os.symlink(SAMPLE, os.path.join(d.dir, "media", "sample.ts"))
    here = os.getcwd()
    os.chdir(d.dir)        # ringcastd starts here, then runs in /
    try:
        d.start()
    finally:
        os.chdir(here)
    wait_running(d, "rel")
    st, _, body = read_stream(d.port, "/stream/rel", 1.5)
    check(st == 200 and len(body) > 100 * 188 and ts_aligned(body), (st, len(body)))
