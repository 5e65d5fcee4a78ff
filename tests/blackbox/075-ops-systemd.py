"""075-ops-systemd: paced as a systemd service. A unix datagram socket
stands in for systemd's NOTIFY_SOCKET and receives READY=1 (only once the
database is migrated and the listener answers), WATCHDOG=1, RELOADING=1 /
READY=1 around SIGHUP and STOPPING=1 on SIGTERM; systemd-socket-activate
hands paced its listening socket; a stop is bounded even when a client
never reads; the unit files pass systemd-analyze verify and score at most
1.2 in systemd-analyze security; make install puts everything in place."""

import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time

from harness import (PACED, REPO, Daemon, assert_no_report, free_port,
                     make_config, make_tmpdir, on_cleanup, run_paced,
                     wait_for)

# Runs paced in this very process after setting WATCHDOG_PID to its pid,
# as systemd does (sd_watchdog_enabled ignores a watchdog meant for another
# pid).
EXEC_WITH_WATCHDOG_PID = (
    "import os, sys\n"
    "os.environ['WATCHDOG_PID'] = str(os.getpid())\n"
    "os.execv(sys.argv[1], sys.argv[1:])\n")


class NotifySocket:
    """A unix datagram socket standing in for systemd's NOTIFY_SOCKET:
    records every message (a dict of its KEY=VALUE lines) as it comes."""

    def __init__(self, tmp):
        self.path = os.path.join(tmp, "notify.sock")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.settimeout(0.2)
        self.messages = []   # (monotonic time received, {key: value})
        self.lock = threading.Lock()
        self.on_message = None  # called in the thread with each message
        self.stopped = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        on_cleanup(lambda failed: self.close())

    def _run(self):
        while not self.stopped:
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            msg = dict(line.split("=", 1) for line in
                       data.decode("utf-8", "replace").splitlines()
                       if "=" in line)
            if self.on_message:
                self.on_message(msg)
            with self.lock:
                self.messages.append((time.monotonic(), msg))

    def close(self):
        self.stopped = True
        self.thread.join(2)
        self.sock.close()

    def with_key(self, key, value="1"):
        with self.lock:
            return [(t, m) for t, m in self.messages if m.get(key) == value]


def _http_get(port, path="/healthz", timeout=5.0):
    """Status code of GET path on 127.0.0.1:port (one connection)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close"
                  f"\r\n\r\n".encode())
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    finally:
        s.close()
    m = re.match(rb"HTTP/1\.1 (\d{3})", data)
    assert m, f"not an HTTP response: {data[:200]!r}"
    return int(m.group(1))


class Proc:
    """A paced started with a custom command line and environment; stderr
    in tmp/stderr.log; killed at cleanup if still running."""

    def __init__(self, tmp, argv, env):
        self.stderr_path = os.path.join(tmp, "stderr.log")
        err = open(self.stderr_path, "ab")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                     stdout=err, stderr=err, cwd=tmp,
                                     env=env)
        err.close()
        on_cleanup(self._cleanup)

    def stderr(self):
        with open(self.stderr_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def _cleanup(self, failed):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        if failed:
            sys.stderr.write(f"--- stderr of {self.proc.args[0]} ---\n"
                             f"{self.stderr()[-3000:]}\n")
        assert_no_report(self.stderr())


def _write_conf(tmp, port):
    path = os.path.join(tmp, "paced.conf")
    with open(path, "w", encoding="utf-8") as f:
        f.write(make_config(port, os.path.join(tmp, "paced.db")))
    return path


def _notify_env(ns, **extra):
    env = dict(os.environ)
    for k in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID",
              "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES"):
        env.pop(k, None)
    env["NOTIFY_SOCKET"] = ns.path
    env.update(extra)
    return env


# --------------------------------------------------------------------------
# sd_notify

def test_ready_after_listening_then_watchdog_then_stopping():
    tmp = make_tmpdir()
    port = free_port()
    conf = _write_conf(tmp, port)
    db = os.path.join(tmp, "paced.db")
    ns = NotifySocket(tmp)
    seen_at_ready = {}

    def at_ready(msg):
        # Checked the moment READY=1 arrives, before paced can do more:
        # the listener must answer and the schema must be in place.
        if msg.get("READY") == "1" and not seen_at_ready:
            try:
                seen_at_ready["healthz"] = _http_get(port)
            except OSError as e:
                seen_at_ready["healthz"] = repr(e)
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as c:
                seen_at_ready["user_version"] = c.execute(
                    "PRAGMA user_version").fetchone()[0]
    ns.on_message = at_ready
    p = Proc(tmp, [sys.executable, "-c", EXEC_WITH_WATCHDOG_PID, PACED,
                   "-c", conf],
             _notify_env(ns, WATCHDOG_USEC="2000000"))

    ready = wait_for(lambda: ns.with_key("READY"), timeout=10,
                     msg="READY=1 on NOTIFY_SOCKET")
    assert len(ready) == 1, f"READY=1 sent {len(ready)} times at start"
    wait_for(lambda: seen_at_ready, timeout=5)
    assert seen_at_ready["healthz"] == 200, \
        f"READY=1 came before the listener answered: {seen_at_ready}"
    assert seen_at_ready["user_version"] >= 1, \
        f"READY=1 came before the migrations ran: {seen_at_ready}"
    assert "STATUS" in ready[0][1], f"no STATUS= with READY=1: {ready}"

    # WATCHDOG_USEC=2 s: a ping at once, then one every second.
    pings = wait_for(lambda: len(ns.with_key("WATCHDOG")) >= 3 and
                     ns.with_key("WATCHDOG"), timeout=6,
                     msg="three WATCHDOG=1 within 6 s")
    gaps = [b[0] - a[0] for a, b in zip(pings, pings[1:])]
    assert all(0.5 <= g <= 1.9 for g in gaps[1:]), \
        f"WATCHDOG=1 not at about half of WATCHDOG_USEC: gaps {gaps}"

    p.proc.send_signal(signal.SIGTERM)
    rc = p.proc.wait(15)
    assert rc == 0, f"exit status {rc} after SIGTERM"
    # The datagram is sent before paced exits, but the reader thread may
    # take it from the socket a moment after the exit is seen.
    wait_for(lambda: ns.with_key("STOPPING"), timeout=3,
             msg=f"STOPPING=1 after SIGTERM; got {ns.messages}")


def test_no_watchdog_for_another_pid():
    """WATCHDOG_PID names another process: paced must not ping."""
    tmp = make_tmpdir()
    port = free_port()
    ns = NotifySocket(tmp)
    p = Proc(tmp, [PACED, "-c", _write_conf(tmp, port)],
             _notify_env(ns, WATCHDOG_USEC="200000", WATCHDOG_PID="1"))
    wait_for(lambda: ns.with_key("READY"), timeout=10, msg="READY=1")
    time.sleep(0.5)
    assert not ns.with_key("WATCHDOG"), \
        "WATCHDOG=1 sent although WATCHDOG_PID is another process"
    p.proc.send_signal(signal.SIGTERM)
    assert p.proc.wait(15) == 0


def test_reload_is_bracketed_by_reloading_and_ready():
    tmp = make_tmpdir()
    ns = NotifySocket(tmp)
    p = Proc(tmp, [PACED, "-c", _write_conf(tmp, free_port())],
             _notify_env(ns))
    wait_for(lambda: ns.with_key("READY"), timeout=10, msg="READY=1")
    before = time.monotonic()
    p.proc.send_signal(signal.SIGHUP)
    reloading = wait_for(lambda: ns.with_key("RELOADING"), timeout=10,
                         msg="RELOADING=1 after SIGHUP")
    t_rel, msg = reloading[0]
    # MONOTONIC_USEC is CLOCK_MONOTONIC, the clock of time.monotonic().
    usec = int(msg.get("MONOTONIC_USEC", "0"))
    assert before - 1 <= usec / 1e6 <= time.monotonic() + 1, \
        f"MONOTONIC_USEC={usec} is not the monotonic time of the reload"
    ready = wait_for(lambda: [r for r in ns.with_key("READY")
                              if r[0] >= t_rel], timeout=10,
                     msg="READY=1 after RELOADING=1")
    assert ready
    p.proc.send_signal(signal.SIGTERM)
    assert p.proc.wait(15) == 0


def test_stop_is_bounded_when_a_client_never_reads():
    """A client pipelines requests and never reads the answers, so the
    responses can never be written: paced still stops, within its 10 s
    bound, with exit status 0."""
    d = Daemon()
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", d.port))
    on_cleanup(lambda failed: s.close())
    req = (b"GET /v1/projects/" + b"x" * 200 +
           b" HTTP/1.1\r\nHost: x\r\n\r\n") * 100

    def pump():
        try:
            while True:
                s.sendall(req)
        except OSError:
            pass
    threading.Thread(target=pump, daemon=True).start()
    time.sleep(2)  # both directions' buffers fill up
    t0 = time.monotonic()
    d.proc.send_signal(signal.SIGTERM)
    try:
        rc = d.proc.wait(25)
    except subprocess.TimeoutExpired:
        raise AssertionError("paced did not stop within 25 s of SIGTERM "
                             "with a client that never reads")
    took = time.monotonic() - t0
    assert rc == 0, f"exit status {rc} after a forced stop"
    assert took <= 15, f"stop took {took:.1f} s (bound is 10 s)"
    assert "stopped" in d.stderr(), d.stderr()


test_stop_is_bounded_when_a_client_never_reads.timeout = 60


# --------------------------------------------------------------------------
# socket activation

def _socket_activate():
    tool = shutil.which("systemd-socket-activate")
    if not tool:
        print("skipped: systemd-socket-activate not installed "
              "(Debian package systemd)")
    return tool


def test_socket_activation_serves_the_passed_socket():
    tool = _socket_activate()
    if not tool:
        return
    tmp = make_tmpdir()
    port, conf_port = free_port(), free_port()
    conf = _write_conf(tmp, conf_port)
    ns = NotifySocket(tmp)
    p = Proc(tmp, [tool, *_pass_env(), "-l", f"127.0.0.1:{port}", PACED, "-c", conf],
             _notify_env(ns))
    # The tool listens first and starts paced on the first connection.
    status = wait_for(lambda: _try_get(port), timeout=15,
                      msg=f"an answer on the activated port {port}")
    assert status == 200, status
    wait_for(lambda: ns.with_key("READY"), timeout=5,
             msg="READY=1 under socket activation")
    assert "socket passed by systemd" in p.stderr(), p.stderr()
    # [server] listen is not used when systemd passes sockets.
    try:
        _http_get(conf_port, timeout=1)
        raise AssertionError("paced also listened on [server] listen")
    except ConnectionRefusedError:
        pass
    p.proc.send_signal(signal.SIGTERM)
    assert p.proc.wait(15) == 0


def _pass_env():
    """-E options: systemd-socket-activate passes on only the variables it
    is told to (besides LISTEN_*, PATH, HOME and TERM)."""
    out = ["-E", "NOTIFY_SOCKET"]
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        if k in os.environ:
            out += ["-E", k]
    return out


def _try_get(port):
    try:
        return _http_get(port, timeout=5)
    except OSError:
        return None


def test_socket_activation_refuses_a_public_socket():
    """Without tokens the API is open: a socket on 0.0.0.0 passed by
    systemd is refused like "listen = 0.0.0.0:PORT"."""
    tool = _socket_activate()
    if not tool:
        return
    tmp = make_tmpdir()
    port = free_port()
    p = Proc(tmp, [tool, *_pass_env(), "-l", f"0.0.0.0:{port}", PACED, "-c",
                   _write_conf(tmp, free_port())], _notify_env(
                       NotifySocket(tmp)))
    time.sleep(0.3)
    try:  # the connection that makes the tool start paced
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except OSError:
        pass
    rc = p.proc.wait(15)
    err = p.stderr()
    assert rc == 1, f"exit status {rc}; stderr:\n{err}"
    assert "0.0.0.0" in err and "loopback" in err, err


# --------------------------------------------------------------------------
# the unit files and make install

def _analyze():
    tool = shutil.which("systemd-analyze")
    if not tool:
        print("skipped: systemd-analyze not installed (Debian package "
              "systemd)")
        return None
    p = subprocess.run([tool, "--version"], capture_output=True, text=True)
    if p.returncode != 0:
        print(f"skipped: systemd-analyze cannot run here: {p.stderr}")
        return None
    return tool


def test_units_verify_clean():
    tool = _analyze()
    if not tool:
        return
    tmp = make_tmpdir()
    # verify checks that ExecStart exists and that Documentation=man:paced(8)
    # is found: point the unit at this build and MANPATH at doc/.
    os.makedirs(os.path.join(tmp, "man", "man8"))
    shutil.copy(os.path.join(REPO, "doc", "paced.8"),
                os.path.join(tmp, "man", "man8"))
    with open(os.path.join(REPO, "systemd", "paced.service")) as f:
        unit = f.read()
    assert "ExecStart=/usr/bin/paced -c /etc/paced/paced.conf" in unit
    with open(os.path.join(tmp, "paced.service"), "w") as f:
        f.write(unit.replace("/usr/bin/paced", PACED))
    shutil.copy(os.path.join(REPO, "systemd", "paced.socket"), tmp)
    env = dict(os.environ, MANPATH=os.path.join(tmp, "man"))
    p = subprocess.run([tool, "verify", "paced.service", "paced.socket"],
                       capture_output=True, text=True, cwd=tmp, env=env)
    out = (p.stdout + p.stderr).strip()
    assert p.returncode == 0 and not out, \
        f"systemd-analyze verify (exit {p.returncode}):\n{out}"


def test_unit_security_exposure_at_most_1_2():
    tool = _analyze()
    if not tool:
        return
    p = subprocess.run([tool, "security", "--offline=true",
                        "--no-pager", os.path.join(REPO, "systemd",
                                                   "paced.service")],
                       capture_output=True, text=True)
    out = p.stdout + p.stderr
    m = re.search(r"Overall exposure level for paced\.service: "
                  r"(\d+\.\d+)", out)
    assert m, f"no exposure level in:\n{out}"
    level = float(m.group(1))
    print(f"exposure level {level}")
    assert level <= 1.2, f"exposure {level} > 1.2:\n{out}"
    unit = open(os.path.join(REPO, "systemd", "paced.service")).read()
    for line in ("Type=notify", "NotifyAccess=main", "WatchdogSec=30s",
                 "ExecReload=/bin/kill -HUP $MAINPID", "Restart=on-failure",
                 "DynamicUser=yes", "StateDirectory=paced",
                 "ConfigurationDirectory=paced"):
        assert re.search(rf"^{re.escape(line)}$", unit, re.M), \
            f"paced.service lacks {line}"


def test_make_install_prefix_destdir_keeps_config():
    if not shutil.which("make"):
        print("skipped: make not installed")
        return
    dest = make_tmpdir()

    def install(*extra):
        p = subprocess.run(["make", "-s", "install", f"DESTDIR={dest}",
                            *extra], capture_output=True, text=True,
                           cwd=REPO, timeout=300)
        assert p.returncode == 0, f"make install:\n{p.stdout}{p.stderr}"
        return p.stdout + p.stderr

    install("PREFIX=/usr")
    for rel in ("usr/bin/paced", "usr/lib/systemd/system/paced.service",
                "usr/lib/systemd/system/paced.socket",
                "usr/share/man/man8/paced.8", "etc/paced/paced.conf"):
        assert os.path.isfile(os.path.join(dest, rel)), f"{rel} missing"
    assert os.access(os.path.join(dest, "usr/bin/paced"), os.X_OK)
    conf = os.path.join(dest, "etc/paced/paced.conf")
    p = run_paced(["check-config", "-c", conf])
    assert p.returncode == 0, f"installed config invalid: {p.stderr}"

    # Default PREFIX: /usr/local, and ExecStart follows it. An existing
    # configuration is kept as it is.
    with open(conf, "a") as f:
        f.write("; edited by the operator\n")
    out = install()
    with open(conf) as f:
        assert f.read().endswith("; edited by the operator\n"), \
            "make install overwrote an existing paced.conf"
    assert "keeping" in out, out
    with open(os.path.join(dest, "usr/local/lib/systemd/system/"
                           "paced.service")) as f:
        unit = f.read()
    assert re.search(r"^ExecStart=/usr/local/bin/paced -c "
                     r"/etc/paced/paced.conf$", unit, re.M), unit


test_make_install_prefix_destdir_keeps_config.timeout = 300
