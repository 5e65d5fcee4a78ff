/*
 * test_throttle.c - a token's request rate: N at once, then N per PERIOD,
 * a retry time that is exactly right, and state that survives a reload
 * for the tokens whose rate did not change.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "conf.h"
#include "throttle.h"
#include "token_rate.h"

#define S 1000000LL /* microseconds */

static void test_burst_then_steady(void **state)
{
	struct throttle t;
	int64_t retry;

	(void)state;
	throttle_init(&t, 3, 3000);
	for (int i = 0; i < 3; i++)
		assert_true(throttle_take(&t, 10 * S, &retry));
	assert_false(throttle_take(&t, 10 * S, &retry));
	assert_int_equal(retry, 1 * S);
	/* Refusals do not count: still exactly 1 s to wait, not more. */
	assert_false(throttle_take(&t, 10 * S + S / 2, &retry));
	assert_int_equal(retry, S / 2);
	assert_true(throttle_take(&t, 11 * S, &retry));
	assert_false(throttle_take(&t, 11 * S, &retry));
	/* A period of silence gives the whole allowance back. */
	for (int i = 0; i < 3; i++)
		assert_true(throttle_take(&t, 20 * S, &retry));
	assert_false(throttle_take(&t, 20 * S, &retry));
}

/* Greedy use at every millisecond for a minute: the burst of N at 0, then
 * one every PERIOD/N (10 ms, 20 ms, ... 59.99 s), never more. */
static void test_greedy_sender(void **state)
{
	struct throttle t;
	int64_t retry, now;
	int granted = 0;

	(void)state;
	throttle_init(&t, 100, 1000);
	for (now = 0; now < 60 * S; now += 1000)
		granted += throttle_take(&t, now, &retry);
	assert_int_equal(granted, 100 + (60000 / 10 - 1));
}

static void test_high_rate(void **state)
{
	struct throttle t;
	int64_t retry;
	int granted = 0;

	(void)state;
	/* More than one per microsecond still admits exactly n at once. */
	throttle_init(&t, 1000000, 1000);
	for (int i = 0; i < 1000001; i++)
		granted += throttle_take(&t, 5 * S, &retry);
	assert_int_equal(granted, 1000000);
}

static struct conf_token token(const char *name, int n, int64_t period_ms)
{
	struct conf_token t = {0};

	t.name = (char *)name;
	t.rate_n = n;
	t.rate_period_ms = period_ms;
	return t;
}

static void test_state_survives_reload(void **state)
{
	struct conf_token a[2] = {token("jianshe", 2, 60000),
				  token("jiaoyu", 2, 60000)};
	struct conf_token b[3] = {token("new", 2, 60000),
				  token("jiaoyu", 2, 60000),
				  token("jianshe", 5, 60000)};
	struct conf c1 = {.tokens = a, .n_tokens = 2};
	struct conf c2 = {.tokens = b, .n_tokens = 3};
	struct token_rates *tr = token_rates_new();
	int64_t retry;

	(void)state;
	assert_non_null(tr);
	assert_true(token_rates_take(tr, &c1, &a[0], 0, &retry));
	assert_true(token_rates_take(tr, &c1, &a[0], 0, &retry));
	assert_false(token_rates_take(tr, &c1, &a[0], 0, &retry));
	assert_int_equal(retry, 30 * S);
	assert_true(token_rates_take(tr, &c1, &a[1], 0, &retry));
	assert_true(token_rates_take(tr, &c1, &a[1], 0, &retry));
	/* After the reload jiaoyu (same rate, new place) keeps its spent
	 * allowance; jianshe's rate changed, so it starts afresh. */
	assert_false(token_rates_take(tr, &c2, &b[1], 0, &retry));
	assert_true(retry > 0);
	for (int i = 0; i < 5; i++)
		assert_true(token_rates_take(tr, &c2, &b[2], 0, &retry));
	assert_false(token_rates_take(tr, &c2, &b[2], 0, &retry));
	assert_true(token_rates_take(tr, &c2, &b[0], 0, &retry));
	token_rates_free(tr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_then_steady),
		cmocka_unit_test(test_greedy_sender),
		cmocka_unit_test(test_high_rate),
		cmocka_unit_test(test_state_survives_reload),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
