/* group.c - one transaction per loop turn for every write in it (see
 * group.h). */
#include "group.h"

#include <stdlib.h>

#include "log.h"
#include "paced.h"
#include "store.h"

struct deferred {
	group_done_fn fn;
	void *data;
};

struct group {
	uv_check_t check; /* first: the handle's memory is the group's */
	struct store *store;
	bool open;        /* the store's transaction is the group's */
	struct deferred *after;
	size_t n_after, cap_after;
	unsigned long long writes, commits;
	size_t kept; /* writes of the open group that were kept */
	unsigned long long turn; /* group_turn() */
};

static void on_check(uv_check_t *h);

static int flush_hook(void *data)
{
	return group_commit(data);
}

int group_new(struct group **out, uv_loop_t *loop, struct store *s)
{
	struct group *g = calloc(1, sizeof(*g));

	if (!g)
		return PACED_ENOMEM;
	g->store = s;
	uv_check_init(loop, &g->check);
	g->check.data = g;
	store_set_flush(s, flush_hook, g);
	*out = g;
	return 0;
}

static void on_closed(uv_handle_t *h)
{
	struct group *g = h->data;

	free(g->after);
	free(g);
}

void group_close(struct group *g)
{
	if (!g)
		return;
	group_commit(g);
	store_set_flush(g->store, NULL, NULL);
	uv_close((uv_handle_t *)&g->check, on_closed);
}

int group_enter(struct group *g)
{
	int rc;

	if (!g->open) {
		rc = store_begin(g->store);
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
	if (g->n_after == g->cap_after) {
		size_t cap = g->cap_after ? 2 * g->cap_after : 64;
		struct deferred *a = realloc(g->after, cap * sizeof(*a));

		if (!a)
			return PACED_ENOMEM;
		g->after = a;
		g->cap_after = cap;
	}
	g->after[g->n_after++] = (struct deferred){fn, data};
	return 0;
}

int group_commit(struct group *g)
{
	struct deferred *after;
	size_t n;
	int rc;

	if (!g->open)
		return 0;
	if (!store_in_transaction(g->store)) {
		/* An error already rolled the transaction back: every write
		 * of the group is gone. */
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
	if (rc < 0)
		log_err("group commit of %zu writes failed: %s", g->kept,
			paced_strerror(rc));
	g->open = false;
	g->kept = 0;
	g->turn++;
	uv_check_stop(&g->check);
	/* The callbacks may send responses, and a response may let the next
	 * pipelined request in, which may open the next group: hand them a
	 * list of their own. */
	after = g->after;
	n = g->n_after;
	g->after = NULL;
	g->n_after = g->cap_after = 0;
	for (size_t i = 0; i < n; i++)
		after[i].fn(rc, after[i].data);
	free(after);
	return rc;
}

static void on_check(uv_check_t *h)
{
	group_commit(h->data);
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
