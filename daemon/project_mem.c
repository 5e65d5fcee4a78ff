/*
 * project_mem.c - the compact form of a definition kept in memory
 * (project.h: one allocation, only what evaluation and alert routing
 * read), a loaded project and its definition in one allocation, and the
 * rest of a definition read back from the database when it is shown,
 * behind a cache of the parsed documents.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fcache.h"
#include "json_plain.h"
#include "project_internal.h"

/* Rounds n up to a multiple of 8, for the numbers after the strings. */
static size_t align8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

/* The bytes of the text with its NUL, 0 when it is not kept. */
static size_t text_size(const struct project_def *d)
{
	return d->has & PROJECT_DEF_HAS_TEXT
		       ? strlen(d->id + d->id_len + 1) + 1
		       : 0;
}

/* Where the numbers start: after the id, the text when kept, the tags. */
static size_t numbers_at(const struct project_def *d)
{
	return align8(offsetof(struct project_def, id) + d->id_len + 1 +
		      text_size(d) + d->tags_len);
}

static size_t n_numbers(const struct project_def *d)
{
	return (size_t)__builtin_popcount(d->has & ~PROJECT_DEF_HAS_TEXT &
					  0xff);
}

/* The 8 bytes of the number `bit` (which d must have). */
static const void *number(const struct project_def *d, unsigned bit)
{
	return (const char *)d + numbers_at(d) +
	       8 * (size_t)__builtin_popcount(d->has & (bit - 1));
}

static int64_t int_number(const struct project_def *d, unsigned bit)
{
	int64_t v;

	memcpy(&v, number(d, bit), sizeof(v));
	return v;
}

static double real_number(const struct project_def *d, unsigned bit)
{
	double v;

	memcpy(&v, number(d, bit), sizeof(v));
	return v;
}

size_t project_def_size(const struct project_def *d)
{
	return numbers_at(d) + 8 * n_numbers(d) +
	       d->n_milestones * sizeof(struct pace_point) +
	       d->n_pauses * sizeof(struct pace_pause);
}

const struct pace_point *project_def_milestones(const struct project_def *d)
{
	if (!d->n_milestones)
		return NULL;
	return (const struct pace_point *)(const void *)((const char *)d +
							 numbers_at(d) +
							 8 * n_numbers(d));
}

const struct pace_pause *project_def_pauses(const struct project_def *d)
{
	if (!d->n_pauses)
		return NULL;
	return (const struct pace_pause *)(const void *)((const char *)d +
							 numbers_at(d) +
							 8 * n_numbers(d) +
							 d->n_milestones *
								 sizeof(struct pace_point));
}

double project_def_baseline(const struct project_def *d)
{
	return d->has & PROJECT_DEF_HAS_BASELINE
		       ? real_number(d, PROJECT_DEF_HAS_BASELINE)
		       : 0;
}

int64_t project_def_report_every(const struct project_def *d)
{
	return d->has & PROJECT_DEF_HAS_REPORT_EVERY
		       ? int_number(d, PROJECT_DEF_HAS_REPORT_EVERY)
		       : 0;
}

int64_t project_def_grace(const struct project_def *d)
{
	return d->has & PROJECT_DEF_HAS_GRACE
		       ? int_number(d, PROJECT_DEF_HAS_GRACE)
		       : PACED_MS_PER_DAY;
}

bool project_def_repeat_every(const struct project_def *d, int64_t *ms)
{
	if (!(d->has & PROJECT_DEF_HAS_REPEAT_EVERY))
		return false;
	*ms = int_number(d, PROJECT_DEF_HAS_REPEAT_EVERY);
	return true;
}

void project_def_curve(const struct project_def *d, double default_at_risk,
		       double default_behind, struct pace_curve *out)
{
	out->baseline = project_def_baseline(d);
	out->target = d->target;
	out->start = d->start;
	out->due = d->due;
	out->milestones = project_def_milestones(d);
	out->n_milestones = d->n_milestones;
	out->pauses = project_def_pauses(d);
	out->n_pauses = d->n_pauses;
	out->at_risk = d->has & PROJECT_DEF_HAS_AT_RISK
			       ? real_number(d, PROJECT_DEF_HAS_AT_RISK)
			       : default_at_risk;
	out->behind = d->has & PROJECT_DEF_HAS_BEHIND
			      ? real_number(d, PROJECT_DEF_HAS_BEHIND)
			      : default_behind;
}

int project_def_check_thresholds(const struct project_def *d,
				 double default_at_risk,
				 double default_behind,
				 struct field_error *err)
{
	struct pace_curve c;

	project_def_curve(d, default_at_risk, default_behind, &c);
	return project_thresholds_check(d->has & PROJECT_DEF_HAS_AT_RISK,
					c.at_risk,
					d->has & PROJECT_DEF_HAS_BEHIND,
					c.behind, default_at_risk,
					default_behind, err);
}

const char *project_def_text(const struct project_def *d)
{
	return d->has & PROJECT_DEF_HAS_TEXT ? d->id + d->id_len + 1 : NULL;
}

/* The first tag: after the id and, when kept, the text. */
static const char *first_tag(const struct project_def *d)
{
	return d->id + d->id_len + 1 + text_size(d);
}

const char *project_def_tag(const struct project_def *d, size_t i)
{
	const char *t = first_tag(d);

	while (i--)
		t += strlen(t) + 1;
	return t;
}

bool project_def_has_tag(const struct project_def *d, const char *tag)
{
	const char *t = first_tag(d);

	for (size_t i = 0; i < d->n_tags; i++, t += strlen(t) + 1)
		if (strcmp(t, tag) == 0)
			return true;
	return false;
}

struct project_def *project_def_pack(const struct def_scratch *s,
				     const char *id, const char *text,
				     size_t text_len, const json_t *tags)
{
	size_t id_len = strlen(id), tags_len = 0, size, i;
	struct project_def head = {
		.target = s->target,
		.start = s->start,
		.due = s->due,
		.n_milestones = (uint16_t)s->n_milestones,
		.n_pauses = (uint8_t)s->n_pauses,
		.n_tags = (uint8_t)json_array_size(tags),
		.id_len = (uint8_t)id_len,
	};
	int64_t numbers[6];
	size_t n = 0;
	struct project_def *d;
	const json_t *t;
	char *at;

	json_array_foreach(tags, i, t)
		tags_len += strlen(json_string_value(t)) + 1;
	head.tags_len = (uint16_t)tags_len;
	/* strlen finds the text's end (project_def_text). */
	if (text)
		head.has |= PROJECT_DEF_HAS_TEXT;
	/* In the order of the PROJECT_DEF_HAS_* bits. */
	if (s->has_at_risk) {
		head.has |= PROJECT_DEF_HAS_AT_RISK;
		memcpy(&numbers[n++], &s->at_risk, 8);
	}
	if (s->has_behind) {
		head.has |= PROJECT_DEF_HAS_BEHIND;
		memcpy(&numbers[n++], &s->behind, 8);
	}
	if (s->report_every_ms) {
		head.has |= PROJECT_DEF_HAS_REPORT_EVERY;
		numbers[n++] = s->report_every_ms;
	}
	if (s->grace_ms != PACED_MS_PER_DAY) {
		head.has |= PROJECT_DEF_HAS_GRACE;
		numbers[n++] = s->grace_ms;
	}
	if (s->has_repeat_every) {
		head.has |= PROJECT_DEF_HAS_REPEAT_EVERY;
		numbers[n++] = s->repeat_every_ms;
	}
	/* -0 is kept: it is not the 0 left out. */
	if (s->baseline != 0 || signbit(s->baseline)) {
		head.has |= PROJECT_DEF_HAS_BASELINE;
		memcpy(&numbers[n++], &s->baseline, 8);
	}
	size = align8(offsetof(struct project_def, id) + id_len + 1 +
		      (text ? text_len + 1 : 0) + tags_len) +
	       8 * n + s->n_milestones * sizeof(struct pace_point) +
	       s->n_pauses * sizeof(struct pace_pause);
	d = malloc(size);
	if (!d)
		return NULL;
	*d = head;
	at = d->id;
	memcpy(at, id, id_len + 1);
	at += id_len + 1;
	if (text) {
		memcpy(at, text, text_len);
		at[text_len] = '\0';
		at += text_len + 1;
	}
	json_array_foreach(tags, i, t) {
		size_t len = strlen(json_string_value(t)) + 1;

		memcpy(at, json_string_value(t), len);
		at += len;
	}
	/* The padding too: copies compare equal byte for byte. */
	memset(at, 0, (size_t)((char *)d + numbers_at(d) - at));
	at = (char *)d + numbers_at(d);
	memcpy(at, numbers, 8 * n);
	at += 8 * n;
	if (s->n_milestones)
		memcpy(at, s->milestones,
		       s->n_milestones * sizeof(*s->milestones));
	at += s->n_milestones * sizeof(*s->milestones);
	if (s->n_pauses)
		memcpy(at, s->pauses, s->n_pauses * sizeof(*s->pauses));
	return d;
}

/*
 * The documents (and stored times) shown lately, by definition: each
 * update's 201 renders its project, and parsing the text was a quarter of
 * rendering one. A definition never changes (a redefinition makes a new
 * one) and freeing one drops its entry, so an entry is never stale.
 * Two ways per set, the one used less lately replaced: direct-mapped,
 * 1000 projects in 2048 slots missed a fifth of the time (two that share
 * a slot evict each other), and a miss reads the text from SQLite. Callers
 * share the documents and must not change them.
 */
#define DEF_CACHE_BITS 11 /* sets */
#define DEF_CACHE_WAYS 2

static struct {
	const struct project_def *def;
	json_t *json;
	paced_ms created_at, defined_at;
	bool times_known; /* read with the text (only for one not kept) */
	void *memo; /* project_def_memo */
} def_cache[DEF_CACHE_WAYS << DEF_CACHE_BITS];

/* Per set, the way used last. */
static uint8_t def_cache_last[1 << DEF_CACHE_BITS];

/* The first of d's set's entries. */
static size_t def_cache_set(const struct project_def *d)
{
	return DEF_CACHE_WAYS *
	       (size_t)(((uint64_t)(uintptr_t)d >> 4) *
			0x9E3779B97F4A7C15ULL >> (64 - DEF_CACHE_BITS));
}

/* d's entry, or -1. */
static long def_cache_find(const struct project_def *d)
{
	size_t set = def_cache_set(d);

	for (size_t w = 0; w < DEF_CACHE_WAYS; w++)
		if (def_cache[set + w].def == d) {
			def_cache_last[set / DEF_CACHE_WAYS] = (uint8_t)w;
			return (long)(set + w);
		}
	return -1;
}

static void def_cache_clear(size_t i)
{
	json_decref(def_cache[i].json);
	free(def_cache[i].memo);
	def_cache[i].def = NULL;
	def_cache[i].json = NULL;
	def_cache[i].memo = NULL;
}

static void def_cache_drop(const struct project_def *d)
{
	long i = def_cache_find(d);

	if (i >= 0)
		def_cache_clear((size_t)i);
}

void project_def_free(struct project_def *d)
{
	if (!d)
		return;
	def_cache_drop(d);
	free(d);
}

/* Where a definition kept without its text finds it (main.c sets it to
 * the store's projects table). */
static project_fetch_fn def_fetch;
static void *def_fetch_data;

void project_def_set_source(project_fetch_fn fetch, void *data)
{
	def_fetch = fetch;
	def_fetch_data = data;
}

bool project_def_has_source(void)
{
	return def_fetch != NULL;
}

/* d's cache entry, filled when d is not in it (in the way of its set not
 * used last): the document from the text kept, or from the stored one
 * (with the stored times). -1 when the source failed, or on ENOMEM. */
static long def_cache_get(const struct project_def *d)
{
	long found = def_cache_find(d);
	size_t set = def_cache_set(d), i;
	struct project_stored st = {0};
	json_t *j;

	if (found >= 0)
		return found;
	if (project_def_text(d)) {
		/* A text kept is the definition's own: one not stored yet,
		 * or stored by the transaction still open. */
		j = json_stored_load(project_def_text(d));
	} else {
		if (!def_fetch || def_fetch(d->id, def_fetch_data, &st) < 0)
			return -1;
		j = json_stored_load(st.text);
		free(st.text);
	}
	if (!j)
		return -1;
	/* The way after the one used last: with two, the other one. */
	i = set + (def_cache_last[set / DEF_CACHE_WAYS] + 1u) % DEF_CACHE_WAYS;
	def_cache_clear(i);
	def_cache_last[set / DEF_CACHE_WAYS] = (uint8_t)(i - set);
	def_cache[i].def = d;
	def_cache[i].json = j;
	def_cache[i].created_at = st.created_at;
	def_cache[i].defined_at = st.defined_at;
	def_cache[i].times_known = !project_def_text(d);
	return (long)i;
}

json_t *project_def_json(const struct project_def *d)
{
	long i = def_cache_get(d);

	return i < 0 ? NULL : json_incref(def_cache[i].json);
}

void **project_def_memo(const struct project_def *d)
{
	long i = def_cache_get(d);

	return i < 0 ? NULL : &def_cache[i].memo;
}

int project_def_times(const struct project_def *d, paced_ms *created_at,
		      paced_ms *defined_at)
{
	long i = def_cache_get(d);
	struct project_stored st = {0};

	if (i < 0)
		return PACED_EDB;
	if (def_cache[i].times_known) {
		*created_at = def_cache[i].created_at;
		*defined_at = def_cache[i].defined_at;
		return 0;
	}
	/* A definition with its text is new: its times are read each time
	 * (they change with the transaction that stores it). */
	if (def_fetch && def_fetch(d->id, def_fetch_data, &st) < 0)
		return PACED_EDB;
	free(st.text);
	*created_at = st.created_at;
	*defined_at = st.defined_at;
	return 0;
}

int project_def_forget_text(struct project_def **d)
{
	struct project_def *o = *d, *n;
	size_t head = offsetof(struct project_def, id) + o->id_len + 1;
	size_t from, rest;

	/* Without a source (tools, tests) the text is the only copy. */
	if (!project_def_text(o) || !def_fetch)
		return 0;
	from = numbers_at(o);
	rest = project_def_size(o) - from;
	n = malloc(align8(head + o->tags_len) + rest);
	if (!n)
		return PACED_ENOMEM;
	memcpy(n, o, head);
	n->has &= (uint8_t)~PROJECT_DEF_HAS_TEXT;
	memcpy((char *)n + head, first_tag(o), o->tags_len);
	memcpy((char *)n + numbers_at(n), (char *)o + from, rest);
	project_def_free(o);
	*d = n;
	return 0;
}

/*
 * The loaded projects are carved from large blocks, one after the other
 * (8-aligned, no header of malloc's own: 8 to 16 bytes less each). A
 * project freed (archived) leaves its room unused until the blocks go
 * at exit: memory never exceeds what the start-up took, and few loaded
 * projects are ever archived.
 */
#define SLAB_BLOCK ((size_t)1 << 20)

static struct slab_block {
	struct slab_block *next;
	size_t used;
	char room[];
} *slab;

/* n bytes (n is a multiple of 8) from the blocks; NULL on ENOMEM. */
static void *slab_alloc(size_t n)
{
	size_t cap = SLAB_BLOCK - offsetof(struct slab_block, room);
	void *p;

	if (!slab || cap - slab->used < n) {
		struct slab_block *b = malloc(SLAB_BLOCK);

		if (!b)
			return NULL;
		b->next = slab;
		b->used = 0;
		slab = b;
	}
	p = slab->room + slab->used;
	slab->used += n;
	return p;
}

void project_slab_release(void)
{
	while (slab) {
		struct slab_block *next = slab->next;

		free(slab);
		slab = next;
	}
}

struct project *project_new(struct project_def *def,
			    const struct project *state)
{
	size_t size = project_def_size(def);
	struct project *p;
	bool in_slab = sizeof(*p) + size <= SLAB_BLOCK / 16;

	/* A definition too big for a block's share has a malloc of its
	 * own. */
	p = in_slab ? slab_alloc(align8(sizeof(*p) + size))
		    : malloc(sizeof(*p) + size);
	if (!p)
		return NULL;
	*p = *state;
	p->def = (struct project_def *)(void *)(p + 1);
	memcpy(p->def, def, size);
	p->def_inline = true;
	p->in_slab = in_slab;
	project_def_free(def);
	return p;
}

void project_drop_def(struct project *p)
{
	if (p->def_inline)
		def_cache_drop(p->def); /* its room goes with p */
	else
		project_def_free(p->def);
	p->def = NULL;
	p->def_inline = false;
}

void project_forget_text(struct project *p)
{
	/* An inline definition never has its text (project_new is for
	 * loaded ones). */
	if (!p->def_inline)
		(void)project_def_forget_text(&p->def);
}

void project_free(struct project *p)
{
	if (!p)
		return;
	project_drop_def(p);
	fcache_free(p->fc);
	if (!p->in_slab)
		free(p);
}

double project_current(const struct project *p)
{
	return p->has_current ? p->current : project_def_baseline(p->def);
}
