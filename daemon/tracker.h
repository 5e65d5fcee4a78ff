/*
 * tracker.h - what paced does when a project is created, redefined,
 * archived or updated: evaluate it, decide the status change, and commit
 * the change together with its events and deliveries in one transaction,
 * then bring the in-memory registry in line and wake the delivery worker.
 * Requests (api*.c) and the config loader call these; nothing here knows
 * HTTP.
 */
#ifndef PACED_TRACKER_H
#define PACED_TRACKER_H

#include <stdbool.h>
#include <stddef.h>

#include "app.h"
#include "project.h"

/* The evaluation of p at now (curve, status with hysteresis, staleness,
 * forecast from its recent updates). 0 or PACED_EDB. */
int tracker_view(struct app *app, const struct project *p, paced_ms now,
		 struct project_view *v);

/* tracker_view for a list of many projects: it uses a project's
 * forecast cache but makes none. Caches made while a long list is built
 * sit among its freed memory and keep it resident (10 000 listed
 * projects kept 58 MB more, a page each). */
int tracker_view_listed(struct app *app, const struct project *p,
			paced_ms now, struct project_view *v);

/* tracker_view without the forecast (v->forecast is zeroed): no database
 * read and no allocation, for callers that look at every project often
 * (/metrics). */
void tracker_eval(struct app *app, const struct project *p, paced_ms now,
		  struct project_view *v);

/* p's updates dated at or after `since`, oldest first, as (at, value)
 * points in a malloc'd array (*out, the caller frees it; NULL when
 * there are none) of *n. 0, PACED_EDB or PACED_ENOMEM. */
int tracker_points(struct app *app, const struct project *p, paced_ms since,
		   struct pace_point **out, size_t *n);

/*
 * Creates a project from def (ownership taken in every case). 0 and
 * *out (borrowed from the registry), PACED_EEXIST when a live project has
 * that id, PACED_EARCHIVED when an archived one has it, PACED_EDB/EBUSY
 * when the database failed.
 */
int tracker_create(struct app *app, struct project_def *def, bool declared,
		   paced_ms now, struct project **out);

/*
 * Replaces the definition of the project def->id, creating it (or
 * restoring an archived one) when there is no live one; *created says
 * which. Ownership of def is taken in every case.
 */
int tracker_replace(struct app *app, struct project_def *def, bool declared,
		    paced_ms now, struct project **out, bool *created);

/* Archives a live project. PACED_ENOENT when there is none. */
int tracker_archive(struct app *app, const char *id, paced_ms now);

/* An update as stored. Strings owned (tracker_updates_clear frees). */
struct tracker_stored {
	int64_t seq;
	paced_ms at, received_at;
	double value;
	bool has_delta;
	double delta;
	char *note;
	char *client_id;
	char *token; /* name of the [token.NAME] that wrote it; NULL: none */
};

/* One update to apply: the request, then what became of it. */
struct tracker_update {
	const char *project_id; /* borrowed, as all request fields */
	bool has_value;         /* exactly one of value and delta */
	double value;
	bool has_delta;
	double delta;
	bool has_at; /* default: now */
	paced_ms at;
	const char *note;      /* NULL: none */
	const char *client_id; /* NULL: none */
	const char *token;     /* the writer's token name; NULL: open API */

	bool duplicate; /* the client id was seen: `stored` is the original */
	struct tracker_stored stored;
	struct field_error err; /* err.code[0] != 0: this item is invalid */
};

/*
 * Applies n updates all together or not at all, in one transaction, in
 * order (a delta counts from the value the previous item left). Each
 * touched project is evaluated once afterwards and its status change
 * recorded as an event. Items whose err is already set (the caller's own
 * checks) count as invalid and are skipped while the rest are still
 * checked, so one answer lists every invalid item. 0; PACED_EINVAL when
 * any item is invalid (each has err set, nothing stored); PACED_EDB/EBUSY
 * when the database failed.
 */
int tracker_post_updates(struct app *app, struct tracker_update *u, size_t n,
			 paced_ms now);
void tracker_updates_clear(struct tracker_update *u, size_t n);

/* The next instant p needs a look without any request: its next status
 * change as time passes (pace_next_change), when it turns stale, or its
 * next reminder. PACED_NEVER when none. */
paced_ms tracker_next_wake(struct app *app, const struct project *p,
			   paced_ms now);

/* Puts p in app->sched at tracker_next_wake() (nothing without sched). */
void tracker_reschedule(struct app *app, struct project *p, paced_ms now);

/* The scheduler's callback (sched_fire_fn, data = app): collects the
 * project whose instant has come. */
void tracker_wake(void *item, paced_ms at, paced_ms now, void *data);

/* The scheduler's run_end (data = app): evaluates every project collected
 * in the run, records what changed in one transaction and schedules each
 * one's next wake-up. */
void tracker_wake_end(void *data);

/* At start-up (and after a reload): evaluates every project once, recording in one
 * transaction what changed while paced was not running, and schedules
 * each. A database that refuses the transaction does not fail the start
 * (each project is tried again shortly). 0 or PACED_ENOMEM. */
int tracker_start(struct app *app, paced_ms now);

/* The same over all, every project of the registry sorted by id (what
 * registry_sorted() gives; the start-up's load has them in that order
 * already). The array stays the caller's. */
int tracker_start_sorted(struct app *app, paced_ms now, struct project **all,
			 size_t n);

#endif
