/*
 * pace_sums.h - the sums a least-squares line is fitted from, kept
 * exactly (exact_sum.h): points may be added and taken away in any order
 * and the line stays the one fitted afresh from the points there are.
 * This lets a project's forecast cache (fcache.h) keep its 30-day window
 * up to date in constant time per update and still give, bit for bit,
 * the forecast computed from the database's points.
 *
 * Times are whole milliseconds counted from an origin the sums move
 * themselves, exactly, when a point lies too far from it; the points held
 * at once must lie within 2^34 ms (about 200 days) of one another.
 */
#ifndef PACED_PACE_SUMS_H
#define PACED_PACE_SUMS_H

#include <stdbool.h>
#include <stdint.h>

#include "exact_sum.h"
#include "paced.h"

struct pace_sums {
	paced_ms origin;
	int64_t n;
	__int128 st, stt;          /* of t and t^2, t = at - origin */
	struct exact_sum sy, sty;  /* of value and t * value */
};

void pace_sums_init(struct pace_sums *s, paced_ms origin);

/* Whether a value can be added without rounding (exact_sum_fits). */
bool pace_sums_fits(double value);

/* The value must fit; a point taken away must be one added before. */
void pace_sums_add(struct pace_sums *s, paced_ms at, double value);
void pace_sums_remove(struct pace_sums *s, paced_ms at, double value);

/*
 * The least-squares line through the points: its slope in value per day,
 * and the point it passes through, (*mean_day, *mean_value), the day
 * counted from now. false, nothing set, when the points have fewer than
 * two distinct instants.
 */
bool pace_sums_line(const struct pace_sums *s, paced_ms now, double *per_day,
		    double *mean_day, double *mean_value);

#endif
