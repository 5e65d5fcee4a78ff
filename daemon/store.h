/*
 * store.h - everything paced keeps on disk, in one SQLite database in WAL
 * mode: projects and their definitions' history, updates, events and the
 * delivery outbox. Owns the connection and its prepared statements; no
 * other module writes SQL. Callers group writes with store_begin/commit.
 */
#ifndef PACED_STORE_H
#define PACED_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "paced.h"

struct store;

enum store_durability { STORE_DURABILITY_FULL, STORE_DURABILITY_NORMAL };

/* Opens (creating if needed) and migrates the database. With
 * STORE_DURABILITY_FULL every commit is fsync'd before it returns.
 * path may be ":memory:". 0 or PACED_E* with err filled. */
int store_open(const char *path, enum store_durability durability,
	       struct store **out, char *err, size_t errlen);
void store_close(struct store *s);

/* The last SQLite error message, for logs and 503 bodies. */
const char *store_errmsg(const struct store *s);

int store_begin(struct store *s);
int store_commit(struct store *s); /* rolls back itself if it fails */
void store_rollback(struct store *s);
/* Ends the open transaction: commits when rc is 0, else rolls back.
 * Returns rc, or the commit's error. */
int store_finish(struct store *s, int rc);

/* A savepoint inside the open transaction, so one write among many can
 * be undone alone (group.h). 0 or PACED_E*. */
int store_savepoint(struct store *s);
/* Ends the savepoint: kept when rc is 0, undone when rc < 0. Returns
 * rc, or the store's error when keeping it failed. */
int store_release(struct store *s, int rc);
/* Whether a transaction is open. */
bool store_in_transaction(const struct store *s);
/* fn(data, false) is called by store_begin() when it finds a transaction
 * still open: the group commit's, which must end before another begins.
 * fn(data, true) by store_make_durable(). */
void store_set_flush(struct store *s, int (*fn)(void *, bool), void *data);
/* Returns once everything written so far is committed and on disk (with
 * `sync = thread` a group may be open or committed but not yet synced):
 * before anything is read to be sent out of the machine. 0 or an error. */
int store_make_durable(struct store *s);

/* For `[storage] sync = thread` (group.c, walsync.c): a transaction
 * whose COMMIT writes the WAL without syncing it, as store_begin()
 * otherwise. The caller must fdatasync the -wal file (store_wal_path())
 * before it tells anyone the transaction is durable, and call
 * store_end_unsynced() once it is over (committed or rolled back), which
 * puts every later transaction back to syncing in its COMMIT. */
int store_begin_unsynced(struct store *s);
void store_end_unsynced(struct store *s);
/* The -wal file of the database, valid while s is open; NULL for an
 * in-memory database. */
const char *store_wal_path(struct store *s);
/* What the sync of unsynced transactions found: 0 clears the fault (as a
 * synced COMMIT does), a PACED_E* sets it. */
void store_set_fault(struct store *s, int rc);

/* fn(data, frames) is called after every commit with the length of the
 * write-ahead log in frames (pages), and SQLite no longer checkpoints
 * inside the COMMIT that crosses its 1000-frame mark: ckpt.c does it on
 * a worker. NULL gives the checkpoints back to SQLite. Survives the
 * reconnection after a read-only file. */
void store_set_wal_hook(struct store *s, void (*fn)(void *data, int frames),
			void *data);
/* Copies every frame of the write-ahead log into the database now, on
 * the calling thread (PASSIVE: readers are not waited for), for when the
 * worker's checkpoints fall behind. 0 or PACED_EBUSY / PACED_EDB. */
int store_checkpoint(struct store *s);
/* The database file as opened. */
const char *store_path(const struct store *s);

/* 0 when a write can be stored right now (readyz), else PACED_EBUSY
 * (locked), PACED_ENOSPC, PACED_EROFS or PACED_EIO. After a refused
 * write this writes a probe, so it sees the cause go away. */
int store_check_writable(struct store *s);
/* The cause of the last refused write (PACED_ENOSPC, PACED_EROFS,
 * PACED_EIO), or 0 once a write went through. */
int store_fault(const struct store *s);

/* A project row as loaded at start-up. Strings borrowed for the call. */
struct store_project_row {
	const char *id;
	const char *definition; /* JSON text */
	bool declared;
	paced_ms created_at, defined_at;
	const char *status;
	paced_ms status_since;
	bool stale;
	bool has_last_event;
	paced_ms last_event_at;
	bool has_current; /* false: no update yet */
	double current;
	paced_ms current_at;
	paced_ms last_received_at; /* valid when has_current */
};

typedef int (*store_project_fn)(const struct store_project_row *row,
				void *data);

/* Calls fn for every live (not archived) project; stops at fn < 0 and
 * returns that. */
int store_projects_load(struct store *s, store_project_fn fn, void *data);

/* The definition text stored for the project id (live or archived), in
 * *text (malloc'd). 0, PACED_ENOENT, PACED_EDB or PACED_ENOMEM
 * (store_def.c). */
int store_project_definition(struct store *s, const char *id, char **text);
/* The same with the project's times, as a project_def_set_source()
 * fetch: data is the store. */
struct project_stored;
int store_def_fetch(const char *id, void *data, struct project_stored *out);

/* Whether a project with this id was ever created, and if so whether it
 * is archived now. */
int store_project_archived(struct store *s, const char *id, bool *archived,
			   bool *exists);
int store_project_insert(struct store *s, const char *id,
			 const char *definition, bool declared, paced_ms now,
			 const char *status, paced_ms status_since);
/* New definition (kept as a revision), un-archiving the project. */
int store_project_redefine(struct store *s, const char *id,
			   const char *definition, bool declared, paced_ms now);
int store_project_archive(struct store *s, const char *id, paced_ms now);
int store_project_set_status(struct store *s, const char *id,
			     const char *status, paced_ms status_since,
			     bool stale);
int store_project_set_last_event(struct store *s, const char *id,
				 paced_ms at);
/* What start-up loads instead of searching the updates: the current
 * value (the latest update by at), its at, and the latest arrival. Kept
 * by whoever stores updates, in the same transaction. */
int store_project_set_current(struct store *s, const char *id,
			      double current, paced_ms current_at,
			      paced_ms last_received_at);

struct store_update {
	int64_t seq;
	const char *project_id;
	paced_ms at;
	double value;
	bool has_delta;
	double delta;
	const char *note;      /* NULL: none */
	const char *client_id; /* NULL: none */
	paced_ms received_at;
	const char *token;     /* NULL: open API */
};

/* Inserts u (seq is set), in the open transaction or else in one of its
 * own. */
int store_update_insert(struct store *s, struct store_update *u);

typedef int (*store_update_fn)(const struct store_update *u, void *data);

/* The projects rows' current value, its `at` and last arrival are
 * written in batches (stateflush.c): store_state_mark() records, inside
 * the transaction that writes them, that they now reflect every update
 * stored so far; store_updates_unmarked() calls fn, in the order stored,
 * for each update after that mark (at start-up). 0 or PACED_E*. */
int store_state_mark(struct store *s);
int store_updates_unmarked(struct store *s, store_update_fn fn, void *data);

/* The update with that client key, through fn. PACED_ENOENT if none. */
int store_update_by_client_id(struct store *s, const char *project_id,
			      const char *client_id, store_update_fn fn,
			      void *data);
/* Newest first (by at, then seq), at < before (PACED_NEVER: all), at most
 * limit. */
int store_updates_list(struct store *s, const char *project_id,
		       paced_ms before, int limit, store_update_fn fn,
		       void *data);
/* Every update of the project, oldest first (by at, then seq). */
int store_updates_all(struct store *s, const char *project_id,
		      store_update_fn fn, void *data);
/* Oldest first (by at, then seq), at >= since; only project_id, at and
 * value are filled (what a trend needs, read from the index alone). fn
 * returning above 0 stops the reading early, with 0: a caller that needs
 * only the first few reads no further. */
int store_update_points_since(struct store *s, const char *project_id,
			paced_ms since, store_update_fn fn, void *data);
/* The latest update by at (then seq). PACED_ENOENT if none. */
int store_update_latest(struct store *s, const char *project_id,
			store_update_fn fn, void *data);

/* Updates whose updates_idx entry is still held in memory, to be written
 * with a later commit (store_tail.h). */
int64_t store_updates_held(const struct store *s);

/* Deletes the updates dated before `before`, except each project's
 * latest, in transactions of at most `chunk` rows so writers are not held
 * up long. *deleted gets the count. 0 or PACED_EDB/EBUSY (what was
 * committed before stays deleted). */
int store_updates_prune(struct store *s, paced_ms before, int chunk,
			int64_t *deleted);

struct store_event {
	int64_t seq;
	const char *id;
	const char *project_id;
	const char *type; /* "project.behind" */
	paced_ms at;
	const char *previous_status; /* NULL for a new project */
	const char *status;
	const char *project; /* JSON text of the project at that instant */
	bool silenced;       /* recorded inside a silence: no deliveries */
};

int store_event_insert(struct store *s, struct store_event *e);
int store_delivery_insert(struct store *s, int64_t event_seq,
			  const char *channel, paced_ms next_at);

typedef int (*store_event_fn)(const struct store_event *e, void *data);

/* Newest first; project_id and type may be NULL (no filter). */
int store_events_list(struct store *s, const char *project_id,
		      const char *type, int limit, store_event_fn fn,
		      void *data);

struct store_delivery {
	int64_t event_seq;
	const char *channel;
	const char *state; /* "pending" | "sent" | "dead" */
	int attempts;
	paced_ms next_at;
	const char *last_error; /* NULL: none */
	bool has_sent_at;
	paced_ms sent_at;
};

typedef int (*store_delivery_fn)(const struct store_delivery *d,
				 void *data);

int store_deliveries_of_event(struct store *s, int64_t event_seq,
			      store_delivery_fn fn, void *data);

/* Pending deliveries due by `now`, oldest event first, with their event;
 * a delivery behind an earlier pending one of the same project and
 * channel is not due yet (per-project order). */
typedef int (*store_due_fn)(const struct store_delivery *d,
			    const struct store_event *e, void *data);
int store_deliveries_due(struct store *s, paced_ms now, int limit,
			 store_due_fn fn, void *data);

/* The earliest next_at of a pending delivery that is not waiting behind
 * another, or PACED_NEVER. */
paced_ms store_deliveries_next_at(struct store *s);

/* Records an attempt's outcome: state, attempts, next_at, last_error (NULL
 * to clear) and sent_at (for "sent"). */
int store_delivery_update(struct store *s, int64_t event_seq,
			  const char *channel, const char *state, int attempts,
			  paced_ms next_at, const char *last_error,
			  paced_ms sent_at);

/* Moves a pending delivery's next_at without counting an attempt: the
 * channel cannot take it before then (rate limit, platform pause). */
int store_delivery_defer(struct store *s, int64_t event_seq,
			 const char *channel, paced_ms next_at);

struct store_silence {
	const char *id;
	const char *project_id; /* exactly one of project_id and tag */
	const char *tag;
	paced_ms until;
	const char *reason; /* NULL: none */
	paced_ms created_at;
};

typedef int (*store_silence_fn)(const struct store_silence *si, void *data);

int store_silence_insert(struct store *s, const struct store_silence *si);
/* Lifts an active silence. PACED_ENOENT when there is none by that id. */
int store_silence_delete(struct store *s, const char *id, paced_ms now);
/* The silences in force at now, oldest first. */
int store_silences_active(struct store *s, paced_ms now, store_silence_fn fn,
			  void *data);
/* Whether a silence in force at now covers the project or one of its tags
 * (tags_json: a JSON array of strings). */
int store_silenced(struct store *s, const char *project_id,
		   const char *tags_json, paced_ms now, bool *out);
/* Whether bad news about the project was given to a channel and not yet
 * answered by good news given since: status news (at_risk, behind,
 * overdue, or a reminder while one of those) until a recovered or done,
 * news of reporting (stale, or a reminder while only stale) until a
 * resumed or done. What an event of `type` (project.recovered or
 * project.done) inside a silence must answer: a recovered answers only
 * status news, a done both. */
int store_last_bad_news_delivered(struct store *s, const char *project_id,
				  const char *type, bool *out);

/* ---- what /metrics reads (metrics.c) ---- */

/* How many updates and events were ever stored: the highest seq of each
 * table, which a retention that deletes the oldest rows leaves alone.
 * 0 or PACED_EDB. */
int store_counts(struct store *s, int64_t *updates, int64_t *events);

/* The pending deliveries of each channel that has any, by channel name
 * (borrowed for the call). 0, PACED_EDB or what fn returned. */
typedef int (*store_pending_fn)(const char *channel, int64_t pending,
				void *data);
int store_pending_by_channel(struct store *s, store_pending_fn fn,
			     void *data);

#endif
