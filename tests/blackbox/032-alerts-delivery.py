"""032-alerts-delivery: what the daemon does with the receiver's answer:
2xx sent, other 4xx dead at once, 5xx/429 retried with backoff."""

import time

from harness import (Daemon, Receiver, assert_event_hook, assert_utc,
                     project, wait_for)


def _delivery(d, pid, channel="ops"):
    evs = d.events(project=pid)
    if not evs:
        return None
    ds = [x for x in evs[-1]["deliveries"] if x["channel"] == channel]
    return ds[0] if ds else None


def test_receiver_400_is_dead_at_once(d, rx):
    rx.default = 400
    d.create(project("parking", start=-50, due=50))
    rx.wait_hook("project.behind", "parking")
    dl = wait_for(lambda: (x := _delivery(d, "parking")) and
                  x["state"] == "dead" and x, 5, msg="delivery dead")
    assert dl["attempts"] == 1, dl
    assert isinstance(dl["last_error"], str) and dl["last_error"], dl
    assert "400" in dl["last_error"], f"last_error {dl['last_error']!r}"
    assert dl["sent_at"] is None, dl
    time.sleep(7)  # longer than the first backoff
    assert len(rx.all()) == 1, f"a 400 was retried: {rx.all()}"


def test_receiver_503_then_200_is_retried():
    rx = Receiver()
    rx.script = [503]
    d = Daemon(channels=[rx.channel("ops")])
    d.create(project("parking", start=-50, due=50))
    first = rx.wait_hook("project.behind", "parking")
    assert first.answered == 503
    # Pending with the error recorded while it waits for the retry.
    dl = wait_for(lambda: (x := _delivery(d, "parking")) and
                  x["attempts"] >= 1 and x, 3, msg="first attempt recorded")
    assert dl["state"] == "pending", dl
    assert dl["last_error"] and "503" in dl["last_error"], dl
    second = rx.wait_hook("project.behind", "parking", n=2, timeout=35)
    delay = second.received - first.received
    assert delay >= 2.0, f"retried after {delay:.1f}s (backoff starts at 5s)"
    assert second.id == first.id, "a retry carries the same webhook-id"
    assert_event_hook(second, "project.behind", "parking", previous=None)
    dl = wait_for(lambda: (x := _delivery(d, "parking")) and
                  x["state"] == "sent" and x, 5, msg="delivery sent")
    assert dl["attempts"] == 2, dl
    assert_utc(dl["sent_at"], "sent_at")
    time.sleep(1)
    assert len(rx.all()) == 2, rx.all()
    rx.assert_all_signed()
test_receiver_503_then_200_is_retried.timeout = 60


def test_retry_after_is_honoured():
    rx = Receiver()
    rx.script = [(429, {"Retry-After": "12"}, b"slow down")]
    d = Daemon(channels=[rx.channel("ops")])
    d.create(project("parking", start=-50, due=50))
    first = rx.wait_hook("project.behind", "parking")
    second = rx.wait_hook("project.behind", "parking", n=2, timeout=45)
    delay = second.received - first.received
    assert delay >= 11.5, f"Retry-After: 12 but retried after {delay:.1f}s"
    wait_for(lambda: (x := _delivery(d, "parking")) and
             x["state"] == "sent", 5, msg="delivery sent")
test_retry_after_is_honoured.timeout = 60


def test_connection_refused_is_retried():
    rx = Receiver()
    url = rx.url
    rx.close()  # nothing listens there now
    d = Daemon(channels=[{"name": "ops", "type": "webhook", "url": url,
                          "secret": rx.secret}])
    d.create(project("parking", start=-50, due=50))
    dl = wait_for(lambda: (x := _delivery(d, "parking")) and
                  x["attempts"] >= 1 and x, 5, msg="an attempt")
    assert dl["state"] == "pending", dl
    assert dl["last_error"], dl
    assert d.get("/healthz").status == 200


def test_slow_receiver_does_not_block_api():
    # A receiver that takes its time must not stall the HTTP API.
    import threading
    gate = threading.Event()
    rx = Receiver()
    d = Daemon(channels=[rx.channel("ops")])
    orig = rx.server.RequestHandlerClass._handle

    def slow(self):
        gate.wait(8)
        return orig(self)
    rx.server.RequestHandlerClass.do_POST = slow
    try:
        d.create(project("parking", start=-50, due=50))
        t0 = time.monotonic()
        for i in range(5):
            d.update("parking", {"value": i})
            assert d.get("/healthz").status == 200
        assert time.monotonic() - t0 < 3, "API stalled behind a delivery"
    finally:
        gate.set()
    rx.wait_hook("project.behind", "parking")


def test_a_channel_gets_a_projects_events_in_order():
    # The behind event fails once and backs off; the recovery that follows
    # must wait for it, so the chat group never reads "recovered" before
    # "behind". Another project's event is not held up meanwhile.
    rx = Receiver()
    rx.script = [503]
    d = Daemon(channels=[rx.channel("ops")])
    d.create(project("parking", start=-50, due=50))
    first = rx.wait_hook("project.behind", "parking")
    assert first.answered == 503
    d.update("parking", {"value": 200})  # 200/350 > 0.5: on track again
    d.create(project("schools", target=14, start=-50, due=50))
    other = rx.wait_hook("project.behind", "schools", timeout=5)
    assert other.answered == 200
    rx.wait_hook("project.recovered", "parking", timeout=35)
    parking = [h.type for h in rx.all()
               if (h.json or {}).get("project", {}).get("id") == "parking"]
    assert parking == ["project.behind", "project.behind",
                       "project.recovered"], parking
    rx.assert_all_signed()
test_a_channel_gets_a_projects_events_in_order.timeout = 60
