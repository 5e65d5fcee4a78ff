-- 0001: projects, their progress updates, and the alert outbox.
-- Instants are INTEGER milliseconds since the Unix epoch (UTC).

-- A tracked target. `definition` is the project as defined over the API or
-- in the config file (JSON, fields as given); evaluation is never stored
-- except what alerting needs to remember: the status and since when.
CREATE TABLE projects (
    id            TEXT PRIMARY KEY,
    definition    TEXT NOT NULL,
    declared      INTEGER NOT NULL DEFAULT 0,  -- 1: from a [project.ID] section
    created_at    INTEGER NOT NULL,
    defined_at    INTEGER NOT NULL,            -- last definition change
    archived_at   INTEGER,                     -- NULL while live
    status        TEXT NOT NULL,
    status_since  INTEGER NOT NULL,
    stale         INTEGER NOT NULL DEFAULT 0,
    last_event_at INTEGER
);

-- Every definition a project ever had: a PUT keeps the history.
CREATE TABLE project_revisions (
    project_id TEXT NOT NULL REFERENCES projects(id),
    revision   INTEGER NOT NULL,
    definition TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (project_id, revision)
) WITHOUT ROWID;

-- A reported value. `delta` is kept when the client sent one, `client_id`
-- is the client's idempotency key.
CREATE TABLE updates (
    seq         INTEGER PRIMARY KEY,
    project_id  TEXT NOT NULL REFERENCES projects(id),
    at          INTEGER NOT NULL,
    value       REAL NOT NULL,
    delta       REAL,
    note        TEXT,
    client_id   TEXT,
    received_at INTEGER NOT NULL,
    token       TEXT
);
CREATE UNIQUE INDEX updates_client_id ON updates(project_id, client_id)
    WHERE client_id IS NOT NULL;
CREATE INDEX updates_project_at ON updates(project_id, at, seq);

-- A status change. `project` is the project object (with evaluation) as it
-- was at that instant, so a delivery sends what was true then.
CREATE TABLE events (
    seq             INTEGER PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    project_id      TEXT NOT NULL REFERENCES projects(id),
    type            TEXT NOT NULL,
    at              INTEGER NOT NULL,
    previous_status TEXT,
    status          TEXT NOT NULL,
    project         TEXT NOT NULL
);
CREATE INDEX events_project ON events(project_id, seq);

-- The outbox: one row per event and channel, written in the same
-- transaction as the event.
CREATE TABLE deliveries (
    event_seq  INTEGER NOT NULL REFERENCES events(seq),
    channel    TEXT NOT NULL,
    state      TEXT NOT NULL DEFAULT 'pending'
               CHECK (state IN ('pending', 'sent', 'dead')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    next_at    INTEGER NOT NULL,
    last_error TEXT,
    sent_at    INTEGER,
    PRIMARY KEY (event_seq, channel)
) WITHOUT ROWID;
CREATE INDEX deliveries_due ON deliveries(next_at, event_seq)
    WHERE state = 'pending';
