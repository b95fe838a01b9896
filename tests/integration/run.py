#!/usr/bin/env python3
"""Run the integration tests: every test_* function of every test_*.py in
this directory, each with its own daemon and origin, bounded in time.

Prints one line a test and ends with "N passed, N failed"."""

import argparse
import importlib.util
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


def sanitizer_logs():
    """Under RINGCAST_SANITIZED, send every process's sanitizer reports
    (daemon children included, which a restart would otherwise hide) to
    files in a directory of their own; None otherwise."""
    if not harness.SANITIZED:
        return None
    d = tempfile.mkdtemp(prefix="ringcast-san.")
    for var, name in (("ASAN_OPTIONS", "asan"), ("UBSAN_OPTIONS", "ubsan")):
        opts = os.environ.get(var, "")
        os.environ[var] = (opts + ":" if opts else "") + \
            "log_path=%s/%s" % (d, name)
    return d


def sanitizer_reports(d):
    """The reports written since the last call (first lines of each),
    which are then removed."""
    found = []
    for f in sorted(os.listdir(d)):
        path = os.path.join(d, f)
        with open(path, errors="replace") as fh:
            text = fh.read()
        os.unlink(path)
        if text.strip():
            found.append("%s: %s" % (f, " | ".join(text.strip().splitlines()[:6])))
    return found


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("only", nargs="*")
    args = ap.parse_args()
    harness.BUILD = os.path.abspath(os.path.join(harness.ROOT, args.build))
    signal.signal(signal.SIGALRM, on_alarm)
    passed = failed = 0
    san = sanitizer_logs()
    for name, fn in load_tests(args.only):
        t0 = time.time()
        signal.alarm(int(TEST_TIMEOUT_S * harness.SLOW))
        try:
            fn()
            ok, why = True, ""
        except Exception as e:  # noqa: BLE001 - report every failure
            ok = False
            why = "".join(traceback.format_exception_only(type(e), e)).strip()
            tb = traceback.extract_tb(e.__traceback__)
            where = [f for f in tb if f.filename.startswith(HERE)]
            if where:
                why += " (%s:%d)" % (os.path.basename(where[-1].filename), where[-1].lineno)
        finally:
            signal.alarm(0)
            harness.kill_all()
        dt = time.time() - t0
        reports = sanitizer_reports(san) if san else []
        if reports:     # kept beside the test's own failure, if any
            why = (why + "; " if why else "") + \
                "sanitizer: " + "; ".join(reports)[:2000]
            ok = False
        if ok:
            passed += 1
            print("ok    %-55s %5.1fs" % (name, dt), flush=True)
        else:
            failed += 1
            print("FAIL  %-55s %5.1fs  %s" % (name, dt, why), flush=True)
    if san:
        shutil.rmtree(san, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
