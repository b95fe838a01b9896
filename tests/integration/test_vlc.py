"""A real IPTV player on the lineup (issue #20): VLC (Debian's cvlc,
headless) opens /playlist.m3u of a ringcast whose source lists a
channel, plays the channel it finds there and records it to a TS file;
ffprobe then finds the sample's video in the file and at least
RECORD_MIN_S seconds of it.  The playlist names a guide (url-tvg), as a
lineup with `epg` does.  The channel is pulled once from the test
origin, by ringcast (its User-Agent), not by VLC.

VLC refuses to run as root: as root it runs as nobody (the output
directory is given to that user); otherwise as the user running the
suite.  It is started directly (subprocess's user/group), so its pid is
VLC's own and a VLC that overstays is killed by that pid."""

import os
import pwd
import shutil
import subprocess
import tempfile
import time

import harness
from harness import SLOW, Daemon, Origin, check, http_get, spawn, wait_for
from test_epg import guide, programme

RECORD_S = 8            # VLC's --run-time: seconds it plays and records
RECORD_MIN_S = 5.0      # what the recording must hold, by ffprobe
VLC_LIMIT_S = 40        # VLC is killed past this (times SLOW)
CHANNEL = "news-vlc"    # the channel's name, from its tvg-id news.vlc
# ringcast's upstream User-Agent here (its default imitates VLC's)
RINGCAST_UA = "ringcast-test-vlc"


def vlc_user():
    """(uid, gid) to run VLC as: nobody's when we are root, else None."""
    if os.geteuid() != 0:
        return None, None
    pw = pwd.getpwnam("nobody")
    return pw.pw_uid, pw.pw_gid


def out_dir(uid, gid):
    """A directory in /tmp that VLC's user may write."""
    path = tempfile.mkdtemp(prefix="ringcast-vlc.", dir="/tmp")
    if uid is not None:
        os.chown(path, uid, gid)
    return path


def lineup_daemon(o):
    """A daemon with one source: one TS channel of the test origin, with
    tvg attributes, and a guide for it."""
    d = Daemon(defaults='user_agent = "%s";' % RINGCAST_UA)
    now = time.time()
    m3u = os.path.join(d.dir, "lineup.m3u")
    xml = os.path.join(d.dir, "guide.xml")
    with open(m3u, "w") as f:
        f.write('#EXTM3U\n#EXTINF:-1 tvg-id="news.vlc" tvg-chno="7" '
                'group-title="News",News VLC\n%s\n' % o.url("/news.ts"))
    with open(xml, "w") as f:
        f.write(guide(["news.vlc"], [programme("news.vlc", now - 600, "News")]))
    d.extra = ('state_dir = "%s"; sources = ( { name = "main"; m3u = "%s"; '
               'epg = [ "%s" ]; } );' % (os.path.join(d.dir, "state"), m3u, xml))
    d.write_conf()
    return d


def vlc_record(url, dst):
    """cvlc plays URL (a playlist: its first entry) for RECORD_S seconds
    into DST; returns (returncode, output).  Killed by pid past
    VLC_LIMIT_S."""
    cvlc = shutil.which("cvlc")
    check(cvlc, "no cvlc: install vlc-bin and vlc-plugin-base "
          "(scripts/install-deps test)")
    uid, gid = vlc_user()
    env = dict(os.environ, HOME=os.path.dirname(dst))
    args = [cvlc, "--intf", "dummy", "--no-interact", "--play-and-exit",
            "--run-time", str(RECORD_S),
            "--sout", "#std{access=file,mux=ts,dst=%s}" % dst, url]
    kw = {}
    if uid is not None:
        kw = {"user": uid, "group": gid, "extra_groups": []}
    p = spawn(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
              env=env, cwd=os.path.dirname(dst), **kw)
    try:
        out, _ = p.communicate(timeout=VLC_LIMIT_S * SLOW)
    except subprocess.TimeoutExpired:
        p.kill()
        out, _ = p.communicate()
        raise harness.TestFailure("cvlc still running after %d s: %s"
                                  % (VLC_LIMIT_S * SLOW, out[-2000:]))
    return p.returncode, out.decode(errors="replace")


def probe(path):
    """ffprobe's streams and format of PATH, as dicts of strings."""
    r = subprocess.run(["ffprobe", "-v", "error", "-show_entries",
                        "stream=codec_type,codec_name,width,height:"
                        "format=duration", "-of", "compact", path],
                       capture_output=True, text=True, timeout=30 * SLOW)
    check(r.returncode == 0, "ffprobe %s: %s" % (path, r.stderr))
    streams, fmt = [], {}
    for line in r.stdout.splitlines():
        kind, _, rest = line.partition("|")
        fields = dict(f.split("=", 1) for f in rest.split("|") if "=" in f)
        if kind == "stream":
            streams.append(fields)
        elif kind == "format":
            fmt = fields
    return streams, fmt


def test_vlc_plays_and_records_a_channel_of_playlist_m3u():
    o = Origin()
    d = lineup_daemon(o)
    d.start()

    def listed():
        st, _, body = http_get(d.port, "/playlist.m3u")
        return st == 200 and b"url-tvg=" in body and \
            ("/stream/%s" % CHANNEL).encode() in body
    wait_for(listed, 10, what="the channel and url-tvg in /playlist.m3u")
    uid, gid = vlc_user()
    outd = out_dir(uid, gid)
    dst = os.path.join(outd, "recording.ts")
    try:
        rc, out = vlc_record(d.url("/playlist.m3u"), dst)
        check(rc == 0, "cvlc exited %d: %s" % (rc, out[-2000:]))
        check(os.path.exists(dst) and os.path.getsize(dst) > 0,
              "cvlc recorded nothing: %s" % out[-2000:])
        streams, fmt = probe(dst)
    finally:
        shutil.rmtree(outd, ignore_errors=True)
    video = [s for s in streams if s.get("codec_type") == "video"]
    check(video, "no video stream in the recording: %s" % streams)
    # the sample's video (tests/media/sample.ts: H.264, 640x360)
    check(video[0].get("codec_name") == "h264" and
          video[0].get("width") == "640" and video[0].get("height") == "360",
          "not the sample's video: %s" % video[0])
    dur = float(fmt.get("duration", "0") or 0)
    check(dur >= RECORD_MIN_S, "recording of %.2f s, want >= %.1f s"
          % (dur, RECORD_MIN_S))
    # VLC played ringcast's channel: one pull of the upstream, by ringcast
    paths = o.stats()["paths"]
    news = paths.get("/news.ts", {})
    check(news.get("requests") == 1, "origin pulls of /news.ts: %s" % paths)
    check(news.get("user_agent") == RINGCAST_UA,
          "someone else than ringcast pulled the channel: %s" % news)
    d.stop()
