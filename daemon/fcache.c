/* fcache.c - a project's forecast window kept up to date, see fcache.h. */
#include "fcache.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

struct fcache {
	/* The sums hold the finite points with lo < at <= hi: the window
	 * of the last forecast (hi its now). */
	paced_ms lo, hi;
	struct pace_sums sums;
	/* Without points held: the least `at` in the sums, the last point
	 * of the sums in the database's order, and the least `at` of the
	 * points ahead of hi (PACED_NEVER: none). */
	paced_ms first;
	struct pace_point latest;
	paced_ms next_in;
	/* Held: v[head..n) is every finite point with at > lo, in the
	 * database's order; v[head..mid) are in the sums, v[mid..n) ahead. */
	bool held;
	struct pace_point *v;
	size_t head, mid, n, cap;
};

/* One event loop uses these: no locking. */
static size_t fcache_held;
static size_t max_points = FCACHE_MAX_POINTS;
static size_t budget = FCACHE_BUDGET;

void fcache_set_limits(size_t points, size_t all)
{
	max_points = points;
	budget = all;
}

size_t fcache_total(void)
{
	return fcache_held;
}

bool fcache_holds_points(const struct fcache *fc)
{
	return fc->held;
}

/* A point of the database's order comes to lie at or before hi. */
static void enter(struct fcache *fc, const struct pace_point *pt)
{
	if (fc->sums.n == 0 || pt->at < fc->first)
		fc->first = pt->at;
	if (fc->sums.n == 0 || pt->at >= fc->latest.at)
		fc->latest = *pt;
	pace_sums_add(&fc->sums, pt->at, pt->value);
}

/* From here on the database tells what crosses the window's edges. */
static void let_go(struct fcache *fc)
{
	if (!fc->held)
		return;
	if (fc->head < fc->mid) {
		fc->first = fc->v[fc->head].at;
		fc->latest = fc->v[fc->mid - 1];
	}
	fc->next_in = fc->mid < fc->n ? fc->v[fc->mid].at : PACED_NEVER;
	fcache_held -= fc->n - fc->head;
	free(fc->v);
	fc->v = NULL;
	fc->head = fc->mid = fc->n = fc->cap = 0;
	fc->held = false;
}

struct fcache *fcache_new(paced_ms now, const struct pace_point *v, size_t n)
{
	struct fcache *fc = calloc(1, sizeof(*fc));
	size_t kept = 0;

	if (!fc)
		return NULL;
	fc->lo = now - PACE_WINDOW_MS;
	fc->hi = now;
	fc->next_in = PACED_NEVER;
	pace_sums_init(&fc->sums, now);
	for (size_t i = 0; i < n; i++) {
		if (!isfinite(v[i].value) || v[i].at <= fc->lo)
			continue;
		if (!pace_sums_fits(v[i].value)) {
			free(fc);
			return NULL;
		}
		kept++;
		if (v[i].at <= now)
			enter(fc, &v[i]);
		else if (fc->next_in == PACED_NEVER)
			fc->next_in = v[i].at;
	}
	if (kept <= max_points && fcache_held + kept <= budget &&
	    pace_points_reserve(&fc->v, &fc->cap, kept) == 0) {
		for (size_t i = 0; i < n; i++)
			if (isfinite(v[i].value) && v[i].at > fc->lo) {
				fc->v[fc->n++] = v[i];
				fc->mid += v[i].at <= now;
			}
		fc->held = true;
		fcache_held += fc->n;
	}
	return fc;
}

void fcache_free(struct fcache *fc)
{
	if (!fc)
		return;
	if (fc->held)
		fcache_held -= fc->n - fc->head;
	free(fc->v);
	free(fc);
}

/* What a reading of the database does with each point it meets. */
struct crossing {
	struct fcache *fc;
	paced_ms upto; /* points up to here cross; the first beyond stops */
	bool entering; /* into the sums, else out of them */
	bool unfit;    /* a value the sums cannot take: start afresh */
	bool beyond;   /* the reading stopped at a point beyond upto */
};

static int cross(const struct store_update *u, void *data)
{
	struct crossing *x = data;
	struct pace_point pt = {u->at, u->value};

	if (!isfinite(pt.value))
		return 0;
	if (pt.at > x->upto) {
		x->beyond = true;
		if (x->entering)
			x->fc->next_in = pt.at;
		else
			x->fc->first = pt.at;
		return 1;
	}
	if (!pace_sums_fits(pt.value)) {
		x->unfit = true;
		return 1;
	}
	if (x->entering)
		enter(x->fc, &pt);
	else
		pace_sums_remove(&x->fc->sums, pt.at, pt.value);
	return 0;
}

/* The points with from < at <= upto cross, read from the database. 0, 1
 * (a value that does not fit) or PACED_E*. */
static int read_crossing(struct fcache *fc, struct store *s, const char *id,
			 paced_ms from, paced_ms upto, bool entering)
{
	struct crossing x = {.fc = fc, .upto = upto, .entering = entering};
	int rc = store_update_points_since(s, id, from + 1, cross, &x);

	if (rc < 0)
		return rc;
	if (x.unfit)
		return 1;
	if (entering && !x.beyond)
		fc->next_in = PACED_NEVER;
	return 0;
}

/* The window's end moves on to now: the points ahead come in. */
static int advance_hi(struct fcache *fc, struct store *s, const char *id,
		      paced_ms now)
{
	int rc = 0;

	if (fc->held) {
		while (fc->mid < fc->n && fc->v[fc->mid].at <= now)
			pace_sums_add(&fc->sums, fc->v[fc->mid].at,
				      fc->v[fc->mid].value),
				fc->mid++;
	} else if (fc->next_in <= now) {
		rc = read_crossing(fc, s, id, fc->hi, now, true);
	}
	fc->hi = now;
	return rc;
}

/* The window's start moves on to lo: the oldest points leave. */
static int advance_lo(struct fcache *fc, struct store *s, const char *id,
		      paced_ms lo)
{
	int rc = 0;

	if (fc->held) {
		while (fc->head < fc->mid && fc->v[fc->head].at <= lo) {
			pace_sums_remove(&fc->sums, fc->v[fc->head].at,
					 fc->v[fc->head].value);
			fc->head++;
			fcache_held--;
		}
		/* Moved down once the gap is as long as what follows it:
		 * each point is moved about once. */
		if (fc->head && fc->head >= fc->n - fc->head) {
			memmove(fc->v, fc->v + fc->head,
				(fc->n - fc->head) * sizeof(*fc->v));
			fc->n -= fc->head;
			fc->mid -= fc->head;
			fc->head = 0;
		}
	} else if (fc->sums.n > 0 && fc->first <= lo) {
		rc = read_crossing(fc, s, id, fc->lo, lo, false);
	}
	fc->lo = lo;
	return rc;
}

int fcache_window(struct fcache *fc, struct store *s, const char *project_id,
		  paced_ms now, struct pace_window *w)
{
	int rc;

	if (now < fc->hi)
		return 1; /* what left the window may be back in it */
	rc = advance_hi(fc, s, project_id, now);
	if (rc == 0)
		rc = advance_lo(fc, s, project_id, now - PACE_WINDOW_MS);
	if (rc != 0)
		return rc;
	w->sums = fc->sums;
	w->has_latest = fc->sums.n > 0;
	if (w->has_latest && fc->held) {
		w->first = fc->v[fc->head].at;
		w->latest = fc->v[fc->mid - 1];
	} else if (w->has_latest) {
		w->first = fc->first;
		w->latest = fc->latest;
	}
	w->last = w->latest.at;
	return 0;
}

int fcache_add(struct fcache *fc, paced_ms at, double value)
{
	struct pace_point pt = {at, value};
	size_t i;

	if (at <= fc->lo || !isfinite(value))
		return 0; /* never in the window: it starts after lo */
	if (!pace_sums_fits(value))
		return PACED_EINVAL;
	if (fc->held && (fc->n - fc->head >= max_points ||
			 fcache_held >= budget ||
			 pace_points_reserve(&fc->v, &fc->cap, fc->n + 1) < 0))
		let_go(fc);
	if (!fc->held) {
		if (at <= fc->hi)
			enter(fc, &pt);
		else if (at < fc->next_in)
			fc->next_in = at;
		return 0;
	}
	/* Nearly always the newest: appended. A back-dated one goes after
	 * the points of its instant, being the latest stored of them. */
	for (i = fc->n; i > fc->head && fc->v[i - 1].at > at; i--)
		;
	memmove(fc->v + i + 1, fc->v + i, (fc->n - i) * sizeof(*fc->v));
	fc->v[i] = pt;
	fc->n++;
	fcache_held++;
	if (at <= fc->hi) {
		fc->mid++;
		pace_sums_add(&fc->sums, at, value);
	}
	return 0;
}
