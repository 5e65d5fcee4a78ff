"""harness_daemon.py - the black-box harness's paced runner: class Daemon,
StartError, run_paced, make_config (with _ini_value), assert_no_report,
storage_path and assert_references_hold.

Separate from harness.py because it is one concept, the real build/paced
seen from outside (its config file, its process, its HTTP API, its stderr
checked for sanitizer reports), and harness.py had grown past ~800 lines.
Import cycle on purpose: this takes harness's base names and harness
re-exports it at its end (simpler than moving the base to a third module),
so import it through harness (`from harness import Daemon`), never first.
"""

import http.client
import json
import os
import signal
import sqlite3
import subprocess
import time

from harness import (PACED, REPO, SANITIZER_MARKERS, SYNC, TIMEOUT_SCALE,
                     TZ_NAME, RawConn, Resp, _daemons, _path, free_port,
                     make_tmpdir, on_cleanup)


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


def storage_path(text, cwd):
    """The database a config's text names ([storage] path, else paced's
    default ./paced.db), resolved as paced resolves it: against its working
    directory, cwd."""
    section, path = None, "./paced.db"
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
        elif section == "storage" and "=" in line:
            key, value = line.split("=", 1)
            if key.strip() == "path":
                path = value.strip()
    return os.path.join(cwd, path)


# What SQLite says of a file that is not a whole database. Every other error
# (locked, cannot open, I/O) fails the check instead of passing it.
NOT_A_DATABASE = ("file is not a database", "database disk image is malformed")


def assert_references_hold(db):
    """paced leaves SQLite's foreign key enforcement off (it cost a lookup
    per stored update): every row's REFERENCES must hold all the same. Run
    on each database a daemon was started on, once the test is over. A file
    that is not a database (never created, or not SQLite's) is not this
    check's to judge."""
    if not os.path.exists(db):
        return
    try:
        con = sqlite3.connect(db, timeout=5)
        try:
            broken = con.execute("PRAGMA foreign_key_check").fetchall()
        finally:
            con.close()
    except sqlite3.DatabaseError as e:
        if any(m in str(e) for m in NOT_A_DATABASE):
            return
        raise AssertionError(f"{db}: cannot check references: {e}") from e
    assert not broken, (f"{db}: rows whose referenced row is missing "
                        f"(table, rowid, parent, fk): {broken[:10]}")


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
        self.started_on = []  # the databases paced was started on
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
        with open(self.conf_path, encoding="utf-8") as f:
            db = storage_path(f.read(), self.tmp)
        if db not in self.started_on:
            self.started_on.append(db)
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

    def start_preloaded(self, shim, env):
        """Starts paced with tests/blackbox/<shim> (a C file of libc
        wrappers: syncgate.c, diskfull.c) built and preloaded, and the
        variables of env set for it alone."""
        lib = os.path.join(self.tmp, os.path.splitext(shim)[0] + ".so")
        subprocess.run(["cc", "-shared", "-fPIC", "-O2", "-o", lib,
                        os.path.join(REPO, "tests", "blackbox", shim),
                        "-ldl"], check=True)
        env = dict(env, LD_PRELOAD=lib)
        asan = os.environ.get("ASAN_OPTIONS")
        if asan is not None:  # make asan: the shim comes first
            env["ASAN_OPTIONS"] = asan + ":verify_asan_link_order=0"
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            return self.start()
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v

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
        for db in self.started_on:
            assert_references_hold(db)
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
