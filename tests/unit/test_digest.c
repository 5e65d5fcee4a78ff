/* test_digest.c - when the digest is due, in local time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <time.h>

#include "digest.h"
#include "timefmt.h"

static paced_ms at(const char *s)
{
	paced_ms t = 0;

	assert_int_equal(timefmt_parse(s, false, &t, NULL), 0);
	return t;
}

static void zone(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

static void test_every_day(void **state)
{
	struct conf_digest d = {.at_min = 9 * 60, .weekdays = 0x7f, .line = 1};

	(void)state;
	zone("Asia/Shanghai");
	/* 08:30 local -> 09:00 the same day (01:00Z). */
	assert_int_equal(digest_next_at(&d, at("2026-11-26T00:30:00Z")),
			 at("2026-11-26T01:00:00Z"));
	/* Exactly at 09:00: the next one is tomorrow. */
	assert_int_equal(digest_next_at(&d, at("2026-11-26T01:00:00Z")),
			 at("2026-11-27T01:00:00Z"));
	/* 23:30 local (15:30Z) -> 09:00 the next local day. */
	assert_int_equal(digest_next_at(&d, at("2026-11-26T15:30:00Z")),
			 at("2026-11-27T01:00:00Z"));
}

static void test_weekdays(void **state)
{
	/* Mondays only (bit 1); 2026-11-26 is a Thursday. */
	struct conf_digest d = {.at_min = 9 * 60, .weekdays = 1u << 1};
	struct conf_digest none = {.at_min = 0, .weekdays = 0};

	(void)state;
	zone("Asia/Shanghai");
	assert_int_equal(digest_next_at(&d, at("2026-11-26T00:30:00Z")),
			 at("2026-11-30T01:00:00Z"));
	/* On Monday after 09:00: a week later. */
	assert_int_equal(digest_next_at(&d, at("2026-11-30T02:00:00Z")),
			 at("2026-12-07T01:00:00Z"));
	assert_int_equal(digest_next_at(&none, at("2026-11-26T00:30:00Z")),
			 PACED_NEVER);
}

static void test_daylight_saving(void **state)
{
	struct conf_digest d = {.at_min = 9 * 60, .weekdays = 0x7f};

	(void)state;
	zone("America/New_York");
	/* 2026-03-08 clocks go forward: 09:00 is EDT (13:00Z), the day
	 * before it was EST (14:00Z). */
	assert_int_equal(digest_next_at(&d, at("2026-03-07T15:00:00Z")),
			 at("2026-03-08T13:00:00Z"));
	assert_int_equal(digest_next_at(&d, at("2026-03-07T10:00:00Z")),
			 at("2026-03-07T14:00:00Z"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_day),
		cmocka_unit_test(test_weekdays),
		cmocka_unit_test(test_daylight_saving),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
