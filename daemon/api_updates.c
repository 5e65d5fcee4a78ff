/* api_updates.c - posting and listing progress updates. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "conf.h"
#include "jsonutil.h"
#include "jsonw.h"
#include "registry.h"
#include "store.h"
#include "timefmt.h"
#include "tracker.h"

#define NOTE_MAX_CHARS 1000
#define CLIENT_ID_MAX_CHARS 64
#define LIST_DEFAULT 100
#define LIST_MAX 1000

int api_update_decode(const json_t *obj, bool with_project,
		      struct tracker_update *u)
{
	const char *key;
	const json_t *v;

	if (!json_is_object(obj))
		return field_error_set(&u->err, "invalid_value", NULL,
				       "each update must be a JSON object");
	json_object_foreach((json_t *)obj, key, v) {
		if (strcmp(key, "value") == 0 || strcmp(key, "delta") == 0) {
			bool is_value = key[0] == 'v';

			if (!json_is_number(v))
				return field_error_set(&u->err,
						       "invalid_value", key,
						       "%s must be a number",
						       key);
			if (is_value) {
				u->has_value = true;
				u->value = json_number_value(v);
			} else {
				u->has_delta = true;
				u->delta = json_number_value(v);
			}
		} else if (strcmp(key, "at") == 0) {
			if (!json_is_string(v) ||
			    timefmt_parse(json_string_value(v), false, &u->at,
					  NULL) < 0)
				return field_error_set(
					&u->err, "invalid_value", "at",
					"at must be a date YYYY-MM-DD or an "
					"RFC 3339 instant");
			u->has_at = true;
		} else if (strcmp(key, "note") == 0) {
			if (!json_is_string(v) ||
			    jsonutil_utf8_len(json_string_value(v)) >
				    NOTE_MAX_CHARS)
				return field_error_set(
					&u->err, "invalid_value", "note",
					"note must be a string of at most %d "
					"characters",
					NOTE_MAX_CHARS);
			u->note = json_string_value(v);
		} else if (strcmp(key, "id") == 0) {
			size_t n = json_is_string(v) ? jsonutil_utf8_len(
							       json_string_value(v))
						     : 0;

			if (n < 1 || n > CLIENT_ID_MAX_CHARS)
				return field_error_set(
					&u->err, "invalid_value", "id",
					"id must be a string of 1 to %d "
					"characters",
					CLIENT_ID_MAX_CHARS);
			u->client_id = json_string_value(v);
		} else if (with_project && strcmp(key, "project") == 0) {
			if (!json_is_string(v))
				return field_error_set(&u->err,
						       "invalid_value",
						       "project",
						       "project must be a "
						       "project id string");
			u->project_id = json_string_value(v);
		} else {
			return field_error_set(&u->err, "unknown_field", key,
					       "unknown field \"%s\"", key);
		}
	}
	if (with_project && !u->project_id)
		return field_error_set(&u->err, "missing_field", "project",
				       "project is required");
	if (u->has_value && u->has_delta)
		return field_error_set(&u->err, "invalid_value", "delta",
				       "give either value or delta, not both");
	if (!u->has_value && !u->has_delta)
		return field_error_set(&u->err, "missing_field", "value",
				       "value (absolute) or delta (relative) "
				       "is required");
	return 0;
}

static void write_update(struct jsonw *w, const char *project_id,
			 const struct tracker_stored *s)
{
	jsonw_object_open(w);
	jsonw_key_lit(w, "seq");
	jsonw_integer(w, s->seq);
	jsonw_key_lit(w, "project");
	jsonw_string(w, project_id);
	jsonw_key_lit(w, "id");
	jsonw_string(w, s->client_id);
	jsonw_key_lit(w, "at");
	jsonw_instant(w, s->at);
	jsonw_key_lit(w, "value");
	jsonw_number(w, s->value);
	jsonw_key_lit(w, "delta");
	if (s->has_delta)
		jsonw_number(w, s->delta);
	else
		jsonw_null(w);
	jsonw_key_lit(w, "note");
	jsonw_string(w, s->note);
	jsonw_key_lit(w, "received_at");
	jsonw_instant(w, s->received_at);
	jsonw_key_lit(w, "token");
	jsonw_string(w, s->token);
	jsonw_object_close(w);
}

static void post_one(struct http_request *req, struct app *app,
		     const char *id, const struct conf_token *tok)
{
	json_t *body;
	struct jsonw w;
	struct tracker_update u = {.project_id = id,
				   .token = tok ? tok->name : NULL};
	paced_ms now = timefmt_now();
	int rc;

	if (!registry_get(app->reg, id)) {
		api_reply_error(req, 404, "not_found", "project",
				"no project %s", id);
		return;
	}
	body = api_read_json(req);
	if (!body)
		return;
	if (api_update_decode(body, false, &u) < 0) {
		api_reply_field_error(req, &u.err);
		json_decref(body);
		return;
	}
	rc = tracker_post_updates(app, &u, 1, now);
	if (rc == PACED_EINVAL) {
		api_reply_field_error(req, &u.err);
	} else if (rc < 0) {
		api_reply_failure(req, rc);
	} else {
		jsonw_init(&w, 15);
		jsonw_object_open(&w);
		jsonw_key_lit(&w, "update");
		write_update(&w, id, &u.stored);
		jsonw_key_lit(&w, "project");
		if (api_write_project(req, app, &w,
				      registry_get(app->reg, id), now) < 0) {
			jsonw_discard(&w);
		} else {
			jsonw_object_close(&w);
			api_reply_durable(req, app, u.duplicate ? 200 : 201,
					  &w);
		}
	}
	tracker_updates_clear(&u, 1);
	json_decref(body);
}

static int append_update(const struct store_update *s, void *data)
{
	struct tracker_stored st = {
		.seq = s->seq,
		.at = s->at,
		.received_at = s->received_at,
		.value = s->value,
		.has_delta = s->has_delta,
		.delta = s->delta,
		.note = (char *)s->note,
		.client_id = (char *)s->client_id,
		.token = (char *)s->token,
	};

	struct jsonw *w = data;

	write_update(w, s->project_id, &st);
	return w->failed ? PACED_ENOMEM : 0;
}

static void list(struct http_request *req, struct app *app, const char *id)
{
	static const char *const allowed[] = {"limit", "before", NULL};
	const char *query = http_request_query(req);
	char buf[64];
	long limit;
	paced_ms before = PACED_NEVER;
	bool bad;
	struct jsonw w;
	int rc;

	if (!api_query_only(req, allowed))
		return;
	if (!registry_get(app->reg, id)) {
		api_reply_error(req, 404, "not_found", "project",
				"no project %s", id);
		return;
	}
	if (!api_query_limit(req, LIST_DEFAULT, LIST_MAX, &limit))
		return;
	if (api_query(query, "before", buf, sizeof(buf), &bad) || bad) {
		if (bad || timefmt_parse(buf, false, &before, NULL) < 0) {
			api_reply_error(req, 422, "invalid_value", "before",
					"before must be a date or an RFC 3339 "
					"instant");
			return;
		}
	}
	jsonw_init(&w, 15);
	jsonw_object_open(&w);
	jsonw_key_lit(&w, "updates");
	jsonw_array_open(&w);
	rc = store_updates_list(app->store, id, before, (int)limit,
				append_update, &w);
	if (rc < 0) {
		jsonw_discard(&w);
		api_reply_failure(req, rc);
		return;
	}
	jsonw_array_close(&w);
	jsonw_object_close(&w);
	api_reply_written(req, 200, &w);
}

void api_project_updates(struct http_request *req, struct app *app,
			 const char *id, const struct conf_token *tok)
{
	const char *method = http_request_method(req);

	if (strcmp(method, "POST") == 0) {
		if (api_no_query(req))
			post_one(req, app, id, tok);
	} else if (api_method_reads(method)) {
		list(req, app, id);
	} else {
		api_reply_405(req, "/v1/projects/{id}/updates",
			      "GET, HEAD, POST");
	}
}

/* 422 listing every invalid item by index. */
static void reply_items(struct http_request *req,
			const struct tracker_update *u, size_t n)
{
	json_t *items = json_array(), *err, *outer;
	const struct tracker_update *first = NULL;
	size_t first_i = 0;
	char field[sizeof(u->err.field) + 40]; /* "updates[N]." and it */

	for (size_t i = 0; i < n; i++) {
		if (!u[i].err.code[0])
			continue;
		if (!first) {
			first = &u[i];
			first_i = i;
		}
		json_array_append_new(
			items, json_pack("{s:I,s:s,s:s,s:s}", "index",
					 (json_int_t)i, "field",
					 u[i].err.field, "code", u[i].err.code,
					 "message", u[i].err.message));
	}
	if (first->err.field[0])
		snprintf(field, sizeof(field), "updates[%zu].%s", first_i,
			 first->err.field);
	else
		snprintf(field, sizeof(field), "updates[%zu]", first_i);
	err = json_pack("{s:s,s:s,s:s,s:o}", "code", first->err.code,
			"message", "invalid updates; nothing was stored",
			"field", field, "items", items);
	outer = json_pack("{s:o}", "error", err);
	api_reply_json(req, 422, outer);
}

void api_reply_batch(struct http_request *req, struct app *app,
		     const struct tracker_update *u, size_t n, paced_ms now)
{
	json_t *seen = json_object();
	struct jsonw w;
	bool stored_any = false;

	jsonw_init(&w, 15);
	jsonw_object_open(&w);
	jsonw_key_lit(&w, "updates");
	jsonw_array_open(&w);
	for (size_t i = 0; i < n; i++) {
		stored_any = stored_any || !u[i].duplicate;
		write_update(&w, u[i].project_id, &u[i].stored);
	}
	jsonw_array_close(&w);
	/* Each project once, in the order of its first update. */
	jsonw_key_lit(&w, "projects");
	jsonw_array_open(&w);
	for (size_t i = 0; i < n; i++) {
		const struct project *p;

		if (json_object_get(seen, u[i].project_id))
			continue;
		if (json_object_set_new(seen, u[i].project_id, json_true()))
			w.failed = true;
		p = registry_get(app->reg, u[i].project_id);
		if (p && api_write_project(req, app, &w, p, now) < 0) {
			json_decref(seen);
			jsonw_discard(&w);
			return; /* answered */
		}
	}
	json_decref(seen);
	jsonw_array_close(&w);
	jsonw_object_close(&w);
	api_reply_durable(req, app, stored_any ? 201 : 200, &w);
}

bool api_batch_forbidden(struct http_request *req,
			 const struct conf_token *tok,
			 const struct tracker_update *u, const size_t *lines,
			 size_t n)
{
	const char **ids;
	bool answered;

	if (!tok)
		return false;
	ids = calloc(n, sizeof(*ids));
	if (!ids) {
		api_reply_failure(req, PACED_ENOMEM);
		return true;
	}
	for (size_t i = 0; i < n; i++)
		ids[i] = u[i].project_id;
	answered = api_forbidden_items(req, tok, ids, lines, n);
	free(ids);
	return answered;
}

void api_batch_updates(struct http_request *req, struct app *app,
		       const struct conf_token *tok)
{
	json_t *body, *items;
	struct tracker_update *u = NULL;
	const char *key;
	json_t *v;
	size_t n = 0;
	paced_ms now = timefmt_now();
	int rc;

	if (strcmp(http_request_method(req), "POST")) {
		api_reply_405(req, "/v1/updates", "POST");
		return;
	}
	if (!api_no_query(req))
		return;
	body = api_read_json(req);
	if (!body)
		return;
	json_object_foreach(body, key, v) {
		if (strcmp(key, "updates")) {
			api_reply_error(req, 422, "unknown_field", key,
					"unknown field \"%s\"", key);
			goto out;
		}
	}
	items = json_object_get(body, "updates");
	if (!json_is_array(items) || json_array_size(items) == 0 ||
	    json_array_size(items) > API_BATCH_MAX) {
		api_reply_error(req, 422,
				items ? "invalid_value" : "missing_field",
				"updates",
				"updates must be an array of 1 to %d updates",
				API_BATCH_MAX);
		goto out;
	}
	n = json_array_size(items);
	u = calloc(n, sizeof(*u));
	if (!u) {
		api_reply_failure(req, PACED_ENOMEM);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		u[i].token = tok ? tok->name : NULL;
		api_update_decode(json_array_get(items, i), true, &u[i]);
	}
	/* Before validation: a reporter learns nothing of projects
	 * outside its globs. */
	if (api_batch_forbidden(req, tok, u, NULL, n))
		goto out;
	rc = tracker_post_updates(app, u, n, now);
	if (rc == PACED_EINVAL)
		reply_items(req, u, n);
	else if (rc < 0)
		api_reply_failure(req, rc);
	else
		api_reply_batch(req, app, u, n, now);
out:
	if (u)
		tracker_updates_clear(u, n);
	free(u);
	json_decref(body);
}
