"""023-updates-csv: spreadsheets both ways. GET /v1/projects.csv and
/v1/projects/{id}/updates.csv (UTF-8 with BOM, RFC 4180, CRLF, a header
row, numbers as numbers, formula cells guarded), and POST /v1/updates with
Content-Type: text/csv (all or nothing like the JSON batch, errors named by
line and column, the same token rules, idempotency by the id column)."""

import csv
import hashlib
import io
import re
import secrets

from harness import (DAY, HOUR, UTC_RE, Daemon, assert_close, assert_error,
                     iso, now, parse_when, project)

BOM = b"\xef\xbb\xbf"
CSV = {"Content-Type": "text/csv"}
PROJECT_COLUMNS = ["id", "title", "unit", "owner", "tags", "baseline",
                   "target", "start", "due", "current", "updated_at",
                   "expected", "progress", "expected_progress", "gap",
                   "status", "status_since", "stale", "report_every",
                   "projected_at_due", "eta", "required_rate_per_day"]
UPDATE_COLUMNS = ["project", "at", "value", "delta", "note", "id", "token",
                  "received_at"]
NUMBER_RE = re.compile(r"^-?\d+(\.\d+)?(e[+-]\d+)?$")


def download(d, path, filename, headers=None, params=None):
    """GET a CSV download, check what every download must be, and return
    its rows (header first) as lists of strings."""
    r = d.get(path, headers=headers, params=params)
    assert r.status == 200, r
    assert r.headers["content-type"] == "text/csv; charset=utf-8", r.headers
    assert r.headers.get("content-disposition") == \
        f'attachment; filename="{filename}"', r.headers
    assert r.raw.startswith(BOM), f"no UTF-8 BOM: {r.raw[:20]!r}"
    text = r.raw[len(BOM):].decode("utf-8")
    assert text.endswith("\r\n"), "the last row ends with CRLF"
    rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    # Every record ends with CRLF: as many CRLFs outside the cells as
    # rows, and no other line end outside them.
    cells = [c for row in rows for c in row]
    assert text.count("\r\n") - sum(c.count("\r\n") for c in cells) \
        == len(rows), text
    for end in ("\r", "\n"):
        assert text.replace("\r\n", "").count(end) == sum(
            c.replace("\r\n", "").count(end) for c in cells), \
            f"a bare {end!r} ends a line: {text!r}"
    return rows


def upload(d, text, headers=None, bom=False, newline="\r\n"):
    """POST text (lines joined by newline) as CSV."""
    if isinstance(text, list):
        text = newline.join(text) + newline
    data = (BOM if bom else b"") + text.encode("utf-8")
    h = dict(CSV)
    h.update(headers or {})
    return d.post("/v1/updates", data, headers=h)


def as_dicts(rows):
    return [dict(zip(rows[0], r)) for r in rows[1:]]


def assert_number_cell(cell, want, tol=0.0, what="cell"):
    assert NUMBER_RE.match(cell), f"{what}: {cell!r} is not a plain number"
    assert_close(float(cell), want, tol, what)


def test_projects_csv(d):
    t = now()
    d.create(project("parking", title='新增公共停车泊位, "临时"',
                     tags=["亚运", "民生实事"], owner="区建设局"))
    d.create(project("demolition", title="拆除违建", unit="处",
                     baseline=495, target=0, report_every="7d"))
    d.update("parking", {"value": 120.5, "at": iso(t - HOUR)})
    rows = download(d, "/v1/projects.csv", "projects.csv")
    assert rows[0] == PROJECT_COLUMNS, rows[0]
    got = {r["id"]: r for r in as_dicts(rows)}
    assert sorted(got) == ["demolition", "parking"], got.keys()
    want = {p["id"]: p for p in d.projects()}
    p, j = got["parking"], want["parking"]
    # Chinese text with a comma and quotes comes through whole.
    assert p["title"] == '新增公共停车泊位, "临时"', p
    assert p["unit"] == "个" and p["owner"] == "区建设局", p
    assert p["tags"] == "亚运, 民生实事", p
    assert_number_cell(p["current"], 120.5, 0, "current")
    assert_number_cell(p["baseline"], 0, 0, "baseline")
    assert_number_cell(p["target"], 350, 0, "target")
    # Evaluated a moment apart: the curve moves ~4e-5 per second.
    for k in ("expected", "progress", "expected_progress", "gap"):
        assert_number_cell(p[k], j[k], 0.01, k)
    for k in ("start", "due", "status", "updated_at", "status_since"):
        assert p[k] == j[k], (k, p[k], j[k])
    assert UTC_RE.match(p["updated_at"]), p["updated_at"]
    assert p["stale"] == "false" and p["report_every"] == "", p
    assert_number_cell(p["projected_at_due"],
                       j["forecast"]["projected_at_due"], 1, "projection")
    q = got["demolition"]
    assert q["title"] == "拆除违建" and q["unit"] == "处", q
    assert q["updated_at"] == "" and q["owner"] == "" and q["tags"] == "", q
    assert q["report_every"] == "7d", q
    assert_number_cell(q["current"], 495, 0, "burn-down current")
    # The JSON list's filters apply, and are checked the same way.
    rows = download(d, "/v1/projects.csv", "projects.csv",
                    params={"tag": "亚运"})
    assert [r[0] for r in rows[1:]] == ["parking"], rows
    rows = download(d, "/v1/projects.csv", "projects.csv",
                    params={"status": "done"})
    assert rows == [PROJECT_COLUMNS], rows
    assert_error(d.get("/v1/projects.csv", params={"status": "late"}), 422,
                 "invalid_value", "status")
    assert_error(d.post("/v1/projects.csv", {}), 405)
    # HEAD announces the download without the body.
    r = d.request("HEAD", "/v1/projects.csv")
    assert r.status == 200 and r.raw == b"", r
    assert r.headers["content-type"].startswith("text/csv"), r.headers


def test_updates_csv(d):
    t = now()
    d.create(project("parking"))
    d.update("parking", {"value": 100, "at": iso(t - 3 * HOUR),
                         "note": "一季度，含\"临时\"泊位\n第二行", "id": "q1"})
    d.update("parking", {"delta": -2.5, "at": iso(t - 2 * HOUR),
                         "note": "=HYPERLINK(\"http://x\",\"看\")"})
    d.update("parking", {"value": 120, "at": iso(t - HOUR), "note": "-5",
                         "id": "@q3"})
    rows = download(d, "/v1/projects/parking/updates.csv",
                    "parking-updates.csv")
    assert rows[0] == UPDATE_COLUMNS, rows[0]
    ups = as_dicts(rows)
    js = list(reversed(d.updates("parking")))  # the JSON list is newest first
    assert len(ups) == 3, ups
    # Oldest first, every field as the JSON list has it.
    for u, j in zip(ups, js):
        assert u["project"] == "parking", u
        assert u["at"] == j["at"] and UTC_RE.match(u["at"]), (u, j)
        assert u["received_at"] == j["received_at"], (u, j)
        assert_number_cell(u["value"], j["value"], 0, "value")
        assert u["token"] == "", u  # the open API has no token
    assert [float(u["value"]) for u in ups] == [100, 97.5, 120]
    assert ups[0]["delta"] == "" and ups[2]["delta"] == "", ups
    assert_number_cell(ups[1]["delta"], -2.5, 0, "delta")
    assert ups[0]["note"] == "一季度，含\"临时\"泊位\n第二行", ups[0]
    assert ups[0]["id"] == "q1" and ups[1]["id"] == "", ups
    # A formula is guarded with an apostrophe (and stored as given);
    # a plain number is left alone.
    assert ups[1]["note"] == "'=HYPERLINK(\"http://x\",\"看\")", ups[1]
    assert js[1]["note"] == "=HYPERLINK(\"http://x\",\"看\")", js[1]
    assert ups[2]["note"] == "-5" and ups[2]["id"] == "'@q3", ups[2]
    # A project without updates: the header row alone.
    d.create(project("schools"))
    assert download(d, "/v1/projects/schools/updates.csv",
                    "schools-updates.csv") == [UPDATE_COLUMNS]
    assert_error(d.get("/v1/projects/nosuch/updates.csv"), 404, "not_found")
    assert_error(d.get("/v1/projects/parking/updates.csv",
                       params={"limit": "5"}), 422, "unknown_field")
    assert_error(d.post("/v1/projects/parking/updates.csv", b"x",
                        headers=CSV), 405)


def test_upload_round_trips_chinese_notes(d):
    t = now()
    d.create(project("parking"))
    d.create(project("demolition", baseline=495, target=0))
    notes = ["一季度，新增泊位", '含"临时"泊位', "第一行\r\n第二行",
             "  前后空格  ", "=1+1"]
    lines = ["project,value,delta,at,note,id",
             f"parking,100,,{iso(t - 5 * HOUR)},{notes[0]},u1",
             f'parking,,20,{iso(t - 4 * HOUR)},"含""临时""泊位",u2',
             f'demolition,300,,{iso(t - 3 * HOUR)},"第一行\r\n第二行",u3',
             f"demolition,,-0.5,{iso(t - 2 * HOUR)},{notes[3]},u4",
             f"parking,130,,{iso(t - HOUR)},'=1+1,u5"]
    r = upload(d, lines, bom=True)
    assert r.status == 201, r
    b = r.json
    assert [u["id"] for u in b["updates"]] == ["u1", "u2", "u3", "u4", "u5"]
    assert [u["value"] for u in b["updates"]] == [100, 120, 300, 299.5, 130]
    assert [u["note"] for u in b["updates"]] == notes, b["updates"]
    assert {p["id"]: p["current"] for p in b["projects"]} == \
        {"parking": 130, "demolition": 299.5}, b["projects"]
    # What was stored is what the sheet said, cell for cell.
    back = as_dicts(download(d, "/v1/projects/parking/updates.csv",
                             "parking-updates.csv"))
    back += as_dicts(download(d, "/v1/projects/demolition/updates.csv",
                              "demolition-updates.csv"))
    by_id = {u["id"]: u for u in back}
    for i, note in enumerate(notes):
        cell = by_id[f"u{i + 1}"]["note"]
        assert cell == ("'" + note if note.startswith("=") else note), \
            (i, cell)
    assert by_id["u2"]["delta"] == "20" and by_id["u2"]["value"] == "120"
    assert by_id["u1"]["at"] == iso(t - 5 * HOUR), by_id["u1"]
    assert d.project("parking")["current"] == 130


def test_upload_shapes(d):
    """LF line ends, no BOM, columns in any order and any case, blank
    lines, a date for at, missing trailing cells."""
    d.create(project("parking", start=-10))
    day = iso(now() - 2 * DAY)[:10]
    r = upload(d, ["Note , AT,Value,PROJECT", f"昨天,{day},7,parking", "",
                   ",,,", "追加,,8,parking,", "", ""], newline="\n")
    assert r.status == 201, r
    ups = r.json["updates"]
    assert [(u["note"], u["value"]) for u in ups] == \
        [("昨天", 7), ("追加", 8)], ups
    # A date is the start of that day in the server's time zone.
    assert parse_when(ups[0]["at"]) == parse_when(day), ups[0]
    r = upload(d, "project,value\r\nparking,9")  # no final line end
    assert r.status == 201 and r.json["updates"][0]["value"] == 9, r
    r = upload(d, ["project,delta", "parking,1"],
               headers={"Content-Type": "text/csv; charset=UTF-8"})
    assert r.status == 201 and r.json["updates"][0]["value"] == 10, r


def _items(r):
    items = r.json["error"].get("items")
    assert isinstance(items, list) and items, f"no items: {r}"
    for i in items:
        assert i["field"] == (f"line {i['line']}, column {i['column']}"
                              if i["column"] else f"line {i['line']}"), i
        assert i["code"] and i["message"], i
    return [(i["line"], i["column"], i["code"]) for i in items]


def test_upload_is_all_or_nothing(d):
    d.create(project("parking"))
    d.create(project("demolition", baseline=495, target=0))
    # One bad cell: 422 naming it, and not one row stored.
    r = upload(d, ["project,value,note", "parking,100,好",
                   "demolition,三百,坏", "parking,120,好"])
    assert_error(r, 422, "invalid_value", "line 3, column value")
    assert _items(r) == [(3, "value", "invalid_value")]
    assert "三百" in r.json["error"]["items"][0]["message"], r.json
    assert d.updates("parking") == [] and d.updates("demolition") == []
    # Every bad row is listed, by line (a quoted line break counts).
    t = now()
    r = upload(d, ["project,value,delta,at,note,id",
                   'parking,1,,,"two\nlines",a',
                   "parking,1,2,,,",
                   "nosuch,5,,,,",
                   f"parking,5,,{iso(t + 2 * DAY)},,",
                   "parking,5,,yesterday,,",
                   "parking,5,,,,," + "x",
                   "parking,,,,,",
                   ",5,,,,",
                   "parking,5,,," + "n" * 1001 + ",",
                   "parking,1e999,,,,",
                   "parking,7,,,ok,b"])
    assert_error(r, 422)
    assert _items(r) == [
        (4, "delta", "invalid_value"),     # both value and delta
        (5, "project", "not_found"),       # unknown project: 422 in a batch
        (6, "at", "invalid_value"),        # too far in the future
        (7, "at", "invalid_value"),        # not an instant
        (8, "7", "invalid_value"),         # more fields than columns
        (9, "value", "missing_field"),
        (10, "project", "missing_field"),
        (11, "note", "invalid_value"),     # over 1000 characters
        (12, "value", "invalid_value"),    # not a finite number
    ], r.json
    assert d.updates("parking") == [], "nothing of a refused upload stored"
    assert d.project("parking")["current"] == 0


def test_upload_header_and_syntax_errors(d):
    d.create(project("parking"))
    cases = [
        (["project,value,colour", "parking,1,red"],
         [(1, "colour", "unknown_field")]),
        (["project,note", "parking,x"], [(1, "value", "missing_field")]),
        (["value,at", "1,"], [(1, "project", "missing_field")]),
        (["project,value,Value", "parking,1,2"],
         [(1, "value", "invalid_value")]),
        (["project,value,note", 'parking,1,"never closed', "parking,2,x"],
         [(2, "note", "invalid_csv")]),
        (["project,value,note", 'parking,1,a"b'],
         [(2, "note", "invalid_csv")]),
        (["project,value,note", 'parking,1,"a"b'],
         [(2, "note", "invalid_csv")]),
        ([], [(1, None, "missing_field")]),
        (["", "  "], [(1, None, "missing_field")]),
        (["project,value"], [(2, None, "missing_field")]),
    ]
    for lines, want in cases:
        r = upload(d, "\r\n".join(lines) + ("\r\n" if lines else ""))
        assert_error(r, 422)
        assert _items(r) == want, (lines, r.json)
    r = upload(d, "", bom=True)
    assert_error(r, 422, "missing_field", "line 1")
    # Excel's plain "CSV" on a Chinese Windows is GBK, not UTF-8.
    gbk = "project,value,note\r\nparking,1,".encode() + "停车".encode("gbk")
    r = d.post("/v1/updates", gbk, headers=CSV)
    assert_error(r, 422, "invalid_utf8", "line 2, column note")
    assert "UTF-8" in r.json["error"]["message"], r.json
    r = d.post("/v1/updates", "project,value\r\nparking,1\r\n",
               headers={"Content-Type": "text/csv; charset=gbk"})
    assert_error(r, 415, "unsupported_media_type")
    assert d.updates("parking") == []
    d.assert_alive()


def test_upload_limits(d):
    d.create(project("parking"))
    # The tests' max_body is 64k: past it, 413 before any parsing.
    row = "parking,1," + "备注" * 150 + "\r\n"
    big = "project,value,note\r\n" + row * 100
    assert len(big.encode()) > 64 * 1024
    assert_error(upload(d, big), 413)
    assert d.updates("parking") == []


def test_upload_idempotent_by_id(d):
    d.create(project("parking"))
    sheet = ["project,value,id", "parking,10,w1", "parking,20,w2"]
    r = upload(d, sheet)
    assert r.status == 201, r
    first = r.json["updates"]
    r = upload(d, sheet)
    assert r.status == 200, f"a repeated upload stores nothing: {r}"
    assert [u["seq"] for u in r.json["updates"]] == \
        [u["seq"] for u in first], r.json
    # A repeated id inside one file is stored once, too.
    r = upload(d, ["project,value,id", "parking,30,w3", "parking,31,w3"])
    assert r.status == 201, r
    assert [u["value"] for u in r.json["updates"]] == [30, 30], r.json
    rows = as_dicts(download(d, "/v1/projects/parking/updates.csv",
                             "parking-updates.csv"))
    assert [(u["id"], u["value"]) for u in rows] == \
        [("w1", "10"), ("w2", "20"), ("w3", "30")], rows
    assert d.project("parking")["current"] == 30


TOKENS = {name: secrets.token_urlsafe(24)
          for name in ("viewer", "jianshe", "boss")}


def _as(name):
    return {"Authorization": f"Bearer {TOKENS[name]}" if name else None}


def _daemon_with_tokens():
    extra = ""
    for name, role, globs in (("viewer", "reader", None),
                              ("jianshe", "reporter", "parking-*"),
                              ("boss", "admin", None)):
        extra += f"[token.{name}]\nsha256 = " \
            f"{hashlib.sha256(TOKENS[name].encode()).hexdigest()}\n" \
            f"role = {role}\n"
        if globs:
            extra += f"projects = {globs}\n"
    d = Daemon(extra=extra)
    d.headers = _as("boss")
    return d


def test_upload_and_download_tokens():
    d = _daemon_with_tokens()
    for pid in ("parking-a", "schools"):
        d.create(project(pid))
    mixed = ["project,value", "parking-a,5", "schools,6", "parking-a,7",
             "nosuch,8"]
    # A reporter outside its globs: 403 naming the lines, nothing stored.
    r = upload(d, mixed, headers=_as("jianshe"))
    assert_error(r, 403, "forbidden", "line 3, column project")
    assert [(i["line"], i["project"]) for i in r.json["error"]["items"]] \
        == [(3, "schools"), (5, "nosuch")], r.json
    assert d.updates("parking-a") == []
    # Within its globs it uploads, and the token is on each update.
    r = upload(d, ["project,value", "parking-a,5"], headers=_as("jianshe"))
    assert r.status == 201, r
    # A reader may not upload, nor may an unknown caller.
    assert_error(upload(d, ["project,value", "parking-a,6"],
                        headers=_as("viewer")), 403, "forbidden")
    assert_error(upload(d, ["project,value", "parking-a,6"],
                        headers=_as(None)), 401)
    # A reader downloads both; nobody without a token does.
    rows = download(d, "/v1/projects/parking-a/updates.csv",
                    "parking-a-updates.csv", headers=_as("viewer"))
    assert [(u["value"], u["token"]) for u in as_dicts(rows)] == \
        [("5", "jianshe")], rows
    rows = download(d, "/v1/projects.csv", "projects.csv",
                    headers=_as("viewer"))
    assert len(rows) == 3, rows
    assert_error(d.get("/v1/projects.csv", headers=_as(None)), 401)
    assert_error(d.get("/v1/projects/parking-a/updates.csv",
                       headers=_as(None)), 401)
