"""034-alerts-silences: events inside a silence are recorded but not
delivered, except a recovered/done that follows delivered bad news."""

import time

from harness import (assert_error, assert_event_hook, iso, now, project,
                     wait_for)


def _silence(d, **body):
    body.setdefault("until", iso(now() + 3600))
    body.setdefault("reason", "春节假期")
    r = d.post("/v1/silences", body)
    assert r.status == 201, r
    s = r.json.get("silence", r.json)
    assert isinstance(s.get("id"), (str, int)), r
    return s


def _list(d):
    r = d.get("/v1/silences")
    assert r.status == 200, r
    b = r.json
    return b["silences"] if isinstance(b, dict) else b


def test_silences_crud(d):
    d.create(project("parking"))
    s = _silence(d, project="parking")
    assert s.get("project") == "parking" and s.get("reason") == "春节假期", s
    t = _silence(d, tag="亚运")
    assert t.get("tag") == "亚运", t
    ids = sorted(str(x["id"]) for x in _list(d))
    assert ids == sorted([str(s["id"]), str(t["id"])]), _list(d)
    assert d.delete(f"/v1/silences/{s['id']}").status == 204
    assert [str(x["id"]) for x in _list(d)] == [str(t["id"])]
    assert_error(d.delete(f"/v1/silences/{s['id']}"), 404, "not_found")


def test_silence_validation(d):
    d.create(project("parking"))
    until = iso(now() + 3600)
    assert_error(d.post("/v1/silences", {"until": until, "reason": "x"}),
                 422, ("missing_field", "invalid_value"))
    assert_error(d.post("/v1/silences", {"project": "parking", "tag": "x",
                                         "until": until}), 422)
    assert_error(d.post("/v1/silences", {"project": "parking",
                                         "until": "tomorrow"}), 422,
                 "invalid_value", "until")
    assert_error(d.post("/v1/silences", {"project": "parking",
                                         "until": until, "colour": 1}), 422,
                 "unknown_field", "colour")
    # A project paced does not track: a typo would silence nothing.
    e = assert_error(d.post("/v1/silences", {"project": "parkng",
                                             "until": until}), 404,
                     "not_found", "project")
    assert "parkng" in e["message"], e
    assert _list(d) == []


def test_silenced_bad_news_is_recorded_not_delivered(d, rx):
    d.create(project("calm", start=-50, due=50))
    rx.wait_hook("project.behind", "calm")
    d.update("calm", {"value": 200})
    rx.wait_hook("project.recovered", "calm")
    s = _silence(d, project="calm")
    d.update("calm", {"value": 100})        # behind, silenced
    d.update("calm", {"value": 200})        # recovered after undelivered news
    evs = d.events(project="calm")
    assert [e["type"] for e in evs][:2] == ["project.recovered",
                                           "project.behind"], evs
    time.sleep(1.5)
    assert len(rx.all()) == 2, f"silenced events delivered: {rx.all()}"
    # Once the silence is lifted, events flow again.
    assert d.delete(f"/v1/silences/{s['id']}").status == 204
    d.update("calm", {"value": 100})
    h = rx.wait_hook("project.behind", "calm", n=1 + 1)
    assert_event_hook(h, "project.behind", "calm", previous="on_track")


def test_recovery_after_delivered_bad_news_breaks_silence(d, rx):
    d.create(project("loud", start=-50, due=50))
    rx.wait_hook("project.behind", "loud")   # delivered before the silence
    _silence(d, project="loud")
    d.update("loud", {"value": 350})
    h = rx.wait_hook("project.done", "loud")
    assert_event_hook(h, "project.done", "loud", previous="behind")


def test_tag_silence_only_covers_its_tag(d, rx):
    _silence(d, tag="亚运")
    d.create(project("venue", start=-50, due=50, tags=["亚运"]))
    d.create(project("other", start=-50, due=50, tags=["民生实事"]))
    rx.wait_hook("project.behind", "other")
    time.sleep(1.5)
    assert [h.json["project"]["id"] for h in rx.all()] == ["other"], rx.all()
    assert [e["type"] for e in d.events(project="venue")] == \
        ["project.behind"], "a silenced event is still recorded"


def test_expired_silence_does_not_hold(d, rx):
    _silence(d, tag="短暂", until=iso(now() + 2))
    time.sleep(3)
    d.create(project("brief", start=-50, due=50, tags=["短暂"]))
    wait_for(lambda: rx.of_type("project.behind", "brief"), 10,
             msg="delivery after the silence expired")


def test_recovery_answers_delivered_news_despite_silenced_reminders():
    # behind is delivered; inside a silence a reminder (silenced) follows;
    # the recovery must still be delivered, since the group last heard
    # "behind".
    from harness import Daemon, Receiver
    rx = Receiver()
    d = Daemon(channels=[rx.channel("ops")], alerts={"repeat_every": "1s"})
    d.create(project("nag", start=-50, due=50))
    rx.wait_hook("project.behind", "nag")
    _silence(d, project="nag")
    wait_for(lambda: any(e["type"] == "project.reminder"
                         for e in d.events(project="nag")), 5,
             msg="a silenced reminder")
    d.update("nag", {"value": 200})
    h = rx.wait_hook("project.recovered", "nag", timeout=5)
    assert_event_hook(h, "project.recovered", "nag")


def test_recovery_through_a_silenced_at_risk_is_delivered(d, rx):
    d.create(project("steps", start=-50, due=50))
    rx.wait_hook("project.behind", "steps")
    _silence(d, project="steps")
    d.update("steps", {"value": 155})  # at_risk, silenced
    d.update("steps", {"value": 200})  # on track again
    h = rx.wait_hook("project.recovered", "steps", timeout=5)
    assert_event_hook(h, "project.recovered", "steps", previous="at_risk")


def test_done_after_delivered_recovery_stays_silent(d, rx):
    # The group already heard the recovery: a done inside a silence has no
    # bad news to answer and is held like any other event.
    d.create(project("fine", start=-50, due=50))
    rx.wait_hook("project.behind", "fine")
    d.update("fine", {"value": 200})
    rx.wait_hook("project.recovered", "fine")
    _silence(d, project="fine")
    d.update("fine", {"value": 350})
    time.sleep(1.5)
    assert not rx.of_type("project.done", "fine"), rx.all()
    assert d.events(project="fine")[0]["type"] == "project.done"


def _stale_delivered_twice(d, rx):
    """Project "s", reporting every 3 s: behind and stale from the start
    (both delivered), then recovered and resumed by a value of 200, then
    stale again (delivered, status on_track)."""
    d.create(project("s", start=-500, due=500, report_every="3s",
                     grace="1s"))
    rx.wait_hook("project.stale", "s")
    d.update("s", {"value": 200})
    rx.wait_hook("project.resumed", "s")
    h = rx.wait_hook("project.stale", "s", timeout=10, n=2)
    assert h.json["project"]["status"] == "on_track", h.json


def test_resumed_answers_stale_so_a_later_recovery_stays_silent(d, rx):
    # Delivered: behind and stale (nothing reported since start), then
    # recovered and resumed; stale again, resumed again. The group last
    # heard that the project is on track and reporting. A behind inside a
    # silence is held, so the recovery from it has nothing heard to answer.
    _stale_delivered_twice(d, rx)
    d.update("s", {"value": 200})
    rx.wait_hook("project.resumed", "s", n=2)
    assert [h.type for h in rx.of_type("project.recovered", "s")] == \
        ["project.recovered"], rx.all()
    _silence(d, project="s")
    d.update("s", {"value": 100})        # behind, silenced
    d.update("s", {"value": 200})        # recovered, answering nothing heard
    assert [e["type"] for e in d.events(project="s")][:2] == \
        ["project.recovered", "project.behind"]
    time.sleep(1.5)
    assert len(rx.of_type("project.recovered", "s")) == 1, rx.all()


def test_done_answers_a_delivered_stale_inside_a_silence(d, rx):
    # The group last heard that nobody reports; then a silence, and the
    # project is finished: the done answers the stale and goes out.
    _stale_delivered_twice(d, rx)
    _silence(d, project="s")
    d.update("s", {"value": 350})
    h = rx.wait_hook("project.done", "s", timeout=5)
    assert_event_hook(h, "project.done", "s")
    # The resumed of the same update stays in the silence, as SPEC has it.
    assert len(rx.of_type("project.resumed", "s")) == 1, rx.all()


def test_recovery_does_not_answer_a_delivered_stale(d, rx):
    # A recovered says nothing of reporting: after a delivered stale, a
    # behind and its recovery inside a silence both stay in it.
    _stale_delivered_twice(d, rx)
    _silence(d, project="s")
    for _ in range(2):
        d.update("s", {"value": 100})    # behind (and resumed), silenced
        d.update("s", {"value": 200})    # recovered, answering nothing heard
    assert [e["type"] for e in d.events(project="s")][:2] == \
        ["project.recovered", "project.behind"]
    time.sleep(1.5)
    assert len(rx.of_type("project.recovered", "s")) == 1, rx.all()


def test_recovery_answers_a_delivered_reminder_of_bad_status():
    # The behind itself was held, but a reminder that the project is
    # still behind went out: that is the news a recovery answers.
    from harness import Daemon, Receiver
    rx = Receiver()
    d = Daemon(channels=[rx.channel("ops")], alerts={"repeat_every": "2s"})
    s = _silence(d, tag="提醒")
    d.create(project("nudged", start=-50, due=50, tags=["提醒"]))
    assert d.delete(f"/v1/silences/{s['id']}").status == 204
    h = rx.wait_hook("project.reminder", "nudged", timeout=10)
    assert h.json["project"]["status"] == "behind", h.json
    _silence(d, project="nudged")
    d.update("nudged", {"value": 200})
    h = rx.wait_hook("project.recovered", "nudged", timeout=5)
    assert_event_hook(h, "project.recovered", "nudged", previous="behind")
    assert not rx.of_type("project.behind", "nudged"), rx.all()
