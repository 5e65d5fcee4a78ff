/* test_pace_crossing.c - pace.c crossing instants, forecasts, properties. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pace.h"
#include "pace_testutil.h"

/* ---- crossing instants ---- */

static void test_time_at_progress(void **state)
{
	static const struct {
		const char *name;
		const struct pace_curve *c;
		double fraction;
		paced_ms from;
		paced_ms want;
	} t[] = {
		/* 0.5 * 31536000000 = 15768000000 ms = 182.5 d */
		{"linear half", &parking, 0.5, 0, T0 + 15768000000LL},
		{"linear 0.2", &parking, 0.2, 0, DAY(73)},
		/* 31536000000 / 3 = 10512000000 exactly: no extra ms */
		{"linear third", &parking, 1.0 / 3, 0, T0 + 10512000000LL},
		/* 31536000000 / 7 = 4505142857.14 -> rounded up */
		{"linear seventh", &parking, 1.0 / 7, 0, T0 + 4505142858LL},
		{"linear 1", &parking, 1.0, 0, DAY(365)},
		{"burn-down 0.2", &demolition, 0.2, 0, DAY(73)},
		/* fraction 0: max(from, start) */
		{"zero before start", &parking, 0.0, T0 - 5 * D, T0},
		{"zero after start", &parking, 0.0, DAY(10), DAY(10)},
		{"negative", &parking, -0.5, T0 - 5 * D, T0},
		/* already reached at from: from itself */
		{"reached before from", &parking, 0.5, DAY(300), DAY(300)},
		{"from after due", &parking, 0.5, DAY(400), DAY(400)},
		{"from is the crossing", &parking, 0.2, DAY(73), DAY(73)},
		{"from 1 ms late", &parking, 0.2, DAY(73) + 1, DAY(73) + 1},
		{"above 1", &parking, 1.0000001, 0, PACED_NEVER},
		{"NaN", &parking, NAN, 0, PACED_NEVER},
		/* milestones: day 181 is 2/14, day 212 is 0.5, day 243 is
		 * 12/14, day 304 is 13/14, 90.5 d is 1/14 */
		{"ms July", &schools, 2.0 / 14, 0, DAY(181)},
		{"ms summer", &schools, 0.5, 0, DAY(212)},
		{"ms September", &schools, 12.0 / 14, 0, DAY(243)},
		{"ms autumn", &schools, 13.0 / 14, 0, DAY(304)},
		{"ms first half", &schools, 1.0 / 14, 0, T0 + 7819200000LL},
		/* flat from day 100 to day 200 at 5/14 */
		{"flat start", &schools_flat, 5.0 / 14, 0, DAY(100)},
		{"flat, from inside", &schools_flat, 5.0 / 14, DAY(150),
		 DAY(150)},
		{"flat first half", &schools_flat, 2.5 / 14, 0, DAY(50)},
		/* just above the flat part: after day 200, the segment to
		 * day 365 rises 9/14 in 165 d = 14256000000 ms:
		 * 1e-9 * 14256000000 * 14/9 = 22.176 ms -> 23 */
		{"just above flat", &schools_flat, 5.0 / 14 + 1e-9, 0,
		 DAY(200) + 23},
		/* pauses: active 100 d is the pause's first instant */
		{"pause start", &paused, 0.5, 0, DAY(100)},
		{"pause before", &paused, 0.25, 0, DAY(50)},
		/* active 150 d: 100 before + 50 after day 265 */
		{"pause after", &paused, 0.75, 0, DAY(315)},
		/* active 0.6 * 200 = 120 d: day 265 + 20 */
		{"pause 0.6", &paused, 0.6, 0, DAY(285)},
		{"pause from inside", &paused, 0.5, DAY(200), DAY(200)},
		/* edges: active 150 d after the first 35 paused days */
		{"edges half", &paused_edges, 0.5, 0, DAY(185)},
		{"edges 0.95", &paused_edges, 0.95, 0, DAY(320)},
		/* all 300 active days are done when the last pause begins */
		{"edges 1", &paused_edges, 1.0, 0, DAY(335)},
		/* the smallest step: 1 active ms after the first pause */
		{"edges tiny", &paused_edges, 1e-12, 0, DAY(35) + 1},
		/* milestones inside a pause: both reached on day 120 */
		{"in-pause 0.5", &schools_inpause, 0.5, 0, DAY(120)},
		{"in-pause 0.6", &schools_inpause, 0.6, 0, DAY(120)},
		{"in-pause 10/14", &schools_inpause, 10.0 / 14, 0, DAY(120)},
		{"in-pause 0.25", &schools_inpause, 0.25, 0, DAY(60)},
	};

	(void)state;
	for (size_t i = 0; i < PACED_ARRAY_LEN(t); i++) {
		const struct pace_curve *c = t[i].c;
		paced_ms got = pace_time_at_progress(c, t[i].fraction,
						     t[i].from);

		check_ms("time_at_progress", t[i].name, got, t[i].want);
		if (got == PACED_NEVER || !(t[i].fraction > 0))
			continue;
		/* round trip: reached at the instant, not 1 ms before */
		if (!(pace_expected_progress(c, got) >= t[i].fraction))
			fail_msg("%s: not reached at the instant", t[i].name);
		if (got > t[i].from &&
		    pace_expected_progress(c, got - 1) >= t[i].fraction)
			fail_msg("%s: already reached 1 ms before", t[i].name);
	}
}

struct next_case {
	const char *name;
	const struct pace_curve *c;
	double current;
	paced_ms now;
	enum pace_status status; /* at now; checked too */
	paced_ms want;
	enum pace_status then; /* the status at want */
};

static void test_next_change(void **state)
{
	static const struct next_case t[] = {
		/* 70/350 = 0.2; at_risk at 0.25 of the year:
		 * 0.25 * 31536000000 = 7884000000 ms (day 91.25) */
		{"on_track -> at_risk", &parking, 70, DAY(73), PACE_ON_TRACK,
		 T0 + 7884000000LL, PACE_AT_RISK},
		{"1 ms before", &parking, 70, T0 + 7884000000LL - 1,
		 PACE_ON_TRACK, T0 + 7884000000LL, PACE_AT_RISK},
		/* behind at 0.3: 0.3 * 31536000000 = 9460800000 (109.5 d) */
		{"at_risk -> behind", &parking, 70, DAY(95), PACE_AT_RISK,
		 T0 + 9460800000LL, PACE_BEHIND},
		{"at the at_risk crossing", &parking, 70, T0 + 7884000000LL,
		 PACE_AT_RISK, T0 + 9460800000LL, PACE_BEHIND},
		/* burn-down: 396 left = 0.2, the same instants */
		{"burn-down on_track", &demolition, 396, DAY(73),
		 PACE_ON_TRACK, T0 + 7884000000LL, PACE_AT_RISK},
		/* not started: the change is the start itself */
		{"not_started -> on_track", &parking, 0, T0 - 10 * D,
		 PACE_NOT_STARTED, T0, PACE_ON_TRACK},
		/* -20/350 = -0.0571: at_risk from the first instant */
		{"not_started -> at_risk", &parking, -20, T0 - 10 * D,
		 PACE_NOT_STARTED, T0, PACE_AT_RISK},
		{"not_started -> behind", &parking, -40, T0 - 1,
		 PACE_NOT_STARTED, T0, PACE_BEHIND},
		/* behind stays behind until due */
		{"behind -> overdue", &parking, 70, DAY(200), PACE_BEHIND,
		 DAY(365), PACE_OVERDUE},
		/* ahead: 175/350 = 0.5, at_risk at 0.55:
		 * 0.55 * 365 = 200.75 d = 17344800000 ms */
		{"ahead of the curve", &parking, 175, DAY(73), PACE_ON_TRACK,
		 T0 + 17344800000LL, PACE_AT_RISK},
		/* 87.5/350 = 0.25, at day 110 gap 110/365 - 0.25 = 0.0514:
		 * the at_risk crossing (day 109.5) is past, behind at 0.35:
		 * 0.35 * 365 = 127.75 d = 11037600000 ms */
		{"at_risk already past", &parking, 87.5, DAY(110),
		 PACE_AT_RISK, T0 + 11037600000LL, PACE_BEHIND},
		/* 126/350 = 0.36 held at_risk by hysteresis at day 146 (gap
		 * 0.04): the plain at_risk crossing still lies ahead (day
		 * 149.65) but changes nothing; behind at 0.46:
		 * 0.46 * 365 = 167.9 d = 14506560000 ms */
		{"held at_risk", &parking, 126, DAY(146), PACE_AT_RISK,
		 T0 + 14506560000LL, PACE_BEHIND},
		/* thresholds equal: straight to behind at 0.25 */
		{"equal thresholds", &parking_eq, 70, DAY(73), PACE_ON_TRACK,
		 T0 + 7884000000LL, PACE_BEHIND},
		/* 346.5/350 = 0.99 can never be 0.05 behind: only due */
		{"only due remains", &parking, 346.5, DAY(73), PACE_ON_TRACK,
		 DAY(365), PACE_OVERDUE},
		/* 332.5/350 = 0.95: at_risk at 1.0 - but that is due, where
		 * overdue takes precedence */
		{"threshold at due", &parking, 332.5, DAY(300), PACE_ON_TRACK,
		 DAY(365), PACE_OVERDUE},
		/* milestones: 2/14 at day 100 is ahead; at_risk at
		 * 2/14 + 0.05 on the day 181..243 segment, which rises
		 * 10/14 in 62 d: 0.05 * 62 * 14/10 = 4.34 d = 374976000 */
		{"milestones", &schools, 2, DAY(100), PACE_ON_TRACK,
		 DAY(181) + 374976000LL, PACE_AT_RISK},
		/* flat: 4.5/14 = 0.3214 at day 100 on the flat part (gap
		 * 0.5/14 = 0.0357): at_risk needs 0.3714 > 5/14, after
		 * day 200: (0.05 - 0.5/14) / (9/14) * 165 d
		 * = (0.2/9) * 165 d = 3.6667 d = 316800000 ms */
		{"flat segment", &schools_flat, 4.5, DAY(100), PACE_ON_TRACK,
		 DAY(200) + 316800000LL, PACE_AT_RISK},
		/* pause: 175/350 = 0.5; at_risk at 0.55 = active 110 d,
		 * which is 10 d after the pause: day 275 */
		{"across a pause", &paused, 175, DAY(50), PACE_ON_TRACK,
		 DAY(275), PACE_AT_RISK},
		/* 157.5/350 = 0.45: at_risk at 0.5, the pause's first ms */
		{"at pause start", &paused, 157.5, DAY(50), PACE_ON_TRACK,
		 DAY(100), PACE_AT_RISK},
		/* inside the pause nothing moves until it ends + 10 d */
		{"inside a pause", &paused, 157.5, DAY(150), PACE_AT_RISK,
		 DAY(275), PACE_BEHIND},
		/* edges: day 20 in the first pause; 0/350 at_risk when the
		 * curve reaches 0.05 = active 15 d: day 50 */
		{"paused start", &paused_edges, 0, DAY(20), PACE_ON_TRACK,
		 DAY(50), PACE_AT_RISK},
		/* 297.5/350 = 0.85 at day 200 of edges (active 165 d =
		 * 0.55): on_track; at_risk at 0.9 = active 270 d, plus the
		 * 35 paused days at the start: day 305 */
		{"edges late", &paused_edges, 297.5, DAY(200), PACE_ON_TRACK,
		 DAY(305), PACE_AT_RISK},
	};

	(void)state;
	for (size_t i = 0; i < PACED_ARRAY_LEN(t); i++) {
		const struct pace_curve *c = t[i].c;
		enum pace_status s;
		paced_ms got;

		s = pace_evaluate(c, t[i].current, t[i].now, t[i].status,
				  NULL);
		check_status("status at now", t[i].name, s, t[i].status);
		got = pace_next_change(c, t[i].current, t[i].now,
				       t[i].status);
		check_ms("next_change", t[i].name, got, t[i].want);
		s = pace_evaluate(c, t[i].current, got - 1, t[i].status,
				  NULL);
		check_status("status 1 ms before", t[i].name, s,
			     t[i].status);
		s = pace_evaluate(c, t[i].current, got, t[i].status, NULL);
		check_status("status then", t[i].name, s, t[i].then);
	}
}

static void test_next_change_never(void **state)
{
	(void)state;
	/* done: nothing changes without an update, before start too */
	assert_true(pace_next_change(&parking, 350, DAY(73), PACE_DONE) ==
		    PACED_NEVER);
	assert_true(pace_next_change(&parking, 350, T0 - D, PACE_DONE) ==
		    PACED_NEVER);
	assert_true(pace_next_change(&demolition, 0, DAY(73), PACE_DONE) ==
		    PACED_NEVER);
	/* overdue stays overdue */
	assert_true(pace_next_change(&parking, 100, DAY(365),
				     PACE_OVERDUE) == PACED_NEVER);
	assert_true(pace_next_change(&parking, 100, DAY(500),
				     PACE_OVERDUE) == PACED_NEVER);
	/* no previous status: judged from the status at now */
	check_ms("next_change", "none", pace_next_change(&parking, 70,
							 DAY(73), PACE_NONE),
		 T0 + 7884000000LL);
	/* a status that does not hold at now changes at once */
	check_ms("next_change", "stale status",
		 pace_next_change(&parking, 70, DAY(200), PACE_ON_TRACK),
		 DAY(200) + 1);
}

/* ---- forecast ---- */

struct fc_case {
	const char *name;
	const struct pace_curve *c;
	const struct pace_point *upd;
	size_t n_upd;
	double current;
	paced_ms now;
	double rate;
	double projected;
	int has_eta;
	paced_ms eta;
	int has_required;
	double required;
};

/* Day 100 and day 170 (= now - 30 d exactly) are outside the window of
 * now = day 200; the rest is out of order on purpose. */
static const struct pace_point up_reg[] = {
	{DAY(190), 130}, {DAY(100), 0}, {DAY(200), 110},
	{DAY(170), 500}, {DAY(180), 100},
};
static const struct pace_point down_reg[] = {
	{DAY(80), 400}, {DAY(90), 380}, {DAY(100), 370},
};
/* One in the window of day 146 (day 10 is outside), and one after now. */
static const struct pace_point single[] = {
	{DAY(10), 5}, {DAY(146), 140}, {DAY(150), 10000},
};
static const struct pace_point same_instant[] = {
	{DAY(140), 120}, {DAY(140), 120},
};
static const struct pace_point at_start[] = {
	{T0, 0},
};
static const struct pace_point falling[] = {
	{DAY(180), 130}, {DAY(190), 120}, {DAY(200), 110},
};
static const struct pace_point level[] = {
	{DAY(180), 110}, {DAY(190), 110}, {DAY(200), 110},
};
static const struct pace_point finished[] = {
	{DAY(250), 300}, {DAY(280), 350}, {DAY(120), 50},
};
static const struct pace_point late[] = {
	{DAY(355), 280}, {DAY(365), 300},
};

static void test_forecast(void **state)
{
	static const struct fc_case t[] = {
		/* x = -20, -10, 0 d; y = 100, 130, 110; means -10, 113.33;
		 * sum dx*dy = (-10)(-13.33) + 0 + (10)(-3.33) = 100,
		 * sum dx^2 = 200: 0.5/day. The fitted line through
		 * (-10, 113.33) at due (+165 d): 113.33 + 0.5 * 175 =
		 * 200.8333; it meets 350 at -10 + 236.67 / 0.5 = 463.33 d
		 * = 40032000000 ms; required (350 - 110) / 165 */
		{"regression", &parking, up_reg, 5, 110, DAY(200),
		 0.5, 340.0 / 3 + 87.5, 1, DAY(200) + 40032000000LL, 1,
		 240.0 / 165},
		/* y = 400, 380, 370; mean 383.33; sum dx*dy = (-10)(16.67)
		 * + (10)(-13.33) = -300: -1.5/day. The line through
		 * (-10, 383.33) at due (+265 d): 383.33 - 1.5 * 275 =
		 * -29.1667; it meets 0 at -10 + 383.33 / 1.5 = 245.56 d =
		 * 21216000000 ms; required -370 / 265 */
		{"burn-down regression", &demolition, down_reg, 3, 370,
		 DAY(100), -1.5, 1150.0 / 3 - 412.5, 1,
		 DAY(100) + 21216000000LL, 1, -370.0 / 265},
		/* one point: the line from (start, 0) to (day 146, 140):
		 * 140/146 = 0.9589041096/day; 140 + 140/146 * 219 = 350;
		 * 210 / (140/146) = 219 d: due; 210 / 219 */
		{"single point", &parking, single, 3, 140, DAY(146),
		 140.0 / 146, 350, 1, DAY(365), 1, 210.0 / 219},
		/* two points at one instant are no regression: the line,
		 * 120/140 = 0.857/day; 120 + 225 * 120/140 = 312.857;
		 * 230 / (120/140) = 268.333 d = 23184000000 ms */
		{"same instant", &parking, same_instant, 2, 120, DAY(140),
		 120.0 / 140, 120 + 225 * 120.0 / 140, 1,
		 DAY(140) + 23184000000LL, 1, 230.0 / 225},
		/* no updates: no trend, no eta; 350 / 292 */
		{"no updates", &parking, NULL, 0, 0, DAY(73), 0, 0, 0,
		 PACED_NEVER, 1, 350.0 / 292},
		/* the latest update is at start: no line either */
		{"update at start", &parking, at_start, 1, 0, DAY(73), 0, 0, 0,
		 PACED_NEVER, 1, 350.0 / 292},
		/* -1/day: away from the target. 110 - 165 = -55 */
		{"wrong direction", &parking, falling, 3, 110, DAY(200), -1,
		 -55, 0, PACED_NEVER, 1, 240.0 / 165},
		{"level", &parking, level, 3, 110, DAY(200), 0, 110, 0,
		 PACED_NEVER, 1, 240.0 / 165},
		/* done: eta at the latest update (day 280) even though the
		 * window of day 300 holds one point: the line from (0, 0)
		 * to (280, 350) gives 1.25/day and reaches
		 * 350 + 1.25 * (365 - 280) = 456.25 at due */
		{"done", &parking, finished, 3, 350, DAY(300), 1.25, 456.25,
		 1, DAY(280), 1, 0},
		{"done, no updates", &parking, NULL, 0, 350, DAY(300), 0, 350,
		 1, DAY(300), 1, 0},
		/* after due: x = -15, -5 d from day 370, y = 280, 300:
		 * 2/day through (-10, 290); projected is current; the line
		 * meets 350 at -10 + 60 / 2 = 20 d; no required rate */
		{"after due", &parking, late, 2, 300, DAY(370), 2, 300, 1,
		 DAY(390), 0, 0},
	};

	(void)state;
	for (size_t i = 0; i < PACED_ARRAY_LEN(t); i++) {
		struct pace_forecast f;

		memset(&f, 0xa5, sizeof(f));
		pace_forecast(t[i].c, t[i].upd, t[i].n_upd, t[i].current,
			      t[i].now, &f);
		check_double("rate_per_day", t[i].name, f.rate_per_day,
			     t[i].rate);
		check_double("projected_at_due", t[i].name,
			     f.projected_at_due, t[i].projected);
		check_ms("has_eta", t[i].name, f.has_eta, t[i].has_eta);
		if (t[i].has_eta)
			check_ms("eta", t[i].name, f.eta, t[i].eta);
		check_ms("has_required_rate", t[i].name, f.has_required_rate,
			 t[i].has_required);
		if (t[i].has_required)
			check_double("required_rate_per_day", t[i].name,
				     f.required_rate_per_day, t[i].required);
	}
}

/* ---- properties over random curves ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
	/* xorshift64*: deterministic, so a failure can be replayed */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static int64_t rng_range(int64_t lo, int64_t hi) /* [lo, hi] */
{
	return lo + (int64_t)(rng() % (uint64_t)(hi - lo + 1));
}

static double rng_unit(void) /* [0, 1) */
{
	return (double)(rng() >> 11) / 9007199254740992.0;
}

static int cmp_ms(const void *a, const void *b)
{
	paced_ms x = *(const paced_ms *)a, y = *(const paced_ms *)b;

	return x < y ? -1 : x > y;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct rand_curve {
	struct pace_curve c;
	struct pace_point ms[6];
	struct pace_pause pauses[4];
	double fractions[6];
};

static void rand_curve(struct rand_curve *r)
{
	paced_ms span, at[6], ends[8];
	size_t n_ms, n_p;

	memset(r, 0, sizeof(*r));
	r->c.start = T0 + rng_range(-1000 * D, 1000 * D);
	/* short spans too, where a millisecond is a large step */
	span = rng() % 4 == 0 ? rng_range(1, 1000) : rng_range(1, 400 * D);
	r->c.due = r->c.start + span;
	r->c.baseline = (double)rng_range(-100, 100);
	r->c.target = r->c.baseline + (rng() % 2 ? 1 : -1) *
					      (double)rng_range(1, 1000);
	if (rng() % 3 == 0) {
		r->c.at_risk = 0.05;
		r->c.behind = 0.10;
	} else {
		r->c.at_risk = 0.2 * rng_unit();
		r->c.behind = r->c.at_risk + (rng() % 4 ? 0.2 * rng_unit() : 0);
	}

	n_ms = span > 8 ? (size_t)rng_range(0, 5) : 0;
	for (size_t i = 0; i < n_ms; i++)
		at[i] = r->c.start + rng_range(1, span - 1);
	qsort(at, n_ms, sizeof(at[0]), cmp_ms);
	for (size_t i = 0; i < n_ms; i++) {
		/* milestones must be strictly increasing in time */
		if (i > 0 && at[i] <= at[i - 1])
			at[i] = at[i - 1] + 1;
		/* some equal values make flat segments */
		r->fractions[i] = rng() % 4 == 0 && i > 0
					  ? r->fractions[i - 1]
					  : rng_unit();
	}
	while (n_ms > 0 && at[n_ms - 1] >= r->c.due)
		n_ms--;
	qsort(r->fractions, n_ms, sizeof(double), cmp_double);
	for (size_t i = 0; i < n_ms; i++) {
		double span_v = r->c.target - r->c.baseline;

		r->ms[i].at = at[i];
		r->ms[i].value = r->c.baseline + r->fractions[i] * span_v;
	}
	r->c.milestones = r->ms;
	r->c.n_milestones = n_ms;

	/* pauses: sorted disjoint intervals, possibly reaching outside */
	n_p = (size_t)rng_range(0, 3);
	for (size_t i = 0; i < 2 * n_p; i++)
		ends[i] = r->c.start + rng_range(-span / 2, span + span / 2);
	qsort(ends, 2 * n_p, sizeof(ends[0]), cmp_ms);
	for (size_t i = 0; i < n_p; i++) {
		r->pauses[i].from = ends[2 * i];
		r->pauses[i].to = ends[2 * i + 1];
	}
	r->c.pauses = r->pauses;
	r->c.n_pauses = n_p;
}

static void test_property_curve(void **state)
{
	(void)state;
	for (int iter = 0; iter < 20000; iter++) {
		struct rand_curve r;
		const struct pace_curve *c = &r.c;
		paced_ms span, t1, t2, from, got;
		double f1, f2, phi;

		rand_curve(&r);
		span = c->due - c->start;
		t1 = c->start + rng_range(-span / 4, span + span / 4);
		t2 = t1 + rng_range(0, span / 3 + 1);
		f1 = pace_expected_progress(c, t1);
		f2 = pace_expected_progress(c, t2);
		/* in [0,1] and never decreasing */
		if (!(f1 >= 0 && f2 <= 1 && f1 <= f2))
			fail_msg("iter %d: curve not monotone: %.17g, %.17g",
				 iter, f1, f2);
		if (pace_active_ms(c, t1) > pace_active_ms(c, t2) ||
		    pace_active_ms(c, c->due) > span)
			fail_msg("iter %d: active time", iter);

		/* crossing instants: a milestone's own fraction, the
		 * ends, or anything between */
		switch (rng() % 4) {
		case 0:
			phi = c->n_milestones
				      ? r.fractions[rng() % c->n_milestones]
				      : 1.0;
			break;
		case 1:
			phi = rng() % 2 ? 0.0 : 1.0;
			break;
		default:
			phi = rng_unit();
		}
		from = c->start + rng_range(-span / 4, span + span / 4);
		got = pace_time_at_progress(c, phi, from);
		if (got == PACED_NEVER || got < from || got < c->start)
			fail_msg("iter %d: time_at_progress %lld from %lld",
				 iter, (long long)got, (long long)from);
		if (!(pace_expected_progress(c, got) >= phi))
			fail_msg("iter %d: %.17g not reached at %lld", iter,
				 phi, (long long)got);
		if (got > from && got > c->start &&
		    pace_expected_progress(c, got - 1) >= phi)
			fail_msg("iter %d: %.17g reached before %lld", iter,
				 phi, (long long)got);
	}
}

static void test_property_next_change(void **state)
{
	int changes = 0, nevers = 0;

	(void)state;
	for (int iter = 0; iter < 20000; iter++) {
		struct rand_curve r;
		const struct pace_curve *c = &r.c;
		paced_ms span, now, got;
		double current;
		enum pace_status prev, s, s1;

		rand_curve(&r);
		span = c->due - c->start;
		now = c->start + rng_range(-span / 4, span + span / 10);
		current = c->baseline + (c->target - c->baseline) *
						(1.3 * rng_unit() - 0.2);
		if (rng() % 8 == 0) /* exactly done */
			current = c->target;
		prev = (enum pace_status)rng_range(PACE_NONE, PACE_ON_TRACK);
		s = pace_evaluate(c, current, now, prev, NULL);
		got = pace_next_change(c, current, now, s);

		if (s == PACE_DONE || s == PACE_OVERDUE) {
			if (got != PACED_NEVER)
				fail_msg("iter %d: %s changes at %lld", iter,
					 pace_status_name(s), (long long)got);
			nevers++;
			continue;
		}
		if (got == PACED_NEVER || got <= now || got > c->due)
			fail_msg("iter %d: next_change %lld, now %lld, "
				 "due %lld",
				 iter, (long long)got, (long long)now,
				 (long long)c->due);
		s1 = pace_evaluate(c, current, got - 1, s, NULL);
		if (s1 != s)
			fail_msg("iter %d: %s 1 ms before the change, "
				 "want %s",
				 iter, pace_status_name(s1),
				 pace_status_name(s));
		s1 = pace_evaluate(c, current, got, s, NULL);
		if (s1 == s)
			fail_msg("iter %d: still %s at the change", iter,
				 pace_status_name(s));
		/* and nothing changes at any instant in between */
		for (int k = 0; k < 4 && got - now > 1; k++) {
			paced_ms t = rng_range(now + 1, got - 1);

			s1 = pace_evaluate(c, current, t, s, NULL);
			if (s1 != s)
				fail_msg("iter %d: %s at %lld before the "
					 "change at %lld",
					 iter, pace_status_name(s1),
					 (long long)t, (long long)got);
		}
		changes++;
	}
	/* the generator exercised both outcomes */
	assert_true(changes > 10000);
	assert_true(nevers > 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time_at_progress),
		cmocka_unit_test(test_next_change),
		cmocka_unit_test(test_next_change_never),
		cmocka_unit_test(test_forecast),
		cmocka_unit_test(test_property_curve),
		cmocka_unit_test(test_property_next_change),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
