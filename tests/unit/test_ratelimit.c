/* test_ratelimit.c - the sliding log never lets N+1 starts into a period. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>

#include "ratelimit.h"

static void test_no_limit(void **state)
{
	struct ratelimit rl = {0};

	(void)state;
	assert_int_equal(ratelimit_available(&rl, 0), INT_MAX);
	ratelimit_take(&rl, 0);
	assert_int_equal(ratelimit_next_at(&rl, 5), 5);
}

static void test_window_slides(void **state)
{
	struct ratelimit rl = {0};

	(void)state;
	assert_int_equal(ratelimit_set(&rl, 3, 60000), 0);
	ratelimit_take(&rl, 1000);
	ratelimit_take(&rl, 2000);
	assert_int_equal(ratelimit_available(&rl, 2000), 1);
	ratelimit_take(&rl, 30000);
	assert_int_equal(ratelimit_available(&rl, 30000), 0);
	/* The first start leaves the window 60 s after it happened. */
	assert_int_equal(ratelimit_next_at(&rl, 30000), 61000);
	assert_int_equal(ratelimit_available(&rl, 60999), 0);
	assert_int_equal(ratelimit_available(&rl, 61000), 1);
	assert_int_equal(ratelimit_available(&rl, 90000), 3);
	ratelimit_free(&rl);
}

/* Greedy use at every millisecond over ten minutes never puts more than n
 * starts in any window of the period. */
static void test_never_exceeded(void **state)
{
	enum { N = 20, PERIOD = 60000, SPAN = 600000 };
	static paced_ms log[SPAN];
	struct ratelimit rl = {0};
	int taken = 0;

	(void)state;
	assert_int_equal(ratelimit_set(&rl, N, PERIOD), 0);
	for (paced_ms t = 0; t < SPAN; t += 7)
		if (ratelimit_available(&rl, t) > 0) {
			ratelimit_take(&rl, t);
			log[taken++] = t;
		}
	for (int i = 0; i + N < taken; i++)
		assert_true(log[i + N] - log[i] >= PERIOD);
	/* And it is not stingy: N per period over ten periods. */
	assert_int_equal(taken, N * (SPAN / PERIOD));
	ratelimit_free(&rl);
}

static void test_set_keeps_newest(void **state)
{
	struct ratelimit rl = {0};

	(void)state;
	assert_int_equal(ratelimit_set(&rl, 4, 60000), 0);
	for (int i = 0; i < 4; i++)
		ratelimit_take(&rl, 1000 * (i + 1));
	/* Shrinking to 2 keeps the starts at 3 s and 4 s. */
	assert_int_equal(ratelimit_set(&rl, 2, 60000), 0);
	assert_int_equal(ratelimit_available(&rl, 5000), 0);
	assert_int_equal(ratelimit_next_at(&rl, 5000), 63000);
	ratelimit_free(&rl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_limit),
		cmocka_unit_test(test_window_slides),
		cmocka_unit_test(test_never_exceeded),
		cmocka_unit_test(test_set_keeps_newest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
