"""092-dashboard-stream: the index page (GET /) with more cards than one
piece holds is sent a piece per loop turn: the page a small registry gets
in one answer (every group, card and count in its place, each card byte
for byte), chunked for HTTP/1.1, close-delimited for HTTP/1.0, nothing
for HEAD; and other requests are answered while a client that asked for
a large page reads nothing."""

import html
import importlib.util
import os
import re

from harness import project

_spec = importlib.util.spec_from_file_location(
    "list_stream", os.path.join(os.path.dirname(__file__),
                                "012-projects-list-stream.py"))
_ls = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_ls)

# The page's order within a group: worst news first.
SEVERITY = {"overdue": 0, "behind": 1, "at_risk": 2, "on_track": 3,
            "not_started": 4, "done": 5}
TAG_SETS = [[], ["亚运"], ["民生实事", "亚运"], ["a&b"]]
CARD_RE = re.compile(rb'<article class="card" data-project="([^"]*)".*?'
                     rb'</article>\n', re.S)
SECTION_RE = re.compile(rb'<section class="group" data-tag="([^"]*)">'
                        rb'<h2>.*? <small class="meta">(\d+)</small></h2>\n'
                        rb'(.*?)</section>\n', re.S)
AS_OF_RE = re.compile(rb'<p class="meta">\xe6\x9b\xb4\xe6\x96\xb0\xe4\xba'
                      rb'\x8e [^<]*</p>')


def _mixed(i):
    """Overdue, not started, on track (the first of them half-way, to be
    updated), and stale on track, in turn, with one of TAG_SETS."""
    pid, tags = f"p-{i:05d}", TAG_SETS[i // 4 % 4]
    kind = i % 4
    if kind == 0:
        return project(pid, start=-100, due=-10, tags=tags)
    if kind == 1:
        return project(pid, start=10, due=100, tags=tags)
    if kind == 2 and i < 122:  # half-way: updated later
        return project(pid, tags=tags)
    if kind == 2:
        return project(pid, start=-20, due=1000, tags=tags)
    return project(pid, start=-20, due=1000, tags=tags,
                   report_every="7d", grace="1d")


def _expected_groups(ps):
    """[(tag, [ids in page order])] as the page must show every project
    of ps (API objects), "" for the group without a tag."""
    def key(p):
        return (SEVERITY[p["status"]], not p["stale"], p["id"])

    tags = sorted({t for p in ps for t in p.get("tags") or []})
    out = [(t, [p["id"] for p in sorted(
        (p for p in ps if t in (p.get("tags") or [])), key=key)])
        for t in tags]
    out.append(("", [p["id"] for p in sorted(
        (p for p in ps if not p.get("tags")), key=key)]))
    return [(t, ids) for t, ids in out if ids]


def _sections(body):
    """[(tag, heading count, [card ids])] of a page."""
    return [(html.unescape(m.group(1).decode()), int(m.group(2)),
             [c.decode() for c in re.findall(
                 rb'data-project="([^"]*)"', m.group(3))])
            for m in SECTION_RE.finditer(body)]


def _get_index(d, path="/", version="1.1"):
    c = d.connect()
    c.send(_ls._get(path, version))
    return c.read_response()


def _get_http10(d, path="/"):
    """The answer to an HTTP/1.0 GET: its body ends with the close."""
    c = d.connect(timeout=30)
    c.send(_ls._get(path, "1.0"))
    r = c.read_response()
    assert c.is_closed()
    return r


def test_streamed_page_matches_every_group_and_card(d):
    n = 2000
    _ls._create_all(d, [_mixed(i) for i in range(n)])
    # Behind, at risk and done, a few of each, for the counts and order.
    for i in range(2, 2 + 4 * 30, 4):
        value = (120, 150, 350)[i // 4 % 3]
        d.update(f"p-{i:05d}", {"value": value})
    ps = d.projects()
    assert len(ps) == n
    r = _get_index(d)
    assert r.status == 200, r
    assert r.headers.get("transfer-encoding") == "chunked", r.head
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert r.raw.endswith(b"</main></body></html>\n")
    # Every group in order, with its count and its cards in order.
    got = _sections(r.raw)
    want = _expected_groups(ps)
    assert [(t, c) for t, c, _ in got] == [(t, len(ids)) for t, ids in
                                           want], [g[:2] for g in got]
    for (t, _, ids), (_, want_ids) in zip(got, want):
        assert ids == want_ids, (t, ids[:5], want_ids[:5])
    # The counts at the top.
    counts = dict(re.findall(
        rb'<a href="/(?:\?(status=\w+|stale=true))?">[^<]* (\d+)</a>',
        r.raw.split(b'<p class="counts">')[1].split(b"</p>")[0]))
    by = {}
    for p in ps:
        by[b"status=" + p["status"].encode()] = \
            by.get(b"status=" + p["status"].encode(), 0) + 1
    by[b""] = n
    by[b"stale=true"] = sum(p["stale"] for p in ps)
    assert {k: int(v) for k, v in counts.items()} == by, counts
    # A filtered page short enough to be answered at once (the one-shot
    # path, with a Content-Length) has the same frame and the same bytes
    # for each of its cards.
    small = _get_index(d, "/?status=behind")
    assert small.status == 200 and "content-length" in small.headers, \
        small.head
    assert small.raw.split(b"<h1>")[0] == r.raw.split(b"<h1>")[0]
    cards = {m.group(1): m.group(0) for m in CARD_RE.finditer(r.raw)}
    small_cards = list(CARD_RE.finditer(small.raw))
    assert len(small_cards) >= 10
    for m in small_cards:
        assert cards[m.group(1)] == m.group(0), m.group(1)
    # HTTP/1.0: the same page, its end the connection's close.
    r10 = _get_http10(d)
    assert r10.status == 200, r10
    assert "transfer-encoding" not in r10.headers, r10.head
    assert "content-length" not in r10.headers, r10.head
    assert AS_OF_RE.sub(b"", r10.raw) == AS_OF_RE.sub(b"", r.raw)
    # HEAD: the head alone.
    h = d.request("HEAD", "/")
    assert h.status == 200 and h.raw == b"", h
    assert h.headers["content-type"] == "text/html; charset=utf-8"
    assert d.get("/readyz").status == 200


def _wide(pid, tags):
    """A project whose card is some 1.9 KB (long title and owner)."""
    return _ls._old(pid, title="停" * 200, owner="区" * 200, tags=tags)


def test_others_answered_while_a_large_page_is_unread(d):
    # Over 4096 projects: picked over several turns, and a page of some
    # 8 MB that no socket buffer takes whole.
    ids = [f"w-{i:05d}" for i in range(4200)]
    _ls._create_all(d, [_wide(pid, ["t"]) for pid in ids] +
                    [_ls._old("zz-last")])
    r = _ls._answered_while_unread(
        d, "/", lambda: _ls._readyz_and_update(d, "zz-last", 7))
    assert r.status == 200, r
    secs = _sections(r.raw)
    assert [(t, c) for t, c, _ in secs] == [("t", 4200), ("", 1)], \
        [g[:2] for g in secs]
    assert secs[0][2] == ids
    # The last card was made after the update was answered: had the page
    # been finished before, it would show no update.
    last = [m.group(0) for m in CARD_RE.finditer(r.raw)
            if m.group(1) == b"zz-last"]
    assert len(last) == 1 and "7 / 350 个".encode() in last[0], last
    # HTTP/1.0 and HEAD of the large page.
    r10 = _get_http10(d, "/?tag=t")
    assert r10.status == 200, r10
    assert "content-length" not in r10.headers, r10.head
    assert "transfer-encoding" not in r10.headers, r10.head
    assert r10.raw.endswith(b"</main></body></html>\n")
    assert _sections(r10.raw)[0][2] == ids
    r = d.request("HEAD", "/")
    assert r.status == 200 and r.raw == b"", r
    assert d.get("/readyz").status == 200
