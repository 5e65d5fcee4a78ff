"""050-http-protocol: HTTP/1.1 as clients really speak it: keep-alive,
pipelining, chunked bodies, Expect: 100-continue, limits, hostile input."""

import json
import re
import socket
import time

from harness import ConnectionClosed, project


def _get(path, extra=""):
    return (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}\r\n").encode()


def _post(path, body, extra=""):
    data = json.dumps(body, ensure_ascii=False).encode()
    return (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Content-Type: application/json\r\n"
            f"Content-Length: {len(data)}\r\n{extra}\r\n").encode() + data


def _check_framing(r):
    assert "content-type" in r.headers, f"no Content-Type: {r.head!r}"
    if r.status != 204:
        assert "content-length" in r.headers, f"no Content-Length: {r.head!r}"
        assert int(r.headers["content-length"]) == len(r.raw)




















def test_metrics_format(d):
    d.create(project("parking"))
    d.update("parking", {"value": 120})
    r = d.get("/metrics")
    assert r.status == 200, r
    assert r.headers["content-type"].startswith("text/plain"), r.headers
    text = r.raw.decode()

    def sample(name, **labels):
        for ln in text.splitlines():
            m = re.match(r"^(\w+)(?:\{(.*)\})?\s+(\S+)", ln)
            if not m or m.group(1) != name:
                continue
            got = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2) or ""))
            if all(got.get(k) == v for k, v in labels.items()):
                return float(m.group(3))
        raise AssertionError(f"no sample {name}{labels} in /metrics:\n"
                             f"{text[:3000]}")
    assert sample("paced_project_current", project="parking") == 120
    assert sample("paced_project_target", project="parking") == 350
    assert abs(sample("paced_project_expected", project="parking") - 175) < 1
    assert abs(sample("paced_project_gap_ratio", project="parking") -
               (0.5 - 120 / 350)) < 0.01
    assert sample("paced_project_status", project="parking",
                  status="behind") == 1
    assert sample("paced_updates_total") >= 1














