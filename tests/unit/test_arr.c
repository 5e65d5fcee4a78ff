/*
 * test_arr.c - arr_grow(): the first room, doubling to cover what is
 * needed, no change when there is room, and a refused growth (overflow,
 * realloc failure, a 0 size or first) leaving the array as it was.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <unistd.h>

#include "arr.h"
#include "paced.h"

struct item {
	int64_t a, b, c;
};

static void test_first(void **state)
{
	struct item *v = NULL;
	size_t cap = 0;

	(void)state;
	assert_int_equal(arr_grow(&v, &cap, 1, sizeof(*v), 16), 0);
	assert_non_null(v);
	assert_int_equal(cap, 16);
	v[15].c = 7; /* the room is really there (ASan would say) */
	free(v);

	/* From nothing straight past first: first, doubled. */
	v = NULL;
	cap = 0;
	assert_int_equal(arr_grow(&v, &cap, 40, sizeof(*v), 16), 0);
	assert_int_equal(cap, 64);
	v[63].a = 1;
	free(v);

	/* Room for nothing asked: nothing allocated. */
	v = NULL;
	cap = 0;
	assert_int_equal(arr_grow(&v, &cap, 0, sizeof(*v), 16), 0);
	assert_null(v);
	assert_int_equal(cap, 0);
}

static void test_doubling(void **state)
{
	int *v = NULL;
	size_t cap = 0;

	(void)state;
	assert_int_equal(arr_grow(&v, &cap, 3, sizeof(*v), 3), 0);
	assert_int_equal(cap, 3);
	for (int i = 0; i < 3; i++)
		v[i] = i * 10;
	/* One more than there is room for: twice the room. */
	assert_int_equal(arr_grow(&v, &cap, 4, sizeof(*v), 3), 0);
	assert_int_equal(cap, 6);
	/* Far more: doubled as often as it takes, first no longer counts. */
	assert_int_equal(arr_grow(&v, &cap, 100, sizeof(*v), 1000), 0);
	assert_int_equal(cap, 192);
	v[191] = -1;
	for (int i = 0; i < 3; i++)
		assert_int_equal(v[i], i * 10);
	free(v);
}

static void test_room_enough(void **state)
{
	char *v = malloc(8), *was = v;
	size_t cap = 8;

	(void)state;
	assert_non_null(v);
	for (size_t need = 0; need <= 8; need++) {
		assert_int_equal(arr_grow(&v, &cap, need, 1, 64), 0);
		assert_ptr_equal(v, was);
		assert_int_equal(cap, 8);
	}
	free(v);
}

static void test_overflow(void **state)
{
	/* Never dereferenced or freed: a refusal must not touch it. */
	char dummy;
	void *v = NULL;
	size_t cap = 0;

	(void)state;
	/* Bytes that would wrap round to a small size (4 items of 2^62 + 1
	 * is 4 bytes), which realloc() would gladly give. */
	assert_int_equal(arr_grow(&v, &cap, 3, SIZE_MAX / 4 + 2, 1),
			 PACED_ENOMEM);
	assert_null(v);
	assert_int_equal(cap, 0);

	/* The bytes overflow: 4 items of SIZE_MAX / 2. */
	v = &dummy;
	assert_int_equal(arr_grow(&v, &cap, 3, SIZE_MAX / 2, 1), PACED_ENOMEM);
	assert_ptr_equal(v, &dummy);
	assert_int_equal(cap, 0);

	/* The count overflows while doubling (unchecked, it wraps to 0 and
	 * doubles forever: see the alarm in main). */
	cap = SIZE_MAX / 2 + 1;
	assert_int_equal(arr_grow(&v, &cap, SIZE_MAX, 1, 1), PACED_ENOMEM);
	assert_ptr_equal(v, &dummy);
	assert_int_equal(cap, SIZE_MAX / 2 + 1);
}

static void test_misuse(void **state)
{
	char dummy;
	void *v = &dummy;
	size_t cap = 0;

	(void)state;
	assert_int_equal(arr_grow(&v, &cap, 1, 1, 0), PACED_EINVAL);
	assert_int_equal(arr_grow(&v, &cap, 1, 0, 16), PACED_EINVAL);
	assert_ptr_equal(v, &dummy);
	assert_int_equal(cap, 0);
}

#if defined(__SANITIZE_ADDRESS__)
#define ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ASAN 1
#endif
#endif

static void test_realloc_fails(void **state)
{
	int *v = NULL;
	size_t cap = 0;

	(void)state;
#ifdef ASAN
	/* ASan aborts on an allocation this size instead of failing it. */
	skip();
#endif
	assert_int_equal(arr_grow(&v, &cap, 4, sizeof(*v), 4), 0);
	v[3] = 42;
	/* 2^63 bytes: no size_t overflow, but more than malloc ever gives
	 * (glibc refuses anything over PTRDIFF_MAX). */
	assert_int_equal(arr_grow(&v, &cap, SIZE_MAX / 2 / sizeof(*v) + 1,
				  sizeof(*v), 4),
			 PACED_ENOMEM);
	assert_int_equal(cap, 4);
	assert_int_equal(v[3], 42);
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first),
		cmocka_unit_test(test_doubling),
		cmocka_unit_test(test_room_enough),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_misuse),
		cmocka_unit_test(test_realloc_fails),
	};

	/* A refusal not made can loop for good (doubling a 0 first, or a
	 * count wrapped to 0): failed by the alarm, not by a stuck run. */
	alarm(30);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
