"""Channel identity: `channels` overrides (a channel renamed, renumbered,
regrouped, with a new logo, one disabled) as /channels, /stream/NAME and
the HDHomeRun lineup show them; channel numbers given once and kept in
state_dir/numbers.json across refreshes and restarts (a list reordered
with a new channel on top, a channel removed then added back, a damaged
numbers.json rebuilt); a number a configured stream takes, at a restart
or a reload, is given up for a new one; a disabled channel is left out
of the guide."""

import json
import os
import time

from harness import SLOW, Origin, check, http_get, read_stream, ts_stream, wait_for
from test_sources import channels, entry, sources_daemon, wait_lineup, write


def get_json(d, path):
    st, _, body = http_get(d.port, path)
    check(st == 200, "%s: %d %r" % (path, st, body))
    return json.loads(body)


def state_doc(d, name):
    with open(os.path.join(d.dir, "state", name)) as f:
        return json.load(f)


OVERRIDES = """channels = (
  { match = "NEWS.US"; name = "headlines"; number = "50"; group = "Top";
    logo = "http://logos.example/h.png"; },
  { match = "music"; enabled = false; },
  { match = "Weather"; name = "docs"; },
  { match = "nothing like it"; name = "unused"; }
);
hdhomerun = { enabled = true; tuner_count = 2; };"""


def test_overrides_in_channels_streams_and_hdhr_lineup():
    o = Origin()
    text = ("#EXTM3U\n" +
            entry("News One", o.url("/news.ts"), "News", "news.us",
                  "http://logos.example/news.png", "5") +
            entry("Music", o.url("/music.ts"), "Music") +
            entry("Docs", o.url("/docs.ts"), "Docs", "docs") +
            entry("Kids", o.url("/kids.ts"), "Kids", chno="K1") +
            entry("Sport", o.url("/sport.ts"), "Sports", chno="7") +
            entry("Weather", o.url("/weather.ts"), "Weather", "weather"))
    streams = ts_stream("configured", o.url("/live.ts"),
                        'title = "Configured"; number = "60";')
    d = sources_daemon(o, [("main", text)], streams=streams, extra=OVERRIDES)
    d.start()
    chans = wait_lineup(d, lambda c: "headlines" in c, "the overridden lineup")
    check(list(chans) == ["headlines", "music", "docs-2", "kids", "sport", "docs"],
          list(chans))
    h = chans["headlines"]
    check(h["title"] == "News One" and h["number"] == "50" and h["group"] == "Top" and
          h["logo"] == "http://logos.example/h.png" and h["tvg_id"] == "news.us", h)
    # numbers after the highest in use: the configured stream's 60
    check([chans[n]["number"] for n in ("music", "docs-2", "kids", "sport", "docs")] ==
          ["61", "62", "63", "7", "64"], chans)
    check(chans["docs"]["title"] == "Weather" and chans["docs-2"]["title"] == "Docs",
          chans)
    doc = {c["name"]: c for c in state_doc(d, "channels.json")["channels"]}
    check(doc["music"]["enabled"] is False and doc["headlines"]["enabled"] is True and
          doc["music"]["chno"] == "61", doc["music"])

    st, _, body = read_stream(d.port, "/stream/headlines", 2 * SLOW)
    check(st == 200 and len(body) > 188 * 50, "/stream/headlines: %d" % st)
    check("/news.ts" in o.stats()["paths"], o.stats()["paths"])
    check(http_get(d.port, "/stream/news-us")[0] == 404, "the old name plays")

    base = "http://127.0.0.1:%d" % d.port
    lineup = get_json(d, "/lineup.json")
    check([(c["GuideNumber"], c["GuideName"], c["URL"]) for c in lineup] ==
          [("60", "Configured", base + "/tuner/configured"),
           ("50", "News One", base + "/tuner/headlines"),
           ("62", "Docs", base + "/tuner/docs-2"),
           ("63", "Kids", base + "/tuner/kids"),
           ("7", "Sport", base + "/tuner/sport"),
           ("64", "Weather", base + "/tuner/docs")], lineup)
    st, _, body = http_get(d.port, "/tuner/music")
    check(st == 404, "a disabled channel on a tuner: %d %r" % (st, body))
    d.stop()
    o.stop()


def numbers(d):
    return {c["name"]: c["number"] for c in channels(d)["channels"]}


def refresh_to(d, text, pred, what):
    write(os.path.join(d.dir, "main.m3u"), text)
    rc, _, err = d.ctl("refresh", "main")
    check(rc == 0, err)
    return wait_lineup(d, pred, what)


def test_numbers_stay_across_restarts_and_refreshes():
    o = Origin()
    alpha = entry("Alpha", o.url("/a.ts"))
    beta = entry("Beta", o.url("/b.ts"), tvg_id="Beta.tv")
    gamma = entry("Gamma", o.url("/g.ts"))
    fresh = entry("Fresh", o.url("/f.ts"))
    d = sources_daemon(o, [("main", "#EXTM3U\n" + alpha + beta + gamma)])
    d.start()
    wait_lineup(d, lambda c: "gamma" in c, "the lineup")
    check(numbers(d) == {"alpha": "1", "beta-tv": "2", "gamma": "3"}, numbers(d))
    kept = state_doc(d, "numbers.json")
    check(kept["version"] == 1 and kept["highest"] == 3 and kept["channels"] ==
          [{"name": "alpha", "number": 1}, {"tvg_id": "beta.tv", "number": 2},
           {"name": "gamma", "number": 3}], kept)
    d.stop()

    # restarted with the list reordered and a new channel on top
    write(os.path.join(d.dir, "main.m3u"), "#EXTM3U\n" + fresh + gamma + alpha + beta)
    d.start()
    wait_lineup(d, lambda c: "fresh" in c, "the reordered lineup")
    check(numbers(d) == {"fresh": "4", "gamma": "3", "alpha": "1", "beta-tv": "2"},
          numbers(d))

    # removed, then back
    refresh_to(d, "#EXTM3U\n" + fresh + gamma + alpha,
               lambda c: "beta-tv" not in c, "beta removed")
    check(numbers(d) == {"fresh": "4", "gamma": "3", "alpha": "1"}, numbers(d))
    refresh_to(d, "#EXTM3U\n" + beta + fresh + gamma + alpha,
               lambda c: "beta-tv" in c, "beta back")
    check(numbers(d) == {"beta-tv": "2", "fresh": "4", "gamma": "3", "alpha": "1"},
          numbers(d))
    d.stop()

    # a damaged numbers.json is logged and numbering starts again
    path = os.path.join(d.dir, "state", "numbers.json")
    write(path, '{"version":1,"highest":')
    os.unlink(os.path.join(d.dir, "state", "channels.json"))
    d.start()
    wait_lineup(d, lambda c: "gamma" in c, "the lineup after a damaged numbers.json")
    check(numbers(d) == {"beta-tv": "1", "fresh": "2", "gamma": "3", "alpha": "4"},
          numbers(d))
    check("numbered again" in d.log_text(whole=True), d.log_text())
    wait_for(lambda: state_doc(d, "numbers.json")["highest"] == 4, 5 * SLOW,
             what="numbers.json rewritten")
    d.stop()
    o.stop()


def test_configured_stream_numbers_are_never_given():
    o = Origin()
    streams = ", ".join([ts_stream("one", o.url("/live.ts")),
                         ts_stream("two", o.url("/live.ts"), 'number = "3.2";')])
    text = "#EXTM3U\n" + entry("Alpha", o.url("/a.ts")) + entry("Beta", o.url("/b.ts"))
    d = sources_daemon(o, [("main", text)], streams=streams)
    d.start()
    wait_lineup(d, lambda c: "beta" in c, "the lineup")
    check(numbers(d) == {"alpha": "4", "beta": "5"}, numbers(d))
    d.stop()
    # a stream now takes beta's number: beta gets a new one, alpha keeps its
    d.streams = ", ".join([ts_stream("one", o.url("/live.ts")),
                           ts_stream("two", o.url("/live.ts"), 'number = "5";')])
    d.write_conf()
    d.start()
    wait_lineup(d, lambda c: c.get("beta", {}).get("number") == "6", "beta renumbered")
    check(numbers(d) == {"alpha": "4", "beta": "6"}, numbers(d))
    # the same by a reload: alpha's 4 taken, it gets the next
    d.streams = ", ".join([ts_stream("one", o.url("/live.ts")),
                           ts_stream("two", o.url("/live.ts"), 'number = "4";')])
    d.write_conf()
    rc, _, err = d.ctl("reload")
    check(rc == 0, err)
    wait_lineup(d, lambda c: c.get("alpha", {}).get("number") == "7",
                "alpha renumbered by a reload")
    check(numbers(d) == {"alpha": "7", "beta": "6"}, numbers(d))
    d.stop()
    o.stop()


def test_disabled_channel_is_not_in_the_guide():
    from test_epg import guide, programme, wait_guide
    o = Origin()
    now = time.time()
    text = ("#EXTM3U\n" + entry("News", o.url("/n.ts"), tvg_id="news.ringcast") +
            entry("Sport", o.url("/s.ts"), tvg_id="sport.ringcast"))
    extra = ('channels = ( { match = "SPORT.ringcast"; enabled = false; },'
             ' { match = "news.ringcast"; name = "headlines"; } );')
    d = sources_daemon(o, [("main", text)], extra=extra)
    g = os.path.join(d.dir, "guide.xml")
    write(g, guide(["news.ringcast", "sport.ringcast"],
                   [programme("news.ringcast", now - 600, "News now"),
                    programme("sport.ringcast", now - 600, "Sport now")]))
    d.extra = d.extra.replace('exclude_groups = [ "adult*" ]; ',
                              'exclude_groups = [ "adult*" ]; epg = [ "%s" ]; ' % g)
    check(g in d.extra, d.extra)
    d.write_conf()
    d.start()
    chans = wait_lineup(d, lambda c: "headlines" in c and "sport-ringcast" in c,
                        "the lineup")
    check(chans["headlines"]["tvg_id"] == "news.ringcast", chans)
    _, _, body = wait_guide(d)
    text = body.decode()
    check('<channel id="news.ringcast">' in text and "News now" in text, text)
    check("sport.ringcast" not in text and "Sport now" not in text, text)
    d.stop()
    o.stop()
