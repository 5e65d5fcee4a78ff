/*
 * fcache.h - a project's forecast window kept up to date as updates
 * arrive and time passes (SPEC section 1: least squares over the last 30
 * days), so that neither an answer nor a list reads the window back from
 * SQLite, and an update costs the same however many came before it.
 *
 * The cache keeps the window's least-squares sums exactly (pace_sums.h):
 * an update entering the window is added, one leaving it is taken away,
 * and the forecast is bit for bit the one computed from the database's
 * points. To know what leaves, it holds the window's points in memory
 * (those ahead of the clock too) while they are few; past
 * FCACHE_MAX_POINTS, or when all caches together hold FCACHE_BUDGET
 * points, it lets them go (but for a few just stored
 * ahead of the last forecast's clock) and reads from the database only
 * the points that cross an edge of the window, as they cross it.
 *
 * The tracker owns the caches (one per live project, made on the first
 * view) and tells them of every update stored; this module keeps them.
 */
#ifndef PACED_FCACHE_H
#define PACED_FCACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "pace.h"
#include "paced.h"

struct store;

/* Most points one cache holds in memory (16 bytes each: 16 KB), and the
 * memory of all caches together, in points (64 MB), the caches
 * themselves counted (fcache_overhead). Past the first a cache reads
 * from the database only what crosses its window's edges: holding more
 * would save only those small reads. Past the second no cache is made
 * and a forecast reads its window. */
#define FCACHE_MAX_POINTS 1024
#define FCACHE_BUDGET (4u << 20)

struct fcache;

/*
 * A cache for the window ending at now, made of the database's points
 * with at > now - PACE_WINDOW_MS (v[0..n), in its order, borrowed).
 * NULL when a value there does not fit the exact sums
 * (pace_sums_fits), when the budget has no room, or on ENOMEM.
 */
struct fcache *fcache_new(paced_ms now, const struct pace_point *v, size_t n);
void fcache_free(struct fcache *fc);

/*
 * The window ending at now, into *w, reading from the database (`s`, the
 * project's id) only what crosses its edges when fc holds no points.
 * 0; 1 when fc cannot follow (the clock went back, or a value read does
 * not fit): free it and make another; or PACED_E* (fc must be freed).
 * Updates pruned from the database below the window's start are the
 * caller's to mind (struct app's updates_pruned_before).
 */
int fcache_window(struct fcache *fc, struct store *s, const char *project_id,
		  paced_ms now, struct pace_window *w);

/*
 * A point just stored (its seq above every other's), as the database
 * orders it: after every point with the same or an earlier `at`. 0, or
 * PACED_EINVAL (a value that does not fit) or PACED_ENOMEM, after which
 * fc must be freed.
 */
int fcache_add(struct fcache *fc, paced_ms at, double value);

/* Points held in memory by all caches together (for tests and metrics). */
size_t fcache_total(void);

/* What one cache itself counts for in FCACHE_BUDGET, in points. */
size_t fcache_overhead(void);

/* Whether fc holds its points in memory (for tests). */
bool fcache_holds_points(const struct fcache *fc);

/*
 * Whether fc can still follow its window once the database's updates
 * dated before `pruned_before` were deleted (retention): when it holds
 * its points, or its last window started at or after that instant. A
 * cache that reads what leaves its window from the database would
 * otherwise never take away the deleted ones: free it and make another.
 */
bool fcache_survives_prune(const struct fcache *fc, paced_ms pruned_before);

/* Points ahead of the last forecast's clock a cache holds when it holds
 * no others: an update is stored with its own `at` just before the
 * forecast at that instant takes it in, and is not read back for that. */
#define FCACHE_AHEAD_MAX 64

/* Lower limits, for tests that make caches let their points go. */
void fcache_set_limits(size_t max_points, size_t budget, size_t ahead);

#endif
