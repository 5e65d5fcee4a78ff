"""051-http-limits: the limits that keep one client from holding paced:
a deadline for the request head (slowloris) and for the body, a cap on open
connections and on requests per connection, and framing a proxy could read
differently (duplicate Content-Length, Content-Length with
Transfer-Encoding, an unknown transfer coding) refused with 400."""

import json
import os
import socket
import threading
import time

from harness import ConnectionClosed, Daemon, project

SERVER = {"header_timeout": "2s", "body_timeout": "2s",
          "max_connections": 100, "max_requests_per_connection": 3}


def _daemon(**over):
    return Daemon(server=dict(SERVER, **over))


def _get(path, extra=""):
    return (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}\r\n").encode()


def _post_raw(path, headers, body=b""):
    return (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Content-Type: application/json\r\n{headers}\r\n").encode() + body


def _error_code(r):
    return json.loads(r.raw)["error"]["code"]


def test_slow_head_gets_408_while_others_are_served():
    d = _daemon()
    d.create(project("a"))
    slow = d.connect(timeout=10)
    t0 = time.monotonic()
    stop = threading.Event()

    def dribble():  # one header byte every 0.3 s, never the blank line
        try:
            slow.send(b"GET /healthz HTTP/1.1\r\n")
            while not stop.is_set():
                slow.send(b"X")
                time.sleep(0.3)
        except OSError:
            pass
    t = threading.Thread(target=dribble, daemon=True)
    t.start()
    served = 0
    while time.monotonic() - t0 < 1.5:
        assert d.get("/v1/projects/a").status == 200
        served += 1
    assert served >= 5, f"only {served} requests served beside a slow one"
    r = slow.read_response()
    elapsed = time.monotonic() - t0
    stop.set()
    assert r.status == 408, r
    assert _error_code(r) == "request_timeout"
    assert r.headers.get("connection") == "close"
    assert 1.5 <= elapsed < 4.5, f"408 after {elapsed:.1f}s, deadline 2s"
    assert slow.is_closed(3), "connection left open after 408"


def test_silent_connection_closed_at_head_deadline():
    d = _daemon()
    c = d.connect(timeout=10)
    t0 = time.monotonic()
    assert c.is_closed(6), "a connection that sends nothing stayed open"
    assert time.monotonic() - t0 < 4.5


def test_slow_body_gets_408():
    d = _daemon()
    d.create(project("a"))
    c = d.connect(timeout=10)
    t0 = time.monotonic()
    c.send(_post_raw("/v1/projects/a/updates", "Content-Length: 40\r\n",
                     b'{"value": '))
    r = c.read_response()
    assert r.status == 408, r
    assert 1.5 <= time.monotonic() - t0 < 4.5
    assert c.is_closed(3)
    assert d.project("a")["current"] == 0


def test_connection_cap():
    d = _daemon(max_connections=8)
    time.sleep(0.5)  # the start-up probes' connections are gone
    held = [d.connect(timeout=10) for _ in range(8)]
    for c in held:  # each is accepted and answered: all 8 are in
        c.send(_get("/healthz"))
        assert c.read_response().status == 200
    extra = d.connect(timeout=5)
    r = extra.read_response()
    assert r.status == 503, r
    assert _error_code(r) == "unavailable"
    assert extra.is_closed(3)
    for c in held:
        c.close()

    def served():
        try:
            return d.get("/healthz", timeout=2).status == 200
        except OSError:
            return False
    t0 = time.monotonic()
    while not served():
        assert time.monotonic() - t0 < 5, "not served after the cap freed"
        time.sleep(0.1)


def test_requests_per_connection_cap():
    d = _daemon()
    c = d.connect(timeout=5)
    for i in range(3):
        c.send(_get("/healthz"))
        r = c.read_response()
        assert r.status == 200
        if i < 2:
            assert r.headers.get("connection") != "close", (i, r.head)
    assert r.headers.get("connection") == "close", r.head
    assert c.is_closed(3), "open after the last allowed request"
    # Pipelined past the cap: three answers, then the end.
    c = d.connect(timeout=5)
    c.send(_get("/healthz") * 5)
    for _ in range(3):
        assert c.read_response().status == 200
    assert c.is_closed(3)


def _expect_400(d, raw, what):
    c = d.connect(timeout=5)
    c.send(raw)
    r = c.read_response()
    assert r.status == 400, f"{what}: {r}"
    assert _error_code(r) == "bad_request", what
    try:
        assert c.is_closed(3), f"{what}: connection left open"
    except (ConnectionClosed, ConnectionResetError):
        pass


def test_ambiguous_framing_rejected():
    d = _daemon()
    d.create(project("a"))
    u = "/v1/projects/a/updates"
    body = b'{"value": 1}'
    n = len(body)
    cases = [
        ("duplicate Content-Length, different",
         _post_raw(u, f"Content-Length: {n}\r\nContent-Length: {n + 1}\r\n",
                   body + b" ")),
        ("duplicate Content-Length, same",
         _post_raw(u, f"Content-Length: {n}\r\nContent-Length: {n}\r\n",
                   body)),
        ("Content-Length and Transfer-Encoding",
         _post_raw(u, f"Content-Length: {n + 5}\r\n"
                   "Transfer-Encoding: chunked\r\n",
                   f"{n:x}\r\n".encode() + body + b"\r\n0\r\n\r\n")),
        ("Transfer-Encoding then Content-Length",
         _post_raw(u, "Transfer-Encoding: chunked\r\n"
                   f"Content-Length: {n + 5}\r\n",
                   f"{n:x}\r\n".encode() + body + b"\r\n0\r\n\r\n")),
        ("Transfer-Encoding other than chunked",
         _post_raw(u, "Transfer-Encoding: gzip\r\n", body)),
        ("chunked not last",
         _post_raw(u, "Transfer-Encoding: chunked, gzip\r\n",
                   f"{n:x}\r\n".encode() + body + b"\r\n0\r\n\r\n")),
        ("bad chunk size",
         _post_raw(u, "Transfer-Encoding: chunked\r\n",
                   b"zz\r\n" + body + b"\r\n0\r\n\r\n")),
        ("chunk longer than its size",
         _post_raw(u, "Transfer-Encoding: chunked\r\n",
                   b"2\r\n" + body + b"\r\n0\r\n\r\n")),
    ]
    for what, raw in cases:
        _expect_400(d, raw, what)
    assert d.project("a")["current"] == 0, "an ambiguous request was stored"
    # The same body framed once is fine.
    c = d.connect(timeout=5)
    c.send(_post_raw(u, f"Content-Length: {n}\r\n", body))
    assert c.read_response().status == 201


test_slow_head_gets_408_while_others_are_served.timeout = 30
test_connection_cap.timeout = 30


def _get_200s(d):
    """How many GET answers of 200 paced has made since it started, by
    its own count (/metrics), this read's included or not."""
    for line in d.get("/metrics").raw.decode().splitlines():
        if line.startswith("paced_http_requests_total{") and \
                'method="GET"' in line and 'code="200"' in line:
            return float(line.split()[-1])
    return 0.0


def _rss_kb(d):
    with open(f"/proc/{d.proc.pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_unread_pipelined_answers_bounded_by_bytes():
    # Some 3 MB an answer: a thousand updates with notes of 1000 Chinese
    # characters. A client pipelines 60 such reads and reads nothing;
    # 60 answers would be 180 MB held for it, the count bound alone (64)
    # lets them all be made.
    d = Daemon(server={"max_body": "2m"})
    d.create(project("big"))
    note = "进" * 1000
    for b in range(4):
        r = d.post("/v1/updates", {"updates": [
            {"project": "big", "value": b * 250 + i, "note": note}
            for i in range(250)]})
        assert r.status == 201, r
    one = d.get("/v1/projects/big/updates", params={"limit": 1000})
    assert one.status == 200 and len(one.raw) > 3_000_000, len(one.raw)
    before, made_before = _rss_kb(d), _get_200s(d)
    c = d.connect(timeout=30)
    c.send(_get("/v1/projects/big/updates?limit=1000") * 60)
    time.sleep(2)
    # Paused once the socket buffers of both ends are full and an answer
    # waits: a handful made, not all 60 (the count bound alone is 64).
    made = _get_200s(d) - made_before - 1
    assert made <= 12, f"{made} answers of 3 MB made for an unread client"
    # What that spares, where the allocator gives memory back to reuse
    # (ASan's quarantine and valgrind's keep every freed block a while).
    if not (os.environ.get("ASAN_OPTIONS") or
            os.environ.get("PACED_UNDER_VALGRIND")):
        grown = _rss_kb(d) - before
        assert grown < 40_000, f"RSS grew {grown} kB for one unread client"
    assert d.get("/healthz", timeout=2).status == 200
    # Reading on resumes it: every answer comes, whole and in order.
    got = bytearray(c.buf)
    whole = 60 * len(one.raw)
    while len(got) < whole:
        chunk = c.sock.recv(1 << 20)
        assert chunk, f"closed after {len(got)} of {whole} body bytes"
        got += chunk
    heads = got.count(b"HTTP/1.1 200 ")
    assert heads == 60, heads
    body = one.raw[-200:]
    assert got.count(body) == 60, "an answer cut or changed"
