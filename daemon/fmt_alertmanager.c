/*
 * fmt_alertmanager.c - the alertmanager channel: events become alerts
 * POSTed to Prometheus Alertmanager's API v2, {url}/api/v2/alerts, as a
 * JSON array of
 *   {"labels": {"alertname", "project", "status"},
 *    "annotations": {"summary", "description"},
 *    "startsAt", "endsAt", "generatorURL"}
 * (https://prometheus.io/docs/alerting/latest/clients/). Alertmanager
 * identifies an alert by its labels, so the design is:
 *
 *  - One alert per project and bad state: alertname "PacedProject",
 *    project the project id, status one of at_risk, behind, overdue or
 *    stale (stale is a flag beside the status, so a project can have its
 *    "behind" and its "stale" alert at once).
 *  - Each event restates the project's bad states as firing alerts: its
 *    status when at_risk/behind/overdue, and "stale" while the project is
 *    stale (a project.stale event always, project.resumed never). Firing
 *    alerts carry startsAt = the event's instant and endsAt = now + 25 h.
 *    Alertmanager resolves an alert whose endsAt has passed; paced repeats
 *    bad news at least daily (project.reminder, repeat_every = 24h by
 *    default, counted from the project's last event of any kind - hence
 *    every event restates, recoveries included), so a state that lasts
 *    stays firing, and one paced stops telling about (repeat_every = 0 or
 *    more than a day) ends by itself a day later rather than never.
 *  - An event leaving a bad status (previous_status bad and not the new
 *    status: recovered, done, behind -> at_risk, ...) also sends that old
 *    alert resolved, endsAt = the event's instant; project.resumed sends
 *    the "stale" alert resolved. Resolved ones come first, so a summary
 *    replays the transitions in order.
 *  - Annotations are the event's note: summary its title, description its
 *    whole text; generatorURL its link when public_url is set.
 *  - A summary (several events under a rate limit) is the alerts of every
 *    event in order in one array; Alertmanager applies them in that
 *    order. There is no digest: Alertmanager holds states, not reports.
 *
 * Answers (api/v2/openapi.yaml): 200 taken; 400 the alerts are invalid
 * (dead); 5xx retry.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chan.h"
#include "fmt_text.h"
#include "jsonutil.h"
#include "paced.h"

#define AM_ALERTNAME "PacedProject"
#define AM_PATH "/api/v2/alerts"
/* A day and an hour: longer than the daily reminder, with slack for
 * delivery retries and clock drift. */
#define AM_FIRING_MS (25LL * 60 * 60 * 1000)

static bool am_bad_status(const char *s)
{
	return s && (strcmp(s, "at_risk") == 0 || strcmp(s, "behind") == 0 ||
		     strcmp(s, "overdue") == 0);
}

static bool am_is(const struct store_event *e, const char *type)
{
	const char *t = e->type;

	if (strncmp(t, "project.", 8) == 0)
		t += 8;
	return strcmp(t, type) == 0;
}

/* One alert for ev in state `status`: firing until `ends`, or resolved at
 * the event's instant. */
static int am_alert(json_t *list, const struct chan_event *ev,
		    const char *status, bool firing, paced_ms now)
{
	const struct store_event *e = ev->e;
	const struct note *n = ev->note;
	const char *project = e->project_id;
	json_t *a;

	if (!project)
		project = json_string_value(json_object_get(ev->project, "id"));
	a = json_pack("{s:{s:s,s:s,s:s},s:{s:s,s:s}}", "labels", "alertname",
		      AM_ALERTNAME, "project", project ? project : "",
		      "status", status, "annotations", "summary",
		      n && n->title ? n->title : "", "description",
		      n && n->text ? n->text : "");
	if (!a)
		return PACED_ENOMEM;
	if (firing) {
		json_object_set_new(a, "startsAt", jsonutil_instant(e->at));
		json_object_set_new(a, "endsAt",
				    jsonutil_instant(now + AM_FIRING_MS));
	} else {
		/* No startsAt: Alertmanager keeps the one it has (or takes
		 * endsAt for an alert it never saw firing). */
		json_object_set_new(a, "endsAt", jsonutil_instant(e->at));
	}
	if (n && n->link)
		json_object_set_new(a, "generatorURL", json_string(n->link));
	return json_array_append_new(list, a) == 0 ? 0 : PACED_ENOMEM;
}

/* The alerts one event stands for, appended to list (see the top). */
static int am_event(json_t *list, const struct chan_event *ev, paced_ms now)
{
	const struct store_event *e = ev->e;
	bool resumed = am_is(e, "resumed");
	bool stale = am_is(e, "stale") ||
		     (!resumed &&
		      json_is_true(json_object_get(ev->project, "stale")));
	int rc = 0;

	if (am_bad_status(e->previous_status) &&
	    (!e->status || strcmp(e->previous_status, e->status) != 0))
		rc = am_alert(list, ev, e->previous_status, false, now);
	if (rc == 0 && resumed)
		rc = am_alert(list, ev, "stale", false, now);
	if (rc == 0 && am_bad_status(e->status))
		rc = am_alert(list, ev, e->status, true, now);
	if (rc == 0 && stale)
		rc = am_alert(list, ev, "stale", true, now);
	return rc;
}

static int am_render(const struct chan_msg *m, struct chan_request *r,
		     char *err, size_t errlen)
{
	const char *url = m->ch->url;
	size_t ulen, plen = strlen(AM_PATH);
	json_t *list;
	int rc = 0;

	if (m->kind == CHAN_DIGEST) {
		snprintf(err, errlen, "alertmanager takes no digest");
		return PACED_EINVAL;
	}
	if (!url) {
		snprintf(err, errlen, "an alertmanager channel needs a url");
		return PACED_EINVAL;
	}
	/* The base URL, with or without a trailing slash; the full
	 * endpoint is taken as it is. */
	ulen = strlen(url);
	while (ulen > 0 && url[ulen - 1] == '/')
		ulen--;
	if (ulen >= plen && strncmp(url + ulen - plen, AM_PATH, plen) == 0)
		plen = 0;
	if (asprintf(&r->url, "%.*s%s", (int)ulen, url,
		     plen ? AM_PATH : "") < 0) {
		r->url = NULL;
		return PACED_ENOMEM;
	}

	list = json_array();
	if (!list)
		return PACED_ENOMEM;
	for (size_t i = 0; rc == 0 && i < m->n_events; i++)
		rc = am_event(list, &m->events[i], m->now);
	if (rc == 0) {
		r->body = jsonutil_dump(list, &r->len);
		if (!r->body)
			rc = PACED_ENOMEM;
	}
	json_decref(list);
	if (rc == 0)
		rc = chan_request_header(r, "Content-Type: application/json");
	return rc;
}

/* chan_judge_http's verdicts (2xx sent, 5xx retry, 400 dead), with what
 * Alertmanager said about a refusal. */
static void am_judge(const struct httpc_response *res,
		     struct chan_judgement *j)
{
	size_t used;

	chan_judge_http(res, j);
	if (j->verdict == CHAN_SENT || res->curl_code != 0 || !res->body_len)
		return;
	used = strlen(j->why);
	if (used + 3 >= sizeof(j->why))
		return;
	memcpy(j->why + used, ": ", 2);
	used += 2;
	used += fmt_text_copy_prefix(res->body, res->body_len, j->why + used,
				     sizeof(j->why) - used);
	/* One line for the log. */
	for (char *p = j->why; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
}

const struct chan_driver chan_alertmanager = {
	.type = "alertmanager",
	.digest = false,
	.render = am_render,
	.judge = am_judge,
};
