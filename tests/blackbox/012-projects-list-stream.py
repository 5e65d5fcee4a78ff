"""012-projects-list-stream: long lists (more than one slice of 64
projects) are sent a slice per loop turn with chunked framing: the same
bytes as before, other requests answered while one streams, clients that
leave half-way."""

import json
import socket
import threading

from harness import RawConn, project

# Over the 64 projects a list renders per loop turn.
LONG = 300


def _get(path, version="1.1", extra=""):
    return (f"GET {path} HTTP/{version}\r\nHost: 127.0.0.1\r\n{extra}"
            f"\r\n").encode()


def _old(pid, **kw):
    """Started and due in the past, never updated: overdue, and every
    field of its evaluation stays the same from one request to the next,
    so answers made at different instants can be compared byte for
    byte."""
    return project(pid, start=-100, due=-10, **kw)


def _fat(pid):
    """_old() with the longest title, owner and tags there may be: some
    7 KB of JSON a project, so a thousand outgrow every socket buffer."""
    return _old(pid, title="停" * 200, owner="区" * 200,
                tags=[f"{i:02d}" + "标" * 62 for i in range(32)])


def _create_all(d, bodies, threads=4):
    """POSTs every body over a few connections at once (their writes
    share commits)."""
    errors = []

    def worker(part):
        for b in part:
            r = d.post("/v1/projects", b)
            if r.status != 201:
                errors.append(f"{b['id']}: {r}")

    ts = [threading.Thread(target=worker, args=(bodies[i::threads],))
          for i in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert not errors, errors[:3]


def _one_by_one(d, ids):
    """The list document as GET /v1/projects/{id} renders each project."""
    parts = []
    for pid in ids:
        r = d.get(f"/v1/projects/{pid}")
        assert r.status == 200, r
        parts.append(r.raw)
    return b'{"projects":[' + b",".join(parts) + b"]}"


def test_long_list_same_bytes_as_each_project(d):
    ids = sorted(f"old-{i:04d}" for i in range(LONG))
    _create_all(d, [_old(pid, tags=["x"] if pid < "old-0010" else [])
                    for pid in ids])
    d.create(project("now-on-track"))  # another status, left out
    want = _one_by_one(d, ids)
    c = d.connect()
    c.send(_get("/v1/projects?status=overdue"))
    r = c.read_response()
    assert r.status == 200, r
    assert r.headers.get("transfer-encoding") == "chunked", r.head
    assert "content-length" not in r.headers, r.head
    assert r.headers["content-type"] == "application/json", r.head
    assert r.raw == want, "streamed list differs from the projects one by one"
    got = json.loads(r.raw)["projects"]
    assert [p["id"] for p in got] == ids
    # A list of one slice is answered at once, as ever.
    c.send(_get("/v1/projects?status=overdue&tag=x"))
    r = c.read_response()
    assert r.status == 200, r
    assert int(r.headers["content-length"]) == len(r.raw), r.head
    assert r.raw == _one_by_one(d, ids[:10])
    # HTTP/1.0 has no chunks: the body ends with the connection.
    c10 = d.connect()
    c10.send(_get("/v1/projects?status=overdue", version="1.0"))
    r = c10.read_response()
    assert r.status == 200, r
    assert "transfer-encoding" not in r.headers, r.head
    assert r.raw == want
    assert c10.is_closed()


def test_long_csv_streams_every_row(d):
    ids = sorted(f"old-{i:04d}" for i in range(LONG))
    _create_all(d, [_old(pid) for pid in ids])
    c = d.connect()
    c.send(_get("/v1/projects.csv"))
    r = c.read_response()
    assert r.status == 200, r
    assert r.headers.get("transfer-encoding") == "chunked", r.head
    assert "projects.csv" in r.headers["content-disposition"]
    text = r.raw.decode("utf-8")
    assert text.startswith("\ufeffid,title,"), text[:40]
    rows = text.split("\r\n")
    assert rows[-1] == "", "the last row ends with CRLF"
    assert [row.split(",")[0] for row in rows[1:-1]] == ids
    assert all(",overdue," in row for row in rows[1:-1]), rows[1]
    # HEAD: the head only, and the connection carries on.
    c.send(b"HEAD /v1/projects.csv HTTP/1.1\r\nHost: x\r\n\r\n")
    r = c.read_response(method="HEAD")
    assert r.status == 200 and r.raw == b"", r
    c.send(_get("/healthz"))
    assert c.read_response().status == 200


def test_pipelined_request_waits_for_the_stream(d):
    _create_all(d, [_old(f"old-{i:04d}") for i in range(LONG)])
    c = d.connect()
    c.send(_get("/v1/projects") + _get("/v1/projects/old-0001") +
           _get("/healthz"))
    r = c.read_response()
    assert r.status == 200 and len(json.loads(r.raw)["projects"]) == LONG
    r = c.read_response()
    assert r.status == 200 and r.json["id"] == "old-0001", r
    r = c.read_response()
    assert r.status == 200 and r.json["status"] == "ok", r


def _start_unread_list(d, path="/v1/projects"):
    """A connection that asked for the list and read only its head: paced
    cannot finish writing it until this client reads on."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(10)
    s.connect(("127.0.0.1", d.port))
    s.sendall(_get(path))
    got = b""
    while b"\r\n\r\n" not in got:
        chunk = s.recv(4096)
        assert chunk, "closed before the head"
        got += chunk
    return s, got


def _read_chunked(s, got):
    """The rest of a chunked response on s (got: what was read so far)."""
    conn = RawConn.__new__(RawConn)
    conn.sock, conn.buf = s, got
    return conn.read_response()


def _answered_while_unread(d, path, during):
    """GET path on a connection that reads only the head, call during()
    while paced still writes the answer (larger than any socket buffer),
    then read the rest of it."""
    s, got = _start_unread_list(d, path)
    try:
        during()
        return _read_chunked(s, got)
    finally:
        s.close()


def _readyz_and_update(d, pid, value):
    """What the streaming tests ask for while an answer is unread."""
    assert d.get("/readyz").status == 200
    r = d.post(f"/v1/projects/{pid}/updates", {"value": value})
    assert r.status == 201, r


def test_requests_answered_while_a_list_streams(d):
    ids = [f"fat-{i:04d}" for i in range(1000)]
    _create_all(d, [_fat(pid) for pid in ids] + [_old("zz-last")])
    def during():
        # The list holds some 7 MB, still being written meanwhile.
        _readyz_and_update(d, "fat-0500", 1)
        assert d.delete("/v1/projects/zz-last").status == 204

    r = _answered_while_unread(d, "/v1/projects", during)
    assert r.status == 200, r
    listed = [p["id"] for p in json.loads(r.raw)["projects"]]
    # Archived before the list came to it: it is not listed, which it
    # would be had the list been finished before the DELETE was served.
    assert listed == ids, (len(listed), listed[-3:])


def test_client_leaving_mid_list_leaves_paced_healthy(d):
    ids = [f"fat-{i:04d}" for i in range(1000)]
    _create_all(d, [_fat(pid) for pid in ids])
    for i in range(6):
        s, _ = _start_unread_list(d)
        if i % 2:  # a reset rather than a close
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                         b"\x01\x00\x00\x00\x00\x00\x00\x00")
        s.close()
    # Left before reading anything but the request.
    for _ in range(3):
        c = d.connect()
        c.send(_get("/v1/projects"))
        c.close()
    assert d.get("/healthz").status == 200
    got = d.get("/v1/projects")
    assert got.status == 200
    assert [p["id"] for p in json.loads(got.raw)["projects"]] == ids


def test_many_projects_picked_over_several_turns(d):
    # Over the 4096 projects picked from at once: the registry is looked
    # through a part per loop turn, while the answer is already streamed.
    ids = sorted(f"old-{i:05d}" for i in range(4200))
    _create_all(d, [_old(pid, tags=["x"] if pid.endswith("7") else [])
                    for pid in ids])
    c = d.connect()
    c.send(_get("/v1/projects?tag=x"))
    r = c.read_response()
    assert r.status == 200, r
    assert r.headers.get("transfer-encoding") == "chunked", r.head
    tagged = [pid for pid in ids if pid.endswith("7")]
    assert r.raw == _one_by_one(d, tagged)
    c.send(_get("/v1/projects?tag=nosuch"))
    r = c.read_response()
    assert r.status == 200 and r.raw == b'{"projects":[]}', r
    c.send(_get("/v1/projects.csv"))
    r = c.read_response()
    rows = r.raw.decode("utf-8").split("\r\n")[1:-1]
    assert [row.split(",")[0] for row in rows] == ids
