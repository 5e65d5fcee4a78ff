"""066-durability-group-commit: updates that arrive together share one
transaction and one fsync (group commit), and each is still answered only
once it is durable, in request order, and stored exactly once. With
`[storage] sync = thread` the fsync runs off the event loop: while a group
is being synced (held open here by a preloaded fdatasync that waits at a
gate file, syncgate.c), reads are still served, its writers are not
answered, and writes that arrive meanwhile wait for the next group; once
the sync is over all are answered and stored."""

import json
import os
import re
import socket
import subprocess
import threading

from harness import Daemon, not_under_valgrind, project, wait_for

HERE = os.path.dirname(os.path.abspath(__file__))


def _metric(d, name):
    text = d.get("/metrics").raw.decode("utf-8")
    m = re.search(rf"^{name} ([0-9.e+]+)$", text, re.M)
    assert m, f"no {name} in /metrics"
    return float(m.group(1))


def _post(pid, body):
    data = json.dumps(body).encode("utf-8")
    return (f"POST /v1/projects/{pid}/updates HTTP/1.1\r\n"
            f"Host: paced\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(data)}\r\n\r\n").encode() + data


def test_pipelined_updates_share_a_commit_and_answer_in_order():
    d = Daemon()
    d.create(project("a"))
    writes0 = _metric(d, "paced_group_writes_total")
    commits0 = _metric(d, "paced_group_commits_total")
    n = 40
    c = d.connect()
    c.send(b"".join(_post("a", {"value": i, "note": f"第{i}次", "id": f"u{i}"})
                    for i in range(n)))
    for i in range(n):
        r = c.read_response("POST")
        assert r.status == 201, (i, r)
        assert r.json["update"]["value"] == i, (i, r.json)
        assert r.json["update"]["id"] == f"u{i}"
    writes = _metric(d, "paced_group_writes_total") - writes0
    commits = _metric(d, "paced_group_commits_total") - commits0
    assert writes == n, writes
    # One read of the socket brings most or all of them: far fewer
    # commits than writes (without group commit there would be 40).
    assert 1 <= commits <= n / 4, (commits, writes)
    ups = d.updates("a", limit=1000)
    assert sorted(u["value"] for u in ups) == list(range(n))
    assert d.project("a")["current"] == n - 1
    # Durable: all there after a kill -9.
    d.kill9()
    d.start()
    assert len(d.updates("a", limit=1000)) == n


def test_concurrent_writers_each_stored_once():
    d = Daemon()
    pids = [f"p{i}" for i in range(8)]
    for pid in pids:
        d.create(project(pid))
    errors = []

    def writer(k):
        c = d.connect()
        for i in range(25):
            c.send(_post(pids[k % len(pids)],
                         {"value": i, "id": f"w{k}-{i}"}))
            r = c.read_response("POST")
            if r.status != 201:
                errors.append((k, i, r))
    threads = [threading.Thread(target=writer, args=(k,)) for k in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:3]
    ids = [u["id"] for pid in pids for u in d.updates(pid, limit=1000)]
    assert len(ids) == 16 * 25 and len(set(ids)) == len(ids)
    assert _metric(d, "paced_group_writes_total") == 16 * 25


def _unanswered(c):
    """Nothing has come back on c (the sync it waits for is held at the
    gate, so nothing can come until the gate opens)."""
    c.sock.settimeout(0.3)
    try:
        got = c.sock.recv(65536)
    except socket.timeout:
        return True
    finally:
        c.sock.settimeout(10)
    c.buf += got
    return False


def _gated_daemon():
    """paced with sync = thread and the gate preloaded (not started)."""
    d = Daemon(storage={"sync": "thread"}, start=False)
    lib = os.path.join(d.tmp, "syncgate.so")
    subprocess.run(["cc", "-shared", "-fPIC", "-O2", "-o", lib,
                    os.path.join(HERE, "syncgate.c"), "-ldl"], check=True)
    gate = os.path.join(d.tmp, "gate")
    saved = {k: os.environ.get(k) for k in
             ("LD_PRELOAD", "PACED_SYNC_GATE", "ASAN_OPTIONS")}
    os.environ["LD_PRELOAD"] = lib
    os.environ["PACED_SYNC_GATE"] = gate
    if saved["ASAN_OPTIONS"] is not None:  # make asan: the shim comes first
        os.environ["ASAN_OPTIONS"] = (saved["ASAN_OPTIONS"]
                                      + ":verify_asan_link_order=0")
    try:
        d.start()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return d, gate


@not_under_valgrind("preloads its own fdatasync into paced")
def test_reads_flow_while_a_group_is_synced():
    d, gate = _gated_daemon()
    d.create(project("a"))
    d.create(project("b"))
    d.update("a", {"value": 10})
    commits0 = _metric(d, "paced_group_commits_total")
    writes0 = _metric(d, "paced_group_writes_total")
    open(gate, "w").close()
    try:
        first = d.connect()
        first.send(_post("a", {"value": 20, "id": "held-1"}))
        # Committed (the counter moves at the COMMIT), now being synced.
        wait_for(lambda: _metric(d, "paced_group_commits_total")
                 == commits0 + 1, msg="the group's COMMIT")
        # The loop is free: reads, from memory and from the database.
        for _ in range(5):
            r = d.get("/v1/projects/b")
            assert r.status == 200, r
            r = d.get("/v1/projects/a/updates")
            assert r.status == 200, r
        assert _unanswered(first), "201 before its fdatasync returned"
        # A write meanwhile joins the next group: not committed while the
        # first sync is under way, so not answered either.
        second = d.connect()
        second.send(_post("b", {"value": 30, "id": "held-2"}))
        wait_for(lambda: _metric(d, "paced_group_writes_total")
                 == writes0 + 2, msg="the second write taken")
        assert _metric(d, "paced_group_commits_total") == commits0 + 1
        assert _unanswered(second)
        assert _unanswered(first)
    finally:
        os.unlink(gate)
    r = first.read_response("POST")
    assert r.status == 201, r
    assert r.json["update"]["id"] == "held-1"
    r = second.read_response("POST")
    assert r.status == 201, r
    assert r.json["update"]["id"] == "held-2"
    assert _metric(d, "paced_group_commits_total") == commits0 + 2
    # Durable: both there after a kill -9.
    d.kill9()
    d.start()
    assert [u["id"] for u in d.updates("a")][0] == "held-1"
    assert [u["id"] for u in d.updates("b")][0] == "held-2"


def test_sync_thread_survives_kill9_with_every_201_stored():
    d = Daemon(storage={"sync": "thread"})
    d.create(project("a"))
    n = 60
    c = d.connect()
    c.send(b"".join(_post("a", {"value": i, "id": f"u{i}"})
                    for i in range(n)))
    for i in range(n):
        r = c.read_response("POST")
        assert r.status == 201, (i, r)
    d.kill9()
    d.start()
    ids = {u["id"] for u in d.updates("a", limit=1000)}
    assert ids == {f"u{i}" for i in range(n)}
    assert d.project("a")["current"] == n - 1
