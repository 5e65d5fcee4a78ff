/* store_outbox.c - events, their deliveries (the outbox) and silences. */
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "log.h"
#include "store_internal.h"

int store_event_insert(struct store *s, struct store_event *e)
{
	sqlite3_stmt *st = store_stmt(s, ST_EVENT_INSERT);
	int rc;

	sqlite3_bind_text(st, 1, e->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, e->project_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, e->type, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, e->at);
	store_bind_text_or_null(st, 5, e->previous_status);
	sqlite3_bind_text(st, 6, e->status, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, e->project, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 8, e->silenced);
	rc = store_run(s, st);
	if (rc == 0)
		e->seq = sqlite3_last_insert_rowid(s->db);
	return rc;
}

int store_delivery_insert(struct store *s, int64_t event_seq,
			  const char *channel, paced_ms next_at)
{
	sqlite3_stmt *st = store_stmt(s, ST_DELIVERY_INSERT);

	sqlite3_bind_int64(st, 1, event_seq);
	sqlite3_bind_text(st, 2, channel, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, next_at);
	return store_run(s, st);
}

/* Reads EVENT_COLS starting at column `first`. */
static void read_event(sqlite3_stmt *st, int first, struct store_event *e)
{
	e->seq = sqlite3_column_int64(st, first);
	e->id = store_col_text(st, first + 1);
	e->project_id = store_col_text(st, first + 2);
	e->type = store_col_text(st, first + 3);
	e->at = sqlite3_column_int64(st, first + 4);
	e->previous_status = store_col_text(st, first + 5);
	e->status = store_col_text(st, first + 6);
	e->project = store_col_text(st, first + 7);
	e->silenced = sqlite3_column_int(st, first + 8);
}

static void read_delivery(sqlite3_stmt *st, struct store_delivery *d)
{
	d->event_seq = sqlite3_column_int64(st, 0);
	d->channel = store_col_text(st, 1);
	d->state = store_col_text(st, 2);
	d->attempts = sqlite3_column_int(st, 3);
	d->next_at = sqlite3_column_int64(st, 4);
	d->last_error = store_col_text(st, 5);
	d->has_sent_at = sqlite3_column_type(st, 6) != SQLITE_NULL;
	d->sent_at = sqlite3_column_int64(st, 6);
}

int store_events_list(struct store *s, const char *project_id,
		      const char *type, int limit, store_event_fn fn,
		      void *data)
{
	sqlite3_stmt *st = store_stmt(s, ST_EVENTS_LIST);
	int rc;

	store_bind_text_or_null(st, 1, project_id);
	store_bind_text_or_null(st, 2, type);
	sqlite3_bind_int(st, 3, limit);
	/* The callback may run other statements (deliveries of the event),
	 * which is fine: each statement has its own cursor. */
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_event e;
		int r;

		read_event(st, 0, &e);
		if ((r = fn(&e, data)) < 0) {
			sqlite3_reset(st);
			return r;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : PACED_EDB;
}

int store_deliveries_of_event(struct store *s, int64_t event_seq,
			      store_delivery_fn fn, void *data)
{
	sqlite3_stmt *st = store_stmt(s, ST_DELIVERIES_OF_EVENT);
	int rc;

	sqlite3_bind_int64(st, 1, event_seq);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_delivery d;
		int r;

		read_delivery(st, &d);
		if ((r = fn(&d, data)) < 0) {
			sqlite3_reset(st);
			return r;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : PACED_EDB;
}

int store_deliveries_due(struct store *s, paced_ms now, int limit,
			 store_due_fn fn, void *data)
{
	sqlite3_stmt *st = store_stmt(s, ST_DELIVERIES_DUE);
	int rc;

	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int(st, 2, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_delivery d;
		struct store_event e;
		int r;

		read_delivery(st, &d);
		read_event(st, 7, &e);
		if ((r = fn(&d, &e, data)) < 0) {
			sqlite3_reset(st);
			return r;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : PACED_EDB;
}

paced_ms store_deliveries_next_at(struct store *s)
{
	sqlite3_stmt *st = store_stmt(s, ST_DELIVERIES_NEXT);
	paced_ms next = PACED_NEVER;

	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL)
		next = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return next;
}

int store_delivery_update(struct store *s, int64_t event_seq,
			  const char *channel, const char *state, int attempts,
			  paced_ms next_at, const char *last_error,
			  paced_ms sent_at)
{
	sqlite3_stmt *st = store_stmt(s, ST_DELIVERY_UPDATE);

	sqlite3_bind_int64(st, 1, event_seq);
	sqlite3_bind_text(st, 2, channel, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, state, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, attempts);
	sqlite3_bind_int64(st, 5, next_at);
	store_bind_text_or_null(st, 6, last_error);
	if (strcmp(state, "sent") == 0)
		sqlite3_bind_int64(st, 7, sent_at);
	else
		sqlite3_bind_null(st, 7);
	return store_run(s, st);
}

int store_delivery_defer(struct store *s, int64_t event_seq,
			 const char *channel, paced_ms next_at)
{
	sqlite3_stmt *st = store_stmt(s, ST_DELIVERY_DEFER);

	sqlite3_bind_int64(st, 1, event_seq);
	sqlite3_bind_text(st, 2, channel, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, next_at);
	return store_run(s, st);
}

int store_silence_insert(struct store *s, const struct store_silence *si)
{
	sqlite3_stmt *st = store_stmt(s, ST_SILENCE_INSERT);

	sqlite3_bind_text(st, 1, si->id, -1, SQLITE_STATIC);
	store_bind_text_or_null(st, 2, si->project_id);
	store_bind_text_or_null(st, 3, si->tag);
	sqlite3_bind_int64(st, 4, si->until);
	store_bind_text_or_null(st, 5, si->reason);
	sqlite3_bind_int64(st, 6, si->created_at);
	return store_run(s, st);
}

int store_silence_delete(struct store *s, const char *id, paced_ms now)
{
	sqlite3_stmt *st = store_stmt(s, ST_SILENCE_DELETE);
	int rc;

	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	rc = store_run(s, st);
	if (rc == 0 && sqlite3_changes(s->db) == 0)
		rc = PACED_ENOENT;
	return rc;
}

int store_silences_active(struct store *s, paced_ms now, store_silence_fn fn,
			  void *data)
{
	sqlite3_stmt *st = store_stmt(s, ST_SILENCES_ACTIVE);
	int rc;

	sqlite3_bind_int64(st, 1, now);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_silence si = {
			.id = store_col_text(st, 0),
			.project_id = store_col_text(st, 1),
			.tag = store_col_text(st, 2),
			.until = sqlite3_column_int64(st, 3),
			.reason = store_col_text(st, 4),
			.created_at = sqlite3_column_int64(st, 5),
		};
		int r = fn(&si, data);

		if (r < 0) {
			sqlite3_reset(st);
			return r;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : PACED_EDB;
}

/* Runs a one-row query whose first column is a truth value. */
static int ask(struct store *s, sqlite3_stmt *st, bool *out)
{
	int rc = sqlite3_step(st);

	*out = rc == SQLITE_ROW && sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return 0;
	log_err("database: %s", sqlite3_errmsg(s->db));
	return PACED_EDB;
}

int store_silenced(struct store *s, const char *project_id,
		   const char *tags_json, paced_ms now, bool *out)
{
	sqlite3_stmt *st = store_stmt(s, ST_SILENCED);

	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_text(st, 2, project_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, tags_json, -1, SQLITE_STATIC);
	return ask(s, st, out);
}

int store_last_bad_news_delivered(struct store *s, const char *project_id,
				  const char *type, bool *out)
{
	sqlite3_stmt *st = store_stmt(s, ST_LAST_BAD_NEWS_DELIVERED);

	sqlite3_bind_text(st, 1, project_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, type, -1, SQLITE_STATIC);
	return ask(s, st, out);
}

static int max_seq(struct store *s, enum stmt_id id, int64_t *out)
{
	sqlite3_stmt *st = store_stmt(s, id);
	int rc = sqlite3_step(st);

	*out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : PACED_EDB;
}

int store_counts(struct store *s, int64_t *updates, int64_t *events)
{
	int rc = max_seq(s, ST_UPDATES_MAX_SEQ, updates);

	return rc < 0 ? rc : max_seq(s, ST_EVENTS_MAX_SEQ, events);
}

int store_pending_by_channel(struct store *s, store_pending_fn fn,
			     void *data)
{
	sqlite3_stmt *st = store_stmt(s, ST_PENDING_BY_CHANNEL);
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int r = fn((const char *)sqlite3_column_text(st, 0),
			   sqlite3_column_int64(st, 1), data);

		if (r < 0) {
			sqlite3_reset(st);
			return r;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : PACED_EDB;
}
