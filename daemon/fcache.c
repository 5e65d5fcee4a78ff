/* fcache.c - per-project points for the forecast, see fcache.h. */
#include "fcache.h"

#include <stdlib.h>
#include <string.h>

struct fcache {
	paced_ms from; /* complete for at >= from */
	size_t n, cap;
	struct pace_point *v; /* v[0..n): ordered by at, then by seq */
};

/* One event loop uses these: no locking. */
static size_t fcache_held;

struct fcache *fcache_new(paced_ms from, struct pace_point *v, size_t n)
{
	struct fcache *fc;

	if (n > FCACHE_MAX_POINTS || fcache_held + n > FCACHE_BUDGET ||
	    !(fc = malloc(sizeof(*fc))))
		return NULL;
	*fc = (struct fcache){from, n, n, v};
	fcache_held += n;
	return fc;
}

void fcache_free(struct fcache *fc)
{
	if (!fc)
		return;
	fcache_held -= fc->n;
	free(fc->v);
	free(fc);
}

bool fcache_covers(const struct fcache *fc, paced_ms since)
{
	return fc && since >= fc->from;
}

const struct pace_point *fcache_since(struct fcache *fc, paced_ms since,
				      size_t *n)
{
	size_t old = 0;

	/* The window only moves forward (a clock set back fails
	 * fcache_covers and reloads), so what fell out of it is dropped. */
	while (old < fc->n && fc->v[old].at < since)
		old++;
	if (old) {
		memmove(fc->v, fc->v + old, (fc->n - old) * sizeof(*fc->v));
		fc->n -= old;
		fcache_held -= old;
	}
	fc->from = since;
	*n = fc->n;
	return fc->v;
}

int fcache_add(struct fcache *fc, paced_ms at, double value)
{
	size_t i = fc->n;

	if (at < fc->from)
		return 0;
	if (fc->n >= FCACHE_MAX_POINTS || fcache_held >= FCACHE_BUDGET)
		return PACED_ENOMEM;
	if (pace_points_reserve(&fc->v, &fc->cap, fc->n + 1) < 0)
		return PACED_ENOMEM;
	/* Nearly always the newest: appended. A back-dated one goes after
	 * the points of its instant, being the latest stored of them. */
	while (i > 0 && fc->v[i - 1].at > at)
		i--;
	memmove(fc->v + i + 1, fc->v + i, (fc->n - i) * sizeof(*fc->v));
	fc->v[i] = (struct pace_point){at, value};
	fc->n++;
	fcache_held++;
	return 0;
}

size_t fcache_total(void)
{
	return fcache_held;
}
