#!/usr/bin/env python3
"""Prints the webhooks paced sends, and checks their signatures.

    python3 tools/webhook-receiver.py [--port 9000] [--secret whsec_...]

Answers 204 to every POST. With --secret it verifies the Standard Webhooks
signature (webhook-id, webhook-timestamp, webhook-signature headers) and
answers 401 when it does not match, as a real receiver should.
"""
import argparse
import base64
import hashlib
import hmac
import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer


def signature_ok(secret, headers, body):
    key = base64.b64decode(secret.removeprefix("whsec_"))
    msg = "{}.{}.".format(headers.get("webhook-id", ""),
                          headers.get("webhook-timestamp", "")).encode()
    mac = hmac.new(key, msg + body, hashlib.sha256).digest()
    want = "v1," + base64.b64encode(mac).decode()
    given = headers.get("webhook-signature", "").split()
    return any(hmac.compare_digest(want, g) for g in given)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=9000)
    ap.add_argument("--secret")
    args = ap.parse_args()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            verdict = ""
            if args.secret:
                ok = signature_ok(args.secret, self.headers, body)
                verdict = " signature ok" if ok else " BAD SIGNATURE"
            try:
                event = json.loads(body)
                print("--- {} {}{}".format(event.get("type"), event.get("id"),
                                           verdict))
                print(event.get("text", ""))
            except ValueError:
                print("--- (not JSON)" + verdict, body[:200])
            sys.stdout.flush()
            self.send_response(401 if verdict == " BAD SIGNATURE" else 204)
            self.end_headers()

        def log_message(self, *a):
            pass

    print("listening on 127.0.0.1:{}".format(args.port), flush=True)
    HTTPServer(("127.0.0.1", args.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
