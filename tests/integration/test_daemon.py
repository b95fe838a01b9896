"""Foundation: configuration check, foreground and daemon mode, pid file,
signals, control socket and ringcastctl, process supervision, HTTP basics."""

import json
import os
import signal
import subprocess
import time

from harness import (ROOT, Daemon, binary, check, http_get, shm_objects,
                     wait_for, spawn)


def run(args, timeout=10):
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout)


def test_config_check_ok():
    for conf in ("etc/ringcast.conf", "etc/ringcast-demo.conf"):
        out = run([binary("ringcastd"), "-t", "-c", os.path.join(ROOT, conf)])
        check(out.returncode == 0, "%s: %s" % (conf, out.stderr))
        check(out.stdout.strip() == "configuration OK", out.stdout)


def test_config_check_reports_every_error_with_line():
    d = Daemon()
    d.write_conf('workers = "two";\nmax_clients = -1;\n'
                 'streams = ( { name = "bad name"; type = "ts"; url = "ftp://x"; } );\n'
                 'bogus = 1;\n')
    out = run([binary("ringcastd"), "-t", "-c", d.conf])
    check(out.returncode == 1, "exit %d" % out.returncode)
    lines = out.stderr.strip().splitlines()
    check(len(lines) >= 4, out.stderr)
    for line in lines:
        check(line.startswith(d.conf + ":"), line)
    check(any(":1:" in l for l in lines), out.stderr)
    check(any(":4:" in l and "bogus" in l for l in lines), out.stderr)


def test_missing_config_file():
    out = run([binary("ringcastd"), "-t", "-c", "/nonexistent/ringcast.conf"])
    check(out.returncode == 1 and "/nonexistent/ringcast.conf" in out.stderr, out.stderr)


def test_version_flag():
    out = run([binary("ringcastd"), "-V"])
    check(out.returncode == 0 and out.stdout.startswith("ringcastd "), out.stdout)


def test_foreground_pid_file_status_and_clean_stop():
    d = Daemon().start()
    check(d.pid() == d.proc.pid, "pid file names the supervisor")
    check(os.path.exists(d.sock), "control socket exists")
    check(oct(os.stat(d.sock).st_mode & 0o777) == "0o660", "control socket mode 0660")
    st = d.status()
    check(st["pid"] == d.proc.pid and len(st["workers"]) == 2, st)
    rc, out, _ = d.ctl("status")
    check(rc == 0 and "STREAM" in out, out)
    before = shm_objects()
    check(any(n.startswith("ringcast.%d." % d.proc.pid) for n in before), before)
    check(d.stop() == 0, "clean exit")
    check(not os.path.exists(d.pid_file), "pid file removed")
    check(not os.path.exists(d.sock), "control socket removed")
    left = [n for n in shm_objects() if n.startswith("ringcast.%d." % d.proc.pid)]
    check(not left, "shm left behind: %s" % left)


def test_daemon_mode():
    d = Daemon().start(foreground=False)
    pid = d.pid()
    check(os.path.exists("/proc/%d" % pid), "daemon alive")
    with open("/proc/%d/cmdline" % pid, "rb") as f:
        check(f.read().startswith(b"ringcastd: supervisor"), "process title")
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # After ")": state ppid pgrp session tty_nr ...
    session, tty = int(fields[3]), int(fields[4])
    check(session != os.getsid(0) and session != pid, "own session, not its leader (setsid + second fork)")
    check(tty == 0, "no controlling terminal")
    check(os.readlink("/proc/%d/cwd" % pid) == "/", "chdir /")
    check(os.readlink("/proc/%d/fd/0" % pid) == "/dev/null", "stdin is /dev/null")
    wait_for(lambda: len(d.children()) == 2, 5, what="two workers")
    titles = sorted(d.children().values())
    check(titles == ["ringcastd: worker 1", "ringcastd: worker 2"], titles)
    os.kill(pid, signal.SIGTERM)
    wait_for(lambda: not os.path.exists("/proc/%d" % pid) or
             open("/proc/%d/stat" % pid).read().split()[2] == "Z", 10, what="daemon exit")
    check(not os.path.exists(d.pid_file), "pid file removed")


def test_second_instance_refused_and_stale_pid_replaced():
    d = Daemon().start()
    out = run([binary("ringcastd"), "-f", "-c", d.conf])
    check(out.returncode == 1 and "already running" in out.stderr, out.stderr)
    check(d.status()["pid"] == d.proc.pid, "first instance unharmed")
    d.stop()
    with open(d.pid_file, "w") as f:
        f.write("999999\n")         # no such process
    d.start()
    check(d.pid() == d.proc.pid, "stale pid file replaced")


def test_sighup_bad_file_keeps_running_config():
    d = Daemon().start()
    gen = d.status()["config_generation"]
    d.write_conf("this is { not a config")
    d.signal(signal.SIGHUP)
    wait_for(lambda: "reload rejected" in d.log_text(), 5, what="rejection log line")
    check(d.proc.poll() is None, "still running")
    check(d.status()["config_generation"] == gen, "configuration unchanged")
    rc, out, err = d.ctl("reload")
    check(rc == 1 and "ringcast.conf:1" in err, (rc, out, err))
    d.write_conf()
    d.signal(signal.SIGHUP)
    wait_for(lambda: d.status()["config_generation"] == gen + 1, 5, what="reload")
    rc, out, err = d.ctl("reload")
    check(rc == 0, err)
    check(d.status()["config_generation"] == gen + 2, "ringcastctl reload")


def test_sigusr1_reopens_log_file():
    d = Daemon()
    logfile = os.path.join(d.dir, "file.log")
    d.write_conf(d.conf_text().replace('target = "stderr"', 'target = "%s"' % logfile))
    d.start(foreground=False)
    wait_for(lambda: os.path.exists(logfile) and os.path.getsize(logfile) > 0, 5,
             what="log file")
    os.rename(logfile, logfile + ".1")
    d.signal(signal.SIGUSR1)
    wait_for(lambda: os.path.exists(logfile) and "reopened" in open(logfile).read(), 5,
             what="reopened log file")
    d.signal(signal.SIGTERM)


def test_ringcastctl_exit_codes():
    out = run([binary("ringcastctl"), "-s", "/nonexistent.sock", "status"])
    check(out.returncode == 2, "unreachable: %d" % out.returncode)
    d = Daemon().start()
    rc, _, err = d.ctl("stop", "nosuch")
    check(rc == 1 and "nosuch" in err, (rc, err))
    rc, _, err = d.ctl("frobnicate")
    check(rc == 1, rc)
    rc, out, _ = d.ctl("metrics")
    check(rc == 0 and "process_stats_collection" in json.loads(out)["operations"], out)
    rc, out, _ = d.ctl("metrics", "event_dispatch", "--window", "30")
    ops = json.loads(out)["operations"]
    check(rc == 0 and list(ops) == ["event_dispatch"], out)
    rc, _, err = d.ctl("metrics", "nosuch")
    check(rc == 1 and "unknown operation" in err, err)
    rc, _, err = d.ctl("metrics", "--window", "x")
    check(rc == 1, err)


def test_control_socket_rejects_garbage():
    import socket
    d = Daemon().start()
    s = socket.socket(socket.AF_UNIX)
    s.connect(d.sock)
    s.sendall(b"\x00\xff garbage that is no command\n")
    answer = s.recv(4096)
    s.close()
    check(json.loads(answer)["error"].startswith("unknown command"), answer)
    s = socket.socket(socket.AF_UNIX)
    s.connect(d.sock)
    s.sendall(b"x" * 5000)          # no newline, over the line limit
    answer = s.recv(4096)
    s.close()
    check(b"too long" in answer, answer)
    check(d.status()["pid"] == d.proc.pid, "still serving")


def test_killed_worker_is_restarted():
    d = Daemon().start()
    workers = d.children("worker")
    victim = sorted(workers)[0]
    os.kill(victim, signal.SIGKILL)
    wait_for(lambda: len(d.children("worker")) == 2 and victim not in d.children("worker"),
             10, what="worker respawn")
    check("died" in d.log_text(), "logged")
    check(http_get(d.port, "/healthz")[0] == 200, "still healthy")


def test_http_basics():
    d = Daemon(streams='{ name = "news"; type = "ts"; url = "http://127.0.0.1:9/x.ts"; '
                       'title = "News \\"24\\""; group = "info"; }').start()
    st, h, body = http_get(d.port, "/healthz")
    check(st == 200 and body == b"ok\n", body)
    st, h, body = http_get(d.port, "/nope")
    check(st == 404 and json.loads(body)["error"], body)
    check(h["content-type"] == "application/json", h)
    st, h, body = http_get(d.port, "/stream/unknown")
    check(st == 404 and json.loads(body)["error"] == "no such stream", body)
    st, h, body = http_get(d.port, "/stream/..%2f..%2fetc")
    check(st == 404, st)
    st, h, body = http_get(d.port, "/status", method="DELETE")
    check(st == 405 and "GET" in h.get("allow", ""), (st, h))
    st, h, body = http_get(d.port, "/status")
    check(st == 200 and json.loads(body)["streams"]["news"]["state"] == "stopped", body)
    st, h, body = http_get(d.port, "/playlist.m3u", headers={"Host": "tv.example:8080"})
    text = body.decode()
    check(st == 200 and text.startswith("#EXTM3U\n"), text)
    check('tvg-id="news"' in text and 'group-title="info"' in text, text)
    check("http://tv.example:8080/stream/news\n" in text, text)
    st, h, body = http_get(d.port, "/metrics")
    check(st == 200 and 'ringcast_stream_clients{stream="news"} 0' in body.decode(), body)


def test_unbindable_port_fails_clearly():
    d = Daemon()
    d.start()
    other = Daemon()
    other.port = d.port
    other.write_conf()
    out = run([binary("ringcastd"), "-f", "-c", other.conf])
    check(out.returncode == 1 and "cannot listen" in out.stderr, out.stderr)
