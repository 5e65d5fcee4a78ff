/*
 * test_fcache.c - the forecast cache against the forecast read from the
 * database: the tracker on an in-memory store takes random sequences of
 * updates (in order, back-dated, ahead of the clock, several at one
 * instant, in batches), the clock moves on (past whole windows, and
 * sometimes back), old updates are pruned and paced "restarts" (the
 * caches dropped); after every step each project's forecast from
 * tracker_view must be bit for bit the one computed from the database's
 * points, as before the cache.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "app.h"
#include "conf.h"
#include "fcache.h"
#include "log.h"
#include "project.h"
#include "rand_testutil.h"
#include "registry.h"
#include "store.h"
#include "timefmt.h"
#include "tracker.h"

#define DAY PACED_MS_PER_DAY
#define WINDOW (30 * DAY)
#define N_PROJECTS 3

struct fixture {
	struct app app;
	struct project *p[N_PROJECTS];
	paced_ms start;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256];

	assert_non_null(f);
	log_set_level(LOG_LVL_ERR); /* not every event the walk causes */
	assert_int_equal(store_open(":memory:", STORE_DURABILITY_NORMAL,
				    &f->app.store, err, sizeof(err)),
			 0);
	f->app.conf = conf_new_defaults();
	f->app.reg = registry_new();
	assert_non_null(f->app.conf);
	assert_non_null(f->app.reg);
	assert_int_equal(timefmt_parse("2022-01-01", false, &f->start, NULL),
			 0);
	for (int i = 0; i < N_PROJECTS; i++) {
		struct project_def *def;
		struct field_error fe;
		char id[16];
		json_t *body = json_pack("{s:s,s:f,s:f,s:s,s:s}", "title", "t",
					 "baseline", i == 2 ? 900.0 : 0.0,
					 "target", i == 2 ? 100.0 : 1000.0,
					 "start", "2022-01-01", "due",
					 "2022-12-31");

		snprintf(id, sizeof(id), "p%d", i);
		assert_int_equal(project_def_parse(id, body, 0.05, 0.1, &def,
						   &fe),
				 0);
		json_decref(body);
		assert_int_equal(tracker_create(&f->app, def, false, f->start,
						&f->p[i]),
				 0);
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	registry_free(f->app.reg);
	assert_int_equal(fcache_total(), 0);
	fcache_set_limits(FCACHE_MAX_POINTS, FCACHE_BUDGET, FCACHE_AHEAD_MAX);
	store_close(f->app.store);
	conf_free(f->app.conf);
	free(f);
	return 0;
}

static bool any_usable(const struct pace_point *v, size_t n, paced_ms now)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].at <= now)
			return true;
	return false;
}

/* The forecast as paced computed it before the cache: the window's
 * points read from the database. */
static void forecast_from_db(struct fixture *f, struct project *p,
			     paced_ms now, struct pace_forecast *out)
{
	struct pace_point *pts, latest;
	const struct pace_point *use;
	struct pace_curve c;
	size_t n;

	assert_int_equal(tracker_points(&f->app, p, now - WINDOW + 1, &pts, &n),
			 0);
	use = pts;
	if (!any_usable(pts, n, now) && p->has_current) {
		latest = (struct pace_point){p->current_at, p->current};
		use = &latest;
		n = 1;
	}
	project_def_curve(p->def, f->app.conf->at_risk, f->app.conf->behind,
			  &c);
	pace_forecast(&c, use, n, project_current(p), now, out);
	free(pts);
}

static void check_one(struct fixture *f, struct project *p, paced_ms now,
		      bool listed)
{
	struct project_view v;
	struct pace_forecast want;

	if (listed)
		assert_int_equal(tracker_view_listed(&f->app, p, now, &v), 0);
	else
		assert_int_equal(tracker_view(&f->app, p, now, &v), 0);
	forecast_from_db(f, p, now, &want);
	/* Bit for bit: the same points in the same order. */
	assert_memory_equal(&v.forecast.rate_per_day,
			    &want.rate_per_day, sizeof(double));
	assert_memory_equal(&v.forecast.projected_at_due,
			    &want.projected_at_due, sizeof(double));
	assert_int_equal(v.forecast.has_eta, want.has_eta);
	assert_int_equal(v.forecast.eta, want.eta);
	assert_int_equal(v.forecast.has_required_rate,
			 want.has_required_rate);
	assert_memory_equal(&v.forecast.required_rate_per_day,
			    &want.required_rate_per_day,
			    sizeof(double));
}

/* A number of the forecast as an event's snapshot holds it: written
 * with 17 digits, so it reads back as the very double; null as NaN. */
static double snapshot_number(const json_t *forecast, const char *key)
{
	const json_t *j = json_object_get(forecast, key);

	assert_non_null(j);
	return json_is_null(j) ? NAN : json_number_value(j);
}

static void assert_same_double(double got, double want)
{
	if (isnan(want))
		assert_true(isnan(got));
	else
		assert_memory_equal(&got, &want, sizeof(double));
}

/* The events newer than *seen: the snapshot each carries, by project. */
struct new_events {
	int64_t seen, newest;
	size_t n;
	char *project_id[64];
	char *snapshot[64];
};

static int collect_new(const struct store_event *e, void *data)
{
	struct new_events *ne = data;

	if (e->seq <= ne->seen)
		return 1; /* newest first: the rest were checked before */
	if (e->seq > ne->newest)
		ne->newest = e->seq;
	assert_true(ne->n < 64);
	ne->project_id[ne->n] = strdup(e->project_id);
	ne->snapshot[ne->n] = strdup(e->project);
	ne->n++;
	return 0;
}

/* Every event a batch recorded carries the forecast of the window as the
 * database holds it once the batch is in: the batch's own updates in
 * it, none counted twice. */
static void check_new_events(struct fixture *f, paced_ms now, int64_t *seen)
{
	struct new_events ne = {.seen = *seen, .newest = *seen};

	assert_int_equal(store_events_list(f->app.store, NULL, NULL, 64,
					   collect_new, &ne),
			 0);
	for (size_t i = 0; i < ne.n; i++) {
		struct project *p = registry_get(f->app.reg, ne.project_id[i]);
		json_t *snap = json_loads(ne.snapshot[i], 0, NULL);
		const json_t *fc = json_object_get(snap, "forecast");
		struct pace_forecast want;
		char day[TIMEFMT_MAX];
		const char *eta;

		assert_non_null(p);
		assert_non_null(fc);
		forecast_from_db(f, p, now, &want);
		assert_same_double(snapshot_number(fc, "rate_per_day"),
				   want.rate_per_day);
		assert_same_double(snapshot_number(fc, "projected_at_due"),
				   want.projected_at_due);
		assert_same_double(
			snapshot_number(fc, "required_rate_per_day"),
			want.has_required_rate ? want.required_rate_per_day
					       : NAN);
		eta = json_string_value(json_object_get(fc, "eta"));
		if (want.has_eta)
			assert_string_equal(eta, timefmt_day(want.eta, day));
		else
			assert_null(eta);
		json_decref(snap);
		free(ne.project_id[i]);
		free(ne.snapshot[i]);
	}
	*seen = ne.newest;
}

static void check_all(struct fixture *f, paced_ms now)
{
	for (int i = 0; i < N_PROJECTS; i++)
		check_one(f, f->p[i], now, (rand_testutil_next() & 3) == 0);
}

/* A batch of 1 to 4 updates, each to a random project, dated now, at
 * an instant already used, back-dated, or a little ahead of the clock. */
static void post_batch(struct fixture *f, paced_ms now, paced_ms *last_at)
{
	struct tracker_update u[4];
	size_t n = (size_t)rand_testutil_in(1, 4);

	memset(u, 0, sizeof(u));
	for (size_t i = 0; i < n; i++) {
		int kind = (int)rand_testutil_in(0, 9);

		u[i].project_id = f->p[rand_testutil_in(0, N_PROJECTS - 1)]->def->id;
		u[i].has_value = true;
		u[i].value = (double)rand_testutil_in(0, 100000) / 97.0;
		/* Now and then one the exact sums cannot hold (1e-40 is no
		 * multiple of 2^-128): no cache while it is in the window. */
		if (rand_testutil_in(0, 299) == 0)
			u[i].value = 1e-40 * (double)rand_testutil_in(1, 9);
		u[i].has_at = true;
		if (kind < 5)
			u[i].at = now;
		else if (kind < 7) /* an instant already used */
			u[i].at = *last_at < now ? *last_at : now;
		else if (kind < 9)
			u[i].at = rand_testutil_in(f->start - DAY, now);
		else
			u[i].at = now + rand_testutil_in(1, 5 * 60 * 1000);
		*last_at = u[i].at;
	}
	int rc = tracker_post_updates(&f->app, u, n, now);

	for (size_t i = 0; i < n && rc; i++)
		if (u[i].err.code[0])
			fail_msg("%s: %s", u[i].err.field, u[i].err.message);
	assert_int_equal(rc, 0);
	tracker_updates_clear(u, n);
}

static void drop_caches(struct fixture *f)
{
	for (int i = 0; i < N_PROJECTS; i++) {
		fcache_free(f->p[i]->fc);
		f->p[i]->fc = NULL;
	}
}

/* Caches seen while walking: with their points, and without. */
struct seen {
	bool holding, let_go;
	int max_caches;
};

static void random_walk(struct fixture *f, struct seen *seen)
{
	paced_ms now = f->start + DAY, last_at = now;
	int64_t events_seen = 0;

	for (int step = 0; step < 3000; step++) {
		int what = (int)rand_testutil_in(0, 99);

		if (what < 60) {
			post_batch(f, now, &last_at);
			check_new_events(f, now, &events_seen);
		} else if (what < 85) {
			now += rand_testutil_in(1, 6 * 3600 * 1000); /* minutes to hours */
		} else if (what < 88) {
			now += rand_testutil_in(DAY, 40 * DAY); /* past the window */
		} else if (what < 93) {
			now -= rand_testutil_in(1, 3 * DAY); /* the clock set back */
			if (now < f->start + DAY)
				now = f->start + DAY;
		} else if (what < 94 || now > f->start + 300 * DAY) {
			now = f->start + rand_testutil_in(1, 60) * DAY; /* far back */
		} else if (what < 96) {
			drop_caches(f); /* a restart */
		} else {
			/* Retention as retention_run does it, keeping 30 to 35
			 * days, run now or up to two days on while nothing
			 * moved the caches: their windows may then start
			 * below the cutoff. */
			paced_ms ran = now + rand_testutil_in(0, 2 * DAY);
			paced_ms cutoff = ran - WINDOW - rand_testutil_in(0, 5 * DAY);
			int64_t gone = 0;

			assert_int_equal(store_updates_prune(f->app.store,
							     cutoff, 1000,
							     &gone),
					 0);
			f->app.updates_pruned_before = cutoff; /* as retention_run */
			now = ran;
		}
		check_all(f, now);
		int caches = 0;

		for (int i = 0; i < N_PROJECTS; i++) {
			const struct fcache *fc = f->p[i]->fc;

			caches += fc != NULL;
			if (fc && fcache_holds_points(fc))
				seen->holding = true;
			else if (fc)
				seen->let_go = true;
		}
		if (caches > seen->max_caches)
			seen->max_caches = caches;
	}
}

static void test_random_sequences(void **state)
{
	struct seen seen = {0};

	random_walk(*state, &seen);
	/* The comparison meant something: caches were in use. */
	assert_true(seen.holding);
}

/* The same walk with caches that soon let their points go and follow
 * the window's edges in the database; some hold a few, the budget has
 * room for two caches of the three projects and ten points, and of the
 * points ahead of the clock a cache keeps one at most (the others read
 * back as the clock reaches them). */
static void test_random_sequences_points_let_go(void **state)
{
	struct seen seen = {0};

	fcache_set_limits(6, 2 * fcache_overhead() + 10, 1);
	random_walk(*state, &seen);
	assert_true(seen.holding);
	assert_true(seen.let_go);
	assert_true(seen.max_caches == 2);
}

/* Again with caches past the array's smallest size (8) when they let
 * their points go, and room for many points ahead: the letting go then
 * shrinks arrays that still hold points, and more come ahead of the
 * clock (the heap overflow test_point_ahead_after_letting_go pins). */
static void test_random_sequences_let_go_with_points_ahead(void **state)
{
	struct seen seen = {0};

	fcache_set_limits(12, FCACHE_BUDGET, 40);
	random_walk(*state, &seen);
	assert_true(seen.holding);
	assert_true(seen.let_go);
}

/* The common case is served from memory: after the first view, no
 * database read is needed however many updates arrive. */
static void test_cache_follows_updates(void **state)
{
	struct fixture *f = *state;
	struct project *p = f->p[0];
	paced_ms now = f->start + 10 * DAY;
	struct project_view v;

	assert_int_equal(tracker_view(&f->app, p, now, &v), 0);
	assert_non_null(p->fc);
	for (int i = 0; i < 200; i++) {
		struct tracker_update u = {.project_id = p->def->id,
					   .has_value = true,
					   .value = 10.0 * i};

		now += DAY / 4;
		assert_int_equal(tracker_post_updates(&f->app, &u, 1, now), 0);
		tracker_updates_clear(&u, 1);
	}
	/* Every update went to the cache, none was read back, and each
	 * post moved its window on: 30 days of 4 a day are held (the one
	 * exactly 30 days old is out). */
	assert_int_equal(fcache_total(), 30 * 4);
	check_all(f, now);
	assert_int_equal(fcache_total(), 30 * 4);
}

/* Pruning deletes old updates while a cache may still hold them: a
 * clock set back to before the cutoff must not bring them back. */
static void test_prune_then_clock_back(void **state)
{
	struct fixture *f = *state;
	struct project *p = f->p[0];
	paced_ms now = f->start + 5 * DAY;
	struct project_view v;
	int64_t gone = 0;

	for (int i = 0; i < 60; i++) {
		struct tracker_update u = {.project_id = p->def->id,
					   .has_value = true,
					   .value = 5.0 * i + (i % 3)};

		now += DAY / 2;
		assert_int_equal(tracker_post_updates(&f->app, &u, 1, now), 0);
		tracker_updates_clear(&u, 1);
	}
	assert_int_equal(tracker_view(&f->app, p, now, &v), 0);
	/* Ten days on, updates older than 30 days are pruned ... */
	now += 10 * DAY;
	assert_int_equal(store_updates_prune(f->app.store, now - WINDOW, 1000,
					     &gone),
			 0);
	assert_true(gone > 0);
	f->app.updates_pruned_before = now - WINDOW;
	/* ... and then the clock goes back eight days. */
	now -= 8 * DAY;
	check_all(f, now);
}

/* A list uses the caches there are and makes none (what it would make
 * among its own freed memory keeps that memory resident). */
static void test_listed_makes_no_cache(void **state)
{
	struct fixture *f = *state;
	struct project *p = f->p[1];
	paced_ms now = f->start + 3 * DAY;

	for (int i = 0; i < 5; i++) {
		struct tracker_update u = {.project_id = p->def->id,
					   .has_value = true,
					   .value = 7.0 * i};

		now += DAY / 3;
		assert_int_equal(tracker_post_updates(&f->app, &u, 1, now), 0);
		tracker_updates_clear(&u, 1);
	}
	check_one(f, p, now, true);
	assert_null(p->fc);
	check_one(f, p, now, false);
	assert_non_null(p->fc);
	now += DAY;
	check_one(f, p, now, true); /* from the cache */
	assert_int_equal(fcache_total(), 5);
}

/* A cache full of points, some of them ahead of the clock, lets the
 * others go and takes one more ahead: the room reserved for it must
 * survive the letting go, which gives room back (it did not: heap
 * overflow, found by a batch of 1 000 deltas to one project). Without
 * the fix glibc aborts here (realloc: invalid next size), ASan too. */
static void test_point_ahead_after_letting_go(void **state)
{
	struct fixture *f = *state;
	struct pace_window w;
	paced_ms now = f->start + 40 * DAY;
	struct fcache *fc;

	fcache_set_limits(16, FCACHE_BUDGET, 64);
	fc = fcache_new(now, NULL, 0);
	assert_non_null(fc);
	for (int i = 0; i < 10; i++) /* ahead of the clock */
		assert_int_equal(fcache_add(fc, now + 1000 + i, i), 0);
	for (int i = 0; i < 6; i++) /* in the window */
		assert_int_equal(fcache_add(fc, now - DAY + i, 100 + i), 0);
	assert_true(fcache_holds_points(fc));
	/* The 17th: over max_points, the window's points go, the ten
	 * ahead stay and this one joins them. */
	assert_int_equal(fcache_add(fc, now + 2000, 50), 0);
	assert_false(fcache_holds_points(fc));
	assert_int_equal(fcache_total(), 11);
	for (int i = 0; i < 20; i++)
		assert_int_equal(fcache_add(fc, now + 3000 + i, 60 + i), 0);
	assert_int_equal(fcache_total(), 31);
	/* All of them come into the window, the newest last. */
	assert_int_equal(fcache_window(fc, f->app.store, "none", now + 5000,
				       &w),
			 0);
	assert_true(w.has_latest);
	assert_int_equal(w.latest.at, now + 3019);
	assert_true(w.latest.value == 79);
	fcache_free(fc);
}

/* A cache that let its points go counts an update until the database
 * says it left the window (read_crossing). Retention (keep_updates =
 * 30d) ran since the cache last moved, deleting updates between the
 * cache's old start and the cutoff, which can then never be read back
 * and taken away: the cache must be made afresh, not kept because now
 * - 30 days is past the cutoff. The next batch's event shows it (found
 * by review: its forecast counted the deleted updates). */
static void test_event_after_prune_under_let_go_cache(void **state)
{
	struct fixture *f = *state;
	struct project *p = f->p[0];
	paced_ms now = f->start + 10 * DAY, cutoff;
	struct project_view v;
	int64_t gone = 0, events_seen = 0;
	struct tracker_update u;

	fcache_set_limits(6, FCACHE_BUDGET, 1);
	for (int i = 0; i < 120; i++) { /* every 6 hours, on track */
		double on = 1000.0 * (double)(now - f->start) / (364.0 * DAY);

		u = (struct tracker_update){.project_id = p->def->id,
					    .has_value = true,
					    .value = floor(on) + 5};
		assert_int_equal(tracker_post_updates(&f->app, &u, 1, now), 0);
		tracker_updates_clear(&u, 1);
		now += DAY / 4;
	}
	check_new_events(f, now, &events_seen); /* none after a prune */
	assert_int_equal(tracker_view(&f->app, p, now, &v), 0);
	assert_non_null(p->fc);
	assert_false(fcache_holds_points(p->fc));
	/* The daily retention, a day on, keep_updates = 30d. */
	cutoff = now + DAY - WINDOW;
	assert_int_equal(store_updates_prune(f->app.store, cutoff, 1000, &gone),
			 0);
	assert_true(gone > 0);
	f->app.updates_pruned_before = cutoff;
	/* A day later a report turns the project behind. */
	now += 2 * DAY;
	u = (struct tracker_update){.project_id = p->def->id,
				    .has_value = true, .value = 0};
	assert_int_equal(tracker_post_updates(&f->app, &u, 1, now), 0);
	tracker_updates_clear(&u, 1);
	assert_int_equal(p->status, PACE_BEHIND);
	check_new_events(f, now, &events_seen);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_random_sequences, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_random_sequences_points_let_go, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_random_sequences_let_go_with_points_ahead, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_cache_follows_updates,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_prune_then_clock_back,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_listed_makes_no_cache,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_point_ahead_after_letting_go, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_event_after_prune_under_let_go_cache, setup,
			teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
