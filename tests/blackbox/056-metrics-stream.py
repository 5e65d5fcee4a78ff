"""056-metrics-stream: /metrics of a registry over 4096 projects is sent
a piece per loop turn: every project family whole (one sample per
project, in id order, the values GET /v1/projects/{id} shows), the same
families and HELP/TYPE lines as a small registry's one-shot answer, and
other requests answered while a slow reader holds the stream."""

import importlib.util
import math
import os
import re
import socket

from harness import Daemon, RawConn, parse_when

# Over the 4096 projects answered at once (METRICS_STREAM_AT).
MANY = 4200
UPDATED = ("m-00000", "m-02100", "m-04199")

_spec = importlib.util.spec_from_file_location(
    "list_stream", os.path.join(os.path.dirname(__file__),
                                "012-projects-list-stream.py"))
_ls = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_ls)

SAMPLE_RE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL_RE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
STATUSES = ["done", "overdue", "not_started", "behind", "at_risk",
            "on_track"]
# family -> the project field its value is (None: handled apart).
PER_PROJECT = {
    "paced_project_current": "current",
    "paced_project_expected": "expected",
    "paced_project_target": "target",
    "paced_project_baseline": "baseline",
    "paced_project_progress_ratio": "progress",
    "paced_project_expected_progress_ratio": "expected_progress",
    "paced_project_gap_ratio": "gap",
    "paced_project_status": None,
    "paced_project_stale": None,
    "paced_project_due_timestamp_seconds": None,
    "paced_project_last_update_timestamp_seconds": None,
}


def _populate(d):
    ids = [f"m-{i:05d}" for i in range(MANY)]
    # Created from four connections at once: not in id order.
    _ls._create_all(d, [_ls._old(pid) for pid in ids])
    for k, pid in enumerate(UPDATED):
        r = d.post(f"/v1/projects/{pid}/updates", {"value": 10 * (k + 1)})
        assert r.status == 201, r
    return ids


def _parse(text):
    """[(family, help, type, [(name, labels, value)])] in order."""
    fams = []
    for ln in text.splitlines():
        if ln.startswith("# HELP "):
            name, _, help_ = ln[7:].partition(" ")
            fams.append([name, help_, None, []])
        elif ln.startswith("# TYPE "):
            name, _, typ = ln[7:].partition(" ")
            assert fams and fams[-1][0] == name, ln
            fams[-1][2] = typ
        else:
            m = SAMPLE_RE.match(ln)
            assert m, f"not a sample line: {ln!r}"
            assert fams and m.group(1).startswith(fams[-1][0]), ln
            fams[-1][3].append((m.group(1), dict(LABEL_RE.findall(
                m.group(2) or "")), float(m.group(3))))
    return fams


def _scrape_streamed(d, method="GET"):
    c = d.connect()
    c.send(f"{method} /metrics HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    r = c.read_response(method=method)
    assert r.status == 200, r
    assert r.headers.get("transfer-encoding") == "chunked", r.head
    assert r.headers["content-type"] == \
        "text/plain; version=0.0.4; charset=utf-8", r.head
    return c, r


def test_streamed_families_match_each_project(d):
    ids = _populate(d)
    _, r = _scrape_streamed(d)
    fams = _parse(r.raw.decode("utf-8"))
    by_name = {f[0]: f for f in fams}
    assert len(by_name) == len(fams), "a family written twice"

    # The same families, HELP and TYPE lines, in the same order, as the
    # one-shot answer of a small registry.
    small = Daemon()
    small.create(_ls._old("only"))
    got = small.get("/metrics")
    assert got.status == 200 and "content-length" in got.headers, got
    one_shot = _parse(got.raw.decode("utf-8"))
    assert [(f[0], f[1], f[2]) for f in fams] == \
        [(f[0], f[1], f[2]) for f in one_shot]

    [(_, _, count)] = by_name["paced_projects"][3]
    assert count == MANY
    # Every project family: each project once, in id order.
    for name, field in PER_PROJECT.items():
        samples = by_name[name][3]
        if name == "paced_project_status":
            assert [(s[1]["project"], s[1]["status"]) for s in samples] == \
                [(pid, st) for pid in ids for st in STATUSES], name
        elif name == "paced_project_last_update_timestamp_seconds":
            assert [s[1]["project"] for s in samples] == list(UPDATED)
        else:
            assert [s[1]["project"] for s in samples] == ids, name
    # And each project's samples are what its own view says.
    values = {(name, s[1]["project"], s[1].get("status")): s[2]
              for name in PER_PROJECT for s in by_name[name][3]}
    for pid in ids[::97] + list(UPDATED):
        p = d.project(pid)
        for name, field in PER_PROJECT.items():
            # The JSON has 15 significant digits, the exposition as
            # many as the double needs.
            if field:
                assert math.isclose(values[(name, pid, None)], p[field],
                                    rel_tol=1e-13), (name, p)
        for st in STATUSES:
            assert values[("paced_project_status", pid, st)] == \
                (1 if p["status"] == st else 0), (pid, st, p["status"])
        assert values[("paced_project_stale", pid, None)] == \
            (1 if p["stale"] else 0)
        assert values[("paced_project_due_timestamp_seconds", pid, None)] \
            == parse_when(p["due"]), (pid, p["due"])
        if pid in UPDATED:
            assert values[("paced_project_last_update_timestamp_seconds",
                           pid, None)] == parse_when(p["updated_at"]), p


test_streamed_families_match_each_project.timeout = 180


def test_head_of_a_streamed_scrape(d):
    _populate(d)
    c, r = _scrape_streamed(d, method="HEAD")
    assert r.raw == b"", r
    # The connection carries on.
    c.send(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    assert c.read_response().status == 200


test_head_of_a_streamed_scrape.timeout = 180


def test_requests_answered_while_a_scrape_streams(d):
    _populate(d)
    before = d.get("/metrics")
    updates = [s for s in before.raw.decode().splitlines()
               if s.startswith("paced_updates_total ")]
    assert updates == [f"paced_updates_total {len(UPDATED)}"], updates
    # Some 4 MB of text: still being written while these are answered.
    r = _ls._answered_while_unread(
        d, "/metrics", lambda: _ls._readyz_and_update(d, "m-01000", 5))
    assert r.status == 200, r
    text = r.raw.decode("utf-8")
    # The update's count is read at the end of the scrape: after the
    # update was served, which it could not be had the scrape been
    # written in one go before it.
    assert f"paced_updates_total {len(UPDATED) + 1}\n" in text, \
        [ln for ln in text.splitlines() if "updates_total" in ln]
    fams = {f[0]: f for f in _parse(text)}
    assert len(fams["paced_project_target"][3]) == MANY


test_requests_answered_while_a_scrape_streams.timeout = 180
