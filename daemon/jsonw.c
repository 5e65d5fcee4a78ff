/* jsonw.c - JSON written straight into one growing buffer (jsonw.h).
 *
 * The printing of strings, integers and reals here is the one paced uses
 * for every document it serialises: jsonutil_dump() prints jansson trees
 * through jsonw_value(). tests/unit/test_jsonutil.c compares that with
 * json_dumps(), and the writer with the dump of the same tree.
 */
#include "jsonw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decimal.h"
#include "fmt_text.h"
#include "timefmt.h"

/* Trees paced builds have no cycles; their depth is still bounded so
 * that a mistake fails instead of overflowing the stack. */
#define DUMP_MAX_DEPTH 512

static void out_add(struct jsonw *o, const char *s, size_t n)
{
	if (o->tree)
		return;
	fmt_text_add(&o->text, s, n);
	if (o->text.nomem)
		o->failed = true;
}

/* Whether s (n bytes) is written as it is between quotes: printable
 * ASCII without '"' or '\\'. */
static bool plain_ascii(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\')
			return false;
	}
	return true;
}

static void dump_string(struct jsonw *o, const char *str, size_t len)
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
			size_t k = fmt_text_utf8_len(s, end);

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

static void dump_integer(struct jsonw *o, json_int_t v)
{
	char buf[1 + DECIMAL_U64_MAX], *p = buf + sizeof(buf); /* '-' */
	uint64_t u = v < 0 ? 0u - (uint64_t)v : (uint64_t)v;

	p = decimal_u64(p, u);
	if (v < 0)
		*--p = '-';
	out_add(o, p, (size_t)(buf + sizeof(buf) - p));
}

/* The 15 decimal digits of m (10^14 <= m < 10^15), two at a time on
 * 32-bit halves: one at a time in 64 bits was a third of a real's cost. */
static void put_15_digits(char *digits, long long m)
{
	static const char pairs[201] =
		"0001020304050607080910111213141516171819"
		"2021222324252627282930313233343536373839"
		"4041424344454647484950515253545556575859"
		"6061626364656667686970717273747576777879"
		"8081828384858687888990919293949596979899";
	uint32_t hi = (uint32_t)(m / 100000000), lo = (uint32_t)(m % 100000000);

	for (int i = 13; i >= 7; i -= 2, lo /= 100)
		memcpy(digits + i, pairs + 2 * (lo % 100), 2);
	digits[6] = (char)('0' + hi % 10);
	hi /= 10;
	for (int i = 4; i >= 0; i -= 2, hi /= 100)
		memcpy(digits + i, pairs + 2 * (hi % 100), 2);
}

/*
 * "%.15g" of v without printf, which was a twentieth of paced's time per
 * update (a reply has a dozen reals). Only where the answer is certain:
 * |v| in [1e-4, 1e15), printed without exponent. v times an exact power
 * of ten puts the 15 significant digits before the point; that product
 * is rounded once, and rounding it to the nearest integer gives printf's
 * digits (see the fraction's test below). A whole value gets ".0", as
 * dump_real would add. Returns the length written to buf (>= 32 bytes),
 * or 0: use printf.
 */
static int fast_g15(double v, char *buf)
{
	static const double pow10[] = {
		1e0,  1e1,  1e2,  1e3,	1e4,  1e5,  1e6,  1e7,	1e8,  1e9,
		1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
	};
	double a = fabs(v), s, frac;
	bool up;
	char digits[16], *p = buf;
	long long m;
	int x, n;

	if (!(a >= 1e-4 && a < 1e15))
		return 0;
	/* The decimal exponent by comparison, a tenth of log10's cost; the
	 * powers below one are inexact, so it may land one off near one:
	 * checked on the product. */
	x = 0;
	if (a >= 1) {
		while (x < 14 && a >= pow10[x + 1])
			x++;
	} else {
		static const double below[] = {1e-1, 1e-2, 1e-3, 1e-4};

		x = -1;
		while (x > -4 && a < below[-x - 1])
			x--;
	}
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
	/* s is a multiple of its ulp (2^-6 to 2^-3 here), within half an
	 * ulp of the true product: a fraction other than one half tells
	 * the rounding as the true one would. At one half, the product's
	 * exact error (fma) decides; exactly one half is a tie, and ties
	 * go to printf. */
	frac = s - floor(s);
	up = frac > 0.5;
	if (frac == 0.5) {
		double err = fma(a, pow10[14 - x], -s);

		if (err == 0)
			return 0;
		up = err > 0;
	}
	m = (long long)floor(s) + up;
	if (m == 1000000000000000LL) { /* rounded up to the next power */
		m /= 10;
		x++;
	}
	if (m < 100000000000000LL || m >= 1000000000000000LL || x > 14)
		return 0;
	put_15_digits(digits, m);
	/* %g drops the fraction's trailing zeros, and a bare point. */
	n = 15;
	while (n > x + 1 && digits[n - 1] == '0')
		n--;
	if (v < 0)
		*p++ = '-';
	if (x >= 0) {
		memcpy(p, digits, (size_t)x + 1);
		p += x + 1;
		/* Read back as a real: ".0" when whole, as dump_real does. */
		*p++ = '.';
		if (n > x + 1) {
			memcpy(p, digits + x + 1, (size_t)(n - x - 1));
			p += n - x - 1;
		} else {
			*p++ = '0';
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
static void dump_real(struct jsonw *o, double v)
{
	char buf[64], *e;
	int n = o->precision == 15 ? fast_g15(v, buf) : 0;

	if (n > 0) { /* no exponent, and a point */
		out_add(o, buf, (size_t)n);
		return;
	}
	n = snprintf(buf, sizeof(buf) - 2, "%.*g", o->precision, v);

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

static void dump_value(struct jsonw *o, const json_t *j, int depth)
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
		dump_real(o, json_real_value(j));
		break;
	case JSON_STRING:
		dump_string(o, json_string_value(j), json_string_length(j));
		break;
	case JSON_ARRAY:
		out_add(o, "[", 1);
		json_array_foreach(j, i, v) {
			if (i)
				out_add(o, ",", 1);
			dump_value(o, v, depth + 1);
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
			dump_value(o, json_object_iter_value(it), depth + 1);
		}
		out_add(o, "}", 1);
		break;
	}
}

/* ---- the writer ---- */

void jsonw_init(struct jsonw *w, int precision)
{
	*w = (struct jsonw){.precision = precision};
}

char *jsonw_finish(struct jsonw *w, size_t *len)
{
	char *p;

	if (w->depth || !w->written || w->tree)
		w->failed = true;
	if (w->failed) {
		jsonw_discard(w);
		return NULL;
	}
	p = fmt_text_finish(&w->text, len);
	w->failed = true; /* given: a second finish gives nothing */
	return p;
}

void jsonw_discard(struct jsonw *w)
{
	free(fmt_text_finish(&w->text, NULL));
	json_decref(w->root);
	w->root = NULL;
	w->failed = true;
}

void jsonw_init_tree(struct jsonw *w)
{
	*w = (struct jsonw){.precision = 17, .tree = true};
}

json_t *jsonw_finish_tree(struct jsonw *w)
{
	json_t *root;

	if (w->depth || !w->written || !w->tree)
		w->failed = true;
	if (w->failed) {
		jsonw_discard(w);
		return NULL;
	}
	root = w->root;
	w->root = NULL;
	w->failed = true; /* given: a second finish gives nothing */
	return root;
}

/* Building a tree: node (reference stolen) is the value just separated,
 * in the container open or at the top. */
static void put(struct jsonw *w, json_t *node)
{
	json_t *parent;

	if (!node || w->failed) {
		json_decref(node);
		w->failed = true;
		return;
	}
	if (!w->depth) {
		json_decref(w->root);
		w->root = node;
		return;
	}
	parent = w->open[w->depth - 1];
	if (json_is_object(parent) ? json_object_set_new(parent, w->key, node)
				   : json_array_append_new(parent, node))
		w->failed = true;
}

static uint64_t level_bit(const struct jsonw *w)
{
	return UINT64_C(1) << (w->depth - 1);
}

/* Before each value: its comma, unless it is a member's value or the
 * first in its array. A value must follow a key in an object, and only
 * one stands at the top. */
static void separate(struct jsonw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (!w->depth) {
		if (w->written)
			w->failed = true;
		w->written = true;
		return;
	}
	if (w->is_object & level_bit(w)) {
		w->failed = true;
		return;
	}
	if (w->has_member & level_bit(w))
		out_add(w, ",", 1);
	w->has_member |= level_bit(w);
}

static void open_container(struct jsonw *w, bool object)
{
	separate(w);
	if (w->depth >= JSONW_MAX_DEPTH) {
		w->failed = true;
		return;
	}
	out_add(w, object ? "{" : "[", 1);
	if (w->tree) {
		json_t *c = object ? json_object() : json_array();

		put(w, json_incref(c));
		w->open[w->depth] = c;
		json_decref(c); /* the parent (or root) holds it */
	}
	w->depth++;
	w->has_member &= ~level_bit(w);
	if (object)
		w->is_object |= level_bit(w);
	else
		w->is_object &= ~level_bit(w);
}

static void close_container(struct jsonw *w, bool object)
{
	if (!w->depth || w->after_key ||
	    !(w->is_object & level_bit(w)) != !object) {
		w->failed = true;
		return;
	}
	w->depth--;
	out_add(w, object ? "}" : "]", 1);
}

void jsonw_object_open(struct jsonw *w)
{
	open_container(w, true);
}

void jsonw_object_close(struct jsonw *w)
{
	close_container(w, true);
}

void jsonw_array_open(struct jsonw *w)
{
	open_container(w, false);
}

void jsonw_array_close(struct jsonw *w)
{
	close_container(w, false);
}

static bool key_allowed(const struct jsonw *w)
{
	return !w->after_key && w->depth && (w->is_object & level_bit(w));
}

static void key_written(struct jsonw *w, const char *key)
{
	w->has_member |= level_bit(w);
	w->key = key;
	w->after_key = true;
}

void jsonw_key_plain(struct jsonw *w, const char *key, size_t n)
{
	struct fmt_text *b = &w->text;
	bool comma;

	/* First: at depth 0 there is no level to take a bit of. */
	if (!key_allowed(w)) {
		w->failed = true;
		return;
	}
	comma = w->has_member & level_bit(w);
	if (w->tree) {
		/* Nothing written: the key names the member put() adds. */
	} else if (!b->nomem && b->len + n + 5 <= b->cap) {
		/* Straight into the room there is: a reply has thirty keys. */
		char *p = b->p + b->len;

		if (comma)
			*p++ = ',';
		*p++ = '"';
		memcpy(p, key, n);
		p += n;
		*p++ = '"';
		*p++ = ':';
		*p = '\0';
		b->len = (size_t)(p - b->p);
	} else {
		out_add(w, comma ? ",\"" : "\"", comma ? 2 : 1);
		out_add(w, key, n);
		out_add(w, "\":", 2);
	}
	key_written(w, key);
}

void jsonw_key(struct jsonw *w, const char *key)
{
	size_t n = strlen(key);

	if (plain_ascii(key, n)) {
		jsonw_key_plain(w, key, n);
		return;
	}
	if (!key_allowed(w)) {
		w->failed = true;
		return;
	}
	if (w->has_member & level_bit(w))
		out_add(w, ",", 1);
	dump_string(w, key, n);
	out_add(w, ":", 1);
	key_written(w, key);
}

void jsonw_null(struct jsonw *w)
{
	separate(w);
	if (w->tree)
		put(w, json_null());
	else
		out_add(w, "null", 4);
}

void jsonw_bool(struct jsonw *w, bool b)
{
	separate(w);
	if (w->tree)
		put(w, json_boolean(b));
	else if (b)
		out_add(w, "true", 4);
	else
		out_add(w, "false", 5);
}

void jsonw_integer(struct jsonw *w, long long v)
{
	separate(w);
	if (w->tree)
		put(w, json_integer(v));
	else
		dump_integer(w, v);
}

void jsonw_real(struct jsonw *w, double v)
{
	separate(w);
	if (w->tree)
		put(w, json_real(isfinite(v) ? v : 0));
	else
		dump_real(w, isfinite(v) ? v : 0);
}

void jsonw_number(struct jsonw *w, double v)
{
	separate(w);
	if (w->tree)
		put(w, jsonw_is_whole(v) ? json_integer((json_int_t)v)
					 : json_real(isfinite(v) ? v : 0));
	else if (jsonw_is_whole(v))
		dump_integer(w, (long long)v);
	else
		dump_real(w, isfinite(v) ? v : 0);
}

void jsonw_string(struct jsonw *w, const char *s)
{
	separate(w);
	if (w->tree)
		put(w, s ? json_string(s) : json_null());
	else if (s)
		dump_string(w, s, strlen(s));
	else
		out_add(w, "null", 4);
}

void jsonw_instant(struct jsonw *w, paced_ms t)
{
	char buf[TIMEFMT_MAX + 1];
	size_t n;

	if (w->tree) {
		jsonw_string(w, timefmt_rfc3339(t, buf));
		return;
	}
	/* Digits and "-:.TZ": written between quotes as they are. */
	separate(w);
	buf[0] = '"';
	n = strlen(timefmt_rfc3339(t, buf + 1)) + 1;
	buf[n] = '"';
	out_add(w, buf, n + 1);
}

void jsonw_value(struct jsonw *w, const json_t *j)
{
	separate(w);
	/* Shared, not copied: nobody changes the trees paced shows. */
	if (w->tree)
		put(w, json_incref((json_t *)j));
	else
		dump_value(w, j, 0);
}

void jsonw_members(struct jsonw *w, const char *text, size_t len)
{
	if (w->tree || !len || w->after_key || !w->depth ||
	    !(w->is_object & level_bit(w))) {
		w->failed = true;
		return;
	}
	if (w->has_member & level_bit(w))
		out_add(w, ",", 1);
	w->has_member |= level_bit(w);
	out_add(w, text, len);
}
