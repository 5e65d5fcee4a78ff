/*
 * pace_testutil.c - the checks and sample curves the pace.c tests share
 * (see pace_testutil.h).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "pace.h"
#include "pace_testutil.h"

/* Doubles are compared to 1e-9: far below any value that matters, far
 * above the rounding of these computations. */
#define TOL 1e-9

void check_double(const char *what, const char *name, double got,
		  double want)
{
	if (!(fabs(got - want) <= TOL))
		fail_msg("%s: %s = %.15g, want %.15g", name, what, got, want);
}

void check_ms(const char *what, const char *name, paced_ms got,
	      paced_ms want)
{
	if (got != want)
		fail_msg("%s: %s = %lld (T0%+lld), want %lld (T0%+lld)", name,
			 what, (long long)got, (long long)(got - T0),
			 (long long)want, (long long)(want - T0));
}

void check_status(const char *what, const char *name,
		  enum pace_status got, enum pace_status want)
{
	if (got != want)
		fail_msg("%s: %s = %s, want %s", name, what,
			 pace_status_name(got), pace_status_name(want));
}

/* ---- the curves ---- */

/* "Add 350 public parking spaces in 2022": linear burn-up. */
const struct pace_curve parking = {
	.baseline = 0, .target = 350, .start = T0, .due = DAY(365),
	.at_risk = 0.05, .behind = 0.10,
};

/* Same, with at_risk == behind: on_track goes straight to behind. */
const struct pace_curve parking_eq = {
	.baseline = 0, .target = 350, .start = T0, .due = DAY(365),
	.at_risk = 0.05, .behind = 0.05,
};

/* "Clear the remaining 495 demolition sites": linear burn-down. */
const struct pace_curve demolition = {
	.baseline = 495, .target = 0, .start = T0, .due = DAY(365),
	.at_risk = 0.05, .behind = 0.10,
};

/* "Open 14 new schools": 2 by July 1st (day 181), 12 by the September term
 * (September 1st, day 243), all 14 by the end of the year. */
static const struct pace_point school_ms[] = {
	{DAY(181), 2},
	{DAY(243), 12},
};
const struct pace_curve schools = {
	.baseline = 0, .target = 14, .start = T0, .due = DAY(365),
	.milestones = school_ms, .n_milestones = 2,
	.at_risk = 0.05, .behind = 0.10,
};

/* Two milestones with the same value: the curve is flat from day 100 to
 * day 200 at 5/14. */
static const struct pace_point flat_ms[] = {
	{DAY(100), 5},
	{DAY(200), 5},
};
const struct pace_curve schools_flat = {
	.baseline = 0, .target = 14, .start = T0, .due = DAY(365),
	.milestones = flat_ms, .n_milestones = 2,
	.at_risk = 0.05, .behind = 0.10,
};

/* Parking with works stopped from day 100 to day 265 (165 days): active
 * time is 365 - 165 = 200 days. */
static const struct pace_pause mid_pause[] = {
	{DAY(100), DAY(265)},
};
const struct pace_curve paused = {
	.baseline = 0, .target = 350, .start = T0, .due = DAY(365),
	.pauses = mid_pause, .n_pauses = 1,
	.at_risk = 0.05, .behind = 0.10,
};

/* Pauses reaching outside the span: [day -10, day 35) counts 35 days,
 * [day 335, day 465) counts 30 days: active time 365 - 35 - 30 = 300 d. */
static const struct pace_pause edge_pauses[] = {
	{DAY(-10), DAY(35)},
	{DAY(335), DAY(465)},
};
const struct pace_curve paused_edges = {
	.baseline = 0, .target = 350, .start = T0, .due = DAY(365),
	.pauses = edge_pauses, .n_pauses = 2,
	.at_risk = 0.05, .behind = 0.10,
};

/* Two milestones inside one pause [day 120, day 180): both sit at active
 * time 120 d, so the curve rises to 7/14 = 0.5 by day 120, jumps to the
 * later one, 10/14, and stands still until day 180. Active total 305 d. */
static const struct pace_point inpause_ms[] = {
	{DAY(150), 7},
	{DAY(170), 10},
};
static const struct pace_pause inpause_pause[] = {
	{DAY(120), DAY(180)},
};
const struct pace_curve schools_inpause = {
	.baseline = 0, .target = 14, .start = T0, .due = DAY(365),
	.milestones = inpause_ms, .n_milestones = 2,
	.pauses = inpause_pause, .n_pauses = 1,
	.at_risk = 0.05, .behind = 0.10,
};
