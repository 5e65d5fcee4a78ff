"""031-alerts-channels: each channel gets only the events and the projects
its `events` and `tags` filters select."""

import time

from harness import (Daemon, Receiver, assert_event_hook, project, wait_for)


def test_events_and_tags_filters():
    ops = Receiver()       # everything
    done_only = Receiver()  # events = done
    yayun = Receiver()     # tags = 亚运
    d = Daemon(channels=[
        ops.channel("ops"),
        done_only.channel("leaders", events="done, recovered"),
        yayun.channel("yayun", tags="亚运"),
    ])
    d.create(project("plain", start=-50, due=50, tags=["民生实事"]))
    d.create(project("venue", start=-50, due=50, tags=["亚运"]))
    ops.wait_hook("project.behind", "plain")
    ops.wait_hook("project.behind", "venue")
    yayun.wait_hook("project.behind", "venue")
    time.sleep(1.0)
    assert done_only.all() == [], \
        f"events = done, recovered got {done_only.all()}"
    assert [h.json["project"]["id"] for h in yayun.all()] == ["venue"], \
        f"tags = 亚运 got {yayun.all()}"

    d.update("venue", {"value": 350})
    h = done_only.wait_hook("project.done", "venue")
    assert_event_hook(h, "project.done", "venue", previous="behind")
    yayun.wait_hook("project.done", "venue")
    ops.wait_hook("project.done", "venue")
    d.update("plain", {"value": 200})  # recovered
    done_only.wait_hook("project.recovered", "plain")
    ops.wait_hook("project.recovered", "plain")
    time.sleep(1.0)
    assert [h.type for h in done_only.all()] == \
        ["project.done", "project.recovered"], done_only.all()
    assert {h.json["project"]["id"] for h in yayun.all()} == {"venue"}
    assert len(ops.all()) == 4, ops.all()
    for rx in (ops, done_only, yayun):
        rx.assert_all_signed()

    # Deliveries are listed per channel, only for the channels that match.
    def channels(pid, typ):
        [e] = [e for e in d.events(project=pid) if e["type"] == typ]
        return sorted(x["channel"] for x in e["deliveries"])
    assert channels("plain", "project.behind") == ["ops"]
    assert channels("venue", "project.behind") == ["ops", "yayun"]
    assert channels("venue", "project.done") == ["leaders", "ops", "yayun"]
    assert channels("plain", "project.recovered") == ["leaders", "ops"]


def test_events_filter_accepts_prefixed_names():
    rx = Receiver()
    d = Daemon(channels=[rx.channel("ops", events="project.at_risk")])
    d.create(project("behind", start=-50, due=50))
    d.create(project("risky", start=-7.5, due=92.5))
    rx.wait_hook("project.at_risk", "risky")
    time.sleep(1.0)
    assert [h.type for h in rx.all()] == ["project.at_risk"], rx.all()


def test_channel_without_secret_is_unsigned():
    rx = Receiver()
    ch = rx.channel("plain")
    del ch["secret"]
    d = Daemon(channels=[ch])
    d.create(project("parking", start=-50, due=50))
    h = wait_for(lambda: rx.all(), 15, msg="a webhook")[0]
    assert h.json["type"] == "project.behind"
    assert "webhook-signature" not in h.headers, h.headers


def test_two_signed_channels_use_their_own_secrets():
    a, b = Receiver(), Receiver()
    d = Daemon(channels=[a.channel("a"), b.channel("b")])
    d.create(project("parking", start=-50, due=50))
    ha = a.wait_hook("project.behind", "parking")
    hb = b.wait_hook("project.behind", "parking")
    assert ha.sig_ok, ha.sig_error
    assert hb.sig_ok, hb.sig_error
    assert ha.id == hb.id, "one event, one id, on every channel"
