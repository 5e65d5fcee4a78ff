"""036-channels-chat: alerts reach DingTalk, WeCom, Feishu, Slack, Discord,
Teams and Telegram in each platform's own format, signed where the platform
signs, within each platform's size and rate limits, and paced reads each
platform's answer (errcode, code, ok) the way the platform means it."""

import time

from harness import (Daemon, project, wait_for, now, iso, DAY,
                     not_under_valgrind)
from platforms import PlatformReceiver

KINDS = ("dingtalk", "wecom", "feishu", "slack", "discord", "teams",
         "telegram")
SECRETS = {"dingtalk": "SEC5a1f0c2b7d9e4f3a8b6c1d0e2f4a6b8c0d2e4f6a8b0c",
           "feishu": "f3Kp9wQz2LmN8xYv"}


def receivers(kinds=KINDS):
    return {k: PlatformReceiver(k, secret=SECRETS.get(k)) for k in kinds}


def states(d, pid, typ):
    [e] = [e for e in d.events(project=pid) if e["type"] == typ]
    return {x["channel"]: x for x in e["deliveries"]}


def test_every_platform_gets_a_readable_alert():
    rxs = receivers()
    d = Daemon(channels=[rx.channel(k) for k, rx in rxs.items()])
    d.create(project("parking", start=-50, due=50, owner="区建设局"))
    for k, rx in rxs.items():
        wait_for(lambda: rx.all(), 10, msg=f"{k}: nothing arrived")
    wait_for(lambda: all(x["state"] != "pending" for x in
                         states(d, "parking", "project.behind").values()),
             10, msg="deliveries still pending")
    for k, rx in rxs.items():
        assert rx.problems == [], f"{k} would refuse: {rx.problems}"
        [r] = rx.all()
        text = rx.text_of(r)
        for words in ("【落后】", "新增公共停车泊位", "350", "个",
                      "百分点", "区建设局"):
            assert words in text, f"{k}: {words!r} not in {text!r}"
        # Numbers are for people.
        assert "0.000000" not in text and "175.000" not in text, text
    got = states(d, "parking", "project.behind")
    assert {c: x["state"] for c, x in got.items()} == \
        {k: "sent" for k in KINDS}, got


def test_english_channel_speaks_english():
    rxs = receivers(("wecom", "telegram"))
    d = Daemon(channels=[rx.channel(k, language="en")
                         for k, rx in rxs.items()])
    d.create(project("parking", start=-50, due=50))
    for k, rx in rxs.items():
        wait_for(lambda: rx.all(), 10, msg=f"{k}: nothing arrived")
        assert rx.problems == [], rx.problems
        text = rx.text_of(rx.all()[0])
        assert "[Behind]" in text and "points" in text, (k, text)


def test_dingtalk_mentions_are_visible_and_listed():
    rx = PlatformReceiver("dingtalk", secret=SECRETS["dingtalk"])
    d = Daemon(channels=[rx.channel(
        "ding", mention_mobiles="13800000000, 13900000001")])
    d.create(project("parking", start=-50, due=50))
    [r] = wait_for(lambda: rx.all(), 10, msg="nothing arrived")
    assert rx.problems == [], rx.problems
    at = r.json.get("at") or {}
    assert sorted(at.get("atMobiles", [])) == ["13800000000", "13900000001"]
    assert at.get("isAtAll") in (False, None), at
    for m in ("13800000000", "13900000001"):
        assert f"@{m}" in r.json["markdown"]["text"]


def test_dingtalk_mention_all():
    rx = PlatformReceiver("dingtalk")
    d = Daemon(channels=[rx.channel("ding", mention_all="yes")])
    d.create(project("parking", start=-50, due=50))
    [r] = wait_for(lambda: rx.all(), 10, msg="nothing arrived")
    assert rx.problems == [], rx.problems
    assert r.json["at"]["isAtAll"] is True, r.json


def test_security_check_failure_is_dead_at_once():
    """A wrong secret is a configuration error the platform reports inside
    an HTTP 200: paced must not count it as delivered, nor retry it."""
    ding = PlatformReceiver("dingtalk", secret="SECthe-right-one")
    fei = PlatformReceiver("feishu", secret="the-right-one")
    d = Daemon(channels=[ding.channel("ding", secret="SECa-wrong-one"),
                         fei.channel("fei", secret="a-wrong-one")])
    d.create(project("parking", start=-50, due=50))
    wait_for(lambda: all(x["state"] == "dead" for x in
                         states(d, "parking", "project.behind").values()),
             10, msg=f"not dead: {states(d, 'parking', 'project.behind')}")
    got = states(d, "parking", "project.behind")
    assert "310000" in got["ding"]["last_error"], got
    assert "19021" in got["fei"]["last_error"], got
    time.sleep(6)  # past the first backoff: no retry came
    assert len(ding.all()) == 1 and len(fei.all()) == 1
    assert "310000" in d.stderr() or "configuration" in d.stderr()


def test_platform_rate_limit_codes_pause_the_channel():
    """DingTalk 130101, WeCom 45009 and Feishu 11232 come with HTTP 200;
    each means "too many": retry later, after more than the usual 5 s."""
    rxs = receivers(("dingtalk", "wecom", "feishu"))
    rxs["dingtalk"].script = [(200, {"errcode": 130101,
                                     "errmsg": "send too fast, exceed 20 "
                                               "times per minute"})]
    rxs["wecom"].script = [(200, {"errcode": 45009,
                                  "errmsg": "api freq out of limit"})]
    rxs["feishu"].script = [(200, {"code": 11232,
                                   "msg": "frequency limited", "data": {}})]
    d = Daemon(channels=[rx.channel(k) for k, rx in rxs.items()])
    d.create(project("parking", start=-50, due=50))
    for k, rx in rxs.items():
        wait_for(lambda: rx.all(), 10, msg=f"{k}: nothing arrived")
    wait_for(lambda: all(x["attempts"] == 1 for x in
                         states(d, "parking", "project.behind").values()),
             10, msg="attempts not recorded")
    got = states(d, "parking", "project.behind")
    for k, code in (("dingtalk", "130101"), ("wecom", "45009"),
                    ("feishu", "11232")):
        assert got[k]["state"] == "pending", got[k]
        assert code in got[k]["last_error"], got[k]
    time.sleep(7)  # a plain failure would have been retried after ~5 s
    for k, rx in rxs.items():
        assert len(rx.all()) == 1, f"{k} retried during its pause"


def test_25_projects_at_once_through_dingtalk_stay_under_20_a_minute():
    rx = PlatformReceiver("dingtalk", secret=SECRETS["dingtalk"])
    t = now()
    projects = {f"site-{i:02d}": {
        "title": f"拆违点位{i:02d}", "unit": "处", "baseline": 495,
        "target": 0, "start": iso(t - 50 * DAY), "due": iso(t + 50 * DAY),
    } for i in range(25)}
    d = Daemon(channels=[rx.channel("ding")], projects=projects)
    wait_for(lambda: all(x["state"] == "sent" for e in d.events()
                         for x in e["deliveries"]) and len(d.events()) == 25,
             15, msg="not every event was delivered")
    reqs = rx.all()
    assert rx.problems == [], rx.problems
    assert 1 <= len(reqs) <= 20, f"{len(reqs)} requests in the first minute"
    text = "\n".join(rx.texts())
    missing = [i for i in range(25) if f"拆违点位{i:02d}" not in text]
    assert missing == [], f"projects missing from what was sent: {missing}"


@not_under_valgrind("one summary of 4 needs the window's end to free just "
                    "one slot; valgrind's late timer frees several")
def test_one_by_one_the_21st_waits_for_the_minute():
    """Events that arrive one by one go out one by one until the limit;
    the rest wait (pending, not dropped) and then go out as a summary."""
    rx = PlatformReceiver("wecom")
    d = Daemon(channels=[rx.channel("wx")])
    for i in range(24):
        d.create(project(f"p{i:02d}", start=-50, due=50,
                         title=f"老旧小区{i:02d}"))
        time.sleep(0.05)  # one event per outbox scan
    wait_for(lambda: len(rx.all()) >= 20, 15, msg="20 requests")
    time.sleep(3)
    assert len(rx.all()) == 20, f"{len(rx.all())} requests in a minute"
    pending = [e["project"]["id"] for e in d.events()
               if e["deliveries"][0]["state"] == "pending"]
    assert len(pending) == 4, pending
    first = rx.all()[0].received
    wait_for(lambda: len(rx.all()) >= 21, 75, msg="the summary")
    assert rx.all()[20].received - first >= 59.5, "the limit was broken"
    text = "\n".join(rx.texts())
    for i in range(24):
        assert f"老旧小区{i:02d}" in text, f"老旧小区{i:02d} never sent"
    assert "【汇总】4 条" in rx.text_of(rx.all()[20]), rx.texts()[20]
    assert rx.problems == [], rx.problems


test_one_by_one_the_21st_waits_for_the_minute.timeout = 100


def test_big_summaries_are_split_to_fit():
    """60 long titles at once through WeCom (4096 bytes a message): several
    summaries, each within the limit, together naming every project."""
    rx = PlatformReceiver("wecom")
    t = now()
    long = "上城区老旧小区综合改造提升工程" * 4  # 60 characters
    projects = {f"c{i:02d}": {
        "title": f"{long}{i:02d}", "unit": "个", "baseline": 0,
        "target": 63, "start": iso(t - 50 * DAY), "due": iso(t + 50 * DAY),
    } for i in range(60)}
    d = Daemon(channels=[rx.channel("wx")], projects=projects)
    wait_for(lambda: len(d.events()) == 60 and
             all(x["state"] == "sent" for e in d.events()
                 for x in e["deliveries"]),
             20, msg="not every event was delivered")
    assert rx.problems == [], rx.problems
    assert 2 <= len(rx.all()) <= 20, len(rx.all())
    text = "\n".join(rx.texts())
    for i in range(60):
        assert f"{long}{i:02d}" in text, f"c{i:02d} missing"


def test_credentials_never_reach_the_log():
    """The access token in a robot's URL and a signing secret are
    credentials: failures, retries and dead deliveries are logged without
    them."""
    ding = PlatformReceiver("dingtalk", secret=SECRETS["dingtalk"])
    ding.script = [(503, {"errcode": -1, "errmsg": "busy"}),
                   (200, {"errcode": 310000, "errmsg": "sign not match"})]
    tg = PlatformReceiver("telegram")
    tg.script = [(401, {"ok": False, "error_code": 401,
                        "description": "Unauthorized"})]
    d = Daemon(channels=[ding.channel("ding"), tg.channel("tg")],
               alerts={"public_url": "https://paced.example.gov.cn"})
    d.create(project("parking", start=-50, due=50))
    wait_for(lambda: all(x["state"] == "dead" for x in
                         states(d, "parking", "project.behind").values()),
             20, msg="deliveries not settled")
    log = d.stderr()
    assert "dead" in log, log  # the failures were logged at all
    for secret in ("6a8c1f", SECRETS["dingtalk"], "123456:ABC-DEF"):
        assert secret not in log, f"{secret!r} in the log:\n{log}"
    with open(d.conf_path) as f:
        assert "6a8c1f" in f.read()  # the test would catch it


test_credentials_never_reach_the_log.timeout = 40
