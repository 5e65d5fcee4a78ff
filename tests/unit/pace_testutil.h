/*
 * pace_testutil.h - what the pace.c tests (test_pace.c, test_pace_crossing.c)
 * share: instants of the district's 2022 plan, checks that name the failing
 * table row, and the sample curves. The year is the plan's: start
 * 2022-01-01T00:00+08:00, a 365-day span, so day n of the plan is
 * T0 + n * 86400000 ms. The names are the ones these had when they were
 * static in test_pace.c, so the tests moved out of it unchanged.
 */
#ifndef PACED_PACE_TESTUTIL_H
#define PACED_PACE_TESTUTIL_H

#include "pace.h"

#define D PACED_MS_PER_DAY
/* 2022-01-01T00:00:00+08:00 = 2021-12-31T16:00:00Z = 1640966400 s. */
#define T0 1640966400000LL
#define DAY(n) (T0 + (paced_ms)(n) * D)
#define YEAR (365 * D) /* 31536000000 ms */

/* Each fails the running test, naming the row (name) and the field
 * (what), when got is not want. */
void check_double(const char *what, const char *name, double got,
		  double want);
void check_ms(const char *what, const char *name, paced_ms got,
	      paced_ms want);
void check_status(const char *what, const char *name, enum pace_status got,
		  enum pace_status want);

/* ---- the curves (pace_testutil.c says what each one is) ---- */

extern const struct pace_curve parking;         /* 0 -> 350, linear */
extern const struct pace_curve parking_eq;      /* at_risk == behind */
extern const struct pace_curve demolition;      /* 495 -> 0, linear */
extern const struct pace_curve schools;         /* 0 -> 14, milestones */
extern const struct pace_curve schools_flat;    /* a flat segment */
extern const struct pace_curve paused;          /* a pause inside */
extern const struct pace_curve paused_edges;    /* pauses past the ends */
extern const struct pace_curve schools_inpause; /* milestones in a pause */

#endif
