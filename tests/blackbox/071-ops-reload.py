"""071-ops-reload: SIGHUP reloads channels, declared projects and
thresholds without dropping connections; a bad file changes nothing and
its file:line error is logged; settings that need a restart keep their
running values."""

import json
import os
import time

from harness import (Daemon, Receiver, assert_event_hook, local_day, now,
                     project, wait_for, DAY)


def _reloaded(d, n=1):
    """Waits until paced logged its n-th finished reload."""
    wait_for(lambda: d.stderr().count("configuration reloaded") >= n, 5,
             msg=f"reload #{n} logged")


def test_sighup_reloads_channels_without_dropping_connections():
    a, b = Receiver(), Receiver()
    d = Daemon(channels=[a.channel("ops")])
    d.create(project("first", start=-50, due=50))
    a.wait_hook("project.behind", "first")
    c = d.connect()
    c.send(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    assert c.read_response().status == 200
    d.write_config(channels=[b.channel("ops")])
    d.reload()
    _reloaded(d)
    assert d.running(), "paced exited on SIGHUP"
    # The keep-alive connection survived the reload.
    c.send(b"GET /v1/projects/first HTTP/1.1\r\nHost: x\r\n\r\n")
    r = c.read_response()
    assert r.status == 200 and r.json["id"] == "first", r
    d.create(project("second", start=-50, due=50))
    h = b.wait_hook("project.behind", "second")
    assert_event_hook(h, "project.behind", "second", previous=None)
    time.sleep(1.0)
    assert [x.json["project"]["id"] for x in a.all()] == ["first"], \
        "the old channel still gets events after the reload"


def test_sighup_reloads_declared_projects():
    t = now()
    decl = {"title": "新开办中小学", "unit": "所", "target": 14,
            "start": local_day(t - 10 * DAY), "due": local_day(t + 300 * DAY)}
    d = Daemon(projects={"schools": decl})
    d.update("schools", {"value": 2})
    d.write_config(projects={"schools": dict(decl, title="新开办中小学、幼儿园"),
                             "beds": {"title": "照护床位", "target": 165,
                                      "start": decl["start"],
                                      "due": decl["due"]}})
    d.reload()
    wait_for(lambda: sorted(p["id"] for p in d.projects()) ==
             ["beds", "schools"], 5, msg="declared projects reloaded")
    p = d.project("schools")
    assert p["title"] == "新开办中小学、幼儿园" and p["current"] == 2, p
    # Removed from the file: archived, its history kept.
    d.write_config(projects={"beds": {"title": "照护床位", "target": 165,
                                      "start": decl["start"],
                                      "due": decl["due"]}})
    d.reload()
    wait_for(lambda: [p["id"] for p in d.projects()] == ["beds"], 5,
             msg="undeclared project archived")
    assert d.get("/v1/projects/schools").status == 404
    assert "no longer declared" in d.stderr()
    # Declared again: restored with its updates.
    d.write_config(projects={"schools": decl})
    d.reload()
    wait_for(lambda: [p["id"] for p in d.projects()] == ["schools"], 5,
             msg="declared project restored")
    assert d.project("schools")["current"] == 2


def test_sighup_with_bad_config_keeps_running():
    a = Receiver()
    d = Daemon(channels=[a.channel("ops")])
    good = open(d.conf_path, encoding="utf-8").read()
    lines = good.count("\n")
    d.write_config_text(good + "\n[server2]\nx = 1\n")
    d.reload()
    wait_for(lambda: "reload refused" in d.stderr(), 5, msg="refusal logged")
    assert d.running(), "paced exited on a SIGHUP with a bad config"
    assert d.get("/healthz").status == 200
    # The old channels are still in force.
    d.create(project("after", start=-50, due=50))
    a.wait_hook("project.behind", "after")
    line = [x for x in d.stderr().splitlines() if "reload refused" in x][0]
    assert line.startswith("<3>"), f"not logged at err level: {line}"
    assert f"paced.conf:{lines + 2}:" in line, \
        f"the reload error is not logged with file:line: {line}"
    # Checks beyond the parser refuse a reload the same way: a channel
    # type this build lacks, a bad project.
    for extra, where in (
            ("[channel.x]\ntype = carrier-pigeon\nurl = http://127.0.0.1:9/\n",
             "type"),
            ("[project.bad]\ntitle = t\ntarget = 10\nstart = 2024-05-01\n"
             "due = 2024-01-01\n", "project.bad")):
        n = d.stderr().count("reload refused")
        d.write_config_text(good + "\n" + extra)
        d.reload()
        wait_for(lambda: d.stderr().count("reload refused") > n, 5,
                 msg=f"refusal of {where}")
        line = [x for x in d.stderr().splitlines()
                if "reload refused" in x][-1]
        assert "paced.conf:" in line and where in line, line
    assert [p["id"] for p in d.projects()] == ["after"]
    d.create(project("later", start=-50, due=50))
    a.wait_hook("project.behind", "later")


def test_sighup_threshold_change_reevaluates():
    a = Receiver()
    d = Daemon(channels=[a.channel("ops")])
    # Expected 175 of 350 now; 147 is a gap of 0.08: at_risk with the
    # defaults (0.05 / 0.10), behind once behind is 0.05.
    d.create(project("edge", start=-50, due=50))
    d.update("edge", {"value": 147})
    assert d.project("edge")["status"] == "at_risk"
    d.write_config(channels=[a.channel("ops")],
                   alerts={"at_risk": "0.02", "behind": "0.05"})
    d.reload()
    # The first project.behind came with the creation (no update yet).
    h = a.wait_hook("project.behind", "edge", n=2)
    assert_event_hook(h, "project.behind", "edge", previous="at_risk")
    assert d.project("edge")["status"] == "behind"


def test_sighup_keeps_settings_that_need_a_restart():
    d = Daemon(server={"max_body": "64k"})
    c = d.connect()
    d.write_config(server={"max_body": "2k", "idle_timeout": "5s",
                           "log_level": "debug"},
                   storage={"path": os.path.join(d.tmp, "other.db")})
    d.reload()
    _reloaded(d)
    err = d.stderr()
    for key in ("max_body", "idle_timeout", "[storage] path"):
        assert f"{key} changed" in err, f"no warning for {key}: {err}"
    # The old body limit holds: 10 KB is still accepted.
    body = json.dumps(project("big")) + " " * 10000
    r = d.post("/v1/projects", body,
               headers={"Content-Type": "application/json"})
    assert r.status == 201, r
    # The connection opened before the reload still serves.
    c.send(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    assert c.read_response().status == 200
    assert not os.path.exists(os.path.join(d.tmp, "other.db"))
    # log_level is applied: debug lines may appear; the daemon keeps going.
    assert d.running()



def test_sighup_during_start_up_reloads_once_ready():
    # A SIGHUP's default action ends a process; one that arrives while
    # paced starts (here: once it has its database open, during the
    # migrations of a new file) must wait for the handler, not kill it.
    import signal
    import threading
    d = Daemon(start=False)
    d.write_config()
    failed = []
    t = threading.Thread(target=lambda: _start_or_note(d, failed))
    t.start()
    db = os.path.join(d.tmp, "paced.db")
    deadline = time.monotonic() + 10
    sent = False
    while not sent and time.monotonic() < deadline and t.is_alive():
        p = d.proc
        try:
            fds = os.listdir(f"/proc/{p.pid}/fd") if p else []
            sent = any(os.readlink(f"/proc/{p.pid}/fd/{f}") == db
                       for f in fds)
        except OSError:
            pass
        if sent:
            p.send_signal(signal.SIGHUP)
        time.sleep(0.0005)
    t.join()
    assert sent, "never saw paced open its database"
    assert not failed, failed[0]
    _reloaded(d)
    assert d.get("/healthz").status == 200


def _start_or_note(d, failed):
    try:
        d.start()
    except Exception as e:  # noqa: BLE001 - reported by the test
        failed.append(e)


def test_thresholds_that_would_void_an_api_project_are_refused():
    # beta keeps at_risk 0.08 of its own; the file then lowers behind to
    # 0.07, below it. A reload refuses that file, and so must a restart,
    # rather than serve without beta (404, yet 409 on a new beta).
    from harness import StartError
    d = Daemon()
    d.create(project("beta", thresholds={"at_risk": 0.08}))
    d.update("beta", {"value": 5})
    d.write_config(alerts={"at_risk": "0.06", "behind": "0.07"})
    d.reload()
    wait_for(lambda: "reload refused" in d.stderr(), 5, msg="refused")
    assert "project beta (created through the API) would then be " \
        "invalid" in d.stderr().split("reload refused")[1], d.stderr()
    d.stop()
    try:
        d.start()
        raise AssertionError("started without beta")
    except StartError:
        pass
    log = d.stderr().split("==== start #2 ====")[1]
    assert "project beta (created through the API) would then be " \
        "invalid" in log, log
    assert f"{d.conf_path}: [alerts] at_risk/behind" in log, log
    d.write_config()
    d.start()
    assert d.project("beta")["current"] == 5
