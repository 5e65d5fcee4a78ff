/* store.c - SQLite storage: open, migrate, prepared statements,
 * transactions, projects and updates. Events, deliveries and silences are
 * in store_outbox.c; the statements' SQL in store_sql.c. */
#include "store.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "metrics.h"
#include "migrate.h"
#include "store_internal.h"
#include "store_tail.h"

/* Free space that counts as room again after a full disk. */
#define STORE_ROOM_BYTES (1024 * 1024)

const char *store_errmsg(const struct store *s)
{
	return sqlite3_errmsg(s->db);
}

/* The probe rewrites user_version with the value it has: a write that
 * must reach the file, changing nothing. The number is the database's
 * own, never input. */
static int store_prepare_probe(struct store *s, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	char sql[64];
	int v = -1;

	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st,
			       NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			v = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
	}
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v);
	if (v < 0 || sqlite3_prepare_v3(s->db, sql, -1,
					SQLITE_PREPARE_PERSISTENT, &s->probe,
					NULL) != SQLITE_OK) {
		snprintf(err, errlen, "preparing the write probe: %s",
			 sqlite3_errmsg(s->db));
		return PACED_EDB;
	}
	return 0;
}

static int exec_pragma(sqlite3 *db, const char *sql, char *err,
		       size_t errlen)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	snprintf(err, errlen, "%s: %s", sql, msg ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
	return PACED_EDB;
}

/* Set by the first store_open, on the loop thread. */
static bool memstatus_off;

int store_open(const char *path, enum store_durability durability,
	       struct store **out, char *err, size_t errlen)
{
	struct store *s = calloc(1, sizeof(*s));
	int rc = PACED_EDB;

	if (!s) {
		snprintf(err, errlen, "out of memory");
		return PACED_ENOMEM;
	}
	/* SQLite counts every allocation under a global mutex unless told
	 * not to, and paced never reads those counts: about 26 lock pairs
	 * per durable update. Only possible before SQLite initializes, and
	 * sqlite3_config is not thread-safe: once, at the first store
	 * opened, before the checkpoint worker exists (a reopen after a
	 * read-only spell runs while it may be inside SQLite). */
	if (!memstatus_off) {
		memstatus_off = true;
		sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	}
	if (sqlite3_open_v2(path, &s->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				    SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path,
			 s->db ? sqlite3_errmsg(s->db) : "cannot open");
		goto fail;
	}
	/* Another process writing (the sqlite3 shell, a restore) may hold the
	 * lock for a moment. The wait blocks the event loop, so it is short:
	 * past it the request gets a 503 with Retry-After instead of every
	 * other client stalling. */
	sqlite3_busy_timeout(s->db, 200);
	/* The schema's REFERENCES clauses are not enforced by SQLite: with
	 * foreign_keys on, every stored update looked its project up in
	 * the projects table's id index: 2 100 of its 9 900 instructions
	 * (bench/instr, thirtieth session). paced writes a row only for a
	 * project whose row it wrote before, and never deletes a project or
	 * an event; the black-box harness runs PRAGMA foreign_key_check on
	 * every database a test started paced on. */
	if (exec_pragma(s->db, "PRAGMA journal_mode = WAL", err, errlen) ||
	    exec_pragma(s->db, "PRAGMA foreign_keys = OFF", err, errlen) ||
	    exec_pragma(s->db,
			durability == STORE_DURABILITY_FULL
				? "PRAGMA synchronous = FULL"
				: "PRAGMA synchronous = NORMAL",
			err, errlen))
		goto fail;
	rc = migrate_apply(s->db, migrate_embedded, migrate_embedded_count,
			   err, errlen);
	if (rc < 0)
		goto fail;
	if (!(s->tail = tail_new())) {
		snprintf(err, errlen, "out of memory");
		rc = PACED_ENOMEM;
		goto fail;
	}
	for (int i = 0; i < ST_COUNT; i++) {
		if (sqlite3_prepare_v3(s->db, store_stmt_sql[i], -1,
				       SQLITE_PREPARE_PERSISTENT, &s->st[i],
				       NULL) != SQLITE_OK) {
			snprintf(err, errlen, "preparing statement %d: %s", i,
				 sqlite3_errmsg(s->db));
			rc = PACED_EDB;
			goto fail;
		}
	}
	/* write_rows (store_tail.c) binds STORE_INDEX_ROWS rows to it. */
	if (sqlite3_bind_parameter_count(s->st[ST_INDEX_INSERT_ROWS]) !=
	    1 + 3 * STORE_INDEX_ROWS) {
		snprintf(err, errlen,
			 "the index statement does not take %d rows",
			 STORE_INDEX_ROWS);
		rc = PACED_EDB;
		goto fail;
	}
	if (store_prepare_probe(s, err, errlen)) {
		rc = PACED_EDB;
		goto fail;
	}
	if ((rc = store_tail_recover(s)) < 0) {
		snprintf(err, errlen, "updates index: %s",
			 rc == PACED_ENOMEM ? "out of memory"
					    : sqlite3_errmsg(s->db));
		goto fail;
	}
	/* A file this process may only read (its owner and mode, or an
	 * immutable flag): SQLite opened it read-only without a word. Known
	 * now, /readyz and every write say so from the start. */
	if (sqlite3_db_readonly(s->db, "main") == 1)
		s->fault = PACED_EROFS;
	s->durability = durability;
	s->path = strdup(path);
	if (!s->path) {
		snprintf(err, errlen, "out of memory");
		rc = PACED_ENOMEM;
		goto fail;
	}
	*out = s;
	return 0;
fail:
	store_close(s);
	return rc;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(s->st[i]);
	sqlite3_finalize(s->probe);
	sqlite3_close(s->db);
	tail_free(s->tail);
	free(s->path);
	free(s);
}

/* Takes a prepared statement, reset and unbound, ready for binding. */
sqlite3_stmt *store_stmt(struct store *s, enum stmt_id id)
{
	sqlite3_stmt *st = s->st[id];

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return st;
}

/* Runs a statement that returns no rows. */
int store_run(struct store *s, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc == SQLITE_CONSTRAINT)
		return PACED_EEXIST;
	/* A full disk or a read-only file is the operator's to fix; the
	 * request that met it gets a 503 and may be tried again. */
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		log_err("database unavailable: %s", sqlite3_errmsg(s->db));
		return PACED_EBUSY;
	case SQLITE_FULL:
		s->fault = PACED_ENOSPC;
		break;
	case SQLITE_READONLY:
	case SQLITE_CANTOPEN:
	case SQLITE_PERM:
		s->fault = PACED_EROFS;
		break;
	case SQLITE_IOERR:
		s->fault = PACED_EIO;
		break;
	default:
		log_err("database: %s", sqlite3_errmsg(s->db));
		return PACED_EDB;
	}
	log_err("database %s cannot take writes: %s", s->path,
		sqlite3_errmsg(s->db));
	return s->fault;
}

/* The disk holding the database has room again, by the file system's
 * count: what a full disk leaves behind is decided without writing. */
static bool store_disk_has_room(struct store *s)
{
	const char *path = sqlite3_db_filename(s->db, "main");
	struct statvfs sv;

	if (!path || !*path || statvfs(path, &sv))
		return true; /* cannot tell: let the probe decide */
	return (uint64_t)sv.f_bavail * sv.f_frsize >= STORE_ROOM_BYTES;
}

void store_bind_text_or_null(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

const char *store_col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

static void store_reopen_if_read_only(struct store *s);

int store_begin(struct store *s)
{
	/* A group's transaction, still open: it ends first, committed. */
	if (!sqlite3_get_autocommit(s->db) && s->flush)
		s->flush(s->flush_data, false);
	if (s->fault == PACED_EROFS)
		store_reopen_if_read_only(s);
	if (store_sync_apply(s, s->begin_unsynced) < 0)
		return PACED_EDB;
	return store_run(s, store_stmt(s, ST_BEGIN));
}

int64_t store_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int store_commit(struct store *s)
{
	int64_t t0;
	int rc;

	/* Entries held long enough ride along: no commit of their own. Never
	 * without a transaction: the fold's savepoint would commit alone. */
	if (store_in_transaction(s))
		tail_fold(s, false, TAIL_FOLD_BUDGET);
	t0 = store_mono_ns();
	rc = store_run(s, store_stmt(s, ST_COMMIT));
	metrics_commit((double)(store_mono_ns() - t0) / 1e9);
	if (rc < 0) {
		store_rollback(s);
		return rc;
	}
	tail_committed(s->tail);
	if (!s->relaxed) /* else known once the WAL is synced */
		s->fault = 0;
	return rc;
}

void store_rollback(struct store *s)
{
	/* Even when SQLite has rolled back on its own (a full disk). */
	tail_rollback(s->tail);
	if (!sqlite3_get_autocommit(s->db))
		store_run(s, store_stmt(s, ST_ROLLBACK));
}

int store_savepoint(struct store *s)
{
	int rc = store_run(s, store_stmt(s, ST_SAVEPOINT));

	if (rc == 0 && tail_savepoint(s->tail) < 0) {
		/* Deeper than the tail can undo: refused, as SQLite would. */
		store_run(s, store_stmt(s, ST_ROLLBACK_TO));
		store_run(s, store_stmt(s, ST_RELEASE));
		return PACED_EDB;
	}
	return rc;
}

int store_release(struct store *s, int rc)
{
	int r;

	if (rc < 0 && store_run(s, store_stmt(s, ST_ROLLBACK_TO)) < 0) {
		/* The savepoint cannot be undone alone: the whole transaction
		 * goes, and whoever shared it hears of it at commit. */
		store_rollback(s);
		return rc;
	}
	tail_release(s->tail, rc < 0);
	r = store_run(s, store_stmt(s, ST_RELEASE));
	return rc < 0 ? rc : r;
}

int store_make_durable(struct store *s)
{
	return s->flush ? s->flush(s->flush_data, true) : 0;
}

void store_set_flush(struct store *s, int (*fn)(void *, bool), void *data)
{
	s->flush = fn;
	s->flush_data = data;
}

bool store_in_transaction(const struct store *s)
{
	return !sqlite3_get_autocommit(s->db);
}

int store_finish(struct store *s, int rc)
{
	if (rc == 0)
		return store_commit(s);
	store_rollback(s);
	return rc;
}

/* SQLite opens a file it may not write read-only and stays so: once the
 * operator has fixed the file, only a new connection can write. The new
 * one takes the old one's place inside s, so every holder of s keeps it. */
static void store_reopen_if_read_only(struct store *s)
{
	struct store *n = NULL, tmp;
	sqlite3_stmt *st = NULL;
	char err[256];

	/* Never under a statement still being stepped (a caller's loop). */
	while ((st = sqlite3_next_stmt(s->db, st)) != NULL)
		if (sqlite3_stmt_busy(st))
			return;
	if (sqlite3_db_readonly(s->db, "main") != 1)
		return;
	/* A try opens the file anew on the loop (its statements, the
	 * tail's recovery), and every write and /readyz asks: the cheap
	 * question first, and one try a second while it stays read-only. */
	if (access(s->path, W_OK) != 0 ||
	    (s->reopen_tried_ns &&
	     store_mono_ns() - s->reopen_tried_ns < 1000000000LL))
		return;
	s->reopen_tried_ns = store_mono_ns();
	if (store_open(s->path, s->durability, &n, err, sizeof(err)))
		return;
	if (sqlite3_db_readonly(n->db, "main") == 1) {
		store_close(n);
		return;
	}
	log_notice("database %s is writable again; reopened", s->path);
	tmp = *s;
	*s = *n;
	*n = tmp;
	s->flush = n->flush;
	s->flush_data = n->flush_data;
	/* Asked of the store, not of a connection: the transaction being
	 * begun stays unsynced when it is a group's under sync = thread. */
	s->begin_unsynced = n->begin_unsynced;
	s->wal_hook = n->wal_hook;
	s->wal_hook_data = n->wal_hook_data;
	store_apply_wal_hook(s);
	store_close(n);
}

int store_check_writable(struct store *s)
{
	int rc;

	if (s->fault == PACED_ENOSPC && !store_disk_has_room(s))
		return s->fault;
	rc = store_begin(s);
	if (rc < 0)
		return rc;
	/* Still opened read-only after store_begin's reopen: the probe
	 * below could pass anyway (with the -wal file writable it is not
	 * refused), though no update would be stored. */
	if (sqlite3_db_readonly(s->db, "main") == 1) {
		store_rollback(s);
		s->fault = PACED_EROFS;
		return s->fault;
	}
	if (!s->fault) {
		store_rollback(s);
		return 0;
	}
	/* After a refused write only a write that reaches the file tells
	 * whether the cause is gone: rewrite user_version unchanged. */
	sqlite3_reset(s->probe);
	rc = store_run(s, s->probe);
	return rc < 0 ? (store_rollback(s), rc) : store_commit(s);
}

int store_fault(const struct store *s)
{
	return s->fault;
}

int store_projects_load(struct store *s, store_project_fn fn, void *data)
{
	sqlite3_stmt *st = store_stmt(s, ST_PROJECTS_LOAD);
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_project_row r = {
			.id = store_col_text(st, 0),
			.definition = store_col_text(st, 1),
			.declared = sqlite3_column_int(st, 2),
			.created_at = sqlite3_column_int64(st, 3),
			.defined_at = sqlite3_column_int64(st, 4),
			.status = store_col_text(st, 5),
			.status_since = sqlite3_column_int64(st, 6),
			.stale = sqlite3_column_int(st, 7),
			.has_last_event =
				sqlite3_column_type(st, 8) != SQLITE_NULL,
			.last_event_at = sqlite3_column_int64(st, 8),
			.has_current = sqlite3_column_type(st, 9) != SQLITE_NULL,
			.current = sqlite3_column_double(st, 9),
			.current_at = sqlite3_column_int64(st, 10),
			.last_received_at = sqlite3_column_int64(st, 11),
		};
		int r_fn = fn(&r, data);

		if (r_fn < 0) {
			sqlite3_reset(st);
			return r_fn;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : PACED_EDB;
}

int store_project_archived(struct store *s, const char *id, bool *archived,
			   bool *exists)
{
	sqlite3_stmt *st = store_stmt(s, ST_PROJECT_STATE);
	int rc;

	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	*exists = rc == SQLITE_ROW;
	*archived = *exists && sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : PACED_EDB;
}

static int revision_insert(struct store *s, const char *id,
			   const char *definition, paced_ms now)
{
	sqlite3_stmt *st = store_stmt(s, ST_REVISION_INSERT);

	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, definition, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	return store_run(s, st);
}

int store_project_insert(struct store *s, const char *id,
			 const char *definition, bool declared, paced_ms now,
			 const char *status, paced_ms status_since)
{
	sqlite3_stmt *st = store_stmt(s, ST_PROJECT_INSERT);
	int rc;

	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, definition, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, declared);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_text(st, 5, status, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, status_since);
	rc = store_run(s, st);
	return rc < 0 ? rc : revision_insert(s, id, definition, now);
}

int store_project_redefine(struct store *s, const char *id,
			   const char *definition, bool declared, paced_ms now)
{
	sqlite3_stmt *st = store_stmt(s, ST_PROJECT_REDEFINE);
	int rc;

	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, definition, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, declared);
	sqlite3_bind_int64(st, 4, now);
	rc = store_run(s, st);
	if (rc == 0 && sqlite3_changes(s->db) == 0)
		rc = PACED_ENOENT;
	return rc < 0 ? rc : revision_insert(s, id, definition, now);
}

int store_project_archive(struct store *s, const char *id, paced_ms now)
{
	sqlite3_stmt *st = store_stmt(s, ST_PROJECT_ARCHIVE);
	int rc;

	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	rc = store_run(s, st);
	if (rc == 0 && sqlite3_changes(s->db) == 0)
		rc = PACED_ENOENT;
	return rc;
}

int store_project_set_status(struct store *s, const char *id,
			     const char *status, paced_ms status_since,
			     bool stale)
{
	sqlite3_stmt *st = store_stmt(s, ST_PROJECT_SET_STATUS);

	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, status_since);
	sqlite3_bind_int(st, 4, stale);
	return store_run(s, st);
}

int store_project_set_last_event(struct store *s, const char *id,
				 paced_ms at)
{
	sqlite3_stmt *st = store_stmt(s, ST_PROJECT_SET_LAST_EVENT);

	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, at);
	return store_run(s, st);
}

int store_project_set_current(struct store *s, const char *id,
			      double current, paced_ms current_at,
			      paced_ms last_received_at)
{
	sqlite3_stmt *st = store_stmt(s, ST_PROJECT_SET_CURRENT);

	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 2, current);
	sqlite3_bind_int64(st, 3, current_at);
	sqlite3_bind_int64(st, 4, last_received_at);
	return store_run(s, st);
}
