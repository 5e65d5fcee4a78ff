/*
 * test_exact_sum.c - exact_sum.c: sums of doubles times whole numbers
 * against 128-bit integer arithmetic, additions undone in another order
 * leaving exactly zero, products, and the one rounding to a double.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <math.h>

#include "exact_sum.h"
#include "rand_testutil.h"

static bool is_zero(const struct exact_sum *s)
{
	static const struct exact_sum zero;

	return memcmp(s, &zero, sizeof(zero)) == 0 && exact_sum_sign(s) == 0;
}

static void test_fits(void **state)
{
	(void)state;
	assert_true(exact_sum_fits(0.0));
	assert_true(exact_sum_fits(0.1));
	assert_true(exact_sum_fits(-350.0));
	assert_true(exact_sum_fits(1e15));
	assert_true(exact_sum_fits(0x1p-128));
	assert_true(exact_sum_fits(0x1.fffffffffffffp127));
	assert_false(exact_sum_fits(0x1p128));
	assert_false(exact_sum_fits(-0x1p128));
	assert_false(exact_sum_fits(0x1p-129));
	assert_false(exact_sum_fits(1e-40));
	/* Large enough, but its last bit is below 2^-128. */
	assert_false(exact_sum_fits(0x1p-80 + 0x1p-130));
	assert_true(exact_sum_fits(0x1p-80 + 0x1p-128));
	assert_false(exact_sum_fits(NAN));
	assert_false(exact_sum_fits(INFINITY));
}

/* Values m / 2^20 times k: the exact sum, times 2^20, is the sum of the
 * m * k, which 128 bits hold. */
static void test_sums_against_int128(void **state)
{
	(void)state;
	for (int round = 0; round < 200; round++) {
		struct exact_sum s = {{0}};
		__int128 want = 0;
		int n = (int)rand_testutil_in(1, 300);

		for (int i = 0; i < n; i++) {
			long long m = rand_testutil_in(-(1LL << 50), 1LL << 50);
			long long k = rand_testutil_in(-(1LL << 39), 1LL << 39);

			if (round % 3 == 0)
				k = 1;
			exact_sum_add(&s, ldexp((double)m, -20), k);
			want += (__int128)m * k;
		}
		/* (double) of a 128-bit integer rounds once, to nearest. */
		assert_true(exact_sum_double(&s, -EXACT_SUM_FRAC_BITS) ==
			    ldexp((double)want, -20));
		assert_int_equal(exact_sum_sign(&s),
				 want > 0 ? 1 : want < 0 ? -1 : 0);
	}
}

/* Any double that fits, at every scale: what was added and then taken
 * away in another order leaves every word zero. */
static void test_undone_in_any_order(void **state)
{
	enum { N = 500 };
	double y[N];
	long long k[N];
	int order[N];

	(void)state;
	for (int round = 0; round < 50; round++) {
		struct exact_sum s = {{0}};

		for (int i = 0; i < N; i++) {
			int e = (int)rand_testutil_in(-75, 74);

			y[i] = ldexp((double)(rand_testutil_next() >> 11), e - 53);
			if (rand_testutil_next() & 1)
				y[i] = -y[i];
			assert_true(exact_sum_fits(y[i]));
			k[i] = rand_testutil_in(-(1LL << 39), 1LL << 39);
			order[i] = i;
			exact_sum_add(&s, y[i], k[i]);
		}
		for (int i = N - 1; i > 0; i--) {
			int j = (int)rand_testutil_in(0, i), t = order[i];

			order[i] = order[j];
			order[j] = t;
		}
		assert_false(is_zero(&s));
		for (int i = 0; i < N; i++)
			exact_sum_add(&s, y[order[i]], -k[order[i]]);
		assert_true(is_zero(&s));
	}
}

static __int128 random_int128(int bits)
{
	unsigned __int128 v = ((unsigned __int128)rand_testutil_next() << 64) |
			      rand_testutil_next();

	v >>= 128 - bits;
	return (rand_testutil_next() & 1) ? -(__int128)v : (__int128)v;
}

/* Products and differences against 128-bit integers, where they fit. */
static void test_mul_sub(void **state)
{
	(void)state;
	for (int i = 0; i < 20000; i++) {
		int abits = (int)rand_testutil_in(1, 100);
		__int128 a = random_int128(abits);
		__int128 k = random_int128((int)rand_testutil_in(1, 126 - abits));
		__int128 b = random_int128(120);
		struct exact_sum x, y, want;

		exact_sum_set_int(&x, a);
		exact_sum_mul(&x, &x, k);
		exact_sum_set_int(&want, a * k);
		assert_memory_equal(&x, &want, sizeof(x));
		exact_sum_set_int(&y, b);
		exact_sum_sub(&x, &y);
		exact_sum_set_int(&want, a * k - b);
		assert_memory_equal(&x, &want, sizeof(x));
	}
	/* Beyond 128 bits: (2^100)^2 / 2^100 back again. */
	{
		struct exact_sum x, y;
		__int128 p = (__int128)1 << 100;

		exact_sum_set_int(&x, p);
		exact_sum_mul(&x, &x, -p);
		assert_true(exact_sum_double(&x, 0) == -0x1p200);
		exact_sum_mul(&y, &x, 3);
		exact_sum_sub(&y, &x);
		exact_sum_sub(&y, &x);
		exact_sum_sub(&y, &x);
		assert_true(is_zero(&y));
	}
}

/* One rounding to nearest, ties to even, as the 128-bit conversion. */
static void test_rounding(void **state)
{
	static const struct exact_sum zero;

	(void)state;
	assert_true(exact_sum_double(&zero, 0) == 0.0);
	for (int i = 0; i < 100000; i++) {
		__int128 v = random_int128((int)rand_testutil_in(1, 127));
		struct exact_sum x;

		if (i % 4 == 0) { /* exactly halfway between two doubles */
			__int128 mant = (__int128)(rand_testutil_next() >> 11) |
					((__int128)1 << 52);

			v = ((mant << 1) | 1) << rand_testutil_in(0, 70);
			if (rand_testutil_next() & 1)
				v = -v;
		}
		exact_sum_set_int(&x, v);
		assert_true(exact_sum_double(&x, 0) == (double)v);
		assert_true(exact_sum_double(&x, -40) == ldexp((double)v, -40));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fits),
		cmocka_unit_test(test_sums_against_int128),
		cmocka_unit_test(test_undone_in_any_order),
		cmocka_unit_test(test_mul_sub),
		cmocka_unit_test(test_rounding),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
