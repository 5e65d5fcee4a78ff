/*
 * exact_sum.h - sums of doubles, and of doubles times whole numbers, kept
 * without rounding. A forecast's least-squares sums are kept running as
 * updates enter and leave its 30-day window (pace_sums.h); kept exactly,
 * what was added and later taken away leaves no trace, so the running
 * sums are at every step the very sums computed afresh from the same
 * points, and the forecast is the same bit for bit however it was come by.
 *
 * A number is a fixed-point integer of EXACT_SUM_LIMBS 64-bit words in
 * two's complement, EXACT_SUM_FRAC_BITS of them after the binary point.
 * That holds every double whose magnitude is below 2^128 and which is a
 * multiple of 2^-128 (every count, amount and decimal a report carries;
 * not, say, 1e-40): exact_sum_fits says which. A sum of up to 2^50 such
 * values times numbers below 2^40, and the products the least-squares
 * formula takes of such sums, stay far inside the 511 bits there are.
 */
#ifndef PACED_EXACT_SUM_H
#define PACED_EXACT_SUM_H

#include <stdbool.h>
#include <stdint.h>

#define EXACT_SUM_LIMBS 8
#define EXACT_SUM_FRAC_BITS 128

struct exact_sum {
	uint64_t w[EXACT_SUM_LIMBS]; /* w[0] the least significant */
};

/* Whether y is finite, below 2^128 in magnitude and a multiple of
 * 2^-128: whether exact_sum_add takes it without rounding. */
bool exact_sum_fits(double y);

/* s += y * k, exactly; y fits and |k| < 2^40. */
void exact_sum_add(struct exact_sum *s, double y, int64_t k);

/* s = v, a whole number (its fixed point ignored: for the integer
 * sums of the same formula, which share the arithmetic below). */
void exact_sum_set_int(struct exact_sum *s, __int128 v);

/* out = a * k, exactly while the product stays in range. */
void exact_sum_mul(struct exact_sum *out, const struct exact_sum *a,
		   __int128 k);

/* a -= b. */
void exact_sum_sub(struct exact_sum *a, const struct exact_sum *b);

/* -1, 0 or 1. */
int exact_sum_sign(const struct exact_sum *s);

/* The words read as a whole number, times 2^scale, rounded once to the
 * nearest double (ties to even): the same words give the same double. */
double exact_sum_double(const struct exact_sum *s, int scale);

#endif
