"""HTTPS on listen_tls: a test CA and server certificates made with
openssl in the daemon's directory; curl (--cacert) gets /status, a TS
stream and /playlist.m3u (https:// URLs) while plain HTTP on `listen`
serves at the same time (https:// URLs there too for a request with
X-Forwarded-Proto: https, as a TLS proxy sends); ffmpeg and ffprobe play TS and HLS over https
(-tls_verify 1 -ca_file); SIGHUP with a new certificate keeps a TLS and
a plain player that were playing and shows new TLS connections the new
certificate; a reload whose tls_key is missing is rejected, HTTPS goes
on; plain HTTP, binary and a handshake that stops half-way sent to the
TLS address block nothing; configuration mistakes with their line."""

import os
import re
import signal
import socket
import ssl
import subprocess
import threading
import time

from harness import (SLOW, Daemon, Origin, binary, check, free_port, http_get,
                     ts_aligned, ts_stream, wait_for)

EXT = ("subjectAltName=IP:127.0.0.1,DNS:localhost\n"
       "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")


def openssl(*args):
    r = subprocess.run(["openssl"] + list(args), capture_output=True, text=True,
                       timeout=30)
    check(r.returncode == 0, "openssl %s: %s" % (args[0], r.stderr))


def make_ca(d):
    ca = os.path.join(d, "ca.pem")
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-keyout", os.path.join(d, "ca.key"), "-out", ca, "-days", "2",
            "-subj", "/CN=ringcast test CA")
    with open(os.path.join(d, "ext.cnf"), "w") as f:
        f.write(EXT)
    return ca


def make_cert(d, name, serial):
    """A server certificate for 127.0.0.1 signed by d's CA: (cert, key)."""
    cert, key = os.path.join(d, name + ".pem"), os.path.join(d, name + ".key")
    csr = os.path.join(d, name + ".csr")
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", key, "-out", csr, "-subj", "/CN=" + name)
    openssl("x509", "-req", "-in", csr, "-CA", os.path.join(d, "ca.pem"),
            "-CAkey", os.path.join(d, "ca.key"), "-set_serial", str(serial),
            "-days", "2", "-extfile", os.path.join(d, "ext.cnf"), "-out", cert)
    return cert, key


class TlsDaemon(Daemon):
    """A Daemon with listen_tls on its own port and the certificate
    'one' (serial 4097) of a fresh test CA."""

    def __init__(self, streams, extra="", workers=2):
        super().__init__(streams=streams, workers=workers)
        self.tport = free_port()
        self.ca = make_ca(self.dir)
        self.cert, self.key = make_cert(self.dir, "one", 4097)
        self.tls_extra = extra
        self.write_tls_conf(self.cert, self.key)

    def write_tls_conf(self, cert, key):
        self.extra = ('listen_tls = [ "127.0.0.1:%d" ];\ntls_cert = "%s";\n'
                      'tls_key = "%s";\n%s' % (self.tport, cert, key, self.tls_extra))
        self.write_conf()

    def turl(self, path):
        return "https://127.0.0.1:%d%s" % (self.tport, path)


def curl(d, path, *extra, timeout=10):
    r = subprocess.run(["curl", "-sS", "--cacert", d.ca, "--max-time", str(timeout)] +
                       list(extra) + [d.turl(path)], capture_output=True,
                       timeout=timeout * SLOW + 10)
    return r.returncode, r.stdout, r.stderr.decode(errors="replace")


def tls_context(d):
    return ssl.create_default_context(cafile=d.ca)


def peer_serial(d):
    """The serial of the certificate a new TLS connection is shown."""
    with socket.create_connection(("127.0.0.1", d.tport), timeout=5 * SLOW) as s:
        with tls_context(d).wrap_socket(s, server_hostname="127.0.0.1") as t:
            return int(t.getpeercert()["serialNumber"], 16)


class Player(threading.Thread):
    """Reads /stream/NAME over TLS or plain HTTP; .times holds when each
    read returned how many bytes, .total the bytes, until stop()."""

    def __init__(self, d, name, tls):
        super().__init__(daemon=True)
        s = socket.create_connection(("127.0.0.1", d.tport if tls else d.port),
                                     timeout=5 * SLOW)
        if tls:
            s = tls_context(d).wrap_socket(s, server_hostname="127.0.0.1")
        s.sendall(b"GET /stream/%s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n" % name.encode())
        s.settimeout(0.5)
        self.sock, self.times, self.total, self.head = s, [], 0, b""
        self.quit = False
        self.start()

    def run(self):
        while not self.quit:
            try:
                b = self.sock.recv(65536)
            except (socket.timeout, ssl.SSLWantReadError):
                continue
            except OSError:
                break
            if not b:
                break
            if len(self.head) < 64:
                self.head += b[:64]
            self.total += len(b)
            self.times.append((time.time(), len(b)))

    def got_since(self, t):
        """Bytes read since time T."""
        return sum(n for x, n in self.times if x >= t)

    def stop(self):
        self.quit = True
        self.join(5)
        self.sock.close()


def live_daemon(**kw):
    o = Origin()
    d = TlsDaemon(ts_stream("t", o.url("/live.ts"), "on_demand = false;"),
                  extra="hdhomerun = { enabled = true; };", **kw).start()
    return o, d


def test_tls_curl_and_plain_http_together():
    o, d = live_daemon()
    rc, out, err = curl(d, "/status")
    check(rc == 0 and b'"streams"' in out, "status over https: %s" % err)
    # a TS player over https and one over plain HTTP at the same time
    plain = Player(d, "t", tls=False)
    rc, body, err = curl(d, "/stream/t", timeout=3)
    check(rc == 28 and len(body) > 100000 and ts_aligned(body),
          "TS over https (curl %d, %d bytes): %s" % (rc, len(body), err))
    plain.stop()
    check(plain.total > 100000 and b" 200 " in plain.head, "plain player meanwhile")
    rc, m3u, err = curl(d, "/playlist.m3u")
    urls = re.findall(rb"^(\S+://\S+)$", m3u, re.M)
    check(rc == 0 and urls and all(u.startswith(b"https://127.0.0.1:%d/" % d.tport)
                                  for u in urls), "https playlist: %r" % m3u)
    st, _, m3u_plain = http_get(d.port, "/playlist.m3u")
    check(st == 200 and b"http://127.0.0.1:%d/stream/t" % d.port in m3u_plain,
          "the plain playlist stays http: %r" % m3u_plain)
    # behind a TLS proxy that says so, the plain address writes https://
    st, _, m3u_xfp = http_get(d.port, "/playlist.m3u",
                              headers={"X-Forwarded-Proto": "https"})
    check(st == 200 and b"https://127.0.0.1:%d/stream/t" % d.port in m3u_xfp,
          "X-Forwarded-Proto: https: %r" % m3u_xfp)
    # the playlist's URL plays
    rc, body, err = curl(d, urls[0].decode().split(str(d.tport), 1)[1], timeout=2)
    check(len(body) > 50000 and ts_aligned(body), "the playlist's https URL plays")
    rc, out, err = curl(d, "/")
    check(rc == 0 and b"<html" in out.lower(), "the status page over https: %s" % err)
    rc, out, err = curl(d, "/events", "-N", timeout=2)
    check(rc == 28 and b"event:" in out, "/events over https (%d): %r %s" % (rc, out[:200], err))
    rc, out, err = curl(d, "/discover.json")
    check(rc == 0 and b'"BaseURL":"https://127.0.0.1:%d"' % d.tport in out.replace(b" ", b""),
          "HDHomeRun BaseURL over https: %r" % out)


def ffmpeg_video(d, path, seconds=4):
    """Packets of video ffmpeg reads over https in SECONDS of PATH."""
    out = subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-tls_verify", "1",
         "-ca_file", d.ca, "-i", d.turl(path), "-t", str(seconds), "-map", "0:v",
         "-c", "copy", "-f", "framecrc", "-"],
        capture_output=True, text=True, timeout=30 * SLOW)
    frames = [l for l in out.stdout.splitlines() if l and not l.startswith("#")]
    return out.returncode, frames, out.stderr


def test_tls_ffmpeg_plays_ts_and_hls():
    o, d = live_daemon()
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-tls_verify", "1", "-ca_file", d.ca,
         "-show_entries", "stream=codec_type", "-of", "csv=p=0", d.turl("/stream/t")],
        capture_output=True, text=True, timeout=30 * SLOW)
    check(probe.returncode == 0 and "video" in probe.stdout,
          "ffprobe over https: %s %s" % (probe.stdout, probe.stderr))
    rc, frames, err = ffmpeg_video(d, "/stream/t")
    check(rc == 0 and len(frames) >= 50, "TS over https: %d frames, %s" % (len(frames), err))
    wait_for(lambda: http_get(d.port, "/hls/t/index.m3u8")[2].count(b"#EXTINF") >= 2,
             20, step=0.5, what="TS cut into segments")
    rc, out, err = curl(d, "/hls/t/index.m3u8")
    check(rc == 0 and b"#EXTM3U" in out, "HLS playlist over https: %s" % err)
    rc, frames, err = ffmpeg_video(d, "/hls/t/index.m3u8")
    check(rc == 0 and len(frames) >= 50, "HLS over https: %d frames, %s" % (len(frames), err))
    # a wrong CA is refused by the player: the certificate is really checked
    other = os.path.join(d.dir, "other")
    os.mkdir(other)
    bad = make_ca(other)
    r = subprocess.run(["curl", "-sS", "--cacert", bad, "--max-time", "5",
                        d.turl("/healthz")], capture_output=True, timeout=20)
    check(r.returncode == 60, "a certificate of another CA is refused (%d)" % r.returncode)


def reloaded(d, n):
    return d.log_text(whole=True).count("configuration reloaded") >= n


def test_tls_reload_new_certificate_keeps_players():
    o, d = live_daemon()
    check(peer_serial(d) == 4097, "first certificate")
    tls_player, plain_player = Player(d, "t", tls=True), Player(d, "t", tls=False)
    wait_for(lambda: tls_player.total > 50000 and plain_player.total > 50000, 10,
             what="both players playing")
    cert2, key2 = make_cert(d.dir, "two", 8193)
    os.replace(cert2, d.cert)
    os.replace(key2, d.key)
    d.signal(signal.SIGHUP)
    wait_for(lambda: reloaded(d, 1), 10, what="reload")
    t0 = time.time()
    wait_for(lambda: peer_serial(d) == 8193, 10, what="new connections see the new certificate")
    time.sleep(3)
    for p, what in ((tls_player, "TLS"), (plain_player, "plain")):
        check(p.is_alive() and p.got_since(t0 + 1) > 100000,
              "the %s player kept playing through the reload" % what)
    rc, body, err = curl(d, "/stream/t", timeout=2)
    check(len(body) > 50000 and ts_aligned(body), "a new TLS player plays: %s" % err)
    # tls_key at a missing file: rejected, the running certificate stays
    d.write_tls_conf(d.cert, os.path.join(d.dir, "missing.key"))
    d.signal(signal.SIGHUP)
    wait_for(lambda: "reload rejected" in d.log_text(whole=True), 10, what="rejection")
    check("missing.key': cannot read it" in d.log_text(whole=True), "why it was rejected")
    check(peer_serial(d) == 8193, "HTTPS goes on with the running certificate")
    rc, out, err = curl(d, "/healthz")
    check(rc == 0, "https after the rejected reload: %s" % err)
    for p in (tls_player, plain_player):
        check(p.is_alive() and p.got_since(time.time() - 1.5) > 0, "players still playing")
        p.stop()


def test_tls_added_and_removed_by_reload():
    o = Origin()
    d = TlsDaemon(ts_stream("t", o.url("/live.ts"), "on_demand = false;"))
    tls_extra = d.extra
    d.extra = ""
    d.write_conf()
    d.start()
    player = Player(d, "t", tls=False)
    wait_for(lambda: player.total > 50000, 10, what="plain player playing")
    d.extra = tls_extra     # listen_tls added: the plain address is kept
    d.write_conf()
    d.signal(signal.SIGHUP)
    wait_for(lambda: reloaded(d, 1), 10, what="reload")
    wait_for(lambda: curl(d, "/healthz", timeout=2)[0] == 0, 10, what="https after the reload")
    check("cannot listen" not in d.log_text(whole=True), "the kept address was not bound again")
    check(http_get(d.port, "/healthz")[0] == 200, "plain still answers")
    d.extra = ""            # and removed
    d.write_conf()
    d.signal(signal.SIGHUP)
    wait_for(lambda: reloaded(d, 2), 10, what="second reload")
    wait_for(lambda: curl(d, "/healthz", timeout=2)[0] == 7, 10, what="https gone")
    check(http_get(d.port, "/healthz")[0] == 200, "plain still answers")
    check(player.is_alive() and player.got_since(time.time() - 1.5) > 0,
          "the plain player played through both reloads")
    player.stop()


def test_tls_address_survives_plain_http_and_garbage():
    o, d = live_daemon(workers=1)
    # plain HTTP to the TLS address: a clear-text 400 that says why
    s = socket.create_connection(("127.0.0.1", d.tport), timeout=5 * SLOW)
    s.sendall(b"GET /status HTTP/1.1\r\nHost: x\r\n\r\n")
    data = b""
    while True:     # the head and the body may come in two segments
        try:
            chunk = s.recv(4096)
        except OSError:
            break
        if not chunk:
            break
        data += chunk
    s.close()
    check(data.startswith(b"HTTP/1.1 400") and b"https" in data, "plain HTTP: %r" % data)
    # binary with NUL bytes, split over packets; a handshake left half-way
    stuck = []
    for payload in (b"\x00\x01\x02\xff" * 64, b"\x16\x03\x01\x00"):
        s = socket.create_connection(("127.0.0.1", d.tport), timeout=5 * SLOW)
        s.sendall(payload[:3])
        time.sleep(0.1)
        s.sendall(payload[3:])
        stuck.append(s)
    # all the while, TLS and plain HTTP serve
    t0 = time.time()
    rc, out, err = curl(d, "/healthz", timeout=5)
    check(rc == 0 and time.time() - t0 < 3 * SLOW, "https served next to them: %s" % err)
    check(http_get(d.port, "/healthz")[0] == 200, "plain served next to them")
    stuck[0].settimeout(5 * SLOW)
    try:
        rest = stuck[0].recv(4096)
    except OSError:
        rest = b""
    check(rest == b"" or rest.startswith(b"HTTP/1.1 400"), "binary: answered or closed")
    for s in stuck:
        s.close()
    check(d.proc.poll() is None and len(d.children("worker")) == 1, "the worker lives")
    rc, body, err = curl(d, "/stream/t", timeout=2)
    check(len(body) > 50000 and ts_aligned(body), "TLS TS still plays: %s" % err)


def config_errors(d, extra):
    d.extra = extra
    d.write_conf()
    r = subprocess.run([binary("ringcastd"), "-t", "-c", d.conf], capture_output=True,
                       text=True, timeout=10)
    return r.returncode, r.stderr


def test_tls_configuration_errors():
    d = TlsDaemon("")
    cert2, key2 = make_cert(d.dir, "two", 8193)
    tl = 'listen_tls = [ "127.0.0.1:%d" ];\n' % d.tport
    cases = [
        (tl, r":8: listen_tls needs tls_cert and tls_key"),
        (tl + 'tls_cert = "%s";\ntls_key = "%s/none.key";\n' % (d.cert, d.dir),
         r":10: tls_key '.*/none.key': cannot read it: No such file"),
        (tl + 'tls_cert = "%s";\ntls_key = "%s";\n' % (d.cert, key2),
         r":10: tls_key .* does not go with tls_cert"),
        (tl + 'tls_cert = "%s";\ntls_key = "%s";\n' % (d.key, d.key),
         r":9: tls_cert .* holds no PEM certificate"),
        (tl + 'tls_cert = "%s";\ntls_key = "%s";\n' % (d.cert, d.cert),
         r":10: tls_key .* holds no unencrypted PEM private key"),
        (tl + 'tls_cert = "one.pem";\ntls_key = "%s";\n' % d.key,
         r":9: tls_cert must be an absolute path"),
        ('listen_tls = [ "127.0.0.1:%d" ];\ntls_cert = "%s";\ntls_key = "%s";\n'
         % (d.port, d.cert, d.key), r":8: '127.0.0.1:%d' is in both listen and listen_tls"
         % d.port),
        ('listen_tls = [ "127.0.0.1:99999" ];\n', r":8: invalid listen address"),
    ]
    for extra, want in cases:
        rc, err = config_errors(d, extra)
        check(rc != 0 and re.search(r"ringcast\.conf" + want, err),
              "want %r, got %r" % (want, err))
    rc, err = config_errors(d, tl + 'tls_cert = "%s";\ntls_key = "%s";\n' % (d.cert, d.key))
    check(rc == 0, "a good one: %s" % err)
