#!/usr/bin/env python3
"""Alert latency: from sending the update that changes a project's status
to the signed webhook arriving at a local receiver.

    python3 bench/alert-latency.py [TRANSITIONS] [PROJECTS]

paced (build/paced, durability = full) runs with one webhook channel whose
receiver is the black-box tests' Receiver (tests/blackbox/harness_webhook.py,
imported through harness.py): a real HTTP server on loopback that checks
each Standard Webhooks signature.
PROJECTS (default 10) linear projects, each expecting half its target now,
are driven in turn: an update of 0 makes one behind, the next update of it
(the expected value) makes it recover, so every update is a transition and
sends exactly one webhook. One transition at a time: the next update goes
out only after the webhook of the previous one arrived, so the figure is
the path's latency, not a queue. The first WARMUP (20) are not counted.
Prints one line of key=value figures in milliseconds. With BENCH_RT=1
(root) this process, its receiver and paced (which inherits it) run at
real-time priority (SCHED_FIFO), out of reach of other processes.
"""
import http.client
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "blackbox"))
import harness  # noqa: E402
import socketserver  # noqa: E402

from ranks import percentile  # noqa: E402  (bench/, the script's dir)

# The Receiver answers in two writes (head, then body). Without TCP_NODELAY
# the second waits for the ACK of the first, which libcurl's side delays
# by up to 40 ms; paced sends a project's next event only once the
# previous delivery of that project is answered, so that delay would be
# counted as alert latency. Receivers in production (nginx, Go, ...) set
# TCP_NODELAY; so does this one.
socketserver.StreamRequestHandler.disable_nagle_algorithm = True

WARMUP = 20


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    k = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    rt = bool(os.environ.get("BENCH_RT"))
    if rt:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(5))
    rx = harness.Receiver()
    d = harness.Daemon(channels=[rx.channel("bench")])
    ids = [f"alert-{j}" for j in range(k)]
    for pid in ids:
        d.create(harness.project(pid))  # nothing reported yet: behind
    harness.wait_for(lambda: len(rx.all()) >= k, 30,
                     msg="the first project.behind of every project")
    expected = d.project(ids[0])["expected"]
    behind = {pid: True for pid in ids}
    conn = http.client.HTTPConnection("127.0.0.1", d.port, timeout=10)
    alert_ms, post_ms, after_ms = [], [], []
    for i in range(WARMUP + n):
        pid = ids[i % k]
        want = "project.recovered" if behind[pid] else "project.behind"
        body = json.dumps({"value": expected if behind[pid] else 0})
        seen = len(rx.all())
        t0 = time.time()
        conn.request("POST", f"/v1/projects/{pid}/updates", body,
                     {"Content-Type": "application/json"})
        r = conn.getresponse()
        r.read()
        t1 = time.time()
        assert r.status == 201, f"update {pid}: {r.status}"
        deadline = time.monotonic() + 10
        while len(rx.all()) <= seen:
            if time.monotonic() > deadline:
                raise AssertionError(f"no webhook for {want} of {pid}")
            time.sleep(0.0002)
        hook = rx.all()[seen]
        got = (hook.type, (hook.json.get("project") or {}).get("id"))
        assert got == (want, pid), f"expected {want} of {pid}, got {got}"
        assert hook.sig_ok, hook.sig_error
        behind[pid] = not behind[pid]
        if i >= WARMUP:
            alert_ms.append((hook.received - t0) * 1000)
            post_ms.append((t1 - t0) * 1000)
            after_ms.append((hook.received - t1) * 1000)
    conn.close()
    rx.assert_all_signed()
    alert_ms.sort()
    post_ms.sort()
    after_ms.sort()
    figures = {"transitions": n, "projects": k}
    for name, ms in (("", alert_ms), ("post_", post_ms),
                     ("after_201_", after_ms)):
        for p in (50, 90, 99):
            figures[f"{name}p{p}_ms"] = "%.2f" % percentile(ms, p / 100.0)
        figures[f"{name}max_ms"] = "%.2f" % ms[-1]
    print("alert-latency%s %s" % (" sched=fifo" if rt else "", " ".join(
        f"{key}={value}" for key, value in figures.items())))


if __name__ == "__main__":
    try:
        main()
    finally:
        harness.run_cleanups()
