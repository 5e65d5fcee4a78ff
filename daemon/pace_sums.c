/* pace_sums.c - exact least-squares sums, see pace_sums.h. */
#include "pace_sums.h"

#include <string.h>

/* Beyond this distance from the origin a point moves the origin: t, t^2
 * and t * value then stay well inside what the sums can hold. */
#define FAR_MS ((paced_ms)1 << 34)

void pace_sums_init(struct pace_sums *s, paced_ms origin)
{
	memset(s, 0, sizeof(*s));
	s->origin = origin;
}

bool pace_sums_fits(double value)
{
	return exact_sum_fits(value);
}

/* The same sums counted from `origin`: t becomes t - d, exactly. */
static void move_origin(struct pace_sums *s, paced_ms origin)
{
	__int128 d = (__int128)origin - s->origin;
	struct exact_sum shift;

	s->origin = origin;
	if (s->n == 0)
		return; /* every sum is zero, exactly */
	/* sum (t-d)^2 = stt - 2 d st + n d^2; sum (t-d) y = sty - d sy. */
	s->stt += -2 * d * s->st + (__int128)s->n * d * d;
	s->st -= (__int128)s->n * d;
	exact_sum_mul(&shift, &s->sy, d);
	exact_sum_sub(&s->sty, &shift);
}

static void change(struct pace_sums *s, paced_ms at, double value, int sign)
{
	paced_ms t;

	if (at - s->origin >= FAR_MS || s->origin - at >= FAR_MS)
		move_origin(s, at);
	t = at - s->origin;
	s->n += sign;
	s->st += sign * (__int128)t;
	s->stt += sign * (__int128)t * t;
	exact_sum_add(&s->sy, value, sign);
	exact_sum_add(&s->sty, value, sign * t);
}

void pace_sums_add(struct pace_sums *s, paced_ms at, double value)
{
	change(s, at, value, 1);
}

void pace_sums_remove(struct pace_sums *s, paced_ms at, double value)
{
	change(s, at, value, -1);
}

bool pace_sums_line(const struct pace_sums *s, paced_ms now, double *per_day,
		    double *mean_day, double *mean_value)
{
	struct exact_sum den, num, part;
	double n = (double)s->n;

	if (s->n < 2)
		return false;
	/* n^2 times the variance of t and the covariance of t and value,
	 * both exact: slope = (n sty - st sy) / (n stt - st^2). */
	exact_sum_set_int(&den, s->stt);
	exact_sum_mul(&den, &den, s->n);
	exact_sum_set_int(&part, s->st);
	exact_sum_mul(&part, &part, s->st);
	exact_sum_sub(&den, &part);
	if (exact_sum_sign(&den) <= 0)
		return false;
	exact_sum_mul(&num, &s->sty, s->n);
	exact_sum_mul(&part, &s->sy, s->st);
	exact_sum_sub(&num, &part);
	*per_day = exact_sum_double(&num, -EXACT_SUM_FRAC_BITS) /
		   exact_sum_double(&den, 0) * (double)PACED_MS_PER_DAY;
	*mean_day = (double)(s->st - (__int128)s->n * (now - s->origin)) / n /
		    (double)PACED_MS_PER_DAY;
	*mean_value = exact_sum_double(&s->sy, -EXACT_SUM_FRAC_BITS) / n;
	return true;
}
