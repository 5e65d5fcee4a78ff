/*
 * test_json_plain.c - json_plain_load against jansson: every document it
 * reads must be the tree json_loadb(..., JSON_REJECT_DUPLICATES) gives,
 * member by member in order, type by type and bit by bit; every document
 * jansson refuses it must leave to jansson. Fixed cases, every UTF-8
 * lead and continuation byte, then random documents and random damage to
 * them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_plain.h"
#include "rand_testutil.h"

/* Same members in the same order, same types, string bytes, integers
 * and reals bit for bit (json_equal takes -0.0 for 0.0), all the way
 * down. */
static void assert_same_tree(const json_t *a, const json_t *b)
{
	double x, y;

	assert_int_equal(json_typeof(a), json_typeof(b));
	switch (json_typeof(a)) {
	case JSON_OBJECT: {
		void *ia = json_object_iter((json_t *)a);
		void *ib = json_object_iter((json_t *)b);

		assert_int_equal(json_object_size(a), json_object_size(b));
		for (; ia && ib; ia = json_object_iter_next((json_t *)a, ia),
				 ib = json_object_iter_next((json_t *)b, ib)) {
			assert_int_equal(json_object_iter_key_len(ia),
					 json_object_iter_key_len(ib));
			assert_memory_equal(json_object_iter_key(ia),
					    json_object_iter_key(ib),
					    json_object_iter_key_len(ia));
			assert_same_tree(json_object_iter_value(ia),
					 json_object_iter_value(ib));
		}
		assert_null(ia);
		assert_null(ib);
		return;
	}
	case JSON_ARRAY:
		assert_int_equal(json_array_size(a), json_array_size(b));
		for (size_t i = 0; i < json_array_size(a); i++)
			assert_same_tree(json_array_get(a, i),
					 json_array_get(b, i));
		return;
	case JSON_STRING:
		assert_int_equal(json_string_length(a), json_string_length(b));
		assert_memory_equal(json_string_value(a), json_string_value(b),
				    json_string_length(a));
		return;
	case JSON_REAL:
		x = json_real_value(a);
		y = json_real_value(b);
		assert_memory_equal(&x, &y, sizeof(x));
		return;
	default: assert_true(json_equal((json_t *)a, (json_t *)b));
	}
}

/* 1 when json_plain_load read the document (and agreed with jansson), 0
 * when it left it to jansson. */
static int check(const char *s, size_t len)
{
	json_t *plain = json_plain_load(s, len), *ref;
	json_error_t err;

	if (!plain)
		return 0;
	ref = json_loadb(s, len, JSON_REJECT_DUPLICATES, &err);
	if (!ref)
		fail_msg("read by json_plain_load, refused by jansson (%s): "
			 "%.*s",
			 err.text, (int)len, s);
	assert_same_tree(plain, ref);
	json_decref(plain);
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
	    "{\"a\":[1]}",
	    "{\"a\":{}}",
	    "{\"a\":[]}",
	    "{\"a\": [ ] , \"b\" : { } }",
	    "{\"a\":\"\xc3\xa9\"}",
	    "{\"\xe9\xa1\xb9\xe7\x9b\xae\":\"\xf0\x9f\x98\x80\x7f\"}",
	    /* a definition as paced stores it */
	    "{\"title\":\"\xe9\xa1\xb9\xe7\x9b\xae "
	    "0\",\"unit\":\"\xe4\xb8\xaa\","
	    "\"target\":100,\"start\":\"2026-08-21T05:43:27Z\","
	    "\"due\":\"2026-12-29T05:43:27Z\",\"report_every\":\"14d\","
	    "\"tags\":[\"\xe6\xb0\x91\xe7\x94\x9f\",\"x\"],"
	    "\"milestones\":[{\"at\":\"2026-10-01\",\"value\":50}],"
	    "\"thresholds\":{\"at_risk\":0.05,\"behind\":0.1}}",
	    "{\"a\":[[1,[2,{\"b\":[null,true,false,\"\"]}]],-0.5]}",
	    /* the same name in two objects is no duplicate */
	    "{\"a\":{\"a\":1},\"b\":{\"a\":2}}",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bodies) / sizeof(*bodies); i++) {
		/* Each part cut before the closing brace is refused; each in
		 * a buffer of its own length, so that a look past the end is
		 * a read out of bounds (the ASan build catches it). */
		size_t close = (size_t)(strrchr(bodies[i], '}') - bodies[i]);

		if (!check_str(bodies[i]))
			fail_msg("left to jansson: %s", bodies[i]);
		for (size_t k = 1; k <= close; k++) {
			char *part = malloc(k);
			json_t *j;

			assert_non_null(part);
			memcpy(part, bodies[i], k);
			j = json_plain_load(part, k);
			free(part);
			if (j)
				fail_msg("read the first %zu bytes of %s", k,
					 bodies[i]);
		}
	}
}

/* Each is either wrong (jansson's error to give) or beyond the plain
 * shape; none may be read. The UTF-8 ones are text jansson refuses:
 * a lone continuation byte, an overlong form, a surrogate, a code
 * point past U+10FFFF, a sequence cut short. */
static void test_left_to_jansson(void **state)
{
	static const char *const bodies[] = {
	    "",
	    "   ",
	    "[1]",
	    "\"x\"",
	    "1",
	    "{",
	    "}",
	    "{\"a\"}",
	    "{\"a\":}",
	    "{\"a\" 1}",
	    "{\"a\":1,}",
	    "{,\"a\":1}",
	    "{\"a\":1} x",
	    "{\"a\":1}{}",
	    "{\"a\":01}",
	    "{\"a\":-}",
	    "{\"a\":1.}",
	    "{\"a\":.5}",
	    "{\"a\":1e}",
	    "{\"a\":+1}",
	    "{\"a\":1e999}",
	    "{\"a\":-1e999}",
	    "{\"a\":1,\"a\":2}",
	    "{\"a\":\"\\u00e9\"}",
	    "{\"a\":\"\\n\"}",
	    "{\"\\u0061\":1}",
	    "{\"a\":[1,]}",
	    "{\"a\":[,1]}",
	    "{\"a\":[1 2]}",
	    "{\"a\":[1}",
	    "{\"a\":{\"b\":1]}",
	    "{\"a\":{\"b\"}}",
	    "{\"a\":{\"b\":1,\"b\":2}}",
	    "{\"a\":[\"\\n\"]}",
	    "{\"a\":\"\x80\"}",
	    "{\"a\":\"\xc0\xaf\"}",
	    "{\"a\":\"\xc1\xbf\"}",
	    "{\"a\":\"\xe0\x9f\xbf\"}",
	    "{\"a\":\"\xf0\x8f\xbf\xbf\"}",
	    "{\"a\":\"\xed\xa0\x80\"}",
	    "{\"a\":\"\xf4\x90\x80\x80\"}",
	    "{\"a\":\"\xf5\x80\x80\x80\"}",
	    "{\"a\":\"\xe4\xb8\"}",
	    "{\"a\":\"\xe4\"}",
	    "{\"\xff\":1}",
	    "{\"a\":\"\xe4\xb8\xad",
	    "{\"a\":\"\xfe\xff\"}",
	    "{\"a\":tru}",
	    "{\"a\":nul}",
	    "{\"a\":True}",
	    "{\"a\":1234567890123456789}",
	    "{\"a\":\"x\ty\"}",
	    "{a:1}",
	    "{'a':1}",
	    "\xef\xbb\xbf{\"a\":1}",
	    "{\"a\":1\x0c}",
	    "{\"a\":\"unterminated}",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bodies) / sizeof(*bodies); i++) {
		json_t *j = json_plain_load(bodies[i], strlen(bodies[i]));

		if (j)
			fail_msg("read, should be left to jansson: %s",
				 bodies[i]);
	}
	/* A NUL inside the body. */
	assert_null(json_plain_load("{\"a\":1}\0", 8));
	assert_null(json_plain_load("{\"a\":\"x\0y\"}", 11));
	assert_null(json_plain_load("{\"a\":[\"x\0y\"]}", 13));
}

/* Arrays nested to the limit are read; one more goes to jansson, which
 * reads it too. */
static void test_depth(void **state)
{
	char doc[2 * PLAIN_DEPTH_MAX + 16];

	(void)state;
	for (int extra = 0; extra < 2; extra++) {
		char *p = doc;
		int arrays = PLAIN_DEPTH_MAX - 1 + extra;

		p += sprintf(p, "{\"a\":");
		for (int i = 0; i < arrays; i++)
			*p++ = '[';
		for (int i = 0; i < arrays; i++)
			*p++ = ']';
		*p++ = '}';
		assert_int_equal(check(doc, (size_t)(p - doc)), !extra);
		if (extra) {
			json_t *j = json_loadb(doc, (size_t)(p - doc), 0, NULL);

			assert_non_null(j);
			json_decref(j);
		}
	}
}

/* Every first byte, with second bytes across their range and the rest
 * at a continuation's edges or not one: read exactly when jansson reads
 * it, so no well-formed title goes the slow way and no malformed one is
 * let in. */
static void test_utf8_as_jansson(void **state)
{
	static const unsigned char tails[] = {0x80, 0xbf, 0x41, 0xc0};
	enum { N_TAILS = sizeof(tails) };
	char doc[16];
	int read = 0;

	(void)state;
	for (int b0 = 0x20; b0 < 0x100; b0++)
		for (int b1 = 0; b1 < 0x100; b1++)
			for (int t = 0; t < N_TAILS * N_TAILS; t++) {
				unsigned char *u = (unsigned char *)doc;
				json_t *ref;
				int mine;

				if (b0 == '"' || b0 == '\\')
					continue;
				memcpy(doc, "{\"a\":\"", 6);
				u[6] = (unsigned char)b0;
				u[7] = (unsigned char)b1;
				u[8] = tails[t / N_TAILS];
				u[9] = tails[t % N_TAILS];
				memcpy(doc + 10, "\"}", 2);
				mine = check(doc, 12);
				ref = json_loadb(doc, 12,
						 JSON_REJECT_DUPLICATES, NULL);
				if (mine != (ref != NULL))
					fail_msg("jansson %s %02x %02x %02x "
						 "%02x, json_plain_load does "
						 "not",
						 ref ? "reads" : "refuses", b0,
						 b1, u[8], u[9]);
				json_decref(ref);
				read += mine;
			}
	assert_true(read > 10000);
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

static void random_value(char **p, int depth)
{
	static const char *const words[] = {"true",
					    "false",
					    "null",
					    "\"\"",
					    "\"on track\"",
					    "\"2022-05-01T02:00:00Z\"",
					    "\"\xe9\xa1\xb9\xe7\x9b\xae 0\"",
					    "\"\xe4\xb8\xaa\"",
					    "\"\xf0\x9f\x98\x80\""};
	static const char *const names[] = {"\"at\"", "\"value\"",
					    "\"\xe4\xb8\xaa\""};
	int members;
	char num[64];

	/* Nested values only a few levels down: the documents stay short. */
	switch (rand_testutil_next() % (depth < 3 ? 6 : 4)) {
	case 0: put(p, pick(words, sizeof(words) / sizeof(*words))); return;
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
	case 3:
		snprintf(num, sizeof(num), "%s%lld.%0*lld%s",
			 rand_testutil_next() & 1 ? "-" : "",
			 rand_testutil_in(0, 100000),
			 (int)rand_testutil_in(1, 12),
			 rand_testutil_in(0, 999999),
			 rand_testutil_next() & 1 ? "e-3" : "");
		break;
	case 4:
		put(p, "[");
		members = (int)(rand_testutil_next() % 4);
		for (int m = 0; m < members; m++) {
			if (m)
				put(p, ",");
			random_ws(p);
			random_value(p, depth + 1);
			random_ws(p);
		}
		put(p, "]");
		return;
	default:
		put(p, "{");
		members = (int)(rand_testutil_next() % 3);
		for (int m = 0; m < members; m++) {
			if (m)
				put(p, ",");
			random_ws(p);
			put(p, pick(names, sizeof(names) / sizeof(*names)));
			put(p, ":");
			random_value(p, depth + 1);
		}
		put(p, "}");
		return;
	}
	put(p, num);
}

static void test_random_bodies(void **state)
{
	static const char *const names[] = {
	    "\"value\"", "\"delta\"", "\"note\"", "\"at\"",
	    "\"id\"",	 "\"\"",      "\"value\""};
	char body[8192];
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
			random_value(&p, 0);
			random_ws(&p);
		}
		put(&p, "}");
		random_ws(&p);
		len = (size_t)(p - body);
		read += check(body, len);
		/* The same body damaged: a byte changed, removed or added. */
		{
			size_t at = (size_t)(rand_testutil_next() % len);
			char c = (char)(rand_testutil_next() % 256);

			switch (rand_testutil_next() % 3) {
			case 0: body[at] = c; break;
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

/* A stored document reads the same whether the fast reader takes it or
 * leaves it to jansson; what is not JSON, or no text, reads as NULL. */
static void test_stored(void **state)
{
	/* The first three carry JSON escapes (a backslash in the text):
	 * json_plain declines them and jansson reads them. */
	static const struct {
		const char *text;
		bool plain; /* json_plain_load reads it itself */
	} texts[] = {
	    {"{\"title\":\"\\u9879\\u76ee\",\"target\":350}", false},
	    {"{\"note\":\"a \\\"quoted\\\" word\"}", false},
	    {"{\"note\":\"two\\nlines\"}", false},
	    {"{\"title\":\"项目\",\"target\":350}", true},
	    {"{\"a\":1,\"a\":2}", false}, /* jansson keeps the last */
	    {" [1,2] ", false},
	};
	static const char *const not_json[] = {"", "{", "{\"a\":}", "x"};

	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(*texts); i++) {
		const char *t = texts[i].text;
		json_t *plain = json_plain_load(t, strlen(t));
		json_t *got = json_stored_load(t);
		json_t *want = json_loads(t, 0, NULL);

		assert_int_equal(plain != NULL, texts[i].plain);
		assert_non_null(got);
		assert_non_null(want);
		assert_same_tree(got, want);
		json_decref(plain);
		json_decref(got);
		json_decref(want);
	}
	for (size_t i = 0; i < sizeof(not_json) / sizeof(*not_json); i++)
		assert_null(json_stored_load(not_json[i]));
	assert_null(json_stored_load(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_read),
	    cmocka_unit_test(test_left_to_jansson),
	    cmocka_unit_test(test_depth),
	    cmocka_unit_test(test_utf8_as_jansson),
	    cmocka_unit_test(test_random_bodies),
	    cmocka_unit_test(test_stored),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
