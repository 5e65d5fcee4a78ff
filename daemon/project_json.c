/* project_json.c - the project object clients see (SPEC section 1): the
 * definition, parsed from its stored text, with defaults filled in, and
 * the evaluation. */
#include "project.h"

#include "jsonutil.h"
#include "timefmt.h"

/* Copies a definition field into the response, or a default. */
static void put_field(json_t *o, const json_t *def, const char *key,
		      json_t *fallback)
{
	json_t *v = json_object_get(def, key);

	if (v) {
		json_object_set(o, key, v);
		json_decref(fallback);
	} else if (fallback) {
		json_object_set_new(o, key, fallback);
	}
}

static json_t *forecast_json(const struct pace_forecast *f)
{
	char day[TIMEFMT_MAX];
	json_t *o = json_object();

	json_object_set_new(o, "rate_per_day",
			    jsonutil_number(f->rate_per_day));
	json_object_set_new(o, "projected_at_due",
			    jsonutil_number(f->projected_at_due));
	json_object_set_new(o, "eta",
			    f->has_eta ? json_string(timefmt_day(f->eta, day))
				       : json_null());
	json_object_set_new(o, "required_rate_per_day",
			    f->has_required_rate
				    ? jsonutil_number(f->required_rate_per_day)
				    : json_null());
	return o;
}

json_t *project_to_json(const struct project *p, const struct project_view *v)
{
	json_t *def = project_def_json(p->def);
	json_t *o, *th;
	paced_ms created_at, defined_at;

	/* Without its definition (no memory, or the database failed to
	 * give the text back) there is no object to show. */
	if (!def)
		return NULL;
	if (project_def_times(p->def, &created_at, &defined_at) < 0) {
		json_decref(def);
		return NULL;
	}
	o = json_object();
	th = json_object();

	json_object_set_new(o, "id", json_string(p->def->id));
	put_field(o, def, "title", NULL);
	put_field(o, def, "unit", json_string(""));
	put_field(o, def, "baseline", json_integer(0));
	put_field(o, def, "target", NULL);
	put_field(o, def, "start", NULL);
	put_field(o, def, "due", NULL);
	json_object_set_new(o, "curve",
			    json_string(p->def->n_milestones ? "milestones"
							     : "linear"));
	put_field(o, def, "milestones", NULL);
	put_field(o, def, "pauses", json_array());
	json_object_set_new(th, "at_risk", json_real(v->at_risk));
	json_object_set_new(th, "behind", json_real(v->behind));
	json_object_set_new(o, "thresholds", th);
	put_field(o, def, "report_every", json_null());
	put_field(o, def, "grace", json_string("1d"));
	put_field(o, def, "repeat_every", json_null());
	put_field(o, def, "tags", json_array());
	put_field(o, def, "owner", json_null());
	json_object_set_new(o, "declared", json_boolean(p->declared));

	json_object_set_new(o, "current", jsonutil_number(project_current(p)));
	json_object_set_new(o, "updated_at",
			    p->has_current ? jsonutil_instant(p->current_at)
					   : json_null());
	json_object_set_new(o, "expected", jsonutil_number(v->eval.expected));
	json_object_set_new(o, "progress", jsonutil_number(v->eval.progress));
	json_object_set_new(o, "expected_progress",
			    jsonutil_number(v->eval.expected_progress));
	json_object_set_new(o, "gap", jsonutil_number(v->eval.gap));
	json_object_set_new(o, "status",
			    json_string(pace_status_name(v->eval.status)));
	json_object_set_new(o, "status_since",
			    jsonutil_instant(p->status_since));
	json_object_set_new(o, "stale", json_boolean(v->stale));
	json_object_set_new(o, "forecast", forecast_json(&v->forecast));
	json_object_set_new(o, "created_at", jsonutil_instant(created_at));
	json_object_set_new(o, "defined_at", jsonutil_instant(defined_at));
	json_decref(def);
	return o;
}
