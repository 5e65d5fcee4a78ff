"""068-durability-state-batches: each project row's current value, its
`at` and the last arrival are written in batches about once a second
(stateflush.c), not with every update. A kill -9 before the batch loses
nothing: start-up applies the updates stored after the last batch's mark
again, with the tracker's rule (the latest by `at`; a later arrival with
the same `at` wins). A clean stop writes the batch, so the next start has
nothing to apply."""

import re
import sqlite3

from harness import Daemon, iso, now, project, wait_for

DAY = 86400


def _view(p):
    return p["current"], p["updated_at"], p["stale"], p["status"]


def _applied(d):
    """How many updates the last start applied again (0: none)."""
    last = d.stderr().split("==== start #")[-1]
    m = re.findall(r"applied (\d+) updates stored after", last)
    return int(m[-1]) if m else 0


def test_kill9_before_the_batch_loses_no_current_value():
    d = Daemon()
    t = now()
    d.create(project("a", start=-60, due=40, report_every="7d", grace="1d"))
    d.create(project("b"))
    d.create(project("c"))
    d.stop()
    d.start()
    # Within one batch's second: a current value, a back-dated report
    # that is not the current one, two reports with the same `at` (the
    # later wins), a batch over two projects.
    d.update("a", {"value": 50, "at": iso(t - 3 * DAY)})
    d.update("a", {"value": 40, "at": iso(t - 30 * DAY)})
    d.update("b", {"value": 7, "at": iso(t - DAY)})
    d.update("b", {"value": 9, "at": iso(t - DAY)})
    r = d.post("/v1/updates", {"updates": [
        {"project": "c", "value": 3}, {"project": "c", "value": 4},
        {"project": "a", "delta": 5, "at": iso(t - 2 * DAY)}]})
    assert r.status == 201, r
    before = {k: _view(d.project(k)) for k in "abc"}
    assert before["a"][0] == 55 and before["b"][0] == 9, before
    assert before["c"][0] == 4, before
    d.kill9()
    # The rows still hold what they held before these updates.
    db = sqlite3.connect(d.db)
    rows = dict(db.execute("SELECT id, current FROM projects"))
    db.close()
    assert rows["b"] is None and rows["c"] is None, rows
    d.start()
    assert _applied(d) == 7
    assert {k: _view(d.project(k)) for k in "abc"} == before
    # A clean stop writes the batch: nothing to apply at the next start.
    d.stop()
    d.start()
    assert _applied(d) == 0
    assert {k: _view(d.project(k)) for k in "abc"} == before


def test_rows_follow_within_a_batch_while_paced_runs():
    d = Daemon()
    d.create(project("a"))
    d.update("a", {"value": 12})
    def row():
        db = sqlite3.connect(d.db)
        try:
            return db.execute("SELECT current FROM projects "
                              "WHERE id = 'a'").fetchone()[0]
        finally:
            db.close()
    wait_for(lambda: row() == 12)
    d.kill9()
    d.start()
    assert _applied(d) == 0
    assert d.project("a")["current"] == 12


def test_archived_before_its_batch_then_restored_survives_a_restart():
    # Archived before the batch wrote its row, restored after the batch
    # (which skipped it, but moved its mark past the update): the row
    # must not bring back the value from before the update.
    d = Daemon()
    d.put("/v1/projects/p", project("p"))
    d.update("p", {"value": 7})
    assert d.delete("/v1/projects/p").status == 204
    d.create(project("other"))
    d.update("other", {"value": 1})  # a batch after the archive
    wait_for(lambda: _row(d, "other") == 1, 5, msg="the batch written")
    r = d.put("/v1/projects/p", project("p"))
    assert r.status == 201 and r.json["current"] == 7, r
    before = _view(d.project("p"))
    for stop in (d.restart, lambda: (d.kill9(), d.start())):
        stop()
        assert _view(d.project("p")) == before, (before, d.project("p"))
        assert d.project("p")["updated_at"] is not None
    r = d.update("p", {"delta": 1})
    assert r["project"]["current"] == 8, r["project"]


def _row(d, pid):
    with sqlite3.connect(f"file:{d.db}?mode=ro", uri=True) as db:
        row = db.execute("SELECT current FROM projects WHERE id = ?",
                         (pid,)).fetchone()
    return row[0] if row else None
