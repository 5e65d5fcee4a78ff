/* stateflush.c - the projects rows' current values, in batches
 * (stateflush.h). */
#include "stateflush.h"

#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "arr.h"
#include "log.h"
#include "paced.h"
#include "project.h"
#include "registry.h"
#include "store.h"

/* How long a row may lag behind its updates, and how many projects may
 * wait before a batch is written at the next loop turn: what start-up
 * reads again after a crash. */
#define FLUSH_MS 1000
#define FLUSH_AT 4096
/* A batch the database refused is tried again after FLUSH_MS, doubling
 * up to this: a full disk is the operator's to fix, and each try costs a
 * log line. */
#define RETRY_MAX_MS 60000

struct stateflush {
	struct app *app;
	uv_timer_t timer;
	/* Ids, not pointers: a project may be archived and freed before
	 * the batch is written. */
	char **ids;
	size_t n, cap;
	/* The wait before the next try after a refused batch; 0 while
	 * batches are written. */
	uint64_t retry_ms;
};

static void on_timer(uv_timer_t *t)
{
	stateflush_run(t->data);
}

int stateflush_new(struct stateflush **out, struct app *app)
{
	struct stateflush *f = calloc(1, sizeof(*f));

	if (!f)
		return PACED_ENOMEM;
	f->app = app;
	uv_timer_init(app->loop, &f->timer);
	f->timer.data = f;
	/* The stop writes the last batch itself. */
	uv_unref((uv_handle_t *)&f->timer);
	*out = f;
	return 0;
}

static int push(struct stateflush *f, const char *id)
{
	if (arr_grow(&f->ids, &f->cap, f->n + 1, sizeof(*f->ids), 64))
		return PACED_ENOMEM;
	f->ids[f->n] = strdup(id);
	if (!f->ids[f->n])
		return PACED_ENOMEM;
	f->n++;
	return 0;
}

static void arm(struct stateflush *f)
{
	/* While the database refuses batches, a full one waits for the
	 * retry like the rest. */
	if (f->n >= FLUSH_AT && !f->retry_ms)
		uv_timer_start(&f->timer, on_timer, 0, 0);
	else if (!uv_is_active((uv_handle_t *)&f->timer))
		uv_timer_start(&f->timer, on_timer, FLUSH_MS, 0);
}

int stateflush_touch(struct stateflush *f, struct project *p)
{
	if (!f || p->state_dirty)
		return 0;
	if (push(f, p->def->id) < 0)
		return p->has_current
			       ? store_project_set_current(
					 f->app->store, p->def->id, p->current,
					 p->current_at, p->last_arrival)
			       : 0;
	p->state_dirty = true;
	arm(f);
	return 0;
}

static void forget(struct stateflush *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->ids[i]);
	f->n = 0;
}

/* When writes pause, the updates' index entries held in memory
 * (store_tail.h) would wait for the next commit, which may be hours
 * away: a commit of nothing, a batch's time later, writes those due by
 * then, and so on until none is held. */
static void index_entries_later(struct stateflush *f)
{
	if (store_updates_held(f->app->store) > 0 &&
	    !uv_is_active((uv_handle_t *)&f->timer))
		uv_timer_start(&f->timer, on_timer, FLUSH_MS, 0);
}

/* After a refused batch: its projects stay marked, so no touch arms the
 * timer again, and without this the batch would wait for the stop. */
static void retry_later(struct stateflush *f)
{
	if (!f->retry_ms)
		f->retry_ms = FLUSH_MS;
	else if (f->retry_ms < RETRY_MAX_MS / 2)
		f->retry_ms *= 2;
	else
		f->retry_ms = RETRY_MAX_MS;
	uv_timer_start(&f->timer, on_timer, f->retry_ms, 0);
}

int stateflush_run(struct stateflush *f)
{
	struct store *s = f->app->store;
	int rc;

	if (!f->n) {
		if (!store_updates_held(s))
			return 0;
		rc = store_finish(s, store_begin(s));
		index_entries_later(f);
		return rc;
	}
	rc = store_begin(s);
	for (size_t i = 0; i < f->n && rc == 0; i++) {
		const struct project *p = registry_get(f->app->reg, f->ids[i]);

		if (p && p->has_current)
			rc = store_project_set_current(s, p->def->id,
						       p->current,
						       p->current_at,
						       p->last_arrival);
	}
	if (rc == 0)
		rc = store_state_mark(s);
	rc = store_finish(s, rc);
	if (rc < 0) {
		/* The mark stayed: start-up would apply these updates again. */
		log_warn("cannot write the projects' current values: %s",
			 paced_strerror(rc));
		retry_later(f);
		return rc;
	}
	f->retry_ms = 0;
	for (size_t i = 0; i < f->n; i++) {
		struct project *p = registry_get(f->app->reg, f->ids[i]);

		if (p)
			p->state_dirty = false;
	}
	forget(f);
	index_entries_later(f);
	return 0;
}

/* One update after the mark, on its project as loaded: as the tracker
 * applied it (the latest by `at`; a later one with the same `at` wins). */
static int replay_one(const struct store_update *u, void *data)
{
	struct stateflush *f = data;
	struct project *p = registry_get(f->app->reg, u->project_id);

	if (!p)
		return 0; /* archived since */
	if (!p->has_current || u->at >= p->current_at) {
		p->has_current = true;
		p->current = u->value;
		p->current_at = u->at;
	}
	if (!p->has_arrival || u->received_at > p->last_arrival) {
		p->has_arrival = true;
		p->last_arrival = u->received_at;
	}
	return stateflush_touch(f, p);
}

int stateflush_replay(struct stateflush *f)
{
	int n = store_updates_unmarked(f->app->store, replay_one, f);

	if (n > 0)
		log_notice("applied %d updates stored after the projects' "
			   "current values were last written",
			   n);
	return n < 0 ? n : 0;
}

static void on_closed(uv_handle_t *h)
{
	free(h->data);
}

void stateflush_close(struct stateflush *f)
{
	if (!f)
		return;
	stateflush_run(f);
	forget(f);
	free(f->ids);
	uv_close((uv_handle_t *)&f->timer, on_closed);
}
