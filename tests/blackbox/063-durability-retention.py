"""063-durability-retention: [storage] keep_updates deletes old updates at
start-up, but never a project's latest one nor any within the forecast
window; 0 (the default) keeps everything."""

from harness import (DAY, Daemon, iso, now, parse_when, project,
                     run_paced)


def _ats(d, pid):
    """The age in days of each stored update of pid, youngest first."""
    return sorted(round((now() - parse_when(u["at"])) / DAY)
                  for u in d.updates(pid, limit=1000))


def test_keep_updates_prunes_at_start_up():
    d = Daemon()
    t = now()
    d.create(project("roads", start=-200, due=100))
    d.create(project("quiet", start=-200, due=100))
    for days, v in ((150, 10), (120, 20), (80, 30), (40, 40), (20, 50)):
        d.update("roads", {"value": v, "at": iso(t - days * DAY)})
    for days, v in ((150, 5), (100, 7)):
        d.update("quiet", {"value": v, "at": iso(t - days * DAY)})
    # Default 0: a restart keeps everything.
    d.restart()
    assert _ats(d, "roads") == [20, 40, 80, 120, 150]
    assert _ats(d, "quiet") == [100, 150]

    d.write_config(storage={"keep_updates": "60d"})
    d.restart()
    assert _ats(d, "roads") == [20, 40], "older than 60 days are deleted"
    assert _ats(d, "quiet") == [100], "the latest update is always kept"
    assert d.project("roads")["current"] == 50
    assert d.project("quiet")["current"] == 7
    assert "deleted 4 updates" in d.stderr(), d.stderr()

    # 30 days is the floor: the forecast window is never pruned.
    d.write_config(storage={"keep_updates": "30d"})
    d.restart()
    assert _ats(d, "roads") == [20], "40 days old goes at 30d"
    assert d.project("roads")["current"] == 50


def test_keep_updates_bounds(d):
    for value, ok in (("5y", True), ("0", True), ("30d", True),
                      ("2s", False), ("29d", False), ("101y", False)):
        d.write_config(storage={"keep_updates": value})
        r = run_paced(["check-config", "-c", d.conf_path])
        assert (r.returncode == 0) == ok, (value, r.stdout, r.stderr)
        if not ok:
            assert "keep_updates" in r.stderr and "paced.conf:" in r.stderr
