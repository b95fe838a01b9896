"""The HDHomeRun tuner, as Jellyfin's, Plex's and Emby's HDHomeRun tuner
clients use it: discover.json (a DeviceID with a valid check digit, the
tuner count, URLs on the address they reached), lineup.json (number,
name, a URL that plays MPEG-TS), lineup_status.json, lineup.post and the
UPnP device.xml; tuner_count plays at once and a 503 past it, a tuner
free again when its player leaves; a reload applies new settings; off
(the default), every route is a 404; a hostile Host header never reaches
a document; a device_id with a wrong check digit is a configuration
error; the channels of channel lists follow the configured streams in
lineup.json and play on tuners."""

import json
import os
import re
import signal
import socket
import subprocess
import xml.etree.ElementTree as ET

from harness import (SLOW, Daemon, Origin, binary, check, http_get, ts_pid,
                     ts_packets, ts_stream, wait_for)

UPNP = "{urn:schemas-upnp-org:device-1-0}"
ODD = [0xA, 0x5, 0xF, 0x6, 0x7, 0xC, 0x1, 0xB, 0x9, 0x2, 0x8, 0xD, 0x4, 0x3, 0xE, 0x0]


def device_id_valid(text):
    """libhdhomerun's rule, written again here: the 1st, 3rd, 5th and 7th
    hex digits through its table, XORed with the others, give 0."""
    if len(text) != 8 or any(c not in "0123456789ABCDEF" for c in text):
        return False
    digits = [int(c, 16) for c in text]
    x = 0
    for i, v in enumerate(digits):
        x ^= ODD[v] if i % 2 == 0 and i < 7 else v
    return x == 0


def started(extra="", tuners=2):
    o = Origin()
    hd = "hdhomerun = { enabled = true; tuner_count = %d; friendly_name = \"Living room\"; };" % tuners
    streams = ", ".join([
        ts_stream("news", o.url("/live.ts"), 'on_demand = false; title = "News 24";'),
        ts_stream("sport", o.url("/live.ts"), 'on_demand = false; number = "7.1";'),
    ])
    d = Daemon(streams=streams, extra=hd + extra).start()
    wait_for(lambda: all(d.stream(n)["state"] == "running" for n in ("news", "sport")),
             10, what="streams running")
    return o, d


def get_json(d, path, headers=None):
    st, h, body = http_get(d.port, path, headers=headers)
    check(st == 200, "%s: %d %r" % (path, st, body))
    check(h["content-type"].startswith("application/json"), "%s: %s" % (path, h))
    return json.loads(body)


def play(port, path):
    """Open PATH as a media server's tuner does and read its head and first
    bytes: (socket, status, headers, body so far)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=5 * SLOW)
    s.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
               "User-Agent: Lavf/59.27.100\r\n\r\n" % (path, port)).encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin1").split("\r\n")
    hdrs = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    status = int(lines[0].split()[1])
    if status == 200:
        while len(body) < 188 * 64:
            chunk = s.recv(65536)
            if not chunk:
                break
            body += chunk
    else:
        n = int(hdrs.get("content-length", "0"))
        while len(body) < n:
            chunk = s.recv(65536)
            if not chunk:
                break
            body += chunk
    return s, status, hdrs, body


def test_documents():
    o, d = started()
    base = "http://127.0.0.1:%d" % d.port
    disc = get_json(d, "/discover.json")
    check(device_id_valid(disc["DeviceID"]), "bad DeviceID %s" % disc["DeviceID"])
    check(disc["TunerCount"] == 2, disc)
    check(disc["FriendlyName"] == "Living room", disc)
    check(disc["BaseURL"] == base and disc["LineupURL"] == base + "/lineup.json", disc)
    # the address the media server typed in
    disc2 = get_json(d, "/discover.json", {"Host": "tv.example.lan:8080"})
    check(disc2["BaseURL"] == "http://tv.example.lan:8080", disc2)
    check(disc2["DeviceID"] == disc["DeviceID"], "DeviceID not stable")

    lineup = get_json(d, "/lineup.json")
    check([(c["GuideNumber"], c["GuideName"]) for c in lineup] ==
          [("1", "News 24"), ("7.1", "sport")], lineup)
    check(lineup[0]["URL"] == base + "/tuner/news", lineup)
    check(lineup[1]["URL"] == base + "/tuner/sport", lineup)

    status = get_json(d, "/lineup_status.json")
    check(status["ScanInProgress"] == 0 and status["ScanPossible"] == 1, status)
    check(status["Source"] in status["SourceList"], status)
    for method, q in (("POST", "?scan=start"), ("POST", "?scan=abort"), ("GET", "?scan=start"),
                      ("POST", "")):
        st, _, body = http_get(d.port, "/lineup.post" + q, method=method)
        check(st == 200 and body == b"", "lineup.post %s %s: %d %r" % (method, q, st, body))
    check(http_get(d.port, "/lineup.post?scan=nonsense", method="POST")[0] == 400, "bad scan")

    st, h, body = http_get(d.port, "/device.xml")
    check(st == 200 and h["content-type"].startswith("text/xml"), "device.xml %d %s" % (st, h))
    root = ET.fromstring(body)
    check(root.findtext(UPNP + "URLBase") == base, body)
    dev = root.find(UPNP + "device")
    check(dev.findtext(UPNP + "friendlyName") == "Living room", body)
    check(dev.findtext(UPNP + "manufacturer") == "Silicondust", body)
    check(dev.findtext(UPNP + "serialNumber") == disc["DeviceID"], body)
    check(dev.findtext(UPNP + "UDN").startswith("uuid:"), body)
    check(dev.findtext(UPNP + "deviceType").startswith("urn:schemas-upnp-org:device:"), body)

    # same CORS as /status
    check(http_get(d.port, "/discover.json")[1].get("access-control-allow-origin") == "*",
          "no CORS header")


def test_hostile_host_falls_back():
    o, d = started()
    base = "http://127.0.0.1:%d" % d.port
    for host in ('evil"},"x":"', "a<b>c", "x/y", "a b", "h" * 300):
        disc = get_json(d, "/discover.json", {"Host": host})
        check(disc["BaseURL"] == base, "Host %r: %s" % (host, disc))
        st, _, body = http_get(d.port, "/device.xml", headers={"Host": host})
        check(st == 200 and ET.fromstring(body).findtext(UPNP + "URLBase") == base, body)
        lineup = get_json(d, "/lineup.json", {"Host": host})
        check(all(c["URL"].startswith(base + "/tuner/") for c in lineup), lineup)


def test_tuners_limit_and_release():
    o, d = started()
    held = []
    for path in ("/tuner/news?transcode=mobile", "/tuner/sport"):
        s, st, h, body = play(d.port, path)
        check(st == 200 and h["content-type"] == "video/mp2t", "%s: %d %s" % (path, st, h))
        pkts = ts_packets(body)
        check(pkts and pkts[0][0] == 0x47, "%s: not MPEG-TS" % path)
        check(any(ts_pid(p) == 0 for p in pkts), "%s: no PAT in the first packets" % path)
        held.append(s)
    s, st, h, body = play(d.port, "/tuner/news")
    s.close()
    check(st == 503, "third play: %d" % st)
    check(json.loads(body) == {"error": "all 2 tuners are in use"}, body)
    check("retry-after" in h, h)
    # /stream/NAME is not a tuner
    s, st, _, _ = play(d.port, "/stream/news")
    s.close()
    check(st == 200, "/stream/news with every tuner in use: %d" % st)
    held.pop(0).close()

    def free_again():
        s, st, _, _ = play(d.port, "/tuner/news")
        if st == 200:
            held.append(s)
            return True
        s.close()
        return False
    wait_for(free_again, 5, step=0.1, what="a tuner free again")
    for s in held:
        s.close()


def test_reload_and_public_url():
    o, d = started()
    d.extra = d.extra.replace("tuner_count = 2", 'tuner_count = 6; device_id = "10439efd"') + \
        '\npublic_url = "https://tv.example.org/";'
    d.write_conf()
    d.proc.send_signal(signal.SIGHUP)
    wait_for(lambda: get_json(d, "/discover.json")["TunerCount"] == 6, 5, what="reload")
    disc = get_json(d, "/discover.json")
    check(disc["BaseURL"] == "https://tv.example.org", disc)
    check(disc["DeviceID"] == "10439EFD", disc)
    check(get_json(d, "/lineup.json")[0]["URL"] == "https://tv.example.org/tuner/news", "lineup")


def test_off_by_default():
    o = Origin()
    d = Daemon(streams=ts_stream("news", o.url("/live.ts"))).start()
    for path in ("/discover.json", "/lineup.json", "/lineup_status.json", "/device.xml",
                 "/tuner/news"):
        st, _, body = http_get(d.port, path)
        check(st == 404 and json.loads(body)["error"], "%s: %d" % (path, st))
    check(http_get(d.port, "/lineup.post?scan=start", method="POST")[0] == 404, "lineup.post")


def test_bad_number_is_a_config_error():
    d = Daemon(streams='{ name = "a"; url = "http://127.0.0.1:1/x.ts"; },\n'
                       '{ name = "b"; url = "http://127.0.0.1:1/x.ts"; number = "5a"; }',
               extra='hdhomerun = { tuner_count = 0; device_id = "10439EFC"; };')
    out = subprocess.run([binary("ringcastd"), "-t", "-c", d.conf], capture_output=True,
                         text=True, timeout=10)
    check(out.returncode == 1, out.stdout + out.stderr)
    check(re.search(r":11: .*number", out.stderr), out.stderr)
    check(re.search(r":8: .*tuner_count", out.stderr), out.stderr)
    check(re.search(r":8: device_id must be an HDHomeRun DeviceID", out.stderr), out.stderr)


def test_dead_worker_frees_its_tuners():
    o, d = started()
    held = [play(d.port, p)[0] for p in ("/tuner/news", "/tuner/sport")]
    s, st, _, _ = play(d.port, "/tuner/news")
    s.close()
    check(st == 503, "third play: %d" % st)
    for pid in d.children("worker"):
        os.kill(pid, signal.SIGKILL)

    def plays():
        try:
            s, st, _, _ = play(d.port, "/tuner/news")
        except OSError:
            return False
        s.close()
        return st == 200
    wait_for(plays, 10, step=0.2, what="a tuner after the workers died")
    for s in held:
        s.close()


def test_lineup_channels_are_listed_and_play_on_tuners():
    from test_sources import entry, sources_daemon, wait_lineup
    o = Origin()
    hd = "hdhomerun = { enabled = true; tuner_count = 2; };"
    streams = ", ".join([
        ts_stream("news", o.url("/live.ts"), 'title = "News 24";'),
        ts_stream("sport", o.url("/live.ts"), 'number = "7.1";'),
    ])
    text = ("#EXTM3U\n" + entry("News", o.url("/other.ts")) +
            entry("Docs", o.url("/docs.ts"), chno="12") +
            entry("Music", o.url("/music.ts")) +
            entry("Kids", o.url("/kids.ts"), chno="K1"))
    d = sources_daemon(o, [("main", text)], streams=streams, extra=hd)
    d.start()
    wait_lineup(d, lambda c: "kids" in c, "the lineup")
    base = "http://127.0.0.1:%d" % d.port
    lineup = get_json(d, "/lineup.json")
    # configured streams first; the shadowed "news" channel is left out
    # (it holds 13: every channel of the lineup is numbered); tvg-chno 12
    # kept, the others numbered after the highest (12), in lineup order
    check([(c["GuideNumber"], c["GuideName"], c["URL"]) for c in lineup] ==
          [("1", "News 24", base + "/tuner/news"),
           ("7.1", "sport", base + "/tuner/sport"),
           ("12", "Docs", base + "/tuner/docs"),
           ("14", "Music", base + "/tuner/music"),
           ("15", "Kids", base + "/tuner/kids")], lineup)
    held = []
    for path in ("/tuner/music", "/tuner/docs"):
        s, st, h, body = play(d.port, path)
        check(st == 200 and h["content-type"] == "video/mp2t", "%s: %d %s" % (path, st, h))
        pkts = ts_packets(body)
        check(pkts and pkts[0][0] == 0x47, "%s: not MPEG-TS" % path)
        held.append(s)
    check("/music.ts" in o.stats()["paths"], o.stats()["paths"])
    s, st, h, body = play(d.port, "/tuner/kids")
    s.close()
    check(st == 503 and json.loads(body) == {"error": "all 2 tuners are in use"}, (st, body))
    s, st, _, _ = play(d.port, "/tuner/nosuch")
    s.close()
    check(st == 404, "unknown channel: %d" % st)
    held.pop(0).close()

    def free_again():
        s, st, _, _ = play(d.port, "/tuner/kids")
        if st == 200:
            held.append(s)
            return True
        s.close()
        return False
    wait_for(free_again, 5, step=0.1, what="a tuner free again")
    for s in held:
        s.close()
    d.stop()
    o.stop()
