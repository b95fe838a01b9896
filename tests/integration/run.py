#!/usr/bin/env python3
"""Run the integration tests: every test_* function of every test_*.py in
this directory, each with its own daemon and origin, bounded in time.

Prints one line a test and ends with "N passed, N failed"."""

import argparse
import importlib.util
import os
import signal
import sys
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("only", nargs="*")
    args = ap.parse_args()
    harness.BUILD = os.path.abspath(os.path.join(harness.ROOT, args.build))
    signal.signal(signal.SIGALRM, on_alarm)
    passed = failed = 0
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
        if ok:
            passed += 1
            print("ok    %-55s %5.1fs" % (name, dt), flush=True)
        else:
            failed += 1
            print("FAIL  %-55s %5.1fs  %s" % (name, dt, why), flush=True)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
