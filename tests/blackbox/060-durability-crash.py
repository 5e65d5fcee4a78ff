"""060-durability-crash: a 201 means committed; kill -9 loses nothing that
was acknowledged; pending deliveries resume after a restart (outbox)."""

import threading
import time

from harness import (Daemon, Receiver, assert_event_hook, project, wait_for)


def test_acknowledged_updates_survive_kill9(d):
    d.create(project("parking"))
    acked = []
    for i in range(40):
        r = d.post("/v1/projects/parking/updates",
                   {"value": i + 1, "id": f"seq-{i}", "note": f"第{i}次"})
        assert r.status == 201, r
        acked.append(f"seq-{i}")
    r = d.post("/v1/updates", {"updates": [
        {"project": "parking", "value": 100 + i, "id": f"batch-{i}"}
        for i in range(10)]})
    assert r.status == 201, r
    acked += [f"batch-{i}" for i in range(10)]
    d.kill9()
    d.start()
    us = d.updates("parking", limit=1000)
    ids = {u["id"] for u in us}
    missing = [k for k in acked if k not in ids]
    assert not missing, f"acknowledged updates lost after kill -9: {missing}"
    assert len(us) == len(acked), f"{len(us)} stored, {len(acked)} acked"
    assert d.project("parking")["current"] == 109


def test_kill9_under_load_loses_no_acknowledged_update(d):
    d.create(project("parking"))
    acked, lock, stop = [], threading.Lock(), threading.Event()

    def writer(w):
        i = 0
        while not stop.is_set():
            key = f"w{w}-{i}"
            try:
                r = d.post("/v1/projects/parking/updates",
                           {"value": i, "id": key}, timeout=5)
            except Exception:  # noqa: BLE001 - the daemon is gone
                return
            if r.status == 201:
                with lock:
                    acked.append(key)
            i += 1

    ts = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    for t in ts:
        t.start()
    wait_for(lambda: len(acked) >= 50, 20, msg="50 acknowledged updates")
    d.kill9()
    stop.set()
    for t in ts:
        t.join(10)
    d.start()
    ids = {u["id"] for u in d.updates("parking", limit=1000)}
    with lock:
        missing = [k for k in acked if k not in ids]
        n = len(acked)
    assert not missing, f"{len(missing)} of {n} acknowledged updates lost " \
        f"after kill -9: {missing[:10]}"
    # Retrying every acknowledged key stores nothing new (200, not 201).
    for k in list(acked)[:5]:
        w, i = k[1:].split("-")
        r = d.post("/v1/projects/parking/updates", {"value": int(i), "id": k})
        assert r.status == 200, f"retry of {k} after restart: {r}"


def test_pending_delivery_resumes_after_kill9():
    rx = Receiver(default=503)
    d = Daemon(channels=[rx.channel("ops")])
    d.create(project("parking", start=-50, due=50))
    d.create(project("demolition", baseline=495, target=0, start=-50,
                     due=50))
    rx.wait_hook("project.behind", "parking")
    rx.wait_hook("project.behind", "demolition")
    evs = d.events()
    assert len(evs) == 2 and all(
        x["state"] == "pending" for e in evs for x in e["deliveries"]), evs
    ids = sorted(e["id"] for e in evs)
    d.kill9()
    rx.default = 200
    t0 = time.time()
    d.start()

    def delivered():
        ok = {h.id for h in rx.all() if h.answered == 200}
        return ok >= set(ids)
    wait_for(delivered, 45, interval=0.2,
             msg=f"events {ids} delivered after restart; got {rx.all()}")
    time.sleep(3)  # any duplicate would come now
    ok = [h for h in rx.all() if h.answered == 200]
    per_id = {i: sum(1 for h in ok if h.id == i) for i in ids}
    assert all(n == 1 for n in per_id.values()), \
        f"deliveries answered 200 per event id: {per_id}"
    for h in ok:
        assert h.received >= t0
        assert_event_hook(h, "project.behind", h.json["project"]["id"],
                          previous=None)
    rx.assert_all_signed()
    # No new events were made by the restart itself.
    evs = wait_for(lambda: (e := d.events()) and all(
        x["state"] == "sent" for ev in e for x in ev["deliveries"]) and e,
        5, msg="deliveries marked sent")
    assert sorted(e["id"] for e in evs) == ids
test_pending_delivery_resumes_after_kill9.timeout = 120


def test_delivery_in_flight_at_kill9_is_sent_after_restart():
    rx = Receiver()
    rx.delay = 30  # the daemon dies while waiting for the answer
    d = Daemon(channels=[rx.channel("ops")])
    d.create(project("parking", start=-50, due=50))
    first = rx.wait_hook("project.behind", "parking")
    d.kill9()
    rx.delay = 0
    d.start()
    again = wait_for(lambda: [h for h in rx.all()[1:] if h.id == first.id],
                     45, interval=0.2, msg="redelivery after restart")[0]
    assert_event_hook(again, "project.behind", "parking", previous=None)
    wait_for(lambda: all(x["state"] == "sent" for e in d.events()
                         for x in e["deliveries"]), 5, msg="marked sent")
    assert len(d.events()) == 1
test_delivery_in_flight_at_kill9_is_sent_after_restart.timeout = 90


def test_update_acked_then_kill9_keeps_its_event(d, rx):
    # The event is committed with the update that caused it: kill -9
    # right after the 201 cannot lose it.
    rx.default = 503
    d.create(project("parking", start=-50, due=50))
    rx.wait_hook("project.behind", "parking")
    r = d.post("/v1/projects/parking/updates", {"value": 200})
    assert r.status == 201
    d.kill9()
    rx.default = 200
    d.start()
    h = rx.wait_hook("project.recovered", "parking", timeout=45)
    assert_event_hook(h, "project.recovered", "parking", previous="behind")
test_update_acked_then_kill9_keeps_its_event.timeout = 90


def test_restart_keeps_everything_and_makes_no_new_events(d, rx):
    d.create(project("parking", start=-50, due=50, tags=["亚运"]))
    d.create(project("ok", start=-1, due=300))
    d.update("parking", {"value": 20, "id": "a"})
    rx.wait_hook("project.behind", "parking")
    wait_for(lambda: all(x["state"] == "sent" for e in d.events()
                         for x in e["deliveries"]), 5, msg="sent")
    before_p = {p["id"]: p for p in d.projects()}
    before_e = d.events()
    before_u = d.updates("parking")
    assert d.stop() == 0
    d.start()
    time.sleep(1)
    after_p = {p["id"]: p for p in d.projects()}
    assert set(after_p) == set(before_p)
    for pid, p in before_p.items():
        q = after_p[pid]
        for k in ("title", "target", "start", "due", "tags", "current",
                  "updated_at", "status", "status_since", "stale"):
            assert q.get(k) == p.get(k), f"{pid}.{k}: {p.get(k)!r} -> " \
                f"{q.get(k)!r} across a restart"
    assert d.updates("parking") == before_u
    after_e = d.events()
    assert [e["id"] for e in after_e] == [e["id"] for e in before_e], \
        "a restart made or lost events"
    assert len(rx.all()) == 1, f"re-sent after restart: {rx.all()}"


def test_archived_project_stays_archived_after_restart(d):
    d.create(project("gone"))
    assert d.delete("/v1/projects/gone").status == 204
    d.kill9()
    d.start()
    assert d.get("/v1/projects/gone").status == 404
    assert d.projects() == []


def test_sigterm_with_open_connections(d):
    d.create(project("parking"))
    c = d.connect(timeout=10)
    body = b'{"value": 5, "id": "drain"}'
    c.send(b"POST /v1/projects/parking/updates HTTP/1.1\r\nHost: x\r\n"
           b"Content-Type: application/json\r\n"
           b"Content-Length: %d\r\n\r\n" % len(body) + body)
    r = c.read_response()
    assert r.status == 201, r
    # The keep-alive connection is idle now; another is half way through a
    # request head. SIGTERM must not wait for the idle timeout.
    half = d.connect(timeout=10)
    half.send(b"GET /healthz HTTP/1.1\r\n")
    time.sleep(0.2)
    t0 = time.monotonic()
    rc = d.stop(timeout=8)
    assert rc == 0, f"exit status {rc}"
    assert time.monotonic() - t0 < 8
    assert c.is_closed(2), "idle connection not closed at shutdown"
    d.start()
    assert [u["id"] for u in d.updates("parking")] == ["drain"]


def test_sigterm_lets_a_delivery_under_way_finish():
    """A stop waits (boundedly) for a delivery already sent to get its
    answer, records it as sent, and so never sends it twice."""
    rx = Receiver()
    rx.delay = 2.0  # the receiver takes 2 s to answer
    d = Daemon(channels=[rx.channel("ops")])
    d.create(project("parking", start=-50, due=50))
    wait_for(lambda: rx.all(), 10, msg="the webhook was not sent")
    t0 = time.monotonic()
    rc = d.stop(timeout=12)
    took = time.monotonic() - t0
    assert rc == 0, f"exit status {rc}"
    assert 1.0 <= took < 11, f"stopped after {took:.1f} s"
    rx.delay = 0
    d.start()
    [e] = d.events(project="parking")
    assert [x["state"] for x in e["deliveries"]] == ["sent"], e
    time.sleep(1.5)
    assert len(rx.all()) == 1, f"sent again after the restart: {rx.all()}"
    assert "waiting for 1 deliveries under way" in d.stderr()
