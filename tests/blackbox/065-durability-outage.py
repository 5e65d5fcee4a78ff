"""065-durability-outage: what paced does while something it depends on is
away. A receiver that is down for a minute (refusing connections,
then answering 503, then too slow to answer within the channel's timeout)
gets every event once it is back, in order per project. A full disk turns
writes into 503 with a clear error and /readyz into 503, never a crash,
and writes work again once there is room."""

import os
import re
import shutil
import subprocess
import threading
import time

from harness import (Daemon, Receiver, assert_error, chattr, make_tmpdir,
                     not_under_valgrind, on_cleanup, project, wait_for)

PHASE = 20  # seconds of each kind of outage: a minute in all


def _reopen(rx):
    """Listens again on rx's old port (closed by rx.close())."""
    rx.server = type(rx.server)(("127.0.0.1", rx.port),
                                rx.server.RequestHandlerClass)
    rx.server.daemon_threads = True
    rx.thread = threading.Thread(target=rx.server.serve_forever,
                                 kwargs={"poll_interval": 0.1}, daemon=True)
    rx.thread.start()


def test_receiver_down_for_a_minute_gets_every_event_in_order():
    rx = Receiver()
    d = Daemon(channels=[rx.channel("ops", timeout="2s")])
    rx.close()  # phase 1: connection refused
    t0 = time.monotonic()
    pids = ("a", "b", "c", "d")
    for pid in pids[:3]:
        d.create(project(pid))  # behind at once
    time.sleep(3)
    d.update("a", {"value": 200})  # a: recovered
    time.sleep(PHASE - 3)
    rx.default = 503  # phase 2: up but failing
    _reopen(rx)
    d.update("b", {"value": 200})  # b: recovered
    d.update("a", {"value": 0})    # a: behind again
    time.sleep(PHASE)
    with rx.lock:  # phase 3: answers after the channel's 2 s timeout
        rx.default = 200
        rx.delay = 3
    d.update("c", {"value": 200})
    # A project with nothing pending is tried at once: into the timeout.
    d.create(project("d"))
    time.sleep(PHASE)
    with rx.lock:  # back
        rx.delay = 0
        back = time.time()
    outage = time.monotonic() - t0
    assert outage >= 60, outage
    assert d.get("/healthz").status == 200

    evs = d.events()
    ids = {e["id"] for e in evs}
    # a: behind, recovered, behind; b and c: behind, recovered; d: behind.
    assert len(ids) == 8, [(e["project"]["id"], e["type"]) for e in evs]

    def delivered():
        got = {h.id for h in rx.all() if h.received >= back}
        return ids <= got
    wait_for(delivered, 100, interval=0.5,
             msg="every event delivered after the outage")
    wait_for(lambda: all(x["state"] == "sent" for e in d.events()
                         for x in e["deliveries"]), 10, msg="marked sent")
    # In order per project: the first successful delivery of each event
    # comes in the order the events were made.
    first = {}
    for h in rx.all():
        if h.received >= back and h.id not in first:
            first[h.id] = h.received
    for pid in pids:
        made = [e["id"] for e in sorted(evs, key=lambda e: e["id"])
                if e["project"]["id"] == pid]
        seen = sorted(made, key=lambda i: first[i])
        assert seen == made, f"{pid}: delivered {seen}, made {made}"
    # Before it came back the receiver saw every kind of failure.
    answered = {h.answered for h in rx.all() if h.received < back}
    assert 503 in answered, answered
    # ... and paced logged each: refused, 503 and timed out.
    failures = d.stderr()
    for kind in (r"Couldn't connect", r"HTTP 503", r"[Tt]ime(d )?out"):
        assert re.search(r"failed \([^)]*" + kind, failures), \
            f"no delivery failure matching {kind!r} logged"
    rx.assert_all_signed()


test_receiver_down_for_a_minute_gets_every_event_in_order.timeout = 180


def _small_fs(size="4m"):
    """A tmpfs of `size` mounted in a temporary directory, or None when
    this system does not let us mount (not root, no CAP_SYS_ADMIN)."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        return None
    mnt = os.path.join(make_tmpdir(), "fs")
    os.mkdir(mnt)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}",
                        "tmpfs", mnt], capture_output=True)
    if r.returncode != 0:
        return None

    def umount(failed):
        subprocess.run(["umount", "-l", mnt], capture_output=True)
    on_cleanup(umount)
    return mnt


def _fill(path):
    with open(path, "wb") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError:
            pass


def test_full_disk_is_503_and_not_ready_until_there_is_room():
    mnt = _small_fs()
    if mnt is None:
        print("065: SKIPPED: cannot mount a tmpfs here")
        return
    d = Daemon(storage={"path": os.path.join(mnt, "paced.db")})
    d.create(project("a"))
    for i in range(5):
        assert d.update("a", {"value": i, "id": f"before-{i}"})
    assert d.get("/readyz").status == 200
    filler = os.path.join(mnt, "filler")
    _fill(filler)
    refused = None
    for i in range(500):
        r = d.post("/v1/projects/a/updates",
                   {"value": 10 + i, "note": "泊" * 300, "id": f"full-{i}"})
        if r.status != 201:
            refused = (i, r)
            break
    assert refused, "500 updates stored on a full disk"
    i, r = refused
    assert_error(r, 503, "storage_full")
    assert "full" in r.json["error"]["message"], r
    assert r.headers.get("retry-after"), r.headers
    # Not ready, but alive, readable and consistent.
    r = d.get("/readyz")
    assert_error(r, 503, "unavailable")
    assert "full" in r.json["error"]["message"], r
    assert d.get("/healthz").status == 200
    p = d.project("a")
    assert p["current"] == (10 + i - 1 if i else 4), p
    r = d.post("/v1/projects/a/updates", {"value": 1, "note": "泊" * 300})
    assert r.status in (201, 503), r
    assert d.running()
    # Room again: ready, and writes work.
    os.unlink(filler)
    wait_for(lambda: d.get("/readyz").status == 200, 10,
             msg="readyz 200 once there is room")
    r = d.post("/v1/projects/a/updates", {"value": 300, "id": "after"})
    assert r.status == 201, r
    d.restart()
    ids = {u["id"] for u in d.updates("a", limit=1000)}
    assert {"after", "before-0", "before-4"} <= ids, ids
    assert f"full-{i}" not in ids


test_full_disk_is_503_and_not_ready_until_there_is_room.timeout = 60


def test_read_only_database_file_is_503_until_writable():
    # Root ignores file modes, so the file is made immutable instead; what
    # SQLite sees is the same: it can open the file only for reading.
    d = Daemon()
    d.create(project("a"))
    d.update("a", {"value": 7})
    d.stop()
    if not chattr("+i", d.db):
        print("065: SKIPPED: chattr +i not possible here")
        return
    on_cleanup(lambda failed: chattr("-i", d.db))
    d.start()
    r = d.post("/v1/projects/a/updates", {"value": 8, "id": "ro"})
    assert_error(r, 503, "storage_read_only")
    assert "read-only" in r.json["error"]["message"], r
    assert r.headers.get("retry-after"), r.headers
    r = d.get("/readyz")
    assert_error(r, 503, "unavailable")
    assert "read-only" in r.json["error"]["message"], r
    assert d.project("a")["current"] == 7  # reads still work
    assert d.get("/healthz").status == 200
    assert chattr("-i", d.db)
    wait_for(lambda: d.get("/readyz").status == 200, 10,
             msg="readyz 200 once the file is writable")
    r = d.post("/v1/projects/a/updates", {"value": 9, "id": "rw"})
    assert r.status == 201, r
    d.restart()
    ids = {u["id"] for u in d.updates("a")}
    assert "rw" in ids and "ro" not in ids, ids


def _delivery(d, pid):
    evs = d.events(project=pid)
    return evs[-1]["deliveries"][0] if evs and evs[-1]["deliveries"] else None


@not_under_valgrind("preloads its own write() into paced")
def test_full_disk_after_a_send_does_not_send_it_again():
    # The outcome of a delivery cannot be stored: the outbox still says
    # "pending, due". It went out once; it must not go out again (before
    # the fix, 33 475 copies of one event in 20 s), and once there is
    # room the outcome is stored.
    rx = Receiver()
    d = Daemon(channels=[rx.channel("ops")], start=False)
    full = os.path.join(d.tmp, "full")
    d.start_preloaded("diskfull.c", {"PACED_DISK_FULL": full})
    with rx.lock:
        rx.delay = 2  # the answer comes after the disk has filled
    d.create(project("a"))
    rx.wait_hook("project.behind", "a")
    open(full, "w").close()
    with rx.lock:
        rx.delay = 0
    time.sleep(6)  # past the first backoff, had the attempt failed
    got = len(rx.all())
    assert got == 1, f"{got} requests for one event on a full disk"
    assert d.running()
    os.unlink(full)
    wait_for(lambda: (x := _delivery(d, "a")) and x["state"] == "sent", 90,
             msg="the outcome stored once there is room")
    time.sleep(1)
    assert len(rx.all()) == 1, rx.all()
    assert _delivery(d, "a")["attempts"] == 1


test_full_disk_after_a_send_does_not_send_it_again.timeout = 120
