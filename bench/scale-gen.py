#!/usr/bin/env python3
"""Fills a paced database (its schema made by paced itself) with N projects
and U updates each, straight through SQLite, in paced's own row format.

    python3 bench/scale-gen.py DB [N] [U]     (default 1 000 000 and 10)

Why not over the API: a million POST /v1/projects and ten million updates
would measure the write path again (bench/run does that) and take tens of
minutes on this machine; the figures wanted here are what paced does with
such a database. Each row is what paced writes (compare a row made over the
API: projects.definition is the definition as given, without its id; one
project_revisions row per project; updates with received_at): bench/scale
checks that paced starts on it, records (next to) no events on its first
start because every stored status is the one paced computes, and serves
the values generated.

Projects p0 .. p{N-1}: linear burn-ups 0 -> 100..599 个, started 100..299
days ago, due in 30..929 days, one in ten with report_every = 14d and a
tag. Updates: one a week per project over the last U weeks, time-ordered
across projects as they would arrive (seq grows with at), on the project's
curve shifted by its gap: 5 % of projects are behind (gap 0.2), 3 % at
risk (0.07), the others on track (gap in [-0.03, 0.03]).
"""
import sqlite3
import sys
import time

DAY = 86400 * 1000


def main():
    db = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    u = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    now = int(time.time() * 1000)
    con = sqlite3.connect(db, isolation_level=None)
    # A bulk load into a fresh file: no journal to protect it, all in one
    # go; paced puts the file back in WAL mode when it opens it.
    for pragma in ("journal_mode = OFF", "synchronous = OFF",
                   "cache_size = -2000000", "temp_store = MEMORY"):
        con.execute("PRAGMA " + pragma)
    con.execute("BEGIN")
    # One row per project with what the others derive from: times in ms,
    # the target and the gap it keeps to its curve.
    con.execute("""
        CREATE TEMP TABLE gen AS
        WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s
                                WHERE i < ?1 - 1)
        SELECT i, 'p' || i AS id,
               ?2 - (100 + i % 200) * ?3 AS start_ms,
               ?2 + (30 + i % 900) * ?3 AS due_ms,
               100 + i % 500 AS target,
               CASE WHEN i % 100 < 5 THEN 0.2
                    WHEN i % 100 < 8 THEN 0.07
                    ELSE ((i * 7919) % 61 - 30) / 1000.0 END AS gap
        FROM s""", (n, now, DAY))
    iso = "strftime('%Y-%m-%dT%H:%M:%SZ', {} / 1000, 'unixepoch')"
    definition = f"""
        CASE WHEN i % 10 = 0 THEN
          json_object('title', '项目 ' || i, 'unit', '个', 'target', target,
                      'start', {iso.format('start_ms')},
                      'due', {iso.format('due_ms')},
                      'report_every', '14d', 'tags', json_array('民生实事'))
        ELSE
          json_object('title', '项目 ' || i, 'unit', '个', 'target', target,
                      'start', {iso.format('start_ms')},
                      'due', {iso.format('due_ms')})
        END"""
    # The status paced computes now (linear curve, thresholds 0.05 and
    # 0.10): the latest update is an hour old, its gap is the project's.
    # Those at risk or behind became so, and were last alerted, 12 to 22
    # hours ago: their daily reminders are not due at start-up.
    con.execute(f"""
        INSERT INTO projects (id, definition, declared, created_at,
                              defined_at, status, status_since, stale,
                              last_event_at)
        SELECT id, {definition}, 0, start_ms, start_ms,
               CASE WHEN gap >= 0.10 THEN 'behind'
                    WHEN gap >= 0.05 THEN 'at_risk'
                    ELSE 'on_track' END,
               CASE WHEN gap >= 0.05 THEN alerted ELSE start_ms END, 0,
               CASE WHEN gap >= 0.05 THEN alerted END
        FROM (SELECT *, ?1 - 12 * 3600000 - (i % 600) * 60000 AS alerted
              FROM gen)
        ORDER BY i""", (now,))
    con.execute("""
        INSERT INTO project_revisions (project_id, revision, definition,
                                       created_at)
        SELECT id, 1, definition, created_at FROM projects""")
    # Week k (0 = the oldest) of every project, then week k + 1: the
    # order in which they would have arrived.
    con.execute("""
        WITH RECURSIVE w(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM w
                                WHERE k < ?1 - 1),
        t AS (SELECT k, i, id, target, gap, start_ms, due_ms,
                     ?2 - (?1 - 1 - k) * 7 * ?3 - 3600000 - (i % 24) * 60000
                     AS at
              FROM w CROSS JOIN gen)
        INSERT INTO updates (project_id, at, value, received_at)
        SELECT id, at,
               round(max(0, target * ((at - start_ms) * 1.0
                                      / (due_ms - start_ms) - gap)), 2),
               at + 30000
        FROM t ORDER BY k, i""", (u, now, DAY))
    # Each update's entry in updates_idx, which paced writes a moment
    # after the update (migration 0006), and the mark saying all are there.
    con.execute("""
        INSERT INTO updates_idx (project_id, at, seq, value)
        SELECT project_id, at, seq, value FROM updates
        ORDER BY project_id, at, seq""")
    con.execute("UPDATE index_mark SET seq = (SELECT max(seq) FROM updates)")
    # What paced keeps in each project row as it stores updates
    # (migration 0004): the latest update by at, and the latest arrival.
    # Week U - 1 is every project's latest on both counts.
    con.execute("""
        UPDATE projects SET
            current = (SELECT value FROM updates_idx
                       WHERE project_id = projects.id
                       ORDER BY at DESC, seq DESC LIMIT 1),
            current_at = (SELECT max(at) FROM updates_idx
                          WHERE project_id = projects.id),
            last_received_at = (SELECT max(u.received_at)
                                FROM updates_idx i JOIN updates u
                                ON u.seq = i.seq
                                WHERE i.project_id = projects.id)""")
    # ... and that those columns reflect every update (migration 0005).
    con.execute("UPDATE state_mark SET seq = (SELECT max(seq) FROM updates)")
    con.execute("COMMIT")
    con.execute("PRAGMA journal_mode = WAL")
    con.close()


if __name__ == "__main__":
    main()
