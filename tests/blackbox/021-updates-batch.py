"""021-updates-batch: POST /v1/updates is all or nothing."""

from harness import HOUR, assert_error, iso, now, project


def test_batch_success(d):
    d.create(project("parking"))
    d.create(project("demolition", baseline=495, target=0))
    t = now()
    r = d.post("/v1/updates", {"updates": [
        {"project": "parking", "value": 100, "at": iso(t - 2 * HOUR)},
        {"project": "demolition", "value": 300, "note": "二季度"},
        {"project": "parking", "delta": 20, "id": "b-1"},
    ]})
    assert r.status == 201, r
    b = r.json
    assert len(b["updates"]) == 3, b
    assert [u["value"] for u in b["updates"]] == [100, 300, 120], \
        "updates are returned in request order, delta applied in order"
    ps = {p["id"]: p for p in b["projects"]}
    assert set(ps) == {"parking", "demolition"}, ps.keys()
    assert ps["parking"]["current"] == 120 and \
        ps["demolition"]["current"] == 300
    assert d.project("parking")["current"] == 120
    assert d.project("demolition")["current"] == 300
    assert len(d.updates("parking")) == 2
    assert d.updates("demolition")[0]["note"] == "二季度"


def test_batch_all_or_nothing(d):
    d.create(project("parking"))
    d.create(project("demolition", baseline=495, target=0))
    r = d.post("/v1/updates", {"updates": [
        {"project": "parking", "value": 100},
        {"project": "demolition", "value": 300},
        {"project": "parking", "value": "一百"},
        {"project": "nosuch", "value": 1},
        {"project": "parking", "value": 5, "note": "x" * 1001},
        {"project": "parking", "value": 5, "colour": "red"},
    ]})
    e = assert_error(r, 422)
    items = r.json["error"].get("items")
    assert isinstance(items, list), f"no items list: {r}"
    by = {i["index"]: i for i in items}
    assert sorted(by) == [2, 3, 4, 5], f"invalid items by index: {items}"
    for i in items:
        assert i.get("code") and i.get("message"), i
    assert by[2]["field"] in ("updates[2].value", "value"), by[2]
    assert by[3]["field"] in ("updates[3].project", "project"), by[3]
    assert by[4]["field"] in ("updates[4].note", "note"), by[4]
    assert by[5]["field"] in ("updates[5].colour", "colour"), by[5]
    assert by[5]["code"] == "unknown_field", by[5]
    assert e.get("field") is None or e["field"].startswith("updates"), e
    # None of the good items was stored.
    assert d.updates("parking") == [] and d.updates("demolition") == []
    assert d.project("parking")["current"] == 0
    assert d.project("demolition")["current"] == 495


def test_batch_idempotent_repeat(d):
    d.create(project("parking"))
    body = {"updates": [{"project": "parking", "value": 10, "id": "w1"},
                        {"project": "parking", "value": 20, "id": "w2"}]}
    assert d.post("/v1/updates", body).status == 201
    r = d.post("/v1/updates", body)
    assert r.status in (200, 201), r
    assert len(d.updates("parking")) == 2, "repeated keys stored twice"
    assert d.project("parking")["current"] == 20


def test_batch_shapes(d):
    d.create(project("parking"))
    assert_error(d.post("/v1/updates", {}), 422, "missing_field", "updates")
    assert_error(d.post("/v1/updates", {"updates": {"project": "parking"}}),
                 422, "invalid_value", "updates")
    assert_error(d.post("/v1/updates", {"updates": [5]}), 422)
    assert_error(d.post("/v1/updates", {"updates": [{"value": 1}]}), 422)
    assert d.updates("parking") == []
