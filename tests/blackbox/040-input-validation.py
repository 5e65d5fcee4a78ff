"""040-input-validation: every class of bad input gets its documented status
and error body, and the daemon keeps serving with its data intact."""

import json

from harness import DAY, assert_error, iso, now, project

KEEP = project("keeper", title="保留项目", tags=["亚运"])
KEEP_FIELDS = {k: KEEP[k] for k in ("id", "title", "unit", "target", "start",
                                    "due", "tags")}


def _setup(d):
    d.create(KEEP)
    d.update("keeper", {"value": 42})


def _alive(d):
    d.assert_alive(KEEP_FIELDS)
    assert d.project("keeper")["current"] == 42


def _raw_post(d, path, data, ctype="application/json"):
    return d.post(path, data, headers={"Content-Type": ctype})


def test_malformed_json_400(d):
    _setup(d)
    for data in (b'{"id": "x",', b"{id: 1}", b"{'id': 'x'}", b"",
                 b'{"id": "x"} trailing', b'{"id": "x"}{"id": "y"}',
                 b"\x00\x01", b'{"id": "x", "title": "a\x01b"}'):
        r = _raw_post(d, "/v1/projects", data)
        assert_error(r, 400, "invalid_json")
        r = _raw_post(d, "/v1/projects/keeper/updates", data)
        assert_error(r, 400, "invalid_json")
    _alive(d)


def test_json_not_an_object_400(d):
    _setup(d)
    for data in (b"[1, 2]", b'"parking"', b"null", b"42", b"true",
                 b'[{"id": "x"}]'):
        assert_error(_raw_post(d, "/v1/projects", data), 400, "invalid_json")
        assert_error(_raw_post(d, "/v1/projects/keeper/updates", data), 400,
                     "invalid_json")
        assert_error(_raw_post(d, "/v1/updates", data), 400, "invalid_json")
    _alive(d)


def test_unknown_field_422(d):
    _setup(d)
    r = d.post("/v1/projects", dict(project("p1"), colour="red"))
    assert_error(r, 422, "unknown_field", "colour")
    r = d.post("/v1/projects", dict(project("p1"), Title="大写"))
    assert_error(r, 422, "unknown_field", "Title")
    r = d.post("/v1/projects/keeper/updates", {"value": 1, "vaule": 2})
    assert_error(r, 422, "unknown_field", "vaule")
    b = project("p1", curve="milestones",
                milestones=[{"at": iso(now()), "value": 1, "extra": True}])
    r = d.post("/v1/projects", b)
    assert_error(r, 422, "unknown_field", ("milestones[0].extra", "extra"))
    assert_error(d.get("/v1/projects/p1"), 404)
    _alive(d)


def test_wrong_type_422(d):
    _setup(d)
    for field, bad in (("title", 5), ("target", "350"), ("baseline", "0"),
                       ("tags", "亚运"), ("unit", ["个"]), ("start", 20220101),
                       ("owner", {"name": "x"}), ("target", True),
                       ("curve", 1), ("milestones", "2022-06-30 5")):
        b = dict(project("p1"), **{field: bad})
        r = d.post("/v1/projects", b)
        assert_error(r, 422, "invalid_value", field)
    r = d.post("/v1/projects", dict(project("p1"), target=None))
    assert_error(r, 422, ("invalid_value", "missing_field"), "target")
    r = d.post("/v1/projects", dict(project("p1"), tags=["亚运", 7]))
    assert_error(r, 422, "invalid_value", ("tags[1]", "tags"))
    for body, field in (({"value": "10"}, "value"), ({"delta": [1]}, "delta"),
                        ({"value": 1, "at": 1651370400}, "at"),
                        ({"value": 1, "note": 5}, "note"),
                        ({"value": 1, "id": 7}, "id"),
                        ({"value": True}, "value")):
        r = d.post("/v1/projects/keeper/updates", body)
        assert_error(r, 422, "invalid_value", field)
    r = d.post("/v1/projects/keeper/updates", {"value": None})
    assert_error(r, 422, ("invalid_value", "missing_field"), "value")
    assert_error(d.get("/v1/projects/p1"), 404)
    _alive(d)


def test_missing_field_422(d):
    _setup(d)
    for field in ("id", "title", "target", "start", "due"):
        b = project("p1")
        del b[field]
        assert_error(d.post("/v1/projects", b), 422, "missing_field", field)
    r = d.post("/v1/projects/keeper/updates", {"note": "没有数值"})
    assert_error(r, 422, "missing_field", ("value", "delta"))
    r = d.post("/v1/projects/keeper/updates", {"value": 1, "delta": 1})
    assert_error(r, 422, None, ("value", "delta"))
    b = project("p1", curve="milestones")
    assert_error(d.post("/v1/projects", b), 422,
                 ("missing_field", "invalid_value"), "milestones")
    _alive(d)


def test_bad_dates_422(d):
    _setup(d)
    for field, bad in (("start", "2022-13-45"), ("start", "2022-02-30"),
                       ("start", "2022-1-1"), ("start", "yesterday"),
                       ("due", "2022-12-31T25:00:00Z"),
                       ("due", "2022-12-31T10:00:00"),  # no offset
                       ("due", "")):
        r = d.post("/v1/projects", dict(project("p1"), **{field: bad}))
        assert_error(r, 422, "invalid_value", field)
    r = d.post("/v1/projects/keeper/updates", {"value": 1, "at": "2022-13-45"})
    assert_error(r, 422, "invalid_value", "at")
    assert_error(d.get("/v1/projects/p1"), 404)
    _alive(d)


def test_due_not_after_start_422(d):
    _setup(d)
    b = project("p1")
    b["due"] = b["start"]
    assert_error(d.post("/v1/projects", b), 422, "invalid_value", "due")
    b = project("p1", start=10, due=5)
    assert_error(d.post("/v1/projects", b), 422, "invalid_value", "due")
    b = dict(project("p1"), start="2022-06-01", due="2022-05-31")
    assert_error(d.post("/v1/projects", b), 422, "invalid_value", "due")
    # A one-day project given as days is valid: the due day ends after the
    # start day begins.
    r = d.post("/v1/projects", dict(project("oneday"), start="2022-06-01",
                                    due="2022-06-01"))
    assert r.status == 201, r
    _alive(d)


def test_target_equals_baseline_422(d):
    _setup(d)
    r = d.post("/v1/projects", project("p1", baseline=350, target=350))
    assert_error(r, 422, "invalid_value", ("target", "baseline"))
    r = d.post("/v1/projects", project("p1", target=0))  # baseline 0
    assert_error(r, 422, "invalid_value", ("target", "baseline"))
    _alive(d)


def test_invalid_ids(d):
    _setup(d)
    for bad in ("Parking", "a" * 65, "../x", "-abc", ".abc", "", "停车",
                "a b", "a/b", "a%2Fb"):
        r = d.post("/v1/projects", project(bad))
        assert_error(r, 422, "invalid_value", "id")
    # U+0000 in a string: refused as JSON (400) or as an id (422).
    assert_error(d.post("/v1/projects", project("a\x00b")), (400, 422))
    # 64 characters is the longest valid id.
    assert d.post("/v1/projects", project("a" * 64)).status == 201
    for path in ("/v1/projects/../x", "/v1/projects/..%2Fx",
                 "/v1/projects/Parking", "/v1/projects/" + "a" * 65,
                 "/v1/projects/%00", "/v1/projects/keeper%2F..%2F.."):
        r = d.get(path)
        assert r.status in (400, 404, 422), f"GET {path}: {r}"
        r = d.put(path, {k: v for k, v in project("x").items() if k != "id"})
        assert r.status in (400, 404, 405, 422), f"PUT {path}: {r}"
    assert sorted(p["id"] for p in d.projects()) == ["a" * 64, "keeper"]
    # PUT to an invalid id in the URL does not create it.
    r = d.put("/v1/projects/Parking",
              {k: v for k, v in project("x").items() if k != "id"})
    assert_error(r, (404, 422))
    _alive(d)


def test_put_body_id_must_match_url(d):
    _setup(d)
    r = d.put("/v1/projects/keeper", dict(project("other")))
    assert_error(r, (409, 422))
    assert_error(d.get("/v1/projects/other"), 404)
    _alive(d)


def test_oversized_body_413(d):
    # max_body = 64k in the test config.
    _setup(d)
    big = dict(project("p1"), owner="x" * 70000)
    assert_error(d.post("/v1/projects", big), 413, "payload_too_large")
    r = _raw_post(d, "/v1/projects/keeper/updates",
                  b'{"value": 1, "note": "' + b"y" * 80000 + b'"}')
    assert_error(r, 413, "payload_too_large")
    # A Content-Length far beyond the limit is refused without waiting for
    # a body that never comes.
    c = d.connect(timeout=5)
    c.send("POST /v1/projects HTTP/1.1\r\nHost: x\r\n"
           "Content-Type: application/json\r\n"
           "Content-Length: 100000000\r\n\r\n{")
    r = c.read_response()
    assert r.status == 413, r
    assert_error(d.get("/v1/projects/p1"), 404)
    _alive(d)


def test_unknown_project_404(d):
    _setup(d)
    assert_error(d.get("/v1/projects/nosuch"), 404, "not_found")
    assert_error(d.delete("/v1/projects/nosuch"), 404, "not_found")
    assert_error(d.post("/v1/projects/nosuch/updates", {"value": 1}), 404,
                 "not_found")
    assert_error(d.get("/v1/projects/nosuch/updates"), 404, "not_found")
    _alive(d)


def test_content_type_415(d):
    _setup(d)
    body = b'{"value": 1}'
    for ctype in ("text/plain", "application/x-www-form-urlencoded",
                  "application/xml", "multipart/form-data; boundary=x"):
        r = _raw_post(d, "/v1/projects/keeper/updates", body, ctype)
        assert_error(r, 415, "unsupported_media_type")
    r = d.post("/v1/projects/keeper/updates", body)  # no Content-Type
    assert_error(r, 415, "unsupported_media_type")
    r = d.put("/v1/projects/x", b"title=x",
              headers={"Content-Type": "text/plain"})
    assert_error(r, 415, "unsupported_media_type")
    # Parameters and case are fine.
    for ctype in ("application/json; charset=utf-8", "Application/JSON"):
        r = _raw_post(d, "/v1/projects/keeper/updates", b'{"value": 42}',
                      ctype)
        assert r.status == 201, f"{ctype}: {r}"
    _alive(d)


def test_invalid_utf8(d):
    _setup(d)
    for bad in (b"\xff\xfe", b"\xc0\xaf", b"\xed\xa0\x80", b"\xe6\x96",
                b"\xf4\x90\x80\x80"):
        data = b'{"id": "p1", "title": "' + bad + \
            b'", "target": 5, "start": "2022-01-01", "due": "2022-12-31"}'
        r = _raw_post(d, "/v1/projects", data)
        assert_error(r, (400, 422))
    # A lone surrogate escape is not a Unicode character either.
    data = b'{"id": "p1", "title": "\\ud800", "target": 5, ' \
        b'"start": "2022-01-01", "due": "2022-12-31"}'
    assert_error(_raw_post(d, "/v1/projects", data), (400, 422))
    r = _raw_post(d, "/v1/projects/keeper/updates",
                  b'{"value": 1, "note": "\xff"}')
    assert_error(r, (400, 422))
    assert_error(d.get("/v1/projects/p1"), 404)
    _alive(d)


def test_nan_and_huge_numbers(d):
    _setup(d)
    for num in (b"NaN", b"Infinity", b"-Infinity", b"1e400", b"-1e400"):
        r = _raw_post(d, "/v1/projects/keeper/updates",
                      b'{"value": ' + num + b"}")
        assert_error(r, (400, 422))
        data = b'{"id": "p1", "title": "t", "target": ' + num + \
            b', "start": "2022-01-01", "due": "2022-12-31"}'
        assert_error(_raw_post(d, "/v1/projects", data), (400, 422))
    # Finite but huge values must not turn into inf on the way.
    r = d.post("/v1/projects/keeper/updates", {"value": 1.7e308})
    if r.status == 201:
        r = d.post("/v1/projects/keeper/updates", {"delta": 1.7e308})
        assert_error(r, 422, "invalid_value", "delta")
        p = d.project("keeper")
        assert p["current"] == 1.7e308, p
        d.post("/v1/projects/keeper/updates", {"value": 42})
    else:
        assert_error(r, 422, "invalid_value", "value")
    r = d.post("/v1/projects", project("p1", target=1e308, baseline=-1e308))
    if r.status == 201:
        p = d.project("p1")  # must still be valid JSON with finite numbers
        assert p["progress"] == 0
    else:
        assert_error(r, 422)
    _alive(d)


def test_title_and_unit_length(d):
    _setup(d)
    assert_error(d.post("/v1/projects", project("p1", title="")), 422,
                 "invalid_value", "title")
    assert_error(d.post("/v1/projects", project("p1", title="停" * 201)), 422,
                 "invalid_value", "title")
    assert_error(d.post("/v1/projects", project("p1", unit="个" * 33)), 422,
                 "invalid_value", "unit")
    assert d.post("/v1/projects", project("p1", unit="个" * 32)).status == 201
    assert d.post("/v1/projects", project("p2", unit="")).status == 201
    _alive(d)


def test_curve_and_milestones(d):
    _setup(d)
    t = now()
    assert_error(d.post("/v1/projects", project("p1", curve="exponential")),
                 422, "invalid_value", "curve")
    ok = [{"at": iso(t - 10 * DAY), "value": 100},
          {"at": iso(t + 10 * DAY), "value": 200}]
    cases = [
        # outside (start, due)
        ([{"at": iso(t - 60 * DAY), "value": 100}], "milestones[0].at"),
        ([ok[0], {"at": iso(t + 60 * DAY), "value": 200}],
         "milestones[1].at"),
        # out of time order
        ([ok[1], ok[0]], ("milestones[1].at", "milestones[0].at")),
        # not monotone toward the target
        ([ok[0], {"at": iso(t + 10 * DAY), "value": 50}],
         "milestones[1].value"),
        # beyond the target
        ([{"at": iso(t - 10 * DAY), "value": 400}], "milestones[0].value"),
        ([{"at": iso(t - 10 * DAY)}], "milestones[0].value"),
        ([{"at": "2022-13-45", "value": 1}], "milestones[0].at"),
    ]
    for ms, field in cases:
        r = d.post("/v1/projects", project("p1", curve="milestones",
                                           milestones=ms))
        assert_error(r, 422, None, field)
    assert_error(d.get("/v1/projects/p1"), 404)
    assert d.post("/v1/projects", project("p1", curve="milestones",
                                          milestones=ok)).status == 201
    _alive(d)


def test_durations_and_thresholds(d):
    _setup(d)
    for field, bad in (("report_every", "7x"), ("report_every", "-7d"),
                       ("grace", "soon"), ("report_every", 7)):
        r = d.post("/v1/projects", project("p1", **{field: bad}))
        assert_error(r, 422, "invalid_value", field)
    for th, field in (({"at_risk": -0.1}, "thresholds.at_risk"),
                      ({"at_risk": 0.2, "behind": 0.1},
                       ("thresholds.behind", "thresholds.at_risk",
                        "thresholds")),
                      ({"at_risk": "0.05"}, "thresholds.at_risk"),
                      ({"later": 0.5}, "thresholds.later")):
        r = d.post("/v1/projects", project("p1", thresholds=th))
        assert_error(r, 422, None, field)
    assert_error(d.get("/v1/projects/p1"), 404)
    _alive(d)


def test_update_value_on_burn_down_beyond_baseline_is_accepted(d):
    # Values may move away from the target (a correction, new sites found):
    # progress goes negative, nothing is rejected.
    _setup(d)
    d.create(project("demolition", baseline=495, target=0))
    p = d.update("demolition", {"value": 510})["project"]
    assert p["progress"] < 0 and p["status"] == "behind", p
    _alive(d)


def test_id_in_url_that_is_not_utf8_is_quoted_in_the_message(d):
    # The error body is JSON, which must be UTF-8: the bytes are shown
    # escaped, never dropped with the message around them.
    _setup(d)
    for method, path, body, field in (
            ("GET", "/v1/projects/%ff%fe", None, "id"),
            ("DELETE", "/v1/projects/a%ffb", None, "id"),
            ("POST", "/v1/projects/%ff/updates", {"value": 1}, "project")):
        r = d.request(method, path, body=body)
        e = assert_error(r, 404, "not_found", field)
        assert "\\x" in e["message"] and "FF" in e["message"].upper(), r
    _alive(d)


def test_long_key_cut_between_characters(d):
    # An unknown key is named in field (at most 127 bytes): cut between
    # characters, or JSON (UTF-8) could not carry it at all.
    _setup(d)
    key = "k" * 126 + "停"
    e = assert_error(d.post("/v1/silences", {"tag": "x", "until": iso(
        now() + 3600), key: 1}), 422, "unknown_field")
    assert e["field"] and e["field"].startswith("k" * 100), e
    e = assert_error(d.post("/v1/updates", {"updates": [
        {"project": "keeper", "value": 1, key: 1}]}), 422)
    assert e["field"].startswith("updates[0]."), e
    assert e["items"][0]["field"].startswith("k" * 100), e
    _alive(d)


def test_numbers_out_of_range_are_422_naming_the_key(d):
    # Well-formed JSON (RFC 8259 sets no magnitude) that no double or
    # integer holds: a value to refuse by its name, as 1e16 is.
    _setup(d)
    for num in (b"1e400", b"-1e400", b"99999999999999999999"):
        r = _raw_post(d, "/v1/projects/keeper/updates",
                      b'{"note": "x", "value" : ' + num + b' }')
        assert_error(r, 422, "invalid_value", "value")
        data = b'{"id": "p1", "title": "t", "target":' + num + \
            b', "start": "2022-01-01", "due": "2022-12-31"}'
        assert_error(_raw_post(d, "/v1/projects", data), 422,
                     "invalid_value", "target")
    # Named by its full path, as 1e16 is: a batch item by its index, a
    # milestone, a threshold; and a key paced does not know stays that.
    r = _raw_post(d, "/v1/updates", b'{"updates": [{"project": "keeper", '
                  b'"value": 1}, {"project": "keeper", "value": 1e400}]}')
    assert_error(r, 422, "invalid_value", "updates[1].value")
    assert [i["index"] for i in r.body["error"]["items"]] == [1], r
    base = project("p1")
    for field, body in (
            ("milestones[0].value",
             dict(base, milestones=[{"at": base["due"], "value": "N"}])),
            ("thresholds.at_risk", dict(base, thresholds={"at_risk": "N"}))):
        data = json.dumps(body).replace('"N"', "-1e999").encode()
        assert_error(_raw_post(d, "/v1/projects", data), 422,
                     "invalid_value", field)
    assert_error(_raw_post(d, "/v1/projects/keeper/updates",
                           b'{"bogus": 1e400}'), 422, "unknown_field",
                 "bogus")
    # Malformed around the number: still 400, as without it; and a
    # number that is the whole body is no object.
    for data in (b'{"value": 1e400', b'{"value": 1e400,}',
                 b'{"value": 1e400, "value": 2}', b"1e400", b"[1e400]",
                 b'{"note": "1e400 \\" 1e400", "value": 1e400 x}'):
        r = _raw_post(d, "/v1/projects/keeper/updates", data)
        assert_error(r, 400, "invalid_json")
    _alive(d)


def test_query_parameters_a_route_does_not_read_are_refused(d):
    # A client expecting ?dry_run=1 to be honoured must not get a write.
    _setup(d)
    body = {"value": 43}
    for path in ("/v1/projects/keeper/updates?dry_run=1",
                 "/v1/updates?dry_run=1"):
        data = body if "keeper" in path else \
            {"updates": [dict(body, project="keeper")]}
        r = d.post(path, data)
        assert_error(r, 422, "unknown_field", "dry_run")
    assert_error(d.get("/v1/projects/keeper?foo=bar"), 422,
                 "unknown_field", "foo")
    assert_error(d.delete("/v1/projects/keeper?force=1"), 422,
                 "unknown_field", "force")
    r = d.put("/v1/projects/p2?x=1", {k: v for k, v in
                                       project("p2").items() if k != "id"})
    assert_error(r, 422, "unknown_field", "x")
    assert_error(d.get("/v1/projects/p2"), 404)
    # The lists name the parameter they do not know, and read one sent
    # percent-encoded.
    assert_error(d.get("/v1/projects?foo=1"), 422, "unknown_field", "foo")
    r = d.get("/v1/projects?%73tatus=behind")
    assert r.status == 200, r
    _alive(d)


def test_put_with_an_id_that_cannot_be_one_is_422(d):
    _setup(d)
    body = {k: v for k, v in project("x").items() if k != "id"}
    for seg in ("a" * 256, "a%zz", "a%00b", "a" * 300 + "%2F"):
        r = d.put("/v1/projects/" + seg, body)
        assert_error(r, 422, "invalid_value", "id")
        # Only a PUT makes what it names; a read of it is a 404.
        assert_error(d.get("/v1/projects/" + seg), 404)
    _alive(d)


def test_unknown_empty_key_is_named_in_the_message(d):
    _setup(d)
    r = _raw_post(d, "/v1/projects/keeper/updates", b'{"value": 1, "": 2}')
    assert_error(r, 422, "unknown_field")
    assert 'unknown field ""' in r.body["error"]["message"], r
    _alive(d)


def test_json_in_another_charset_is_415(d):
    _setup(d)
    for cs in ("utf-16", "latin1", '"iso-8859-1"'):
        r = _raw_post(d, "/v1/projects/keeper/updates", b'{"value": 7}',
                      "application/json; charset=" + cs)
        assert_error(r, 415, "unsupported_media_type")
    r = _raw_post(d, "/v1/projects/keeper/updates", b'{"value": 42}',
                  'application/json; charset="UTF-8"')
    assert r.status == 201, r
    _alive(d)
