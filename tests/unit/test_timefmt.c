/*
 * test_timefmt.c - RFC 3339 instants as paced writes them, against the
 * printf formatting they replaced: random instants from year 0 to past
 * 9999 and before 1970, with and without milliseconds, every day's
 * edges over a thousand years, and the fixed examples of the SPEC.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rand_testutil.h"
#include "timefmt.h"

static void printf_rfc3339(paced_ms t, char *out, size_t len)
{
	time_t secs = (time_t)(t >= 0 ? t / 1000 : (t - 999) / 1000);
	int ms = (int)(t - (paced_ms)secs * 1000);
	struct tm tm;

	gmtime_r(&secs, &tm);
	if (ms)
		snprintf(out, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			 tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
	else
		snprintf(out, len, "%04d-%02d-%02dT%02d:%02d:%02dZ",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			 tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static void test_examples(void **state)
{
	char buf[TIMEFMT_MAX];

	(void)state;
	assert_string_equal(timefmt_rfc3339(1651370400000LL, buf),
			    "2022-05-01T02:00:00Z");
	assert_string_equal(timefmt_rfc3339(1651370400007LL, buf),
			    "2022-05-01T02:00:00.007Z");
	assert_string_equal(timefmt_rfc3339(-1, buf),
			    "1969-12-31T23:59:59.999Z");
	assert_string_equal(timefmt_rfc3339(0, buf), "1970-01-01T00:00:00Z");
}

static void test_same_as_printf(void **state)
{
	char got[TIMEFMT_MAX], want[TIMEFMT_MAX];
	/* Year 0 to about 11000, in ms. */
	const long long lo = -62167219200000LL, hi = 285000000000000LL;

	(void)state;
	for (int i = 0; i < 200000; i++) {
		paced_ms t = rand_testutil_in(lo, hi);

		if (i % 3 == 0)
			t -= t % 1000; /* whole seconds */
		printf_rfc3339(t, want, sizeof(want));
		assert_string_equal(timefmt_rfc3339(t, got), want);
	}
}

/* Around every day's start and end over a thousand years, the leap
 * days (and 1700, 1800, 1900, 2100's lack of them) among them, and the
 * ends of the four-digit years, where the writing changes hands. */
static void test_day_edges_same_as_printf(void **state)
{
	char got[TIMEFMT_MAX], want[TIMEFMT_MAX];
	const paced_ms day = 86400000LL, from = -11676096000000LL; /* 1600 */
	static const paced_ms ends[] = {
		-62167219200001LL, -62167219200000LL, /* year 0 */
		253402300799999LL, 253402300800000LL, /* year 10000 */
		-86400001LL, -1000LL, -999LL, 999LL, 1000LL,
	};

	(void)state;
	for (paced_ms t = from; t < from + 365243 * day; t += day) {
		for (int k = 0; k < 3; k++) {
			paced_ms at = k == 0 ? t : k == 1 ? t - 1 : t - 1000;

			printf_rfc3339(at, want, sizeof(want));
			assert_string_equal(timefmt_rfc3339(at, got), want);
		}
	}
	for (size_t i = 0; i < sizeof(ends) / sizeof(ends[0]); i++) {
		printf_rfc3339(ends[i], want, sizeof(want));
		assert_string_equal(timefmt_rfc3339(ends[i], got), want);
	}
	assert_string_equal(timefmt_rfc3339(951868799999LL, got),
			    "2000-02-29T23:59:59.999Z");
	assert_string_equal(timefmt_rfc3339(4107542400000LL, got),
			    "2100-03-01T00:00:00Z");
}

/* The local calendar day, against strftime, in zones east and west of
 * UTC and one with summer time, before and after 1970. */
static void test_day_same_as_strftime(void **state)
{
	static const char *const zones[] = {"UTC", "Asia/Shanghai",
					    "America/New_York",
					    "Pacific/Kiritimati"};
	char got[TIMEFMT_MAX], want[TIMEFMT_MAX];

	(void)state;
	for (size_t z = 0; z < sizeof(zones) / sizeof(zones[0]); z++) {
		setenv("TZ", zones[z], 1);
		tzset();
		for (int i = 0; i < 20000; i++) {
			paced_ms t = rand_testutil_in(-2208988800000LL,
						      4102444800000LL);
			time_t secs = (time_t)(t >= 0 ? t / 1000
						      : (t - 999) / 1000);
			struct tm tm;

			localtime_r(&secs, &tm);
			strftime(want, sizeof(want), "%Y-%m-%d", &tm);
			assert_string_equal(timefmt_day(t, got), want);
		}
	}
	unsetenv("TZ");
	tzset();
}

/* The dashboard's local times: milliseconds floored to their second on
 * both sides of 1970 (-1 ms is the last second before it, 07:59:59 in
 * Shanghai), in the zone in force, and the type's ends do not overflow. */
static void test_local_floors(void **state)
{
	char got[TIMEFMT_MAX];

	(void)state;
	setenv("TZ", "Asia/Shanghai", 1);
	tzset();
	assert_string_equal(timefmt_local(-1, "%Y-%m-%d %H:%M:%S", got),
			    "1970-01-01 07:59:59");
	assert_string_equal(timefmt_local(-1000, "%H:%M:%S", got),
			    "07:59:59");
	assert_string_equal(timefmt_local(-1001, "%H:%M:%S", got),
			    "07:59:58");
	assert_string_equal(timefmt_local(999, "%H:%M:%S", got), "08:00:00");
	assert_string_equal(
	    timefmt_local(1651341600000LL, "%Y-%m-%d %H:%M", got),
	    "2022-05-01 02:00");
	timefmt_local(INT64_MIN, "%Y", got); /* whatever it says, no UB */
	timefmt_local(INT64_MAX, "%Y", got);
	assert_string_equal(timefmt_local(0, "", got), "");
	unsetenv("TZ");
	tzset();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_examples),
		cmocka_unit_test(test_same_as_printf),
		cmocka_unit_test(test_day_edges_same_as_printf),
		cmocka_unit_test(test_day_same_as_strftime),
		cmocka_unit_test(test_local_floors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
