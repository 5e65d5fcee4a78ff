/*
 * fuzz_json_plain.c - libFuzzer differential for json_plain_load, the
 * fast reader of request bodies and stored definitions. The whole input
 * is a document. Whenever the fast reader gives a tree, jansson, called
 * as the handlers call it (json_loadb with JSON_REJECT_DUPLICATES), must
 * give the same one, all the way down: the same members in the same
 * order (key bytes included), the same array elements, each of the same
 * type, with the same string bytes, the same integer and, for reals, the
 * same bits (json_equal would let -0.0 pass for 0.0). Any
 * difference aborts, and libFuzzer keeps the input. When the fast
 * reader declines, paced asks jansson anyway, so nothing is compared:
 * declining is always safe.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "json_plain.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void differ(const char *key, const char *what)
{
	fprintf(stderr, "json_plain_load and jansson differ at \"%s\": %s\n",
		key, what);
	abort();
}

static void same_value(const char *key, json_t *fast, json_t *ref)
{
	double a, b;
	void *fi, *ri;

	if (json_typeof(fast) != json_typeof(ref))
		differ(key, "type");
	switch (json_typeof(fast)) {
	case JSON_OBJECT:
		if (json_object_size(fast) != json_object_size(ref))
			differ(key, "member count");
		/* both keep members in input order: walk them side by side */
		for (fi = json_object_iter(fast), ri = json_object_iter(ref);
		     fi && ri; fi = json_object_iter_next(fast, fi),
		    ri = json_object_iter_next(ref, ri)) {
			const char *name = json_object_iter_key(fi);
			size_t len = json_object_iter_key_len(fi);

			if (len != json_object_iter_key_len(ri) ||
			    memcmp(name, json_object_iter_key(ri), len) != 0)
				differ(name, "member key or order");
			same_value(name, json_object_iter_value(fi),
				   json_object_iter_value(ri));
		}
		if (fi || ri)
			differ(key, "member count while walking");
		break;
	case JSON_ARRAY:
		if (json_array_size(fast) != json_array_size(ref))
			differ(key, "array length");
		for (size_t i = 0; i < json_array_size(fast); i++)
			same_value(key, json_array_get(fast, i),
				   json_array_get(ref, i));
		break;
	case JSON_STRING:
		if (json_string_length(fast) != json_string_length(ref) ||
		    memcmp(json_string_value(fast), json_string_value(ref),
			   json_string_length(fast)) != 0)
			differ(key, "string");
		break;
	case JSON_INTEGER:
		if (json_integer_value(fast) != json_integer_value(ref))
			differ(key, "integer");
		break;
	case JSON_REAL:
		a = json_real_value(fast);
		b = json_real_value(ref);
		if (memcmp(&a, &b, sizeof(a)) != 0)
			differ(key, "real");
		break;
	default: /* true, false, null: the type says it all */ break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *fast = json_plain_load((const char *)data, size), *ref;
	json_error_t err;

	if (!fast)
		return 0;
	ref =
	    json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &err);
	if (!ref) {
		fprintf(stderr,
			"jansson refuses what json_plain_load read: %s "
			"(line %d, column %d)\n",
			err.text, err.line, err.column);
		abort();
	}
	if (!json_is_object(fast))
		differ("", "not an object");
	same_value("", fast, ref);
	json_decref(ref);
	json_decref(fast);
	return 0;
}
