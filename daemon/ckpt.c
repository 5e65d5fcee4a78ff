/*
 * ckpt.c - WAL checkpoints on a worker thread (ckpt.h).
 *
 * Why this is as safe as SQLite's own checkpoints:
 *
 * - A checkpoint is SQLite's work whoever starts it: the worker's
 *   connection copies frames only up to what every reader may still
 *   need (PASSIVE), syncs the WAL before copying and the database after
 *   (synchronous = FULL on this connection), and the writer restarts the
 *   WAL only once everything in it has been copied. A commit and a
 *   checkpoint running at once is what WAL mode is for.
 * - The worker's connection is its own (SQLite connections are not
 *   shared between threads here: the store opens with NOMUTEX) and it
 *   only ever checkpoints: it reads no row and writes none.
 * - With `[storage] sync = thread` the group's frames may not be synced
 *   when the checkpoint starts: SQLite syncs the WAL before it copies a
 *   frame, as it did inside the COMMIT (walsync.c, point 1).
 */
#include "ckpt.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stdlib.h>

#include "log.h"
#include "paced.h"
#include "store.h"

/* A worker checkpoint once this many frames have gathered since the last
 * one. SQLite's own mark is 1000; a checkpoint's fsync of the database
 * file then writes up to 4 MB at once, and the group commits' fdatasyncs
 * of the WAL that fall under it wait milliseconds where they take 0.1.
 * Smaller checkpoints, more often, each hold those syncs back less
 * (bench/RESULTS.md, twenty-eighth session: the half rate's p99). */
#define CKPT_FRAMES 128
/* Past this many frames (64 MB of 4 KB pages), the loop checkpoints too,
 * at the first commit after a worker's checkpoint: under a load that
 * never pauses the writer may never find the WAL wholly copied, which it
 * needs to start the WAL again from its beginning, and the worker can
 * never copy the commits made while it runs. The loop copies just those;
 * the WAL stays bounded. */
#define CKPT_BEHIND_FRAMES 16000
/* A pause in writes this long lets a checkpoint copy the WAL's rest. */
#define CKPT_IDLE_MS 100

struct ckpt {
	uv_work_t work; /* first: the request's memory is the ckpt's */
	struct store *store;
	sqlite3 *db; /* the worker's */
	/* Frames the last checkpoint had copied (the WAL's length then),
	 * so that the next one starts once marks.frames more were added. */
	int copied;
	bool busy, closing;
	bool fresh; /* a worker's checkpoint ended since the last commit */
	bool catching_up; /* the one under way copies the previous's rest */
	/* Armed when a catch-up left frames behind: once writes pause this
	 * long, one more copies them, and the WAL can start again. */
	uv_timer_t idle;
	bool idle_closed;
	int frames;       /* the WAL's length after the last commit */
	int rc;        /* the worker's last sqlite3_wal_checkpoint_v2() */
	int wal_len;   /* its frames in the WAL, and copied to the database */
	int wal_done;
	int failed_rc; /* the failure last logged; 0: none */
	struct ckpt_stats stats;
	struct ckpt_marks marks;
	uv_loop_t *loop;
};

static void ckpt_job(uv_work_t *req)
{
	struct ckpt *c = (struct ckpt *)req;

	c->rc = sqlite3_wal_checkpoint_v2(c->db, NULL,
					  SQLITE_CHECKPOINT_PASSIVE,
					  &c->wal_len, &c->wal_done);
}

/* Once both the timer is closed and no checkpoint is under way. */
static void ckpt_free(struct ckpt *c)
{
	if (!c->idle_closed || c->busy)
		return;
	sqlite3_close(c->db);
	free(c);
}

static void on_idle_closed(uv_handle_t *h)
{
	struct ckpt *c = h->data;

	c->idle_closed = true;
	ckpt_free(c);
}

/* Logs a failing checkpoint once, and when they work again. SQLITE_BUSY
 * is another checkpoint under way (a backup's, or the loop's): not a
 * failure. */
static void note_result(struct ckpt *c, int rc, const char *errmsg)
{
	if (rc == SQLITE_OK || rc == SQLITE_BUSY) {
		if (rc == SQLITE_OK && c->failed_rc)
			log_notice("WAL checkpoints work again");
		if (rc == SQLITE_OK)
			c->failed_rc = 0;
		return;
	}
	if (rc != c->failed_rc)
		log_warn("WAL checkpoint failed: %s; the WAL grows until one "
			 "works", errmsg);
	c->failed_rc = rc;
}

static void ckpt_after(uv_work_t *req, int status);
static void on_idle(uv_timer_t *t);

static void queue(struct ckpt *c, bool catch_up)
{
	int rc = uv_queue_work(c->loop, &c->work, ckpt_job, ckpt_after);

	if (rc < 0) {
		log_warn("cannot queue a WAL checkpoint: %s",
			 uv_strerror(rc));
		return;
	}
	c->busy = true;
	c->catching_up = catch_up;
}

static int open_worker_db(const char *path, sqlite3 **out);

/* SQLite opens a file it may not write read-only, quietly, and it stays
 * so (store.c reopens the main connection the same way): once the
 * operator has fixed the file, a new connection checkpoints again. The
 * worker is idle here. */
static void reopen_if_read_only(struct ckpt *c)
{
	sqlite3 *db;

	if (sqlite3_db_readonly(c->db, "main") != 1 ||
	    open_worker_db(store_path(c->store), &db) < 0)
		return;
	if (sqlite3_db_readonly(db, "main") == 1) {
		sqlite3_close(db);
		return;
	}
	sqlite3_close(c->db);
	c->db = db;
	log_notice("checkpoints: database %s is writable again; reopened",
		   store_path(c->store));
}

static void ckpt_after(uv_work_t *req, int status)
{
	struct ckpt *c = (struct ckpt *)req;

	c->busy = false;
	if (c->closing) {
		ckpt_free(c);
		return;
	}
	if (status < 0)
		return; /* cancelled: the next commit asks again */
	note_result(c, c->rc, sqlite3_errmsg(c->db));
	if (c->rc != SQLITE_OK) {
		reopen_if_read_only(c);
		return;
	}
	c->stats.worker++;
	c->copied = c->wal_done;
	c->fresh = true;
	/* Commits made while it ran are not copied, so the WAL cannot start
	 * again yet: one more, short, checkpoint for them, which between
	 * bursts of writes copies everything. Not more while writes go on:
	 * under a load that never pauses they would never catch up, only
	 * add fsyncs. Once writes pause, the idle timer sends one. */
	if (c->frames <= c->copied)
		return;
	if (!c->catching_up)
		queue(c, true);
	else
		uv_timer_start(&c->idle, on_idle, CKPT_IDLE_MS, 0);
}

static void on_idle(uv_timer_t *t)
{
	struct ckpt *c = t->data;

	if (!c->busy && c->frames > c->copied)
		queue(c, true);
}

/* After every commit, on the loop: frames is the WAL's length now. */
static void on_commit(void *data, int frames)
{
	struct ckpt *c = data;
	bool fresh = c->fresh;
	int rc;

	c->fresh = false;
	c->frames = frames;
	if (frames < c->copied)
		c->copied = 0; /* the WAL started again from its beginning */
	/* Whatever is left uncopied once writes pause is copied then. */
	if (frames > c->copied)
		uv_timer_start(&c->idle, on_idle, CKPT_IDLE_MS, 0);
	if (c->busy)
		return;
	/* Past the mark, the loop copies what was added while the worker
	 * last ran (a few commits' worth), so that the WAL can start
	 * again; if the worker's checkpoints keep failing, all of it. */
	if ((fresh && frames >= c->marks.behind) ||
	    frames >= 2 * c->marks.behind) {
		rc = store_checkpoint(c->store);
		note_result(c, rc == 0 ? SQLITE_OK
			    : rc == PACED_EBUSY ? SQLITE_BUSY : SQLITE_ERROR,
			    store_errmsg(c->store));
		if (rc == 0) {
			c->stats.loop++;
			c->copied = frames;
		}
		return;
	}
	if (frames - c->copied >= c->marks.frames ||
	    frames >= c->marks.behind)
		queue(c, false);
}

/* The worker's connection: checkpoints only, so no statement is ever
 * prepared on it beyond the first read that opens the WAL. */
static int open_worker_db(const char *path, sqlite3 **out)
{
	sqlite3 *db = NULL;
	char *msg = NULL;

	if (sqlite3_open_v2(path, &db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK ||
	    /* Another process may hold the file a moment (WAL recovery at
	     * start-up); PASSIVE checkpoints never wait on it. */
	    sqlite3_busy_timeout(db, 200) != SQLITE_OK ||
	    sqlite3_exec(db,
			 "PRAGMA synchronous = FULL;"
			 "SELECT count(*) FROM sqlite_schema",
			 NULL, NULL, &msg) != SQLITE_OK) {
		log_err("cannot open %s for checkpoints: %s", path,
			msg ? msg : db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_free(msg);
		sqlite3_close(db);
		return PACED_EDB;
	}
	*out = db;
	return 0;
}

int ckpt_new(struct ckpt **out, uv_loop_t *loop, struct store *s,
	     const struct ckpt_marks *marks)
{
	struct ckpt *c;
	int rc;

	*out = NULL;
	if (!store_wal_path(s))
		return 0;
	c = calloc(1, sizeof(*c));
	if (!c)
		return PACED_ENOMEM;
	rc = open_worker_db(store_path(s), &c->db);
	if (rc < 0) {
		free(c);
		return rc;
	}
	c->store = s;
	c->loop = loop;
	c->marks = marks ? *marks
			 : (struct ckpt_marks){CKPT_FRAMES, CKPT_BEHIND_FRAMES};
	uv_timer_init(loop, &c->idle);
	c->idle.data = c;
	uv_unref((uv_handle_t *)&c->idle); /* never keeps paced running */
	store_set_wal_hook(s, on_commit, c);
	*out = c;
	return 0;
}

void ckpt_close(struct ckpt *c)
{
	if (!c)
		return;
	store_set_wal_hook(c->store, NULL, NULL);
	c->closing = true;
	uv_close((uv_handle_t *)&c->idle, on_idle_closed);
}

void ckpt_stats(const struct ckpt *c, struct ckpt_stats *out)
{
	if (c)
		*out = c->stats;
	else
		*out = (struct ckpt_stats){0, 0};
}

bool ckpt_busy(const struct ckpt *c)
{
	return c && c->busy;
}
