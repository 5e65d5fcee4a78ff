/* store_sync.c - how the connection gets its writes to disk.
 *
 * The group commit's transactions when their fsync is done off the loop
 * thread (`[storage] sync = thread`, walsync.c has the safety argument):
 * begun at synchronous = NORMAL, so that the COMMIT writes the WAL
 * without syncing it, and back to FULL as soon as the transaction is
 * over, so that every other transaction syncs in its COMMIT as before.
 *
 * And the write-ahead log's checkpoints: told to ckpt.c after each
 * commit instead of run inside it. */
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

/* SQLite's hook has the connection's signature; paced's is shorter. */
static int on_wal_commit(void *data, sqlite3 *db, const char *name,
			 int frames)
{
	struct store *s = data;

	(void)db;
	(void)name;
	if (s->wal_hook)
		s->wal_hook(s->wal_hook_data, frames);
	return SQLITE_OK;
}

/* SQLite's default: a checkpoint inside the COMMIT past 1000 frames. */
#define STORE_AUTOCHECKPOINT_FRAMES 1000

void store_apply_wal_hook(struct store *s)
{
	if (s->wal_hook)
		sqlite3_wal_hook(s->db, on_wal_commit, s);
	else /* which replaces the hook (sqlite3_wal_autocheckpoint) */
		sqlite3_wal_autocheckpoint(s->db, STORE_AUTOCHECKPOINT_FRAMES);
}

void store_set_wal_hook(struct store *s, void (*fn)(void *data, int frames),
			void *data)
{
	s->wal_hook = fn;
	s->wal_hook_data = data;
	store_apply_wal_hook(s);
}

int store_checkpoint(struct store *s)
{
	int rc = sqlite3_wal_checkpoint_v2(s->db, NULL,
					   SQLITE_CHECKPOINT_PASSIVE, NULL,
					   NULL);

	if (rc == SQLITE_OK)
		return 0;
	return rc == SQLITE_BUSY ? PACED_EBUSY : PACED_EDB;
}

const char *store_path(const struct store *s)
{
	return s->path;
}

