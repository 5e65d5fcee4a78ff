/* store_sync.c - the group commit's transactions when their fsync is
 * done off the loop thread (`[storage] sync = thread`, walsync.c has the
 * safety argument): begun at synchronous = NORMAL, so that the COMMIT
 * writes the WAL without syncing it, and back to FULL as soon as the
 * transaction is over, so that every other transaction syncs in its
 * COMMIT as before. */
#include "store.h"

#include <sqlite3.h>

#include "log.h"
#include "store_internal.h"

/* Runs a synchronous pragma. SQLite applies it when the statement is
 * prepared and refuses it inside a transaction, so it is run afresh each
 * time, between transactions. */
static int set_synchronous(struct store *s, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	log_err("%s: %s", sql, msg ? msg : sqlite3_errmsg(s->db));
	sqlite3_free(msg);
	return PACED_EDB;
}

int store_sync_apply(struct store *s, bool unsynced)
{
	if (unsynced == s->relaxed)
		return 0;
	if (set_synchronous(s, unsynced ? "PRAGMA synchronous = NORMAL"
					: "PRAGMA synchronous = FULL") < 0)
		return PACED_EDB;
	s->relaxed = unsynced;
	return 0;
}

int store_begin_unsynced(struct store *s)
{
	int rc;

	s->begin_unsynced = true;
	rc = store_begin(s);
	s->begin_unsynced = false;
	if (rc < 0)
		store_end_unsynced(s);
	return rc;
}

void store_end_unsynced(struct store *s)
{
	/* Should this fail, the next store_begin() tries again, and begins
	 * nothing until it succeeds. */
	if (sqlite3_get_autocommit(s->db))
		store_sync_apply(s, false);
}

const char *store_wal_path(struct store *s)
{
	sqlite3_filename db = sqlite3_db_filename(s->db, "main");

	if (!db || !*db)
		return NULL; /* in memory: no WAL */
	return sqlite3_filename_wal(db);
}

void store_set_fault(struct store *s, int rc)
{
	s->fault = rc < 0 ? rc : 0;
}
