/*
 * test_json_flat.c - json_flat_load against jansson: every body it reads
 * must be the tree json_loadb(..., JSON_REJECT_DUPLICATES) gives, member
 * by member, type by type and bit by bit; every body jansson refuses it
 * must leave to jansson. Fixed cases, then random bodies and random
 * damage to them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_flat.h"
#include "rand_testutil.h"

/* Same members, same types, integers and reals bit for bit (json_equal
 * takes -0.0 for 0.0). */
static void assert_same_tree(const json_t *a, const json_t *b)
{
	const char *key;
	json_t *va;

	assert_true(json_is_object(a) && json_is_object(b));
	assert_int_equal(json_object_size(a), json_object_size(b));
	json_object_foreach((json_t *)a, key, va) {
		json_t *vb = json_object_get(b, key);

		assert_non_null(vb);
		assert_int_equal(json_typeof(va), json_typeof(vb));
		if (json_is_real(va)) {
			double x = json_real_value(va), y = json_real_value(vb);

			assert_memory_equal(&x, &y, sizeof(x));
		}
		assert_true(json_equal(va, vb));
	}
}

/* 1 when json_flat_load read the body (and agreed with jansson), 0 when
 * it left it to jansson. */
static int check(const char *s, size_t len)
{
	json_t *flat = json_flat_load(s, len), *ref;
	json_error_t err;

	if (!flat)
		return 0;
	ref = json_loadb(s, len, JSON_REJECT_DUPLICATES, &err);
	if (!ref)
		fail_msg("read by json_flat_load, refused by jansson (%s): %.*s",
			 err.text, (int)len, s);
	assert_same_tree(flat, ref);
	json_decref(flat);
	json_decref(ref);
	return 1;
}

static int check_str(const char *s)
{
	return check(s, strlen(s));
}

static void test_read(void **state)
{
	static const char *const bodies[] = {
		"{\"value\": 512.5}",
		"{\"value\":3}",
		" \r\n\t{ \"value\" : -0 , \"note\" : \"ok\" } \n",
		"{}",
		"{\"\": null}",
		"{\"value\": 1e3, \"delta\": -2.5E-3, \"x\": 0.0}",
		"{\"value\": -0.0}",
		"{\"a\": true, \"b\": false, \"c\": null}",
		"{\"at\": \"2022-05-01T02:00:00Z\", \"id\": \"k-1\"}",
		"{\"value\": 999999999999999999}",
		"{\"value\": -999999999999999999}",
		"{\"value\": 1e-400}",
		"{\"value\": 0.1}",
		"{\"value\": 123456789.123456789012345}",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bodies) / sizeof(*bodies); i++)
		if (!check_str(bodies[i]))
			fail_msg("left to jansson: %s", bodies[i]);
}

/* Each is either wrong (jansson's error to give) or beyond the plain
 * shape; none may be read. */
static void test_left_to_jansson(void **state)
{
	static const char *const bodies[] = {
		"", "   ", "[1]", "\"x\"", "1", "{", "}", "{\"a\"}",
		"{\"a\":}", "{\"a\" 1}", "{\"a\":1,}", "{,\"a\":1}",
		"{\"a\":1} x", "{\"a\":1}{}", "{\"a\":01}", "{\"a\":-}",
		"{\"a\":1.}", "{\"a\":.5}", "{\"a\":1e}", "{\"a\":+1}",
		"{\"a\":1e999}", "{\"a\":-1e999}", "{\"a\":1,\"a\":2}",
		"{\"a\":\"\\u00e9\"}", "{\"a\":\"\\n\"}", "{\"\\u0061\":1}",
		"{\"a\":\"\xc3\xa9\"}", "{\"a\":[1]}", "{\"a\":{}}",
		"{\"a\":tru}", "{\"a\":nul}", "{\"a\":True}",
		"{\"a\":1234567890123456789}", "{\"a\":\"x\ty\"}",
		"{a:1}", "{'a':1}", "\xef\xbb\xbf{\"a\":1}", "{\"a\":1\x0c}",
		"{\"a\":\"unterminated}",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bodies) / sizeof(*bodies); i++) {
		json_t *j = json_flat_load(bodies[i], strlen(bodies[i]));

		if (j)
			fail_msg("read, should be left to jansson: %s",
				 bodies[i]);
	}
	/* A NUL inside the body. */
	assert_null(json_flat_load("{\"a\":1}\0", 8));
	assert_null(json_flat_load("{\"a\":\"x\0y\"}", 11));
}

static void put(char **p, const char *s)
{
	size_t n = strlen(s);

	memcpy(*p, s, n);
	*p += n;
}

static const char *pick(const char *const *from, size_t n)
{
	return from[rand_testutil_next() % n];
}

static void random_ws(char **p)
{
	static const char *const ws[] = {"", "", "", " ", "\n", "\t ", "\r\n"};

	put(p, pick(ws, sizeof(ws) / sizeof(*ws)));
}

static void random_value(char **p)
{
	static const char *const words[] = {"true", "false", "null",
					    "\"\"", "\"on track\"",
					    "\"2022-05-01T02:00:00Z\""};
	char num[64];

	switch (rand_testutil_next() % 4) {
	case 0:
		put(p, pick(words, sizeof(words) / sizeof(*words)));
		return;
	case 1:
		snprintf(num, sizeof(num), "%lld",
			 rand_testutil_in(-2000000000000000000LL,
					  2000000000000000000LL) >>
				 (rand_testutil_next() % 62));
		break;
	case 2:
		snprintf(num, sizeof(num), "%.*g",
			 (int)(rand_testutil_next() % 18) + 1,
			 (double)(rand_testutil_next() >> 11) /
				 9007199254740992.0 *
				 pow(10, (double)rand_testutil_in(-330, 330)));
		break;
	default:
		snprintf(num, sizeof(num), "%s%lld.%0*lld%s",
			 rand_testutil_next() & 1 ? "-" : "",
			 rand_testutil_in(0, 100000),
			 (int)rand_testutil_in(1, 12),
			 rand_testutil_in(0, 999999),
			 rand_testutil_next() & 1 ? "e-3" : "");
	}
	put(p, num);
}

static void test_random_bodies(void **state)
{
	static const char *const names[] = {"\"value\"", "\"delta\"",
					    "\"note\"", "\"at\"", "\"id\"",
					    "\"\"", "\"value\""};
	char body[1024];
	int read = 0, damaged_read = 0;

	(void)state;
	for (int i = 0; i < 100000; i++) {
		char *p = body;
		int members = (int)(rand_testutil_next() % 5);
		size_t len;

		random_ws(&p);
		put(&p, "{");
		for (int m = 0; m < members; m++) {
			if (m)
				put(&p, ",");
			random_ws(&p);
			put(&p, pick(names, sizeof(names) / sizeof(*names)));
			random_ws(&p);
			put(&p, ":");
			random_ws(&p);
			random_value(&p);
			random_ws(&p);
		}
		put(&p, "}");
		random_ws(&p);
		len = (size_t)(p - body);
		read += check(body, len);
		/* The same body damaged: a byte changed, removed or added. */
		{
			size_t at = (size_t)(rand_testutil_next() % len);
			char c = (char)(rand_testutil_next() % 128);

			switch (rand_testutil_next() % 3) {
			case 0:
				body[at] = c;
				break;
			case 1:
				memmove(body + at, body + at + 1, len - at - 1);
				len--;
				break;
			default:
				memmove(body + at + 1, body + at, len - at);
				body[at] = c;
				len++;
			}
			damaged_read += check(body, len);
		}
	}
	/* Not vacuous: most undamaged bodies, some damaged ones, are read. */
	assert_true(read > 60000);
	assert_true(damaged_read > 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_left_to_jansson),
		cmocka_unit_test(test_random_bodies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
