/*
 * load.c - start-up loading on two threads. This thread steps the
 * projects query and copies each row into a batch; a worker parses and
 * checks the batch's definitions (project_def_load) and hands it back;
 * this thread then puts each project at its row's place in the query's
 * order. When the worker falls behind, this thread parses the batch it
 * just filled itself, and at the end it takes the batches still queued,
 * so both cores parse. Once all are parsed the registry is sized for them
 * in one go and filled, so no table is rebuilt on the way, and the order
 * (the ids') is handed on: start-up need not sort a million ids.
 * jansson allocates from each thread's scratch arena for the whole load
 * (jsonutil_scratch_begin); only this thread touches SQLite, the
 * registry and the log. Without a thread the batches are parsed here.
 * jansson's allocator is process-wide: the load must run before any
 * other thread that could call jansson (the fsync worker, libcurl,
 * notify) starts, or that thread would get arena memory.
 */
#include "load.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "arr.h"
#include "conf.h"
#include "jsonutil.h"
#include "log.h"
#include "registry.h"
#include "store.h"

/* Rows per batch, and batches queued for the worker at most (bounds the
 * copies). */
#define LOAD_BATCH 512
#define LOAD_IN_FLIGHT 8

struct load_row {
	size_t id_at, text_at;   /* offsets into the batch's chars */
	struct project state;    /* the row's fields; def set on adoption */
	struct project_def *def; /* the worker's result, NULL if refused */
	int rc;
	char *why; /* the refusal's message, malloc'd */
	/* Refused by its thresholds against the file's [alerts] defaults:
	 * the file's doing, not the row's. */
	bool by_defaults;
};

struct load_batch {
	struct load_batch *next;
	size_t first; /* its first row's place in the query's order */
	size_t n;
	char *chars; /* the ids and definitions, NUL-terminated */
	size_t len, cap;
	struct load_row rows[LOAD_BATCH];
};

struct loader {
	struct app *app;
	double at_risk, behind;
	pthread_mutex_t mu;
	pthread_cond_t cv; /* any change to the queues or `finished` */
	struct load_batch *todo, *todo_tail; /* for the worker */
	struct load_batch *done, *done_tail; /* back from it */
	bool finished;                       /* no more batches will come */
	bool threaded;
	size_t in_flight; /* given to the worker, not yet adopted */
	struct load_batch *filling;
	/* Every row so far, in the query's (id) order: the project once
	 * adopted, NULL until then and for a row left out. */
	struct project **order;
	size_t n_order, cap_order;
	size_t declared;
	int rc; /* the first failure */
};

static void push(struct load_batch **head, struct load_batch **tail,
		 struct load_batch *b)
{
	b->next = NULL;
	if (*tail)
		(*tail)->next = b;
	else
		*head = b;
	*tail = b;
}

static void parse_batch(struct loader *l, struct load_batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		struct load_row *r = &b->rows[i];
		struct field_error fe;

		r->rc = project_def_load(b->chars + r->id_at,
					 b->chars + r->text_at, l->at_risk,
					 l->behind, &r->def, &fe);
		if (r->rc == PACED_EINVAL) {
			r->why = strdup(fe.message);
			r->by_defaults =
				strncmp(fe.field, "thresholds.", 11) == 0;
		}
	}
}

static void *worker(void *data)
{
	struct loader *l = data;

	pthread_mutex_lock(&l->mu);
	for (;;) {
		struct load_batch *b = l->todo;

		if (!b) {
			if (l->finished)
				break;
			pthread_cond_wait(&l->cv, &l->mu);
			continue;
		}
		l->todo = b->next;
		if (!l->todo)
			l->todo_tail = NULL;
		pthread_mutex_unlock(&l->mu);
		parse_batch(l, b);
		pthread_mutex_lock(&l->mu);
		push(&l->done, &l->done_tail, b);
		pthread_cond_broadcast(&l->cv);
	}
	pthread_mutex_unlock(&l->mu);
	jsonutil_scratch_free();
	return NULL;
}

/* Places a parsed batch's projects in the order and frees the batch. */
static void adopt(struct loader *l, struct load_batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		struct load_row *r = &b->rows[i];
		const char *id = b->chars + r->id_at;
		struct project *p = NULL;

		/* A project made through the API that the file's
		 * thresholds would make invalid: a reload refuses such a
		 * file (reload.c), and so does the start, rather than
		 * serve without the project (404, yet 409 on a new one). */
		if (r->rc < 0 && r->by_defaults && !r->state.declared &&
		    l->rc == 0) {
			log_err("%s: [alerts] at_risk/behind: project %s "
				"(created through the API) would then be "
				"invalid: %s; change the file (a reload "
				"refuses it too)",
				l->app->conf->file, id,
				r->why ? r->why : "");
			l->rc = PACED_EINVAL;
		}
		if (r->rc < 0 || l->rc < 0) {
			/* Kept in the database untouched; only serving it
			 * stops. */
			if (r->rc < 0 && l->rc == 0)
				log_err("project %s: stored definition no "
					"longer valid (%s); not loaded",
					id, r->why ? r->why : "no memory");
			project_def_free(r->def);
			free(r->why);
			continue;
		}
		/* One allocation for the project and its definition. */
		p = project_new(r->def, &r->state);
		if (!p) {
			project_def_free(r->def);
			l->rc = PACED_ENOMEM;
			continue;
		}
		l->order[b->first + i] = p;
		l->declared += p->declared;
	}
	free(b->chars);
	free(b);
}

/* Adopts what the worker has handed back; with `wait`, waits for at
 * least one batch first. */
static void collect(struct loader *l, bool wait)
{
	struct load_batch *b;

	pthread_mutex_lock(&l->mu);
	while (wait && !l->done)
		pthread_cond_wait(&l->cv, &l->mu);
	b = l->done;
	l->done = l->done_tail = NULL;
	pthread_mutex_unlock(&l->mu);
	while (b) {
		struct load_batch *next = b->next;

		adopt(l, b);
		l->in_flight--;
		b = next;
	}
}

/* Sends the batch being filled to the worker, or parses it here when
 * the worker has enough queued. */
static void submit(struct loader *l)
{
	struct load_batch *b = l->filling;

	l->filling = NULL;
	if (!b)
		return;
	if (!l->threaded || l->in_flight >= LOAD_IN_FLIGHT) {
		parse_batch(l, b);
		adopt(l, b);
	} else {
		pthread_mutex_lock(&l->mu);
		push(&l->todo, &l->todo_tail, b);
		l->in_flight++;
		pthread_cond_broadcast(&l->cv);
		pthread_mutex_unlock(&l->mu);
	}
	collect(l, false);
}

/* The query is done: parses what the worker has not started, then waits
 * for the rest. */
static void finish(struct loader *l)
{
	for (;;) {
		struct load_batch *b;

		pthread_mutex_lock(&l->mu);
		b = l->todo;
		if (b) {
			l->todo = b->next;
			if (!l->todo)
				l->todo_tail = NULL;
		} else {
			l->finished = true;
			pthread_cond_broadcast(&l->cv);
		}
		pthread_mutex_unlock(&l->mu);
		if (!b)
			break;
		parse_batch(l, b);
		adopt(l, b);
		l->in_flight--;
		collect(l, false);
	}
	while (l->in_flight)
		collect(l, true);
}

/* Copies s into the batch's chars; its offset, or SIZE_MAX on ENOMEM. */
static size_t keep(struct load_batch *b, const char *s)
{
	size_t n = strlen(s) + 1, at = b->len;

	if (arr_grow(&b->chars, &b->cap, b->len + n, 1, 65536))
		return SIZE_MAX;
	memcpy(b->chars + at, s, n);
	b->len += n;
	return at;
}

static int on_row(const struct store_project_row *row, void *data)
{
	struct loader *l = data;
	struct load_batch *b = l->filling;
	struct load_row *r;
	enum pace_status status;

	if (!b) {
		b = l->filling = calloc(1, sizeof(*b));
		if (!b)
			return PACED_ENOMEM;
		b->first = l->n_order;
	}
	if (arr_grow(&l->order, &l->cap_order, l->n_order + 1,
		     sizeof(*l->order), 4096))
		return PACED_ENOMEM;
	l->order[l->n_order++] = NULL;
	r = &b->rows[b->n];
	memset(r, 0, sizeof(*r));
	r->id_at = keep(b, row->id);
	r->text_at = keep(b, row->definition);
	if (r->id_at == SIZE_MAX || r->text_at == SIZE_MAX)
		return PACED_ENOMEM;
	r->state.declared = row->declared;
	r->state.has_current = row->has_current;
	r->state.current = row->current;
	r->state.current_at = row->current_at;
	r->state.has_arrival = row->has_current;
	r->state.last_arrival = row->last_received_at;
	if (pace_status_parse(row->status, &status) < 0)
		status = PACE_NONE;
	r->state.status = status;
	r->state.status_since = row->status_since;
	r->state.stale = row->stale;
	r->state.has_last_event = row->has_last_event;
	r->state.last_event_at = row->last_event_at;
	if (++b->n == LOAD_BATCH)
		submit(l);
	return l->rc;
}

/* Closes the gaps of the rows left out, then puts every project in the
 * registry (the projects table keeps ids unique: put_new). On failure
 * the projects are freed. n_order ends as the count of the order handed
 * on: 0 when there is none. */
static int fill_registry(struct loader *l)
{
	size_t n = 0;
	bool sorted = true;

	for (size_t i = 0; i < l->n_order; i++)
		if (l->order[i])
			l->order[n++] = l->order[i];
	l->n_order = n;
	if (l->rc == 0)
		l->rc = registry_reserve(l->app->reg, n);
	/* The query's order is the registry's for the ids paced accepts;
	 * a file edited by hand (an id stored as a blob sorts after all
	 * text) must not settle out of order: checked, it costs little. */
	for (size_t i = 1; i < n && sorted && l->rc == 0; i++)
		sorted = strcmp(l->order[i - 1]->def->id,
				l->order[i]->def->id) < 0;
	for (size_t i = 0; i < n && l->rc == 0; i++)
		l->rc = registry_put_new(l->app->reg, l->order[i]);
	if (l->rc < 0) {
		/* Those already put belong to the registry now (a put after
		 * the reserve does not fail, but should it): free the rest. */
		for (size_t i = 0; i < n; i++)
			if (!registry_get(l->app->reg, l->order[i]->def->id))
				project_free(l->order[i]);
		l->n_order = 0;
	}
	if (!sorted)
		l->n_order = 0;
	return l->rc;
}

int load_projects(struct app *app, size_t *declared,
		  struct project ***in_order, size_t *n)
{
	struct loader l = {
		.app = app,
		.at_risk = app->conf->at_risk,
		.behind = app->conf->behind,
		.mu = PTHREAD_MUTEX_INITIALIZER,
		.cv = PTHREAD_COND_INITIALIZER,
	};
	pthread_t thread;
	int rc;

	jsonutil_scratch_begin();
	l.threaded = pthread_create(&thread, NULL, worker, &l) == 0;
	rc = store_projects_load(app->store, on_row, &l);
	if (rc == 0)
		submit(&l);
	if (l.threaded) {
		finish(&l);
		pthread_join(thread, NULL);
	}
	jsonutil_scratch_free();
	jsonutil_scratch_end();
	if (l.filling) { /* the query failed part-way: nothing parsed */
		free(l.filling->chars);
		free(l.filling);
	}
	if (rc < 0 && l.rc == 0)
		l.rc = rc;
	fill_registry(&l);
	*declared = l.declared;
	*in_order = l.order;
	*n = l.n_order;
	return l.rc;
}
