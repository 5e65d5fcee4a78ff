-- 0005: the projects' current value, its `at` and the last arrival are
-- written to their rows in batches, about once a second (stateflush.c),
-- no longer with every update: state_mark.seq is the last update those
-- columns reflect. At start-up the updates after it are applied again.
CREATE TABLE state_mark (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    seq INTEGER NOT NULL
);
-- Until now every update was in the projects row as soon as it was stored.
INSERT INTO state_mark (one, seq)
    VALUES (1, (SELECT coalesce(max(seq), 0) FROM updates));
