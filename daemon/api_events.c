/* api_events.c - GET /v1/events: the event log with delivery states. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "conf.h"
#include "jsonutil.h"
#include "message.h"
#include "store.h"

#define LIST_DEFAULT 100
#define LIST_MAX 1000

struct collect {
	struct app *app;
	json_t *events;
};

static int add_delivery(const struct store_delivery *d, void *data)
{
	json_t *o = json_object();

	json_object_set_new(o, "channel", json_string(d->channel));
	json_object_set_new(o, "state", json_string(d->state));
	json_object_set_new(o, "attempts", json_integer(d->attempts));
	json_object_set_new(o, "last_error",
			    jsonutil_string_or_null(d->last_error));
	json_object_set_new(o, "sent_at", d->has_sent_at
						  ? jsonutil_instant(d->sent_at)
						  : json_null());
	if (strcmp(d->state, "pending") == 0)
		json_object_set_new(o, "next_attempt_at",
				    jsonutil_instant(d->next_at));
	return json_array_append_new(data, o) ? PACED_ENOMEM : 0;
}

static int add_event(const struct store_event *e, void *data)
{
	struct collect *c = data;
	json_t *o = json_object(), *deliveries = json_array(), *project;
	char *text;
	int rc;

	json_object_set_new(o, "id", json_string(e->id));
	json_object_set_new(o, "type", json_string(e->type));
	json_object_set_new(o, "at", jsonutil_instant(e->at));
	json_object_set_new(o, "previous_status",
			    jsonutil_string_or_null(e->previous_status));
	json_object_set_new(o, "status", json_string(e->status));
	project = json_loads(e->project, 0, NULL);
	text = project ? message_text(e->type, project,
				      message_lang_parse(c->app->conf->language),
				      c->app->conf->public_url)
		       : NULL;
	json_object_set_new(o, "project", project ? project : json_null());
	json_object_set_new(o, "text", jsonutil_string_or_null(text));
	free(text);
	rc = store_deliveries_of_event(c->app->store, e->seq, add_delivery,
				       deliveries);
	json_object_set_new(o, "deliveries", deliveries);
	json_array_append_new(c->events, o);
	return rc;
}

void api_events(struct http_request *req, struct app *app)
{
	static const char *const allowed[] = {"project", "type", "limit",
					      NULL};
	const char *query = http_request_query(req);
	char project[128], type_buf[64], type[80], limit_s[32], *end;
	bool has_project, has_type, bad;
	long limit = LIST_DEFAULT;
	struct collect c = {app, NULL};
	int rc;

	if (strcmp(http_request_method(req), "GET")) {
		api_reply_error(req, 405, "method_not_allowed", NULL,
				"/v1/events allows GET");
		return;
	}
	if (!api_query_only(req, allowed))
		return;
	has_project = api_query(query, "project", project, sizeof(project),
				&bad);
	if (bad) {
		api_reply_error(req, 422, "invalid_value", "project",
				"project is badly encoded or too long");
		return;
	}
	has_type = api_query(query, "type", type_buf, sizeof(type_buf), &bad);
	if (bad) {
		api_reply_error(req, 422, "invalid_value", "type",
				"type is badly encoded or too long");
		return;
	}
	/* "behind" and "project.behind" both name the event type. */
	if (has_type)
		snprintf(type, sizeof(type), "%s%s",
			 strncmp(type_buf, "project.", 8) ? "project." : "",
			 type_buf);
	if (api_query(query, "limit", limit_s, sizeof(limit_s), &bad) || bad) {
		limit = bad ? 0 : strtol(limit_s, &end, 10);
		if (bad || *end || end == limit_s || limit < 1 ||
		    limit > LIST_MAX) {
			api_reply_error(req, 422, "invalid_value", "limit",
					"limit must be a whole number from 1 "
					"to %d",
					LIST_MAX);
			return;
		}
	}
	c.events = json_array();
	rc = store_events_list(app->store, has_project ? project : NULL,
			       has_type ? type : NULL, (int)limit, add_event,
			       &c);
	if (rc < 0) {
		json_decref(c.events);
		api_reply_failure(req, rc);
		return;
	}
	api_reply_json(req, 200, json_pack("{s:o}", "events", c.events));
}
