/* api_projects.c - /v1/projects and /v1/projects/{id}. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "conf.h"
#include "registry.h"
#include "timefmt.h"
#include "tracker.h"

json_t *api_projects_select(struct http_request *req, struct app *app,
			    paced_ms now)
{
	static const char *const allowed[] = {"status", "tag", "stale", NULL};
	const char *query = http_request_query(req);
	char status_s[32], tag[256], stale_s[16];
	bool bad, f_status, f_tag, f_stale, want_stale = false;
	enum pace_status want_status = PACE_NONE;
	struct project **all;
	json_t *arr;
	size_t n;

	if (!api_query_only(req, allowed))
		return NULL;
	f_status = api_query(query, "status", status_s, sizeof(status_s), &bad);
	if (bad || (f_status && pace_status_parse(status_s, &want_status))) {
		api_reply_error(req, 422, "invalid_value", "status",
				"status must be one of done, overdue, "
				"not_started, behind, at_risk, on_track");
		return NULL;
	}
	f_tag = api_query(query, "tag", tag, sizeof(tag), &bad);
	if (bad) {
		api_reply_error(req, 422, "invalid_value", "tag",
				"tag is badly percent-encoded or too long");
		return NULL;
	}
	f_stale = api_query(query, "stale", stale_s, sizeof(stale_s), &bad);
	if (f_stale) {
		bad = bad || (strcmp(stale_s, "true") && strcmp(stale_s, "false"));
		want_stale = strcmp(stale_s, "true") == 0;
	}
	if (bad) {
		api_reply_error(req, 422, "invalid_value", "stale",
				"stale must be true or false");
		return NULL;
	}
	all = registry_sorted(app->reg, &n);
	arr = json_array();
	if (!all || !arr) {
		free(all);
		json_decref(arr);
		api_reply_failure(req, PACED_ENOMEM);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		struct project_view v;
		int rc;

		if (f_tag && !project_def_has_tag(all[i]->def, tag))
			continue;
		/* Status and staleness cost no database read; the forecast
		 * does, so only the projects that pass get one. */
		tracker_eval(app, all[i], now, &v);
		if ((f_status && v.eval.status != want_status) ||
		    (f_stale && v.stale != want_stale))
			continue;
		rc = tracker_view_listed(app, all[i], now, &v);
		if (rc < 0) {
			free(all);
			json_decref(arr);
			api_reply_failure(req, rc);
			return NULL;
		}
		json_array_append_new(arr, project_to_json(all[i], &v));
	}
	free(all);
	return arr;
}

/* Lists at least this long give their memory back to the system when
 * done (a list of 50 000 projects is some 70 MB of tree and text). */
#define LIST_TRIM_AT 1000

static void list(struct http_request *req, struct app *app)
{
	json_t *arr = api_projects_select(req, app, timefmt_now());
	size_t n = json_array_size(arr);

	if (!arr)
		return;
	api_reply_json(req, 200, json_pack("{s:o}", "projects", arr));
	/* glibc keeps what was freed in its heap, resident, unless asked. */
	if (n >= LIST_TRIM_AT)
		malloc_trim(0);
}

/* Answers a create/replace that did not work. */
static void reply_define_failure(struct http_request *req, int rc,
				 const char *id)
{
	if (rc == PACED_EEXIST)
		api_reply_error(req, 409, "conflict", "id",
				"a project with id %s already exists", id);
	else if (rc == PACED_EARCHIVED)
		api_reply_error(req, 409, "conflict", "id",
				"project %s is archived; PUT "
				"/v1/projects/%s restores it",
				id, id);
	else
		api_reply_failure(req, rc);
}

static void define(struct http_request *req, struct app *app,
		   const char *id)
{
	json_t *body = api_read_json(req), *out;
	struct project_def *def = NULL;
	struct field_error err;
	struct project *p, *live;
	char pid[72];
	bool created = true;
	paced_ms now = timefmt_now();
	int rc;

	if (!body)
		return;
	rc = project_def_parse(id, body, app->conf->at_risk, app->conf->behind,
			       &def, &err);
	json_decref(body);
	if (rc < 0) {
		if (rc == PACED_EINVAL)
			api_reply_field_error(req, &err);
		else
			api_reply_failure(req, rc);
		return;
	}
	live = registry_get(app->reg, def->id);
	if (live && live->declared) {
		api_reply_error(req, 409, "conflict", "id",
				"project %s is declared in the configuration "
				"file; change it there and reload",
				def->id);
		project_def_free(def);
		return;
	}
	snprintf(pid, sizeof(pid), "%s", def->id);
	if (id)
		rc = tracker_replace(app, def, false, now, &p, &created);
	else
		rc = tracker_create(app, def, false, now, &p);
	if (rc < 0) {
		reply_define_failure(req, rc, pid);
		return;
	}
	out = api_project_json(req, app, p, now);
	if (out)
		api_reply_json(req, created ? 201 : 200, out);
}

void api_projects(struct http_request *req, struct app *app, const char *id)
{
	const char *method = http_request_method(req);
	struct project *p;
	json_t *out;
	int rc;

	if (!id) {
		if (strcmp(method, "GET") == 0)
			list(req, app);
		else if (strcmp(method, "POST") == 0)
			define(req, app, NULL);
		else
			api_reply_error(req, 405, "method_not_allowed", NULL,
					"/v1/projects allows GET and POST");
		return;
	}
	if (strcmp(method, "PUT") == 0) {
		if (!project_id_valid(id)) {
			api_reply_error(req, 422, "invalid_value", "id",
					"id must match "
					"^[a-z0-9][a-z0-9._-]{0,63}$");
			return;
		}
		define(req, app, id);
		return;
	}
	if (strcmp(method, "GET") && strcmp(method, "DELETE")) {
		api_reply_error(req, 405, "method_not_allowed", NULL,
				"/v1/projects/{id} allows GET, PUT and DELETE");
		return;
	}
	p = registry_get(app->reg, id);
	if (!p) {
		api_reply_error(req, 404, "not_found", "id", "no project %s",
				id);
		return;
	}
	if (strcmp(method, "GET") == 0) {
		out = api_project_json(req, app, p, timefmt_now());
		if (out)
			api_reply_json(req, 200, out);
		return;
	}
	if (p->declared) {
		api_reply_error(req, 409, "conflict", "id",
				"project %s is declared in the configuration "
				"file; remove it there and reload",
				id);
		return;
	}
	rc = tracker_archive(app, id, timefmt_now());
	if (rc < 0) {
		api_reply_failure(req, rc);
		return;
	}
	http_respond(req, 204, NULL, "application/json", NULL, 0);
}
