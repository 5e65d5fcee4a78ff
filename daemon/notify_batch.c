/* notify_batch.c - owned outbox rows and their rendering. */
#include "notify_batch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arr.h"
#include "json_plain.h"

void notify_batch_rows_init(struct batch_rows *b)
{
	memset(b, 0, sizeof(*b));
}

void notify_batch_row_clear(struct batch_row *r)
{
	free(r->channel);
	free(r->event_id);
	free(r->project_id);
	free(r->type);
	free(r->previous_status);
	free(r->status);
	free(r->project);
	memset(r, 0, sizeof(*r));
}

void notify_batch_rows_free(struct batch_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		notify_batch_row_clear(&rows[i]);
	free(rows);
}

void notify_batch_rows_clear(struct batch_rows *b)
{
	notify_batch_rows_free(b->rows, b->n);
	notify_batch_rows_init(b);
}

static char *dup_or_null(const char *s, bool *nomem)
{
	char *d = s ? strdup(s) : NULL;

	if (s && !d)
		*nomem = true;
	return d;
}

static int on_due(const struct store_delivery *d, const struct store_event *e,
		  void *data)
{
	struct batch_rows *b = data;
	struct batch_row *r;
	bool nomem = false;

	if (arr_grow(&b->rows, &b->cap, b->n + 1, sizeof(*b->rows), 32))
		return PACED_ENOMEM;
	r = &b->rows[b->n];
	memset(r, 0, sizeof(*r));
	r->event_seq = d->event_seq;
	r->attempts = d->attempts;
	r->event_at = e->at;
	r->silenced = e->silenced;
	r->channel = dup_or_null(d->channel, &nomem);
	r->event_id = dup_or_null(e->id, &nomem);
	r->project_id = dup_or_null(e->project_id, &nomem);
	r->type = dup_or_null(e->type, &nomem);
	r->previous_status = dup_or_null(e->previous_status, &nomem);
	r->status = dup_or_null(e->status, &nomem);
	r->project = dup_or_null(e->project, &nomem);
	if (nomem) {
		notify_batch_row_clear(r);
		return PACED_ENOMEM;
	}
	b->n++;
	return 0;
}

int notify_batch_read_due(struct store *s, paced_ms now, int limit,
			  struct batch_rows *out)
{
	return store_deliveries_due(s, now, limit, on_due, out);
}

struct batch_row *notify_batch_group(struct batch_rows *b, size_t i,
				     size_t *n)
{
	struct batch_row *g = malloc((b->n - i) * sizeof(*g));
	char *channel = b->rows[i].channel;

	*n = 0;
	if (!g)
		return NULL;
	for (size_t k = i; k < b->n; k++) {
		if (!b->rows[k].channel ||
		    strcmp(b->rows[k].channel, channel) != 0)
			continue;
		g[(*n)++] = b->rows[k];
		/* Moved: the group owns the strings now. */
		memset(&b->rows[k], 0, sizeof(b->rows[k]));
	}
	return g;
}

static int by_event(const void *a, const void *b)
{
	const struct batch_row *x = a, *y = b;

	return (x->event_seq > y->event_seq) - (x->event_seq < y->event_seq);
}

void notify_batch_sort(struct batch_row *rows, size_t n)
{
	if (n > 1)
		qsort(rows, n, sizeof(*rows), by_event);
}

struct batch_row *notify_batch_rows_take(struct batch_row *rows, size_t n)
{
	struct batch_row *t = malloc(n * sizeof(*t));

	if (!t)
		return NULL;
	memcpy(t, rows, n * sizeof(*t));
	memset(rows, 0, n * sizeof(*rows));
	return t;
}

/* The stored event a row carries, pointing into the row. */
static void row_event(const struct batch_row *r, struct store_event *e)
{
	memset(e, 0, sizeof(*e));
	e->seq = r->event_seq;
	e->id = r->event_id;
	e->project_id = r->project_id;
	e->type = r->type;
	e->at = r->event_at;
	e->previous_status = r->previous_status;
	e->status = r->status;
	e->project = r->project;
	e->silenced = r->silenced;
}

int notify_batch_render(const struct chan_driver *drv,
			const struct conf_channel *ch, const char *lang,
			const char *public_url, const struct batch_row *rows,
			size_t n, paced_ms now, struct chan_request *req,
			char *err, size_t errlen)
{
	struct store_event *events = calloc(n, sizeof(*events));
	struct chan_event *ce = calloc(n, sizeof(*ce));
	struct note *notes = calloc(n, sizeof(*notes));
	const struct note **np = calloc(n, sizeof(*np));
	json_t **projects = calloc(n, sizeof(*projects));
	struct note summary = {0};
	struct chan_msg m = {0};
	char id[96];
	size_t made = 0;
	int rc = PACED_ENOMEM;

	if (!events || !ce || !notes || !np || !projects)
		goto out;
	for (; made < n; made++) {
		row_event(&rows[made], &events[made]);
		projects[made] = json_stored_load(rows[made].project);
		if (!projects[made] ||
		    note_event(&notes[made], rows[made].type, projects[made],
			       lang, public_url) < 0) {
			json_decref(projects[made]);
			if (!projects[made])
				snprintf(err, errlen,
					 "the stored project of event %s is "
					 "not JSON",
					 rows[made].event_id);
			rc = projects[made] ? PACED_ENOMEM : PACED_EINVAL;
			goto out;
		}
		ce[made].e = &events[made];
		ce[made].project = projects[made];
		ce[made].note = &notes[made];
		np[made] = &notes[made];
	}
	m.kind = n == 1 ? CHAN_ONE : CHAN_SUMMARY;
	m.ch = ch;
	m.language = lang;
	m.public_url = public_url;
	m.events = ce;
	m.n_events = n;
	m.now = now;
	if (n == 1) {
		m.note = &notes[0];
		m.id = rows[0].event_id;
	} else {
		if (note_summary(&summary, np, n, lang, public_url) < 0)
			goto out;
		m.note = &summary;
		/* Stable for the same first event, distinct from it. */
		snprintf(id, sizeof(id), "sum_%s", rows[0].event_id);
		m.id = id;
	}
	rc = drv->render(&m, req, err, errlen);
out:
	for (size_t i = 0; i < made; i++) {
		note_clear(&notes[i]);
		json_decref(projects[i]);
	}
	note_clear(&summary);
	free(events);
	free(ce);
	free(notes);
	free(np);
	free(projects);
	return rc;
}

int notify_batch_render_digest(const struct chan_driver *drv,
			       const struct conf_channel *ch, const char *lang,
			       const char *public_url, const struct note *note,
			       const struct note_digest *d, paced_ms now,
			       struct chan_request *req, char *err,
			       size_t errlen)
{
	struct chan_msg m = {0};
	char id[64];

	snprintf(id, sizeof(id), "dig_%s_%lld", d->date, (long long)d->at);
	m.kind = CHAN_DIGEST;
	m.ch = ch;
	m.language = lang;
	m.public_url = public_url;
	m.note = note;
	m.digest = d;
	m.now = now;
	m.id = id;
	return drv->render(&m, req, err, errlen);
}

/* Strings of a digest copy live in one block after the items. */
struct note_digest *notify_batch_digest_copy(const struct note_digest *d)
{
	size_t strings = strlen(d->date) + 1;
	struct note_digest *c;
	struct note_digest_item *items;
	char *p;

	for (size_t i = 0; i < d->n_items; i++)
		strings += strlen(d->items[i].id) + strlen(d->items[i].title) +
			   strlen(d->items[i].unit) +
			   strlen(d->items[i].status) + 4;
	c = malloc(sizeof(*c) + d->n_items * sizeof(*items) + strings);
	if (!c)
		return NULL;
	*c = *d;
	items = (struct note_digest_item *)(c + 1);
	p = (char *)(items + d->n_items);
#define COPY_STR(dst, src)                     \
	do {                                   \
		size_t len_ = strlen(src) + 1; \
		memcpy(p, src, len_);          \
		dst = p;                       \
		p += len_;                     \
	} while (0)
	COPY_STR(c->date, d->date);
	for (size_t i = 0; i < d->n_items; i++) {
		items[i] = d->items[i];
		COPY_STR(items[i].id, d->items[i].id);
		COPY_STR(items[i].title, d->items[i].title);
		COPY_STR(items[i].unit, d->items[i].unit);
		COPY_STR(items[i].status, d->items[i].status);
	}
#undef COPY_STR
	c->items = items;
	return c;
}

void notify_batch_digest_free(struct note_digest *d)
{
	free(d);
}
