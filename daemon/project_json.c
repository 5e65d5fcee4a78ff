/* project_json.c - the project object clients see (SPEC section 1): the
 * definition, parsed from its stored text, with defaults filled in, and
 * the evaluation. */
#include "project.h"

#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
#include "timefmt.h"

/* A definition field as given, or a default written by fallback (NULL:
 * the field is left out). */
static void put_field(struct jsonw *w, const json_t *def, const char *key,
		      void (*fallback)(struct jsonw *w))
{
	json_t *v = json_object_get(def, key);

	if (v) {
		jsonw_key(w, key);
		jsonw_value(w, v);
	} else if (fallback) {
		jsonw_key(w, key);
		fallback(w);
	}
}

static void empty_string(struct jsonw *w)
{
	jsonw_string(w, "");
}

static void zero(struct jsonw *w)
{
	jsonw_integer(w, 0);
}

static void empty_array(struct jsonw *w)
{
	jsonw_array_open(w);
	jsonw_array_close(w);
}

static void one_day(struct jsonw *w)
{
	jsonw_string(w, "1d");
}

static void write_forecast(struct jsonw *w, const struct pace_forecast *f)
{
	char day[TIMEFMT_MAX];

	jsonw_object_open(w);
	jsonw_key_lit(w, "rate_per_day");
	jsonw_number(w, f->rate_per_day);
	jsonw_key_lit(w, "projected_at_due");
	jsonw_number(w, f->projected_at_due);
	jsonw_key_lit(w, "eta");
	jsonw_string(w, f->has_eta ? timefmt_day(f->eta, day) : NULL);
	jsonw_key_lit(w, "required_rate_per_day");
	if (f->has_required_rate)
		jsonw_number(w, f->required_rate_per_day);
	else
		jsonw_null(w);
	jsonw_object_close(w);
}

/* The definition's fields before the thresholds. */
static void write_def_head(struct jsonw *w, const struct project *p,
			   const json_t *def)
{
	jsonw_key_lit(w, "id");
	jsonw_string(w, p->def->id);
	put_field(w, def, "title", NULL);
	put_field(w, def, "unit", empty_string);
	put_field(w, def, "baseline", zero);
	put_field(w, def, "target", NULL);
	put_field(w, def, "start", NULL);
	put_field(w, def, "due", NULL);
	jsonw_key_lit(w, "curve");
	jsonw_string(w, p->def->n_milestones ? "milestones" : "linear");
	put_field(w, def, "milestones", NULL);
	put_field(w, def, "pauses", empty_array);
}

/* The definition's fields after the thresholds. */
static void write_def_tail(struct jsonw *w, const json_t *def)
{
	put_field(w, def, "report_every", jsonw_null);
	put_field(w, def, "grace", one_day);
	put_field(w, def, "repeat_every", jsonw_null);
	put_field(w, def, "tags", empty_array);
	put_field(w, def, "owner", jsonw_null);
}

/*
 * The two runs of definition fields as text, written once per parsed
 * definition (kept in its memo): they change only with the definition,
 * and writing them field by field from the document (a lookup and a dump
 * each) was a sixth of an update's reply. For writers at 15 digits; the
 * stored snapshot (17) and the CSV's tree write them field by field.
 */
struct def_fields {
	size_t head_len, tail_len;
	char text[]; /* the head's members, then the tail's */
};

/* A run of members as jsonw_members() takes it: the object's text
 * without its braces. NULL on ENOMEM. */
static char *members_text(const struct project *p, const json_t *def,
			  bool head, size_t *len)
{
	struct jsonw w;
	char *t;

	jsonw_init(&w, 15);
	jsonw_object_open(&w);
	if (head)
		write_def_head(&w, p, def);
	else
		write_def_tail(&w, def);
	jsonw_object_close(&w);
	t = jsonw_finish(&w, len);
	if (t && *len > 2) {
		*len -= 2;
		memmove(t, t + 1, *len);
		return t;
	}
	free(t);
	return NULL;
}

static const struct def_fields *def_fields(const struct project *p)
{
	void **memo = project_def_memo(p->def);
	json_t *def;
	char *head = NULL, *tail = NULL;
	size_t hl = 0, tl = 0;
	struct def_fields *f = NULL;

	if (!memo || *memo)
		return memo ? *memo : NULL;
	/* The document is in the cache now: project_def_json shares it. */
	def = project_def_json(p->def);
	if (def) {
		head = members_text(p, def, true, &hl);
		tail = members_text(p, def, false, &tl);
		json_decref(def);
	}
	if (head && tail && (f = malloc(sizeof(*f) + hl + tl))) {
		f->head_len = hl;
		f->tail_len = tl;
		memcpy(f->text, head, hl);
		memcpy(f->text + hl, tail, tl);
		*memo = f;
	}
	free(head);
	free(tail);
	return f;
}

int project_write_json(struct jsonw *w, const struct project *p,
		       const struct project_view *v)
{
	const struct def_fields *f = NULL;
	json_t *def = NULL;
	paced_ms created_at, defined_at;

	if (!w->tree && w->precision == 15)
		f = def_fields(p);
	/* Without its definition (no memory, or the database failed to
	 * give the text back) there is no object to show. */
	if (!f && !(def = project_def_json(p->def)))
		return PACED_EDB;
	if (project_def_times(p->def, &created_at, &defined_at) < 0) {
		json_decref(def);
		return PACED_EDB;
	}
	jsonw_object_open(w);
	if (f)
		jsonw_members(w, f->text, f->head_len);
	else
		write_def_head(w, p, def);
	jsonw_key_lit(w, "thresholds");
	jsonw_object_open(w);
	jsonw_key_lit(w, "at_risk");
	jsonw_real(w, v->at_risk);
	jsonw_key_lit(w, "behind");
	jsonw_real(w, v->behind);
	jsonw_object_close(w);
	if (f)
		jsonw_members(w, f->text + f->head_len, f->tail_len);
	else
		write_def_tail(w, def);
	jsonw_key_lit(w, "declared");
	jsonw_bool(w, p->declared);

	jsonw_key_lit(w, "current");
	jsonw_number(w, project_current(p));
	jsonw_key_lit(w, "updated_at");
	if (p->has_current)
		jsonw_instant(w, p->current_at);
	else
		jsonw_null(w);
	jsonw_key_lit(w, "expected");
	jsonw_number(w, v->eval.expected);
	jsonw_key_lit(w, "progress");
	jsonw_number(w, v->eval.progress);
	jsonw_key_lit(w, "expected_progress");
	jsonw_number(w, v->eval.expected_progress);
	jsonw_key_lit(w, "gap");
	jsonw_number(w, v->eval.gap);
	jsonw_key_lit(w, "status");
	jsonw_string(w, pace_status_name(v->eval.status));
	jsonw_key_lit(w, "status_since");
	jsonw_instant(w, p->status_since);
	jsonw_key_lit(w, "stale");
	jsonw_bool(w, v->stale);
	jsonw_key_lit(w, "forecast");
	write_forecast(w, &v->forecast);
	jsonw_key_lit(w, "created_at");
	jsonw_instant(w, created_at);
	jsonw_key_lit(w, "defined_at");
	jsonw_instant(w, defined_at);
	jsonw_object_close(w);
	json_decref(def);
	return w->failed ? PACED_ENOMEM : 0;
}

json_t *project_to_json(const struct project *p, const struct project_view *v)
{
	struct jsonw w;

	jsonw_init_tree(&w);
	if (project_write_json(&w, p, v) < 0) {
		jsonw_discard(&w);
		return NULL;
	}
	return jsonw_finish_tree(&w);
}
