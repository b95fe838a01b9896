#!/usr/bin/env python3
"""Run the integration tests: every test_* function of every test_*.py in
this directory, each with its own daemon and origin, bounded in time.

Two groups.  The parallel group runs JOBS tests at a time (-j, default
RINGCAST_TEST_JOBS or 6): most tests spend their time waiting for a stream
to play, a timeout to pass or a process to restart, and each has its own
ports (harness.free_port), temporary directory and daemon.  The serial
group (tests marked @harness.serial(WHY)) runs after it, one test at a
time: tests that measure time or rate on the cores, or load both cores.
Each test runs in a process of its own (forked), so a test that hangs or
leaves a thread behind cannot touch the next; its output is printed with
its result line.  Tests start longest first (tests/integration/durations,
rewritten with --durations), so that the long ones do not end the run
alone.

Prints one line a test, the wall time of each group, and ends with
"N passed, N failed"."""

import argparse
import fcntl
import importlib.util
import json
import os
import shutil
import signal
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import harness  # noqa: E402

TEST_TIMEOUT_S = int(os.environ.get("TEST_TIMEOUT_S", "120"))
DURATIONS = os.path.join(HERE, "durations")
DEFAULT_S = 10.0        # a test not in DURATIONS yet
# Ports: 20000 up to the ephemeral range (32768) in RUN_SLOTS slots, one a
# run.py running (a run takes the first slot whose lock file it can lock,
# so two runs on one machine never share ports); a slot in MAX_JOBS lanes,
# one a test running; a lane in blocks of harness.PORT_BLOCK, the tests of
# a lane taking them in turn.
PORT_FIRST = 20000
RUN_SLOTS = 5
SLOT_PORTS = 2400
MAX_JOBS = 8
LANE_PORTS = SLOT_PORTS // MAX_JOBS


class Timeout(Exception):
    pass


def on_alarm(sig, frame):
    raise Timeout("test took longer than %d s" % TEST_TIMEOUT_S)


def load_tests(only):
    tests = []
    for fn in sorted(os.listdir(HERE)):
        if not (fn.startswith("test_") and fn.endswith(".py")):
            continue
        spec = importlib.util.spec_from_file_location(fn[:-3], os.path.join(HERE, fn))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        for name in sorted(vars(mod)):
            if name.startswith("test_") and callable(getattr(mod, name)):
                full = "%s.%s" % (fn[:-3], name)
                if not only or any(o in full for o in only):
                    tests.append((full, getattr(mod, name)))
    return tests


def load_durations():
    out = {}
    try:
        with open(DURATIONS) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 2 and not line.startswith("#"):
                    out[parts[0]] = float(parts[1])
    except (OSError, ValueError):
        pass
    return out


def write_durations(times):
    with open(DURATIONS, "w") as f:
        f.write("# seconds each integration test took in one run, for\n"
                "# run.py to start the long ones first; rewritten by\n"
                "# python3 tests/integration/run.py --durations\n")
        for name in sorted(times):
            f.write("%s %.1f\n" % (name, times[name]))


def sanitizer_env(d, name):
    """Under RINGCAST_SANITIZED, send every process's sanitizer reports
    (daemon children included, which a restart would otherwise hide) to a
    directory of the test's own."""
    tdir = os.path.join(d, name)
    os.makedirs(tdir, exist_ok=True)
    for var, short in (("ASAN_OPTIONS", "asan"), ("UBSAN_OPTIONS", "ubsan")):
        opts = os.environ.get(var, "")
        os.environ[var] = (opts + ":" if opts else "") + \
            "log_path=%s/%s" % (tdir, short)


def sanitizer_reports(d, name):
    """The reports of test NAME (first lines of each), then removed."""
    found = []
    tdir = os.path.join(d, name)
    if not os.path.isdir(tdir):
        return found
    for f in sorted(os.listdir(tdir)):
        with open(os.path.join(tdir, f), errors="replace") as fh:
            text = fh.read()
        if text.strip():
            found.append("%s: %s" % (f, " | ".join(text.strip().splitlines()[:6])))
    shutil.rmtree(tdir, ignore_errors=True)
    return found


def run_test(fn):
    """Run one test in this (forked) process; (ok, why)."""
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(int(TEST_TIMEOUT_S * harness.SLOW))
    try:
        fn()
        return True, ""
    except BaseException as e:  # noqa: BLE001 - report every failure
        why = "".join(traceback.format_exception_only(type(e), e)).strip()
        tb = traceback.extract_tb(e.__traceback__)
        where = [f for f in tb if f.filename.startswith(HERE)]
        if where:
            why += " (%s:%d)" % (os.path.basename(where[-1].filename), where[-1].lineno)
        return False, why
    finally:
        signal.alarm(0)
        harness.kill_all()


def start_test(name, fn, port_base, outdir, san):
    """Fork a process that runs test NAME with its output in
    OUTDIR/NAME.out and its result in OUTDIR/NAME.json; its pid."""
    out = os.path.join(outdir, name + ".out")
    pid = os.fork()
    if pid:
        return pid
    code = 1
    try:
        os.setpgid(0, 0)
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.close(fd)
        if san:
            sanitizer_env(san, name)
        harness.PORT_BASE = port_base
        ok, why = run_test(fn)
        sys.stdout.flush()
        sys.stderr.flush()
        with open(os.path.join(outdir, name + ".json"), "w") as f:
            json.dump({"ok": ok, "why": why}, f)
        code = 0
    finally:
        os._exit(code)


def finish_test(name, status, outdir, san):
    """(ok, why, output) of a test whose process ended with STATUS."""
    try:
        with open(os.path.join(outdir, name + ".json")) as f:
            r = json.load(f)
        ok, why = r["ok"], r["why"]
    except (OSError, ValueError, KeyError):
        ok = False
        if os.WIFSIGNALED(status):
            why = "test process killed by signal %d" % os.WTERMSIG(status)
        else:
            why = "test process exited with status %d" % os.WEXITSTATUS(status)
    try:
        with open(os.path.join(outdir, name + ".out"), errors="replace") as f:
            output = f.read()
    except OSError:
        output = ""
    reports = sanitizer_reports(san, name) if san else []
    if reports:         # kept beside the test's own failure, if any
        why = (why + "; " if why else "") + \
            "sanitizer: " + "; ".join(reports)[:2000]
        ok = False
    return ok, why, output


_slot_lock = None       # the slot's lock file, held until this run exits


def port_slot():
    """The first port of a slot no other run.py holds (by pid, if every
    slot is held)."""
    global _slot_lock
    for slot in range(RUN_SLOTS):
        f = open(os.path.join(tempfile.gettempdir(),
                              "ringcast-test-ports.%d" % slot), "a")
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            f.close()
            continue
        _slot_lock = f
        return PORT_FIRST + slot * SLOT_PORTS
    return PORT_FIRST + (os.getpid() % RUN_SLOTS) * SLOT_PORTS


def kill_group(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass


class Group:
    """Runs a list of tests JOBS at a time; prints each result."""

    def __init__(self, jobs, outdir, san, first_port):
        self.jobs = jobs
        self.first_port = first_port
        self.outdir = outdir
        self.san = san
        self.lane_runs = [0] * jobs
        self.passed = self.failed = 0
        self.times = {}

    def port_base(self, lane):
        blocks = LANE_PORTS // harness.PORT_BLOCK
        block = self.lane_runs[lane] % blocks
        self.lane_runs[lane] += 1
        return self.first_port + lane * LANE_PORTS + block * harness.PORT_BLOCK

    def run(self, tests):
        pending = list(tests)
        running = {}            # pid -> (name, lane, t0)
        hard_limit = TEST_TIMEOUT_S * harness.SLOW + 60
        while pending or running:
            free = [lane for lane in range(self.jobs)
                    if lane not in [r[1] for r in running.values()]]
            while pending and free:
                name, fn = pending.pop(0)
                lane = free.pop(0)
                pid = start_test(name, fn, self.port_base(lane), self.outdir, self.san)
                running[pid] = (name, lane, time.time())
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                for p, (name, _, t0) in running.items():
                    if time.time() - t0 > hard_limit:
                        kill_group(p)
                time.sleep(0.05)
                continue
            if pid not in running:
                continue
            name, _, t0 = running.pop(pid)
            kill_group(pid)     # anything the test left behind
            self.report(name, time.time() - t0, status)

    def report(self, name, dt, status):
        ok, why, output = finish_test(name, status, self.outdir, self.san)
        self.times[name] = dt
        if output.strip():
            sys.stdout.write("".join("      | " + line + "\n"
                                     for line in output.rstrip("\n").split("\n")))
        if ok:
            self.passed += 1
            print("ok    %-55s %5.1fs" % (name, dt), flush=True)
        else:
            self.failed += 1
            print("FAIL  %-55s %5.1fs  %s" % (name, dt, why), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("-j", "--jobs", type=int,
                    default=int(os.environ.get("RINGCAST_TEST_JOBS", "6")))
    ap.add_argument("--durations", action="store_true",
                    help="rewrite tests/integration/durations from this run")
    ap.add_argument("only", nargs="*")
    args = ap.parse_args()
    harness.BUILD = os.path.abspath(os.path.join(harness.ROOT, args.build))
    tests = load_tests(args.only)
    known = load_durations()
    tests.sort(key=lambda t: -known.get(t[0], DEFAULT_S))
    parallel = [t for t in tests if not getattr(t[1], "serial", None)]
    serial = [t for t in tests if getattr(t[1], "serial", None)]
    first_port = port_slot()
    outdir = tempfile.mkdtemp(prefix="ringcast-run.")
    san = tempfile.mkdtemp(prefix="ringcast-san.") if harness.SANITIZED else None
    groups = []
    try:
        for label, group, jobs in (("parallel", parallel, max(1, args.jobs)),
                                   ("serial", serial, 1)):
            if not group:
                continue
            g = Group(min(jobs, MAX_JOBS), outdir, san, first_port)
            t0 = time.time()
            g.run(group)
            groups.append((label, g, len(group), jobs, time.time() - t0))
    finally:
        shutil.rmtree(outdir, ignore_errors=True)
        if san:
            shutil.rmtree(san, ignore_errors=True)
    passed = sum(g.passed for _, g, _, _, _ in groups)
    failed = sum(g.failed for _, g, _, _, _ in groups)
    for label, g, n, jobs, dt in groups:
        print("integration %s group: %d tests, %d at a time, %.0f s" %
              (label, n, jobs, dt))
    if args.durations:
        times = dict(known)
        for _, g, _, _, _ in groups:
            times.update(g.times)
        write_durations(times)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
