"""030-alerts-transitions: status changes become events, delivered to a
real webhook receiver with Standard Webhooks signatures."""

import base64
import os
import time

from harness import (assert_error, assert_event_hook, assert_utc,
                     expected_value, project, sign, verify_signature,
                     wait_for)


def test_receiver_rejects_bad_signatures():
    # The receiver's verifier is what the other tests rely on: it must be
    # able to say no.
    secret = "whsec_" + base64.b64encode(os.urandom(24)).decode()
    body = b'{"id":"evt_1"}'
    ts = str(int(time.time()))
    good = {"webhook-id": "evt_1", "webhook-timestamp": ts,
            "webhook-signature": "v1," + sign(secret, "evt_1", ts, body)}
    assert verify_signature(secret, good, body) == (True, None)
    assert not verify_signature(secret, good, body + b" ")[0]
    assert not verify_signature(secret, dict(good, **{"webhook-id": "e2"}),
                                body)[0]
    old = str(int(time.time()) - 3600)
    assert not verify_signature(secret, dict(good, **{
        "webhook-timestamp": old}), body)[0]
    other = "whsec_" + base64.b64encode(os.urandom(24)).decode()
    assert not verify_signature(other, good, body)[0]
    assert not verify_signature(secret, {}, body)[0]
    # A list of signatures passes when one of them matches.
    multi = dict(good, **{"webhook-signature": "v1,AAAA " +
                          good["webhook-signature"]})
    assert verify_signature(secret, multi, body)[0]


def test_behind_recovered_behind(d, rx):
    body = project("parking-2022", title="新增公共停车泊位", unit="个",
                   target=350, start=-50, due=50, tags=["亚运"])
    d.create(body)
    h1 = rx.wait_hook("project.behind", "parking-2022")
    b1 = assert_event_hook(h1, "project.behind", "parking-2022",
                           previous=None)
    assert b1["project"]["status"] == "behind"
    assert b1["project"]["current"] == 0
    text = b1["text"]
    assert "新增公共停车泊位" in text, f"text does not name the title: {text}"
    assert "350" in text and "个" in text, f"text lacks target/unit: {text}"

    # On track: expected ~175, 200 puts the gap below zero.
    want = expected_value(body)
    assert want < 190
    r = d.update("parking-2022", {"value": 200})
    assert r["project"]["status"] == "on_track", r["project"]
    h2 = rx.wait_hook("project.recovered", "parking-2022")
    b2 = assert_event_hook(h2, "project.recovered", "parking-2022",
                           previous="behind")
    assert b2["project"]["current"] == 200
    assert b2["project"]["status"] == "on_track"
    assert "200" in b2["text"] and "新增公共停车泊位" in b2["text"], b2["text"]

    # A correction: the count was wrong, 100 built, not 200.
    r = d.update("parking-2022", {"value": 100, "note": "更正"})
    assert r["project"]["status"] == "behind"
    h3 = rx.wait_hook("project.behind", "parking-2022", n=2)
    b3 = assert_event_hook(h3, "project.behind", "parking-2022",
                           previous="on_track")
    assert b3["project"]["current"] == 100 and "100" in b3["text"]

    ids = [b1["id"], b2["id"], b3["id"]]
    assert len(set(ids)) == 3, f"event ids are not distinct: {ids}"
    time.sleep(0.5)
    rx.assert_all_signed()
    # Each event arrived once (the receiver said 200 every time).
    got = [h.id for h in rx.all()]
    assert sorted(got) == sorted(ids), f"deliveries {got}, events {ids}"

    # The events API lists them newest first with their deliveries.
    def all_sent():
        evs = d.events(project="parking-2022")
        return len(evs) == 3 and all(
            e["deliveries"] and all(x["state"] == "sent"
                                    for x in e["deliveries"])
            for e in evs) and evs
    evs = wait_for(all_sent, 5, msg="3 events with deliveries sent")
    assert [e["id"] for e in evs] == ids[::-1], \
        f"GET /v1/events: {[(e['id'], e['type']) for e in evs]}"
    assert [e["type"] for e in evs] == [
        "project.behind", "project.recovered", "project.behind"]
    for e in evs:
        for k in ("id", "type", "at", "previous_status", "project",
                  "deliveries"):
            assert k in e, f"event lacks {k}: {e}"
        assert_utc(e["at"], "event at")
        [dl] = e["deliveries"]
        assert dl["channel"] == "ops", dl
        assert dl["state"] == "sent", dl
        assert dl["attempts"] == 1, dl
        assert_utc(dl["sent_at"], "sent_at")
    # The delivered body is the event as listed.
    byid = {e["id"]: e for e in evs}
    for h in (h1, h2, h3):
        e = byid[h.id]
        assert e["type"] == h.json["type"] and e["at"] == h.json["at"]
        assert e["previous_status"] == h.json["previous_status"]
        assert e["project"]["id"] == h.json["project"]["id"]
    # Filters of the events API.
    assert [e["id"] for e in d.events(type="project.recovered")] == [ids[1]]
    assert [e["id"] for e in d.events(type="recovered")] == [ids[1]]
    # A type no event has is a typo, not an empty list.
    e = assert_error(d.get("/v1/events", params={"type": "recoverd"}), 422,
                     "invalid_value", "type")
    assert "recoverd" in e["message"] and "recovered" in e["message"], e
    assert [e["id"] for e in d.events(limit=1)] == [ids[2]]
    assert d.events(project="nosuch") == []
    # Each listed event is the webhook body plus deliveries: text too.
    for h in (h1, h2, h3):
        e = byid[h.id]
        assert e.get("text") == h.json["text"], \
            f"GET /v1/events text {e.get('text')!r} != delivered " \
            f"{h.json['text']!r}"


def test_update_without_status_change_sends_nothing(d, rx):
    d.create(project("parking", start=-50, due=50))
    rx.wait_hook("project.behind", "parking")
    d.update("parking", {"value": 10})   # still behind
    d.update("parking", {"value": 20})   # still behind
    time.sleep(1.5)
    assert len(rx.all()) == 1, f"events without a status change: {rx.all()}"
    assert len(d.events(project="parking")) == 1


def test_status_since_moves_only_on_change(d):
    d.create(project("parking", start=-50, due=50))
    s0 = d.project("parking")["status_since"]
    time.sleep(1.1)
    p = d.update("parking", {"value": 10})["project"]
    assert p["status"] == "behind" and p["status_since"] == s0, p
    t = time.time()
    p = d.update("parking", {"value": 200})["project"]
    assert p["status"] == "on_track"
    since = assert_utc(p["status_since"], "status_since")
    assert since >= t - 1.5, f"status_since {p['status_since']} not moved"


def test_at_risk_at_creation(d, rx):
    # 7.5 of 100 days passed: gap 0.075, between 0.05 and 0.10.
    d.create(project("beds", title="新增认知症照护专区床位", unit="张",
                     target=165, start=-7.5, due=92.5))
    h = rx.wait_hook("project.at_risk", "beds")
    b = assert_event_hook(h, "project.at_risk", "beds", previous=None)
    assert b["project"]["status"] == "at_risk"
    assert "新增认知症照护专区床位" in b["text"] and "165" in b["text"]
    time.sleep(0.5)
    assert [x.type for x in rx.all()] == ["project.at_risk"], rx.all()


def test_done(d, rx):
    d.create(project("parking", start=-50, due=50))
    rx.wait_hook("project.behind", "parking")
    r = d.update("parking", {"value": 350})
    assert r["project"]["status"] == "done"
    h = rx.wait_hook("project.done", "parking")
    b = assert_event_hook(h, "project.done", "parking", previous="behind")
    assert b["project"]["progress"] >= 1
    # Past the target is still done, and no new event.
    d.update("parking", {"value": 360})
    time.sleep(1)
    assert len(rx.of_type("project.done")) == 1


def test_burn_down_done_at_zero(d, rx):
    d.create(project("demolition", title="实现清零", unit="处", baseline=495,
                     target=0, start=-10, due=90))
    # 10 of 100 days: expected 0.1, exactly the behind threshold; move on.
    d.update("demolition", {"value": 400})
    d.update("demolition", {"value": 0})
    h = rx.wait_hook("project.done", "demolition")
    b = assert_event_hook(h, "project.done", "demolition")
    assert b["project"]["current"] == 0 and "实现清零" in b["text"]


def test_english_language(rx):
    from harness import Daemon
    d = Daemon(channels=[rx.channel("ops")], alerts={"language": "en"})
    d.create(project("parking", title="Public parking spaces", unit="spaces",
                     start=-50, due=50))
    h = rx.wait_hook("project.behind", "parking")
    b = assert_event_hook(h, "project.behind", "parking", previous=None)
    assert "Public parking spaces" in b["text"] and "350" in b["text"]
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in b["text"]), \
        f"language = en, text in Chinese: {b['text']}"


def test_hysteresis(d, rx):
    from harness import expected_progress
    body = project("hover", start=-50, due=50)
    d.create(body)
    rx.wait_hook("project.behind", "hover")
    ep = expected_progress(body)

    def at_gap(gap):
        # The value that puts the gap at `gap` now.
        return d.update("hover", {"value": round(350 * (ep - gap), 4)}
                        )["project"]["status"]
    # behind improves only below 0.10 - 0.01.
    assert at_gap(0.095) == "behind"
    assert at_gap(0.085) == "at_risk"
    h = rx.wait_hook("project.at_risk", "hover")
    assert_event_hook(h, "project.at_risk", "hover", previous="behind")
    # at_risk improves only below 0.05 - 0.01.
    assert at_gap(0.045) == "at_risk"
    assert at_gap(0.035) == "on_track"
    h = rx.wait_hook("project.recovered", "hover")
    assert_event_hook(h, "project.recovered", "hover", previous="at_risk")
    # Getting worse has no hysteresis.
    assert at_gap(0.055) == "at_risk"
    assert at_gap(0.105) == "behind"
    rx.wait_hook("project.behind", "hover", n=2)
    time.sleep(0.5)
    # The events in the order they happened (deliveries to one channel
    # may overlap, so the receiver's arrival order is not checked).
    evs = d.events(project="hover")[::-1]
    assert [e["type"] for e in evs] == [
        "project.behind", "project.at_risk", "project.recovered",
        "project.at_risk", "project.behind"], [e["type"] for e in evs]
    assert sorted(h.id for h in rx.all()) == sorted(e["id"] for e in evs)


def test_definition_change_can_change_status(d, rx):
    # On track (1 day of 365); the replaced schedule makes it behind.
    body = project("moved", start=-1, due=364)
    del body["id"]
    assert d.put("/v1/projects/moved", body).status == 201
    assert d.project("moved")["status"] == "on_track"
    new = project("moved", start=-50, due=50)
    del new["id"]
    r = d.put("/v1/projects/moved", new)
    assert r.status == 200 and r.json["status"] == "behind", r
    h = rx.wait_hook("project.behind", "moved")
    assert_event_hook(h, "project.behind", "moved", previous="on_track")
