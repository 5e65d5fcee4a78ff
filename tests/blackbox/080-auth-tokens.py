"""080-auth-tokens: [token.*] bearer tokens with roles reader, reporter,
admin and project globs (401 without/with a bad token, 403 not allowed)."""

import hashlib
import secrets

from harness import Daemon, assert_error, project

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
