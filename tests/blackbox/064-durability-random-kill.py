"""064-durability-random-kill: writers post updates with idempotency keys
to several projects, flipping their status so events happen, while paced is
killed with SIGKILL at random moments and restarted, five times. Afterwards
every update that got a 201 is stored, every recorded event has been
delivered (at least once; a delivery under way at a kill may come twice,
which receivers undo by webhook-id), every delivery is marked sent, and
the database passes PRAGMA integrity_check."""

import random
import sqlite3
import threading
import time

from harness import Daemon, Receiver, project, wait_for

PROJECTS = ("p0", "p1", "p2", "p3")
ROUNDS = 5


def test_random_kill9_under_concurrent_writes():
    rng = random.Random()
    seed = rng.randrange(1 << 30)
    rng.seed(seed)
    print(f"064: seed {seed}")
    rx = Receiver()
    d = Daemon(channels=[rx.channel("ops")])
    for pid in PROJECTS:
        d.create(project(pid))
    acked, lock, stop = {}, threading.Lock(), threading.Event()

    def writer(w):
        i = 0
        while not stop.is_set():
            pid = PROJECTS[(w + i) % len(PROJECTS)]
            key = f"w{w}-{i}"
            # 0 is behind, 175 (half of 350 at mid-term) on track: the
            # status flips often, so events are made all the time.
            value = 0 if (i // len(PROJECTS)) % 2 else 175
            i += 1
            try:
                r = d.post(f"/v1/projects/{pid}/updates",
                           {"value": value, "id": key}, timeout=5)
            except OSError:  # paced is down: try the next one later
                time.sleep(0.05)
                continue
            if r.status in (200, 201):
                with lock:
                    acked[key] = pid
            time.sleep(0.01)

    ts = [threading.Thread(target=writer, args=(w,), daemon=True)
          for w in range(4)]
    for t in ts:
        t.start()
    try:
        for n in range(ROUNDS):
            time.sleep(rng.uniform(0.3, 2.0))
            d.kill9()
            time.sleep(rng.uniform(0.0, 0.3))
            d.start()
        time.sleep(1)
    finally:
        stop.set()
        for t in ts:
            t.join(10)
    assert len(acked) >= 100, f"only {len(acked)} updates acknowledged"

    def all_sent():
        evs = d.events(limit=1000)
        return evs and all(x["state"] == "sent" for e in evs
                           for x in e["deliveries"]) and evs
    evs = wait_for(all_sent, 60, interval=0.3,
                   msg="every delivery sent after the last restart")
    time.sleep(2)  # a late duplicate would come now
    d.stop()

    db = sqlite3.connect(d.db)
    try:
        assert db.execute("PRAGMA integrity_check").fetchall() == \
            [("ok",)], "integrity_check failed"
        stored = {(p, c) for p, c in db.execute(
            "SELECT project_id, client_id FROM updates "
            "WHERE client_id IS NOT NULL")}
        event_ids = {r[0] for r in db.execute("SELECT id FROM events")}
        states = db.execute(
            "SELECT state, count(*) FROM deliveries GROUP BY state"
        ).fetchall()
    finally:
        db.close()
    missing = [k for k, p in acked.items() if (p, k) not in stored]
    assert not missing, f"{len(missing)} of {len(acked)} acknowledged " \
        f"updates lost: {missing[:10]}"
    assert dict(states).keys() == {"sent"}, states
    assert len(evs) == len(event_ids) or len(evs) == 1000
    assert len(event_ids) >= ROUNDS, f"only {len(event_ids)} events"

    got = {}
    for h in rx.all():
        if h.answered == 200:
            got[h.id] = got.get(h.id, 0) + 1
    undelivered = sorted(event_ids - set(got))
    assert not undelivered, f"{len(undelivered)} events never delivered: " \
        f"{undelivered[:10]}"
    dups = sum(n - 1 for n in got.values())
    rx.assert_all_signed()
    print(f"064: {ROUNDS} kills, {len(acked)} updates acknowledged and "
          f"stored, {len(event_ids)} events all delivered, {dups} "
          f"duplicate deliveries (in flight at a kill)")


test_random_kill9_under_concurrent_writes.timeout = 150
