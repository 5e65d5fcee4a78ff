/* api_silences.c - /v1/silences: hold alerts back for a while. */
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "jsonutil.h"
#include "registry.h"
#include "store.h"
#include "timefmt.h"

#define REASON_MAX_CHARS 200
#define TAG_MAX_CHARS 64

static json_t *silence_json(const struct store_silence *si)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", json_string(si->id));
	json_object_set_new(o, "project",
			    jsonutil_string_or_null(si->project_id));
	json_object_set_new(o, "tag", jsonutil_string_or_null(si->tag));
	json_object_set_new(o, "until", jsonutil_instant(si->until));
	json_object_set_new(o, "reason", jsonutil_string_or_null(si->reason));
	json_object_set_new(o, "created_at",
			    jsonutil_instant(si->created_at));
	return o;
}

/* Reads a silence from body into si (strings borrowed from body). */
static int decode(const json_t *body, paced_ms now, struct store_silence *si,
		  struct field_error *err)
{
	const char *key;
	const json_t *v;
	bool has_until = false;

	json_object_foreach((json_t *)body, key, v) {
		if (strcmp(key, "project") == 0) {
			if (!json_is_string(v) ||
			    !project_id_valid(json_string_value(v)))
				return field_error_set(err, "invalid_value",
						       "project",
						       "project must be a "
						       "project id");
			si->project_id = json_string_value(v);
		} else if (strcmp(key, "tag") == 0) {
			size_t n = json_is_string(v) ? jsonutil_utf8_len(
							       json_string_value(v))
						     : 0;

			if (n < 1 || n > TAG_MAX_CHARS)
				return field_error_set(err, "invalid_value",
						       "tag",
						       "tag must be a string of "
						       "1 to %d characters",
						       TAG_MAX_CHARS);
			si->tag = json_string_value(v);
		} else if (strcmp(key, "until") == 0) {
			if (!json_is_string(v) ||
			    timefmt_parse(json_string_value(v), true,
					  &si->until, NULL) < 0)
				return field_error_set(
					err, "invalid_value", "until",
					"until must be a date YYYY-MM-DD or an "
					"RFC 3339 instant");
			has_until = true;
		} else if (strcmp(key, "reason") == 0) {
			if (!json_is_string(v) ||
			    jsonutil_utf8_len(json_string_value(v)) >
				    REASON_MAX_CHARS)
				return field_error_set(
					err, "invalid_value", "reason",
					"reason must be a string of at most %d "
					"characters",
					REASON_MAX_CHARS);
			si->reason = json_string_value(v);
		} else {
			return field_error_set(err, "unknown_field", key,
					       "unknown field \"%s\"", key);
		}
	}
	if (!si->project_id && !si->tag)
		return field_error_set(err, "missing_field", "project",
				       "a silence covers a project or a tag: "
				       "give one of them");
	if (si->project_id && si->tag)
		return field_error_set(err, "invalid_value", "tag",
				       "give either project or tag, not both");
	if (!has_until)
		return field_error_set(err, "missing_field", "until",
				       "until is required");
	if (si->until <= now)
		return field_error_set(err, "invalid_value", "until",
				       "until must be in the future");
	return 0;
}

static void create(struct http_request *req, struct app *app)
{
	json_t *body = api_read_json(req);
	struct store_silence si = {0};
	struct field_error err;
	unsigned char rnd[8];
	char id[32];
	paced_ms now = timefmt_now();
	int rc;

	if (!body)
		return;
	if (decode(body, now, &si, &err) < 0) {
		api_reply_field_error(req, &err);
		json_decref(body);
		return;
	}
	/* A typo would silence nothing, and say nothing about it. */
	if (si.project_id && !registry_get(app->reg, si.project_id)) {
		api_reply_error(req, 404, "not_found", "project",
				"no project %s (to silence projects not yet "
				"created, silence one of their tags)",
				si.project_id);
		json_decref(body);
		return;
	}
	if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
		json_decref(body);
		api_reply_failure(req, PACED_EIO);
		return;
	}
	snprintf(id, sizeof(id), "sil_");
	for (size_t i = 0; i < sizeof(rnd); i++)
		snprintf(id + 4 + 2 * i, 3, "%02x", rnd[i]);
	si.id = id;
	si.created_at = now;
	rc = store_begin(app->store);
	if (rc == 0)
		rc = store_silence_insert(app->store, &si);
	rc = store_finish(app->store, rc);
	if (rc < 0)
		api_reply_failure(req, rc);
	else
		api_reply_json(req, 201,
			       json_pack("{s:o}", "silence", silence_json(&si)));
	json_decref(body);
}

static int add_silence(const struct store_silence *si, void *data)
{
	return json_array_append_new(data, silence_json(si)) ? PACED_ENOMEM
							      : 0;
}

static void list(struct http_request *req, struct app *app)
{
	json_t *arr = json_array();
	int rc = store_silences_active(app->store, timefmt_now(), add_silence,
				       arr);

	if (rc < 0) {
		json_decref(arr);
		api_reply_failure(req, rc);
		return;
	}
	api_reply_json(req, 200, json_pack("{s:o}", "silences", arr));
}

static void lift(struct http_request *req, struct app *app, const char *id)
{
	int rc = store_begin(app->store);

	if (rc == 0)
		rc = store_silence_delete(app->store, id, timefmt_now());
	rc = store_finish(app->store, rc);
	if (rc == PACED_ENOENT)
		api_reply_error(req, 404, "not_found", "id",
				"no silence %s in force", id);
	else if (rc < 0)
		api_reply_failure(req, rc);
	else
		http_respond(req, 204, NULL, "application/json", NULL, 0);
}

void api_silences(struct http_request *req, struct app *app, const char *id)
{
	const char *method = http_request_method(req);

	if (id ? strcmp(method, "DELETE") != 0
	       : strcmp(method, "POST") != 0 && !api_method_reads(method))
		api_reply_405(req, id ? "/v1/silences/{id}" : "/v1/silences",
			      id ? "DELETE" : "GET, HEAD, POST");
	else if (!api_no_query(req))
		return;
	else if (id)
		lift(req, app, id);
	else if (strcmp(method, "POST") == 0)
		create(req, app);
	else
		list(req, app);
}
