"""020-updates-basic: posting progress: value, delta, back-dated updates,
the `at` window, notes, idempotency keys, and listing."""

from harness import (DAY, HOUR, assert_close, assert_error, assert_utc, iso,
                     now, project, status_for)


def test_value_update(d):
    body = project("parking")
    d.create(body)
    t0 = now()
    r = d.post("/v1/projects/parking/updates", {"value": 120, "note": "一季度"})
    t1 = now()
    assert r.status == 201, r
    u, p = r.json["update"], r.json["project"]
    assert u["value"] == 120, u
    assert u["note"] == "一季度", u
    at = assert_utc(u["at"], "update.at")
    assert t0 - 2 <= at <= t1 + 2, f"default at is now: {u['at']}"
    assert p["id"] == "parking" and p["current"] == 120, p
    assert p["updated_at"] == u["at"], (p["updated_at"], u["at"])
    assert_close(p["progress"], 120 / 350, 1e-9, "progress")
    assert p["status"] == status_for(body, 120), p["status"]
    g = d.project("parking")
    assert g["current"] == 120 and g["updated_at"] == u["at"], g


def test_delta_is_relative_to_current(d):
    d.create(project("parking"))
    d.update("parking", {"value": 100})
    r = d.update("parking", {"delta": 25})
    assert r["update"]["value"] == 125, r["update"]
    assert r["update"]["delta"] == 25, r["update"]
    assert r["project"]["current"] == 125
    r = d.update("parking", {"delta": -5.5})
    assert r["project"]["current"] == 119.5, r["project"]
    # A burn-down counts down with negative deltas.
    d.create(project("demolition", baseline=495, target=0))
    r = d.update("demolition", {"delta": -20})
    assert r["project"]["current"] == 475, r["project"]
    assert_close(r["project"]["progress"], 20 / 495, 1e-9, "progress")


def test_deltas_add_up_as_decimals(d):
    # Binary rounding must not pile up: 0.1 + 0.2 is 0.3, and 2 000
    # deltas of -0.01 from 320 leave 300, not 300.00000000002.
    d.create(project("parking"))
    d.update("parking", {"value": 0.1})
    assert d.update("parking", {"delta": 0.2})["project"]["current"] == 0.3
    d.update("parking", {"value": 320})
    for _ in range(2):
        r = d.post("/v1/updates", {"updates": [
            {"project": "parking", "delta": -0.01}] * 1000})
        assert r.status == 201, r
    assert d.project("parking")["current"] == 300, d.project("parking")
    assert d.updates("parking", limit=1)[0]["value"] == 300
    # The ±1e15 limit is checked on the sum itself, not on a rounding of
    # it that would let it pass.
    d.update("parking", {"value": 1e15})
    assert_error(d.post("/v1/projects/parking/updates", {"delta": 0.4}),
                 422, "invalid_value", "delta")


def test_backdated_update_changes_current_only_if_latest(d):
    d.create(project("parking"))
    t = now()
    d.update("parking", {"value": 100, "at": iso(t - 1 * HOUR)})
    r = d.update("parking", {"value": 80, "at": iso(t - 2 * HOUR)})
    assert r["update"]["value"] == 80
    p = r["project"]
    assert p["current"] == 100, f"an older update replaced current: {p}"
    assert p["updated_at"] == iso(t - 1 * HOUR), p["updated_at"]
    r = d.update("parking", {"value": 150, "at": iso(t - 0.5 * HOUR)})
    assert r["project"]["current"] == 150
    assert r["project"]["updated_at"] == iso(t - 0.5 * HOUR)
    assert len(d.updates("parking")) == 3


def test_at_in_the_future(d):
    d.create(project("parking"))
    t = now()
    r = d.post("/v1/projects/parking/updates",
               {"value": 10, "at": iso(t + 10 * 60)})
    assert_error(r, 422, "invalid_value", "at")
    r = d.post("/v1/projects/parking/updates",
               {"value": 10, "at": iso(t + 24 * HOUR)})
    assert_error(r, 422, "invalid_value", "at")
    assert d.updates("parking") == []
    # Up to 5 minutes ahead is clock skew and accepted.
    r = d.post("/v1/projects/parking/updates",
               {"value": 10, "at": iso(t + 2 * 60)})
    assert r.status == 201, r
    assert d.project("parking")["current"] == 10


def test_at_before_start(d):
    d.create(project("parking", start=-10, due=90))
    t = now()
    r = d.post("/v1/projects/parking/updates",
               {"value": 10, "at": iso(t - 12 * DAY)})
    assert_error(r, 422, "invalid_value", "at")
    assert d.updates("parking") == []
    # Within one day before start is allowed.
    r = d.post("/v1/projects/parking/updates",
               {"value": 10, "at": iso(t - 10.5 * DAY)})
    assert r.status == 201, r


def test_at_accepts_offsets_and_returns_utc(d):
    d.create(project("parking"))
    t = int(now()) - 3 * 3600
    import datetime as dt
    local = dt.datetime.fromtimestamp(t, dt.timezone(dt.timedelta(hours=8)))
    r = d.update("parking", {"value": 5, "at": local.isoformat()})
    assert r["update"]["at"] == iso(t), \
        f"{local.isoformat()} returned as {r['update']['at']}"


def test_note_length(d):
    d.create(project("parking"))
    r = d.post("/v1/projects/parking/updates",
               {"value": 1, "note": "x" * 1001})
    assert_error(r, 422, "invalid_value", "note")
    # 1000 characters, counted as characters (3000 bytes of UTF-8).
    note = "泊" * 1000
    r = d.post("/v1/projects/parking/updates", {"value": 1, "note": note})
    assert r.status == 201, r
    assert r.json["update"]["note"] == note
    assert d.updates("parking")[0]["note"] == note


def test_idempotent_repeat_of_id(d):
    d.create(project("parking"))
    r1 = d.post("/v1/projects/parking/updates",
                {"id": "jianshe-2022-w18", "value": 10, "note": "第18周"})
    assert r1.status == 201, r1
    assert r1.json["update"]["id"] == "jianshe-2022-w18"
    r2 = d.post("/v1/projects/parking/updates",
                {"id": "jianshe-2022-w18", "value": 10, "note": "第18周"})
    assert r2.status == 200, f"repeat of an id: {r2}"
    assert r2.json["update"] == r1.json["update"], (r2.json, r1.json)
    us = d.updates("parking")
    assert len(us) == 1, f"stored twice: {us}"
    assert d.project("parking")["current"] == 10


def test_idempotent_repeat_with_other_body_stores_nothing(d):
    d.create(project("parking"))
    r1 = d.update("parking", {"id": "k1", "value": 10})
    r2 = d.post("/v1/projects/parking/updates", {"id": "k1", "value": 99})
    assert r2.status == 200, r2
    assert r2.json["update"]["value"] == 10, "returns the original"
    assert r2.json["update"]["at"] == r1["update"]["at"]
    assert d.project("parking")["current"] == 10
    assert len(d.updates("parking")) == 1
    # The same key on another project is another update.
    d.create(project("other"))
    r3 = d.post("/v1/projects/other/updates", {"id": "k1", "value": 7})
    assert r3.status in (201, 409), r3
    assert d.project("parking")["current"] == 10


def test_idempotency_key_too_long(d):
    d.create(project("parking"))
    r = d.post("/v1/projects/parking/updates", {"id": "k" * 65, "value": 1})
    assert_error(r, 422, "invalid_value", "id")
    r = d.post("/v1/projects/parking/updates", {"id": "k" * 64, "value": 1})
    assert r.status == 201, r


def test_list_newest_first_with_limit_and_before(d):
    d.create(project("parking"))
    t = now()
    for i in range(5):  # at now-5h .. now-1h, values 10 .. 50
        d.update("parking", {"value": 10 * (i + 1),
                             "at": iso(t - (5 - i) * HOUR),
                             "id": f"u{i}"})
    us = d.updates("parking")
    assert [u["value"] for u in us] == [50, 40, 30, 20, 10], us
    assert [u["id"] for u in us] == ["u4", "u3", "u2", "u1", "u0"]
    for u in us:
        assert_utc(u["at"], "update at")
        for k in ("id", "at", "value", "delta", "note"):
            assert k in u, f"update lacks {k}: {u}"
    assert [u["value"] for u in d.updates("parking", limit=2)] == [50, 40]
    before = iso(t - 2.5 * HOUR)
    assert [u["value"] for u in d.updates("parking", before=before)] == \
        [30, 20, 10]
    assert [u["value"] for u in d.updates("parking", before=before,
                                          limit=2)] == [30, 20]
    # Paging with before = the oldest `at` seen walks to the end.
    page = d.updates("parking", limit=2)
    page2 = d.updates("parking", limit=2, before=page[-1]["at"])
    assert [u["value"] for u in page2] == [30, 20], page2
    assert_error(d.get("/v1/projects/parking/updates",
                       params={"limit": "zero"}), (400, 422))
    assert_error(d.get("/v1/projects/nosuch/updates"), 404, "not_found")


def test_updates_default_limit_is_100(d):
    d.create(project("parking"))
    items = [{"project": "parking", "value": i, "at": iso(now() - 3600 + i)}
             for i in range(120)]
    r = d.post("/v1/updates", {"updates": items})
    assert r.status == 201, r
    assert len(d.updates("parking")) == 100
    assert len(d.updates("parking", limit=1000)) == 120
    assert d.project("parking")["current"] == 119


def test_concurrent_deltas_are_atomic(d):
    import threading
    d.create(project("parking"))
    errors = []

    def worker():
        for _ in range(25):
            r = d.post("/v1/projects/parking/updates", {"delta": 1})
            if r.status != 201:
                errors.append(r)
    ts = [threading.Thread(target=worker) for _ in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(30)
    assert not errors, errors[:3]
    assert d.project("parking")["current"] == 100, \
        "concurrent deltas lost an increment"
    us = d.updates("parking", limit=1000)
    assert sorted(u["value"] for u in us) == list(range(1, 101)), \
        "each delta applied to the value before it"


def test_concurrent_repeats_of_one_id_store_once(d):
    import threading
    d.create(project("parking"))
    got = []

    def worker():
        r = d.post("/v1/projects/parking/updates",
                   {"id": "same-key", "delta": 10})
        got.append(r.status)
    ts = [threading.Thread(target=worker) for _ in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(30)
    assert sorted(got) == [200] * 7 + [201], got
    assert len(d.updates("parking")) == 1
    assert d.project("parking")["current"] == 10


def test_bad_list_parameters(d):
    d.create(project("parking"))
    for params in ({"before": "yesterday"}, {"limit": "-1"},
                   {"limit": "1001"}, {"limit": "0"}):
        r = d.get("/v1/projects/parking/updates", params=params)
        if r.status == 200 and params.get("limit") == "1001":
            continue  # clamping to the maximum is acceptable
        assert_error(r, (400, 422))
