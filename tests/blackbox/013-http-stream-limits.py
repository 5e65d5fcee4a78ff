"""013-http-stream-limits: a streamed answer (a long project list, the CSV
export) to a client that stopped reading is bounded by the idle timeout
like any other answer, also with requests pipelined behind it; and an
HTTP/1.0 body, which only the connection's close delimits, cut short that
way ends in a reset, never in an end of file that would pass it for
whole."""

import socket

from harness import DAY, Daemon, local_day, now, wait_for

# Declared with long texts, some 7 KB of JSON each: the list is far more
# than the socket buffers of both ends hold, so paced's writes of it wait
# for as long as the client does not read.
MANY = 1000


def _daemon(idle_timeout="1s"):
    t = now()
    day = {"start": local_day(t - 100 * DAY), "due": local_day(t + 100 * DAY)}
    tags = ", ".join(f"{i:02d}" + "题" * 62 for i in range(32))
    decl = {f"big-{i:04d}": dict(day, title="长" * 200, owner="办" * 200,
                                 unit="个", target=100, tags=tags)
            for i in range(MANY)}
    return Daemon(projects=decl, server={"idle_timeout": idle_timeout})


def _get(path, version):
    return f"GET {path} HTTP/{version}\r\nHost: 127.0.0.1\r\n\r\n".encode()


def _unread(d, request, stalled=True):
    """Sends request and reads about the head of the answer, on a socket
    with a small receive buffer (stalled=True) or not: a stalled client
    reads nothing more from then on."""
    s = socket.socket()
    if stalled:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(30)
    s.connect(("127.0.0.1", d.port))
    s.sendall(request)
    got = b""
    while b"\r\n\r\n" not in got:
        chunk = s.recv(4096)
        assert chunk, f"closed before the head: {got!r}"
        got += chunk
    assert got.startswith(b"HTTP/1.") and b" 200 " in got[:20], got[:80]
    return s, got


def _paced_end_open(d, s):
    """Whether paced's end of s is still an established TCP connection,
    as the kernel lists it (/proc/net/tcp): with the client reading
    nothing, the client sees no close until it reads on."""
    ours = f"0100007F:{d.port:04X}"
    peer = f"0100007F:{s.getsockname()[1]:04X}"
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            if fields[1] == ours and fields[2] == peer:
                return fields[3] == "01"  # TCP_ESTABLISHED
    return False


def _read_to_end(s, got):
    """Everything else on s and how it ended: "eof" or "reset"."""
    while True:
        try:
            chunk = s.recv(65536)
        except ConnectionResetError:
            return got, "reset"
        if not chunk:
            return got, "eof"
        got += chunk


def test_stalled_stream_with_pipelined_request_times_out():
    d = _daemon()
    s, got = _unread(d, _get("/v1/projects", "1.1") +
                     _get("/healthz", "1.1"))
    try:
        # The healthz answer waits behind the list, the list's write
        # waits on the client: the client's turn, so the idle timeout.
        wait_for(lambda: not _paced_end_open(d, s), timeout=30,
                 msg="paced to close the stalled connection")
        got, end = _read_to_end(s, got)
    finally:
        s.close()
    assert end == "eof", end
    assert b"Transfer-Encoding: chunked" in got, got[:300]
    assert not got.endswith(b"\r\n0\r\n\r\n"), "the list ran to its end"
    assert b'"status":"ok"' not in got, "healthz answered after the list"
    # Nothing left in progress: SIGTERM stops paced at once.
    assert d.stop() == 0
    assert "stopping anyway" not in d.stderr(), d.stderr()[-600:]


def test_http10_stream_cut_short_is_reset():
    d = _daemon()
    socks = [_unread(d, _get(p, "1.0"))
             for p in ("/v1/projects", "/v1/projects.csv")]
    try:
        for s, got in socks:
            assert b"Transfer-Encoding" not in got.split(b"\r\n\r\n")[0]
            wait_for(lambda: not _paced_end_open(d, s), timeout=30,
                     msg="paced to close the stalled connection")
            got, end = _read_to_end(s, got)
            # A plain close here would read as the end of the body.
            assert end == "reset", (end, len(got), got[-80:])
    finally:
        for s, _ in socks:
            s.close()
    # A whole HTTP/1.0 body still ends with a normal close.
    s, got = _unread(d, _get("/v1/projects", "1.0"), stalled=False)
    got, end = _read_to_end(s, got)
    s.close()
    assert end == "eof", end
    assert got.endswith(b"}]}") and got.count(b'"id":"big-') == MANY
    assert d.stop() == 0


def test_stop_cuts_a_stalled_stream_in_time():
    # The idle timeout (60 s here) is longer than paced's stop may take
    # (10 s): while stopping, a client that reads nothing gets 2 s, so
    # the stop stays a clean one (no "stopping anyway", which skips the
    # orderly close of the database and the outbox).
    d = _daemon(idle_timeout="60s")
    s, got = _unread(d, _get("/v1/projects", "1.1"))
    try:
        assert d.stop() == 0
        assert "stopping anyway" not in d.stderr(), d.stderr()[-600:]
        got, end = _read_to_end(s, got)
    finally:
        s.close()
    assert not got.endswith(b"\r\n0\r\n\r\n"), "the list ran to its end"
