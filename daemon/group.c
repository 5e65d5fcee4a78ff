/* group.c - one transaction per loop turn for every write in it, or,
 * with the fsync off the loop, per fsync (see group.h). */
#include "group.h"

#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "arr.h"
#include "log.h"
#include "paced.h"
#include "store.h"
#include "walsync.h"

/* The most turns a group waits, polling without waiting, for writes that
 * arrive while its own are served. Bounded so that a steady trickle of
 * writes cannot hold the first writer's answer back for long. */
#define GROUP_LINGER_TURNS 4

struct deferred {
	group_done_fn fn;
	void *data;
};

struct group {
	uv_check_t check; /* first: the handle's memory is the group's */
	/* Active while the group lingers (on_check()): the loop then polls
	 * without waiting. */
	uv_idle_t linger;
	int handles_open; /* freed when both handles are closed */
	struct store *store;
	bool open;        /* the store's transaction is the group's */
	int lingered;          /* turns the open group has lingered */
	size_t kept_at_linger; /* kept when it last began to linger */
	struct deferred *after;
	size_t n_after, cap_after;
	unsigned long long writes, commits;
	size_t kept; /* writes of the open group that were kept */
	unsigned long long turn; /* group_turn() */
	/* `[storage] sync = thread`: the fsync runs on a worker after the
	 * COMMIT (walsync.c); NULL: inside the COMMIT, on the loop. */
	struct walsync *sync;
	struct deferred *syncing; /* callbacks of the group being synced */
	size_t n_syncing;
};

static void on_check(uv_check_t *h);
static void on_synced(int rc, void *data);
static int commit(struct group *g, bool wait);
static void run_callbacks(struct deferred *after, size_t n, int rc);
static void sync_here(struct group *g);

/*
 * A committed group whose WAL frames could not be synced: SQLite counts
 * the transaction as done and later transactions build on it, yet after
 * a power cut it may be gone, and with it every frame written after it
 * (WAL recovery stops at the first bad frame). Linux reports a writeback
 * error once, so a later fdatasync that succeeds proves nothing; undoing
 * memory would disagree with the database. Nothing of the group has been
 * acknowledged, so the one honest way on is to stop: systemd restarts
 * paced, which loads what the database really holds.
 */
static __attribute__((noreturn)) void sync_failed(struct group *g, int rc)
{
	log_err("the write-ahead log could not be synced (%s): stopping "
		"so that nothing unsynced is acknowledged or built upon",
		paced_strerror(rc));
	store_set_fault(g->store, rc);
	_exit(EXIT_FAILURE);
}

/* durable false: another transaction is about to begin; the group's must
 * end first, but its writers can wait for their sync as usual. durable
 * true: whatever was written so far must be on disk now (the outbox is
 * about to be read for sending, and nothing may leave the machine that a
 * crash could still take back). */
static int flush_hook(void *data, bool durable)
{
	struct group *g = data;

	if (!durable)
		return commit(g, false);
	if (g->open)
		return commit(g, true);
	if (g->sync && walsync_busy(g->sync))
		sync_here(g);
	return 0;
}

/* The group whose sync is over, rc its outcome: its writers are answered.
 * A failure stops paced first (its writers stay the group's). */
static void answer_synced(struct group *g, int rc)
{
	struct deferred *after = g->syncing;
	size_t n = g->n_syncing;

	if (rc < 0)
		sync_failed(g, rc);
	g->syncing = NULL;
	g->n_syncing = 0;
	run_callbacks(after, n, 0);
}

/*
 * The -wal file synced on this thread while the worker may still be
 * syncing it: one file, written in order, so the group the worker syncs
 * is durable too, and its callbacks run now, before whatever this sync
 * is for. The worker's own outcome is waited for first (walsync_now): a
 * failure it met stops paced before its group is answered. So at most
 * one committed group ever waits for its sync, and every one before it
 * is over when a new group opens (group.h). A failure stops paced
 * (sync_failed), whoever asked.
 */
static void sync_here(struct group *g)
{
	answer_synced(g, walsync_now(g->sync));
}

int group_new(struct group **out, uv_loop_t *loop, struct store *s,
	      bool off_loop)
{
	struct group *g = calloc(1, sizeof(*g));
	const char *wal = off_loop ? store_wal_path(s) : NULL;

	if (!g)
		return PACED_ENOMEM;
	if (wal && walsync_new(&g->sync, loop, wal, on_synced, g) < 0) {
		free(g);
		return PACED_ENOMEM;
	}
	g->store = s;
	uv_check_init(loop, &g->check);
	g->check.data = g;
	uv_idle_init(loop, &g->linger);
	g->linger.data = g;
	g->handles_open = 2;
	store_set_flush(s, flush_hook, g);
	*out = g;
	return 0;
}

/* Runs and frees a list of callbacks. They may send responses, and a
 * response may let the next pipelined request in, which may open the
 * next group: the list is theirs alone. */
static void run_callbacks(struct deferred *after, size_t n, int rc)
{
	for (size_t i = 0; i < n; i++)
		after[i].fn(rc, after[i].data);
	free(after);
}

static void on_closed(uv_handle_t *h)
{
	struct group *g = h->data;

	if (--g->handles_open > 0)
		return;
	free(g->after);
	free(g);
}

void group_close(struct group *g)
{
	if (!g)
		return;
	if (g->sync && walsync_busy(g->sync)) {
		/* Its writers are answered now, not when the worker is done:
		 * synced on this thread instead, and a failure stops paced
		 * here as everywhere, before the open group is built on it. */
		sync_here(g);
	}
	group_commit(g);
	store_set_flush(g->store, NULL, NULL);
	walsync_close(g->sync);
	uv_close((uv_handle_t *)&g->linger, on_closed);
	uv_close((uv_handle_t *)&g->check, on_closed);
}

int group_enter(struct group *g)
{
	int rc;

	/* SQLite rolls the whole transaction back after some errors (a full
	 * disk, an I/O error, no memory), which a write outside the group's
	 * savepoints may have met: the group's writes are gone, and its
	 * writers hear of it now. Else this write's savepoint would begin a
	 * transaction of its own, committed at once by its release, while
	 * its writer is told at the group's end that it failed. */
	if (g->open && !store_in_transaction(g->store))
		commit(g, true);
	if (!g->open) {
		rc = g->sync ? store_begin_unsynced(g->store)
			     : store_begin(g->store);
		if (rc < 0)
			return rc;
		g->open = true;
		/* After the loop has served every ready socket of this turn. */
		uv_check_start(&g->check, on_check);
	}
	rc = store_savepoint(g->store);
	if (rc < 0 && !store_in_transaction(g->store))
		group_commit(g); /* the whole transaction is gone: say so */
	return rc;
}

int group_leave(struct group *g, int rc)
{
	rc = store_release(g->store, rc);
	if (rc == 0) {
		g->writes++;
		g->kept++;
	}
	else if (!store_in_transaction(g->store))
		group_commit(g);
	return rc;
}

bool group_is_open(const struct group *g)
{
	return g && g->open;
}

int group_defer(struct group *g, group_done_fn fn, void *data)
{
	if (!g || !g->open) {
		fn(0, data);
		return 0;
	}
	if (arr_grow(&g->after, &g->cap_after, g->n_after + 1,
		     sizeof(*g->after), 64))
		return PACED_ENOMEM;
	g->after[g->n_after++] = (struct deferred){fn, data};
	return 0;
}

/* With the sync off the loop: the committed group's callbacks wait for
 * its fdatasync on the worker. Returns false when they can run now (wait,
 * the sync failed to start, or a sync already under way could not cover
 * this commit: the loop synced it itself, or stopped paced). */
static bool sync_later(struct group *g, struct deferred *after, size_t n,
		       bool wait)
{
	if (!wait && !walsync_busy(g->sync) && walsync_start(g->sync) == 0) {
		g->syncing = after;
		g->n_syncing = n;
		return true;
	}
	sync_here(g);
	return false;
}

int group_commit(struct group *g)
{
	return commit(g, true);
}

/* wait: durable when this returns, as group_commit() promises; else the
 * callbacks may run later, after the worker's sync. */
static int commit(struct group *g, bool wait)
{
	struct deferred *after;
	size_t n;
	bool later;
	int rc;

	if (!g->open)
		return 0;
	if (!store_in_transaction(g->store)) {
		/* An error already rolled the transaction back: every write
		 * of the group is gone (and so must be what the store holds
		 * in memory for them). */
		store_rollback(g->store);
		rc = store_fault(g->store) ? store_fault(g->store) : PACED_EDB;
	} else if (!g->kept) {
		/* Every write of the turn was refused: nothing to make
		 * durable, and a commit would hide the refusal's cause from
		 * readyz (store_fault()). */
		store_rollback(g->store);
		rc = 0;
	} else {
		rc = store_commit(g->store);
		if (rc == 0)
			g->commits++;
	}
	if (g->sync)
		store_end_unsynced(g->store);
	if (rc < 0)
		log_err("group commit of %zu writes failed: %s", g->kept,
			paced_strerror(rc));
	g->open = false;
	g->kept = 0;
	g->turn++;
	g->lingered = 0;
	uv_idle_stop(&g->linger);
	uv_check_stop(&g->check);
	/* Taken from the group only once they are handed on: a failed sync
	 * stops paced inside sync_later(), and what it leaves unanswered is
	 * then still the group's (a leak checker sees it held, not lost). */
	after = g->after;
	n = g->n_after;
	later = rc == 0 && g->sync && (n || wait) &&
		sync_later(g, after, n, wait);
	g->after = NULL;
	g->n_after = g->cap_after = 0;
	if (later)
		return 0;
	/* Failed, or with nothing to answer: this group needs no sync, but
	 * the one the worker syncs is answered before another opens. */
	if (g->syncing)
		sync_here(g);
	run_callbacks(after, n, rc);
	return rc;
}

/* The worker's fdatasync of the last committed group is over: the synced
 * group's writers are answered, then the group that gathered meanwhile is
 * committed and its sync started. In this order a group never opens
 * while two committed ones are unanswered (group.h), also when an answer
 * lets a pipelining client's next request in at once. */
static void on_synced(int rc, void *data)
{
	struct group *g = data;

	answer_synced(g, rc);
	commit(g, false);
}

static void on_linger(uv_idle_t *h)
{
	(void)h; /* its being active is what counts: a poll without wait */
}

static void on_check(uv_check_t *h)
{
	struct group *g = h->data;

	if (g->sync && walsync_busy(g->sync)) {
		/* The previous group is still being synced: this one goes on
		 * collecting writes until that is over (on_synced()). Any
		 * other caller of group_commit() needs the commit now. */
		uv_check_stop(&g->check);
		return;
	}
	if (g->lingered == 0 ||
	    (g->lingered < GROUP_LINGER_TURNS && g->kept > g->kept_at_linger)) {
		/* Requests that came in while this turn's were served join
		 * before the fsync instead of waiting for one of their own:
		 * the loop polls again without waiting, and commits at the
		 * first turn that brings no write (one empty poll when idle),
		 * or after GROUP_LINGER_TURNS. Under wrk's 32 connections
		 * this took the group from about 17 updates to 22-29. */
		g->lingered++;
		g->kept_at_linger = g->kept;
		uv_idle_start(&g->linger, on_linger);
		return;
	}
	commit(g, false);
}

unsigned long long group_turn(const struct group *g)
{
	return g ? g->turn : 0;
}

void group_stats(const struct group *g, unsigned long long *writes,
		 unsigned long long *commits)
{
	*writes = g ? g->writes : 0;
	*commits = g ? g->commits : 0;
}
