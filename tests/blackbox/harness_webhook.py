"""harness_webhook.py - the black-box harness's webhook side: Hook, sign,
verify_signature, _QuietServer, QuietHandler, json_or_none,
LoopbackReceiver, Receiver and assert_event_hook.

Separate from harness.py because it is one concept, the receiving end of
paced's deliveries (a real HTTP server in a thread that records, answers
as scripted and checks each Standard Webhooks signature), which needs no
Daemon, and harness.py had grown past ~800 lines.
Import cycle on purpose: this takes harness's base names and harness
re-exports it at its end (simpler than moving the base to a third module),
so import it through harness (`from harness import Receiver`), never first.
"""

import base64
import hashlib
import hmac
import json
import os
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from harness import (assert_evaluated, assert_utc, free_port, on_cleanup,
                     wait_for)


# --------------------------------------------------------------------------
# the webhook receiver

def json_or_none(raw):
    """A request body's JSON document, or None when it is not one."""
    try:
        return json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None


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
        self.json = json_or_none(body)

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


class QuietHandler(BaseHTTPRequestHandler):
    """The base of the test servers' handlers: HTTP/1.1 (keep-alive, as
    the platforms answer paced's libcurl) and no access log on stderr."""
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass


class LoopbackReceiver:
    """What every test receiver shares: a real HTTP server on a free
    loopback port in a thread, closed at the test's cleanup, recording
    what it got under self.lock. A subclass sets self.lock and the list
    _got() returns, then calls self.serve(handler)."""

    def serve(self, handler):
        """Serves handler: sets self.server, self.port and self.thread.
        The port is free_port()'s, not the kernel's pick: a test may close
        the server and listen on the port again later (065), and a port
        of the ephemeral range may be taken meanwhile."""
        self.server = _QuietServer(("127.0.0.1", free_port()), handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.1},
                                       daemon=True)
        self.thread.start()
        on_cleanup(lambda failed: self.close())

    def _got(self):
        raise NotImplementedError

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def all(self):
        """A copy of every request got so far, in arrival order."""
        with self.lock:
            return list(self._got())


class Receiver(LoopbackReceiver):
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

        class Handler(QuietHandler):
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

        self.serve(Handler)

    def _got(self):
        return self.hooks

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}{self.path}"

    def channel(self, name="ops", **kw):
        """A [channel.NAME] dict for Daemon(channels=[...])."""
        ch = {"name": name, "type": "webhook", "url": self.url,
              "secret": self.secret}
        ch.update(kw)
        return ch

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
