"""001-start: the daemon starts, answers its health checks and basic
routing, and validates its configuration (check-config, file:line)."""

import os
import sqlite3

from harness import (Daemon, StartError, assert_error, free_port,
                     make_config, make_tmpdir, project, run_paced)


def test_healthz_and_readyz(d):
    r = d.get("/healthz")
    assert r.status == 200, r
    r = d.get("/readyz")
    assert r.status == 200, r


def test_unknown_path_is_404_json(d):
    for path in ("/nope", "/v1/nope", "/v1/projects/x/nope", "/v2/projects"):
        r = d.get(path)
        assert_error(r, 404, "not_found")
        assert r.headers.get("content-type", "").startswith(
            "application/json"), r.headers


def test_wrong_method_is_405(d):
    d.create(project("x"))  # so that GET on its updates is 200, not 404
    allowed = {"/v1/projects": {"GET", "HEAD", "POST"},
               "/v1/events": {"GET", "HEAD"},
               "/healthz": {"GET", "HEAD"},
               "/v1/projects/x/updates": {"GET", "HEAD", "POST"},
               "/v1/silences": {"GET", "HEAD", "POST"}}
    for method, path in (("DELETE", "/v1/projects"), ("PUT", "/v1/events"),
                         ("POST", "/healthz"), ("PATCH", "/v1/projects"),
                         ("PUT", "/v1/projects/x/updates"),
                         ("DELETE", "/v1/silences")):
        r = d.request(method, path, body={} if method != "DELETE" else None)
        assert_error(r, 405, "method_not_allowed")
        # RFC 9110: a 405 says which methods the resource does take.
        allow = {m.strip() for m in r.headers["allow"].split(",")}
        assert allow == allowed[path], (path, r.headers["allow"])
        for m in allow - {"POST"}:
            assert d.request(m, path).status != 405, (m, path)


def _good_conf(tmp):
    path = os.path.join(tmp, "good.conf")
    text = make_config(free_port(), os.path.join(tmp, "paced.db"))
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def _bad_conf(tmp, section, line_text, name="bad.conf"):
    """A good config with line_text inserted right after [section];
    returns (path, line number of the inserted line)."""
    lines = make_config(free_port(),
                        os.path.join(tmp, "paced.db")).splitlines()
    i = lines.index(f"[{section}]") + 1
    lines.insert(i, line_text)
    path = os.path.join(tmp, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return path, i + 1


def test_check_config_good_exits_0():
    tmp = make_tmpdir()
    path = _good_conf(tmp)
    p = run_paced(["check-config", "-c", path])
    assert p.returncode == 0, \
        f"check-config of a good file: {p.returncode}\n{p.stdout}{p.stderr}"
    # check-config only validates: it does not leave a daemon behind or
    # create the database.
    assert not os.path.exists(os.path.join(tmp, "paced.db")), \
        "check-config created the database"


def test_check_config_unknown_key_names_file_line():
    tmp = make_tmpdir()
    path, line = _bad_conf(tmp, "storage", "colour = blue")
    p = run_paced(["check-config", "-c", path])
    out = p.stdout + p.stderr
    assert p.returncode != 0, f"check-config accepted an unknown key:\n{out}"
    assert f"bad.conf:{line}" in out, \
        f"expected 'bad.conf:{line}' in the message, got:\n{out}"


def test_check_config_unknown_section_names_file_line():
    tmp = make_tmpdir()
    lines = make_config(free_port(), os.path.join(tmp, "paced.db")) \
        .splitlines()
    lines += ["[frobnicate]", "x = 1"]
    path = os.path.join(tmp, "sect.conf")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    p = run_paced(["check-config", "-c", path])
    out = p.stdout + p.stderr
    assert p.returncode != 0, f"check-config accepted [frobnicate]:\n{out}"
    assert f"sect.conf:{len(lines) - 1}" in out, out


def test_check_config_bad_value_names_file_line():
    tmp = make_tmpdir()
    path, line = _bad_conf(tmp, "alerts", "repeat_every = often",
                           name="val.conf")
    p = run_paced(["check-config", "-c", path])
    out = p.stdout + p.stderr
    assert p.returncode != 0, f"check-config accepted a bad duration:\n{out}"
    assert f"val.conf:{line}" in out, out


def test_check_config_bad_declared_project():
    # target == baseline is invalid for a project declared in the file too.
    tmp = make_tmpdir()
    text = make_config(free_port(), os.path.join(tmp, "paced.db"),
                       projects={"parking": {
                           "title": "新增公共停车泊位", "unit": "个",
                           "baseline": 5, "target": 5,
                           "start": "2022-01-01", "due": "2022-12-31"}})
    path = os.path.join(tmp, "proj.conf")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    p = run_paced(["check-config", "-c", path])
    out = p.stdout + p.stderr
    assert p.returncode != 0, f"check-config accepted target == baseline:\n" \
        f"{out}"
    assert "proj.conf:" in out, out


def test_bad_config_refuses_to_start():
    tmp = make_tmpdir()
    path, line = _bad_conf(tmp, "server", "colour = blue")
    d = Daemon(start=False, tmp=tmp, config_text=open(path).read())
    try:
        d.start(timeout=5)
    except StartError as e:
        assert f"paced.conf:{line}" in str(e), \
            f"start-up error does not name paced.conf:{line}: {e}"
        return
    raise AssertionError("paced started with an unknown config key")


def test_sigterm_exits_cleanly(d):
    rc = d.stop(timeout=10)
    assert rc == 0, f"exit status after SIGTERM: {rc}"


def test_listen_port_in_use_refuses_to_start():
    first = Daemon()
    tmp = make_tmpdir()
    text = make_config(first.port, os.path.join(tmp, "paced.db"))
    second = Daemon(start=False, tmp=tmp, config_text=text)
    try:
        second.start(timeout=5)
    except StartError as e:
        # It exits by itself within the bound, not killed at the end of it.
        assert "exited with status" in str(e), e
        assert f"cannot listen: 127.0.0.1:{first.port}" in str(e) and \
            "address already in use" in str(e), e
        assert first.get("/healthz").status == 200
        return
    raise AssertionError("a second paced started on a port in use")


def test_unknown_option_is_refused():
    # Unknown command-line options are refused rather than ignored (and no
    # daemon starts on the built-in defaults).
    p = run_paced(["--no-such-option"], cwd=make_tmpdir())
    assert p.returncode != 0, f"--no-such-option accepted: {p.stdout}"


def test_command_line_words_in_any_order_and_unknown_ones_named():
    tmp = make_tmpdir()
    path = _good_conf(tmp)
    for args in (["check-config", "-c", path], ["-c", path, "check-config"],
                 [f"--config={path}", "check-config"]):
        p = run_paced(args, cwd=tmp)
        assert p.returncode == 0 and ": ok (" in p.stdout, (args, p)
    for args, said in ((["bogus"], 'unknown command "bogus"'),
                       (["check-config", "extra", "-c", path],
                        'check-config takes no argument (got "extra")'),
                       (["-c", path, "backup"], "backup takes one argument"),
                       (["token", "old", "x"], 'token takes "new NAME"')):
        p = run_paced(args, cwd=tmp)
        assert p.returncode == 2, (args, p)
        assert f"paced: {said}" in p.stderr and "usage:" in p.stderr, \
            (args, p.stderr)
    copy = os.path.join(tmp, "copy.db")
    d = Daemon(tmp=tmp)
    d.create(project("a"))
    p = run_paced(["-c", d.conf_path, "backup", copy], cwd=tmp)
    assert p.returncode == 0 and os.path.exists(copy), p


def test_database_newer_than_binary_is_refused(d):
    # A database written by a newer paced (a higher PRAGMA user_version)
    # must be refused with a clear message, and left exactly as it was.
    d.create(project("keeper"))
    db = d.db
    assert d.stop(timeout=10) == 0
    con = sqlite3.connect(db)
    (version,) = con.execute("PRAGMA user_version").fetchone()
    assert version >= 1, version
    con.execute(f"PRAGMA user_version = {version + 1}")
    con.commit()
    con.close()
    try:
        d.start(timeout=5)
    except StartError as e:
        msg = str(e)
        assert "newer" in msg and f"version {version + 1}" in msg, msg
    else:
        raise AssertionError("paced started on a database newer than it")
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA user_version").fetchone()[0] == version + 1
    assert con.execute("SELECT count(*) FROM projects").fetchone()[0] == 1
    con.close()
