/*
 * api_auth.c - the door of every route but the health checks: who the
 * request comes from (401 otherwise) and whether its role allows what the
 * method and path ask (403 otherwise). Reporters' project globs are
 * checked here for a single update; a batch names its projects in the
 * body, so api_updates.c checks those with api_forbidden_items().
 */
#include <stdio.h>
#include <string.h>

#include "api_internal.h"
#include "auth.h"
#include "token_rate.h"

#define PROJECTS_PREFIX "/v1/projects/"
#define UPDATES_SUFFIX "/updates"

/* The decoded {id} of "/v1/projects/{id}/updates" into buf, or false. */
static bool updates_path(const char *path, char *buf, size_t len)
{
	size_t pre = strlen(PROJECTS_PREFIX);
	const char *seg = path + pre;
	const char *slash;

	if (strncmp(path, PROJECTS_PREFIX, pre) != 0)
		return false;
	slash = strchr(seg, '/');
	if (!slash || slash == seg || strcmp(slash, UPDATES_SUFFIX) != 0)
		return false;
	return api_path_decode(seg, (size_t)(slash - seg), buf, len);
}

static const char *role_name(const struct conf_token *t)
{
	return t->role ? t->role : "reader";
}

/* "parking-*, beds" for messages. */
static void globs_text(const struct conf_token *t, char *buf, size_t len)
{
	size_t k = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < t->n_projects && k < len; i++) {
		int n = snprintf(buf + k, len - k, "%s%s", i ? ", " : "",
				 t->projects[i]);

		if (n < 0)
			break;
		k += (size_t)n;
	}
}

static void reply_unauthorized(struct http_request *req, bool had_header)
{
	api_reply_error_headers(req, 401, "WWW-Authenticate: Bearer\r\n",
				"unauthorized", NULL,
				had_header ? "the bearer token is not one "
					     "paced knows"
					   : "this API needs an "
					     "Authorization: Bearer token");
}

bool api_within_rate(struct http_request *req, struct app *app,
		     const struct conf_token *tok)
{
	int64_t retry_us = 0;
	long long secs;
	char header[64];

	if (!app->token_rates)
		app->token_rates = token_rates_new();
	if (app->token_rates &&
	    token_rates_take(app->token_rates, app->conf, tok,
			     (int64_t)(uv_hrtime() / 1000), &retry_us))
		return true;
	if (!app->token_rates || retry_us == 0) {
		api_reply_failure(req, PACED_ENOMEM);
		return false;
	}
	/* Whole seconds, rounded up: an earlier retry would be refused. */
	secs = (long long)((retry_us + 999999) / 1000000);
	snprintf(header, sizeof(header), "Retry-After: %lld\r\n", secs);
	api_reply_error_headers(req, 429, header, "rate_limited", NULL,
				"token %s is over its rate of %d requests per "
				"%lld s; retry in %lld s",
				tok->name, tok->rate_n,
				(long long)(tok->rate_period_ms / 1000), secs);
	return false;
}

bool api_authorize(struct http_request *req, struct app *app,
		   const struct conf_token **tok)
{
	const char *method = http_request_method(req);
	const char *path = http_request_path(req);
	const char *header = http_request_header(req, "Authorization");
	enum auth_action action = AUTH_MANAGE;
	enum auth_verdict v;
	char id[256], globs[256];
	const char *project = NULL;

	if (auth_identify(app->conf, header, tok) != AUTH_OK) {
		reply_unauthorized(req, header != NULL);
		return false;
	}
	if (!*tok)
		return true; /* no [token.*]: the open API */
	if (!api_within_rate(req, app, *tok))
		return false;
	if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0) {
		action = AUTH_READ;
	} else if (strcmp(method, "POST") == 0 &&
		   strcmp(path, "/v1/updates") == 0) {
		/* Each item's project is checked with the body. */
		if (auth_role_of(*tok) >= AUTH_REPORTER)
			return true;
		action = AUTH_REPORT;
	} else if (strcmp(method, "POST") == 0 &&
		   updates_path(path, id, sizeof(id))) {
		action = AUTH_REPORT;
		project = id;
	}
	v = auth_allow(*tok, action, project);
	if (v == AUTH_FORBIDDEN_PROJECT) {
		globs_text(*tok, globs, sizeof(globs));
		api_reply_error(req, 403, "forbidden", "project",
				"token %s may not post updates to project %s "
				"(its projects: %s)",
				(*tok)->name, project, globs);
		return false;
	}
	if (v != AUTH_OK) {
		api_reply_error(req, 403, "forbidden", NULL,
				"token %s (role %s) may not %s %s%s",
				(*tok)->name, role_name(*tok), method, path,
				action == AUTH_REPORT
					? ": posting updates needs the role "
					  "reporter or admin"
					: ": this needs the role admin");
		return false;
	}
	return true;
}

/* Where item i of a batch is, for a 403: "updates[2].project", or "line
 * 7, column project" for a CSV upload (lines[i] given). */
static void item_field(char *buf, size_t len, const size_t *lines, size_t i)
{
	if (lines)
		snprintf(buf, len, "line %zu, column project", lines[i]);
	else
		snprintf(buf, len, "updates[%zu].project", i);
}

bool api_forbidden_items(struct http_request *req,
			 const struct conf_token *tok, const char *const *ids,
			 const size_t *lines, size_t n)
{
	json_t *items = NULL, *item;
	size_t first = 0, count = 0;
	char globs[256], field[64], msg[512];

	for (size_t i = 0; i < n; i++) {
		if (!ids[i] || auth_allow(tok, AUTH_REPORT, ids[i]) == AUTH_OK)
			continue;
		if (!items)
			items = json_array();
		if (!count++)
			first = i;
		/* Each item says what a 422's item says: its code and why,
		 * so that a client (pacectl) reads both kinds alike. */
		snprintf(msg, sizeof(msg), "token %s may not post updates to "
			 "project %s", tok->name, ids[i]);
		if (lines) {
			item_field(field, sizeof(field), lines, i);
			item = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s}", "line",
					 (json_int_t)lines[i], "column",
					 "project", "field", field, "project",
					 ids[i], "code", "forbidden", "message",
					 msg);
		} else {
			item_field(field, sizeof(field), lines, i);
			item = json_pack("{s:I,s:s,s:s,s:s,s:s}", "index",
					 (json_int_t)i, "project", ids[i],
					 "field", field, "code", "forbidden",
					 "message", msg);
		}
		json_array_append_new(items, item);
	}
	if (!count)
		return false;
	globs_text(tok, globs, sizeof(globs));
	item_field(field, sizeof(field), lines, first);
	snprintf(msg, sizeof(msg),
		 "token %s may not post updates to project %s%s (its "
		 "projects: %s); nothing was stored",
		 tok->name, ids[first],
		 count > 1 ? " and others listed in items" : "", globs);
	api_reply_json(req, 403,
		       json_pack("{s:{s:s,s:s,s:s,s:o}}", "error", "code",
				 "forbidden", "message", msg, "field", field,
				 "items", items));
	return true;
}
