/*
 * test_jsonutil.c - paced's serialiser against jansson's json_dumps():
 * the same bytes for random trees (strings with every kind of character
 * to escape, multi-byte UTF-8 and NUL bytes, keys likewise, integers to
 * both ends of the range, reals of every magnitude and whole reals, deep
 * nesting), at both precisions paced uses; NULL for invalid UTF-8, as
 * jansson gives; and the integer-or-real rule of jsonutil_number.
 *
 * And the writer (jsonw.h): the same random trees written call by call
 * (a random part of them handed over whole with jsonw_value) must give
 * json_dumps' bytes at both precisions; jsonw_number follows
 * jsonutil_number's rule; every misuse (a close that does not match, a
 * key outside an object or without its value, a value without its key,
 * nesting too deep, text that is not UTF-8) makes the writer fail
 * instead of writing broken JSON; and the same calls building a tree
 * build one equal to the tree they describe.
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
#include "jsonw.h"
#include "rand_testutil.h"

static unsigned pick(unsigned n)
{
	return (unsigned)(rand_testutil_next() % n);
}

/* Whether random text may hold NUL bytes: not for the writer, which
 * takes C strings. */
static bool text_with_nul = true;

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
		const char *p = pieces[pick(sizeof(pieces) / sizeof(*pieces) -
					    !text_with_nul)];
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
 * with a few decimals as clients send, values 16 and 17 digits long
 * ending in 5 (a tie at the 15th digit, or nearly), and exact ties: 15
 * digits and a half, which a double holds exactly. */
static void test_reals_15_digits(void **state)
{
	char text[40];

	(void)state;
	for (int i = 0; i < 400000; i++) {
		double v;
		json_t *j;
		int e = (int)(rand_testutil_next() % 23) - 6;

		switch (i % 5) {
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
		case 3:
			v = (double)(100000000000000ull +
				     rand_testutil_next() % 900000000000000ull) +
			    0.5;
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

/* j through the writer's calls; a third of the containers whole. */
static void write_tree(struct jsonw *w, const json_t *j)
{
	const char *key;
	json_t *v;
	size_t i;

	if ((json_is_array(j) || json_is_object(j)) && pick(3) == 0) {
		jsonw_value(w, j);
		return;
	}
	switch (json_typeof(j)) {
	case JSON_NULL: jsonw_null(w); break;
	case JSON_TRUE: jsonw_bool(w, true); break;
	case JSON_FALSE: jsonw_bool(w, false); break;
	case JSON_INTEGER: jsonw_integer(w, json_integer_value(j)); break;
	case JSON_REAL: jsonw_real(w, json_real_value(j)); break;
	case JSON_STRING:
		/* The null of a NULL string is checked on its own. */
		jsonw_string(w, json_string_value(j));
		break;
	case JSON_ARRAY:
		jsonw_array_open(w);
		json_array_foreach(j, i, v)
			write_tree(w, v);
		jsonw_array_close(w);
		break;
	case JSON_OBJECT:
		jsonw_object_open(w);
		json_object_foreach((json_t *)j, key, v) {
			jsonw_key(w, key);
			write_tree(w, v);
		}
		jsonw_object_close(w);
		break;
	}
}

static void written_as_jansson(const json_t *j, int precision)
{
	char *want = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY |
					   JSON_REAL_PRECISION(precision));
	struct jsonw w;
	size_t len = 0;
	char *got;

	jsonw_init(&w, precision);
	write_tree(&w, j);
	got = jsonw_finish(&w, &len);
	assert_non_null(want);
	assert_non_null(got);
	assert_string_equal(got, want);
	assert_int_equal(len, strlen(want));
	free(want);
	free(got);
}

static void test_writer_random_documents(void **state)
{
	(void)state;
	text_with_nul = false;
	for (int i = 0; i < 20000; i++) {
		json_t *j = random_tree(0);

		struct jsonw w;
		json_t *built;

		written_as_jansson(j, 15);
		written_as_jansson(j, 17);
		/* The same calls building a tree build an equal one. */
		jsonw_init_tree(&w);
		write_tree(&w, j);
		built = jsonw_finish_tree(&w);
		assert_non_null(built);
		assert_true(json_equal(built, j));
		json_decref(built);
		json_decref(j);
	}
	text_with_nul = true;
}

/* jsonw_number writes what jsonutil_number's value dumps to. */
static void test_writer_number_rule(void **state)
{
	static const double values[] = {
		0,    350,  -495, 0.5,	  1e15,	       9007199254740991.0,
		9007199254740992.0, 1e300, -0.0, 0.1 + 0.2, 626.049460044283,
		NAN,  INFINITY,	  -INFINITY,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(values) / sizeof(*values); i++) {
		json_t *j = jsonutil_number(values[i]);
		char *want = jsonutil_dump(j, NULL), *got;
		struct jsonw w;

		jsonw_init(&w, 15);
		jsonw_number(&w, values[i]);
		got = jsonw_finish(&w, NULL);
		assert_non_null(got);
		assert_string_equal(got, want);
		free(got);
		free(want);
		json_decref(j);
	}
}

static void test_writer_members_and_nulls(void **state)
{
	struct jsonw w;
	char *got;

	(void)state;
	jsonw_init(&w, 15);
	jsonw_object_open(&w);
	jsonw_key(&w, "a");
	jsonw_string(&w, NULL);
	jsonw_key_lit(&w, "b");
	jsonw_array_open(&w);
	jsonw_array_close(&w);
	jsonw_key(&w, "c");
	jsonw_array_open(&w);
	jsonw_instant(&w, 1651370400000); /* 2022-05-01T02:00:00Z */
	jsonw_object_open(&w);
	jsonw_object_close(&w);
	jsonw_real(&w, 2);
	jsonw_array_close(&w);
	jsonw_object_close(&w);
	got = jsonw_finish(&w, NULL);
	assert_non_null(got);
	assert_string_equal(
		got, "{\"a\":null,\"b\":[],\"c\":[\"2022-05-01T02:00:00Z\",{},"
		     "2.0]}");
	free(got);
}

/* Each misuse: the writer fails and gives nothing back. */
static void test_writer_misuse_fails(void **state)
{
	struct jsonw w;

	(void)state;
	jsonw_init(&w, 15); /* a close without an open */
	jsonw_array_close(&w);
	assert_null(jsonw_finish(&w, NULL));

	jsonw_init(&w, 15); /* the wrong close */
	jsonw_array_open(&w);
	jsonw_object_close(&w);
	assert_null(jsonw_finish(&w, NULL));

	jsonw_init(&w, 15); /* a key in an array */
	jsonw_array_open(&w);
	jsonw_key(&w, "k");
	jsonw_null(&w);
	jsonw_array_close(&w);
	assert_null(jsonw_finish(&w, NULL));

	jsonw_init(&w, 15); /* a value in an object without its key */
	jsonw_object_open(&w);
	jsonw_null(&w);
	jsonw_object_close(&w);
	assert_null(jsonw_finish(&w, NULL));

	jsonw_init(&w, 15); /* a key outside any object */
	jsonw_key(&w, "k");
	jsonw_null(&w);
	assert_null(jsonw_finish(&w, NULL));

	jsonw_init(&w, 15); /* two values at the top */
	jsonw_null(&w);
	jsonw_null(&w);
	assert_null(jsonw_finish(&w, NULL));

	jsonw_init(&w, 15); /* a key with no value */
	jsonw_object_open(&w);
	jsonw_key(&w, "k");
	jsonw_object_close(&w);
	assert_null(jsonw_finish(&w, NULL));

	jsonw_init(&w, 15); /* two keys in a row */
	jsonw_object_open(&w);
	jsonw_key(&w, "k");
	jsonw_key(&w, "l");
	jsonw_null(&w);
	jsonw_object_close(&w);
	assert_null(jsonw_finish(&w, NULL));

	jsonw_init(&w, 15); /* left open */
	jsonw_object_open(&w);
	assert_null(jsonw_finish(&w, NULL));

	jsonw_init(&w, 15); /* not UTF-8 */
	jsonw_string(&w, "\xC3\x28");
	assert_null(jsonw_finish(&w, NULL));

	jsonw_init(&w, 15); /* finished twice */
	jsonw_null(&w);
	free(jsonw_finish(&w, NULL));
	assert_null(jsonw_finish(&w, NULL));

	jsonw_init(&w, 15); /* a NULL tree */
	jsonw_value(&w, NULL);
	assert_null(jsonw_finish(&w, NULL));
}

/* A tree built with a misuse is not given back either. */
static void test_writer_tree_misuse_fails(void **state)
{
	struct jsonw w;

	(void)state;
	jsonw_init_tree(&w); /* a value without its key */
	jsonw_object_open(&w);
	jsonw_integer(&w, 1);
	jsonw_object_close(&w);
	assert_null(jsonw_finish_tree(&w));

	jsonw_init_tree(&w); /* left open */
	jsonw_array_open(&w);
	jsonw_null(&w);
	assert_null(jsonw_finish_tree(&w));

	jsonw_init_tree(&w); /* a tree asked for as text */
	jsonw_null(&w);
	assert_null(jsonw_finish(&w, NULL));

	jsonw_init_tree(&w); /* not UTF-8 */
	jsonw_array_open(&w);
	jsonw_string(&w, "\xC3\x28");
	jsonw_array_close(&w);
	assert_null(jsonw_finish_tree(&w));
}

static void test_writer_depth_bound(void **state)
{
	struct jsonw w;
	char *got;

	(void)state;
	jsonw_init(&w, 15);
	for (int i = 0; i < JSONW_MAX_DEPTH; i++)
		jsonw_array_open(&w);
	for (int i = 0; i < JSONW_MAX_DEPTH; i++)
		jsonw_array_close(&w);
	got = jsonw_finish(&w, NULL);
	assert_non_null(got);
	assert_int_equal(strlen(got), 2 * JSONW_MAX_DEPTH);
	free(got);

	jsonw_init(&w, 15);
	for (int i = 0; i <= JSONW_MAX_DEPTH; i++)
		jsonw_array_open(&w);
	for (int i = 0; i <= JSONW_MAX_DEPTH; i++)
		jsonw_array_close(&w);
	assert_null(jsonw_finish(&w, NULL));
}

/* Only the numbers jansson refuses change, and the copy then parses:
 * numbers inside strings, after escaped quotes, and underflows stay. */
static void test_tame_numbers(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"{\"v\": 1e400}", "{\"v\": 1e300}"},
		{"[-1e400,1,99999999999999999999,-9223372036854775809]",
		 "[-1e300,1,1e300,-1e300]"},
		{"{\"n\": \"1e400 \\\" 1e400\", \"v\":9e308}",
		 "{\"n\": \"1e400 \\\" 1e400\", \"v\":1e300}"},
		{"[1e-400, 1e400]", "[1e-400, 1e300]"},
	};
	static const char *const untouched[] = {
		"{\"v\": 1e300}", "[1e-400, 9223372036854775807]",
		"{\"s\": \"1e400\"}", "",
	};
	json_error_t e;
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *t = jsonutil_tame_numbers(cases[i].in,
						strlen(cases[i].in), &n);
		json_t *j;

		assert_non_null(t);
		assert_string_equal(t, cases[i].out);
		assert_int_equal(n, strlen(cases[i].out));
		assert_null(json_loads(cases[i].in, 0, &e));
		j = json_loads(t, 0, &e);
		assert_non_null(j);
		json_decref(j);
		free(t);
	}
	for (size_t i = 0; i < sizeof(untouched) / sizeof(untouched[0]); i++)
		assert_null(jsonutil_tame_numbers(
			untouched[i], strlen(untouched[i]), &n));
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
		cmocka_unit_test(test_writer_random_documents),
		cmocka_unit_test(test_writer_number_rule),
		cmocka_unit_test(test_writer_members_and_nulls),
		cmocka_unit_test(test_writer_misuse_fails),
		cmocka_unit_test(test_writer_tree_misuse_fails),
		cmocka_unit_test(test_writer_depth_bound),
		cmocka_unit_test(test_tame_numbers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
