"""A headless Chromium driven over the DevTools protocol, with nothing but
the Python standard library: the browser is started with its own
--remote-debugging-port and --user-data-dir, and this module speaks the
WebSocket protocol (RFC 6455, client side) to one page target.

Used by test_browser.py.  The browser is registered with harness.spawn, so
it is killed by pid at the end of each test like every other process."""

import base64
import json
import os
import shutil
import signal
import socket
import struct
import tempfile
import time
import urllib.request

import harness


def chromium_path():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        p = shutil.which(name)
        if p:
            return p
    return None


class WebSocket:
    """Just enough of a WebSocket client for the DevTools protocol: text
    frames out (masked), text/continuation/ping/close frames in."""

    def __init__(self, url, timeout):
        assert url.startswith("ws://")
        hostport, _, path = url[5:].partition("/")
        host, _, port = hostport.partition(":")
        self.sock = socket.create_connection((host, int(port)), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        req = ("GET /%s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
               "Sec-WebSocket-Version: 13\r\n\r\n" % (path, hostport, key))
        self.sock.sendall(req.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise harness.TestFailure("devtools closed the handshake")
            head += chunk
        head, _, self.buf = head.partition(b"\r\n\r\n")
        status = head.split(b"\r\n", 1)[0]
        if b" 101 " not in status + b" ":
            raise harness.TestFailure("devtools refused the websocket: %r" % head)

    def send(self, text):
        data = text.encode()
        hdr = bytearray([0x81])
        n = len(data)
        if n < 126:
            hdr.append(0x80 | n)
        elif n < 65536:
            hdr.append(0x80 | 126)
            hdr += struct.pack("!H", n)
        else:
            hdr.append(0x80 | 127)
            hdr += struct.pack("!Q", n)
        mask = os.urandom(4)
        hdr += mask
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
        self.sock.sendall(bytes(hdr) + masked)

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise harness.TestFailure("devtools connection closed")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv(self):
        """The next whole text message (None when the browser closes)."""
        parts = []
        while True:
            b0, b1 = self._read(2)
            op, n = b0 & 0x0F, b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", self._read(8))[0]
            mask = self._read(4) if b1 & 0x80 else None
            payload = self._read(n)
            if mask:
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            if op == 0x8:
                return None
            if op == 0x9:           # ping: answer, keep reading
                self.sock.sendall(bytes([0x8A, 0x80 | len(payload)]) + b"\0\0\0\0" + payload)
                continue
            if op in (0x1, 0x2, 0x0):
                parts.append(payload)
                if b0 & 0x80:
                    return b"".join(parts).decode()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class Browser:
    """One headless Chromium with one page; page events are collected."""

    def __init__(self, width=1280, height=800, mobile=False):
        exe = chromium_path()
        harness.check(exe, "chromium is not installed (scripts/install-deps)")
        self.dir = tempfile.mkdtemp(prefix="ringcast-chromium.")
        args = [exe, "--headless", "--no-sandbox", "--disable-gpu",
                "--no-first-run", "--no-default-browser-check",
                "--disable-dev-shm-usage", "--disable-extensions",
                "--disable-background-networking", "--disable-sync",
                "--autoplay-policy=no-user-gesture-required",
                "--mute-audio", "--hide-scrollbars",
                "--user-data-dir=" + os.path.join(self.dir, "profile"),
                "--remote-debugging-port=0",
                "--window-size=%d,%d" % (width, height), "about:blank"]
        self.log = open(os.path.join(self.dir, "chromium.log"), "wb")
        # its own process group: its helpers (zygote, renderers, crashpad)
        # are ended with it, by that group's id
        self.proc = harness.spawn(args, stdout=self.log, stderr=self.log,
                                  start_new_session=True)
        port_file = os.path.join(self.dir, "profile", "DevToolsActivePort")

        def port():
            try:
                with open(port_file) as f:
                    return int(f.readline().strip() or 0)
            except (OSError, ValueError):
                return 0
        self.port = harness.wait_for(port, 30, step=0.1, what="chromium devtools port")
        page = harness.wait_for(self._page_target, 15, step=0.1, what="a chromium page")
        self.ws = WebSocket(page["webSocketDebuggerUrl"], timeout=30 * harness.SLOW)
        self.next_id = 0
        self.events = []
        self.call("Page.enable")
        self.call("Runtime.enable")
        self.call("Log.enable")
        if mobile:
            self.call("Emulation.setDeviceMetricsOverride", width=width,
                      height=height, deviceScaleFactor=2, mobile=True)
            self.call("Emulation.setTouchEmulationEnabled", enabled=True)

    def _page_target(self):
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d/json/list" % self.port,
                                        timeout=2) as r:
                targets = json.loads(r.read())
        except (OSError, ValueError):
            return None
        pages = [t for t in targets if t.get("type") == "page"]
        return pages[0] if pages else None

    def call(self, method, **params):
        self.next_id += 1
        want = self.next_id
        self.ws.send(json.dumps({"id": want, "method": method, "params": params}))
        while True:
            msg = self.ws.recv()
            if msg is None:
                raise harness.TestFailure("chromium went away during %s" % method)
            m = json.loads(msg)
            if m.get("id") == want:
                if "error" in m:
                    raise harness.TestFailure("%s failed: %s" % (method, m["error"]))
                return m.get("result", {})
            if "method" in m:
                self.events.append(m)

    def navigate(self, url, timeout=15):
        self.call("Page.navigate", url=url)
        self.wait_js("document.readyState === 'complete'", timeout,
                     what="%s to load" % url)

    def js(self, expression):
        """Evaluate EXPRESSION in the page (promises awaited): its value."""
        r = self.call("Runtime.evaluate", expression=expression,
                      returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise harness.TestFailure("page script failed: %s: %s" % (
                expression, r["exceptionDetails"].get("exception", {}).get(
                    "description", r["exceptionDetails"].get("text"))))
        return r.get("result", {}).get("value")

    def wait_js(self, expression, timeout, what=None, step=0.05):
        return harness.wait_for(lambda: self.js(expression), timeout, step=step,
                                what=what or expression)

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", format="png")["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def problems(self):
        """Console errors, uncaught exceptions and CSP violations so far."""
        out = []
        for m in self.events:
            p = m.get("params", {})
            if m["method"] == "Runtime.exceptionThrown":
                out.append("exception: %s" % p.get("exceptionDetails", {}).get("text"))
            elif m["method"] == "Runtime.consoleAPICalled" and p.get("type") == "error":
                out.append("console.error: %s" % [a.get("value", a.get("description"))
                                                  for a in p.get("args", [])])
            elif m["method"] == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                out.append("log: %s %s" % (p["entry"].get("source"), p["entry"].get("text")))
        return out

    def close(self):
        try:
            self.ws.close()
        except Exception:  # noqa: BLE001 - closing a half-dead browser
            pass
        pgid = self.proc.pid
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(pgid, sig)
            except ProcessLookupError:
                break
            deadline = time.time() + 5
            while time.time() < deadline and self._group_alive(pgid):
                self.proc.poll()
                time.sleep(0.05)
            if not self._group_alive(pgid):
                break
        self.proc.poll()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    @staticmethod
    def _group_alive(pgid):
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open("/proc/%s/stat" % d) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                return True
        return False

    def log_text(self):
        try:
            with open(os.path.join(self.dir, "chromium.log"), errors="replace") as f:
                return f.read()[-3000:]
        except OSError:
            return ""
