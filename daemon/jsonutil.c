/* jsonutil.c - jansson helpers. */
#include "jsonutil.h"

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timefmt.h"

json_t *jsonutil_number(double v)
{
	/* Whole numbers within the exactly representable range print as
	 * integers; everything else as a real. */
	if (isfinite(v) && v == floor(v) && fabs(v) < 9007199254740992.0)
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

/*
 * paced's own serialiser of jansson trees. json_dumps() was a tenth of
 * paced's time per update: it formats each container's address with
 * snprintf into a hash table (its loop check), decodes every string one
 * code point at a time and calls back for each token. This writes the
 * same bytes (tests/unit/test_jsonutil.c compares the two) straight into
 * one growing buffer. Trees paced builds have no cycles; depth is still
 * bounded so that a mistake fails instead of overflowing the stack.
 */
#define DUMP_MAX_DEPTH 512

struct out {
	char *p;
	size_t len, cap;
	bool failed;
};

static bool out_reserve(struct out *o, size_t n)
{
	size_t cap;
	char *p;

	if (o->failed)
		return false;
	if (o->len + n < o->cap)
		return true;
	cap = o->cap ? o->cap : 1024;
	while (o->len + n >= cap)
		cap *= 2;
	p = realloc(o->p, cap);
	if (!p) {
		o->failed = true;
		return false;
	}
	o->p = p;
	o->cap = cap;
	return true;
}

static void out_add(struct out *o, const char *s, size_t n)
{
	if (out_reserve(o, n)) {
		memcpy(o->p + o->len, s, n);
		o->len += n;
	}
}

/* Length of the valid UTF-8 sequence at s (lead byte >= 0x80), or 0:
 * jansson refuses to dump what it would refuse to make. */
static size_t utf8_seq(const unsigned char *s, const unsigned char *end)
{
	unsigned c = s[0], cp;
	size_t n;

	if (c >= 0xC2 && c <= 0xDF)
		n = 2, cp = c & 0x1F;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 3, cp = c & 0x0F;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	if ((size_t)(end - s) < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3F);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
		return 0;
	return n;
}

static void dump_string(struct out *o, const char *str, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *s = (const unsigned char *)str, *end = s + len;
	const unsigned char *run = s;

	out_add(o, "\"", 1);
	while (s < end) {
		unsigned c = *s;
		char esc[6] = {'\\', 0, '0', '0', 0, 0};
		size_t n = 2;

		if (c >= 0x80) {
			size_t k = utf8_seq(s, end);

			if (!k) {
				o->failed = true;
				return;
			}
			s += k;
			continue;
		}
		if (c >= 0x20 && c != '"' && c != '\\') {
			s++;
			continue;
		}
		out_add(o, (const char *)run, (size_t)(s - run));
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			esc[1] = 'u';
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			n = 6;
		}
		out_add(o, esc, n);
		run = ++s;
	}
	out_add(o, (const char *)run, (size_t)(s - run));
	out_add(o, "\"", 1);
}

static void dump_integer(struct out *o, json_int_t v)
{
	char buf[24], *p = buf + sizeof(buf);
	unsigned long long u = v < 0 ? 0ull - (unsigned long long)v
				     : (unsigned long long)v;

	do
		*--p = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		*--p = '-';
	out_add(o, p, (size_t)(buf + sizeof(buf) - p));
}

/*
 * "%.15g" of v without printf, which was a twentieth of paced's time per
 * update (a reply has a dozen reals). Only where the answer is certain:
 * |v| in [1e-4, 1e15), printed without exponent. v times an exact power
 * of ten puts the 15 significant digits before the point; that product
 * is off the true one by at most 0.12 (one rounding, < 2^-53 relative),
 * so rounding it to the nearest integer gives printf's digits unless its
 * fraction is that close to one half, where printf is asked. Returns the
 * length written to buf (>= 32 bytes), or 0: use printf.
 */
static int fast_g15(double v, char *buf)
{
	static const double pow10[] = {
		1e0,  1e1,  1e2,  1e3,	1e4,  1e5,  1e6,  1e7,	1e8,  1e9,
		1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
	};
	double a = fabs(v), s, frac;
	char digits[16], *p = buf;
	long long m;
	int x, n;

	if (!(a >= 1e-4 && a < 1e15))
		return 0;
	/* log10 may land a power off near one: checked on the product. */
	x = (int)floor(log10(a));
	if (x < -4 || x > 14)
		return 0;
	s = a * pow10[14 - x];
	if (s < 1e14) {
		if (x-- == -4)
			return 0;
		s = a * pow10[14 - x];
	} else if (s >= 1e15) {
		if (x++ == 14)
			return 0;
		s = a * pow10[14 - x];
	}
	frac = s - floor(s);
	if (fabs(frac - 0.5) < 0.125)
		return 0;
	m = (long long)floor(s) + (frac > 0.5);
	if (m == 1000000000000000LL) { /* rounded up to the next power */
		m /= 10;
		x++;
	}
	if (m < 100000000000000LL || m >= 1000000000000000LL || x > 14)
		return 0;
	for (int i = 14; i >= 0; i--, m /= 10)
		digits[i] = (char)('0' + m % 10);
	/* %g drops the fraction's trailing zeros, and a bare point. */
	n = 15;
	while (n > x + 1 && digits[n - 1] == '0')
		n--;
	if (v < 0)
		*p++ = '-';
	if (x >= 0) {
		memcpy(p, digits, (size_t)x + 1);
		p += x + 1;
		if (n > x + 1) {
			*p++ = '.';
			memcpy(p, digits + x + 1, (size_t)(n - x - 1));
			p += n - x - 1;
		}
	} else {
		*p++ = '0';
		*p++ = '.';
		for (int i = -1; i > x; i--)
			*p++ = '0';
		memcpy(p, digits, (size_t)n);
		p += n;
	}
	*p = '\0';
	return (int)(p - buf);
}

/* "%.*g", made to read back as a real (".0" when it has neither point
 * nor exponent) and with the exponent's "+" and leading zeros dropped:
 * what jansson writes. */
static void dump_real(struct out *o, double v, int precision)
{
	char buf[64], *e;
	int n = precision == 15 ? fast_g15(v, buf) : 0;

	if (n == 0)
		n = snprintf(buf, sizeof(buf) - 2, "%.*g", precision, v);

	if (n < 0 || (size_t)n >= sizeof(buf) - 2) {
		o->failed = true;
		return;
	}
	e = strchr(buf, 'e');
	if (!e && !strchr(buf, '.')) {
		memcpy(buf + n, ".0", 3);
		n += 2;
	} else if (e) {
		char *digits = e + 1 + (e[1] == '-'), *from = e + 1;

		if (*from == '+' || *from == '-')
			from++;
		while (*from == '0' && from[1])
			from++;
		if (from != digits) {
			memmove(digits, from, strlen(from) + 1);
			n = (int)strlen(buf);
		}
	}
	out_add(o, buf, (size_t)n);
}

static void dump_value(struct out *o, const json_t *j, int precision,
		       int depth)
{
	json_t *v;
	size_t i;
	void *it;
	bool first = true;

	if (!j || depth > DUMP_MAX_DEPTH) {
		o->failed = true;
		return;
	}
	switch (json_typeof(j)) {
	case JSON_NULL:
		out_add(o, "null", 4);
		break;
	case JSON_TRUE:
		out_add(o, "true", 4);
		break;
	case JSON_FALSE:
		out_add(o, "false", 5);
		break;
	case JSON_INTEGER:
		dump_integer(o, json_integer_value(j));
		break;
	case JSON_REAL:
		dump_real(o, json_real_value(j), precision);
		break;
	case JSON_STRING:
		dump_string(o, json_string_value(j), json_string_length(j));
		break;
	case JSON_ARRAY:
		out_add(o, "[", 1);
		json_array_foreach(j, i, v) {
			if (i)
				out_add(o, ",", 1);
			dump_value(o, v, precision, depth + 1);
		}
		out_add(o, "]", 1);
		break;
	case JSON_OBJECT:
		out_add(o, "{", 1);
		for (it = json_object_iter((json_t *)j); it;
		     it = json_object_iter_next((json_t *)j, it)) {
			if (!first)
				out_add(o, ",", 1);
			first = false;
			/* Keys may hold NUL bytes: by length. */
			dump_string(o, json_object_iter_key(it),
				    json_object_iter_key_len(it));
			out_add(o, ":", 1);
			dump_value(o, json_object_iter_value(it), precision,
				   depth + 1);
		}
		out_add(o, "}", 1);
		break;
	}
}

static char *dump(const json_t *j, size_t *len, int precision)
{
	struct out o = {0};

	dump_value(&o, j, precision, 0);
	if (o.failed || !out_reserve(&o, 1)) {
		free(o.p);
		return NULL;
	}
	o.p[o.len] = '\0';
	if (len)
		*len = o.len;
	return o.p;
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
