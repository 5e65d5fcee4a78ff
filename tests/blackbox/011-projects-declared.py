"""011-projects-declared: [project.*] sections of the config are projects,
listed and evaluated like any other, but read-only over the API."""

import datetime as dt

from harness import (DAY, Daemon, assert_close, assert_error,
                     assert_evaluated, expected_progress, local_day, now,
                     status_for)


def _year_bounds():
    y = dt.datetime.fromtimestamp(now(), dt.timezone(dt.timedelta(hours=8))) \
        .year
    return f"{y}-01-01", f"{y}-12-31"


def _declared():
    start, due = _year_bounds()
    t = now()
    return {
        "parking-2022": {
            "title": "新增公共停车泊位", "unit": "个", "baseline": 0,
            "target": 350, "start": start, "due": due, "tags": "亚运, 民生实事",
            "owner": "区建设局"},
        "schools-2022": {
            "title": "新开办中小学、幼儿园", "unit": "所", "target": 14,
            "start": local_day(t - 100 * DAY), "due": local_day(t + 100 * DAY),
            "curve": "milestones",
            "milestones": f"{local_day(t - 50 * DAY)} 2, "
                          f"{local_day(t + 50 * DAY)} 12",
            "at_risk": 0.02, "behind": 0.04},
    }


def test_declared_projects_are_listed_and_evaluated():
    decl = _declared()
    d = Daemon(projects=decl)
    ids = sorted(p["id"] for p in d.projects())
    assert ids == ["parking-2022", "schools-2022"], ids
    p = d.project("parking-2022")
    assert_evaluated(p)
    c = decl["parking-2022"]
    assert p["title"] == c["title"] and p["unit"] == "个"
    assert p["target"] == 350 and p["baseline"] == 0
    assert p["start"] == c["start"] and p["due"] == c["due"], \
        "start/due are returned in the form given"
    assert p["tags"] == ["亚运", "民生实事"], p["tags"]
    assert p["owner"] == "区建设局"
    # Expected progress from Jan 1 00:00 to Dec 31 24:00 (Asia/Shanghai).
    body = dict(c, tags=None)
    ep = expected_progress(body)
    assert_close(p["expected_progress"], ep, 1e-4, "expected_progress")
    # Keep away from the thresholds (hysteresis, clock skew).
    if min(abs(ep - 0.05), abs(ep - 0.10)) > 0.002:
        assert p["status"] == status_for(body, 0), \
            f"status {p['status']}, expected {status_for(body, 0)} at ep={ep}"
    assert [x["id"] for x in d.projects(tag="亚运")] == ["parking-2022"]

    s = d.project("schools-2022")
    assert s["curve"] == "milestones"
    assert [m["value"] for m in s["milestones"]] == [2, 12], s["milestones"]
    # Halfway between the milestones: 7 of 14.
    assert_close(s["expected"], 7, 0.1, "schools expected")
    th = s.get("thresholds") or {}
    assert th.get("at_risk") == 0.02 and th.get("behind") == 0.04, \
        f"thresholds from the config: {s.get('thresholds')}"


def test_declared_projects_are_read_only():
    d = Daemon(projects=_declared())
    before = d.project("parking-2022")
    r = d.put("/v1/projects/parking-2022", {
        "title": "改掉", "unit": "个", "target": 1, "start": "2022-01-01",
        "due": "2022-12-31"})
    e = assert_error(r, (403, 409))
    assert len(e["message"]) > 5, e
    assert_error(d.delete("/v1/projects/parking-2022"), (403, 409))
    assert_error(d.post("/v1/projects", {
        "id": "parking-2022", "title": "重复", "target": 5,
        "start": "2022-01-01", "due": "2022-12-31"}), (403, 409))
    after = d.project("parking-2022")
    assert after["title"] == before["title"] == "新增公共停车泊位"
    assert after["target"] == 350
    assert "parking-2022" in [p["id"] for p in d.projects()]


def test_declared_projects_accept_updates():
    d = Daemon(projects=_declared())
    r = d.update("parking-2022", {"value": 120, "note": "一季度"})
    assert r["project"]["current"] == 120
    assert d.project("parking-2022")["current"] == 120


def test_declared_projects_survive_restart_with_updates():
    d = Daemon(projects=_declared())
    d.update("schools-2022", {"value": 3})
    d.restart()
    p = d.project("schools-2022")
    assert p["current"] == 3, p
    assert sorted(x["id"] for x in d.projects()) == \
        ["parking-2022", "schools-2022"]


def test_declaring_an_api_project_adopts_it_and_says_so():
    from harness import project, wait_for
    d = Daemon()
    d.create(project("gamma"))
    d.update("gamma", {"value": 7})
    decl = {"gamma": {"title": "文件里的项目", "unit": "个", "target": 20,
                      "start": local_day(now() - 10 * DAY),
                      "due": local_day(now() + 10 * DAY)}}
    d.write_config(projects=decl)
    d.reload()
    wait_for(lambda: "configuration reloaded" in d.stderr(), 5,
             msg="reload logged")
    log = d.stderr()
    assert "project gamma was created through the API" in log, log
    assert f"{d.conf_path}:" in log.split("project gamma was created")[1]
    p = d.project("gamma")
    assert p["declared"] is True and p["title"] == "文件里的项目", p
    assert p["current"] == 7, p  # its history kept
