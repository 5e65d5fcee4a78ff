"""080-auth-tokens: [token.*] bearer tokens with roles reader, reporter,
admin and project globs (401 without/with a bad token, 403 not allowed)."""

import hashlib
import re
import secrets

from harness import (Daemon, StartError, assert_error, project, run_paced,
                     wait_for)

TOKENS = {name: secrets.token_urlsafe(24)
          for name in ("viewer", "jianshe", "boss")}


def _daemon(listen=None):
    extra = ""
    for name, role, projects in (("viewer", "reader", None),
                                 ("jianshe", "reporter", "parking-*, beds"),
                                 ("boss", "admin", None)):
        extra += f"[token.{name}]\n"
        extra += f"sha256 = {hashlib.sha256(TOKENS[name].encode()).hexdigest()}\n"
        extra += f"role = {role}\n"
        if projects:
            extra += f"projects = {projects}\n"
        extra += "\n"
    d = Daemon(start=False, extra=extra)
    if listen:
        d.write_config(server={"listen": listen.format(port=d.port)},
                       extra=extra)
    d.start()
    d.headers = {"Authorization": f"Bearer {TOKENS['boss']}"}
    return d


def _as(name):
    return {"Authorization": f"Bearer {TOKENS[name]}" if name else None}


def test_no_or_bad_token_401():
    d = _daemon()
    d.create(project("parking-a"))
    for h in (_as(None), {"Authorization": "Bearer wrong"},
              {"Authorization": "Basic Ym9zczpib3Nz"},
              {"Authorization": f"Bearer {TOKENS['boss']}x"}):
        r = d.get("/v1/projects", headers=h)
        assert_error(r, 401)
        assert "www-authenticate" in r.headers, r.headers
        assert_error(d.post("/v1/projects/parking-a/updates", {"value": 1},
                            headers=h), 401)
    # Health checks stay open for probes.
    assert d.get("/healthz", headers=_as(None)).status == 200
    assert d.project("parking-a")["current"] == 0


def test_reader_reads_only():
    d = _daemon()
    d.create(project("parking-a"))
    h = _as("viewer")
    assert d.get("/v1/projects", headers=h).status == 200
    assert d.get("/v1/projects/parking-a", headers=h).status == 200
    assert d.get("/v1/events", headers=h).status == 200
    assert_error(d.post("/v1/projects/parking-a/updates", {"value": 1},
                        headers=h), 403)
    assert_error(d.post("/v1/projects", project("x"), headers=h), 403)
    assert_error(d.delete("/v1/projects/parking-a", headers=h), 403)
    assert d.project("parking-a")["current"] == 0


def test_reporter_posts_only_to_its_projects():
    d = _daemon()
    for pid in ("parking-a", "beds", "schools"):
        d.create(project(pid))
    h = _as("jianshe")
    assert d.post("/v1/projects/parking-a/updates", {"value": 5},
                  headers=h).status == 201
    assert d.post("/v1/projects/beds/updates", {"value": 6},
                  headers=h).status == 201
    assert_error(d.post("/v1/projects/schools/updates", {"value": 7},
                        headers=h), 403)
    assert_error(d.post("/v1/projects", project("parking-new"), headers=h),
                 403)
    assert_error(d.put("/v1/projects/parking-a",
                       {k: v for k, v in project("x").items() if k != "id"},
                       headers=h), 403)
    # A batch touching a project outside the globs stores nothing.
    r = d.post("/v1/updates", {"updates": [
        {"project": "parking-a", "value": 50},
        {"project": "schools", "value": 50}]}, headers=h)
    assert_error(r, (403, 422))
    assert d.project("parking-a")["current"] == 5
    assert d.project("schools")["current"] == 0


def test_admin_does_everything():
    d = _daemon()
    d.create(project("parking-a"))
    assert d.update("parking-a", {"value": 3})["project"]["current"] == 3
    assert d.delete("/v1/projects/parking-a").status == 204


def test_tokens_allow_non_loopback_listener():
    d = _daemon(listen="0.0.0.0:{port}")
    assert d.get("/v1/projects").status == 200
    assert_error(d.get("/v1/projects", headers=_as(None)), 401)


def _token_new(name):
    """Runs paced token new NAME: (token, config block text)."""
    r = run_paced(["token", "new", name])
    assert r.returncode == 0, r.stderr
    tok = re.search(r"^token: (\S+)$", r.stdout, re.M)
    assert tok, r.stdout
    block = r.stdout[r.stdout.index(f"[token.{name}]"):]
    return tok.group(1), block


def test_token_new_prints_a_working_block():
    tok, block = _token_new("ci")
    assert re.fullmatch(r"pcd_[0-9a-f]{64}", tok), tok
    kv = dict(line.split(" = ", 1) for line in block.splitlines()[1:]
              if " = " in line)
    assert kv == {"sha256": hashlib.sha256(tok.encode()).hexdigest(),
                  "role": "reporter", "projects": "*"}, kv
    # Fresh each time.
    assert _token_new("ci")[0] != tok
    bad = run_paced(["token", "new", "no/slash"])
    assert bad.returncode == 2 and "bad name" in bad.stderr, bad
    assert run_paced(["token", "new"]).returncode == 2
    # The block as printed, pasted into a configuration, is accepted.
    boss = f"[token.boss]\nsha256 = " \
        f"{hashlib.sha256(TOKENS['boss'].encode()).hexdigest()}\n" \
        "role = admin\n"
    d = Daemon(extra=block + "\n" + boss)
    d.headers = _as("boss")
    d.create(project("parking-a"))
    r = d.post("/v1/projects/parking-a/updates", {"value": 4},
               headers={"Authorization": f"Bearer {tok}"})
    assert r.status == 201, r
    assert r.json["update"]["token"] == "ci", r.json
    assert_error(d.post("/v1/projects", project("x"),
                        headers={"Authorization": f"Bearer {tok}"}),
                 403, "forbidden")


def test_reporter_limits_and_errors():
    d = _daemon()
    for pid in ("parking-a", "parking-b", "beds", "schools"):
        d.create(project(pid))
    h = _as("jianshe")
    r = d.post("/v1/projects", project("parking-c"), headers=h)
    assert_error(r, 403, "forbidden")
    assert "admin" in r.json["error"]["message"], r.json
    assert_error(d.delete("/v1/projects/beds", headers=h), 403, "forbidden")
    assert_error(d.post("/v1/silences", {"project": "beds", "until": "2099-01-01"},
                        headers=h), 403, "forbidden")
    assert_error(d.post("/v1/digest", {}, headers=h), 403, "forbidden")
    r = d.post("/v1/projects/schools/updates", {"value": 1}, headers=h)
    assert_error(r, 403, "forbidden", "project")
    assert "schools" in r.json["error"]["message"], r.json
    # Outside the globs is 403 whether or not the project exists.
    assert_error(d.post("/v1/projects/nope/updates", {"value": 1},
                        headers=h), 403, "forbidden")
    # Inside the globs: an unknown project is 404, its own ones work.
    assert_error(d.post("/v1/projects/parking-zz/updates", {"value": 1},
                        headers=h), 404)
    r = d.post("/v1/projects/parking-b/updates", {"value": 9}, headers=h)
    assert r.status == 201 and r.json["project"]["current"] == 9, r
    # A batch names every item outside the globs by index.
    r = d.post("/v1/updates", {"updates": [
        {"project": "parking-a", "value": 1},
        {"project": "schools", "value": 2},
        {"project": "beds", "value": 3},
        {"project": "x-y", "value": 4}]}, headers=h)
    assert_error(r, 403, "forbidden", "updates[1].project")
    assert [(i["index"], i["project"]) for i in r.json["error"]["items"]] \
        == [(1, "schools"), (3, "x-y")], r.json
    # Each item says why, as a 422's items do (pacectl prints both).
    for i in r.json["error"]["items"]:
        assert i["code"] == "forbidden", i
        assert i["field"] == f"updates[{i['index']}].project", i
        assert i["project"] in i["message"] and "jianshe" in i["message"], i
    assert d.project("parking-a")["current"] == 0
    r = d.post("/v1/updates", {"updates": [
        {"project": "parking-a", "value": 1},
        {"project": "beds", "value": 3}]}, headers=h)
    assert r.status == 201, r
    assert [u["token"] for u in r.json["updates"]] == ["jianshe"] * 2
    # A reader may not post a batch at all.
    assert_error(d.post("/v1/updates", {"updates": [
        {"project": "parking-a", "value": 1}]}, headers=_as("viewer")),
        403, "forbidden")


def test_token_with_surrounding_whitespace_is_the_token():
    # A header's value does not include the spaces or tabs after it
    # (RFC 9110's OWS); the scheme's may be several spaces.
    d = _daemon()
    for pad in (" ", "\t", " \t "):
        c = d.connect()
        c.send(f"GET /v1/projects HTTP/1.1\r\nHost: x\r\nAuthorization: "
               f"Bearer  {TOKENS['viewer']}{pad}\r\n\r\n")
        r = c.read_response()
        assert r.status == 200, (repr(pad), r)
    c = d.connect()
    c.send(f"GET /v1/projects HTTP/1.1\r\nHost: x\r\nAuthorization: "
           f"Bearer {TOKENS['viewer'][:-1]} {TOKENS['viewer'][-1]}\r\n\r\n")
    assert c.read_response().status == 401


def test_wrong_token_401_and_open_probes():
    d = _daemon()
    for h in ({"Authorization": "Bearer " + secrets.token_urlsafe(24)},
              {"Authorization": "Bearer "}, _as(None)):
        r = d.get("/v1/events", headers=h)
        assert_error(r, 401, "unauthorized")
        assert r.headers["www-authenticate"].startswith("Bearer"), r.headers
    # The probes stay open; /metrics needs a reader.
    assert d.get("/healthz", headers=_as(None)).status == 200
    assert d.get("/readyz", headers=_as(None)).status == 200
    assert_error(d.get("/metrics", headers=_as(None)), 401)
    assert d.get("/metrics", headers=_as("viewer")).status == 200
    # The scheme name is case-insensitive (RFC 7235).
    r = d.get("/v1/projects",
              headers={"Authorization": f"bearer {TOKENS['viewer']}"})
    assert r.status == 200, r


def test_stored_updates_name_their_token():
    d = _daemon()
    d.create(project("beds"))
    d.post("/v1/projects/beds/updates", {"value": 1}, headers=_as("jianshe"))
    d.update("beds", {"value": 2})
    ups = d.updates("beds")
    assert [u["token"] for u in ups] == ["boss", "jianshe"], ups
    # A repeated client id answers with the original's writer.
    body = {"value": 3, "id": "k1"}
    assert d.post("/v1/projects/beds/updates", body,
                  headers=_as("jianshe")).status == 201
    r = d.post("/v1/projects/beds/updates", body)
    assert r.status == 200 and r.json["update"]["token"] == "jianshe", r
    # Without tokens (the open API) there is nobody to name.
    o = Daemon()
    o.create(project("beds"))
    assert o.update("beds", {"value": 1})["update"]["token"] is None
    assert o.updates("beds")[0]["token"] is None


def test_tokens_never_logged():
    d = Daemon(start=False)
    extra = ""
    for name, role in (("viewer", "reader"), ("boss", "admin")):
        extra += f"[token.{name}]\nsha256 = " \
            f"{hashlib.sha256(TOKENS[name].encode()).hexdigest()}\n" \
            f"role = {role}\n\n"
    d.write_config(server={"log_level": "debug"}, extra=extra)
    d.start()
    d.headers = _as("boss")
    d.create(project("beds"))
    d.update("beds", {"value": 1})
    d.post("/v1/projects/beds/updates", {"value": 1}, headers=_as("viewer"))
    d.get("/v1/projects", headers={"Authorization": "Bearer guess-me-123"})
    d.stop()
    err = d.stderr()
    for secret in (TOKENS["boss"], TOKENS["viewer"], "guess-me-123"):
        assert secret not in err, err


def test_reload_adds_and_keeps_tokens():
    d = _daemon(listen="0.0.0.0:{port}")
    newtok, block = _token_new("late")
    late = {"Authorization": f"Bearer {newtok}"}
    assert_error(d.get("/v1/projects", headers=late), 401)
    text = open(d.conf_path).read()
    d.write_config_text(text + "\n" + block)
    d.reload()
    wait_for(lambda: d.get("/v1/projects", headers=late).status == 200, 5,
             msg="the token added by the reload works")
    assert d.get("/v1/projects", headers=_as("viewer")).status == 200
    # Dropping every token while listening on 0.0.0.0 would open the
    # API to the network: refused, the running tokens stay. Moving the
    # listener to loopback in the file does not help: listen changes
    # only with a restart.
    for listen, why in (("0.0.0.0:{port}", "refusing to serve the open API"),
                        ("127.0.0.1:{port}", "other machines reach")):
        d.write_config(server={"listen": listen.format(port=d.port)})
        n = d.stderr().count("reload refused")
        d.reload()
        wait_for(lambda: d.stderr().count("reload refused") > n, 5,
                 msg="reload refused")
        line = [x for x in d.stderr().splitlines()
                if "reload refused" in x][-1]
        assert why in line, line
        assert_error(d.get("/v1/projects", headers=_as(None)), 401)
        assert d.get("/v1/projects", headers=late).status == 200


def test_non_loopback_without_tokens_refused():
    d = Daemon(start=False)
    d.write_config(server={"listen": f"0.0.0.0:{d.port}"})
    try:
        d.start(timeout=5)
    except StartError as e:
        assert "0.0.0.0" in str(e) and "token" in str(e), e
        return
    raise AssertionError("open API started on 0.0.0.0 without tokens")
