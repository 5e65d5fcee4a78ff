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
	/* Without the window's points: the least `at` in the sums and the
	 * last point of the sums in the database's order. */
	paced_ms first;
	struct pace_point latest;
	/* Held: v[head..n) is every finite point with at > lo, in the
	 * database's order; v[head..mid) are in the sums, v[mid..n) ahead.
	 * Otherwise head = mid = 0 and v[0..n) are points ahead of hi:
	 * every one of them when ahead_all, else none, and the least `at`
	 * of those in the database is next_in. */
	bool held, ahead_all;
	struct pace_point *v;
	size_t head, mid, n, cap;
	paced_ms next_in;
};

/* What a cache itself counts for in the budget, in points' worth of
 * memory: a million projects' caches would otherwise grow unbounded. */
#define OVERHEAD \
	((sizeof(struct fcache) + sizeof(struct pace_point) - 1) / \
	 sizeof(struct pace_point))

/* One event loop uses these: no locking. */
static size_t fcache_held, fcache_count;
static size_t max_points = FCACHE_MAX_POINTS;
static size_t budget = FCACHE_BUDGET;
static size_t ahead_max = FCACHE_AHEAD_MAX;

void fcache_set_limits(size_t points, size_t all, size_t ahead)
{
	max_points = points;
	budget = all;
	ahead_max = ahead;
}

size_t fcache_total(void)
{
	return fcache_held;
}

size_t fcache_overhead(void)
{
	return OVERHEAD;
}

/* The budget's use: the points held and the caches themselves. */
static size_t spent(void)
{
	return fcache_held + fcache_count * OVERHEAD;
}

bool fcache_holds_points(const struct fcache *fc)
{
	return fc->held;
}

bool fcache_survives_prune(const struct fcache *fc, paced_ms pruned_before)
{
	/* The sums hold the points with lo < at: those deleted lie below
	 * pruned_before. */
	return fc->held || fc->lo >= pruned_before - 1;
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

/* The points ahead are let go too: the database has them. */
static void forget_ahead(struct fcache *fc)
{
	fc->next_in = fc->n ? fc->v[0].at : PACED_NEVER;
	fcache_held -= fc->n;
	fc->n = 0;
	fc->ahead_all = false;
}

/* The room of the points let go is given back: the budget counts only
 * the points there are. */
static void shrink(struct fcache *fc)
{
	size_t cap = fc->n > 8 ? fc->n : 8;
	struct pace_point *v;

	if (fc->cap <= cap)
		return;
	v = realloc(fc->v, cap * sizeof(*v));
	if (v) {
		fc->v = v;
		fc->cap = cap;
	}
}

/* From here on the database tells what crosses the window's start. */
static void let_go(struct fcache *fc)
{
	if (fc->head < fc->mid) {
		fc->first = fc->v[fc->head].at;
		fc->latest = fc->v[fc->mid - 1];
	}
	fcache_held -= fc->mid - fc->head;
	fc->n -= fc->mid;
	memmove(fc->v, fc->v + fc->mid, fc->n * sizeof(*fc->v));
	fc->head = fc->mid = 0;
	fc->held = false;
	fc->ahead_all = true;
	if (fc->n > ahead_max)
		forget_ahead(fc);
	shrink(fc);
}

struct fcache *fcache_new(paced_ms now, const struct pace_point *v, size_t n)
{
	struct fcache *fc;
	size_t kept = 0;

	if (spent() + OVERHEAD > budget || !(fc = calloc(1, sizeof(*fc))))
		return NULL;
	fcache_count++;
	fc->lo = now - PACE_WINDOW_MS;
	fc->hi = now;
	fc->next_in = PACED_NEVER;
	pace_sums_init(&fc->sums, now);
	for (size_t i = 0; i < n; i++) {
		if (!isfinite(v[i].value) || v[i].at <= fc->lo)
			continue;
		if (!pace_sums_fits(v[i].value)) {
			fcache_free(fc);
			return NULL;
		}
		kept++;
		if (v[i].at <= now)
			enter(fc, &v[i]);
	}
	if (pace_points_reserve(&fc->v, &fc->cap, kept) < 0) {
		/* No room even for these: the database tells what comes. */
		fc->ahead_all = false;
		for (size_t i = 0; i < n && fc->next_in == PACED_NEVER; i++)
			if (isfinite(v[i].value) && v[i].at > now)
				fc->next_in = v[i].at;
		return fc;
	}
	for (size_t i = 0; i < n; i++)
		if (isfinite(v[i].value) && v[i].at > fc->lo) {
			fc->v[fc->n++] = v[i];
			fc->mid += v[i].at <= now;
		}
	fcache_held += fc->n;
	fc->held = true;
	if (kept > max_points || spent() > budget)
		let_go(fc);
	return fc;
}

void fcache_free(struct fcache *fc)
{
	if (!fc)
		return;
	fcache_held -= fc->n - fc->head;
	fcache_count--;
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
	if (entering && !x.beyond) { /* none ahead: the next are told */
		fc->next_in = PACED_NEVER;
		fc->ahead_all = true;
	}
	return 0;
}

/* The window's end moves on to now: the points ahead come in. */
static int advance_hi(struct fcache *fc, struct store *s, const char *id,
		      paced_ms now)
{
	int rc = 0;

	while (fc->mid < fc->n && fc->v[fc->mid].at <= now)
		enter(fc, &fc->v[fc->mid++]);
	if (!fc->held) { /* only the ones still ahead stay */
		fcache_held -= fc->mid;
		fc->n -= fc->mid;
		memmove(fc->v, fc->v + fc->mid, fc->n * sizeof(*fc->v));
		fc->mid = 0;
		if (!fc->ahead_all && fc->next_in <= now)
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

/* p goes after every point of v[from..n) with the same or an earlier
 * `at`; room for it is there. */
static void insert(struct fcache *fc, size_t from, struct pace_point p)
{
	size_t i;

	/* Nearly always the newest: appended. A back-dated one goes after
	 * the points of its instant, being the latest stored of them. */
	for (i = fc->n; i > from && fc->v[i - 1].at > p.at; i--)
		;
	memmove(fc->v + i + 1, fc->v + i, (fc->n - i) * sizeof(*fc->v));
	fc->v[i] = p;
	fc->n++;
	fcache_held++;
}

int fcache_add(struct fcache *fc, paced_ms at, double value)
{
	struct pace_point pt = {at, value};
	bool room;

	if (at <= fc->lo || !isfinite(value))
		return 0; /* never in the window: it starts after lo */
	if (!pace_sums_fits(value))
		return PACED_EINVAL;
	room = spent() < budget &&
	       pace_points_reserve(&fc->v, &fc->cap, fc->n + 1) == 0;
	if (fc->held && (!room || fc->n - fc->head >= max_points)) {
		let_go(fc);
		/* let_go gave back the room reserved above (shrink): the
		 * point may still be kept ahead, and needs it again. */
		room = room &&
		       pace_points_reserve(&fc->v, &fc->cap, fc->n + 1) == 0;
	}
	if (fc->held) {
		insert(fc, fc->head, pt);
		if (at <= fc->hi) {
			fc->mid++;
			pace_sums_add(&fc->sums, at, value);
		}
	} else if (at <= fc->hi) {
		enter(fc, &pt);
	} else if (fc->ahead_all && room && fc->n < ahead_max) {
		insert(fc, 0, pt);
	} else {
		if (fc->ahead_all)
			forget_ahead(fc);
		if (at < fc->next_in)
			fc->next_in = at;
	}
	return 0;
}
