"""035-channels-rate-digest: a channel never gets more requests than its
`rate` allows; a backlog larger than what the limit lets through goes out as
one summary naming every event; the [digest] overview arrives at its time
and on demand; the channel keys of the chat platforms are checked."""

import datetime
import os
import time
import zoneinfo

from harness import (Daemon, Receiver, make_config, make_tmpdir, project,
                     free_port, not_under_valgrind, run_paced, wait_for, now,
                     iso, DAY, TZ_NAME)


def projects_in(hooks):
    """Every (event type, project id) the requests carried, in order."""
    out = []
    for h in hooks:
        if h.type == "summary":
            out += [(e["type"], e["project"]["id"]) for e in h.json["events"]]
        elif h.json and "project" in h.json:
            out.append((h.type, h.json["project"]["id"]))
    return out


def declared(n, behind=True):
    """n declared projects, all behind (or all on track) right away."""
    t = now()
    return {f"p{i:02d}": {
        "title": f"停车场{i:02d}", "unit": "个", "baseline": 0,
        "target": 350, "start": iso(t - 50 * DAY), "due": iso(t + 50 * DAY),
    } for i in range(n)} if behind else {}


def test_backlog_over_the_rate_is_one_summary():
    rx = Receiver()
    d = Daemon(channels=[rx.channel("ops", rate="3/1m")],
               projects=declared(8))
    hooks = wait_for(lambda: rx.all(), 10, msg="no request arrived")
    time.sleep(1.5)  # anything else that would come now
    hooks = rx.all()
    assert len(hooks) == 1, f"8 events over a 3/1m limit: {hooks}"
    h = hooks[0]
    assert h.type == "summary", h.json
    assert h.sig_ok, h.sig_error
    got = projects_in(hooks)
    assert sorted(got) == [("project.behind", f"p{i:02d}") for i in range(8)]
    # The text names every project, and says how many there are.
    for i in range(8):
        assert f"停车场{i:02d}" in h.json["text"], h.json["text"]
    assert h.json["text"].startswith("【汇总】8 条"), h.json["text"]
    # Each event's delivery is recorded as sent.
    for e in d.events():
        states = [x["state"] for x in e["deliveries"]]
        assert states == ["sent"], (e["project"]["id"], states)


@not_under_valgrind("reads the rate off arrival times to 0.2 s; valgrind's "
                    "send latency varies by more")
def test_rate_is_never_exceeded_and_nothing_is_dropped():
    rx = Receiver()
    d = Daemon(channels=[rx.channel("ops", rate="2/3s")])
    for i in range(7):
        d.create(project(f"q{i}", start=-50, due=50))
    want = sorted(("project.behind", f"q{i}") for i in range(7))
    wait_for(lambda: sorted(projects_in(rx.all())) == want, 20,
             msg=f"every event delivered; got {projects_in(rx.all())}")
    time.sleep(3.5)
    hooks = rx.all()
    assert sorted(projects_in(hooks)) == want, "an event came twice"
    times = [h.received for h in hooks]
    # At most 2 in any 3 s: the 3rd request after any one is >= 3 s
    # later (less a little for the network between send and receipt).
    for i in range(len(times) - 2):
        assert times[i + 2] - times[i] >= 2.8, \
            f"3 requests within {times[i + 2] - times[i]:.2f} s: {hooks}"
    assert any(h.type == "summary" for h in hooks), \
        f"the backlog was not merged: {[h.type for h in hooks]}"
    for e in d.events():
        assert [x["state"] for x in e["deliveries"]] == ["sent"], e


test_rate_is_never_exceeded_and_nothing_is_dropped.timeout = 60


def test_digest_on_demand_counts_every_status():
    rx = Receiver()
    t = now()
    projects = {
        "late": {"title": "逾期学校", "unit": "所", "baseline": 0,
                 "target": 14, "start": iso(t - 100 * DAY),
                 "due": iso(t - 1 * DAY)},
        "lagging": {"title": "落后停车场", "unit": "个", "baseline": 0,
                    "target": 350, "start": iso(t - 50 * DAY),
                    "due": iso(t + 50 * DAY)},
        "future": {"title": "明年项目", "unit": "个", "baseline": 0,
                   "target": 10, "start": iso(t + 10 * DAY),
                   "due": iso(t + 50 * DAY)},
    }
    d = Daemon(channels=[rx.channel("ops", events="done")],
               projects=projects,
               extra="[digest]\nat = 03:00\nevery = mon\nchannels = ops\n")
    r = d.post("/v1/digest")
    assert r.status == 202, r
    assert r.json == {"channels": ["ops"], "projects": 3}
    h = wait_for(lambda: [x for x in rx.all() if x.type == "digest"], 10,
                 msg=f"no digest; got {rx.all()}")[0]
    assert h.sig_ok, h.sig_error
    c = h.json["counts"]
    assert c["projects"] == 3 and c["overdue"] == 1 and c["behind"] == 1 \
        and c["not_started"] == 1, c
    text = h.json["text"]
    assert text.startswith("【进度汇总】"), text
    assert "逾期学校" in text and "落后停车场" in text, text
    # The overdue project is listed under 逾期, before the behind one.
    assert text.index("逾期：") < text.index("逾期学校") < \
        text.index("落后：") < text.index("落后停车场"), text
    # The channel's event filter does not hold the digest back, and no
    # event was sent to it (events = done).
    assert [x.type for x in rx.all()] == ["digest"], rx.all()


def test_digest_without_section_is_409():
    d = Daemon()
    r = d.post("/v1/digest")
    assert r.status == 409, r
    assert r.json["error"]["code"] == "not_configured"


def test_digest_arrives_at_its_time():
    rx = Receiver()
    # The next whole local minute at least 5 s away.
    zone = zoneinfo.ZoneInfo(TZ_NAME)  # the daemon's time zone
    t = datetime.datetime.now(zone) + datetime.timedelta(seconds=65)
    at = t.strftime("%H:%M")
    d = Daemon(channels=[rx.channel("ops", events="done")],
               projects=declared(2),
               extra=f"[digest]\nat = {at}\nevery = day\nchannels = ops\n")
    h = wait_for(lambda: [x for x in rx.all() if x.type == "digest"], 80,
                 msg=f"no digest at {at}; got {rx.all()}")[0]
    arrived = datetime.datetime.fromtimestamp(h.received, zone)
    assert arrived.strftime("%H:%M") == at, (arrived, at)
    assert h.json["counts"]["behind"] == 2, h.json
    assert d.running()


test_digest_arrives_at_its_time.timeout = 100


def _check(extra, channels=()):
    tmp = make_tmpdir()
    text = make_config(free_port(), os.path.join(tmp, "p.db"),
                       channels=channels, extra=extra)
    path = os.path.join(tmp, "c.conf")
    with open(path, "w") as f:
        f.write(text)
    p = run_paced(["check-config", "-c", path])
    return p.returncode, p.stdout + p.stderr, text.splitlines()


def _line_of(lines, needle):
    return next(i + 1 for i, l in enumerate(lines) if l.startswith(needle))


def test_channel_keys_are_checked():
    url = "http://127.0.0.1:9/hook"
    cases = [
        # (channel, the key whose line is named, words in the message)
        ({"name": "a", "url": url, "rate": "twenty"}, "rate", "N/PERIOD"),
        ({"name": "a", "url": url, "rate": "0/1m"}, "rate", "N/PERIOD"),
        ({"name": "a", "url": url, "mention_all": "yes"}, "mention_all",
         "dingtalk"),
        ({"name": "a", "type": "dingtalk", "url": url,
          "mention_mobiles": "+86 138"}, "mention_mobiles", "mobile"),
        ({"name": "a", "type": "slack", "url": url, "secret": "x"},
         "secret", "does not use it"),
        # A Standard Webhooks key that could never sign (SPEC's own
        # placeholder among them): refused now, not at the first event.
        ({"name": "a", "url": url, "secret": "whsec_!!!notbase64"},
         "secret", "Standard Webhooks key"),
        ({"name": "a", "url": url, "secret": "whsec_…"}, "secret",
         "Standard Webhooks key"),
        ({"name": "a", "url": url, "secret": "whsec_"}, "secret",
         "Standard Webhooks key"),
        ({"name": "a", "type": "telegram", "url": url}, "[channel.a]",
         "chat_id"),
        ({"name": "a", "type": "email", "url": "smtp://127.0.0.1:25",
          "to": "a@example.gov.cn"}, "[channel.a]", "from"),
        ({"name": "a", "type": "email", "url": "smtp://127.0.0.1:25",
          "from": "paced@example.gov.cn", "to": "not-an-address"}, "to",
         "mail address"),
        ({"name": "a", "type": "email", "url": "smtp://127.0.0.1:25",
          "from": "p@example.gov.cn", "to": "a@example.gov.cn",
          "username": "u"}, "username", "password"),
    ]
    for ch, key, words in cases:
        ch = dict(ch)
        ch.setdefault("type", "webhook")
        rc, out, lines = _check("", channels=[ch])
        assert rc != 0, f"accepted {ch}:\n{out}"
        line = _line_of(lines, key if key.startswith("[") else key + " ")
        assert f"c.conf:{line}:" in out and words in out, \
            f"{ch}: expected line {line} and {words!r} in:\n{out}"


def test_digest_keys_are_checked():
    url = "http://127.0.0.1:9/hook"
    ops = {"name": "ops", "url": url}
    am = {"name": "am", "type": "alertmanager", "url": "http://127.0.0.1:9"}
    for extra, words in [
        ("[digest]\nat = 9am\nchannels = ops\n", "HH:MM"),
        ("[digest]\nat = 24:00\nchannels = ops\n", "HH:MM"),
        ("[digest]\nevery = someday\nchannels = ops\n", "weekday"),
        ("[digest]\nat = 09:00\n", "channels: missing"),
        ("[digest]\nchannels = nowhere\n", "no [channel.nowhere]"),
        ("[digest]\nchannels = am\n", "alertmanager"),
    ]:
        rc, out, lines = _check(extra, channels=[ops, am])
        assert rc != 0 and words in out, f"{extra!r}: {out}"
    rc, out, _ = _check("[digest]\nat = 07:30\nevery = mon, thu\n"
                        "channels = ops\n", channels=[ops])
    assert rc == 0, out
