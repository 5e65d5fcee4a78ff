/*
 * test_pace_sums.c - pace_sums.c: the least-squares line from exact
 * sums. Sums kept running while points come and go (and the origin moves
 * with them) give bit for bit the line of sums made afresh from the
 * points there are, and that line is the one fitted the usual way.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <math.h>

#include "pace.h"
#include "pace_sums.h"
#include "rand_testutil.h"

#define DAY PACED_MS_PER_DAY

struct line {
	bool ok;
	double per_day, mean_day, mean_value;
};

static struct line line_of(const struct pace_sums *s, paced_ms now)
{
	struct line l = {0};

	l.ok = pace_sums_line(s, now, &l.per_day, &l.mean_day,
			      &l.mean_value);
	return l;
}

/* The textbook fit in long double: centred two-pass sums. */
static double reference_slope(const paced_ms *at, const double *y, int n)
{
	long double mx = 0, my = 0, sxx = 0, sxy = 0;

	for (int i = 0; i < n; i++) {
		mx += (long double)at[i] / DAY;
		my += y[i];
	}
	mx /= n;
	my /= n;
	for (int i = 0; i < n; i++) {
		long double dx = (long double)at[i] / DAY - mx;

		sxx += dx * dx;
		sxy += dx * (y[i] - my);
	}
	return (double)(sxy / sxx);
}

static void test_running_equals_fresh(void **state)
{
	enum { MAX = 400 };
	paced_ms at[MAX];
	double y[MAX];
	int n = 0;
	paced_ms now = 1640995200000LL; /* 2022-01-01 */
	struct pace_sums run;

	(void)state;
	pace_sums_init(&run, now);
	/* Three years, well past 2^34 ms: the origin moves on its own. */
	for (int step = 0; step < 20000; step++) {
		now += rand_testutil_in(0, 2 * 3600 * 1000);
		if (n < MAX && rand_testutil_in(0, 2) > 0) {
			at[n] = now - rand_testutil_in(0, 5 * DAY);
			y[n] = (double)rand_testutil_in(-1000000, 1000000) /
			       (rand_testutil_in(0, 1) ? 1.0 : 7.0);
			pace_sums_add(&run, at[n], y[n]);
			n++;
		}
		/* What is older than 30 days leaves, in any order. */
		for (int i = 0; i < n; i++)
			if (at[i] <= now - 30 * DAY ||
			    rand_testutil_in(0, 500) == 0) {
				pace_sums_remove(&run, at[i], y[i]);
				at[i] = at[n - 1];
				y[i] = y[n - 1];
				n--;
				i--;
			}
		if (step % 50 == 0) {
			struct pace_sums fresh;
			struct line a, b;

			pace_sums_init(&fresh, now - rand_testutil_in(0, DAY));
			for (int i = n - 1; i >= 0; i--)
				pace_sums_add(&fresh, at[i], y[i]);
			a = line_of(&run, now);
			b = line_of(&fresh, now);
			assert_int_equal(run.n, n);
			assert_int_equal(a.ok, b.ok);
			assert_memory_equal(&a, &b, sizeof(a));
			if (a.ok) {
				double want = reference_slope(at, y, n);

				assert_true(fabs(a.per_day - want) <=
					    1e-9 * (fabs(want) + 1));
			}
		}
	}
	/* The origin moved, more than once, on its own. */
	assert_true(run.origin - 1640995200000LL > ((paced_ms)1 << 34) * 2);
}

/* Points on a line give that line; it passes through their mean. */
static void test_exact_line(void **state)
{
	struct pace_sums s;
	paced_ms now = 1650000000000LL;
	struct line l;

	(void)state;
	pace_sums_init(&s, now);
	for (int d = 0; d < 20; d++)
		pace_sums_add(&s, now - d * DAY, 500.0 - 2.5 * d);
	l = line_of(&s, now);
	assert_true(l.ok);
	assert_true(fabs(l.per_day - 2.5) < 1e-12);
	assert_true(fabs(l.mean_day - -9.5) < 1e-12);
	assert_true(fabs(l.mean_value - (500.0 - 2.5 * 9.5)) < 1e-12);
}

/* No line through one instant, however many points share it. */
static void test_one_instant(void **state)
{
	struct pace_sums s;
	paced_ms now = 1650000000000LL;
	double v;

	(void)state;
	pace_sums_init(&s, now);
	assert_false(pace_sums_line(&s, now, &v, &v, &v));
	pace_sums_add(&s, now - DAY, 1.0);
	assert_false(pace_sums_line(&s, now, &v, &v, &v));
	pace_sums_add(&s, now - DAY, 9.0);
	pace_sums_add(&s, now - DAY, 4.0);
	assert_false(pace_sums_line(&s, now, &v, &v, &v));
	pace_sums_add(&s, now, 4.0);
	assert_true(pace_sums_line(&s, now, &v, &v, &v));
	pace_sums_remove(&s, now, 4.0);
	assert_false(pace_sums_line(&s, now, &v, &v, &v));
}

/* A window with a value the exact sums cannot hold is fitted in
 * doubles: the forecast is that of the same updates with 0 for 1e-40,
 * in whatever order they come, with or without a trend. */
static void test_forecast_of_a_value_that_does_not_fit(void **state)
{
	paced_ms now = 1650000000000LL;
	struct pace_curve c = {.baseline = 0, .target = 1000,
			       .start = now - 100 * DAY,
			       .due = now + 100 * DAY};
	/* The tiny one first: the latest comes after it. */
	struct pace_point tiny[][3] = {
		{{now - DAY / 24, 1e-40}, {now - DAY / 48, 5}, {now - DAY / 12, 3}},
		{{now - 2 * DAY, 1e-40}, {now - DAY, 400}, {now - 3 * DAY, 390}},
	};

	(void)state;
	for (size_t k = 0; k < 2; k++) {
		struct pace_point zero[3];
		struct pace_forecast a, b;

		memcpy(zero, tiny[k], sizeof(zero));
		zero[0].value = 0;
		pace_forecast(&c, tiny[k], 3, 5, now, &a);
		pace_forecast(&c, zero, 3, 5, now, &b);
		assert_true(fabs(a.rate_per_day - b.rate_per_day) <=
			    1e-9 * (fabs(b.rate_per_day) + 1));
		assert_true(fabs(a.projected_at_due - b.projected_at_due) <=
			    1e-9 * (fabs(b.projected_at_due) + 1));
		assert_int_equal(a.has_eta, b.has_eta);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_running_equals_fresh),
		cmocka_unit_test(test_exact_line),
		cmocka_unit_test(test_one_instant),
		cmocka_unit_test(test_forecast_of_a_value_that_does_not_fit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
