"""081-auth-rate: each token's request rate ([token.NAME] rate = N/PERIOD):
429 with Retry-After past it, per token, nothing stored from a refused
request, the spent allowance kept across a reload."""

import hashlib
import re
import secrets
import time

from harness import Daemon, assert_error, project, run_paced, wait_for

TOKENS = {name: secrets.token_urlsafe(24) for name in ("jianshe", "boss")}


def _token_block(name, role, rate=None):
    block = (f"[token.{name}]\n"
             f"sha256 = {hashlib.sha256(TOKENS[name].encode()).hexdigest()}\n"
             f"role = {role}\n")
    return block + (f"rate = {rate}\n" if rate else "") + "\n"


def _extra(reporter_rate, boss_rate=None):
    return (_token_block("jianshe", "reporter", reporter_rate) +
            _token_block("boss", "admin", boss_rate))


def _as(name):
    return {"Authorization": f"Bearer {TOKENS[name]}"}


def _daemon(reporter_rate):
    d = Daemon(extra=_extra(reporter_rate))
    d.headers = _as("boss")
    d.create(project("parking-a"))
    return d


def test_over_rate_429_with_retry_after_and_nothing_stored():
    d = _daemon("5/1m")
    for i in range(5):
        r = d.post("/v1/projects/parking-a/updates", {"value": i + 1},
                   headers=_as("jianshe"))
        assert r.status == 201, r
    r = d.post("/v1/projects/parking-a/updates", {"value": 99},
               headers=_as("jianshe"))
    assert_error(r, 429, "rate_limited")
    retry = r.headers.get("retry-after")
    assert retry is not None and re.fullmatch(r"[0-9]+", retry), r.headers
    # One request comes back every 60 s / 5 = 12 s.
    assert 1 <= int(retry) <= 12, retry
    assert "jianshe" in r.json["error"]["message"], r.json
    # Reads count too: a runaway dashboard is as much a load as a writer.
    assert_error(d.get("/v1/projects", headers=_as("jianshe")), 429)
    # The refused update was not stored; the other token is unaffected.
    assert d.project("parking-a")["current"] == 5
    updates = d.get("/v1/projects/parking-a/updates").json
    assert [u["value"] for u in updates["updates"]] == [5, 4, 3, 2, 1]


def test_retry_after_is_honest():
    d = _daemon("2/1s")
    h = _as("jianshe")
    assert d.get("/v1/projects", headers=h).status == 200
    assert d.get("/v1/projects", headers=h).status == 200
    r = d.get("/v1/projects", headers=h)
    assert_error(r, 429, "rate_limited")
    time.sleep(int(r.headers["retry-after"]))
    assert d.get("/v1/projects", headers=h).status == 200


def test_open_probes_are_not_counted():
    d = _daemon("1/1m")
    for _ in range(20):
        assert d.get("/healthz").status == 200
    assert d.get("/v1/projects", headers=_as("jianshe")).status == 200
    assert_error(d.get("/v1/projects", headers=_as("jianshe")), 429)


def test_reload_keeps_spent_allowance_and_takes_new_rate():
    d = _daemon("3/1m")
    h = _as("jianshe")
    for _ in range(3):
        assert d.get("/v1/projects", headers=h).status == 200
    assert_error(d.get("/v1/projects", headers=h), 429)
    # A reload that leaves the token as it was does not refill it ...
    d.write_config(extra=_extra("3/1m", boss_rate="100/1m"))
    d.reload()
    wait_for(lambda: d.stderr().count("configuration reloaded") >= 1, 5)
    assert_error(d.get("/v1/projects", headers=h), 429)
    # ... one that changes its rate starts it on the new rate.
    d.write_config(extra=_extra("10/1m", boss_rate="100/1m"))
    d.reload()
    wait_for(lambda: d.stderr().count("configuration reloaded") >= 2, 5)
    for _ in range(10):
        assert d.get("/v1/projects", headers=h).status == 200
    assert_error(d.get("/v1/projects", headers=h), 429)


def test_bad_rate_is_a_config_error_at_its_line():
    d = Daemon(start=False, extra=_extra("0/1m"))
    r = run_paced(["check-config", "-c", d.conf_path])
    assert r.returncode != 0
    with open(d.conf_path, encoding="utf-8") as f:
        line = next(i for i, text in enumerate(f, 1)
                    if text.startswith("rate = 0/1m"))
    assert f"paced.conf:{line}:" in r.stderr and "rate" in r.stderr, r.stderr
    assert "1..1000000" in r.stderr, r.stderr
