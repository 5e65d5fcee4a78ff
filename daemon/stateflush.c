/* stateflush.c - the projects rows' current values, in batches
 * (stateflush.h). */
#include "stateflush.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "log.h"
#include "paced.h"
#include "project.h"
#include "registry.h"
#include "store.h"

/* How long a row may lag behind its updates, and how many projects may
 * wait before a batch begins at the next loop turn: what start-up reads
 * again after a crash. */
#define FLUSH_MS 1000
#define FLUSH_AT 4096
/* Rows per transaction, one transaction per loop turn: a batch of a
 * thousand rows in one go held the loop 5-9 ms once a second, the
 * longest wait an update had at half of paced's rate (bench/RESULTS.md).
 * The mark goes with the batch's last rows; rows written before it are
 * ahead of the mark, which start-up's replay allows (stateflush.h). */
#define FLUSH_ROWS 128

struct stateflush {
	struct app *app;
	uv_timer_t timer;
	/* Ids, not pointers: a project may be archived and freed before
	 * its row is written. [0, done): the batch's rows written (freed,
	 * NULL); [done, end): the batch's rest; [end, n): touched since
	 * the batch began, for the next one. */
	char **ids;
	size_t n, cap, done, end;
	bool under_way;
	int64_t seq; /* the batch reflects every update up to this one */
	struct stateflush_stats stats;
};

static void on_timer(uv_timer_t *t);

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
	if (f->n == f->cap) {
		size_t cap = f->cap ? 2 * f->cap : 64;
		char **ids = realloc(f->ids, cap * sizeof(*ids));

		if (!ids)
			return PACED_ENOMEM;
		f->ids = ids;
		f->cap = cap;
	}
	f->ids[f->n] = strdup(id);
	if (!f->ids[f->n])
		return PACED_ENOMEM;
	f->n++;
	return 0;
}

static void arm(struct stateflush *f)
{
	if (f->under_way)
		return; /* its next rows are due at the next turn anyway */
	if (f->n >= FLUSH_AT)
		uv_timer_start(&f->timer, on_timer, 0, 0);
	else if (f->n && !uv_is_active((uv_handle_t *)&f->timer))
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

/* The batch's rows are all written: what was touched meanwhile moves to
 * the front, for the next one. */
static void end_batch(struct stateflush *f)
{
	memmove(f->ids, f->ids + f->end, (f->n - f->end) * sizeof(*f->ids));
	f->n -= f->end;
	f->done = f->end = 0;
	f->under_way = false;
	f->stats.batches++;
	arm(f);
}

/* One transaction: up to max_rows of the batch's rows, with the mark if
 * they are its last. If no batch is under way (or all is set) one begins
 * first: the projects touched so far, and the updates stored so far,
 * counted inside the transaction, after store_begin() has committed a
 * group's transaction still open, so that none is counted that could
 * still be undone. Nothing changes on failure. */
static int write_step(struct stateflush *f, size_t max_rows, bool all)
{
	struct store *s = f->app->store;
	int64_t seq = f->seq, events;
	size_t end = f->end, to;
	int rc = store_begin(s);

	if (rc == 0 && (all || !f->under_way)) {
		rc = store_counts(s, &seq, &events);
		end = f->n;
	}
	to = end - f->done > max_rows ? f->done + max_rows : end;
	for (size_t i = f->done; i < to && rc == 0; i++) {
		const struct project *p = registry_get(f->app->reg, f->ids[i]);

		if (p && p->has_current)
			rc = store_project_set_current(s, p->def->id,
						       p->current,
						       p->current_at,
						       p->last_arrival);
	}
	if (rc == 0 && to == end)
		rc = store_state_mark(s, seq);
	rc = store_finish(s, rc);
	if (rc < 0) {
		/* The mark stayed: start-up would apply these updates again.
		 * Tried again later, or at the stop. */
		log_warn("cannot write the projects' current values: %s",
			 paced_strerror(rc));
		return rc;
	}
	f->under_way = true;
	f->seq = seq;
	f->end = end;
	f->stats.transactions++;
	f->stats.rows += to - f->done;
	for (size_t i = f->done; i < to; i++) {
		struct project *p = registry_get(f->app->reg, f->ids[i]);

		if (p)
			p->state_dirty = false;
		free(f->ids[i]);
		f->ids[i] = NULL;
	}
	f->done = to;
	if (to == end)
		end_batch(f);
	return 0;
}

/* One transaction of the batch per loop turn, so that requests are
 * answered between them. */
static void on_timer(uv_timer_t *t)
{
	struct stateflush *f = t->data;

	if (!f->under_way && !f->n)
		return;
	if (write_step(f, FLUSH_ROWS, false) < 0)
		uv_timer_start(&f->timer, on_timer, FLUSH_MS, 0);
	else if (f->under_way)
		uv_timer_start(&f->timer, on_timer, 0, 0);
}

int stateflush_run(struct stateflush *f)
{
	int rc;

	if (f->done == f->n)
		return 0;
	rc = write_step(f, SIZE_MAX, true);
	if (rc == 0)
		uv_timer_stop(&f->timer);
	return rc;
}

void stateflush_stats(const struct stateflush *f,
		      struct stateflush_stats *out)
{
	*out = f ? f->stats : (struct stateflush_stats){0};
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
	for (size_t i = 0; i < f->n; i++)
		free(f->ids[i]); /* the write failed: logged */
	free(f->ids);
	uv_close((uv_handle_t *)&f->timer, on_closed);
}
