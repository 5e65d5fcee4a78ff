/* cmd_events.c - pacectl events: what paced told whom, newest first. */
#include <stdio.h>
#include <string.h>

#include "answer.h"
#include "args.h"
#include "ctl.h"
#include "fmt.h"
#include "msg.h"
#include "request.h"
#include "table.h"
#include "view.h"

static const char usage[] =
    "usage: pacectl events [--project ID] [--type TYPE] [--limit N]\n"
    "\n"
    "The events paced recorded (status changes, stale, reminders), newest\n"
    "first, with where each was delivered: channel:state, the attempts\n"
    "when more than one. \"silenced\" marks events inside a silence.\n"
    "  --project ID  only this project's events\n"
    "  --type TYPE   only this type: behind, at_risk, overdue, done,\n"
    "                recovered, stale, resumed, reminder\n"
    "  --limit N     at most N events (paced's default 100, max 1000)\n"
    "With --plain: id, at, type, project, previous_status, status,\n"
    "silenced, deliveries (channel:state, comma separated).\n"
    "\n";

static const struct table_col cols[] = {
    {"AT", false, 0, false, NULL},
    {"EVENT", false, 0, false, NULL},
    {"PROJECT", false, 32, false, NULL},
    {"TITLE", false, 24, true, NULL},
    {"STATUS", false, 0, false, fmt_status_color},
    {"DELIVERIES", false, 0, false, NULL},
};

static const struct table_col plain_cols[] = {
    {"id", false, 0, false, NULL},
    {"at", false, 0, false, NULL},
    {"type", false, 0, false, NULL},
    {"project", false, 0, false, NULL},
    {"previous_status", false, 0, false, NULL},
    {"status", false, 0, false, NULL},
    {"silenced", false, 0, false, NULL},
    {"deliveries", false, 0, false, NULL},
};

/* "ops:sent, dingtalk:pending(3)" into buf. */
static void deliveries(const json_t *e, char *buf, size_t n)
{
	const json_t *ds = json_object_get(e, "deliveries");
	size_t i, len = 0;
	int w;

	buf[0] = '\0';
	for (i = 0; i < json_array_size(ds); i++) {
		const json_t *d = json_array_get(ds, i);
		json_int_t tries =
		    json_integer_value(json_object_get(d, "attempts"));

		if (tries > 1)
			w = snprintf(buf + len, n - len, "%s%s:%s(%lld)",
				     i ? ", " : "", view_str(d, "channel"),
				     view_str(d, "state"), (long long)tries);
		else
			w = snprintf(buf + len, n - len, "%s%s:%s",
				     i ? ", " : "", view_str(d, "channel"),
				     view_str(d, "state"));
		if (w < 0 || (size_t)w >= n - len)
			break; /* cut: a row is not the place for hundreds */
		len += (size_t)w;
	}
}

/* "project.behind" as "behind". */
static const char *short_type(const char *type)
{
	if (type && strncmp(type, "project.", 8) == 0)
		return type + 8;
	return type;
}

static int add_row(const struct ctl *ctl, struct table *t, const json_t *e)
{
	const json_t *p = json_object_get(e, "project");
	bool silenced = json_is_true(json_object_get(e, "silenced"));
	char at[FMT_MAX], status[100], sent[1024];
	const char *prev = view_str(e, "previous_status");
	const char *now = view_str(e, "status");

	deliveries(e, sent, sizeof(sent));
	if (ctl->format == CTL_FORMAT_PLAIN) {
		const char *row[] = {view_str(e, "id"),
				     view_str(e, "at"),
				     view_str(e, "type"),
				     view_str(p, "id"),
				     prev,
				     now,
				     silenced ? "silenced" : "-",
				     sent};
		return table_add(t, row);
	}
	fmt_instant(at, sizeof(at), view_str(e, "at"));
	snprintf(status, sizeof(status), "%s%s%s", now ? now : "-",
		 prev && now && strcmp(prev, now) ? " (was " : "",
		 prev && now && strcmp(prev, now) ? prev : "");
	if (prev && now && strcmp(prev, now))
		strncat(status, ")", sizeof(status) - strlen(status) - 1);
	if (silenced)
		snprintf(sent, sizeof(sent), "silenced");
	const char *row[] = {at,
			     short_type(view_str(e, "type")),
			     view_str(p, "id"),
			     view_str(p, "title"),
			     status,
			     sent[0] ? sent : "-"};
	return table_add(t, row);
}

static void show_events(const struct ctl *ctl, const struct reply *r,
			void *data)
{
	bool plain = ctl->format == CTL_FORMAT_PLAIN;
	const json_t *events = json_object_get(r->json, "events");
	struct table t;

	(void)data;
	table_init(&t, plain ? plain_cols : cols,
		   plain ? (int)PACECTL_LEN(plain_cols)
			 : (int)PACECTL_LEN(cols));
	for (size_t i = 0; i < json_array_size(events); i++)
		if (add_row(ctl, &t, json_array_get(events, i)))
			break;
	if (t.nrows || plain)
		table_print(&t, ctl, stdout);
	else
		puts("no events");
	table_free(&t);
}

int cmd_events(struct ctl *ctl, int argc, char **argv)
{
	const char *project = NULL, *type = NULL, *limit = NULL;
	const struct args_opt opts[] = {
	    {"project", 0, &project, NULL},
	    {"type", 0, &type, NULL},
	    {"limit", 0, &limit, NULL},
	    {NULL, 0, NULL, NULL},
	};
	struct args a = {.usage = usage, .opts = opts};
	char path[1024];
	struct reply r;
	int rc;

	if ((rc = args_parse(ctl, &a, argc, argv)))
		return args_exit(rc);
	snprintf(path, sizeof(path), "/v1/events");
	if (request_add_query(path, sizeof(path), "project", project) ||
	    request_add_query(path, sizeof(path), "type", type) ||
	    request_add_query(path, sizeof(path), "limit", limit)) {
		msg_error("events: an option is too long");
		return CTL_USAGE;
	}
	rc = request_json(ctl, "GET", path, NULL, &r);
	return answer_finish(ctl, rc, &r, NULL, show_events, NULL);
}
