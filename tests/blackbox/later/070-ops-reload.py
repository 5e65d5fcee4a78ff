"""070-ops-config: listeners (several, unix socket), the open-API rule,
and SIGHUP reloading channels and declared projects without dropping
connections."""

import os
import socket
import time

from harness import (Daemon, Receiver, StartError, assert_event_hook,
                     free_port, local_day, make_config, make_tmpdir, now,
                     project, wait_for, DAY)


def _unix_get(path, sock_path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(sock_path)
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
              .encode())
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    return data






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
    time.sleep(1.0)
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


def test_sighup_with_bad_config_keeps_running():
    a = Receiver()
    d = Daemon(channels=[a.channel("ops")])
    good = open(d.conf_path, encoding="utf-8").read()
    d.write_config_text(good + "\n[server2]\nx = 1\n")
    d.reload()
    time.sleep(1.0)
    assert d.running(), "paced exited on a SIGHUP with a bad config"
    assert d.get("/healthz").status == 200
    # The old channels are still in force.
    d.create(project("after", start=-50, due=50))
    a.wait_hook("project.behind", "after")
    assert "paced.conf:" in d.stderr(), "the reload error is not logged " \
        "with file:line"
