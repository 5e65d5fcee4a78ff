#!/usr/bin/env python3
"""flap.py - a project whose status flips with every update: what one
update costs as the project's 30-day window fills (bench/flap).

  python3 flap.py PORT N [N ...]

For each N, on the paced at PORT (durability as its config says): a new
project (target 1000, started 50 days ago, due in 50: 500 expected now)
gets N updates dated over its last 29 days, then 400 updates that go
500, 100, 500, 100...: each one turns it behind or back on track, so
each records an event whose snapshot carries the forecast. Sent one at a
time on one connection; prints one line per N with the p50, p99 and mean
of those 400 answers' latency, and the events they recorded.
"""
import http.client
import json
import sys
import time

FLIPS = 400


def day(d):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ",
                         time.gmtime(time.time() + 86400 * d))


def at(seconds_ago):
    t = time.time() - seconds_ago
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + \
        ".%03dZ" % int((t % 1) * 1000)


def main():
    port = int(sys.argv[1])
    c = http.client.HTTPConnection("127.0.0.1", port)

    def call(method, path, body=None):
        c.request(method, path, json.dumps(body) if body else None,
                  {"Content-Type": "application/json"})
        r = c.getresponse()
        data = r.read()
        assert r.status in (200, 201), (path, r.status, data[:300])
        return json.loads(data)

    for n in map(int, sys.argv[2:]):
        pid = f"flap{n}"
        call("POST", "/v1/projects", {
            "id": pid, "title": f"flapping {n}", "unit": "个",
            "target": 1000, "start": day(-50), "due": day(50)})
        span = 29 * 86400
        for lo in range(0, n, 10000):
            call("POST", "/v1/updates", {"updates": [
                {"project": pid, "value": 500, "at": at(span * (n - i) / n)}
                for i in range(lo, min(n, lo + 10000))]})
        before = len(call("GET", f"/v1/events?project={pid}&limit=1000")
                     ["events"])
        lat = []
        for i in range(FLIPS):
            t0 = time.perf_counter()
            call("POST", f"/v1/projects/{pid}/updates",
                 {"value": 500 if i % 2 else 100})
            lat.append((time.perf_counter() - t0) * 1000)
        events = len(call("GET", f"/v1/events?project={pid}&limit=1000")
                     ["events"]) - before
        lat.sort()
        print(f"flap points={n} flips={FLIPS} events={events} "
              f"p50_ms={lat[len(lat) // 2]:.3f} "
              f"p99_ms={lat[int(len(lat) * 0.99)]:.3f} "
              f"mean_ms={sum(lat) / len(lat):.3f}", flush=True)


if __name__ == "__main__":
    main()
