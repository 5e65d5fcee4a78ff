/* tracker.c - project and update operations, each one transaction. */
#include "tracker.h"

#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "arr.h"
#include "conf.h"
#include "fcache.h"
#include "jsonutil.h"
#include "log.h"
#include "notify.h"
#include "registry.h"
#include "sched.h"
#include "store.h"
#include "timefmt.h"
#include "tracker_internal.h"

/* A wake-up whose work failed (database busy) is tried again after. */
#define TRACKER_RETRY_MS 5000

struct points {
	struct pace_point *v;
	size_t n, cap;
};

static int collect_point(const struct store_update *u, void *data)
{
	struct points *pts = data;

	if (pace_points_reserve(&pts->v, &pts->cap, pts->n + 1) < 0)
		return PACED_ENOMEM;
	pts->v[pts->n].at = u->at;
	pts->v[pts->n].value = u->value;
	pts->n++;
	return 0;
}

/* From when p, with this status, is stale if nothing more arrives, or
 * PACED_NEVER. A done project reports nothing more, naturally: that is no
 * news, and it cannot fall behind (SPEC section 2, done). */
static paced_ms stale_from(const struct project *p, enum pace_status status)
{
	int64_t every = project_def_report_every(p->def);
	paced_ms last;

	if (!every || status == PACE_DONE)
		return PACED_NEVER;
	/* What counts is when a report last arrived, whatever date it
	 * carries: a report filed today for last week is still a report. */
	last = p->has_arrival && p->last_arrival > p->def->start
		       ? p->last_arrival
		       : p->def->start;
	return last + every + project_def_grace(p->def);
}

/* Status and staleness only: what deciding on a change needs. */
static void evaluate(struct app *app, const struct project *p, paced_ms now,
		     struct project_view *v, struct pace_curve *c)
{
	project_def_curve(p->def, app->conf->at_risk, app->conf->behind, c);
	v->at_risk = c->at_risk;
	v->behind = c->behind;
	pace_evaluate(c, project_current(p), now, p->status, &v->eval);
	v->stale = now >= stale_from(p, v->eval.status);
}

/* What a forecast may do with p's cache (fcache.h). */
enum cache_use {
	CACHE_NONE, /* p is a copy inside a transaction: the database */
	CACHE_USE,  /* use p's cache when it has one */
	CACHE_MAKE, /* and make one when it has none */
};

/* See tracker_internal.h. Any cache it cannot use is freed. */
int tracker_cached_window(struct app *app, struct project *p, paced_ms now,
			  struct pace_window *w)
{
	int rc;

	if (!p->fc)
		return 1;
	/* Below the last pruning's cutoff the database kept only each
	 * project's latest update of what the cache may still hold: the
	 * window must not reach there, and the cache must not have counted
	 * what was deleted since. */
	rc = now - PACE_WINDOW_MS >= app->updates_pruned_before &&
			     fcache_survives_prune(p->fc,
						   app->updates_pruned_before)
		     ? fcache_window(p->fc, app->store, p->def->id, now, w)
		     : 1;
	if (rc != 0) {
		fcache_free(p->fc);
		p->fc = NULL;
	}
	return rc;
}

/* With no update in the window the trend runs from the baseline to
 * the latest one, wherever it lies. */
static void forecast_without_trend(const struct pace_curve *c,
				   const struct project *p, paced_ms now,
				   struct project_view *v)
{
	struct pace_point latest = {p->current_at, p->current};

	pace_forecast(c, &latest, p->has_current ? 1 : 0, project_current(p),
		      now, &v->forecast);
}

/* The forecast from a window known: no database read. */
static void forecast_of_window(const struct pace_curve *c,
			       const struct pace_window *w,
			       const struct project *p, paced_ms now,
			       struct project_view *v)
{
	if (w->sums.n > 0)
		pace_forecast_window(c, w, project_current(p), now,
				     &v->forecast);
	else
		forecast_without_trend(c, p, now, v);
}

/* The forecast, from the updates of the window: only for what is shown
 * or sent. A copy being settled inside a transaction reads the database
 * (CACHE_NONE), which already holds the updates the live project's cache
 * gets only after the commit. */
static int add_forecast(struct app *app, struct project *p, paced_ms now,
			const struct pace_curve *c, enum cache_use use,
			struct project_view *v)
{
	struct points pts = {0};
	struct pace_window w;
	int rc = use == CACHE_NONE ? 1
				   : tracker_cached_window(app, p, now, &w);

	if (rc < 0)
		return rc;
	if (rc == 0) {
		forecast_of_window(c, &w, p, now, v);
		return 0;
	}
	rc = store_update_points_since(app->store, p->def->id,
				       now - PACE_WINDOW_MS + 1, collect_point,
				       &pts);
	if (rc < 0) {
		free(pts.v);
		return rc;
	}
	if (use == CACHE_MAKE)
		p->fc = fcache_new(now, pts.v, pts.n);
	if (pace_any_usable(pts.v, pts.n, now))
		pace_forecast(c, pts.v, pts.n, project_current(p), now,
			      &v->forecast);
	else
		forecast_without_trend(c, p, now, v);
	free(pts.v);
	return 0;
}

int tracker_points(struct app *app, const struct project *p, paced_ms since,
		   struct pace_point **out, size_t *n)
{
	struct points pts = {0};
	int rc = store_update_points_since(app->store, p->def->id, since,
				     collect_point, &pts);

	if (rc < 0) {
		free(pts.v);
		pts = (struct points){0};
	}
	*out = pts.v;
	*n = pts.n;
	return rc;
}

/* The cache is no part of the project's state: keeping it changes
 * nothing a caller of these const views can see. */
int tracker_view(struct app *app, const struct project *p, paced_ms now,
		 struct project_view *v)
{
	struct pace_curve c;

	evaluate(app, p, now, v, &c);
	return add_forecast(app, (struct project *)p, now, &c, CACHE_MAKE, v);
}

int tracker_view_listed(struct app *app, const struct project *p,
			paced_ms now, struct project_view *v)
{
	struct pace_curve c;

	evaluate(app, p, now, v, &c);
	return add_forecast(app, (struct project *)p, now, &c, CACHE_USE, v);
}

void tracker_eval(struct app *app, const struct project *p, paced_ms now,
		  struct project_view *v)
{
	struct pace_curve c;

	memset(&v->forecast, 0, sizeof(v->forecast));
	evaluate(app, p, now, v, &c);
}

static bool is_bad(enum pace_status s)
{
	return s == PACE_AT_RISK || s == PACE_BEHIND || s == PACE_OVERDUE;
}

static int64_t repeat_ms(const struct app *app, const struct project *p)
{
	int64_t own;

	return project_def_repeat_every(p->def, &own)
		       ? own
		       : app->conf->repeat_every_ms;
}

/* When the next reminder is due, or PACED_NEVER: `repeat_every` after
 * the project's last event while it is bad or stale. */
static paced_ms reminder_at(const struct app *app, const struct project *p)
{
	int64_t every = repeat_ms(app, p);

	if (every <= 0 || !(is_bad(p->status) || p->stale))
		return PACED_NEVER;
	return (p->has_last_event ? p->last_event_at : p->status_since) +
	       every;
}

/* When p becomes stale if nothing arrives, or PACED_NEVER. */
static paced_ms stale_at(const struct project *p)
{
	return p->stale ? PACED_NEVER : stale_from(p, p->status);
}

static int record_event(struct app *app, struct project *p,
			const struct project_view *v, const char *type,
			enum pace_status previous, paced_ms now, bool *queued)
{
	int deliveries = 0;
	int rc = alert_record(app->store, app->conf, p, v, type, previous, now,
			      &deliveries);

	if (rc == 0) {
		p->has_last_event = true;
		p->last_event_at = now;
	}
	if (deliveries)
		*queued = true;
	return rc;
}

/* See tracker_internal.h. */
int tracker_settle_status(struct app *app, struct project *p, paced_ms now,
			  bool arrived, const struct pace_window *window,
			  bool *queued)
{
	struct project_view v;
	enum pace_status before = p->status;
	bool was_stale = p->stale, recorded = false;
	const char *type;
	int rc = 0;
	struct pace_curve c;

	evaluate(app, p, now, &v, &c);
	if (v.eval.status != before || v.stale != was_stale) {
		if (v.eval.status != before) {
			p->status = v.eval.status;
			p->status_since = now;
		}
		p->stale = v.stale;
		rc = store_project_set_status(app->store, p->def->id,
					      pace_status_name(p->status),
					      p->status_since, p->stale);
		if (rc < 0)
			return rc;
	}
	type = alert_event_type(before, p->status);
	if (!type && was_stale == p->stale && reminder_at(app, p) > now)
		return 0; /* nothing to tell */
	/* Something will be told: the snapshot sent with it needs the
	 * forecast. Without a window given that costs a database read of the
	 * project's last 30 days, so only now. */
	if (window)
		forecast_of_window(&c, window, p, now, &v);
	else if ((rc = add_forecast(app, p, now, &c, CACHE_NONE, &v)) < 0)
		return rc;
	if (type) {
		rc = record_event(app, p, &v, type, before, now, queued);
		recorded = true;
	}
	if (rc == 0 && !was_stale && p->stale) {
		rc = record_event(app, p, &v, "project.stale", p->status, now,
				  queued);
		recorded = true;
	} else if (rc == 0 && was_stale && !p->stale && arrived) {
		rc = record_event(app, p, &v, "project.resumed", p->status,
				  now, queued);
		recorded = true;
	}
	if (rc == 0 && !recorded && reminder_at(app, p) <= now)
		rc = record_event(app, p, &v, "project.reminder", p->status,
				  now, queued);
	return rc;
}

paced_ms tracker_next_wake(struct app *app, const struct project *p,
			   paced_ms now)
{
	struct pace_curve c;
	paced_ms next, other;

	project_def_curve(p->def, app->conf->at_risk, app->conf->behind, &c);
	next = pace_next_change(&c, project_current(p), now, p->status);
	if ((other = stale_at(p)) < next)
		next = other;
	if ((other = reminder_at(app, p)) < next)
		next = other;
	return next;
}

void tracker_reschedule(struct app *app, struct project *p, paced_ms now)
{
	paced_ms next;

	if (!app->sched)
		return;
	next = tracker_next_wake(app, p, now);
	/* An instant already past means tracker_settle_status() found nothing to
	 * do at it (say, a reminder it could not record): look again in a
	 * moment rather than at once, so nothing spins. */
	if (next <= now)
		next = now + TRACKER_RETRY_MS;
	if (sched_set(app->sched, p, &p->sched_slot, next) < 0)
		log_err("project %s: cannot schedule its next check",
			p->def->id);
}

/* Makes the committed copy `next` the live state of `live`. The
 * scheduler's slot and the forecast cache stay the live one's: the copy
 * was taken earlier, and the heap may have moved the entry since and a
 * view made the cache. */
void tracker_adopt(struct project *live, const struct project *next)
{
	uint32_t slot = live->sched_slot;
	struct fcache *fc = live->fc;

	*live = *next;
	live->sched_slot = slot;
	live->fc = fc;
}

void tracker_after_commit(struct app *app, bool queued)
{
	if (queued && app->notify)
		notify_kick(app->notify);
}

/* Once a definition's text is committed the database keeps it and a
 * copy in memory would only take room (project.h); without memory for the
 * smaller copy, the text stays. */
static void forget_stored_text(struct project *p)
{
	project_forget_text(p);
}

/* Inserts a new project row for p, evaluates it and records the event of
 * its first status, inside the open transaction. */
static int insert_project(struct app *app, struct project *p, paced_ms now,
			  bool *queued)
{
	int rc;

	/* The row needs a status before tracker_settle_status() knows it; it is
	 * overwritten there in the same transaction. */
	rc = store_project_insert(app->store, p->def->id,
				  project_def_text(p->def), p->declared, now,
				  "not_started", now);
	return rc < 0 ? rc
		      : tracker_settle_status(app, p, now, false, NULL, queued);
}

int tracker_create(struct app *app, struct project_def *def, bool declared,
		   paced_ms now, struct project **out)
{
	struct project *p = NULL;
	bool exists, archived, queued = false;
	int rc;

	if (registry_get(app->reg, def->id)) {
		rc = PACED_EEXIST;
		goto fail;
	}
	rc = store_project_archived(app->store, def->id, &archived, &exists);
	if (rc < 0)
		goto fail;
	if (exists) {
		rc = archived ? PACED_EARCHIVED : PACED_EEXIST;
		goto fail;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		rc = PACED_ENOMEM;
		goto fail;
	}
	p->def = def;
	def = NULL;
	p->declared = declared;
	p->status_since = now;
	p->status = PACE_NONE;
	rc = store_begin(app->store);
	if (rc < 0)
		goto fail;
	rc = insert_project(app, p, now, &queued);
	rc = store_finish(app->store, rc);
	if (rc < 0)
		goto fail;
	rc = registry_put(app->reg, p);
	if (rc < 0)
		goto fail;
	forget_stored_text(p);
	log_info("project %s created", p->def->id);
	*out = p;
	tracker_reschedule(app, p, now);
	tracker_after_commit(app, queued);
	return 0;
fail:
	project_def_free(def);
	project_free(p);
	return rc;
}

/* The latest update of an archived project, to bring it back as it was. */
static int latest_into(const struct store_update *u, void *data)
{
	struct project *p = data;

	/* Close enough for an archived project coming back: the arrival of
	 * its latest report by date. */
	p->has_arrival = true;
	p->last_arrival = u->received_at;
	p->has_current = true;
	p->current = u->value;
	p->current_at = u->at;
	return 0;
}

int tracker_replace(struct app *app, struct project_def *def, bool declared,
		    paced_ms now, struct project **out, bool *created)
{
	struct project *live;
	struct project next, *restored = NULL;
	bool exists, archived, queued = false;
	int rc;

	/* Every group that touched the project answered first: an undo
	 * still to run would hold the definition dropped below, and put
	 * back a state this copy was not taken from. A group that fails
	 * tells its own writers, as when store_begin() ends it. */
	(void)store_make_durable(app->store);
	live = registry_get(app->reg, def->id);
	if (!live) {
		rc = store_project_archived(app->store, def->id, &archived,
					    &exists);
		if (rc < 0)
			goto fail;
		if (!exists) {
			*created = true;
			return tracker_create(app, def, declared, now, out);
		}
		/* An archived project comes back with its history. */
		restored = calloc(1, sizeof(*restored));
		if (!restored) {
			rc = PACED_ENOMEM;
			goto fail;
		}
		restored->def = def;
		restored->status = PACE_NONE;
		rc = store_update_latest(app->store, def->id, latest_into,
					 restored);
		if (rc < 0 && rc != PACED_ENOENT)
			goto fail;
		live = restored;
	}
	next = *live;
	next.def = def;
	next.def_inline = false;
	next.declared = declared;
	rc = store_begin(app->store);
	if (rc < 0)
		goto fail;
	rc = store_project_redefine(app->store, def->id, project_def_text(def),
				    declared, now);
	/* A restored project's row takes the value it comes back with, as
	 * start-up will read it. */
	if (rc == 0 && restored && next.has_current)
		rc = store_project_set_current(app->store, def->id,
					       next.current, next.current_at,
					       next.last_arrival);
	if (rc == 0)
		rc = tracker_settle_status(app, &next, now, false, NULL,
					   &queued);
	rc = store_finish(app->store, rc);
	if (rc < 0)
		goto fail;
	if (restored) {
		*restored = next;
		rc = registry_put(app->reg, restored);
		if (rc < 0) {
			project_free(restored);
			return rc;
		}
		*out = restored;
		*created = true;
	} else {
		project_drop_def(live);
		tracker_adopt(live, &next);
		*out = live;
		*created = false;
	}
	forget_stored_text(*out);
	tracker_reschedule(app, *out, now);
	log_info("project %s %s", (*out)->def->id,
		 restored ? "restored" : "redefined");
	tracker_after_commit(app, queued);
	return 0;
fail:
	if (restored)
		project_free(restored); /* frees def too */
	else
		project_def_free(def);
	return rc;
}

int tracker_archive(struct app *app, const char *id, paced_ms now)
{
	struct project *p;
	int rc;

	/* Every group that touched the project answered first: with the
	 * sync off the loop one may still be waiting for it, and its undo
	 * would then meet the project freed below. A group that fails tells
	 * its own writers, as when store_begin() ends it. */
	(void)store_make_durable(app->store);
	p = registry_get(app->reg, id);
	if (!p)
		return PACED_ENOENT;
	rc = store_begin(app->store);
	if (rc < 0)
		return rc;
	/* Its row as it is now: the state batch (stateflush.c) skips a
	 * project no longer live, and moves its mark past the updates it
	 * may still owe this row, so start-up would not replay them. */
	if (p->has_current)
		rc = store_project_set_current(app->store, id, p->current,
					       p->current_at, p->last_arrival);
	if (rc == 0)
		rc = store_project_archive(app->store, id, now);
	rc = store_finish(app->store, rc);
	if (rc == 0) {
		log_info("project %s archived", id);
		if (app->sched)
			sched_remove(app->sched, &p->sched_slot);
		registry_remove(app->reg, id);
	}
	return rc;
}

/* A project that settling changed, and its state to adopt once the
 * transaction is committed. */
struct settled {
	struct project *live;
	struct project next;
};

/*
 * Settles projects together in one transaction (one fsync however many
 * are due at the same instant, as every target due on 31 December is),
 * then adopts the results and schedules each. When the database refuses,
 * nothing changes in memory and each is looked at again shortly: start-up
 * and the timer carry on, /readyz tells the operator.
 * Only the projects whose state changed keep a copy until the commit:
 * start-up settles every project, and a copy of each (72 MB at a
 * million) was written once and thrown away.
 */
static int settle_many(struct app *app, struct project **ps, size_t n,
		       paced_ms now)
{
	struct settled *changed = NULL;
	size_t n_changed = 0, cap_changed = 0;
	bool queued = false;
	int rc;

	rc = store_begin(app->store);
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct project next;

		/* memcpy, not assignment: padding copied too, so memcmp
		 * below finds a change only where settling made one (or,
		 * harmlessly, where a store left padding otherwise). */
		memcpy(&next, ps[i], sizeof(next));
		rc = tracker_settle_status(app, &next, now, false, NULL,
					   &queued);
		if (rc < 0 || memcmp(&next, ps[i], sizeof(next)) == 0)
			continue;
		if (arr_grow(&changed, &cap_changed, n_changed + 1,
			     sizeof(*changed), 64))
			rc = PACED_ENOMEM;
		else
			changed[n_changed++] = (struct settled){ps[i], next};
	}
	rc = store_finish(app->store, rc);
	if (rc < 0) {
		log_err("cannot record what changed for %zu projects (%s); "
			"trying again in %d s",
			n, paced_strerror(rc), TRACKER_RETRY_MS / 1000);
		for (size_t i = 0; i < n && app->sched; i++)
			sched_set(app->sched, ps[i], &ps[i]->sched_slot,
				  now + TRACKER_RETRY_MS);
	} else {
		for (size_t i = 0; i < n_changed; i++)
			tracker_adopt(changed[i].live, &changed[i].next);
		for (size_t i = 0; i < n; i++)
			tracker_reschedule(app, ps[i], now);
		tracker_after_commit(app, queued);
	}
	free(changed);
	return rc;
}

void tracker_wake(void *item, paced_ms at, paced_ms now, void *data)
{
	struct app *app = data;

	(void)at;
	(void)now;
	/* Only collected here; tracker_wake_end() settles the whole run. */
	if (arr_grow(&app->waking, &app->cap_waking, app->n_waking + 1,
		     sizeof(*app->waking), 64)) {
		struct project *p = item;

		log_err("project %s: out of memory; checking it again later",
			p->def->id);
		sched_set(app->sched, p, &p->sched_slot,
			  timefmt_now() + TRACKER_RETRY_MS);
		return;
	}
	app->waking[app->n_waking++] = item;
}

void tracker_wake_end(void *data)
{
	struct app *app = data;
	size_t n = app->n_waking;

	/* No request can run between the wakes and this: the projects
	 * collected are all still live. */
	app->n_waking = 0;
	if (settle_many(app, app->waking, n, timefmt_now()) == PACED_ENOMEM)
		log_err("out of memory settling %zu projects", n);
}

int tracker_start(struct app *app, paced_ms now)
{
	size_t n = 0;
	struct project **all = registry_sorted(app->reg, &n);
	int rc;

	if (!all)
		return PACED_ENOMEM;
	rc = tracker_start_sorted(app, now, all, n);
	free(all);
	return rc;
}

int tracker_start_sorted(struct app *app, paced_ms now, struct project **all,
			 size_t n)
{
	int rc;

	/* Every project gets an entry: the heap at its size in one go (a
	 * failure here only means growing step by step). */
	if (app->sched)
		(void)sched_reserve(app->sched, n);
	/* One transaction for all: what changed while paced was down is
	 * recorded once, not once per missed wake-up. A database that
	 * refuses does not stop the start: each project is tried again. */
	rc = settle_many(app, all, n, now);
	return rc == PACED_ENOMEM ? rc : 0;
}
