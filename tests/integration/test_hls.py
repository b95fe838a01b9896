"""Live HLS: playlist fetcher, segment index, playlist and segment serving,
and both formats for every stream (TS upstream as HLS, HLS upstream as TS)."""

import re
import threading
import time

from harness import (SAMPLE, Daemon, Origin, check, http_get, read_stream,
                     run_tool, serial, ts_aligned, ts_pid, wait_for)


def hls_daemon(o, path="/hls/ch/index.m3u8", extra="on_demand = false;", **kw):
    d = Daemon(streams='{ name = "h"; type = "hls"; url = "%s"; %s }' %
               (o.url(path), extra), **kw)
    return d.start()


def playlist(d, name="h"):
    st, h, body = http_get(d.port, "/hls/%s/index.m3u8" % name, timeout=40)
    check(st == 200, "playlist: %d %s" % (st, body[:200]))
    check(h["content-type"] == "application/vnd.apple.mpegurl", h)
    text = body.decode()
    check(text.startswith("#EXTM3U\n"), text)
    seq = int(re.search(r"#EXT-X-MEDIA-SEQUENCE:(\d+)", text).group(1))
    target = int(re.search(r"#EXT-X-TARGETDURATION:(\d+)", text).group(1))
    segs = re.findall(r"^(\d+)\.ts$", text, re.M)
    durs = [float(x) for x in re.findall(r"#EXTINF:([\d.]+),", text)]
    check(len(segs) == len(durs) and segs, text)
    check(all(round(x) <= target for x in durs), "target duration too small")
    check(int(segs[0]) == seq, "media sequence is the first listed segment")
    return seq, [int(x) for x in segs], text


def test_player_follows_live_playlist():
    o = Origin()
    d = hls_daemon(o)
    seen, last_seq, fetched, bodies = set(), -1, 0, []
    t_end = time.time() + 16
    while time.time() < t_end:
        seq, segs, _ = playlist(d)
        check(seq >= last_seq, "media sequence went back: %d < %d" % (seq, last_seq))
        last_seq = seq
        for s in segs:
            if s in seen:
                continue
            st, h, body = http_get(d.port, "/hls/h/%d.ts" % s)
            check(st == 200, "segment %d: %d" % (s, st))
            check(int(h["content-length"]) == len(body), h)
            bodies.append(body)
            seen.add(s)
            fetched += 1
        time.sleep(1)
    ordered = sorted(seen)
    check(ordered == list(range(ordered[0], ordered[-1] + 1)), "a segment was skipped")
    check(fetched >= 8, "only %d segments in 16 s" % fetched)
    st = o.stats()
    check(st["connections"] == 1, "origin connections: %d" % st["connections"])
    per_seg = [v["requests"] for p, v in st["paths"].items() if re.search(r"/\d+\.ts$", p)]
    check(per_seg and max(per_seg) == 1, "origin served a segment twice")
    s = d.stream("h")
    check(s["state"] == "running" and s["type"] == "hls", s)
    # every segment a player got is byte for byte one the origin served
    st, _, text = http_get(o.port, "/hls/ch/index.m3u8")
    last = int(re.findall(rb"^(\d+)\.ts$", text, re.M)[-1])
    known = set()
    for n in range(max(0, last - 29), last + 1):
        st, _, body = http_get(o.port, "/hls/ch/%d.ts" % n)
        if st == 200:
            known.add(body)
    missing = [i for i, b in enumerate(bodies) if b not in known]
    check(not missing, "segments not byte-identical to the origin's: %s" % missing)


@serial("100 HLS players load both cores")
def test_hundred_hls_clients_one_upstream_fetch_per_segment():
    o = Origin()
    d = hls_daemon(o)
    playlist(d)
    errors = []

    def player():
        try:
            t_end = time.time() + 8
            while time.time() < t_end:
                _, segs, _ = playlist(d)
                st, _, body = http_get(d.port, "/hls/h/%d.ts" % segs[-1])
                if st != 200 or not body:
                    errors.append(st)
                time.sleep(0.5)
        except Exception as e:      # noqa: BLE001
            errors.append(repr(e))
    threads = [threading.Thread(target=player) for _ in range(100)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check(not errors, errors[:5])
    st = o.stats()
    check(st["connections"] == 1, "origin connections: %d" % st["connections"])
    per_seg = [v["requests"] for p, v in st["paths"].items() if re.search(r"/\d+\.ts$", p)]
    check(max(per_seg) == 1, "origin served a segment twice: %s" % per_seg)
    check(d.stream("h")["clients"] >= 1, d.stream("h"))


def test_master_playlist_variant_choice():
    o = Origin()
    d = hls_daemon(o, path="/hls/ch/master.m3u8", extra='on_demand = false; variant = "lowest";')
    playlist(d)
    check(any("v=low" in p for p in o.stats()["paths"]) or
          o.stats()["paths"].get("/hls/ch/index.m3u8"), o.stats())


def test_segment_404_is_skipped_with_discontinuity():
    o = Origin()
    d = hls_daemon(o)
    playlist(d)
    st, _, text = http_get(o.port, "/hls/ch/index.m3u8")
    nxt = int(re.findall(rb"^(\d+)\.ts$", text, re.M)[-1]) + 1
    o.fault(path="/hls/ch/%d.ts" % nxt, type="status", value=404, count=0)
    wait_for(lambda: d.stream("h").get("reconnects", 0) >= 0 and
             "#EXT-X-DISCONTINUITY\n" in playlist(d)[2], 20, step=0.5,
             what="a discontinuity after the skipped segment")
    st, _, body = http_get(d.port, "/metrics")
    check(re.search(rb'ringcast_stream_segments_failed_total\{stream="h"\} [1-9]', body), body)
    seq0 = playlist(d)[0]
    time.sleep(4)
    check(playlist(d)[0] > seq0, "the stream goes on")


def test_playlist_errors_recover():
    o = Origin()
    d = hls_daemon(o, extra="on_demand = false; retry_min = 0.3; retry_max = 1.0;")
    seq0 = playlist(d)[0]
    o.fault(path="/hls/ch/index.m3u8", type="status", value=500, count=3)
    time.sleep(3)
    o.fault(path="/hls/ch/index.m3u8", type="garbage", value=100, count=2)
    wait_for(lambda: playlist(d)[0] > seq0 + 2, 25, step=0.5, what="recovery")
    check(d.stream("h")["reconnects"] >= 1, d.stream("h"))


def test_on_demand_hls_waits_for_first_segment():
    o = Origin()
    d = hls_daemon(o, extra="on_demand = true; idle_timeout = 2.0;")
    check(d.stream("h")["state"] == "stopped", "not started")
    t0 = time.time()
    seq, segs, _ = playlist(d)          # waits suspended, then answers
    check(time.time() - t0 < 15, "waited too long")
    check(len(segs) >= 1, segs)
    wait_for(lambda: d.stream("h")["state"] == "stopped", 30, step=0.5, what="idle stop")


def test_ts_stream_as_hls_and_hls_stream_as_ts():
    o = Origin()
    d = Daemon(streams='{ name = "t"; type = "ts"; url = "%s"; on_demand = false; }, '
                       '{ name = "h"; type = "hls"; url = "%s"; on_demand = false; }'
                       % (o.url("/live.ts"), o.url("/hls/ch/index.m3u8"))).start()
    wait_for(lambda: len(playlist(d, "t")[1]) >= 2, 20, step=0.5, what="TS cut into segments")
    seq, segs, text = playlist(d, "t")
    st, h, body = http_get(d.port, "/hls/t/%d.ts" % segs[-1])
    check(st == 200 and ts_aligned(body) and ts_pid(body) == 0, "segment starts with PAT")
    durs = [float(x) for x in re.findall(r"#EXTINF:([\d.]+),", text)]
    check(all(1.5 <= x <= 3.5 for x in durs), "cut near 2 s: %s" % durs)
    check(http_get(d.port, "/hls/t/999999.ts")[0] == 404, "gone segment")
    r = run_tool("tsclient", ["-t", "4", d.url("/stream/h")], 10)
    check(r["status"] == 200 and r["first_is_pat"] and r["aligned"], r)
    check(r["first_video_frame_is_keyframe"] and r["bytes"] > 200000, r)


def test_endlist_ends_stream():
    o = Origin()
    d = hls_daemon(o, path="/vod/ch/index.m3u8",
                   extra="on_demand = false; hls = { max_initial_segments = 10; "
                         "initial_buffer_seconds = 100.0; };")
    wait_for(lambda: d.stream("h")["state"] == "ended", 20, step=0.5, what="eof")
    seq, segs, text = playlist(d)
    check(text.endswith("#EXT-X-ENDLIST\n") and len(segs) == 5, text)


def test_aes128_keys_are_served_by_ringcast():
    import os
    key = os.urandom(16)
    segs = [os.urandom(16 * 1000) for _ in range(3)]
    iv = "0x000102030405060708090a0b0c0d0e0f"
    pl = ("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:40\n"
          '#EXT-X-KEY:METHOD=AES-128,URI="k/the.key?tok=1"\n'
          "#EXTINF:2.0,\ns40.ts\n"
          '#EXT-X-KEY:METHOD=AES-128,URI="k/the.key?tok=1",IV=%s\n'
          "#EXTINF:2.0,\ns41.ts\n#EXTINF:2.0,\ns42.ts\n#EXT-X-ENDLIST\n" % iv)
    srv = serve_files({"/enc/index.m3u8": pl.encode(), "/enc/k/the.key?tok=1": key,
                       "/enc/s40.ts": segs[0], "/enc/s41.ts": segs[1],
                       "/enc/s42.ts": segs[2]})
    try:
        d = Daemon(streams='{ name = "e"; type = "hls"; url = "http://127.0.0.1:%d/enc/index.m3u8";'
                           ' on_demand = false; hls = { initial_buffer_seconds = 100.0; }; }'
                   % srv.server_port).start()
        wait_for(lambda: d.stream("e")["state"] == "ended", 15, step=0.3, what="stream read")
        seq, listed, text = playlist(d, "e")
        check("127.0.0.1:%d" % srv.server_port not in text, "origin leaked: " + text)
        keys = re.findall(r'#EXT-X-KEY:METHOD=AES-128,URI="key/(\d+)\.key",IV=0x([0-9a-f]{32})', text)
        check(len(keys) == 2, text)           # IV from the sequence, then the explicit one
        check(keys[0][1] == "%032x" % 40 and keys[1][1] == iv[2:], keys)
        st, h, body = http_get(d.port, "/hls/e/key/%s.key" % keys[0][0])
        check(st == 200 and body == key, (st, body))
        for n, s in zip(listed, segs):
            st, _, body = http_get(d.port, "/hls/e/%d.ts" % n)
            check(st == 200 and body == s, "segment %d altered" % n)
        st, _, body = http_get(d.port, "/stream/e")
        check(st == 409 and b"encrypted" in body, (st, body))
        check(http_get(d.port, "/hls/e/key/99.key")[0] == 404, "unknown key")
    finally:
        srv.shutdown()


def serve_files(files, seen=None):
    """A threaded HTTP server answering FILES (path -> bytes, or a str: a
    302 to that URL; the dict may change while it runs), with single byte
    ranges, 404 else.  Each request is appended to SEEN as (path, Range
    header)."""
    import http.server

    class Src(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            body = files.get(self.path)
            rng = self.headers.get("Range")
            if seen is not None:
                seen.append((self.path, rng))
            if isinstance(body, str):           # a redirect to BODY
                self.send_response(302)
                self.send_header("Location", body)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            status = 200 if body is not None else 404
            m = re.match(r"bytes=(\d+)-(\d+)$", rng or "")
            if body is not None and m:
                body = body[int(m.group(1)):int(m.group(2)) + 1]
                status = 206
            self.send_response(status)
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *a):
            pass
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Src)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def sample_packets(first, count):
    """COUNT whole TS packets of the sample from packet FIRST."""
    with open(SAMPLE, "rb") as f:
        f.seek(first * 188)
        return f.read(count * 188)


def test_upstream_byte_ranges_are_fetched_as_ranges():
    # EXT-X-BYTERANGE segments of one file: each is fetched with its Range
    # and served whole, byte for byte.
    whole = sample_packets(0, 1500)
    cuts = [(0, 500 * 188), (500 * 188, 400 * 188), (900 * 188, 600 * 188)]
    pl = "#EXTM3U\n#EXT-X-VERSION:4\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:3\n"
    for off, n in cuts:
        pl += "#EXTINF:1.0,\n#EXT-X-BYTERANGE:%d@%d\nall.ts\n" % (n, off)
    pl += "#EXT-X-ENDLIST\n"
    seen = []
    srv = serve_files({"/r/index.m3u8": pl.encode(), "/r/all.ts": whole}, seen)
    try:
        d = Daemon(streams='{ name = "r"; type = "hls"; url = "http://127.0.0.1:%d/r/index.m3u8";'
                           ' on_demand = false; hls = { initial_buffer_seconds = 100.0; }; }'
                   % srv.server_port).start()
        wait_for(lambda: d.stream("r")["state"] == "ended", 15, step=0.3, what="stream read")
        seq, listed, text = playlist(d, "r")
        check(len(listed) == 3, text)
        ranges = sorted(r for p, r in seen if p == "/r/all.ts")
        check(ranges == sorted("bytes=%d-%d" % (off, off + n - 1) for off, n in cuts),
              "ranges asked: %s" % seen)
        for number, (off, n) in zip(listed, cuts):
            st, _, body = http_get(d.port, "/hls/r/%d.ts" % number)
            check(st == 200 and body == whole[off:off + n],
                  "segment %d: %d, %d bytes" % (number, st, len(body)))
    finally:
        srv.shutdown()


def test_upstream_sequence_jump_is_a_discontinuity():
    # An encoder restart: the media sequence jumps; the next segment
    # served follows an EXT-X-DISCONTINUITY and nothing stalls.
    head = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:%d\n"
    files = {"/j/s10.ts": sample_packets(0, 400), "/j/s11.ts": sample_packets(400, 400),
             "/j/s500.ts": sample_packets(800, 400), "/j/s501.ts": sample_packets(1200, 400)}
    files["/j/index.m3u8"] = ((head % 10) + "#EXTINF:1.0,\ns10.ts\n#EXTINF:1.0,\ns11.ts\n").encode()
    srv = serve_files(files)
    try:
        d = Daemon(streams='{ name = "j"; type = "hls"; url = "http://127.0.0.1:%d/j/index.m3u8";'
                           ' on_demand = false; data_timeout = 60.0;'
                           ' hls = { initial_buffer_seconds = 100.0; fetch_interval = 0.2; }; }'
                   % srv.server_port).start()
        wait_for(lambda: len(playlist(d, "j")[1]) >= 2, 15, step=0.3,
                 what="first two segments")
        check("DISCONTINUITY" not in playlist(d, "j")[2], "no jump yet")
        files["/j/index.m3u8"] = ((head % 500) + "#EXTINF:1.0,\ns500.ts\n"
                                  "#EXTINF:1.0,\ns501.ts\n").encode()
        wait_for(lambda: len(playlist(d, "j")[1]) >= 4, 15, step=0.3,
                 what="the segments after the jump")
        seq, listed, text = playlist(d, "j")
        check(len(listed) == 4, text)
        lines = text.splitlines()
        at = lines.index("#EXT-X-DISCONTINUITY")
        after = [x for x in lines[at:] if x.endswith(".ts")]
        check(after and int(after[0][:-3]) == listed[2], "discontinuity before %s: %s"
              % (listed[2], text))
        check(text.count("#EXT-X-DISCONTINUITY\n") == 1, text)
    finally:
        srv.shutdown()


def test_aes128_live_stream_is_running_healthy_and_connected():
    # An encrypted live playlist (no ENDLIST): its stream is running and
    # healthy once segments arrive, and upstream_connected is sent.
    import os
    from test_control import Subscriber
    pl = ("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:7\n"
          '#EXT-X-KEY:METHOD=AES-128,URI="the.key"\n'
          "#EXTINF:2.0,\ns7.ts\n#EXTINF:2.0,\ns8.ts\n")
    srv = serve_files({"/live/index.m3u8": pl.encode(), "/live/the.key": os.urandom(16),
                       "/live/s7.ts": os.urandom(16 * 1000),
                       "/live/s8.ts": os.urandom(16 * 1000)})
    try:
        d = Daemon(streams='{ name = "e"; type = "hls"; url = "http://127.0.0.1:%d/live/index.m3u8";'
                           ' on_demand = true; data_timeout = 60.0;'
                           ' hls = { initial_buffer_seconds = 100.0; }; }'
                   % srv.server_port).start()
        sub = Subscriber(d)
        time.sleep(0.3)
        seq, listed, text = playlist(d, "e")    # starts the stream
        check(listed and "METHOD=AES-128" in text, text)
        wait_for(lambda: sub.find("upstream_connected", stream="e"), 10,
                 what="upstream_connected for an encrypted stream")
        wait_for(lambda: d.stream("e")["state"] == "running" and d.stream("e")["healthy"],
                 10, what="running and healthy: %s" % d.stream("e"))
    finally:
        srv.shutdown()


def test_server_max_clients_refuses_hls_players():
    # The daemon-wide max_clients counts HLS and TS players together.
    o = Origin()
    d = Daemon(streams='{ name = "h"; type = "hls"; url = "%s"; on_demand = false; }'
               % o.url("/hls/ch/index.m3u8"), extra="max_clients = 1;").start()
    playlist(d)                                     # the one player
    st, h, body = http_get(d.port, "/hls/h/index.m3u8",
                           headers={"User-Agent": "a second player"})
    check(st == 503 and h.get("retry-after"), (st, h, body))
    st, h, body = http_get(d.port, "/stream/h")
    check(st == 503 and b"server client limit" in body, (st, body))


def test_oversized_and_sample_aes_segments_are_skipped():
    # A segment over max_segment_bytes and one encrypted with SAMPLE-AES
    # are skipped; the segment after each follows a discontinuity.
    pl = ("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:1\n"
          "#EXTINF:1.0,\na.ts\n#EXTINF:1.0,\nbig.ts\n#EXTINF:1.0,\nb.ts\n"
          '#EXT-X-KEY:METHOD=SAMPLE-AES,URI="k.key"\n#EXTINF:1.0,\nsample-aes.ts\n'
          "#EXT-X-KEY:METHOD=NONE\n#EXTINF:1.0,\nc.ts\n#EXT-X-ENDLIST\n")
    files = {"/s/index.m3u8": pl.encode(), "/s/a.ts": sample_packets(0, 300),
             "/s/big.ts": sample_packets(400, 400), "/s/b.ts": sample_packets(800, 300),
             "/s/k.key": b"k" * 16, "/s/sample-aes.ts": sample_packets(1100, 300),
             "/s/c.ts": sample_packets(1400, 300)}
    seen = []
    srv = serve_files(files, seen)
    try:
        d = Daemon(streams='{ name = "s"; type = "hls"; url = "http://127.0.0.1:%d/s/index.m3u8";'
                           ' on_demand = false; max_segment_bytes = %d;'
                           ' hls = { initial_buffer_seconds = 100.0; }; }'
                   % (srv.server_port, 350 * 188)).start()
        wait_for(lambda: d.stream("s")["state"] == "ended", 20, step=0.3, what="stream read")
        seq, listed, text = playlist(d, "s")
        check(len(listed) == 3, text)
        check(text.count("#EXT-X-DISCONTINUITY\n") == 2, text)
        bodies = [http_get(d.port, "/hls/s/%d.ts" % n)[2] for n in listed]
        check([len(b) for b in bodies] == [300 * 188] * 3,
              [len(b) for b in bodies])
        check(sum(1 for p, _ in seen if p == "/s/big.ts") == 3, "3 tries: %s" % seen)
        check(not any(p == "/s/sample-aes.ts" for p, _ in seen), "SAMPLE-AES fetched")
    finally:
        srv.shutdown()


def test_hls_client_limit_and_max_segments():
    o = Origin()
    d = hls_daemon(o, extra="on_demand = false; max_clients = 1; "
                            "hls = { max_segments = 4; window_size = 3; initial_segments = 1; };")
    seq, segs, _ = playlist(d)
    check(len(segs) <= 3, segs)
    st, h, body = http_get(d.port, "/hls/h/index.m3u8",
                           headers={"User-Agent": "another player"})
    check(st == 503 and h.get("retry-after"), (st, h))
    wait_for(lambda: playlist(d)[1][-1] >= segs[-1] + 4, 30, step=1, what="4 new segments")
    check(http_get(d.port, "/hls/h/%d.ts" % segs[0])[0] == 404, "older than max_segments")
