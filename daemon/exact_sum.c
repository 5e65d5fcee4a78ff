/* exact_sum.c - fixed-point sums without rounding, see exact_sum.h. */
#include "exact_sum.h"

#include <math.h>
#include <string.h>

typedef unsigned __int128 u128;

bool exact_sum_fits(double y)
{
	double z;

	if (!isfinite(y) || fabs(y) >= 0x1p128)
		return false;
	z = ldexp(y, EXACT_SUM_FRAC_BITS); /* a power of two: exact */
	return z == trunc(z);
}

static void negate(struct exact_sum *s)
{
	unsigned carry = 1;

	for (int i = 0; i < EXACT_SUM_LIMBS; i++) {
		uint64_t v = ~s->w[i] + carry;

		carry = carry && v == 0;
		s->w[i] = v;
	}
}

/* s += or -= the three words a, the lowest at word `at`. */
static void add_words(struct exact_sum *s, int at, const uint64_t a[3],
		      bool subtract)
{
	unsigned carry = 0;

	for (int i = at; i < EXACT_SUM_LIMBS; i++) {
		uint64_t x = i - at < 3 ? a[i - at] : 0, v;

		if (i - at >= 3 && !carry)
			break;
		if (!subtract) {
			v = s->w[i] + x;
			unsigned c = v < x;
			v += carry;
			carry = c | (v < carry);
		} else {
			v = s->w[i] - x;
			unsigned b = s->w[i] < x;
			b |= v < carry;
			v -= carry;
			carry = b;
		}
		s->w[i] = v;
	}
}

void exact_sum_add(struct exact_sum *s, double y, int64_t k)
{
	double z, m;
	uint64_t mant, kk, lo, hi, a[3];
	int e, shift, b;
	u128 p;

	if (y == 0 || k == 0)
		return;
	/* |y| * 2^FRAC is a whole number below 2^256: mant * 2^shift. */
	z = ldexp(fabs(y), EXACT_SUM_FRAC_BITS);
	m = frexp(z, &e);
	mant = (uint64_t)ldexp(m, 53);
	shift = e - 53;
	if (shift < 0) { /* the bits shifted out are zeros */
		mant >>= -shift;
		shift = 0;
	}
	kk = k < 0 ? -(uint64_t)k : (uint64_t)k;
	p = (u128)mant * kk; /* below 2^93 */
	lo = (uint64_t)p;
	hi = (uint64_t)(p >> 64);
	b = shift % 64;
	a[0] = lo << b;
	a[1] = b ? (hi << b) | (lo >> (64 - b)) : hi;
	a[2] = b ? hi >> (64 - b) : 0;
	add_words(s, shift / 64, a, (y < 0) != (k < 0));
}

void exact_sum_set_int(struct exact_sum *s, __int128 v)
{
	uint64_t fill = v < 0 ? ~(uint64_t)0 : 0;

	s->w[0] = (uint64_t)v;
	s->w[1] = (uint64_t)((u128)v >> 64);
	for (int i = 2; i < EXACT_SUM_LIMBS; i++)
		s->w[i] = fill;
}

int exact_sum_sign(const struct exact_sum *s)
{
	if (s->w[EXACT_SUM_LIMBS - 1] >> 63)
		return -1;
	for (int i = 0; i < EXACT_SUM_LIMBS; i++)
		if (s->w[i])
			return 1;
	return 0;
}

void exact_sum_mul(struct exact_sum *out, const struct exact_sum *a,
		   __int128 k)
{
	struct exact_sum x = *a, r = {{0}};
	bool neg = exact_sum_sign(a) < 0;
	u128 kk = k < 0 ? -(u128)k : (u128)k;
	uint64_t kw[2] = {(uint64_t)kk, (uint64_t)(kk >> 64)};

	if (neg)
		negate(&x);
	for (int j = 0; j < 2; j++) {
		u128 carry = 0;

		for (int i = 0; i + j < EXACT_SUM_LIMBS; i++) {
			u128 t = (u128)x.w[i] * kw[j] + r.w[i + j] + carry;

			r.w[i + j] = (uint64_t)t;
			carry = t >> 64;
		}
	}
	if (neg != (k < 0))
		negate(&r);
	*out = r;
}

void exact_sum_sub(struct exact_sum *a, const struct exact_sum *b)
{
	unsigned borrow = 0;

	for (int i = 0; i < EXACT_SUM_LIMBS; i++) {
		uint64_t x = a->w[i], y = b->w[i], v = x - y;
		unsigned out = x < y;

		out |= v < borrow;
		a->w[i] = v - borrow;
		borrow = out;
	}
}

double exact_sum_double(const struct exact_sum *s, int scale)
{
	struct exact_sum m = *s;
	bool neg = exact_sum_sign(s) < 0;
	int top = EXACT_SUM_LIMBS - 1, bits, pos, word, b;
	uint64_t hi, mant, rest;
	bool sticky = false;
	double v;

	if (neg)
		negate(&m);
	while (top >= 0 && m.w[top] == 0)
		top--;
	if (top < 0)
		return 0.0;
	bits = 64 * top + 64 - __builtin_clzll(m.w[top]);
	/* The 64 bits from the leading one down, and whether any below. */
	pos = bits - 64;
	if (pos <= 0) {
		hi = m.w[0] << -pos;
	} else {
		word = pos / 64;
		b = pos % 64;
		hi = m.w[word] >> b;
		if (b) {
			hi |= m.w[word + 1] << (64 - b);
			sticky = (m.w[word] << (64 - b)) != 0;
		}
		for (int i = 0; i < word && !sticky; i++)
			sticky = m.w[i] != 0;
	}
	/* To 53 bits, to the nearest, ties to even. */
	mant = hi >> 11;
	rest = hi & 0x7ff;
	if (rest > 0x400 || (rest == 0x400 && (sticky || (mant & 1))))
		mant++;
	v = ldexp((double)mant, pos + 11 + scale);
	return neg ? -v : v;
}
