/* api_projects.c - /v1/projects and /v1/projects/{id}. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "api_list.h"
#include "conf.h"
#include "jsonw.h"
#include "registry.h"
#include "timefmt.h"
#include "tracker.h"

static void list(struct http_request *req, struct app *app)
{
	paced_ms now = timefmt_now();
	struct api_list *l = api_list_select(req, app, now);

	if (l)
		api_list_reply(req, l, now, &api_list_json);
}

/* Answers with the project object evaluated at now. */
static void reply_project(struct http_request *req, struct app *app,
			  int status, const struct project *p, paced_ms now)
{
	struct jsonw w;

	jsonw_init(&w, 15);
	if (api_write_project(req, app, &w, p, now) < 0)
		jsonw_discard(&w);
	else
		api_reply_written(req, status, &w);
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
	json_t *body = api_read_json(req);
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
	reply_project(req, app, created ? 201 : 200, p, now);
}

void api_projects(struct http_request *req, struct app *app, const char *id)
{
	const char *method = http_request_method(req);
	struct project *p;
	int rc;

	if (!id) {
		if (api_method_reads(method))
			list(req, app);
		else if (strcmp(method, "POST") == 0 && api_no_query(req))
			define(req, app, NULL);
		else if (strcmp(method, "POST"))
			api_reply_405(req, "/v1/projects", "GET, HEAD, POST");
		return;
	}
	if (strcmp(method, "PUT") == 0) {
		if (!api_no_query(req))
			return;
		if (!project_id_valid(id)) {
			api_reply_error(req, 422, "invalid_value", "id",
					"id must match " PROJECT_ID_PATTERN);
			return;
		}
		define(req, app, id);
		return;
	}
	if (!api_method_reads(method) && strcmp(method, "DELETE")) {
		api_reply_405(req, "/v1/projects/{id}",
			      "GET, HEAD, PUT, DELETE");
		return;
	}
	if (!api_no_query(req))
		return;
	p = registry_get(app->reg, id);
	if (!p) {
		api_reply_error(req, 404, "not_found", "id", "no project %s",
				id);
		return;
	}
	if (api_method_reads(method)) {
		reply_project(req, app, 200, p, timefmt_now());
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
