"""067-durability-checkpoints: the write-ahead log is copied into the
database by a worker thread, not inside the COMMIT of whichever request
takes it past 1000 frames on the event loop (ckpt.c). /metrics counts the
checkpoints by thread; every acknowledged update is in the database after
a restart, and the WAL starts again from its beginning instead of growing."""

import re
import struct

from harness import Daemon, chattr, on_cleanup, project, wait_for

PROJECTS = 10
BATCHES = 80
PER_BATCH = 18


def _checkpoints(d, thread):
    text = d.get("/metrics").raw.decode("utf-8")
    m = re.search(r'^paced_wal_checkpoints_total\{thread="%s"\} (\d+)$'
                  % thread, text, re.M)
    assert m, text
    return int(m.group(1))


def _wal_copied(db):
    """Whether every frame of the WAL is in the database: mxFrame of the
    wal-index header (offset 16) equals nBackfill of its checkpoint
    information (offset 96), as sqlite.org/walformat.html lays out the
    -shm file, in the machine's byte order."""
    with open(db + "-shm", "rb") as f:
        head = f.read(100)
    mx_frame = struct.unpack_from("=I", head, 16)[0]
    backfill = struct.unpack_from("=I", head, 96)[0]
    return mx_frame > 0 and backfill == mx_frame


def _wal_restarts(db):
    """The checkpoint sequence number of the -wal file's header (offset
    12, big-endian): SQLite adds one each time it starts writing the WAL
    from its beginning again."""
    with open(db + "-wal", "rb") as f:
        return struct.unpack(">I", f.read(16)[12:16])[0]


def _post_batches(d, first):
    # A 1000-character note is about 3 kB: each batch adds some 15 pages
    # to the WAL, the batches together well past 1000.
    note = "进" * 1000
    for b in range(BATCHES):
        items = [{"project": f"c{i % PROJECTS}", "value": first + b,
                  "note": note, "id": f"u{first}-{b}-{i}"}
                 for i in range(PER_BATCH)]
        r = d.post("/v1/updates", {"updates": items})
        assert r.status == 201, r


def test_the_worker_checkpoints_and_every_update_stays():
    d = Daemon()
    for i in range(PROJECTS):
        d.create(project(f"c{i}"))
    # Not necessarily 0: a pause of 100 ms between two creates (a slow
    # machine, valgrind) already lets the worker copy what they wrote.
    before = _checkpoints(d, "worker")
    _post_batches(d, 0)
    wait_for(lambda: _checkpoints(d, "worker") > before)
    # Far below the mark (16 000 frames) where the loop helps out.
    assert _checkpoints(d, "loop") == 0
    # Once the writes pause, the rest is copied too ...
    wait_for(lambda: _wal_copied(d.db))
    seq = _wal_restarts(d.db)
    # ... so the next batches write the WAL from its beginning again
    # instead of making it longer.
    _post_batches(d, 1000)
    assert _wal_restarts(d.db) > seq
    d.restart()
    for p in range(PROJECTS):
        ups = d.updates(f"c{p}", limit=1000)
        per_batch = sum(1 for i in range(PER_BATCH) if i % PROJECTS == p)
        assert len(ups) == 2 * BATCHES * per_batch, (p, len(ups))
    assert d.project("c0")["current"] == 1000 + BATCHES - 1


def test_checkpoints_resume_once_a_read_only_file_is_writable():
    # SQLite opens a file it may not write read-only, and the worker's
    # connection would stay so: paced reopens it, as it does the main
    # one. Root ignores file modes, so the file is made immutable.
    d = Daemon()
    for i in range(PROJECTS):
        d.create(project(f"c{i}"))
    d.stop()
    if not chattr("+i", d.db):
        print("067: SKIPPED: chattr +i not possible here")
        return
    on_cleanup(lambda failed: chattr("-i", d.db))
    d.start()
    assert chattr("-i", d.db)
    wait_for(lambda: d.post("/v1/projects/c0/updates",
                            {"value": 1}).status == 201, 10)
    _post_batches(d, 0)
    wait_for(lambda: _checkpoints(d, "worker") >= 1)
    assert "writable again; reopened" in d.stderr()
    wait_for(lambda: _wal_copied(d.db))
    assert _checkpoints(d, "loop") == 0
