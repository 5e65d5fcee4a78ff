"""070-ops-config: listeners (several, unix socket), the open-API rule,
and the log: priorities and log_level."""

import os
import re
import socket
import time

from harness import (Daemon, Receiver, StartError, assert_event_hook,
                     free_port, local_day, make_config, make_tmpdir, now,
                     project, wait_for, DAY)


def _unix_get(path, sock_path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(sock_path)
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
              .encode())
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    return data


def test_several_listeners_and_unix_socket():
    tmp = make_tmpdir()
    sock = os.path.join(tmp, "paced.sock")
    port2 = free_port()
    d = Daemon(tmp=tmp, start=False)
    d.write_config(server={
        "listen": f"127.0.0.1:{d.port}, 127.0.0.1:{port2}, unix:{sock}"})
    d.start()
    d.create(project("parking"))
    other = Daemon.__new__(Daemon)  # a client view of the second port
    other.port, other.headers = port2, {}
    r = Daemon.request(other, "GET", "/v1/projects/parking")
    assert r.status == 200 and r.json["id"] == "parking", r
    data = _unix_get("/v1/projects/parking", sock)
    assert data.startswith(b"HTTP/1.1 200"), data[:200]
    assert b'"parking"' in data


def test_open_api_on_non_loopback_refused():
    tmp = make_tmpdir()
    d = Daemon(tmp=tmp, start=False)
    d.write_config(server={"listen": f"0.0.0.0:{d.port}"})
    try:
        d.start(timeout=5)
    except StartError as e:
        msg = str(e).lower()
        assert "token" in msg or "loopback" in msg, \
            f"refused without saying why: {e}"
        return
    raise AssertionError("open API started on 0.0.0.0 without tokens")


def test_open_api_judged_by_the_bound_address_not_the_name():
    # A name that reads as loopback ("127.…", "localhost") may resolve to
    # any address: in a mount namespace of its own, /etc/hosts says
    # 127.intranet is 0.0.0.0. paced must refuse, naming what it bound.
    import shutil
    import subprocess
    from harness import PACED, Skip
    if os.geteuid() != 0 or not shutil.which("unshare"):
        raise Skip("needs root and unshare for a private /etc/hosts")
    tmp = make_tmpdir()
    hosts = os.path.join(tmp, "hosts")
    with open(hosts, "w") as f:
        f.write("0.0.0.0 127.intranet\n127.0.0.1 localhost\n")
    conf = os.path.join(tmp, "paced.conf")
    port = free_port()
    with open(conf, "w", encoding="utf-8") as f:
        f.write(make_config(port, os.path.join(tmp, "paced.db"),
                            server={"listen": f"127.intranet:{port}"}))
    try:
        r = subprocess.run(
            ["unshare", "-m", "sh", "-c",
             f"mount --bind {hosts} /etc/hosts && exec {PACED} -c {conf}"],
            capture_output=True, text=True, timeout=10)
    except subprocess.TimeoutExpired as e:
        raise AssertionError(f"paced served the open API on 0.0.0.0: "
                             f"{e.stderr}") from None
    if "mount" in r.stderr and "permission" in r.stderr.lower():
        raise Skip(f"no private mount here: {r.stderr.strip()}")
    assert r.returncode != 0, f"started: {r.stderr}"
    assert "refusing to serve the open API on 0.0.0.0" in r.stderr, r.stderr








def test_log_lines_carry_priorities_and_log_level_filters():
    """Every line on stderr starts with a syslog priority journald reads
    (<3> err ... <7> debug), and [server] log_level drops the lower ones."""
    d = Daemon()
    d.create(project("parking", start=-50, due=50))
    d.stop()
    lines = [ln for ln in d.stderr().splitlines()
             if ln and not ln.startswith("====")]
    assert lines, "nothing logged"
    for ln in lines:
        assert re.match(r"^<[0-7]>", ln), f"no priority prefix: {ln!r}"
    assert any(ln.startswith("<6>") and "parking" in ln for ln in lines)

    quiet = Daemon(server={"log_level": "warning"})
    quiet.create(project("parking", start=-50, due=50))
    quiet.stop()
    lines = [ln for ln in quiet.stderr().splitlines()
             if ln and not ln.startswith("====")]
    low = [ln for ln in lines if re.match(r"^<[5-7]>", ln)]
    assert low == [], f"log_level = warning still logs {low}"
