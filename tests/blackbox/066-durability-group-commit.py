"""066-durability-group-commit: updates that arrive together share one
transaction and one fsync (group commit), and each is still answered only
once it is durable, in request order, and stored exactly once."""

import json
import re
import threading

from harness import Daemon, project


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
