/* digest.c - the daily or weekly overview of every project. */
#include "digest.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

#include "log.h"
#include "note.h"
#include "notify.h"
#include "project.h"
#include "registry.h"
#include "timefmt.h"
#include "tracker.h"

/* The timer never sleeps longer than this, so a wall-clock step (NTP,
 * suspend) moves the send by at most this much. */
#define DIGEST_CHECK_MS (60 * 1000)

struct digest {
	struct app *app;
	uv_timer_t timer;
	paced_ms next_at;
};

paced_ms digest_next_at(const struct conf_digest *d, paced_ms now)
{
	time_t t = (time_t)(now / 1000);
	struct tm tm;

	if (!(d->weekdays & 0x7f))
		return PACED_NEVER;
	localtime_r(&t, &tm);
	/* Today, then each following day: mktime normalises the day of
	 * the month and finds the offset (DST included) of that day. */
	for (int day = 0; day <= 7; day++) {
		struct tm c = tm;
		time_t at;

		c.tm_mday += day;
		c.tm_hour = d->at_min / 60;
		c.tm_min = d->at_min % 60;
		c.tm_sec = 0;
		c.tm_isdst = -1;
		at = mktime(&c);
		if (at == (time_t)-1)
			continue;
		if ((paced_ms)at * 1000 > now && (d->weekdays >> c.tm_wday) & 1)
			return (paced_ms)at * 1000;
	}
	return PACED_NEVER;
}

static void count(struct note_digest *d, enum pace_status s)
{
	switch (s) {
	case PACE_DONE: d->n_done++; break;
	case PACE_OVERDUE: d->n_overdue++; break;
	case PACE_BEHIND: d->n_behind++; break;
	case PACE_AT_RISK: d->n_at_risk++; break;
	case PACE_NOT_STARTED: d->n_not_started++; break;
	default: d->n_on_track++; break;
	}
}

static const char *def_string(const json_t *def, const char *key)
{
	const char *s = json_string_value(json_object_get(def, key));

	return s ? s : "";
}

int digest_send_now(struct app *app, paced_ms now)
{
	struct note_digest d = {0};
	struct note_digest_item *items;
	struct project **all;
	json_t *defs;
	char day[TIMEFMT_MAX];
	size_t n = 0;
	int rc;

	if (!app->conf->digest.line)
		return PACED_ENOENT;
	all = registry_sorted(app->reg, &n);
	items = calloc(n ? n : 1, sizeof(*items));
	/* Holds each definition parsed from its text while the items
	 * borrow their titles and units. */
	defs = json_array();
	if (!all || !items || !defs) {
		free(all);
		free(items);
		json_decref(defs);
		return PACED_ENOMEM;
	}
	d.at = now;
	d.date = timefmt_day(now, day);
	for (size_t i = 0; i < n; i++) {
		struct project_view v;
		const struct project *p = all[i];
		json_t *def = project_def_json(p->def);

		/* The digest shows no forecast: no need to read each
		 * project's recent updates. */
		tracker_eval(app, p, now, &v);
		items[i].id = p->def->id;
		items[i].title = def_string(def, "title");
		items[i].unit = def_string(def, "unit");
		json_array_append_new(defs, def);
		items[i].status = pace_status_name(v.eval.status);
		items[i].stale = v.stale;
		items[i].current = project_current(p);
		items[i].target = p->def->target;
		items[i].burn_down =
			p->def->target < project_def_baseline(p->def);
		items[i].gap = v.eval.gap;
		count(&d, v.eval.status);
		d.n_stale += v.stale;
	}
	d.n_projects = n;
	d.items = items;
	d.n_items = n;
	rc = notify_digest(app->notify, &d);
	if (rc == 0)
		log_info("digest of %zu projects queued for %zu channel(s)", n,
			 app->conf->digest.n_channels);
	free(items);
	free(all);
	json_decref(defs);
	return rc;
}

static void on_timer(uv_timer_t *t);

/* Sleeps until the next send, in steps of at most DIGEST_CHECK_MS. */
static void arm(struct digest *dg)
{
	int64_t wait = dg->next_at - timefmt_now();

	if (dg->next_at == PACED_NEVER)
		return;
	if (wait < 0)
		wait = 0;
	if (wait > DIGEST_CHECK_MS)
		wait = DIGEST_CHECK_MS;
	uv_timer_start(&dg->timer, on_timer, (uint64_t)wait, 0);
}

static void on_timer(uv_timer_t *t)
{
	struct digest *dg = t->data;
	paced_ms now = timefmt_now();
	int rc;

	if (now >= dg->next_at) {
		rc = digest_send_now(dg->app, now);
		if (rc < 0)
			log_err("digest: %s", paced_strerror(rc));
		dg->next_at = digest_next_at(&dg->app->conf->digest, now);
	}
	arm(dg);
}

int digest_start(struct digest **out, struct app *app)
{
	struct digest *dg;
	char when[TIMEFMT_MAX];

	*out = NULL;
	if (!app->conf->digest.line)
		return 0;
	dg = calloc(1, sizeof(*dg));
	if (!dg)
		return PACED_ENOMEM;
	dg->app = app;
	uv_timer_init(app->loop, &dg->timer);
	dg->timer.data = dg;
	dg->next_at = digest_next_at(&app->conf->digest, timefmt_now());
	if (dg->next_at != PACED_NEVER)
		log_info("next digest at %s",
			 timefmt_rfc3339(dg->next_at, when));
	arm(dg);
	*out = dg;
	return 0;
}

int digest_reconfigure(struct digest **dg, struct app *app)
{
	char when[TIMEFMT_MAX];

	if (!*dg)
		return digest_start(dg, app);
	if (!app->conf->digest.line) {
		log_info("digest: no [digest] any more; schedule stopped");
		digest_close(*dg);
		*dg = NULL;
		return 0;
	}
	uv_timer_stop(&(*dg)->timer);
	(*dg)->next_at = digest_next_at(&app->conf->digest, timefmt_now());
	if ((*dg)->next_at != PACED_NEVER)
		log_info("next digest at %s",
			 timefmt_rfc3339((*dg)->next_at, when));
	arm(*dg);
	return 0;
}

static void on_closed(uv_handle_t *h)
{
	free(h->data);
}

void digest_close(struct digest *dg)
{
	if (dg)
		uv_close((uv_handle_t *)&dg->timer, on_closed);
}
