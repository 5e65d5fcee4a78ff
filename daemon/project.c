/* project.c - project definitions: validation, with errors that name the
 * field (project_mem.c keeps the compact form, project_json.c renders the
 * project object). */
#include "project_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt_text.h"
#include "json_plain.h"
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
	int n;

	snprintf(e->code, sizeof(e->code), "%s", code ? code : "");
	/* Both may quote a client's long key: cut between characters, never
	 * inside one (JSON wants UTF-8). */
	field = field ? field : "";
	fmt_text_copy_prefix(field, strlen(field), e->field, sizeof(e->field));
	va_start(ap, fmt);
	n = vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(e->message))
		fmt_text_drop_cut_char(e->message, sizeof(e->message) - 1);
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

static int parse_milestones(struct def_scratch *d, const json_t *arr,
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
						       "unknown field \"%s\"", f);
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
	d->n_milestones = n;
	return 0;
}

static int parse_pauses(struct def_scratch *d, const json_t *arr,
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
						       "unknown field \"%s\"", f);
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
	d->n_pauses = n;
	return 0;
}

int project_thresholds_check(bool has_at_risk, double at_risk,
			     bool has_behind, double behind,
			     double default_at_risk, double default_behind,
			     struct field_error *err)
{
	if ((has_at_risk ? at_risk : default_at_risk) >
	    (has_behind ? behind : default_behind))
		return field_error_set(
			err, "invalid_value",
			has_behind ? "thresholds.behind" : "thresholds.at_risk",
			"thresholds.behind must not be below "
			"thresholds.at_risk");
	return 0;
}

static int parse_thresholds(struct def_scratch *d, const json_t *obj,
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
					       "unknown field \"%s\"", f);
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
	return project_thresholds_check(d->has_at_risk, d->at_risk,
					d->has_behind, d->behind,
					default_at_risk, default_behind, err);
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
static int validate(struct def_scratch *d, const json_t *b,
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
					       "unknown field \"%s\"", key);
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

/* Validates body for `id` (checked by the caller) and packs it, with
 * keep_text with text, or with body's own serialisation (without "id")
 * when text is NULL. */
static int build(const char *id, const json_t *body, const char *text,
		 bool keep_text, double default_at_risk, double default_behind,
		 struct project_def **out, struct field_error *err)
{
	struct def_scratch *s = calloc(1, sizeof(*s));
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
	*out = project_def_pack(s, id, keep_text ? text : NULL,
				text ? strlen(text) : 0,
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
				       "id must match " PROJECT_ID_PATTERN);
	return build(id, body, NULL, true, default_at_risk, default_behind,
		     out, err);
}

int project_def_load(const char *id, const char *text,
		     double default_at_risk, double default_behind,
		     struct project_def **out, struct field_error *err)
{
	/* Definitions paced stored are plain JSON, read in a sixth of
	 * jansson's time; start-up reads a million (bench/RESULTS.md). */
	json_t *body = json_stored_load(text);
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
		rc = build(id, body, text, !project_def_has_source(),
			   default_at_risk,
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

bool project_def_equal(const struct project_def *a,
		       const struct project_def *b)
{
	json_t *ja, *jb;
	bool same;

	if (strcmp(a->id, b->id) != 0)
		return false;
	if (project_def_text(a) && project_def_text(b) &&
	    strcmp(project_def_text(a), project_def_text(b)) == 0)
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
