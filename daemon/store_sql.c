/*
 * store_sql.c - the text of every statement the store prepares once at
 * open (store_stmt), by enum stmt_id: the SQL apart from the code that
 * runs it, so each reads whole.
 */
#include "store_internal.h"

#define UPDATE_COLS \
	"seq, project_id, at, value, delta, note, client_id, received_at, token"
/* The same, for a join of updates_idx i and updates u. */
#define IDX_UPDATE_COLS \
	"i.seq, u.project_id, i.at, i.value, u.delta, u.note, u.client_id, " \
	"u.received_at, u.token"
/* The seqs held in memory for the project (store_tail.h), bound as ?9. */
#define HELD "(SELECT value FROM json_each(?9))"
/* The arms of a project's update reads (store_stmt_sql below): the
 * updates with their updates_idx entry, and those held in memory. */
#define ALL_INDEXED \
	"SELECT " IDX_UPDATE_COLS " FROM updates_idx i " \
	"JOIN updates u ON u.seq = i.seq WHERE i.project_id = ?1 "
#define ALL_HELD \
	"SELECT " UPDATE_COLS " FROM updates " \
	"WHERE seq IN " HELD " AND project_id = ?1 "
#define LIST_INDEXED ALL_INDEXED "AND i.at < ?2 "
#define LIST_HELD ALL_HELD "AND at < ?2 "
#define LIST_ORDER "ORDER BY 3 DESC, 1 DESC LIMIT ?3"
#define LATEST_ORDER "ORDER BY 3 DESC, 1 DESC LIMIT 1"
/* Only updates_idx for those with an entry: no table lookups. */
#define SINCE_INDEXED \
	"SELECT at, value, seq FROM updates_idx " \
	"WHERE project_id = ?1 AND at >= ?2 "
#define SINCE_HELD \
	"SELECT at, value, seq FROM updates " \
	"WHERE seq IN " HELD " AND project_id = ?1 AND at >= ?2 "
#define EVENT_COLS \
	"e.seq, e.id, e.project_id, e.type, e.at, e.previous_status, " \
	"e.status, e.project, e.silenced"
#define DELIVERY_COLS \
	"d.event_seq, d.channel, d.state, d.attempts, d.next_at, " \
	"d.last_error, d.sent_at"

/* A channel gets a project's events in the order they happened: a
 * delivery waits while an earlier one of the same project to the same
 * channel is still pending (for instance backing off). */
#define NOT_BLOCKED \
	"NOT EXISTS (SELECT 1 FROM events e2 JOIN deliveries d2 " \
	"ON d2.event_seq = e2.seq AND d2.channel = d.channel " \
	"WHERE e2.project_id = e.project_id AND e2.seq < e.seq " \
	"AND d2.state = 'pending')"

const char *const store_stmt_sql[ST_COUNT] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_SAVEPOINT] = "SAVEPOINT paced_item",
	[ST_RELEASE] = "RELEASE paced_item",
	[ST_ROLLBACK_TO] = "ROLLBACK TO paced_item",
	[ST_PROJECTS_LOAD] =
		"SELECT p.id, p.definition, p.declared, p.created_at, "
		"p.defined_at, p.status, p.status_since, p.stale, "
		"p.last_event_at, p.current, p.current_at, "
		"p.last_received_at "
		"FROM projects p WHERE p.archived_at IS NULL ORDER BY p.id",
	[ST_PROJECT_STATE] =
		"SELECT archived_at IS NOT NULL FROM projects WHERE id = ?1",
	[ST_PROJECT_DEFINITION] =
		"SELECT definition, created_at, defined_at FROM projects "
		"WHERE id = ?1",
	[ST_PROJECT_INSERT] =
		"INSERT INTO projects (id, definition, declared, created_at, "
		"defined_at, status, status_since) "
		"VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6)",
	[ST_REVISION_INSERT] =
		"INSERT INTO project_revisions (project_id, revision, "
		"definition, created_at) SELECT ?1, "
		"coalesce(max(revision), 0) + 1, ?2, ?3 "
		"FROM project_revisions WHERE project_id = ?1",
	[ST_PROJECT_REDEFINE] =
		"UPDATE projects SET definition = ?2, declared = ?3, "
		"defined_at = ?4, archived_at = NULL WHERE id = ?1",
	[ST_PROJECT_ARCHIVE] =
		"UPDATE projects SET archived_at = ?2 "
		"WHERE id = ?1 AND archived_at IS NULL",
	[ST_PROJECT_SET_STATUS] =
		"UPDATE projects SET status = ?2, status_since = ?3, "
		"stale = ?4 WHERE id = ?1",
	[ST_PROJECT_SET_CURRENT] =
		"UPDATE projects SET current = ?2, current_at = ?3, "
		"last_received_at = ?4 WHERE id = ?1",
	[ST_PROJECT_SET_LAST_EVENT] =
		"UPDATE projects SET last_event_at = ?2 WHERE id = ?1",
	[ST_UPDATE_INSERT] =
		"INSERT INTO updates (project_id, at, value, delta, note, "
		"client_id, received_at, token) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[ST_UPDATE_BY_CLIENT] = "SELECT " UPDATE_COLS " FROM updates "
				"WHERE project_id = ?1 AND client_id = ?2",
	/* A project's updates: those with their updates_idx entry, then those
	 * held in memory (store_tail.h), named by seq in ?9. The first arm's
	 * order is the index's, so a LIMIT reads no further than it needs.
	 * The _INDEXED forms are the first arm alone, for a project with
	 * nothing held. */
	[ST_UPDATES_LIST] = LIST_INDEXED "UNION ALL " LIST_HELD LIST_ORDER,
	[ST_UPDATES_LIST_INDEXED] = LIST_INDEXED LIST_ORDER,
	[ST_UPDATES_SINCE] =
		SINCE_INDEXED "UNION ALL " SINCE_HELD "ORDER BY 1, 3",
	[ST_UPDATES_SINCE_INDEXED] = SINCE_INDEXED "ORDER BY 1, 3",
	[ST_UPDATES_ALL] = ALL_INDEXED "UNION ALL " ALL_HELD "ORDER BY 3, 1",
	[ST_UPDATES_ALL_INDEXED] = ALL_INDEXED "ORDER BY 3, 1",
	[ST_UPDATE_LATEST] = ALL_INDEXED "UNION ALL " ALL_HELD LATEST_ORDER,
	[ST_UPDATE_LATEST_INDEXED] = ALL_INDEXED LATEST_ORDER,
	/* Never a project's latest update: it is its current value. Nor
	 * the last seq: SQLite would give it again, to an update that
	 * index_mark already counts. Every entry is written first
	 * (store_updates_prune); the deleted rows come back for their
	 * entries to go too. */
	[ST_UPDATES_PRUNE] =
		"DELETE FROM updates WHERE seq IN (SELECT u.seq "
		"FROM updates_idx u WHERE u.at < ?1 "
		"AND u.seq < (SELECT max(seq) FROM updates) AND u.seq <> "
		"(SELECT l.seq FROM updates_idx l "
		"WHERE l.project_id = u.project_id "
		"ORDER BY l.at DESC, l.seq DESC LIMIT 1) LIMIT ?2) "
		"RETURNING project_id, at, seq",
	[ST_EVENT_INSERT] =
		"INSERT INTO events (id, project_id, type, at, "
		"previous_status, status, project, silenced) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[ST_DELIVERY_INSERT] =
		"INSERT INTO deliveries (event_seq, channel, next_at) "
		"VALUES (?1, ?2, ?3)",
	[ST_EVENTS_LIST] = "SELECT " EVENT_COLS " FROM events e "
			   "WHERE (?1 IS NULL OR e.project_id = ?1) "
			   "AND (?2 IS NULL OR e.type = ?2) "
			   "ORDER BY e.seq DESC LIMIT ?3",
	[ST_DELIVERIES_OF_EVENT] = "SELECT " DELIVERY_COLS
				   " FROM deliveries d "
				   "WHERE d.event_seq = ?1 ORDER BY d.channel",
	[ST_DELIVERIES_DUE] =
		"SELECT " DELIVERY_COLS ", " EVENT_COLS
		" FROM deliveries d JOIN events e ON e.seq = d.event_seq "
		"WHERE d.state = 'pending' AND d.next_at <= ?1 "
		"AND " NOT_BLOCKED " ORDER BY d.next_at, d.event_seq LIMIT ?2",
	[ST_DELIVERIES_NEXT] =
		"SELECT min(d.next_at) FROM deliveries d "
		"JOIN events e ON e.seq = d.event_seq "
		"WHERE d.state = 'pending' AND " NOT_BLOCKED,
	[ST_DELIVERY_UPDATE] =
		"UPDATE deliveries SET state = ?3, attempts = ?4, "
		"next_at = ?5, last_error = ?6, sent_at = ?7 "
		"WHERE event_seq = ?1 AND channel = ?2",
	[ST_DELIVERY_DEFER] =
		"UPDATE deliveries SET next_at = ?3 "
		"WHERE event_seq = ?1 AND channel = ?2 AND state = 'pending'",
	[ST_SILENCE_INSERT] =
		"INSERT INTO silences (id, project_id, tag, until, reason, "
		"created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[ST_SILENCE_DELETE] =
		"UPDATE silences SET deleted_at = ?2 "
		"WHERE id = ?1 AND deleted_at IS NULL AND until > ?2",
	[ST_SILENCES_ACTIVE] =
		"SELECT id, project_id, tag, until, reason, created_at "
		"FROM silences WHERE deleted_at IS NULL AND until > ?1 "
		"ORDER BY created_at, id",
	[ST_SILENCED] =
		"SELECT 1 FROM silences WHERE deleted_at IS NULL "
		"AND until > ?1 AND (project_id = ?2 OR tag IN "
		"(SELECT value FROM json_each(?3))) LIMIT 1",
	/* Whether a channel was given bad news about the project that
	 * nothing given since answered. Two kinds, each answered by its own
	 * good news: of status (at_risk, behind, overdue, or a reminder
	 * while one of those), answered by recovered or done; of reporting
	 * (stale, or a reminder while only stale), answered by resumed or
	 * done, and only a done (?2) answers it: a recovered says nothing
	 * of reporting. Each walk reads the project's events newest first
	 * (events_project) and stops at the first of its kind delivered. */
	[ST_LAST_BAD_NEWS_DELIVERED] =
		"SELECT coalesce((SELECT e.type NOT IN ('project.recovered', "
		"'project.done') FROM events e WHERE e.project_id = ?1 "
		"AND (e.type IN ('project.recovered', 'project.done') OR "
		"(e.type IN ('project.at_risk', 'project.behind', "
		"'project.overdue', 'project.reminder') "
		"AND e.status IN ('at_risk', 'behind', 'overdue'))) "
		"AND EXISTS (SELECT 1 FROM deliveries d "
		"WHERE d.event_seq = e.seq) "
		"ORDER BY e.seq DESC LIMIT 1), 0) "
		"OR (?2 = 'project.done' AND coalesce((SELECT e.type NOT IN "
		"('project.resumed', "
		"'project.done') FROM events e WHERE e.project_id = ?1 "
		"AND (e.type IN ('project.stale', 'project.resumed', "
		"'project.done') OR (e.type = 'project.reminder' "
		"AND e.status NOT IN ('at_risk', 'behind', 'overdue'))) "
		"AND EXISTS (SELECT 1 FROM deliveries d "
		"WHERE d.event_seq = e.seq) "
		"ORDER BY e.seq DESC LIMIT 1), 0))",
	/* seq is the rowid, so max() is one b-tree descent, not a count. */
	[ST_UPDATES_MAX_SEQ] = "SELECT coalesce(max(seq), 0) FROM updates",
	[ST_EVENTS_MAX_SEQ] = "SELECT coalesce(max(seq), 0) FROM events",
	[ST_PENDING_BY_CHANNEL] =
		"SELECT channel, count(*) FROM deliveries "
		"WHERE state = 'pending' GROUP BY channel ORDER BY channel",
	[ST_STATE_MARK_SET] = "UPDATE state_mark SET seq = "
			      "(SELECT coalesce(max(seq), 0) FROM updates)",
	[ST_UPDATES_UNMARKED] = "SELECT " UPDATE_COLS " FROM updates WHERE seq > "
				"(SELECT seq FROM state_mark) ORDER BY seq",
	/* OR IGNORE: an entry that is there already must not stop every
	 * fold after it. */
	[ST_INDEX_INSERT] = "INSERT OR IGNORE INTO updates_idx "
			    "(project_id, at, seq, value) "
			    "VALUES (?1, ?2, ?3, ?4)",
	/* STORE_INDEX_ROWS of one project's entries at once: a statement's
	 * own start and end cost about as much as the row it writes. */
	[ST_INDEX_INSERT_ROWS] = "INSERT OR IGNORE INTO updates_idx "
				 "(project_id, at, seq, value) VALUES "
				 "(?1, ?2, ?3, ?4), (?1, ?5, ?6, ?7), "
				 "(?1, ?8, ?9, ?10), (?1, ?11, ?12, ?13), "
				 "(?1, ?14, ?15, ?16), (?1, ?17, ?18, ?19), "
				 "(?1, ?20, ?21, ?22), (?1, ?23, ?24, ?25)",
	[ST_INDEX_MARK_SET] = "UPDATE index_mark SET seq = ?1",
	[ST_FOLD_SAVEPOINT] = "SAVEPOINT paced_fold",
	[ST_FOLD_RELEASE] = "RELEASE paced_fold",
	[ST_FOLD_ROLLBACK_TO] = "ROLLBACK TO paced_fold",
	[ST_INDEX_DELETE] = "DELETE FROM updates_idx WHERE project_id = ?1 "
			    "AND at = ?2 AND seq = ?3",
};
