"""Integration-test harness: start the real ringcastd and the project's test
origin on 127.0.0.1, talk to them as a player or an operator would.

Everything started here is bounded in time and killed at the end of each
test (see run.py), so a failing test never leaves a process behind."""

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, "build")
SAMPLE = os.path.join(ROOT, "tests", "media", "sample.ts")
SANITIZED = os.environ.get("RINGCAST_SANITIZED") == "1"
# RINGCAST_WRAPPER: a command ringcastd runs under (valgrind).
WRAPPER = os.environ.get("RINGCAST_WRAPPER", "").split()
# Time multiplier for slower sanitizer / valgrind builds.
SLOW = 6.0 if WRAPPER else 2.0 if SANITIZED else 1.0

_live = []      # processes to kill when a test ends


class TestFailure(AssertionError):
    pass


def serial(why):
    """Mark a test for the serial group: it measures time or rate on the
    cores (or loads them enough to disturb tests that do), so run.py runs
    it after the parallel group, alone."""
    def mark(fn):
        fn.serial = why
        return fn
    return mark


def check(cond, msg="check failed"):
    if not cond:
        raise TestFailure(msg)


def binary(name):
    return os.path.join(BUILD, name)


# run.py gives each test running at the same time its own block of ports
# below the kernel's ephemeral range (32768 up), so that two tests never
# pick one port and no outgoing connection takes a port a test is about to
# listen on.  None: a port the kernel picks (a test run by hand).
PORT_BASE = None
PORT_BLOCK = 100
_ports_used = 0


def _bindable(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def free_port():
    global _ports_used
    if PORT_BASE is None:
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        return port
    while _ports_used < PORT_BLOCK:
        port = PORT_BASE + _ports_used
        _ports_used += 1
        if _bindable(port):
            return port
    raise TestFailure("no free port left in the block from %d" % PORT_BASE)


def wait_for(pred, timeout, step=0.05, what="condition"):
    deadline = time.time() + timeout * SLOW
    last = None
    while time.time() < deadline:
        last = pred()
        if last:
            return last
        time.sleep(step)
    raise TestFailure("timed out waiting for %s" % what)


def spawn(args, **kw):
    p = subprocess.Popen(args, **kw)
    _live.append(p)
    return p


def kill_all():
    while _live:
        p = _live.pop()
        if p.poll() is None:
            try:
                p.send_signal(signal.SIGTERM)
                p.wait(timeout=5)
            except Exception:
                p.kill()
                p.wait()


def http_get(port, path, timeout=5, method="GET", headers=None, host="127.0.0.1"):
    """Whole response: (status, headers dict lowercased, body bytes)."""
    c = http.client.HTTPConnection(host, port, timeout=timeout * SLOW)
    c.request(method, path, headers=headers or {})
    r = c.getresponse()
    body = r.read()
    hdrs = {k.lower(): v for k, v in r.getheaders()}
    c.close()
    return r.status, hdrs, body


def read_stream(port, path, seconds, max_bytes=None, version="1.1", headers=None):
    """Read a continuous response for SECONDS: (status, headers, bytes).
    Chunked bodies are not decoded: ask for HTTP/1.0 from servers that
    would chunk.  HEADERS: more request headers (a Host or User-Agent
    replaces the default one)."""
    hdrs = {"Host": "127.0.0.1", "User-Agent": "ringcast-test"}
    hdrs.update(headers or {})
    s = socket.create_connection(("127.0.0.1", port), timeout=5 * SLOW)
    s.sendall(("GET %s HTTP/%s\r\n%s\r\n" % (
        path, version, "".join("%s: %s\r\n" % kv for kv in hdrs.items()))).encode())
    data = b""
    deadline = time.time() + seconds
    s.settimeout(0.5)
    while time.time() < deadline:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            continue
        if not chunk:
            break
        data += chunk
        if max_bytes and len(data) > max_bytes:
            break
    s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin1").split("\r\n")
    status = int(lines[0].split()[1]) if lines and lines[0] else 0
    hdrs = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    return status, hdrs, body


def ts_packets(body):
    return [body[i:i + 188] for i in range(0, len(body) - 187, 188)]


def ts_pid(pkt):
    return ((pkt[1] & 0x1F) << 8) | pkt[2]


def ts_aligned(body):
    return len(body) >= 188 and all(body[i] == 0x47 for i in range(0, len(body) - 187, 188))


def run_tool(name, args, timeout):
    """Run a project test tool that prints one JSON line; return it parsed."""
    out = subprocess.run([binary("tests/" + name)] + args, capture_output=True,
                         text=True, timeout=timeout * SLOW + 10)
    lines = [l for l in out.stdout.splitlines() if l.startswith("{")]
    check(lines, "%s printed no result: %s %s" % (name, out.stdout, out.stderr))
    return json.loads(lines[-1])


class Origin:
    """The project's test origin (tests/origin/origin.c)."""

    def __init__(self, sample=SAMPLE):
        self.proc = spawn([binary("tests/origin"), "-p", "0", "-f", sample, "-q"],
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        m = re.match(r"port (\d+)", line or "")
        check(m, "origin did not start: %r" % line)
        self.port = int(m.group(1))

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def stats(self):
        return json.loads(http_get(self.port, "/stats")[2])

    def fault(self, **params):
        """Set faults; id=ID scopes them to one content id or infohash."""
        q = "&".join("%s=%s" % (k, urllib.parse.quote(str(v), safe=""))
                     for k, v in params.items())
        st, _, body = http_get(self.port, "/fault?" + q)
        check(st == 200, "origin refused fault %s: %s" % (q, body))

    def clear(self):
        http_get(self.port, "/fault/clear")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=5)


class Daemon:
    """A ringcastd with a generated configuration in its own directory."""

    def __init__(self, streams="", extra="", workers=2, defaults=""):
        self.dir = tempfile.mkdtemp(prefix="ringcast-it.")
        self.port = free_port()
        self.conf = os.path.join(self.dir, "ringcast.conf")
        self.pid_file = os.path.join(self.dir, "ringcastd.pid")
        self.sock = os.path.join(self.dir, "control.sock")
        self.log = os.path.join(self.dir, "ringcastd.log")
        self.streams = streams
        self.extra = extra
        self.workers = workers
        self.defaults = defaults
        self.proc = None
        self.write_conf()

    def conf_text(self, streams=None):
        return """
listen = [ "127.0.0.1:%d" ];
workers = %d;
user = "";
pid_file = "%s";
control_socket = "%s";
log = { target = "stderr"; level = "debug"; };
%s
defaults = { %s };
streams = ( %s );
""" % (self.port, self.workers, self.pid_file, self.sock, self.extra,
            self.defaults, self.streams if streams is None else streams)

    def write_conf(self, text=None):
        with open(self.conf, "w") as f:
            f.write(text if text is not None else self.conf_text())

    def start(self, foreground=True, wait=True):
        args = WRAPPER + [binary("ringcastd"), "-c", self.conf]
        if foreground:
            args.insert(len(WRAPPER) + 1, "-f")
        self.logf = open(self.log, "ab")
        self.proc = spawn(args, stdout=self.logf, stderr=self.logf)
        if not foreground:
            rc = self.proc.wait(timeout=10)
            check(rc == 0, "daemon mode start failed (%d): %s" % (rc, self.log_text()))
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self):
        def ready():
            try:
                return http_get(self.port, "/healthz", timeout=1)[0] == 200
            except OSError:
                return False
        wait_for(ready, 10, what="ringcastd /healthz")

    def pid(self):
        with open(self.pid_file) as f:
            return int(f.read().strip())

    def log_text(self, whole=False):
        try:
            with open(self.log, errors="replace") as f:
                text = f.read()
        except OSError:
            return ""
        return text if whole else text[-4000:]

    def ctl(self, *args, timeout=10):
        out = subprocess.run([binary("ringcastctl"), "-s", self.sock] + list(args),
                             capture_output=True, text=True, timeout=timeout * SLOW)
        return out.returncode, out.stdout, out.stderr

    def status(self):
        rc, out, err = self.ctl("status", "--json")
        check(rc == 0, "status failed: %s" % err)
        return json.loads(out)

    def http_status(self):
        return json.loads(http_get(self.port, "/status")[2])

    def stream(self, name):
        return self.status()["streams"][name]

    def children(self, role=None):
        """pid -> title of the supervisor's children."""
        sup = self.pid() if os.path.exists(self.pid_file) else self.proc.pid
        out = {}
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open("/proc/%s/stat" % d) as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                with open("/proc/%s/cmdline" % d, "rb") as f:
                    title = f.read().split(b"\0")[0].decode(errors="replace")
            except (OSError, IndexError, ValueError):
                continue
            if ppid == sup and (role is None or role in title):
                out[int(d)] = title
        return out

    def signal(self, sig):
        os.kill(self.pid(), sig)

    def stop(self, timeout=10):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            return self.proc.wait(timeout=timeout * SLOW)
        return self.proc.returncode if self.proc else None

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)


def shm_objects():
    return sorted(n for n in os.listdir("/dev/shm") if n.startswith("ringcast."))


def ts_stream(name, url, extra=""):
    return '{ name = "%s"; type = "ts"; url = "%s"; %s }' % (name, url, extra)


def sample_rate(path=SAMPLE):
    """Bytes a second of a TS file, from its first and last PCR."""
    data = open(path, "rb").read()
    first = last = None
    for i in range(0, len(data) - 187, 188):
        p = data[i:i + 188]
        if p[3] & 0x20 and p[4] >= 7 and p[5] & 0x10:
            base = (p[6] << 25) | (p[7] << 17) | (p[8] << 9) | (p[9] << 1) | (p[10] >> 7)
            t = base / 90000.0
            if first is None:
                first = (i, t)
            last = (i, t)
    return (last[0] - first[0]) / (last[1] - first[1])


def find_in_loop(body, sample_data, probe_packets=40):
    """Offset in the (looped) sample where BODY starts, or -1."""
    doubled = sample_data + sample_data
    probe = body[:188 * probe_packets]
    off = doubled.find(probe)
    while off != -1 and off % 188 != 0:
        off = doubled.find(probe, off + 1)
    return off % len(sample_data) if off != -1 else -1


def matches_loop(body, sample_data, off):
    """BODY equals the looped sample from OFF on, packet for packet."""
    n = len(sample_data)
    reps = (off + len(body)) // n + 2
    looped = sample_data * reps
    return looped[off:off + len(body)] == body


class Engine:
    """The project's test AceStream engine (tests/engine/engine.c)."""

    def __init__(self, media=SAMPLE, advertise=None):
        """ADVERTISE: the port written into the session URLs (-a), as an
        engine in a container does; None: the port it listens on."""
        args = [binary("tests/engine"), "-p", "0", "-m", media, "-q"]
        if advertise is not None:
            args += ["-a", str(advertise)]
        self.proc = spawn(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                          text=True)
        line = self.proc.stdout.readline()
        m = re.match(r"port (\d+)", line or "")
        check(m, "engine did not start: %r" % line)
        self.port = int(m.group(1))
        self.base = "http://127.0.0.1:%d" % self.port

    def url(self, path):
        return self.base + path

    def stats(self):
        return json.loads(http_get(self.port, "/stats")[2])

    def fault(self, **params):
        """Set faults; id=ID scopes them to one content id or infohash."""
        q = "&".join("%s=%s" % (k, urllib.parse.quote(str(v), safe=""))
                     for k, v in params.items())
        st, _, body = http_get(self.port, "/fault?" + q)
        check(st == 200, "engine refused fault %s: %s" % (q, body))

    def clear(self):
        st, _, body = http_get(self.port, "/fault/clear")
        check(st == 200, "engine refused /fault/clear: %s" % body)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=5)
