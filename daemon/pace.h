/*
 * pace.h - the pure mathematics of a project's pace: where its target curve
 * expects it at an instant, its status (with hysteresis), the next instant at
 * which its status would change if nobody reports, and its forecast.
 * No I/O, no allocation, no global state: every answer depends only on the
 * arguments, which makes this the most tested module of paced.
 */
#ifndef PACED_PACE_H
#define PACED_PACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pace_sums.h"
#include "paced.h"

/* In the SPEC's order of precedence. */
enum pace_status {
	PACE_NONE = -1, /* no previous status (a project being created) */
	PACE_DONE = 0,
	PACE_OVERDUE,
	PACE_NOT_STARTED,
	PACE_BEHIND,
	PACE_AT_RISK,
	PACE_ON_TRACK
};

/* A status moves to a better one only when the gap is this far below the
 * threshold that put it there (SPEC section 2). */
#define PACE_HYSTERESIS 0.01

/* "done", "overdue", "not_started", "behind", "at_risk", "on_track". */
const char *pace_status_name(enum pace_status s);
/* 0 and *out set, or PACED_EINVAL for an unknown name. */
int pace_status_parse(const char *name, enum pace_status *out);

struct pace_point {
	paced_ms at;
	double value;
};

/* Room for `need` points in *v (capacity *cap, grown by doubling): the
 * arrays of updates read for a forecast and kept by its cache. 0 or
 * PACED_ENOMEM (*v untouched). */
int pace_points_reserve(struct pace_point **v, size_t *cap, size_t need);

/* The curve stands still in [from, to). Pauses are sorted by `from` and do
 * not overlap; they may reach outside [start, due]. */
struct pace_pause {
	paced_ms from;
	paced_ms to;
};

/* A project's target curve. Pointers are borrowed for the call. */
struct pace_curve {
	double baseline;
	double target; /* != baseline; < baseline is a burn-down */
	paced_ms start;
	paced_ms due; /* > start */
	/* Strictly inside (start, due), in time order, values monotone from
	 * baseline toward target. n_milestones == 0 means a linear curve. */
	const struct pace_point *milestones;
	size_t n_milestones;
	const struct pace_pause *pauses;
	size_t n_pauses;
	double at_risk; /* gap thresholds, fractions of |target - baseline| */
	double behind;  /* behind >= at_risk */
};

struct pace_eval {
	double expected;          /* value the curve expects at `now` */
	double progress;          /* (current-baseline)/(target-baseline) */
	double expected_progress; /* the curve's fraction at `now`, in [0,1] */
	double gap;               /* expected_progress - progress */
	enum pace_status status;
};

/* Active (unpaused) milliseconds between start and t, clamped to
 * [start, due]; expected progress is a function of this alone. */
int64_t pace_active_ms(const struct pace_curve *c, paced_ms t);

/* The curve's fraction in [0,1] at instant t: 0 before start, 1 from due
 * on; piecewise linear in active time through (start, 0), each milestone's
 * fraction, and (due, 1). */
double pace_expected_progress(const struct pace_curve *c, paced_ms t);

/* The value (not the fraction) the curve expects at t. */
double pace_expected(const struct pace_curve *c, paced_ms t);

/* (value - baseline) / (target - baseline): works for burn-up and
 * burn-down alike; not clamped. */
double pace_progress(const struct pace_curve *c, double value);

/* Evaluates a project whose latest value is `current` at instant `now`.
 * `previous` is the status held until now (PACE_NONE for a new project) and
 * only matters for hysteresis. Returns the status, also stored in out. */
enum pace_status pace_evaluate(const struct pace_curve *c, double current,
			       paced_ms now, enum pace_status previous,
			       struct pace_eval *out);

/* The earliest instant t >= from at which the expected progress reaches
 * `fraction` (in [0,1]), computed by inverting the piecewise-linear curve
 * (milestones and pauses included). PACED_NEVER if it never does (e.g.
 * fraction > 1). */
paced_ms pace_time_at_progress(const struct pace_curve *c, double fraction,
			       paced_ms from);

/* The earliest instant t > now at which pace_evaluate() with the same
 * `current` and previous status `status` (the status at now) would give a
 * different status: the start, a threshold crossing, or the due instant.
 * PACED_NEVER if the status can no longer change without an update (done,
 * overdue). This is what a scheduler sleeps until. */
paced_ms pace_next_change(const struct pace_curve *c, double current,
			  paced_ms now, enum pace_status status);

struct pace_forecast {
	double rate_per_day;      /* value units per day, signed */
	double projected_at_due;  /* value the trend reaches at due */
	int has_eta;              /* 0: the trend never reaches target */
	paced_ms eta;             /* when the trend reaches target */
	int has_required_rate;    /* 0 once due has passed and not done */
	double required_rate_per_day; /* (target-current) / days to due */
};

/* The trend's window: the updates of the last 30 days. */
#define PACE_WINDOW_MS (30 * PACED_MS_PER_DAY)

/* Forecast from the updates (any order, `at` and value). The trend is the
 * least-squares line over the updates of the last 30 days before `now`
 * when there are at least two spanning a day or more, else the line from (start, baseline) to the
 * latest update, else a flat line at `current`. projected_at_due is that
 * line at due (current once due has passed) and eta where it meets the
 * target (not before now). A project already done has its eta at its
 * latest update. */
void pace_forecast(const struct pace_curve *c, const struct pace_point *upd,
		   size_t n_upd, double current, paced_ms now,
		   struct pace_forecast *out);

/* Whether any of the updates counts for the trend at `now` (dated at or
 * before now, with a finite value). */
bool pace_any_usable(const struct pace_point *upd, size_t n_upd, paced_ms now);

/* What pace_forecast takes from the updates, as a cache keeps it. */
struct pace_window {
	/* The trend's updates: finite values, at in (now - 30 days, now]. */
	struct pace_sums sums;
	paced_ms first, last; /* their earliest and latest at (sums.n > 0) */
	/* The latest update by at (of those, the last given) at or before
	 * now: where the line runs to when there is no trend. */
	bool has_latest;
	struct pace_point latest;
};

/* pace_forecast from the window's sums; for the same updates, the very
 * same forecast (unless a value does not fit the exact sums). */
void pace_forecast_window(const struct pace_curve *c,
			  const struct pace_window *w, double current,
			  paced_ms now, struct pace_forecast *out);

/* An update stored after every one w holds (its seq above theirs), taken
 * into the window ending at now if it lies there. false, w unchanged,
 * when its value does not fit the exact sums: the window must then be
 * read afresh (pace_forecast). */
bool pace_window_add(struct pace_window *w, struct pace_point pt,
		     paced_ms now);

#endif
