/*
 * fcache.h - a project's recent updates kept in memory for its forecast
 * (SPEC section 1: least squares over the last 30 days), so that answers
 * and lists do not read them back from SQLite each time. The cache holds,
 * for instants at or after its `from`, exactly the (at, value) points the
 * database holds, in the database's order (at, then seq), so the forecast
 * computed from it is the very same. The tracker owns the caches (one per
 * live project, made on the first forecast); this module only keeps them.
 */
#ifndef PACED_FCACHE_H
#define PACED_FCACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "pace.h"
#include "paced.h"

/* Most points one project's cache holds; a project reported more often
 * than this in 30 days reads its points from the database. */
#define FCACHE_MAX_POINTS 8192
/* Most points all caches together hold (16 bytes each): 64 MB. */
#define FCACHE_BUDGET (4u << 20)

struct fcache;

/*
 * A cache made of the n points at or after `from` (the database's answer,
 * in its order), taking ownership of v (malloc'd, may be NULL when n is
 * 0). NULL, v still the caller's, when the budget or FCACHE_MAX_POINTS
 * leaves no room, or on ENOMEM.
 */
struct fcache *fcache_new(paced_ms from, struct pace_point *v, size_t n);
void fcache_free(struct fcache *fc);

/* Whether fc (may be NULL) holds every point from `since` on. Updates
 * pruned from the database while fc held them are the caller's to mind
 * (struct app's updates_pruned_before). */
bool fcache_covers(const struct fcache *fc, paced_ms since);

/*
 * The points at or after since (fcache_covers must hold), borrowed until
 * fc next changes; the older ones are dropped for good. Sets *n.
 */
const struct pace_point *fcache_since(struct fcache *fc, paced_ms since,
				      size_t *n);

/*
 * A point just stored (its seq above every other's): placed after every
 * point with the same or an earlier `at`, as the database orders it. A
 * point before `from` is not kept (fc does not cover it). 0, or
 * PACED_ENOMEM when it could not be kept: fc must then be freed.
 */
int fcache_add(struct fcache *fc, paced_ms at, double value);

/* Points held by all caches together (for tests and metrics). */
size_t fcache_total(void);

#endif
