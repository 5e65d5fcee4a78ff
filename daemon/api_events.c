/* api_events.c - GET /v1/events: the event log with delivery states. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "alert.h"
#include "conf.h"
#include "jsonutil.h"
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
	json_t *o = alert_event_json(e, c->app->conf->language,
				     c->app->conf->public_url);
	json_t *deliveries = json_array();
	int rc;

	if (!o || !deliveries) {
		json_decref(o);
		json_decref(deliveries);
		return PACED_ENOMEM;
	}
	rc = store_deliveries_of_event(c->app->store, e->seq, add_delivery,
				       deliveries);
	json_object_set_new(o, "deliveries", deliveries);
	json_array_append_new(c->events, o);
	return rc;
}

/* Whether name ("behind" or "project.behind") is an event type; if not,
 * the types are listed in names. */
static bool known_type(const char *name, char *names, size_t len)
{
	const char *bare = strncmp(name, "project.", 8) ? name : name + 8;
	size_t used = 0;

	for (size_t i = 0; conf_event_names[i]; i++) {
		if (strcmp(bare, conf_event_names[i]) == 0)
			return true;
		used += (size_t)snprintf(names + used, len - used, "%s%s",
					 i ? ", " : "", conf_event_names[i]);
		if (used >= len)
			used = len - 1;
	}
	return false;
}

void api_events(struct http_request *req, struct app *app)
{
	static const char *const allowed[] = {"project", "type", "limit",
					      NULL};
	const char *query = http_request_query(req);
	char project[128], type_buf[64], type[80], names[160];
	bool has_project, has_type, bad;
	long limit;
	struct collect c = {app, NULL};
	int rc;

	if (!api_method_reads(http_request_method(req))) {
		api_reply_405(req, "/v1/events", "GET, HEAD");
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
	/* "behind" and "project.behind" both name the event type; a type
	 * no event has is a typo, not an empty list. */
	if (has_type && !known_type(type_buf, names, sizeof(names))) {
		api_reply_error(req, 422, "invalid_value", "type",
				"no event type %s (one of %s, with or without "
				"\"project.\")",
				type_buf, names);
		return;
	}
	if (has_type)
		snprintf(type, sizeof(type), "%s%s",
			 strncmp(type_buf, "project.", 8) ? "project." : "",
			 type_buf);
	if (!api_query_limit(req, LIST_DEFAULT, LIST_MAX, &limit))
		return;
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
