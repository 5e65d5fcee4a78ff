/* store_updates.c - updates: stored, read back per project, pruned. A
 * project's reads take the rows with their updates_idx entry and those
 * still held in memory (store_tail.h). */
#include <limits.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>

#include "store.h"
#include "store_internal.h"
#include "store_tail.h"

/* The row, and its place among the rows held (store_tail.h), in the
 * caller's transaction. */
static int insert_row(struct store *s, struct store_update *u)
{
	sqlite3_stmt *st = store_stmt(s, ST_UPDATE_INSERT);
	int rc;

	sqlite3_bind_text(st, 1, u->project_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, u->at);
	sqlite3_bind_double(st, 3, u->value);
	if (u->has_delta)
		sqlite3_bind_double(st, 4, u->delta);
	store_bind_text_or_null(st, 5, u->note);
	store_bind_text_or_null(st, 6, u->client_id);
	sqlite3_bind_int64(st, 7, u->received_at);
	store_bind_text_or_null(st, 8, u->token);
	rc = store_run(s, st);
	if (rc < 0)
		return rc;
	u->seq = sqlite3_last_insert_rowid(s->db);
	/* On failure the caller undoes the row with its item. */
	return tail_add(s->tail, u->project_id, u->seq, u->at, u->value);
}

int store_update_insert(struct store *s, struct store_update *u)
{
	int rc;

	if (store_in_transaction(s))
		return insert_row(s, u);
	/* Alone, the row is a transaction of its own: a row the tail could
	 * not take is undone with it, never left committed where a read of
	 * its project would not find it. */
	rc = store_begin(s);
	if (rc < 0)
		return rc;
	return store_finish(s, insert_row(s, u));
}

/* A project's read with the project as ?1: the statement id, with the
 * seqs held for it as ?9, or its form indexed when none are held (no
 * temporary tables: a sixth of a read among a million, bench/RESULTS.md).
 * NULL when out of memory. */
static sqlite3_stmt *project_stmt(struct store *s, enum stmt_id id,
				  enum stmt_id indexed, const char *project_id)
{
	sqlite3_stmt *st;
	char *held;

	if (tail_seqs(s->tail, project_id, &held) < 0)
		return NULL;
	st = store_stmt(s, held ? id : indexed);
	sqlite3_bind_text(st, 1, project_id, -1, SQLITE_STATIC);
	if (held)
		sqlite3_bind_text(st, 9, held, -1, free);
	return st;
}

static void read_update(sqlite3_stmt *st, struct store_update *u)
{
	u->seq = sqlite3_column_int64(st, 0);
	u->project_id = store_col_text(st, 1);
	u->at = sqlite3_column_int64(st, 2);
	u->value = sqlite3_column_double(st, 3);
	u->has_delta = sqlite3_column_type(st, 4) != SQLITE_NULL;
	u->delta = sqlite3_column_double(st, 4);
	u->note = store_col_text(st, 5);
	u->client_id = store_col_text(st, 6);
	u->received_at = sqlite3_column_int64(st, 7);
	u->token = store_col_text(st, 8);
}

/* Steps through the rows of an update query, calling fn for each. Returns
 * the number of rows, or a negative error. */
static int each_update(sqlite3_stmt *st, store_update_fn fn, void *data)
{
	int rc, n = 0;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_update u;
		int r;

		read_update(st, &u);
		n++;
		if ((r = fn(&u, data)) < 0) {
			sqlite3_reset(st);
			return r;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? n : PACED_EDB;
}

int store_update_by_client_id(struct store *s, const char *project_id,
			      const char *client_id, store_update_fn fn,
			      void *data)
{
	sqlite3_stmt *st = store_stmt(s, ST_UPDATE_BY_CLIENT);
	int n;

	sqlite3_bind_text(st, 1, project_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, client_id, -1, SQLITE_STATIC);
	n = each_update(st, fn, data);
	return n < 0 ? n : n == 0 ? PACED_ENOENT : 0;
}

int store_state_mark(struct store *s)
{
	return store_run(s, store_stmt(s, ST_STATE_MARK_SET));
}

int store_updates_unmarked(struct store *s, store_update_fn fn, void *data)
{
	return each_update(store_stmt(s, ST_UPDATES_UNMARKED), fn, data);
}

int store_updates_list(struct store *s, const char *project_id,
		       paced_ms before, int limit, store_update_fn fn,
		       void *data)
{
	sqlite3_stmt *st = project_stmt(s, ST_UPDATES_LIST,
					 ST_UPDATES_LIST_INDEXED, project_id);
	int n;

	if (!st)
		return PACED_ENOMEM;
	sqlite3_bind_int64(st, 2, before);
	sqlite3_bind_int(st, 3, limit);
	n = each_update(st, fn, data);
	return n < 0 ? n : 0;
}

int store_update_points_since(struct store *s, const char *project_id,
			paced_ms since, store_update_fn fn, void *data)
{
	sqlite3_stmt *st = project_stmt(s, ST_UPDATES_SINCE,
					 ST_UPDATES_SINCE_INDEXED, project_id);
	struct store_update u = {.project_id = project_id};
	int step;

	if (!st)
		return PACED_ENOMEM;
	sqlite3_bind_int64(st, 2, since);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		u.at = sqlite3_column_int64(st, 0);
		u.value = sqlite3_column_double(st, 1);
		int rc = fn(&u, data);

		if (rc != 0) {
			sqlite3_reset(st);
			return rc < 0 ? rc : 0;
		}
	}
	sqlite3_reset(st);
	return step == SQLITE_DONE ? 0 : PACED_EDB;
}

int store_updates_all(struct store *s, const char *project_id,
		      store_update_fn fn, void *data)
{
	sqlite3_stmt *st = project_stmt(s, ST_UPDATES_ALL,
					 ST_UPDATES_ALL_INDEXED, project_id);
	int n;

	if (!st)
		return PACED_ENOMEM;
	n = each_update(st, fn, data);
	return n < 0 ? n : 0;
}

int store_update_latest(struct store *s, const char *project_id,
			store_update_fn fn, void *data)
{
	sqlite3_stmt *st = project_stmt(s, ST_UPDATE_LATEST,
					 ST_UPDATE_LATEST_INDEXED, project_id);
	int n;

	if (!st)
		return PACED_ENOMEM;
	n = each_update(st, fn, data);
	return n < 0 ? n : n == 0 ? PACED_ENOENT : 0;
}

/* Deletes the index entries of the rows a prune returns. */
static int prune_entries(struct store *s, sqlite3_stmt *prune, int *n)
{
	int rc;

	*n = 0;
	while ((rc = sqlite3_step(prune)) == SQLITE_ROW) {
		sqlite3_stmt *st = store_stmt(s, ST_INDEX_DELETE);

		sqlite3_bind_text(st, 1, store_col_text(prune, 0), -1,
				  SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 2, sqlite3_column_int64(prune, 1));
		sqlite3_bind_int64(st, 3, sqlite3_column_int64(prune, 2));
		if ((rc = store_run(s, st)) < 0) {
			sqlite3_reset(prune);
			return rc;
		}
		(*n)++;
	}
	sqlite3_reset(prune);
	return rc == SQLITE_DONE ? 0 : PACED_EDB;
}

int store_updates_prune(struct store *s, paced_ms before, int chunk,
			int64_t *deleted)
{
	sqlite3_stmt *st = store_stmt(s, ST_UPDATES_PRUNE);
	int rc, n;

	*deleted = 0;
	do {
		rc = store_begin(s);
		if (rc < 0)
			return rc;
		/* The prune picks from updates_idx: every entry first. */
		tail_fold(s, true, LONG_MAX);
		sqlite3_bind_int64(st, 1, before);
		sqlite3_bind_int(st, 2, chunk);
		rc = prune_entries(s, st, &n);
		rc = store_finish(s, rc);
		if (rc < 0)
			return rc;
		*deleted += n;
	} while (n == chunk);
	return 0;
}

int64_t store_updates_held(const struct store *s)
{
	return tail_rows(s->tail);
}
