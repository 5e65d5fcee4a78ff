"""062-durability-backup: `paced backup` copies the database while paced
keeps serving writers; the copy is whole, holds every update acknowledged
before the backup started, and a paced started on it serves them."""

import os
import sqlite3
import threading
import time

from harness import (Daemon, HOUR, iso, not_under_valgrind, now, project,
                     run_paced, wait_for)


def _fill(d, pids, batches):
    """Bulk history (long notes) so the copy takes many backup steps."""
    t = now()
    for b in range(batches):
        d.post("/v1/updates", {"updates": [
            {"project": pids[i % len(pids)], "value": i % 300,
             "at": iso(t - 40 * HOUR + b * 60 + i), "note": "备" * 900}
            for i in range(400)]})


def _logical_size(path):
    """The database's size as a reader sees it, its WAL included: the main
    file alone lags by whatever the checkpoint has not yet copied."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        return pages * db.execute("PRAGMA page_size").fetchone()[0]
    finally:
        db.close()


@not_under_valgrind("copies 10 MB while 4 writers restart it: 40 s under "
                    "valgrind, past its 120 s bound on a busy machine")
def test_backup_under_concurrent_writes():
    d = Daemon(server={"max_body": "2m"})
    pids = [f"p{i}" for i in range(4)]
    for pid in pids:
        d.create(project(pid))
    _fill(d, pids, 8)
    size = _logical_size(d.db)
    assert size > 8 * 1024 * 1024, f"database too small to need steps: {size}"

    acked = []  # (client id, monotonic time of the 201)
    lock = threading.Lock()
    stop = threading.Event()
    errors = []

    def writer(pid):
        i = 0
        while not stop.is_set() and i < 2000:
            cid = f"{pid}-{i}"
            try:
                r = d.post(f"/v1/projects/{pid}/updates",
                           {"value": i % 350, "id": cid})
            except OSError as e:
                errors.append(repr(e))
                return
            if r.status == 201:
                with lock:
                    acked.append((pid, cid, time.monotonic()))
            else:
                errors.append(f"{cid}: {r}")
            i += 1

    threads = [threading.Thread(target=writer, args=(p,)) for p in pids]
    for th in threads:
        th.start()
    # Writers going: enough acknowledged to look for in the copy (a fixed
    # pause is too short when paced is slow, as under valgrind).
    wait_for(lambda: len(acked) > 10, 30, msg="10 writes acknowledged")
    copy = os.path.join(d.tmp, "copy.db")
    started = time.monotonic()
    r = run_paced(["backup", "-c", d.conf_path, copy], timeout=60)
    ended = time.monotonic()
    time.sleep(0.3)  # writers still going after the backup
    stop.set()
    for th in threads:
        th.join(30)
    assert r.returncode == 0, f"backup failed: {r.stdout}{r.stderr}"
    assert "integrity ok" in r.stdout, r.stdout
    print(f"    backup: {r.stdout.strip()} in {ended - started:.2f} s, "
          f"{size // 1024} KiB")
    assert not errors, errors[:5]
    before = [(p, c) for p, c, at in acked if at < started]
    during = [c for p, c, at in acked if started <= at <= ended]
    assert len(before) > 10, f"only {len(before)} updates before the backup"
    assert during, "no write was served while the backup ran"
    assert d.running() and d.get("/healthz").status == 200

    db = sqlite3.connect(copy)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        have = set(db.execute(
            "SELECT project_id, client_id FROM updates "
            "WHERE client_id IS NOT NULL"))
    finally:
        db.close()
    missing = [x for x in before if x not in have]
    assert not missing, f"{len(missing)} acknowledged updates missing, " \
        f"e.g. {missing[:3]}"

    # The copy is a database paced runs on.
    d.stop()
    e = Daemon(start=False, tmp=d.tmp)
    e.db = copy
    e.write_config(storage={"path": copy})
    e.start()
    assert sorted(p["id"] for p in e.projects()) == pids
    for pid in pids:
        ids = {u.get("id") for u in e.updates(pid, limit=1000)}
        mine = [c for p, c in before if p == pid][-500:]
        missing = [c for c in mine if c not in ids]
        assert not missing, f"{pid}: {missing[:3]} not served from the copy"


test_backup_under_concurrent_writes.timeout = 120


def test_backup_of_a_quiet_database(d):
    # The plain case, which make valgrind runs when it skips the one above.
    d.create(project("p0"))
    d.update("p0", {"value": 120, "id": "u1"})
    copy = os.path.join(d.tmp, "copy.db")
    r = run_paced(["backup", "-c", d.conf_path, copy])
    assert r.returncode == 0 and "integrity ok" in r.stdout, r
    db = sqlite3.connect(copy)
    try:
        assert db.execute("SELECT project_id, client_id FROM updates "
                          "WHERE client_id IS NOT NULL").fetchall() == \
            [("p0", "u1")]
    finally:
        db.close()


def test_backup_refuses_to_overwrite(d):
    target = os.path.join(d.tmp, "exists.db")
    with open(target, "w") as f:
        f.write("precious")
    r = run_paced(["backup", "-c", d.conf_path, target])
    assert r.returncode != 0, r
    assert "exists" in r.stderr, r.stderr
    with open(target) as f:
        assert f.read() == "precious"


def test_backup_usage_errors(d):
    assert run_paced(["backup", "-c", d.conf_path]).returncode == 2
    r = run_paced(["backup", "-c", os.path.join(d.tmp, "nope.conf"),
                   os.path.join(d.tmp, "x.db")])
    assert r.returncode == 1 and "nope.conf" in r.stderr, r
    assert not os.path.exists(os.path.join(d.tmp, "x.db"))
