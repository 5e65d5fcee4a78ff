/* tracker_updates.c - progress updates: checked, applied all together
 * or not at all, and the projects they touch settled once. */
#include "tracker.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fcache.h"
#include "group.h"
#include "registry.h"
#include "sched.h"
#include "stateflush.h"
#include "timefmt.h"
#include "store.h"
#include "tracker_internal.h"

/* SPEC section 4: an update may be dated a day before start at the
 * earliest and five minutes ahead of the server's clock at the latest. */
#define EARLIEST_BEFORE_START_MS PACED_MS_PER_DAY
#define LATEST_AHEAD_MS (5 * 60 * 1000)
#define MAX_ABS_VALUE 1e15

/* A project touched by a batch: its state as the batch leaves it, applied
 * to the registry only after the commit, and, while `windowed`, its
 * forecast window at the batch's instant with the batch's updates in it:
 * a status change's event takes its forecast from there instead of
 * reading the project's last 30 days back from the database, which for a
 * project flapping across a threshold would cost a read of every update
 * of the month on every one. */
struct touched {
	struct project *live;
	struct project next;
	bool windowed;
	struct pace_window window;
};

/* A project's state from before the group commit it joined, put back
 * should that commit fail; odd: that group's turn parity. */
struct undo {
	struct app *app;
	struct project *live;
	struct project before;
	bool odd;
};

static void undo_done(int rc, void *data)
{
	struct undo *u = data;
	/* This group is over either way; a mark the next group set since
	 * (off the loop it gathers while this one is synced) stays, and
	 * `before` may carry the previous group's, which is over too. */
	bool mark = u->live->in_undo && u->live->undo_odd != u->odd;
	bool odd = u->live->undo_odd;

	if (rc < 0) {
		tracker_adopt(u->live, &u->before);
		tracker_reschedule(u->app, u->live, timefmt_now());
		/* It may hold points the rollback took away. */
		fcache_free(u->live->fc);
		u->live->fc = NULL;
	}
	u->live->in_undo = mark;
	u->live->undo_odd = odd;
	free(u);
}

/* Keeps the pre-group state of each touched project not yet kept in
 * this group. 0 or PACED_ENOMEM. */
static int remember(struct app *app, struct touched *t, size_t n)
{
	/* Only this group and the one being synced can hold undos
	 * (group.h): their turns differ by one. */
	bool odd = group_turn(app->group) & 1;

	for (size_t i = 0; i < n; i++) {
		struct undo *u;

		if (t[i].live->in_undo && t[i].live->undo_odd == odd) {
			t[i].next.in_undo = true;
			t[i].next.undo_odd = odd;
			continue;
		}
		u = malloc(sizeof(*u));
		if (!u)
			return PACED_ENOMEM;
		*u = (struct undo){app, t[i].live, *t[i].live, odd};
		if (group_defer(app->group, undo_done, u) < 0) {
			free(u);
			return PACED_ENOMEM;
		}
		/* Until the group ends: the next state keeps the mark,
		 * and the live one has it should a later write of this
		 * group fail to keep it. */
		t[i].live->in_undo = t[i].next.in_undo = true;
		t[i].live->undo_odd = t[i].next.undo_odd = odd;
	}
	return 0;
}

/* Opens this batch's transaction: a savepoint in the loop turn's group
 * commit, or a transaction of its own where there is no group. */
static int batch_begin(struct app *app)
{
	return app->group ? group_enter(app->group) : store_begin(app->store);
}

/* Ends what batch_begin() opened (rc 0: keep; else undo). */
static int batch_end(struct app *app, struct touched *t, size_t n, int rc)
{
	if (!app->group)
		return store_finish(app->store, rc);
	if (rc == 0)
		rc = remember(app, t, n);
	return group_leave(app->group, rc);
}

static struct touched *touch(struct touched *t, size_t *n,
			     struct project *live)
{
	for (size_t i = 0; i < *n; i++)
		if (t[i].live == live)
			return &t[i];
	t[*n].live = live;
	t[*n].next = *live;
	return &t[(*n)++];
}

static int copy_stored(const struct store_update *u, void *data)
{
	struct tracker_stored *s = data;

	s->seq = u->seq;
	s->at = u->at;
	s->received_at = u->received_at;
	s->value = u->value;
	s->has_delta = u->has_delta;
	s->delta = u->delta;
	s->note = u->note ? strdup(u->note) : NULL;
	s->client_id = u->client_id ? strdup(u->client_id) : NULL;
	s->token = u->token ? strdup(u->token) : NULL;
	if ((u->note && !s->note) || (u->client_id && !s->client_id) ||
	    (u->token && !s->token))
		return PACED_ENOMEM;
	return 0;
}

/* The decimal places of the shortest decimal that reads back as x (0.01
 * has 2, 350 has 0, 1e-20 has 20), or -1 past DECIMAL_PLACES_MAX. */
#define DECIMAL_PLACES_MAX 20
static int decimal_places(double x)
{
	char t[40], *e;
	int p, places, exp10;

	for (p = 15; p <= 17; p++) {
		snprintf(t, sizeof(t), "%.*e", p - 1, x);
		if (strtod(t, NULL) == x)
			break;
	}
	/* t is "[-]d.ddd...e[+-]XX": the digits after the point that are
	 * not trailing zeros, less the exponent. */
	e = strchr(t, 'e');
	if (!e)
		return -1; /* inf or nan */
	exp10 = atoi(e + 1);
	while (e > t && e[-1] == '0')
		e--;
	places = (e > t && e[-1] == '.') ? 0 : (int)(e - strchr(t, '.') - 1);
	places -= exp10;
	if (places < 0)
		places = 0;
	return places <= DECIMAL_PLACES_MAX ? places : -1;
}

/* current + delta as the decimal sum a department adds up: 0.1 + 0.2 is
 * 0.3, and 5 000 deltas of -0.01 from 320 leave 270, not
 * 270.000000000045. The sum of two decimals has no more places than
 * they have; rounded to those, the binary sum's error is gone, and it
 * cannot pile up over many deltas. Where a double cannot hold that many
 * places, the rounding moves the sum by no more than its own error;
 * anything more means the decimals were not what the doubles showed,
 * and the binary sum stands. */
static double add_decimal(double current, double delta)
{
	double sum = current + delta, rounded;
	int a, b;
	char text[64];

	if (delta == 0 || !isfinite(sum))
		return delta == 0 ? current : sum;
	a = decimal_places(current);
	b = decimal_places(delta);
	if (a < 0 || b < 0)
		return sum;
	snprintf(text, sizeof(text), "%.*f", a > b ? a : b, sum);
	rounded = strtod(text, NULL);
	return fabs(rounded - sum) <= 4 * DBL_EPSILON * fabs(sum) ? rounded
								 : sum;
}

/* Checks one item against its project and computes the value it sets;
 * nothing is written. */
static int check_item(struct tracker_update *u, const struct project *p,
		      double current, paced_ms now)
{
	if (u->has_at && u->at < p->def->start - EARLIEST_BEFORE_START_MS)
		return field_error_set(&u->err, "invalid_value", "at",
				       "at must not be more than a day "
				       "before the project's start");
	if (u->has_at && u->at > now + LATEST_AHEAD_MS)
		return field_error_set(&u->err, "invalid_value", "at",
				       "at must not be more than 5 minutes "
				       "in the future");
	u->stored.value =
		u->has_value ? u->value : add_decimal(current, u->delta);
	if (!isfinite(u->stored.value) ||
	    fabs(u->stored.value) > MAX_ABS_VALUE)
		return field_error_set(&u->err, "invalid_value",
				       u->has_value ? "value" : "delta",
				       "the resulting value must be a finite "
				       "number within ±1e15");
	return 0;
}

/* Finds an earlier item of the same batch with the same client id. */
static const struct tracker_update *
same_key_earlier(const struct tracker_update *u, size_t i)
{
	for (size_t k = 0; k < i; k++)
		if (u[k].client_id && !u[k].err.code[0] &&
		    strcmp(u[k].client_id, u[i].client_id) == 0 &&
		    strcmp(u[k].project_id, u[i].project_id) == 0)
			return &u[k];
	return NULL;
}

static int apply_item(struct app *app, struct tracker_update *u,
		      struct touched *t, paced_ms now)
{
	struct store_update row = {
		.project_id = u->project_id,
		.at = u->has_at ? u->at : now,
		.value = u->stored.value,
		.has_delta = u->has_delta,
		.delta = u->delta,
		.note = u->note,
		.client_id = u->client_id,
		.received_at = now,
		.token = u->token,
	};
	int rc = store_update_insert(app->store, &row);

	if (rc < 0)
		return rc;
	u->stored.seq = row.seq;
	u->stored.at = row.at;
	u->stored.received_at = now;
	u->stored.has_delta = u->has_delta;
	u->stored.delta = u->delta;
	u->stored.note = u->note ? strdup(u->note) : NULL;
	u->stored.client_id = u->client_id ? strdup(u->client_id) : NULL;
	u->stored.token = u->token ? strdup(u->token) : NULL;
	if ((u->note && !u->stored.note) ||
	    (u->client_id && !u->stored.client_id) ||
	    (u->token && !u->stored.token))
		return PACED_ENOMEM;
	t->next.has_arrival = true;
	t->next.last_arrival = now;
	/* The latest by `at` is the current value; a later arrival with the
	 * same `at` wins. */
	if (!t->next.has_current || row.at >= t->next.current_at) {
		t->next.has_current = true;
		t->next.current = row.value;
		t->next.current_at = row.at;
	}
	return 0;
}

/* The forecast caches of the projects take the updates just stored, in
 * the order they were stored (a failed group commit drops them). */
static void remember_points(struct app *app, const struct tracker_update *u,
			    size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct project *p;

		if (u[i].duplicate)
			continue;
		p = registry_get(app->reg, u[i].project_id);
		if (p && p->fc &&
		    fcache_add(p->fc, u[i].stored.at, u[i].stored.value) < 0) {
			fcache_free(p->fc);
			p->fc = NULL;
		}
	}
}

int tracker_post_updates(struct app *app, struct tracker_update *u, size_t n,
			 paced_ms now)
{
	struct touched *t = calloc(n ? n : 1, sizeof(*t));
	size_t n_touched = 0;
	bool invalid = false, queued = false;
	int rc = 0;

	if (!t)
		return PACED_ENOMEM;
	/* First pass: validate everything, reading only, so a bad item
	 * leaves the database and the registry untouched. */
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct project *live;
		struct touched *tp;

		if (u[i].err.code[0]) { /* the caller found it invalid */
			invalid = true;
			continue;
		}
		live = registry_get(app->reg, u[i].project_id);
		if (!live) {
			field_error_set(&u[i].err, "not_found", "project",
					"no project %s", u[i].project_id);
			invalid = true;
			continue;
		}
		if (u[i].client_id) {
			const struct tracker_update *twin =
				same_key_earlier(u, i);

			if (twin) {
				u[i].duplicate = true;
				continue;
			}
			rc = store_update_by_client_id(app->store,
						       u[i].project_id,
						       u[i].client_id,
						       copy_stored,
						       &u[i].stored);
			if (rc == 0) {
				u[i].duplicate = true;
				continue;
			}
			if (rc != PACED_ENOENT)
				break;
			rc = 0;
		}
		tp = touch(t, &n_touched, live);
		if (check_item(&u[i], live, project_current(&tp->next), now)) {
			invalid = true;
			continue;
		}
		/* Later deltas in the batch count from this value. */
		if (!tp->next.has_current ||
		    (u[i].has_at ? u[i].at : now) >= tp->next.current_at) {
			tp->next.has_current = true;
			tp->next.current = u[i].stored.value;
			tp->next.current_at = u[i].has_at ? u[i].at : now;
		}
	}
	if (rc < 0 || invalid) {
		free(t);
		return rc < 0 ? rc : PACED_EINVAL;
	}
	/* Second pass: write, from the registry's state again. The caches
	 * learn of the time passed first: once the rows are written, what
	 * they read would hold updates they are told of only after. */
	for (size_t i = 0; i < n_touched; i++) {
		t[i].windowed = tracker_cached_window(app, t[i].live, now,
						      &t[i].window) == 0;
		t[i].next = *t[i].live;
	}
	rc = batch_begin(app);
	if (rc < 0) {
		free(t);
		return rc;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct touched *tp;

		if (u[i].duplicate)
			continue;
		tp = touch(t, &n_touched,
			   registry_get(app->reg, u[i].project_id));
		rc = apply_item(app, &u[i], tp, now);
		if (rc == 0 && tp->windowed)
			tp->windowed = pace_window_add(
				&tp->window,
				(struct pace_point){u[i].stored.at,
						    u[i].stored.value},
				now);
	}
	for (size_t i = 0; i < n_touched && rc == 0; i++) {
		struct project *p = &t[i].next;

		if (!app->stateflush && p->has_current)
			rc = store_project_set_current(app->store, p->def->id,
						       p->current,
						       p->current_at,
						       p->last_arrival);
		else
			rc = stateflush_touch(app->stateflush, p);
		if (rc == 0)
			rc = tracker_settle_status(app, &t[i].next, now, true,
						   t[i].windowed ? &t[i].window
								 : NULL,
						   &queued);
	}
	rc = batch_end(app, t, n_touched, rc);
	if (rc == 0) {
		for (size_t i = 0; i < n_touched; i++) {
			tracker_adopt(t[i].live, &t[i].next);
			tracker_reschedule(app, t[i].live, now);
		}
		remember_points(app, u, n);
		/* A repeat within the batch answers with its twin. */
		for (size_t i = 0; i < n; i++) {
			const struct tracker_update *twin;

			if (!u[i].duplicate || u[i].stored.seq)
				continue;
			twin = same_key_earlier(u, i);
			if (twin) {
				u[i].stored = twin->stored;
				u[i].stored.note = twin->stored.note
							   ? strdup(twin->stored.note)
							   : NULL;
				u[i].stored.client_id =
					strdup(twin->stored.client_id);
				u[i].stored.token =
					twin->stored.token
						? strdup(twin->stored.token)
						: NULL;
			}
		}
		tracker_after_commit(app, queued);
	}
	free(t);
	return rc;
}

void tracker_updates_clear(struct tracker_update *u, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(u[i].stored.note);
		free(u[i].stored.client_id);
		free(u[i].stored.token);
		u[i].stored.note = u[i].stored.client_id = NULL;
		u[i].stored.token = NULL;
	}
}
