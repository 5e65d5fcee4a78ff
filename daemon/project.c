/* project.c - project definitions: validation, the curve, and the compact
 * form kept in memory (project_json.c renders the project object). */
#include "project.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fcache.h"
#include "jsonutil.h"
#include "timefmt.h"

/* Numbers beyond this are refused: they are typing mistakes, and doubles
 * lose whole-number precision past 2^53. */
#define PROJECT_MAX_ABS 1e15
#define PROJECT_MAX_MILESTONES 366
#define PROJECT_MAX_PAUSES 64
#define PROJECT_MAX_TAGS 32
/* The shortest reporting or reminder interval (as [alerts] allows). */
#define MIN_INTERVAL_MS 1000

int field_error_set(struct field_error *e, const char *code,
		    const char *field, const char *fmt, ...)
{
	va_list ap;

	snprintf(e->code, sizeof(e->code), "%s", code ? code : "");
	snprintf(e->field, sizeof(e->field), "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	return PACED_EINVAL;
}

bool project_id_valid(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = id[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			  (i > 0 && (c == '.' || c == '_' || c == '-'));
		if (!ok)
			return false;
	}
	return true;
}

/*
 * The documents parsed lately, by definition: each update's 201 renders
 * its project, and parsing the text was a quarter of rendering one. A
 * definition never changes (a redefinition makes a new one) and freeing
 * one drops its entry, so an entry is never stale. Direct-mapped: a slot
 * holds the latest of the definitions that map to it. Callers share the
 * documents and must not change them (as they shared the kept tree).
 */
#define DEF_CACHE_BITS 11

static struct {
	const struct project_def *def;
	json_t *json;
} def_cache[1 << DEF_CACHE_BITS];

static size_t def_cache_slot(const struct project_def *d)
{
	return (size_t)(((uint64_t)(uintptr_t)d >> 4) *
			0x9E3779B97F4A7C15ULL >> (64 - DEF_CACHE_BITS));
}

void project_def_free(struct project_def *d)
{
	size_t i;

	if (!d)
		return;
	i = def_cache_slot(d);
	if (def_cache[i].def == d) {
		json_decref(def_cache[i].json);
		def_cache[i].def = NULL;
		def_cache[i].json = NULL;
	}
	free(d);
}

/* Where a definition kept without its text finds it (main.c sets it to
 * the store's projects table). */
static char *(*def_fetch)(const char *id, void *data);
static void *def_fetch_data;

void project_def_set_source(char *(*fetch)(const char *id, void *data),
			    void *data)
{
	def_fetch = fetch;
	def_fetch_data = data;
}

const char *project_def_text(const struct project_def *d)
{
	return d->text_len ? d->id + d->id_len + 1 : NULL;
}

/* The first tag: after the id and, when kept, the text. */
static const char *first_tag(const struct project_def *d)
{
	return d->id + d->id_len + 1 + (d->text_len ? d->text_len + 1 : 0);
}

json_t *project_def_json(const struct project_def *d)
{
	size_t i = def_cache_slot(d);
	char *fetched = NULL;
	json_t *j;

	if (def_cache[i].def == d)
		return json_incref(def_cache[i].json);
	if (!d->text_len) {
		fetched = def_fetch ? def_fetch(d->id, def_fetch_data) : NULL;
		if (!fetched)
			return NULL;
	}
	/* The text was written by paced and read back valid: only memory
	 * (or the database, for a text not kept) can fail here. */
	j = fetched ? json_loads(fetched, 0, NULL)
		    : json_loadb(project_def_text(d), d->text_len, 0, NULL);
	free(fetched);
	if (j) {
		json_decref(def_cache[i].json);
		def_cache[i].def = d;
		def_cache[i].json = json_incref(j);
	}
	return j;
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

void project_free(struct project *p)
{
	if (!p)
		return;
	project_def_free(p->def);
	fcache_free(p->fc);
	free(p);
}

double project_current(const struct project *p)
{
	return p->has_current ? p->current : p->def->baseline;
}

static int need_string(const json_t *v, const char *field, size_t min,
		       size_t max, struct field_error *err)
{
	size_t n;

	if (!json_is_string(v))
		return field_error_set(err, "invalid_value", field,
				       "%s must be a string", field);
	n = jsonutil_utf8_len(json_string_value(v));
	if (n < min || n > max)
		return field_error_set(err, "invalid_value", field,
				       "%s must be %zu to %zu characters long "
				       "(got %zu)",
				       field, min, max, n);
	return 0;
}

static int need_number(const json_t *v, const char *field, double *out,
		       struct field_error *err)
{
	double x;

	if (!json_is_number(v))
		return field_error_set(err, "invalid_value", field,
				       "%s must be a number", field);
	x = json_number_value(v);
	if (!isfinite(x) || fabs(x) > PROJECT_MAX_ABS)
		return field_error_set(err, "invalid_value", field,
				       "%s must be a finite number within "
				       "±1e15",
				       field);
	*out = x;
	return 0;
}

static int need_instant(const json_t *v, const char *field, bool end_of_day,
			paced_ms *out, struct field_error *err)
{
	if (!json_is_string(v) ||
	    timefmt_parse(json_string_value(v), end_of_day, out, NULL) < 0)
		return field_error_set(err, "invalid_value", field,
				       "%s must be a date YYYY-MM-DD or an "
				       "RFC 3339 instant",
				       field);
	return 0;
}

static int need_duration(const json_t *v, const char *field, int64_t *out,
			 struct field_error *err)
{
	if (!json_is_string(v) ||
	    timefmt_parse_duration(json_string_value(v), out) < 0)
		return field_error_set(err, "invalid_value", field,
				       "%s must be a duration such as 30s, "
				       "15m, 24h, 7d or 2w",
				       field);
	return 0;
}

static int parse_milestones(struct project_def *d, const json_t *arr,
			    struct field_error *err)
{
	size_t n = json_array_size(arr), i;
	double prev_progress = 0;
	paced_ms prev_at = d->start;
	const json_t *m;
	char f[64];

	if (!json_is_array(arr) || n == 0 || n > PROJECT_MAX_MILESTONES)
		return field_error_set(err, "invalid_value", "milestones",
				       "milestones must be an array of 1 to %d "
				       "{\"at\", \"value\"} objects",
				       PROJECT_MAX_MILESTONES);
	d->milestones = calloc(n, sizeof(*d->milestones));
	if (!d->milestones)
		return PACED_ENOMEM;
	json_array_foreach(arr, i, m) {
		const char *key;
		const json_t *v;
		struct pace_point *pt = &d->milestones[i];
		double progress;
		int have = 0;

		snprintf(f, sizeof(f), "milestones[%zu]", i);
		if (!json_is_object(m))
			return field_error_set(err, "invalid_value", f,
					       "%s must be an object with "
					       "\"at\" and \"value\"",
					       f);
		json_object_foreach((json_t *)m, key, v) {
			snprintf(f, sizeof(f), "milestones[%zu].%s", i, key);
			if (strcmp(key, "at") == 0) {
				if (need_instant(v, f, true, &pt->at, err))
					return PACED_EINVAL;
				have |= 1;
			} else if (strcmp(key, "value") == 0) {
				if (need_number(v, f, &pt->value, err))
					return PACED_EINVAL;
				have |= 2;
			} else {
				return field_error_set(err, "unknown_field", f,
						       "unknown field %s", f);
			}
		}
		snprintf(f, sizeof(f), "milestones[%zu].%s", i,
			 (have & 1) ? "value" : "at");
		if (have != 3)
			return field_error_set(err, "missing_field", f,
					       "%s is required", f);
		snprintf(f, sizeof(f), "milestones[%zu].at", i);
		if (pt->at <= prev_at || pt->at >= d->due)
			return field_error_set(
				err, "invalid_value", f,
				"%s must lie strictly inside (start, due) and "
				"after the previous milestone",
				f);
		progress = (pt->value - d->baseline) /
			   (d->target - d->baseline);
		snprintf(f, sizeof(f), "milestones[%zu].value", i);
		if (progress < prev_progress || progress > 1)
			return field_error_set(
				err, "invalid_value", f,
				"%s must lie between the previous milestone "
				"(or the baseline) and the target",
				f);
		prev_at = pt->at;
		prev_progress = progress;
	}
	d->n_milestones = (uint16_t)n;
	return 0;
}

static int parse_pauses(struct project_def *d, const json_t *arr,
			struct field_error *err)
{
	size_t n = json_array_size(arr), i;
	paced_ms prev_to = INT64_MIN;
	const json_t *p;
	char f[64];

	if (!json_is_array(arr) || n > PROJECT_MAX_PAUSES)
		return field_error_set(err, "invalid_value", "pauses",
				       "pauses must be an array of at most %d "
				       "{\"from\", \"to\", \"reason\"} objects",
				       PROJECT_MAX_PAUSES);
	d->pauses = calloc(n ? n : 1, sizeof(*d->pauses));
	if (!d->pauses)
		return PACED_ENOMEM;
	json_array_foreach(arr, i, p) {
		const char *key;
		const json_t *v;
		struct pace_pause *pp = &d->pauses[i];
		int have = 0;

		snprintf(f, sizeof(f), "pauses[%zu]", i);
		if (!json_is_object(p))
			return field_error_set(err, "invalid_value", f,
					       "%s must be an object with "
					       "\"from\" and \"to\"",
					       f);
		json_object_foreach((json_t *)p, key, v) {
			snprintf(f, sizeof(f), "pauses[%zu].%s", i, key);
			if (strcmp(key, "from") == 0) {
				if (need_instant(v, f, false, &pp->from, err))
					return PACED_EINVAL;
				have |= 1;
			} else if (strcmp(key, "to") == 0) {
				/* A day names the whole day: the pause
				 * ends when it does. */
				if (need_instant(v, f, true, &pp->to, err))
					return PACED_EINVAL;
				have |= 2;
			} else if (strcmp(key, "reason") == 0) {
				if (need_string(v, f, 0, 200, err))
					return PACED_EINVAL;
			} else {
				return field_error_set(err, "unknown_field", f,
						       "unknown field %s", f);
			}
		}
		snprintf(f, sizeof(f), "pauses[%zu].%s", i,
			 (have & 1) ? "to" : "from");
		if ((have & 3) != 3)
			return field_error_set(err, "missing_field", f,
					       "%s is required", f);
		snprintf(f, sizeof(f), "pauses[%zu].to", i);
		if (pp->to <= pp->from)
			return field_error_set(err, "invalid_value", f,
					       "%s must be after from", f);
		snprintf(f, sizeof(f), "pauses[%zu].from", i);
		if (pp->from < prev_to)
			return field_error_set(err, "invalid_value", f,
					       "pauses must be in time order "
					       "and must not overlap");
		prev_to = pp->to;
	}
	d->n_pauses = (uint16_t)n;
	return 0;
}

int project_def_check_thresholds(const struct project_def *d,
				 double default_at_risk,
				 double default_behind,
				 struct field_error *err)
{
	if ((d->has_at_risk ? d->at_risk : default_at_risk) >
	    (d->has_behind ? d->behind : default_behind))
		return field_error_set(
			err, "invalid_value",
			d->has_behind ? "thresholds.behind" : "thresholds.at_risk",
			"thresholds.behind must not be below "
			"thresholds.at_risk");
	return 0;
}

static int parse_thresholds(struct project_def *d, const json_t *obj,
			    double default_at_risk, double default_behind,
			    struct field_error *err)
{
	const char *key;
	const json_t *v;

	if (!json_is_object(obj))
		return field_error_set(err, "invalid_value", "thresholds",
				       "thresholds must be an object "
				       "{\"at_risk\", \"behind\"}");
	json_object_foreach((json_t *)obj, key, v) {
		char f[64];
		double x;

		snprintf(f, sizeof(f), "thresholds.%s", key);
		if (strcmp(key, "at_risk") && strcmp(key, "behind"))
			return field_error_set(err, "unknown_field", f,
					       "unknown field %s", f);
		if (need_number(v, f, &x, err))
			return PACED_EINVAL;
		if (x <= 0 || x > 1)
			return field_error_set(err, "invalid_value", f,
					       "%s must be a fraction in (0, 1]",
					       f);
		if (key[0] == 'a') {
			d->has_at_risk = true;
			d->at_risk = x;
		} else {
			d->has_behind = true;
			d->behind = x;
		}
	}
	return project_def_check_thresholds(d, default_at_risk, default_behind,
					    err);
}

static int parse_tags(const json_t *arr, struct field_error *err)
{
	size_t i;
	const json_t *t;

	if (!json_is_array(arr) || json_array_size(arr) > PROJECT_MAX_TAGS)
		return field_error_set(err, "invalid_value", "tags",
				       "tags must be an array of at most %d "
				       "strings",
				       PROJECT_MAX_TAGS);
	json_array_foreach(arr, i, t) {
		char f[32];

		snprintf(f, sizeof(f), "tags[%zu]", i);
		if (need_string(t, f, 1, 64, err))
			return PACED_EINVAL;
	}
	return 0;
}

static const char *const known_fields[] = {
	"id",       "title",      "unit",   "baseline",     "target",
	"start",    "due",        "curve",  "milestones",   "pauses",
	"thresholds", "report_every", "grace", "tags",      "owner",
	"repeat_every",
};

/* Checks every field's type and range, in a fixed order so the error a
 * client sees does not depend on the order of its keys. */
static int validate(struct project_def *d, const json_t *b,
		    double default_at_risk, double default_behind,
		    struct field_error *err)
{
	const char *key, *curve = "linear";
	const json_t *v;

	json_object_foreach((json_t *)b, key, v) {
		bool known = false;

		for (size_t i = 0; i < PACED_ARRAY_LEN(known_fields); i++)
			known = known || strcmp(key, known_fields[i]) == 0;
		if (!known)
			return field_error_set(err, "unknown_field", key,
					       "unknown field %s", key);
	}
	if (!(v = json_object_get(b, "title")))
		return field_error_set(err, "missing_field", "title",
				       "title is required");
	if (need_string(v, "title", 1, 200, err))
		return PACED_EINVAL;
	if ((v = json_object_get(b, "unit")) &&
	    need_string(v, "unit", 0, 32, err))
		return PACED_EINVAL;
	if ((v = json_object_get(b, "owner")) &&
	    need_string(v, "owner", 0, 200, err))
		return PACED_EINVAL;
	d->baseline = 0;
	if ((v = json_object_get(b, "baseline")) &&
	    need_number(v, "baseline", &d->baseline, err))
		return PACED_EINVAL;
	if (!(v = json_object_get(b, "target")))
		return field_error_set(err, "missing_field", "target",
				       "target is required");
	if (need_number(v, "target", &d->target, err))
		return PACED_EINVAL;
	if (d->target == d->baseline)
		return field_error_set(err, "invalid_value", "target",
				       "target must differ from baseline");
	if (!(v = json_object_get(b, "start")))
		return field_error_set(err, "missing_field", "start",
				       "start is required");
	if (need_instant(v, "start", false, &d->start, err))
		return PACED_EINVAL;
	if (!(v = json_object_get(b, "due")))
		return field_error_set(err, "missing_field", "due",
				       "due is required");
	if (need_instant(v, "due", true, &d->due, err))
		return PACED_EINVAL;
	if (d->due <= d->start)
		return field_error_set(err, "invalid_value", "due",
				       "due must be after start");
	if (json_object_get(b, "milestones"))
		curve = "milestones";
	if ((v = json_object_get(b, "curve"))) {
		if (!json_is_string(v) ||
		    (strcmp(json_string_value(v), "linear") &&
		     strcmp(json_string_value(v), "milestones")))
			return field_error_set(err, "invalid_value", "curve",
					       "curve must be \"linear\" or "
					       "\"milestones\"");
		curve = json_string_value(v);
	}
	v = json_object_get(b, "milestones");
	if (strcmp(curve, "milestones") == 0) {
		if (!v)
			return field_error_set(err, "missing_field",
					       "milestones",
					       "curve \"milestones\" needs "
					       "milestones");
		if (parse_milestones(d, v, err))
			return PACED_EINVAL;
	} else if (v) {
		return field_error_set(err, "invalid_value", "milestones",
				       "milestones need curve \"milestones\"");
	}
	if ((v = json_object_get(b, "pauses")) && parse_pauses(d, v, err))
		return PACED_EINVAL;
	if ((v = json_object_get(b, "thresholds")) &&
	    parse_thresholds(d, v, default_at_risk, default_behind, err))
		return PACED_EINVAL;
	d->grace_ms = PACED_MS_PER_DAY;
	if ((v = json_object_get(b, "report_every"))) {
		if (need_duration(v, "report_every", &d->report_every_ms,
				  err))
			return PACED_EINVAL;
		if (d->report_every_ms < MIN_INTERVAL_MS)
			return field_error_set(err, "invalid_value",
					       "report_every",
					       "report_every must be at least "
					       "1s");
	}
	if ((v = json_object_get(b, "grace")) &&
	    need_duration(v, "grace", &d->grace_ms, err))
		return PACED_EINVAL;
	if ((v = json_object_get(b, "repeat_every"))) {
		if (need_duration(v, "repeat_every", &d->repeat_every_ms, err))
			return PACED_EINVAL;
		/* Each reminder is an event and a delivery per channel: a
		 * tiny interval would flood the database and the groups. */
		if (d->repeat_every_ms && d->repeat_every_ms < MIN_INTERVAL_MS)
			return field_error_set(err, "invalid_value",
					       "repeat_every",
					       "repeat_every must be 0 (never) "
					       "or at least 1s");
		d->has_repeat_every = true;
	}
	if ((v = json_object_get(b, "tags")) && parse_tags(v, err))
		return PACED_EINVAL;
	return 0;
}

/* Rounds n up to a multiple of 8, for the arrays after the strings. */
static size_t align8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

/*
 * Packs the validated scratch s into one allocation: the fields, then the
 * id, the text (text_len bytes; left out when text is NULL), the tags and
 * the milestone and pause arrays. NULL on ENOMEM.
 */
static struct project_def *pack(const struct project_def *s, const char *id,
				const char *text, size_t text_len,
				const json_t *tags)
{
	size_t id_len = strlen(id), strings, size, i;
	size_t n_tags = json_array_size(tags);
	struct project_def *d;
	const json_t *t;
	char *at;

	strings = id_len + 1 + (text ? text_len + 1 : 0);
	json_array_foreach(tags, i, t)
		strings += strlen(json_string_value(t)) + 1;
	size = align8(offsetof(struct project_def, id) + strings) +
	       s->n_milestones * sizeof(*s->milestones) +
	       s->n_pauses * sizeof(*s->pauses);
	d = malloc(size);
	if (!d)
		return NULL;
	*d = *s;
	d->id_len = (uint8_t)id_len;
	d->text_len = text ? (uint32_t)text_len : 0;
	d->n_tags = (uint8_t)n_tags;
	at = d->id;
	memcpy(at, id, id_len + 1);
	at += id_len + 1;
	if (text) {
		memcpy(at, text, text_len);
		at[text_len] = '\0';
		at += text_len + 1;
	}
	json_array_foreach(tags, i, t) {
		size_t n = strlen(json_string_value(t)) + 1;

		memcpy(at, json_string_value(t), n);
		at += n;
	}
	at = (char *)d + align8(offsetof(struct project_def, id) + strings);
	d->milestones = NULL;
	d->pauses = NULL;
	if (s->n_milestones) {
		d->milestones = (struct pace_point *)(void *)at;
		memcpy(at, s->milestones,
		       s->n_milestones * sizeof(*s->milestones));
		at += s->n_milestones * sizeof(*s->milestones);
	}
	if (s->n_pauses) {
		d->pauses = (struct pace_pause *)(void *)at;
		memcpy(at, s->pauses, s->n_pauses * sizeof(*s->pauses));
	}
	return d;
}

/* Validates body for `id` (checked by the caller) and packs it, with
 * keep_text with text, or with body's own serialisation (without "id")
 * when text is NULL. */
static int build(const char *id, const json_t *body, const char *text,
		 bool keep_text, double default_at_risk, double default_behind,
		 struct project_def **out, struct field_error *err)
{
	struct project_def *s = calloc(1, sizeof(*s));
	char *dumped = NULL;
	json_t *copy = NULL;
	int rc;

	if (!s)
		goto nomem;
	rc = validate(s, body, default_at_risk, default_behind, err);
	if (rc == PACED_ENOMEM)
		goto nomem;
	if (rc < 0)
		goto out;
	if (!text && keep_text) {
		copy = json_copy((json_t *)body);
		if (!copy)
			goto nomem;
		json_object_del(copy, "id");
		text = dumped = jsonutil_dump_exact(copy, NULL);
		if (!dumped)
			goto nomem;
	}
	*out = pack(s, id, keep_text ? text : NULL, text ? strlen(text) : 0,
		    json_object_get(body, "tags"));
	if (!*out)
		goto nomem;
	rc = 0;
	goto out;
nomem:
	field_error_set(err, "internal", NULL, "out of memory");
	rc = PACED_ENOMEM;
out:
	if (s) {
		free(s->milestones);
		free(s->pauses);
	}
	free(s);
	free(dumped);
	json_decref(copy);
	return rc;
}

int project_def_parse(const char *id, const json_t *body,
		      double default_at_risk, double default_behind,
		      struct project_def **out, struct field_error *err)
{
	const json_t *jid;

	if (!json_is_object(body))
		return field_error_set(err, "invalid_json", NULL,
				       "the body must be a JSON object");
	jid = json_object_get(body, "id");
	if (jid && !json_is_string(jid))
		return field_error_set(err, "invalid_value", "id",
				       "id must be a string");
	if (!id && !jid)
		return field_error_set(err, "missing_field", "id",
				       "id is required");
	if (id && jid && strcmp(id, json_string_value(jid)) != 0)
		return field_error_set(err, "invalid_value", "id",
				       "id in the body (%s) differs from the "
				       "id in the path",
				       json_string_value(jid));
	if (!id)
		id = json_string_value(jid);
	if (!project_id_valid(id))
		return field_error_set(err, "invalid_value", "id",
				       "id must match "
				       "^[a-z0-9][a-z0-9._-]{0,63}$");
	return build(id, body, NULL, true, default_at_risk, default_behind,
		     out, err);
}

int project_def_load(const char *id, const char *text,
		     double default_at_risk, double default_behind,
		     struct project_def **out, struct field_error *err)
{
	json_t *body = json_loads(text, 0, NULL);
	int rc;

	if (!body)
		rc = field_error_set(err, "invalid_json", NULL,
				     "the stored definition is not JSON");
	/* paced stores definitions without "id"; anything else goes the
	 * long way, which checks it and leaves it out. */
	else if (!json_is_object(body) || json_object_get(body, "id") ||
		 !project_id_valid(id))
		rc = project_def_parse(id, body, default_at_risk,
				       default_behind, out, err);
	else
		rc = build(id, body, text, !def_fetch, default_at_risk,
			   default_behind, out, err);
	json_decref(body);
	/* Not kept: the store has it (project_def_json reads it back). A
	 * text that stays for want of memory does no harm. */
	if (rc == 0)
		(void)project_def_forget_text(out);
	/* At start-up the tree was in scratch memory (load.c): pack()
	 * copied what stays. */
	jsonutil_scratch_reset();
	return rc;
}

void project_def_curve(const struct project_def *d, double default_at_risk,
		       double default_behind, struct pace_curve *out)
{
	out->baseline = d->baseline;
	out->target = d->target;
	out->start = d->start;
	out->due = d->due;
	out->milestones = d->milestones;
	out->n_milestones = d->n_milestones;
	out->pauses = d->pauses;
	out->n_pauses = d->n_pauses;
	out->at_risk = d->has_at_risk ? d->at_risk : default_at_risk;
	out->behind = d->has_behind ? d->behind : default_behind;
}

int project_def_forget_text(struct project_def **d)
{
	struct project_def *o = *d, *n;
	size_t head = offsetof(struct project_def, id) + o->id_len + 1;
	size_t tags = 0, old_strings, new_strings, arrays;
	const char *t = first_tag(o);

	/* Without a source (tools, tests) the text is the only copy. */
	if (!o->text_len || !def_fetch)
		return 0;
	for (size_t i = 0; i < o->n_tags; i++) {
		tags += strlen(t) + 1;
		t += strlen(t) + 1;
	}
	old_strings = align8(head + o->text_len + 1 + tags);
	new_strings = align8(head + tags);
	arrays = o->n_milestones * sizeof(*o->milestones) +
		 o->n_pauses * sizeof(*o->pauses);
	n = malloc(new_strings + arrays);
	if (!n)
		return PACED_ENOMEM;
	memcpy(n, o, head);
	memcpy((char *)n + head, first_tag(o), tags);
	memcpy((char *)n + new_strings, (char *)o + old_strings, arrays);
	n->text_len = 0;
	n->milestones = NULL;
	n->pauses = NULL;
	if (o->n_milestones)
		n->milestones = (struct pace_point *)(void *)((char *)n +
							       new_strings);
	if (o->n_pauses)
		n->pauses = (struct pace_pause *)(void *)((char *)n +
							   new_strings +
							   (arrays - o->n_pauses * sizeof(*o->pauses)));
	project_def_free(o);
	*d = n;
	return 0;
}

bool project_def_equal(const struct project_def *a,
		       const struct project_def *b)
{
	json_t *ja, *jb;
	bool same;

	if (strcmp(a->id, b->id) != 0)
		return false;
	if (a->text_len && a->text_len == b->text_len &&
	    memcmp(project_def_text(a), project_def_text(b), a->text_len) == 0)
		return true;
	/* The same definition with its keys in another order is the same:
	 * compare the documents. */
	ja = project_def_json(a);
	jb = project_def_json(b);
	same = ja && jb && json_equal(ja, jb);
	json_decref(ja);
	json_decref(jb);
	return same;
}
