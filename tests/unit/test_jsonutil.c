/*
 * test_jsonutil.c - paced's serialiser against jansson's json_dumps():
 * the same bytes for random trees (strings with every kind of character
 * to escape, multi-byte UTF-8 and NUL bytes, keys likewise, integers to
 * both ends of the range, reals of every magnitude and whole reals, deep
 * nesting), at both precisions paced uses; NULL for invalid UTF-8, as
 * jansson gives; and the integer-or-real rule of jsonutil_number.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "jsonutil.h"
#include "rand_testutil.h"

static unsigned pick(unsigned n)
{
	return (unsigned)(rand_testutil_next() % n);
}

/* A random valid UTF-8 string of up to 24 pieces into buf; *len set. */
static void random_text(char *buf, size_t *len)
{
	static const char *const pieces[] = {
		"a", "Z", "0", " ", "/", "\"", "\\", "\n", "\r", "\t", "\b",
		"\f", "\x01", "\x1f", "\x7f", "é", "项目", "€", "\xF0\x9F\x98\x80",
		"\xEF\xBF\xBF", "\xE2\x80\xA8", "{", "}", ":", ",", "\0",
	};
	size_t n = pick(25), at = 0;

	for (size_t i = 0; i < n; i++) {
		const char *p = pieces[pick(sizeof(pieces) / sizeof(*pieces))];
		size_t l = *p ? strlen(p) : 1; /* "\0" is one NUL byte */

		memcpy(buf + at, p, l);
		at += l;
	}
	*len = at;
}

static double random_real(void)
{
	static const double special[] = {
		0.1,	  1.0 / 3,    -2.5,	  1e15,	  1e16,	 1e17,
		1e21,	  1e22,	      1e-4,	  1e-5,	  1e-7,	 1e100,
		1e-100,	  1e300,      5e-324,	  2.2250738585072014e-308,
		123456789012345678.0, 0.30000000000000004, 100.0,
		-0.0,	  1.7976931348623157e308, 9007199254740993.0,
	};
	unsigned long long bits;
	double d;

	switch (pick(4)) {
	case 0:
		return special[pick(sizeof(special) / sizeof(*special))];
	case 1: /* any finite double */
		do {
			bits = rand_testutil_next();
			memcpy(&d, &bits, sizeof(d));
		} while (!isfinite(d));
		return d;
	case 2: /* a whole number held as a real */
		return (double)(long long)(rand_testutil_next() % 2000000) - 1000000;
	default: /* values like paced's: a few decimals */
		return ((double)(rand_testutil_next() % 100000000) - 5e7) / 1000.0;
	}
}

static json_t *random_tree(int depth)
{
	char text[24 * 4 + 1];
	size_t len;
	json_t *j;

	switch (depth > 4 ? pick(6) : pick(8)) {
	case 0: return json_null();
	case 1: return pick(2) ? json_true() : json_false();
	case 2:
		switch (pick(4)) {
		case 0: return json_integer(INT64_MIN);
		case 1: return json_integer(INT64_MAX);
		default: return json_integer((json_int_t)rand_testutil_next());
		}
	case 3: return json_real(random_real());
	case 4:
	case 5:
		random_text(text, &len);
		return json_stringn(text, len);
	case 6:
		j = json_array();
		for (unsigned i = pick(5); i > 0; i--)
			json_array_append_new(j, random_tree(depth + 1));
		return j;
	default:
		j = json_object();
		for (unsigned i = pick(6); i > 0; i--) {
			random_text(text, &len);
			json_object_setn_new(j, text, len,
					     random_tree(depth + 1));
		}
		return j;
	}
}

static void same_as_jansson(const json_t *j)
{
	char *want15 = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(15) |
					     JSON_ENCODE_ANY);
	char *want17 = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(17) |
					     JSON_ENCODE_ANY);
	size_t len15 = 0, len17 = 0;
	char *got15 = jsonutil_dump(j, &len15);
	char *got17 = jsonutil_dump_exact(j, &len17);

	assert_non_null(want15);
	assert_non_null(got15);
	assert_string_equal(got15, want15);
	assert_string_equal(got17, want17);
	assert_int_equal(len15, strlen(want15));
	assert_int_equal(len17, strlen(want17));
	free(want15);
	free(want17);
	free(got15);
	free(got17);
}

static void test_random_trees(void **state)
{
	(void)state;
	for (int i = 0; i < 20000; i++) {
		json_t *j = random_tree(0);

		same_as_jansson(j);
		json_decref(j);
	}
}

/* Every real jansson formats with an exponent, a point or neither. */
static void test_reals(void **state)
{
	(void)state;
	for (int e = -330; e <= 310; e++) {
		for (int k = 1; k <= 9; k += 4) {
			json_t *j = json_real(k * pow(10, e));

			if (j)
				same_as_jansson(j);
			json_decref(j);
		}
	}
}

/* The printf-free path for 15 digits, on many reals around the ranges
 * it takes: random mantissas at every scale from 1e-6 to 1e16, values
 * with a few decimals as clients send, and values 16 and 17 digits long
 * ending in 5 (a tie at the 15th digit, or nearly). */
static void test_reals_15_digits(void **state)
{
	char text[40];

	(void)state;
	for (int i = 0; i < 400000; i++) {
		double v;
		json_t *j;
		int e = (int)(rand_testutil_next() % 23) - 6;

		switch (i % 4) {
		case 0:
			v = ((double)(rand_testutil_next() >> 11) / 9007199254740992.0) *
			    pow(10, e);
			break;
		case 1:
			v = (double)(rand_testutil_next() % 10000000) / 1000.0;
			break;
		case 2:
			snprintf(text, sizeof(text), "%llu5e%d",
				 rand_testutil_next() % 1000000000000000ull,
				 e - 15);
			v = strtod(text, NULL);
			break;
		default:
			snprintf(text, sizeof(text), "%llu49e%d",
				 rand_testutil_next() % 1000000000000000ull,
				 e - 16);
			v = strtod(text, NULL);
		}
		if (rand_testutil_next() & 1)
			v = -v;
		j = json_real(v);
		same_as_jansson(j);
		json_decref(j);
	}
}

static void test_deep_nesting(void **state)
{
	json_t *root = json_array(), *cur = root;

	(void)state;
	for (int i = 0; i < 100; i++) {
		json_t *next = i % 2 ? json_array() : json_object();

		if (json_is_array(cur))
			json_array_append_new(cur, next);
		else
			json_object_set_new(cur, "k", next);
		cur = next;
	}
	same_as_jansson(root);
	json_decref(root);
}

static void test_invalid_utf8_refused(void **state)
{
	static const char *const bad[] = {
		"\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80",
		"\x80",	    "\xC3",	    "\xE2\x82",	    "ok\xFF",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		json_t *j = json_pack("{s:o}", "k",
				      json_stringn_nocheck(bad[i],
							   strlen(bad[i])));
		char *want = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);

		assert_null(want);
		assert_null(jsonutil_dump(j, NULL));
		json_decref(j);
	}
}

static void test_number_integer_or_real(void **state)
{
	json_t *a = jsonutil_number(350), *b = jsonutil_number(0.5);
	char *s;

	(void)state;
	assert_true(json_is_integer(a));
	assert_true(json_is_real(b));
	s = jsonutil_dump(a, NULL);
	assert_string_equal(s, "350");
	free(s);
	s = jsonutil_dump(b, NULL);
	assert_string_equal(s, "0.5");
	free(s);
	json_decref(a);
	json_decref(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_trees),
		cmocka_unit_test(test_reals),
		cmocka_unit_test(test_reals_15_digits),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_invalid_utf8_refused),
		cmocka_unit_test(test_number_integer_or_real),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
