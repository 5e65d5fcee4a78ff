-- 0003: the forecast reads (at, value) of a project's recent updates on
-- every answer that shows the project. With value in the index that read
-- never leaves it for the table. The index serves every query the old one
-- did (same leading columns), so the old one goes.
CREATE INDEX updates_project_at_value ON updates(project_id, at, seq, value);
DROP INDEX updates_project_at;
