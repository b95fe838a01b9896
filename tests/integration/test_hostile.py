"""Hostile HTTP clients: over-long requests, slowloris, many connections
from one address, path tricks, odd methods, HEAD, Range; none of them can
make ringcast fetch anything it was not configured with, or slow others."""

import json
import socket
import time

from harness import Daemon, Origin, check, http_get, read_stream, ts_stream, wait_for


def raw(port, data, timeout=5):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.sendall(data)
    out = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
            if b"\r\n\r\n" in out and len(out) > 100000:
                break
    except socket.timeout:
        pass
    s.close()
    return out


def status_of(resp):
    return int(resp.split(b" ", 2)[1]) if resp.startswith(b"HTTP/") else 0


def started(extra="", streams=None):
    o = Origin()
    d = Daemon(streams=streams or ts_stream("live", o.url("/live.ts"), "on_demand = false;"),
               extra=extra)
    d.start()
    wait_for(lambda: d.stream("live")["state"] == "running", 10, what="running")
    return o, d


def test_oversized_requests_are_refused():
    o, d = started()
    r = raw(d.port, b"GET /" + b"a" * 100000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    check(status_of(r) in (414, 431, 400, 413) or r == b"", r[:100])
    r = raw(d.port, b"GET /status HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 200000 +
            b"\r\n\r\n")
    check(status_of(r) in (431, 400, 413) or r == b"", r[:100])
    check(http_get(d.port, "/healthz")[0] == 200, "still serving")


def test_garbage_and_methods():
    o, d = started()
    r = raw(d.port, b"\x16\x03\x01\x02\x00garbage\r\n\r\n")
    check(status_of(r) in (400, 0), r[:80])
    for m in ("PUT", "DELETE", "PATCH", "BREW"):
        st, h, body = http_get(d.port, "/status", method=m)
        check(st in (405, 400, 501), (m, st))
        if st == 405:
            check(json.loads(body)["error"], body)
    st, h, body = http_get(d.port, "/stream/live", method="HEAD")
    check(st == 200 and h["content-type"] == "video/mp2t" and body == b"", (st, h))
    check(d.stream("live")["clients"] == 0, "HEAD is not a client")


def test_path_tricks_never_reach_an_upstream():
    o, d = started()
    for path in ("/stream/../status", "/stream/%2e%2e/etc/passwd", "/stream/live/../x",
                 "/hls/../stream/live", "/hls/live/../../status",
                 "/hls/live/%2e%2e%2findex.m3u8", "/stream/http:%2f%2fevil.example%2fx",
                 "/hls/live/-1.ts", "/hls/live/99999999999999999999999.ts",
                 "/stream/" + "a" * 65, "/stream/nosuch", "/hls/nosuch/index.m3u8"):
        st, _, body = http_get(d.port, path)
        check(st == 404, "%s -> %d" % (path, st))
        check(json.loads(body)["error"], body)
    paths = set(o.stats()["paths"])
    check(paths == {"/live.ts"}, "the origin saw %s" % paths)


def test_range_requests_on_segments():
    o, d = started()
    wait_for(lambda: http_get(d.port, "/hls/live/index.m3u8", timeout=20)[0] == 200, 20,
             what="playlist")
    text = http_get(d.port, "/hls/live/index.m3u8")[2].decode()
    seq = [l for l in text.splitlines() if l.endswith(".ts")][0]
    st, h, whole = http_get(d.port, "/hls/live/" + seq)
    check(st == 200 and h.get("accept-ranges") == "bytes", h)
    n = len(whole)
    st, h, part = http_get(d.port, "/hls/live/" + seq, headers={"Range": "bytes=100-1099"})
    check(st == 206 and part == whole[100:1100], (st, len(part)))
    check(h["content-range"] == "bytes 100-1099/%d" % n, h)
    st, h, part = http_get(d.port, "/hls/live/" + seq, headers={"Range": "bytes=-500"})
    check(st == 206 and part == whole[-500:], st)
    st, h, part = http_get(d.port, "/hls/live/" + seq, headers={"Range": "bytes=%d-" % (n - 10)})
    check(st == 206 and part == whole[-10:], st)
    st, h, _ = http_get(d.port, "/hls/live/" + seq, headers={"Range": "bytes=%d-" % n})
    check(st == 416 and h["content-range"] == "bytes */%d" % n, (st, h))
    st, h, _ = http_get(d.port, "/hls/live/" + seq, headers={"Range": "bytes=9-3"})
    check(st == 416, st)
    st, h, body = http_get(d.port, "/hls/live/" + seq, method="HEAD")
    check(st == 200 and int(h["content-length"]) == n and body == b"", h)


def test_slowloris_does_not_block_players():
    o, d = started()
    held = []
    for _ in range(300):
        s = socket.create_connection(("127.0.0.1", d.port))
        s.sendall(b"GET /stream/live HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        held.append(s)
    t0 = time.time()
    st, _, body = read_stream(d.port, "/stream/live", 2)
    check(st == 200 and len(body) > 100000, (st, len(body)))
    st, _, _ = http_get(d.port, "/status")
    check(st == 200 and time.time() - t0 < 4, "served at once")
    for s in held:
        s.close()


def test_connections_per_address_are_limited():
    o, d = started(extra="max_clients_per_ip = 20;")
    held = []
    for _ in range(20):
        s = socket.create_connection(("127.0.0.1", d.port))
        s.sendall(b"GET /stream/live HTTP/1.1\r\nHost: x\r\n\r\n")
        held.append(s)
    time.sleep(0.5)
    refused = 0
    for _ in range(30):
        try:
            s = socket.create_connection(("127.0.0.1", d.port), timeout=2)
            s.sendall(b"GET /status HTTP/1.1\r\nHost: x\r\n\r\n")
            r = s.recv(100)
            s.close()
            if not r:
                refused += 1
        except OSError:
            refused += 1
    check(refused == 30, "%d of 30 extra connections refused" % refused)
    for s in held:
        s.close()

    def served():
        try:
            return http_get(d.port, "/healthz", timeout=1)[0] == 200
        except OSError:
            return False
    wait_for(served, 10, what="served again once they left")


def test_memory_budget_and_tls_keys_validated():
    d = Daemon(streams=ts_stream("a", "https://127.0.0.1:1/a.ts",
                                 'ring_size = 8388608; tls_verify = false; '
                                 'ca_file = "/etc/ssl/certs/ca-certificates.crt";') + ", " +
               ts_stream("b", "http://127.0.0.1:1/b.ts", "ring_size = 8388608;"),
               extra="max_memory = 10000000;")
    import subprocess
    from harness import binary
    out = subprocess.run([binary("ringcastd"), "-t", "-c", d.conf], capture_output=True,
                         text=True)
    check(out.returncode == 1 and "max_memory" in out.stderr, out.stderr)
    d.extra = "max_memory = 20000000;"
    d.write_conf()
    out = subprocess.run([binary("ringcastd"), "-t", "-c", d.conf], capture_output=True,
                         text=True)
    check(out.returncode == 0, out.stderr)


def test_privileges_dropped_and_files_private():
    import os
    import pwd
    from harness import shm_objects
    if os.geteuid() != 0:
        return      # only meaningful when started as root (CI is)
    nobody = pwd.getpwnam("nobody")
    o = Origin()
    d = Daemon(streams=ts_stream("live", o.url("/live.ts"), "on_demand = false;"),
               extra="")
    os.chmod(d.dir, 0o777)      # the pid file and socket live here
    d.write_conf(d.conf_text().replace('user = "";', 'user = "nobody";'))
    d.start()
    wait_for(lambda: d.stream("live")["state"] == "running", 10, what="running")
    pids = [d.proc.pid] + list(d.children())
    for pid in pids:
        with open("/proc/%d/status" % pid) as f:
            uids = [l for l in f if l.startswith("Uid:")][0].split()[1:]
        check(all(int(u) == nobody.pw_uid for u in uids), "pid %d runs as %s" % (pid, uids))
    for name in [n for n in shm_objects() if n.startswith("ringcast.%d." % d.proc.pid)]:
        st = os.stat("/dev/shm/" + name)
        check(st.st_uid == nobody.pw_uid and (st.st_mode & 0o777) == 0o600,
              "%s: uid %d mode %o" % (name, st.st_uid, st.st_mode & 0o777))
    st = os.stat(d.sock)
    check((st.st_mode & 0o777) == 0o660 and st.st_uid == nobody.pw_uid, oct(st.st_mode))
    check(d.ctl("status")[0] == 0, "root can still use the control socket")
    check(d.stop() == 0, "clean exit")
    check(not os.path.exists(d.pid_file) and not os.path.exists(d.sock), "cleaned up")


def exchange(port, data, timeout=5, wait_close=True):
    """Send DATA; (status, headers, body, seconds to the whole answer,
    seconds until the server closed or None when it kept the connection
    (or WAIT_CLOSE is false)).  The answer is whole when its
    Content-Length is in."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.sendall(data)
    t0 = time.time()
    out, answered, closed = b"", None, None
    try:
        while closed is None:
            chunk = s.recv(65536)
            if not chunk:
                closed = time.time() - t0
                break
            out += chunk
            head, sep, body = out.partition(b"\r\n\r\n")
            if sep and answered is None:
                m = [l for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")]
                if m and len(body) >= int(m[0].split(b":")[1]):
                    answered = time.time() - t0
                    if not wait_close:
                        break
    except socket.timeout:
        pass
    s.close()
    head, _, body = out.partition(b"\r\n\r\n")
    lines = head.decode("latin1").split("\r\n")
    hdrs = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    return status_of(out), hdrs, body, answered if answered is not None else closed, closed


def test_many_query_arguments_are_answered_at_once():
    o, d = started()
    for n, want in ((100, 200), (128, 200), (129, 414), (480, 414), (1000, 414),
                    (10000, 414)):
        q = "&".join(["x=1"] * n)
        st, h, body, answered, closed = exchange(
            d.port, ("GET /status?%s HTTP/1.1\r\nHost: x\r\n\r\n" % q).encode(),
            wait_close=want != 200)
        check(st == want, "%d arguments: %d %r" % (n, st, body[:80]))
        check(answered is not None and answered < 2, "%d arguments: answered after %s s" %
              (n, answered))
        if want == 200:
            check(json.loads(body)["streams"]["live"], body[:80])
        else:           # and the connection is not held
            check(closed is not None and closed < 3, "%d arguments: closed after %s s" %
                  (n, closed))
        if n in (129, 1000):
            check(h["content-type"] == "application/json" and
                  "too many query arguments" in json.loads(body)["error"], (h, body))
    # one-byte arguments, the most records for the fewest bytes
    st, h, body, answered, _ = exchange(d.port, b"GET /status?" + b"&" * 1500 +
                                        b" HTTP/1.1\r\nHost: x\r\n\r\n")
    check(st == 414 and answered < 2, (st, answered))
    # a long target within the argument limit
    st, h, body, answered, _ = exchange(d.port, b"GET /status?x=" + b"a" * 9000 +
                                        b" HTTP/1.1\r\nHost: x\r\n\r\n")
    check(st == 414 and answered < 2 and "too long" in json.loads(body)["error"], (st, body))
    # the largest accepted target, with many headers besides
    q = "&".join(["x%d=%s" % (i, "v" * 40) for i in range(128)])[:8000]
    hdrs = "".join("X-H%d: %s\r\n" % (i, "h" * 60) for i in range(60))
    st, _, body, answered, _ = exchange(d.port, ("GET /status?%s HTTP/1.1\r\nHost: x\r\n%s"
                                                 "\r\n" % (q, hdrs)).encode(), wait_close=False)
    check(st == 200 and answered < 2, (st, body[:80]))
    check(http_get(d.port, "/healthz")[0] == 200, "still serving")


def test_control_bytes_in_the_path_are_refused():
    o, d = started()
    for path in (b"/stream/live%00.ts", b"/stream/live%00", b"/status%00",
                 b"/hls/live%0a/index.m3u8", b"/st%01atus", b"/status%7F", b"/status%0d%0a",
                 b"/stream/live\x01.ts", b"/status\x7f", b"/status\rx"):
        st, h, body, answered, _ = exchange(
            d.port, b"GET " + path + b" HTTP/1.1\r\nHost: x\r\nOrigin: http://a.example\r\n\r\n")
        check(st == 400, "%r -> %d" % (path, st))
        check(json.loads(body)["error"] == "control character in the path", body)
        check(h.get("access-control-allow-origin") == "*", h)
        check(answered is not None and answered < 2, answered)
    check(d.stream("live")["clients_served"] == 0, "nothing was played")
    # "%25" is a percent sign: "/stream/live%2500.ts" names another stream
    st, _, body, _, _ = exchange(d.port, b"GET /stream/live%2500.ts HTTP/1.1\r\nHost: x\r\n\r\n",
                                 wait_close=False)
    check(st == 404, (st, body))
    # control bytes in a query value are the route's business, not the path's
    st, _, body = http_get(d.port, "/status?x=%00")
    check(st == 200, st)
    paths = set(o.stats()["paths"])
    check(paths == {"/live.ts"}, "the origin saw %s" % paths)


def test_request_lines_that_are_not_http():
    o, d = started()
    for req, want in ((b"GET / FOO/1.0\r\n\r\n", 400),
                      (b"HELLO WORLD\r\n\r\n", 400),
                      (b"GET /status\r\n\r\n", 400),
                      (b"GET /status HTTP/1.1 x\r\nHost: x\r\n\r\n", 400),
                      (b"GET /status HTTP/2.0\r\nHost: x\r\n\r\n", 505),
                      (b"GET /status HTTP/0.9\r\nHost: x\r\n\r\n", 505)):
        st, _, body, answered, closed = exchange(d.port, req)
        check(st == want, "%r -> %d" % (req, st))
        check(closed is not None and closed < 2, "%r: closed after %s" % (req, closed))
    # A first line with no space at all (a bare word, a TLS handshake,
    # binary) is dropped by libmicrohttpd without an answer; ringcast
    # answers it first from the connection's first bytes.
    for req in (b"HELLO\r\n\r\n", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\n",
                b" GET /status HTTP/1.1\r\n\r\n", b"\r\n\r\nGET\r\nHost: x\r\n\r\n"):
        st, h, body, answered, closed = exchange(d.port, req)
        check(st == 400 and json.loads(body)["error"] == "not an HTTP request", (req, st, body))
        check(h.get("access-control-allow-origin") == "*", h)
        check(answered < 2 and closed is not None and closed < 2, (req, answered, closed))
    # Only what came with the connection is looked at: a line that
    # arrives later still gets libmicrohttpd's treatment (closed, at once).
    s = socket.create_connection(("127.0.0.1", d.port), timeout=5)
    s.sendall(b"GET /nosuch HTTP/1.1\r\n\r\n")    # a request, then garbage
    time.sleep(0.3)
    s.sendall(b"HELLO\r\n")
    t0 = time.time()
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    check(data.startswith(b"HTTP/1.1 404") and time.time() - t0 < 2, data[:80])
    check(http_get(d.port, "/healthz")[0] == 200, "still serving")
