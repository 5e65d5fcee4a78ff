/* jsonutil.c - jansson helpers. */
#include "jsonutil.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
#include "timefmt.h"

/* Whether the number token t[0..n) is one jansson refuses: an integer
 * (no '.', 'e' or 'E') beyond json_int_t, or a real beyond a double
 * (an underflow to zero it takes). */
static bool number_overflows(const char *t, size_t n)
{
	char *s = strndup(t, n), *end;
	bool real = strpbrk(s ? s : "", ".eE") != NULL, over;

	if (!s)
		return false;
	errno = 0;
	if (real) {
		double x = strtod(s, &end);

		over = errno == ERANGE && isinf(x);
	} else {
		(void)strtoll(s, &end, 10);
		over = errno == ERANGE;
	}
	free(s);
	return over;
}

char *jsonutil_tame_numbers(const char *body, size_t len, size_t *out_len)
{
	char *out = malloc(len + 1), *o = out;
	bool in_string = false, tamed = false;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len;) {
		char c = body[i];
		size_t n = 1;

		if (in_string) {
			if (c == '\\' && i + 1 < len)
				n = 2;
			else if (c == '"')
				in_string = false;
		} else if (c == '"') {
			in_string = true;
		} else if (c == '-' || (c >= '0' && c <= '9')) {
			/* Every overflowing token is longer than its
			 * stand-in (1e309), so out never outgrows body. */
			const char *r = c == '-' ? "-1e300" : "1e300";

			while (i + n < len && body[i + n] != '\0' &&
			       strchr("0123456789+-.eE", body[i + n]))
				n++;
			if (strlen(r) <= n && number_overflows(body + i, n)) {
				memcpy(o, r, strlen(r));
				o += strlen(r);
				i += n;
				tamed = true;
				continue;
			}
		}
		memcpy(o, body + i, n);
		o += n;
		i += n;
	}
	if (!tamed) {
		free(out);
		return NULL;
	}
	*o = '\0';
	*out_len = (size_t)(o - out);
	return out;
}

json_t *jsonutil_number(double v)
{
	/* Whole numbers within the exactly representable range print as
	 * integers; everything else as a real. */
	if (jsonw_is_whole(v))
		return json_integer((json_int_t)v);
	return json_real(isfinite(v) ? v : 0);
}

json_t *jsonutil_instant(paced_ms t)
{
	char buf[TIMEFMT_MAX];

	return json_string(timefmt_rfc3339(t, buf));
}

json_t *jsonutil_string_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* paced's own serialiser (jsonw.c): json_dumps() formats each
 * container's address into a hash table (its loop check), decodes every
 * string one code point at a time and calls back for each token; it was
 * a tenth of paced's time per update. */
static char *dump(const json_t *j, size_t *len, int precision)
{
	struct jsonw w;

	jsonw_init(&w, precision);
	jsonw_value(&w, j);
	return jsonw_finish(&w, len);
}

char *jsonutil_dump(const json_t *j, size_t *len)
{
	return dump(j, len, 15);
}

char *jsonutil_dump_exact(const json_t *j, size_t *len)
{
	return dump(j, len, 17);
}

/* The arena: blocks of SCRATCH_BLOCK bytes (or one larger, for a large
 * allocation), the first kept from one use to the next. */
#define SCRATCH_BLOCK 65536

struct scratch_block {
	struct scratch_block *next;
	size_t size, used;
	max_align_t data[];
};

/* Per thread: start-up parses on a worker (load.c). */
static _Thread_local struct scratch_block *scratch;

static void *scratch_alloc(size_t n)
{
	struct scratch_block *b = scratch;

	n = (n + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
	if (!b || b->size - b->used < n) {
		size_t size = n > SCRATCH_BLOCK ? n : SCRATCH_BLOCK;

		b = malloc(sizeof(*b) + size);
		if (!b)
			return NULL;
		b->size = size;
		b->used = 0;
		b->next = scratch;
		scratch = b;
	}
	b->used += n;
	return (char *)b->data + b->used - n;
}

static void scratch_free(void *p)
{
	(void)p;
}

void jsonutil_scratch_begin(void)
{
	json_set_alloc_funcs(scratch_alloc, scratch_free);
}

void jsonutil_scratch_end(void)
{
	json_set_alloc_funcs(malloc, free);
}

void jsonutil_scratch_reset(void)
{
	/* Keep the oldest block for the next use; the others go. */
	while (scratch && scratch->next) {
		struct scratch_block *next = scratch->next;

		free(scratch);
		scratch = next;
	}
	if (scratch)
		scratch->used = 0;
}

void jsonutil_scratch_free(void)
{
	jsonutil_scratch_reset();
	free(scratch);
	scratch = NULL;
}

void jsonutil_free(void *p)
{
	json_free_t f;

	json_get_alloc_funcs(NULL, &f);
	f(p);
}

size_t jsonutil_utf8_len(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}
