#!/usr/bin/env python3
"""wait-ready.py PORT PID: returns once paced on 127.0.0.1:PORT answers
GET /readyz with 200, polling every 20 ms; exits 1 if process PID ends
first.

One process for the whole wait, not a curl per poll: bench/scale times
the start-up with it, and a curl started fifty times a second took a
fifth of a core (dynamic loading, TLS set-up) from a start-up that uses
both of this machine's cores."""
import os
import socket
import sys
import time

port, pid = int(sys.argv[1]), int(sys.argv[2])
request = b"GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
while True:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(request)
            answer = b""
            while chunk := s.recv(4096):
                answer += chunk
        if answer.startswith(b"HTTP/1.1 200"):
            sys.exit(0)
    except OSError:
        pass  # not listening yet
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        sys.exit(1)
    time.sleep(0.02)
