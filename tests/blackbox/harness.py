"""harness.py - what every black-box test of paced uses.

  Daemon     starts the real build/paced on a free loopback port with its own
             temporary directory (database paced.db, generated paced.conf,
             stderr.log), waits for GET /healthz, stops it with SIGTERM or
             kill -9, restarts it on the same database and config, and talks
             to it: d.get/post/put/delete (http.client, one connection per
             request) and d.connect() for raw bytes on one socket.
  Receiver   a real webhook receiver (http.server in a thread) that records
             every request, answers as scripted (200, 503, ...) and verifies
             the Standard Webhooks signature of each request.
  wait_for   polls a predicate until it is truthy or a timeout expires.
  helpers    instants and days (server time zone Asia/Shanghai), the
             expected-value formula of SPEC section 1, error assertions.

Python 3 standard library only. Everything a test creates registers a
cleanup; run.py calls run_cleanups() after every test.

Daemon (with run_paced, make_config) is in harness_daemon.py, Receiver
(with the signature helpers) in harness_webhook.py; this file holds the
base they share and re-exports both at its end, so every test imports
all of it from harness.
"""

import datetime as _dt
import json
import os
import random
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.parse

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                     "runtime error:", "VALGRIND-ERROR-BEGIN")
PACED = os.environ.get("PACED_BIN") or os.path.join(REPO, "build", "paced")
# Under valgrind (make valgrind) everything is slower: scale the bounds.
TIMEOUT_SCALE = float(os.environ.get("BLACKBOX_TIMEOUT_SCALE") or 1)
# `make valgrind` sets this: paced runs some 20 times slower than usual.
UNDER_VALGRIND = os.environ.get("PACED_UNDER_VALGRIND") == "1"

DAY = 86400.0
HOUR = 3600.0
TZ_NAME = "Asia/Shanghai"
# Asia/Shanghai has been UTC+8 without daylight saving since 1991.
TZ = _dt.timezone(_dt.timedelta(hours=8))

# --------------------------------------------------------------------------
# cleanups and bookkeeping (run.py drives these)

class Skip(Exception):
    """Raised by a test that cannot run here; run.py reports it as
    "skip FILE::TEST: reason" and counts it apart, neither passed nor
    failed."""

_cleanups = []
_daemons = []   # every Daemon made by the current test, for stderr dumps
KEEP = bool(os.environ.get("PACED_KEEP"))  # keep temp dirs for debugging
# PACED_SYNC=loop|thread: every generated config gets [storage] sync =
# that, so the whole suite can run with the fsync on either side.
SYNC = os.environ.get("PACED_SYNC")


def chattr(flag, path):
    """chattr +i / -i (root ignores file modes, so an immutable file is
    how a test makes the database read-only); False when the file system
    or user cannot."""
    if not shutil.which("chattr"):
        return False
    return subprocess.run(["chattr", flag, path],
                          capture_output=True).returncode == 0


def on_cleanup(fn):
    _cleanups.append(fn)


def run_cleanups(failed=False):
    """Runs the registered cleanups, newest first; returns their errors."""
    errors = []
    while _cleanups:
        fn = _cleanups.pop()
        try:
            fn(failed)
        except Exception as e:  # noqa: BLE001 - report, do not stop
            errors.append(f"cleanup: {e!r}")
    _daemons.clear()
    return errors


def daemon_logs(lines=40):
    """The last lines of stderr of every daemon of the current test."""
    out = []
    for d in _daemons:
        try:
            with open(d.stderr_path, "rb") as f:
                tail = f.read().decode("utf-8", "replace").splitlines()[-lines:]
        except OSError:
            tail = ["(no stderr file)"]
        out.append(f"--- paced stderr ({d.stderr_path}) ---")
        out.extend(tail)
    return out


def not_under_valgrind(why):
    """Marks a test whose assertions are about wall-clock timing that
    valgrind's slowdown breaks (a measured rate, a window to hit): run.py
    skips it under `make valgrind`, printing why."""
    def mark(fn):
        fn.skip_under_valgrind = why
        return fn
    return mark


def skip_reason(fn):
    """Why run.py skips the test fn in this run, or None."""
    if UNDER_VALGRIND:
        return getattr(fn, "skip_under_valgrind", None)
    return None


# Ports handed to daemons are bound later, by paced. A port taken with
# bind(0) comes from the kernel's ephemeral range, where any outgoing
# connection of a test running alongside may pick it as its source port
# first (CI saw "address already in use" that way). So ports come from
# below that range, and each runner slot (run.py -j gives every file it
# starts a slot in PACED_BB_SLOT) draws from its own block of it.
PORT_SLOTS = 32
_port_next = None


def _port_block():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    first = 10000
    if low - first < PORT_SLOTS * 64:
        return None
    size = (low - first) // PORT_SLOTS
    slot = int(os.environ.get("PACED_BB_SLOT", os.getpid())) % PORT_SLOTS
    return first + slot * size, size


def _port_bindable(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # As libuv does for paced: a port left in TIME_WAIT is fine.
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def free_port():
    """A free loopback TCP port for a daemon to listen on: the next one of
    this runner slot's block that nothing holds."""
    global _port_next
    block = _port_block()
    if block is None:  # no room below the ephemeral range: bind(0)
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        return port
    first, size = block
    if _port_next is None:
        _port_next = random.randrange(size)
    for _ in range(size):
        port = first + _port_next % size
        _port_next += 1
        if _port_bindable(port):
            return port
    raise RuntimeError(f"no free port in {first}..{first + size - 1}")


def make_tmpdir():
    path = tempfile.mkdtemp(prefix="paced-bb-")

    def rm(failed):
        if not KEEP and not failed:
            shutil.rmtree(path, ignore_errors=True)
    on_cleanup(rm)
    return path


# --------------------------------------------------------------------------
# waiting

def wait_for(predicate, timeout=10.0, interval=0.05, msg=None):
    """Calls predicate() until it returns something truthy and returns that;
    raises AssertionError after timeout seconds (with the last value)."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        last = predicate()
        if last:
            return last
        if time.monotonic() >= deadline:
            raise AssertionError(
                f"timed out after {timeout}s waiting for "
                f"{msg or getattr(predicate, '__name__', 'condition')}"
                f" (last value: {last!r})")
        time.sleep(interval)


# --------------------------------------------------------------------------
# time

def now():
    return time.time()


def iso(ts):
    """RFC 3339 UTC instant, second resolution: 2022-05-01T02:00:00Z."""
    return _dt.datetime.fromtimestamp(int(ts), _dt.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def iso_ms(ts):
    """RFC 3339 UTC with milliseconds."""
    d = _dt.datetime.fromtimestamp(ts, _dt.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + f"{d.microsecond // 1000:03d}Z"


def local_day(ts):
    """The calendar day of ts in the server's time zone, YYYY-MM-DD."""
    return _dt.datetime.fromtimestamp(ts, TZ).strftime("%Y-%m-%d")


DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
UTC_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


def parse_when(s, end_of_day=False):
    """Unix seconds of a day (server time zone; start of day, or the end of
    it with end_of_day) or of an RFC 3339 instant."""
    if DAY_RE.match(s):
        d = _dt.datetime.strptime(s, "%Y-%m-%d").replace(tzinfo=TZ)
        if end_of_day:
            d += _dt.timedelta(days=1)
            return d.timestamp() - 0.001
        return d.timestamp()
    return _dt.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


def assert_utc(ts, what="timestamp"):
    assert isinstance(ts, str) and UTC_RE.match(ts), \
        f"{what} is not an RFC 3339 UTC instant: {ts!r}"
    return parse_when(ts)


# --------------------------------------------------------------------------
# the pace formula (SPEC section 1 and 2), computed independently

def expected_value(p, at=None):
    """The value the curve of project definition p expects at `at`
    (default now): piecewise linear through (start, baseline), milestones,
    (due, target), in active time (pauses excluded)."""
    at = now() if at is None else at
    start = parse_when(p["start"])
    due = parse_when(p["due"], end_of_day=True)
    base = p.get("baseline", 0)
    target = p["target"]
    pauses = [(parse_when(x["from"]), parse_when(x["to"]))
              for x in p.get("pauses", [])]

    def active(t):
        t = min(max(t, start), due)
        a = t - start
        for f, to in pauses:
            f, to = max(f, start), min(to, t)
            if to > f:
                a -= to - f
        return a

    pts = [(active(start), base)]
    if p.get("curve") == "milestones":
        for m in p["milestones"]:
            pts.append((active(parse_when(m["at"])), m["value"]))
    pts.append((active(due), target))
    x = active(at)
    if x <= pts[0][0]:
        return base
    for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
        if x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return target


def expected_progress(p, at=None):
    base = p.get("baseline", 0)
    return (expected_value(p, at) - base) / (p["target"] - base)


def progress_of(p, value):
    base = p.get("baseline", 0)
    return (value - base) / (p["target"] - base)


def status_for(p, current, at=None, at_risk=0.05, behind=0.10):
    """Status of SPEC section 2 without hysteresis (tests keep away from
    the thresholds so hysteresis does not matter)."""
    at = now() if at is None else at
    prog = progress_of(p, current)
    if prog >= 1:
        return "done"
    if at >= parse_when(p["due"], end_of_day=True):
        return "overdue"
    if at < parse_when(p["start"]):
        return "not_started"
    gap = expected_progress(p, at) - prog
    th = p.get("thresholds", {})
    if gap >= th.get("behind", behind):
        return "behind"
    if gap >= th.get("at_risk", at_risk):
        return "at_risk"
    return "on_track"


def project(pid, start=-50, due=50, **kw):
    """A linear burn-up definition 0 -> 350 个 with start/due `start` and
    `due` days from now as RFC 3339 instants (so expected progress is
    (-start)/(due-start), e.g. 0.5 by default)."""
    t = now()
    body = {"id": pid, "title": "新增公共停车泊位", "unit": "个",
            "baseline": 0, "target": 350,
            "start": iso(t + start * DAY), "due": iso(t + due * DAY)}
    body.update(kw)
    return body


EVAL_FIELDS = ("current", "updated_at", "expected", "progress",
               "expected_progress", "gap", "status", "status_since",
               "stale", "forecast")
FORECAST_FIELDS = ("rate_per_day", "projected_at_due", "eta",
                   "required_rate_per_day")


def assert_evaluated(obj):
    """Every project response carries the evaluation fields."""
    missing = [f for f in EVAL_FIELDS if f not in obj]
    assert not missing, f"project lacks evaluation fields {missing}: {obj}"
    assert isinstance(obj["forecast"], dict), obj
    missing = [f for f in FORECAST_FIELDS if f not in obj["forecast"]]
    assert not missing, f"forecast lacks {missing}: {obj['forecast']}"
    assert obj["status"] in ("done", "overdue", "not_started", "behind",
                             "at_risk", "on_track"), obj["status"]
    assert isinstance(obj["stale"], bool), obj


def close(a, b, tol):
    return a is not None and b is not None and abs(a - b) <= tol


def assert_close(actual, expected, tol, what="value"):
    assert isinstance(actual, (int, float)) and not isinstance(actual, bool), \
        f"{what}: not a number: {actual!r}"
    assert abs(actual - expected) <= tol, \
        f"{what}: got {actual}, expected {expected} (±{tol})"


# --------------------------------------------------------------------------
# HTTP client

class Resp:
    """status, headers (lower-case name -> value), body (parsed JSON when
    the body is JSON, else bytes), raw (bytes), header_list."""

    def __init__(self, status, header_list, raw, reason=""):
        self.status = status
        self.reason = reason
        self.header_list = header_list
        self.headers = {k.lower(): v for k, v in header_list}
        self.raw = raw
        self.body = raw
        ctype = self.headers.get("content-type", "")
        if raw and ("json" in ctype or raw[:1] in (b"{", b"[")):
            try:
                self.body = json.loads(raw.decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                self.body = raw

    @property
    def json(self):
        assert isinstance(self.body, (dict, list)), \
            f"response body is not JSON: {self}"
        return self.body

    def __iter__(self):  # status, headers, body = resp
        return iter((self.status, self.headers, self.body))

    def __repr__(self):
        raw = self.raw[:600].decode("utf-8", "replace")
        return f"<HTTP {self.status} {raw!r}>"


def assert_status(r, *statuses):
    assert r.status in statuses, \
        f"expected HTTP {' or '.join(map(str, statuses))}, got {r}"
    return r


def assert_error(r, statuses, code=None, field=None):
    """r is an error response with one of `statuses`, the JSON error body
    {"error": {"code", "message", "field"}}, and (when given) that code and
    field. `field` may be a string or a tuple of acceptable names."""
    if isinstance(statuses, int):
        statuses = (statuses,)
    assert r.status in statuses, \
        f"expected HTTP {statuses}, got {r}"
    assert isinstance(r.body, dict) and isinstance(r.body.get("error"), dict),\
        f"error body is not {{\"error\": {{...}}}}: {r}"
    e = r.body["error"]
    assert isinstance(e.get("message"), str) and e["message"], \
        f"error without a message: {r}"
    assert "field" in e, f"error without a field (null when none): {r}"
    if r.status == 405:
        assert r.headers.get("allow"), f"405 without an Allow header: {r}"
    if code is not None:
        codes = (code,) if isinstance(code, str) else code
        assert e.get("code") in codes, f"error code {e.get('code')!r}, " \
            f"expected {codes}: {r}"
    if field is not None:
        fields = (field,) if isinstance(field, str) else field
        assert e.get("field") in fields, f"error field {e.get('field')!r}, " \
            f"expected {fields}: {r}"
    return e


def _path(path, params):
    # Percent-encode anything outside ASCII (Chinese tags in paths).
    path = urllib.parse.quote(path, safe="/?&=%:+,;@!$'()*~-._")
    if params:
        path += ("&" if "?" in path else "?") + urllib.parse.urlencode(
            params, quote_via=urllib.parse.quote)
    return path


class ConnectionClosed(Exception):
    pass


class RawConn:
    """One TCP connection for raw bytes; parses HTTP/1.1 responses."""

    def __init__(self, port, timeout=10.0):
        self.sock = socket.create_connection(("127.0.0.1", port),
                                             timeout=timeout)
        self.buf = b""
        on_cleanup(lambda failed: self.close())

    def send(self, data):
        if isinstance(data, str):
            data = data.encode("utf-8")
        self.sock.sendall(data)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def _fill(self):
        try:
            chunk = self.sock.recv(65536)
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            raise ConnectionClosed(f"connection closed; unparsed: "
                                   f"{self.buf[:300]!r}")
        self.buf += chunk

    def _take(self, n):
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def read_response(self, method="GET"):
        """The next response (a 1xx interim response is returned as is)."""
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        m = re.match(r"^HTTP/1\.[01] (\d{3})(?: (.*))?$", lines[0])
        assert m, f"bad status line {lines[0]!r}"
        status = int(m.group(1))
        hl = []
        for ln in lines[1:]:
            k, _, v = ln.partition(":")
            hl.append((k.strip(), v.strip()))
        h = {k.lower(): v for k, v in hl}
        if 100 <= status < 200 or status in (204, 304) or method == "HEAD":
            body = b""
        elif "chunked" in h.get("transfer-encoding", "").lower():
            body = b""
            while True:
                size = int(self._line().split(b";")[0], 16)
                if size == 0:
                    while self._line():  # trailers
                        pass
                    break
                body += self._take(size)
                self._take(2)
        elif "content-length" in h:
            body = self._take(int(h["content-length"]))
        else:  # until close
            try:
                while True:
                    self._fill()
            except ConnectionClosed:
                pass
            body, self.buf = self.buf, b""
        r = Resp(status, hl, body, m.group(2) or "")
        r.head = head
        return r

    def is_closed(self, timeout=2.0):
        """True if the peer closes the connection (EOF) within timeout
        without sending anything more."""
        self.sock.settimeout(timeout)
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            return False
        except (ConnectionResetError, BrokenPipeError):
            return True
        if chunk:
            self.buf += chunk
            return False
        return True


# --------------------------------------------------------------------------
# the daemon runner and the webhook side live in their own modules, which
# import the names above: so they are imported here, last, and re-exported
# (tests go on importing everything from harness)

from harness_daemon import (  # noqa: E402,F401
    StartError, Daemon, make_config, assert_no_report, run_paced)
from harness_webhook import (  # noqa: E402,F401
    Hook, sign, verify_signature, QuietHandler, json_or_none,
    LoopbackReceiver, Receiver, assert_event_hook)
