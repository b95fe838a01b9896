"""CORS, as a player or dashboard in a web page on another origin sees it:
every player route answers with Access-Control-Allow-Origin from
cors_origins (default "*"), OPTIONS is a 204 preflight that allows Range,
admin routes never answer "*", and a reload changes the list at once."""

import http.server
import os
import signal
import socket
import threading
import time

from harness import SLOW, Daemon, Origin, check, http_get, ts_stream, wait_for

PAGE = "http://127.0.0.1:8765"          # the page's origin (never contacted)
OTHER = "https://elsewhere.example"
EXPOSED = {"content-length", "content-range"}


def head_of(port, path, headers, method="GET"):
    """Status and headers of a response, read without waiting for its end
    (works for the endless /stream/NAME)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=5 * SLOW)
    req = "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n" % (method, path)
    req += "".join("%s: %s\r\n" % kv for kv in headers.items()) + "\r\n"
    s.sendall(req.encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    lines = data.partition(b"\r\n\r\n")[0].decode("latin1").split("\r\n")
    hdrs = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    return int(lines[0].split()[1]), hdrs


def exposed(h):
    return {x.strip().lower() for x in h.get("access-control-expose-headers", "").split(",")}


def started(extra=""):
    o = Origin()
    d = Daemon(streams=ts_stream("live", o.url("/live.ts"), "on_demand = false;"),
               extra=extra).start()
    wait_for(lambda: d.stream("live")["state"] == "running", 10, what="running")
    wait_for(lambda: http_get(d.port, "/hls/live/index.m3u8", timeout=20)[0] == 200, 20,
             what="playlist")
    return o, d


def player_paths(d):
    text = http_get(d.port, "/hls/live/index.m3u8")[2].decode()
    seg = [l for l in text.splitlines() if l.endswith(".ts")][0]
    return ["/stream/live", "/stream/live.ts", "/hls/live/index.m3u8", "/hls/live/" + seg,
            "/playlist.m3u", "/status", "/metrics", "/healthz", "/history",
            "/history?stream=live", "/history?stream=nosuch", "/stream/nosuch",
            "/hls/nosuch/index.m3u8", "/nosuch"]


def encrypted_origin():
    """An HLS origin with one AES-128 key, for the key route."""
    key = os.urandom(16)
    pl = ("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:1\n"
          '#EXT-X-KEY:METHOD=AES-128,URI="k.key"\n#EXTINF:2.0,\ns1.ts\n#EXT-X-ENDLIST\n')
    files = {"/e/index.m3u8": pl.encode(), "/e/k.key": key, "/e/s1.ts": os.urandom(16000)}

    class Src(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            body = files.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *a):
            pass
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Src)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, key


def test_every_player_route_allows_any_origin_by_default():
    o, d = started()
    for path in player_paths(d):
        st, h = head_of(d.port, path, {"Origin": PAGE})
        check(h.get("access-control-allow-origin") == "*", (path, st, h))
        check(EXPOSED <= exposed(h), (path, h))
        check("vary" not in h, (path, h))
        st, h = head_of(d.port, path, {"Origin": PAGE}, method="HEAD")
        check(h.get("access-control-allow-origin") == "*", ("HEAD", path, st, h))
    # a request without Origin (a plain player) gets the same answer
    st, h = head_of(d.port, "/stream/live", {})
    check(st == 200 and h.get("access-control-allow-origin") == "*", h)
    # a ranged segment: the page can read Content-Range
    path = player_paths(d)[3]
    st, h, body = http_get(d.port, path, headers={"Origin": PAGE, "Range": "bytes=0-187"})
    check(st == 206 and len(body) == 188 and h["access-control-allow-origin"] == "*", (st, h))
    check("content-range" in exposed(h), h)


def test_key_route_allows_any_origin():
    srv, key = encrypted_origin()
    try:
        d = Daemon(streams='{ name = "e"; type = "hls"; url = "http://127.0.0.1:%d/e/index.m3u8";'
                           ' on_demand = false; hls = { initial_buffer_seconds = 100.0; }; }'
                   % srv.server_port).start()
        wait_for(lambda: d.stream("e")["state"] == "ended", 15, step=0.3, what="stream read")
        text = http_get(d.port, "/hls/e/index.m3u8")[2].decode()
        uri = text.split('URI="', 1)[1].split('"', 1)[0]
        st, h, body = http_get(d.port, "/hls/e/" + uri, headers={"Origin": PAGE})
        check(st == 200 and body == key, (st, body))
        check(h.get("access-control-allow-origin") == "*", h)
    finally:
        srv.shutdown()


def test_preflight():
    o, d = started()
    served = d.stream("live")["clients_served"]
    for path in ("/hls/live/index.m3u8", "/stream/live", "/status", "/hls/live/1.ts"):
        st, h, body = http_get(d.port, path, method="OPTIONS", headers={
            "Origin": PAGE, "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "range,x-evil,last-event-id"})
        check(st == 204 and body == b"", (path, st, body))
        check(h.get("access-control-allow-origin") == "*", (path, h))
        methods = {m.strip() for m in h["access-control-allow-methods"].split(",")}
        check(methods == {"GET", "HEAD", "OPTIONS"}, h)
        allowed = {x.strip() for x in h["access-control-allow-headers"].lower().split(",")}
        check(allowed == {"range", "last-event-id"}, h)
        check(int(h["access-control-max-age"]) > 0, h)
        check("GET" in h.get("allow", ""), h)
    st, h, _ = http_get(d.port, "/nosuch", method="OPTIONS", headers={
        "Origin": PAGE, "Access-Control-Request-Method": "GET"})
    check(st == 404 and h.get("access-control-allow-origin") == "*", (st, h))
    # preflight is not a client and fetches nothing
    check(d.stream("live")["clients_served"] == served, "OPTIONS is not a client")
    # other methods still refused, and say what is allowed
    st, h, _ = http_get(d.port, "/status", method="PUT", headers={"Origin": PAGE})
    check(st == 405 and "OPTIONS" in h["allow"] and h["access-control-allow-origin"] == "*",
          (st, h))


def test_listed_and_unlisted_origins():
    o, d = started(extra='cors_origins = [ "%s", "https://b.example" ];' % PAGE)
    for path in player_paths(d):
        st, h = head_of(d.port, path, {"Origin": PAGE})
        check(h.get("access-control-allow-origin") == PAGE, (path, h))
        check("origin" in h.get("vary", "").lower(), (path, h))
        check(EXPOSED <= exposed(h), (path, h))
        st, h = head_of(d.port, path, {"Origin": OTHER})
        check("access-control-allow-origin" not in h, (path, h))
        check("origin" in h.get("vary", "").lower(), (path, h))
    st, h = head_of(d.port, "/status", {})
    check(st == 200 and "access-control-allow-origin" not in h, h)
    st, h, _ = http_get(d.port, "/hls/live/index.m3u8", method="OPTIONS",
                        headers={"Origin": OTHER, "Access-Control-Request-Method": "GET"})
    check(st == 204 and "access-control-allow-origin" not in h and
          "access-control-allow-methods" not in h, h)
    st, h, _ = http_get(d.port, "/hls/live/index.m3u8", method="OPTIONS",
                        headers={"Origin": "https://b.example",
                                 "Access-Control-Request-Method": "GET"})
    check(st == 204 and h["access-control-allow-origin"] == "https://b.example", h)


def test_admin_never_wildcard():
    o, d = started(extra='admin_token = "tok"; cors_origins = [ "*", "%s" ];' % PAGE)
    auth = {"Authorization": "Bearer tok"}
    # an origin not listed by name: no CORS on admin, whatever "*" says
    st, h, _ = http_get(d.port, "/admin/reload", method="OPTIONS", headers={
        "Origin": OTHER, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization"})
    check(st == 204 and "access-control-allow-origin" not in h, (st, h))
    st, h, _ = http_get(d.port, "/admin/reload", method="POST",
                        headers=dict(auth, Origin=OTHER))
    check(st == 200 and "access-control-allow-origin" not in h, (st, h))
    st, h, _ = http_get(d.port, "/admin/reload", method="POST", headers={"Origin": OTHER})
    check(st == 401 and "access-control-allow-origin" not in h, (st, h))
    # the origin listed by name may drive it
    st, h, _ = http_get(d.port, "/admin/reload", method="OPTIONS", headers={
        "Origin": PAGE, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type"})
    check(st == 204 and h["access-control-allow-origin"] == PAGE, (st, h))
    check({m.strip() for m in h["access-control-allow-methods"].split(",")} ==
          {"POST", "OPTIONS"}, h)
    check("authorization" in h["access-control-allow-headers"].lower(), h)
    check("origin" in h.get("vary", "").lower(), h)
    st, h, _ = http_get(d.port, "/admin/reload", method="POST", headers=dict(auth, Origin=PAGE))
    check(st == 200 and h["access-control-allow-origin"] == PAGE, (st, h))
    # player routes of the same daemon: "*"
    st, h = head_of(d.port, "/status", {"Origin": OTHER})
    check(h.get("access-control-allow-origin") == "*", h)
    # default list ("*" only): admin gets no CORS at all
    o2, d2 = started(extra='admin_token = "tok";')
    st, h, _ = http_get(d2.port, "/admin/reload", method="OPTIONS",
                        headers={"Origin": PAGE, "Access-Control-Request-Method": "POST"})
    check(st == 204 and "access-control-allow-origin" not in h, (st, h))
    st, h, _ = http_get(d2.port, "/admin/reload", method="POST", headers=dict(auth, Origin=PAGE))
    check(st == 200 and "access-control-allow-origin" not in h, (st, h))


def test_empty_list_turns_cors_off():
    o, d = started(extra="cors_origins = [ ];")
    for path in ("/status", "/stream/live", "/hls/live/index.m3u8"):
        st, h = head_of(d.port, path, {"Origin": PAGE})
        check(not any(k.startswith("access-control-") for k in h), (path, h))


def test_reload_changes_the_list():
    o, d = started(extra='cors_origins = [ "%s" ];' % PAGE)
    st, h = head_of(d.port, "/status", {"Origin": PAGE})
    check(h.get("access-control-allow-origin") == PAGE, h)
    # a player connected before the reload keeps playing
    held = socket.create_connection(("127.0.0.1", d.port), timeout=5 * SLOW)
    held.sendall(b"GET /stream/live HTTP/1.1\r\nHost: x\r\nOrigin: %s\r\n\r\n" % PAGE.encode())
    check(held.recv(4096).startswith(b"HTTP/1.1 200"), "stream started")
    d.extra = 'cors_origins = [ "%s" ];' % OTHER
    d.write_conf()
    d.signal(signal.SIGHUP)

    def switched():
        a = head_of(d.port, "/status", {"Origin": PAGE})[1]
        b = head_of(d.port, "/hls/live/index.m3u8", {"Origin": OTHER})[1]
        return "access-control-allow-origin" not in a and \
            b.get("access-control-allow-origin") == OTHER
    wait_for(switched, 5, what="the new list in force")
    for path in ("/stream/live", "/healthz", "/metrics"):
        st, h = head_of(d.port, path, {"Origin": OTHER})
        check(h.get("access-control-allow-origin") == OTHER, (path, h))
    t0 = time.time()
    got = 0
    while time.time() - t0 < 1 and got < 100000:
        got += len(held.recv(65536))
    held.close()
    check(got > 0, "the earlier player still streams")
    # a bad list is refused and the running one kept
    d.extra = 'cors_origins = [ "https://x.example/" ];'
    d.write_conf()
    rc, out, err = d.ctl("reload")
    check(rc != 0 and "cors_origins" in out + err, (rc, out, err))
    st, h = head_of(d.port, "/status", {"Origin": OTHER})
    check(h.get("access-control-allow-origin") == OTHER, h)
