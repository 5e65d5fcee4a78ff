"""061-durability-edges: numbers kept exactly across restarts, a locked
database answered with 503 (never a misleading 4xx), a hostile Retry-After,
and staleness counted from when reports arrive."""

import re
import sqlite3
import time

from harness import (DAY, Daemon, Receiver, assert_error, iso,
                     not_under_valgrind, now, parse_when, project, wait_for)


def test_decimals_survive_a_restart_exactly(d):
    # Numbers that need all of a double's digits must come back as given,
    # also after a restart re-reads the stored definition.
    body = project("precise", baseline=0.12345678901, target=0.12345678902)
    body2 = project("big", target=12345678901.5)
    d.create(body)
    d.create(body2)
    d.restart()
    p = d.project("precise")
    assert p["baseline"] == 0.12345678901, p["baseline"]
    assert p["target"] == 0.12345678902, p["target"]
    assert d.project("big")["target"] == 12345678901.5


def test_declared_decimal_project_is_not_redefined_on_restart():
    d = Daemon(projects={"precise": {
        "title": "精确", "target": "350.123456789012",
        "start": "2022-01-01", "due": "2022-12-31"}})
    for _ in range(2):
        d.restart()
    con = sqlite3.connect(d.db)
    (n,) = con.execute("SELECT count(*) FROM project_revisions "
                       "WHERE project_id = 'precise'").fetchone()
    con.close()
    assert n == 1, f"{n} revisions after restarts of an unchanged config"


def test_locked_database_is_503_not_a_conflict(d):
    d.create(project("keeper"))
    con = sqlite3.connect(d.db, timeout=1, isolation_level=None)
    con.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    try:
        t0 = time.monotonic()
        r = d.post("/v1/projects", project("fresh"))
        assert_error(r, 503, "unavailable")
        assert r.headers.get("retry-after"), r.headers
        assert time.monotonic() - t0 < 3, "the loop waited on the lock"
        assert_error(d.post("/v1/projects/keeper/updates", {"value": 5}),
                     503, "unavailable")
        assert d.get("/healthz").status == 200
    finally:
        con.execute("ROLLBACK")
        con.close()
    # Nothing of the refused writes was stored; writes work again.
    assert d.get("/v1/projects/fresh").status == 404
    assert d.project("keeper")["current"] == 0
    assert d.post("/v1/projects", project("fresh")).status == 201


def test_huge_retry_after_makes_the_delivery_dead_not_a_loop():
    rx = Receiver()
    rx.default = (503, {"Retry-After": "9223372036854775"}, b"")
    d = Daemon(channels=[rx.channel("ops")])
    d.create(project("parking"))
    rx.wait_hook("project.behind", "parking")

    def delivery():
        ds = d.events(project="parking")[0]["deliveries"]
        return ds[0] if ds and ds[0]["state"] != "pending" else None
    dl = wait_for(delivery, 5, msg="delivery settled")
    assert dl["state"] == "dead", dl
    time.sleep(1)
    assert len(rx.all()) == 1, f"{len(rx.all())} attempts"


def test_stale_counts_from_arrival_not_from_the_reported_date(d):
    t = now()
    d.create(project("monthly", start=-60, due=40, report_every="7d",
                     grace="1d"))
    assert d.project("monthly")["stale"] is True  # 60 days without a report
    # A report filed now but dated three weeks ago is still a report.
    p = d.update("monthly", {"value": 100, "at": iso(t - 21 * DAY)})
    assert p["project"]["stale"] is False, p["project"]


def test_tiny_reminder_interval_is_refused(d):
    r = d.post("/v1/projects", project("flood", repeat_every="1ms"))
    assert_error(r, 422, "invalid_value", "repeat_every")
    r = d.post("/v1/projects", project("flood", report_every="10ms"))
    assert_error(r, 422, "invalid_value", "report_every")
    assert d.post("/v1/projects", project("flood", repeat_every="0")) \
        .status == 201


def test_starts_while_the_database_is_locked_and_catches_up(d):
    # A project behind with nothing recorded yet about it at start-up.
    d.create(project("late", start=-50, due=50))
    d.stop()
    con = sqlite3.connect(d.db, isolation_level=None)
    con.execute("DELETE FROM deliveries")
    con.execute("DELETE FROM events")
    con.execute("UPDATE projects SET status = 'on_track'")
    con.execute("BEGIN IMMEDIATE")
    try:
        d.start()
        assert d.get("/healthz").status == 200
        assert d.get("/readyz").status == 503
    finally:
        con.execute("ROLLBACK")
        con.close()
    # Once the lock is gone the change is recorded, within the retry.
    wait_for(lambda: [e["type"] for e in d.events(project="late")] ==
             ["project.behind"], 15, msg="behind recorded after the lock")
    assert d.get("/readyz").status == 200
test_starts_while_the_database_is_locked_and_catches_up.timeout = 60


@not_under_valgrind("needs 100 projects created within the 3 s before "
                    "their due instant, to turn overdue at it")
def test_many_projects_due_at_one_instant_all_turn_overdue(d):
    t = int(now()) + 3
    for i in range(100):
        body = project(f"annual-{i}", start=-50)
        body["due"] = iso(t)
        d.create(body)
    wait_for(lambda: len(d.events(type="overdue", limit=1000)) == 100, 15,
             msg="100 overdue events")
    for e in d.events(type="overdue", limit=1000):
        assert abs(parse_when(e["at"]) - t) <= 2, e["at"]


def _current_view(p):
    return p["current"], p["updated_at"], p["stale"]


def test_current_value_and_last_report_come_back_after_restart(d):
    # The project row keeps the current value (latest by `at`, not by
    # arrival) and when the last report arrived; a restart reads them from
    # there (migration 0004) and must show what it showed before.
    t = now()
    d.create(project("monthly", start=-60, due=40, report_every="7d",
                     grace="1d"))
    d.update("monthly", {"value": 120, "at": iso(t - 2 * DAY)})
    # Filed now, dated three weeks ago: not the current value, but a report.
    d.update("monthly", {"value": 80, "at": iso(t - 21 * DAY)})
    before = _current_view(d.project("monthly"))
    assert before[0] == 120 and before[2] is False, before
    d.restart()
    assert _current_view(d.project("monthly")) == before
    d.create(project("silent"))
    d.restart()
    p = d.project("silent")
    assert (p["current"], p["updated_at"]) == (0, None), p


def _undo_migration_0006(db):
    db.execute("DROP TABLE updates_idx")
    db.execute("DROP TABLE index_mark")
    db.execute("CREATE INDEX updates_project_at_value "
               "ON updates(project_id, at, seq, value)")


def _history(d, pid):
    return [(u["seq"], u["value"], u["at"]) for u in d.updates(pid, limit=500)]


def test_migration_0006_builds_the_updates_index(d):
    # A database from before 0006 has its updates found through an SQLite
    # index; the migration makes updates_idx from it, and every history
    # reads as before.
    t = now()
    for pid in ("a", "b"):
        d.create(project(pid, start=-60, due=40))
    for i in range(30):
        d.update("a" if i % 3 else "b",
                 {"value": i, "at": iso(t - (40 - i) * DAY)})
    before = {pid: _history(d, pid) for pid in ("a", "b")}
    assert len(before["a"]) == 20 and len(before["b"]) == 10, before
    d.stop()
    db = sqlite3.connect(d.db)
    _undo_migration_0006(db)
    db.execute("PRAGMA user_version = 5")
    db.commit()
    db.close()
    d.start()
    assert "0006_updates_index.sql" in d.stderr()
    assert {pid: _history(d, pid) for pid in ("a", "b")} == before
    db = sqlite3.connect(d.db)
    try:
        assert db.execute("SELECT count(*) FROM updates_idx").fetchone() \
            == (30,)
        assert db.execute("SELECT name FROM sqlite_master WHERE name = "
                          "'updates_project_at_value'").fetchall() == []
    finally:
        db.close()


def test_updates_held_for_the_index_come_back_after_a_kill(d):
    # The entries of the last second's updates are in memory only: a 201
    # has shown the update in its history at once, and after kill -9 the
    # restart holds those updates again from the stored rows.
    t = now()
    d.create(project("k", start=-60, due=40))
    for i in range(25):
        d.update("k", {"value": i, "at": iso(t - (30 - i) * DAY)})
        assert _history(d, "k")[0][1] == i
    before = _history(d, "k")
    assert len(before) == 25
    # A project's first update is held at least until the next commit, so
    # this one certainly is when the kill comes.
    d.create(project("k2", start=-60, due=40))
    d.update("k2", {"value": 7})
    d.kill9()
    db = sqlite3.connect(d.db)
    try:
        held = db.execute("SELECT count(*) FROM updates WHERE seq > "
                          "(SELECT seq FROM index_mark)").fetchone()[0]
    finally:
        db.close()
    assert held > 0, "nothing was held in memory: the test shows nothing"
    d.start()
    assert f"{held} updates after seq" in d.stderr()
    assert _history(d, "k") == before
    assert [u[1] for u in _history(d, "k2")] == [7]


def _index_held(d):
    r = d.get("/metrics")
    assert r.status == 200, r
    m = re.search(r"^paced_updates_index_held (\d+)$", r.body.decode(),
                  re.M)
    assert m, "no paced_updates_index_held in /metrics"
    return int(m.group(1))


def test_index_entries_are_held_then_written(d):
    # An update's updates_idx entry is held in memory first and written
    # with a commit a second or more later (one of its own when writes
    # have paused): /metrics shows how many wait.
    # One update to each of five projects: the last one's entry is
    # certainly held when /metrics is read, however slow the machine.
    for i in range(6):
        d.create(project(f"h{i}"))
    for i in range(5):
        d.update(f"h{i}", {"value": i})
    assert _index_held(d) >= 1
    time.sleep(1.3)
    d.update("h5", {"value": 5})  # its commit writes the older entries
    assert _index_held(d) <= 1
    # Then writes pause with an entry still too young for the commit of
    # the projects rows' batch a second after h5's update: a commit of
    # nothing a second later writes it.
    time.sleep(0.5)
    d.update("h0", {"value": 10})
    wait_for(lambda: _index_held(d) == 0, timeout=10,
             msg="the last entry written once writes paused")
    for i in range(6):
        assert [u["value"] for u in d.updates(f"h{i}")][-1] == i


def test_migration_0004_fills_the_current_value_of_existing_projects(d):
    t = now()
    d.create(project("a", start=-60, due=40, report_every="7d", grace="1d"))
    d.create(project("b"))
    d.update("a", {"value": 50, "at": iso(t - 3 * DAY)})
    d.update("a", {"value": 40, "at": iso(t - 30 * DAY)})
    before = _current_view(d.project("a"))
    d.stop()
    # The database as the binary before migration 0004 left it.
    db = sqlite3.connect(d.db)
    for col in ("current", "current_at", "last_received_at"):
        db.execute(f"ALTER TABLE projects DROP COLUMN {col}")
    db.execute("DROP TABLE state_mark")  # migration 0005's
    _undo_migration_0006(db)
    db.execute("PRAGMA user_version = 3")
    db.commit()
    db.close()
    d.start()
    assert "0004_projects_current.sql" in d.stderr()
    assert _current_view(d.project("a")) == before
    assert d.project("b")["current"] == 0


def test_restart_loads_many_projects_and_skips_a_broken_definition(d):
    # Start-up parses the stored definitions in batches on a second
    # thread: more projects than a batch, one whose stored definition no
    # longer passes the checks and one that is not JSON, all come back
    # as they were, in order, except those two, which are logged and
    # kept in the database.
    d.create(project("seed", tags=["民生实事"], unit="个"))
    d.update("seed", {"value": 7})
    seed = d.project("seed")
    d.stop()
    con = sqlite3.connect(d.db)
    cols = [r[1] for r in con.execute("PRAGMA table_info(projects)")]
    pick = ", ".join("?" if c == "id" else c for c in cols)
    ids = [f"p{i:04d}" for i in range(1300)]
    con.executemany(f"INSERT INTO projects ({', '.join(cols)}) "
                    f"SELECT {pick} FROM projects WHERE id = 'seed'",
                    [(i,) for i in ids])
    con.execute("UPDATE projects SET definition = json_set(definition, "
                "'$.target', 0) WHERE id = 'p0600'")
    con.execute("UPDATE projects SET definition = '{\"title\": ' "
                "WHERE id = 'p1299'")
    con.commit()
    con.close()
    d.start()
    got = [p["id"] for p in d.projects()]
    want = sorted(set(ids + ["seed"]) - {"p0600", "p1299"})
    assert got == want, (len(got), len(want))
    again = d.project("p1234")
    for key in ("title", "unit", "tags", "target", "current", "status"):
        assert again[key] == seed[key], (key, again[key], seed[key])
    assert d.projects(tag="民生实事")[0]["id"] == "p0000"
    assert d.get("/v1/projects/p0600").status == 404
    log = d.stderr()
    assert "project p0600: stored definition no longer valid" in log, log
    assert "project p1299: stored definition no longer valid" in log, log
    con = sqlite3.connect(d.db)
    (n,) = con.execute("SELECT count(*) FROM projects WHERE id IN "
                       "('p0600', 'p1299')").fetchone()
    con.close()
    assert n == 2
