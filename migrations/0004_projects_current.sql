-- 0004: each project row keeps its current value (the latest update by
-- `at`), that update's `at`, and when the latest report arrived. Start-up
-- reads them with the row instead of searching every project's updates
-- (with a million projects that search was most of the start-up time).
-- The write that stores an update keeps them, in the same transaction.
ALTER TABLE projects ADD COLUMN current REAL;
ALTER TABLE projects ADD COLUMN current_at INTEGER;
ALTER TABLE projects ADD COLUMN last_received_at INTEGER;
UPDATE projects SET
    current = (SELECT value FROM updates WHERE project_id = projects.id
               ORDER BY at DESC, seq DESC LIMIT 1),
    current_at = (SELECT at FROM updates WHERE project_id = projects.id
                  ORDER BY at DESC, seq DESC LIMIT 1),
    last_received_at = (SELECT max(received_at) FROM updates
                        WHERE project_id = projects.id);
