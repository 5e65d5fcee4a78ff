"""010-projects-crud: create, read, list with filters, replace, archive."""

from harness import (DAY, assert_close, assert_error, assert_evaluated,
                     assert_utc, expected_progress, expected_value, iso,
                     local_day, now, project, status_for)


def test_create_returns_201_with_evaluation(d):
    body = project("parking-2022", start=-50, due=50, tags=["亚运"],
                   owner="区建设局")
    t0 = now()
    r = d.post("/v1/projects", body)
    t1 = now()
    assert r.status == 201, r
    p = r.json
    for k, v in body.items():
        assert p.get(k) == v, f"{k}: sent {v!r}, got {p.get(k)!r}"
    assert_evaluated(p)
    assert p["current"] == 0, p
    assert p["updated_at"] is None, p
    assert p["curve"] == "linear", f"default curve: {p.get('curve')!r}"
    # start = now - 50 d, due = now + 50 d: half the span has passed.
    ep = expected_progress(body, (t0 + t1) / 2)
    assert_close(p["expected_progress"], ep, 1e-3, "expected_progress")
    assert_close(p["expected"], expected_value(body, (t0 + t1) / 2), 0.5,
                 "expected")
    assert_close(p["progress"], 0.0, 1e-9, "progress")
    assert_close(p["gap"], ep, 1e-3, "gap")
    assert p["status"] == status_for(body, 0) == "behind", p["status"]
    since = assert_utc(p["status_since"], "status_since")
    assert since <= t1 + 2, f"status_since in the future: {p['status_since']}"
    assert p["stale"] is False, p
    # required rate: 350 in the 50 days left.
    assert_close(p["forecast"]["required_rate_per_day"], 350 / 50, 0.01,
                 "forecast.required_rate_per_day")


def test_create_duplicate_is_409(d):
    body = project("dup")
    d.create(body)
    other = dict(body, title="另一个")
    assert_error(d.post("/v1/projects", other), 409, "conflict")
    assert d.project("dup")["title"] == body["title"], "409 changed it"


def test_get_one(d):
    body = project("schools", title="新开办中小学、幼儿园", unit="所",
                   target=14, start=-10, due=90)
    d.create(body)
    r = d.get("/v1/projects/schools")
    assert r.status == 200, r
    assert r.headers.get("content-type", "").startswith("application/json")
    p = r.json
    assert p["id"] == "schools" and p["target"] == 14 and p["unit"] == "所"
    assert_evaluated(p)
    # 10 of 100 days passed: expected_progress 0.10 would be right at the
    # behind threshold; check the value, not the status.
    assert_close(p["expected_progress"], expected_progress(body), 1e-3,
                 "expected_progress")
    assert_error(d.get("/v1/projects/nosuch"), 404, "not_found")


def _ids(projects):
    return sorted(p["id"] for p in projects)


def test_list_with_filters(d):
    defs = [
        # behind (0 of 50%), tagged 亚运
        project("a-behind", start=-50, due=50, tags=["亚运"]),
        # on_track: 1 day of 365 passed, gap ~0.003, tagged 亚运 and 民生实事
        project("b-ontrack", start=-1, due=364, tags=["亚运", "民生实事"]),
        # not started
        project("c-future", start=10, due=100, tags=["民生实事"]),
        # stale: no report for 9 days with report_every 7d + grace 1d
        project("e-stale", start=-9, due=1000, report_every="7d",
                grace="1d"),
    ]
    for b in defs:
        d.create(b)
    allp = d.projects()
    assert _ids(allp) == _ids(defs), _ids(allp)
    for p in allp:
        assert_evaluated(p)
    assert {p["id"]: p["status"] for p in allp} == {
        "a-behind": "behind", "b-ontrack": "on_track",
        "c-future": "not_started", "e-stale": "on_track"}, \
        {p["id"]: p["status"] for p in allp}
    assert _ids(d.projects(status="behind")) == ["a-behind"]
    assert _ids(d.projects(status="not_started")) == ["c-future"]
    # The tag in the query is percent-encoded UTF-8.
    assert _ids(d.projects(tag="亚运")) == ["a-behind", "b-ontrack"]
    assert _ids(d.projects(tag="民生实事")) == ["b-ontrack", "c-future"]
    assert _ids(d.projects(tag="nosuchtag")) == []
    assert _ids(d.projects(stale="true")) == ["e-stale"]
    assert _ids(d.projects(stale="false")) == \
        ["a-behind", "b-ontrack", "c-future"]
    # Filters combine.
    assert _ids(d.projects(tag="亚运", status="on_track")) == ["b-ontrack"]
    # A bad filter value is refused rather than ignored.
    r = d.get("/v1/projects", params={"status": "sideways"})
    assert_error(r, (400, 422))


def test_put_creates_then_replaces(d):
    body = project("roads", start=-10, due=90)
    del body["id"]
    r = d.put("/v1/projects/roads", body)
    assert r.status == 201, r
    assert r.json["id"] == "roads"
    d.update("roads", {"value": 20})
    new = dict(body, title="道路整治", target=400, unit="条")
    r = d.put("/v1/projects/roads", new)
    assert r.status == 200, r
    p = r.json
    assert p["title"] == "道路整治" and p["target"] == 400 and \
        p["unit"] == "条", p
    assert_evaluated(p)
    # History is kept: the earlier update still counts.
    assert p["current"] == 20, f"current after replace: {p['current']}"
    assert len(d.updates("roads")) == 1
    g = d.project("roads")
    assert g["title"] == "道路整治" and g["target"] == 400
    assert_close(g["progress"], 20 / 400, 1e-9, "progress after replace")
    # Only one project, not two.
    assert _ids(d.projects()) == ["roads"]


def test_put_replace_drops_omitted_optional_fields(d):
    body = project("pp", start=-10, due=90, owner="区住建局", tags=["x"])
    del body["id"]
    assert d.put("/v1/projects/pp", body).status == 201
    less = {k: v for k, v in body.items() if k not in ("owner", "tags")}
    r = d.put("/v1/projects/pp", less)
    assert r.status == 200, r
    p = d.project("pp")
    assert p.get("owner") in (None, ""), f"PUT is a replace: owner {p}"
    assert p.get("tags") in (None, []), f"PUT is a replace: tags {p}"


def test_delete_archives(d):
    d.create(project("gone", tags=["亚运"]))
    d.create(project("stays"))
    d.update("gone", {"value": 5})
    r = d.delete("/v1/projects/gone")
    assert r.status == 204, r
    assert r.raw == b"", f"204 with a body: {r.raw!r}"
    assert_error(d.get("/v1/projects/gone"), 404, "not_found")
    assert _ids(d.projects()) == ["stays"]
    assert _ids(d.projects(tag="亚运")) == []
    assert _ids(d.projects(status="behind")) == ["stays"]
    assert_error(d.delete("/v1/projects/gone"), 404, "not_found")
    assert_error(d.post("/v1/projects/gone/updates", {"value": 1}), 404,
                 "not_found")
    m = d.get("/metrics")
    if m.status == 200:
        assert b'project="gone"' not in m.raw, "archived project in metrics"


def test_chinese_text_round_trip(d):
    title = "新增公共停车泊位（亚运保障）—— “一场两馆” 配套 ①"
    body = project("cn", title=title, unit="万平方米", owner="区住房和城乡建设局",
                   tags=["亚运", "民生实事", "十件实事·第3件"])
    p = d.create(body)
    for k in ("title", "unit", "owner", "tags"):
        assert p[k] == body[k], f"{k}: {p[k]!r}"
    g = d.project("cn")
    for k in ("title", "unit", "owner", "tags"):
        assert g[k] == body[k], f"{k}: {g[k]!r}"
    # 200 Chinese characters (600 bytes of UTF-8) is within the limit.
    long_title = ("城" * 199) + "𠀀"  # the last one is outside the BMP
    p = d.create(project("cn200", title=long_title))
    assert p["title"] == long_title
    assert len(p["title"]) == 200


def test_burn_down_progress_rises_as_value_falls(d):
    body = project("demolition", title="实现清零", unit="处", baseline=495,
                   target=0, start=-50, due=50)
    p = d.create(body)
    assert p["current"] == 495 and p["progress"] == 0, p
    assert_close(p["expected"], 247.5, 0.5, "expected")
    assert p["status"] == "behind", p["status"]
    last = -1.0
    for v in (400, 300, 200, 100):
        p = d.update("demolition", {"value": v})["project"]
        prog = (495 - v) / 495
        assert_close(p["progress"], prog, 1e-6, f"progress at {v}")
        assert p["progress"] > last
        last = p["progress"]
        assert_close(p["gap"], expected_progress(body) - prog, 1e-3, "gap")
        assert p["status"] == status_for(body, v), \
            f"status at {v}: {p['status']}, expected {status_for(body, v)}"
    assert p["status"] == "on_track"
    p = d.update("demolition", {"value": 0})["project"]
    assert p["status"] == "done" and p["progress"] == 1, p


def test_milestones_curve_expected_value(d):
    t = now()
    body = project("venues", title="一场两馆", unit="个", target=350,
                   start=-60, due=40, curve="milestones")
    body["milestones"] = [
        {"at": iso(t - 30 * DAY), "value": 50},
        {"at": iso(t + 10 * DAY), "value": 300},
    ]
    p = d.create(body)
    assert p["milestones"] == body["milestones"], p["milestones"]
    # Between (now-30d, 50) and (now+10d, 300): 50 + 250 * 30/40 = 237.5.
    want = expected_value(body)
    assert_close(want, 237.5, 0.01, "the test's own formula")
    assert_close(p["expected"], want, 0.05, "expected")
    assert_close(p["expected_progress"], want / 350, 1e-4,
                 "expected_progress")
    # A linear curve would expect 210: make sure the milestones are used.
    assert abs(p["expected"] - 210) > 20
    p = d.update("venues", {"value": 230})["project"]
    assert p["status"] == "on_track", p  # gap = 7.5/350 ~ 0.021
    p = d.update("venues", {"value": 200})["project"]
    assert p["status"] == "behind", p  # gap = 37.5/350 ~ 0.107


def test_milestones_with_days_and_burn_down(d):
    # A burn-down with milestones given as calendar days.
    t = now()
    body = project("sites", title="征迁项目", unit="个", baseline=37,
                   target=0, start=-100, due=100, curve="milestones",
                   milestones=[{"at": local_day(t - 50 * DAY), "value": 30},
                               {"at": local_day(t + 50 * DAY), "value": 5}])
    p = d.create(body)
    assert p["milestones"] == body["milestones"]
    # Halfway between the milestones: about (30 + 5) / 2 = 17.5; a day's
    # uncertainty in where a milestone day begins moves it by < 0.3.
    assert_close(p["expected"], expected_value(body), 0.3, "expected")
    assert 17 < p["expected"] < 18, p["expected"]


def test_pause_shifts_schedule(d):
    t = now()
    body = project("paused", start=-50, due=50)
    body["pauses"] = [{"from": iso(t - 20 * DAY),
        "to": iso(t - 10 * DAY),
        "reason": "亚运会期间停工"}]
    p = d.create(body)
    # Active elapsed 40 d of 90 d active in total.
    assert_close(expected_progress(body), 40 / 90, 1e-4, "own formula")
    assert_close(p["expected_progress"], 40 / 90, 1e-3, "expected_progress")
    assert_close(p["expected"], 350 * 40 / 90, 0.5, "expected")


def test_days_are_in_the_configured_timezone():
    # Calendar days mean the server's timezone: with a 5-day project a
    # different zone moves the expected progress by a lot.
    import datetime as dt
    from zoneinfo import ZoneInfo
    from harness import Daemon
    for zone in ("America/Los_Angeles", "Asia/Shanghai", "UTC"):
        tz = ZoneInfo(zone)
        d = Daemon(server={"timezone": zone})
        t = now()
        today = dt.datetime.fromtimestamp(t, tz).date()
        s_day = today - dt.timedelta(days=2)
        e_day = today + dt.timedelta(days=2)
        start = dt.datetime.combine(s_day, dt.time(), tz).timestamp()
        due = dt.datetime.combine(e_day + dt.timedelta(days=1), dt.time(),
                                  tz).timestamp() - 0.001
        p = d.create(dict(project("tz"), start=s_day.isoformat(),
                          due=e_day.isoformat()))
        want = (now() - start) / (due - start)
        assert_close(p["expected_progress"], want, 0.002,
                     f"expected_progress with timezone {zone}")
        d.stop()
