-- 0006: a project's updates are found through updates_idx, a table paced
-- fills itself, no longer through an SQLite index kept with every insert.
-- That index put each update's entry on a page of its own project, so
-- every commit wrote (and every checkpoint copied) one 4 KB page per
-- update. paced now keeps the entries of the last second or so in memory
-- and writes them per project, many to a page (store_tail.c). Its
-- columns are the old index's, so every read it served is served the same.
CREATE TABLE updates_idx (
    project_id TEXT NOT NULL,
    at         INTEGER NOT NULL,
    seq        INTEGER NOT NULL,
    value      REAL NOT NULL,
    PRIMARY KEY (project_id, at, seq)
) WITHOUT ROWID;
INSERT INTO updates_idx (project_id, at, seq, value)
    SELECT project_id, at, seq, value FROM updates
    ORDER BY project_id, at, seq;
DROP INDEX updates_project_at_value;
-- Every update with seq up to index_mark.seq has its entry. At start-up
-- the entries of those after it, which were in memory, are made again.
CREATE TABLE index_mark (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    seq INTEGER NOT NULL
);
INSERT INTO index_mark (one, seq)
    VALUES (1, (SELECT coalesce(max(seq), 0) FROM updates));
