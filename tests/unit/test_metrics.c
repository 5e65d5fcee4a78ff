/* test_metrics.c - the exposition: project series computed at the scrape
 * instant, archived projects gone, counters and the histogram cumulative,
 * label values escaped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "conf.h"
#include "metrics.h"
#include "metrics_stream.h"
#include "registry.h"
#include "store.h"
#include "tracker.h"

/* 2022-01-01T00:00:00Z and one day. */
#define T0 1640995200000LL
#define DAY 86400000LL

struct fixture {
	struct app app;
	char *text;
	size_t len;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256];

	assert_non_null(f);
	metrics_reset();
	f->app.conf = conf_new_defaults();
	f->app.reg = registry_new();
	assert_non_null(f->app.conf);
	assert_non_null(f->app.reg);
	assert_int_equal(store_open(":memory:", STORE_DURABILITY_NORMAL,
				    &f->app.store, err, sizeof(err)),
			 0);
	f->app.ready = true;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	free(f->text);
	registry_free(f->app.reg);
	store_close(f->app.store);
	conf_free(f->app.conf);
	metrics_reset();
	free(f);
	return 0;
}

static const char *scrape(struct fixture *f, paced_ms now)
{
	free(f->text);
	f->text = NULL;
	assert_int_equal(metrics_render(&f->app, now, &f->text, &f->len), 0);
	assert_int_equal(strlen(f->text), f->len);
	return f->text;
}

/* The value of the sample whose line starts with `series` + ' '. */
static double value_of(const char *text, const char *series)
{
	size_t n = strlen(series);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p += !!p)
		if (strncmp(p, series, n) == 0 && p[n] == ' ')
			return strtod(p + n + 1, NULL);
	fail_msg("no sample %s in:\n%s", series, text);
	return 0;
}

static void make_project(struct fixture *f, const char *id)
{
	char body[256];
	json_t *j;
	struct project_def *def;
	struct project *p;
	struct field_error e;

	/* Linear 0 -> 100 from T0 to T0 + 100 days (UTC instants). */
	snprintf(body, sizeof(body),
		 "{\"title\":\"停车\\\"\\n\",\"target\":100,"
		 "\"start\":\"2022-01-01T00:00:00Z\","
		 "\"due\":\"2022-04-11T00:00:00Z\"}");
	j = json_loads(body, 0, NULL);
	assert_non_null(j);
	assert_int_equal(project_def_parse(id, j, 0.05, 0.10, &def, &e), 0);
	json_decref(j);
	assert_int_equal(tracker_create(&f->app, def, false, T0, &p), 0);
}

static void test_projects(void **state)
{
	struct fixture *f = *state;
	struct tracker_update u = {.project_id = "parking",
				   .has_value = true,
				   .value = 20,
				   .has_at = true,
				   .at = T0 + 40 * DAY};
	const char *t;

	make_project(f, "parking");
	make_project(f, "schools");
	assert_int_equal(tracker_post_updates(&f->app, &u, 1, T0 + 40 * DAY),
			 0);
	tracker_updates_clear(&u, 1);

	/* Day 50: expected 50, current 20, gap 0.3: behind. */
	t = scrape(f, T0 + 50 * DAY);
	assert_true(value_of(t, "paced_project_current{project=\"parking\"}") ==
		    20);
	assert_true(value_of(t, "paced_project_target{project=\"parking\"}") ==
		    100);
	assert_true(
	    value_of(t, "paced_project_expected{project=\"parking\"}") == 50);
	assert_true(
	    value_of(t, "paced_project_gap_ratio{project=\"parking\"}") == 0.3);
	assert_true(value_of(t, "paced_project_status{project=\"parking\","
				"status=\"behind\"}") == 1);
	assert_true(value_of(t, "paced_project_status{project=\"parking\","
				"status=\"on_track\"}") == 0);
	assert_true(value_of(t, "paced_project_current{project=\"schools\"}") ==
		    0);
	assert_true(value_of(t, "paced_projects") == 2);
	assert_true(value_of(t, "paced_updates_total") == 1);
	/* Titles are never labels. */
	assert_null(strstr(t, "停车"));
	/* Exactly one sample per status per project. */
	assert_int_equal(
	    (int)value_of(t, "paced_project_status{project=\"parking\","
			     "status=\"done\"}"),
	    0);

	/* Day 10, same value: ahead of the curve (expected 10). */
	t = scrape(f, T0 + 10 * DAY);
	assert_true(
	    value_of(t, "paced_project_expected{project=\"parking\"}") == 10);

	assert_int_equal(tracker_archive(&f->app, "schools", T0 + 51 * DAY), 0);
	t = scrape(f, T0 + 51 * DAY);
	assert_null(strstr(t, "schools"));
	assert_true(value_of(t, "paced_projects") == 1);
}

static void test_counters(void **state)
{
	struct fixture *f = *state;
	const char *t;

	metrics_http_response("GET", 200);
	metrics_http_response("GET", 200);
	metrics_http_response("BREW", 404);
	metrics_http_response(NULL, 400);
	metrics_http_response("GET", 42); /* not a status: ignored */
	metrics_delivery("ops", "sent");
	metrics_delivery("ops", "pending");
	metrics_delivery("ops", "pending");
	metrics_delivery("ops", "dead");
	metrics_delivery_latency("ops", 0.07);
	metrics_delivery_latency("ops", 3);
	metrics_delivery_latency("ops", 1000);

	t = scrape(f, T0);
	assert_true(value_of(t, "paced_http_requests_total{method=\"GET\","
				"code=\"200\"}") == 2);
	assert_true(value_of(t, "paced_http_requests_total{method=\"other\","
				"code=\"404\"}") == 1);
	assert_true(value_of(t, "paced_http_requests_total{method=\"other\","
				"code=\"400\"}") == 1);
	assert_null(strstr(t, "BREW"));
	assert_true(value_of(t, "paced_deliveries_total{channel=\"ops\","
				"result=\"sent\"}") == 1);
	assert_true(value_of(t, "paced_deliveries_total{channel=\"ops\","
				"result=\"retry\"}") == 2);
	assert_true(value_of(t, "paced_deliveries_total{channel=\"ops\","
				"result=\"dead\"}") == 1);
	/* Buckets are cumulative; +Inf equals _count. */
	assert_true(value_of(t, "paced_delivery_duration_seconds_bucket{"
				"channel=\"ops\",le=\"0.05\"}") == 0);
	assert_true(value_of(t, "paced_delivery_duration_seconds_bucket{"
				"channel=\"ops\",le=\"0.1\"}") == 1);
	assert_true(value_of(t, "paced_delivery_duration_seconds_bucket{"
				"channel=\"ops\",le=\"5\"}") == 2);
	assert_true(value_of(t, "paced_delivery_duration_seconds_bucket{"
				"channel=\"ops\",le=\"60\"}") == 2);
	assert_true(value_of(t, "paced_delivery_duration_seconds_bucket{"
				"channel=\"ops\",le=\"+Inf\"}") == 3);
	assert_true(value_of(t, "paced_delivery_duration_seconds_count{"
				"channel=\"ops\"}") == 3);
	assert_true(value_of(t, "paced_delivery_duration_seconds_sum{"
				"channel=\"ops\"}") == 1003.07);
	assert_true(value_of(t, "paced_deliveries_pending{channel=\"ops\"}") ==
		    0);
	assert_true(value_of(t, "paced_build_info{version=\"" PACED_VERSION
				"\"}") == 1);
	assert_true(value_of(t, "process_open_fds") > 0);
	assert_true(value_of(t, "process_resident_memory_bytes") > 0);
}

/* The COMMIT histogram: what the fixture's set-up committed, then five
 * observations more, each counted once in the first bucket it fits (a
 * bound is in its own bucket: le is "less than or equal"). */
static void test_commit_histogram(void **state)
{
	static const char *const les[] = {"0.0005", "0.001", "0.002", "0.005",
					  "0.01",   "0.025", "0.05",  "0.1",
					  "0.25",   "1",     "+Inf"};
	/* How many of 0.0003, 0.001, 0.0015, 0.3 and 2 each bucket gains. */
	static const double gain[] = {1, 2, 3, 3, 3, 3, 3, 3, 3, 4, 5};
	struct fixture *f = *state;
	double before[11], count0, sum0;
	char series[96];
	const char *t = scrape(f, T0);

	for (size_t i = 0; i < 11; i++) {
		snprintf(series, sizeof(series),
			 "paced_commit_duration_seconds_bucket{le=\"%s\"}",
			 les[i]);
		before[i] = value_of(t, series);
	}
	count0 = value_of(t, "paced_commit_duration_seconds_count");
	sum0 = value_of(t, "paced_commit_duration_seconds_sum");
	assert_true(before[10] == count0);
	metrics_commit(0.0003);
	metrics_commit(0.001);
	metrics_commit(0.0015);
	metrics_commit(0.3);
	metrics_commit(2);
	t = scrape(f, T0);
	for (size_t i = 0; i < 11; i++) {
		snprintf(series, sizeof(series),
			 "paced_commit_duration_seconds_bucket{le=\"%s\"}",
			 les[i]);
		assert_true(value_of(t, series) - before[i] == gain[i]);
	}
	assert_true(value_of(t, "paced_commit_duration_seconds_count") ==
		    count0 + 5);
	assert_true(fabs(value_of(t, "paced_commit_duration_seconds_sum") -
			 sum0 - 2.3028) < 1e-9);
}

static void test_escaping_and_families(void **state)
{
	struct fixture *f = *state;
	const char *t;
	char last_family[128] = "";

	metrics_delivery("a\"b\\c\nd", "sent");
	t = scrape(f, T0);
	assert_non_null(
	    strstr(t, "paced_deliveries_total{channel=\"a\\\"b\\\\c\\nd\","
		      "result=\"sent\"} 1\n"));
	/* Every sample follows the HELP and TYPE of its family, and no
	 * family is written twice. */
	for (const char *p = t; *p;) {
		const char *nl = strchr(p, '\n');
		char name[128];
		size_t n;

		assert_non_null(nl);
		if (strncmp(p, "# HELP ", 7) == 0) {
			n = strcspn(p + 7, " ");
			snprintf(name, sizeof(name), "%.*s", (int)n, p + 7);
			assert_non_null(strstr(nl + 1, "# TYPE "));
			assert_string_not_equal(name, last_family);
			snprintf(last_family, sizeof(last_family), "%s", name);
		} else if (p[0] != '#') {
			n = strcspn(p, "{ ");
			assert_true(
			    strncmp(p, last_family, strlen(last_family)) == 0);
			assert_true(n >= strlen(last_family));
		}
		p = nl + 1;
	}
}

/* The whole stream at now, its pieces concatenated; *pieces counts
 * those that carried text. */
static char *stream_all(struct fixture *f, paced_ms now, int *pieces,
			void (*between)(struct fixture *f))
{
	struct metrics_stream *s = metrics_stream_new(&f->app);
	size_t len = 0, plen;
	char *all = calloc(1, 1), *piece;
	int rc, turns = 0;

	assert_non_null(s);
	*pieces = 0;
	do {
		rc = metrics_stream_next(s, now, &piece, &plen);
		assert_true(rc >= 0);
		if (plen) {
			all = realloc(all, len + plen + 1);
			memcpy(all + len, piece, plen);
			len += plen;
			all[len] = '\0';
			++*pieces;
		}
		free(piece);
		if (++turns == 1 && between)
			between(f);
	} while (rc == 1);
	metrics_stream_free(s);
	return all;
}

/* Cuts text before the process's families, which change between two
 * scrapes (CPU time, memory). */
static void cut_process(char *text)
{
	char *p = strstr(text, "# HELP process_");

	assert_non_null(p);
	*p = '\0';
}

#define MANY (METRICS_STREAM_AT + 300)

static void make_many(struct fixture *f)
{
	char id[32];

	/* Created out of id order, so the stream's sort has work. */
	for (int i = 0; i < MANY; i++) {
		snprintf(id, sizeof(id), "p%05d", (i * 7919) % MANY);
		make_project(f, id);
	}
}

static void test_stream_same_text(void **state)
{
	struct fixture *f = *state;
	struct tracker_update u = {.project_id = "p00042",
				   .has_value = true,
				   .value = 20,
				   .has_at = true,
				   .at = T0 + 40 * DAY};
	char *once, *streamed;
	size_t len;
	int pieces;

	make_many(f);
	assert_int_equal(tracker_post_updates(&f->app, &u, 1, T0 + 40 * DAY),
			 0);
	tracker_updates_clear(&u, 1);
	assert_int_equal(metrics_render(&f->app, T0 + 50 * DAY, &once, &len),
			 0);
	streamed = stream_all(f, T0 + 50 * DAY, &pieces, NULL);
	cut_process(once);
	cut_process(streamed);
	assert_string_equal(streamed, once);
	/* Sixteen samples a project, 4096 a piece. */
	assert_true(pieces >= MANY * 16 / 4096);
	assert_non_null(strstr(once, "paced_project_last_update_timestamp_"
				     "seconds{project=\"p00042\"} "));
	free(once);
	free(streamed);
}

static void archive_some(struct fixture *f)
{
	/* After the first part of the registry was read: each is shown
	 * whole or not at all. */
	assert_int_equal(tracker_archive(&f->app, "p00007", T0 + DAY), 0);
	assert_int_equal(tracker_archive(&f->app, "p04000", T0 + DAY), 0);
}

static int count_of(const char *text, const char *needle)
{
	int n = 0;

	for (const char *p = text; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void test_stream_archived_whole_or_absent(void **state)
{
	struct fixture *f = *state;
	char *t;
	int pieces;

	make_many(f);
	t = stream_all(f, T0 + 50 * DAY, &pieces, archive_some);
	for (const char *id = "p00007"; id;
	     id = id[2] == '0' ? "p04000" : NULL) {
		char needle[64];
		int n;

		snprintf(needle, sizeof(needle), "{project=\"%s\"", id);
		n = count_of(t, needle);
		/* Ten families of one sample, six statuses, and no last
		 * update: 15 lines, or none. */
		assert_true(n == 0 || n == 15);
	}
	assert_int_equal(count_of(t, "paced_project_target{"),
			 (int)value_of(t, "paced_projects"));
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_projects, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_counters, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_commit_histogram, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_escaping_and_families, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_stream_same_text, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(
		test_stream_archived_whole_or_absent, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
