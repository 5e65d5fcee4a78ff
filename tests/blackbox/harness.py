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
"""

import base64
import datetime as _dt
import hashlib
import hmac
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

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
# configuration

def _ini_value(v):
    if isinstance(v, (list, tuple)):
        return ", ".join(str(x) for x in v)
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def make_config(port, db, channels=(), projects=None, server=None,
                storage=None, alerts=None, extra=""):
    """The INI text. channels: dicts with name, url and optional type,
    secret, events, tags. projects: {id: {key: value}}. server, storage,
    alerts: extra or replacing keys of those sections."""
    sec = {
        "server": {"listen": f"127.0.0.1:{port}", "timezone": TZ_NAME,
                   "max_body": "64k"},
        "storage": {"path": db, "durability": "full",
                    **({"sync": SYNC} if SYNC else {})},
        "alerts": {"language": "zh-CN", "at_risk": "0.05",
                   "behind": "0.10"},
    }
    for name, over in (("server", server), ("storage", storage),
                       ("alerts", alerts)):
        for k, v in (over or {}).items():
            if v is None:
                sec[name].pop(k, None)
            else:
                sec[name][k] = v
    out = []
    for name, kv in sec.items():
        out.append(f"[{name}]")
        out.extend(f"{k} = {_ini_value(v)}" for k, v in kv.items())
        out.append("")
    for ch in channels:
        ch = dict(ch)
        out.append(f"[channel.{ch.pop('name')}]")
        ch.setdefault("type", "webhook")
        for k in ("type", "url", "secret", "events", "tags"):
            if k in ch:
                out.append(f"{k} = {_ini_value(ch.pop(k))}")
        out.extend(f"{k} = {_ini_value(v)}" for k, v in ch.items())
        out.append("")
    for pid, kv in (projects or {}).items():
        out.append(f"[project.{pid}]")
        out.extend(f"{k} = {_ini_value(v)}" for k, v in kv.items())
        out.append("")
    if extra:
        out.append(extra)
    return "\n".join(out) + "\n"


def assert_no_report(stderr):
    """Under `make asan` or `make valgrind` a memory error, undefined
    behaviour or a leak shows only in paced's stderr: it fails the test
    that caused it, whatever paced's exit status."""
    for marker in SANITIZER_MARKERS:
        at = stderr.find(marker)
        if at >= 0:
            raise AssertionError("sanitizer report in paced's stderr:\n"
                                 + stderr[at:at + 3000])


def run_paced(args, timeout=10, cwd=REPO):
    """Runs build/paced with args (for at most timeout seconds, scaled);
    returns CompletedProcess (text). Fails on a report in its stderr."""
    p = subprocess.run([PACED] + list(args), capture_output=True,
                       text=True, timeout=timeout * TIMEOUT_SCALE, cwd=cwd,
                       stdin=subprocess.DEVNULL)
    assert_no_report(p.stderr)
    return p


# --------------------------------------------------------------------------
# the daemon

class StartError(AssertionError):
    pass


class Daemon:
    """A real paced on a free loopback port in its own temp dir.

    Daemon(channels=[rx.channel("ops")], projects={...}) writes the config
    and starts it (start=False to only write). d.port, d.tmp, d.db,
    d.conf_path, d.stderr_path."""

    def __init__(self, channels=(), projects=None, server=None, storage=None,
                 alerts=None, extra="", config_text=None, start=True,
                 tmp=None):
        if not os.path.exists(PACED):
            raise StartError(f"{PACED} does not exist (run make)")
        self.tmp = tmp or make_tmpdir()
        self.port = free_port()
        self.db = os.path.join(self.tmp, "paced.db")
        self.conf_path = os.path.join(self.tmp, "paced.conf")
        self.stderr_path = os.path.join(self.tmp, "stderr.log")
        self.proc = None
        self.starts = 0
        self.headers = {}  # sent with every request (e.g. Authorization)
        if config_text is not None:
            self.write_config_text(config_text)
        else:
            self.write_config(channels, projects, server, storage, alerts,
                              extra)
        _daemons.append(self)
        on_cleanup(self._cleanup)
        if start:
            self.start()

    def write_config(self, channels=(), projects=None, server=None,
                     storage=None, alerts=None, extra=""):
        """(Re)writes paced.conf for this daemon's port and database."""
        self.write_config_text(make_config(self.port, self.db, channels,
                                           projects, server, storage, alerts,
                                           extra))

    def write_config_text(self, text):
        with open(self.conf_path, "w", encoding="utf-8") as f:
            f.write(text)

    def reload(self):
        """SIGHUP."""
        assert self.running(), "paced is not running"
        self.proc.send_signal(signal.SIGHUP)

    def stderr(self):
        try:
            with open(self.stderr_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def start(self, timeout=10.0):
        """Starts paced and waits until GET /healthz answers 200 (at most
        timeout seconds, scaled)."""
        timeout *= TIMEOUT_SCALE
        assert self.proc is None or self.proc.poll() is not None, \
            "daemon already running"
        self.starts += 1
        err = open(self.stderr_path, "ab")
        err.write(f"==== start #{self.starts} ====\n".encode())
        err.flush()
        self.proc = subprocess.Popen([PACED, "-c", self.conf_path],
                                     stdin=subprocess.DEVNULL, stdout=err,
                                     stderr=err, cwd=self.tmp)
        err.close()
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            rc = self.proc.poll()
            if rc is not None:
                raise StartError(f"paced exited with status {rc} during "
                                 f"start-up; stderr:\n{self.stderr()}")
            try:
                r = self.request("GET", "/healthz", timeout=1.0)
                if r.status == 200:
                    return self
                last = r
            except OSError as e:
                last = e
            time.sleep(0.05)
        self.kill9()
        raise StartError(f"GET /healthz did not answer 200 within {timeout}s "
                         f"(last: {last!r}); stderr:\n{self.stderr()}")

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=10.0):
        """SIGTERM and wait; returns the exit status. Fails (after kill -9)
        if paced does not exit within timeout seconds (scaled)."""
        timeout *= TIMEOUT_SCALE
        if not self.running():
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill9()
            raise AssertionError(f"paced did not exit within {timeout}s "
                                 f"of SIGTERM")

    def kill9(self):
        if self.running():
            self.proc.kill()
            self.proc.wait(10)

    def restart(self):
        if self.running():
            self.stop()
        return self.start()

    def _cleanup(self, failed):
        if self.running():
            try:
                self.stop(5)
            except AssertionError:
                pass
        try:
            with open(self.stderr_path, errors="replace") as f:
                text = f.read()
        except OSError:
            return
        assert_no_report(text)

    # ---- HTTP

    def request(self, method, path, body=None, headers=None, params=None,
                timeout=10.0):
        """One request on a new connection. body: dict/list (sent as JSON,
        UTF-8, Content-Type application/json unless headers say otherwise),
        str or bytes (sent as is)."""
        hdrs = dict(self.headers)
        hdrs.update(headers or {})
        hdrs = {k: v for k, v in hdrs.items() if v is not None}
        data = None
        if body is not None:
            if isinstance(body, (dict, list)):
                data = json.dumps(body, ensure_ascii=False).encode("utf-8")
                hdrs.setdefault("Content-Type", "application/json")
            elif isinstance(body, str):
                data = body.encode("utf-8")
            else:
                data = body
        conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                          timeout=timeout)
        try:
            conn.request(method, _path(path, params), body=data, headers=hdrs)
            r = conn.getresponse()
            raw = r.read()
            return Resp(r.status, r.getheaders(), raw, r.reason)
        finally:
            conn.close()

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body=body, **kw)

    def put(self, path, body=None, **kw):
        return self.request("PUT", path, body=body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def connect(self, timeout=10.0):
        return RawConn(self.port, timeout)

    # ---- conveniences

    def create(self, body):
        """POST /v1/projects, asserting 201; returns the project."""
        r = self.post("/v1/projects", body)
        assert r.status == 201, f"create {body.get('id')}: {r}"
        return r.json

    def project(self, pid):
        r = self.get(f"/v1/projects/{pid}")
        assert r.status == 200, f"GET project {pid}: {r}"
        return r.json

    def update(self, pid, body):
        r = self.post(f"/v1/projects/{pid}/updates", body)
        assert r.status == 201, f"update {pid} {body}: {r}"
        return r.json

    def updates(self, pid, **params):
        r = self.get(f"/v1/projects/{pid}/updates", params=params or None)
        assert r.status == 200, f"GET updates {pid}: {r}"
        return r.json["updates"]

    def projects(self, **params):
        r = self.get("/v1/projects", params=params or None)
        assert r.status == 200, f"GET /v1/projects {params}: {r}"
        return r.json["projects"]

    def events(self, **params):
        r = self.get("/v1/events", params=params or None)
        assert r.status == 200, f"GET /v1/events {params}: {r}"
        return r.json["events"]

    def assert_alive(self, keeper=None):
        """GET /healthz is 200 and the project `keeper` (a definition dict)
        is intact."""
        r = self.get("/healthz")
        assert r.status == 200, f"/healthz after bad input: {r}"
        assert self.running(), "paced is no longer running"
        if keeper:
            p = self.project(keeper["id"])
            for k, v in keeper.items():
                assert p.get(k) == v, \
                    f"project {keeper['id']} field {k} changed: {p.get(k)!r}"


# --------------------------------------------------------------------------
# the webhook receiver

class Hook:
    """One request the receiver got."""

    def __init__(self, method, path, headers, body, answered):
        self.method = method
        self.path = path
        self.headers = headers  # lower-case name -> value
        self.body = body        # raw bytes
        self.answered = answered
        self.received = time.time()
        self.sig_ok = False
        self.sig_error = "not verified"
        try:
            self.json = json.loads(body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            self.json = None

    @property
    def id(self):
        return self.headers.get("webhook-id")

    @property
    def type(self):
        return (self.json or {}).get("type")

    def __repr__(self):
        return (f"<Hook {self.path} {self.type} id={self.id} "
                f"answered={self.answered} sig_ok={self.sig_ok}>")


def sign(secret, msg_id, timestamp, body):
    """Standard Webhooks: base64(HMAC-SHA256(base64decode(secret minus
    'whsec_'), f"{id}.{timestamp}.{body}"))."""
    key = secret[len("whsec_"):] if secret.startswith("whsec_") else secret
    key = base64.b64decode(key)
    msg = f"{msg_id}.{timestamp}.".encode() + body
    return base64.b64encode(hmac.new(key, msg, hashlib.sha256).digest()) \
        .decode()


def verify_signature(secret, headers, body, tolerance=300):
    """(True, None) or (False, why)."""
    wid = headers.get("webhook-id")
    ts = headers.get("webhook-timestamp")
    sig = headers.get("webhook-signature")
    if not wid or not ts or not sig:
        return False, (f"missing header(s): webhook-id={wid!r} "
                       f"webhook-timestamp={ts!r} webhook-signature={sig!r}")
    if not re.fullmatch(r"\d+", ts):
        return False, f"webhook-timestamp is not Unix seconds: {ts!r}"
    if abs(time.time() - int(ts)) > tolerance:
        return False, f"webhook-timestamp {ts} is not within " \
                      f"{tolerance}s of now"
    want = sign(secret, wid, ts, body)
    for part in sig.split():
        ver, _, val = part.partition(",")
        if ver == "v1" and hmac.compare_digest(val, want):
            return True, None
    return False, f"bad signature {sig!r}, expected 'v1,{want}'"


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # the daemon hung up (e.g. killed): not our failure


def serve_on_loopback(owner, handler):
    """Serves handler on a free loopback port in a thread: sets
    owner.server, owner.port and owner.thread, and closes it at cleanup
    (owner.close()). The port is free_port()'s, not the kernel's pick: a
    test may close the server and listen on the port again later (065),
    and a port of the ephemeral range may be taken meanwhile."""
    owner.server = _QuietServer(("127.0.0.1", free_port()), handler)
    owner.server.daemon_threads = True
    owner.port = owner.server.server_address[1]
    owner.thread = threading.Thread(target=owner.server.serve_forever,
                                    kwargs={"poll_interval": 0.1},
                                    daemon=True)
    owner.thread.start()
    on_cleanup(lambda failed: owner.close())


def close_server(owner):
    owner.server.shutdown()
    owner.server.server_close()


class Receiver:
    """A webhook endpoint. rx.url, rx.secret, rx.hooks (every request, in
    arrival order). Answers: rx.script (a list consumed first: status ints
    or (status, headers dict, body bytes) tuples), then rx.default, after
    rx.delay seconds."""

    def __init__(self, secret=None, default=200, path="/hook"):
        self.secret = secret or "whsec_" + base64.b64encode(
            os.urandom(24)).decode()
        self.default = default
        self.delay = 0  # seconds to wait before answering
        self.script = []
        self.hooks = []
        self.lock = threading.Lock()
        self.path = path
        rx = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def _read_body(self):
                te = self.headers.get("Transfer-Encoding", "")
                if "chunked" in te.lower():
                    body = b""
                    while True:
                        size = int(self.rfile.readline().split(b";")[0], 16)
                        if size == 0:
                            while self.rfile.readline() not in (b"\r\n", b""):
                                pass
                            return body
                        body += self.rfile.read(size)
                        self.rfile.readline()
                n = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(n) if n else b""

            def _handle(self):
                body = self._read_body()
                with rx.lock:
                    answer = rx.script.pop(0) if rx.script else rx.default
                if isinstance(answer, int):
                    answer = (answer, {}, b'{"ok":true}' if answer < 300
                              else b'{"error":"scripted"}')
                status, extra, out = answer
                headers = {k.lower(): v for k, v in self.headers.items()}
                h = Hook(self.command, self.path, headers, body, status)
                h.sig_ok, h.sig_error = verify_signature(rx.secret, headers,
                                                         body)
                with rx.lock:
                    rx.hooks.append(h)
                    delay = rx.delay
                if delay:
                    time.sleep(delay)  # a slow or hung receiver
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                for k, v in extra.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(out)

            do_POST = do_PUT = do_GET = _handle

        serve_on_loopback(self, Handler)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}{self.path}"

    def channel(self, name="ops", **kw):
        """A [channel.NAME] dict for Daemon(channels=[...])."""
        ch = {"name": name, "type": "webhook", "url": self.url,
              "secret": self.secret}
        ch.update(kw)
        return ch

    def close(self):
        close_server(self)

    def all(self):
        with self.lock:
            return list(self.hooks)

    def of_type(self, type_, project=None):
        return [h for h in self.all() if h.type == type_ and (
            project is None or (h.json.get("project") or {}).get("id")
            == project)]

    def wait_hook(self, type_, project=None, timeout=15.0, n=1):
        """Waits for the n-th request carrying an event of type_ (for
        project) and returns it."""
        hooks = wait_for(lambda: len(self.of_type(type_, project)) >= n
                         and self.of_type(type_, project),
                         timeout, msg=f"webhook {type_} for {project} "
                         f"(#{n}); got {self.all()}")
        return hooks[n - 1]

    def assert_all_signed(self):
        for h in self.all():
            assert h.sig_ok, f"webhook {h!r}: {h.sig_error}"


def assert_event_hook(h, type_, pid, previous="__any__"):
    """A delivered webhook is a valid, signed event body of SPEC section 3."""
    assert h.sig_ok, f"signature of {h!r}: {h.sig_error}"
    assert h.method == "POST", h
    ctype = h.headers.get("content-type", "")
    assert ctype.split(";")[0].strip() == "application/json", \
        f"webhook Content-Type {ctype!r}"
    b = h.json
    assert isinstance(b, dict), f"webhook body is not a JSON object: {h.body}"
    for k in ("id", "type", "at", "previous_status", "project", "text"):
        assert k in b, f"webhook body lacks {k!r}: {b}"
    assert b["type"] == type_, b
    assert b["id"] == h.headers.get("webhook-id"), \
        f"body id {b['id']!r} != webhook-id {h.headers.get('webhook-id')!r}"
    assert isinstance(b["id"], str) and b["id"], b
    assert_utc(b["at"], "event at")
    if previous != "__any__":
        assert b["previous_status"] == previous, \
            f"previous_status {b['previous_status']!r}, expected {previous!r}"
    assert isinstance(b["project"], dict) and b["project"].get("id") == pid, b
    assert_evaluated(b["project"])
    assert isinstance(b["text"], str) and b["text"].strip(), b
    return b
