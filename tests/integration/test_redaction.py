"""Credentials inside upstream URLs never leave ringcast: a stream whose
URL carries user:password@ and ?password=, and a dead backup URL with a
token that makes upstream errors, are played; the secrets appear in no
output: /status (JSON and `ringcastctl status`; the status page shows
it), /history, events (the control socket; /events and the webhook get
the same lines), the log and /playlist.m3u."""

import json
import time

from harness import (SLOW, Daemon, Origin, check, free_port, http_get,
                     read_stream, ts_stream, wait_for)
from test_control import Subscriber

SECRETS = ["s3cretpw", "hunter22", "tok3nvalue", "deadpass"]


def test_no_credential_of_an_upstream_url_is_shown():
    o = Origin()
    url = o.url("/news.ts").replace("http://", "http://bob:s3cretpw@") + \
        "?password=hunter22&token=tok3nvalue"
    dead = "http://alice:deadpass@127.0.0.1:%d/x.ts?token=tok3nvalue" % free_port()
    d = Daemon(streams=ts_stream("news", dead,
                                 'on_demand = false; retry_min = 0.2; '
                                 'backup_urls = [ "%s" ];' % url))
    d.start()
    sub = Subscriber(d)
    wait_for(lambda: d.stream("news")["state"] == "running", 15 * SLOW,
             what="news running from its backup")
    st, _, body = read_stream(d.port, "/stream/news", 2)
    check(st == 200 and len(body) > 188 * 10, (st, len(body)))
    # make it fail over again: errors with the dead URL, reconnects
    rc, _, err = d.ctl("stop", "news")
    check(rc == 0, err)
    rc, _, err = d.ctl("start", "news")
    check(rc == 0, err)
    wait_for(lambda: sub.find("upstream_error", stream="news"), 15 * SLOW,
             what="an upstream error event")
    wait_for(lambda: d.stream("news")["state"] == "running", 15 * SLOW,
             what="news running again")
    outputs = {}
    outputs["status"] = http_get(d.port, "/status")[2].decode()
    outputs["ctl status"] = d.ctl("status")[1] + d.ctl("status", "--json")[1]
    outputs["history"] = http_get(d.port, "/history?stream=news")[2].decode()
    outputs["events"] = json.dumps(sub.events)
    outputs["playlist"] = http_get(d.port, "/playlist.m3u")[2].decode()
    d.stop()
    outputs["log"] = d.log_text(whole=True)
    # the URLs are there, redacted: the outputs are not just empty
    st = json.loads(outputs["status"])
    check("***@" in st["streams"]["news"]["url"] and
          "password=***" in st["streams"]["news"]["url"], st["streams"]["news"]["url"])
    check("http://***@127.0.0.1" in outputs["events"], "no redacted URL in events")
    check("***" in outputs["log"], "no redacted URL in the log")
    for name, text in outputs.items():
        for secret in SECRETS:
            check(secret not in text, "%s shows %s" % (name, secret))
    o.stop()
