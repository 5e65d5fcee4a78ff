#!/usr/bin/env python3
"""run.py - the black-box test runner of paced.

    python3 tests/blackbox/run.py [-j N] [FILTER]

Imports tests/blackbox/NNN-area-case.py in name order and runs every
test_* function (in source order) whose "file::test" name contains FILTER.
A test's parameters are fixtures made fresh for it:
    d    a started daemon (with an "ops" webhook channel to rx if the test
         also takes rx)
    rx   a webhook receiver (harness.Receiver)
Each test times out after 60 s (a test may set fn.timeout = seconds).
Prints "ok FILE::TEST" or "FAIL FILE::TEST" with the traceback and the
daemon's stderr ("skip FILE::TEST: why" for a test that raised
harness.Skip, or one marked harness.not_under_valgrind under `make
valgrind`, which is then not run), then one line "blackbox: N passed, N
failed[, N skipped]"; exits 1 if any test failed (or none matched the
filter).

With -j N, up to N test files run at once, each in its own process (tests
take their own temporary directories, and ports from a block of their slot
below the kernel's ephemeral range, so files do not meet);
a file's output is printed whole when it ends. Most of the suite waits on
the clock (second-scale schedules, rate windows), so this shortens a run
without loading the machine. The longest files start first.
"""

import subprocess

import importlib.util
import inspect
import os
import re
import signal
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import harness  # noqa: E402

DEFAULT_TIMEOUT = 60.0
TIMEOUT_SCALE = harness.TIMEOUT_SCALE


class TestTimeout(Exception):
    pass


_limit = [DEFAULT_TIMEOUT]


def _alarm(signum, frame):
    raise TestTimeout(f"test timed out after {_limit[0]:g} s")


def load(path):
    name = "bb_" + re.sub(r"\W", "_", os.path.basename(path)[:-3])
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def fixtures(fn):
    params = inspect.signature(fn).parameters
    kw = {}
    if "rx" in params:
        kw["rx"] = harness.Receiver()
    if "d" in params:
        chans = [kw["rx"].channel("ops")] if "rx" in kw else []
        kw["d"] = harness.Daemon(channels=chans)
    unknown = set(params) - set(kw)
    if unknown:
        raise TypeError(f"unknown fixture(s) {sorted(unknown)}")
    return kw


# Files known to take a minute or more: started first under -j.
SLOW_FIRST = ("037-", "035-", "036-", "033-", "060-", "061-", "034-")


def run_parallel(jobs, files, filt):
    order = sorted(files, key=lambda f: next(
        (i for i, p in enumerate(SLOW_FIRST) if f.startswith(p)),
        len(SLOW_FIRST)))
    running, passed, failed, skipped = [], 0, 0, 0
    while order or running:
        while order and len(running) < jobs:
            f = order.pop(0)
            # A slot no running file holds: its block of ports (harness).
            slot = min(set(range(jobs)) - {s for _, _, s in running})
            proc = subprocess.Popen(
                [sys.executable, os.path.abspath(__file__), "--file", f,
                 filt], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                text=True, env=dict(os.environ, PACED_BB_SLOT=str(slot)))
            running.append((f, proc, slot))
        time.sleep(0.2)
        for f, proc, slot in list(running):
            if proc.poll() is None:
                continue
            running.remove((f, proc, slot))
            out = proc.stdout.read()
            lines = out.rstrip("\n").split("\n")
            m = re.match(r"blackbox: (\d+) passed, (\d+) failed"
                         r"(?:, (\d+) skipped)?",
                         lines[-1] if lines else "")
            body = lines[:-1] if m else lines
            body = [ln for ln in body
                    if not ln.startswith("no test matched")]
            if body:
                print("\n".join(body))
            if m:
                passed += int(m.group(1))
                failed += int(m.group(2))
                skipped += int(m.group(3) or 0)
            elif proc.returncode:
                failed += 1
                print(f"FAIL {f[:-3]}::(runner exited {proc.returncode})")
            sys.stdout.flush()
    print(f"blackbox: {passed} passed, {failed} failed"
          + (f", {skipped} skipped" if skipped else ""))
    return 1 if failed or passed + failed + skipped == 0 else 0


def main(argv):
    args = argv[1:]
    jobs, only = 1, None
    while args and args[0] in ("-j", "--file"):
        if args[0] == "-j":
            jobs = max(1, int(args[1]))
        else:
            only = args[1]
        args = args[2:]
    filt = args[0] if args else ""
    files = sorted(f for f in os.listdir(HERE)
                   if re.match(r"^\d{3}-[\w.-]+\.py$", f))
    if only:
        files = [only]
    elif jobs > 1:
        return run_parallel(jobs, files, filt)
    signal.signal(signal.SIGALRM, _alarm)
    passed = failed = skipped = 0
    for f in files:
        base = f[:-3]
        try:
            mod = load(os.path.join(HERE, f))
        except Exception:  # noqa: BLE001
            if filt in base:
                failed += 1
                print(f"FAIL {base}::(import)")
                print(traceback.format_exc().rstrip())
            continue
        tests = [(n, fn) for n, fn in vars(mod).items()
                 if n.startswith("test_") and inspect.isfunction(fn)
                 and fn.__module__ == mod.__name__]
        tests.sort(key=lambda t: t[1].__code__.co_firstlineno)
        for name, fn in tests:
            full = f"{base}::{name}"
            if filt not in full:
                continue
            why = harness.skip_reason(fn)
            if why:
                skipped += 1
                print(f"skip {full}: {why}")
                sys.stdout.flush()
                continue
            t0 = time.monotonic()
            err = None
            _limit[0] = getattr(fn, "timeout", DEFAULT_TIMEOUT) * \
                TIMEOUT_SCALE
            signal.setitimer(signal.ITIMER_REAL, _limit[0])
            skip = None
            try:
                fn(**fixtures(fn))
            except harness.Skip as e:
                skip = str(e) or "skipped"
            except KeyboardInterrupt:
                signal.setitimer(signal.ITIMER_REAL, 0)
                harness.run_cleanups(True)
                raise
            except BaseException:  # noqa: BLE001 - a test failure
                err = traceback.format_exc()
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            logs = harness.daemon_logs() if err else []
            # Cleanups get their own bound so a stuck one cannot hang us.
            _limit[0] = 30
            signal.setitimer(signal.ITIMER_REAL, _limit[0])
            try:
                cerr = harness.run_cleanups(err is not None)
            except TestTimeout:
                cerr = ["cleanup timed out"]
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            if cerr and not err:
                err = "\n".join(cerr)
            secs = time.monotonic() - t0
            if skip and not err:
                skipped += 1
                print(f"skip {full}: {skip}")
            elif err:
                failed += 1
                print(f"FAIL {full}")
                print(f"    after {secs:.1f}s:")
                print("    " + err.rstrip().replace("\n", "\n    "))
                for ln in logs:
                    print("    | " + ln)
            else:
                passed += 1
                print(f"ok {full}")
            sys.stdout.flush()
    if passed + failed + skipped == 0:
        print(f"no test matched {filt!r}")
    print(f"blackbox: {passed} passed, {failed} failed"
          + (f", {skipped} skipped" if skipped else ""))
    return 1 if failed or passed + failed + skipped == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
