"""069-durability-database-file: the database's place on disk. One paced
per database (a second one on the same file refuses to start and names
the first, which goes on untouched); a database file this paced may only
read is known from the start (/readyz 503, writes 503 naming it, reads
served) and taken up once it can be written; a directory it cannot use
is named in the start-up error."""

import fcntl
import os
import shutil
import subprocess
import time

from harness import (PACED, TIMEOUT_SCALE, Daemon, Skip, StartError,
                     assert_error, make_tmpdir, on_cleanup, project,
                     run_paced, wait_for)

NOBODY = 65534


def test_second_paced_on_the_same_database_refuses_to_start():
    first = Daemon()
    first.create(project("a"))
    first.update("a", {"value": 5, "id": "u1"})
    second = Daemon(storage={"path": first.db}, start=False)
    try:
        second.start()
        raise AssertionError("a second paced started on the same database")
    except StartError:
        pass
    err = second.stderr()
    assert f"another paced (pid {first.proc.pid}) is serving the database " \
        f"{first.db}" in err, err
    assert "listening" not in err, err
    r = first.post("/v1/projects/a/updates", {"value": 6, "id": "u2"})
    assert r.status == 201, r
    # The lock goes with the process, however it ends: after kill -9 the
    # second starts and has everything the first acknowledged.
    first.kill9()
    second.start()
    assert second.project("a")["current"] == 6
    assert {u["id"] for u in second.updates("a")} == {"u1", "u2"}


def test_lock_held_by_another_process_stops_before_the_file_is_made():
    # Whoever holds the lock (here this test, not a paced): paced names
    # the lock file and never creates, reads or migrates the database.
    tmp = make_tmpdir()
    db = os.path.join(tmp, "new.db")
    held = open(db + ".lock", "w")
    on_cleanup(lambda failed: held.close())
    fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
    d = Daemon(storage={"path": db}, start=False)
    p = run_paced(["-c", d.conf_path], cwd=tmp)
    assert p.returncode == 1, p
    assert f"another process holds {db}.lock" in p.stderr, p.stderr
    assert not os.path.exists(db), os.listdir(tmp)
    # Named relative to the directory paced starts in: the same lock,
    # by its real path.
    rel = Daemon(storage={"path": "./new.db"}, start=False)
    p = run_paced(["-c", rel.conf_path], cwd=tmp)
    assert p.returncode == 1, p
    assert f"another process holds {os.path.realpath(db)}.lock" in \
        p.stderr, p.stderr
    assert not os.path.exists(db), os.listdir(tmp)
    # A symbolic link to the database leads to the same lock.
    held.close()
    first = Daemon(storage={"path": db})
    link = os.path.join(tmp, "link.db")
    os.symlink(db, link)
    second = Daemon(storage={"path": link}, start=False)
    p = run_paced(["-c", second.conf_path], cwd=tmp)
    assert p.returncode == 1, p
    assert f"another paced (pid {first.proc.pid}) is serving" in p.stderr, \
        p.stderr


def _on_a_file_system_made_read_only():
    """A paced that stored project "a" at 7 on a tmpfs, killed (as when
    the remount happens under it: -wal and -shm stay) and the tmpfs then
    remounted read-only: (the stopped Daemon, the mount point)."""
    mnt = os.path.join(make_tmpdir(), "mnt")
    os.mkdir(mnt)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "none",
                       mnt], capture_output=True).returncode != 0:
        raise Skip("cannot mount a tmpfs here")
    on_cleanup(lambda failed: subprocess.run(["umount", "-l", mnt]))
    d = Daemon(storage={"path": os.path.join(mnt, "paced.db")})
    d.create(project("a"))
    d.update("a", {"value": 7})
    d.kill9()
    os.unlink(os.path.join(mnt, "paced.db.lock"))
    assert subprocess.run(["mount", "-o", "remount,ro", mnt]).returncode \
        == 0
    return d, mnt


def test_read_only_file_system_runs_without_the_lock():
    # A file system remounted read-only (errors=remount-ro): paced still
    # starts and serves what it has; nobody can write there, so the lock
    # that keeps a second paced away is not needed, and its absence is
    # logged.
    d, mnt = _on_a_file_system_made_read_only()
    d.start()
    assert d.project("a")["current"] == 7
    assert_error(d.get("/readyz"), 503, "unavailable")
    assert "read-only file system: running without the lock" in \
        d.stderr(), d.stderr()


def test_read_only_database_starts_though_declared_projects_changed():
    # The file declares a project the read-only database does not hold:
    # paced cannot store it, says so, and serves what it has.
    d, mnt = _on_a_file_system_made_read_only()
    d.write_config(storage={"path": os.path.join(mnt, "paced.db")},
                   projects={"new-one": {
                       "title": "新", "unit": "个", "target": 5,
                       "start": "2022-01-01", "due": "2022-12-31"}})
    d.start()
    assert d.project("a")["current"] == 7
    assert "cannot store the declared projects" in d.stderr(), d.stderr()
    assert_error(d.get("/readyz"), 503, "unavailable")


def test_a_directory_it_cannot_use_is_named():
    tmp = make_tmpdir()
    missing = os.path.join(tmp, "no", "such", "dir")
    d = Daemon(storage={"path": os.path.join(missing, "paced.db")},
               start=False)
    p = run_paced(["-c", d.conf_path])
    assert p.returncode == 1, p
    assert f"the directory {missing} does not exist" in p.stderr, p.stderr
    not_dir = os.path.join(tmp, "file")
    open(not_dir, "w").close()
    d.write_config(storage={"path": os.path.join(not_dir, "paced.db")})
    p = run_paced(["-c", d.conf_path])
    assert p.returncode == 1, p
    assert f"{not_dir} is not a directory" in p.stderr, p.stderr


def _as_nobody():
    """setpriv's prefix to run as nobody, or Skip where that cannot run
    this build (not root, or the checkout closed to other users)."""
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        raise Skip("needs root and setpriv to run paced as another user")
    prefix = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}",
              "--clear-groups"]
    if subprocess.run(prefix + ["test", "-x", PACED]).returncode != 0:
        raise Skip(f"{PACED} is not executable by uid {NOBODY}")
    return prefix


def test_database_file_it_may_only_read_is_503_from_the_start():
    prefix = _as_nobody()
    d = Daemon()
    d.create(project("a"))
    d.update("a", {"value": 7})
    d.stop()
    # The directory is nobody's to write (the -wal, -shm and lock files),
    # the database file root's: SQLite opens it read-only without a word.
    os.chmod(d.tmp, 0o777)
    for name in os.listdir(d.tmp):
        path = os.path.join(d.tmp, name)
        if name.startswith("paced.db") and name != "paced.db":
            os.unlink(path)
    os.chmod(d.db, 0o644)
    os.chmod(d.conf_path, 0o644)
    log = open(os.path.join(d.tmp, "nobody.log"), "wb")
    proc = subprocess.Popen(prefix + [PACED, "-c", d.conf_path],
                            stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                            cwd=d.tmp)
    log.close()

    def stop():
        proc.terminate()
        proc.wait(10 * TIMEOUT_SCALE)
    on_cleanup(lambda failed: stop() if proc.poll() is None else None)
    wait_for(lambda: _get_status(d, "/healthz") == 200, 10 * TIMEOUT_SCALE,
             msg="paced as nobody answers /healthz")
    r = d.get("/readyz")
    assert_error(r, 503, "unavailable")
    assert "read-only" in r.json["error"]["message"], r
    r = d.post("/v1/projects/a/updates", {"value": 8, "id": "ro"})
    assert_error(r, 503, "storage_read_only")
    assert d.project("a")["current"] == 7  # reads are served
    with open(os.path.join(d.tmp, "nobody.log"), errors="replace") as f:
        text = f.read()
    assert f"the database {d.db} is read-only for this process " \
        f"(uid {NOBODY})" in text, text
    os.chmod(d.db, 0o666)
    wait_for(lambda: _get_status(d, "/readyz") == 200, 10 * TIMEOUT_SCALE,
             msg="readyz 200 once the file is writable")
    r = d.post("/v1/projects/a/updates", {"value": 9, "id": "rw"})
    assert r.status == 201, r
    stop()
    assert proc.returncode == 0, proc.returncode
    d.start()
    ids = {u["id"] for u in d.updates("a")}
    assert "rw" in ids and "ro" not in ids, ids


def _get_status(d, path):
    try:
        return d.get(path).status
    except OSError:
        time.sleep(0.05)
        return None
