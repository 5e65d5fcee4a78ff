"""090-dashboard: the dashboard paced serves itself - GET / (projects by
tag, progress bar with the expected marker, status, stale flag, owner, last
update, filters), GET /projects/{id} (chart, history, events with delivery
states), chart.svg and badge.svg, the cookie login when tokens are
configured, security headers, no external assets, zh-CN and en."""

import hashlib
import re
import secrets
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

from harness import (DAY, Daemon, Receiver, assert_error, iso, now,
                     project, wait_for)

SVG_NS = "{http://www.w3.org/2000/svg}"


class Page(HTMLParser):
    """The parts of a dashboard page the tests look at: every element with
    its attributes and the text inside it, in document order."""

    def __init__(self, raw):
        super().__init__(convert_charrefs=True)
        self.els = []    # [tag, attrs dict, text]
        self.open = []
        self.feed(raw.decode("utf-8"))

    def handle_starttag(self, tag, attrs):
        el = [tag, dict(attrs), ""]
        self.els.append(el)
        if tag not in ("meta", "input", "br", "img", "link", "line",
                       "circle", "rect", "path", "polyline"):
            self.open.append(el)

    def handle_endtag(self, tag):
        for i in range(len(self.open) - 1, -1, -1):
            if self.open[i][0] == tag:
                del self.open[i:]
                break

    def handle_data(self, data):
        for el in self.open:
            el[2] += data

    def find(self, tag=None, **attrs):
        return [e for e in self.els if (tag is None or e[0] == tag) and all(
            e[1].get(k.rstrip("_").replace("_", "-")) == v
            for k, v in attrs.items())]

    def cards(self):
        """{project id: (status, card text, attrs of its elements)}"""
        out = {}
        for e in self.find("article"):
            out.setdefault(e[1]["data-project"], (e[1]["data-status"],
                                                  e[2]))
        return out

    def groups(self):
        """{tag ("" for none): [project ids in order]}"""
        out, cur = {}, None
        for tag, attrs, _ in self.els:
            if tag == "section" and "data-tag" in attrs:
                cur = out.setdefault(attrs["data-tag"], [])
            elif tag == "article" and cur is not None:
                cur.append(attrs["data-project"])
        return out


def page(d, path, status=200, **kw):
    r = d.get(path, **kw)
    assert r.status == status, f"GET {path}: {r}"
    assert r.headers["content-type"] == "text/html; charset=utf-8", r.headers
    return r, Page(r.raw)


def assert_safe_html(r):
    """Security headers, the phone viewport, no script and nothing
    fetched from elsewhere."""
    h = r.headers
    csp = h.get("content-security-policy", "")
    assert "default-src 'none'" in csp and "style-src 'unsafe-inline'" in \
        csp, h
    assert "script-src" not in csp, csp
    assert h.get("x-content-type-options") == "nosniff", h
    assert h.get("referrer-policy") == "no-referrer", h
    assert h.get("x-frame-options") == "DENY", h
    text = r.raw.decode()
    assert '<meta name="viewport" content="width=device-width' in text
    assert "<script" not in text.lower(), text[:2000]
    assert not re.search(r"""(src|href|action)\s*=\s*["']?\s*(https?:)?//""",
                         text, re.I), re.findall(r"(?:src|href)=\S+", text)
    assert not re.search(r"<(link|img|iframe|object|embed)\b", text, re.I)


def make_projects(d):
    """Six projects covering every status, two tags, no tag, stale, a
    burn-down; returns their API objects by id."""
    d.create(project("parking", tags=["亚运", "民生实事"], owner="区建设局"))
    d.update("parking", {"value": 120})                 # 0.34 of 0.5: behind
    d.create(project("schools", title="新建学校", unit="所", target=14,
                     tags=["民生实事"], owner="区教育局"))
    d.update("schools", {"value": 7.2})                 # 0.514: on track
    d.create(project("demolish", title="拆除违法建筑", unit="处",
                     baseline=495, target=0, tags=["亚运"]))
    d.update("demolish", {"value": 280})                # 0.43 of 0.5: at risk
    d.create(project("future", title="未来项目", start=10, due=100))
    d.create(project("finished", title="已完成", tags=["亚运"]))
    d.update("finished", {"value": 350})
    # On track with nothing reported (its curve barely moves yet), but
    # silent for longer than report_every + grace.
    d.create(project("quiet", title="沉默项目", start=-20, due=1000,
                     report_every="7d", grace="1d"))
    d.create(project("late", title="逾期项目", start=-100, due=-1))
    return {p["id"]: p for p in d.projects()}


def test_index_groups_statuses_bars(d):
    ps = make_projects(d)
    assert ps["parking"]["status"] == "behind"
    assert ps["schools"]["status"] == "on_track"
    assert ps["demolish"]["status"] == "at_risk"
    assert ps["future"]["status"] == "not_started"
    assert ps["finished"]["status"] == "done"
    assert ps["late"]["status"] == "overdue"
    assert ps["quiet"]["stale"] is True
    r, pg = page(d, "/")
    assert_safe_html(r)
    assert '<html lang="zh-CN">' in r.raw.decode()
    cards = pg.cards()
    assert set(cards) == set(ps), (sorted(cards), sorted(ps))
    for pid, p in ps.items():
        assert cards[pid][0] == p["status"], (pid, cards[pid], p["status"])
    groups = pg.groups()
    assert sorted(groups["亚运"]) == ["demolish", "finished", "parking"]
    assert sorted(groups["民生实事"]) == ["parking", "schools"]
    assert sorted(groups[""]) == ["future", "late", "quiet"]
    # Worst news first within a group.
    assert groups["亚运"] == ["parking", "demolish", "finished"], groups
    # Status chips in the configured language, the stale flag.
    text = cards["parking"][1]
    assert "落后" in text and "新增公共停车泊位" in text, text
    assert "区建设局" in text and "120 / 350 个" in text, text
    assert "正常" in cards["schools"][1] and "区教育局" in cards["schools"][1]
    assert "预警" in cards["demolish"][1]
    assert "未开始" in cards["future"][1] and "完成" in \
        cards["finished"][1] and "逾期" in cards["late"][1]
    assert "未按时报送" in cards["quiet"][1]
    assert "未按时报送" not in cards["parking"][1]
    stale_flags = pg.find("span", data_stale="true")
    assert len(stale_flags) == 1, stale_flags
    # Last update: the local time of the latest update, or none yet.
    assert "最近更新" in text and re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d",
                                            text), text
    assert "尚无更新" in cards["future"][1]
    # The bar: filled to the progress, a marker where the curve expects
    # the project now (0.5 of the way for these definitions).
    raw = r.raw.decode()
    card = raw[raw.index('data-project="parking"'):]
    fill = float(re.search(r'class="fill st-behind" style="width:([\d.]+)%',
                           card).group(1))
    mark = float(re.search(r'class="mark" style="left:([\d.]+)%',
                           card).group(1))
    assert abs(fill - 100 * 120 / 350) < 0.1, fill
    assert abs(mark - 100 * ps["parking"]["expected_progress"]) < 0.5, mark
    card = raw[raw.index('data-project="demolish"'):]
    fill = float(re.search(r'style="width:([\d.]+)%', card).group(1))
    assert abs(fill - 100 * (495 - 280) / 495) < 0.1, fill


def test_filters(d):
    ps = make_projects(d)
    _, pg = page(d, "/", params={"status": "behind"})
    assert set(pg.cards()) == {"parking"}, pg.cards()
    _, pg = page(d, "/", params={"tag": "亚运"})
    assert set(pg.cards()) == {"parking", "demolish", "finished"}
    assert list(pg.groups()) == ["亚运"], pg.groups()
    _, pg = page(d, "/", params={"tag": "亚运", "status": "done"})
    assert set(pg.cards()) == {"finished"}
    _, pg = page(d, "/", params={"stale": "true"})
    assert set(pg.cards()) == {"quiet"}
    # The form's "all" is an empty value.
    _, pg = page(d, "/", params={"status": "", "tag": ""})
    assert set(pg.cards()) == set(ps)
    r, pg = page(d, "/", params={"status": "overdue", "tag": "民生实事"})
    assert pg.cards() == {} and pg.find(id="empty"), r
    # The form offers every tag and status, the current ones selected.
    _, pg = page(d, "/", params={"tag": "民生实事"})
    opts = [e[1].get("value") for e in pg.find("option")]
    assert "亚运" in opts and "民生实事" in opts and "behind" in opts, opts
    assert [e[1]["value"] for e in pg.find("option") if "selected" in
            e[1]] == ["民生实事"]
    # The counts link to the filtered views.
    r, _ = page(d, "/")
    assert 'href="/?status=behind"' in r.raw.decode()
    r, pg = page(d, "/", status=422, params={"status": "bogus"})
    assert "status" in r.raw.decode()


def _svg_of(html):
    m = re.search(r'<svg xmlns="http://www.w3.org/2000/svg" class="chart".*?'
                  r'</svg>', html, re.S)
    assert m, html[:3000]
    return ET.fromstring(m.group(0))


def _by_class(svg, cls):
    return [e for e in svg.iter() if e.get("class") == cls]


def test_project_page_chart_history_events():
    rx, bad = Receiver(), Receiver(default=410)
    d = Daemon(channels=[rx.channel("ops"), bad.channel("broken")])
    t = now()
    d.create(project(
        "parking", tags=["亚运"], curve="milestones", owner="区建设局",
        start=-60, due=40,
        milestones=[{"at": iso(t - 30 * DAY), "value": 100},
                    {"at": iso(t + 10 * DAY), "value": 300}],
        pauses=[{"from": iso(t - 50 * DAY), "to": iso(t - 45 * DAY),
                 "reason": "疫情<停工>"}]))
    for days, value in ((-40, 20), (-20, 60), (-5, 100)):
        d.update("parking", {"value": value, "at": iso(t + days * DAY)})
    d.update("parking", {"delta": 20, "note": "新增 <b>20</b> 个 & 更多"})
    rx.wait_hook("project.behind", "parking")
    wait_for(lambda: any(dl["state"] == "dead" for e in d.events(
        project="parking") for dl in e["deliveries"]), msg="dead delivery")
    wait_for(lambda: any(dl["state"] == "sent" for e in d.events(
        project="parking") for dl in e["deliveries"]), msg="sent delivery")
    p = d.project("parking")
    r, pg = page(d, "/projects/parking")
    assert_safe_html(r)
    html = r.raw.decode()
    assert "新增公共停车泊位" in html and "区建设局" in html
    assert pg.find("span", data_status=p["status"])
    # The chart: steps, the expected curve with milestones and pauses,
    # the forecast, the due date at the right edge of the plot.
    svg = _svg_of(html)
    actual = _by_class(svg, "actual")
    assert len(actual) == 1 and " H" in actual[0].get("d") and \
        " V" in actual[0].get("d"), actual
    assert len(_by_class(svg, "expected")) == 1
    assert len(_by_class(svg, "milestone")) == 2
    pauses = _by_class(svg, "pause")
    assert len(pauses) == 1 and "疫情<停工>" in pauses[0].find(
        SVG_NS + "title").text
    assert len(_by_class(svg, "forecast")) == 1
    assert len(_by_class(svg, "update")) == 4
    plot = _by_class(svg, "plot")[0]
    right = float(plot.get("x")) + float(plot.get("width"))
    due = _by_class(svg, "due")[0]
    assert abs(float(due.get("x1")) - right) < 0.2, (due.attrib, right)
    # The update history, newest first, with the note as text.
    rows = [e for e in pg.find("tr") if e[1].get("class") == "update"]
    assert len(rows) == 4, rows
    assert "120" in rows[0][2] and "+20" in rows[0][2] and \
        "新增 <b>20</b> 个 & 更多" in rows[0][2], rows[0]
    assert "<b>20</b>" not in html
    # Events with the state of each delivery.
    evs = [e for e in pg.find("tr") if e[1].get("class") == "event"]
    assert evs and "【落后】" in evs[-1][2], evs
    states = {e[1]["data-state"] for e in pg.find("li")
              if "data-state" in e[1]}
    assert {"sent", "dead"} <= states, states
    assert "ops：已送达" in html and "broken：发送失败" in html
    assert len(evs) == len(d.events(project="parking"))
    _, pg = page(d, "/projects/nope", status=404)
    r = d.post("/projects/parking")
    assert r.status == 405 and r.headers.get("allow") == "GET, HEAD", r


def test_images(d):
    d.create(project("parking", title="停车泊位"))
    d.update("parking", {"value": 120})
    r = d.get("/v1/projects/parking/badge.svg")
    assert r.status == 200, r
    assert r.headers["content-type"].startswith("image/svg+xml"), r.headers
    assert r.headers["x-content-type-options"] == "nosniff"
    badge = ET.fromstring(r.raw)
    assert badge.tag == SVG_NS + "svg"
    assert badge.find(SVG_NS + "title").text == "停车泊位 120/350 · 落后"
    texts = [e.text for e in badge.iter(SVG_NS + "text")]
    assert texts == ["停车泊位", "120/350 · 落后"], texts
    r = d.get("/v1/projects/parking/chart.svg")
    assert r.status == 200 and r.headers["content-type"].startswith(
        "image/svg+xml"), r
    chart = ET.fromstring(r.raw)
    assert chart.find(SVG_NS + "title").text == "停车泊位"
    assert _by_class(chart, "actual") and _by_class(chart, "expected")
    assert_error(d.get("/v1/projects/nope/badge.svg"), 404)
    assert_error(d.post("/v1/projects/parking/chart.svg"), 405)


def test_hostile_text_stays_text(d):
    evil = "<script>alert(1)</script>\"'&<img src=x onerror=alert(2)>"
    d.create(project("evil", title=evil, unit="<u>", owner=evil,
                     tags=[evil, "a&b"]))
    d.update("evil", {"value": 5, "note": evil})
    for path in ("/", "/projects/evil", "/?tag=" + evil):
        r, pg = page(d, path)
        text = r.raw.decode()
        assert "<script" not in text and "<img" not in text and \
            "<u>" not in text, path
        assert "&lt;script&gt;" in text, path
        assert_safe_html(r)
    # The tag's filter link is percent-encoded, its option value escaped.
    r, pg = page(d, "/")
    assert any(e[1].get("value") == evil for e in pg.find("option"))
    assert "/?tag=a%26b" in r.raw.decode()
    _, pg = page(d, "/", params={"tag": evil})
    assert set(pg.cards()) == {"evil"}
    for path in ("/v1/projects/evil/chart.svg",
                 "/v1/projects/evil/badge.svg"):
        r = d.get(path)
        svg = ET.fromstring(r.raw)  # well-formed XML
        # (the badge shortens the title)
        assert svg.find(SVG_NS + "title").text.startswith(evil[:20]), path
        assert b"<script" not in r.raw and b"<img" not in r.raw


def test_english_labels():
    d = Daemon(alerts={"language": "en"})
    d.create(project("parking", title="Parking spaces", tags=["asian-games"],
                     owner="Construction bureau"))
    d.update("parking", {"value": 120})
    r, pg = page(d, "/")
    html = r.raw.decode()
    assert '<html lang="en">' in html
    assert "Behind" in html and "All projects" in html and \
        "Last update" in html and "落后" not in html, html
    r, pg = page(d, "/projects/parking")
    html = r.raw.decode()
    assert "Expected by now" in html and "Updates" in html and \
        ">Due " in html and ">Today<" in html and "points behind" in html
    r = d.get("/v1/projects/parking/badge.svg")
    assert b"<title>Parking spaces 120/350 \xc2\xb7 Behind</title>" in r.raw
    # zh-CN, the default, for comparison.
    d2 = Daemon()
    d2.create(project("parking"))
    r, _ = page(d2, "/projects/parking")
    html = r.raw.decode()
    assert "按计划此时应达" in html and "更新记录" in html and \
        ">截止 " in html and ">今天<" in html


def test_head_and_open_api(d):
    d.create(project("parking"))
    r = d.request("HEAD", "/")
    assert r.status == 200 and r.raw == b"", r
    assert int(r.headers["content-length"]) > 0
    r = d.post("/", {})
    assert r.status == 405 and r.headers.get("allow") == "GET, HEAD", r
    # Without tokens there is nothing to log in to.
    r = d.get("/login")
    assert r.status == 303 and r.headers["location"] == "/", r
    r, pg = page(d, "/")
    assert not pg.find("form", action="/logout")


TOKENS = {"viewer": secrets.token_urlsafe(24),
          "jianshe": secrets.token_urlsafe(24)}


def _token_daemon():
    extra = ""
    for name, role in (("viewer", "reader"), ("jianshe", "reporter")):
        extra += (f"[token.{name}]\nsha256 = "
                  f"{hashlib.sha256(TOKENS[name].encode()).hexdigest()}\n"
                  f"role = {role}\n\n")
    return Daemon(extra=extra, projects={"parking": {
        "title": "新增公共停车泊位", "unit": "个", "target": 350,
        "start": "2022-01-01", "due": "2022-12-31", "tags": "亚运"}})


def _form(body):
    return {"Content-Type": "application/x-www-form-urlencoded"}, body


def _cookie(r):
    """The name=value part of the Set-Cookie header, and its attributes."""
    sc = r.headers.get("set-cookie")
    assert sc, r.headers
    parts = [p.strip() for p in sc.split(";")]
    return parts[0], parts[1:]


def test_login_flow():
    d = _token_daemon()
    # No cookie: the login form, 401, for pages; 401 JSON for images.
    for path in ("/", "/projects/parking"):
        r, pg = page(d, path, status=401)
        assert_safe_html(r)
        forms = pg.find("form", action="/login")
        assert forms and forms[0][1]["method"] == "post", path
        assert pg.find("input", name="token", type="password")
        nxt = pg.find("input", name="next")
        assert nxt and nxt[0][1]["value"] == path, nxt
        assert "parking" not in r.raw.decode().replace('value="/projects/'
                                                       'parking"', "")
    assert_error(d.get("/v1/projects/parking/badge.svg"), 401)
    # A wrong token: the form again, with an error.
    h, body = _form("token=nope&next=%2Fprojects%2Fparking")
    r, pg = page(d, "/login")  # GET shows the form
    assert pg.find("input", name="token")
    r = d.post("/login", body, headers=h)
    assert r.status == 401 and "令牌无效" in r.raw.decode(), r
    assert "set-cookie" not in r.headers
    # The reader's token: a cookie, HttpOnly and SameSite=Strict, and back
    # to where the reader was going.
    r = d.post("/login", f"token={TOKENS['viewer']}&next=%2Fprojects%2F"
               "parking", headers=h)
    assert r.status == 303, r
    assert r.headers["location"] == "/projects/parking", r.headers
    cookie, attrs = _cookie(r)
    assert cookie.startswith("paced_token="), cookie
    assert "HttpOnly" in attrs and "SameSite=Strict" in attrs and \
        "Path=/" in attrs, attrs
    jar = {"Cookie": cookie}
    r, pg = page(d, "/", headers=jar)
    assert "parking" in pg.cards()
    assert pg.find("form", action="/logout")
    r, pg = page(d, "/projects/parking", headers=jar)
    assert _svg_of(r.raw.decode()) is not None
    r = d.get("/v1/projects/parking/chart.svg", headers=jar)
    assert r.status == 200 and r.headers["content-type"].startswith(
        "image/svg+xml"), r
    # The bearer header works as well; a bad header is not rescued by a
    # good cookie.
    r = d.get("/v1/projects/parking/badge.svg",
              headers={"Authorization": f"Bearer {TOKENS['viewer']}"})
    assert r.status == 200, r
    r, _ = page(d, "/", status=401,
                headers={"Authorization": "Bearer wrong", **jar})
    # The cookie reads the dashboard only: never the JSON API, never a
    # write, even with a reporter's token in it.
    r = d.post("/login", f"token={TOKENS['jianshe']}", headers=h)
    reporter_jar = {"Cookie": _cookie(r)[0]}
    assert r.headers["location"] == "/"
    assert_error(d.get("/v1/projects", headers=reporter_jar), 401)
    assert_error(d.post("/v1/projects/parking/updates", {"value": 1},
                        headers=reporter_jar), 401)
    # A Location only ever points back into paced.
    r = d.post("/login", f"token={TOKENS['viewer']}&next=%2F%2Fevil.example"
               "%2F", headers=h)
    assert r.headers["location"] == "/", r.headers
    # Log out: the cookie is cleared.
    r = d.post("/logout", "", headers={**h, **jar})
    assert r.status == 303, r
    cookie, attrs = _cookie(r)
    assert cookie == "paced_token=" and "Max-Age=0" in attrs, (cookie, attrs)
    # The token is never written to the log.
    log = d.stderr()
    for tok in TOKENS.values():
        assert tok not in log
    assert "logged in" in log and "failed login" in log
