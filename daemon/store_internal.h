/*
 * store_internal.h - what store.c, store_outbox.c and store_def.c share:
 * the prepared statements and the handle. Private to those; everyone
 * else uses store.h.
 */
#ifndef PACED_STORE_INTERNAL_H
#define PACED_STORE_INTERNAL_H

#include <sqlite3.h>

#include "store.h"

/* Every statement paced runs, prepared once at open and kept for the life
 * of the process: nothing is ever built from input. */
enum stmt_id {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_SAVEPOINT,
	ST_RELEASE,
	ST_ROLLBACK_TO,
	ST_PROJECTS_LOAD,
	ST_PROJECT_STATE,
	ST_PROJECT_DEFINITION,
	ST_PROJECT_INSERT,
	ST_REVISION_INSERT,
	ST_PROJECT_REDEFINE,
	ST_PROJECT_ARCHIVE,
	ST_PROJECT_SET_STATUS,
	ST_PROJECT_SET_CURRENT,
	ST_PROJECT_SET_LAST_EVENT,
	ST_UPDATE_INSERT,
	ST_UPDATE_BY_CLIENT,
	ST_UPDATES_LIST,
	ST_UPDATES_SINCE,
	ST_UPDATES_ALL,
	ST_UPDATE_LATEST,
	/* The same four for a project with no seqs held (store_tail.h):
	 * the index's arm alone, which SQLite reads in the index's order
	 * without the IN list's and the ORDER BY's temporary tables. */
	ST_UPDATES_LIST_INDEXED,
	ST_UPDATES_SINCE_INDEXED,
	ST_UPDATES_ALL_INDEXED,
	ST_UPDATE_LATEST_INDEXED,
	ST_EVENT_INSERT,
	ST_DELIVERY_INSERT,
	ST_EVENTS_LIST,
	ST_DELIVERIES_OF_EVENT,
	ST_DELIVERIES_DUE,
	ST_DELIVERIES_NEXT,
	ST_DELIVERY_UPDATE,
	ST_DELIVERY_DEFER,
	ST_SILENCE_INSERT,
	ST_SILENCE_DELETE,
	ST_SILENCES_ACTIVE,
	ST_SILENCED,
	ST_LAST_BAD_NEWS_DELIVERED,
	ST_UPDATES_PRUNE,
	ST_UPDATES_MAX_SEQ,
	ST_EVENTS_MAX_SEQ,
	ST_PENDING_BY_CHANNEL,
	ST_STATE_MARK_SET,
	ST_UPDATES_UNMARKED,
	ST_INDEX_INSERT,
	ST_INDEX_INSERT_ROWS,
	ST_INDEX_MARK_SET,
	ST_FOLD_SAVEPOINT,
	ST_FOLD_RELEASE,
	ST_FOLD_ROLLBACK_TO,
	ST_INDEX_DELETE,
	ST_COUNT
};

/* Entries ST_INDEX_INSERT_ROWS writes in one statement (store_tail.c). */
#define STORE_INDEX_ROWS 8

struct store {
	sqlite3 *db;
	sqlite3_stmt *st[ST_COUNT];
	/* The PACED_E* of the last write the storage refused (full disk,
	 * read-only file, I/O error), 0 once a commit went through again.
	 * A transaction that is merely begun proves nothing about these, so
	 * readyz asks this too. */
	int fault;
	/* When store_reopen_if_read_only last opened the file anew. */
	int64_t reopen_tried_ns;
	sqlite3_stmt *probe; /* PRAGMA user_version = <its value> */
	char *path;          /* as opened, to open again */
	enum store_durability durability;
	/* Commits a group left open across requests (group.h) before any
	 * other transaction begins. NULL: there is none. */
	int (*flush)(void *data, bool durable);
	void *flush_data;
	/* At synchronous = NORMAL for a group whose sync is done off the
	 * loop (store_sync.c); begin_unsynced: the next store_begin() is
	 * such a group's. */
	bool relaxed, begin_unsynced;
	/* Told the WAL's length after every commit, in place of SQLite's
	 * own checkpoint inside the COMMIT (ckpt.c). NULL: SQLite's. */
	void (*wal_hook)(void *data, int frames);
	void *wal_hook_data;
	/* Updates whose updates_idx entries are still to be written
	 * (store_tail.c). */
	struct store_tail *tail;
};

/* Takes a prepared statement, reset and unbound, ready for binding. */
/* The SQL of each statement (store_sql.c), prepared by store_open. */
extern const char *const store_stmt_sql[ST_COUNT];

sqlite3_stmt *store_stmt(struct store *s, enum stmt_id id);

/* Runs a statement that returns no rows: 0, PACED_EEXIST on a constraint,
 * PACED_EBUSY, or the storage fault (full, read-only, I/O). */
int store_run(struct store *s, sqlite3_stmt *st);

/* CLOCK_MONOTONIC in nanoseconds: the store's clock for the index
 * entries' age (store_tail.c) and the COMMITs' time (metrics). */
int64_t store_mono_ns(void);

/* Puts the connection at synchronous = NORMAL (unsynced) or back at the
 * durability's level, between transactions. 0 or PACED_EDB. */
int store_sync_apply(struct store *s, bool unsynced);

/* Registers the store's WAL hook (or SQLite's checkpoints) on the
 * connection: at set-up and on a new connection. */
void store_apply_wal_hook(struct store *s);

void store_bind_text_or_null(sqlite3_stmt *st, int i, const char *v);
const char *store_col_text(sqlite3_stmt *st, int i);

#endif
