"""085-pacectl: build/pacectl, the command-line client, against a real
paced: list/show/update/events/silence/import, --json, the table with
Chinese titles aligned by display width, the exit codes, PACED_TOKEN."""

import hashlib
import json
import os
import re
import secrets
import subprocess
import unicodedata

from http.server import BaseHTTPRequestHandler

from harness import (DAY, REPO, SANITIZER_MARKERS, Daemon, LoopbackReceiver,
                     Skip, free_port, iso, make_tmpdir, now, parse_when,
                     project)

PACECTL = os.environ.get("PACECTL_BIN") or os.path.join(REPO, "build",
                                                        "pacectl")


def ctl(d, *args, token=None, url=None, stdin=None, extra_env=None):
    """Runs pacectl against daemon d (or url); CompletedProcess (text)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PACED_URL", "PACED_TOKEN", "COLUMNS", "NO_COLOR")}
    env["PACED_URL"] = url or f"http://127.0.0.1:{d.port}"
    env["LANG"] = "C.UTF-8"
    if token:
        env["PACED_TOKEN"] = token
    if extra_env:
        env.update(extra_env)
    r = subprocess.run([PACECTL] + list(args), capture_output=True,
                       text=True, timeout=30, env=env, input=stdin)
    # Under make asan, a memory error must fail the test, whatever the
    # exit code the test expects.
    for marker in SANITIZER_MARKERS:
        assert marker not in r.stderr, f"pacectl {args}:\n{r.stderr}"
    return r


def ok(r):
    assert r.returncode == 0, \
        f"pacectl exited {r.returncode}\nstdout: {r.stdout}\n" \
        f"stderr: {r.stderr}"
    return r


def width(s):
    """Display width: East Asian wide and fullwidth characters take two
    columns (computed here independently of pacectl's wcwidth)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1
               for c in s)


def test_list_and_show_json_and_plain():
    d = Daemon()
    d.create(project("parking-a", tags=["亚运"], owner="区建设局"))
    d.create(project("beds", title="新增认知症照护专区床位", unit="张",
                     target=165))
    d.update("parking-a", {"value": 175})
    listed = json.loads(ok(ctl(d, "--json", "list")).stdout)
    assert sorted(p["id"] for p in listed["projects"]) == \
        ["beds", "parking-a"]
    # Global options may come after the command too; filters pass through.
    tagged = json.loads(ok(ctl(d, "list", "--tag", "亚运", "--json")).stdout)
    assert [p["id"] for p in tagged["projects"]] == ["parking-a"], tagged
    shown = json.loads(ok(ctl(d, "show", "parking-a", "--json")).stdout)
    assert shown["id"] == "parking-a" and shown["current"] == 175, shown
    assert shown["status"] == d.project("parking-a")["status"]
    # Piped, the default is one tab-separated line per project.
    lines = ok(ctl(d, "list")).stdout.splitlines()
    rows = {ln.split("\t")[0]: ln.split("\t") for ln in lines}
    assert set(rows) == {"beds", "parking-a"}, lines
    assert len(rows["parking-a"]) == 10, rows
    assert rows["parking-a"][1] == "新增公共停车泊位"
    assert float(rows["parking-a"][4]) == 0.5 and \
        rows["parking-a"][6] == "175", rows
    page = ok(ctl(d, "show", "parking-a")).stdout
    kv = dict(ln.split("\t", 1) for ln in page.splitlines())
    assert kv["current"] == "175" and kv["tags"] == "亚运" and \
        kv["owner"] == "区建设局", kv
    # The page for people: bar, value with unit, the latest update.
    page = ok(ctl(d, "show", "parking-a", "--table")).stdout
    assert re.search(r"\[#{9}[#|]#*[.|]*\]", page) and \
        "175 / 350 个" in page, page
    assert "50% done, 50% planned (on plan)" in page, page


def test_shown_times_name_their_zone():
    # pacectl's machine and paced's may be in different zones: every
    # instant shown says which zone it is in (TZ picks it).
    if not os.path.exists("/usr/share/zoneinfo/Asia/Shanghai"):
        raise Skip("no tzdata for Asia/Shanghai")
    d = Daemon()
    d.create(project("beds", unit=""))
    since = d.project("beds")["status_since"]
    pages = {}
    for tz in ("UTC", "Asia/Shanghai"):
        page = ok(ctl(d, "show", "beds", "--table",
                      extra_env={"TZ": tz})).stdout
        m = re.search(r"since (\d{4}-\d\d-\d\d) (\d\d):(\d\d) "
                      r"([+-]\d{4})", page)
        assert m, page
        pages[tz] = m
    assert pages["UTC"].group(4) == "+0000", pages["UTC"].group(0)
    assert pages["Asia/Shanghai"].group(4) == "+0800"
    assert pages["UTC"].group(2) == since[11:13], (since, pages["UTC"])
    assert (int(pages["UTC"].group(2)) + 8) % 24 == \
        int(pages["Asia/Shanghai"].group(2)), pages
    # No unit: nothing put in its place.
    page = ok(ctl(d, "show", "beds", "--table")).stdout
    assert re.search(r"needs [0-9.]+ a day", page) and " - a day" not in \
        page, page


def test_update_value_delta_note_at():
    d = Daemon()
    d.create(project("parking-a"))
    ok(ctl(d, "update", "parking-a", "100"))
    ok(ctl(d, "update", "parking-a", "+25", "-m", "五月报：新增泊位"))
    ok(ctl(d, "update", "parking-a", "-5", "--note=核减重复统计"))
    at = iso(now() - 2 * DAY)
    r = ok(ctl(d, "update", "parking-a", "12.5", "--at", at, "--json"))
    body = json.loads(r.stdout)
    assert body["update"]["value"] == 12.5, body
    ups = d.updates("parking-a")  # newest first by at
    by_value = {u["value"]: u for u in ups}
    assert set(by_value) == {100, 125, 120, 12.5}, ups
    assert by_value[125]["delta"] == 25 and \
        by_value[125]["note"] == "五月报：新增泊位", by_value[125]
    assert by_value[120]["delta"] == -5 and \
        by_value[120]["note"] == "核减重复统计"
    assert abs(parse_when(by_value[12.5]["at"]) - parse_when(at)) < 1
    # The backdated report is older: the current value stays 120.
    assert d.project("parking-a")["current"] == 120
    # A negative absolute value is written =-N; the day form of --at is
    # passed through as the API takes it.
    d.create(project("temp", baseline=-10, target=10))
    ok(ctl(d, "update", "temp", "=-3", "--at",
           iso(now() - 3600)))
    assert d.project("temp")["current"] == -3
    # --id makes a retry safe: the second one stores nothing.
    first = ok(ctl(d, "update", "parking-a", "+1", "--id", "retry-1"))
    again = ok(ctl(d, "update", "parking-a", "+1", "--id", "retry-1",
                   "--table"))
    assert "already recorded" in again.stdout, (first.stdout, again.stdout)
    assert again.stderr == "", again.stderr  # the same amount: all is well
    assert d.project("parking-a")["current"] == 121
    # The same id with another amount: the first stands, and pacectl
    # says so (a typo's retry would otherwise look stored).
    other = ok(ctl(d, "update", "parking-a", "+4", "--id", "retry-1"))
    assert "under id retry-1 has delta 1, not 4" in other.stderr, other
    ok(ctl(d, "update", "parking-a", "130", "--id", "abs-1"))
    other = ok(ctl(d, "update", "parking-a", "131", "--id", "abs-1"))
    assert "under id abs-1 has value 130, not 131" in other.stderr, other
    assert d.project("parking-a")["current"] == 130
    # Recorded as a value, sent again as a delta; and with --json too.
    other = ok(ctl(d, "--json", "update", "parking-a", "+4", "--id",
                   "abs-1"))
    assert "under id abs-1 set value 130, not delta 4" in other.stderr, \
        other
    assert json.loads(other.stdout)["update"]["value"] == 130


def test_exit_codes():
    d = Daemon()
    d.create(project("parking-a"))
    server = d.get("/v1/projects/nope").json["error"]
    r = ctl(d, "show", "nope")
    assert r.returncode == 1, r
    assert server["message"] in r.stderr and "404" in r.stderr, r.stderr
    assert "id" in r.stderr and r.stdout == "", r
    r = ctl(d, "update", "nope", "5")
    assert r.returncode == 1 and "nope" in r.stderr, r
    # A refused value names the field; --json also prints the error JSON.
    r = ctl(d, "update", "parking-a", "5", "--at", "yesterday", "--json")
    assert r.returncode == 1, r
    assert "field: at" in r.stderr, r.stderr
    assert json.loads(r.stdout)["error"]["field"] == "at", r.stdout
    # Usage errors: nothing is sent.
    for args in ([], ["frobnicate"], ["update", "parking-a"],
                 ["update", "parking-a", "abc"], ["list", "--bogus"],
                 ["show"], ["show", "a", "b"], ["silence", "parking-a"],
                 ["silence", "parking-a", "--tag", "x", "--until",
                  "2099-01-01"], ["events", "--limit"]):
        r = ctl(d, *args)
        assert r.returncode == 2, f"{args}: {r}"
        assert r.stderr.startswith("pacectl: ") or "usage" in r.stderr, r
    assert d.updates("parking-a") == []
    # Help exits 0 and says how to call each command.
    for cmd in ("list", "show", "update", "import", "events", "silence"):
        r = ok(ctl(d, cmd, "--help"))
        assert r.stdout.startswith(f"usage: pacectl {cmd}"), r.stdout
    assert "Exit status" in ok(ctl(d, "--help")).stdout
    # Nobody listening: 3.
    r = ctl(d, "list", url=f"http://127.0.0.1:{free_port()}")
    assert r.returncode == 3 and "cannot reach" in r.stderr, r
    d.stop()
    r = ctl(d, "update", "parking-a", "5")
    assert r.returncode == 3, r


def test_events_and_silences():
    d = Daemon()
    d.create(project("parking-a", tags=["亚运"]))
    d.create(project("beds", title="新增认知症照护专区床位", tags=["民生实事"]))
    ev = json.loads(ok(ctl(d, "events", "--json")).stdout)["events"]
    assert ev == d.events(), "the server's JSON as it came"
    assert {e["type"] for e in ev} >= {"project.behind"}, ev
    only = json.loads(ok(ctl(d, "events", "--project", "beds", "--type",
                             "behind", "--json")).stdout)["events"]
    assert only and {e["project"]["id"] for e in only} == {"beds"}, only
    table = ok(ctl(d, "events", "--table")).stdout.splitlines()
    assert table[0].split()[:3] == ["AT", "EVENT", "PROJECT"], table
    assert any("behind" in ln and "parking-a" in ln for ln in table), table

    until = iso(now() + 3 * DAY)
    r = ok(ctl(d, "silence", "parking-a", "--until", until, "--reason",
               "国庆假期", "--table"))
    assert "silenced parking-a until" in r.stdout, r.stdout
    r = ok(ctl(d, "silence", "--tag", "民生实事", "--until", "2099-10-08"))
    sid = r.stdout.split("\t")[0]
    sils = d.get("/v1/silences").json["silences"]
    by_id = {s["id"]: s for s in sils}
    assert sid in by_id and by_id[sid]["tag"] == "民生实事", sils
    proj = [s for s in sils if s["project"] == "parking-a"]
    assert len(proj) == 1 and proj[0]["reason"] == "国庆假期", sils
    assert abs(parse_when(proj[0]["until"]) - parse_when(until)) < 1
    # The server refuses a silence in the past: 1, naming the field.
    r = ctl(d, "silence", "beds", "--until", "2001-01-01")
    assert r.returncode == 1 and "until" in r.stderr, r


def test_token_handling():
    tokens = {"boss": secrets.token_urlsafe(24),
              "viewer": secrets.token_urlsafe(24)}
    extra = "".join(
        f"[token.{name}]\nsha256 = "
        f"{hashlib.sha256(tok.encode()).hexdigest()}\nrole = {role}\n\n"
        for (name, tok), role in zip(tokens.items(), ("admin", "reader")))
    d = Daemon(extra=extra)
    d.headers = {"Authorization": f"Bearer {tokens['boss']}"}
    d.create(project("parking-a"))
    server = d.get("/v1/projects", headers={"Authorization": None}) \
        .json["error"]
    r = ctl(d, "list")
    assert r.returncode == 1, r
    assert server["message"] in r.stderr and "401" in r.stderr, r.stderr
    assert "PACED_TOKEN" in r.stderr, r.stderr
    r = ctl(d, "list", token="not-a-token")
    assert r.returncode == 1 and "401" in r.stderr, r
    assert "not-a-token" not in r.stderr + r.stdout
    assert ok(ctl(d, "list", token=tokens["viewer"])).stdout \
        .startswith("parking-a\t")
    r = ctl(d, "update", "parking-a", "9", token=tokens["viewer"])
    assert r.returncode == 1 and "403" in r.stderr, r
    ok(ctl(d, "update", "parking-a", "9", token=tokens["boss"]))
    assert d.project("parking-a")["current"] == 9


def _columns(header):
    """Start offsets of the header's words (the header is ASCII)."""
    return [(m.group(0), m.start()) for m in re.finditer(r"\S+", header)]


def _cells(line):
    """(text, display start, display end) of each cell of a table line:
    cells are separated by two or more spaces."""
    out = []
    for m in re.finditer(r"\S+(?: \S+)*", line):
        start = width(line[:m.start()])
        out.append((m.group(0), start, start + width(m.group(0))))
    return out


def test_table_aligns_chinese_titles():
    d = Daemon()
    titles = {
        "a-parking": "新增公共停车泊位",
        "b-ascii": "Parking spaces",
        "c-long": "引进全球销冠、全国首店、品牌旗舰店等七十家以上的目标任务",
        "d-mixed": "一场两馆 venues（亚运）",
        "e-area": "老旧小区改造建筑面积",
    }
    for pid, title in titles.items():
        d.create(project(pid, title=title, unit="万平方米"))
    d.update("a-parking", {"value": 175})
    d.create(project("f-down", title="征迁清零", unit="处", baseline=495,
                     target=0))
    out = ok(ctl(d, "list", "--table")).stdout.splitlines()
    header, rows = out[0], out[1:]
    cols = _columns(header)
    assert [c for c, _ in cols] == ["ID", "TITLE", "STATUS", "PROGRESS",
                                    "DONE", "PLAN", "VALUE", "DUE"], header
    pos = dict(cols)
    assert len(rows) == 6, out
    for row in rows:
        cells = _cells(row)
        assert len(cells) == 8, f"cells of {row!r}: {cells}"
        # Left-aligned columns start under their header, right-aligned
        # ones (DONE, PLAN) end under theirs.
        for (name, start), (text, cs, ce) in zip(cols, cells):
            if name in ("DONE", "PLAN"):
                assert ce == start + len(name), \
                    f"{name} cell {text!r} ends at {ce} in {row!r}"
            else:
                assert cs == start, \
                    f"{name} cell {text!r} starts at {cs}, header at " \
                    f"{start}, in {row!r}"
        assert re.fullmatch(r"\[[#.|]{20}\]", cells[3][0]), cells[3]
    by_id = {_cells(r)[0][0]: _cells(r) for r in rows}
    for pid, title in titles.items():
        shown = by_id[pid][1][0]
        if width(title) <= 30:
            assert shown == title, (shown, title)
        else:
            assert shown.endswith("..") and width(shown) <= 30 and \
                title.startswith(shown[:-2]), shown
    assert pos["TITLE"] - pos["ID"] == len("a-parking") + 2
    assert by_id["a-parking"][6][0] == "175 / 350 万平方米"
    assert by_id["f-down"][6][0] == "495 -> 0 处", by_id["f-down"]
    # Piped without --table: no padding, no bars.
    plain = ok(ctl(d, "list")).stdout
    assert "[#" not in plain and "  " not in plain, plain


def test_import_csv():
    d = Daemon()
    d.create(project("parking-a"))
    d.create(project("beds", title="新增认知症照护专区床位", unit="张"))
    probe = d.post("/v1/updates", "project,value\r\n",
                   headers={"Content-Type": "text/csv"})
    if probe.status == 415:
        raise Skip("this paced has no CSV endpoint (POST /v1/updates "
                   "answers 415 to text/csv); it comes with the CSV branch")
    tmp = make_tmpdir()
    good = os.path.join(tmp, "五月.csv")
    at = iso(now() - DAY)
    with open(good, "w", encoding="utf-8") as f:
        f.write("project,value,at,note\n"
                f"parking-a,120,{at},五月报\n"
                f"beds,30,{at},\"新增床位, 两个街道\"\n")
    r = ok(ctl(d, "import", good, "--json"))
    body = json.loads(r.stdout)
    assert len(body["updates"]) == 2, body
    assert d.project("parking-a")["current"] == 120
    assert d.updates("beds")[0]["note"] == "新增床位, 两个街道"
    table = ok(ctl(d, "import", "-", "--table",
                   stdin="project,delta\nparking-a,5\n")).stdout
    assert "stored 1 update" in table and "parking-a" in table, table
    assert d.project("parking-a")["current"] == 125

    bad = os.path.join(tmp, "bad.csv")
    with open(bad, "w", encoding="utf-8") as f:
        f.write("project,value\n"
                "parking-a,130\n"
                "parking-a,lots\n"
                "beds,40\n"
                "beds,\n")
    r = ctl(d, "import", bad)
    assert r.returncode == 1, r
    assert "422" in r.stderr, r.stderr
    # Each bad cell on a line of its own, as FILE:LINE (the file's own
    # line numbers: the header is line 1).
    lines = [ln.strip() for ln in r.stderr.splitlines() if "bad.csv:" in ln]
    assert len(lines) == 2, r.stderr
    assert lines[0].startswith(f"{bad}:3: column value: "), r.stderr
    assert "lots" in lines[0], r.stderr
    assert lines[1].startswith(f"{bad}:5: column value: "), r.stderr
    assert d.project("parking-a")["current"] == 125, "all or nothing"
    r = ctl(d, "import", os.path.join(tmp, "missing.csv"))
    assert r.returncode == 4 and "missing.csv" in r.stderr, r


def test_unix_socket_url():
    d = Daemon(start=False)
    sock = os.path.join(d.tmp, "paced.sock")
    d.write_config(server={"listen": f"127.0.0.1:{d.port}, unix:{sock}"})
    d.start()
    d.create(project("parking-a"))
    ok(ctl(d, "update", "parking-a", "7", url=f"unix:{sock}"))
    assert d.project("parking-a")["current"] == 7
    r = ctl(d, "list", url=f"unix:{os.path.join(d.tmp, 'none.sock')}")
    assert r.returncode == 3, r


class _Broken(LoopbackReceiver):
    """A server that is not a healthy paced: answers every request as
    self.answer says ("503", "html", "hang")."""

    def __init__(self, answer):
        self.answer = answer
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                if owner.answer == "hang":
                    self.rfile.read(1)  # the client never sends more
                    return
                if owner.answer == "503":
                    body = json.dumps({"error": {
                        "code": "storage_full", "field": None,
                        "message": "the disk is full; nothing was stored"}})
                    status, ctype = 503, "application/json"
                else:
                    body, status, ctype = "<html>proxy</html>", 200, \
                        "text/html"
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body.encode())))
                self.end_headers()
                self.wfile.write(body.encode())

        self.serve(Handler)


def test_server_failures_exit_3():
    url = lambda srv: f"http://127.0.0.1:{srv.port}"  # noqa: E731
    srv = _Broken("503")
    r = ctl(None, "list", url=url(srv))
    assert r.returncode == 3, r
    assert "503" in r.stderr and "the disk is full" in r.stderr, r.stderr
    srv.answer = "html"
    r = ctl(None, "list", url=url(srv))
    assert r.returncode == 3 and "not JSON" in r.stderr, r
    srv.answer = "hang"
    r = ctl(None, "show", "x", url=url(srv),
            extra_env={"PACED_TIMEOUT": "1"})
    assert r.returncode == 3, r
    assert re.search(r"timed? ?out", r.stderr, re.I), r.stderr
