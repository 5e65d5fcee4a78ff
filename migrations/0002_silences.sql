-- 0002: silences. An event inside a silence is recorded with silenced = 1
-- and gets no delivery rows, so lifting or outliving the silence releases
-- nothing old.
CREATE TABLE silences (
    id         TEXT PRIMARY KEY,
    project_id TEXT,                  -- exactly one of project_id and tag
    tag        TEXT,
    until      INTEGER NOT NULL,
    reason     TEXT,
    created_at INTEGER NOT NULL,
    deleted_at INTEGER,
    CHECK ((project_id IS NULL) != (tag IS NULL))
);
CREATE INDEX silences_active ON silences(until) WHERE deleted_at IS NULL;

ALTER TABLE events ADD COLUMN silenced INTEGER NOT NULL DEFAULT 0;
