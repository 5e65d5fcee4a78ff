/*
 * pace.c - the target curve, status with hysteresis, the next instant a
 * status changes by itself, and the forecast (SPEC sections 1 and 2).
 * Pure functions of their arguments: no I/O, no allocation, no globals.
 */
#include "pace.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "arr.h"

/* Progress this close to 1 is done: 349.9999999999 of 350 is float noise,
 * not a missing fraction of a parking space. */
#define PACE_DONE_EPS 1e-9
/* A gap exactly at a threshold must reach it although the subtraction
 * that produced it may be a few ulps short. */
#define PACE_GAP_EPS 1e-12

static const char *const pace_names[] = {
	[PACE_DONE] = "done",
	[PACE_OVERDUE] = "overdue",
	[PACE_NOT_STARTED] = "not_started",
	[PACE_BEHIND] = "behind",
	[PACE_AT_RISK] = "at_risk",
	[PACE_ON_TRACK] = "on_track",
};

const char *pace_status_name(enum pace_status s)
{
	if (s == PACE_NONE)
		return "none";
	if ((int)s < 0 || (size_t)s >= PACED_ARRAY_LEN(pace_names))
		return "unknown";
	return pace_names[s];
}

int pace_status_parse(const char *name, enum pace_status *out)
{
	if (name == NULL)
		return PACED_EINVAL;
	for (size_t i = 0; i < PACED_ARRAY_LEN(pace_names); i++) {
		if (strcmp(name, pace_names[i]) == 0) {
			*out = (enum pace_status)i;
			return 0;
		}
	}
	return PACED_EINVAL;
}

static paced_ms pace_clamp_ms(paced_ms t, paced_ms lo, paced_ms hi)
{
	return t < lo ? lo : t > hi ? hi : t;
}

int64_t pace_active_ms(const struct pace_curve *c, paced_ms t)
{
	paced_ms end = pace_clamp_ms(t, c->start, c->due);
	paced_ms cursor = c->start;
	int64_t active = end - c->start;

	/* The cursor keeps a (malformed) overlap from being subtracted
	 * twice; pauses are sorted, so the first one that begins at or after
	 * `end` ends the walk. */
	for (size_t i = 0; i < c->n_pauses; i++) {
		const struct pace_pause *p = &c->pauses[i];
		paced_ms from = p->from > cursor ? p->from : cursor;
		paced_ms to = p->to < end ? p->to : end;

		if (from >= end)
			break;
		if (to > from) {
			active -= to - from;
			cursor = to;
		}
	}
	return active;
}

/*
 * The earliest wall instant in [start, due] whose active time is `active`.
 * A pause that begins exactly there does not push it later: the curve
 * reaches the value at the pause's first instant and then stands still.
 */
static paced_ms pace_wall_at_active(const struct pace_curve *c,
				    int64_t active)
{
	paced_ms t = c->start + active;
	paced_ms cursor = c->start;

	for (size_t i = 0; i < c->n_pauses; i++) {
		const struct pace_pause *p = &c->pauses[i];
		paced_ms from = p->from > cursor ? p->from : cursor;
		paced_ms to = p->to < c->due ? p->to : c->due;

		if (from >= t)
			break;
		if (to > from) {
			t += to - from;
			cursor = to;
		}
	}
	return t < c->due ? t : c->due;
}

/*
 * The knots of the curve in active time, walked in order: knot 0 is
 * (0, baseline), knots 1..n are the milestones, knot n+1 is (total,
 * target). Each carries its value and its fraction. Milestones are clamped
 * to stay monotone in both coordinates and inside [baseline, target], so a
 * malformed curve still has a monotone expected progress and the
 * inversion below stays exact.
 */
struct pace_knot {
	int64_t a;
	double v;
	double f;
};

static struct pace_knot pace_first_knot(const struct pace_curve *c)
{
	struct pace_knot k = {0, c->baseline, 0.0};

	return k;
}

static struct pace_knot pace_next_knot(const struct pace_curve *c, size_t i,
				       struct pace_knot prev, int64_t total)
{
	struct pace_knot k;

	if (i >= c->n_milestones) {
		k.a = total;
		k.v = c->target;
		k.f = 1.0;
		return k;
	}
	k.a = pace_active_ms(c, c->milestones[i].at);
	k.v = c->milestones[i].value;
	k.f = pace_progress(c, k.v);
	if (k.a < prev.a)
		k.a = prev.a;
	if (!(k.f >= prev.f)) { /* also catches NaN */
		k.v = prev.v;
		k.f = prev.f;
	}
	if (k.f > 1.0) {
		k.v = c->target;
		k.f = 1.0;
	}
	return k;
}

/*
 * The fraction at active time a in [0, total]. Where two knots share an
 * active time (milestones inside one pause) the curve takes the later,
 * higher one, so that it is right-continuous in time and "the earliest
 * instant reaching a fraction" always exists.
 * Interpolating the value rather than the fraction keeps round answers
 * round: half way from 2 to 12 schools is 7 exactly, hence 7/14 = 0.5
 * exactly, where 2/14 + 0.5 * 10/14 would be an ulp short of 0.5.
 */
static double pace_fraction_at_active(const struct pace_curve *c, int64_t a,
				      int64_t total)
{
	struct pace_knot prev = pace_first_knot(c);

	for (size_t i = 0; i <= c->n_milestones; i++) {
		struct pace_knot next = pace_next_knot(c, i, prev, total);

		if (a < next.a) {
			double r = (double)(a - prev.a) /
				   (double)(next.a - prev.a);
			double f = pace_progress(
				c, prev.v + (next.v - prev.v) * r);

			/* Every step above is monotone in a; the clamp
			 * keeps rounding from lifting a point above the
			 * segment's end, so the curve is monotone across
			 * knots too, which the inversions rely on. */
			if (f < prev.f)
				f = prev.f;
			return f < next.f ? f : next.f;
		}
		prev = next;
	}
	return 1.0;
}

double pace_expected_progress(const struct pace_curve *c, paced_ms t)
{
	int64_t total;

	if (t < c->start)
		return 0.0;
	if (t >= c->due)
		return 1.0;
	total = pace_active_ms(c, c->due);
	if (total <= 0) /* paused from start to due: it jumps at due */
		return 0.0;
	return pace_fraction_at_active(c, pace_active_ms(c, t), total);
}

double pace_expected(const struct pace_curve *c, paced_ms t)
{
	return c->baseline +
	       pace_expected_progress(c, t) * (c->target - c->baseline);
}

double pace_progress(const struct pace_curve *c, double value)
{
	return (value - c->baseline) / (c->target - c->baseline);
}

static int pace_reaches(double gap, double threshold)
{
	return gap >= threshold - PACE_GAP_EPS;
}

enum pace_status pace_evaluate(const struct pace_curve *c, double current,
			       paced_ms now, enum pace_status previous,
			       struct pace_eval *out)
{
	struct pace_eval e;
	double at_risk = c->at_risk;
	double behind = c->behind;

	e.progress = pace_progress(c, current);
	e.expected_progress = pace_expected_progress(c, now);
	e.expected = c->baseline +
		     e.expected_progress * (c->target - c->baseline);
	e.gap = e.expected_progress - e.progress;

	/* Only the way back to a better status is widened; a status
	 * that gets worse does so at the plain threshold. A project leaving
	 * `behind` is judged against the plain at_risk threshold. */
	if (previous == PACE_BEHIND)
		behind -= PACE_HYSTERESIS;
	else if (previous == PACE_AT_RISK)
		at_risk -= PACE_HYSTERESIS;

	if (e.progress >= 1.0 - PACE_DONE_EPS)
		e.status = PACE_DONE;
	else if (now >= c->due)
		e.status = PACE_OVERDUE;
	else if (now < c->start)
		e.status = PACE_NOT_STARTED;
	else if (pace_reaches(e.gap, behind))
		e.status = PACE_BEHIND;
	else if (pace_reaches(e.gap, at_risk))
		e.status = PACE_AT_RISK;
	else
		e.status = PACE_ON_TRACK;
	if (out != NULL)
		*out = e;
	return e.status;
}

/* The smallest active time in [lo, hi] whose fraction reaches f, given
 * that hi does and an estimate near the answer. Float rounding in the
 * linear solve can put the estimate a millisecond or two off either way;
 * evaluating the curve itself is what decides. */
static int64_t pace_settle(const struct pace_curve *c, double f, double est,
			   int64_t lo, int64_t hi, int64_t total)
{
	int64_t a;

	if (!(est > (double)lo)) /* also catches NaN */
		a = lo;
	else if (est >= (double)hi)
		a = hi;
	else
		a = (int64_t)ceil(est);
	if (a > hi)
		a = hi;
	while (a > lo && pace_fraction_at_active(c, a - 1, total) >= f)
		a--;
	while (a < hi && pace_fraction_at_active(c, a, total) < f)
		a++;
	return a;
}

paced_ms pace_time_at_progress(const struct pace_curve *c, double fraction,
			       paced_ms from)
{
	struct pace_knot prev = pace_first_knot(c);
	int64_t total;
	paced_ms t;

	if (!(fraction <= 1.0)) /* also catches NaN */
		return PACED_NEVER;
	if (fraction <= 0.0)
		return from > c->start ? from : c->start;
	total = pace_active_ms(c, c->due);
	if (total <= 0) {
		t = c->due;
		return from > t ? from : t;
	}
	t = c->due;
	for (size_t i = 0; i <= c->n_milestones; i++) {
		struct pace_knot next = pace_next_knot(c, i, prev, total);

		if (next.f >= fraction) {
			double est = (double)next.a;
			int64_t a;

			/* prev.f < fraction <= next.f here, so the slope is
			 * positive; a zero-length segment is a jump whose
			 * top is at next.a itself. Flat segments never get
			 * here: their end equals their start, which was
			 * already below the fraction. */
			if (next.a > prev.a)
				est = (double)prev.a +
				      (fraction - prev.f) / (next.f - prev.f) *
					      (double)(next.a - prev.a);
			a = pace_settle(c, fraction, est, prev.a, next.a,
					total);
			t = pace_wall_at_active(c, a);
			break;
		}
		prev = next;
	}
	return from > t ? from : t;
}

/* Whether the status at t differs from `status`, held until then. */
static int pace_differs(const struct pace_curve *c, double current,
			paced_ms t, enum pace_status status)
{
	return pace_evaluate(c, current, t, status, NULL) != status;
}

paced_ms pace_next_change(const struct pace_curve *c, double current,
			  paced_ms now, enum pace_status status)
{
	double progress = pace_progress(c, current);
	paced_ms cand[5];
	paced_ms lo = now, hi = PACED_NEVER;
	size_t n = 0;

	if (status == PACE_NONE)
		status = pace_evaluate(c, current, now, PACE_NONE, NULL);
	if (status == PACE_DONE || status == PACE_OVERDUE ||
	    now >= PACED_NEVER - 1)
		return PACED_NEVER;

	/* With the value fixed the gap only grows, so the status only gets
	 * worse (after leaving not_started) and each threshold is crossed
	 * at most once, at the plain threshold: worse never has
	 * hysteresis. now + 1 covers a status that does not hold at now. */
	cand[n++] = now + 1;
	cand[n++] = c->start;
	cand[n++] = pace_time_at_progress(
		c, progress + c->at_risk - PACE_GAP_EPS, now + 1);
	cand[n++] = pace_time_at_progress(
		c, progress + c->behind - PACE_GAP_EPS, now + 1);
	cand[n++] = c->due;

	for (size_t i = 0; i < n; i++) {
		if (cand[i] <= now || cand[i] == PACED_NEVER)
			continue;
		if (pace_differs(c, current, cand[i], status)) {
			if (cand[i] < hi)
				hi = cand[i];
		}
	}
	if (hi == PACED_NEVER)
		return PACED_NEVER;
	/* The latest candidate before hi that keeps the status bounds the
	 * change from below. */
	for (size_t i = 0; i < n; i++)
		if (cand[i] > lo && cand[i] < hi &&
		    !pace_differs(c, current, cand[i], status))
			lo = cand[i];
	/* Normally hi is exact and one evaluation at hi - 1 confirms it.
	 * Should float rounding have put a crossing some milliseconds off,
	 * bisection still finds the first instant that differs: between now
	 * and hi the status only ever moves one way. */
	if (hi - 1 <= lo || !pace_differs(c, current, hi - 1, status))
		return hi;
	while (hi - lo > 1) {
		paced_ms mid = lo + (hi - lo) / 2;

		if (pace_differs(c, current, mid, status))
			hi = mid;
		else
			lo = mid;
	}
	return hi;
}

/* Whether an update counts for the trend at `now`: an update dated after
 * now has not happened yet as far as this evaluation is concerned. */
static int pace_usable(const struct pace_point *u, paced_ms now)
{
	return u->at <= now && isfinite(u->value);
}

bool pace_any_usable(const struct pace_point *upd, size_t n_upd, paced_ms now)
{
	for (size_t i = 0; i < n_upd; i++)
		if (pace_usable(&upd[i], now))
			return true;
	return false;
}

static int pace_in_window(const struct pace_point *u, paced_ms now)
{
	return pace_usable(u, now) && u->at > now - PACE_WINDOW_MS;
}

/* Least-squares slope in value per day over the updates in the window,
 * in doubles: only for a window holding a value the exact sums cannot
 * (pace_window_of). *ok = 0 when they are fewer than two distinct
 * instants. Times are days relative to now and both coordinates are
 * centred on their means, which keeps the sums small and the slope well
 * conditioned. The fitted line passes through (*mean_day, *mean_value). */
static double pace_trend(const struct pace_point *upd, size_t n_upd,
			 paced_ms now, int *ok, double *mean_day,
			 double *mean_value)
{
	double n = 0, mx = 0, my = 0, sxx = 0, sxy = 0;

	*ok = 0;
	for (size_t i = 0; i < n_upd; i++) {
		if (!pace_in_window(&upd[i], now))
			continue;
		n += 1;
		mx += (double)(upd[i].at - now) / (double)PACED_MS_PER_DAY;
		my += upd[i].value;
	}
	if (n < 2)
		return 0;
	mx /= n;
	my /= n;
	for (size_t i = 0; i < n_upd; i++) {
		double dx, dy;

		if (!pace_in_window(&upd[i], now))
			continue;
		dx = (double)(upd[i].at - now) / (double)PACED_MS_PER_DAY - mx;
		dy = upd[i].value - my;
		sxx += dx * dx;
		sxy += dx * dy;
	}
	if (!(sxx > 0))
		return 0;
	*ok = 1;
	*mean_day = mx;
	*mean_value = my;
	return sxy / sxx;
}

/* The window of the updates: false when a value in it does not fit the
 * exact sums (the latest update and the window's first and last instant
 * are set either way). */
static bool pace_window_of(const struct pace_point *upd, size_t n_upd,
			   paced_ms now, struct pace_window *w)
{
	bool fits = true, any = false;

	pace_sums_init(&w->sums, now);
	w->has_latest = false;
	w->first = w->last = 0;
	for (size_t i = 0; i < n_upd; i++) {
		if (pace_usable(&upd[i], now) &&
		    (!w->has_latest || upd[i].at >= w->latest.at)) {
			w->has_latest = true;
			w->latest = upd[i];
		}
		if (!pace_in_window(&upd[i], now))
			continue;
		if (!any || upd[i].at < w->first)
			w->first = upd[i].at;
		if (!any || upd[i].at > w->last)
			w->last = upd[i].at;
		any = true;
		fits = fits && pace_sums_fits(upd[i].value);
		if (fits)
			pace_sums_add(&w->sums, upd[i].at, upd[i].value);
	}
	return fits;
}

bool pace_window_add(struct pace_window *w, struct pace_point pt,
		     paced_ms now)
{
	if (!pace_in_window(&pt, now))
		return true;
	if (!pace_sums_fits(pt.value))
		return false;
	if (w->sums.n == 0 || pt.at < w->first)
		w->first = pt.at;
	/* Stored last: of the points of its instant, the latest given. */
	if (w->sums.n == 0 || pt.at >= w->latest.at)
		w->latest = pt;
	w->last = w->latest.at;
	w->has_latest = true;
	pace_sums_add(&w->sums, pt.at, pt.value);
	return true;
}

int pace_points_reserve(struct pace_point **v, size_t *cap, size_t need)
{
	return arr_grow(v, cap, need, sizeof(**v), 8);
}

/* The forecast along the line (rate, through the anchor) when ok, else
 * along the line from the baseline to the latest update, else flat. */
static void forecast_along(const struct pace_curve *c, int ok, double rate,
			   double anchor_day, double anchor_value,
			   const struct pace_point *latest, double current,
			   paced_ms now, struct pace_forecast *out)
{
	double need, days_left, due_day;

	if (!ok && latest != NULL && latest->at > c->start) {
		rate = (latest->value - c->baseline) /
		       ((double)(latest->at - c->start) /
			(double)PACED_MS_PER_DAY);
		anchor_day = (double)(latest->at - now) /
			     (double)PACED_MS_PER_DAY;
		anchor_value = latest->value;
	} else if (!ok) {
		rate = 0;
		anchor_day = 0;
		anchor_value = current;
	}
	out->rate_per_day = rate;

	days_left = (double)(c->due - now) / (double)PACED_MS_PER_DAY;
	due_day = days_left;
	out->projected_at_due =
		now >= c->due ? current
			      : anchor_value + rate * (due_day - anchor_day);

	need = c->target - current;
	out->has_eta = 0;
	out->eta = PACED_NEVER;
	if (pace_progress(c, current) >= 1.0 - PACE_DONE_EPS) {
		out->has_eta = 1;
		out->eta = latest != NULL ? latest->at : now;
		out->has_required_rate = 1;
		out->required_rate_per_day = 0;
		return;
	}
	if (rate * need > 0) {
		/* When the line meets the target; a line that met it already
		 * while the value has not means "as soon as reported". */
		double days = anchor_day + (c->target - anchor_value) / rate;
		double ms = (days > 0 ? days : 0) * (double)PACED_MS_PER_DAY;

		/* A trend so slow that it would land beyond any instant we
		 * can name never reaches the target in practice. */
		if (ms < 4e18 - (double)now) {
			out->has_eta = 1;
			out->eta = now + (paced_ms)llround(ms);
		}
	}
	if (now >= c->due) {
		out->has_required_rate = 0;
		out->required_rate_per_day = 0;
	} else {
		out->has_required_rate = 1;
		out->required_rate_per_day = need / days_left;
	}
}

/* Reports minutes apart (a correction, a retry) say nothing about the
 * pace: a slope over less than a day would be noise. */
static bool spans_a_day(paced_ms first, paced_ms last)
{
	return last - first >= PACED_MS_PER_DAY;
}

void pace_forecast_window(const struct pace_curve *c,
			  const struct pace_window *w, double current,
			  paced_ms now, struct pace_forecast *out)
{
	/* A point the trend line passes through, in days relative to now:
	 * the projections extend the line of the reports themselves. */
	double rate = 0, anchor_day = 0, anchor_value = current;
	int ok = w->sums.n >= 2 && spans_a_day(w->first, w->last) &&
		 pace_sums_line(&w->sums, now, &rate, &anchor_day,
				&anchor_value);

	forecast_along(c, ok, rate, anchor_day, anchor_value,
		       w->has_latest ? &w->latest : NULL, current, now, out);
}

void pace_forecast(const struct pace_curve *c, const struct pace_point *upd,
		   size_t n_upd, double current, paced_ms now,
		   struct pace_forecast *out)
{
	struct pace_window w;
	double rate, anchor_day = 0, anchor_value = current;
	int ok;

	if (pace_window_of(upd, n_upd, now, &w)) {
		pace_forecast_window(c, &w, current, now, out);
		return;
	}
	/* A value the exact sums cannot hold: the same line in doubles. */
	rate = pace_trend(upd, n_upd, now, &ok, &anchor_day, &anchor_value);
	if (!spans_a_day(w.first, w.last))
		ok = 0;
	forecast_along(c, ok, ok ? rate : 0, anchor_day, anchor_value,
		       w.has_latest ? &w.latest : NULL, current, now, out);
}
