"""The guide (issue #20): GET /epg.xml and /epg.xml.gz, the XMLTV of the
sources' `epg` guides (plain and gzip) reduced to the lineup's channels
(ids as /playlist.m3u's tvg-id) and the epg_past..epg_future window,
valid against the XMLTV DTD; ETag and 304; /playlist.m3u names it in
url-tvg; a broken guide is reported (source_failed) and its last good
copy stays, a new one is served at once; without `epg`, 404."""

import gzip
import json
import os
import subprocess
import time

from harness import SLOW, Daemon, check, http_get, wait_for
from test_control import Subscriber

HERE = os.path.dirname(os.path.abspath(__file__))
DTD = os.path.join(HERE, "..", "xmltv", "xmltv.dtd")


def xmltv_time(t):
    return time.strftime("%Y%m%d%H%M%S +0000", time.gmtime(t))


def programme(ch, start, title, hours=1):
    return ('<programme start="%s" stop="%s" channel="%s">'
            '<title>%s</title></programme>\n'
            % (xmltv_time(start), xmltv_time(start + hours * 3600), ch, title))


def guide(channels, programmes):
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<tv>\n' +
            "".join('<channel id="%s"><display-name>%s TV</display-name>'
                    '</channel>\n' % (c, c.split(".")[0].title())
                    for c in channels) +
            "".join(programmes) + "</tv>\n")


def lineup_m3u():
    """Two channels with tvg-ids; a third without one (no guide)."""
    return ("#EXTM3U\n"
            '#EXTINF:-1 tvg-id="news.ringcast",News\nhttp://127.0.0.1:1/n.ts\n'
            '#EXTINF:-1 tvg-id="sport.ringcast",Sport\nhttp://127.0.0.1:1/s.ts\n'
            "#EXTINF:-1,Plain\nhttp://127.0.0.1:1/p.ts\n")


def epg_daemon(epg=True):
    """A daemon with one source; its two guides (the second gzipped):
    in the window, news and sport now; outside it, news in 10 days and
    sport 3 days ago; a channel not in the lineup with a programme now.
    The sport channel's id differs in case from the lineup's."""
    d = Daemon()
    now = time.time()
    m3u = os.path.join(d.dir, "main.m3u")
    g1 = os.path.join(d.dir, "guide1.xml")
    g2 = os.path.join(d.dir, "guide2.xml.gz")
    with open(m3u, "w") as f:
        f.write(lineup_m3u())
    with open(g1, "w") as f:
        f.write(guide(["news.ringcast", "other.elsewhere"],
                      [programme("news.ringcast", now - 600, "News now"),
                       programme("news.ringcast", now + 10 * 86400, "News later"),
                       programme("other.elsewhere", now, "Other now")]))
    with gzip.open(g2, "wt") as f:
        f.write(guide(["SPORT.ringcast"],
                      [programme("SPORT.ringcast", now - 300, "Sport now"),
                       programme("SPORT.ringcast", now - 3 * 86400, "Sport before")]))
    src = '{ name = "main"; m3u = "%s"; %s }' % (
        m3u, 'epg = [ "%s", "file://%s" ];' % (g1, g2) if epg else "")
    d.extra = 'state_dir = "%s"; sources = ( %s );' % (
        os.path.join(d.dir, "state"), src)
    d.write_conf()
    return d, g1


def wait_guide(d):
    got = {}

    def ok():
        got["r"] = http_get(d.port, "/epg.xml")
        return got["r"][0] == 200
    wait_for(ok, 10 * SLOW, what="/epg.xml")
    return got["r"]


def validate(path):
    r = subprocess.run(["xmllint", "--nonet", "--noout", "--dtdvalid", DTD, path],
                       capture_output=True, text=True, timeout=10 * SLOW)
    check(r.returncode == 0, "xmllint: %s" % r.stderr)
    # tv_validate_file (XMLTV's own checker) wants dotted channel ids and
    # a programme on every channel: this guide has both; the pinned DTD,
    # not the network's
    r = subprocess.run(["tv_validate_file", "--dtd-file", DTD, path],
                       capture_output=True,
                       text=True, timeout=10 * SLOW)
    check(r.returncode == 0, "tv_validate_file: %s %s" % (r.stdout, r.stderr))


def test_epg_guide_reduced_mapped_valid_with_etag_gz_and_url_tvg():
    d, _ = epg_daemon()
    d.start()
    st, hdrs, body = wait_guide(d)
    check(hdrs["content-type"] == "application/xml", hdrs)
    text = body.decode()
    for want in ('<channel id="news.ringcast">', '<channel id="sport.ringcast">',
                 "News now", "Sport now", 'channel="sport.ringcast"'):
        check(want in text, "%s not in %s" % (want, text))
    for gone in ("other.elsewhere", "Other now", "News later", "Sport before",
                 '"SPORT.ringcast"'):
        check(gone not in text, "%s in %s" % (gone, text))
    path = os.path.join(d.dir, "out.xml")
    with open(path, "wb") as f:
        f.write(body)
    validate(path)
    # ETag, 304, HEAD
    etag = hdrs["etag"]
    st, h2, b2 = http_get(d.port, "/epg.xml", headers={"If-None-Match": etag})
    check(st == 304 and b2 == b"" and h2["etag"] == etag, (st, h2))
    st, h3, b3 = http_get(d.port, "/epg.xml", method="HEAD")
    check(st == 200 and b3 == b"" and h3["etag"] == etag and
          int(h3["content-length"]) == len(body), (st, h3))
    # the .gz holds the same document
    st, hz, bz = http_get(d.port, "/epg.xml.gz")
    check(st == 200 and hz["content-type"] == "application/gzip", (st, hz))
    check(gzip.decompress(bz) == body, "epg.xml.gz differs from epg.xml")
    check(hz["etag"] != etag, "the two files share an ETag")
    # CORS as /playlist.m3u
    st, hc, _ = http_get(d.port, "/epg.xml", headers={"Origin": "http://p.example"})
    check(hc.get("access-control-allow-origin") == "*", hc)
    # the playlist names the guide, with the same ids
    st, _, pl = http_get(d.port, "/playlist.m3u")
    first = pl.decode().split("\n")[0]
    check(first == '#EXTM3U url-tvg="http://127.0.0.1:%d/epg.xml"' % d.port, first)
    check('tvg-id="news.ringcast"' in pl.decode(), pl)
    d.stop()


def test_epg_broken_guide_is_reported_and_the_last_good_stays():
    d, g1 = epg_daemon()
    d.start()
    wait_guide(d)
    sub = Subscriber(d)
    with open(g1, "w") as f:
        f.write("this is not XML\n")
    rc, _, err = d.ctl("refresh")
    check(rc == 0, err)
    wait_for(lambda: [e for e in sub.events if e.get("event") == "source_failed"],
             10 * SLOW, what="source_failed")
    ev = [e for e in sub.events if e.get("event") == "source_failed"][0]
    check(ev["source"] == "main" and ev["reason"].startswith("epg 1:"), ev)
    # the rebuilt guide still holds guide 1's programmes (its last copy)
    time.sleep(0.5)
    st, _, body = http_get(d.port, "/epg.xml")
    check(st == 200 and b"News now" in body and b"Sport now" in body, body)
    check(os.path.exists(os.path.join(d.dir, "state", "epg-main-1.xml")) and
          os.path.exists(os.path.join(d.dir, "state", "epg-main-2.xml.gz")),
          os.listdir(os.path.join(d.dir, "state")))
    # a good guide again: the workers serve the new file (a new ETag)
    etag = http_get(d.port, "/epg.xml")[1]["etag"]
    with open(g1, "w") as f:
        f.write(guide(["news.ringcast"],
                      [programme("news.ringcast", time.time(), "News fresh")]))
    rc, _, err = d.ctl("refresh")
    check(rc == 0, err)
    wait_for(lambda: b"News fresh" in http_get(d.port, "/epg.xml")[2],
             10 * SLOW, what="the new guide")
    check(http_get(d.port, "/epg.xml")[1]["etag"] != etag, "same ETag")
    d.stop()


def test_epg_without_guides_is_404_and_no_url_tvg():
    d, _ = epg_daemon(epg=False)
    d.start()
    wait_for(lambda: b"news" in http_get(d.port, "/channels")[2], 10 * SLOW,
             what="the lineup")
    st, hdrs, body = http_get(d.port, "/epg.xml")
    check(st == 404 and "error" in json.loads(body), (st, body))
    st, _, pl = http_get(d.port, "/playlist.m3u")
    check(pl.startswith(b"#EXTM3U\n"), pl)
    d.stop()
