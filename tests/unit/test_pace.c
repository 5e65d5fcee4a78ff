/* test_pace.c - pace.c: active time, expected values, status, hysteresis. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "pace.h"
#include "pace_testutil.h"

/* ---- names ---- */

static void test_status_names(void **state)
{
	static const struct {
		enum pace_status s;
		const char *name;
	} t[] = {
		{PACE_DONE, "done"},       {PACE_OVERDUE, "overdue"},
		{PACE_NOT_STARTED, "not_started"}, {PACE_BEHIND, "behind"},
		{PACE_AT_RISK, "at_risk"}, {PACE_ON_TRACK, "on_track"},
	};
	enum pace_status s;

	(void)state;
	for (size_t i = 0; i < PACED_ARRAY_LEN(t); i++) {
		assert_string_equal(pace_status_name(t[i].s), t[i].name);
		s = PACE_NONE;
		assert_int_equal(pace_status_parse(t[i].name, &s), 0);
		assert_int_equal(s, t[i].s);
	}
	assert_int_equal(pace_status_parse("behind ", &s), PACED_EINVAL);
	assert_int_equal(pace_status_parse("Behind", &s), PACED_EINVAL);
	assert_int_equal(pace_status_parse("", &s), PACED_EINVAL);
	assert_int_equal(pace_status_parse("none", &s), PACED_EINVAL);
}

/* ---- active time ---- */

static void test_active_ms(void **state)
{
	static const struct {
		const char *name;
		const struct pace_curve *c;
		paced_ms t;
		int64_t want;
	} t[] = {
		{"linear before start", &parking, T0 - 5 * D, 0},
		{"linear at start", &parking, T0, 0},
		{"linear day 73", &parking, DAY(73), 73 * D},
		{"linear after due", &parking, DAY(400), 365 * D},
		/* 100 d before the pause, nothing inside it */
		{"pause start", &paused, DAY(100), 100 * D},
		{"inside pause", &paused, DAY(200), 100 * D},
		{"pause end", &paused, DAY(265), 100 * D},
		/* 100 + (300 - 265) = 135 d */
		{"after pause", &paused, DAY(300), 135 * D},
		{"paused total", &paused, DAY(365), 200 * D},
		/* the first 35 days are paused */
		{"edge start", &paused_edges, DAY(20), 0},
		{"edge day 36", &paused_edges, DAY(36), 1 * D},
		/* 335 - 35 = 300 d, then paused to due */
		{"edge last pause", &paused_edges, DAY(340), 300 * D},
		{"edge total", &paused_edges, DAY(500), 300 * D},
	};

	(void)state;
	for (size_t i = 0; i < PACED_ARRAY_LEN(t); i++)
		check_ms("active", t[i].name, pace_active_ms(t[i].c, t[i].t),
			 t[i].want);
}

/* ---- evaluation ---- */

struct eval_case {
	const char *name;
	const struct pace_curve *c;
	double current;
	paced_ms now;
	enum pace_status prev;
	double expected_progress;
	double expected; /* value */
	double gap;
	enum pace_status status;
};

static void run_eval(const struct eval_case *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct pace_eval e;
		enum pace_status s;

		memset(&e, 0xa5, sizeof(e));
		s = pace_evaluate(t[i].c, t[i].current, t[i].now, t[i].prev,
				  &e);
		check_status("status", t[i].name, s, t[i].status);
		check_status("out.status", t[i].name, e.status, t[i].status);
		check_double("expected_progress", t[i].name,
			     e.expected_progress, t[i].expected_progress);
		check_double("expected", t[i].name, e.expected, t[i].expected);
		check_double("gap", t[i].name, e.gap, t[i].gap);
		check_double("progress", t[i].name, e.progress,
			     pace_progress(t[i].c, t[i].current));
		/* the two ways to get the curve agree with evaluate */
		check_double("pace_expected", t[i].name,
			     pace_expected(t[i].c, t[i].now), t[i].expected);
		check_double("pace_expected_progress", t[i].name,
			     pace_expected_progress(t[i].c, t[i].now),
			     t[i].expected_progress);
	}
}

static void test_burn_up_linear(void **state)
{
	static const struct eval_case t[] = {
		/* 73/365 = 0.2; 0.2 * 350 = 70 */
		{"day 73 on curve", &parking, 70, DAY(73), PACE_NONE,
		 0.2, 70, 0, PACE_ON_TRACK},
		/* 182.5 d = 15768000000 ms: half the year, 175 spaces */
		{"mid-year", &parking, 175, T0 + 15768000000LL, PACE_NONE,
		 0.5, 175, 0, PACE_ON_TRACK},
		/* 146/365 = 0.4 -> 140; 126/350 = 0.36; gap 0.04 */
		{"day 146 gap 0.04", &parking, 126, DAY(146), PACE_NONE,
		 0.4, 140, 0.04, PACE_ON_TRACK},
		/* 122.5/350 = 0.35; gap 0.05 = at_risk exactly */
		{"gap exactly at_risk", &parking, 122.5, DAY(146), PACE_NONE,
		 0.4, 140, 0.05, PACE_AT_RISK},
		/* 122.535/350 = 0.3501; gap 0.0499 */
		{"gap just below at_risk", &parking, 122.535, DAY(146),
		 PACE_NONE, 0.4, 140, 0.0499, PACE_ON_TRACK},
		/* 105/350 = 0.3; gap 0.1 = behind exactly */
		{"gap exactly behind", &parking, 105, DAY(146), PACE_NONE,
		 0.4, 140, 0.1, PACE_BEHIND},
		/* 105.035/350 = 0.3001; gap 0.0999 */
		{"gap just below behind", &parking, 105.035, DAY(146),
		 PACE_NONE, 0.4, 140, 0.0999, PACE_AT_RISK},
		/* ahead of the curve: gap 0.4 - 0.6 = -0.2 */
		{"ahead", &parking, 210, DAY(146), PACE_NONE,
		 0.4, 140, -0.2, PACE_ON_TRACK},
		/* below baseline: progress -20/350 = -0.0571428571;
		 * at start the gap is 0 + 0.0571428571 -> at_risk */
		{"below baseline at start", &parking, -20, T0, PACE_NONE,
		 0, 0, 0.0571428571428571, PACE_AT_RISK},
	};

	(void)state;
	run_eval(t, PACED_ARRAY_LEN(t));
}

static void test_burn_down_linear(void **state)
{
	static const struct eval_case t[] = {
		/* 495 - 0.2 * 495 = 396 */
		{"day 73 on curve", &demolition, 396, DAY(73), PACE_NONE,
		 0.2, 396, 0, PACE_ON_TRACK},
		/* (420-495)/(0-495) = 75/495 = 0.1515151515;
		 * gap 0.2 - 0.1515151515 = 0.0484848485 */
		{"420 left", &demolition, 420, DAY(73), PACE_NONE,
		 0.2, 396, 0.0484848484848485, PACE_ON_TRACK},
		/* 70/495 = 0.1414141414; gap 0.0585858586 */
		{"425 left", &demolition, 425, DAY(73), PACE_NONE,
		 0.2, 396, 0.0585858585858586, PACE_AT_RISK},
		/* 45/495 = 0.0909090909; gap 0.1090909091 */
		{"450 left", &demolition, 450, DAY(73), PACE_NONE,
		 0.2, 396, 0.109090909090909, PACE_BEHIND},
		/* half the year: 495 / 2 = 247.5 */
		{"mid-year", &demolition, 247.5, T0 + 15768000000LL,
		 PACE_NONE, 0.5, 247.5, 0, PACE_ON_TRACK},
		/* more sites than at the start: progress -5/495 */
		{"went up", &demolition, 500, DAY(73), PACE_NONE,
		 0.2, 396, 0.2 + 5.0 / 495, PACE_BEHIND},
	};

	(void)state;
	run_eval(t, PACED_ARRAY_LEN(t));
}

static void test_milestones(void **state)
{
	static const struct eval_case t[] = {
		/* 90.5 d is half of the first segment (0 -> 2 by day 181):
		 * 0.5 * 2/14 = 1/14 = 0.0714285714, value 1 */
		{"half of first segment", &schools, 1, T0 + 7819200000LL,
		 PACE_NONE, 1.0 / 14, 1, 0, PACE_ON_TRACK},
		/* day 181: the milestone itself, 2/14 */
		{"at July milestone", &schools, 2, DAY(181), PACE_NONE,
		 2.0 / 14, 2, 0, PACE_ON_TRACK},
		/* day 212 is half way from day 181 to 243:
		 * 2/14 + 0.5 * 10/14 = 7/14 = 0.5; value 7.
		 * 5/14 = 0.3571428571 done: gap 0.1428571429 */
		{"summer build-up", &schools, 5, DAY(212), PACE_NONE,
		 0.5, 7, 0.5 - 5.0 / 14, PACE_BEHIND},
		/* day 243: 12/14 = 0.8571428571; 11/14 done: gap 1/14 */
		{"September term", &schools, 11, DAY(243), PACE_NONE,
		 12.0 / 14, 12, 1.0 / 14, PACE_AT_RISK},
		/* day 304 is half way from 243 to 365: 12/14 + 0.5 * 2/14 =
		 * 13/14 = 0.9285714286; 12.5/14 done: gap 0.5/14 = 0.0357 */
		{"autumn", &schools, 12.5, DAY(304), PACE_NONE,
		 13.0 / 14, 13, 0.5 / 14, PACE_ON_TRACK},
		/* a linear curve would expect 243/365*14 = 9.32 here and
		 * call 10 on track; the milestone curve expects 12:
		 * gap (12-10)/14 = 0.1428571429 */
		{"milestones matter", &schools, 10, DAY(243), PACE_NONE,
		 12.0 / 14, 12, 2.0 / 14, PACE_BEHIND},
		/* flat between day 100 and day 200 at 5/14 */
		{"flat segment", &schools_flat, 5, DAY(150), PACE_NONE,
		 5.0 / 14, 5, 0, PACE_ON_TRACK},
		/* day 50 is half of the first flat-curve segment: 2.5/14 */
		{"before flat", &schools_flat, 2.5, DAY(50), PACE_NONE,
		 2.5 / 14, 2.5, 0, PACE_ON_TRACK},
		/* day 60: active 60 of the 120 d before the pause, half of
		 * 0.5 = 0.25, 3.5 schools */
		{"in-pause ms, before", &schools_inpause, 3.5, DAY(60),
		 PACE_NONE, 0.25, 3.5, 0, PACE_ON_TRACK},
		/* from day 120 on, the later of the two milestones: 10/14 */
		{"in-pause ms, pause", &schools_inpause, 10, DAY(150),
		 PACE_NONE, 10.0 / 14, 10, 0, PACE_ON_TRACK},
		/* day 272.5: active 212.5 d, 92.5 of the 185 d after the
		 * knot: 10/14 + 0.5 * 4/14 = 12/14 */
		{"in-pause ms, after", &schools_inpause, 12,
		 DAY(272) + D / 2, PACE_NONE, 12.0 / 14, 12, 0,
		 PACE_ON_TRACK},
	};

	(void)state;
	run_eval(t, PACED_ARRAY_LEN(t));
}

static void test_pauses(void **state)
{
	static const struct eval_case t[] = {
		/* active 50 of 200 d = 0.25 -> 87.5 */
		{"before pause", &paused, 87.5, DAY(50), PACE_NONE,
		 0.25, 87.5, 0, PACE_ON_TRACK},
		/* active 100/200 = 0.5 at the pause's first instant ... */
		{"pause begins", &paused, 175, DAY(100), PACE_NONE,
		 0.5, 175, 0, PACE_ON_TRACK},
		/* ... and still 0.5 inside it and at its end */
		{"inside pause", &paused, 175, DAY(200), PACE_NONE,
		 0.5, 175, 0, PACE_ON_TRACK},
		{"pause ends", &paused, 175, DAY(265), PACE_NONE,
		 0.5, 175, 0, PACE_ON_TRACK},
		/* the schedule shifted: day 315 is active 150 d -> 0.75;
		 * 227.5/350 = 0.65, gap 0.1 */
		{"after pause", &paused, 227.5, DAY(315), PACE_NONE,
		 0.75, 262.5, 0.1, PACE_BEHIND},
		/* day 364: active 199 d -> 0.995 -> 348.25 */
		{"last day", &paused, 348.25, DAY(364), PACE_NONE,
		 0.995, 348.25, 0, PACE_ON_TRACK},
		/* paused from before start until day 35: no expectation */
		{"edge: paused start", &paused_edges, 0, DAY(20), PACE_NONE,
		 0, 0, 0, PACE_ON_TRACK},
		/* day 185: active 150 of 300 d = 0.5 */
		{"edge: middle", &paused_edges, 175, DAY(185), PACE_NONE,
		 0.5, 175, 0, PACE_ON_TRACK},
		/* day 320: active 285/300 = 0.95 -> 332.5 */
		{"edge: day 320", &paused_edges, 332.5, DAY(320), PACE_NONE,
		 0.95, 332.5, 0, PACE_ON_TRACK},
		/* day 340: in the final pause, all 300 active days passed:
		 * 1.0, yet not overdue. 340/350 = 0.9714285714 */
		{"edge: final pause", &paused_edges, 340, DAY(340), PACE_NONE,
		 1, 350, 1 - 340.0 / 350, PACE_ON_TRACK},
	};

	(void)state;
	run_eval(t, PACED_ARRAY_LEN(t));
}

static void test_start_and_due(void **state)
{
	static const struct eval_case t[] = {
		{"1 ms before start", &parking, 0, T0 - 1, PACE_NONE,
		 0, 0, 0, PACE_NOT_STARTED},
		/* not_started beats behind: -35/350 = -0.1, gap 0.1 */
		{"before start, behind", &parking, -35, T0 - D, PACE_NONE,
		 0, 0, 0.1, PACE_NOT_STARTED},
		/* done beats not_started */
		{"done before start", &parking, 350, T0 - D, PACE_NONE,
		 0, 0, -1, PACE_DONE},
		{"at start", &parking, 0, T0, PACE_NONE,
		 0, 0, 0, PACE_ON_TRACK},
		/* 300/350 = 0.8571428571, gap 0.1428571429 */
		{"at due", &parking, 300, DAY(365), PACE_NONE,
		 1, 350, 1 - 300.0 / 350, PACE_OVERDUE},
		/* 1 ms before due: (31536000000-1)/31536000000 */
		{"1 ms before due", &parking, 300, DAY(365) - 1, PACE_NONE,
		 1 - 1.0 / 31536000000.0, 350 - 350.0 / 31536000000.0,
		 1 - 300.0 / 350, PACE_BEHIND},
		{"done beats overdue", &parking, 350, DAY(375), PACE_NONE,
		 1, 350, 0, PACE_DONE},
		/* float noise: 349.9999999999/350 = 1 - 2.9e-13 is done */
		{"done within epsilon", &parking, 349.9999999999, DAY(365),
		 PACE_NONE, 1, 350, 0, PACE_DONE},
		/* but 349.99/350 = 0.9999714286 is not */
		{"not quite done", &parking, 349.99, DAY(365), PACE_NONE,
		 1, 350, 0.01 / 350, PACE_OVERDUE},
		/* overshoot is done too: 360/350 */
		{"overshoot", &parking, 360, DAY(100), PACE_NONE,
		 100.0 / 365, 350 * 100.0 / 365, 100.0 / 365 - 360.0 / 350,
		 PACE_DONE},
		/* burn-down: 0 left is done, 0.5 left is overdue
		 * ((0.5-495)/-495 = 0.9989898990) */
		{"burn-down done", &demolition, 0, DAY(365), PACE_NONE,
		 1, 0, 0, PACE_DONE},
		{"burn-down overdue", &demolition, 0.5, DAY(365), PACE_NONE,
		 1, 0, 0.5 / 495, PACE_OVERDUE},
		{"burn-down overshoot", &demolition, -3, DAY(200), PACE_NONE,
		 200.0 / 365, 495 - 495 * 200.0 / 365,
		 200.0 / 365 - 498.0 / 495, PACE_DONE},
		/* hysteresis never overrides precedence */
		{"behind before start", &parking, -35, T0 - D, PACE_BEHIND,
		 0, 0, 0.1, PACE_NOT_STARTED},
		{"behind at due", &parking, 100, DAY(365), PACE_BEHIND,
		 1, 350, 1 - 100.0 / 350, PACE_OVERDUE},
	};

	(void)state;
	run_eval(t, PACED_ARRAY_LEN(t));
}

/* At day 146 the parking curve expects 0.4, so the value for a gap g is
 * (0.4 - g) * 350. */
static void test_hysteresis(void **state)
{
	static const struct eval_case t[] = {
		/* 126 -> gap 0.04 = 0.05 - 0.01: at_risk holds */
		{"at_risk holds at 0.04", &parking, 126, DAY(146),
		 PACE_AT_RISK, 0.4, 140, 0.04, PACE_AT_RISK},
		/* 126.175 -> 0.3605 -> gap 0.0395: recovers */
		{"at_risk recovers below 0.04", &parking, 126.175, DAY(146),
		 PACE_AT_RISK, 0.4, 140, 0.0395, PACE_ON_TRACK},
		/* the same gaps from on_track stay on_track */
		{"on_track at 0.04", &parking, 126, DAY(146), PACE_ON_TRACK,
		 0.4, 140, 0.04, PACE_ON_TRACK},
		/* 124.25 -> 0.355 -> gap 0.045 */
		{"on_track at 0.045", &parking, 124.25, DAY(146),
		 PACE_ON_TRACK, 0.4, 140, 0.045, PACE_ON_TRACK},
		{"at_risk at 0.045", &parking, 124.25, DAY(146), PACE_AT_RISK,
		 0.4, 140, 0.045, PACE_AT_RISK},
		/* 106.75 -> 0.305 -> gap 0.095 */
		{"behind holds at 0.095", &parking, 106.75, DAY(146),
		 PACE_BEHIND, 0.4, 140, 0.095, PACE_BEHIND},
		{"at_risk at 0.095", &parking, 106.75, DAY(146), PACE_AT_RISK,
		 0.4, 140, 0.095, PACE_AT_RISK},
		{"on_track at 0.095", &parking, 106.75, DAY(146),
		 PACE_ON_TRACK, 0.4, 140, 0.095, PACE_AT_RISK},
		/* 108.5 -> 0.31 -> gap 0.09 = 0.10 - 0.01: behind holds */
		{"behind holds at 0.09", &parking, 108.5, DAY(146),
		 PACE_BEHIND, 0.4, 140, 0.09, PACE_BEHIND},
		/* 108.675 -> 0.3105 -> gap 0.0895 >= 0.05: at_risk */
		{"behind to at_risk", &parking, 108.675, DAY(146),
		 PACE_BEHIND, 0.4, 140, 0.0895, PACE_AT_RISK},
		/* leaving behind, at_risk is judged at its plain threshold:
		 * gap 0.045 < 0.05 is on_track */
		{"behind to on_track", &parking, 124.25, DAY(146),
		 PACE_BEHIND, 0.4, 140, 0.045, PACE_ON_TRACK},
		/* getting worse has no hysteresis */
		{"on_track to at_risk at 0.05", &parking, 122.5, DAY(146),
		 PACE_ON_TRACK, 0.4, 140, 0.05, PACE_AT_RISK},
		{"at_risk to behind at 0.1", &parking, 105, DAY(146),
		 PACE_AT_RISK, 0.4, 140, 0.1, PACE_BEHIND},
		{"on_track to behind at 0.1", &parking, 105, DAY(146),
		 PACE_ON_TRACK, 0.4, 140, 0.1, PACE_BEHIND},
		/* other previous statuses have no hysteresis */
		{"overdue prev at 0.045", &parking, 124.25, DAY(146),
		 PACE_OVERDUE, 0.4, 140, 0.045, PACE_ON_TRACK},
		{"done prev at 0.05", &parking, 122.5, DAY(146), PACE_DONE,
		 0.4, 140, 0.05, PACE_AT_RISK},
		/* burn-down works the same: 416 left is 79/495 =
		 * 0.1595959596 done, gap 0.0404040404 >= 0.04 holds;
		 * 415 left is 80/495 = 0.1616161616, gap 0.0383838384
		 * recovers */
		{"burn-down at_risk holds", &demolition, 416, DAY(73),
		 PACE_AT_RISK, 0.2, 396, 0.2 - 79.0 / 495, PACE_AT_RISK},
		{"burn-down recovers", &demolition, 415, DAY(73),
		 PACE_AT_RISK, 0.2, 396, 0.2 - 80.0 / 495, PACE_ON_TRACK},
	};

	(void)state;
	run_eval(t, PACED_ARRAY_LEN(t));
}

/* A value drifting with the status fed back each time: behind ->
 * at_risk -> on_track, and back up. */
static void test_hysteresis_sequence(void **state)
{
	static const struct {
		double current; /* (0.4 - gap) * 350 */
		double gap;
		enum pace_status want;
	} seq[] = {
		{98, 0.12, PACE_BEHIND},         /* 0.28 */
		{106.75, 0.095, PACE_BEHIND},    /* 0.305: held */
		{108.675, 0.0895, PACE_AT_RISK}, /* 0.3105 */
		{106.75, 0.095, PACE_AT_RISK},   /* not back to behind */
		{124.25, 0.045, PACE_AT_RISK},   /* 0.355: held */
		{125.825, 0.0405, PACE_AT_RISK}, /* 0.3595: held */
		{126.035, 0.0399, PACE_ON_TRACK}, /* 0.3601 */
		{124.25, 0.045, PACE_ON_TRACK},  /* not back to at_risk */
		{122.5, 0.05, PACE_AT_RISK},     /* 0.35: threshold */
		{105, 0.1, PACE_BEHIND},         /* 0.3: threshold */
	};
	enum pace_status prev = PACE_NONE;
	char name[32];

	(void)state;
	for (size_t i = 0; i < PACED_ARRAY_LEN(seq); i++) {
		struct pace_eval e;
		enum pace_status s;

		snprintf(name, sizeof(name), "step %zu", i);
		s = pace_evaluate(&parking, seq[i].current, DAY(146), prev,
				  &e);
		check_double("gap", name, e.gap, seq[i].gap);
		check_status("status", name, s, seq[i].want);
		prev = s;
	}
}

/* An update counts for the trend only once it has happened and when its
 * value is a number. */
static void test_any_usable(void **state)
{
	const struct pace_point later[] = {{2000, 5.0}, {3000, 6.0}};
	const struct pace_point odd[] = {{500, NAN}, {600, INFINITY}};
	const struct pace_point mixed[] = {{500, NAN}, {3000, 1.0},
					   {1000, 2.0}};

	(void)state;
	assert_false(pace_any_usable(NULL, 0, 1000));
	assert_false(pace_any_usable(later, 2, 1000));
	assert_true(pace_any_usable(later, 2, 2000));
	assert_false(pace_any_usable(odd, 2, 1000));
	assert_true(pace_any_usable(mixed, 3, 1000));
	assert_false(pace_any_usable(mixed, 2, 1000));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_names),
		cmocka_unit_test(test_any_usable),
		cmocka_unit_test(test_active_ms),
		cmocka_unit_test(test_burn_up_linear),
		cmocka_unit_test(test_burn_down_linear),
		cmocka_unit_test(test_milestones),
		cmocka_unit_test(test_pauses),
		cmocka_unit_test(test_start_and_due),
		cmocka_unit_test(test_hysteresis),
		cmocka_unit_test(test_hysteresis_sequence),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
